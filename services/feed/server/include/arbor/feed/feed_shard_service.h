// File: arbor/feed/feed_shard_service.h
//
// FeedShardService: the gRPC arbor.v1.FeedShard service of a feed shard (issue 4 item 5), a
// synchronous grpc::Service. It serves books out of a BookFanout (StreamBooks, GetBook), the
// catalog out of the current Universe (ListInstruments, ListMarkets), health out of a
// FeedHealthSource the feed implements (GetHealth), and stores the operator's FeedPolicy
// (ApplyFeedPolicy).
//
// Usage (the feed binary):
//   feed::FeedShardService service(&fanout, options);
//   service.SetHealthSource(&feed_health);            // optional; see FeedHealthSource
//   service.SetMetrics(&feed_metrics);                // optional
//   service.SetPolicyListener([&](const v1::FeedPolicy& p, const v1::PolicyRef& r) { ... });
//   service.SetUniverse(universe);                    // again after every catalog refresh
//   grpc::ServerBuilder builder; builder.RegisterService(&service); ...
//   ...
//   service.BeginShutdown();                          // streams end with UNAVAILABLE
//   server->Shutdown(deadline);
//
// StreamBooks contract (see feed_service.proto and docs/feed_server.md):
//   * INVALID_ARGUMENT (with the reason) for: empty subscriber_id; a venue in the filter that is
//     not a known Venue value (VENUE_UNSPECIFIED in filter.venues means "all venues"); an
//     instrument id without a known venue or without a symbol; an empty market or event id;
//     a negative heartbeat_interval_nanos.
//   * Then one BookSnapshot (reason INITIAL) per matching book, one StreamHeartbeat with
//     initial_snapshot_complete = true, then BookDeltas / BookStatusUpdate / snapshots (reason
//     VENUE_RESYNC for a venue resync or a book created later, COALESCED when this subscriber
//     fell behind). Sequences continue by +1 per instrument; each BookDeltas group carries
//     BOOK_DELTA_FLAG_LAST on its last delta only. A StreamHeartbeat follows every idle
//     heartbeat interval (request value, else options.default_heartbeat_interval).
//   * Snapshots are truncated to max_depth levels per side (truncated = true when cut); deltas
//     are never filtered by depth.
//   * The subscriber's fan-out queue holds the applied FeedPolicy's subscriber_queue_limit
//     items, else options.default_queue_limit.
//   * Ends with CANCELLED when the client cancels (noticed within options.cancel_poll_interval),
//     UNAVAILABLE after BeginShutdown, INTERNAL if the fan-out fails. The fan-out subscription
//     is always removed on exit.
//   * include_trades = true adds Trade messages (public prints of matching instruments),
//     ordered with the book data of the same venue frame. Trades are never coalesced: when the
//     subscriber's queue is full they are dropped and counted
//     (arbor_feed_dropped_trades_total{venue}, SubscriberStats::dropped_trades).
//   * BookSnapshot / BookDelta / Trade carry ts_event_unix_nanos (venue time; 0 when the venue
//     sent none) and ts_receipt_unix_nanos (when the feed received the frame or REST response).
//   * arbor_feed_publish_latency_seconds{venue} is observed per subscriber write (just before
//     Write) from the update's receipt (monotonic) time, for deltas, trades and VENUE_RESYNC
//     snapshots (INITIAL / COALESCED snapshots carry old data by design). The service clock
//     (options.clock) must be the clock the connections stamp receipts with.
//
// Threading: every RPC runs on a gRPC sync-server thread; each StreamBooks occupies one thread
// for its lifetime (size the server's thread pool / ResourceQuota for the expected number of
// subscribers). All members are thread-safe. The health source and policy listener are called
// on RPC threads without service locks held.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/ids.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/feed_metrics.h"
#include "arbor/feed/feed_mode.h"
#include "arbor/feed/universe.h"
#include "arbor/v1/feed_service.grpc.pb.h"

