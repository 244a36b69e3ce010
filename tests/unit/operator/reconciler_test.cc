#include "arbor/trading_policy/reconciler.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::trading_policy {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1796540400);

// Three stages: probe (1h, 10 samples, gates) -> ramp (2h) -> target (needs approval).
json SpecJson() {
  return json::parse(R"({
    "lanes": [{"name": "binary", "weightBps": 5000}, {"name": "negrisk", "weightBps": 5000}],
    "stages": [
      {"name": "probe", "capitalCapCents": 5000, "minDuration": "1h", "minSamples": 10,
       "gates": {"maxDrawdownCents": 1500, "minFillReliabilityBps": 9000,
                 "maxUnhedgedExecutions": 1}},
      {"name": "ramp", "capitalCapCents": 20000, "minDuration": "2h", "minSamples": 10},
      {"name": "target", "capitalCapCents": 500000, "minDuration": "1h",
       "requiresApproval": true}],
    "risk": {"maxOrderNotionalCents": 2500, "dailyLossCapCents": 2000, "maxDrawdownCents": 3000}
  })");
}

StageEvidence GoodEvidence() {
  StageEvidence e;
  e.data_complete = true;
  e.sample_count = 12;
  e.max_drawdown_micros = 1'000'000;
  e.legs_submitted = 24;
  e.legs_filled = 24;
  return e;
}

// Drives the reconciler the way the controller does: observation → plan → actions → status,
// the status becoming the next pass's prior.
class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() {
    meta_.namespace_name = "trading";
    meta_.name = "canary";
    meta_.uid = "uid-1";
    meta_.generation = 1;
    spec_ = SpecJson();
    executor_.reachable = true;
    executor_.healthy = true;
  }

  Observation Observe(absl::Time now, std::optional<StageEvidence> evidence) const {
    Observation o;
    o.meta = meta_;
    o.spec = ParsePolicySpec(spec_);
    o.stages_hash = StagesHash(spec_);
    o.prior = status_;
    o.now = now;
    o.executor = executor_;
    o.evidence = std::move(evidence);
    o.evidence_window_start = status_.stage_started_at.value_or(absl::UnixEpoch());
    o.feeds_total = 2;
    return o;
  }

  // One pass with every action succeeding (unless told otherwise).
  Plan Step(absl::Time now, std::optional<StageEvidence> evidence = std::nullopt,
            absl::Status limits = absl::OkStatus()) {
    const Observation o = Observe(now, std::move(evidence));
    Plan plan = Reconcile(o);
    ActionResults results;
    if (plan.apply_limits_stage && o.executor.reachable) results.limits = limits;
    if (plan.engage_kill_switch && o.executor.reachable) results.kill_switch = absl::OkStatus();
    if (plan.apply_feed_policy) results.feeds_applied = 2;
    status_ = Complete(o, plan, results);
    return plan;
  }

  const Condition& Cond(const char* type) const {
    const Condition* c = status_.FindCondition(type);
    EXPECT_NE(c, nullptr) << type;
    static const Condition kMissing;
    return c ? *c : kMissing;
  }
  void ExpectCondition(const char* type, ConditionStatus status, const std::string& reason) const {
    const Condition& c = Cond(type);
    EXPECT_EQ(c.status, status) << type << " " << c.reason << ": " << c.message;
    EXPECT_EQ(c.reason, reason) << type << ": " << c.message;
    EXPECT_EQ(c.observed_generation, meta_.generation) << type;
  }
  static bool HasEvent(const Plan& p, const std::string& reason) {
    for (const EventRecord& e : p.events) {
      if (e.reason == reason) return true;
    }
    return false;
  }
  // Starts the policy and holds probe for its whole window with good evidence.
  void ReachEndOfProbeWindow() {
    Step(kT0);
    Step(kT0 + absl::Minutes(30), GoodEvidence());
    ASSERT_EQ(status_.current_stage, 0);
  }
  void Edit(const std::function<void(json&)>& f) {
    f(spec_);
    ++meta_.generation;
  }

  PolicyMeta meta_;
  json spec_;
  ExecutorObservation executor_;
  PolicyStatus status_;
};

