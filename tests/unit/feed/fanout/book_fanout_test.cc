#include "arbor/feed/book_fanout.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

using book::BookSide;
using book::Level;

Price P(int64_t cents) { return Price::FromMicros(cents * 10'000); }
Quantity Q(int64_t units) { return Quantity::FromUnits(units); }

InstrumentKey Key(std::string id, Venue venue = Venue::kPolymarket, std::string market = "",
                  std::string event = "") {
  return InstrumentKey{venue, InstrumentId(std::move(id)), std::move(market),
                       EventId(std::move(event))};
}

// A consumer's reconstruction of the books from the updates it pops; checks per-book sequence
// continuity as it goes.
class ConsumerView {
 public:
  void Apply(const FanoutUpdate& u) {
    switch (u.kind) {
      case UpdateKind::kEndOfInitialBurst:
        ++bursts_;
        return;
      case UpdateKind::kSnapshot: {
        Book& b = books_[u.key.instrument_id.value()];
        b.key = u.key;
        b.bids.clear();
        b.asks.clear();
        for (const Level& l : u.bids) b.bids[l.price.micros()] = l.size.micros();
        for (const Level& l : u.asks) b.asks[l.price.micros()] = l.size.micros();
        b.sequence = u.sequence;
        b.status = u.status;
        b.has_snapshot = true;
        ++snapshots_;
        return;
      }
      case UpdateKind::kDeltas: {
        Book& b = books_[u.key.instrument_id.value()];
        ASSERT_TRUE(b.has_snapshot) << "delta before snapshot for " << u.key.instrument_id;
        ASSERT_EQ(b.sequence + u.changes.size(), u.sequence) << u.key.instrument_id;
        for (const LevelChange& c : u.changes) {
          auto& side = c.side == BookSide::kBid ? b.bids : b.asks;
          if (c.total.IsZero()) {
            side.erase(c.price.micros());
          } else {
            side[c.price.micros()] = c.total.micros();
          }
        }
        b.sequence = u.sequence;
        return;
      }
      case UpdateKind::kStatus: {
        Book& b = books_[u.key.instrument_id.value()];
        ASSERT_TRUE(b.has_snapshot);
        ASSERT_EQ(b.sequence, u.sequence);
        b.status = u.status;
        return;
      }
      case UpdateKind::kTrade:
        trades_.push_back({u.key.instrument_id.value(), u.trade});
        return;
    }
  }
  const std::vector<std::pair<std::string, TradePrint>>& trades() const { return trades_; }

  // The view of one book in BookState form, or nullopt if never seen.
  std::optional<BookState> Get(const std::string& id) const {
    auto it = books_.find(id);
    if (it == books_.end()) return std::nullopt;
    const Book& b = it->second;
    BookState s{b.key, {}, {}, b.sequence, b.status};
    for (auto r = b.bids.rbegin(); r != b.bids.rend(); ++r) {
      s.bids.push_back(Level{Price::FromMicros(r->first), Quantity::FromMicros(r->second)});
    }
    for (const auto& [p, q] : b.asks) {
      s.asks.push_back(Level{Price::FromMicros(p), Quantity::FromMicros(q)});
    }
    return s;
  }
  size_t book_count() const { return books_.size(); }
  int bursts() const { return bursts_; }
  int snapshots() const { return snapshots_; }
  uint64_t sequence(const std::string& id) const {
    auto it = books_.find(id);
    return it == books_.end() ? 0 : it->second.sequence;
  }

 private:
  struct Book {
    InstrumentKey key;
    std::map<int64_t, int64_t> bids;
    std::map<int64_t, int64_t> asks;
    uint64_t sequence = 0;
    BookStatus status = BookStatus::kLive;
    bool has_snapshot = false;
  };
  std::map<std::string, Book> books_;
  int bursts_ = 0;
  int snapshots_ = 0;
  std::vector<std::pair<std::string, TradePrint>> trades_;
};

// Pops until DeadlineExceeded (zero timeout), applying everything to `view`.
int Drain(BookFanout& fanout, SubscriberId id, ConsumerView& view, FanoutUpdate& u) {
  int n = 0;
  while (true) {
    absl::Status s = fanout.Next(id, absl::ZeroDuration(), &u);
    if (absl::IsDeadlineExceeded(s)) return n;
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok()) return n;
    view.Apply(u);
    ++n;
  }
}

TEST(BookFilterTest, MatchesVenueAndIdLists) {
  const InstrumentKey k = Key("tok1", Venue::kKalshi, "mkt1", "ev1");
  struct Case {
    BookFilter filter;
    bool want;
  } cases[] = {
      {BookFilter{}, true},
      {BookFilter{{Venue::kKalshi}, {}, {}, {}}, true},
      {BookFilter{{Venue::kPolymarket}, {}, {}, {}}, false},
      {BookFilter{{}, {InstrumentId("tok1")}, {}, {}}, true},
      {BookFilter{{}, {InstrumentId("tok2")}, {}, {}}, false},
      {BookFilter{{}, {InstrumentId("tok2")}, {"mkt1"}, {}}, true},
      {BookFilter{{}, {}, {}, {EventId("ev1")}}, true},
      {BookFilter{{}, {}, {}, {EventId("ev2")}}, false},
      {BookFilter{{Venue::kPolymarket}, {InstrumentId("tok1")}, {}, {}}, false},
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    EXPECT_EQ(cases[i].filter.Matches(k), cases[i].want) << "case " << i;
  }
}

TEST(BookFanoutTest, InOrderDeltaDelivery) {
  BookFanout fanout;
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, 16);
  ASSERT_TRUE(id.ok()) << id.status();
  FanoutUpdate u;
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  EXPECT_EQ(u.kind, UpdateKind::kEndOfInitialBurst);
  EXPECT_TRUE(absl::IsDeadlineExceeded(fanout.Next(*id, absl::ZeroDuration(), &u)));

  ASSERT_TRUE(fanout.ApplySnapshot(Key("a"), {{P(40), Q(10)}}, {{P(60), Q(5)}}, 7).ok());
  const LevelChange d1[] = {{BookSide::kBid, P(41), Q(3)}};
  const LevelChange d2[] = {{BookSide::kAsk, P(60), Q(0)}, {BookSide::kAsk, P(59), Q(2)}};
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("a"), d1, 8).ok());
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("a"), d2, 10).ok());
  ASSERT_TRUE(fanout.SetStatus(InstrumentId("a"), BookStatus::kStale, "NoDataTimeout").ok());

  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  EXPECT_EQ(u.kind, UpdateKind::kSnapshot);
  EXPECT_EQ(u.reason, SnapshotReason::kVenueResync);
  EXPECT_EQ(u.sequence, 10u);  // taken at pop time: already includes d1 and d2
  EXPECT_THAT(u.bids, ::testing::ElementsAre(Level{P(41), Q(3)}, Level{P(40), Q(10)}));
  EXPECT_THAT(u.asks, ::testing::ElementsAre(Level{P(59), Q(2)}));
  // The deltas and the status change folded into the pending snapshot are not sent again.
  EXPECT_EQ(u.status, BookStatus::kStale);
  EXPECT_TRUE(absl::IsDeadlineExceeded(fanout.Next(*id, absl::ZeroDuration(), &u)));
  ASSERT_TRUE(fanout.SetStatus(InstrumentId("a"), BookStatus::kLive, "Recovered").ok());
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  EXPECT_EQ(u.kind, UpdateKind::kStatus);
  EXPECT_EQ(u.status, BookStatus::kLive);
  EXPECT_EQ(u.status_reason, "Recovered");
  EXPECT_EQ(u.sequence, 10u);

  const LevelChange d3[] = {{BookSide::kBid, P(40), Q(0)}};
  const LevelChange d4[] = {{BookSide::kBid, P(42), Q(1)}};
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("a"), d3, 11).ok());
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("a"), d4, 12).ok());
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  EXPECT_EQ(u.kind, UpdateKind::kDeltas);
  EXPECT_EQ(u.sequence, 11u);
  EXPECT_THAT(u.changes, ::testing::ElementsAre(d3[0]));
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  EXPECT_EQ(u.sequence, 12u);
  EXPECT_THAT(u.changes, ::testing::ElementsAre(d4[0]));
  EXPECT_TRUE(absl::IsDeadlineExceeded(fanout.Next(*id, absl::ZeroDuration(), &u)));
}

