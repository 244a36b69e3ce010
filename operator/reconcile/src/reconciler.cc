#include "arbor/trading_policy/reconciler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace arbor::trading_policy {
namespace {

// Builds one pass's plan; each step returns true when the pass is over.
class Pass {
 public:
  explicit Pass(const Observation& o, absl::Duration resync) : o_(o), resync_(resync) {
    plan_.status = o.prior;
    plan_.requeue_after = resync;
    s().observed_generation = o.meta.generation;
  }

  Plan Run() && {
    if (!InvalidSpec() && !Inactive()) {
      const PolicySpec& spec = *o_.spec;
      Window(spec);
      ExecutorHealth(spec);
      if (!Abort(spec)) {
        Rearm();
        if (!Suspend() && !Latched(spec) && !ExecutorUnavailable()) Evidence(spec);
      }
      Finish(spec);
    }
    if (!s().FindCondition(kConditionAborted)) {
      SetCond(kConditionAborted, ConditionStatus::kFalse, "NotAborted", "");
    }
    if (!s().FindCondition(kConditionDegraded)) {
      SetCond(kConditionDegraded, ConditionStatus::kFalse, "Healthy", "");
    }
    return std::move(plan_);
  }

 private:
  PolicyStatus& s() { return plan_.status; }
  absl::Time now() const { return o_.now; }

  void SetCond(const char* type, ConditionStatus status, std::string reason, std::string message) {
    SetCondition(s().conditions, Condition{type, status, std::move(reason), std::move(message),
                                           now(), o_.meta.generation});
  }
  void Event(bool warning, std::string reason, std::string note) {
    plan_.events.push_back({warning, std::move(reason), std::move(note)});
  }
  void Pause(const std::string& reason) {
    for (const PauseCondition& p : o_.prior.pause_conditions) {
      if (p.reason == reason) {
        s().pause_conditions.push_back(p);  // keep when it started
        return;
      }
    }
    s().pause_conditions.push_back({reason, now()});
  }
  void NewWindow() {
    s().stage_started_at = now();
    s().evidence.reset();
    window_reset_ = true;
  }
  bool IsAborted(const char* reason) const {
    const Condition* c = o_.prior.FindCondition(kConditionAborted);
    return c && c->status == ConditionStatus::kTrue && c->reason == reason;
  }

  bool InvalidSpec() {
    if (o_.spec.ok()) return false;
    s().phase = "Invalid";
    s().message = std::string(o_.spec.status().message());
    s().pause_conditions.clear();
    const std::string msg = absl::StrCat("spec rejected, nothing pushed: ", s().message);
    SetCond(kConditionProgressing, ConditionStatus::kFalse, "InvalidSpec", msg);
    SetCond(kConditionReady, ConditionStatus::kFalse, "InvalidSpec", msg);
    return true;
  }

  bool Inactive() {
    if (o_.active) return false;
    s().phase = "Pending";
    s().message = absl::StrCat("policy ", o_.active_policy,
                               " drives the executor (the oldest policy in the namespace wins)");
    s().pause_conditions.clear();
    SetCond(kConditionProgressing, ConditionStatus::kFalse, "NotActive", s().message);
    SetCond(kConditionReady, ConditionStatus::kFalse, "NotActive", s().message);
    return true;
  }

  void Window(const PolicySpec& spec) {
    s().pause_conditions.clear();
    const int32_t last = static_cast<int32_t>(spec.stages.size()) - 1;
    if (s().stages_hash.empty()) {
      s().current_stage = 0;
      s().stages_hash = o_.stages_hash;
      NewWindow();
      Event(false, "Started", absl::StrCat("starting at stage 0 (", spec.stages[0].name, ")"));
      return;
    }
    if (s().stages_hash != o_.stages_hash) {
      s().stages_hash = o_.stages_hash;
      s().current_stage = std::min(s().current_stage, last);
      NewWindow();
      Event(false, "SpecChanged",
            absl::StrCat("stages or lanes changed: evidence window restarted at stage ",
                         s().current_stage, " (", spec.stages[s().current_stage].name, ")"));
    }
    if (!s().stage_started_at) NewWindow();
  }

