#include "arbor/book/order_book.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "book_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::book {
namespace {

using ::arbor::book::testing::L;
using ::arbor::book::testing::LevelsOf;
using ::arbor::book::testing::P;
using ::arbor::book::testing::Q;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

OrderBook CentBook() { return OrderBook(PriceGrid::KalshiLinearCent()); }

// A stable picture of a whole book for "unchanged" assertions.
struct Picture {
  std::vector<Level> bids;
  std::vector<Level> asks;
  uint64_t update_count;
  friend bool operator==(const Picture&, const Picture&) = default;
};

Picture Snap(const OrderBook& book) {
  return Picture{LevelsOf(book, BookSide::kBid), LevelsOf(book, BookSide::kAsk),
                 book.update_count()};
}

TEST(OrderBookTest, EmptyBook) {
  OrderBook book = CentBook();
  EXPECT_TRUE(book.empty());
  EXPECT_EQ(book.BestBid(), std::nullopt);
  EXPECT_EQ(book.BestAsk(), std::nullopt);
  EXPECT_EQ(book.LevelCount(BookSide::kBid), 0);
  EXPECT_EQ(book.LevelCount(BookSide::kAsk), 0);
  EXPECT_EQ(book.cross_state(), CrossState::kNormal);
  EXPECT_EQ(book.update_count(), 0u);
  EXPECT_EQ(book.grid(), PriceGrid::KalshiLinearCent());
}

TEST(OrderBookTest, SnapshotAcceptsAnyOrderAndSkipsZeroSizes) {
  OrderBook book = CentBook();
  const std::vector<Level> bids = {L("0.40", "10"), L("0.45", "5"), L("0.30", "0"),
                                   L("0.42", "7.5")};
  const std::vector<Level> asks = {L("0.60", "3"), L("0.55", "1"), L("0.58", "0")};
  ASSERT_TRUE(book.ApplySnapshot(bids, asks).ok());
  EXPECT_THAT(LevelsOf(book, BookSide::kBid),
              ElementsAre(L("0.45", "5"), L("0.42", "7.5"), L("0.40", "10")));
  EXPECT_THAT(LevelsOf(book, BookSide::kAsk), ElementsAre(L("0.55", "1"), L("0.60", "3")));
  EXPECT_THAT(book.BestBid(), Optional(L("0.45", "5")));
  EXPECT_THAT(book.BestAsk(), Optional(L("0.55", "1")));
  EXPECT_EQ(book.LevelCount(BookSide::kBid), 3);
  EXPECT_EQ(book.LevelCount(BookSide::kAsk), 2);
  EXPECT_EQ(book.update_count(), 1u);
}

TEST(OrderBookTest, SnapshotReplacesEverything) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.ApplySnapshot({{L("0.10", "1"), L("0.20", "2")}}, {{L("0.90", "9")}}).ok());
  ASSERT_TRUE(book.ApplySnapshot({{L("0.15", "4")}}, {}).ok());
  EXPECT_THAT(LevelsOf(book, BookSide::kBid), ElementsAre(L("0.15", "4")));
  EXPECT_THAT(LevelsOf(book, BookSide::kAsk), IsEmpty());
  EXPECT_EQ(book.SizeAt(BookSide::kBid, P("0.10")), Quantity::Zero());
  EXPECT_EQ(book.BestAsk(), std::nullopt);
  ASSERT_TRUE(book.ApplySnapshot({}, {}).ok());
  EXPECT_TRUE(book.empty());
}

struct BadSnapshotCase {
  const char* name;
  std::vector<Level> bids;
  std::vector<Level> asks;
  absl::StatusCode code;
  const char* message;
};