TEST(BookFanoutTest, RejectsBadProducerInputWithoutChangingTheBook) {
  BookFanout fanout;
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a"), {{P(40), Q(10)}}, {}, 5).ok());
  const LevelChange ok[] = {{BookSide::kBid, P(41), Q(3)}};
  const LevelChange bad_price[] = {{BookSide::kBid, P(100), Q(3)}};
  const LevelChange negative[] = {{BookSide::kBid, P(41), Q(-1)}};
  EXPECT_EQ(fanout.ApplyDelta(InstrumentId("a"), ok, 7).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(fanout.ApplyDelta(InstrumentId("zz"), ok, 6).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fanout.ApplyDelta(InstrumentId("a"), bad_price, 6).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fanout.ApplyDelta(InstrumentId("a"), negative, 6).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fanout.ApplyDelta(InstrumentId("a"), {}, 6).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fanout.ApplySnapshot(Key("a"), {{P(40), Q(1)}, {P(40), Q(2)}}, {}, 9).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fanout.ApplySnapshot(Key("a"), {}, {{P(50), Q(0)}}, 9).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fanout.SetStatus(InstrumentId("zz"), BookStatus::kStale, "X").code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<BookState> s = fanout.GetBook(InstrumentId("a"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->sequence, 5u);
  EXPECT_THAT(s->bids, ::testing::ElementsAre(Level{P(40), Q(10)}));
  EXPECT_EQ(fanout.Subscribe(BookFilter{}, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BookFanoutTest, SnapshotOfEveryMatchingBookOnSubscribeThenMarker) {
  BookFanout fanout;
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a", Venue::kKalshi), {{P(10), Q(1)}}, {}, 3).ok());
  ASSERT_TRUE(fanout.ApplySnapshot(Key("b", Venue::kPolymarket), {}, {{P(90), Q(2)}}, 4).ok());
  ASSERT_TRUE(fanout.ApplySnapshot(Key("c", Venue::kKalshi), {}, {}, 1).ok());
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{{Venue::kKalshi}, {}, {}, {}}, 4);
  ASSERT_TRUE(id.ok());
  FanoutUpdate u;
  std::vector<std::string> got;
  while (true) {
    ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
    if (u.kind == UpdateKind::kEndOfInitialBurst) break;
    ASSERT_EQ(u.kind, UpdateKind::kSnapshot);
    EXPECT_EQ(u.reason, SnapshotReason::kInitial);
    got.push_back(u.key.instrument_id.value());
    if (u.key.instrument_id.value() == "a") {
      EXPECT_EQ(u.sequence, 3u);
      EXPECT_THAT(u.bids, ::testing::ElementsAre(Level{P(10), Q(1)}));
    }
  }
  EXPECT_THAT(got, ::testing::ElementsAre("a", "c"));
  EXPECT_TRUE(absl::IsDeadlineExceeded(fanout.Next(*id, absl::ZeroDuration(), &u)));
  // Updates of a non-matching book never reach this subscriber.
  const LevelChange d[] = {{BookSide::kAsk, P(80), Q(1)}};
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("b"), d, 5).ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(fanout.Next(*id, absl::ZeroDuration(), &u)));
}

TEST(BookFanoutTest, MultipleSubscribersWithDifferentFilters) {
  BookFanout fanout;
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a", Venue::kKalshi, "m1", "e1"), {}, {}, 0).ok());
  ASSERT_TRUE(fanout.ApplySnapshot(Key("b", Venue::kKalshi, "m2", "e1"), {}, {}, 0).ok());
  ASSERT_TRUE(fanout.ApplySnapshot(Key("c", Venue::kPolymarket, "m3", "e2"), {}, {}, 0).ok());
  absl::StatusOr<SubscriberId> all = fanout.Subscribe(BookFilter{}, 64);
  absl::StatusOr<SubscriberId> e1 = fanout.Subscribe(BookFilter{{}, {}, {}, {EventId("e1")}}, 64);
  absl::StatusOr<SubscriberId> c =
      fanout.Subscribe(BookFilter{{}, {InstrumentId("c")}, {}, {}}, 64);
  ASSERT_TRUE(all.ok() && e1.ok() && c.ok());
  ConsumerView v_all, v_e1, v_c;
  FanoutUpdate u;
  for (int step = 1; step <= 20; ++step) {
    for (const char* id : {"a", "b", "c"}) {
      const LevelChange d[] = {{BookSide::kBid, P(step), Q(step)}};
      ASSERT_TRUE(fanout.ApplyDelta(InstrumentId(id), d, static_cast<uint64_t>(step)).ok());
    }
  }
  Drain(fanout, *all, v_all, u);
  Drain(fanout, *e1, v_e1, u);
  Drain(fanout, *c, v_c, u);
  EXPECT_EQ(v_all.book_count(), 3u);
  EXPECT_EQ(v_e1.book_count(), 2u);
  EXPECT_EQ(v_c.book_count(), 1u);
  EXPECT_FALSE(v_e1.Get("c").has_value());
  EXPECT_FALSE(v_c.Get("a").has_value());
  for (const char* id : {"a", "b", "c"}) {
    absl::StatusOr<BookState> want = fanout.GetBook(InstrumentId(id));
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(v_all.Get(id), *want) << id;
    EXPECT_EQ(want->bids.size(), 20u);
  }
  EXPECT_EQ(v_e1.Get("a"), *fanout.GetBook(InstrumentId("a")));
  EXPECT_EQ(v_c.Get("c"), *fanout.GetBook(InstrumentId("c")));
}

// Randomized model test: a slow consumer with a tiny queue. The queue never exceeds its bound,
// coalescing happens, and after draining the consumer's view equals the producer's books and an
// independent model of them.
TEST(BookFanoutTest, SlowConsumerIsCoalescedAndConvergesRandomized) {
  for (uint32_t seed : {1u, 7u, 42u, 2026u}) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    BookFanout fanout;
    constexpr int kBooks = 6;
    constexpr size_t kBound = 5;
    std::vector<uint64_t> seq(kBooks, 0);
    ConsumerView model;  // fed with the exact producer ops
    auto name = [](int b) { return "i" + std::to_string(b); };
    for (int b = 0; b < 3; ++b) {
      ASSERT_TRUE(fanout.ApplySnapshot(Key(name(b)), {}, {}, 0).ok());
      FanoutUpdate s;
      s.kind = UpdateKind::kSnapshot;
      s.key = Key(name(b));
      model.Apply(s);
    }
    absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, kBound);
    ASSERT_TRUE(id.ok());
    ConsumerView view;
    FanoutUpdate u;
    int created = 3;
    uint64_t max_coalesce = 0;
    for (int op = 0; op < 3000; ++op) {
      const int r = static_cast<int>(rng() % 100);
      if (r < 3 && created < kBooks) {
        ASSERT_TRUE(fanout.ApplySnapshot(Key(name(created)), {{P(20), Q(1)}}, {}, 100).ok());
        FanoutUpdate s;
        s.kind = UpdateKind::kSnapshot;
        s.key = Key(name(created));
        s.sequence = 100;
        s.bids = {{P(20), Q(1)}};
        model.Apply(s);
        seq[created] = 100;
        ++created;
      } else if (r < 6) {
        const int b = static_cast<int>(rng() % created);
        const BookStatus st = rng() % 2 ? BookStatus::kStale : BookStatus::kLive;
        ASSERT_TRUE(fanout.SetStatus(InstrumentId(name(b)), st, "Test").ok());
        FanoutUpdate s;
        s.kind = UpdateKind::kStatus;
        s.key = Key(name(b));
        s.sequence = seq[b];
        s.status = st;
        model.Apply(s);
      } else if (r < 85) {
        const int b = static_cast<int>(rng() % created);
        std::vector<LevelChange> changes(1 + rng() % 3);
        for (LevelChange& c : changes) {
          c.side = rng() % 2 ? BookSide::kBid : BookSide::kAsk;
          c.price = P(1 + static_cast<int64_t>(rng() % 20));
          c.total = Q(static_cast<int64_t>(rng() % 4));
        }
        seq[b] += changes.size();
        ASSERT_TRUE(fanout.ApplyDelta(InstrumentId(name(b)), changes, seq[b]).ok());
        FanoutUpdate d;
        d.kind = UpdateKind::kDeltas;
        d.key = Key(name(b));
        d.sequence = seq[b];
        d.changes = changes;
        model.Apply(d);
      } else {
        // The consumer pops a little, far slower than the producer.
        for (int k = 0, n = static_cast<int>(rng() % 3); k < n; ++k) {
          absl::Status s = fanout.Next(*id, absl::ZeroDuration(), &u);
          if (absl::IsDeadlineExceeded(s)) break;
          ASSERT_TRUE(s.ok()) << s;
          view.Apply(u);
        }
      }
      absl::StatusOr<SubscriberStats> st = fanout.Stats(*id);
      ASSERT_TRUE(st.ok());
      ASSERT_LE(st->queued, kBound);
      ASSERT_LE(st->pending_snapshots, static_cast<size_t>(created));
      max_coalesce = st->coalesce_events;
    }
    EXPECT_GT(max_coalesce, 0u) << "the test should overflow the queue";
    Drain(fanout, *id, view, u);
    EXPECT_EQ(view.bursts(), 1);
    EXPECT_EQ(view.book_count(), static_cast<size_t>(created));
    for (int b = 0; b < created; ++b) {
      absl::StatusOr<BookState> want = fanout.GetBook(InstrumentId(name(b)));
      ASSERT_TRUE(want.ok());
      EXPECT_EQ(view.Get(name(b)), *want) << name(b);
      EXPECT_EQ(model.Get(name(b)), *want) << name(b);
    }
  }
}

