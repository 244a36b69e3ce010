#include "arbor/risk/risk_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/strings.h"

namespace arbor::risk {
namespace {

constexpr int64_t kPriceOneMicros = kFixedScale;  // 1.00 USD per share

int64_t Saturate(absl::int128 v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

// num / 1e6 rounded toward +infinity (costs are rounded up). C++ division truncates toward zero,
// which is already the ceiling for negative numerators.
absl::int128 CeilMicros(absl::int128 num) {
  if (num <= 0) return num / kFixedScale;
  return (num + (kFixedScale - 1)) / kFixedScale;
}

// Confidence in basis points for Denial values; NaN reports 0.
int64_t ToBps(double confidence) {
  if (std::isnan(confidence)) return 0;
  return std::llround(std::clamp(confidence, -1e12, 1e12) * 1e4);
}

Denial MakeDenial(DenialReason reason, std::string message, absl::int128 limit,
                  absl::int128 observed, std::optional<uint32_t> leg_index = std::nullopt) {
  return Denial{.reason = reason,
                .message = std::move(message),
                .limit_value = Saturate(limit),
                .observed_value = Saturate(observed),
                .leg_index = leg_index};
}

std::string LegName(const LegPlan& leg, std::optional<uint32_t> leg_index) {
  std::string out;
  if (leg_index.has_value()) absl::StrAppend(&out, "leg ", *leg_index, " ");
  absl::StrAppend(&out, ToAbsl(VenueName(leg.venue)), " ", leg.buy ? "buy " : "sell ",
                  leg.instrument_id);
  return out;
}

std::optional<Denial> ValidateLeg(const LegPlan& leg, std::optional<uint32_t> idx) {
  auto invalid = [&](std::string_view what, absl::int128 limit, absl::int128 observed) {
    return MakeDenial(DenialReason::kInvalidOrder,
                      absl::StrCat(LegName(leg, idx), ": ", ToAbsl(what)), limit, observed, idx);
  };
  if (leg.instrument_id.empty()) return invalid("empty instrument_id", 0, 0);
  if (leg.event_id.empty()) return invalid("empty event_id", 0, 0);
  if (leg.price_micros <= 0 || leg.price_micros > kPriceOneMicros) {
    return invalid("limit price outside (0, 1]", kPriceOneMicros, leg.price_micros);
  }
  if (leg.size_micros <= 0) return invalid("size must be positive", 0, leg.size_micros);
  if (leg.best_price_micros < 0 || leg.best_price_micros > kPriceOneMicros) {
    return invalid("best price outside [0, 1]", kPriceOneMicros, leg.best_price_micros);
  }
  if (leg.book_age_nanos < 0) return invalid("negative book age", 0, leg.book_age_nanos);
  return std::nullopt;
}

std::optional<Denial> CheckMarketOpen(const LegPlan& leg, std::optional<uint32_t> idx) {
  if (leg.market_open) return std::nullopt;
  return MakeDenial(DenialReason::kMarketNotOpen,
                    absl::StrCat(LegName(leg, idx), ": market not open"), 0, 0, idx);
}

std::optional<Denial> CheckStaleBook(const LegPlan& leg, int64_t max_age_nanos,
                                     std::optional<uint32_t> idx) {
  if (leg.best_price_micros == 0) {
    return MakeDenial(DenialReason::kStaleBook,
                      absl::StrCat(LegName(leg, idx), ": no book level to trade against"), 0, 0,
                      idx);
  }
  if (leg.book_age_nanos > max_age_nanos) {
    return MakeDenial(DenialReason::kStaleBook,
                      absl::StrCat(LegName(leg, idx), ": book ", leg.book_age_nanos,
                                   " ns old, max ", max_age_nanos),
                      max_age_nanos, leg.book_age_nanos, idx);
  }
  return std::nullopt;
}

std::optional<Denial> CheckPriceTolerance(const LegPlan& leg, int64_t tolerance_micros,
                                          std::optional<uint32_t> idx) {
  // How much worse than the best price the limit is: paying above the ask, selling below the
  // bid. Better-than-best (passive) limits give a negative distance and always pass.
  const absl::int128 worse = leg.buy ? absl::int128(leg.price_micros) - leg.best_price_micros
                                     : absl::int128(leg.best_price_micros) - leg.price_micros;
  if (worse <= tolerance_micros) return std::nullopt;
  return MakeDenial(DenialReason::kPriceTolerance,
                    absl::StrCat(LegName(leg, idx), ": limit ", leg.price_micros, " vs best ",
                                 leg.best_price_micros, " is ", Saturate(worse),
                                 " worse, tolerance ", tolerance_micros),
                    tolerance_micros, worse, idx);
}

template <typename Map, typename Key>
absl::int128 Lookup(const Map& map, const Key& key) {
  auto it = map.find(key);
  return it == map.end() ? absl::int128(0) : it->second;
}

// Subtracts `amount` from map[key]; drops the entry when nothing is left.
template <typename Map, typename Key>
void Unreserve(Map& map, const Key& key, absl::int128 amount) {
  auto it = map.find(key);
  if (it == map.end()) return;
  it->second -= amount;
  if (it->second <= 0) map.erase(it);
}

}  // namespace

absl::int128 LegNotionalMicros(const LegPlan& leg) {
  return CeilMicros(absl::int128(leg.price_micros) * leg.size_micros);
}

absl::int128 LegCapitalMicros(const LegPlan& leg) {
  if (leg.buy) return LegNotionalMicros(leg);
  return CeilMicros((absl::int128(kPriceOneMicros) - leg.price_micros) * leg.size_micros);
}

std::string_view TradingStateName(TradingState state) {
  switch (state) {
    case TradingState::kActive:
      return "active";
    case TradingState::kReducing:
      return "reducing";
    case TradingState::kHalted:
      return "halted";
  }
  return "unknown";
}

std::string_view KillScopeName(KillScope scope) {
  switch (scope) {
    case KillScope::kGlobal:
      return "global";
    case KillScope::kVenue:
      return "venue";
    case KillScope::kLane:
      return "lane";
  }
  return "unknown";
}

RiskEngine::RiskEngine(const Clock& clock, Limits limits) : clock_(clock) {
  SetLimits(std::move(limits));
}

void RiskEngine::SetLimits(Limits limits) {
  limits_ = std::move(limits);
  SyncThrottles(clock_.MonotonicNanos());
  UpdateDailyLossLatch();
}

void RiskEngine::SyncThrottles(int64_t now_nanos) {
  std::vector<Venue> removed;
  for (const auto& [venue, bucket] : buckets_) {
    if (!limits_.throttles.contains(venue)) removed.push_back(venue);
  }
  for (Venue venue : removed) buckets_.erase(venue);
  for (const auto& [venue, throttle] : limits_.throttles) {
    auto it = buckets_.find(venue);
    if (it == buckets_.end()) {
      buckets_.try_emplace(venue, throttle.orders_per_second, throttle.burst, now_nanos);
    } else {
      it->second.Reconfigure(throttle.orders_per_second, throttle.burst, now_nanos);
    }
  }
}

void RiskEngine::UpdateDailyLossLatch() {
  // Latched: realised PnL climbing back above -cap later the same day does not re-open trading;
  // only StartNewDay() does (PolicyLimits.daily_loss_cap_micros: "HALTED until the next UTC day").
  // Only a realised loss latches: a cap of 0 with nothing lost yet must not halt for the rest of
  // the day once real limits arrive (new executions are still denied by check 21 meanwhile).
  if (daily_pnl_ < 0 && absl::int128(daily_pnl_) <= -absl::int128(limits_.daily_loss_cap_micros)) {
    daily_loss_halted_ = true;
  }
}

int64_t RiskEngine::drawdown_micros() const { return Saturate(absl::int128(peak_) - equity_); }

TradingState RiskEngine::DrawdownState() const {
  // No hysteresis band: drawdown moves only on realised PnL and explicit equity updates (never
  // on quotes), so it cannot flap on market noise; a sticky stop is the operator's manual state.
  const int64_t drawdown = drawdown_micros();
  if (drawdown >= limits_.drawdown_halt_micros) return TradingState::kHalted;
  if (drawdown >= limits_.drawdown_reduce_micros) return TradingState::kReducing;
  return TradingState::kActive;
}

TradingState RiskEngine::automatic_state() const {
  if (daily_loss_halted_) return TradingState::kHalted;
  return DrawdownState();
}

TradingState RiskEngine::effective_state() const {
  return std::max(manual_state_, automatic_state());
}

void RiskEngine::SetManualState(TradingState state) { manual_state_ = state; }

void RiskEngine::RecordRealizedPnl(int64_t delta_micros) {
  daily_pnl_ = Saturate(absl::int128(daily_pnl_) + delta_micros);
  equity_ = Saturate(absl::int128(equity_) + delta_micros);
  peak_ = std::max(peak_, equity_);
  UpdateDailyLossLatch();
}

void RiskEngine::StartNewDay() {
  daily_pnl_ = 0;
  daily_loss_halted_ = false;
  UpdateDailyLossLatch();
}

void RiskEngine::SetEquity(int64_t equity_micros) {
  equity_ = equity_micros;
  peak_ = std::max(peak_, equity_);
}

void RiskEngine::ResetDrawdownPeak() { peak_ = equity_; }

absl::Status RiskEngine::SetKillSwitch(KillScope scope, std::optional<Venue> venue,
                                       std::string lane, bool engaged) {
  switch (scope) {
    case KillScope::kGlobal:
      global_kill_ = engaged;
      return absl::OkStatus();
    case KillScope::kVenue:
      if (!venue.has_value()) return absl::InvalidArgumentError("venue kill switch needs a venue");
      if (engaged) {
        killed_venues_.insert(*venue);
      } else {
        killed_venues_.erase(*venue);
      }
      return absl::OkStatus();
    case KillScope::kLane:
      if (lane.empty()) return absl::InvalidArgumentError("lane kill switch needs a lane");
      if (engaged) {
        killed_lanes_.insert(std::move(lane));
      } else {
        killed_lanes_.erase(lane);
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError("unknown kill switch scope");
}

bool RiskEngine::IsKilled(Venue venue, std::string_view lane) const {
  return global_kill_ || killed_venues_.contains(venue) || killed_lanes_.contains(ToAbsl(lane));
}

std::optional<Denial> RiskEngine::CheckTradingState(bool allow_reducing) const {
  const TradingState effective = effective_state();
  if (effective == TradingState::kHalted) {
    if (manual_state_ == TradingState::kHalted) {
      return MakeDenial(DenialReason::kTradingHalted, "trading halted by the operator", 0, 0);
    }
    if (daily_loss_halted_) {
      return MakeDenial(DenialReason::kDailyLossCap,
                        absl::StrCat("daily loss cap reached: daily pnl ", daily_pnl_, ", cap ",
                                     limits_.daily_loss_cap_micros),
                        limits_.daily_loss_cap_micros, -absl::int128(daily_pnl_));
    }
    return MakeDenial(DenialReason::kDrawdown,
                      absl::StrCat("drawdown ", drawdown_micros(), " >= halt threshold ",
                                   limits_.drawdown_halt_micros),
                      limits_.drawdown_halt_micros, drawdown_micros());
  }
  if (effective == TradingState::kReducing && !allow_reducing) {
    if (manual_state_ == TradingState::kReducing) {
      return MakeDenial(DenialReason::kTradingReducing,
                        "trading set to reducing by the operator: no new executions", 0, 0);
    }
    return MakeDenial(DenialReason::kDrawdown,
                      absl::StrCat("drawdown ", drawdown_micros(), " >= reduce threshold ",
                                   limits_.drawdown_reduce_micros, ": no new executions"),
                      limits_.drawdown_reduce_micros, drawdown_micros());
  }
  return std::nullopt;
}

std::optional<Denial> RiskEngine::CheckThrottle(const std::vector<VenueOrders>& orders,
                                                int64_t now_nanos) {
  for (const VenueOrders& o : orders) {
    auto it = buckets_.find(o.venue);
    if (it == buckets_.end()) continue;  // not throttled
    const int64_t available = it->second.Available(now_nanos);
    if (available < o.count) {
      return MakeDenial(DenialReason::kThrottle,
                        absl::StrCat(ToAbsl(VenueName(o.venue)), ": ", o.count,
                                     " orders need tokens, ", available, " available"),
                        available, o.count, o.first_leg);
    }
  }
  return std::nullopt;
}

void RiskEngine::ConsumeThrottle(const std::vector<VenueOrders>& orders, int64_t now_nanos) {
  for (const VenueOrders& o : orders) {
    auto it = buckets_.find(o.venue);
    if (it == buckets_.end()) continue;
    // Cannot fail: CheckThrottle saw enough tokens at the same instant.
    const bool consumed = it->second.TryConsume(o.count, now_nanos);
    ARBOR_DCHECK(consumed, "throttle tokens vanished between check and consume");
  }
}

std::optional<Denial> RiskEngine::CheckNewExecution(const ExecutionPlan& plan) {
  const int64_t now = clock_.MonotonicNanos();
  const auto& legs = plan.legs;
  const auto leg_count = static_cast<uint32_t>(legs.size());

  // 1-3. Safe mode and trading state.
  if (safe_mode_) {
    return MakeDenial(DenialReason::kSafeMode,
                      "safe mode: unhedged exposure not acknowledged, no new executions", 0, 0);
  }
  if (auto d = CheckTradingState(/*allow_reducing=*/false)) return d;

  // 4. Kill switches: global, then each leg's venue, then the lane.
  if (global_kill_) {
    return MakeDenial(DenialReason::kKillSwitch, "global kill switch engaged", 0, 0);
  }
  for (uint32_t i = 0; i < leg_count; ++i) {
    if (killed_venues_.contains(legs[i].venue)) {
      return MakeDenial(
          DenialReason::kKillSwitch,
          absl::StrCat("kill switch engaged for venue ", ToAbsl(VenueName(legs[i].venue))), 0, 0,
          i);
    }
  }
  if (killed_lanes_.contains(plan.lane)) {
    return MakeDenial(DenialReason::kKillSwitch,
                      absl::StrCat("kill switch engaged for lane ", plan.lane), 0, 0);
  }

  // 5. Malformed input; everything below relies on the ranges checked here.
  if (plan.execution_key.empty()) {
    return MakeDenial(DenialReason::kInvalidOrder, "empty execution_key", 0, 0);
  }
  if (plan.lane.empty()) return MakeDenial(DenialReason::kInvalidOrder, "empty lane", 0, 0);
  if (legs.empty()) return MakeDenial(DenialReason::kInvalidOrder, "plan has no legs", 0, 0);
  for (uint32_t i = 0; i < leg_count; ++i) {
    if (auto d = ValidateLeg(legs[i], i)) return d;
  }

  // 6. Idempotency: the same execution must not be reserved twice.
  if (reservations_.contains(plan.execution_key)) {
    return MakeDenial(DenialReason::kDuplicateGroup,
                      absl::StrCat("execution ", plan.execution_key, " is already open"), 0, 0);
  }

  // 7-10. Opportunity-level gates.
  if (plan.expires_mono_nanos != 0 && now >= plan.expires_mono_nanos) {
    return MakeDenial(
        DenialReason::kOpportunityExpired,
        absl::StrCat("expired ", Saturate(absl::int128(now) - plan.expires_mono_nanos), " ns ago"),
        plan.expires_mono_nanos, now);
  }
  for (uint32_t i = 0; i < leg_count; ++i) {
    if (auto d = CheckMarketOpen(legs[i], i)) return d;
  }
  if (!(plan.confidence >= limits_.min_confidence)) {
    return MakeDenial(
        DenialReason::kLowConfidence,
        absl::StrCat("confidence ", plan.confidence, " below ", limits_.min_confidence),
        ToBps(limits_.min_confidence), ToBps(plan.confidence));
  }
  if (plan.expected_profit_micros < limits_.min_expected_profit_micros) {
    return MakeDenial(DenialReason::kEdgeTooSmall,
                      absl::StrCat("expected profit ", plan.expected_profit_micros, " below ",
                                   limits_.min_expected_profit_micros),
                      limits_.min_expected_profit_micros, plan.expected_profit_micros);
  }

  // 11-14. Per-order checks, reason by reason.
  for (uint32_t i = 0; i < leg_count; ++i) {
    if (auto d = CheckStaleBook(legs[i], limits_.max_book_age_nanos, i)) return d;
  }
  for (uint32_t i = 0; i < leg_count; ++i) {
    if (auto d = CheckPriceTolerance(legs[i], limits_.price_tolerance_micros, i)) return d;
  }
  for (uint32_t i = 0; i < leg_count; ++i) {
    const LegPlan& leg = legs[i];
    if (leg.marketable_size_micros >= 0 && leg.marketable_size_micros < leg.size_micros) {
      return MakeDenial(
          DenialReason::kNotMarketable,
          absl::StrCat(LegName(leg, i), ": ", leg.marketable_size_micros, " available at limit ",
                       leg.price_micros, ", need ", leg.size_micros),
          leg.size_micros, leg.marketable_size_micros, i);
    }
  }
  for (uint32_t i = 0; i < leg_count; ++i) {
    if (legs[i].size_micros > limits_.max_order_size_micros) {
      return MakeDenial(DenialReason::kMaxOrderSize,
                        absl::StrCat(LegName(legs[i], i), ": size ", legs[i].size_micros, " above ",
                                     limits_.max_order_size_micros),
                        limits_.max_order_size_micros, legs[i].size_micros, i);
    }
  }
  for (uint32_t i = 0; i < leg_count; ++i) {
    const absl::int128 notional = LegNotionalMicros(legs[i]);
    if (notional > limits_.max_order_notional_micros) {
      return MakeDenial(DenialReason::kMaxOrderNotional,
                        absl::StrCat(LegName(legs[i], i), ": notional ", Saturate(notional),
                                     " above ", limits_.max_order_notional_micros),
                        limits_.max_order_notional_micros, notional, i);
    }
  }

  // What this execution would reserve.
  Reservation r;
  r.lane = plan.lane;
  std::vector<VenueOrders> orders;
  for (uint32_t i = 0; i < leg_count; ++i) {
    const LegPlan& leg = legs[i];
    const absl::int128 capital = LegCapitalMicros(leg);
    r.total += capital;
    r.by_venue[leg.venue] += capital;
    r.by_event[leg.event_id] += capital;
    if (!leg.cluster.empty()) r.by_cluster[leg.cluster] += capital;
    auto it = std::find_if(orders.begin(), orders.end(),
                           [&](const VenueOrders& o) { return o.venue == leg.venue; });
    if (it == orders.end()) {
      orders.push_back(VenueOrders{.venue = leg.venue, .count = 1, .first_leg = i});
    } else {
      ++it->count;
    }
  }

  // 15-17. Capacity of the stage and the lane.
  if (absl::int128(reservations_.size()) + 1 > limits_.max_open_executions) {
    return MakeDenial(DenialReason::kStageCapitalCap,
                      absl::StrCat("open executions ", reservations_.size(), " + 1 above max ",
                                   limits_.max_open_executions),
                      limits_.max_open_executions, absl::int128(reservations_.size()) + 1);
  }
  if (limits_.stage_capital_cap_micros != 0 &&
      reserved_total_ + r.total > limits_.stage_capital_cap_micros) {
    return MakeDenial(
        DenialReason::kStageCapitalCap,
        absl::StrCat("stage capital ", Saturate(reserved_total_), " + ", Saturate(r.total),
                     " above cap ", limits_.stage_capital_cap_micros),
        limits_.stage_capital_cap_micros, reserved_total_ + r.total);
  }
  if (auto budget = limits_.lane_budget_micros.find(plan.lane);
      budget != limits_.lane_budget_micros.end()) {
    const absl::int128 after = Lookup(reserved_by_lane_, plan.lane) + r.total;
    if (after > budget->second) {
      return MakeDenial(DenialReason::kLaneBudget,
                        absl::StrCat("lane ", plan.lane, " capital would be ", Saturate(after),
                                     ", budget ", budget->second),
                        budget->second, after);
    }
  }

  // 18-20. Exposure caps; a group's breach is reported on its first leg.
  for (uint32_t i = 0; i < leg_count; ++i) {
    const Venue venue = legs[i].venue;
    const absl::int128 after = Lookup(reserved_by_venue_, venue) + r.by_venue[venue];
    if (after > limits_.max_venue_exposure_micros) {
      return MakeDenial(DenialReason::kPositionLimitVenue,
                        absl::StrCat("venue ", ToAbsl(VenueName(venue)), " exposure would be ",
                                     Saturate(after), ", cap ", limits_.max_venue_exposure_micros),
                        limits_.max_venue_exposure_micros, after, i);
    }
  }
  for (uint32_t i = 0; i < leg_count; ++i) {
    const std::string& event = legs[i].event_id;
    const absl::int128 after = Lookup(reserved_by_event_, event) + r.by_event[event];
    if (after > limits_.max_event_exposure_micros) {
      return MakeDenial(DenialReason::kPositionLimitEvent,
                        absl::StrCat("event ", event, " exposure would be ", Saturate(after),
                                     ", cap ", limits_.max_event_exposure_micros),
                        limits_.max_event_exposure_micros, after, i);
    }
  }
  for (uint32_t i = 0; i < leg_count; ++i) {
    const std::string& cluster = legs[i].cluster;
    if (cluster.empty()) continue;
    const absl::int128 after = Lookup(reserved_by_cluster_, cluster) + r.by_cluster[cluster];
    if (after > limits_.max_cluster_exposure_micros) {
      return MakeDenial(DenialReason::kExposureLimitCluster,
                        absl::StrCat("cluster ", cluster, " exposure would be ", Saturate(after),
                                     ", cap ", limits_.max_cluster_exposure_micros),
                        limits_.max_cluster_exposure_micros, after, i);
    }
  }

  // 21. Daily loss: halt *before* the cap is crossed. The execution's capital is its worst case;
  // if losing all of it would take the day's realised loss beyond the cap, do not start it.
  const absl::int128 worst_daily_loss = -absl::int128(daily_pnl_) + r.total;
  if (worst_daily_loss > limits_.daily_loss_cap_micros) {
    return MakeDenial(DenialReason::kDailyLossCap,
                      absl::StrCat("worst-case daily loss ", Saturate(worst_daily_loss),
                                   " (daily pnl ", daily_pnl_, ", capital ", Saturate(r.total),
                                   ") above cap ", limits_.daily_loss_cap_micros),
                      limits_.daily_loss_cap_micros, worst_daily_loss);
  }

  // 22. Throttle, all or nothing across the plan's legs.
  if (auto d = CheckThrottle(orders, now)) return d;

  // Approved: take the tokens and reserve the capital.
  ConsumeThrottle(orders, now);
  reserved_total_ += r.total;
  reserved_by_lane_[r.lane] += r.total;
  for (const auto& [venue, v] : r.by_venue) reserved_by_venue_[venue] += v;
  for (const auto& [event, v] : r.by_event) reserved_by_event_[event] += v;
  for (const auto& [cluster, v] : r.by_cluster) reserved_by_cluster_[cluster] += v;
  reservations_.emplace(plan.execution_key, std::move(r));
  return std::nullopt;
}

std::optional<Denial> RiskEngine::CheckReducingOrder(const LegPlan& leg, std::string_view lane) {
  const int64_t now = clock_.MonotonicNanos();
  // Safe mode, REDUCING and a lane kill switch all exist to get risk *out*: they let this pass.
  if (auto d = CheckTradingState(/*allow_reducing=*/true)) return d;
  if (global_kill_) {
    return MakeDenial(DenialReason::kKillSwitch, "global kill switch engaged", 0, 0);
  }
  if (killed_venues_.contains(leg.venue)) {
    return MakeDenial(DenialReason::kKillSwitch,
                      absl::StrCat("kill switch engaged for venue ", ToAbsl(VenueName(leg.venue)),
                                   " (lane ", ToAbsl(lane), ")"),
                      0, 0);
  }
  if (auto d = ValidateLeg(leg, std::nullopt)) return d;
  if (auto d = CheckMarketOpen(leg, std::nullopt)) return d;
  if (auto d = CheckStaleBook(leg, limits_.max_book_age_nanos, std::nullopt)) return d;
  if (auto d = CheckPriceTolerance(leg, limits_.unwind_price_tolerance_micros, std::nullopt)) {
    return d;
  }
  const std::vector<VenueOrders> orders = {
      VenueOrders{.venue = leg.venue, .count = 1, .first_leg = std::nullopt}};
  if (auto d = CheckThrottle(orders, now)) return d;
  ConsumeThrottle(orders, now);
  return std::nullopt;
}

void RiskEngine::ReleaseExecution(std::string_view execution_key) {
  auto it = reservations_.find(ToAbsl(execution_key));
  if (it == reservations_.end()) return;
  const Reservation& r = it->second;
  reserved_total_ -= r.total;
  Unreserve(reserved_by_lane_, r.lane, r.total);
  for (const auto& [venue, v] : r.by_venue) Unreserve(reserved_by_venue_, venue, v);
  for (const auto& [event, v] : r.by_event) Unreserve(reserved_by_event_, event, v);
  for (const auto& [cluster, v] : r.by_cluster) Unreserve(reserved_by_cluster_, cluster, v);
  reservations_.erase(it);
}

bool RiskEngine::IsReserved(std::string_view execution_key) const {
  return reservations_.contains(ToAbsl(execution_key));
}

std::optional<int64_t> RiskEngine::ReservedCapital(std::string_view execution_key) const {
  auto it = reservations_.find(ToAbsl(execution_key));
  if (it == reservations_.end()) return std::nullopt;
  return Saturate(it->second.total);
}

RiskSnapshot RiskEngine::Snapshot() const {
  RiskSnapshot s;
  s.manual_state = manual_state_;
  s.automatic_state = automatic_state();
  s.effective_state = effective_state();
  s.daily_loss_halted = daily_loss_halted_;
  s.safe_mode = safe_mode_;
  s.global_kill = global_kill_;
  s.killed_venues.assign(killed_venues_.begin(), killed_venues_.end());
  std::sort(s.killed_venues.begin(), s.killed_venues.end());
  s.killed_lanes.assign(killed_lanes_.begin(), killed_lanes_.end());
  std::sort(s.killed_lanes.begin(), s.killed_lanes.end());
  s.open_executions = open_executions();
  s.daily_loss_cap_micros = limits_.daily_loss_cap_micros;
  s.drawdown_halt_micros = limits_.drawdown_halt_micros;
  s.reserved_total_micros = Saturate(reserved_total_);
  for (const auto& [k, v] : reserved_by_lane_) s.reserved_by_lane[k] = Saturate(v);
  for (const auto& [k, v] : reserved_by_venue_) s.reserved_by_venue[k] = Saturate(v);
  for (const auto& [k, v] : reserved_by_event_) s.reserved_by_event[k] = Saturate(v);
  for (const auto& [k, v] : reserved_by_cluster_) s.reserved_by_cluster[k] = Saturate(v);
  s.daily_pnl_micros = daily_pnl_;
  s.equity_micros = equity_;
  s.peak_equity_micros = peak_;
  s.drawdown_micros = drawdown_micros();
  return s;
}

}  // namespace arbor::risk
