#include "arbor/store/store.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "arbor/store/migrations.h"

namespace arbor::store {
namespace {

// Reads a protobuf message from a BYTEA column.
template <typename Message>
Message ParseDoc(const pqxx::field& field) {
  const pqxx::binarystring bytes(field);
  Message message;
  // A row we wrote ourselves always parses; a corrupt one surfaces as an empty message with the
  // typed columns still intact, and is caught by the callers' consistency checks.
  (void)message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  return message;
}

pqxx::binarystring Doc(const google::protobuf::MessageLite& message) {
  return pqxx::binarystring(message.SerializeAsString());
}

std::string IntList(const std::vector<int>& values) { return absl::StrJoin(values, ","); }

// Keyset pagination: the token is the last row's seq; the next page continues below it.
absl::StatusOr<int64_t> ParsePageToken(const std::string& token) {
  if (token.empty()) return INT64_MAX;
  int64_t seq = 0;
  if (!absl::SimpleAtoi(token, &seq) || seq <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("page_token '", token, "' is not valid"));
  }
  return seq;
}

uint32_t PageSize(uint32_t requested) {
  if (requested == 0) return 100;
  return std::min<uint32_t>(requested, 1000);
}

// Rows arrive as (seq, doc), newest first, one more than the page holds when there is a next
// page; the token is the last returned seq (the next query asks for "seq < token").
template <typename Message>
Page<Message> ToPage(const pqxx::result& rows, uint32_t page_size) {
  Page<Message> page;
  int64_t last_seq = 0;
  for (const pqxx::row& row : rows) {
    if (page.items.size() == page_size) {
      page.next_page_token = absl::StrCat(last_seq);
      break;
    }
    last_seq = row[0].as<int64_t>();
    page.items.push_back(ParseDoc<Message>(row[1]));
  }
  return page;
}

constexpr std::string_view kFenceCheck = "SELECT epoch FROM leader_lease WHERE id = 1 FOR SHARE";

}  // namespace

struct Store::Connection {
  explicit Connection(const std::string& conninfo) : pq(conninfo) {}
  pqxx::connection pq;
};

Store::Store(std::string conninfo, StoreOptions options)
    : conninfo_(std::move(conninfo)), options_(options), reconnect_wait_(options.reconnect_min) {}

Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(std::string conninfo, StoreOptions options) {
  std::unique_ptr<Store> store(new Store(std::move(conninfo), options));
  ARBOR_RETURN_IF_ERROR(store->Migrate());
  return store;
}

absl::Status Store::EnsureConnectedLocked() {
  if (conn_ != nullptr && conn_->pq.is_open()) return absl::OkStatus();
  conn_.reset();
  const int64_t now = options_.clock->MonotonicNanos();
  if (now < next_connect_mono_ns_) {
    return absl::UnavailableError("PostgreSQL unavailable (waiting to reconnect)");
  }
  try {
    auto conn = std::make_unique<Connection>(conninfo_);
    // The promise "committed before acted on" needs the commit flushed to disk, whatever the
    // server's default says.
    pqxx::nontransaction setup(conn->pq);
    setup.exec("SET synchronous_commit = on");
    setup.exec("SET application_name = 'arbor-executor'");
    setup.commit();
    conn_ = std::move(conn);
    available_ = true;
    reconnect_wait_ = options_.reconnect_min;
    return absl::OkStatus();
  } catch (const std::exception& e) {
    available_ = false;
    next_connect_mono_ns_ = now + absl::ToInt64Nanoseconds(reconnect_wait_);
    reconnect_wait_ = std::min(reconnect_wait_ * 2, options_.reconnect_max);
    return absl::UnavailableError(absl::StrCat("PostgreSQL connect failed: ", e.what()));
  }
}

