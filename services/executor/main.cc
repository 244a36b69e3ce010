// arbor-executor: the only component that trades (issue 6). Every flag is listed by --help;
// docs/executor.md describes the process, its modes and its safety model.
//
// On start it prints one JSON line on stdout once the gRPC and ops servers listen:
//   {"grpc_port":50071,"ops_port":9093,"instance":"executor-0","mode":"paper"}
// (it may still be a standby: /readyz turns 200 once it leads and has reconciled) and runs until
// SIGTERM/SIGINT, then stops gracefully: no new risk, in-flight legs finish (bounded by
// --drain_timeout), the lease is released for the standby.
// Exit codes: 0 clean stop, 1 bad flags or secrets, 2 cannot serve (port, PostgreSQL),
// 3 leadership lost (crash-only: the restart comes back as a standby).
#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/log.h"
#include "arbor/core/process.h"
#include "arbor/exec/execution_engine.h"
#include "arbor/exec/failpoint.h"
#include "arbor/executor/executor_app.h"

ABSL_FLAG(std::string, instance_id, "executor-0", "Instance id (pod name): the lease holder.");
ABSL_FLAG(std::string, mode, "paper",
          "paper (no venue orders; seeded fill model), sim (the venue simulator over its real "
          "protocols) or live.");
ABSL_FLAG(std::string, pg, "",
          "libpq connection string without password, e.g. \"host=/run/pg port=5432 user=arbor "
          "dbname=arbor\". Required.");
ABSL_FLAG(std::string, pg_password_file, "", "File holding the PostgreSQL password (Secret).");
ABSL_FLAG(absl::Duration, lease_ttl, absl::Seconds(10),
          "Leader lease; a standby takes over this long after the leader stops renewing.");
ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:0", "gRPC address (Executor and Control).");
ABSL_FLAG(std::string, ops_address, "127.0.0.1", "Address of /metrics, /healthz, /readyz.");
ABSL_FLAG(int32_t, ops_port, 0, "Port of the ops endpoint (0 = ephemeral).");
ABSL_FLAG(std::string, auth_token_file, "",
          "Bearer token file (Secret). Required unless mTLS (--tls_client_ca_file) is used.");