TEST(OrderBookTest, BadSnapshotIsRejectedAndLeavesBookUnchanged) {
  const BadSnapshotCase cases[] = {
      {"duplicate bid",
       {L("0.40", "1"), L("0.41", "1"), L("0.40", "2")},
       {},
       absl::StatusCode::kInvalidArgument,
       "snapshot bid level 2: duplicate price 0.4"},
      {"duplicate ask, one zero",
       {},
       {L("0.60", "0"), L("0.60", "2")},
       absl::StatusCode::kInvalidArgument,
       "duplicate price"},
      {"off grid",
       {L("0.40", "1")},
       {L("0.605", "1")},
       absl::StatusCode::kInvalidArgument,
       "snapshot ask level 0: price 0.605 is off the tick grid"},
      {"zero price", {L("0", "1")}, {}, absl::StatusCode::kOutOfRange, "snapshot bid level 0"},
      {"one", {}, {L("0.5", "1"), L("1", "1")}, absl::StatusCode::kOutOfRange, "level 1"},
      {"negative price", {L("-0.1", "1")}, {}, absl::StatusCode::kOutOfRange, "-0.1"},
      {"above one", {}, {L("1.5", "1")}, absl::StatusCode::kOutOfRange, "1.5"},
      {"negative size",
       {L("0.40", "-1")},
       {},
       absl::StatusCode::kInvalidArgument,
       "negative size -1"},
      {"good bids, bad asks",
       {L("0.30", "1")},
       {L("0.70", "1"), L("0.70", "1")},
       absl::StatusCode::kInvalidArgument,
       "duplicate"},
  };
  for (const BadSnapshotCase& c : cases) {
    SCOPED_TRACE(c.name);
    OrderBook book = CentBook();
    ASSERT_TRUE(book.ApplySnapshot({{L("0.45", "5")}}, {{L("0.55", "6")}}).ok());
    const Picture before = Snap(book);
    absl::Status s = book.ApplySnapshot(c.bids, c.asks);
    EXPECT_EQ(s.code(), c.code);
    EXPECT_THAT(s.message(), HasSubstr(c.message));
    EXPECT_EQ(Snap(book), before);
    // The duplicate detector is reset after a failure: the same prices, once each, are fine.
    ASSERT_TRUE(
        book.ApplySnapshot({{L("0.40", "1"), L("0.30", "1")}}, {{L("0.60", "1"), L("0.70", "1")}})
            .ok());
    EXPECT_EQ(book.LevelCount(BookSide::kBid), 2);
  }
}

TEST(OrderBookTest, SetLevelReplacesAndZeroDeletes) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.50"), Q("10")).ok());
  ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.50"), Q("4")).ok());
  EXPECT_EQ(book.SizeAt(BookSide::kBid, P("0.50")), Q("4"));
  EXPECT_EQ(book.SizeAt(BookSide::kAsk, P("0.50")), Quantity::Zero());
  ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.50"), Q("0")).ok());
  EXPECT_EQ(book.BestBid(), std::nullopt);
  EXPECT_TRUE(book.empty());
  // Deleting an absent level is a successful no-op.
  ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P("0.70"), Q("0")).ok());
  EXPECT_TRUE(book.empty());
  EXPECT_EQ(book.update_count(), 4u);
}

TEST(OrderBookTest, SetLevelErrorsLeaveBookUnchanged) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.50"), Q("10")).ok());
  const Picture before = Snap(book);
  absl::Status neg = book.SetLevel(BookSide::kBid, P("0.50"), Q("-1"));
  EXPECT_EQ(neg.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(neg.message(), HasSubstr("negative size -1"));
  EXPECT_EQ(book.SetLevel(BookSide::kBid, P("0.505"), Q("1")).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(book.SetLevel(BookSide::kAsk, P("1"), Q("1")).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(book.SetLevel(BookSide::kAsk, P("0"), Q("1")).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Snap(book), before);
}

TEST(OrderBookTest, AddToLevelIsAdditive) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.AddToLevel(BookSide::kAsk, P("0.60"), Q("10")).ok());
  ASSERT_TRUE(book.AddToLevel(BookSide::kAsk, P("0.60"), Q("2.5")).ok());
  EXPECT_EQ(book.SizeAt(BookSide::kAsk, P("0.60")), Q("12.5"));
  ASSERT_TRUE(book.AddToLevel(BookSide::kAsk, P("0.60"), Q("-2.5")).ok());
  EXPECT_THAT(book.BestAsk(), Optional(L("0.60", "10")));
  ASSERT_TRUE(book.AddToLevel(BookSide::kAsk, P("0.60"), Q("-10")).ok());
  EXPECT_EQ(book.BestAsk(), std::nullopt);
  EXPECT_EQ(book.LevelCount(BookSide::kAsk), 0);
  EXPECT_EQ(book.update_count(), 4u);
}

