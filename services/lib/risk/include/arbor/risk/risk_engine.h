// File: arbor/risk/risk_engine.h
//
// Pre-trade risk (DESIGN.md §6, FIA-style checks): the executor asks RiskEngine before every
// order it sends, and the engine answers "approved" (nullopt) or the first Denial by a fixed
// precedence. It also owns the risk *state* those checks read: capital reserved by open
// executions, realised daily PnL, equity and drawdown, the trading state, kill switches, safe mode
// and per-venue order throttles.
//
//   SimulatedClock clock;
//   RiskEngine risk(clock, limits);
//   risk.SetEquity(10'000'000'000);
//   if (std::optional<Denial> d = risk.CheckNewExecution(plan)) {
//     /* persist + count d->reason; send nothing */
//   } else {
//     /* capital reserved and throttle tokens taken: send the legs */
//   }
//   ...
//   risk.RecordRealizedPnl(pnl);
//   risk.ReleaseExecution(plan.execution_key);  // the execution closed
//
// Nothing here is cached: every check reads the current limits, switches and state, so a kill
// switch or a new Limits takes effect on the very next check. Time comes only from the injected
// Clock (monotonic nanoseconds). Money is int64 micros; products and sums are computed in
// absl::int128 and never overflow.
//
// Pure logic, protobuf-free. Thread-compatible (the executor calls it from one thread); the
// Clock must outlive the engine.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "arbor/core/clock.h"
#include "arbor/core/ids.h"
#include "arbor/risk/denial.h"
#include "arbor/risk/limits.h"
#include "arbor/risk/token_bucket.h"

namespace arbor::risk {

// Ordered from least to most restrictive (the effective state is the maximum).
enum class TradingState : uint8_t {
  kActive,    // everything the limits allow
  kReducing,  // only risk-reducing orders (CheckReducingOrder); no new executions
  kHalted,    // nothing
};
// "active" / "reducing" / "halted".
std::string_view TradingStateName(TradingState state);

enum class KillScope : uint8_t { kGlobal, kVenue, kLane };
// "global" / "venue" / "lane".
std::string_view KillScopeName(KillScope scope);

// One order the executor wants to send.
struct LegPlan {
  Venue venue = Venue::kPolymarket;
  std::string instrument_id;  // required
  std::string event_id;       // required (event exposure)
  std::string cluster;        // correlation cluster; empty = none
  bool buy = true;
  int64_t price_micros = 0;  // limit price, in (0, 1'000'000]
  int64_t size_micros = 0;   // quantity micros, > 0
  // Live book: best ask for a buy, best bid for a sell, in [0, 1'000'000]; 0 = no book or no
  // level on that side (denied as a stale book: there is nothing to check the price against).
  int64_t best_price_micros = 0;
  int64_t book_age_nanos = 0;  // now - last book update (monotonic), >= 0
  // Taker legs (FOK / IOC): the size the live book offers at or better than the limit, in
  // quantity micros; a new execution is denied (kNotMarketable) when it is below size_micros,
  // since that leg would come back unfilled after its siblings filled. -1 = not checked (resting
  // orders, or no live book to measure).
  int64_t marketable_size_micros = -1;
  bool market_open = true;
};

// A whole new execution (one accepted opportunity): its legs are approved or denied together.
struct ExecutionPlan {
  std::string execution_key;  // idempotency key; required
  std::string lane;           // required
  std::vector<LegPlan> legs;  // at least one
  int64_t expected_profit_micros = 0;
  int64_t expires_mono_nanos = 0;  // monotonic deadline; 0 = none
  double confidence = 1.0;         // model confidence in [0, 1]; NaN is denied
};

// Capital a leg ties up (money micros, rounded up): price x size for a buy, (1 - price) x size
// for a sell (the collateral of the short side of a binary outcome). Exposed for tests and the
// executor's reporting; the engine uses exactly this.
absl::int128 LegCapitalMicros(const LegPlan& leg);
// price x size (money micros, rounded up): the order notional max_order_notional_micros bounds.
absl::int128 LegNotionalMicros(const LegPlan& leg);

// Everything metrics and the API show. Ordered maps so output is deterministic.
struct RiskSnapshot {
  TradingState manual_state = TradingState::kActive;
  TradingState automatic_state = TradingState::kActive;
  TradingState effective_state = TradingState::kActive;
  bool daily_loss_halted = false;  // automatic HALTED because of the daily loss cap (latched)
  bool safe_mode = false;
  bool global_kill = false;
  std::vector<Venue> killed_venues;       // sorted
  std::vector<std::string> killed_lanes;  // sorted
  uint32_t open_executions = 0;
  int64_t reserved_total_micros = 0;
  std::map<std::string, int64_t> reserved_by_lane;
  std::map<Venue, int64_t> reserved_by_venue;
  std::map<std::string, int64_t> reserved_by_event;
  std::map<std::string, int64_t> reserved_by_cluster;
  int64_t daily_pnl_micros = 0;
  int64_t equity_micros = 0;
  int64_t peak_equity_micros = 0;
  int64_t drawdown_micros = 0;
  // The limits in force, for dashboards and alerts ("daily loss near cap").
  int64_t daily_loss_cap_micros = 0;
  int64_t drawdown_halt_micros = 0;
};

class RiskEngine {
 public:
  // `clock` must outlive the engine. Throttle buckets start full.
  RiskEngine(const Clock& clock, Limits limits);

