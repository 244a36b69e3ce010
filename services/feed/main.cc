// arbor-feed: one feed shard (issue 4). Loads the venues' catalogs, keeps the order books of its
// slice of the universe (event id hashed over --shard_count shards) from the venues' WebSockets,
// verifies them against REST, and streams them over gRPC (arbor.v1.FeedShard). Every flag is
// listed by --help; docs/feed.md describes the whole shard.
//
// On start it prints one JSON line on stdout once the gRPC and ops servers listen:
//   {"grpc_port":41235,"ops_port":41236,"instruments":4420,"shard_index":0,"shard_count":1}
// and runs until SIGTERM/SIGINT, then drains: gRPC streams end with UNAVAILABLE, venue
// connections close, capture files are flushed. Exit codes: 0 clean stop, 1 bad flags or
// catalog/start failure, 2 a server cannot listen.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "arbor/core/log.h"
#include "arbor/core/process.h"
#include "arbor/feed/feed_shard.h"

ABSL_FLAG(int32_t, shard_index, -1,
          "This shard's index k in [0, shard_count). -1 = derive it from --pod_name (the "
          "StatefulSet ordinal).");
ABSL_FLAG(int32_t, shard_count, 1, "Number of feed shards N the event ids are hashed over.");
ABSL_FLAG(std::string, pod_name, "", "Pod name (arbor-feed-3 → shard 3) when --shard_index=-1.");
ABSL_FLAG(std::string, venues, "polymarket,kalshi", "Comma list of venues to serve.");

ABSL_FLAG(std::string, polymarket_clob_url, "https://clob.polymarket.com", "Polymarket CLOB REST.");
ABSL_FLAG(std::string, polymarket_gamma_url, "https://gamma-api.polymarket.com",
          "Polymarket Gamma catalog API.");
ABSL_FLAG(std::string, polymarket_ws_url, "wss://ws-subscriptions-clob.polymarket.com/ws/market",
          "Polymarket market-channel WebSocket.");
ABSL_FLAG(std::string, kalshi_rest_url, "https://api.elections.kalshi.com/trade-api/v2",
          "Kalshi REST API (with its /trade-api/v2 prefix).");
ABSL_FLAG(std::string, kalshi_ws_url, "wss://api.elections.kalshi.com/trade-api/ws/v2",
          "Kalshi WebSocket API.");
ABSL_FLAG(std::string, kalshi_key_id, "", "Kalshi API key id (required for Kalshi).");
ABSL_FLAG(std::string, kalshi_private_key_file, "",
          "PEM file of the Kalshi API key's RSA private key (required for Kalshi).");
ABSL_FLAG(std::string, ca_file, "", "PEM bundle of trusted CAs (empty = system default).");
ABSL_FLAG(bool, verify_peer, true, "Verify venue TLS certificates (turn off only for tests).");

ABSL_FLAG(double, min_liquidity, 0, "Skip instruments whose catalog liquidity (USD) is lower.");
ABSL_FLAG(std::vector<std::string>, include_tags, {}, "Keep only instruments with these tags.");
ABSL_FLAG(std::vector<std::string>, exclude_tags, {}, "Drop instruments with these tags.");
ABSL_FLAG(std::vector<std::string>, include_ids, {},
          "Instrument, market or event ids always kept (if tradable).");
ABSL_FLAG(std::vector<std::string>, exclude_ids, {}, "Ids always dropped.");
ABSL_FLAG(int32_t, max_instruments, 0,
          "Keep at most this many instruments per venue (whole events, in id order); 0 = all. "
          "For tests and benchmarks.");
ABSL_FLAG(absl::Duration, catalog_refresh, absl::Minutes(5),
          "How often to reload the catalog and apply added / removed markets.");

ABSL_FLAG(int32_t, tokens_per_connection, 200,
          "Polymarket tokens per WebSocket connection (1..500).");
ABSL_FLAG(absl::Duration, ping_interval, absl::Seconds(10), "WebSocket heartbeat interval.");
ABSL_FLAG(absl::Duration, stale_after, absl::Seconds(30),
          "No data on a subscribed connection for this long → books STALE and reconnect.");
ABSL_FLAG(absl::Duration, reconcile_interval, absl::Seconds(30),
          "Full REST reconciliation pass period per venue.");
ABSL_FLAG(absl::Duration, reconcile_confirm_delay, absl::Seconds(2),
          "Delay before a REST mismatch is re-checked and confirmed as a divergence.");
ABSL_FLAG(absl::Duration, poll_interval, absl::Seconds(5),
          "Per-book REST refresh period in hybrid / poll mode.");
ABSL_FLAG(double, rest_requests_per_second, 20,
          "REST request budget per venue (poll + reconcile).");
ABSL_FLAG(absl::Duration, mode_window, absl::Minutes(1), "Health window of the mode controller.");
ABSL_FLAG(absl::Duration, mode_recover_to_stream, absl::Minutes(2),
          "Healthy time before hybrid → stream.");
ABSL_FLAG(absl::Duration, mode_recover_to_hybrid, absl::Minutes(5),
          "Healthy time before poll → hybrid.");
ABSL_FLAG(absl::Duration, mode_min_dwell, absl::Seconds(30),
          "Minimum time in a degraded mode before any upgrade.");

