// File: arbor/exec/execution_engine.h
//
// ExecutionEngine: turns accepted opportunities into orders and carries every execution to a
// close reason, durably (DESIGN.md §6). It is the one place where the safety promise is kept:
//
//   1. Submit(): validate → pre-trade risk (RiskEngine, veto) → the intent (execution + its
//      INITIALIZED orders) committed to PostgreSQL → ACCEPTED. Nothing reaches a venue before
//      the commit; a repeated opportunity id is answered with the existing execution.
//   2. Step() (the engine's loop, also called directly by tests): each order is marked
//      SUBMITTED in the store *before* it is sent (so a crash after the send is found by
//      recovery), legs go out together (one batch per venue), reports are applied through the
//      order state machine and persisted before the next decision.
//   3. Legging: once every entry order is terminal, the execution is hedged (all legs equal)
//      or exposed; the lane's LegFailurePolicy cancels, unwinds the excess at a bounded loss
//      (FAK at avg fill − max_unwind_loss) or hedges the shortfall at a bounded premium.
//      Resting legs older than the leg window are canceled first. Exposure that is left after
//      the policy closes the execution EXPOSED and opens a safe-mode episode.
//   4. Recover(): on start (before ready) every open execution's orders are reconciled with
//      their venue (Query by the deterministic client order id): fills that happened while we
//      were down are recorded, orders the venue never saw are rejected after
//      `not_found_limit` consecutive misses (the lost-order counter), resting orders are
//      canceled, and then the legging logic runs as usual; any exposure → safe mode.
//
// Realised PnL of a guaranteed (bundle) execution is booked when it closes: hedged sets × the
// opportunity's worst-case payoff per set, plus every order's cash flow (fills and fees), with
// still-exposed inventory carried at cost (it stays a position). Non-guaranteed executions book
// only their cash flows' realised part (nothing until the position is closed or resolved).
//
// Thread-safety: every public member is thread-safe (one engine mutex). Venue I/O in Step()
// runs without the mutex held; only the loop thread calls Step().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/exec/order_state_machine.h"
#include "arbor/exec/paper_gateway.h"
#include "arbor/exec/venue_gateway.h"
#include "arbor/risk/risk_engine.h"
#include "arbor/store/store.h"
#include "arbor/v1/execution.pb.h"
#include "arbor/v1/executor_service.pb.h"
#include "arbor/v1/opportunity.pb.h"

namespace arbor::exec {

// What to do with a leg that failed, was rejected, or did not fill in its window.
enum class LegFailurePolicy : uint8_t {
  kCancelOnly,  // cancel what rests; keep any exposure (it is reported and starts safe mode)
  kUnwind,      // sell back (or buy back) the excess of filled legs, loss bounded per unit
  kHedge,       // buy the shortfall of the lagging legs, premium bounded per unit
};
std::string_view LegFailurePolicyName(LegFailurePolicy policy);
[[nodiscard]] absl::StatusOr<LegFailurePolicy> ParseLegFailurePolicy(std::string_view name);

struct EngineConfig {
  v1::TradingMode mode = v1::TRADING_MODE_PAPER;
  // Resting entry orders older than this are canceled (then the failure policy applies).
  absl::Duration leg_window = absl::Seconds(2);
  LegFailurePolicy default_policy = LegFailurePolicy::kUnwind;
  absl::flat_hash_map<int, LegFailurePolicy> lane_policy;  // arbor.v1.Lane → policy
  // Unwind: sell at no less than avg fill − this (per unit, micros). Hedge: buy at no more
  // than the planned limit + this.
  int64_t max_unwind_loss_per_unit_micros = 20'000;
  int64_t max_hedge_premium_per_unit_micros = 10'000;
  // Unwind / hedge attempts per leg before the remainder is left exposed.
  int max_repair_attempts = 2;
  // Consecutive "not found" answers before an unacknowledged order is considered rejected.
  int not_found_limit = 3;
  // Orders in flight are re-queried at this interval.
  absl::Duration poll_interval = absl::Milliseconds(200);
  // Size precision per venue (quantity micros): scaled-down sizes round down to it.
  int64_t polymarket_size_step_micros = 10'000;
  int64_t kalshi_size_step_micros = 1'000'000;
  // Risk inputs derived from an opportunity (clusters are not in the opportunity yet).
  std::string instance_id = "executor-0";
};

// Outcome of Submit(), mirroring arbor.v1.SubmitOpportunityResponse.
struct SubmitResult {
  v1::SubmitOutcome outcome = v1::SUBMIT_OUTCOME_UNSPECIFIED;
  v1::Execution execution;  // ACCEPTED / DUPLICATE
  v1::RiskDenial denial;    // DENIED
};

// Counters the service exports (read with Stats()).
struct EngineStats {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t denied = 0;
  uint64_t orders_sent = 0;
  uint64_t fills = 0;
  uint64_t duplicate_fills = 0;
  uint64_t store_failures = 0;
  uint64_t external_orders = 0;  // venue orders adopted at recovery
  uint64_t pushed_fills = 0;     // fills first learned from a user channel
  uint32_t open_executions = 0;
  uint32_t unresolved_orders = 0;
  int64_t realized_pnl_micros = 0;
  int64_t unhedged_exposure_micros = 0;
  absl::flat_hash_map<std::string, uint64_t> denials_by_reason;
  absl::flat_hash_map<std::string, uint64_t> closes_by_reason;
  // Orders of the open executions by status name (OrderStatusName); a snapshot, not a counter.
  absl::flat_hash_map<std::string, uint32_t> orders_by_status;
};

// Latency samples since the last TakeLatencies() (monotonic clock), for histograms.
struct EngineLatencies {
  std::vector<int64_t> submit_to_ack_nanos;  // Submit(): validation + risk + intent committed
  std::vector<int64_t> leg_ack_nanos;        // an order handed to its venue -> the venue's answer
  std::vector<int64_t> leg_fill_nanos;       // an order handed to its venue -> fully filled
};

class ExecutionEngine {
 public:
  using GatewayMap = absl::flat_hash_map<Venue, VenueGateway*>;