TEST(BookFanoutTest, UnsubscribeWakesBlockedNext) {
  BookFanout fanout;
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, 4);
  ASSERT_TRUE(id.ok());
  FanoutUpdate u;
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());  // end-of-burst marker
  absl::Status result;
  std::thread consumer([&] { result = fanout.Next(*id, absl::InfiniteDuration(), &u); });
  while (!fanout.IsWaiting(*id)) std::this_thread::yield();
  ASSERT_TRUE(fanout.Unsubscribe(*id).ok());
  consumer.join();
  EXPECT_EQ(result.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(fanout.Next(*id, absl::ZeroDuration(), &u).code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(fanout.Unsubscribe(*id).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fanout.Next(999, absl::ZeroDuration(), &u).code(), absl::StatusCode::kNotFound);
}

TEST(BookFanoutTest, BlockedNextWakesOnDelta) {
  BookFanout fanout;
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a"), {}, {}, 0).ok());
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, 4);
  ASSERT_TRUE(id.ok());
  ConsumerView view;
  FanoutUpdate u;
  Drain(fanout, *id, view, u);
  absl::Status result;
  FanoutUpdate got;
  std::thread consumer([&] { result = fanout.Next(*id, absl::InfiniteDuration(), &got); });
  while (!fanout.IsWaiting(*id)) std::this_thread::yield();
  const LevelChange d[] = {{BookSide::kBid, P(30), Q(2)}};
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("a"), d, 1).ok());
  consumer.join();
  ASSERT_TRUE(result.ok()) << result;
  EXPECT_EQ(got.kind, UpdateKind::kDeltas);
  EXPECT_EQ(got.sequence, 1u);
}

