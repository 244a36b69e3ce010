#include "arbor/scanner/book_cache.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/scanner/touch_queue.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr ShardId kShard = 0;
constexpr ShardId kOtherShard = 1;

BookKey Poly(std::string symbol) {
  return BookKey{.venue = Venue::kPolymarket, .instrument = InstrumentId(std::move(symbol))};
}

book::Level L(int64_t price_micros, int64_t size_micros) {
  return book::Level{Price::FromMicros(price_micros), Quantity::FromMicros(size_micros)};
}

v1::BookUpdate Snapshot(const BookKey& key, std::vector<book::Level> bids,
                        std::vector<book::Level> asks, uint64_t sequence, uint64_t epoch = 1,
                        v1::SnapshotReason reason = v1::SNAPSHOT_REASON_INITIAL,
                        v1::BookStatus status = v1::BOOK_STATUS_LIVE) {
  v1::BookUpdate u;
  v1::BookSnapshot* s = u.mutable_snapshot();
  *s->mutable_instrument_id() = key.ToProto();
  for (const book::Level& l : bids) {
    v1::PriceLevel* p = s->add_bids();
    p->set_price_micros(l.price.micros());
    p->set_size_micros(l.size.micros());
  }
  for (const book::Level& l : asks) {
    v1::PriceLevel* p = s->add_asks();
    p->set_price_micros(l.price.micros());
    p->set_size_micros(l.size.micros());
  }
  s->set_sequence(sequence);
  s->set_book_epoch(epoch);
  s->set_reason(reason);
  s->set_status(status);
  s->set_ts_event_unix_nanos(111);
  s->set_ts_receipt_unix_nanos(222);
  return u;
}

struct D {
  BookKey key;
  v1::BookAction action;
  v1::BookSide side;
  int64_t price;
  int64_t size;
  uint64_t sequence;
};

// One BookDeltas group; F_LAST on the last delta only.
v1::BookUpdate Group(const std::vector<D>& deltas) {
  v1::BookUpdate u;
  for (size_t i = 0; i < deltas.size(); ++i) {
    v1::BookDelta* d = u.mutable_deltas()->add_deltas();
    *d->mutable_instrument_id() = deltas[i].key.ToProto();
    d->set_action(deltas[i].action);
    d->set_side(deltas[i].side);
    d->set_price_micros(deltas[i].price);
    d->set_size_micros(deltas[i].size);
    d->set_sequence(deltas[i].sequence);
    d->set_ts_event_unix_nanos(1000 + static_cast<int64_t>(deltas[i].sequence));
    if (i + 1 == deltas.size()) d->set_flags(v1::BOOK_DELTA_FLAG_LAST);
  }
  return u;
}

v1::BookUpdate Set(const BookKey& key, v1::BookSide side, int64_t price, int64_t size,
                   uint64_t sequence) {
  return Group({{key, v1::BOOK_ACTION_SET, side, price, size, sequence}});
}

v1::BookUpdate Status(const BookKey& key, v1::BookStatus status, std::string reason) {
  v1::BookUpdate u;
  *u.mutable_status()->mutable_instrument_id() = key.ToProto();
  u.mutable_status()->set_status(status);
  u.mutable_status()->set_reason(std::move(reason));
  return u;
}

v1::BookUpdate Heartbeat(bool burst_complete = false) {
  v1::BookUpdate u;
  u.mutable_heartbeat()->set_initial_snapshot_complete(burst_complete);
  return u;
}

// Records every listener call.
class RecordingListener : public TouchListener {
 public:
  void OnBooksTouched(absl::Span<const BookKey> keys) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.emplace_back(keys.begin(), keys.end());
  }
  std::vector<std::vector<BookKey>> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<std::vector<BookKey>> calls_;
};

class BookCacheTest : public ::testing::Test {
 protected:
  BookCacheTest() : cache_(&clock_) {
    cache_.AddListener(&listener_);
    cache_.BeginStream(kShard);
  }
  ~BookCacheTest() override { cache_.RemoveListener(&listener_); }

  // A trusted book "A" at sequence 10: bids 0.40x10, 0.39x5; asks 0.42x7, 0.43x2.
  void SnapshotA() {
    ASSERT_TRUE(cache_
                    .Apply(kShard, Snapshot(a_, {L(400'000, 10), L(390'000, 5)},
                                            {L(420'000, 7), L(430'000, 2)}, 10))
                    .ok());
  }