TEST(OrderBookTest, AddToLevelGoingNegativeIsRejected) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.AddToLevel(BookSide::kBid, P("0.40"), Q("5")).ok());
  const Picture before = Snap(book);
  absl::Status s = book.AddToLevel(BookSide::kBid, P("0.40"), Q("-6"));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("level would go negative"));
  EXPECT_THAT(s.message(), HasSubstr("0.4"));
  // A negative delta on an absent level is the same error.
  EXPECT_EQ(book.AddToLevel(BookSide::kBid, P("0.30"), Q("-1")).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book.AddToLevel(BookSide::kBid, P("0.305"), Q("1")).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Snap(book), before);
}

TEST(OrderBookTest, AddToLevelOverflowIsRejected) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.AddToLevel(BookSide::kBid, P("0.40"), Quantity::Max()).ok());
  const Picture before = Snap(book);
  EXPECT_EQ(book.AddToLevel(BookSide::kBid, P("0.40"), Quantity::FromMicros(1)).code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Snap(book), before);
}

TEST(OrderBookTest, DeletingTheBestFindsTheNextBest) {
  OrderBook book = CentBook();
  for (const char* p : {"0.50", "0.49", "0.20"}) {
    ASSERT_TRUE(book.SetLevel(BookSide::kBid, P(p), Q("1")).ok());
  }
  for (const char* p : {"0.51", "0.52", "0.99"}) {
    ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P(p), Q("1")).ok());
  }
  ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.50"), Q("0")).ok());
  EXPECT_THAT(book.BestBid(), Optional(L("0.49", "1")));
  ASSERT_TRUE(book.AddToLevel(BookSide::kBid, P("0.49"), Q("-1")).ok());
  EXPECT_THAT(book.BestBid(), Optional(L("0.20", "1")));
  ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.20"), Q("0")).ok());
  EXPECT_EQ(book.BestBid(), std::nullopt);

  ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P("0.51"), Q("0")).ok());
  EXPECT_THAT(book.BestAsk(), Optional(L("0.52", "1")));
  ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P("0.52"), Q("0")).ok());
  EXPECT_THAT(book.BestAsk(), Optional(L("0.99", "1")));
  // Deleting a non-best level keeps the best.
  ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P("0.60"), Q("1")).ok());
  ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P("0.99"), Q("0")).ok());
  EXPECT_THAT(book.BestAsk(), Optional(L("0.60", "1")));
}

// On a 1e-6 grid the next best can be hundreds of bitmap words (and several summary words)
// away; this exercises every branch of the two-level scan.
TEST(OrderBookTest, NextBestAcrossSparseFineGrid) {
  OrderBook book(*PriceGrid::Uniform(P("0.000001")));
  const char* bid_prices[] = {"0.999999", "0.5",      "0.262144", "0.262143",
                              "0.000064", "0.000063", "0.000001"};
  for (const char* p : bid_prices) {
    ASSERT_TRUE(book.SetLevel(BookSide::kBid, P(p), Q("1")).ok());
    ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P(p), Q("1")).ok());
  }
  for (const char* p : bid_prices) {
    EXPECT_THAT(book.BestBid(), Optional(L(p, "1")));
    ASSERT_TRUE(book.SetLevel(BookSide::kBid, P(p), Q("0")).ok());
  }
  EXPECT_EQ(book.BestBid(), std::nullopt);
  for (auto it = std::rbegin(bid_prices); it != std::rend(bid_prices); ++it) {
    EXPECT_THAT(book.BestAsk(), Optional(L(*it, "1")));
    ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P(*it), Q("0")).ok());
  }
  EXPECT_EQ(book.BestAsk(), std::nullopt);
}

