#include "arbor/trading_policy/status.h"

#include "gtest/gtest.h"

namespace arbor::trading_policy {
namespace {

PolicyStatus Full() {
  const absl::Time t = absl::FromUnixSeconds(1796540400);
  PolicyStatus s;
  s.observed_generation = 3;
  s.phase = "Progressing";
  s.message = "holding";
  s.current_stage = 1;
  s.current_stage_name = "ramp";
  s.stage_started_at = t;
  s.stage_ends_at = t + absl::Hours(1);
  s.stages_hash = "0123456789abcdef";
  s.aborted_generation = 2;
  Evidence e;
  e.observed_at = t + absl::Minutes(5);
  e.window_start = t;
  e.data_complete = true;
  e.sample_count = 12;
  e.realized_pnl_cents = -250;
  e.max_drawdown_cents = 400;
  e.fill_reliability_bps = 9310;
  e.unhedged_executions = 1;
  e.error_rate_bps = 20;
  e.gates.push_back({"maxDrawdownCents", GateResult::kPass, "4.00 USD", "15.00 USD", 12});
  e.gates.push_back({"minFillReliabilityBps", GateResult::kInsufficient, "93.10 %", "90.00 %", 12});
  s.evidence = e;
  s.pause_conditions.push_back({"AwaitingApproval", t});
  s.applied_limits = {3, 1, t};
  s.executor.reachable = true;
  s.executor.healthy = false;
  s.executor.last_contact = t;
  s.executor.unhealthy_since = t - absl::Seconds(10);
  s.executor.kill_switch_engaged = true;
  s.feeds_applied = 2;
  s.feeds_total = 3;
  s.conditions.push_back({"Ready", ConditionStatus::kFalse, "LimitsNotApplied", "m", t, 3});
  s.conditions.push_back({"Aborted", ConditionStatus::kTrue, "GateFailed", "n", t, 2});
  return s;
}

TEST(PolicyStatusTest, RoundTripsThroughJson) {
  const PolicyStatus s = Full();
  auto back = StatusFromJson(StatusToJson(s));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(StatusToJson(s)["evidence"]["realizedPnl"], "-2.50");
  EXPECT_EQ(StatusToJson(s)["conditions"][1]["status"], "True");
  EXPECT_EQ(StatusToJson(s)["stageStartedAt"], "2026-12-06T07:00:00Z");
}

TEST(PolicyStatusTest, EmptyAndNullStatusesAreNew) {
  auto empty = StatusFromJson(nlohmann::json());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, PolicyStatus());
  PolicyStatus cleared = Full();
  cleared.stage_ends_at.reset();
  cleared.evidence.reset();
  // Cleared optionals are written as null so a merge patch deletes them.
  const nlohmann::json j = StatusToJson(cleared);
  EXPECT_TRUE(j["stageEndsAt"].is_null());
  EXPECT_TRUE(j["evidence"].is_null());
  EXPECT_EQ(*StatusFromJson(j), cleared);
}

TEST(PolicyStatusTest, RejectsWronglyTypedFields) {
  EXPECT_FALSE(StatusFromJson(nlohmann::json::parse(R"({"currentStage": "one"})")).ok());
  EXPECT_FALSE(StatusFromJson(nlohmann::json::parse(R"({"stageStartedAt": "yesterday"})")).ok());
  EXPECT_FALSE(
      StatusFromJson(nlohmann::json::parse(R"({"evidence": {"gates": [{"result": "Maybe"}]}})"))
          .ok());
}

TEST(PolicyStatusTest, ConditionTransitionTimeMovesOnlyOnStatusChange) {
  std::vector<Condition> c;
  const absl::Time t0 = absl::FromUnixSeconds(100);
  SetCondition(c, {"Ready", ConditionStatus::kFalse, "A", "", t0, 1});
  SetCondition(c, {"Ready", ConditionStatus::kFalse, "B", "new reason", t0 + absl::Seconds(5), 2});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].last_transition_time, t0);
  EXPECT_EQ(c[0].reason, "B");
  EXPECT_EQ(c[0].observed_generation, 2);
  SetCondition(c, {"Ready", ConditionStatus::kTrue, "C", "", t0 + absl::Seconds(9), 2});
  EXPECT_EQ(c[0].last_transition_time, t0 + absl::Seconds(9));
}

TEST(PolicyStatusTest, FormatsCents) {
  EXPECT_EQ(FormatUsdCents(0), "0.00");
  EXPECT_EQ(FormatUsdCents(5), "0.05");
  EXPECT_EQ(FormatUsdCents(-5), "-0.05");
  EXPECT_EQ(FormatUsdCents(123456), "1234.56");
  EXPECT_EQ(FormatUsdCents(INT64_MIN + 1), "-92233720368547758.07");
}

}  // namespace
}  // namespace arbor::trading_policy
