// File: arbor/risk/denial.h
//
// Why a pre-trade check refused an order (DESIGN.md §6, STYLE.md §3.3 "Risk before venue"): one
// closed enum of reasons, a stable snake_case label per reason for the Prometheus `reason` label,
// and the structured Denial the executor persists and reports.
//
// DenialReason mirrors arbor.v1.RiskDenialReason (proto/arbor/v1/execution.proto) one to one:
// same names, same numeric values (UNSPECIFIED = 0 has no counterpart: a Denial always has a
// reason). The library stays protobuf-free; the executor converts with a static_cast, which
// risk_test checks against the .proto text.
//
// Plain values; thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace arbor::risk {

// Numeric values are part of the contract (they are the arbor.v1 wire values).
enum class DenialReason : uint8_t {
  kPriceTolerance = 1,
  kMaxOrderSize = 2,
  kMaxOrderNotional = 3,
  kPositionLimitVenue = 4,
  kPositionLimitEvent = 5,
  kExposureLimitCluster = 6,
  kDailyLossCap = 7,
  kDrawdown = 8,
  kThrottle = 9,
  kKillSwitch = 10,
  kTradingHalted = 11,
  kTradingReducing = 12,
  kSafeMode = 13,
  kInsufficientBalance = 14,
  kLaneBudget = 15,
  kStageCapitalCap = 16,
  kOpportunityExpired = 17,
  kStaleBook = 18,
  kDuplicateGroup = 19,
  kInvalidOrder = 20,
  kLowConfidence = 21,
  kEdgeTooSmall = 22,
  kUnhedgedExposure = 23,
  kCircuitOpen = 24,
  kNotReady = 25,
  kMarketNotOpen = 26,
  kNotMarketable = 27,
};
inline constexpr int kDenialReasonCount = 27;

// Every reason, in numeric order (for tables, tests and pre-registering metric series).
std::array<DenialReason, kDenialReasonCount> AllDenialReasons();

// DenialReasonLabel
//
// The metric label: the proto enum name without its RISK_DENIAL_REASON_ prefix, lower-cased
// ("price_tolerance", "kill_switch", "position_limit_venue"). Unique per reason; "unknown" for a
// value outside the enum.
std::string_view DenialReasonLabel(DenialReason reason);

// One refused check. limit_value / observed_value use the unit of the check (money, price or
// quantity micros; nanoseconds for ages and deadlines; plain counts for counts and throttles;
// basis points for confidence) and are 0 when not applicable.
struct Denial {
  DenialReason reason = DenialReason::kInvalidOrder;
  std::string message;         // human-readable detail, names the leg / venue / lane concerned
  int64_t limit_value = 0;     // the limit that was hit
  int64_t observed_value = 0;  // the value that would have resulted
  std::optional<uint32_t> leg_index;  // set for per-leg reasons (index into ExecutionPlan::legs)

  // "price_tolerance leg=1 limit=10000 observed=20000: <message>" (logs, test diagnostics).
  std::string ToString() const;
};

std::ostream& operator<<(std::ostream& os, const Denial& denial);
std::ostream& operator<<(std::ostream& os, DenialReason reason);

}  // namespace arbor::risk