  RiskEngine(const RiskEngine&) = delete;
  RiskEngine& operator=(const RiskEngine&) = delete;

  // SetLimits
  //
  // Replaces the limits from the next check on. Existing reservations are kept (a lower cap
  // blocks new executions, it does not cancel open ones). Throttle buckets keep the tokens they
  // have (clamped to the new burst); a venue new to the map starts full; a venue removed from it
  // is no longer throttled. A daily loss cap that is already reached halts at once.
  void SetLimits(Limits limits);
  const Limits& limits() const { return limits_; }

  // CheckNewExecution
  //
  // Pre-trade check of a whole new execution. Returns nullopt if approved; the engine then takes
  // one throttle token per leg from each leg's venue and reserves the execution's capital (the
  // sum of LegCapitalMicros) against its lane, venues, events, clusters and the stage total until
  // ReleaseExecution(plan.execution_key). A denial changes nothing.
  //
  // Otherwise returns the first failing check in this order (per-leg checks run reason by
  // reason, legs in order within each reason, and set leg_index; aggregate exposure checks set
  // it to the first leg on the venue / event / cluster that breaks its cap):
  //   1. safe mode                               kSafeMode
  //   2. effective state HALTED                  kTradingHalted if the manual state is HALTED,
  //                                              else kDailyLossCap or kDrawdown (the cause)
  //   3. effective state REDUCING                kTradingReducing (manual) or kDrawdown
  //   4. kill switch: global, leg venues, lane   kKillSwitch
  //   5. malformed plan, then malformed leg      kInvalidOrder
  //   6. execution_key still reserved            kDuplicateGroup
  //   7. now >= expires_mono_nanos (if set)      kOpportunityExpired
  //   8. leg market not open                     kMarketNotOpen
  //   9. confidence < min_confidence             kLowConfidence (values in basis points)
  //  10. expected profit < min                   kEdgeTooSmall
  //  11. leg book older than allowed / no level  kStaleBook
  //  12. leg limit beyond best +- tolerance      kPriceTolerance
  //  12a. taker leg's marketable size < its size kNotMarketable (limit = size, observed =
  //                                              marketable size)
  //  13. leg size > max                          kMaxOrderSize
  //  14. leg notional > max                      kMaxOrderNotional
  //  15. open executions + 1 > max               kStageCapitalCap (counts; the proto has no
  //                                              dedicated reason)
  //  16. stage total + capital > cap (cap != 0)  kStageCapitalCap
  //  17. lane reserved + capital > lane budget   kLaneBudget
  //  18. venue reserved + its legs > cap         kPositionLimitVenue
  //  19. event reserved + its legs > cap         kPositionLimitEvent
  //  20. cluster reserved + its legs > cap       kExposureLimitCluster
  //  21. capital - daily PnL > daily loss cap   kDailyLossCap (losing the whole capital is the
  //                                              worst case; other open executions not counted)
  //  22. not enough tokens on a leg's venue      kThrottle (limit = whole tokens available,
  //                                              observed = tokens the plan needs there)
  // The executor's own checks (kNotReady, kCircuitOpen, kInsufficientBalance, kUnhedgedExposure)
  // are not made here.
  [[nodiscard]] std::optional<Denial> CheckNewExecution(const ExecutionPlan& plan);

  // CheckReducingOrder
  //
  // Pre-trade check of one risk-reducing order of an open execution of `lane` (unwind, hedge, the
  // new order of a cancel-replace). Allowed while REDUCING, in safe mode and under a lane kill
  // switch. Returns the first of: HALTED (kTradingHalted / kDailyLossCap / kDrawdown), global then
  // venue kill switch (kKillSwitch), malformed leg (kInvalidOrder), market not open
  // (kMarketNotOpen), stale book (kStaleBook), price outside unwind_price_tolerance_micros
  // (kPriceTolerance), throttle (kThrottle). leg_index is never set. If approved, takes one
  // throttle token; nothing is reserved. A pure cancel is not an order and needs no check.
  [[nodiscard]] std::optional<Denial> CheckReducingOrder(const LegPlan& leg, std::string_view lane);

