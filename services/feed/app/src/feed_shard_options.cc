// OptionsFromFlags: flag validation of arbor-feed, kept apart from the wiring so it is unit
// tested without sockets.
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/feed/feed_shard.h"

namespace arbor::feed {
namespace {

absl::StatusOr<net::Url> Url(const std::string& flag, const std::string& value) {
  absl::StatusOr<net::Url> url = net::ParseUrl(value);
  if (!url.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", url.status().message()));
  }
  return url;
}

absl::Status Positive(const char* flag, absl::Duration d) {
  if (d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be positive"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FeedShardOptions> OptionsFromFlags(const FeedShardFlags& flags) {
  FeedShardOptions o;
  int64_t index = flags.shard_index;
  if (index < 0) {
    if (flags.pod_name.empty()) {
      index = 0;
    } else {
      absl::StatusOr<uint32_t> ordinal = ShardIndexFromPodName(flags.pod_name);
      if (!ordinal.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("--pod_name: ", ordinal.status().message()));
      }
      index = *ordinal;
    }
  }
  absl::StatusOr<ShardSelection> shard = SelectShard(index, flags.shard_count);
  if (!shard.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shard_index/--shard_count: ", shard.status().message()));
  }
  o.shard = *shard;

  o.polymarket = false;
  o.kalshi = false;
  for (const std::string& v : flags.venues) {
    if (v == "polymarket") {
      o.polymarket = true;
    } else if (v == "kalshi") {
      o.kalshi = true;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--venues: unknown venue '", v, "' (polymarket, kalshi)"));
    }
  }
  if (!o.polymarket && !o.kalshi) {
    return absl::InvalidArgumentError("--venues: at least one venue is required");
  }
  if (o.polymarket) {
    ARBOR_ASSIGN_OR_RETURN(o.polymarket_clob,
                           Url("polymarket_clob_url", flags.polymarket_clob_url));
    ARBOR_ASSIGN_OR_RETURN(o.polymarket_gamma,
                           Url("polymarket_gamma_url", flags.polymarket_gamma_url));
    ARBOR_ASSIGN_OR_RETURN(o.polymarket_ws, Url("polymarket_ws_url", flags.polymarket_ws_url));
  }
  if (o.kalshi) {
    ARBOR_ASSIGN_OR_RETURN(o.kalshi_rest, Url("kalshi_rest_url", flags.kalshi_rest_url));
    ARBOR_ASSIGN_OR_RETURN(o.kalshi_ws, Url("kalshi_ws_url", flags.kalshi_ws_url));
    if (flags.kalshi_key_id.empty() || flags.kalshi_private_key_file.empty()) {
      return absl::InvalidArgumentError(
          "--kalshi_key_id and --kalshi_private_key_file are required when Kalshi is on "
          "(--venues)");
    }
    o.kalshi_key_id = flags.kalshi_key_id;
    o.kalshi_private_key_file = flags.kalshi_private_key_file;
  }
  o.http.ca_file = flags.ca_file;
  o.http.verify_peer = flags.verify_peer;
  o.ws.ca_file = flags.ca_file;
  o.ws.verify_peer = flags.verify_peer;

  if (!(flags.min_liquidity >= 0) || !std::isfinite(flags.min_liquidity)) {
    return absl::InvalidArgumentError("--min_liquidity must be a non-negative number");
  }
  o.filter.min_liquidity =
      Money::FromMicros(static_cast<int64_t>(std::llround(flags.min_liquidity * 1e6)));
  o.filter.include_tags = flags.include_tags;
  o.filter.exclude_tags = flags.exclude_tags;
  o.filter.include_ids = flags.include_ids;
  o.filter.exclude_ids = flags.exclude_ids;
  if (flags.max_instruments < 0) {
    return absl::InvalidArgumentError("--max_instruments must be >= 0");
  }
  o.max_instruments = static_cast<size_t>(flags.max_instruments);
  ARBOR_RETURN_IF_ERROR(Positive("catalog_refresh", flags.catalog_refresh));
  o.catalog_refresh = flags.catalog_refresh;

  if (flags.tokens_per_connection < 1 || flags.tokens_per_connection > 500) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tokens_per_connection must be in [1, 500], got ", flags.tokens_per_connection));
  }
  o.tokens_per_connection = flags.tokens_per_connection;
  ARBOR_RETURN_IF_ERROR(Positive("ping_interval", flags.ping_interval));
  ARBOR_RETURN_IF_ERROR(Positive("stale_after", flags.stale_after));
  ARBOR_RETURN_IF_ERROR(Positive("reconcile_interval", flags.reconcile_interval));
  ARBOR_RETURN_IF_ERROR(Positive("reconcile_confirm_delay", flags.reconcile_confirm_delay));
  ARBOR_RETURN_IF_ERROR(Positive("poll_interval", flags.poll_interval));
  o.ping_interval = flags.ping_interval;
  o.stale_after = flags.stale_after;
  o.reconcile_interval = flags.reconcile_interval;
  o.reconcile_confirm_delay = flags.reconcile_confirm_delay;
  o.poll_interval = flags.poll_interval;
  if (!(flags.rest_requests_per_second > 0)) {
    return absl::InvalidArgumentError("--rest_requests_per_second must be positive");
  }
  o.rest_requests_per_second = flags.rest_requests_per_second;

  o.mode.window = flags.mode_window;
  // The window's ring needs buckets that divide it exactly: 60 when possible, else whole seconds.
  const int64_t window_ns = absl::ToInt64Nanoseconds(flags.mode_window);
  if (window_ns > 0 && window_ns % 60 != 0) {
    const int64_t seconds = window_ns / 1'000'000'000;
    o.mode.bucket_count = window_ns % 1'000'000'000 == 0 && seconds >= 1 && seconds <= 3600
                              ? static_cast<int>(seconds)
                              : 1;
  }
  o.mode.recover_to_stream = flags.mode_recover_to_stream;
  o.mode.recover_to_hybrid = flags.mode_recover_to_hybrid;
  o.mode.min_dwell = flags.mode_min_dwell;
  // Staleness degrades the venue only well after the watchdog has had its chance to reconnect.
  o.mode.stale_to_hybrid = flags.stale_after * 2;
  o.mode.stale_to_poll = flags.stale_after * 4;
  if (absl::Status valid = ValidateFeedModePolicy(o.mode); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--mode_*: ", valid.message()));
  }

  o.capture_dir = flags.capture_dir;
  if (flags.capture_max_file_bytes < 4096) {
    return absl::InvalidArgumentError("--capture_max_file_bytes must be at least 4096");
  }
  o.capture_max_file_bytes = flags.capture_max_file_bytes;
  if (flags.grpc_listen.empty()) return absl::InvalidArgumentError("--grpc_listen is empty");
  o.grpc_listen = flags.grpc_listen;
  if (flags.ops_port < 0 || flags.ops_port > 65535) {
    return absl::InvalidArgumentError("--ops_port must be in [0, 65535]");
  }
  o.ops_port = flags.ops_port;
  o.ops_address = flags.ops_address;
  return o;
}

}  // namespace arbor::feed
