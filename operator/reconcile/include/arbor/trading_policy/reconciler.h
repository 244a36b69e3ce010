// File: arbor/trading_policy/reconciler.h
//
// The TradingPolicy state machine, pure: (spec, previous status, executor observation, stage
// evidence, now) → (desired status, actions). No I/O, no clock reads, so every transition is a
// table-driven unit test (tests/unit/operator). The controller (operator/controller) gathers the
// Observation, runs Reconcile, performs the actions, then calls Complete with their outcomes to
// settle the conditions that depend on them (Ready needs the limits to have been accepted).
//
// Level-triggered and idempotent: the same observation gives the same plan, and applying a plan's
// status as the next `prior` without anything else changing gives the same status again.
//
// Order of precedence (each step may end the pass):
//   invalid spec → not the active policy → stages/lanes hash changed (new evidence window) →
//   executor health (Degraded, kill switch) → abort requested / resumed → gate-failure latch
//   re-armed by a spec change → suspend → latched (aborted or held) → executor unavailable (hold)
//   → evidence: gate failed (abort or hold) / missing or insufficient (hold) / window not over
//   (hold) / next stage needs approval (pause) / promote.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/trading_policy/gates.h"
#include "arbor/trading_policy/spec.h"
#include "arbor/trading_policy/status.h"

namespace arbor::trading_policy {

struct ExecutorObservation {
  bool reachable = false;  // Control.GetStatus answered
  bool healthy = false;    // ...and the instance is the ready leader
  uint32_t kill_switches_engaged = 0;
  std::string detail;  // why not reachable / healthy
};

struct Observation {
  PolicyMeta meta;
  absl::StatusOr<PolicySpec> spec = absl::UnknownError("unset");
  std::string stages_hash;
  PolicyStatus prior;
  absl::Time now = absl::UnixEpoch();
  // Several policies in one namespace would fight over one executor: only the oldest drives it.
  bool active = true;
  std::string active_policy;  // namespace/name of the active one when !active
  ExecutorObservation executor;
  // Stage evidence since `evidence_window_start` (the controller uses prior.stage_started_at);
  // nullopt when the executor gave none. Ignored if the window no longer matches the stage.
  std::optional<StageEvidence> evidence;
  absl::Time evidence_window_start = absl::UnixEpoch();
  int32_t feeds_total = 0;
};

struct EventRecord {
  bool warning = false;
  std::string reason;  // CamelCase, e.g. Promoted
  std::string note;

  bool operator==(const EventRecord&) const = default;
};

struct Plan {
  PolicyStatus status;
  std::optional<int32_t> apply_limits_stage;  // push this stage's limits
  bool apply_feed_policy = false;
  bool engage_kill_switch = false;
  std::string kill_switch_reason;
  std::vector<EventRecord> events;
  absl::Duration requeue_after = absl::Seconds(15);
};

struct ActionResults {
  std::optional<absl::Status> limits;       // set when the push was attempted
  std::optional<absl::Status> kill_switch;  // set when engaging was attempted
  int32_t feeds_applied = 0;
};

// Reconcile: the plan for one pass. `resync` bounds requeue_after.
Plan Reconcile(const Observation& o, absl::Duration resync = absl::Seconds(15));

// Complete: the plan's status with the outcomes of its actions folded in (appliedLimits,
// kill switch, feeds, Ready, phase).
PolicyStatus Complete(const Observation& o, const Plan& plan, const ActionResults& results);

// SelectActivePolicy: key of the policy that drives the executor among `policies` (oldest
// creationTimestamp, then name; ones being deleted are skipped); empty if none.
std::string SelectActivePolicy(const std::vector<PolicyMeta>& policies);

}  // namespace arbor::trading_policy