ABSL_FLAG(std::string, capture_dir, "", "Record every raw venue frame here (empty = off).");
ABSL_FLAG(int64_t, capture_max_file_bytes, 256ll << 20, "Rotate capture files at this size.");

ABSL_FLAG(std::string, grpc_listen, "0.0.0.0:50051", "gRPC FeedShard address (port 0 = any).");
ABSL_FLAG(int32_t, ops_port, 9090, "Port of /metrics, /healthz, /readyz (0 = any).");
ABSL_FLAG(std::string, ops_address, "0.0.0.0", "Address of the ops HTTP server.");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "arbor-feed: a feed shard — venue WebSockets, validated order books, gRPC book streams.\n"
      "Usage: arbor-feed [--flag=value]...   (--help lists every flag)");
  // --help lists this file's flags (absl's default matches files named after the binary).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "services/feed/main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  const sigset_t stop_signals = arbor::BlockStopSignals();

  if (absl::Status s = arbor::SetLogLevel(absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    std::cerr << "arbor-feed: --log_level: " << s.message() << "\n";
    return 1;
  }

  arbor::feed::FeedShardFlags flags;
  flags.shard_index = absl::GetFlag(FLAGS_shard_index);
  flags.shard_count = absl::GetFlag(FLAGS_shard_count);
  flags.pod_name = absl::GetFlag(FLAGS_pod_name);
  flags.venues = absl::StrSplit(absl::GetFlag(FLAGS_venues), ',', absl::SkipEmpty());
  flags.polymarket_clob_url = absl::GetFlag(FLAGS_polymarket_clob_url);
  flags.polymarket_gamma_url = absl::GetFlag(FLAGS_polymarket_gamma_url);
  flags.polymarket_ws_url = absl::GetFlag(FLAGS_polymarket_ws_url);
  flags.kalshi_rest_url = absl::GetFlag(FLAGS_kalshi_rest_url);
  flags.kalshi_ws_url = absl::GetFlag(FLAGS_kalshi_ws_url);
  flags.kalshi_key_id = absl::GetFlag(FLAGS_kalshi_key_id);
  flags.kalshi_private_key_file = absl::GetFlag(FLAGS_kalshi_private_key_file);
  flags.ca_file = absl::GetFlag(FLAGS_ca_file);
  flags.verify_peer = absl::GetFlag(FLAGS_verify_peer);
  flags.min_liquidity = absl::GetFlag(FLAGS_min_liquidity);
  flags.include_tags = absl::GetFlag(FLAGS_include_tags);
  flags.exclude_tags = absl::GetFlag(FLAGS_exclude_tags);
  flags.include_ids = absl::GetFlag(FLAGS_include_ids);
  flags.exclude_ids = absl::GetFlag(FLAGS_exclude_ids);
  flags.max_instruments = absl::GetFlag(FLAGS_max_instruments);
  flags.catalog_refresh = absl::GetFlag(FLAGS_catalog_refresh);
  flags.tokens_per_connection = absl::GetFlag(FLAGS_tokens_per_connection);
  flags.ping_interval = absl::GetFlag(FLAGS_ping_interval);
  flags.stale_after = absl::GetFlag(FLAGS_stale_after);
  flags.reconcile_interval = absl::GetFlag(FLAGS_reconcile_interval);
  flags.reconcile_confirm_delay = absl::GetFlag(FLAGS_reconcile_confirm_delay);
  flags.poll_interval = absl::GetFlag(FLAGS_poll_interval);
  flags.rest_requests_per_second = absl::GetFlag(FLAGS_rest_requests_per_second);
  flags.mode_window = absl::GetFlag(FLAGS_mode_window);
  flags.mode_recover_to_stream = absl::GetFlag(FLAGS_mode_recover_to_stream);
  flags.mode_recover_to_hybrid = absl::GetFlag(FLAGS_mode_recover_to_hybrid);
  flags.mode_min_dwell = absl::GetFlag(FLAGS_mode_min_dwell);
  flags.capture_dir = absl::GetFlag(FLAGS_capture_dir);
  flags.capture_max_file_bytes = absl::GetFlag(FLAGS_capture_max_file_bytes);
  flags.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  flags.ops_port = absl::GetFlag(FLAGS_ops_port);
  flags.ops_address = absl::GetFlag(FLAGS_ops_address);

  absl::StatusOr<arbor::feed::FeedShardOptions> options = arbor::feed::OptionsFromFlags(flags);
  if (!options.ok()) {
    std::cerr << "arbor-feed: " << options.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::unique_ptr<arbor::feed::FeedShard>> shard =
      arbor::feed::FeedShard::Create(*std::move(options));
  if (!shard.ok()) {
    std::cerr << "arbor-feed: " << shard.status().message() << "\n";
    return 1;
  }
  if (absl::Status started = (*shard)->Start(); !started.ok()) {
    std::cerr << "arbor-feed: " << started.message() << "\n";
    return started.code() == absl::StatusCode::kUnavailable ? 2 : 1;
  }
  std::cout << (*shard)->ReadyLine() << std::endl;

  const int signal_number = arbor::WaitForStopSignal(stop_signals);
  ARBOR_LOG(kInfo, "feed", "stopping").Field("signal", signal_number);
  (*shard)->Stop();
  return 0;
}