// Producer and consumer on two threads; the consumer blocks in Next until it has seen every
// book's final sequence. No sleeps: join and compare.
TEST(BookFanoutTest, ProducerConsumerStress) {
  constexpr int kBooks = 8;
  constexpr int kOps = 20000;
  BookFanout fanout;
  auto name = [](int b) { return "s" + std::to_string(b); };
  for (int b = 0; b < kBooks; ++b) {
    ASSERT_TRUE(fanout.ApplySnapshot(Key(name(b)), {}, {}, 0).ok());
  }
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, 8);
  ASSERT_TRUE(id.ok());
  // Final sequences are fixed in advance so the consumer knows when it is done.
  std::mt19937 plan_rng(99);
  std::vector<int> plan(kOps);
  std::vector<uint64_t> final_seq(kBooks, 0);
  for (int& b : plan) {
    b = static_cast<int>(plan_rng() % kBooks);
    ++final_seq[b];
  }
  std::thread producer([&] {
    std::mt19937 rng(5);
    std::vector<uint64_t> seq(kBooks, 0);
    for (int b : plan) {
      const LevelChange c[] = {{rng() % 2 ? BookSide::kBid : BookSide::kAsk,
                                P(1 + static_cast<int64_t>(rng() % 50)),
                                Q(static_cast<int64_t>(rng() % 3))}};
      EXPECT_TRUE(fanout.ApplyDelta(InstrumentId(name(b)), c, ++seq[b]).ok());
    }
  });
  ConsumerView view;
  absl::Status consumer_status;
  std::thread consumer([&] {
    FanoutUpdate u;
    auto done = [&] {
      for (int b = 0; b < kBooks; ++b) {
        if (view.sequence(name(b)) != final_seq[b]) return false;
      }
      return view.bursts() == 1;
    };
    while (!done()) {
      consumer_status = fanout.Next(*id, absl::InfiniteDuration(), &u);
      if (!consumer_status.ok()) return;
      view.Apply(u);
    }
  });
  producer.join();
  consumer.join();
  ASSERT_TRUE(consumer_status.ok()) << consumer_status;
  for (int b = 0; b < kBooks; ++b) {
    absl::StatusOr<BookState> want = fanout.GetBook(InstrumentId(name(b)));
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(want->sequence, final_seq[b]);
    EXPECT_EQ(view.Get(name(b)), *want) << name(b);
  }
  absl::StatusOr<SubscriberStats> st = fanout.Stats(*id);
  ASSERT_TRUE(st.ok());
  EXPECT_LE(st->queued, 8u);
}