template <typename Fn>
absl::Status Store::Run(bool fenced, Fn&& body) {
  absl::MutexLock lock(&mu_);
  if (fenced && epoch_ == 0) {
    return absl::FailedPreconditionError("fenced: this process holds no leader epoch");
  }
  ARBOR_RETURN_IF_ERROR(EnsureConnectedLocked());
  const auto lost = [&](std::string_view what, const std::exception& e) -> std::string {
    available_ = false;
    conn_.reset();
    next_connect_mono_ns_ =
        options_.clock->MonotonicNanos() + absl::ToInt64Nanoseconds(options_.reconnect_min);
    return std::string(absl::StrCat(ToAbsl(what), ": ", e.what()));
  };
  try {
    pqxx::work txn(conn_->pq);
    if (fenced) {
      const pqxx::result lease = txn.exec(std::string(kFenceCheck));
      const auto current = lease.at(0).at(0).as<uint64_t>();
      if (current != epoch_) {
        return absl::FailedPreconditionError(
            absl::StrCat("fenced: leader epoch is ", current, ", this process holds ", epoch_));
      }
    }
    absl::Status status = body(txn);
    if (!status.ok()) return status;  // the transaction aborts in its destructor
    txn.commit();
    available_ = true;
    return absl::OkStatus();
  } catch (const pqxx::in_doubt_error& e) {
    return absl::UnknownError(lost("commit outcome unknown (connection lost during COMMIT)", e));
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(lost("PostgreSQL connection lost", e));
  } catch (const pqxx::unique_violation& e) {
    return absl::AlreadyExistsError(e.what());
  } catch (const std::exception& e) {
    // A server shutting down reports "terminating connection" as an SQL error before the socket
    // closes; treat any error on a connection that is no longer open as connection loss.
    if (conn_ == nullptr || !conn_->pq.is_open()) {
      return absl::UnavailableError(lost("PostgreSQL connection lost", e));
    }
    const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
    if (sql != nullptr &&
        (sql->sqlstate().rfind("57P", 0) == 0 || sql->sqlstate().rfind("08", 0) == 0)) {
      return absl::UnavailableError(lost("PostgreSQL shutting down", e));
    }
    return absl::InternalError(absl::StrCat("PostgreSQL error: ", e.what()));
  }
}

bool Store::available() const {
  absl::MutexLock lock(&mu_);
  return available_;
}

void Store::SetFencingEpoch(uint64_t epoch) {
  absl::MutexLock lock(&mu_);
  epoch_ = epoch;
}

uint64_t Store::fencing_epoch() const {
  absl::MutexLock lock(&mu_);
  return epoch_;
}

absl::Status Store::Migrate() {
  ARBOR_RETURN_IF_ERROR(Run(false, [](pqxx::work& txn) {
    txn.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, "
        "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    return absl::OkStatus();
  }));
  for (const Migration& migration : AllMigrations()) {
    absl::Status status = Run(false, [&](pqxx::work& txn) {
      // Two executors starting together must not both apply a version: the lock serialises
      // them and the second sees the row.
      txn.exec("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
      const pqxx::result done =
          txn.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", migration.version);
      if (!done.empty()) return absl::OkStatus();
      txn.exec(std::string(migration.sql));
      txn.exec_params("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                      migration.version, std::string(migration.description));
      return absl::OkStatus();
    });
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("migration ", migration.version, " (",
                                                      ToAbsl(migration.description),
                                                      ") failed: ", status.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Store::SchemaVersion() {
  int version = 0;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    version = txn.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0].as<int>();
    return absl::OkStatus();
  }));
  return version;
}

// ---- Leadership ---------------------------------------------------------------------------

absl::StatusOr<uint64_t> Store::AcquireLease(std::string_view holder, absl::Duration ttl) {
  if (holder.empty()) return absl::InvalidArgumentError("lease holder must not be empty");
  uint64_t epoch = 0;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) -> absl::Status {
    const pqxx::result taken = txn.exec_params(
        "UPDATE leader_lease SET holder = $1, epoch = epoch + 1, "
        "expires_at = now() + $2 * interval '1 microsecond' "
        "WHERE id = 1 AND (expires_at < now() OR holder = $1) RETURNING epoch",
        std::string(holder), absl::ToInt64Microseconds(ttl));
    if (!taken.empty()) {
      epoch = taken[0][0].as<uint64_t>();
      return absl::OkStatus();
    }
    const pqxx::result current =
        txn.exec("SELECT holder, epoch, expires_at::text FROM leader_lease WHERE id = 1");
    return absl::FailedPreconditionError(absl::StrCat("lease held by '", current[0][0].c_str(),
                                                      "' (epoch ", current[0][1].c_str(),
                                                      ") until ", current[0][2].c_str()));
  }));
  return epoch;
}