namespace arbor::feed {

// Health of one venue as the feed reports it (maps to arbor.v1.VenueFeedHealth).
struct VenueHealthReport {
  Venue venue = Venue::kPolymarket;
  FeedMode mode = FeedMode::kStream;
  // Stable CamelCase reason for the current mode (ModeReasonName); empty in stream mode.
  std::string mode_reason;
  absl::Time mode_since = absl::UnixEpoch();
  uint32_t connections_open = 0;
  uint32_t connections_desired = 0;
  uint32_t instruments = 0;
  uint32_t books_live = 0;
  uint32_t books_stale = 0;
  uint32_t books_quarantined = 0;
  uint64_t reconnects_total = 0;
  uint64_t gaps_total = 0;
  uint64_t divergences_total = 0;
  uint64_t messages_total = 0;
  // Age of the newest venue message on any connection at report time.
  absl::Duration last_message_age = absl::ZeroDuration();
};

// One named readiness/liveness check (maps to arbor.v1.HealthCheck).
struct HealthCheckReport {
  std::string name;  // stable CamelCase, e.g. "BooksSnapshotted"
  bool ok = false;
  std::string message;
  absl::Time since = absl::UnixEpoch();
};

struct FeedHealthReport {
  // The process loops make progress.
  bool live = true;
  // Every assigned book has a trusted snapshot (the /readyz condition).
  bool ready = false;
  std::vector<HealthCheckReport> checks;
  std::vector<VenueHealthReport> venues;
};

// Implemented by the feed (the lead's wiring); called from GetHealth on an RPC thread, so it
// must be thread-safe and cheap.
class FeedHealthSource {
 public:
  virtual ~FeedHealthSource() = default;
  virtual FeedHealthReport GetFeedHealth() const = 0;
};

struct FeedShardServiceOptions {
  // Fan-out queue bound per subscriber when no FeedPolicy sets subscriber_queue_limit.
  size_t default_queue_limit = 4096;
  // Heartbeat interval when the request leaves it 0.
  absl::Duration default_heartbeat_interval = absl::Seconds(1);
  // Requests asking for less get this (protects the server from 1 ns heartbeats).
  absl::Duration min_heartbeat_interval = absl::Milliseconds(10);
  // How often a stream with nothing to send checks for client cancellation / shutdown.
  absl::Duration cancel_poll_interval = absl::Milliseconds(100);
  // How often a stream publishes its queue depth to FeedMetrics.
  absl::Duration metrics_interval = absl::Seconds(1);
  // BookSnapshot.book_epoch / FeedHealth.book_epoch; 0 = the service's construction time (ns).
  uint64_t book_epoch = 0;
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  // ComponentHealth identity.
  std::string instance;
  std::string version;
  arbor::v1::RunMode run_mode = arbor::v1::RUN_MODE_UNSPECIFIED;
  // Clock for timestamps (heartbeats, health, policy). Must outlive the service.
  const Clock* clock = nullptr;  // nullptr = SystemClock
  // Policy reported by GetHealth until the operator pushes one.
  std::optional<arbor::v1::FeedPolicy> default_policy;  // nullopt = DefaultFeedPolicy()
};

// The feed's default acquisition policy (matches FeedModePolicy's defaults and a 4096-item
// subscriber queue).
arbor::v1::FeedPolicy DefaultFeedPolicy();

// FeeScheduleOf
//
// The arbor.v1.FeeSchedule of `instrument`'s market (ListMarkets' Market.fee_schedule), in the
// form arbor::lanes::FeesFromProto reads back:
//   fees_enabled == false            -> fees_enabled false (+ the Polymarket schedule if given);
//   true with a Polymarket schedule  -> fees_enabled true, polymarket {rate_micros, exponent,
//                                       rebate_rate_micros, taker_only} exactly as Gamma gave it;
//   unknown (nullopt, or true without a schedule: every Kalshi market today)
//                                    -> fees_enabled true and no venue schedule, so the scanner
//                                       reports a fee problem and does not trade the market.
// effective_unix_nanos stays 0 (the catalog does not say when a schedule took effect).
arbor::v1::FeeSchedule FeeScheduleOf(const Instrument& instrument);

// Validates a FeedPolicy: known preferred_mode, non-negative durations, assets per connection
// <= 500. Returns InvalidArgument naming the field.
[[nodiscard]] absl::Status ValidateFeedPolicy(const arbor::v1::FeedPolicy& policy);

class FeedShardService final : public arbor::v1::FeedShard::Service {
 public:
  // `fanout` must outlive the service.
  FeedShardService(BookFanout* fanout, FeedShardServiceOptions options);
  ~FeedShardService() override;

