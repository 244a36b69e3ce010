// Unit tests of arbor::feed_reconcile with a fake RestBookSource and a simulated clock:
// RestBookSource helpers, RestWorker (error policy: backoff vs Retry-After; own thread),
// Reconciler (match / suspicion / confirmed divergence and repair /
// REST errors) and Poller (changed-only publishing, staleness, rate budget, errors).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "arbor/core/clock.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/book_publisher.h"
#include "arbor/feed/poller.h"
#include "arbor/feed/reconciler.h"
#include "arbor/feed/rest_book_source.h"
#include "arbor/feed/rest_worker.h"
#include "arbor/net/rate_governor.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

Price P(int64_t cents) { return Price::FromMicros(cents * 10'000); }
Quantity Q(int64_t units) { return Quantity::FromUnits(units); }
book::Level L(int64_t cents, int64_t size) { return book::Level{P(cents), Q(size)}; }

RestBook Book(const InstrumentId& id, std::vector<book::Level> bids,
              std::vector<book::Level> asks) {
  RestBook b;
  b.id = id;
  b.bids = std::move(bids);
  b.asks = std::move(asks);
  return b;
}

// Serves `books` (absent ids are unknown); queued errors are returned first, one per call.
class FakeSource final : public RestBookSource {
 public:
  absl::StatusOr<std::vector<RestBook>> FetchBooks(absl::Span<const InstrumentId> ids) override {
    if (on_fetch) on_fetch();  // e.g. the stream moves while the request is in flight
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    batches.emplace_back(ids.begin(), ids.end());
    if (!errors.empty()) {
      absl::Status s = errors.front();
      errors.pop_front();
      return s;
    }
    std::vector<RestBook> out;
    for (const InstrumentId& id : ids) {
      if (auto it = books.find(id); it != books.end()) out.push_back(it->second);
    }
    return out;
  }
  size_t max_batch() const override { return batch; }

  void Set(const RestBook& b) {
    std::lock_guard<std::mutex> lock(mu);
    books[b.id] = b;
  }
  int Calls() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }

  std::mutex mu;
  absl::flat_hash_map<InstrumentId, RestBook> books;
  std::deque<absl::Status> errors;
  std::function<void()> on_fetch;
  std::vector<std::vector<InstrumentId>> batches;
  int calls = 0;
  size_t batch = 10;
};

const InstrumentId kA("tokA");
const InstrumentId kB("tokB");

class FeedFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const InstrumentId& id : {kA, kB}) {
      InstrumentKey key;
      key.venue = Venue::kPolymarket;
      key.instrument_id = id;
      publisher_.AddInstrument(key);
    }
  }
  void Publish(const RestBook& b) {
    ASSERT_TRUE(publisher_.PublishSnapshot(b.id, b.bids, b.asks, SnapshotSource::kVenue).ok());
  }
  BookState Published(const InstrumentId& id) {
    absl::StatusOr<BookState> b = fanout_.GetBook(id);
    EXPECT_TRUE(b.ok());
    return b.ok() ? *b : BookState{};
  }

  SimulatedClock clock_;
  BookFanout fanout_;
  BookPublisher publisher_{&fanout_, &clock_};
  FakeSource source_;
};

// ---------------------------------------------------------------------------------------------
// RestBookSource helpers

TEST(RestBookSourceTest, KalshiYesBookMapsNoBidsToYesAsks) {
  venue::kalshi::RestOrderbook ob;
  ob.yes = {{P(40), Q(10)}, {P(42), Q(5)}};
  ob.no = {{P(50), Q(3)}, {P(55), Q(7)}};
  const RestBook b = KalshiYesBook(InstrumentId("SIM-1"), ob);
  EXPECT_EQ(b.id, InstrumentId("SIM-1"));
  EXPECT_EQ(b.bids, (std::vector<book::Level>{L(42, 5), L(40, 10)}));
  // NO bid 0.55 x 7 = YES ask 0.45 x 7 (the best ask); NO 0.50 x 3 = YES ask 0.50 x 3.
  EXPECT_EQ(b.asks, (std::vector<book::Level>{L(45, 7), L(50, 3)}));
}

TEST(RestBookSourceTest, NormalizeDropsZeroSizesAndSorts) {
  RestBook b = Book(kA, {L(30, 1), L(35, 0), L(33, 2)}, {L(60, 1), L(50, 4), L(55, 0)});
  NormalizeRestBook(b);
  EXPECT_EQ(b.bids, (std::vector<book::Level>{L(33, 2), L(30, 1)}));
  EXPECT_EQ(b.asks, (std::vector<book::Level>{L(50, 4), L(60, 1)}));
}

TEST(RestBookSourceTest, ErrorClassificationAndRetryAfter) {
  EXPECT_EQ(ClassifyRestError(absl::ResourceExhaustedError("429")), RestErrorKind::kThrottled);
  EXPECT_EQ(ClassifyRestError(absl::UnavailableError("503")), RestErrorKind::kServer);
  EXPECT_EQ(ClassifyRestError(absl::InternalError("500")), RestErrorKind::kServer);
  EXPECT_EQ(ClassifyRestError(absl::InvalidArgumentError("400")), RestErrorKind::kOther);
  const absl::Status s = WithRetryAfter(absl::ResourceExhaustedError("429"), absl::Seconds(7));
  ASSERT_TRUE(RetryAfter(s).has_value());
  EXPECT_EQ(*RetryAfter(s), absl::Seconds(7));
  EXPECT_FALSE(RetryAfter(absl::ResourceExhaustedError("429")).has_value());
  EXPECT_FALSE(RetryAfter(WithRetryAfter(absl::UnavailableError("x"), absl::Seconds(1))));
}

