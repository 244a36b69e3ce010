#include "arbor/executor/policy_limits.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::executor {
namespace {

using ::testing::HasSubstr;

v1::PolicyLimits Valid() {
  v1::PolicyLimits l;
  l.set_capital_cap_micros(1'000'000'000);
  l.set_max_order_size_micros(100'000'000);
  l.set_max_order_notional_micros(50'000'000);
  l.set_price_tolerance_micros(20'000);
  l.set_max_position_per_venue_micros(500'000'000);
  l.set_max_position_per_event_micros(100'000'000);
  l.set_max_exposure_per_cluster_micros(200'000'000);
  l.set_daily_loss_cap_micros(50'000'000);
  l.set_reduce_drawdown_micros(20'000'000);
  l.set_max_drawdown_micros(40'000'000);
  l.set_max_orders_per_second(10);
  l.set_max_open_orders(20);
  l.set_leg_timeout_nanos(3'000'000'000);
  l.set_leg_failure_policy(v1::LEG_FAILURE_POLICY_HEDGE);
  l.set_max_book_age_nanos(2'000'000'000);
  v1::LaneBudget* b = l.add_lane_budgets();
  b->set_lane(v1::LANE_BINARY);
  b->set_enabled(true);
  b->set_weight_bps(6'000);
  b->set_capital_micros(400'000'000);
  v1::LaneBudget* n = l.add_lane_budgets();
  n->set_lane(v1::LANE_NEGRISK);
  n->set_enabled(false);
  n->set_weight_bps(4'000);
  return l;
}

TEST(PolicyLimitsTest, MapsEveryFieldAndFailsClosedForUnlistedLanes) {
  auto applied = ToAppliedLimits(Valid());
  ASSERT_TRUE(applied.ok()) << applied.status();
  const risk::Limits& r = applied->risk;
  EXPECT_EQ(r.stage_capital_cap_micros, 1'000'000'000);
  EXPECT_EQ(r.max_order_size_micros, 100'000'000);
  EXPECT_EQ(r.max_order_notional_micros, 50'000'000);
  EXPECT_EQ(r.price_tolerance_micros, 20'000);
  EXPECT_EQ(r.unwind_price_tolerance_micros, 100'000);
  EXPECT_EQ(r.max_venue_exposure_micros, 500'000'000);
  EXPECT_EQ(r.max_event_exposure_micros, 100'000'000);
  EXPECT_EQ(r.max_cluster_exposure_micros, 200'000'000);
  EXPECT_EQ(r.daily_loss_cap_micros, 50'000'000);
  EXPECT_EQ(r.drawdown_reduce_micros, 20'000'000);
  EXPECT_EQ(r.drawdown_halt_micros, 40'000'000);
  EXPECT_EQ(r.max_open_executions, 20u);
  EXPECT_EQ(r.max_book_age_nanos, 2'000'000'000);
  EXPECT_EQ(r.throttles.at(Venue::kKalshi).burst, 10u);
  // min(capital 400, 60 % of 1000) = 400; negrisk listed but disabled; others unlisted.
  EXPECT_EQ(r.lane_budget_micros.at("binary"), 400'000'000);
  EXPECT_EQ(r.lane_budget_micros.at("negrisk"), 0);
  EXPECT_EQ(r.lane_budget_micros.at("cross_venue"), 0);
  EXPECT_EQ(r.lane_budget_micros.at("expiry_edge"), 0);
  EXPECT_EQ(applied->leg_window, absl::Seconds(3));
  EXPECT_EQ(applied->leg_policy, exec::LegFailurePolicy::kHedge);
}

TEST(PolicyLimitsTest, ZeroCapitalCapAdmitsNothingRatherThanEverything) {
  v1::PolicyLimits l = Valid();
  l.set_capital_cap_micros(0);
  auto applied = ToAppliedLimits(l);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->risk.stage_capital_cap_micros, 1);
  EXPECT_EQ(applied->risk.lane_budget_micros.at("binary"), 0);
  l.set_max_orders_per_second(0);
  applied = ToAppliedLimits(l);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->risk.throttles.at(Venue::kPolymarket).burst, 0u);
}

TEST(PolicyLimitsTest, RejectsBadPoliciesNamingTheField) {
  struct Case {
    std::string name;
    std::function<void(v1::PolicyLimits&)> mutate;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"negative cap", [](auto& l) { l.set_capital_cap_micros(-1); }, "capital_cap_micros"},
      {"reduce above halt", [](auto& l) { l.set_reduce_drawdown_micros(50'000'000); },
       "reduce_drawdown_micros"},
      {"tolerance above 1", [](auto& l) { l.set_price_tolerance_micros(1'000'001); },
       "price_tolerance_micros"},
      {"lane twice", [](auto& l) { l.add_lane_budgets()->set_lane(v1::LANE_BINARY); },
       "listed twice"},
      {"lane missing", [](auto& l) { l.add_lane_budgets(); }, "lane is required"},
      {"weights above 100 %", [](auto& l) { l.mutable_lane_budgets(1)->set_weight_bps(4'001); },
       "10000"},
      {"negative leg timeout", [](auto& l) { l.set_leg_timeout_nanos(-5); }, "leg_timeout_nanos"},
      {"unknown policy",
       [](auto& l) { l.set_leg_failure_policy(static_cast<v1::LegFailurePolicy>(9)); },
       "leg_failure_policy"},
  };
  for (const Case& c : cases) {
    v1::PolicyLimits l = Valid();
    c.mutate(l);
    const absl::Status s = ValidatePolicyLimits(l);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(s.message(), HasSubstr(c.expect)) << c.name;
  }
  EXPECT_TRUE(ValidatePolicyLimits(Valid()).ok());
}

}  // namespace
}  // namespace arbor::executor