TEST(BookFanoutTest, SnapshotsAndDeltasCarryTheirEventTimes) {
  BookFanout fanout;
  const EventTimes t1{
      .event_unix_nanos = 1'000, .receipt_unix_nanos = 2'000, .receipt_mono_nanos = 3'000};
  const EventTimes t2{
      .event_unix_nanos = 4'000, .receipt_unix_nanos = 5'000, .receipt_mono_nanos = 6'000};
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a"), {{P(40), Q(1)}}, {}, 1, BookStatus::kLive, t1).ok());
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, 8);
  ASSERT_TRUE(id.ok());
  FanoutUpdate u;
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  ASSERT_EQ(u.kind, UpdateKind::kSnapshot);
  EXPECT_EQ(u.times, t1);
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());  // end of burst
  const LevelChange d[] = {{BookSide::kBid, P(41), Q(2)}};
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("a"), d, 2, t2).ok());
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  ASSERT_EQ(u.kind, UpdateKind::kDeltas);
  EXPECT_EQ(u.times, t2);
  // The book keeps the newest data's times: a later snapshot of it (GetBook, a new
  // subscriber's INITIAL snapshot) carries t2.
  absl::StatusOr<BookState> book = fanout.GetBook(InstrumentId("a"));
  ASSERT_TRUE(book.ok());
  EXPECT_EQ(book->times, t2);
  absl::StatusOr<SubscriberId> late = fanout.Subscribe(BookFilter{}, 8);
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE(fanout.Next(*late, absl::ZeroDuration(), &u).ok());
  ASSERT_EQ(u.kind, UpdateKind::kSnapshot);
  EXPECT_EQ(u.times, t2);
}

