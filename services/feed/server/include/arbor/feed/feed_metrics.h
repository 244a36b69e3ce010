// File: arbor/feed/feed_metrics.h
//
// FeedMetrics: the Prometheus metric families of a feed shard (issue 4 item 7), registered on a
// caller-owned prometheus::Registry (served by arbor::ops::OpsServer at /metrics).
//
//   arbor_feed_frames_total{venue,type}             counter  raw venue frames by message type
//   arbor_feed_events_total{venue,type}             counter  book events applied, by type
//   arbor_feed_decode_errors_total{venue}           counter
//   arbor_feed_reconnects_total{venue}              counter
//   arbor_feed_gaps_total{venue}                    counter  sequence gaps detected
//   arbor_feed_resyncs_total{venue}                 counter  books re-snapshotted
//   arbor_feed_divergences_total{venue}             counter  reconciliation divergences
//   arbor_feed_quarantined_books{venue}             gauge
//   arbor_feed_books{venue,state}                   gauge    state = live|stale|quarantined|closed
//   arbor_feed_mode{venue}                          gauge    1 stream, 2 hybrid, 3 poll
//   arbor_feed_connections_open{venue}              gauge
//   arbor_feed_connections_desired{venue}           gauge
//   arbor_feed_last_message_age_seconds{venue}      gauge
//   arbor_feed_subscribers                          gauge    active StreamBooks streams
//   arbor_feed_subscriber_queue_depth{subscriber}   gauge    items queued for one subscriber
//   arbor_feed_coalesced_snapshots_total{venue}     counter  COALESCED snapshots sent
//   arbor_feed_dropped_trades_total{venue}          counter  trades dropped for slow subscribers
//   arbor_feed_publish_latency_seconds{venue}       histogram venue frame receipt -> gRPC write
//                                                   (one observation per subscriber write),
//                                                   buckets 10 us .. 1 s
//
// "Per second" rates are PromQL's job (rate(arbor_feed_frames_total[1m])).
//
// The feed's own counters are plain integers kept by its threads; the lead's periodic loop
// publishes them with SetFromSnapshot (monotonic totals: the counter advances by the difference,
// a smaller total than already published is ignored). ObserveLatency is the hot-path call.
//
// Thread-safety: every member is thread-safe. Handles for the two venues are resolved in the
// constructor, so ObserveLatency and SetFromSnapshot never take a family mutex except for a
// frame/event `type` label seen for the first time and for new subscriber ids.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "arbor/core/ids.h"
#include "arbor/feed/feed_mode.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace arbor::feed {

// Point-in-time totals of one venue, as the feed's threads count them.
struct VenueMetricsSnapshot {
  Venue venue = Venue::kPolymarket;
  // Monotonic totals by message type ("book", "price_change", "orderbook_delta", ...).
  std::vector<std::pair<std::string, uint64_t>> frames_by_type;
  // Monotonic totals of applied book events by type ("snapshot", "delta", ...).
  std::vector<std::pair<std::string, uint64_t>> events_by_type;
  uint64_t decode_errors_total = 0;
  uint64_t reconnects_total = 0;
  uint64_t gaps_total = 0;
  uint64_t resyncs_total = 0;
  uint64_t divergences_total = 0;
  // Current values.
  FeedMode mode = FeedMode::kStream;
  uint32_t connections_open = 0;
  uint32_t connections_desired = 0;
  uint32_t books_live = 0;
  uint32_t books_stale = 0;
  uint32_t books_quarantined = 0;
  uint32_t books_closed = 0;
  absl::Duration last_message_age = absl::ZeroDuration();
};

class FeedMetrics {
 public:
  // Registers every family on `registry` (which must outlive this object). Registering two
  // FeedMetrics on one registry is a programming error (prometheus-cpp throws).
  explicit FeedMetrics(prometheus::Registry& registry);
  FeedMetrics(const FeedMetrics&) = delete;
  FeedMetrics& operator=(const FeedMetrics&) = delete;

  // Publishes one venue's snapshot (see the file comment for counter semantics).
  void SetFromSnapshot(const VenueMetricsSnapshot& snapshot);

  // Records one event-receipt -> publish latency. Negative values are clamped to 0.
  void ObserveLatency(Venue venue, int64_t nanos);

  // StreamBooks subscribers (called by FeedShardService).
  void SetSubscribers(size_t count);
  void SetSubscriberQueueDepth(std::string_view subscriber, size_t depth);
  // Removes the subscriber's queue-depth series (when its stream ends).
  void RemoveSubscriber(std::string_view subscriber);
  void AddCoalescedSnapshots(Venue venue, uint64_t count);
  void AddDroppedTrades(Venue venue, uint64_t count);

  // Direct access for callers that prefer incrementing in place.
  prometheus::Counter& Frames(Venue venue, std::string_view type);
  prometheus::Counter& Events(Venue venue, std::string_view type);

  // Bucket bounds of arbor_feed_publish_latency_seconds (seconds, 10 us .. 1 s).
  static const std::vector<double>& LatencyBuckets();

 private:
  struct VenueHandles {
    prometheus::Counter* decode_errors = nullptr;
    prometheus::Counter* reconnects = nullptr;
    prometheus::Counter* gaps = nullptr;
    prometheus::Counter* resyncs = nullptr;
    prometheus::Counter* divergences = nullptr;
    prometheus::Counter* coalesced = nullptr;
    prometheus::Counter* dropped_trades = nullptr;
    prometheus::Gauge* quarantined = nullptr;
    prometheus::Gauge* mode = nullptr;
    prometheus::Gauge* connections_open = nullptr;
    prometheus::Gauge* connections_desired = nullptr;
    prometheus::Gauge* last_message_age = nullptr;
    std::array<prometheus::Gauge*, 4> books{};  // live, stale, quarantined, closed
    prometheus::Histogram* latency = nullptr;
  };
  static constexpr int kVenues = 2;
  static size_t Index(Venue venue) { return venue == Venue::kKalshi ? 1 : 0; }
  prometheus::Counter& TypedCounter(prometheus::Family<prometheus::Counter>& family, Venue venue,
                                    std::string_view type);

  prometheus::Family<prometheus::Counter>& frames_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Counter>& decode_errors_;
  prometheus::Family<prometheus::Counter>& reconnects_;
  prometheus::Family<prometheus::Counter>& gaps_;
  prometheus::Family<prometheus::Counter>& resyncs_;
  prometheus::Family<prometheus::Counter>& divergences_;
  prometheus::Family<prometheus::Counter>& coalesced_;
  prometheus::Family<prometheus::Counter>& dropped_trades_;
  prometheus::Family<prometheus::Gauge>& quarantined_;
  prometheus::Family<prometheus::Gauge>& books_;
  prometheus::Family<prometheus::Gauge>& mode_;
  prometheus::Family<prometheus::Gauge>& connections_open_;
  prometheus::Family<prometheus::Gauge>& connections_desired_;
  prometheus::Family<prometheus::Gauge>& last_message_age_;
  prometheus::Family<prometheus::Gauge>& subscribers_family_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge* subscribers_ = nullptr;
  std::array<VenueHandles, kVenues> venues_;

  // Serialises SetFromSnapshot's read-compare-increment of counters and the label caches.
  std::mutex mu_;
  absl::flat_hash_map<std::string, prometheus::Counter*> typed_;  // "<family>/<venue>/<type>"
  absl::flat_hash_map<std::string, prometheus::Gauge*> queue_depths_;
};

}  // namespace arbor::feed