absl::Status Store::RenewLease(std::string_view holder, uint64_t epoch, absl::Duration ttl) {
  return Run(false, [&](pqxx::work& txn) -> absl::Status {
    const pqxx::result renewed = txn.exec_params(
        "UPDATE leader_lease SET expires_at = now() + $3 * interval '1 microsecond' "
        "WHERE id = 1 AND holder = $1 AND epoch = $2",
        std::string(holder), epoch, absl::ToInt64Microseconds(ttl));
    if (renewed.affected_rows() != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("lease lost: epoch ", epoch, " of '", ToAbsl(holder), "' was taken over"));
    }
    return absl::OkStatus();
  });
}

absl::Status Store::ReleaseLease(std::string_view holder, uint64_t epoch) {
  return Run(false, [&](pqxx::work& txn) {
    txn.exec_params(
        "UPDATE leader_lease SET expires_at = 'epoch' WHERE id = 1 AND holder = $1 AND epoch = $2",
        std::string(holder), epoch);
    return absl::OkStatus();
  });
}

// ---- Writes ---------------------------------------------------------------------------------

namespace {

void InsertOrderRow(pqxx::work& txn, const v1::Order& order, uint64_t epoch) {
  txn.exec_params(
      "INSERT INTO orders (client_order_id, venue_order_id, execution_id, leg_index, venue, "
      "instrument_id, side, status, limit_price_micros, size_micros, filled_size_micros, "
      "created_ns, updated_ns, epoch, doc) "
      "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
      order.client_order_id(), order.venue_order_id(), order.execution_id(),
      static_cast<int64_t>(order.leg_index()), static_cast<int>(order.venue()),
      order.instrument_id().symbol(), static_cast<int>(order.side()),
      static_cast<int>(order.status()), order.limit_price_micros(), order.size_micros(),
      order.filled_size_micros(), order.created_unix_nanos(), order.updated_unix_nanos(), epoch,
      Doc(order));
}

void AppendOrderEvent(pqxx::work& txn, const v1::Order& order, const OrderEventRecord& event,
                      uint64_t epoch) {
  txn.exec_params(
      "INSERT INTO order_events (client_order_id, kind, status_after, detail, ts_ns, epoch) "
      "VALUES ($1,$2,$3,$4,$5,$6)",
      order.client_order_id(), event.kind, static_cast<int>(order.status()), event.detail,
      order.updated_unix_nanos(), epoch);
}

absl::Status UpdateOrderRow(pqxx::work& txn, const v1::Order& order, uint64_t epoch) {
  const pqxx::result updated = txn.exec_params(
      "UPDATE orders SET venue_order_id = $2, status = $3, filled_size_micros = $4, "
      "updated_ns = $5, epoch = $6, doc = $7 WHERE client_order_id = $1",
      order.client_order_id(), order.venue_order_id(), static_cast<int>(order.status()),
      order.filled_size_micros(), order.updated_unix_nanos(), epoch, Doc(order));
  if (updated.affected_rows() != 1) {
    return absl::NotFoundError(absl::StrCat("order ", order.client_order_id(), " is not stored"));
  }
  return absl::OkStatus();
}

void UpsertPositionRow(pqxx::work& txn, const v1::Position& position) {
  txn.exec_params(
      "INSERT INTO positions (venue, instrument_id, size_micros, cost_basis_micros, "
      "realized_pnl_micros, updated_ns, doc) VALUES ($1,$2,$3,$4,$5,$6,$7) "
      "ON CONFLICT (venue, instrument_id) DO UPDATE SET size_micros = EXCLUDED.size_micros, "
      "cost_basis_micros = EXCLUDED.cost_basis_micros, "
      "realized_pnl_micros = EXCLUDED.realized_pnl_micros, updated_ns = EXCLUDED.updated_ns, "
      "doc = EXCLUDED.doc",
      static_cast<int>(position.venue()), position.instrument_id().symbol(), position.size_micros(),
      position.cost_basis_micros(), position.realized_pnl_micros(), position.updated_unix_nanos(),
      Doc(position));
}

void AppendRiskEventRow(pqxx::work& txn, const RiskEventRecord& e, int64_t ts_ns) {
  txn.exec_params(
      "INSERT INTO risk_events (ts_ns, kind, reason, lane, venue, opportunity_id, execution_id, "
      "message, limit_value, observed_value, actor) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
      ts_ns, e.kind, e.reason, e.lane, e.venue, e.opportunity_id, e.execution_id, e.message,
      e.limit_value, e.observed_value, e.actor);
}

}  // namespace

