// File: arbor/executor/executor_app.h
//
// ExecutorApp: one arbor-executor process. It wires PostgreSQL (Store), leadership (a lease row
// with a fencing epoch: a standby serves reads and waits; the leader renews and exits on loss —
// crash-only, Kubernetes restarts it as a standby), the venue gateways of the mode (paper: the
// seeded fill model; sim/live: the Polymarket / Kalshi gateways), the execution engine and its
// loop thread, the Executor and Control gRPC services, the optional scanner subscription
// (every new opportunity is submitted), balance refresh, Prometheus metrics and /healthz /readyz.
//
// Readiness = leader, recovered (every open execution reconciled) and PostgreSQL reachable.
// Stop(): stops accepting, lets in-flight legs finish (bounded by drain_timeout), releases the
// lease so a standby takes over at once, then shuts the servers down.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/exec/execution_engine.h"
#include "arbor/exec/paper_fill_model.h"

namespace arbor::executor {

struct ExecutorOptions {
  std::string instance_id = "executor-0";
  std::string mode = "paper";  // paper | sim | live
  // libpq connection string (no password); the password, if any, is read from a file.
  std::string pg_conninfo;
  std::string pg_password_file;
  absl::Duration lease_ttl = absl::Seconds(10);

  std::string grpc_listen = "127.0.0.1:0";
  std::string ops_address = "127.0.0.1";
  int ops_port = 0;
  // Authentication: a bearer token file, or mTLS (cert + key + client CA).
  std::string auth_token_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;

  // Optional scanner to subscribe to (host:port): every opportunity it streams is submitted.
  std::string scanner_address;
  // Feed shards (host:port, shard order) for the executor's own book view: live prices for the
  // pre-trade price / staleness checks and the paper fill model. Empty = the books the scanner
  // priced (carried in each opportunity).
  std::vector<std::string> feed_addresses;

  // Initial policy limits (arbor.v1.PolicyLimits as JSON); empty = fail closed until the
  // operator applies limits.
  std::string limits_file;

  exec::EngineConfig engine;
  absl::Duration drain_timeout = absl::Seconds(10);
  absl::Duration balance_refresh = absl::Seconds(30);

  // paper
  exec::PaperFillParams paper;
  uint64_t paper_seed = 1;
  int64_t paper_cash_micros = 10'000'000'000;

  // sim / live
  std::string polymarket_clob_url;
  std::string polymarket_key_file;  // 64 hex digits
  // The Polymarket user channel (pushed fills): "" = the CLOB origin's /ws/user (arbor-venue-sim
  // serves both on one port); the venue's is wss://ws-subscriptions-clob.polymarket.com/ws/user;
  // "off" = polling only.
  std::string polymarket_user_ws_url;
  std::string kalshi_url;
  std::string kalshi_key_id_file;
  std::string kalshi_private_key_file;
  bool tls_verify_venues = true;
};

class ExecutorApp {
 public:
  // Validates options and reads secrets (never logged). InvalidArgument naming the option.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ExecutorApp>> Create(ExecutorOptions options);
  ~ExecutorApp();
  ExecutorApp(const ExecutorApp&) = delete;
  ExecutorApp& operator=(const ExecutorApp&) = delete;

  // Opens the store, starts the servers and the leadership loop. Returns once serving (the
  // process may still be a standby). Unavailable if a port cannot be bound or PostgreSQL cannot
  // be reached at all.
  [[nodiscard]] absl::Status Start();
  void Stop();

  int grpc_port() const;
  int ops_port() const;
  absl::Status Ready() const;

 private:
  struct Impl;
  explicit ExecutorApp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arbor::executor
