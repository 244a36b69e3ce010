#include "arbor/store/migrations.h"

#include <vector>

namespace arbor::store {
namespace {

// Version 1: the execution ledger. Conventions: money and quantities are BIGINT micro-units,
// times BIGINT Unix nanoseconds, enums the arbor.v1 numeric values. `doc` holds the full
// protobuf message (the API's view); the typed columns are what queries, constraints and
// operators' ad-hoc SQL use. `seq` orders rows by insertion for keyset pagination.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE leader_lease (
  id          INT PRIMARY KEY CHECK (id = 1),
  holder      TEXT NOT NULL,
  epoch       BIGINT NOT NULL,
  expires_at  TIMESTAMPTZ NOT NULL
);
INSERT INTO leader_lease VALUES (1, '', 0, 'epoch');

CREATE TABLE executions (
  seq              BIGSERIAL UNIQUE,
  execution_id     TEXT PRIMARY KEY,
  opportunity_id   TEXT NOT NULL UNIQUE,
  lane             INT NOT NULL,
  state            INT NOT NULL,
  close_reason     INT NOT NULL DEFAULT 0,
  mode             INT NOT NULL,
  realized_pnl_micros BIGINT NOT NULL DEFAULT 0,
  unhedged_exposure_micros BIGINT NOT NULL DEFAULT 0,
  created_ns       BIGINT NOT NULL,
  updated_ns       BIGINT NOT NULL,
  closed_ns        BIGINT NOT NULL DEFAULT 0,
  epoch            BIGINT NOT NULL,
  doc              BYTEA NOT NULL,
  -- The opportunity as submitted (arbor.v1.Opportunity): recovery re-derives the plan from it.
  opportunity      BYTEA NOT NULL
);
CREATE INDEX executions_open ON executions (seq) WHERE state <> 6;

CREATE TABLE orders (
  seq              BIGSERIAL UNIQUE,
  client_order_id  TEXT PRIMARY KEY,
  venue_order_id   TEXT NOT NULL DEFAULT '',
  execution_id     TEXT NOT NULL REFERENCES executions (execution_id),
  leg_index        INT NOT NULL,
  venue            INT NOT NULL,
  instrument_id    TEXT NOT NULL,
  side             INT NOT NULL,
  status           INT NOT NULL,
  limit_price_micros BIGINT NOT NULL CHECK (limit_price_micros BETWEEN 0 AND 1000000),
  size_micros      BIGINT NOT NULL CHECK (size_micros > 0),
  filled_size_micros BIGINT NOT NULL DEFAULT 0,
  created_ns       BIGINT NOT NULL,
  updated_ns       BIGINT NOT NULL,
  epoch            BIGINT NOT NULL,
  doc              BYTEA NOT NULL
);
CREATE INDEX orders_execution ON orders (execution_id);
CREATE INDEX orders_venue_order ON orders (venue_order_id) WHERE venue_order_id <> '';
CREATE INDEX orders_open ON orders (seq) WHERE status IN (1, 2, 3, 4, 6, 10);

-- Append-only: every change of an order, in the order it was applied.
CREATE TABLE order_events (
  seq              BIGSERIAL PRIMARY KEY,
  client_order_id  TEXT NOT NULL REFERENCES orders (client_order_id),
  kind             TEXT NOT NULL,
  status_after     INT NOT NULL,
  detail           TEXT NOT NULL DEFAULT '',
  ts_ns            BIGINT NOT NULL,
  epoch            BIGINT NOT NULL
);
CREATE INDEX order_events_order ON order_events (client_order_id, seq);

CREATE TABLE fills (
  seq              BIGSERIAL PRIMARY KEY,
  fill_id          TEXT NOT NULL UNIQUE,
  venue            INT NOT NULL,
  venue_trade_id   TEXT NOT NULL,
  client_order_id  TEXT NOT NULL REFERENCES orders (client_order_id),
  execution_id     TEXT NOT NULL,
  instrument_id    TEXT NOT NULL,
  side             INT NOT NULL,
  price_micros     BIGINT NOT NULL,
  size_micros      BIGINT NOT NULL CHECK (size_micros > 0),
  fee_micros       BIGINT NOT NULL,
  ts_event_ns      BIGINT NOT NULL,
  epoch            BIGINT NOT NULL,
  doc              BYTEA NOT NULL,
  -- One venue trade can fill two of our orders (we were maker and taker), never one order twice.
  UNIQUE (venue, venue_trade_id, client_order_id)
);
CREATE INDEX fills_execution ON fills (execution_id);

CREATE TABLE positions (
  venue            INT NOT NULL,
  instrument_id    TEXT NOT NULL,
  size_micros      BIGINT NOT NULL,
  cost_basis_micros BIGINT NOT NULL,
  realized_pnl_micros BIGINT NOT NULL,
  updated_ns       BIGINT NOT NULL,
  doc              BYTEA NOT NULL,
  PRIMARY KEY (venue, instrument_id)
);

CREATE TABLE balances (
  venue            INT NOT NULL,
  asset            TEXT NOT NULL,
  total_micros     BIGINT NOT NULL,
  available_micros BIGINT NOT NULL,
  updated_ns       BIGINT NOT NULL,
  doc              BYTEA NOT NULL,
  PRIMARY KEY (venue, asset)
);

-- Append-only: denials, kill-switch and trading-state changes, safe-mode transitions.
CREATE TABLE risk_events (
  seq              BIGSERIAL PRIMARY KEY,
  ts_ns            BIGINT NOT NULL,
  kind             TEXT NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  lane             INT NOT NULL DEFAULT 0,
  venue            INT NOT NULL DEFAULT 0,
  opportunity_id   TEXT NOT NULL DEFAULT '',
  execution_id     TEXT NOT NULL DEFAULT '',
  message          TEXT NOT NULL DEFAULT '',
  limit_value      BIGINT NOT NULL DEFAULT 0,
  observed_value   BIGINT NOT NULL DEFAULT 0,
  actor            TEXT NOT NULL DEFAULT ''
);

CREATE TABLE kill_switches (
  scope            INT NOT NULL,
  venue            INT NOT NULL,
  lane             INT NOT NULL,
  engaged          BOOLEAN NOT NULL,
  updated_ns       BIGINT NOT NULL,
  doc              BYTEA NOT NULL,
  PRIMARY KEY (scope, venue, lane)
);

CREATE TABLE safe_mode_episodes (
  episode_id       BIGSERIAL PRIMARY KEY,
  active           BOOLEAN NOT NULL,
  acknowledged     BOOLEAN NOT NULL,
  entered_ns       BIGINT NOT NULL,
  doc              BYTEA NOT NULL
);

CREATE TABLE trading_state (
  id               INT PRIMARY KEY CHECK (id = 1),
  manual_state     INT NOT NULL,
  updated_ns       BIGINT NOT NULL,
  doc              BYTEA NOT NULL
);

CREATE TABLE policy_applications (
  seq              BIGSERIAL PRIMARY KEY,
  applied_ns       BIGINT NOT NULL,
  source           TEXT NOT NULL,
  limits_json      TEXT NOT NULL
);

-- The ledger's history cannot be rewritten by the application (or a stray UPDATE).
CREATE FUNCTION arbor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER order_events_append_only BEFORE UPDATE OR DELETE ON order_events
  FOR EACH ROW EXECUTE FUNCTION arbor_append_only();
CREATE TRIGGER risk_events_append_only BEFORE UPDATE OR DELETE ON risk_events
  FOR EACH ROW EXECUTE FUNCTION arbor_append_only();
CREATE TRIGGER fills_append_only BEFORE UPDATE OR DELETE ON fills
  FOR EACH ROW EXECUTE FUNCTION arbor_append_only();
)sql";

}  // namespace

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration>* const kMigrations = new std::vector<Migration>{
      {1,
       "execution ledger: lease, executions, orders, events, fills, positions, balances, "
       "risk events, kill switches, safe mode, trading state, policy applications",
       kV1},
  };
  return *kMigrations;
}

}  // namespace arbor::store