absl::Status Store::InsertExecution(const v1::Execution& execution,
                                    const v1::Opportunity& opportunity,
                                    absl::Span<const v1::Order> orders) {
  return Run(true, [&](pqxx::work& txn) {
    txn.exec_params(
        "INSERT INTO executions (execution_id, opportunity_id, lane, state, close_reason, mode, "
        "realized_pnl_micros, unhedged_exposure_micros, created_ns, updated_ns, closed_ns, "
        "epoch, doc, opportunity) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
        execution.execution_id(), execution.opportunity_id(), static_cast<int>(execution.lane()),
        static_cast<int>(execution.state()), static_cast<int>(execution.close_reason()),
        static_cast<int>(execution.mode()), execution.realized_pnl_micros(),
        execution.unhedged_exposure_micros(), execution.created_unix_nanos(),
        execution.updated_unix_nanos(), execution.closed_unix_nanos(), epoch_, Doc(execution),
        Doc(opportunity));
    for (const v1::Order& order : orders) {
      InsertOrderRow(txn, order, epoch_);
      AppendOrderEvent(txn, order, OrderEventRecord{"initialized", ""}, epoch_);
    }
    return absl::OkStatus();
  });
}

absl::Status Store::UpdateExecution(const v1::Execution& execution) {
  return Run(true, [&](pqxx::work& txn) -> absl::Status {
    const pqxx::result updated = txn.exec_params(
        "UPDATE executions SET state = $2, close_reason = $3, realized_pnl_micros = $4, "
        "unhedged_exposure_micros = $5, updated_ns = $6, closed_ns = $7, epoch = $8, doc = $9 "
        "WHERE execution_id = $1",
        execution.execution_id(), static_cast<int>(execution.state()),
        static_cast<int>(execution.close_reason()), execution.realized_pnl_micros(),
        execution.unhedged_exposure_micros(), execution.updated_unix_nanos(),
        execution.closed_unix_nanos(), epoch_, Doc(execution));
    if (updated.affected_rows() != 1) {
      return absl::NotFoundError(
          absl::StrCat("execution ", execution.execution_id(), " is not stored"));
    }
    return absl::OkStatus();
  });
}

absl::Status Store::InsertOrder(const v1::Order& order, const OrderEventRecord& event) {
  return Run(true, [&](pqxx::work& txn) {
    InsertOrderRow(txn, order, epoch_);
    AppendOrderEvent(txn, order, event, epoch_);
    return absl::OkStatus();
  });
}

absl::Status Store::UpdateOrder(const v1::Order& order, const OrderEventRecord& event) {
  return Run(true, [&](pqxx::work& txn) -> absl::Status {
    ARBOR_RETURN_IF_ERROR(UpdateOrderRow(txn, order, epoch_));
    AppendOrderEvent(txn, order, event, epoch_);
    return absl::OkStatus();
  });
}

absl::Status Store::UpdateOrders(absl::Span<const std::pair<v1::Order, OrderEventRecord>> updates) {
  return Run(true, [&](pqxx::work& txn) -> absl::Status {
    for (const auto& [order, event] : updates) {
      ARBOR_RETURN_IF_ERROR(UpdateOrderRow(txn, order, epoch_));
      AppendOrderEvent(txn, order, event, epoch_);
    }
    return absl::OkStatus();
  });
}

absl::Status Store::RecordFill(const v1::Fill& fill, const v1::Order& order_after,
                               const v1::Position& position_after) {
  return Run(true, [&](pqxx::work& txn) -> absl::Status {
    // ON CONFLICT DO NOTHING instead of catching the violation: the duplicate is an expected
    // event (status poll and user channel both report the same trade), not an error.
    const pqxx::result inserted = txn.exec_params(
        "INSERT INTO fills (fill_id, venue, venue_trade_id, client_order_id, execution_id, "
        "instrument_id, side, price_micros, size_micros, fee_micros, ts_event_ns, epoch, doc) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT DO NOTHING",
        fill.fill_id(), static_cast<int>(order_after.venue()), fill.venue_trade_id(),
        fill.client_order_id(), fill.execution_id(), fill.instrument_id().symbol(),
        static_cast<int>(fill.side()), fill.price_micros(), fill.size_micros(), fill.fee_micros(),
        fill.ts_event_unix_nanos(), epoch_, Doc(fill));
    if (inserted.affected_rows() == 0) {
      return absl::AlreadyExistsError(absl::StrCat("fill ", fill.venue_trade_id(), " of order ",
                                                   fill.client_order_id(), " already recorded"));
    }
    ARBOR_RETURN_IF_ERROR(UpdateOrderRow(txn, order_after, epoch_));
    AppendOrderEvent(txn, order_after, OrderEventRecord{"fill", fill.venue_trade_id()}, epoch_);
    UpsertPositionRow(txn, position_after);
    return absl::OkStatus();
  });
}

