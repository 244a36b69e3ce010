#include "arbor/venue/kalshi/book_builder.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "arbor/book/complement_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::kalshi {
namespace {

using book::BookSide;
using book::Level;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }

OrderbookSnapshot Snapshot(std::string_view ticker, std::vector<PriceLevel> yes,
                           std::vector<PriceLevel> no) {
  OrderbookSnapshot s;
  s.market_ticker = ticker;
  s.yes = std::move(yes);
  s.no = std::move(no);
  return s;
}

OrderbookDelta Delta(std::string_view ticker, Side side, std::string_view price,
                     std::string_view delta) {
  OrderbookDelta d;
  d.market_ticker = ticker;
  d.side = side;
  d.price = P(price);
  d.delta = Q(delta);
  return d;
}

// The FED-23DEC-T3.00 spec snapshot: yes 0.08x300, 0.22x333; no 0.54x20, 0.56x146.
OrderbookSnapshot FedSnapshot() {
  return Snapshot("FED", {{P("0.08"), Q("300")}, {P("0.22"), Q("333")}},
                  {{P("0.54"), Q("20")}, {P("0.56"), Q("146")}});
}

std::vector<Level> Levels(const book::OrderBook& b, BookSide side) {
  std::vector<Level> out;
  b.ForEachLevel(side, [&](const Level& l) { out.push_back(l); });
  return out;
}

TEST(BookSetTest, NoBidsBecomeComplementAsks) {
  BookSet books;
  const ApplyResult r = books.ApplySnapshot(2, 2, FedSnapshot());
  ASSERT_EQ(r.outcome, ApplyOutcome::kApplied) << r.error;
  const book::OrderBook* b = books.Find("FED");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->BestBid(), (Level{P("0.22"), Q("333")}));
  EXPECT_EQ(b->BestAsk(), (Level{P("0.44"), Q("146")}));  // 1 - best NO bid 0.56
  EXPECT_THAT(Levels(*b, BookSide::kAsk),
              ElementsAre(Level{P("0.44"), Q("146")}, Level{P("0.46"), Q("20")}));
  EXPECT_THAT(Levels(*b, BookSide::kBid),
              ElementsAre(Level{P("0.22"), Q("333")}, Level{P("0.08"), Q("300")}));
  // The NO book is the complement view: best NO bid 0.56, best NO ask 1 - 0.22.
  const book::ComplementView no_book(*b);
  EXPECT_EQ(no_book.BestBid(), (Level{P("0.56"), Q("146")}));
  EXPECT_EQ(no_book.BestAsk(), (Level{P("0.78"), Q("333")}));
  EXPECT_TRUE(books.Status("FED")->live);
  EXPECT_EQ(books.Status("FED")->sid, 2u);
}

TEST(BookSetTest, UseYesPriceTakesNoLevelsAsYesAsks) {
  BookSet books(BookSetOptions{.use_yes_price = true});
  // With use_yes_price:true the venue sends the NO side already as YES prices.
  ASSERT_EQ(books.ApplySnapshot(1, 1, Snapshot("M", {{P("0.22"), Q("5")}}, {{P("0.44"), Q("7")}}))
                .outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.Find("M")->BestAsk(), (Level{P("0.44"), Q("7")}));
  ASSERT_EQ(books.ApplyDelta(1, 2, Delta("M", Side::kNo, "0.45", "3")).outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.Find("M")->SizeAt(BookSide::kAsk, P("0.45")), Q("3"));
}

