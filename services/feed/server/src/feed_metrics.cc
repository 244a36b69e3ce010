#include "arbor/feed/feed_metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::feed {
namespace {

constexpr std::array<Venue, 2> kAllVenues = {Venue::kPolymarket, Venue::kKalshi};

// Advances a monotonic counter to `total` (never backwards).
void AdvanceTo(prometheus::Counter& counter, uint64_t total) {
  const double target = static_cast<double>(total);
  const double current = counter.Value();
  if (target > current) counter.Increment(target - current);
}

std::string VenueLabel(Venue venue) { return std::string(VenueName(venue)); }

}  // namespace

const std::vector<double>& FeedMetrics::LatencyBuckets() {
  static const std::vector<double> kBuckets = {
      10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3,   2.5e-3,
      5e-3,  10e-3, 25e-3, 50e-3,  100e-3, 250e-3, 500e-3, 1.0,
  };
  return kBuckets;
}

FeedMetrics::FeedMetrics(prometheus::Registry& registry)
    : frames_(prometheus::BuildCounter()
                  .Name("arbor_feed_frames_total")
                  .Help("Venue frames received, by venue and message type.")
                  .Register(registry)),
      events_(prometheus::BuildCounter()
                  .Name("arbor_feed_events_total")
                  .Help("Book events applied, by venue and event type.")
                  .Register(registry)),
      decode_errors_(prometheus::BuildCounter()
                         .Name("arbor_feed_decode_errors_total")
                         .Help("Venue frames that failed to decode.")
                         .Register(registry)),
      reconnects_(prometheus::BuildCounter()
                      .Name("arbor_feed_reconnects_total")
                      .Help("Venue connection reconnects.")
                      .Register(registry)),
      gaps_(prometheus::BuildCounter()
                .Name("arbor_feed_gaps_total")
                .Help("Sequence gaps detected.")
                .Register(registry)),
      resyncs_(prometheus::BuildCounter()
                   .Name("arbor_feed_resyncs_total")
                   .Help("Books re-snapshotted because they could not be trusted.")
                   .Register(registry)),
      divergences_(prometheus::BuildCounter()
                       .Name("arbor_feed_divergences_total")
                       .Help("Books that differed from the REST snapshot on reconciliation.")
                       .Register(registry)),
      coalesced_(prometheus::BuildCounter()
                     .Name("arbor_feed_coalesced_snapshots_total")
                     .Help("Snapshots sent to slow StreamBooks subscribers instead of deltas.")
                     .Register(registry)),
      dropped_trades_(prometheus::BuildCounter()
                          .Name("arbor_feed_dropped_trades_total")
                          .Help("Trades dropped because a StreamBooks subscriber's queue was full.")
                          .Register(registry)),
      quarantined_(prometheus::BuildGauge()
                       .Name("arbor_feed_quarantined_books")
                       .Help("Books currently quarantined.")
                       .Register(registry)),
      books_(prometheus::BuildGauge()
                 .Name("arbor_feed_books")
                 .Help("Books by status (live, stale, quarantined, closed).")
                 .Register(registry)),
      mode_(prometheus::BuildGauge()
                .Name("arbor_feed_mode")
                .Help("Feed acquisition mode: 1 stream, 2 hybrid, 3 poll.")
                .Register(registry)),
      connections_open_(prometheus::BuildGauge()
                            .Name("arbor_feed_connections_open")
                            .Help("Venue WebSocket connections open.")
                            .Register(registry)),
      connections_desired_(prometheus::BuildGauge()
                               .Name("arbor_feed_connections_desired")
                               .Help("Venue WebSocket connections wanted.")
                               .Register(registry)),
      last_message_age_(prometheus::BuildGauge()
                            .Name("arbor_feed_last_message_age_seconds")
                            .Help("Age of the newest venue message on any connection.")
                            .Register(registry)),
      subscribers_family_(prometheus::BuildGauge()
                              .Name("arbor_feed_subscribers")
                              .Help("Active StreamBooks subscribers.")
                              .Register(registry)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("arbor_feed_subscriber_queue_depth")
                       .Help("Updates queued for one StreamBooks subscriber.")
                       .Register(registry)),
      latency_(prometheus::BuildHistogram()
                   .Name("arbor_feed_publish_latency_seconds")
                   .Help("Venue frame receipt to gRPC write latency, per subscriber write.")
                   .Register(registry)) {
  subscribers_ = &subscribers_family_.Add({});
  for (Venue venue : kAllVenues) {
    const prometheus::Labels labels = {{"venue", VenueLabel(venue)}};
    VenueHandles& h = venues_[Index(venue)];
    h.decode_errors = &decode_errors_.Add(labels);
    h.reconnects = &reconnects_.Add(labels);
    h.gaps = &gaps_.Add(labels);
    h.resyncs = &resyncs_.Add(labels);
    h.divergences = &divergences_.Add(labels);
    h.coalesced = &coalesced_.Add(labels);
    h.dropped_trades = &dropped_trades_.Add(labels);
    h.quarantined = &quarantined_.Add(labels);
    h.mode = &mode_.Add(labels);
    h.connections_open = &connections_open_.Add(labels);
    h.connections_desired = &connections_desired_.Add(labels);
    h.last_message_age = &last_message_age_.Add(labels);
    const char* states[] = {"live", "stale", "quarantined", "closed"};
    for (size_t i = 0; i < h.books.size(); ++i) {
      h.books[i] = &books_.Add({{"venue", VenueLabel(venue)}, {"state", states[i]}});
    }
    h.latency = &latency_.Add(labels, LatencyBuckets());
  }
}