absl::Status Store::UpsertPosition(const v1::Position& position) {
  return Run(true, [&](pqxx::work& txn) {
    UpsertPositionRow(txn, position);
    return absl::OkStatus();
  });
}

absl::Status Store::UpsertBalance(const v1::Balance& balance) {
  return Run(true, [&](pqxx::work& txn) {
    txn.exec_params(
        "INSERT INTO balances (venue, asset, total_micros, available_micros, updated_ns, doc) "
        "VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (venue, asset) DO UPDATE SET "
        "total_micros = EXCLUDED.total_micros, available_micros = EXCLUDED.available_micros, "
        "updated_ns = EXCLUDED.updated_ns, doc = EXCLUDED.doc",
        static_cast<int>(balance.venue()), balance.asset(), balance.total_micros(),
        balance.available_micros(), balance.updated_unix_nanos(), Doc(balance));
    return absl::OkStatus();
  });
}

absl::Status Store::AppendRiskEvent(const RiskEventRecord& event) {
  const int64_t now = absl::ToUnixNanos(options_.clock->Now());
  return Run(true, [&](pqxx::work& txn) {
    AppendRiskEventRow(txn, event, now);
    return absl::OkStatus();
  });
}

absl::Status Store::SaveKillSwitch(const v1::KillSwitch& kill_switch,
                                   const RiskEventRecord& event) {
  return Run(true, [&](pqxx::work& txn) {
    txn.exec_params(
        "INSERT INTO kill_switches (scope, venue, lane, engaged, updated_ns, doc) "
        "VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (scope, venue, lane) DO UPDATE SET "
        "engaged = EXCLUDED.engaged, updated_ns = EXCLUDED.updated_ns, doc = EXCLUDED.doc",
        static_cast<int>(kill_switch.scope()), static_cast<int>(kill_switch.venue()),
        static_cast<int>(kill_switch.lane()), kill_switch.engaged(),
        kill_switch.updated_unix_nanos(), Doc(kill_switch));
    AppendRiskEventRow(txn, event, kill_switch.updated_unix_nanos());
    return absl::OkStatus();
  });
}

absl::StatusOr<uint64_t> Store::OpenSafeModeEpisode(v1::SafeModeState state,
                                                    const RiskEventRecord& event) {
  ARBOR_RETURN_IF_ERROR(Run(true, [&](pqxx::work& txn) {
    const auto id =
        txn.exec("SELECT nextval('safe_mode_episodes_episode_id_seq')")[0][0].as<uint64_t>();
    state.set_episode_id(id);
    txn.exec_params(
        "INSERT INTO safe_mode_episodes (episode_id, active, acknowledged, entered_ns, doc) "
        "VALUES ($1,$2,$3,$4,$5)",
        id, state.active(), state.acknowledged(), state.entered_unix_nanos(), Doc(state));
    AppendRiskEventRow(txn, event, state.entered_unix_nanos());
    return absl::OkStatus();
  }));
  return state.episode_id();
}

absl::Status Store::UpdateSafeModeEpisode(const v1::SafeModeState& state,
                                          const RiskEventRecord& event) {
  return Run(true, [&](pqxx::work& txn) -> absl::Status {
    const pqxx::result updated = txn.exec_params(
        "UPDATE safe_mode_episodes SET active = $2, acknowledged = $3, doc = $4 "
        "WHERE episode_id = $1",
        state.episode_id(), state.active(), state.acknowledged(), Doc(state));
    if (updated.affected_rows() != 1) {
      return absl::NotFoundError(absl::StrCat("safe-mode episode ", state.episode_id()));
    }
    AppendRiskEventRow(txn, event,
                       std::max(state.acknowledged_unix_nanos(), state.exited_unix_nanos()));
    return absl::OkStatus();
  });
}

