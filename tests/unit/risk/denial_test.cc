// DenialReason: the numbers and names are a wire contract with arbor.v1.RiskDenialReason, and the
// labels are Prometheus label values, so both are checked against the .proto text itself.
#include "arbor/risk/denial.h"

#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::risk {
namespace {

using ::testing::HasSubstr;

// RISK_DENIAL_REASON_<NAME> = <value> from proto/arbor/v1/execution.proto.
std::map<int, std::string> ProtoReasons() {
  const std::string path =
      std::string(ARBOR_TEST_DATA_DIR) + "/../../proto/arbor/v1/execution.proto";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream text;
  text << in.rdbuf();
  const std::string body = text.str();
  const std::regex entry(R"(RISK_DENIAL_REASON_([A-Z_]+)\s*=\s*([0-9]+)\s*;)");
  std::map<int, std::string> out;
  for (auto it = std::sregex_iterator(body.begin(), body.end(), entry);
       it != std::sregex_iterator(); ++it) {
    out[std::stoi((*it)[2].str())] = (*it)[1].str();
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

TEST(DenialReasonTest, MirrorsTheProtoEnumOneToOne) {
  const std::map<int, std::string> proto = ProtoReasons();
  ASSERT_EQ(proto.size(), kDenialReasonCount + 1u) << "UNSPECIFIED plus one per DenialReason";
  EXPECT_EQ(proto.at(0), "UNSPECIFIED");
  for (DenialReason reason : AllDenialReasons()) {
    const int value = static_cast<int>(reason);
    ASSERT_TRUE(proto.contains(value)) << value;
    // The label is the proto name, lower-cased, so the numeric value and the name agree.
    EXPECT_EQ(Upper(DenialReasonLabel(reason)), proto.at(value)) << value;
  }
}

TEST(DenialReasonTest, SpotValuesMatchTheBrief) {
  static_assert(static_cast<int>(DenialReason::kPriceTolerance) == 1);
  static_assert(static_cast<int>(DenialReason::kKillSwitch) == 10);
  static_assert(static_cast<int>(DenialReason::kDuplicateGroup) == 19);
  static_assert(static_cast<int>(DenialReason::kMarketNotOpen) == 26);
  static_assert(static_cast<int>(DenialReason::kNotMarketable) == 27);
  EXPECT_EQ(DenialReasonLabel(DenialReason::kNotMarketable), "not_marketable");
  EXPECT_EQ(DenialReasonLabel(DenialReason::kPriceTolerance), "price_tolerance");
  EXPECT_EQ(DenialReasonLabel(DenialReason::kKillSwitch), "kill_switch");
  EXPECT_EQ(DenialReasonLabel(DenialReason::kPositionLimitVenue), "position_limit_venue");
}

TEST(DenialReasonTest, LabelsAreUniqueSnakeCase) {
  std::set<std::string_view> seen;
  const std::regex snake("[a-z]+(_[a-z]+)*");
  for (DenialReason reason : AllDenialReasons()) {
    const std::string_view label = DenialReasonLabel(reason);
    EXPECT_TRUE(std::regex_match(std::string(label), snake)) << label;
    EXPECT_NE(label, "unknown");
    EXPECT_TRUE(seen.insert(label).second) << "duplicate label " << label;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kDenialReasonCount));
}

TEST(DenialReasonTest, AllReasonsAreInNumericOrder) {
  const auto all = AllDenialReasons();
  for (int i = 0; i < kDenialReasonCount; ++i) EXPECT_EQ(static_cast<int>(all[i]), i + 1);
}

TEST(DenialReasonTest, OutOfRangeValueIsUnknown) {
  EXPECT_EQ(DenialReasonLabel(static_cast<DenialReason>(0)), "unknown");
  EXPECT_EQ(DenialReasonLabel(static_cast<DenialReason>(28)), "unknown");
}

TEST(DenialTest, ToStringCarriesEverything) {
  const Denial d{.reason = DenialReason::kPriceTolerance,
                 .message = "too far",
                 .limit_value = 10'000,
                 .observed_value = 20'000,
                 .leg_index = 1};
  EXPECT_EQ(d.ToString(), "price_tolerance leg=1 limit=10000 observed=20000: too far");
  const Denial whole{.reason = DenialReason::kSafeMode, .message = "", .leg_index = {}};
  EXPECT_EQ(whole.ToString(), "safe_mode limit=0 observed=0");
  std::ostringstream os;
  os << d;
  EXPECT_THAT(os.str(), HasSubstr("leg=1"));
}

}  // namespace
}  // namespace arbor::risk
