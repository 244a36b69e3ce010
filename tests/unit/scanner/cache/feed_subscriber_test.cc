// FeedSubscriber / ShardedBookSource over real loopback gRPC: two in-process feed shards
// (FeedShardService over BookFanout on 127.0.0.1), plus a scripted FeedShard for contract
// violations and stalls.
#include "arbor/scanner/feed_subscriber.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/feed_shard_service.h"
#include "arbor/scanner/book_cache.h"
#include "arbor/scanner/touch_queue.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

book::Level L(int64_t price_micros, int64_t size_micros) {
  return book::Level{Price::FromMicros(price_micros), Quantity::FromMicros(size_micros)};
}

feed::LevelChange Change(book::BookSide side, int64_t price_micros, int64_t total_micros) {
  return feed::LevelChange{.side = side,
                           .price = Price::FromMicros(price_micros),
                           .total = Quantity::FromMicros(total_micros)};
}

feed::InstrumentKey FeedKey(Venue venue, std::string id) {
  return feed::InstrumentKey{.venue = venue,
                             .instrument_id = InstrumentId(id),
                             .market_id = "m-" + id,
                             .event_id = EventId("e-" + id)};
}

BookKey Key(Venue venue, std::string id) {
  return BookKey{.venue = venue, .instrument = InstrumentId(std::move(id))};
}

// Starts a gRPC server for `service` on 127.0.0.1:`port` (0 = pick one); sets *port.
std::unique_ptr<grpc::Server> Serve(grpc::Service* service, int* port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", *port), grpc::InsecureServerCredentials(),
                           port);
  builder.RegisterService(service);
  return builder.BuildAndStart();
}