// ---------------------------------------------------------------------------------------------
// RestWorker

RestWorkerOptions StepBackoff() {
  RestWorkerOptions o;
  o.backoff = {absl::Seconds(1), absl::Seconds(8), 2.0, net::Jitter::kNone};  // 1, 2, 4, 8, 8
  o.max_retry_after = absl::Minutes(2);
  return o;
}

absl::Status Throttled(absl::Duration retry_after) {
  return WithRetryAfter(absl::ResourceExhaustedError("429"), retry_after);
}

TEST(RestWorkerTest, RetryAfterBlocksForAtLeastItsDelay) {
  RestWorker w(StepBackoff());
  const int64_t t0 = 1'000'000'000;
  EXPECT_EQ(w.BlockedForNanos(t0), 0);
  const RestWorker::ErrorOutcome o = w.OnError(Throttled(absl::Seconds(7)), t0);
  EXPECT_EQ(o.kind, RestErrorKind::kThrottled);
  EXPECT_EQ(o.retry_after, absl::Seconds(7));
  EXPECT_EQ(o.delay, absl::Seconds(7));  // max(1 s backoff, 7 s)
  EXPECT_EQ(w.BlockedForNanos(t0), absl::ToInt64Nanoseconds(absl::Seconds(7)));
  EXPECT_EQ(w.BlockedForNanos(t0 + absl::ToInt64Nanoseconds(absl::Seconds(7)) - 1), 1);
  EXPECT_EQ(w.BlockedForNanos(t0 + absl::ToInt64Nanoseconds(absl::Seconds(7))), 0);
  EXPECT_EQ(w.Errors().throttled, 1u);
}

TEST(RestWorkerTest, BackoffGrowsOverThrottlesAndResetsOnSuccess) {
  RestWorker w(StepBackoff());
  int64_t now = 0;
  auto error = [&](const absl::Status& s) {
    const RestWorker::ErrorOutcome o = w.OnError(s, now);
    now += absl::ToInt64Nanoseconds(o.delay);
    return o.delay;
  };
  EXPECT_EQ(error(absl::UnavailableError("503")), absl::Seconds(1));
  EXPECT_EQ(error(absl::InternalError("500")), absl::Seconds(2));
  EXPECT_EQ(error(absl::InvalidArgumentError("bad")), absl::Seconds(4));
  // A Retry-After shorter than the backoff does not shorten it (the venue keeps throttling).
  EXPECT_EQ(error(Throttled(absl::Seconds(3))), absl::Seconds(8));
  EXPECT_EQ(error(absl::ResourceExhaustedError("429 without Retry-After")), absl::Seconds(8));
  // A huge Retry-After is capped at max_retry_after.
  EXPECT_EQ(error(Throttled(absl::Hours(24))), absl::Minutes(2));
  const RestErrorCounts c = w.Errors();
  EXPECT_EQ(c.throttled, 3u);
  EXPECT_EQ(c.server, 2u);
  EXPECT_EQ(c.other, 1u);
  EXPECT_EQ(w.BlockedForNanos(now), 0);
  // Recovery: after a success the backoff starts from its minimum again.
  w.OnSuccess();
  EXPECT_EQ(error(absl::UnavailableError("503")), absl::Seconds(1));
}

TEST(RestWorkerTest, OwnThreadRunsWakesAndStops) {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  auto wait_for_calls = [&](int n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls >= n; });
  };
  RestWorkerOptions o;
  o.max_idle = absl::Hours(1);  // only Wake() and Stop() end the wait
  RestWorker w(o, [&] {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++calls;
    }
    cv.notify_all();
    return absl::Hours(1);
  });
  w.Start();
  ASSERT_TRUE(wait_for_calls(1));
  w.Wake();
  ASSERT_TRUE(wait_for_calls(2));
  w.Stop();  // interrupts the hour-long wait and joins
  int stopped_at = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    stopped_at = calls;
  }
  w.Start();  // restartable
  ASSERT_TRUE(wait_for_calls(stopped_at + 1));
  w.Stop();
}

// ---------------------------------------------------------------------------------------------
// Reconciler

class ReconcilerTest : public FeedFixture {
 protected:
  Reconciler MakeReconciler() {
    ReconcilerOptions options;
    options.interval = absl::Seconds(30);
    options.confirm_delay = absl::Seconds(2);
    return Reconciler(Venue::kPolymarket, &source_, &fanout_, &publisher_, &clock_, options,
                      [this](const std::vector<InstrumentId>& ids) {
                        diverged_.insert(diverged_.end(), ids.begin(), ids.end());
                        ++callbacks_;
                      });
  }
  std::vector<InstrumentId> diverged_;
  int callbacks_ = 0;
};

TEST_F(ReconcilerTest, MatchingBooksNoDivergence) {
  const RestBook a = Book(kA, {L(40, 10), L(39, 5)}, {L(42, 3)});
  const RestBook b = Book(kB, {L(10, 1)}, {L(90, 1)});
  Publish(a);
  Publish(b);
  source_.Set(a);
  source_.Set(b);
  Reconciler r = MakeReconciler();
  r.SetInstruments({kA, kB});
  for (int i = 0; i < 3; ++i) {
    (void)r.RunOnce();
    clock_.Advance(absl::Seconds(31));
  }
  const ReconcilerCounters c = r.Counters();
  EXPECT_EQ(c.checks, 6u);
  EXPECT_EQ(c.matches, 6u);
  EXPECT_EQ(c.suspicions, 0u);
  EXPECT_EQ(c.divergences, 0u);
  EXPECT_EQ(callbacks_, 0);
  EXPECT_EQ(publisher_.Counters(Venue::kPolymarket).quarantines, 0u);
}