TEST_F(ReconcilerTest, NewPolicyStartsAtStageZeroPushesLimitsAndBecomesReady) {
  const Plan plan = Step(kT0);
  EXPECT_TRUE(HasEvent(plan, "Started"));
  ASSERT_TRUE(plan.apply_limits_stage.has_value());
  EXPECT_EQ(*plan.apply_limits_stage, 0);
  EXPECT_TRUE(plan.apply_feed_policy);
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(status_.current_stage_name, "probe");
  EXPECT_EQ(status_.stage_started_at, kT0);
  EXPECT_EQ(status_.observed_generation, 1);
  EXPECT_EQ(status_.applied_limits.stage, 0);
  EXPECT_EQ(status_.applied_limits.generation, 1);
  EXPECT_EQ(status_.feeds_applied, 2);
  EXPECT_EQ(status_.phase, "Progressing");
  ExpectCondition(kConditionReady, ConditionStatus::kTrue, "LimitsApplied");
  ExpectCondition(kConditionProgressing, ConditionStatus::kTrue, "NoData");
  ExpectCondition(kConditionDegraded, ConditionStatus::kFalse, "Healthy");
  ExpectCondition(kConditionAborted, ConditionStatus::kFalse, "NotAborted");
}

TEST_F(ReconcilerTest, HoldsOnMissingIncompleteOrInsufficientEvidence) {
  Step(kT0);
  const absl::Time late = kT0 + absl::Hours(5);  // window long over: only evidence holds it
  Step(late);
  EXPECT_EQ(status_.current_stage, 0);
  ExpectCondition(kConditionProgressing, ConditionStatus::kTrue, "NoData");

  StageEvidence incomplete = GoodEvidence();
  incomplete.data_complete = false;
  Step(late, incomplete);
  EXPECT_EQ(status_.current_stage, 0);
  ExpectCondition(kConditionProgressing, ConditionStatus::kTrue, "NoData");
  EXPECT_THAT(Cond(kConditionProgressing).message, HasSubstr("data incomplete"));

  StageEvidence few = GoodEvidence();
  few.sample_count = 9;
  Step(late, few);
  EXPECT_EQ(status_.current_stage, 0);
  ExpectCondition(kConditionProgressing, ConditionStatus::kTrue, "InsufficientSamples");
  EXPECT_THAT(Cond(kConditionProgressing).message, HasSubstr("9/10 samples"));
  ASSERT_TRUE(status_.evidence.has_value());
  EXPECT_EQ(status_.evidence->sample_count, 9);
  ExpectCondition(kConditionReady, ConditionStatus::kTrue, "LimitsApplied");
}

TEST_F(ReconcilerTest, HoldsUntilTheWindowEndsThenPromotes) {
  ReachEndOfProbeWindow();
  ExpectCondition(kConditionProgressing, ConditionStatus::kTrue, "CollectingEvidence");
  ASSERT_TRUE(status_.stage_ends_at.has_value());
  EXPECT_EQ(*status_.stage_ends_at, kT0 + absl::Hours(1));

  const Plan before = Step(kT0 + absl::Minutes(59), GoodEvidence());
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(before.requeue_after, absl::Seconds(15));
  EXPECT_LE(
      Reconcile(Observe(kT0 + absl::Minutes(59) + absl::Seconds(50), GoodEvidence())).requeue_after,
      absl::Seconds(10));

  const absl::Time t = kT0 + absl::Hours(1);
  const Plan promote = Step(t, GoodEvidence());
  EXPECT_TRUE(HasEvent(promote, "Promoted"));
  EXPECT_EQ(*promote.apply_limits_stage, 1);
  EXPECT_EQ(status_.current_stage, 1);
  EXPECT_EQ(status_.current_stage_name, "ramp");
  EXPECT_EQ(status_.stage_started_at, t);
  EXPECT_EQ(status_.stage_ends_at, t + absl::Hours(2));
  EXPECT_FALSE(status_.evidence.has_value());
  EXPECT_EQ(status_.applied_limits.stage, 1);
  ExpectCondition(kConditionProgressing, ConditionStatus::kTrue, "Promoted");
  ExpectCondition(kConditionReady, ConditionStatus::kTrue, "LimitsApplied");
}