struct CrossCase {
  const char* name;
  const char* bid;  // nullptr: side empty
  const char* ask;
  CrossState want;
};

TEST(OrderBookTest, CrossState) {
  const CrossCase cases[] = {
      {"normal", "0.40", "0.41", CrossState::kNormal},
      {"locked", "0.40", "0.40", CrossState::kLocked},
      {"crossed", "0.42", "0.40", CrossState::kCrossed},
      {"bids only", "0.99", nullptr, CrossState::kNormal},
      {"asks only", nullptr, "0.01", CrossState::kNormal},
      {"empty", nullptr, nullptr, CrossState::kNormal},
  };
  for (const CrossCase& c : cases) {
    SCOPED_TRACE(c.name);
    OrderBook book = CentBook();
    // A deeper level on a present side never changes the state.
    if (c.bid) {
      ASSERT_TRUE(book.SetLevel(BookSide::kBid, P(c.bid), Q("1")).ok());
      ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.01"), Q("1")).ok());
    }
    if (c.ask) {
      ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P(c.ask), Q("1")).ok());
      ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P("0.99"), Q("1")).ok());
    }
    EXPECT_EQ(book.cross_state(), c.want) << CrossStateName(book.cross_state());
  }
}

TEST(OrderBookTest, CrossedSnapshotIsAcceptedAndReported) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.ApplySnapshot({{L("0.55", "1")}}, {{L("0.50", "1")}}).ok());
  EXPECT_EQ(book.cross_state(), CrossState::kCrossed);
  EXPECT_STREQ(CrossStateName(CrossState::kCrossed), "crossed");
}

TEST(OrderBookTest, ForEachLevelStopsAndSupportsVoid) {
  OrderBook book = CentBook();
  ASSERT_TRUE(
      book.ApplySnapshot({{L("0.1", "1"), L("0.2", "2"), L("0.3", "3")}}, {{L("0.4", "4")}}).ok());
  std::vector<Level> seen;
  book.ForEachLevel(BookSide::kBid, [&](const Level& l) {
    seen.push_back(l);
    return seen.size() < 2;
  });
  EXPECT_THAT(seen, ElementsAre(L("0.3", "3"), L("0.2", "2")));
  int count = 0;
  book.ForEachLevel(BookSide::kAsk, [&](const Level&) { ++count; });
  EXPECT_EQ(count, 1);
}

TEST(OrderBookTest, TopLevelsAndDepth) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.ApplySnapshot({{L("0.1", "1"), L("0.3", "3"), L("0.2", "2")}},
                                 {{L("0.5", "5"), L("0.4", "4")}})
                  .ok());
  std::vector<Level> top = {L("0.9", "9")};  // replaced, not appended to
  book.TopLevels(BookSide::kBid, 2, &top);
  EXPECT_THAT(top, ElementsAre(L("0.3", "3"), L("0.2", "2")));
  book.TopLevels(BookSide::kAsk, 10, &top);
  EXPECT_THAT(top, ElementsAre(L("0.4", "4"), L("0.5", "5")));
  book.TopLevels(BookSide::kAsk, 0, &top);
  EXPECT_THAT(top, IsEmpty());

  const Depth<2> d = book.GetDepth<2>();
  EXPECT_EQ(d.bid_count, 2u);
  EXPECT_EQ(d.ask_count, 2u);
  EXPECT_EQ(d.bids[0], L("0.3", "3"));
  EXPECT_EQ(d.bids[1], L("0.2", "2"));
  EXPECT_EQ(d.asks[0], L("0.4", "4"));
  EXPECT_EQ(d.asks[1], L("0.5", "5"));
  const Depth<5> deep = book.GetDepth<5>();
  EXPECT_EQ(deep.bid_count, 3u);
  EXPECT_EQ(deep.bids[2], L("0.1", "1"));
  EXPECT_EQ(deep.ask_count, 2u);
}