  void ExecutorHealth(const PolicySpec& spec) {
    ExecutorState& ex = s().executor;
    const ExecutorObservation& obs = o_.executor;
    ex.reachable = obs.reachable;
    ex.healthy = obs.reachable && obs.healthy;
    if (obs.reachable) ex.last_contact = now();
    if (ex.healthy) {
      ex.unhealthy_since.reset();
    } else if (!ex.unhealthy_since) {
      ex.unhealthy_since = now();
    }
    executor_lost_ =
        !ex.healthy && now() - *ex.unhealthy_since >= spec.failover.executor_unhealthy_after;
    if (ex.kill_switch_engaged && obs.reachable && obs.kill_switches_engaged == 0) {
      // A person released it (arborctl executor kill --scope global --release): the operator never
      // does.
      ex.kill_switch_engaged = false;
      Event(false, "KillSwitchReleased", "the executor reports no engaged kill switch");
    }
    if (executor_lost_ && spec.failover.kill_switch_on_executor_loss && !ex.kill_switch_engaged) {
      plan_.engage_kill_switch = true;
      plan_.kill_switch_reason = absl::StrCat("operator: executor unavailable for ",
                                              absl::FormatDuration(now() - *ex.unhealthy_since),
                                              " (policy ", o_.meta.Key(), ")");
    }
    if (executor_lost_) {
      const std::string msg =
          absl::StrCat("executor ", obs.reachable ? "unhealthy" : "unreachable", " since ",
                       TimeString(*ex.unhealthy_since),
                       obs.detail.empty() ? "" : absl::StrCat(": ", obs.detail));
      const Condition* prior = o_.prior.FindCondition(kConditionDegraded);
      if (!prior || prior->status != ConditionStatus::kTrue) {
        Event(true, "ExecutorUnavailable", msg);
      }
      SetCond(kConditionDegraded, ConditionStatus::kTrue, "ExecutorUnavailable", msg);
    } else if (ex.kill_switch_engaged) {
      SetCond(
          kConditionDegraded, ConditionStatus::kTrue, "KillSwitchEngaged",
          "the operator engaged the global kill switch after losing the executor; release it "
          "with `arborctl executor kill --scope global --release` once the cause is understood");
    } else {
      SetCond(kConditionDegraded, ConditionStatus::kFalse, "Healthy", "");
    }
  }

  bool Abort(const PolicySpec& spec) {
    if (!spec.abort) {
      if (IsAborted("AbortRequested")) {
        NewWindow();
        SetCond(kConditionAborted, ConditionStatus::kFalse, "Resumed",
                "spec.abort cleared: resuming with a fresh evidence window");
        Event(false, "Resumed",
              absl::StrCat("abort cleared; resuming at stage ", s().current_stage));
      }
      return false;
    }
    const int32_t from = s().current_stage;
    if (from != spec.safe_stage || !IsAborted("AbortRequested")) {
      s().current_stage = spec.safe_stage;
      NewWindow();
      Event(true, "Aborted",
            absl::StrCat("spec.abort: stage ", from, " -> safe stage ", spec.safe_stage));
    }
    s().aborted_generation = 0;
    s().phase = "Aborted";
    s().message = "spec.abort is true: held at the safe stage";
    SetCond(kConditionAborted, ConditionStatus::kTrue, "AbortRequested", s().message);
    SetCond(kConditionProgressing, ConditionStatus::kFalse, "Aborted", s().message);
    Push();
    return true;
  }

  // A gate failure latches until the spec changes (generation moves past it).
  void Rearm() {
    if (s().aborted_generation == 0 || o_.meta.generation <= s().aborted_generation) return;
    s().aborted_generation = 0;
    NewWindow();
    SetCond(kConditionAborted, ConditionStatus::kFalse, "SpecChanged",
            "the spec changed after a failed gate: evidence collection restarts");
    Event(false, "Rearmed",
          absl::StrCat("spec generation ", o_.meta.generation, ": gates re-armed at stage ",
                       s().current_stage));
  }

  bool Suspend() {
    if (!o_.spec->suspend) return false;
    s().phase = "Suspended";
    s().message = "spec.suspend is true: no promotion, no abort, nothing pushed";
    Pause("Suspended");
    SetCond(kConditionProgressing, ConditionStatus::kFalse, "Suspended", s().message);
    return true;
  }

  bool Latched(const PolicySpec& spec) {
    if (s().aborted_generation == 0) return false;
    Push();
    if (spec.on_gate_failure == GateFailureAction::kHold) {
      s().phase = "Paused";
      Pause("GateFailed");
    } else {
      s().phase = "Aborted";
    }
    SetCond(kConditionProgressing, ConditionStatus::kFalse, "GateFailed",
            absl::StrCat(s().message, " (edit the spec to re-arm)"));
    return true;
  }