TEST_F(ReconcilerTest, PersistentMismatchIsOneDivergenceQuarantinedThenRepaired) {
  const RestBook published = Book(kA, {L(40, 10)}, {L(42, 3)});
  const RestBook rest = Book(kA, {L(41, 7)}, {L(43, 2), L(44, 1)});
  Publish(published);
  source_.Set(rest);
  Reconciler r = MakeReconciler();
  r.SetInstruments({kA});

  (void)r.RunOnce();  // first mismatch: only a suspicion
  EXPECT_EQ(r.Counters().suspicions, 1u);
  EXPECT_EQ(r.Counters().divergences, 0u);
  EXPECT_EQ(r.PendingRechecks(), 1u);
  EXPECT_EQ(callbacks_, 0);

  // Before confirm_delay nothing is re-fetched.
  const int calls = source_.Calls();
  clock_.Advance(absl::Seconds(1));
  (void)r.RunOnce();
  EXPECT_EQ(source_.Calls(), calls);

  clock_.Advance(absl::Seconds(1));
  (void)r.RunOnce();  // first re-check: the same lasting mismatch, not yet proof
  EXPECT_EQ(r.Counters().divergences, 0u);
  EXPECT_EQ(r.PendingRechecks(), 1u);
  clock_.Advance(absl::Seconds(2));
  (void)r.RunOnce();  // second re-check in a row with the same mismatch → divergence
  ReconcilerCounters c = r.Counters();
  EXPECT_EQ(c.divergences, 1u);
  EXPECT_EQ(c.repairs, 1u);
  EXPECT_EQ(callbacks_, 1);
  EXPECT_EQ(diverged_, std::vector<InstrumentId>{kA});
  const PublisherCounters pc = publisher_.Counters(Venue::kPolymarket);
  EXPECT_EQ(pc.quarantines, 1u);
  EXPECT_EQ(pc.snapshots, 2u);  // the venue one and the REST repair
  EXPECT_EQ(publisher_.State(kA), PublishState::kLive);
  const BookState now = Published(kA);
  EXPECT_EQ(now.bids, rest.bids);
  EXPECT_EQ(now.asks, rest.asks);

  // The next pass matches: still exactly one divergence.
  clock_.Advance(absl::Seconds(31));
  (void)r.RunOnce();
  clock_.Advance(absl::Seconds(3));
  (void)r.RunOnce();
  c = r.Counters();
  EXPECT_EQ(c.divergences, 1u);
  EXPECT_EQ(c.matches, 1u);
  EXPECT_EQ(callbacks_, 1);
}

TEST_F(ReconcilerTest, TransientMismatchThatResolvesIsOnlyASuspicion) {
  const RestBook old_book = Book(kA, {L(40, 10)}, {L(42, 3)});
  const RestBook rest = Book(kA, {L(41, 10)}, {L(42, 3)});
  Publish(old_book);
  source_.Set(rest);  // REST is ahead of the WebSocket
  Reconciler r = MakeReconciler();
  r.SetInstruments({kA});
  (void)r.RunOnce();
  EXPECT_EQ(r.Counters().suspicions, 1u);
  // The WebSocket catches up: the published sequence moves and the books agree.
  const uint64_t seq = Published(kA).sequence;
  Publish(rest);
  EXPECT_GT(Published(kA).sequence, seq);
  clock_.Advance(absl::Seconds(2));
  (void)r.RunOnce();
  const ReconcilerCounters c = r.Counters();
  EXPECT_EQ(c.suspicions, 1u);
  EXPECT_EQ(c.matches, 1u);
  EXPECT_EQ(c.divergences, 0u);
  EXPECT_EQ(r.PendingRechecks(), 0u);
  EXPECT_EQ(callbacks_, 0);
  EXPECT_EQ(publisher_.Counters(Venue::kPolymarket).quarantines, 0u);
}

TEST_F(ReconcilerTest, MovingMismatchIsConfirmedOnlyAfterMaxRechecks) {
  Publish(Book(kA, {L(40, 10)}, {L(42, 3)}));
  source_.Set(Book(kA, {L(30, 1)}, {L(70, 1)}));
  ReconcilerOptions options;
  options.max_rechecks = 2;
  Reconciler r(Venue::kPolymarket, &source_, &fanout_, &publisher_, &clock_, options);
  r.SetInstruments({kA});
  (void)r.RunOnce();
  ASSERT_EQ(r.Counters().suspicions, 1u);
  // The stream keeps moving during every re-check fetch and REST keeps changing, every
  // disagreeing level included: each re-check is inconclusive, until max_rechecks is exceeded.
  int step = 0;
  source_.on_fetch = [&] {
    ++step;
    Publish(Book(kA, {L(40, 10 + step)}, {L(42, 3 + step)}));
    source_.Set(Book(kA, {L(30, 1 + step)}, {L(70, 1 + step)}));
  };
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(absl::Seconds(2));
    (void)r.RunOnce();
    EXPECT_EQ(r.Counters().divergences, i < 2 ? 0u : 1u) << i;
  }
  EXPECT_EQ(r.Counters().suspicions, 1u);
  EXPECT_EQ(publisher_.Counters(Venue::kPolymarket).quarantines, 1u);
}

