#include "arbor/venue/polymarket/fees.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }
Money M(std::string_view s) { return *Money::Parse(s); }

constexpr FeeSchedule kSdkSchedule{.rate_micros = 250000, .exponent = 2};
constexpr FeeSchedule kSports{
    .rate_micros = 30000, .exponent = 1, .rebate_rate_micros = 250000, .taker_only = true};

TEST(FeesTest, ExactValuesBeyondMicroPrecision) {
  // TEST_VECTORS.md §9 (the conformance test reads all rows from test_vectors.json).
  EXPECT_EQ(TakerFeeExact(kSdkSchedule, Q("100"), P("0.01"))->ToString(), "0.00245025");
  EXPECT_EQ(TakerFeeExact(kSdkSchedule, Q("100"), P("0.05"))->ToString(), "0.05640625");
  EXPECT_EQ(TakerFeeExact(kSdkSchedule, Q("125.5"), P("0.5"))->ToString(), "1.9609375");
  EXPECT_EQ(TakerFeeExact(kSdkSchedule, Q("0"), P("0.5"))->ToString(), "0");
  EXPECT_EQ(TakerFeeExact(kSdkSchedule, Q("100"), P("1"))->ToString(), "0");
  EXPECT_EQ(TakerFeeExact(kSports, Q("10"), P("0.4"))->ToString(), "0.072");
}

TEST(FeesTest, RoundingModes) {
  // 0.05640625 at 6 dp drops "25": down and half-up give 0.056406, up gives 0.056407.
  const absl::StatusOr<ExactFee> fee = TakerFeeExact(kSdkSchedule, Q("100"), P("0.05"));
  ASSERT_TRUE(fee.ok());
  EXPECT_EQ(*fee->Round(6, Rounding::kDown), M("0.056406"));
  EXPECT_EQ(*fee->Round(6, Rounding::kUp), M("0.056407"));
  EXPECT_EQ(*fee->Round(6, Rounding::kHalfUp), M("0.056406"));
  EXPECT_EQ(*fee->Round(5, Rounding::kHalfUp), M("0.05641"));
  EXPECT_EQ(*fee->Round(2, Rounding::kDown), M("0.05"));
  EXPECT_EQ(*fee->Round(0, Rounding::kUp), M("1"));
  const absl::StatusOr<Money> exact = fee->Round(6, Rounding::kExact);
  ASSERT_FALSE(exact.ok());
  EXPECT_EQ(exact.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(exact.status().message()), HasSubstr("0.05640625"));
  EXPECT_EQ(*fee->Round(6, Rounding::kTowardZero), M("0.056406"));
  EXPECT_FALSE(fee->Round(7, Rounding::kDown).ok());
}

TEST(FeesTest, NautilusFloorsToFiveDecimals) {
  EXPECT_EQ(*TakerFeeNautilus(kSdkSchedule, Q("100"), P("0.01")), M("0.00245"));
  EXPECT_EQ(*TakerFeeNautilus(kSdkSchedule, Q("125.5"), P("0.5")), M("1.96093"));
  EXPECT_EQ(*TakerFee(kSdkSchedule, Q("125.5"), P("0.5"), Rounding::kHalfUp), M("1.960938"));
}

TEST(FeesTest, LargeInputsStayExact) {
  // 9.2e12 shares at p = 0.5, rate 1, exponent 7: far beyond 128 bits before scaling.
  const FeeSchedule s{.rate_micros = 1000000, .exponent = FeeSchedule::kMaxExponent};
  const Quantity shares = Quantity::FromMicros(9'000'000'000'000'000'000);
  const absl::StatusOr<ExactFee> fee = TakerFeeExact(s, shares, P("0.5"));
  ASSERT_TRUE(fee.ok()) << fee.status();
  // 9e12 * 0.25^7 = 549316406.25
  EXPECT_EQ(fee->ToString(), "549316406.25");
  EXPECT_EQ(*fee->Round(6, Rounding::kExact), M("549316406.25"));
}

TEST(FeesTest, RejectsInvalidInputs) {
  struct Case {
    FeeSchedule schedule;
    Quantity shares;
    Price price;
    std::string_view message;
  };
  for (const Case& c : {
           Case{kSports, Q("-1"), P("0.5"), "negative share count -1"},
           Case{kSports, Q("1"), P("1.5"), "price 1.5 outside [0, 1]"},
           Case{kSports, Q("1"), P("-0.1"), "outside [0, 1]"},
           Case{FeeSchedule{.rate_micros = -1}, Q("1"), P("0.5"), "fee rate"},
           Case{FeeSchedule{.rate_micros = 1, .exponent = 8}, Q("1"), P("0.5"),
                "fee exponent 8 outside [0, 7]"},
       }) {
    absl::StatusOr<ExactFee> fee = TakerFeeExact(c.schedule, c.shares, c.price);
    ASSERT_FALSE(fee.ok()) << c.message;
    EXPECT_EQ(fee.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(fee.status().message()), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace arbor::venue::polymarket