TEST_F(ReconcilerTest, RepeatedPassesAreIdempotent) {
  ReachEndOfProbeWindow();
  const PolicyStatus held = status_;
  const Plan again = Step(kT0 + absl::Minutes(30), GoodEvidence());
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(status_, held);

  Step(kT0 + absl::Hours(1), GoodEvidence());
  ASSERT_EQ(status_.current_stage, 1);
  // The old window's evidence (as a controller that raced the promotion would send it) must not
  // promote again.
  Observation stale = Observe(kT0 + absl::Hours(1), GoodEvidence());
  stale.evidence_window_start = kT0;
  const Plan p = Reconcile(stale);
  EXPECT_EQ(p.status.current_stage, 1);
  EXPECT_FALSE(HasEvent(p, "Promoted"));
}

TEST_F(ReconcilerTest, ManualApprovalGatesTheStageThatRequiresIt) {
  ReachEndOfProbeWindow();
  Step(kT0 + absl::Hours(1), GoodEvidence());
  const absl::Time ramp_end = kT0 + absl::Hours(3);
  Step(ramp_end, GoodEvidence());
  EXPECT_EQ(status_.current_stage, 1);
  EXPECT_EQ(status_.phase, "Paused");
  ExpectCondition(kConditionProgressing, ConditionStatus::kFalse, "AwaitingApproval");
  ASSERT_EQ(status_.pause_conditions.size(), 1u);
  EXPECT_EQ(status_.pause_conditions[0].reason, "AwaitingApproval");
  EXPECT_EQ(status_.pause_conditions[0].start_time, ramp_end);
  Step(ramp_end + absl::Hours(1), GoodEvidence());
  EXPECT_EQ(status_.pause_conditions[0].start_time, ramp_end);  // pause keeps its start

  Edit([](json& s) { s["approvedStage"] = 2; });
  const Plan p = Step(ramp_end + absl::Hours(2), GoodEvidence());
  EXPECT_TRUE(HasEvent(p, "Promoted"));
  EXPECT_EQ(status_.current_stage, 2);
  EXPECT_TRUE(status_.pause_conditions.empty());

  // The final stage: gates still watched, nothing left to promote to.
  Step(ramp_end + absl::Hours(5), GoodEvidence());
  EXPECT_EQ(status_.phase, "Completed");
  ExpectCondition(kConditionProgressing, ConditionStatus::kFalse, "StagesComplete");
}

TEST_F(ReconcilerTest, FailedGateAbortsToTheSafeStageUntilTheSpecChanges) {
  ReachEndOfProbeWindow();
  Step(kT0 + absl::Hours(1), GoodEvidence());
  ASSERT_EQ(status_.current_stage, 1);
  // ramp has no gates of its own... give it one through an edit, then breach it.
  Edit([](json& s) { s["stages"][1]["gates"] = {{"maxDrawdownCents", 100}}; });
  const absl::Time t = kT0 + absl::Hours(2);
  Step(t);  // the edit restarts the window
  StageEvidence bad = GoodEvidence();
  bad.max_drawdown_micros = 2'000'000;  // 2.00 USD > 1.00
  const Plan p = Step(t + absl::Minutes(1), bad);
  EXPECT_TRUE(HasEvent(p, "GateFailed"));
  EXPECT_TRUE(p.events.front().warning);
  EXPECT_EQ(*p.apply_limits_stage, 0);
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(status_.aborted_generation, meta_.generation);
  EXPECT_EQ(status_.phase, "Aborted");
  ExpectCondition(kConditionAborted, ConditionStatus::kTrue, "GateFailed");
  EXPECT_THAT(Cond(kConditionAborted).message, HasSubstr("maxDrawdownCents: 2.00 USD > 1.00 USD"));
  ExpectCondition(kConditionProgressing, ConditionStatus::kFalse, "GateFailed");
  ExpectCondition(kConditionReady, ConditionStatus::kTrue, "LimitsApplied");

  // Latched: perfect evidence long after does not promote.
  Step(t + absl::Hours(10), GoodEvidence());
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(status_.phase, "Aborted");

  // Any spec edit re-arms, with a fresh window.
  Edit([](json& s) { s["risk"]["dailyLossCapCents"] = 1500; });
  const Plan rearm = Step(t + absl::Hours(11));
  EXPECT_TRUE(HasEvent(rearm, "Rearmed"));
  EXPECT_EQ(status_.aborted_generation, 0);
  ExpectCondition(kConditionAborted, ConditionStatus::kFalse, "SpecChanged");
  EXPECT_EQ(status_.stage_started_at, t + absl::Hours(11));
  EXPECT_EQ(status_.phase, "Progressing");
}

