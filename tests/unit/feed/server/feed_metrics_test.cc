#include "arbor/feed/feed_metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace arbor::feed {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Render(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(FeedMetrics, SnapshotPublishesCountersAndGauges) {
  prometheus::Registry registry;
  FeedMetrics metrics(registry);
  VenueMetricsSnapshot s;
  s.venue = Venue::kKalshi;
  s.frames_by_type = {{"orderbook_delta", 120}, {"orderbook_snapshot", 4}};
  s.events_by_type = {{"delta", 118}};
  s.reconnects_total = 3;
  s.gaps_total = 2;
  s.mode = FeedMode::kHybrid;
  s.connections_open = 1;
  s.connections_desired = 1;
  s.books_live = 10;
  s.books_quarantined = 2;
  s.last_message_age = absl::Milliseconds(1500);
  metrics.SetFromSnapshot(s);
  std::string text = Render(registry);
  EXPECT_THAT(text,
              HasSubstr("arbor_feed_frames_total{type=\"orderbook_delta\",venue=\"kalshi\"} 120"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_events_total{type=\"delta\",venue=\"kalshi\"} 118"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_reconnects_total{venue=\"kalshi\"} 3"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_mode{venue=\"kalshi\"} 2"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_quarantined_books{venue=\"kalshi\"} 2"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_books{state=\"live\",venue=\"kalshi\"} 10"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_last_message_age_seconds{venue=\"kalshi\"} 1.5"));

  // Totals are monotonic: a later snapshot advances the counter to the new total; a smaller
  // total (e.g. a component restarted its count) never moves it backwards.
  s.frames_by_type = {{"orderbook_delta", 150}};
  s.reconnects_total = 1;
  s.mode = FeedMode::kStream;
  metrics.SetFromSnapshot(s);
  text = Render(registry);
  EXPECT_THAT(text,
              HasSubstr("arbor_feed_frames_total{type=\"orderbook_delta\",venue=\"kalshi\"} 150"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_reconnects_total{venue=\"kalshi\"} 3"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_mode{venue=\"kalshi\"} 1"));
}

TEST(FeedMetrics, LatencyHistogramBucketsInSeconds) {
  prometheus::Registry registry;
  FeedMetrics metrics(registry);
  metrics.ObserveLatency(Venue::kPolymarket, 20'000);         // 20 us
  metrics.ObserveLatency(Venue::kPolymarket, 3'000'000);      // 3 ms
  metrics.ObserveLatency(Venue::kPolymarket, 2'000'000'000);  // 2 s: +Inf only
  const std::string text = Render(registry);
  EXPECT_THAT(text, HasSubstr("arbor_feed_publish_latency_seconds_count{venue=\"polymarket\"} 3"));
  EXPECT_THAT(
      text,
      HasSubstr("arbor_feed_publish_latency_seconds_bucket{venue=\"polymarket\",le=\"1e-05\"} 0"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "arbor_feed_publish_latency_seconds_bucket{venue=\"polymarket\",le=\"2.5e-05\"} 1"));
  EXPECT_THAT(
      text,
      HasSubstr("arbor_feed_publish_latency_seconds_bucket{venue=\"polymarket\",le=\"0.005\"} 2"));
  EXPECT_THAT(
      text,
      HasSubstr("arbor_feed_publish_latency_seconds_bucket{venue=\"polymarket\",le=\"1\"} 2"));
  EXPECT_THAT(
      text,
      HasSubstr("arbor_feed_publish_latency_seconds_bucket{venue=\"polymarket\",le=\"+Inf\"} 3"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_publish_latency_seconds_count{venue=\"kalshi\"} 0"));
}

TEST(FeedMetrics, SubscriberQueueDepthSeriesComeAndGo) {
  prometheus::Registry registry;
  FeedMetrics metrics(registry);
  metrics.SetSubscribers(1);
  metrics.SetSubscriberQueueDepth("scanner-0", 17);
  std::string text = Render(registry);
  EXPECT_THAT(text, HasSubstr("arbor_feed_subscribers 1"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_subscriber_queue_depth{subscriber=\"scanner-0\"} 17"));
  metrics.RemoveSubscriber("scanner-0");
  metrics.SetSubscribers(0);
  text = Render(registry);
  EXPECT_THAT(text, Not(HasSubstr("subscriber=\"scanner-0\"")));
  EXPECT_THAT(text, HasSubstr("arbor_feed_subscribers 0"));
}

TEST(FeedMetrics, DirectCounterHandlesAreShared) {
  prometheus::Registry registry;
  FeedMetrics metrics(registry);
  metrics.Frames(Venue::kPolymarket, "book").Increment(2);
  metrics.Frames(Venue::kPolymarket, "book").Increment(3);
  metrics.AddCoalescedSnapshots(Venue::kPolymarket, 4);
  const std::string text = Render(registry);
  EXPECT_THAT(text, HasSubstr("arbor_feed_frames_total{type=\"book\",venue=\"polymarket\"} 5"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_coalesced_snapshots_total{venue=\"polymarket\"} 4"));
}

TEST(FeedMetrics, DroppedTradesCountPerVenue) {
  prometheus::Registry registry;
  FeedMetrics metrics(registry);
  metrics.AddDroppedTrades(Venue::kKalshi, 3);
  metrics.AddDroppedTrades(Venue::kKalshi, 0);
  metrics.AddDroppedTrades(Venue::kPolymarket, 1);
  const std::string text = Render(registry);
  EXPECT_THAT(text, HasSubstr("arbor_feed_dropped_trades_total{venue=\"kalshi\"} 3"));
  EXPECT_THAT(text, HasSubstr("arbor_feed_dropped_trades_total{venue=\"polymarket\"} 1"));
}

}  // namespace
}  // namespace arbor::feed