TEST(BookSetTest, DeltasAreAdditiveAndZeroRemovesTheLevel) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(2, 2, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  EXPECT_EQ(books.ApplyDelta(2, 3, Delta("FED", Side::kYes, "0.22", "10")).outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.Find("FED")->SizeAt(BookSide::kBid, P("0.22")), Q("343"));
  EXPECT_EQ(books.ApplyDelta(2, 4, Delta("FED", Side::kNo, "0.56", "4.5")).outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.Find("FED")->SizeAt(BookSide::kAsk, P("0.44")), Q("150.5"));
  // A new level, then removal at exactly zero.
  EXPECT_EQ(books.ApplyDelta(2, 5, Delta("FED", Side::kYes, "0.30", "12")).outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.Find("FED")->BestBid(), (Level{P("0.30"), Q("12")}));
  EXPECT_EQ(books.ApplyDelta(2, 6, Delta("FED", Side::kYes, "0.30", "-12")).outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.Find("FED")->LevelCount(BookSide::kBid), 2);
  EXPECT_EQ(books.ApplyDelta(2, 7, Delta("FED", Side::kYes, "0.22", "-343")).outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.Find("FED")->BestBid(), (Level{P("0.08"), Q("300")}));
  EXPECT_EQ(books.counters().deltas_applied, 5u);
}