TEST_F(ReconcilerTest, HoldModeKeepsTheStageOnAFailedGate) {
  spec_["onGateFailure"] = "Hold";
  Step(kT0);
  StageEvidence bad = GoodEvidence();
  bad.unhedged_count = 2;
  const Plan p = Step(kT0 + absl::Minutes(5), bad);
  EXPECT_TRUE(HasEvent(p, "GateFailed"));
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(status_.phase, "Paused");
  ExpectCondition(kConditionProgressing, ConditionStatus::kFalse, "GateFailed");
  ExpectCondition(kConditionAborted, ConditionStatus::kFalse, "NotAborted");
  Step(kT0 + absl::Hours(3), GoodEvidence());
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(status_.phase, "Paused");
}

TEST_F(ReconcilerTest, AbortRequestMovesToTheSafeStageAndClearingItResumes) {
  ReachEndOfProbeWindow();
  Step(kT0 + absl::Hours(1), GoodEvidence());
  ASSERT_EQ(status_.current_stage, 1);
  Edit([](json& s) { s["abort"] = true; });
  const absl::Time t = kT0 + absl::Hours(1) + absl::Minutes(10);
  const Plan p = Step(t, GoodEvidence());
  EXPECT_TRUE(HasEvent(p, "Aborted"));
  EXPECT_EQ(*p.apply_limits_stage, 0);
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(status_.phase, "Aborted");
  ExpectCondition(kConditionAborted, ConditionStatus::kTrue, "AbortRequested");
  ExpectCondition(kConditionProgressing, ConditionStatus::kFalse, "Aborted");
  // Still aborted, no duplicate event, no promotion however good the evidence.
  const Plan again = Step(t + absl::Hours(5), GoodEvidence());
  EXPECT_FALSE(HasEvent(again, "Aborted"));
  EXPECT_EQ(status_.current_stage, 0);

  Edit([](json& s) { s["abort"] = false; });
  const Plan resume = Step(t + absl::Hours(6));
  EXPECT_TRUE(HasEvent(resume, "Resumed"));
  ExpectCondition(kConditionAborted, ConditionStatus::kFalse, "Resumed");
  EXPECT_EQ(status_.stage_started_at, t + absl::Hours(6));
  EXPECT_EQ(status_.phase, "Progressing");
}