TEST(BookFanoutTest, TradesGoOnlyToMatchingSubscribersThatAskedForThem) {
  BookFanout fanout;
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a", Venue::kPolymarket, "m1", "e1"), {}, {}, 0).ok());
  absl::StatusOr<SubscriberId> books_only = fanout.Subscribe(BookFilter{}, 8);
  absl::StatusOr<SubscriberId> all = fanout.Subscribe(BookFilter{}, 8, /*include_trades=*/true);
  absl::StatusOr<SubscriberId> other_event =
      fanout.Subscribe(BookFilter{{}, {}, {}, {EventId("e2")}}, 8, true);
  absl::StatusOr<SubscriberId> kalshi_event =
      fanout.Subscribe(BookFilter{{Venue::kKalshi}, {}, {}, {}}, 8, true);
  ASSERT_TRUE(books_only.ok() && all.ok() && other_event.ok() && kalshi_event.ok());
  ConsumerView v_books, v_all, v_other, v_kalshi;
  FanoutUpdate u;
  Drain(fanout, *books_only, v_books, u);
  Drain(fanout, *all, v_all, u);
  Drain(fanout, *other_event, v_other, u);
  Drain(fanout, *kalshi_event, v_kalshi, u);

  TradePrint t{.price = P(42),
               .size = Q(5),
               .aggressor = TradeSide::kSell,
               .venue_trade_id = "",
               .times = {.event_unix_nanos = 7, .receipt_unix_nanos = 8, .receipt_mono_nanos = 9}};
  ASSERT_TRUE(fanout.PublishTrade(Key("a", Venue::kPolymarket, "m1", "e1"), t).ok());
  // A trade of an instrument without a book is filtered by the key it comes with.
  TradePrint k = t;
  k.venue_trade_id = "tid-1";
  k.aggressor = TradeSide::kBuy;
  ASSERT_TRUE(fanout.PublishTrade(Key("K:YES", Venue::kKalshi, "K", "KE"), k).ok());

  EXPECT_EQ(Drain(fanout, *books_only, v_books, u), 0);
  EXPECT_EQ(Drain(fanout, *all, v_all, u), 2);
  EXPECT_EQ(Drain(fanout, *other_event, v_other, u), 0);
  EXPECT_EQ(Drain(fanout, *kalshi_event, v_kalshi, u), 1);
  ASSERT_EQ(v_all.trades().size(), 2u);
  EXPECT_EQ(v_all.trades()[0].first, "a");
  EXPECT_EQ(v_all.trades()[0].second, t);
  EXPECT_EQ(v_all.trades()[1].first, "K:YES");
  EXPECT_EQ(v_all.trades()[1].second, k);
  ASSERT_EQ(v_kalshi.trades().size(), 1u);
  EXPECT_EQ(v_kalshi.trades()[0].second.venue_trade_id, "tid-1");

  TradePrint bad = t;
  bad.price = Price::Zero();
  EXPECT_EQ(fanout.PublishTrade(Key("a"), bad).code(), absl::StatusCode::kInvalidArgument);
  bad = t;
  bad.size = Quantity::Zero();
  EXPECT_EQ(fanout.PublishTrade(Key("a"), bad).code(), absl::StatusCode::kInvalidArgument);
}

