// File: arbor/trading_policy/spec.h
//
// TradingPolicy spec (k8s/crds/tradingpolicies.arbor.dev.yaml) as C++ values, and the parser that
// validates it. The API server already enforces the CRD's schema and CEL rules; the operator
// validates again because a CRD installed without them (an old chart, a cluster whose CEL support
// differs) must not be able to wedge a reconcile or push nonsense limits. Each CEL rule has a
// counterpart here with the same message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/v1/common.pb.h"
#include "nlohmann/json.hpp"

namespace arbor::trading_policy {

struct LaneSpec {
  v1::Lane lane = v1::LANE_UNSPECIFIED;
  std::string name;  // as in the CRD: binary, negrisk, cross_venue, ...
  bool enabled = true;
  int32_t weight_bps = 0;
  int64_t max_order_notional_cents = 0;
  int32_t max_open_executions = 0;
  int64_t min_edge_per_set_micros = 0;
  int32_t min_confidence_bps = 0;
  int64_t daily_loss_cap_cents = 0;
};

// Promotion gates of one stage; an unset gate is not checked.
struct Gates {
  std::optional<int64_t> min_realized_pnl_cents;
  std::optional<int64_t> max_drawdown_cents;
  std::optional<int32_t> min_fill_reliability_bps;
  std::optional<int64_t> max_unhedged_executions;
  std::optional<int32_t> max_error_rate_bps;
};

struct StageSpec {
  std::string name;
  int64_t capital_cap_cents = 0;
  std::vector<v1::Lane> lanes;  // empty = every enabled lane
  absl::Duration min_duration = absl::ZeroDuration();
  int64_t min_samples = 0;
  bool requires_approval = false;
  Gates gates;
};

enum class LegFailure { kCancel, kUnwind, kHedge };

struct RiskSpec {
  int64_t max_order_notional_cents = 0;
  int64_t max_order_size_shares = 0;
  int32_t price_tolerance_bps = 300;
  int64_t max_position_per_venue_cents = 0;
  int64_t max_position_per_event_cents = 0;
  int64_t max_exposure_per_cluster_cents = 0;
  int64_t daily_loss_cap_cents = 0;
  int64_t reduce_drawdown_cents = 0;
  int64_t max_drawdown_cents = 0;
  int64_t max_unhedged_exposure_cents = 0;
  int32_t max_orders_per_second = 10;
  int32_t max_open_orders = 50;
  absl::Duration leg_timeout = absl::Seconds(2);
  LegFailure leg_failure = LegFailure::kUnwind;
  absl::Duration max_book_age = absl::Seconds(5);
};

enum class FeedModeSpec { kStream, kHybrid, kPoll };

struct FeedSpec {
  FeedModeSpec preferred_mode = FeedModeSpec::kStream;
  absl::Duration stale_after = absl::Seconds(30);
  absl::Duration connection_silence = absl::Seconds(20);
  int32_t max_reconnects_per_minute = 10;
  int32_t max_gaps_per_minute = 20;
  absl::Duration recover_after = absl::Minutes(2);
  absl::Duration poll_interval = absl::Seconds(5);
  int32_t max_assets_per_connection = 200;
  int32_t subscriber_queue_limit = 10000;
};

struct FailoverSpec {
  absl::Duration executor_unhealthy_after = absl::Seconds(30);
  bool kill_switch_on_executor_loss = true;
};

enum class GateFailureAction { kAbort, kHold };

struct PolicySpec {
  bool suspend = false;
  bool abort = false;
  int32_t approved_stage = 0;
  int32_t safe_stage = 0;
  GateFailureAction on_gate_failure = GateFailureAction::kAbort;
  std::vector<LaneSpec> lanes;
  std::vector<StageSpec> stages;
  RiskSpec risk;
  FeedSpec feed;
  FailoverSpec failover;
};

// Object metadata the reconciler needs.
struct PolicyMeta {
  std::string namespace_name;
  std::string name;
  std::string uid;
  int64_t generation = 0;
  std::string resource_version;
  absl::Time created = absl::InfinitePast();
  std::optional<absl::Time> deletion;
  std::vector<std::string> finalizers;

  std::string Key() const { return namespace_name + "/" + name; }
};

// ParsePolicySpec
//
// Parses and validates `spec` (the object's .spec). Errors: kInvalidArgument naming the field
// (e.g. "spec.stages[1].minDuration: ..."), with the CEL rule's message for cross-field rules.
[[nodiscard]] absl::StatusOr<PolicySpec> ParsePolicySpec(const nlohmann::json& spec);

// ParsePolicyMeta
//
// Reads .metadata of a TradingPolicy object. Errors: kInvalidArgument if name/uid are missing.
[[nodiscard]] absl::StatusOr<PolicyMeta> ParsePolicyMeta(const nlohmann::json& object);

// StagesHash
//
// Hex SHA-256 (first 16 characters) of the canonical JSON of spec.stages and spec.lanes. A change
// restarts the evidence window; edits elsewhere (risk limits, feed) do not.
std::string StagesHash(const nlohmann::json& spec);

// ParseGoDuration
//
// "1h30m", "250ms", "2.5s" (the CRD pattern); errors on anything else or negative values.
[[nodiscard]] absl::StatusOr<absl::Duration> ParseGoDuration(const std::string& text);

// LaneFromName / LaneName: CRD lane names <-> v1::Lane.
std::optional<v1::Lane> LaneFromName(const std::string& name);
std::string LaneName(v1::Lane lane);

}  // namespace arbor::trading_policy