TEST_F(ReconcilerTest, StageEditsMidStageRestartTheWindowOtherEditsDoNot) {
  ReachEndOfProbeWindow();
  Edit([](json& s) { s["risk"]["maxOrderNotionalCents"] = 1000; });
  const absl::Time t = kT0 + absl::Minutes(40);
  const Observation o = Observe(t, GoodEvidence());
  const Plan p = Reconcile(o);
  EXPECT_FALSE(HasEvent(p, "SpecChanged"));
  EXPECT_EQ(p.status.stage_started_at, kT0);
  // The new generation's limits are not in force until the executor accepts them.
  ActionResults refused;
  refused.limits = absl::FailedPreconditionError("executor says no");
  status_ = Complete(o, p, refused);
  ExpectCondition(kConditionReady, ConditionStatus::kFalse, "LimitsNotApplied");
  EXPECT_THAT(Cond(kConditionReady).message, HasSubstr("executor says no"));
  Step(t, GoodEvidence());
  ExpectCondition(kConditionReady, ConditionStatus::kTrue, "LimitsApplied");
  EXPECT_EQ(status_.applied_limits.generation, meta_.generation);

  Edit([](json& s) { s["stages"][0]["minDuration"] = "90m"; });
  const Plan changed = Step(kT0 + absl::Minutes(61), GoodEvidence());
  EXPECT_TRUE(HasEvent(changed, "SpecChanged"));
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(status_.stage_started_at, kT0 + absl::Minutes(61));
  ExpectCondition(kConditionProgressing, ConditionStatus::kTrue, "NoData");
}

TEST_F(ReconcilerTest, RemovingStagesClampsTheCurrentStage) {
  ReachEndOfProbeWindow();
  Step(kT0 + absl::Hours(1), GoodEvidence());
  ASSERT_EQ(status_.current_stage, 1);
  Edit([](json& s) {
    s["stages"].erase(1);
    s["stages"].erase(1);
  });
  Step(kT0 + absl::Hours(2));
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(status_.current_stage_name, "probe");
}

TEST_F(ReconcilerTest, SuspendFreezesPromotionAndPushes) {
  ReachEndOfProbeWindow();
  Edit([](json& s) { s["suspend"] = true; });
  const Plan p = Step(kT0 + absl::Hours(4), GoodEvidence());
  EXPECT_FALSE(p.apply_limits_stage.has_value());
  EXPECT_FALSE(p.apply_feed_policy);
  EXPECT_EQ(status_.current_stage, 0);
  EXPECT_EQ(status_.phase, "Suspended");
  ExpectCondition(kConditionProgressing, ConditionStatus::kFalse, "Suspended");
  ASSERT_EQ(status_.pause_conditions.size(), 1u);
  EXPECT_EQ(status_.pause_conditions[0].reason, "Suspended");

  Edit([](json& s) { s["suspend"] = false; });
  const Plan resumed = Step(kT0 + absl::Hours(4) + absl::Seconds(15), GoodEvidence());
  EXPECT_TRUE(HasEvent(resumed, "Promoted"));
}

TEST_F(ReconcilerTest, AbortWinsOverSuspend) {
  Step(kT0);
  Edit([](json& s) {
    s["suspend"] = true;
    s["abort"] = true;
  });
  const Plan p = Step(kT0 + absl::Minutes(1));
  EXPECT_EQ(status_.phase, "Aborted");
  ASSERT_TRUE(p.apply_limits_stage.has_value());
}

