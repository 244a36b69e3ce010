#include "arbor/trading_policy/controller.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/log.h"
#include "arbor/core/status_macros.h"
#include "arbor/k8s/object_ops.h"
#include "arbor/k8s/resource.h"
#include "arbor/trading_policy/limits.h"

namespace arbor::trading_policy {
namespace {

using k8s::Json;

const k8s::GroupVersionResource kTradingPolicies{"arbor.dev", "v1alpha1", "tradingpolicies"};

v1::PolicyRef MakePolicyRef(const PolicyMeta& meta, const PolicySpec& spec, int32_t stage,
                            const std::string& stages_hash) {
  v1::PolicyRef ref;
  ref.set_policy_uid(meta.uid);
  ref.set_policy_name(meta.Key());
  ref.set_policy_generation(meta.generation);
  ref.set_stage_index(static_cast<uint32_t>(stage));
  ref.set_stage_name(spec.stages.at(static_cast<size_t>(stage)).name);
  ref.set_stages_hash(stages_hash);
  return ref;
}

// Watch events that should trigger a pass: a new object, a spec change (generation), a deletion
// or a finalizer change. Status-only updates (our own writes) do not, or every status patch
// would wake the worker again; time-based work is covered by the per-key resync.
std::string TriggerSignature(const Json& object) {
  const Json& m = object.contains("metadata") ? object["metadata"] : Json::object();
  return absl::StrCat(k8s::GenerationOf(object), "|",
                      m.contains("deletionTimestamp") ? m["deletionTimestamp"].dump() : "", "|",
                      m.contains("finalizers") ? m["finalizers"].dump() : "", "|",
                      k8s::UidOf(object));
}

}  // namespace

Controller::Controller(k8s::ApiClient& api, ExecutorControl& executor, FeedControl& feeds,
                       prometheus::Registry& registry, ControllerOptions options)
    : api_(api),
      executor_(executor),
      feeds_(feeds),
      options_(std::move(options)),
      clock_(SystemClock::Get()),
      queue_(clock_),
      events_(api, {.reporting_controller = "arbor.dev/operator",
                    .reporting_instance = options_.identity}),
      reflector_(api,
                 {.path = k8s::CollectionPath(kTradingPolicies, options_.namespace_name),
                  .watch_timeout = options_.watch_timeout,
                  .name = "tradingpolicies"},
                 {.on_apply =
                      [this](const std::string& key, const Json& object) {
                        const std::string signature = TriggerSignature(object);
                        absl::MutexLock lock(&signatures_mu_);
                        auto [it, inserted] = signatures_.try_emplace(key, signature);
                        if (inserted || it->second != signature) {
                          it->second = signature;
                          queue_.Add(key);
                        }
                      },
                  .on_delete =
                      [this](const std::string& key, const Json&) {
                        {
                          absl::MutexLock lock(&signatures_mu_);
                          signatures_.erase(key);
                        }
                        ForgetMetrics(key);
                        // Another policy may become the active one.
                        for (const Json& other : reflector_.List()) {
                          queue_.Add(k8s::ObjectKey(other));
                        }
                      },
                  .on_synced = [] {}}),
      elector_(
          std::make_unique<k8s::ApiLeaseLock>(api, options_.namespace_name, options_.lease_name),
          {.identity = options_.identity,
           .lease_duration = options_.lease_duration,
           .renew_deadline = options_.renew_deadline,
           .retry_period = options_.retry_period,
           .on_started_leading =
               [this] {
                 leader_gauge_.Add({}).Set(1);
                 ARBOR_LOG(kInfo, "operator", "leading").Field("identity", options_.identity);
                 for (const Json& object : reflector_.List()) {
                   queue_.Add(k8s::ObjectKey(object));
                 }
               },
           .on_stopped_leading =
               [this] {
                 leader_gauge_.Add({}).Set(0);
                 // A standby's per-policy series would go stale: only the leader reports them.
                 for (const Json& object : reflector_.List()) {
                   ForgetMetrics(k8s::ObjectKey(object));
                 }
                 ARBOR_LOG(kWarning, "operator", "stopped leading")
                     .Field("identity", options_.identity);
               }}),
      reconciles_(prometheus::BuildCounter()
                      .Name("arbor_operator_reconciles_total")
                      .Help("Reconcile passes by result: success, error, conflict")
                      .Register(registry)),
      leader_gauge_(prometheus::BuildGauge()
                        .Name("arbor_operator_leader")
                        .Help("1 while this replica holds the operator Lease")
                        .Register(registry)),
      executor_reachable_(prometheus::BuildGauge()
                              .Name("arbor_operator_executor_reachable")
                              .Help("1 when the last Control.GetStatus answered")
                              .Register(registry)),
      stage_(prometheus::BuildGauge()
                 .Name("arbor_tradingpolicy_stage")
                 .Help("Current canary stage index of each TradingPolicy")
                 .Register(registry)),
      condition_(prometheus::BuildGauge()
                     .Name("arbor_tradingpolicy_condition")
                     .Help("1 when the TradingPolicy condition `type` is True")
                     .Register(registry)),
      generation_lag_(prometheus::BuildGauge()
                          .Name("arbor_tradingpolicy_generation_lag")
                          .Help("metadata.generation - status.observedGeneration")
                          .Register(registry)) {
  leader_gauge_.Add({}).Set(0);
  executor_reachable_.Add({}).Set(0);
}

Controller::~Controller() { Stop(); }

void Controller::Start() {
  if (started_.exchange(true)) return;
  reflector_.Start();
  elector_.Start();
  worker_ = std::thread([this] { Work(); });
}

void Controller::Stop() {
  if (!started_.exchange(false)) return;
  queue_.ShutDown();
  if (worker_.joinable()) worker_.join();
  elector_.Stop();
  reflector_.Stop();
}

absl::Status Controller::Ready() const {
  if (!reflector_.HasSynced()) return absl::UnavailableError("TradingPolicy cache not synced");
  return absl::OkStatus();
}

void Controller::Work() {
  while (std::optional<std::string> key = queue_.Get()) {
    if (!elector_.IsLeader()) {
      // Dropped: on_started_leading queues every key again.
      queue_.Done(*key);
      continue;
    }
    absl::StatusOr<absl::Duration> next = ReconcileKey(*key);
    if (next.ok()) {
      reconciles_.Add({{"result", "success"}}).Increment();
      queue_.Forget(*key);
      if (*next != absl::InfiniteDuration()) queue_.AddAfter(*key, *next);
    } else {
      const bool conflict = k8s::IsConflict(next.status());
      reconciles_.Add({{"result", conflict ? "conflict" : "error"}}).Increment();
      ARBOR_LOG(kWarning, "operator", "reconcile failed")
          .Field("policy", *key)
          .Field("error", std::string(next.status().message()));
      queue_.AddRateLimited(*key);
    }
    queue_.Done(*key);
  }
}

std::vector<PolicyMeta> Controller::CachedPolicies() const {
  std::vector<PolicyMeta> out;
  for (const Json& object : reflector_.List()) {
    if (auto meta = ParsePolicyMeta(object); meta.ok()) out.push_back(*std::move(meta));
  }
  return out;
}

absl::StatusOr<absl::Duration> Controller::ReconcileKey(const std::string& key) {
  std::optional<Json> cached = reflector_.Get(key);
  if (!cached) return absl::InfiniteDuration();  // deleted; nothing left to do
  Json object = *std::move(cached);
  ARBOR_ASSIGN_OR_RETURN(PolicyMeta meta, ParsePolicyMeta(object));
  const k8s::ObjectRef ref{kTradingPolicies, meta.namespace_name, meta.name};

  std::vector<PolicyMeta> policies = CachedPolicies();
  if (meta.deletion) {
    for (PolicyMeta& p : policies) {
      if (p.uid == meta.uid) p.deletion.reset();  // was it the active one before deletion?
    }
    return Finalize(object, meta, SelectActivePolicy(policies) == key);
  }
  if (!k8s::HasFinalizer(object, kFinalizer)) {
    ARBOR_ASSIGN_OR_RETURN(object, k8s::AddFinalizer(api_, ref, kFinalizer));
    ARBOR_ASSIGN_OR_RETURN(meta, ParsePolicyMeta(object));
  }

  const Json spec_json = object.contains("spec") ? object["spec"] : Json();
  Observation o;
  o.meta = meta;
  o.spec = ParsePolicySpec(spec_json);
  o.stages_hash = StagesHash(spec_json);
  if (auto prior = StatusFromJson(object.contains("status") ? object["status"] : Json());
      prior.ok()) {
    o.prior = *std::move(prior);
  } else {
    // A hand-edited status must not wedge the policy: start from an empty one.
    ARBOR_LOG(kWarning, "operator", "unreadable status, starting afresh")
        .Field("policy", key)
        .Field("error", std::string(prior.status().message()));
  }
  o.now = clock_.Now();
  const std::string active = SelectActivePolicy(policies);
  o.active = active == key;
  o.active_policy = active;
  o.feeds_total = feeds_.feed_count();
  if (o.active && o.spec.ok()) {
    o.executor = executor_.Observe();
    executor_reachable_.Add({}).Set(o.executor.reachable ? 1 : 0);
    if (o.executor.healthy && o.prior.stage_started_at) {
      absl::StatusOr<StageEvidence> evidence =
          executor_.StageEvidenceSince(*o.prior.stage_started_at);
      if (evidence.ok()) {
        o.evidence = *evidence;
        o.evidence_window_start = *o.prior.stage_started_at;
      } else {
        o.executor.detail = absl::StrCat("Control.GetStageMetrics: ", evidence.status().message());
      }
    }
  }

  const Plan plan = Reconcile(o, options_.resync);
  ActionResults results;
  if (o.active && o.spec.ok()) {
    if (plan.apply_limits_stage && o.executor.reachable) {
      const int32_t stage = *plan.apply_limits_stage;
      results.limits = executor_.ApplyLimits(MakePolicyRef(meta, *o.spec, stage, o.stages_hash),
                                             BuildPolicyLimits(*o.spec, stage));
    }
    if (plan.engage_kill_switch && o.executor.reachable) {
      results.kill_switch = executor_.EngageGlobalKillSwitch(plan.kill_switch_reason);
      if (!results.kill_switch->ok()) {
        ARBOR_LOG(kError, "operator", "kill switch not engaged")
            .Field("policy", key)
            .Field("error", std::string(results.kill_switch->message()));
      }
    }
    if (plan.apply_feed_policy) {
      results.feeds_applied = feeds_.ApplyFeedPolicy(
          MakePolicyRef(meta, *o.spec, plan.status.current_stage, o.stages_hash),
          BuildFeedPolicy(*o.spec));
    }
  }
  const PolicyStatus status = Complete(o, plan, results);
  const Json status_json = StatusToJson(status);
  ARBOR_ASSIGN_OR_RETURN(
      Json written,
      k8s::PatchStatus(
          api_, ref,
          [&](const Json& current) -> absl::StatusOr<Json> {
            if (k8s::UidOf(current) != meta.uid) {
              return absl::AbortedError("the policy was replaced; the next pass handles it");
            }
            return status_json;
          },
          &object));
  RecordEvents(written, plan);
  UpdateMetrics(meta, status);
  if (results.kill_switch && results.kill_switch->ok()) {
    events_.Record(written, k8s::EventType::kWarning, "KillSwitchEngaged", "KillSwitch",
                   plan.kill_switch_reason);
  }
  return plan.requeue_after;
}

absl::StatusOr<absl::Duration> Controller::Finalize(const Json& object, const PolicyMeta& meta,
                                                    bool was_active) {
  if (!k8s::HasFinalizer(object, kFinalizer)) return absl::InfiniteDuration();
  const k8s::ObjectRef ref{kTradingPolicies, meta.namespace_name, meta.name};
  if (was_active) {
    // The executor keeps the last limits it was given: leave it fail-closed, never with the
    // limits of a policy that no longer exists. Until that lands the finalizer holds deletion.
    v1::PolicyRef policy;
    policy.set_policy_uid(meta.uid);
    policy.set_policy_name(meta.Key());
    policy.set_policy_generation(meta.generation);
    policy.set_stage_name("deleted");
    ARBOR_RETURN_IF_ERROR(executor_.ApplyLimits(policy, FailClosedLimits()));
    events_.Record(object, k8s::EventType::kNormal, "LimitsReleased", "Finalize",
                   "policy deleted: the executor now runs fail-closed limits (no new risk)");
  }
  ARBOR_RETURN_IF_ERROR(k8s::RemoveFinalizer(api_, ref, kFinalizer).status());
  ForgetMetrics(meta.Key());
  return absl::InfiniteDuration();
}

void Controller::RecordEvents(const Json& object, const Plan& plan) {
  for (const EventRecord& e : plan.events) {
    events_.Record(object, e.warning ? k8s::EventType::kWarning : k8s::EventType::kNormal, e.reason,
                   e.reason, e.note);
  }
}

void Controller::UpdateMetrics(const PolicyMeta& meta, const PolicyStatus& status) {
  const std::map<std::string, std::string> labels = {{"namespace", meta.namespace_name},
                                                     {"policy", meta.name}};
  stage_.Add(labels).Set(status.current_stage);
  generation_lag_.Add(labels).Set(
      static_cast<double>(meta.generation - status.observed_generation));
  for (const char* type :
       {kConditionReady, kConditionProgressing, kConditionDegraded, kConditionAborted}) {
    const Condition* c = status.FindCondition(type);
    auto with_type = labels;
    with_type["type"] = type;
    condition_.Add(with_type).Set(c && c->status == ConditionStatus::kTrue ? 1 : 0);
  }
}

void Controller::ForgetMetrics(const std::string& key) {
  const size_t slash = key.find('/');
  if (slash == std::string::npos) return;
  const std::map<std::string, std::string> labels = {{"namespace", key.substr(0, slash)},
                                                     {"policy", key.substr(slash + 1)}};
  stage_.Remove(&stage_.Add(labels));
  generation_lag_.Remove(&generation_lag_.Add(labels));
  for (const char* type :
       {kConditionReady, kConditionProgressing, kConditionDegraded, kConditionAborted}) {
    auto with_type = labels;
    with_type["type"] = type;
    condition_.Remove(&condition_.Add(with_type));
  }
}

}  // namespace arbor::trading_policy
