#include "arbor/feed/book_publisher.h"

#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/feed/outcome_pair_publisher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

using book::BookSide;
using book::Level;

Price P(const char* s) { return Price::Parse(s).value(); }
Quantity Q(const char* s) { return Quantity::Parse(s).value(); }

InstrumentKey Key(const char* id, Venue venue = Venue::kPolymarket) {
  return InstrumentKey{venue, InstrumentId(id), "m1", EventId("e1")};
}

class BookPublisherTest : public ::testing::Test {
 protected:
  BookFanout fanout_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  BookPublisher pub_{&fanout_, &clock_};
  const InstrumentId a_{"tokA"};
};

TEST_F(BookPublisherTest, SnapshotThenChangesReachTheFanoutWithContiguousSequences) {
  pub_.AddInstrument(Key("tokA"), P("0.01"));
  EXPECT_EQ(pub_.State(a_), PublishState::kAwaitingSnapshot);
  EXPECT_FALSE(pub_.AllTrusted());
  std::vector<Level> bids = {{P("0.40"), Q("10")}, {P("0.41"), Q("5")}};
  std::vector<Level> asks = {{P("0.45"), Q("7")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, asks, SnapshotSource::kVenue).ok());
  EXPECT_EQ(pub_.State(a_), PublishState::kLive);
  EXPECT_TRUE(pub_.AllTrusted());
  EXPECT_EQ(pub_.Sequence(a_), 1u);

  std::vector<LevelChange> changes = {{BookSide::kBid, P("0.41"), Q("0")},
                                      {BookSide::kAsk, P("0.44"), Q("3")}};
  ASSERT_TRUE(pub_.PublishChanges(a_, changes).ok());
  EXPECT_EQ(pub_.Sequence(a_), 3u);
  auto book = fanout_.GetBook(a_);
  ASSERT_TRUE(book.ok());
  EXPECT_EQ(book->sequence, 3u);
  EXPECT_THAT(book->bids, ::testing::ElementsAre(Level{P("0.40"), Q("10")}));
  EXPECT_THAT(book->asks,
              ::testing::ElementsAre(Level{P("0.44"), Q("3")}, Level{P("0.45"), Q("7")}));
  PublisherCounters k = pub_.Counters(Venue::kPolymarket);
  EXPECT_EQ(k.snapshots, 1u);
  EXPECT_EQ(k.delta_groups, 1u);
  EXPECT_EQ(k.level_changes, 2u);
}

TEST_F(BookPublisherTest, CrossedLockedAndOffGridSnapshotsQuarantine) {
  pub_.AddInstrument(Key("tokA"), P("0.01"));
  std::vector<Level> ok_bids = {{P("0.40"), Q("1")}};
  std::vector<Level> ok_asks = {{P("0.45"), Q("1")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, ok_bids, ok_asks, SnapshotSource::kVenue).ok());

  std::vector<Level> crossed_asks = {{P("0.39"), Q("1")}};
  absl::Status s = pub_.PublishSnapshot(a_, ok_bids, crossed_asks, SnapshotSource::kVenue);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("crossed"));
  EXPECT_EQ(pub_.State(a_), PublishState::kQuarantined);
  EXPECT_EQ(fanout_.GetBook(a_)->status, BookStatus::kQuarantined);
  // The last good levels stay in the fan-out but are flagged; deltas are refused.
  std::vector<LevelChange> change = {{BookSide::kBid, P("0.41"), Q("1")}};
  EXPECT_EQ(pub_.PublishChanges(a_, change).code(), absl::StatusCode::kFailedPrecondition);

  std::vector<Level> locked_asks = {{P("0.40"), Q("1")}};
  s = pub_.PublishSnapshot(a_, ok_bids, locked_asks, SnapshotSource::kVenue);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("locked"));

  std::vector<Level> off_grid = {{P("0.405"), Q("1")}};
  s = pub_.PublishSnapshot(a_, off_grid, ok_asks, SnapshotSource::kVenue);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("off the tick grid"));

  // A good snapshot repairs it.
  ASSERT_TRUE(pub_.PublishSnapshot(a_, ok_bids, ok_asks, SnapshotSource::kResync).ok());
  EXPECT_EQ(pub_.State(a_), PublishState::kLive);
  EXPECT_EQ(fanout_.GetBook(a_)->status, BookStatus::kLive);
  EXPECT_EQ(pub_.Counters(Venue::kPolymarket).rejected_snapshots, 3u);
  EXPECT_EQ(pub_.Counters(Venue::kPolymarket).quarantines, 1u);
}