TEST(BookFanoutTest, SlowSubscriberDropsTradesAndCountsThemWhileBooksCoalesce) {
  BookFanout fanout;
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a"), {}, {}, 0).ok());
  ASSERT_TRUE(fanout.ApplySnapshot(Key("K:YES", Venue::kKalshi), {}, {}, 0).ok());
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, 3, true);
  ASSERT_TRUE(id.ok());
  ConsumerView view;
  FanoutUpdate u;
  Drain(fanout, *id, view, u);
  const TradePrint t{.price = P(50), .size = Q(1)};
  // Fill the queue (3) with trades, then two more trades: both dropped, queue unchanged.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(fanout.PublishTrade(Key("a"), t).ok());
  absl::StatusOr<SubscriberStats> st = fanout.Stats(*id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->queued, 3u);
  EXPECT_EQ(st->dropped_trades, 2u);
  EXPECT_EQ(st->dropped_trades_by_venue[0], 2u);
  EXPECT_EQ(st->coalesce_events, 0u) << "a dropped trade does not coalesce the books";
  // A delta on a full queue coalesces: the queued trades are dropped (counted), the book
  // becomes a snapshot.
  const LevelChange d[] = {{BookSide::kBid, P(30), Q(2)}};
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("K:YES"), d, 1).ok());
  st = fanout.Stats(*id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->queued, 0u);
  EXPECT_EQ(st->dropped_trades, 5u);
  EXPECT_EQ(st->coalesce_events, 1u);
  EXPECT_EQ(Drain(fanout, *id, view, u), 1);  // the coalesced snapshot
  EXPECT_TRUE(view.trades().empty());
  EXPECT_EQ(view.sequence("K:YES"), 1u);
  // A kalshi trade dropped on a full queue is counted under Kalshi.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(fanout.PublishTrade(Key("K:YES", Venue::kKalshi), t).ok());
  }
  st = fanout.Stats(*id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->dropped_trades_by_venue[1], 1u);
  EXPECT_EQ(st->dropped_trades, 6u);
}

TEST(BookFanoutTest, AResyncSnapshotKeepsQueuedTradesInOrder) {
  BookFanout fanout;
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a"), {}, {}, 0).ok());
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, 8, true);
  ASSERT_TRUE(id.ok());
  ConsumerView view;
  FanoutUpdate u;
  Drain(fanout, *id, view, u);
  const LevelChange d[] = {{BookSide::kBid, P(30), Q(2)}};
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("a"), d, 1).ok());
  ASSERT_TRUE(fanout.PublishTrade(Key("a"), TradePrint{.price = P(30), .size = Q(1)}).ok());
  // The venue resends the book: the queued delta is superseded, the trade is not.
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a"), {{P(31), Q(1)}}, {}, 5).ok());
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  EXPECT_EQ(u.kind, UpdateKind::kSnapshot);
  EXPECT_EQ(u.sequence, 5u);
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  EXPECT_EQ(u.kind, UpdateKind::kTrade);
  EXPECT_EQ(u.key.instrument_id, InstrumentId("a"));
  EXPECT_EQ(u.trade.price, P(30));
  absl::StatusOr<SubscriberStats> st = fanout.Stats(*id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->dropped_trades, 0u);
}

