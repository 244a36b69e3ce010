// File: arbor/scanner/scanner_app.h
//
// ScannerApp: the `arbor-scanner` process minus flag parsing. It wires
//
//   feed shards --StreamBooks--> ShardedBookSource -> BookCache --touched keys--> TouchQueue
//   feed shards --ListMarkets--> catalog thread ----------new catalog----------> lane thread
//   lane thread: ScanEngine (lanes) -> OpportunityBoard -> ScannerService (gRPC) -> executor
//   ops server: /metrics (ScannerMetrics), /healthz, /readyz
//
// The lane thread is the only thread that runs lanes: it drains the touch queue (coalesced, so a
// hot book is evaluated once per drain at its newest view), runs an incremental pass, publishes
// to the board, expires, swaps in a new catalog between passes (then rescans everything), and
// rescans everything every `full_rescan_interval` (time-based gates, and a safety net). It also
// reloads a changed relations file (`relations_file`) for the combinatorial lane.
//
// Readiness (/readyz, GetHealth.ready): a catalog has been loaded and every feed shard's stream
// delivered its initial snapshot burst.
//
//   ScannerOptions o;  o.feed_addresses = {"127.0.0.1:50051"};
//   auto app = ScannerApp::Create(o);  (*app)->Start();  ...  (*app)->Stop();
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/scanner/feed_subscriber.h"
#include "arbor/scanner/scan_engine.h"

namespace arbor::scanner {

struct ScannerOptions {
  // Feed shard gRPC addresses in shard order. Required.
  std::vector<std::string> feed_addresses;
  // Instance id (pod name): Opportunity.scanner_id, StreamBooks subscriber id, health instance.
  std::string scanner_id = "scanner";
  ScanEngineOptions engine;
  // Book stream settings (address and subscriber_id are filled in per shard).
  FeedSubscriberOptions subscriber;
  // gRPC Scanner listen address ("host:port", port 0 = any).
  std::string grpc_listen = "0.0.0.0:50061";
  // Ops HTTP server (/metrics, /healthz, /readyz); port 0 = any.
  std::string ops_address = "0.0.0.0";
  int ops_port = 9091;
  // Periodic catalog reload from the shards.
  absl::Duration catalog_refresh = absl::Minutes(1);
  // A book the catalog does not know asks for an early reload, at most this often.
  absl::Duration catalog_min_interval = absl::Seconds(10);
  // The relations file the combinatorial lane's relations came from (engine.relations), and how
  // often the lane thread checks it for changes (RelationsWatcher); a changed file that parses
  // replaces the relations between passes, one that does not is logged and counted
  // (arbor_scanner_relations_reloads_total{result="error"}) and the old relations stay. Empty or
  // a zero period: no reload.
  std::string relations_file;
  absl::Duration relations_reload = absl::Seconds(10);
  // Deadline of each ListMarkets call.
  absl::Duration rpc_deadline = absl::Seconds(10);
  // An opportunity is published only once its newest source book has been unchanged this long
  // (SettleGate: phantom edges between the two updates of one venue event); 0 = at once.
  absl::Duration settle = absl::Milliseconds(25);
  // Full rescan period of the lane thread.
  absl::Duration full_rescan_interval = absl::Seconds(30);
  // StreamOpportunities per-subscriber queue bound.
  size_t subscriber_queue = 4096;
  // Not owned; nullptr = SystemClock.
  const Clock* clock = nullptr;
};

class ScannerApp {
 public:
  // Errors: InvalidArgument for missing feed addresses or a bad option.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ScannerApp>> Create(ScannerOptions options);
  ~ScannerApp();  // Stop()
  ScannerApp(const ScannerApp&) = delete;
  ScannerApp& operator=(const ScannerApp&) = delete;

  // Starts the gRPC and ops servers, the feed subscribers, the catalog and lane threads. The
  // catalog loads in the background (readiness waits for it). Errors: Unavailable when a server
  // cannot listen.
  [[nodiscard]] absl::Status Start();
  // Stops streams (UNAVAILABLE), threads and servers. Idempotent.
  void Stop();

  // {"grpc_port":..,"ops_port":..,"shards":N,"scanner_id":".."}: printed by main() once started.
  std::string ReadyLine() const;
  int grpc_port() const;
  int ops_port() const;
  // OK when ready, else FailedPrecondition saying what is missing.
  absl::Status Ready() const;

  struct Impl;

 private:
  explicit ScannerApp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arbor::scanner