prometheus::Counter& FeedMetrics::TypedCounter(prometheus::Family<prometheus::Counter>& family,
                                               Venue venue, std::string_view type) {
  // Requires mu_ held.
  std::string key =
      absl::StrCat(&family == &frames_ ? "f/" : "e/", Index(venue), "/", ToAbsl(type));
  auto it = typed_.find(key);
  if (it != typed_.end()) return *it->second;
  prometheus::Counter& counter =
      family.Add({{"venue", VenueLabel(venue)}, {"type", std::string(type)}});
  typed_.emplace(std::move(key), &counter);
  return counter;
}

prometheus::Counter& FeedMetrics::Frames(Venue venue, std::string_view type) {
  std::lock_guard<std::mutex> lock(mu_);
  return TypedCounter(frames_, venue, type);
}

prometheus::Counter& FeedMetrics::Events(Venue venue, std::string_view type) {
  std::lock_guard<std::mutex> lock(mu_);
  return TypedCounter(events_, venue, type);
}

void FeedMetrics::SetFromSnapshot(const VenueMetricsSnapshot& s) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [type, total] : s.frames_by_type) {
    AdvanceTo(TypedCounter(frames_, s.venue, type), total);
  }
  for (const auto& [type, total] : s.events_by_type) {
    AdvanceTo(TypedCounter(events_, s.venue, type), total);
  }
  VenueHandles& h = venues_[Index(s.venue)];
  AdvanceTo(*h.decode_errors, s.decode_errors_total);
  AdvanceTo(*h.reconnects, s.reconnects_total);
  AdvanceTo(*h.gaps, s.gaps_total);
  AdvanceTo(*h.resyncs, s.resyncs_total);
  AdvanceTo(*h.divergences, s.divergences_total);
  h.mode->Set(static_cast<double>(static_cast<int>(s.mode)));
  h.connections_open->Set(s.connections_open);
  h.connections_desired->Set(s.connections_desired);
  h.quarantined->Set(s.books_quarantined);
  h.books[0]->Set(s.books_live);
  h.books[1]->Set(s.books_stale);
  h.books[2]->Set(s.books_quarantined);
  h.books[3]->Set(s.books_closed);
  h.last_message_age->Set(absl::ToDoubleSeconds(s.last_message_age));
}

void FeedMetrics::ObserveLatency(Venue venue, int64_t nanos) {
  venues_[Index(venue)].latency->Observe(static_cast<double>(std::max<int64_t>(nanos, 0)) * 1e-9);
}

void FeedMetrics::SetSubscribers(size_t count) { subscribers_->Set(static_cast<double>(count)); }

void FeedMetrics::SetSubscriberQueueDepth(std::string_view subscriber, size_t depth) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key(subscriber);
  auto it = queue_depths_.find(key);
  if (it == queue_depths_.end()) {
    it = queue_depths_.emplace(key, &queue_depth_.Add({{"subscriber", key}})).first;
  }
  it->second->Set(static_cast<double>(depth));
}

void FeedMetrics::RemoveSubscriber(std::string_view subscriber) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = queue_depths_.find(std::string(subscriber));
  if (it == queue_depths_.end()) return;
  queue_depth_.Remove(it->second);
  queue_depths_.erase(it);
}

void FeedMetrics::AddDroppedTrades(Venue venue, uint64_t count) {
  if (count > 0) venues_[Index(venue)].dropped_trades->Increment(static_cast<double>(count));
}

void FeedMetrics::AddCoalescedSnapshots(Venue venue, uint64_t count) {
  if (count > 0) venues_[Index(venue)].coalesced->Increment(static_cast<double>(count));
}

}  // namespace arbor::feed