TEST_F(ReconcilerTest, AStreamThatIsOnlyBehindRestIsNeverConfirmed) {
  // A market moving every step, the WebSocket one step behind REST at every fetch, and the
  // published book not moving during any fetch (its next delta is still in flight). Every
  // disagreement is on a level that then changes, so nothing is confirmed — the old "published
  // sequence unmoved during the fetch" rule confirmed this at the first re-check.
  int step = 0;
  auto book_at = [&](int n) { return Book(kA, {L(40 + n % 3, 10 + n)}, {L(50 + n % 3, 5 + n)}); };
  Publish(book_at(0));
  source_.Set(book_at(1));
  Reconciler r = MakeReconciler();
  r.SetInstruments({kA});
  (void)r.RunOnce();
  ASSERT_EQ(r.Counters().suspicions, 1u);
  for (int i = 0; i < 5; ++i) {
    ++step;
    Publish(book_at(step));          // the stream catches up to where REST was...
    source_.Set(book_at(step + 1));  // ...while REST has moved on
    clock_.Advance(absl::Seconds(2));
    (void)r.RunOnce();
    EXPECT_EQ(r.Counters().divergences, 0u) << i;
  }
  EXPECT_EQ(publisher_.Counters(Venue::kPolymarket).quarantines, 0u);
}

TEST_F(ReconcilerTest, AQuietLevelTheStreamMissedIsConfirmedWhileOthersMove) {
  // The stream missed the update of the 0.45 ask (REST has 9, the stream still 4) while the
  // bids keep moving: the quiet level disagrees identically at both checks.
  Publish(Book(kA, {L(40, 10)}, {L(45, 4)}));
  source_.Set(Book(kA, {L(40, 11)}, {L(45, 9)}));
  Reconciler r = MakeReconciler();
  r.SetInstruments({kA});
  (void)r.RunOnce();
  ASSERT_EQ(r.Counters().suspicions, 1u);
  for (int check = 0; check < 2; ++check) {
    Publish(Book(kA, {L(40, 11 + check)}, {L(45, 4)}));
    source_.Set(Book(kA, {L(40, 12 + check)}, {L(45, 9)}));
    clock_.Advance(absl::Seconds(2));
    (void)r.RunOnce();
    EXPECT_EQ(r.Counters().divergences, check == 0 ? 0u : 1u) << check;
  }
  const BookState now = Published(kA);
  EXPECT_EQ(now.asks, Book(kA, {}, {L(45, 9)}).asks);
}

TEST_F(ReconcilerTest, ALevelThatFlippedBetweenTwoChecksIsNotConfirmedByOneReCheck) {
  // Seen against the simulator: a market maker moving its quotes 0.12 → 0.11 → 0.12 → 0.13, and
  // the stream a few hundred ms behind REST. At both checks the published 0.12 bid (200) is
  // one that REST no longer has, so the level looks unchanged and disagreeing at both — though
  // the stream delivered every move. The third check finds the books equal.
  auto quote = [](int bid) { return Book(kA, {L(bid, 200)}, {L(bid + 2, 200)}); };
  for (int confirmations : {1, 2}) {
    Publish(quote(12));
    source_.Set(quote(11));
    ReconcilerOptions options;
    options.confirm_delay = absl::Seconds(2);
    options.confirmations = confirmations;
    Reconciler r(Venue::kPolymarket, &source_, &fanout_, &publisher_, &clock_, options);
    r.SetInstruments({kA});
    (void)r.RunOnce();  // published 0.12, REST already 0.11
    ASSERT_EQ(r.Counters().suspicions, 1u);
    Publish(quote(11));  // the stream delivers 0.11, then 0.12 ...
    Publish(quote(12));
    source_.Set(quote(13));  // ... while REST already shows 0.13
    clock_.Advance(absl::Seconds(2));
    (void)r.RunOnce();
    EXPECT_EQ(r.Counters().divergences, confirmations == 1 ? 1u : 0u) << confirmations;
    if (confirmations == 1) continue;  // the old rule repaired a stream that was only late
    Publish(quote(13));                // the stream catches up
    clock_.Advance(absl::Seconds(2));
    (void)r.RunOnce();
    const ReconcilerCounters c = r.Counters();
    EXPECT_EQ(c.divergences, 0u);
    EXPECT_EQ(c.matches, 1u);
    EXPECT_EQ(r.PendingRechecks(), 0u);
  }
}

// The stream's watermark (newest venue timestamp on the book's connection) against the REST
// book's venue timestamp.
class StreamWatermarkTest : public ReconcilerTest {
 protected:
  Reconciler MakeWatermarked() {
    return Reconciler(Venue::kPolymarket, &source_, &fanout_, &publisher_, &clock_,
                      WatermarkOptions());
  }
  ReconcilerOptions WatermarkOptions() {
    ReconcilerOptions options;
    options.confirm_delay = absl::Seconds(2);
    options.stream_watermark_ms = [this](const InstrumentId&) -> std::optional<int64_t> {
      ++watermark_reads_;
      return watermark_ms_;
    };
    options.stream_catch_up_wait = absl::Seconds(1);
    options.max_stream_lag = absl::Seconds(10);
    options.sleep_for = [this](absl::Duration d) {
      clock_.Advance(d);
      if (on_sleep_) on_sleep_();
    };
    return options;
  }
  RestBook Stamped(RestBook b, int64_t ms) {
    b.timestamp_ms = ms;
    return b;
  }
  std::optional<int64_t> watermark_ms_;
  int watermark_reads_ = 0;
  std::function<void()> on_sleep_;
};