  // `store` must already hold the leader epoch. None of the pointers is owned.
  ExecutionEngine(store::Store* store, risk::RiskEngine* risk, GatewayMap gateways,
                  const Clock* clock, EngineConfig config);
  ~ExecutionEngine();
  ExecutionEngine(const ExecutionEngine&) = delete;
  ExecutionEngine& operator=(const ExecutionEngine&) = delete;

  // Loads kill switches, trading state and safe mode from the store, reconciles every open
  // execution with its venues and runs the legging logic until nothing is in flight that the
  // venues can answer. Ready only after this returns OK.
  [[nodiscard]] absl::Status Recover();

  // Validates, risk-checks and commits the intent (see the file comment). Errors:
  // InvalidArgument for a malformed opportunity (reason in the message); Unavailable when the
  // store is down (nothing was accepted); FailedPrecondition when fenced or not recovered.
  [[nodiscard]] absl::StatusOr<SubmitResult> Submit(const v1::Opportunity& opportunity,
                                                    int64_t max_size_sets_micros,
                                                    std::string_view submitted_by);

  // One cycle: send pending orders, query in-flight ones, enforce leg windows, run the
  // failure policy, close finished executions. Returns when the cycle's I/O is done.
  void Step();
  // Blocks until there is work (a submission) or `timeout` passes; the loop thread calls this
  // between Steps so a submission is sent at once.
  void WaitForWork(absl::Duration timeout);

  // ---- Controls (persisted before they return) ----
  [[nodiscard]] absl::StatusOr<v1::KillSwitch> SetKillSwitch(const v1::KillSwitch& request,
                                                             uint32_t* cancels_sent);
  [[nodiscard]] absl::StatusOr<v1::TradingStateInfo> SetTradingState(v1::TradingState state,
                                                                     std::string_view reason,
                                                                     std::string_view by,
                                                                     bool cancel_resting,
                                                                     uint32_t* cancels_sent);
  [[nodiscard]] absl::StatusOr<v1::SafeModeState> AcknowledgeSafeMode(uint64_t episode_id,
                                                                      std::string_view note,
                                                                      std::string_view by);
  v1::SafeModeState safe_mode() const;
  v1::TradingStateInfo trading_state() const;
  std::vector<v1::KillSwitch> kill_switches() const;