  bool ExecutorUnavailable() {
    Push();
    if (s().executor.healthy) return false;
    s().phase = executor_lost_ ? "Degraded" : "Progressing";
    s().message = "holding: the executor is not the ready leader";
    SetCond(kConditionProgressing, ConditionStatus::kFalse, "ExecutorUnavailable",
            o_.executor.detail.empty() ? s().message : o_.executor.detail);
    plan_.requeue_after = std::min(resync_, absl::Seconds(5));
    return true;
  }

  void Evidence(const PolicySpec& spec) {
    const int32_t cur = s().current_stage;
    const StageSpec& stage = spec.stages[cur];
    const absl::Time started = *s().stage_started_at;
    s().stage_ends_at = started + stage.min_duration;
    s().phase = "Progressing";
    if (window_reset_ || !o_.evidence || o_.evidence_window_start != started) {
      s().message = "waiting for stage evidence from the executor";
      SetCond(kConditionProgressing, ConditionStatus::kTrue, "NoData", s().message);
      plan_.requeue_after = std::min(resync_, absl::Seconds(5));
      return;
    }
    const GateVerdict verdict = EvaluateGates(stage, *o_.evidence);
    s().evidence = SummariseEvidence(*o_.evidence, verdict, started, now());
    if (verdict.any_failed) return GateFailed(spec, verdict);

    const int32_t last = static_cast<int32_t>(spec.stages.size()) - 1;
    if (cur == last) {
      s().phase = "Completed";
      s().stage_ends_at.reset();
      s().message = absl::StrCat("final stage ", stage.name, " in force; gates still watched");
      SetCond(kConditionProgressing, ConditionStatus::kFalse, "StagesComplete", s().message);
      return;
    }
    const uint64_t samples = o_.evidence->sample_count;
    if (!verdict.all_passed || samples < static_cast<uint64_t>(stage.min_samples)) {
      bool no_data = !o_.evidence->data_complete;
      s().message = absl::StrCat("holding: ", samples, "/", stage.min_samples, " samples",
                                 no_data ? ", executor data incomplete" : "");
      for (const GateEvidence& g : verdict.gates) {
        if (g.result != GateResult::kPass) {
          absl::StrAppend(&s().message, "; ", g.name, " ", GateResultName(g.result));
        }
      }
      SetCond(kConditionProgressing, ConditionStatus::kTrue,
              no_data ? "NoData" : "InsufficientSamples", s().message);
      return;
    }
    if (now() < *s().stage_ends_at) {
      s().message = absl::StrCat("gates passing with ", samples, " samples; window ends at ",
                                 TimeString(*s().stage_ends_at));
      SetCond(kConditionProgressing, ConditionStatus::kTrue, "CollectingEvidence", s().message);
      plan_.requeue_after = std::min(resync_, *s().stage_ends_at - now());
      return;
    }
    const int32_t next = cur + 1;
    if (spec.stages[next].requires_approval && spec.approved_stage < next) {
      s().phase = "Paused";
      s().message = absl::StrCat("stage ", spec.stages[next].name,
                                 " needs approval: set spec.approvedStage to ", next);
      Pause("AwaitingApproval");
      SetCond(kConditionProgressing, ConditionStatus::kFalse, "AwaitingApproval", s().message);
      return;
    }
    s().current_stage = next;
    NewWindow();
    s().stage_ends_at = now() + spec.stages[next].min_duration;
    s().message = absl::StrCat("promoted to stage ", spec.stages[next].name);
    Event(
        false, "Promoted",
        absl::StrCat("stage ", stage.name, " -> ", spec.stages[next].name, ": every gate held for ",
                     absl::FormatDuration(stage.min_duration), " with ", samples, " samples"));
    SetCond(kConditionProgressing, ConditionStatus::kTrue, "Promoted", s().message);
    Push();
    plan_.requeue_after = std::min(resync_, absl::Seconds(1));
  }