ABSL_FLAG(std::string, tls_cert_file, "", "Server certificate (PEM) for gRPC TLS.");
ABSL_FLAG(std::string, tls_key_file, "", "Server private key (PEM) for gRPC TLS.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "CA (PEM) client certificates must chain to (mTLS); then no token is needed.");
ABSL_FLAG(std::string, scanner, "",
          "Scanner address (host:port): every opportunity it streams is submitted.");
ABSL_FLAG(std::vector<std::string>, feeds, {},
          "Feed shard addresses (host:port, shard order) for the executor's own live books: the "
          "pre-trade price and staleness checks and the paper fill model use them. Empty = the "
          "books the scanner priced.");
ABSL_FLAG(std::string, limits_file, "",
          "Initial arbor.v1.PolicyLimits (JSON) until the operator applies limits; empty = no "
          "trading until then (fail closed).");
ABSL_FLAG(absl::Duration, leg_window, absl::Seconds(2),
          "A resting entry leg older than this is canceled and the failure policy applies.");
ABSL_FLAG(std::string, leg_policy, "unwind", "Leg failure policy: cancel, unwind or hedge.");
ABSL_FLAG(std::string, max_unwind_loss, "0.02", "Unwind at no worse than avg fill - this (USD).");
ABSL_FLAG(std::string, max_hedge_premium, "0.01",
          "Hedge at no worse than the planned limit + this (USD).");
ABSL_FLAG(absl::Duration, poll_interval, absl::Milliseconds(200), "In-flight order query period.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10), "Graceful stop: wait for open legs.");
ABSL_FLAG(double, paper_fill_probability, 0.9, "paper: chance the best level is still there.");
ABSL_FLAG(double, paper_adverse_probability, 0.1, "paper: chance the book moved against us.");
ABSL_FLAG(double, paper_partial_probability, 0.1, "paper: chance another taker raced us.");
ABSL_FLAG(absl::Duration, paper_latency, absl::Milliseconds(50), "paper: mean latency.");
ABSL_FLAG(uint64_t, paper_seed, 1, "paper: random seed (same seed, same outcomes).");
ABSL_FLAG(std::string, paper_cash, "10000", "paper: starting cash per venue (USD).");
ABSL_FLAG(std::string, polymarket_clob_url, "", "sim/live: Polymarket CLOB base URL.");
ABSL_FLAG(std::string, polymarket_user_ws_url, "",
          "sim/live: Polymarket user channel URL for pushed fills (empty = the CLOB origin's "
          "/ws/user; live: wss://ws-subscriptions-clob.polymarket.com/ws/user; off = poll only).");
ABSL_FLAG(std::string, polymarket_key_file, "", "sim/live: wallet private key file (64 hex).");
ABSL_FLAG(std::string, kalshi_url, "", "sim/live: Kalshi trade API base URL.");
ABSL_FLAG(std::string, kalshi_key_id_file, "", "sim/live: Kalshi API key id file.");
ABSL_FLAG(std::string, kalshi_private_key_file, "", "sim/live: Kalshi RSA private key (PEM).");
ABSL_FLAG(bool, tls_verify_venues, true, "Verify venue TLS certificates.");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");
ABSL_FLAG(std::string, failpoint, "",
          "TEST ONLY: NAME[:N] kills the process with SIGKILL at the N-th pass of a crash point "
          "(before_intent_commit, after_intent_commit, before_send, after_send, "
          "after_first_report, after_unwind_send). Never set in production.");

namespace {

// "0.02" USD → micros, exact (no floating point on money).
bool ParseUsd(const std::string& text, int64_t* micros) {
  absl::StatusOr<arbor::Money> money = arbor::Money::Parse(text);
  if (!money.ok() || money->micros() < 0) return false;
  *micros = money->micros();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("arbor-executor: crash-only execution over PostgreSQL");
  absl::ParseCommandLine(argc, argv);
  const sigset_t stop = arbor::BlockStopSignals();
  if (absl::Status s = arbor::SetLogLevel(absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 1;
  }
  if (const std::string fp = absl::GetFlag(FLAGS_failpoint); !fp.empty()) {
    if (absl::Status s = arbor::exec::ArmFailpoint(fp); !s.ok()) {
      std::cerr << "--failpoint: " << s.message() << "\n";
      return 1;
    }
  }
  arbor::executor::ExecutorOptions o;
  o.instance_id = absl::GetFlag(FLAGS_instance_id);
  o.mode = absl::GetFlag(FLAGS_mode);
  o.pg_conninfo = absl::GetFlag(FLAGS_pg);
  o.pg_password_file = absl::GetFlag(FLAGS_pg_password_file);
  o.lease_ttl = absl::GetFlag(FLAGS_lease_ttl);
  o.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  o.ops_address = absl::GetFlag(FLAGS_ops_address);
  o.ops_port = absl::GetFlag(FLAGS_ops_port);
  o.auth_token_file = absl::GetFlag(FLAGS_auth_token_file);
  o.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  o.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  o.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  o.scanner_address = absl::GetFlag(FLAGS_scanner);
  o.feed_addresses = absl::GetFlag(FLAGS_feeds);
  o.limits_file = absl::GetFlag(FLAGS_limits_file);
  o.engine.leg_window = absl::GetFlag(FLAGS_leg_window);
  o.engine.poll_interval = absl::GetFlag(FLAGS_poll_interval);
  o.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  absl::StatusOr<arbor::exec::LegFailurePolicy> policy =
      arbor::exec::ParseLegFailurePolicy(absl::GetFlag(FLAGS_leg_policy));
  if (!policy.ok()) {
    std::cerr << "--leg_policy: " << policy.status().message() << "\n";
    return 1;
  }
  o.engine.default_policy = *policy;
  if (!ParseUsd(absl::GetFlag(FLAGS_max_unwind_loss), &o.engine.max_unwind_loss_per_unit_micros) ||
      !ParseUsd(absl::GetFlag(FLAGS_max_hedge_premium),
                &o.engine.max_hedge_premium_per_unit_micros) ||
      !ParseUsd(absl::GetFlag(FLAGS_paper_cash), &o.paper_cash_micros)) {
    std::cerr << "--max_unwind_loss, --max_hedge_premium and --paper_cash are USD amounts\n";
    return 1;
  }
  o.paper.fill_probability = absl::GetFlag(FLAGS_paper_fill_probability);
  o.paper.adverse_selection_probability = absl::GetFlag(FLAGS_paper_adverse_probability);
  o.paper.partial_fill_probability = absl::GetFlag(FLAGS_paper_partial_probability);
  o.paper.latency_mean_nanos = absl::ToInt64Nanoseconds(absl::GetFlag(FLAGS_paper_latency));
  o.paper.latency_jitter_nanos = o.paper.latency_mean_nanos / 2;
  o.paper_seed = absl::GetFlag(FLAGS_paper_seed);
  o.polymarket_clob_url = absl::GetFlag(FLAGS_polymarket_clob_url);
  o.polymarket_key_file = absl::GetFlag(FLAGS_polymarket_key_file);
  o.polymarket_user_ws_url = absl::GetFlag(FLAGS_polymarket_user_ws_url);
  o.kalshi_url = absl::GetFlag(FLAGS_kalshi_url);
  o.kalshi_key_id_file = absl::GetFlag(FLAGS_kalshi_key_id_file);
  o.kalshi_private_key_file = absl::GetFlag(FLAGS_kalshi_private_key_file);
  o.tls_verify_venues = absl::GetFlag(FLAGS_tls_verify_venues);

  absl::StatusOr<std::unique_ptr<arbor::executor::ExecutorApp>> app =
      arbor::executor::ExecutorApp::Create(std::move(o));
  if (!app.ok()) {
    std::cerr << "arbor-executor: " << app.status().message() << "\n";
    return 1;
  }
  if (absl::Status s = (*app)->Start(); !s.ok()) {
    std::cerr << "arbor-executor: " << s.message() << "\n";
    return 2;
  }
  std::cout << "{\"grpc_port\":" << (*app)->grpc_port() << ",\"ops_port\":" << (*app)->ops_port()
            << ",\"instance\":\"" << absl::GetFlag(FLAGS_instance_id) << "\",\"mode\":\""
            << absl::GetFlag(FLAGS_mode) << "\"}" << std::endl;
  const int signal_number = arbor::WaitForStopSignal(stop);
  ARBOR_LOG(kInfo, "executor", "stopping").Field("signal", static_cast<int64_t>(signal_number));
  (*app)->Stop();
  return 0;
}
