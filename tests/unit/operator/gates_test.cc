#include "arbor/trading_policy/gates.h"

#include "gtest/gtest.h"

namespace arbor::trading_policy {
namespace {

StageSpec Stage() {
  StageSpec s;
  s.name = "probe";
  s.min_samples = 10;
  s.gates.min_realized_pnl_cents = -500;
  s.gates.max_drawdown_cents = 1500;
  s.gates.min_fill_reliability_bps = 9000;
  s.gates.max_unhedged_executions = 1;
  s.gates.max_error_rate_bps = 500;
  return s;
}

StageEvidence Good() {
  StageEvidence e;
  e.data_complete = true;
  e.sample_count = 12;
  e.realized_pnl_micros = 1'000'000;
  e.max_drawdown_micros = 2'000'000;
  e.legs_submitted = 30;
  e.legs_filled = 29;
  e.unhedged_count = 0;
  e.orders_rejected = 1;
  return e;
}

GateResult ResultOf(const GateVerdict& v, const std::string& name) {
  for (const GateEvidence& g : v.gates) {
    if (g.name == name) return g.result;
  }
  ADD_FAILURE() << "no gate " << name;
  return GateResult::kNoData;
}

TEST(GatesTest, AllPassOnCompleteSufficientData) {
  const GateVerdict v = EvaluateGates(Stage(), Good());
  EXPECT_TRUE(v.all_passed);
  EXPECT_FALSE(v.any_failed);
  ASSERT_EQ(v.gates.size(), 5u);
  EXPECT_EQ(v.gates[2].value, "96.66 %");
  EXPECT_EQ(v.gates[2].threshold, "90.00 %");
}

TEST(GatesTest, BreachGatesFailEvenOnFewSamplesOrIncompleteData) {
  StageEvidence e = Good();
  e.sample_count = 1;
  e.data_complete = false;
  e.max_drawdown_micros = 15'000'001;  // 15.000001 USD > 15.00
  const GateVerdict v = EvaluateGates(Stage(), e);
  EXPECT_TRUE(v.any_failed);
  EXPECT_EQ(ResultOf(v, "maxDrawdownCents"), GateResult::kFail);
  EXPECT_EQ(v.failure_message, "maxDrawdownCents: 15.00 USD > 15.00 USD");
  EXPECT_EQ(ResultOf(v, "minFillReliabilityBps"), GateResult::kNoData);

  e = Good();
  e.realized_pnl_micros = -5'000'001;
  EXPECT_EQ(ResultOf(EvaluateGates(Stage(), e), "minRealizedPnlCents"), GateResult::kFail);
  e = Good();
  e.realized_pnl_micros = -5'000'000;  // exactly at the floor passes
  EXPECT_EQ(ResultOf(EvaluateGates(Stage(), e), "minRealizedPnlCents"), GateResult::kPass);
  e = Good();
  e.unhedged_count = 2;
  EXPECT_EQ(ResultOf(EvaluateGates(Stage(), e), "maxUnhedgedExecutions"), GateResult::kFail);
}

TEST(GatesTest, RatioGatesNeedSamplesAndLegs) {
  StageEvidence e = Good();
  e.sample_count = 9;
  e.legs_filled = 1;  // 3 % fill reliability, but too few samples to judge
  GateVerdict v = EvaluateGates(Stage(), e);
  EXPECT_FALSE(v.any_failed);
  EXPECT_FALSE(v.all_passed);
  EXPECT_EQ(ResultOf(v, "minFillReliabilityBps"), GateResult::kInsufficient);

  e = Good();
  e.legs_submitted = 0;
  e.legs_filled = 0;
  e.orders_rejected = 0;
  EXPECT_EQ(ResultOf(EvaluateGates(Stage(), e), "maxErrorRateBps"), GateResult::kInsufficient);

  e = Good();
  e.legs_filled = 26;  // 86.66 % < 90 %
  v = EvaluateGates(Stage(), e);
  EXPECT_EQ(ResultOf(v, "minFillReliabilityBps"), GateResult::kFail);
  e = Good();
  e.orders_rejected = 2;  // 6.66 % > 5 %
  EXPECT_EQ(ResultOf(EvaluateGates(Stage(), e), "maxErrorRateBps"), GateResult::kFail);
}

TEST(GatesTest, NoDataNeverPasses) {
  StageEvidence e = Good();
  e.data_complete = false;
  const GateVerdict v = EvaluateGates(Stage(), e);
  EXPECT_FALSE(v.all_passed);
  EXPECT_FALSE(v.any_failed);
  for (const GateEvidence& g : v.gates) EXPECT_EQ(g.result, GateResult::kNoData) << g.name;
}

TEST(GatesTest, StageWithoutGatesPassesVacuously) {
  StageSpec s;
  s.name = "free";
  const GateVerdict v = EvaluateGates(s, Good());
  EXPECT_TRUE(v.all_passed);
  EXPECT_TRUE(v.gates.empty());
}

TEST(GatesTest, SummaryInCentsAndBps) {
  StageEvidence e = Good();
  e.realized_pnl_micros = -4'999;  // under a cent: shows as 0
  const Evidence s = SummariseEvidence(e, EvaluateGates(Stage(), e), absl::FromUnixSeconds(10),
                                       absl::FromUnixSeconds(20));
  EXPECT_EQ(s.realized_pnl_cents, 0);
  EXPECT_EQ(s.max_drawdown_cents, 200);
  EXPECT_EQ(s.fill_reliability_bps, 9666);
  EXPECT_EQ(s.error_rate_bps, 333);
  EXPECT_EQ(s.gates.size(), 5u);
}

}  // namespace
}  // namespace arbor::trading_policy