  // Replaces the universe served by ListInstruments / ListMarkets (nullptr = empty).
  void SetUniverse(std::shared_ptr<const Universe> universe);
  std::shared_ptr<const Universe> universe() const;

  // Optional collaborators; set before serving (or at any time: they are read under a lock).
  void SetHealthSource(const FeedHealthSource* source);
  void SetMetrics(FeedMetrics* metrics);
  // Called after ApplyFeedPolicy changed the policy (not for no-op repeats).
  void SetPolicyListener(
      std::function<void(const arbor::v1::FeedPolicy&, const arbor::v1::PolicyRef&)> listener);

  // The policy in force and its ref (unset ref = default policy).
  arbor::v1::FeedPolicy CurrentPolicy() const;
  std::optional<arbor::v1::PolicyRef> CurrentPolicyRef() const;

  // BeginShutdown
  //
  // Makes every current and future StreamBooks end with UNAVAILABLE promptly (their fan-out
  // subscriptions are removed) and every new StreamBooks fail with UNAVAILABLE. Call before
  // grpc::Server::Shutdown, which waits for streams to finish. Idempotent.
  void BeginShutdown();

  // Active StreamBooks streams.
  size_t active_subscribers() const;
  // Per active stream: the request's subscriber_id and its fan-out counters.
  struct SubscriberInfo {
    std::string subscriber_id;
    SubscriberId fanout_id = 0;
    SubscriberStats stats;
  };
  std::vector<SubscriberInfo> Subscribers() const;
  // COALESCED snapshots sent, all streams, since start.
  uint64_t coalesced_snapshots_total() const;
  uint64_t book_epoch() const { return epoch_; }

  // ---- arbor.v1.FeedShard ----
  grpc::Status StreamBooks(grpc::ServerContext* context,
                           const arbor::v1::StreamBooksRequest* request,
                           grpc::ServerWriter<arbor::v1::BookUpdate>* writer) override;
  grpc::Status GetBook(grpc::ServerContext* context, const arbor::v1::GetBookRequest* request,
                       arbor::v1::GetBookResponse* response) override;
  grpc::Status ListInstruments(grpc::ServerContext* context,
                               const arbor::v1::ListInstrumentsRequest* request,
                               arbor::v1::ListInstrumentsResponse* response) override;
  grpc::Status ListMarkets(grpc::ServerContext* context,
                           const arbor::v1::ListMarketsRequest* request,
                           arbor::v1::ListMarketsResponse* response) override;
  grpc::Status GetHealth(grpc::ServerContext* context,
                         const arbor::v1::GetFeedHealthRequest* request,
                         arbor::v1::GetFeedHealthResponse* response) override;
  grpc::Status ApplyFeedPolicy(grpc::ServerContext* context,
                               const arbor::v1::ApplyFeedPolicyRequest* request,
                               arbor::v1::ApplyFeedPolicyResponse* response) override;

 private:
  struct Stream {
    std::string subscriber_id;
  };

  absl::Time Now() const { return clock_->Now(); }
  size_t QueueLimit() const;
  FeedMetrics* metrics() const;

  BookFanout* const fanout_;
  const FeedShardServiceOptions options_;
  const Clock* const clock_;
  const absl::Time started_;
  const uint64_t epoch_;

  mutable std::mutex mu_;
  std::shared_ptr<const Universe> universe_;
  const FeedHealthSource* health_source_ = nullptr;
  FeedMetrics* metrics_ = nullptr;
  std::function<void(const arbor::v1::FeedPolicy&, const arbor::v1::PolicyRef&)> policy_listener_;
  arbor::v1::FeedPolicy policy_;
  std::optional<arbor::v1::PolicyRef> policy_ref_;
  absl::Time policy_applied_ = absl::UnixEpoch();
  bool shutting_down_ = false;
  absl::flat_hash_map<SubscriberId, Stream> streams_;

  std::atomic<uint64_t> coalesced_total_{0};
  std::array<std::atomic<uint64_t>, 2> coalesced_by_venue_{};
};

}  // namespace arbor::feed