TEST_F(ReconcilerTest, LosingTheExecutorDegradesAndEngagesTheKillSwitchOnce) {
  Step(kT0);
  executor_ = {false, false, 0, "connection refused"};
  Plan p = Step(kT0 + absl::Seconds(10));
  EXPECT_FALSE(p.engage_kill_switch);  // below failover.executorUnhealthyAfter (30s)
  ExpectCondition(kConditionDegraded, ConditionStatus::kFalse, "Healthy");
  ExpectCondition(kConditionProgressing, ConditionStatus::kFalse, "ExecutorUnavailable");
  EXPECT_EQ(status_.executor.unhealthy_since, kT0 + absl::Seconds(10));

  p = Step(kT0 + absl::Seconds(40));
  EXPECT_TRUE(p.engage_kill_switch);
  EXPECT_TRUE(HasEvent(p, "ExecutorUnavailable"));
  ExpectCondition(kConditionDegraded, ConditionStatus::kTrue, "ExecutorUnavailable");
  ExpectCondition(kConditionReady, ConditionStatus::kFalse, "ExecutorUnavailable");
  EXPECT_EQ(status_.phase, "Degraded");
  EXPECT_FALSE(status_.executor.kill_switch_engaged);  // unreachable: the attempt cannot land

  // Reachable but not the ready leader: the switch lands.
  executor_ = {true, false, 0, "not the ready leader"};
  p = Step(kT0 + absl::Seconds(50));
  EXPECT_TRUE(p.engage_kill_switch);
  EXPECT_THAT(p.kill_switch_reason, HasSubstr("executor unavailable"));
  EXPECT_TRUE(status_.executor.kill_switch_engaged);
  executor_.kill_switches_engaged = 1;  // as the executor now reports
  p = Step(kT0 + absl::Seconds(60));
  EXPECT_FALSE(p.engage_kill_switch);  // once

  // Healthy again, but the switch stays until a person releases it.
  executor_ = {true, true, 1, ""};
  Step(kT0 + absl::Seconds(70));
  ExpectCondition(kConditionDegraded, ConditionStatus::kTrue, "KillSwitchEngaged");
  ExpectCondition(kConditionReady, ConditionStatus::kFalse, "KillSwitchEngaged");
  EXPECT_FALSE(status_.executor.unhealthy_since.has_value());
  executor_ = {true, true, 0, ""};
  const Plan released = Step(kT0 + absl::Seconds(80));
  EXPECT_TRUE(HasEvent(released, "KillSwitchReleased"));
  ExpectCondition(kConditionDegraded, ConditionStatus::kFalse, "Healthy");
  ExpectCondition(kConditionReady, ConditionStatus::kTrue, "LimitsApplied");
}

TEST_F(ReconcilerTest, KillSwitchOnExecutorLossCanBeTurnedOff) {
  spec_["failover"] = {{"killSwitchOnExecutorLoss", false}, {"executorUnhealthyAfter", "5s"}};
  Step(kT0);
  executor_ = {false, false, 0, "down"};
  Step(kT0 + absl::Seconds(1));
  const Plan p = Step(kT0 + absl::Seconds(10));
  EXPECT_FALSE(p.engage_kill_switch);
  ExpectCondition(kConditionDegraded, ConditionStatus::kTrue, "ExecutorUnavailable");
}

TEST_F(ReconcilerTest, InvalidSpecPushesNothing) {
  spec_["lanes"][0]["weightBps"] = 1;
  const Plan p = Step(kT0);
  EXPECT_FALSE(p.apply_limits_stage.has_value());
  EXPECT_EQ(status_.phase, "Invalid");
  ExpectCondition(kConditionReady, ConditionStatus::kFalse, "InvalidSpec");
  ExpectCondition(kConditionProgressing, ConditionStatus::kFalse, "InvalidSpec");
  EXPECT_THAT(status_.message, HasSubstr("must sum to 10000"));
}

TEST_F(ReconcilerTest, OnlyTheActivePolicyDrivesTheExecutor) {
  Observation o = Observe(kT0, std::nullopt);
  o.active = false;
  o.active_policy = "trading/older";
  const Plan p = Reconcile(o);
  EXPECT_FALSE(p.apply_limits_stage.has_value());
  EXPECT_EQ(p.status.phase, "Pending");
  const Condition* ready = p.status.FindCondition(kConditionReady);
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->reason, "NotActive");
  EXPECT_THAT(ready->message, HasSubstr("trading/older"));

  PolicyMeta a{"trading", "b", "u1", 1, "", kT0, std::nullopt, {}};
  PolicyMeta b{"trading", "a", "u2", 1, "", kT0, std::nullopt, {}};
  PolicyMeta c{"trading", "c", "u3", 1, "", kT0 - absl::Seconds(1), kT0, {}};
  EXPECT_EQ(SelectActivePolicy({a, b, c}), "trading/a");  // c is being deleted; tie → name
  PolicyMeta d{"trading", "z", "u4", 1, "", kT0 - absl::Seconds(1), std::nullopt, {}};
  EXPECT_EQ(SelectActivePolicy({a, b, d}), "trading/z");
  EXPECT_EQ(SelectActivePolicy({}), "");
}

}  // namespace
}  // namespace arbor::trading_policy
