// File: arbor/trading_policy/status.h
//
// TradingPolicy status as C++ values and their JSON form (the CRD's status schema). The operator
// reads the previous status back from the object, so every field it decides from round-trips:
// FromJson(ToJson(s)) == s. Times are RFC 3339 UTC with second precision (metav1.Time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace arbor::trading_policy {

inline constexpr char kConditionReady[] = "Ready";
inline constexpr char kConditionProgressing[] = "Progressing";
inline constexpr char kConditionDegraded[] = "Degraded";
inline constexpr char kConditionAborted[] = "Aborted";

enum class ConditionStatus { kTrue, kFalse, kUnknown };

struct Condition {
  std::string type;
  ConditionStatus status = ConditionStatus::kUnknown;
  std::string reason;
  std::string message;
  absl::Time last_transition_time = absl::UnixEpoch();
  int64_t observed_generation = 0;

  bool operator==(const Condition&) const = default;
};

enum class GateResult { kPass, kFail, kInsufficient, kNoData };

struct GateEvidence {
  std::string name;  // the gate's spec field, e.g. maxDrawdownCents
  GateResult result = GateResult::kNoData;
  std::string value;      // observed, human units ("12.50 USD", "93.10 %", "2")
  std::string threshold;  // the gate, same units
  int64_t samples = 0;

  bool operator==(const GateEvidence&) const = default;
};

struct Evidence {
  absl::Time observed_at = absl::UnixEpoch();
  absl::Time window_start = absl::UnixEpoch();
  bool data_complete = false;
  int64_t sample_count = 0;
  int64_t realized_pnl_cents = 0;
  int64_t max_drawdown_cents = 0;
  int32_t fill_reliability_bps = 0;
  int64_t unhedged_executions = 0;
  int32_t error_rate_bps = 0;
  std::vector<GateEvidence> gates;

  bool operator==(const Evidence&) const = default;
};

struct PauseCondition {
  std::string reason;
  absl::Time start_time = absl::UnixEpoch();

  bool operator==(const PauseCondition&) const = default;
};

struct AppliedLimits {
  int64_t generation = 0;
  int32_t stage = -1;  // -1: nothing applied yet
  absl::Time applied_at = absl::UnixEpoch();

  bool operator==(const AppliedLimits&) const = default;
};

struct ExecutorState {
  bool reachable = false;
  bool healthy = false;
  std::optional<absl::Time> last_contact;
  std::optional<absl::Time> unhealthy_since;
  bool kill_switch_engaged =
      false;  // engaged by this operator, until an operator of the desk releases it

  bool operator==(const ExecutorState&) const = default;
};

struct PolicyStatus {
  int64_t observed_generation = 0;
  std::string phase;  // display only
  std::string message;
  int32_t current_stage = 0;
  std::string current_stage_name;
  std::optional<absl::Time> stage_started_at;
  std::optional<absl::Time> stage_ends_at;
  std::string stages_hash;
  int64_t aborted_generation = 0;  // 0 = not aborted by a gate
  std::optional<Evidence> evidence;
  std::vector<PauseCondition> pause_conditions;
  AppliedLimits applied_limits;
  ExecutorState executor;
  int32_t feeds_applied = 0;
  int32_t feeds_total = 0;
  std::vector<Condition> conditions;

  const Condition* FindCondition(std::string_view type) const;
  bool operator==(const PolicyStatus&) const = default;
};

// StatusToJson / StatusFromJson: the CRD's .status. FromJson tolerates missing fields (a new
// object has no status) but rejects wrongly typed ones with kInvalidArgument.
nlohmann::json StatusToJson(const PolicyStatus& status);
[[nodiscard]] absl::StatusOr<PolicyStatus> StatusFromJson(const nlohmann::json& status);

// SetCondition
//
// Upserts `c` into `conditions`; lastTransitionTime changes only when status changes
// (metav1.Condition semantics), so repeating a reconcile leaves the time alone.
void SetCondition(std::vector<Condition>& conditions, Condition c);

std::string TimeString(absl::Time t);       // RFC 3339 UTC, seconds: 2026-12-06T07:00:00Z
std::string FormatUsdCents(int64_t cents);  // "12.34", "-0.05"
const char* GateResultName(GateResult r);
const char* ConditionStatusName(ConditionStatus s);

}  // namespace arbor::trading_policy
