// File: arbor/store/store.h
//
// Store: the executor's PostgreSQL repository (libpqxx 6.4). Everything the executor decides is
// written here, in one transaction per decision, with synchronous commit, before the executor
// acts on it (DESIGN.md §6, §8): an intent before any venue call, an order event before the next
// step, a fill before the position it changes is reported.
//
//   ARBOR_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(conninfo));  // migrates
//   ARBOR_ASSIGN_OR_RETURN(uint64_t epoch, store->AcquireLease("executor-0", absl::Seconds(10)));
//   store->SetFencingEpoch(epoch);
//   ARBOR_RETURN_IF_ERROR(store->InsertExecution(execution, orders));
//
// Fencing: every write transaction first reads the lease row FOR SHARE and refuses
// (FailedPrecondition, "fenced") unless its epoch equals the one this process was granted. A
// takeover bumps the epoch with an UPDATE that waits for in-flight writes, so after a standby
// takes over, no write of the old leader can land.
//
// Errors: libpqxx exceptions never leave this library. Connection loss → Unavailable (the
// connection is dropped and re-opened on a later call, no more often than the backoff allows);
// unique violations → AlreadyExists; a commit whose outcome is unknown (the connection broke
// during COMMIT) → Unknown: the caller must re-read before deciding anything; other SQL errors
// → Internal. While Unavailable, the executor sends no new orders (it cannot commit intents).
//
// Thread-safe: one connection behind a mutex (calls are serialised; the executor's writes are
// already ordered by its core thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/core/clock.h"
#include "arbor/v1/control.pb.h"
#include "arbor/v1/execution.pb.h"
#include "arbor/v1/opportunity.pb.h"

namespace arbor::store {

// One appended row of `order_events`.
struct OrderEventRecord {
  std::string kind;    // "submit", "accepted", "fill", "cancel", "unresolved", ...
  std::string detail;  // free text: the venue's reason, the trade id, ...
};

// One appended row of `risk_events`.
struct RiskEventRecord {
  std::string kind;    // "denial", "kill_switch", "trading_state", "safe_mode", "policy"
  std::string reason;  // metric label of the reason (e.g. "daily_loss_cap")
  int lane = 0;
  int venue = 0;
  std::string opportunity_id;
  std::string execution_id;
  std::string message;
  int64_t limit_value = 0;
  int64_t observed_value = 0;
  std::string actor;
};

// A page of rows, newest first. `next_page_token` is empty on the last page.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

struct ExecutionQuery {
  std::vector<int> lanes;   // arbor.v1.Lane values; empty = all
  std::vector<int> states;  // arbor.v1.ExecutionState values; empty = all
  bool open_only = false;
  int64_t since_unix_nanos = 0;
  uint32_t page_size = 100;
  std::string page_token;
};

struct OrderQuery {
  int venue = 0;              // 0 = all
  std::string instrument_id;  // empty = all
  std::string execution_id;   // empty = all
  std::vector<int> statuses;  // empty = all
  bool open_only = false;
  int64_t since_unix_nanos = 0;
  uint32_t page_size = 100;
  std::string page_token;
};

struct FillQuery {
  int venue = 0;
  std::string instrument_id;
  std::string execution_id;
  std::string client_order_id;
  int64_t since_unix_nanos = 0;
  int64_t until_unix_nanos = 0;
  uint32_t page_size = 100;
  std::string page_token;
};

struct StoreOptions {
  // Minimum and maximum wait between reconnect attempts after a connection loss.
  absl::Duration reconnect_min = absl::Milliseconds(100);
  absl::Duration reconnect_max = absl::Seconds(5);
  const Clock* clock = &SystemClock::Get();
};

class Store {
 public:
  // Connects and applies pending migrations. Unavailable if PostgreSQL cannot be reached;
  // Internal if a migration fails (its version and the server's message are in the status).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> Open(std::string conninfo,
                                                                   StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Highest applied migration version.
  [[nodiscard]] absl::StatusOr<int> SchemaVersion();

  // ---- Leadership -------------------------------------------------------------------------
  // Takes the lease if it is free, expired, or already ours; returns the new fencing epoch
  // (incremented on every acquisition). FailedPrecondition naming the holder if another holder's
  // lease is still valid. Lease times use the database clock, so process clocks do not matter.
  [[nodiscard]] absl::StatusOr<uint64_t> AcquireLease(std::string_view holder, absl::Duration ttl);
  // Extends our lease. FailedPrecondition if the epoch moved on (we were taken over).
  [[nodiscard]] absl::Status RenewLease(std::string_view holder, uint64_t epoch,
                                        absl::Duration ttl);
  // Expires our lease now so a standby can take over at once (graceful shutdown).
  [[nodiscard]] absl::Status ReleaseLease(std::string_view holder, uint64_t epoch);
  // The epoch every write is checked against; 0 (the default) refuses all writes.
  void SetFencingEpoch(uint64_t epoch);
  uint64_t fencing_epoch() const;

