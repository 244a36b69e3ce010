#include "arbor/trading_policy/limits.h"

#include "gtest/gtest.h"

namespace arbor::trading_policy {
namespace {

PolicySpec Spec() {
  PolicySpec s;
  s.lanes = {{v1::LANE_BINARY, "binary", true, 3000, 1000, 2, 5000, 9000, 300},
             {v1::LANE_NEGRISK, "negrisk", true, 3000},
             {v1::LANE_CROSS_VENUE, "cross_venue", false, 4000}};
  StageSpec probe;
  probe.name = "probe";
  probe.capital_cap_cents = 10000;  // 100 USD
  probe.lanes = {v1::LANE_BINARY};
  StageSpec all;
  all.name = "all";
  all.capital_cap_cents = 33333;
  s.stages = {probe, all};
  s.risk.max_order_notional_cents = 2500;
  s.risk.max_order_size_shares = 40;
  s.risk.price_tolerance_bps = 250;
  s.risk.daily_loss_cap_cents = 2000;
  s.risk.reduce_drawdown_cents = 1000;
  s.risk.max_drawdown_cents = 3000;
  s.risk.leg_timeout = absl::Milliseconds(1500);
  s.risk.leg_failure = LegFailure::kHedge;
  return s;
}

TEST(PolicyLimitsTest, ConvertsCentsAndBpsToMicros) {
  const v1::PolicyLimits l = BuildPolicyLimits(Spec(), 0);
  EXPECT_EQ(l.capital_cap_micros(), 100'000'000);
  EXPECT_EQ(l.max_order_notional_micros(), 25'000'000);
  EXPECT_EQ(l.max_order_size_micros(), 40'000'000);
  EXPECT_EQ(l.price_tolerance_micros(), 25'000);  // 250 bps of 1 USD = 0.025
  EXPECT_EQ(l.daily_loss_cap_micros(), 20'000'000);
  EXPECT_EQ(l.reduce_drawdown_micros(), 10'000'000);
  EXPECT_EQ(l.max_drawdown_micros(), 30'000'000);
  EXPECT_EQ(l.leg_timeout_nanos(), 1'500'000'000);
  EXPECT_EQ(l.leg_failure_policy(), v1::LEG_FAILURE_POLICY_HEDGE);
}

TEST(PolicyLimitsTest, StageLanesGetTheWholeCapAndOthersNone) {
  const v1::PolicyLimits l = BuildPolicyLimits(Spec(), 0);
  ASSERT_EQ(l.lane_budgets_size(), 3);
  const v1::LaneBudget& binary = l.lane_budgets(0);
  EXPECT_TRUE(binary.enabled());
  EXPECT_EQ(binary.weight_bps(), 10000u);  // the only lane of the stage
  EXPECT_EQ(binary.capital_micros(), 100'000'000);
  EXPECT_EQ(binary.max_order_notional_micros(), 10'000'000);
  EXPECT_EQ(binary.max_open_executions(), 2u);
  EXPECT_EQ(binary.min_edge_per_set_micros(), 5000);
  EXPECT_EQ(binary.min_confidence_bps(), 9000u);
  EXPECT_EQ(binary.daily_loss_cap_micros(), 3'000'000);
  EXPECT_FALSE(l.lane_budgets(1).enabled());
  EXPECT_EQ(l.lane_budgets(1).capital_micros(), 0);
  EXPECT_FALSE(l.lane_budgets(2).enabled());
}

TEST(PolicyLimitsTest, DisabledLanesAreLeftOutAndBudgetsNeverExceedTheCap) {
  const v1::PolicyLimits l = BuildPolicyLimits(Spec(), 1);
  // binary and negrisk (3000 bps each) share the stage; cross_venue is disabled in spec.lanes.
  EXPECT_EQ(l.lane_budgets(0).weight_bps(), 5000u);
  EXPECT_EQ(l.lane_budgets(1).weight_bps(), 5000u);
  EXPECT_FALSE(l.lane_budgets(2).enabled());
  int64_t total = 0;
  for (const v1::LaneBudget& b : l.lane_budgets()) total += b.capital_micros();
  EXPECT_LE(total, l.capital_cap_micros());
  EXPECT_EQ(l.lane_budgets(0).capital_micros(), 166'665'000);
}

TEST(PolicyLimitsTest, FeedPolicyAndFailClosed) {
  PolicySpec s = Spec();
  s.feed.preferred_mode = FeedModeSpec::kPoll;
  s.feed.recover_after = absl::Minutes(5);
  const v1::FeedPolicy f = BuildFeedPolicy(s);
  EXPECT_EQ(f.preferred_mode(), v1::FEED_MODE_POLL);
  EXPECT_EQ(f.recover_after_nanos(), 300'000'000'000);
  EXPECT_EQ(f.max_assets_per_connection(), 200u);
  const v1::PolicyLimits closed = FailClosedLimits();
  EXPECT_EQ(closed.capital_cap_micros(), 0);
  EXPECT_EQ(closed.max_order_notional_micros(), 0);
  EXPECT_EQ(closed.lane_budgets_size(), 0);
}

TEST(PolicyLimitsTest, UnsetReduceThresholdIsTheHaltThreshold) {
  PolicySpec s = Spec();
  s.risk.reduce_drawdown_cents = 0;
  EXPECT_EQ(BuildPolicyLimits(s, 0).reduce_drawdown_micros(), 30'000'000);
}

}  // namespace
}  // namespace arbor::trading_policy