TEST(BookFanoutTest, AResolutionTravelsWithTheClosedStatusAndStaysWithTheBook) {
  BookFanout fanout;
  ASSERT_TRUE(fanout.ApplySnapshot(Key("yes"), {{P(40), Q(1)}}, {{P(42), Q(1)}}, 1).ok());
  ASSERT_TRUE(fanout.ApplySnapshot(Key("other"), {{P(30), Q(1)}}, {}, 1).ok());
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, 8);
  ASSERT_TRUE(id.ok());
  FanoutUpdate u;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  ASSERT_EQ(u.kind, UpdateKind::kEndOfInitialBurst);

  // Bad settlements change nothing.
  EXPECT_EQ(fanout.SetStatus(InstrumentId("yes"), BookStatus::kLive, "x", 1'000'000).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fanout.SetStatus(InstrumentId("yes"), BookStatus::kClosed, "x", 1'000'001).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fanout.SetStatus(InstrumentId("yes"), BookStatus::kClosed, "x", -1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::IsDeadlineExceeded(fanout.Next(*id, absl::ZeroDuration(), &u)));

  ASSERT_TRUE(
      fanout.SetStatus(InstrumentId("yes"), BookStatus::kClosed, "MarketResolved", 1'000'000).ok());
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  ASSERT_EQ(u.kind, UpdateKind::kStatus);
  EXPECT_EQ(u.status, BookStatus::kClosed);
  EXPECT_EQ(u.settlement_price_micros, 1'000'000);
  // The next update of another book does not inherit it (one FanoutUpdate is reused).
  const LevelChange d[] = {{BookSide::kBid, P(31), Q(2)}};
  ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("other"), d, 2).ok());
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  ASSERT_EQ(u.kind, UpdateKind::kDeltas);
  EXPECT_FALSE(u.settlement_price_micros.has_value());
  // A plain status change carries none either.
  ASSERT_TRUE(fanout.SetStatus(InstrumentId("other"), BookStatus::kStale, "NoDataTimeout").ok());
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  EXPECT_FALSE(u.settlement_price_micros.has_value());

  // It stays with the book: GetBook and a later subscriber's initial snapshot carry it.
  EXPECT_EQ(fanout.GetBook(InstrumentId("yes"))->settlement_price_micros, 1'000'000);
  EXPECT_FALSE(fanout.GetBook(InstrumentId("other"))->settlement_price_micros.has_value());
  absl::StatusOr<SubscriberId> late = fanout.Subscribe(BookFilter{}, 8);
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE(fanout.Next(*late, absl::ZeroDuration(), &u).ok());
  ASSERT_EQ(u.kind, UpdateKind::kSnapshot);
  ASSERT_EQ(u.key.instrument_id.value(), "yes");
  EXPECT_EQ(u.status, BookStatus::kClosed);
  EXPECT_EQ(u.settlement_price_micros, 1'000'000);

  // A fresh snapshot (the market listed again) is a new, unresolved book.
  ASSERT_TRUE(fanout.ApplySnapshot(Key("yes"), {{P(40), Q(1)}}, {}, 5).ok());
  EXPECT_FALSE(fanout.GetBook(InstrumentId("yes"))->settlement_price_micros.has_value());
}

TEST(BookFanoutTest, ACoalescedSubscriberStillLearnsTheResolution) {
  BookFanout fanout;
  ASSERT_TRUE(fanout.ApplySnapshot(Key("a"), {{P(40), Q(1)}}, {}, 1).ok());
  absl::StatusOr<SubscriberId> id = fanout.Subscribe(BookFilter{}, 2);
  ASSERT_TRUE(id.ok());
  FanoutUpdate u;
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());
  ASSERT_TRUE(fanout.Next(*id, absl::ZeroDuration(), &u).ok());  // end of burst
  // Overflow the queue of 2, then resolve: the status item is coalesced into a snapshot.
  for (uint64_t s = 2; s <= 5; ++s) {
    const LevelChange d[] = {{BookSide::kBid, P(40), Q(static_cast<int64_t>(s))}};
    ASSERT_TRUE(fanout.ApplyDelta(InstrumentId("a"), d, s).ok());
  }
  ASSERT_TRUE(fanout.SetStatus(InstrumentId("a"), BookStatus::kClosed, "MarketResolved", 0).ok());
  bool saw = false;
  while (fanout.Next(*id, absl::ZeroDuration(), &u).ok()) {
    if (u.kind == UpdateKind::kSnapshot || u.kind == UpdateKind::kStatus) {
      saw = saw || u.settlement_price_micros == 0;
    }
  }
  EXPECT_TRUE(saw) << "the resolution must survive coalescing";
}

}  // namespace
}  // namespace arbor::feed