  // Applied policy (Control.ApplyPolicyLimits): the legging window (zero keeps the current one),
  // the default failure policy, and the unhedged exposure above which new risk is refused
  // (nullopt = no such limit).
  void SetLegPolicy(absl::Duration leg_window, LegFailurePolicy policy,
                    std::optional<int64_t> max_unhedged_exposure_micros);
  // New risk limits for the next check (the risk engine is only touched under the engine lock).
  void ApplyRiskLimits(risk::Limits limits);
  // Risk engine figures (daily PnL, drawdown, reserved capital) for metrics and status.
  risk::RiskSnapshot RiskFigures() const;

  // Fills pushed by a venue's user channel (WebSocket) for one of our orders, by venue order id.
  // Deduplicated with the polled fills by (trade id, order), so both sources may report the same
  // trade. Returns false if no open order has that id (polling will still find it).
  bool OnVenueFills(Venue venue, std::string_view venue_order_id,
                    const std::vector<VenueFill>& fills);

  // Live books for the pre-trade price and staleness checks (the executor's feed subscription).
  // Without one the checks use the book the scanner priced (the opportunity's legs). Set before
  // the loop starts; not owned.
  void SetBookSource(const BookSource* books);

  // A new UTC trading day: the risk engine's daily PnL restarts (and a daily-loss halt lifts).
  void StartNewDay();

  // Stops accepting new executions (graceful shutdown); in-flight ones continue.
  void StopAccepting();
  // Executions not yet CLOSED.
  uint32_t open_executions() const;
  bool recovered() const;
  EngineStats Stats() const;
  EngineLatencies TakeLatencies();

 private:
  struct LiveOrder;
  struct LiveExecution;

  // Submit helpers.
  absl::Status ValidateOpportunity(const v1::Opportunity& opportunity) const;
  risk::ExecutionPlan PlanOf(const LiveExecution& execution) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Step phases (mutex held except during I/O).
  struct Work;
  Work CollectWork() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyReport(LiveExecution& execution, LiveOrder& order, const VenueOrderReport& report,
                   bool from_place) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyFills(LiveExecution& execution, LiveOrder& order, const std::vector<VenueFill>& fills)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyEvent(LiveExecution& execution, LiveOrder& order, const OrderEvent& event,
                  std::string_view kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Latency bookkeeping for an order about to move to `next`.
  void NoteTransition(const LiveOrder& order, OrderStatus next) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Evaluate(LiveExecution& execution) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddRepairOrder(LiveExecution& execution, uint32_t leg, bool buy, int64_t price_micros,
                      int64_t size_micros) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Close(LiveExecution& execution, v1::CloseReason reason, std::string message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SyncExecutionProto(LiveExecution& execution) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PersistOrder(LiveExecution& execution, LiveOrder& order, std::string_view kind,
                    std::string_view detail) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PersistExecution(LiveExecution& execution) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EnterSafeMode(std::string reason, std::vector<v1::UnhedgedExposure> exposures)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t CancelRestingLocked(std::optional<Venue> venue, int lane)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyPositionFill(const LiveOrder& order, const VenueFill& fill, v1::Position* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  LegFailurePolicy PolicyFor(int lane) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t NowNanos() const;
  v1::TradingStateInfo TradingStateLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AdoptExternal(Venue venue, const VenueOrderReport& report);
  absl::Status ReconcilePositions();
  absl::Status RecordDenial(const v1::Opportunity& opportunity, const v1::RiskDenial& denial)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Store* const store_;
  risk::RiskEngine* const risk_;
  const GatewayMap gateways_;
  const Clock* const clock_;

  mutable absl::Mutex mu_;
  EngineConfig config_ ABSL_GUARDED_BY(mu_);
  std::optional<int64_t> max_unhedged_micros_ ABSL_GUARDED_BY(mu_);
  const BookSource* books_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool recovered_ ABSL_GUARDED_BY(mu_) = false;
  bool accepting_ ABSL_GUARDED_BY(mu_) = true;
  bool work_pending_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::unique_ptr<LiveExecution>> open_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> by_opportunity_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, v1::Position> positions_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::KillSwitch> kill_switches_ ABSL_GUARDED_BY(mu_);
  v1::TradingStateInfo trading_state_ ABSL_GUARDED_BY(mu_);
  v1::SafeModeState safe_mode_ ABSL_GUARDED_BY(mu_);
  EngineStats stats_ ABSL_GUARDED_BY(mu_);
  EngineLatencies latencies_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arbor::exec