TEST_F(BookPublisherTest, OffGridOrOutOfRangeChangeQuarantines) {
  pub_.AddInstrument(Key("tokA"), P("0.01"));
  std::vector<Level> bids = {{P("0.40"), Q("1")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kVenue).ok());
  std::vector<LevelChange> bad = {{BookSide::kBid, P("0.415"), Q("1")}};
  EXPECT_EQ(pub_.PublishChanges(a_, bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(pub_.State(a_), PublishState::kQuarantined);
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kResync).ok());
  std::vector<LevelChange> out = {{BookSide::kAsk, P("1"), Q("1")}};
  EXPECT_EQ(pub_.PublishChanges(a_, out).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BookPublisherTest, StaleThenDataResumes) {
  pub_.AddInstrument(Key("tokA"));
  std::vector<Level> bids = {{P("0.40"), Q("1")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kVenue).ok());
  ASSERT_TRUE(pub_.MarkStale(a_, "NoDataTimeout").ok());
  EXPECT_EQ(pub_.State(a_), PublishState::kStale);
  EXPECT_EQ(fanout_.GetBook(a_)->status, BookStatus::kStale);
  EXPECT_TRUE(pub_.AllTrusted());  // stale contents are still the venue's last book
  std::vector<LevelChange> change = {{BookSide::kBid, P("0.40"), Q("2")}};
  ASSERT_TRUE(pub_.PublishChanges(a_, change).ok());
  EXPECT_EQ(pub_.State(a_), PublishState::kLive);
  EXPECT_EQ(fanout_.GetBook(a_)->status, BookStatus::kLive);
  ASSERT_TRUE(pub_.MarkStale(a_, "NoDataTimeout").ok());
  ASSERT_TRUE(pub_.MarkLive(a_).ok());
  EXPECT_EQ(pub_.State(a_), PublishState::kLive);
  EXPECT_EQ(pub_.Counters(Venue::kPolymarket).stale_marks, 2u);
}

TEST_F(BookPublisherTest, TickChangeAwaitsANewSnapshotOnTheNewGrid) {
  pub_.AddInstrument(Key("tokA"), P("0.01"));
  std::vector<Level> bids = {{P("0.40"), Q("1")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kVenue).ok());
  ASSERT_TRUE(pub_.SetTick(a_, P("0.001")).ok());
  EXPECT_EQ(pub_.State(a_), PublishState::kAwaitingSnapshot);
  EXPECT_EQ(fanout_.GetBook(a_)->status, BookStatus::kQuarantined);
  EXPECT_FALSE(pub_.AllTrusted());
  std::vector<Level> fine = {{P("0.405"), Q("1")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, fine, {}, SnapshotSource::kGridChange).ok());
  EXPECT_EQ(pub_.Tick(a_), P("0.001"));
}

TEST_F(BookPublisherTest, ARestBookCarryingItsTickAdoptsIt) {
  pub_.AddInstrument(Key("tokA"), P("0.01"));
  std::vector<Level> fine = {{P("0.012"), Q("1")}};
  // Without the venue's tick the finer price is refused ...
  EXPECT_FALSE(pub_.PublishSnapshot(a_, fine, {}, SnapshotSource::kRest).ok());
  // ... with it (REST /book tick_size after a missed tick_size_change) the book is accepted.
  ASSERT_TRUE(pub_.PublishSnapshot(a_, fine, {}, SnapshotSource::kRest, 0, P("0.001")).ok());
  EXPECT_EQ(pub_.Tick(a_), P("0.001"));
  EXPECT_EQ(pub_.State(a_), PublishState::kLive);
}

TEST_F(BookPublisherTest, ClosedRefusesEverythingAndReopensOnlyByAdd) {
  pub_.AddInstrument(Key("tokA"));
  std::vector<Level> bids = {{P("0.40"), Q("1")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kVenue).ok());
  ASSERT_TRUE(pub_.CloseInstrument(a_, "MarketResolved").ok());
  EXPECT_EQ(fanout_.GetBook(a_)->status, BookStatus::kClosed);
  EXPECT_EQ(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kVenue).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(pub_.AllTrusted());  // closed books do not block readiness
  EXPECT_EQ(pub_.Counts(Venue::kPolymarket).closed, 1u);
  pub_.AddInstrument(Key("tokA"));
  EXPECT_EQ(pub_.State(a_), PublishState::kAwaitingSnapshot);
}

TEST_F(BookPublisherTest, ExpectSnapshotAndUnknownInstruments) {
  pub_.AddInstrument(Key("tokA"));
  pub_.AddInstrument(Key("KX-1", Venue::kKalshi));
  std::vector<Level> bids = {{P("0.40"), Q("1")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kVenue).ok());
  ASSERT_TRUE(pub_.ExpectSnapshot(a_, "Reconnecting").ok());
  EXPECT_EQ(pub_.State(a_), PublishState::kAwaitingSnapshot);
  EXPECT_EQ(fanout_.GetBook(a_)->status, BookStatus::kQuarantined);
  PublishStateCounts pm = pub_.Counts(Venue::kPolymarket);
  EXPECT_EQ(pm.instruments, 1u);
  EXPECT_EQ(pm.awaiting, 1u);
  EXPECT_EQ(pub_.Counts(Venue::kKalshi).awaiting, 1u);
  EXPECT_EQ(pub_.Instruments(Venue::kKalshi), std::vector<InstrumentId>{InstrumentId("KX-1")});
  EXPECT_EQ(pub_.PublishSnapshot(InstrumentId("nope"), bids, {}, SnapshotSource::kVenue).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(pub_.Quarantine(InstrumentId("nope"), "X").code(), absl::StatusCode::kNotFound);
}

TEST_F(BookPublisherTest, LatencyObserverSeesReceiveToPublishTime) {
  std::vector<int64_t> seen;
  pub_.SetLatencyObserver([&](Venue v, int64_t nanos) {
    EXPECT_EQ(v, Venue::kPolymarket);
    seen.push_back(nanos);
  });
  pub_.AddInstrument(Key("tokA"));
  clock_.Advance(absl::Seconds(1));  // 0 means "receive time unknown"
  const int64_t received = clock_.MonotonicNanos();
  clock_.Advance(absl::Microseconds(250));
  std::vector<Level> bids = {{P("0.40"), Q("1")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kVenue, received).ok());
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kVenue, 0).ok());  // unknown
  EXPECT_EQ(seen, std::vector<int64_t>{250'000});
}

}  // namespace
}  // namespace arbor::feed

