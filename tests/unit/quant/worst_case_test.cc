#include "arbor/quant/worst_case.h"

#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "quant_test_util.h"

namespace arbor::quant {
namespace {

using ::arbor::quant::testing::M;
using ::arbor::quant::testing::Q;

TEST(WorstCasePayoffTest, CompleteSetOfYesPaysOnePerSet) {
  const std::vector<OutcomePosition> pos = {{Q("100"), {}}, {Q("100"), {}}};
  absl::StatusOr<BlockPayoff> r = WorstCasePayoff(pos);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->worst, M("100"));
}

TEST(WorstCasePayoffTest, AllNoOfFourPaysThreePerSet) {
  const std::vector<OutcomePosition> pos(4, OutcomePosition{{}, Q("10")});
  absl::StatusOr<BlockPayoff> r = WorstCasePayoff(pos);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->worst, M("30"));
}

TEST(WorstCasePayoffTest, FindsTheMinimisingOutcome) {
  // YES 5 on outcome 0, NO 2 on outcome 2: outcome 0 pays 7, 1 pays 2, 2 pays 0.
  const std::vector<OutcomePosition> pos = {{Q("5"), {}}, {}, {{}, Q("2")}};
  absl::StatusOr<BlockPayoff> r = WorstCasePayoff(pos);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->worst, Money::Zero());
  EXPECT_EQ(r->worst_outcome, 2);
  // Shorts count negatively: short 1 YES of outcome 1 makes outcome 1 pay 1.
  const std::vector<OutcomePosition> shorted = {{Q("5"), {}}, {Q("-1"), Q("3")}, {{}, Q("2")}};
  r = WorstCasePayoff(shorted);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->worst, M("1"));  // outcome 1: -1 + 2; outcome 2: 3; outcome 0: 5 + 3 + 2
  EXPECT_EQ(r->worst_outcome, 1);
}

TEST(WorstCasePayoffTest, NonExhaustiveBlockIncludesNone) {
  // Every listed YES: exhaustive pays 1, but an augmented event may resolve to none of them.
  const std::vector<OutcomePosition> pos(3, OutcomePosition{Q("1"), {}});
  absl::StatusOr<BlockPayoff> r = WorstCasePayoff(pos, /*exhaustive=*/true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->worst, M("1"));
  r = WorstCasePayoff(pos, /*exhaustive=*/false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->worst, Money::Zero());
  EXPECT_EQ(r->worst_outcome, -1);
}

TEST(WorstCasePayoffTest, EmptyBlockIsAnError) {
  EXPECT_EQ(WorstCasePayoff({}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace arbor::quant
