// File: arbor/trading_policy/controller.h
//
// The operator's controller: a Reflector keeps every TradingPolicy of the namespace in a cache
// (list + watch, relist on 410), a LeaderElector on a coordination.k8s.io Lease decides which
// replica acts, and one worker takes keys from a rate-limited WorkQueue and runs ReconcileKey:
//
//   1. finalizer: add arbor.dev/limits-release; on deletion push fail-closed limits (if this
//      policy was the active one) and only then remove it;
//   2. observe: Control.GetStatus, and Control.GetStageMetrics since status.stageStartedAt;
//   3. Reconcile (the pure state machine) → push limits / feed policy / kill switch;
//   4. Complete → merge-patch /status with the resourceVersion read (retried on 409) → Events;
//   5. requeue after the plan's delay (success) or with per-key exponential backoff (error).
// Every key is re-queued at least every `resync`, so time-based transitions (a stage window
// ending, the executor staying away) happen without a watch event.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/k8s/api_client.h"
#include "arbor/k8s/events.h"
#include "arbor/k8s/leader_election.h"
#include "arbor/k8s/reflector.h"
#include "arbor/k8s/workqueue.h"
#include "arbor/trading_policy/control_clients.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace arbor::trading_policy {

inline constexpr char kFinalizer[] = "arbor.dev/limits-release";

struct ControllerOptions {
  std::string namespace_name = "default";
  std::string identity;  // pod name: lease holder, applied_by, event reportingInstance
  std::string lease_name = "arbor-operator";
  absl::Duration lease_duration = absl::Seconds(15);
  absl::Duration renew_deadline = absl::Seconds(10);
  absl::Duration retry_period = absl::Seconds(2);
  absl::Duration resync = absl::Seconds(15);
  absl::Duration watch_timeout = absl::Minutes(5);
};

class Controller {
 public:
  Controller(k8s::ApiClient& api, ExecutorControl& executor, FeedControl& feeds,
             prometheus::Registry& registry, ControllerOptions options);
  ~Controller();  // Stop()s
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Start: reflector, leader election and the worker thread.
  void Start();
  // Stop: stops the worker, releases the Lease if leading, stops the reflector. Idempotent.
  void Stop();

  bool IsLeader() const { return elector_.IsLeader(); }
  // Readiness: the cache has synced (a standby is ready too: it can take over at once).
  absl::Status Ready() const;

  // ReconcileKey: one pass for "namespace/name" (the worker's body; public for tests). Returns
  // the delay before the next pass.
  [[nodiscard]] absl::StatusOr<absl::Duration> ReconcileKey(const std::string& key);

 private:
  void Work();
  absl::StatusOr<absl::Duration> Finalize(const k8s::Json& object, const PolicyMeta& meta,
                                          bool was_active);
  void RecordEvents(const k8s::Json& object, const Plan& plan);
  void UpdateMetrics(const PolicyMeta& meta, const PolicyStatus& status);
  void ForgetMetrics(const std::string& key);
  std::vector<PolicyMeta> CachedPolicies() const;

  k8s::ApiClient& api_;
  ExecutorControl& executor_;
  FeedControl& feeds_;
  const ControllerOptions options_;
  const Clock& clock_;
  k8s::WorkQueue queue_;
  k8s::EventRecorder events_;
  k8s::Reflector reflector_;
  k8s::LeaderElector elector_;
  std::thread worker_;
  std::atomic<bool> started_{false};
  absl::Mutex signatures_mu_;
  std::map<std::string, std::string> signatures_ ABSL_GUARDED_BY(signatures_mu_);

  prometheus::Family<prometheus::Counter>& reconciles_;
  prometheus::Family<prometheus::Gauge>& leader_gauge_;
  prometheus::Family<prometheus::Gauge>& executor_reachable_;
  prometheus::Family<prometheus::Gauge>& stage_;
  prometheus::Family<prometheus::Gauge>& condition_;
  prometheus::Family<prometheus::Gauge>& generation_lag_;
};

}  // namespace arbor::trading_policy