// One feed shard: a publisher (BookFanout) and its FeedShardService, restartable on its port.
class FeedShard {
 public:
  void Start(uint64_t epoch) {
    feed::FeedShardServiceOptions options;
    options.book_epoch = epoch;
    options.cancel_poll_interval = absl::Milliseconds(5);
    service_ = std::make_unique<feed::FeedShardService>(&fanout, options);
    server_ = Serve(service_.get(), &port_);
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }
  void Stop() {
    if (!service_) return;
    service_->BeginShutdown();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
    server_.reset();
    service_.reset();
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  feed::BookFanout fanout;

 private:
  int port_ = 0;
  std::unique_ptr<feed::FeedShardService> service_;
  std::unique_ptr<grpc::Server> server_;
};

FeedSubscriberOptions FastOptions() {
  FeedSubscriberOptions o;
  o.subscriber_id = "scanner-test";
  o.heartbeat_interval = absl::Milliseconds(20);
  o.backoff = net::BackoffOptions{.min = absl::Milliseconds(5),
                                  .max = absl::Milliseconds(100),
                                  .multiplier = 2.0,
                                  .jitter = net::Jitter::kFull};
  return o;
}

// Waits for `pred`, waking on every cache notification (and at least every 20 ms for state
// that is not a book change, such as a subscriber's connection flags).
template <typename Pred>
bool WaitUntil(TouchQueue& touched, Pred pred, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<BookKey> drained;
  while (!pred()) {
    if (absl::Now() >= deadline) return false;
    touched.WaitAndDrain(&drained, absl::Milliseconds(20));
  }
  return true;
}

// The cache's book equals the publisher's (levels and sequence) and is trusted.
bool Mirrors(const BookCache& cache, const FeedShard& shard, const BookKey& key) {
  BookViewPtr view = cache.Find(key);
  absl::StatusOr<feed::BookState> state = shard.fanout.GetBook(key.instrument);
  return view != nullptr && state.ok() && view->trusted && view->sequence == state->sequence &&
         view->bids == state->bids && view->asks == state->asks;
}

class ShardedBookSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(shard0_.fanout
                    .ApplySnapshot(FeedKey(Venue::kPolymarket, "tokA"),
                                   {L(400'000, 10'000'000), L(390'000, 5'000'000)},
                                   {L(420'000, 7'000'000)}, 10)
                    .ok());
    ASSERT_TRUE(shard1_.fanout
                    .ApplySnapshot(FeedKey(Venue::kKalshi, "KX-1:YES"), {L(550'000, 3'000'000)},
                                   {L(570'000, 4'000'000)}, 3)
                    .ok());
    shard0_.Start(/*epoch=*/1001);
    shard1_.Start(/*epoch=*/2002);
    cache_.AddListener(&touched_);
  }

  void TearDown() override {
    if (source_) source_->Stop();
    cache_.RemoveListener(&touched_);
    shard0_.Stop();
    shard1_.Stop();
  }

  void StartSource() {
    ShardedBookSourceOptions options;
    options.addresses = {shard0_.address(), shard1_.address()};
    options.subscriber = FastOptions();
    source_ = std::make_unique<ShardedBookSource>(&cache_, options);
    source_->Start();
  }

  FeedShard shard0_;
  FeedShard shard1_;
  BookCache cache_;
  TouchQueue touched_;
  std::unique_ptr<ShardedBookSource> source_;
  const BookKey a_ = Key(Venue::kPolymarket, "tokA");
  const BookKey k_ = Key(Venue::kKalshi, "KX-1:YES");
};

TEST_F(ShardedBookSourceTest, BooksArriveFromBothShardsAndFollowThePublishers) {
  StartSource();
  ASSERT_TRUE(WaitUntil(touched_, [&] {
    return source_->Health().ready() && Mirrors(cache_, shard0_, a_) &&
           Mirrors(cache_, shard1_, k_);
  }));
  EXPECT_EQ(cache_.Find(a_)->shard, 0u);
  EXPECT_EQ(cache_.Find(a_)->epoch, 1001u);
  EXPECT_EQ(cache_.Find(k_)->shard, 1u);
  EXPECT_EQ(cache_.Find(k_)->epoch, 2002u);
  EXPECT_TRUE(cache_.IsFresh(a_, absl::Seconds(30)));

  // Live deltas on both shards, including a two-change group.
  const feed::LevelChange group[] = {Change(book::BookSide::kBid, 410'000, 1'000'000),
                                     Change(book::BookSide::kAsk, 420'000, 0)};
  ASSERT_TRUE(shard0_.fanout.ApplyDelta(InstrumentId("tokA"), group, 12).ok());
  const feed::LevelChange one[] = {Change(book::BookSide::kAsk, 560'000, 2'000'000)};
  ASSERT_TRUE(shard1_.fanout.ApplyDelta(InstrumentId("KX-1:YES"), one, 4).ok());
  ASSERT_TRUE(
      shard1_.fanout.SetStatus(InstrumentId("KX-1:YES"), feed::BookStatus::kStale, "NoDataTimeout")
          .ok());
  ASSERT_TRUE(WaitUntil(touched_, [&] {
    BookViewPtr k = cache_.Find(k_);
    return Mirrors(cache_, shard0_, a_) && Mirrors(cache_, shard1_, k_) &&
           k->status == BookStatus::kStale;
  }));
  EXPECT_EQ(cache_.Find(a_)->sequence, 12u);
  EXPECT_EQ(cache_.Find(k_)->status_reason, "NoDataTimeout");

  BookSourceHealth health = source_->Health();
  EXPECT_EQ(health.shards, 2u);
  EXPECT_EQ(health.connected, 2u);
  EXPECT_EQ(health.synced, 2u);
  EXPECT_EQ(health.books.books, 2u);
  EXPECT_EQ(health.books.live, 1u);
  EXPECT_EQ(health.books.stale, 1u);
  EXPECT_EQ(health.books.untrusted, 0u);
  EXPECT_EQ(health.books.resnapshot_requests, 0u);
  for (const FeedSubscriberState& s : health.per_shard) EXPECT_EQ(s.streams, 1u);

  source_->Stop();
  EXPECT_FALSE(cache_.Find(a_)->trusted);  // nobody keeps it current any more
  EXPECT_FALSE(source_->Health().ready());
}

TEST_F(ShardedBookSourceTest, ShardRestartReconnectsAndResnapshots) {
  StartSource();
  ASSERT_TRUE(WaitUntil(touched_, [&] {
    return source_->Health().ready() && Mirrors(cache_, shard0_, a_) &&
           Mirrors(cache_, shard1_, k_);
  }));

  shard0_.Stop();
  ASSERT_TRUE(WaitUntil(touched_, [&] { return !cache_.Find(a_)->trusted; }));
  EXPECT_FALSE(cache_.IsFresh(a_, absl::Hours(1)));
  EXPECT_TRUE(cache_.Find(k_)->trusted);  // the other shard is unaffected

  // The publisher moves on while the server is down, and a book appears.
  const feed::LevelChange change[] = {Change(book::BookSide::kBid, 405'000, 2'000'000)};
  ASSERT_TRUE(shard0_.fanout.ApplyDelta(InstrumentId("tokA"), change, 11).ok());
  ASSERT_TRUE(
      shard0_.fanout
          .ApplySnapshot(FeedKey(Venue::kPolymarket, "tokB"), {L(100'000, 1'000'000)}, {}, 1)
          .ok());
  const BookKey b = Key(Venue::kPolymarket, "tokB");

  shard0_.Start(/*epoch=*/1003);  // same port, new incarnation
  ASSERT_TRUE(WaitUntil(touched_, [&] {
    BookViewPtr a = cache_.Find(a_);
    return source_->Health().ready() && a->epoch == 1003 && Mirrors(cache_, shard0_, a_) &&
           Mirrors(cache_, shard0_, b);
  }));
  EXPECT_EQ(cache_.Find(a_)->sequence, 11u);
  EXPECT_TRUE(cache_.IsFresh(a_, absl::Seconds(30)));
  // Deltas of the new incarnation continue its snapshot.
  const feed::LevelChange after[] = {Change(book::BookSide::kAsk, 430'000, 1'000'000)};
  ASSERT_TRUE(shard0_.fanout.ApplyDelta(InstrumentId("tokA"), after, 12).ok());
  ASSERT_TRUE(WaitUntil(
      touched_, [&] { return cache_.Find(a_)->sequence == 12 && Mirrors(cache_, shard0_, a_); }));

  BookSourceHealth health = source_->Health();
  EXPECT_GE(health.per_shard[0].streams, 2u);
  EXPECT_EQ(health.per_shard[1].streams, 1u);
  EXPECT_FALSE(health.per_shard[0].last_error.empty());  // why the first stream ended
  EXPECT_EQ(health.books.resnapshot_requests, 0u);
}

// A FeedShard whose first stream sends a sequence gap and whose second stream goes silent after
// its burst; later streams are well-formed and stay open until cancelled.
class ScriptedFeed final : public v1::FeedShard::Service {
 public:
  grpc::Status StreamBooks(grpc::ServerContext* context, const v1::StreamBooksRequest*,
                           grpc::ServerWriter<v1::BookUpdate>* writer) override {
    const int stream = streams_.fetch_add(1);
    writer->Write(Snapshot(10));
    v1::BookUpdate burst;
    burst.mutable_heartbeat()->set_initial_snapshot_complete(true);
    writer->Write(burst);
    if (stream == 0) {
      writer->Write(Delta(12));  // gap: 11 is missing
    } else if (stream >= 2) {
      writer->Write(Delta(11));
    }
    // Stay open (silent) until the client cancels; stream 1 relies on the stall watchdog.
    std::unique_lock<std::mutex> lock(mu_);
    while (!context->IsCancelled() && !shutdown_) {
      cv_.wait_for(lock, std::chrono::milliseconds(5));
    }
    return grpc::Status::OK;
  }
  void Shutdown() {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  int streams() const { return streams_.load(); }

 private:
  static v1::BookUpdate Snapshot(uint64_t sequence) {
    v1::BookUpdate u;
    v1::BookSnapshot* s = u.mutable_snapshot();
    s->mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
    s->mutable_instrument_id()->set_symbol("tok");
    s->set_sequence(sequence);
    s->set_book_epoch(5);
    s->set_status(v1::BOOK_STATUS_LIVE);
    v1::PriceLevel* bid = s->add_bids();
    bid->set_price_micros(500'000);
    bid->set_size_micros(1'000'000);
    return u;
  }
  static v1::BookUpdate Delta(uint64_t sequence) {
    v1::BookUpdate u;
    v1::BookDelta* d = u.mutable_deltas()->add_deltas();
    d->mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
    d->mutable_instrument_id()->set_symbol("tok");
    d->set_action(v1::BOOK_ACTION_SET);
    d->set_side(v1::BOOK_SIDE_ASK);
    d->set_price_micros(600'000);
    d->set_size_micros(2'000'000);
    d->set_sequence(sequence);
    d->set_flags(v1::BOOK_DELTA_FLAG_LAST);
    return u;
  }

  std::atomic<int> streams_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool shutdown_ = false;
};

TEST(FeedSubscriberTest, GapRestartsTheStreamAndStallIsDetected) {
  ScriptedFeed feed;
  int port = 0;
  std::unique_ptr<grpc::Server> server = Serve(&feed, &port);
  ASSERT_NE(server, nullptr);

  BookCache cache;
  TouchQueue touched;
  cache.AddListener(&touched);
  FeedSubscriberOptions options = FastOptions();
  options.address = absl::StrCat("127.0.0.1:", port);
  // Heartbeats never come from this server; the watchdog must notice stream 1's silence.
  options.stall_timeout = absl::Milliseconds(300);
  FeedSubscriber subscriber(&cache, /*shard=*/0, options);
  subscriber.Start();

  const BookKey tok = Key(Venue::kPolymarket, "tok");
  // Stream 0: gap -> restart. Stream 1: silent -> stall restart. Stream 2: delta 11 applied.
  ASSERT_TRUE(WaitUntil(touched, [&] {
    BookViewPtr v = cache.Find(tok);
    return v != nullptr && v->trusted && v->sequence == 11;
  }));
  FeedSubscriberState state = subscriber.State();
  EXPECT_EQ(state.resnapshot_restarts, 1u);
  EXPECT_GE(state.stalls, 1u);
  EXPECT_GE(state.streams, 3u);
  EXPECT_EQ(cache.Stats().resnapshot_requests, 1u);
  EXPECT_EQ(cache.Find(tok)->BestAsk(), L(600'000, 2'000'000));

  subscriber.Stop();
  EXPECT_FALSE(cache.Find(tok)->trusted);
  cache.RemoveListener(&touched);
  feed.Shutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
}

}  // namespace
}  // namespace arbor::scanner