TEST(BookSetTest, GoingNegativeIsRejectedAndMarksTheMarketStale) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(2, 2, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  const ApplyResult r = books.ApplyDelta(2, 3, Delta("FED", Side::kYes, "0.08", "-301"));
  EXPECT_EQ(r.outcome, ApplyOutcome::kRejected);
  EXPECT_EQ(r.error.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("FED yes 0.08 -301"));
  EXPECT_TRUE(r.market_needs_snapshot);
  EXPECT_EQ(books.Find("FED")->SizeAt(BookSide::kBid, P("0.08")), Q("300"));  // unchanged
  EXPECT_EQ(books.Status("FED")->reason, StaleReason::kRejectedUpdate);
  EXPECT_FALSE(books.Status("FED")->live);
  // Further deltas are dropped until a snapshot.
  EXPECT_EQ(books.ApplyDelta(2, 4, Delta("FED", Side::kYes, "0.08", "1")).outcome,
            ApplyOutcome::kStaleDropped);
  EXPECT_EQ(books.ApplySnapshot(2, 5, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  EXPECT_TRUE(books.Status("FED")->live);
  EXPECT_EQ(books.ApplyDelta(2, 6, Delta("FED", Side::kYes, "0.08", "1")).outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.counters().rejected, 1u);
  EXPECT_EQ(books.counters().stale_drops, 1u);
}

TEST(BookSetTest, OffGridDeltaIsRejected) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(2, 2, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  const ApplyResult r = books.ApplyDelta(2, 3, Delta("FED", Side::kYes, "0.225", "1"));
  EXPECT_EQ(r.outcome, ApplyOutcome::kRejected);
  EXPECT_THAT(std::string(r.error.message()), HasSubstr("off the tick grid"));
}

TEST(BookSetTest, GapMarksEveryBookOnTheSidStaleUntilItsSnapshot) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(1, 1, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  OrderbookSnapshot other = FedSnapshot();
  other.market_ticker = "OTHER";
  ASSERT_EQ(books.ApplySnapshot(1, 2, other).outcome, ApplyOutcome::kApplied);
  OrderbookSnapshot elsewhere = FedSnapshot();
  elsewhere.market_ticker = "ELSEWHERE";
  ASSERT_EQ(books.ApplySnapshot(9, 1, elsewhere).outcome, ApplyOutcome::kApplied);

  const ApplyResult gap = books.ApplyDelta(1, 5, Delta("FED", Side::kYes, "0.22", "1"));
  EXPECT_EQ(gap.outcome, ApplyOutcome::kGap);
  ASSERT_TRUE(gap.gap.has_value());
  EXPECT_EQ(gap.gap->sid, 1u);
  EXPECT_EQ(gap.gap->expected, 3u);
  EXPECT_EQ(gap.gap->got, 5u);
  EXPECT_EQ(books.Find("FED")->SizeAt(BookSide::kBid, P("0.22")), Q("333"));  // not applied
  EXPECT_EQ(books.Status("FED")->reason, StaleReason::kSeqGap);
  EXPECT_EQ(books.Status("OTHER")->reason, StaleReason::kSeqGap);
  EXPECT_TRUE(books.Status("ELSEWHERE")->live);  // another sid is unaffected
  EXPECT_THAT(books.MarketsOnSid(1), ElementsAre("FED", "OTHER"));

  // In-order deltas after the gap are still dropped: the books are stale.
  EXPECT_EQ(books.ApplyDelta(1, 6, Delta("OTHER", Side::kYes, "0.22", "1")).outcome,
            ApplyOutcome::kStaleDropped);
  // get_snapshot: ok reply, then snapshots, resynchronise one market at a time.
  WsMessage ok;
  ok.type = MessageType::kOk;
  ok.sid = 1;
  ok.seq = 7;
  EXPECT_EQ(books.Apply(ok).outcome, ApplyOutcome::kIgnored);
  EXPECT_EQ(books.ApplySnapshot(1, 8, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  EXPECT_TRUE(books.Status("FED")->live);
  EXPECT_FALSE(books.Status("OTHER")->live);
  EXPECT_EQ(books.ApplyDelta(1, 9, Delta("FED", Side::kYes, "0.22", "1")).outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.ApplyDelta(1, 10, Delta("OTHER", Side::kYes, "0.22", "1")).outcome,
            ApplyOutcome::kStaleDropped);
  EXPECT_EQ(books.counters().gaps, 1u);
  EXPECT_EQ(books.counters().stale_drops, 2u);
}

TEST(BookSetTest, SnapshotThatSkipsAheadStalesTheOtherBooks) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(1, 1, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  OrderbookSnapshot other = FedSnapshot();
  other.market_ticker = "OTHER";
  const ApplyResult r = books.ApplySnapshot(1, 4, other);
  EXPECT_EQ(r.outcome, ApplyOutcome::kApplied);
  ASSERT_TRUE(r.gap.has_value());
  EXPECT_EQ(r.gap->expected, 2u);
  EXPECT_TRUE(books.Status("OTHER")->live);
  EXPECT_EQ(books.Status("FED")->reason, StaleReason::kSeqGap);
}

TEST(BookSetTest, OkReplyWithAGapIsReported) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(1, 1, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  WsMessage ok;
  ok.type = MessageType::kOk;
  ok.sid = 1;
  ok.seq = 3;
  const ApplyResult r = books.Apply(ok);
  EXPECT_EQ(r.outcome, ApplyOutcome::kGap);
  EXPECT_FALSE(books.Status("FED")->live);
}

TEST(BookSetTest, DuplicatesUnknownMarketsAndForeignSids) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(1, 1, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  ASSERT_EQ(books.ApplyDelta(1, 2, Delta("FED", Side::kYes, "0.22", "1")).outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.ApplyDelta(1, 2, Delta("FED", Side::kYes, "0.22", "1")).outcome,
            ApplyOutcome::kDuplicate);
  EXPECT_EQ(books.Find("FED")->SizeAt(BookSide::kBid, P("0.22")), Q("334"));
  EXPECT_EQ(books.ApplyDelta(1, 3, Delta("NOPE", Side::kYes, "0.22", "1")).outcome,
            ApplyOutcome::kUnknownMarket);
  EXPECT_EQ(books.Find("NOPE"), nullptr);
  // The same market on a second subscription must not be applied twice.
  EXPECT_EQ(books.ApplyDelta(2, 1, Delta("FED", Side::kYes, "0.22", "1")).outcome,
            ApplyOutcome::kIgnored);
  EXPECT_EQ(books.Find("FED")->SizeAt(BookSide::kBid, P("0.22")), Q("334"));
  const BookSetCounters& c = books.counters();
  EXPECT_EQ(c.duplicate_drops, 1u);
  EXPECT_EQ(c.unknown_market_drops, 1u);
  EXPECT_EQ(c.foreign_sid_drops, 1u);
  EXPECT_EQ(c.snapshots_applied, 1u);
}

TEST(BookSetTest, SnapshotReplacesAndAbsentSideIsEmpty) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(1, 1, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  ASSERT_EQ(books.ApplySnapshot(1, 2, Snapshot("FED", {{P("0.10"), Q("1")}}, {})).outcome,
            ApplyOutcome::kApplied);
  const book::OrderBook& b = *books.Find("FED");
  EXPECT_THAT(Levels(b, BookSide::kBid), ElementsAre(Level{P("0.10"), Q("1")}));
  EXPECT_FALSE(b.BestAsk().has_value());
  ASSERT_EQ(books.ApplySnapshot(1, 3, Snapshot("FED", {}, {})).outcome, ApplyOutcome::kApplied);
  EXPECT_TRUE(books.Find("FED")->empty());
}

TEST(BookSetTest, InvalidSnapshotIsRejected) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(1, 1, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  // A YES bid at 0 is not a resting price; a duplicate price is refused too.
  const ApplyResult zero = books.ApplySnapshot(1, 2, Snapshot("FED", {{P("0"), Q("1")}}, {}));
  EXPECT_EQ(zero.outcome, ApplyOutcome::kRejected);
  EXPECT_THAT(std::string(zero.error.message()), HasSubstr("orderbook_snapshot FED"));
  EXPECT_EQ(books.Find("FED")->BestBid(), (Level{P("0.22"), Q("333")}));  // unchanged
  EXPECT_EQ(books.Status("FED")->reason, StaleReason::kRejectedUpdate);
  const ApplyResult dup =
      books.ApplySnapshot(1, 3, Snapshot("FED", {{P("0.1"), Q("1")}, {P("0.1"), Q("2")}}, {}));
  EXPECT_EQ(dup.outcome, ApplyOutcome::kRejected);
  // A fresh market whose first snapshot is refused stays unknown to deltas.
  EXPECT_EQ(books.ApplySnapshot(1, 4, Snapshot("NEW", {{P("0.005"), Q("1")}}, {})).outcome,
            ApplyOutcome::kRejected);
  EXPECT_EQ(books.ApplyDelta(1, 5, Delta("NEW", Side::kYes, "0.01", "1")).outcome,
            ApplyOutcome::kUnknownMarket);
}

MarketLifecycle Structure(std::string_view ticker, std::string_view structure,
                          std::vector<PriceRange> ranges = {}) {
  MarketLifecycle e;
  e.market_ticker = ticker;
  e.event_type = LifecycleEvent::kPriceLevelStructureUpdated;
  e.event_type_text = "price_level_structure_updated";
  e.price_level_structure = structure;
  e.has_price_ranges = !ranges.empty();
  e.price_ranges = std::move(ranges);
  return e;
}

TEST(BookSetTest, RegridKeepsLevelsThatFitAndClearsWhenTheyDoNot) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(1, 1, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  // linear_cent -> deci_cent: every cent level is on the finer grid.
  ApplyResult r = books.ApplyLifecycle(Structure("FED", "deci_cent"));
  EXPECT_EQ(r.outcome, ApplyOutcome::kApplied);
  EXPECT_FALSE(r.market_needs_snapshot);
  EXPECT_EQ(books.Find("FED")->grid(), book::PriceGrid::KalshiDeciCent());
  EXPECT_EQ(books.Find("FED")->BestBid(), (Level{P("0.22"), Q("333")}));
  ASSERT_EQ(books.ApplyDelta(1, 2, Delta("FED", Side::kYes, "0.225", "5")).outcome,
            ApplyOutcome::kApplied);
  // The same structure again changes nothing.
  EXPECT_EQ(books.ApplyLifecycle(Structure("FED", "deci_cent")).outcome, ApplyOutcome::kIgnored);
  // Back to linear_cent: 0.225 is off the grid, so the book is cleared and awaits a snapshot.
  r = books.ApplyLifecycle(Structure("FED", "linear_cent"));
  EXPECT_EQ(r.outcome, ApplyOutcome::kApplied);
  EXPECT_TRUE(r.market_needs_snapshot);
  EXPECT_TRUE(books.Find("FED")->empty());
  EXPECT_EQ(books.Find("FED")->grid(), book::PriceGrid::KalshiLinearCent());
  EXPECT_EQ(books.Status("FED")->reason, StaleReason::kGridChange);
  EXPECT_EQ(books.ApplyDelta(1, 3, Delta("FED", Side::kYes, "0.22", "1")).outcome,
            ApplyOutcome::kStaleDropped);
  EXPECT_EQ(books.ApplySnapshot(1, 4, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  EXPECT_TRUE(books.Status("FED")->live);
  EXPECT_EQ(books.counters().regrids, 1u);
  EXPECT_EQ(books.counters().regrid_clears, 1u);
}

TEST(BookSetTest, GridLearntBeforeTheFirstSnapshot) {
  BookSet books;
  const std::vector<PriceRange> tapered = {{P("0"), P("0.1"), P("0.001")},
                                           {P("0.1"), P("0.9"), P("0.01")},
                                           {P("0.9"), P("1"), P("0.001")}};
  EXPECT_EQ(books.ApplyLifecycle(Structure("SUB", "tapered_deci_cent", tapered)).outcome,
            ApplyOutcome::kApplied);
  EXPECT_FALSE(books.Status("SUB")->live);
  EXPECT_EQ(books.Status("SUB")->reason, StaleReason::kNoSnapshot);
  // 0.005 is valid on the tapered grid (0.001 steps below 0.10).
  ASSERT_EQ(books.ApplySnapshot(3, 1, Snapshot("SUB", {{P("0.005"), Q("2")}}, {{P("0.5"), Q("1")}}))
                .outcome,
            ApplyOutcome::kApplied);
  EXPECT_EQ(books.Find("SUB")->BestBid(), (Level{P("0.005"), Q("2")}));
  // 0.105 is not (0.01 steps in the middle).
  EXPECT_EQ(books.ApplyDelta(3, 2, Delta("SUB", Side::kYes, "0.105", "1")).outcome,
            ApplyOutcome::kRejected);
  // SetGrid is the REST-side equivalent.
  EXPECT_FALSE(books.SetGrid("REST", book::PriceGrid::KalshiDeciCent()));
  EXPECT_EQ(books.Find("REST")->grid(), book::PriceGrid::KalshiDeciCent());
}

TEST(BookSetTest, LifecycleWithoutStructureOrWithABadOneChangesNothing) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(1, 1, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  MarketLifecycle settled;
  settled.market_ticker = "FED";
  settled.event_type = LifecycleEvent::kSettled;
  EXPECT_EQ(books.ApplyLifecycle(settled).outcome, ApplyOutcome::kIgnored);
  const ApplyResult bad = books.ApplyLifecycle(Structure("FED", "hexa_cent"));
  EXPECT_EQ(bad.outcome, ApplyOutcome::kRejected);
  EXPECT_THAT(std::string(bad.error.message()), HasSubstr("unknown price_level_structure"));
  EXPECT_TRUE(books.Status("FED")->live);
}

TEST(GridForStructureTest, NamedAndExplicitGrids) {
  EXPECT_EQ(*GridForStructure("linear_cent", {}), book::PriceGrid::KalshiLinearCent());
  EXPECT_EQ(*GridForStructure("deci_cent", {}), book::PriceGrid::KalshiDeciCent());
  EXPECT_EQ(*GridForStructure("tapered_deci_cent", {}), book::PriceGrid::KalshiTaperedDeciCent());
  const book::PriceGrid tapered = *GridForStructure("tapered_deci_cent", {});
  EXPECT_TRUE(tapered.IsOnGrid(P("0.001")));
  EXPECT_TRUE(tapered.IsOnGrid(P("0.095")));
  EXPECT_FALSE(tapered.IsOnGrid(P("0.105")));
  EXPECT_TRUE(tapered.IsOnGrid(P("0.11")));
  EXPECT_TRUE(tapered.IsOnGrid(P("0.905")));

  // Explicit ranges win, even over a known or unknown name.
  const std::vector<PriceRange> deci = {{P("0"), P("1"), P("0.001")}};
  EXPECT_EQ(*GridForStructure("linear_cent", deci), book::PriceGrid::KalshiDeciCent());
  EXPECT_EQ(*GridForStructure("future_structure", deci), book::PriceGrid::KalshiDeciCent());

  EXPECT_EQ(GridForStructure("future_structure", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GridForStructure("", {}).status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<PriceRange> gap = {{P("0"), P("0.5"), P("0.01")}};
  absl::StatusOr<book::PriceGrid> bad = GridForStructure("deci_cent", gap);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("price_ranges"));
}

TEST(BookSetTest, SubscriptionLifecycleMessages) {
  BookSet books;
  ASSERT_EQ(books.ApplySnapshot(4, 10, FedSnapshot()).outcome, ApplyOutcome::kApplied);
  WsMessage unsub;
  unsub.type = MessageType::kUnsubscribed;
  unsub.sid = 4;
  unsub.seq = 11;
  EXPECT_EQ(books.Apply(unsub).outcome, ApplyOutcome::kIgnored);
  EXPECT_EQ(books.Status("FED")->reason, StaleReason::kSubscriptionLost);
  EXPECT_FALSE(books.seq_tracker().Last(4).has_value());

  // A new subscription reusing sid 4 starts from its own first seq.
  WsMessage sub;
  sub.type = MessageType::kSubscribed;
  sub.subscribed.sid = 4;
  sub.subscribed.channel = "orderbook_delta";
  EXPECT_EQ(books.Apply(sub).outcome, ApplyOutcome::kIgnored);
  WsMessage snap;
  snap.type = MessageType::kOrderbookSnapshot;
  snap.sid = 4;
  snap.seq = 1;
  snap.snapshot = FedSnapshot();
  EXPECT_EQ(books.Apply(snap).outcome, ApplyOutcome::kApplied);
  EXPECT_TRUE(books.Status("FED")->live);
  WsMessage delta;
  delta.type = MessageType::kOrderbookDelta;
  delta.sid = 4;
  delta.seq = 2;
  delta.delta = Delta("FED", Side::kNo, "0.54", "-20");
  EXPECT_EQ(books.Apply(delta).outcome, ApplyOutcome::kApplied);
  EXPECT_EQ(books.Find("FED")->LevelCount(BookSide::kAsk), 1);

  WsMessage ticker;
  ticker.type = MessageType::kTicker;
  EXPECT_EQ(books.Apply(ticker).outcome, ApplyOutcome::kIgnored);

  WsMessage no_seq = delta;
  no_seq.seq.reset();
  EXPECT_EQ(books.Apply(no_seq).outcome, ApplyOutcome::kRejected);

  books.Reset();
  EXPECT_EQ(books.Status("FED")->reason, StaleReason::kSubscriptionLost);
  EXPECT_EQ(books.size(), 1u);
}

TEST(BookSetTest, NamesAreStable) {
  EXPECT_EQ(ApplyOutcomeName(ApplyOutcome::kStaleDropped), "stale_dropped");
  EXPECT_EQ(ApplyOutcomeName(ApplyOutcome::kGap), "gap");
  EXPECT_EQ(StaleReasonName(StaleReason::kGridChange), "grid_change");
  EXPECT_EQ(StaleReasonName(StaleReason::kNone), "none");
}

}  // namespace
}  // namespace arbor::venue::kalshi