  void GateFailed(const PolicySpec& spec, const GateVerdict& verdict) {
    const int32_t cur = s().current_stage;
    s().aborted_generation = o_.meta.generation;
    if (spec.on_gate_failure == GateFailureAction::kHold) {
      s().phase = "Paused";
      s().message = absl::StrCat("gate failed at stage ", spec.stages[cur].name, " (",
                                 verdict.failure_message, "); holding");
      Pause("GateFailed");
      Event(true, "GateFailed", s().message);
      SetCond(kConditionProgressing, ConditionStatus::kFalse, "GateFailed",
              absl::StrCat(s().message, " (edit the spec to re-arm)"));
      return;
    }
    s().current_stage = spec.safe_stage;
    s().stage_started_at = now();
    s().stage_ends_at.reset();
    s().phase = "Aborted";
    s().message =
        absl::StrCat("gate failed at stage ", spec.stages[cur].name, " (", verdict.failure_message,
                     "); moved to safe stage ", spec.stages[spec.safe_stage].name);
    Event(true, "GateFailed", s().message);
    SetCond(kConditionAborted, ConditionStatus::kTrue, "GateFailed",
            absl::StrCat(s().message, "; edit the spec to re-arm"));
    SetCond(kConditionProgressing, ConditionStatus::kFalse, "GateFailed", s().message);
    Push();
  }

  void Push() {
    plan_.apply_limits_stage = s().current_stage;
    plan_.apply_feed_policy = true;
  }

  void Finish(const PolicySpec& spec) {
    s().current_stage_name = spec.stages[s().current_stage].name;
    if (s().phase.empty() || s().phase == "Invalid" || s().phase == "Pending") {
      s().phase = "Progressing";
    }
    const Condition* degraded = s().FindCondition(kConditionDegraded);
    if (degraded && degraded->status == ConditionStatus::kTrue && s().phase != "Aborted" &&
        s().phase != "Suspended") {
      s().phase = "Degraded";
    }
  }

  const Observation& o_;
  const absl::Duration resync_;
  Plan plan_;
  bool window_reset_ = false;
  bool executor_lost_ = false;
};

}  // namespace

Plan Reconcile(const Observation& o, absl::Duration resync) { return Pass(o, resync).Run(); }

PolicyStatus Complete(const Observation& o, const Plan& plan, const ActionResults& results) {
  PolicyStatus s = plan.status;
  auto set = [&](const char* type, ConditionStatus st, std::string reason, std::string msg) {
    SetCondition(s.conditions,
                 Condition{type, st, std::move(reason), std::move(msg), o.now, o.meta.generation});
  };
  if (results.kill_switch && results.kill_switch->ok()) s.executor.kill_switch_engaged = true;
  s.feeds_applied = results.feeds_applied;
  s.feeds_total = o.feeds_total;
  std::string limits_error;
  if (results.limits) {
    if (results.limits->ok()) {
      if (s.applied_limits.generation != o.meta.generation ||
          s.applied_limits.stage != *plan.apply_limits_stage) {
        s.applied_limits = {o.meta.generation, *plan.apply_limits_stage, o.now};
      }
    } else {
      limits_error = std::string(results.limits->message());
    }
  }
  if (!o.spec.ok() || !o.active) return s;  // Ready was decided by Reconcile

  const bool applied =
      s.applied_limits.generation == o.meta.generation && s.applied_limits.stage == s.current_stage;
  const Condition* degraded = s.FindCondition(kConditionDegraded);
  if (degraded && degraded->status == ConditionStatus::kTrue) {
    set(kConditionReady, ConditionStatus::kFalse, degraded->reason, degraded->message);
  } else if (!limits_error.empty()) {
    set(kConditionReady, ConditionStatus::kFalse, "LimitsNotApplied",
        absl::StrCat("the executor refused the stage limits: ", limits_error));
  } else if (!applied) {
    set(kConditionReady, ConditionStatus::kFalse, "LimitsNotApplied",
        absl::StrCat("stage ", s.current_stage, " limits of generation ", o.meta.generation,
                     " not applied yet"));
  } else {
    set(kConditionReady, ConditionStatus::kTrue, "LimitsApplied",
        absl::StrCat("stage ", s.current_stage_name, " limits in force on the executor"));
  }
  if (s.applied_limits.stage < 0 && s.phase == "Progressing") s.phase = "Pending";
  return s;
}

std::string SelectActivePolicy(const std::vector<PolicyMeta>& policies) {
  const PolicyMeta* best = nullptr;
  for (const PolicyMeta& p : policies) {
    if (p.deletion) continue;
    if (!best || p.created < best->created || (p.created == best->created && p.name < best->name)) {
      best = &p;
    }
  }
  return best ? best->Key() : std::string();
}

}  // namespace arbor::trading_policy