absl::Status Store::SaveTradingState(const v1::TradingStateInfo& info,
                                     const RiskEventRecord& event) {
  return Run(true, [&](pqxx::work& txn) {
    txn.exec_params(
        "INSERT INTO trading_state (id, manual_state, updated_ns, doc) VALUES (1,$1,$2,$3) "
        "ON CONFLICT (id) DO UPDATE SET manual_state = EXCLUDED.manual_state, "
        "updated_ns = EXCLUDED.updated_ns, doc = EXCLUDED.doc",
        static_cast<int>(info.manual_state()), info.updated_unix_nanos(), Doc(info));
    AppendRiskEventRow(txn, event, info.updated_unix_nanos());
    return absl::OkStatus();
  });
}

absl::Status Store::RecordPolicyApplication(std::string_view source, std::string_view limits_json) {
  const int64_t now = absl::ToUnixNanos(options_.clock->Now());
  return Run(true, [&](pqxx::work& txn) {
    txn.exec_params(
        "INSERT INTO policy_applications (applied_ns, source, limits_json) VALUES ($1,$2,$3)", now,
        std::string(source), std::string(limits_json));
    return absl::OkStatus();
  });
}

// ---- Reads ----------------------------------------------------------------------------------

namespace {

template <typename Message>
absl::StatusOr<std::optional<Message>> FirstDoc(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  return ParseDoc<Message>(rows[0][0]);
}

}  // namespace

