// File: arbor/feed/feed_shard.h
//
// FeedShard: the arbor-feed process wired together (docs/feed.md "The feed shard"). It owns:
//
//   catalog      LoadCatalog → ApplyFilter → ShardUniverse, refreshed every catalog_refresh;
//                Diff() adds and drops instruments without a restart
//   books        BookFanout (StreamBooks state) behind a BookPublisher (validation, sequences)
//   Polymarket   PolymarketPool (≤ tokens_per_connection per WebSocket) + REST Reconciler and
//                Poller over PublicClient (/books batched)
//   Kalshi       KalshiConnection (one authenticated WebSocket, seq + get_snapshot) + REST
//                Reconciler and Poller over RestClient orderbooks
//   modes        one FeedModeController per venue, fed by the connections' health events and
//                the reconcilers' divergences; the mode switches the pollers
//   serving      gRPC FeedShardService; OpsServer (/metrics, /healthz, /readyz)
//   capture      optional CaptureWriter of every raw frame
//
// A control thread ticks once a second: mode controllers, metrics, staleness, catalog refresh.
// Start() loads the catalog (fails if it cannot), starts everything and returns once the servers
// listen; books become trusted asynchronously (/readyz says when). Stop() is the SIGTERM path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/feed/catalog_loader.h"
#include "arbor/feed/feed_mode.h"
#include "arbor/feed/sharding.h"
#include "arbor/feed/universe.h"
#include "arbor/net/http_client.h"
#include "arbor/net/url.h"
#include "arbor/net/ws_client.h"

namespace arbor::feed {

// Raw command-line values (main.cc); OptionsFromFlags validates them.
struct FeedShardFlags {
  int shard_index = -1;
  int shard_count = 1;
  std::string pod_name;
  std::vector<std::string> venues = {"polymarket", "kalshi"};
  std::string polymarket_clob_url;
  std::string polymarket_gamma_url;
  std::string polymarket_ws_url;
  std::string kalshi_rest_url;
  std::string kalshi_ws_url;
  std::string kalshi_key_id;
  std::string kalshi_private_key_file;
  std::string ca_file;
  bool verify_peer = true;
  double min_liquidity = 0;
  std::vector<std::string> include_tags;
  std::vector<std::string> exclude_tags;
  std::vector<std::string> include_ids;
  std::vector<std::string> exclude_ids;
  int max_instruments = 0;
  absl::Duration catalog_refresh = absl::Minutes(5);
  int tokens_per_connection = 200;
  absl::Duration ping_interval = absl::Seconds(10);
  absl::Duration stale_after = absl::Seconds(30);
  absl::Duration reconcile_interval = absl::Seconds(30);
  absl::Duration reconcile_confirm_delay = absl::Seconds(2);
  absl::Duration poll_interval = absl::Seconds(5);
  double rest_requests_per_second = 20;
  absl::Duration mode_window = absl::Minutes(1);
  absl::Duration mode_recover_to_stream = absl::Minutes(2);
  absl::Duration mode_recover_to_hybrid = absl::Minutes(5);
  absl::Duration mode_min_dwell = absl::Seconds(30);
  std::string capture_dir;
  int64_t capture_max_file_bytes = 256ll << 20;
  std::string grpc_listen = "0.0.0.0:50051";
  int ops_port = 9090;
  std::string ops_address = "0.0.0.0";
};

struct FeedShardOptions {
  ShardSelection shard;
  UniverseFilter filter;
  size_t max_instruments = 0;  // per venue; 0 = all
  CatalogOptions catalog;
  absl::Duration catalog_refresh = absl::Minutes(5);

  bool polymarket = true;
  net::Url polymarket_clob;
  net::Url polymarket_gamma;
  net::Url polymarket_ws;
  bool kalshi = false;
  net::Url kalshi_rest;
  net::Url kalshi_ws;
  std::string kalshi_key_id;
  std::string kalshi_private_key_file;
  net::HttpClientOptions http;
  net::WsOptions ws;

  int tokens_per_connection = 200;
  absl::Duration ping_interval = absl::Seconds(10);
  absl::Duration stale_after = absl::Seconds(30);
  absl::Duration reconcile_interval = absl::Seconds(30);
  absl::Duration reconcile_confirm_delay = absl::Seconds(2);
  absl::Duration poll_interval = absl::Seconds(5);
  double rest_requests_per_second = 20;
  FeedModePolicy mode;
  // Fan-out queue bound per gRPC subscriber (items) before its backlog is coalesced.
  size_t subscriber_queue_limit = 4096;

  std::string capture_dir;
  int64_t capture_max_file_bytes = 256ll << 20;

  std::string grpc_listen = "0.0.0.0:50051";
  int ops_port = 9090;
  std::string ops_address = "0.0.0.0";
};

// Validates flags (URLs, shard k of N, tokens per connection ≤ 500, Kalshi key present when
// Kalshi is on, known venues, positive intervals) into options. Errors: InvalidArgument naming
// the flag.
[[nodiscard]] absl::StatusOr<FeedShardOptions> OptionsFromFlags(const FeedShardFlags& flags);

class FeedShard {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FeedShard>> Create(FeedShardOptions options);
  ~FeedShard();
  FeedShard(const FeedShard&) = delete;
  FeedShard& operator=(const FeedShard&) = delete;

  // Loads the catalog, registers the shard's instruments, starts connections, REST loops, the
  // gRPC and ops servers and the control thread. Errors: the catalog error, InvalidArgument for
  // a bad key file, Unavailable when a server cannot listen.
  [[nodiscard]] absl::Status Start();
  // Graceful stop (idempotent): gRPC streams end UNAVAILABLE, connections close, capture
  // flushed, threads joined.
  void Stop();

  // The JSON line main() prints once Start() succeeded.
  std::string ReadyLine() const;
  int grpc_port() const;
  int ops_port() const;

  struct Impl;

 private:
  explicit FeedShard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arbor::feed