  // The execution closed: its reservations go away. Unknown keys are ignored (idempotent).
  void ReleaseExecution(std::string_view execution_key);

  // Adds realised PnL (money micros, either sign) to the day's PnL and to equity, moves the peak
  // up, and re-evaluates the automatic state. Saturates instead of overflowing.
  void RecordRealizedPnl(int64_t delta_micros);
  // New trading day (the executor calls it at UTC midnight): daily PnL back to 0, the daily loss
  // halt lifted. Equity and peak are untouched.
  void StartNewDay();
  // Sets equity (start of day, reconciliation). The peak moves up if equity exceeds it, never
  // down: a reconciliation that finds less money is a drawdown.
  void SetEquity(int64_t equity_micros);
  // Peak := current equity (drawdown 0), e.g. when a canary stage starts measuring afresh.
  void ResetDrawdownPeak();

  // Trading state: the operator's manual state, the engine's automatic state (daily loss cap and
  // drawdown), and the effective state = the more restrictive of the two.
  void SetManualState(TradingState state);
  TradingState manual_state() const { return manual_state_; }
  TradingState automatic_state() const;
  TradingState effective_state() const;

  // SetKillSwitch
  //
  // Engages or releases one kill switch; effective on the next check. kGlobal ignores `venue`
  // and `lane`; kVenue needs `venue` (InvalidArgument otherwise); kLane needs a non-empty `lane`
  // (InvalidArgument otherwise). On error nothing changes.
  [[nodiscard]] absl::Status SetKillSwitch(KillScope scope, std::optional<Venue> venue,
                                           std::string lane, bool engaged);
  // Whether an order on `venue` for `lane` is stopped by any kill switch (global, venue or lane).
  bool IsKilled(Venue venue, std::string_view lane) const;

  // Safe mode (unhedged exposure after recovery or a leg failure, until acknowledged): no new
  // executions; reducing orders still pass.
  void SetSafeMode(bool active) { safe_mode_ = active; }
  bool safe_mode() const { return safe_mode_; }

  // Observers.
  uint32_t open_executions() const { return static_cast<uint32_t>(reservations_.size()); }
  bool IsReserved(std::string_view execution_key) const;
  // Capital reserved by one open execution (money micros); nullopt if not open.
  std::optional<int64_t> ReservedCapital(std::string_view execution_key) const;
  int64_t daily_pnl_micros() const { return daily_pnl_; }
  int64_t equity_micros() const { return equity_; }
  int64_t peak_equity_micros() const { return peak_; }
  int64_t drawdown_micros() const;
  RiskSnapshot Snapshot() const;

 private:
  // What one approved execution holds until it is released.
  struct Reservation {
    std::string lane;
    absl::int128 total = 0;
    absl::flat_hash_map<Venue, absl::int128> by_venue;
    absl::flat_hash_map<std::string, absl::int128> by_event;
    absl::flat_hash_map<std::string, absl::int128> by_cluster;  // non-empty clusters only
  };
  // Orders a check sends to one venue (throttle tokens), in order of first appearance.
  struct VenueOrders {
    Venue venue;
    uint32_t count = 0;
    std::optional<uint32_t> first_leg;
  };

  std::optional<Denial> CheckTradingState(bool allow_reducing) const;
  std::optional<Denial> CheckThrottle(const std::vector<VenueOrders>& orders, int64_t now_nanos);
  void ConsumeThrottle(const std::vector<VenueOrders>& orders, int64_t now_nanos);
  void SyncThrottles(int64_t now_nanos);
  void UpdateDailyLossLatch();
  TradingState DrawdownState() const;

  const Clock& clock_;
  Limits limits_;

  TradingState manual_state_ = TradingState::kActive;
  bool daily_loss_halted_ = false;
  bool safe_mode_ = false;
  bool global_kill_ = false;
  absl::flat_hash_set<Venue> killed_venues_;
  absl::flat_hash_set<std::string> killed_lanes_;

  int64_t daily_pnl_ = 0;
  int64_t equity_ = 0;
  int64_t peak_ = 0;

  absl::flat_hash_map<std::string, Reservation> reservations_;
  absl::int128 reserved_total_ = 0;
  absl::flat_hash_map<std::string, absl::int128> reserved_by_lane_;
  absl::flat_hash_map<Venue, absl::int128> reserved_by_venue_;
  absl::flat_hash_map<std::string, absl::int128> reserved_by_event_;
  absl::flat_hash_map<std::string, absl::int128> reserved_by_cluster_;

  absl::flat_hash_map<Venue, TokenBucket> buckets_;
};

}  // namespace arbor::risk