  // ---- Writes (each one transaction, fenced, synchronous commit) ---------------------------
  // The intent: the execution, the opportunity it executes and its first orders (status
  // INITIALIZED) together. AlreadyExists if the opportunity id (or execution id) is already
  // recorded.
  [[nodiscard]] absl::Status InsertExecution(const v1::Execution& execution,
                                             const v1::Opportunity& opportunity,
                                             absl::Span<const v1::Order> orders);
  [[nodiscard]] absl::Status UpdateExecution(const v1::Execution& execution);
  // A new order of an existing execution (unwind, hedge, replacement), with its first event.
  [[nodiscard]] absl::Status InsertOrder(const v1::Order& order, const OrderEventRecord& event);
  // The order's new state and the event that produced it, atomically. NotFound if unknown.
  [[nodiscard]] absl::Status UpdateOrder(const v1::Order& order, const OrderEventRecord& event);
  // Several orders' new states and events in one transaction (one commit for a batch of legs).
  [[nodiscard]] absl::Status UpdateOrders(
      absl::Span<const std::pair<v1::Order, OrderEventRecord>> updates);
  // A fill with the order and position it changes, atomically. AlreadyExists (nothing written)
  // if this (venue, trade id, order) was recorded before.
  [[nodiscard]] absl::Status RecordFill(const v1::Fill& fill, const v1::Order& order_after,
                                        const v1::Position& position_after);
  // Execution and orders together (a close that also settles order states).
  [[nodiscard]] absl::Status UpsertPosition(const v1::Position& position);
  [[nodiscard]] absl::Status UpsertBalance(const v1::Balance& balance);
  [[nodiscard]] absl::Status AppendRiskEvent(const RiskEventRecord& event);
  // Kill switch state plus its risk event, atomically.
  [[nodiscard]] absl::Status SaveKillSwitch(const v1::KillSwitch& kill_switch,
                                            const RiskEventRecord& event);
  // Opens a new safe-mode episode; returns its id (also written into the stored state).
  [[nodiscard]] absl::StatusOr<uint64_t> OpenSafeModeEpisode(v1::SafeModeState state,
                                                             const RiskEventRecord& event);
  // Saves a change of the episode `state.episode_id()` (acknowledgement, exit).
  [[nodiscard]] absl::Status UpdateSafeModeEpisode(const v1::SafeModeState& state,
                                                   const RiskEventRecord& event);
  [[nodiscard]] absl::Status SaveTradingState(const v1::TradingStateInfo& info,
                                              const RiskEventRecord& event);
  [[nodiscard]] absl::Status RecordPolicyApplication(std::string_view source,
                                                     std::string_view limits_json);

  // ---- Reads --------------------------------------------------------------------------------
  [[nodiscard]] absl::StatusOr<std::optional<v1::Execution>> GetExecution(
      std::string_view execution_id);
  [[nodiscard]] absl::StatusOr<std::optional<v1::Execution>> GetExecutionByOpportunity(
      std::string_view opportunity_id);
  [[nodiscard]] absl::StatusOr<Page<v1::Execution>> ListExecutions(const ExecutionQuery& query);
  // The opportunity an execution was created from (nullopt if the execution is unknown).
  [[nodiscard]] absl::StatusOr<std::optional<v1::Opportunity>> GetOpportunity(
      std::string_view execution_id);
  [[nodiscard]] absl::StatusOr<std::optional<v1::Order>> GetOrder(std::string_view client_order_id);
  [[nodiscard]] absl::StatusOr<std::optional<v1::Order>> GetOrderByVenueId(
      std::string_view venue_order_id);
  [[nodiscard]] absl::StatusOr<Page<v1::Order>> ListOrders(const OrderQuery& query);
  [[nodiscard]] absl::StatusOr<std::vector<v1::Order>> OrdersOfExecution(
      std::string_view execution_id);
  [[nodiscard]] absl::StatusOr<Page<v1::Fill>> ListFills(const FillQuery& query);
  [[nodiscard]] absl::StatusOr<std::vector<v1::Position>> ListPositions();
  [[nodiscard]] absl::StatusOr<std::vector<v1::Balance>> ListBalances();
  [[nodiscard]] absl::StatusOr<std::vector<v1::KillSwitch>> ListKillSwitches();
  [[nodiscard]] absl::StatusOr<std::optional<v1::SafeModeState>> LatestSafeModeEpisode();
  [[nodiscard]] absl::StatusOr<std::optional<v1::TradingStateInfo>> LoadTradingState();
  // Event kinds of one order in append order (tests and audits).
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> OrderEventKinds(
      std::string_view client_order_id);
  [[nodiscard]] absl::StatusOr<int64_t> CountRiskEvents(std::string_view kind);
  // Realised PnL of executions closed at or after `since_unix_nanos` (recovery seeds the daily
  // loss cap with today's figure so a restart cannot reset it).
  [[nodiscard]] absl::StatusOr<int64_t> RealizedPnlSince(int64_t since_unix_nanos);

  // Stage evidence from the ledger for executions closed in [start, end) (Unix ns), one lane
  // (arbor.v1.Lane value) or all (0): realised PnL, its max and current drawdown along the close
  // order, sample count, completed, legs submitted / filled and fill reliability, unhedged
  // count, venue rejections and risk denials. data_complete and unrealised PnL are the caller's.
  [[nodiscard]] absl::StatusOr<v1::StageMetrics> ComputeStageMetrics(int64_t start_unix_nanos,
                                                                     int64_t end_unix_nanos,
                                                                     int lane);

  // Whether the last call reached PostgreSQL (false after a connection loss until a call
  // reconnects).
  bool available() const;

 private:
  struct Connection;  // wraps pqxx::connection (a typedef that cannot be forward-declared)
  Store(std::string conninfo, StoreOptions options);

  // Runs `body` in a transaction on a (re)connected connection; maps exceptions to statuses.
  // `fenced` writes check the lease epoch first.
  template <typename Fn>
  absl::Status Run(bool fenced, Fn&& body);
  absl::Status EnsureConnectedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Migrate();

  const std::string conninfo_;
  const StoreOptions options_;

  mutable absl::Mutex mu_;
  std::unique_ptr<Connection> conn_ ABSL_GUARDED_BY(mu_);
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  bool available_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_connect_mono_ns_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration reconnect_wait_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arbor::store