absl::StatusOr<std::optional<v1::Execution>> Store::GetExecution(std::string_view execution_id) {
  std::optional<v1::Execution> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    const pqxx::result rows = txn.exec_params("SELECT doc FROM executions WHERE execution_id = $1",
                                              std::string(execution_id));
    if (!rows.empty()) out = ParseDoc<v1::Execution>(rows[0][0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<v1::Execution>> Store::GetExecutionByOpportunity(
    std::string_view opportunity_id) {
  std::optional<v1::Execution> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    const pqxx::result rows = txn.exec_params(
        "SELECT doc FROM executions WHERE opportunity_id = $1", std::string(opportunity_id));
    if (!rows.empty()) out = ParseDoc<v1::Execution>(rows[0][0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Page<v1::Execution>> Store::ListExecutions(const ExecutionQuery& query) {
  ARBOR_ASSIGN_OR_RETURN(const int64_t before, ParsePageToken(query.page_token));
  const uint32_t size = PageSize(query.page_size);
  std::string sql = absl::StrCat("SELECT seq, doc FROM executions WHERE seq < ", before);
  if (!query.lanes.empty()) absl::StrAppend(&sql, " AND lane IN (", IntList(query.lanes), ")");
  if (!query.states.empty()) {
    absl::StrAppend(&sql, " AND state IN (", IntList(query.states), ")");
  }
  if (query.open_only) absl::StrAppend(&sql, " AND state <> 6");
  if (query.since_unix_nanos > 0) {
    absl::StrAppend(&sql, " AND created_ns >= ", query.since_unix_nanos);
  }
  absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT ", size + 1);
  Page<v1::Execution> page;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    page = ToPage<v1::Execution>(txn.exec(sql), size);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::optional<v1::Opportunity>> Store::GetOpportunity(
    std::string_view execution_id) {
  std::optional<v1::Opportunity> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    const pqxx::result rows = txn.exec_params(
        "SELECT opportunity FROM executions WHERE execution_id = $1", std::string(execution_id));
    if (!rows.empty()) out = ParseDoc<v1::Opportunity>(rows[0][0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<v1::Order>> Store::GetOrder(std::string_view client_order_id) {
  std::optional<v1::Order> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    const pqxx::result rows = txn.exec_params("SELECT doc FROM orders WHERE client_order_id = $1",
                                              std::string(client_order_id));
    if (!rows.empty()) out = ParseDoc<v1::Order>(rows[0][0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<v1::Order>> Store::GetOrderByVenueId(std::string_view venue_order_id) {
  std::optional<v1::Order> out;
  if (venue_order_id.empty()) return out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    const pqxx::result rows = txn.exec_params("SELECT doc FROM orders WHERE venue_order_id = $1",
                                              std::string(venue_order_id));
    if (!rows.empty()) out = ParseDoc<v1::Order>(rows[0][0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Page<v1::Order>> Store::ListOrders(const OrderQuery& query) {
  ARBOR_ASSIGN_OR_RETURN(const int64_t before, ParsePageToken(query.page_token));
  const uint32_t size = PageSize(query.page_size);
  Page<v1::Order> page;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    std::string sql = absl::StrCat("SELECT seq, doc FROM orders WHERE seq < ", before);
    if (query.venue != 0) absl::StrAppend(&sql, " AND venue = ", query.venue);
    if (!query.instrument_id.empty()) {
      absl::StrAppend(&sql, " AND instrument_id = ", txn.quote(query.instrument_id));
    }
    if (!query.execution_id.empty()) {
      absl::StrAppend(&sql, " AND execution_id = ", txn.quote(query.execution_id));
    }
    if (!query.statuses.empty()) {
      absl::StrAppend(&sql, " AND status IN (", IntList(query.statuses), ")");
    }
    if (query.open_only) absl::StrAppend(&sql, " AND status IN (1, 2, 3, 4, 6, 10)");
    if (query.since_unix_nanos > 0) {
      absl::StrAppend(&sql, " AND created_ns >= ", query.since_unix_nanos);
    }
    absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT ", size + 1);
    page = ToPage<v1::Order>(txn.exec(sql), size);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::vector<v1::Order>> Store::OrdersOfExecution(std::string_view execution_id) {
  std::vector<v1::Order> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    for (const pqxx::row& row :
         txn.exec_params("SELECT doc FROM orders WHERE execution_id = $1 ORDER BY seq",
                         std::string(execution_id))) {
      out.push_back(ParseDoc<v1::Order>(row[0]));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Page<v1::Fill>> Store::ListFills(const FillQuery& query) {
  ARBOR_ASSIGN_OR_RETURN(const int64_t before, ParsePageToken(query.page_token));
  const uint32_t size = PageSize(query.page_size);
  Page<v1::Fill> page;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    std::string sql = absl::StrCat("SELECT seq, doc FROM fills WHERE seq < ", before);
    if (query.venue != 0) absl::StrAppend(&sql, " AND venue = ", query.venue);
    if (!query.instrument_id.empty()) {
      absl::StrAppend(&sql, " AND instrument_id = ", txn.quote(query.instrument_id));
    }
    if (!query.execution_id.empty()) {
      absl::StrAppend(&sql, " AND execution_id = ", txn.quote(query.execution_id));
    }
    if (!query.client_order_id.empty()) {
      absl::StrAppend(&sql, " AND client_order_id = ", txn.quote(query.client_order_id));
    }
    if (query.since_unix_nanos > 0) {
      absl::StrAppend(&sql, " AND ts_event_ns >= ", query.since_unix_nanos);
    }
    if (query.until_unix_nanos > 0) {
      absl::StrAppend(&sql, " AND ts_event_ns < ", query.until_unix_nanos);
    }
    absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT ", size + 1);
    page = ToPage<v1::Fill>(txn.exec(sql), size);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::vector<v1::Position>> Store::ListPositions() {
  std::vector<v1::Position> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    for (const pqxx::row& row :
         txn.exec("SELECT doc FROM positions ORDER BY venue, instrument_id")) {
      out.push_back(ParseDoc<v1::Position>(row[0]));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<v1::Balance>> Store::ListBalances() {
  std::vector<v1::Balance> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    for (const pqxx::row& row : txn.exec("SELECT doc FROM balances ORDER BY venue, asset")) {
      out.push_back(ParseDoc<v1::Balance>(row[0]));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<v1::KillSwitch>> Store::ListKillSwitches() {
  std::vector<v1::KillSwitch> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    for (const pqxx::row& row :
         txn.exec("SELECT doc FROM kill_switches ORDER BY scope, venue, lane")) {
      out.push_back(ParseDoc<v1::KillSwitch>(row[0]));
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<v1::SafeModeState>> Store::LatestSafeModeEpisode() {
  std::optional<v1::SafeModeState> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) -> absl::Status {
    ARBOR_ASSIGN_OR_RETURN(out, FirstDoc<v1::SafeModeState>(txn.exec(
                                    "SELECT doc FROM safe_mode_episodes ORDER BY episode_id DESC "
                                    "LIMIT 1")));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<v1::TradingStateInfo>> Store::LoadTradingState() {
  std::optional<v1::TradingStateInfo> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) -> absl::Status {
    ARBOR_ASSIGN_OR_RETURN(out, FirstDoc<v1::TradingStateInfo>(
                                    txn.exec("SELECT doc FROM trading_state WHERE id = 1")));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<std::string>> Store::OrderEventKinds(std::string_view client_order_id) {
  std::vector<std::string> out;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    for (const pqxx::row& row :
         txn.exec_params("SELECT kind FROM order_events WHERE client_order_id = $1 ORDER BY seq",
                         std::string(client_order_id))) {
      out.push_back(row[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<int64_t> Store::CountRiskEvents(std::string_view kind) {
  int64_t count = 0;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    count =
        txn.exec_params("SELECT COUNT(*) FROM risk_events WHERE kind = $1", std::string(kind))[0][0]
            .as<int64_t>();
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<int64_t> Store::RealizedPnlSince(int64_t since_unix_nanos) {
  int64_t sum = 0;
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    sum = txn.exec_params1(
                 "SELECT COALESCE(SUM(realized_pnl_micros), 0)::BIGINT FROM executions "
                 "WHERE state = 6 AND closed_ns >= $1",
                 since_unix_nanos)[0]
              .as<int64_t>();
    return absl::OkStatus();
  }));
  return sum;
}

absl::StatusOr<v1::StageMetrics> Store::ComputeStageMetrics(int64_t start, int64_t end, int lane) {
  v1::StageMetrics m;
  m.set_lane(static_cast<v1::Lane>(lane));
  m.set_window_start_unix_nanos(start);
  m.set_window_end_unix_nanos(end);
  const std::string lane_filter = lane == 0 ? "" : absl::StrCat(" AND e.lane = ", lane);
  ARBOR_RETURN_IF_ERROR(Run(false, [&](pqxx::work& txn) {
    // Realised PnL in close order: total, samples, and drawdown of the cumulative curve.
    int64_t cumulative = 0, peak = 0, max_drawdown = 0;
    uint64_t samples = 0, completed = 0, unhedged = 0;
    for (const pqxx::row& row :
         txn.exec_params(absl::StrCat("SELECT realized_pnl_micros, close_reason FROM executions e "
                                      "WHERE state = 6 AND closed_ns >= $1 AND closed_ns < $2",
                                      lane_filter, " ORDER BY closed_ns, seq"),
                         start, end)) {
      cumulative += row[0].as<int64_t>();
      peak = std::max(peak, cumulative);
      max_drawdown = std::max(max_drawdown, peak - cumulative);
      ++samples;
      const int reason = row[1].as<int>();
      if (reason == v1::CLOSE_REASON_COMPLETED) ++completed;
      if (reason == v1::CLOSE_REASON_UNWOUND || reason == v1::CLOSE_REASON_HEDGED ||
          reason == v1::CLOSE_REASON_EXPOSED) {
        ++unhedged;
      }
    }
    m.set_realized_pnl_micros(cumulative);
    m.set_max_drawdown_micros(max_drawdown);
    m.set_current_drawdown_micros(peak - cumulative);
    m.set_sample_count(samples);
    m.set_executions_completed(completed);
    m.set_unhedged_count(unhedged);
    // Entry legs (client ids ending "-0") submitted in the window, and how many filled fully.
    const pqxx::row legs = txn.exec_params1(
        absl::StrCat("SELECT COUNT(*) FILTER (WHERE o.status <> 1 AND o.status <> 11), "
                     "COUNT(*) FILTER (WHERE o.filled_size_micros >= o.size_micros), "
                     "COUNT(*) FILTER (WHERE o.status = 8) "
                     "FROM orders o JOIN executions e USING (execution_id) "
                     "WHERE o.client_order_id LIKE '%-0' AND o.created_ns >= $1 "
                     "AND o.created_ns < $2",
                     lane_filter),
        start, end);
    m.set_legs_submitted(legs[0].as<uint64_t>());
    m.set_legs_filled(legs[1].as<uint64_t>());
    m.set_orders_rejected(legs[2].as<uint64_t>());
    if (m.legs_submitted() > 0) {
      m.set_fill_reliability_bps(
          static_cast<uint32_t>(m.legs_filled() * 10'000 / m.legs_submitted()));
    }
    m.set_risk_denials(
        txn.exec_params1(absl::StrCat("SELECT COUNT(*) FROM risk_events WHERE kind = 'denial' "
                                      "AND ts_ns >= $1 AND ts_ns < $2",
                                      lane == 0 ? "" : absl::StrCat(" AND lane = ", lane)),
                         start, end)[0]
            .as<uint64_t>());
    return absl::OkStatus();
  }));
  return m;
}

}  // namespace arbor::store