TEST_F(StreamWatermarkTest, ABookIsComparedOnlyOnceItsStreamHasReachedTheRestBook) {
  Publish(Book(kA, {L(40, 10)}, {L(42, 3)}));
  source_.Set(Stamped(Book(kA, {L(41, 10)}, {L(43, 3)}), 100'000));
  watermark_ms_ = 99'500;  // the stream is 500 ms behind the REST book
  Reconciler r = MakeWatermarked();
  r.SetInstruments({kA});

  // Behind for the whole catch-up wait: not compared at all.
  (void)r.RunOnce();
  ReconcilerCounters c = r.Counters();
  EXPECT_EQ(c.lagging, 1u);
  EXPECT_EQ(c.checks, 0u);
  EXPECT_EQ(c.suspicions, 0u);
  EXPECT_GT(watermark_reads_, 10);  // it polled during the wait (1 s / 20 ms)

  // The stream reaches the REST book during the wait, delivering the move: compared, equal.
  on_sleep_ = [this] {
    watermark_ms_ = 100'000;
    Publish(Book(kA, {L(41, 10)}, {L(43, 3)}));
    on_sleep_ = nullptr;
  };
  clock_.Advance(absl::Seconds(31));
  (void)r.RunOnce();
  c = r.Counters();
  EXPECT_EQ(c.lagging, 1u);
  EXPECT_EQ(c.matches, 1u);
  EXPECT_EQ(c.suspicions, 0u);
}

TEST_F(StreamWatermarkTest, AMissedUpdateIsStillConfirmedAndAFrozenStreamIsJudged) {
  // Caught up (watermark at the REST book's time) yet different: a missed update.
  Publish(Book(kA, {L(40, 10)}, {L(42, 3)}));
  source_.Set(Stamped(Book(kA, {L(40, 10)}, {L(42, 9)}), 100'000));
  watermark_ms_ = 100'000;
  Reconciler r = MakeWatermarked();
  r.SetInstruments({kA});
  (void)r.RunOnce();
  for (int check = 0; check < 2; ++check) {
    clock_.Advance(absl::Seconds(2));
    (void)r.RunOnce();
  }
  EXPECT_EQ(r.Counters().divergences, 1u);
  EXPECT_EQ(r.Counters().lagging, 0u);

  // A stream 30 s behind REST (over max_stream_lag, 10 s) is judged, not waited for.
  Publish(Book(kB, {L(40, 10)}, {L(42, 3)}));
  source_.Set(Stamped(Book(kB, {L(40, 10)}, {L(42, 7)}), 130'000));
  r.SetInstruments({kB});
  clock_.Advance(absl::Seconds(31));
  (void)r.RunOnce();
  for (int check = 0; check < 2; ++check) {
    clock_.Advance(absl::Seconds(2));
    (void)r.RunOnce();
  }
  EXPECT_EQ(r.Counters().divergences, 2u);
  EXPECT_EQ(r.Counters().lagging, 0u);
}

TEST_F(StreamWatermarkTest, RecheckingABookNewerThanRestDoesNotReachTheBackstop) {
  // A market moving at every step: by the time the stream has reached the REST book it has
  // also delivered the next move, so the books differ at every check, on levels that move.
  for (bool newer : {true, false}) {
    int64_t rest_ms = newer ? 100'000 : 900'000;
    auto step = [&](int n) {
      const RestBook pub = Book(kA, {L(40 + n % 3, 10 + n)}, {L(50 + n % 3, 5 + n)});
      EventTimes times;
      times.event_unix_nanos = (rest_ms + (newer ? 50 : -50)) * 1'000'000;
      ASSERT_TRUE(
          publisher_.PublishSnapshot(kA, pub.bids, pub.asks, SnapshotSource::kVenue, times).ok());
      source_.Set(Stamped(Book(kA, {L(60 + n % 3, 1 + n)}, {L(70 + n % 3, 1 + n)}), rest_ms));
      watermark_ms_ = rest_ms;
    };
    step(0);
    ReconcilerOptions options = WatermarkOptions();
    options.max_rechecks = 2;
    Reconciler r(Venue::kPolymarket, &source_, &fanout_, &publisher_, &clock_, options);
    r.SetInstruments({kA});
    (void)r.RunOnce();
    ASSERT_EQ(r.Counters().suspicions, 1u);
    for (int i = 1; i <= 5; ++i) {
      rest_ms += 2'000;
      step(i);
      clock_.Advance(absl::Seconds(2));
      (void)r.RunOnce();
    }
    // Published newer than REST every time: never confirmed. Older: the backstop after 2.
    EXPECT_EQ(r.Counters().divergences, newer ? 0u : 1u) << newer;
    EXPECT_EQ(r.Counters().lagging, 0u);
    clock_.Advance(absl::Seconds(60));
  }
}

TEST_F(ReconcilerTest, SuspectChecksAheadOfSchedule) {
  const RestBook a = Book(kA, {L(40, 10)}, {L(42, 3)});
  Publish(a);
  Publish(Book(kB, {L(10, 1)}, {L(90, 1)}));
  source_.Set(a);
  source_.batch = 1;
  ReconcilerOptions options;
  options.interval = absl::Hours(1);
  Reconciler r(Venue::kPolymarket, &source_, &fanout_, &publisher_, &clock_, options);
  r.SetInstruments({kB});
  (void)r.RunOnce();  // the scheduled batch (kB)
  EXPECT_EQ(source_.Calls(), 1);
  (void)r.RunOnce();  // nothing due for an hour
  EXPECT_EQ(source_.Calls(), 1);
  r.Suspect(std::vector<InstrumentId>{kA});
  (void)r.RunOnce();
  EXPECT_EQ(source_.Calls(), 2);
  EXPECT_EQ(source_.batches.back(), std::vector<InstrumentId>{kA});
  EXPECT_EQ(r.Counters().matches, 1u);
}

TEST_F(ReconcilerTest, RestErrorsAreCountedAndBackedOff) {
  const RestBook a = Book(kA, {L(40, 10)}, {L(42, 3)});
  Publish(a);
  source_.Set(a);
  source_.errors.push_back(WithRetryAfter(absl::ResourceExhaustedError("429"), absl::Seconds(7)));
  source_.errors.push_back(absl::UnavailableError("503"));
  source_.errors.push_back(absl::InvalidArgumentError("bad body"));
  Reconciler r = MakeReconciler();
  r.SetInstruments({kA});
  r.Suspect(std::vector<InstrumentId>{kA});

  EXPECT_EQ(r.RunOnce(), absl::Seconds(7));  // 429: wait for Retry-After
  EXPECT_EQ(r.Counters().errors_throttled, 1u);
  EXPECT_EQ(source_.Calls(), 1);
  clock_.Advance(absl::Seconds(6));
  (void)r.RunOnce();
  EXPECT_EQ(source_.Calls(), 1);  // still blocked
  clock_.Advance(absl::Seconds(1));
  const absl::Duration d = r.RunOnce();  // 503: exponential backoff in [1 s, 60 s]
  EXPECT_EQ(source_.Calls(), 2);
  EXPECT_EQ(r.Counters().errors_server, 1u);
  EXPECT_GE(d, absl::Seconds(1));
  (void)r.RunOnce();
  EXPECT_EQ(source_.Calls(), 2);  // backing off
  clock_.Advance(d);
  (void)r.RunOnce();
  EXPECT_EQ(r.Counters().errors_other, 1u);
  clock_.Advance(absl::Seconds(60));
  (void)r.RunOnce();  // recovers: the suspect re-queued after the failures is checked
  const ReconcilerCounters c = r.Counters();
  EXPECT_EQ(c.fetches, 1u);
  EXPECT_EQ(c.matches, 1u);
  EXPECT_EQ(c.divergences, 0u);
  EXPECT_EQ(publisher_.Counters(Venue::kPolymarket).quarantines, 0u);
}

TEST_F(ReconcilerTest, RetryAfterDelaysTheNextFetchByAtLeastItsDelay) {
  const RestBook a = Book(kA, {L(40, 10)}, {L(42, 3)});
  Publish(a);
  source_.Set(a);
  source_.errors.push_back(Throttled(absl::Seconds(20)));
  ReconcilerOptions options;
  options.interval = absl::Seconds(1);  // the schedule would fetch every second
  Reconciler r(Venue::kPolymarket, &source_, &fanout_, &publisher_, &clock_, options);
  r.SetInstruments({kA});
  EXPECT_EQ(r.RunOnce(), absl::Seconds(20));
  EXPECT_EQ(source_.Calls(), 1);
  for (int t = 1; t < 20; ++t) {
    clock_.Advance(absl::Seconds(1));
    EXPECT_EQ(r.RunOnce(), absl::Seconds(20 - t)) << t;
    EXPECT_EQ(source_.Calls(), 1) << t;
  }
  clock_.Advance(absl::Seconds(1));
  (void)r.RunOnce();
  EXPECT_EQ(source_.Calls(), 2);
  EXPECT_EQ(r.Counters().matches, 1u);
  EXPECT_EQ(r.Counters().errors_throttled, 1u);
}

TEST_F(ReconcilerTest, ShortRetryAfterWaitsForTheLongerBackoffAndHugeOneIsCapped) {
  const RestBook a = Book(kA, {L(40, 10)}, {L(42, 3)});
  Publish(a);
  source_.Set(a);
  source_.errors.push_back(absl::UnavailableError("503"));  // backoff 10 s
  source_.errors.push_back(Throttled(absl::Seconds(3)));    // backoff 20 s > 3 s
  source_.errors.push_back(Throttled(absl::Hours(10)));     // capped: 90 s
  ReconcilerOptions options;
  options.interval = absl::Seconds(1);
  options.backoff = {absl::Seconds(10), absl::Seconds(40), 2.0, net::Jitter::kNone};
  options.max_retry_after = absl::Seconds(90);
  Reconciler r(Venue::kPolymarket, &source_, &fanout_, &publisher_, &clock_, options);
  r.SetInstruments({kA});
  EXPECT_EQ(r.RunOnce(), absl::Seconds(10));
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(r.RunOnce(), absl::Seconds(20));
  clock_.Advance(absl::Seconds(20));
  EXPECT_EQ(r.RunOnce(), absl::Seconds(90));
  EXPECT_EQ(source_.Calls(), 3);
  clock_.Advance(absl::Seconds(90));
  (void)r.RunOnce();
  EXPECT_EQ(source_.Calls(), 4);
  const ReconcilerCounters c = r.Counters();
  EXPECT_EQ(c.errors_server, 1u);
  EXPECT_EQ(c.errors_throttled, 2u);
  EXPECT_EQ(c.matches, 1u);
}

TEST_F(ReconcilerTest, OwnThreadStartsAndStops) {
  const RestBook a = Book(kA, {L(40, 10)}, {L(42, 3)});
  Publish(a);
  source_.Set(a);
  ReconcilerOptions options;
  options.interval = absl::Hours(1);
  Reconciler r(Venue::kPolymarket, &source_, &fanout_, &publisher_, &SystemClock::Get(), options);
  r.Start();
  r.Suspect(std::vector<InstrumentId>{kA});
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (r.Counters().matches == 0 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  r.Stop();
  EXPECT_GE(r.Counters().matches, 1u);
}

// ---------------------------------------------------------------------------------------------
// Poller

class PollerTest : public FeedFixture {
 protected:
  PollerTest() {
    governor_options_.initial_rate = 100;
    governor_options_.max_rate = 100;
    governor_options_.burst = 100;
    options_.poll_interval = absl::Seconds(5);
    options_.poll_stale_after = absl::Seconds(12);
  }
  net::RateGovernorOptions governor_options_;
  PollerOptions options_;
};

TEST_F(PollerTest, PublishesOnlyChangedBooksAndMarksStale) {
  const RestBook a = Book(kA, {L(40, 10)}, {L(42, 3)});
  const RestBook b = Book(kB, {L(10, 1)}, {L(90, 1)});
  Publish(a);  // kA live and equal to REST; kB awaiting its first snapshot
  source_.Set(a);
  source_.Set(b);
  net::RateGovernor governor(clock_, governor_options_);
  Poller p(Venue::kPolymarket, &source_, &fanout_, &publisher_, &governor, &clock_, options_);
  p.SetInstruments({kA, kB});
  p.SetMode(FeedMode::kPoll);
  const uint64_t seq_a = Published(kA).sequence;

  (void)p.RunOnce();  // t = 0
  PollerCounters c = p.Counters();
  EXPECT_EQ(c.published, 1u);
  EXPECT_EQ(c.unchanged, 1u);
  EXPECT_EQ(Published(kA).sequence, seq_a);  // not republished
  EXPECT_EQ(Published(kB).bids, b.bids);
  EXPECT_EQ(publisher_.State(kB), PublishState::kLive);

  // Nothing is due before poll_interval.
  EXPECT_EQ(p.RunOnce(), absl::Seconds(1));  // capped at max_idle
  EXPECT_EQ(source_.Calls(), 1);

  clock_.Advance(absl::Seconds(5));  // t = 5: kA changed at the venue
  const RestBook a2 = Book(kA, {L(41, 10)}, {L(42, 3)});
  source_.Set(a2);
  (void)p.RunOnce();
  c = p.Counters();
  EXPECT_EQ(c.published, 2u);
  EXPECT_EQ(c.unchanged, 2u);
  EXPECT_EQ(Published(kA).bids, a2.bids);

  // kA disappears from REST: after poll_stale_after without a refresh it is marked stale.
  {
    std::lock_guard<std::mutex> lock(source_.mu);
    source_.books.erase(kA);
  }
  for (int t = 10; t <= 15; t += 5) {
    clock_.Advance(absl::Seconds(5));
    (void)p.RunOnce();
    EXPECT_EQ(publisher_.State(kA), PublishState::kLive) << t;
  }
  clock_.Advance(absl::Seconds(5));  // t = 20: 15 s since kA's last refresh
  (void)p.RunOnce();
  EXPECT_EQ(publisher_.State(kA), PublishState::kStale);
  EXPECT_EQ(publisher_.State(kB), PublishState::kLive);
  EXPECT_EQ(p.Counters().stale_marks, 1u);

  // kA comes back unchanged: MarkLive, not republished.
  source_.Set(a2);
  const uint64_t seq_a2 = Published(kA).sequence;
  clock_.Advance(absl::Seconds(5));
  (void)p.RunOnce();
  EXPECT_EQ(publisher_.State(kA), PublishState::kLive);
  EXPECT_EQ(Published(kA).sequence, seq_a2);
}

TEST_F(PollerTest, ModesSelectWhatIsPolled) {
  source_.Set(Book(kA, {L(40, 10)}, {L(42, 3)}));
  source_.Set(Book(kB, {L(10, 1)}, {L(90, 1)}));
  net::RateGovernor governor(clock_, governor_options_);
  Poller p(Venue::kPolymarket, &source_, &fanout_, &publisher_, &governor, &clock_, options_);
  p.SetInstruments({kA, kB});
  p.SetHybridSet({kB});
  (void)p.RunOnce();  // kStream: nothing
  EXPECT_EQ(source_.Calls(), 0);
  p.SetMode(FeedMode::kHybrid);
  (void)p.RunOnce();
  ASSERT_EQ(source_.Calls(), 1);
  EXPECT_EQ(source_.batches.back(), std::vector<InstrumentId>{kB});
  EXPECT_EQ(publisher_.State(kA), PublishState::kAwaitingSnapshot);
  EXPECT_EQ(publisher_.State(kB), PublishState::kLive);
}

TEST_F(PollerTest, RequestsStayWithinTheRateBudget) {
  source_.Set(Book(kA, {L(40, 10)}, {L(42, 3)}));
  source_.Set(Book(kB, {L(10, 1)}, {L(90, 1)}));
  source_.batch = 1;
  governor_options_.initial_rate = 1;
  governor_options_.min_rate = 0.5;
  governor_options_.burst = 1;
  net::RateGovernor governor(clock_, governor_options_);
  Poller p(Venue::kPolymarket, &source_, &fanout_, &publisher_, &governor, &clock_, options_);
  p.SetInstruments({kA, kB});
  p.SetMode(FeedMode::kPoll);
  (void)p.RunOnce();
  const absl::Duration wait = p.RunOnce();  // kB is due but the budget is spent
  EXPECT_EQ(source_.Calls(), 1);
  EXPECT_EQ(p.Counters().rate_limited, 1u);
  EXPECT_GT(wait, absl::ZeroDuration());
  clock_.Advance(absl::Seconds(1));
  (void)p.RunOnce();
  EXPECT_EQ(source_.Calls(), 2);
  EXPECT_EQ(publisher_.State(kA), PublishState::kLive);
  EXPECT_EQ(publisher_.State(kB), PublishState::kLive);
}

TEST_F(PollerTest, ThrottlingAndServerErrorsBackOffAndNeverPublish) {
  source_.Set(Book(kA, {L(40, 10)}, {L(42, 3)}));
  source_.errors.push_back(WithRetryAfter(absl::ResourceExhaustedError("429"), absl::Seconds(9)));
  source_.errors.push_back(absl::InternalError("500"));
  net::RateGovernor governor(clock_, governor_options_);
  Poller p(Venue::kPolymarket, &source_, &fanout_, &publisher_, &governor, &clock_, options_);
  p.SetInstruments({kA});
  p.SetMode(FeedMode::kPoll);
  EXPECT_EQ(p.RunOnce(), absl::Seconds(9));
  EXPECT_EQ(p.Counters().errors_throttled, 1u);
  EXPECT_LT(governor.Rate(options_.rate_endpoint), 100.0);  // the governor was told
  EXPECT_GE(governor.TimeUntilAvailable(options_.rate_endpoint), absl::Seconds(8));
  clock_.Advance(absl::Seconds(8));
  (void)p.RunOnce();
  EXPECT_EQ(source_.Calls(), 1);     // the venue is still backed off
  clock_.Advance(absl::Seconds(5));  // past Retry-After and poll_interval
  const absl::Duration d = p.RunOnce();
  EXPECT_EQ(source_.Calls(), 2);
  EXPECT_EQ(p.Counters().errors_server, 1u);
  EXPECT_GE(d, absl::Seconds(1));
  EXPECT_EQ(p.Counters().published, 0u);
  EXPECT_EQ(publisher_.State(kA), PublishState::kAwaitingSnapshot);
  clock_.Advance(absl::Seconds(60));
  (void)p.RunOnce();  // keeps going after the errors
  EXPECT_EQ(p.Counters().published, 1u);
  EXPECT_EQ(publisher_.State(kA), PublishState::kLive);
}

TEST_F(PollerTest, RetryAfterLongerThanBackoffDelaysTheNextPollAndRecovers) {
  source_.Set(Book(kA, {L(40, 10)}, {L(42, 3)}));
  source_.errors.push_back(Throttled(absl::Seconds(30)));
  source_.errors.push_back(absl::UnavailableError("503"));
  options_.backoff = {absl::Seconds(2), absl::Seconds(60), 2.0, net::Jitter::kNone};
  net::RateGovernor governor(clock_, governor_options_);
  Poller p(Venue::kPolymarket, &source_, &fanout_, &publisher_, &governor, &clock_, options_);
  p.SetInstruments({kA});
  p.SetMode(FeedMode::kPoll);
  EXPECT_EQ(p.RunOnce(), absl::Seconds(30));
  clock_.Advance(absl::Seconds(29));  // several poll intervals, still inside Retry-After
  (void)p.RunOnce();
  EXPECT_EQ(source_.Calls(), 1);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(p.RunOnce(), absl::Seconds(4));  // 503: second backoff step (2 s, 4 s)
  EXPECT_EQ(source_.Calls(), 2);
  clock_.Advance(absl::Seconds(5));  // past the backoff and poll_interval: recovers
  (void)p.RunOnce();
  EXPECT_EQ(source_.Calls(), 3);
  EXPECT_EQ(publisher_.State(kA), PublishState::kLive);
  const PollerCounters c = p.Counters();
  EXPECT_EQ(c.errors_throttled, 1u);
  EXPECT_EQ(c.errors_server, 1u);
  EXPECT_EQ(c.published, 1u);
}

TEST_F(PollerTest, RefusedRestBookIsCountedNotFatal) {
  source_.Set(Book(kA, {L(50, 10)}, {L(45, 3)}));  // crossed
  net::RateGovernor governor(clock_, governor_options_);
  Poller p(Venue::kPolymarket, &source_, &fanout_, &publisher_, &governor, &clock_, options_);
  p.SetInstruments({kA});
  p.SetMode(FeedMode::kPoll);
  (void)p.RunOnce();
  EXPECT_EQ(p.Counters().publish_rejected, 1u);
  EXPECT_EQ(p.Counters().published, 0u);
  EXPECT_NE(publisher_.State(kA), PublishState::kLive);
}

TEST_F(PollerTest, OwnThreadStartsAndStops) {
  source_.Set(Book(kA, {L(40, 10)}, {L(42, 3)}));
  net::RateGovernor governor(SystemClock::Get(), governor_options_);
  Poller p(Venue::kPolymarket, &source_, &fanout_, &publisher_, &governor, &SystemClock::Get(),
           options_);
  p.SetInstruments({kA});
  p.SetMode(FeedMode::kPoll);
  p.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (publisher_.State(kA) != PublishState::kLive && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  p.Stop();
  EXPECT_EQ(publisher_.State(kA), PublishState::kLive);
}

}  // namespace
}  // namespace arbor::feed