  SimulatedClock clock_;
  BookCache cache_;
  RecordingListener listener_;
  const BookKey a_ = Poly("A");
  const BookKey b_ = Poly("B");
};

TEST_F(BookCacheTest, SnapshotCreatesTrustedBook) {
  SnapshotA();
  BookViewPtr v = cache_.Find(a_);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->key, a_);
  EXPECT_THAT(v->bids, ElementsAre(L(400'000, 10), L(390'000, 5)));
  EXPECT_THAT(v->asks, ElementsAre(L(420'000, 7), L(430'000, 2)));
  EXPECT_EQ(v->sequence, 10u);
  EXPECT_EQ(v->epoch, 1u);
  EXPECT_EQ(v->shard, kShard);
  EXPECT_EQ(v->ts_event_unix_nanos, 111);
  EXPECT_EQ(v->ts_receipt_unix_nanos, 222);
  EXPECT_EQ(v->updated_mono_nanos, clock_.MonotonicNanos());
  EXPECT_TRUE(v->trusted);
  EXPECT_TRUE(v->Tradeable());
  EXPECT_EQ(v->BestBid(), L(400'000, 10));
  EXPECT_EQ(v->BestAsk(), L(420'000, 7));
  EXPECT_THAT(listener_.calls(), ElementsAre(ElementsAre(a_)));
  EXPECT_EQ(cache_.Find(b_), nullptr);
}

TEST_F(BookCacheTest, DeltaSetDeleteAndClearKeepSidesBestFirst) {
  SnapshotA();
  ASSERT_TRUE(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_BID, 395'000, 3, 11)).ok());  // insert
  ASSERT_TRUE(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_ASK, 420'000, 9, 12)).ok());  // update
  ASSERT_TRUE(
      cache_.Apply(kShard, Group({{a_, v1::BOOK_ACTION_DELETE, v1::BOOK_SIDE_BID, 400'000, 0, 13}}))
          .ok());
  BookViewPtr v = cache_.Find(a_);
  EXPECT_THAT(v->bids, ElementsAre(L(395'000, 3), L(390'000, 5)));
  EXPECT_THAT(v->asks, ElementsAre(L(420'000, 9), L(430'000, 2)));
  EXPECT_EQ(v->sequence, 13u);
  EXPECT_EQ(v->ts_event_unix_nanos, 1013);

  ASSERT_TRUE(
      cache_.Apply(kShard, Group({{a_, v1::BOOK_ACTION_CLEAR, v1::BOOK_SIDE_ASK, 0, 0, 14}})).ok());
  EXPECT_TRUE(cache_.Find(a_)->asks.empty());
  EXPECT_EQ(cache_.Find(a_)->bids.size(), 2u);
  ASSERT_TRUE(
      cache_
          .Apply(kShard, Group({{a_, v1::BOOK_ACTION_CLEAR, v1::BOOK_SIDE_UNSPECIFIED, 0, 0, 15}}))
          .ok());
  EXPECT_TRUE(cache_.Find(a_)->bids.empty());
  EXPECT_TRUE(cache_.Find(a_)->trusted);
}

TEST_F(BookCacheTest, GroupIsPublishedWholeAndNotifiedOnce) {
  SnapshotA();
  ASSERT_TRUE(cache_.Apply(kShard, Snapshot(b_, {L(550'000, 1)}, {L(600'000, 1)}, 3)).ok());
  BookViewPtr old_a = cache_.Find(a_);
  listener_.clear();
  // One venue event touching both outcome tokens, A twice.
  ASSERT_TRUE(
      cache_
          .Apply(kShard, Group({{a_, v1::BOOK_ACTION_SET, v1::BOOK_SIDE_BID, 410'000, 1, 11},
                                {b_, v1::BOOK_ACTION_SET, v1::BOOK_SIDE_ASK, 590'000, 2, 4},
                                {a_, v1::BOOK_ACTION_SET, v1::BOOK_SIDE_BID, 410'000, 4, 12}}))
          .ok());
  EXPECT_THAT(listener_.calls(), ElementsAre(UnorderedElementsAre(a_, b_)));
  std::vector<BookViewPtr> both = cache_.FindAll({a_, b_, Poly("unknown")});
  ASSERT_EQ(both.size(), 3u);
  EXPECT_EQ(both[0]->sequence, 12u);
  EXPECT_EQ(both[0]->BestBid(), L(410'000, 4));
  EXPECT_EQ(both[1]->BestAsk(), L(590'000, 2));
  EXPECT_EQ(both[2], nullptr);
  // A view handed out earlier is immutable.
  EXPECT_EQ(old_a->sequence, 10u);
  EXPECT_EQ(old_a->BestBid(), L(400'000, 10));
  EXPECT_EQ(both[0]->version, old_a->version + 1);
  EXPECT_EQ(cache_.Stats().deltas, 3u);
}

TEST_F(BookCacheTest, SequenceGapUntrustsBookAndRequestsResnapshot) {
  SnapshotA();
  absl::Status s = cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_BID, 410'000, 1, 12));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("sequence gap"));
  BookViewPtr v = cache_.Find(a_);
  EXPECT_FALSE(v->trusted);
  EXPECT_FALSE(v->Tradeable());
  EXPECT_TRUE(v->bids.empty());
  EXPECT_TRUE(v->asks.empty());
  EXPECT_EQ(cache_.Stats().resnapshot_requests, 1u);
  EXPECT_EQ(cache_.Stats().untrusted, 1u);

  // Until the re-snapshot, further deltas are refused too.
  EXPECT_EQ(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_BID, 410'000, 1, 11)).code(),
            absl::StatusCode::kDataLoss);
  // The restarted stream re-snapshots: trusted again, sequence continues from the snapshot.
  cache_.EndStream(kShard);
  cache_.BeginStream(kShard);
  ASSERT_TRUE(cache_.Apply(kShard, Snapshot(a_, {L(400'000, 1)}, {}, 20)).ok());
  ASSERT_TRUE(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_ASK, 450'000, 1, 21)).ok());
  EXPECT_TRUE(cache_.Find(a_)->trusted);
  EXPECT_EQ(cache_.Find(a_)->sequence, 21u);
}

TEST_F(BookCacheTest, GapInsideGroupDropsTheWholeGroup) {
  SnapshotA();
  ASSERT_TRUE(cache_.Apply(kShard, Snapshot(b_, {L(550'000, 1)}, {}, 3)).ok());
  absl::Status s =
      cache_.Apply(kShard, Group({{a_, v1::BOOK_ACTION_SET, v1::BOOK_SIDE_BID, 410'000, 1, 11},
                                  {b_, v1::BOOK_ACTION_SET, v1::BOOK_SIDE_BID, 560'000, 1, 9}}));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  // A keeps its last consistent view (the half-applied group was never published).
  EXPECT_EQ(cache_.Find(a_)->sequence, 10u);
  EXPECT_TRUE(cache_.Find(a_)->trusted);
  EXPECT_FALSE(cache_.Find(b_)->trusted);
}

TEST_F(BookCacheTest, DeltaBeforeSnapshotRequestsResnapshot) {
  absl::Status s = cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_BID, 410'000, 1, 1));
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("before snapshot"));
  EXPECT_EQ(cache_.Find(a_), nullptr);
}

TEST_F(BookCacheTest, MalformedDeltaOrSnapshotRequestsResnapshot) {
  SnapshotA();
  EXPECT_EQ(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_BID, 1'000'000, 1, 11)).code(),
            absl::StatusCode::kDataLoss);  // price 1.0 is not inside (0, 1)
  EXPECT_FALSE(cache_.Find(a_)->trusted);
  // Bids not best-first.
  EXPECT_EQ(cache_.Apply(kShard, Snapshot(b_, {L(390'000, 1), L(400'000, 1)}, {}, 1)).code(),
            absl::StatusCode::kDataLoss);
  ASSERT_NE(cache_.Find(b_), nullptr);
  EXPECT_FALSE(cache_.Find(b_)->trusted);
  EXPECT_EQ(cache_.Stats().resnapshot_requests, 2u);
}

TEST_F(BookCacheTest, NewEpochStartsWithSnapshot) {
  ASSERT_TRUE(cache_.Apply(kShard, Snapshot(a_, {L(400'000, 1)}, {}, 50, /*epoch=*/1)).ok());
  // The shard restarted: new stream, new epoch, sequences restart low.
  cache_.EndStream(kShard);
  cache_.BeginStream(kShard);
  EXPECT_FALSE(cache_.Find(a_)->trusted);
  EXPECT_EQ(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_BID, 410'000, 1, 51)).code(),
            absl::StatusCode::kDataLoss);  // a delta continuing the OLD epoch is not enough
  ASSERT_TRUE(cache_.Apply(kShard, Snapshot(a_, {L(300'000, 2)}, {}, 3, /*epoch=*/2)).ok());
  ASSERT_TRUE(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_BID, 310'000, 1, 4)).ok());
  BookViewPtr v = cache_.Find(a_);
  EXPECT_TRUE(v->trusted);
  EXPECT_EQ(v->epoch, 2u);
  EXPECT_EQ(v->sequence, 4u);
  EXPECT_THAT(v->bids, ElementsAre(L(310'000, 1), L(300'000, 2)));
}

TEST_F(BookCacheTest, CoalescedSnapshotReplacesBookWithoutViolation) {
  SnapshotA();
  ASSERT_TRUE(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_BID, 410'000, 1, 11)).ok());
  // The subscriber fell behind: deltas 12..24 were coalesced into one snapshot at 24.
  ASSERT_TRUE(cache_
                  .Apply(kShard, Snapshot(a_, {L(380'000, 8)}, {L(440'000, 8)}, 24, 1,
                                          v1::SNAPSHOT_REASON_COALESCED))
                  .ok());
  ASSERT_TRUE(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_ASK, 450'000, 1, 25)).ok());
  BookViewPtr v = cache_.Find(a_);
  EXPECT_THAT(v->bids, ElementsAre(L(380'000, 8)));
  EXPECT_THAT(v->asks, ElementsAre(L(440'000, 8), L(450'000, 1)));
  BookCacheStats stats = cache_.Stats();
  EXPECT_EQ(stats.coalesced_snapshots, 1u);
  EXPECT_EQ(stats.snapshots, 2u);
  EXPECT_EQ(stats.resnapshot_requests, 0u);
  EXPECT_EQ(stats.minor_violations, 0u);
}

TEST_F(BookCacheTest, StatusUpdatesAndQuarantineExit) {
  SnapshotA();
  ASSERT_TRUE(cache_.Apply(kShard, Status(a_, v1::BOOK_STATUS_STALE, "NoDataTimeout")).ok());
  BookViewPtr v = cache_.Find(a_);
  EXPECT_EQ(v->status, BookStatus::kStale);
  EXPECT_EQ(v->status_reason, "NoDataTimeout");
  EXPECT_TRUE(v->trusted);
  EXPECT_FALSE(v->Tradeable());
  EXPECT_EQ(v->bids.size(), 2u);  // contents kept: last known book

  ASSERT_TRUE(cache_.Apply(kShard, Status(a_, v1::BOOK_STATUS_QUARANTINED, "CrossedBook")).ok());
  // Leaving quarantine needs a snapshot; a bare LIVE status is refused and counted.
  ASSERT_TRUE(cache_.Apply(kShard, Status(a_, v1::BOOK_STATUS_LIVE, "")).ok());
  EXPECT_EQ(cache_.Find(a_)->status, BookStatus::kQuarantined);
  EXPECT_EQ(cache_.Stats().minor_violations, 1u);
  EXPECT_EQ(cache_.Stats().quarantined, 1u);
  ASSERT_TRUE(
      cache_.Apply(kShard, Snapshot(a_, {L(400'000, 1)}, {}, 30, 1, v1::SNAPSHOT_REASON_RECOVERED))
          .ok());
  EXPECT_TRUE(cache_.Find(a_)->Tradeable());

  ASSERT_TRUE(cache_.Apply(kShard, Status(a_, v1::BOOK_STATUS_CLOSED, "Resolved")).ok());
  EXPECT_EQ(cache_.Find(a_)->status, BookStatus::kClosed);
  // Status about a book never snapshotted: counted, nothing created.
  ASSERT_TRUE(cache_.Apply(kShard, Status(b_, v1::BOOK_STATUS_STALE, "NoDataTimeout")).ok());
  EXPECT_EQ(cache_.Find(b_), nullptr);
  EXPECT_EQ(cache_.Stats().minor_violations, 2u);
  EXPECT_EQ(cache_.Stats().status_updates, 5u);
}

TEST_F(BookCacheTest, FreshnessFollowsShardLivenessOnAFakeClock) {
  SnapshotA();
  const absl::Duration max_age = absl::Seconds(5);
  EXPECT_TRUE(cache_.IsFresh(a_, max_age));
  clock_.Advance(absl::Seconds(4));
  EXPECT_TRUE(cache_.IsFresh(a_, max_age));
  EXPECT_EQ(cache_.ConfirmedAgeNanos(a_), absl::ToInt64Nanoseconds(absl::Seconds(4)));
  clock_.Advance(absl::Seconds(2));  // 6 s of silence from the shard
  EXPECT_FALSE(cache_.IsFresh(a_, max_age));
  // A heartbeat proves the stream (and so the shard's judgement LIVE) current again.
  ASSERT_TRUE(cache_.Apply(kShard, Heartbeat()).ok());
  EXPECT_TRUE(cache_.IsFresh(a_, max_age));
  EXPECT_EQ(cache_.ConfirmedAgeNanos(a_), 0) << "a quiet book on a live stream is current";
  EXPECT_EQ(cache_.Find(a_)->updated_mono_nanos + absl::ToInt64Nanoseconds(absl::Seconds(6)),
            clock_.MonotonicNanos());
  // The shard's own STALE verdict wins regardless of age.
  ASSERT_TRUE(cache_.Apply(kShard, Status(a_, v1::BOOK_STATUS_STALE, "NoDataTimeout")).ok());
  EXPECT_FALSE(cache_.IsFresh(a_, max_age));
  ASSERT_TRUE(cache_.Apply(kShard, Snapshot(a_, {L(400'000, 1)}, {}, 40)).ok());
  EXPECT_TRUE(cache_.IsFresh(a_, max_age));
  // A dropped stream makes every book of the shard unusable at once.
  cache_.EndStream(kShard);
  EXPECT_FALSE(cache_.IsFresh(a_, max_age));
  EXPECT_FALSE(cache_.IsFresh(b_, max_age));  // unknown
  EXPECT_FALSE(cache_.ConfirmedAgeNanos(a_).has_value());
  EXPECT_FALSE(cache_.ConfirmedAgeNanos(b_).has_value());
}

TEST_F(BookCacheTest, NewStreamRemovesBooksItNoLongerServes) {
  SnapshotA();
  ASSERT_TRUE(cache_.Apply(kShard, Snapshot(b_, {L(550'000, 1)}, {}, 3)).ok());
  ASSERT_TRUE(cache_.Apply(kShard, Heartbeat(/*burst_complete=*/true)).ok());
  EXPECT_TRUE(cache_.ShardSynced(kShard));
  cache_.EndStream(kShard);
  EXPECT_FALSE(cache_.ShardSynced(kShard));
  EXPECT_EQ(cache_.Stats().untrusted, 2u);
  cache_.BeginStream(kShard);
  ASSERT_TRUE(cache_.Apply(kShard, Snapshot(a_, {L(400'000, 1)}, {}, 11)).ok());
  listener_.clear();
  ASSERT_TRUE(cache_.Apply(kShard, Heartbeat(/*burst_complete=*/true)).ok());
  EXPECT_THAT(listener_.calls(), ElementsAre(ElementsAre(b_)));
  EXPECT_EQ(cache_.Find(b_), nullptr);
  EXPECT_TRUE(cache_.Find(a_)->trusted);
  EXPECT_EQ(cache_.Stats().removed_books, 1u);
  EXPECT_EQ(cache_.Stats().books, 1u);
}

TEST_F(BookCacheTest, PriceGridChangeUntrustsUntilTheFollowingSnapshot) {
  SnapshotA();
  v1::BookUpdate grid;
  grid.mutable_instrument()->set_kind(v1::INSTRUMENT_UPDATE_KIND_PRICE_GRID_CHANGED);
  *grid.mutable_instrument()->mutable_instrument()->mutable_instrument_id() = a_.ToProto();
  ASSERT_TRUE(cache_.Apply(kShard, grid).ok());
  EXPECT_FALSE(cache_.Find(a_)->trusted);
  ASSERT_TRUE(cache_
                  .Apply(kShard, Snapshot(a_, {L(400'500, 1)}, {}, 1, 1,
                                          v1::SNAPSHOT_REASON_PRICE_GRID_CHANGED))
                  .ok());
  EXPECT_TRUE(cache_.Find(a_)->trusted);
}

TEST_F(BookCacheTest, ResolutionsAreQueuedForTheLaneThread) {
  SnapshotA();
  v1::BookUpdate resolved;
  resolved.mutable_instrument()->set_kind(v1::INSTRUMENT_UPDATE_KIND_RESOLVED);
  *resolved.mutable_instrument()->mutable_instrument()->mutable_instrument_id() = a_.ToProto();
  resolved.mutable_instrument()->mutable_instrument()->set_settlement_price_micros(1'000'000);
  resolved.mutable_instrument()->set_ts_event_unix_nanos(77);
  ASSERT_TRUE(cache_.Apply(kShard, resolved).ok());
  // Without a settlement price it is malformed: counted, not queued.
  v1::BookUpdate bad = resolved;
  bad.mutable_instrument()->mutable_instrument()->clear_settlement_price_micros();
  ASSERT_TRUE(cache_.Apply(kShard, bad).ok());
  // Other instrument updates are not resolutions.
  v1::BookUpdate fees = resolved;
  fees.mutable_instrument()->set_kind(v1::INSTRUMENT_UPDATE_KIND_FEES_CHANGED);
  ASSERT_TRUE(cache_.Apply(kShard, fees).ok());

  std::vector<ResolvedInstrument> got = cache_.TakeResolutions();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, a_);
  EXPECT_EQ(got[0].settlement_price_micros, 1'000'000);
  EXPECT_EQ(got[0].ts_event_unix_nanos, 77);
  EXPECT_TRUE(cache_.TakeResolutions().empty());  // taken once
  const BookCacheStats st = cache_.Stats();
  EXPECT_EQ(st.resolutions, 1u);
  EXPECT_EQ(st.minor_violations, 1u);
  EXPECT_TRUE(cache_.Find(a_)->trusted);  // the book itself is closed by a status update
}

TEST_F(BookCacheTest, OwnershipMovesWithSnapshotsAndForeignDeltasAreIgnored) {
  SnapshotA();
  cache_.BeginStream(kOtherShard);
  // Resharding: the other shard now serves A.
  ASSERT_TRUE(cache_.Apply(kOtherShard, Snapshot(a_, {L(400'000, 1)}, {}, 100, 9)).ok());
  EXPECT_EQ(cache_.Find(a_)->shard, kOtherShard);
  // The old owner's late delta is ignored, not a gap.
  ASSERT_TRUE(cache_.Apply(kShard, Set(a_, v1::BOOK_SIDE_BID, 410'000, 1, 11)).ok());
  EXPECT_EQ(cache_.Stats().foreign_updates, 1u);
  EXPECT_EQ(cache_.Find(a_)->sequence, 100u);
  // Dropping the old owner's stream does not touch A.
  cache_.EndStream(kShard);
  EXPECT_TRUE(cache_.Find(a_)->trusted);
}

TEST_F(BookCacheTest, ViewSweepsUseOrderBookRounding) {
  SnapshotA();
  book::SweepResult buy = cache_.Find(a_)->SweepBuyQuantity(Quantity::FromMicros(8));
  EXPECT_TRUE(buy.complete);
  EXPECT_EQ(buy.filled, Quantity::FromMicros(8));
  EXPECT_EQ(buy.worst_price, Price::FromMicros(430'000));
  EXPECT_EQ(buy.levels_consumed, 2);
  book::SweepResult sell = cache_.Find(a_)->SweepSellQuantity(Quantity::FromMicros(20));
  EXPECT_FALSE(sell.complete);
  EXPECT_EQ(sell.filled, Quantity::FromMicros(15));
}

// Two shard writers and two lane readers at once (run under the tsan preset too). Each group
// sets a book's bid and ask size to the same n, so a reader that ever sees them differ saw half
// a group.
TEST(BookCacheConcurrencyTest, ReadersOnlySeeWholeGroupsWhileShardsApply) {
  constexpr uint64_t kGroups = 2000;
  BookCache cache;
  TouchQueue touched;
  cache.AddListener(&touched);
  const BookKey keys[] = {Poly("S0"), Poly("S1")};
  std::atomic<int> writers_done{0};
  std::atomic<uint64_t> torn{0};
  std::atomic<uint64_t> reads{0};

  auto writer = [&](ShardId shard) {
    cache.BeginStream(shard);
    const BookKey& key = keys[shard];
    EXPECT_TRUE(cache.Apply(shard, Snapshot(key, {L(400'000, 1)}, {L(600'000, 1)}, 0)).ok());
    for (uint64_t n = 1; n <= kGroups; ++n) {
      const int64_t size = static_cast<int64_t>(n) + 1;
      EXPECT_TRUE(
          cache
              .Apply(shard,
                     Group({{key, v1::BOOK_ACTION_SET, v1::BOOK_SIDE_BID, 400'000, size, 2 * n - 1},
                            {key, v1::BOOK_ACTION_SET, v1::BOOK_SIDE_ASK, 600'000, size, 2 * n}}))
              .ok());
    }
    writers_done.fetch_add(1);
  };
  auto reader = [&] {
    uint64_t last_version[2] = {0, 0};
    while (writers_done.load() < 2) {
      std::vector<BookViewPtr> views = cache.FindAll(keys);
      for (size_t i = 0; i < 2; ++i) {
        if (views[i] == nullptr) continue;
        ++reads;
        if (views[i]->bids.size() != 1 || views[i]->asks.size() != 1 ||
            views[i]->bids[0].size != views[i]->asks[0].size ||
            views[i]->version < last_version[i]) {
          ++torn;
        }
        last_version[i] = views[i]->version;
      }
      (void)cache.IsFresh(keys[0], absl::Seconds(1));
      (void)cache.Stats();
    }
  };
  std::vector<BookKey> drained;
  std::thread consumer([&] {
    while (writers_done.load() < 2) touched.WaitAndDrain(&drained, absl::Milliseconds(1));
  });
  std::thread r1(reader), r2(reader), w0(writer, 0), w1(writer, 1);
  w0.join();
  w1.join();
  r1.join();
  r2.join();
  consumer.join();
  cache.RemoveListener(&touched);
  EXPECT_EQ(torn.load(), 0u);
  for (const BookKey& key : keys) {
    BookViewPtr v = cache.Find(key);
    EXPECT_EQ(v->sequence, 2 * kGroups);
    EXPECT_EQ(v->BestBid(), L(400'000, kGroups + 1));
    EXPECT_EQ(v->version, kGroups + 1);
  }
  EXPECT_EQ(cache.Stats().deltas, 4 * kGroups);
}

TEST(TouchQueueTest, CoalescesPendingKeysInFirstTouchedOrder) {
  TouchQueue q;
  const BookKey a = Poly("A");
  const BookKey b = Poly("B");
  const BookKey k = BookKey{.venue = Venue::kKalshi, .instrument = InstrumentId("A")};
  const BookKey first[] = {a, b};
  const BookKey second[] = {b, k, a};
  q.OnBooksTouched(first);
  q.OnBooksTouched(second);
  EXPECT_EQ(q.pending(), 3u);
  std::vector<BookKey> out;
  EXPECT_TRUE(q.WaitAndDrain(&out, absl::ZeroDuration()));
  EXPECT_THAT(out, ElementsAre(a, b, k));
  EXPECT_EQ(q.offered(), 5u);
  EXPECT_EQ(q.queued(), 3u);
  EXPECT_EQ(q.Drain(&out), 0u);
  q.OnBooksTouched(first);
  EXPECT_EQ(q.Drain(&out), 2u);
  q.Close();
  EXPECT_FALSE(q.WaitAndDrain(&out, absl::Hours(1)));  // closed: returns at once
}

TEST(BookKeyTest, ProtoRoundTripAndValidation) {
  v1::InstrumentId id;
  id.set_venue(v1::VENUE_KALSHI);
  id.set_symbol("KX-1:YES");
  absl::StatusOr<BookKey> key = BookKey::FromProto(id);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->venue, Venue::kKalshi);
  EXPECT_EQ(key->ToString(), "kalshi/KX-1:YES");
  EXPECT_EQ(key->ToProto().SerializeAsString(), id.SerializeAsString());
  id.set_venue(v1::VENUE_UNSPECIFIED);
  EXPECT_EQ(BookKey::FromProto(id).status().code(), absl::StatusCode::kInvalidArgument);
  id.set_venue(v1::VENUE_POLYMARKET);
  id.clear_symbol();
  EXPECT_EQ(BookKey::FromProto(id).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace arbor::scanner