namespace arbor::feed {
namespace {

TEST(OutcomePairPublisherTest, OneVenueBookIsPublishedAsYesAndComplementedNo) {
  BookFanout fanout;
  SimulatedClock clock;
  BookPublisher pub(&fanout, &clock);
  OutcomePairPublisher pair(&pub);
  pair.AddInstrument(InstrumentKey{Venue::kKalshi, InstrumentId("KX-1"), "", EventId("KX")},
                     Price::Parse("0.01").value());
  const InstrumentId yes("KX-1:YES");
  const InstrumentId no("KX-1:NO");
  EXPECT_EQ(pub.State(yes), PublishState::kAwaitingSnapshot);
  EXPECT_EQ(pub.State(no), PublishState::kAwaitingSnapshot);
  EXPECT_EQ(pub.Untrusted(Venue::kKalshi), (std::vector<InstrumentId>{no, yes}));

  auto P = [](const char* s) { return Price::Parse(s).value(); };
  auto Q = [](const char* s) { return Quantity::Parse(s).value(); };
  std::vector<book::Level> bids = {{P("0.40"), Q("10")}, {P("0.39"), Q("4")}};
  std::vector<book::Level> asks = {{P("0.45"), Q("7")}};
  ASSERT_TRUE(pair.PublishSnapshot(InstrumentId("KX-1"), bids, asks, SnapshotSource::kVenue).ok());
  auto no_book = fanout.GetBook(no);
  ASSERT_TRUE(no_book.ok());
  // YES ask 0.45 → NO bid 0.55; YES bids 0.40 / 0.39 → NO asks 0.60 / 0.61.
  EXPECT_THAT(no_book->bids, ::testing::ElementsAre(book::Level{P("0.55"), Q("7")}));
  EXPECT_THAT(no_book->asks, ::testing::ElementsAre(book::Level{P("0.60"), Q("10")},
                                                    book::Level{P("0.61"), Q("4")}));
  EXPECT_EQ(fanout.GetBook(yes)->key.market_id, "KX-1");
  EXPECT_TRUE(pub.Untrusted(Venue::kKalshi).empty());

  std::vector<LevelChange> changes = {{book::BookSide::kBid, P("0.41"), Q("2")}};
  ASSERT_TRUE(pair.PublishChanges(InstrumentId("KX-1"), changes).ok());
  no_book = fanout.GetBook(no);
  EXPECT_THAT(no_book->asks, ::testing::ElementsAre(book::Level{P("0.59"), Q("2")},
                                                    book::Level{P("0.60"), Q("10")},
                                                    book::Level{P("0.61"), Q("4")}));
  EXPECT_EQ(no_book->sequence, fanout.GetBook(yes)->sequence);

  ASSERT_TRUE(pair.Quarantine(InstrumentId("KX-1"), "SequenceGap").ok());
  EXPECT_EQ(pub.State(no), PublishState::kQuarantined);
  ASSERT_TRUE(pair.CloseInstrument(InstrumentId("KX-1"), "MarketClosed").ok());
  EXPECT_EQ(pair.State(InstrumentId("KX-1")), PublishState::kClosed);
  EXPECT_EQ(pub.State(no), PublishState::kClosed);
  EXPECT_FALSE(fanout.GetBook(yes)->settlement_price_micros.has_value());
  // Determined "yes" after the close: YES settles at $1, NO at $0.
  ASSERT_TRUE(pair.CloseInstrument(InstrumentId("KX-1"), "determined", 1'000'000).ok());
  EXPECT_EQ(fanout.GetBook(yes)->settlement_price_micros, 1'000'000);
  EXPECT_EQ(fanout.GetBook(no)->settlement_price_micros, 0);
}

TEST_F(BookPublisherTest, AResolutionIsPublishedOnceEvenAfterAPlainClose) {
  pub_.AddInstrument(Key("tokA"), P("0.01"));
  ASSERT_TRUE(pub_.PublishSnapshot(a_, {{P("0.40"), Q("1")}}, {}, SnapshotSource::kVenue).ok());
  absl::StatusOr<SubscriberId> sub = fanout_.Subscribe(BookFilter{}, 16);
  ASSERT_TRUE(sub.ok());
  FanoutUpdate u;
  while (fanout_.Next(*sub, absl::ZeroDuration(), &u).ok()) {
  }
  EXPECT_EQ(pub_.CloseInstrument(a_, "MarketResolved", 1'000'001).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(pub_.State(a_), PublishState::kLive);  // a bad settlement changes nothing

  ASSERT_TRUE(pub_.CloseInstrument(a_, "Deactivated").ok());  // closed, outcome not known yet
  ASSERT_TRUE(pub_.CloseInstrument(a_, "MarketResolved", 0).ok());
  ASSERT_TRUE(pub_.CloseInstrument(a_, "MarketResolved", 0).ok());  // a repeat is not news
  std::vector<std::optional<int64_t>> settlements;
  while (fanout_.Next(*sub, absl::ZeroDuration(), &u).ok()) {
    ASSERT_EQ(u.kind, UpdateKind::kStatus);
    EXPECT_EQ(u.status, BookStatus::kClosed);
    settlements.push_back(u.settlement_price_micros);
  }
  EXPECT_THAT(settlements, ::testing::ElementsAre(std::nullopt, std::optional<int64_t>(0)));
  EXPECT_EQ(fanout_.GetBook(a_)->settlement_price_micros, 0);
}

TEST_F(BookPublisherTest, SnapshotsAndChangesCarryTheirTimes) {
  pub_.AddInstrument(Key("tokA"), P("0.01"));
  const EventTimes t1{.event_unix_nanos = 1'699'999'999'000'000'000,
                      .receipt_unix_nanos = 1'700'000'000'000'000'000,
                      .receipt_mono_nanos = 5};
  std::vector<Level> bids = {{P("0.40"), Q("10")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kVenue, t1).ok());
  EXPECT_EQ(fanout_.GetBook(a_)->times, t1);
  const EventTimes t2{.event_unix_nanos = 11, .receipt_unix_nanos = 12, .receipt_mono_nanos = 13};
  std::vector<LevelChange> changes = {{BookSide::kBid, P("0.41"), Q("1")}};
  ASSERT_TRUE(pub_.PublishChanges(a_, changes, t2).ok());
  EXPECT_EQ(fanout_.GetBook(a_)->times, t2);
}

TEST_F(BookPublisherTest, ARestSnapshotCarriesItsReceiveTimeInWallTerms) {
  // The reconciler / poller pass only a monotonic receive time: the wall receipt is derived.
  pub_.AddInstrument(Key("tokA"), P("0.01"));
  clock_.Advance(absl::Seconds(1));  // monotonic 0 means "unknown"
  const int64_t received = clock_.MonotonicNanos();
  const int64_t received_wall = absl::ToUnixNanos(clock_.Now());
  clock_.Advance(absl::Milliseconds(3));  // the publish happens later
  std::vector<Level> bids = {{P("0.40"), Q("10")}};
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kRest, received).ok());
  const EventTimes times = fanout_.GetBook(a_)->times;
  EXPECT_EQ(times.receipt_unix_nanos, received_wall);
  EXPECT_EQ(times.receipt_mono_nanos, received);
  EXPECT_EQ(times.event_unix_nanos, 0) << "REST books have no venue event time";
  // Unknown receive time: receipt = publish time, no latency reference.
  ASSERT_TRUE(pub_.PublishSnapshot(a_, bids, {}, SnapshotSource::kRest).ok());
  EXPECT_EQ(fanout_.GetBook(a_)->times.receipt_unix_nanos, absl::ToUnixNanos(clock_.Now()));
  EXPECT_EQ(fanout_.GetBook(a_)->times.receipt_mono_nanos, 0);
}

TEST_F(BookPublisherTest, TradesReachTheFanoutWithTheInstrumentKey) {
  pub_.AddInstrument(Key("tokA"), P("0.01"));
  absl::StatusOr<SubscriberId> sub =
      fanout_.Subscribe(BookFilter{{}, {}, {"m1"}, {}}, 8, /*include_trades=*/true);
  ASSERT_TRUE(sub.ok());
  FanoutUpdate u;
  ASSERT_TRUE(fanout_.Next(*sub, absl::ZeroDuration(), &u).ok());  // end of burst (no book yet)
  // A trade while the book still awaits its snapshot is published (trades do not need a book).
  const TradePrint t{.price = P("0.42"), .size = Q("3"), .aggressor = TradeSide::kBuy};
  ASSERT_TRUE(pub_.PublishTrade(a_, t).ok());
  ASSERT_TRUE(fanout_.Next(*sub, absl::ZeroDuration(), &u).ok());
  ASSERT_EQ(u.kind, UpdateKind::kTrade);
  EXPECT_EQ(u.key, Key("tokA"));
  EXPECT_EQ(u.trade, t);
  EXPECT_EQ(pub_.Counters(Venue::kPolymarket).trades, 1u);
  EXPECT_EQ(pub_.PublishTrade(InstrumentId("nope"), t).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(pub_.CloseInstrument(a_, "MarketResolved").ok());
  EXPECT_EQ(pub_.PublishTrade(a_, t).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(OutcomePairPublisherTest, AKalshiTradeGoesToTheInstrumentTheTakerBought) {
  BookFanout fanout;
  SimulatedClock clock;
  BookPublisher pub(&fanout, &clock);
  OutcomePairPublisher pair(&pub);
  pair.AddInstrument(InstrumentKey{Venue::kKalshi, InstrumentId("KX-1"), "", EventId("KX")});
  absl::StatusOr<SubscriberId> sub = fanout.Subscribe(BookFilter{}, 16, true);
  ASSERT_TRUE(sub.ok());
  FanoutUpdate u;
  ASSERT_TRUE(fanout.Next(*sub, absl::ZeroDuration(), &u).ok());  // end of burst
  const EventTimes times{.event_unix_nanos = 1, .receipt_unix_nanos = 2, .receipt_mono_nanos = 3};
  struct Case {
    std::optional<bool> bought_yes;
    const char* instrument;
    const char* price;
    TradeSide side;
  } cases[] = {
      {true, "KX-1:YES", "0.36", TradeSide::kBuy},
      {false, "KX-1:NO", "0.64", TradeSide::kBuy},
      {std::nullopt, "KX-1:YES", "0.36", TradeSide::kUnspecified},
  };
  for (const Case& c : cases) {
    ASSERT_TRUE(
        pair.PublishTrade(InstrumentId("KX-1"), c.bought_yes, P("0.36"), Q("12"), "t-9", times)
            .ok());
    ASSERT_TRUE(fanout.Next(*sub, absl::ZeroDuration(), &u).ok());
    ASSERT_EQ(u.kind, UpdateKind::kTrade);
    EXPECT_EQ(u.key.instrument_id, InstrumentId(c.instrument));
    EXPECT_EQ(u.key.market_id, "KX-1");
    EXPECT_EQ(u.trade.price, P(c.price));
    EXPECT_EQ(u.trade.size.micros(), 12'000'000);
    EXPECT_EQ(u.trade.aggressor, c.side);
    EXPECT_EQ(u.trade.venue_trade_id, "t-9");
    EXPECT_EQ(u.trade.times, times);
    // One print per trade, never both instruments.
    EXPECT_TRUE(absl::IsDeadlineExceeded(fanout.Next(*sub, absl::ZeroDuration(), &u)));
  }
}

}  // namespace
}  // namespace arbor::feed
