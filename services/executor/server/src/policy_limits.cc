#include "arbor/executor/policy_limits.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace arbor::executor {
namespace {

absl::Status NonNegative(int64_t value, std::string_view field) {
  if (value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("limits.", std::string(field), " must be >= 0 (got ", value, ")"));
  }
  return absl::OkStatus();
}

// A proto cap of 0 means "nothing allowed"; the risk engine treats some zeros as "unlimited",
// so those become one micro, which nothing real fits under.
int64_t FailClosed(int64_t cap) { return cap == 0 ? 1 : cap; }

}  // namespace

std::string LaneLabel(v1::Lane lane) {
  std::string name = v1::Lane_Name(lane);
  if (name.rfind("LANE_", 0) == 0) name = name.substr(5);
  return absl::AsciiStrToLower(name);
}

absl::Status ValidatePolicyLimits(const v1::PolicyLimits& l) {
  const std::pair<int64_t, std::string_view> non_negative[] = {
      {l.capital_cap_micros(), "capital_cap_micros"},
      {l.max_order_size_micros(), "max_order_size_micros"},
      {l.max_order_notional_micros(), "max_order_notional_micros"},
      {l.price_tolerance_micros(), "price_tolerance_micros"},
      {l.max_position_per_venue_micros(), "max_position_per_venue_micros"},
      {l.max_position_per_event_micros(), "max_position_per_event_micros"},
      {l.max_exposure_per_cluster_micros(), "max_exposure_per_cluster_micros"},
      {l.daily_loss_cap_micros(), "daily_loss_cap_micros"},
      {l.reduce_drawdown_micros(), "reduce_drawdown_micros"},
      {l.max_drawdown_micros(), "max_drawdown_micros"},
      {l.max_unhedged_exposure_micros(), "max_unhedged_exposure_micros"},
      {l.leg_timeout_nanos(), "leg_timeout_nanos"},
      {l.max_book_age_nanos(), "max_book_age_nanos"},
  };
  for (const auto& [value, field] : non_negative) {
    if (absl::Status s = NonNegative(value, field); !s.ok()) return s;
  }
  if (l.price_tolerance_micros() > 1'000'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "limits.price_tolerance_micros ", l.price_tolerance_micros(), " exceeds 1000000 (1 USD)"));
  }
  if (l.reduce_drawdown_micros() > l.max_drawdown_micros()) {
    return absl::InvalidArgumentError(
        absl::StrCat("limits.reduce_drawdown_micros ", l.reduce_drawdown_micros(),
                     " exceeds limits.max_drawdown_micros ", l.max_drawdown_micros()));
  }
  if (!v1::LegFailurePolicy_IsValid(l.leg_failure_policy())) {
    return absl::InvalidArgumentError("limits.leg_failure_policy is not a known policy");
  }
  absl::flat_hash_set<int> seen;
  int64_t weight_sum = 0;
  for (int i = 0; i < l.lane_budgets_size(); ++i) {
    const v1::LaneBudget& b = l.lane_budgets(i);
    const std::string where = absl::StrCat("limits.lane_budgets[", i, "]");
    if (b.lane() == v1::LANE_UNSPECIFIED || !v1::Lane_IsValid(b.lane())) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".lane is required"));
    }
    if (!seen.insert(b.lane()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".lane ", v1::Lane_Name(b.lane()), " is listed twice"));
    }
    if (b.capital_micros() < 0 || b.max_order_notional_micros() < 0 ||
        b.min_edge_per_set_micros() < 0 || b.daily_loss_cap_micros() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, " has a negative amount"));
    }
    if (b.weight_bps() > 10'000 || b.min_confidence_bps() > 10'000) {
      return absl::InvalidArgumentError(absl::StrCat(where, " has a bps value above 10000"));
    }
    weight_sum += b.weight_bps();
  }
  if (weight_sum > 10'000) {
    return absl::InvalidArgumentError(
        absl::StrCat("limits.lane_budgets weights sum to ", weight_sum, " bps (> 10000)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<AppliedLimits> ToAppliedLimits(const v1::PolicyLimits& l) {
  if (absl::Status s = ValidatePolicyLimits(l); !s.ok()) return s;
  AppliedLimits out;
  risk::Limits& r = out.risk;
  r.max_order_size_micros = l.max_order_size_micros();
  r.max_order_notional_micros = l.max_order_notional_micros();
  r.price_tolerance_micros = l.price_tolerance_micros();
  // Getting out matters more than the price: risk-reducing orders get five times the room.
  r.unwind_price_tolerance_micros = std::min<int64_t>(l.price_tolerance_micros() * 5, 1'000'000);
  r.max_book_age_nanos = l.max_book_age_nanos();
  r.max_venue_exposure_micros = l.max_position_per_venue_micros();
  r.max_event_exposure_micros = l.max_position_per_event_micros();
  r.max_cluster_exposure_micros = l.max_exposure_per_cluster_micros();
  r.max_open_executions = l.max_open_orders();
  r.daily_loss_cap_micros = l.daily_loss_cap_micros();
  r.drawdown_reduce_micros = l.reduce_drawdown_micros();
  r.drawdown_halt_micros = l.max_drawdown_micros();
  r.stage_capital_cap_micros = FailClosed(l.capital_cap_micros());
  if (l.max_orders_per_second() > 0) {
    const risk::Limits::Throttle throttle{
        .orders_per_second = static_cast<double>(l.max_orders_per_second()),
        .burst = std::max<uint32_t>(l.max_orders_per_second(), 1)};
    r.throttles[Venue::kPolymarket] = throttle;
    r.throttles[Venue::kKalshi] = throttle;
  } else {
    // No submissions allowed: a bucket that never refills and holds nothing.
    r.throttles[Venue::kPolymarket] = {.orders_per_second = 0.0, .burst = 0};
    r.throttles[Venue::kKalshi] = {.orders_per_second = 0.0, .burst = 0};
  }
  // Every lane gets a budget; unlisted or disabled lanes get none.
  for (int lane = v1::Lane_MIN; lane <= v1::Lane_MAX; ++lane) {
    if (lane == v1::LANE_UNSPECIFIED || !v1::Lane_IsValid(lane)) continue;
    r.lane_budget_micros[LaneLabel(static_cast<v1::Lane>(lane))] = 0;
  }
  for (const v1::LaneBudget& b : l.lane_budgets()) {
    if (!b.enabled()) continue;
    const int64_t share =
        static_cast<int64_t>(absl::int128(l.capital_cap_micros()) * b.weight_bps() / 10'000);
    const int64_t budget = b.capital_micros() > 0 ? std::min(b.capital_micros(), share) : share;
    r.lane_budget_micros[LaneLabel(b.lane())] = budget;
  }
  out.leg_window = absl::Nanoseconds(l.leg_timeout_nanos());
  switch (l.leg_failure_policy()) {
    case v1::LEG_FAILURE_POLICY_CANCEL:
      out.leg_policy = exec::LegFailurePolicy::kCancelOnly;
      break;
    case v1::LEG_FAILURE_POLICY_HEDGE:
      out.leg_policy = exec::LegFailurePolicy::kHedge;
      break;
    default:
      out.leg_policy = exec::LegFailurePolicy::kUnwind;
      break;
  }
  out.max_unhedged_exposure_micros = l.max_unhedged_exposure_micros();
  return out;
}

}  // namespace arbor::executor
