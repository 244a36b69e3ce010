// File: arbor/executor/policy_limits.h
//
// The operator pushes arbor.v1.PolicyLimits (computed from a TradingPolicy's active stage); the
// executor validates them and turns them into the risk engine's Limits and the engine's legging
// policy. Validation is the API's INVALID_ARGUMENT contract: every problem is named with its
// field, so a bad policy is refused whole and the running limits stay as they were.
//
// Fail-closed mapping (control.proto): a cap of 0 means "no trading", never "unlimited"; lanes not
// listed (or listed disabled) get a budget of 0.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/exec/execution_engine.h"
#include "arbor/risk/limits.h"
#include "arbor/v1/control.pb.h"

namespace arbor::executor {

struct AppliedLimits {
  risk::Limits risk;
  absl::Duration leg_window;          // zero = keep the executor's configured window
  exec::LegFailurePolicy leg_policy;  // UNSPECIFIED maps to kUnwind
  int64_t max_unhedged_exposure_micros = 0;
};

// InvalidArgument naming the first bad field (e.g. "limits.reduce_drawdown_micros 5 exceeds
// limits.max_drawdown_micros 3").
[[nodiscard]] absl::Status ValidatePolicyLimits(const v1::PolicyLimits& limits);

// ValidatePolicyLimits, then the mapping.
[[nodiscard]] absl::StatusOr<AppliedLimits> ToAppliedLimits(const v1::PolicyLimits& limits);

// Lane label used by the risk engine and metrics: LANE_CROSS_VENUE -> "cross_venue".
std::string LaneLabel(v1::Lane lane);

}  // namespace arbor::executor
