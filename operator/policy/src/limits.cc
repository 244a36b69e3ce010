#include "arbor/trading_policy/limits.h"

#include <algorithm>

#include "absl/time/time.h"

namespace arbor::trading_policy {
namespace {

int64_t Nanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }

v1::LegFailurePolicy ToProto(LegFailure f) {
  switch (f) {
    case LegFailure::kCancel:
      return v1::LEG_FAILURE_POLICY_CANCEL;
    case LegFailure::kHedge:
      return v1::LEG_FAILURE_POLICY_HEDGE;
    case LegFailure::kUnwind:
      break;
  }
  return v1::LEG_FAILURE_POLICY_UNWIND;
}

bool Allowed(const StageSpec& stage, const LaneSpec& lane) {
  if (!lane.enabled) return false;
  return stage.lanes.empty() ||
         std::find(stage.lanes.begin(), stage.lanes.end(), lane.lane) != stage.lanes.end();
}

}  // namespace

v1::PolicyLimits BuildPolicyLimits(const PolicySpec& spec, int32_t stage_index) {
  const StageSpec& stage = spec.stages.at(static_cast<size_t>(stage_index));
  const RiskSpec& r = spec.risk;
  v1::PolicyLimits out;
  const int64_t cap_micros = stage.capital_cap_cents * kMicrosPerCent;
  out.set_capital_cap_micros(cap_micros);
  out.set_max_order_size_micros(r.max_order_size_shares * 1'000'000);
  out.set_max_order_notional_micros(r.max_order_notional_cents * kMicrosPerCent);
  out.set_price_tolerance_micros(static_cast<int64_t>(r.price_tolerance_bps) * 100);
  out.set_max_position_per_venue_micros(r.max_position_per_venue_cents * kMicrosPerCent);
  out.set_max_position_per_event_micros(r.max_position_per_event_cents * kMicrosPerCent);
  out.set_max_exposure_per_cluster_micros(r.max_exposure_per_cluster_cents * kMicrosPerCent);
  out.set_daily_loss_cap_micros(r.daily_loss_cap_cents * kMicrosPerCent);
  // The executor reduces at drawdown >= reduce, so 0 would mean "always reducing": unset (0)
  // means no separate reduce threshold, i.e. the halt threshold.
  out.set_reduce_drawdown_micros(
      (r.reduce_drawdown_cents > 0 ? r.reduce_drawdown_cents : r.max_drawdown_cents) *
      kMicrosPerCent);
  out.set_max_drawdown_micros(r.max_drawdown_cents * kMicrosPerCent);
  out.set_max_unhedged_exposure_micros(r.max_unhedged_exposure_cents * kMicrosPerCent);
  out.set_max_orders_per_second(static_cast<uint32_t>(r.max_orders_per_second));
  out.set_max_open_orders(static_cast<uint32_t>(r.max_open_orders));
  out.set_leg_timeout_nanos(Nanos(r.leg_timeout));
  out.set_leg_failure_policy(ToProto(r.leg_failure));
  out.set_max_book_age_nanos(Nanos(r.max_book_age));

  int64_t allowed_weight = 0;
  for (const LaneSpec& lane : spec.lanes) {
    if (Allowed(stage, lane)) allowed_weight += lane.weight_bps;
  }
  for (const LaneSpec& lane : spec.lanes) {
    v1::LaneBudget* b = out.add_lane_budgets();
    b->set_lane(lane.lane);
    const bool allowed = Allowed(stage, lane) && allowed_weight > 0;
    b->set_enabled(allowed);
    const int64_t weight = allowed ? lane.weight_bps * 10'000 / allowed_weight : 0;
    b->set_weight_bps(static_cast<uint32_t>(weight));
    // cap ≤ 1e15 micros and weight ≤ 1e4, so the product fits in int64.
    b->set_capital_micros(cap_micros * weight / 10'000);
    b->set_max_order_notional_micros(lane.max_order_notional_cents * kMicrosPerCent);
    b->set_max_open_executions(static_cast<uint32_t>(lane.max_open_executions));
    b->set_min_edge_per_set_micros(lane.min_edge_per_set_micros);
    b->set_min_confidence_bps(static_cast<uint32_t>(lane.min_confidence_bps));
    b->set_daily_loss_cap_micros(lane.daily_loss_cap_cents * kMicrosPerCent);
  }
  return out;
}

v1::FeedPolicy BuildFeedPolicy(const PolicySpec& spec) {
  const FeedSpec& f = spec.feed;
  v1::FeedPolicy out;
  switch (f.preferred_mode) {
    case FeedModeSpec::kStream:
      out.set_preferred_mode(v1::FEED_MODE_STREAM);
      break;
    case FeedModeSpec::kHybrid:
      out.set_preferred_mode(v1::FEED_MODE_HYBRID);
      break;
    case FeedModeSpec::kPoll:
      out.set_preferred_mode(v1::FEED_MODE_POLL);
      break;
  }
  out.set_stale_after_nanos(Nanos(f.stale_after));
  out.set_connection_silence_nanos(Nanos(f.connection_silence));
  out.set_max_reconnects_per_minute(static_cast<uint32_t>(f.max_reconnects_per_minute));
  out.set_max_gaps_per_minute(static_cast<uint32_t>(f.max_gaps_per_minute));
  out.set_recover_after_nanos(Nanos(f.recover_after));
  out.set_poll_interval_nanos(Nanos(f.poll_interval));
  out.set_max_assets_per_connection(static_cast<uint32_t>(f.max_assets_per_connection));
  out.set_subscriber_queue_limit(static_cast<uint32_t>(f.subscriber_queue_limit));
  return out;
}

v1::PolicyLimits FailClosedLimits() {
  v1::PolicyLimits out;  // every cap 0 = no trading (control.proto: 0 fails closed)
  out.set_leg_failure_policy(v1::LEG_FAILURE_POLICY_UNWIND);
  return out;
}

}  // namespace arbor::trading_policy