TEST(OrderBookTest, SizeAtOffGridIsZero) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.50"), Q("1")).ok());
  EXPECT_EQ(book.SizeAt(BookSide::kBid, P("0.505")), Quantity::Zero());
  EXPECT_EQ(book.SizeAt(BookSide::kBid, P("0")), Quantity::Zero());
  EXPECT_EQ(book.SizeAt(BookSide::kBid, P("1.5")), Quantity::Zero());
  EXPECT_EQ(book.SizeAt(BookSide::kBid, P("-0.5")), Quantity::Zero());
}

TEST(OrderBookTest, ClearEmptiesAndCounts) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.ApplySnapshot({{L("0.1", "1")}}, {{L("0.9", "1")}}).ok());
  book.Clear();
  EXPECT_TRUE(book.empty());
  EXPECT_EQ(book.BestBid(), std::nullopt);
  EXPECT_EQ(book.BestAsk(), std::nullopt);
  EXPECT_EQ(book.update_count(), 2u);
  ASSERT_TRUE(book.SetLevel(BookSide::kAsk, P("0.95"), Q("2")).ok());
  EXPECT_THAT(book.BestAsk(), Optional(L("0.95", "2")));
}

TEST(OrderBookTest, UpdateCountIgnoresFailures) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.5"), Q("1")).ok());
  EXPECT_FALSE(book.SetLevel(BookSide::kBid, P("0.5"), Q("-1")).ok());
  EXPECT_FALSE(book.AddToLevel(BookSide::kBid, P("0.5"), Q("-2")).ok());
  EXPECT_FALSE(book.ApplySnapshot({{L("0.5", "1"), L("0.5", "1")}}, {}).ok());
  EXPECT_EQ(book.update_count(), 1u);
}

TEST(OrderBookTest, RegridMovesLevels) {
  OrderBook book = CentBook();
  ASSERT_TRUE(book.ApplySnapshot({{L("0.40", "1"), L("0.45", "2")}}, {{L("0.60", "3")}}).ok());
  ASSERT_TRUE(book.Regrid(PriceGrid::KalshiDeciCent()).ok());
  EXPECT_EQ(book.grid(), PriceGrid::KalshiDeciCent());
  EXPECT_THAT(LevelsOf(book, BookSide::kBid), ElementsAre(L("0.45", "2"), L("0.40", "1")));
  EXPECT_THAT(LevelsOf(book, BookSide::kAsk), ElementsAre(L("0.60", "3")));
  EXPECT_EQ(book.update_count(), 2u);
  // The new grid is live: a deci-cent price is now accepted and ordered correctly.
  ASSERT_TRUE(book.SetLevel(BookSide::kBid, P("0.451"), Q("5")).ok());
  EXPECT_THAT(book.BestBid(), Optional(L("0.451", "5")));

  // 0.451 is not on tapered_deci_cent's 0.01 middle range.
  EXPECT_EQ(book.Regrid(PriceGrid::KalshiTaperedDeciCent()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OrderBookTest, RegridOffGridLevelFailsAndLeavesBookUnchanged) {
  OrderBook book(PriceGrid::KalshiDeciCent());
  ASSERT_TRUE(book.ApplySnapshot({{L("0.40", "1")}}, {{L("0.605", "3"), L("0.70", "1")}}).ok());
  const Picture before = Snap(book);
  absl::Status s = book.Regrid(PriceGrid::KalshiLinearCent());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("ask level 3@0.605 is off the new grid 0.01"));
  EXPECT_EQ(Snap(book), before);
  EXPECT_EQ(book.grid(), PriceGrid::KalshiDeciCent());
}

TEST(OrderBookTest, CopiesAreIndependent) {
  OrderBook a = CentBook();
  ASSERT_TRUE(a.SetLevel(BookSide::kBid, P("0.5"), Q("1")).ok());
  OrderBook b = a;
  ASSERT_TRUE(b.SetLevel(BookSide::kBid, P("0.5"), Q("0")).ok());
  EXPECT_THAT(a.BestBid(), Optional(L("0.5", "1")));
  EXPECT_EQ(b.BestBid(), std::nullopt);
}

}  // namespace
}  // namespace arbor::book
