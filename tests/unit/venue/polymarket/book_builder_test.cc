#include "arbor/venue/polymarket/book_builder.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "arbor/venue/polymarket/market_decoder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::polymarket {
namespace {

using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }

// Concatenates std::string_views (absl::StrCat takes absl::string_view only).
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }

// Decodes `frame` and applies it; returns Apply's status (decode must succeed).
class BookSetTest : public ::testing::Test {
 protected:
  absl::Status Feed(std::string_view frame) {
    absl::StatusOr<const MarketFrame*> decoded = decoder_.Decode(frame);
    EXPECT_TRUE(decoded.ok()) << decoded.status();
    if (!decoded.ok()) return decoded.status();
    return books_.Apply(**decoded);
  }

  static std::string Book(std::string_view asset, std::string_view bids, std::string_view asks,
                          std::string_view market = "M1") {
    return Cat(R"({"event_type":"book","asset_id":")", asset, R"(","market":")", market,
               R"(","timestamp":"1","hash":"h-)", asset, R"(","bids":[)", bids, R"(],"asks":[)",
               asks, "]}");
  }
  static std::string Level(std::string_view price, std::string_view size) {
    return Cat(R"({"price":")", price, R"(","size":")", size, R"("})");
  }
  static std::string Change(std::string_view asset, std::string_view price, std::string_view size,
                            std::string_view side, std::string_view hash = "") {
    return Cat(R"({"asset_id":")", asset, R"(","price":")", price, R"(","size":")", size,
               R"(","side":")", side, R"(","hash":")", hash, R"("})");
  }
  static std::string Changes(std::string_view entries) {
    return Cat(R"({"event_type":"price_change","market":"M1","timestamp":"2",)",
               R"("price_changes":[)", entries, "]}");
  }

  MarketFrameDecoder decoder_;
  BookSet books_;
};

TEST_F(BookSetTest, SnapshotReplacesTheBookAndScansLevelsInAnyOrder) {
  // Real captures list bids ascending and asks descending (best last).
  ASSERT_TRUE(Feed(Book("A", Level("0.40", "10") + "," + Level("0.45", "5"),
                        Level("0.60", "7") + "," + Level("0.55", "3")))
                  .ok());
  const book::OrderBook* book = books_.Find("A");
  ASSERT_NE(book, nullptr);
  EXPECT_EQ(book->BestBid()->price, P("0.45"));
  EXPECT_EQ(book->BestAsk()->price, P("0.55"));
  EXPECT_EQ(books_.LastHash("A"), "h-A");
  EXPECT_EQ(books_.TickSize("A"), P("0.01"));
  EXPECT_FALSE(books_.TickKnown("A"));

  ASSERT_TRUE(Feed(Book("A", Level("0.30", "1"), "")).ok());
  book = books_.Find("A");
  ASSERT_NE(book, nullptr);
  EXPECT_EQ(book->BestBid()->price, P("0.30"));
  EXPECT_EQ(book->LevelCount(book::BookSide::kBid), 1);
  EXPECT_FALSE(book->BestAsk().has_value());
  EXPECT_EQ(books_.stats().snapshots_applied, 2u);
}

TEST_F(BookSetTest, PriceChangeSetsTotalsAndZeroDeletes) {
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5"), Level("0.55", "3"))).ok());
  ASSERT_TRUE(
      Feed(Changes(Change("A", "0.46", "2", "BUY", "x1") + "," + Change("A", "0.55", "0", "SELL") +
                   "," + Change("A", "0.45", "9.5", "BUY", "x2") + "," +
                   Change("A", "0.57", "4", "SELL")))
          .ok());
  const book::OrderBook* book = books_.Find("A");
  ASSERT_NE(book, nullptr);
  EXPECT_EQ(book->BestBid()->price, P("0.46"));
  EXPECT_EQ(book->SizeAt(book::BookSide::kBid, P("0.45")), Q("9.5"));
  EXPECT_EQ(book->BestAsk()->price, P("0.57"));
  EXPECT_EQ(book->SizeAt(book::BookSide::kAsk, P("0.55")), Q("0"));
  EXPECT_EQ(books_.LastHash("A"), "x2");
  EXPECT_EQ(books_.stats().levels_applied, 4u);
}

TEST_F(BookSetTest, LegacyPriceChangeApplies) {
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5"), "")).ok());
  ASSERT_TRUE(Feed(R"({"asset_id":"A","event_type":"price_change","hash":"lh","market":"M1",
                       "price":"0.45","side":"BUY","size":"0","timestamp":"3"})")
                  .ok());
  EXPECT_FALSE(books_.Find("A")->BestBid().has_value());
  EXPECT_EQ(books_.LastHash("A"), "lh");
}

TEST_F(BookSetTest, PriceChangeWithoutSnapshotIsIgnoredAndCounted) {
  ASSERT_TRUE(Feed(Changes(Change("Z", "0.5", "1", "BUY"))).ok());
  EXPECT_EQ(books_.Find("Z"), nullptr);
  EXPECT_FALSE(books_.State("Z").has_value());
  EXPECT_EQ(books_.stats().ignored_no_snapshot, 1u);
  EXPECT_EQ(books_.stats().levels_applied, 0u);
}

TEST_F(BookSetTest, TickSizeChangeDropsTheBookUntilTheNextSnapshot) {
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5"), Level("0.55", "3"))).ok());
  ASSERT_TRUE(Feed(R"({"event_type":"tick_size_change","asset_id":"A","market":"M1",
                       "old_tick_size":"0.01","new_tick_size":"0.001","timestamp":"4"})")
                  .ok());
  EXPECT_EQ(books_.Find("A"), nullptr);
  EXPECT_EQ(books_.State("A"), BookState::kAwaitingSnapshot);
  EXPECT_EQ(books_.TickSize("A"), P("0.001"));
  EXPECT_TRUE(books_.TickKnown("A"));

  ASSERT_TRUE(Feed(Changes(Change("A", "0.451", "1", "BUY"))).ok());
  EXPECT_EQ(books_.stats().ignored_awaiting_snapshot, 1u);
  EXPECT_EQ(books_.Find("A"), nullptr);

  ASSERT_TRUE(Feed(Book("A", Level("0.451", "2"), Level("0.452", "1"))).ok());
  const book::OrderBook* book = books_.Find("A");
  ASSERT_NE(book, nullptr);
  EXPECT_EQ(book->grid().tick(), P("0.001"));
  EXPECT_EQ(book->BestBid()->price, P("0.451"));
  EXPECT_EQ(books_.stats().tick_size_changes, 1u);
}

TEST_F(BookSetTest, InferredTickRefinesOnFinerPrices) {
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5"), Level("0.55", "3"))).ok());
  EXPECT_EQ(books_.TickSize("A"), P("0.01"));

  ASSERT_TRUE(Feed(Changes(Change("A", "0.505", "7", "SELL"))).ok());
  const book::OrderBook* book = books_.Find("A");
  ASSERT_NE(book, nullptr);
  EXPECT_EQ(book->grid().tick(), P("0.001"));
  EXPECT_EQ(book->BestAsk()->price, P("0.505"));
  EXPECT_EQ(book->SizeAt(book::BookSide::kAsk, P("0.55")), Q("3"));  // kept across the regrid
  EXPECT_EQ(book->BestBid()->price, P("0.45"));

  ASSERT_TRUE(Feed(Changes(Change("A", "0.4505", "1", "BUY"))).ok());
  book = books_.Find("A");
  ASSERT_NE(book, nullptr);
  EXPECT_EQ(book->grid().tick(), P("0.0001"));
  EXPECT_EQ(book->BestBid()->price, P("0.4505"));
  EXPECT_EQ(books_.stats().regrids, 2u);

  // A delete that is off the grid cannot remove anything and does not refine further.
  ASSERT_TRUE(Feed(Changes(Change("A", "0.45055", "0", "BUY"))).ok());
  EXPECT_EQ(books_.Find("A")->grid().tick(), P("0.0001"));
  EXPECT_EQ(books_.stats().regrids, 2u);
}

TEST_F(BookSetTest, SnapshotInfersTheCoarsestFittingTick) {
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5") + "," + Level("0.449", "1"), "")).ok());
  EXPECT_EQ(books_.TickSize("A"), P("0.001"));
  ASSERT_TRUE(Feed(Book("B", Level("0.0025", "5"), Level("0.9975", "1"))).ok());
  EXPECT_EQ(books_.TickSize("B"), P("0.0001"));
  // A later snapshot on a coarser grid keeps the finer inferred grid (no reallocation churn).
  ASSERT_TRUE(Feed(Book("A", Level("0.40", "5"), "")).ok());
  EXPECT_EQ(books_.TickSize("A"), P("0.001"));
}

TEST_F(BookSetTest, PriceOffEveryStandardTickQuarantines) {
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5"), "")).ok());
  const absl::Status status = Feed(Changes(Change("A", "0.45005", "1", "BUY")));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("asset A quarantined"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("0.45005"));
  EXPECT_EQ(books_.State("A"), BookState::kQuarantined);
  EXPECT_EQ(books_.Find("A"), nullptr);
}

TEST_F(BookSetTest, KnownTickMakesOffGridAnErrorUntilTheNextSnapshot) {
  ASSERT_TRUE(books_.SetTickSize("A", P("0.01")).ok());
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5"), Level("0.55", "3"))).ok());
  const absl::Status status = Feed(Changes(Change("A", "0.505", "1", "SELL")));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("off the tick grid 0.01"));
  EXPECT_EQ(books_.State("A"), BookState::kQuarantined);
  EXPECT_EQ(books_.stats().quarantines, 1u);
  EXPECT_EQ(books_.stats().errors, 1u);

  ASSERT_TRUE(Feed(Changes(Change("A", "0.46", "1", "BUY"))).ok());
  EXPECT_EQ(books_.stats().ignored_quarantined, 1u);

  ASSERT_TRUE(Feed(Book("A", Level("0.47", "5"), "")).ok());
  ASSERT_NE(books_.Find("A"), nullptr);
  EXPECT_EQ(books_.Find("A")->BestBid()->price, P("0.47"));
  EXPECT_EQ(books_.State("A"), BookState::kLive);
}

TEST_F(BookSetTest, KnownTickSnapshotOffGridQuarantines) {
  ASSERT_TRUE(books_.SetTickSize("A", P("0.01")).ok());
  const absl::Status status = Feed(Book("A", Level("0.455", "5"), ""));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("0.455"));
  EXPECT_EQ(books_.State("A"), BookState::kQuarantined);
}

TEST_F(BookSetTest, AFailingEntryQuarantinesOnlyItsOwnBook) {
  ASSERT_TRUE(books_.SetTickSize("A", P("0.01")).ok());
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5"), "")).ok());
  ASSERT_TRUE(Feed(Book("B", Level("0.35", "5"), "")).ok());
  const absl::Status status =
      Feed(Changes(Change("A", "0.451", "1", "BUY") + "," + Change("B", "0.36", "2", "BUY") + "," +
                   Change("A", "0.46", "1", "BUY")));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("asset A"));
  EXPECT_EQ(books_.Find("A"), nullptr);
  ASSERT_NE(books_.Find("B"), nullptr);
  EXPECT_EQ(books_.Find("B")->BestBid()->price, P("0.36"));
  EXPECT_EQ(books_.stats().ignored_quarantined, 1u);
}

TEST_F(BookSetTest, SnapshotErrorsQuarantine) {
  const absl::Status status = Feed(Book("A", Level("0.45", "5") + "," + Level("0.45", "6"), ""));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("duplicate price"));
  EXPECT_EQ(books_.State("A"), BookState::kQuarantined);
  // A price of exactly 1 passes the decoder ([0, 1]) but can never rest on a book.
  const absl::Status one = Feed(Book("C", "", Level("1", "5")));
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(books_.State("C"), BookState::kQuarantined);
}

TEST_F(BookSetTest, MarketResolvedRemovesTheMarketsBooks) {
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5"), "", "M1")).ok());
  ASSERT_TRUE(Feed(Book("B", Level("0.45", "5"), "", "M1")).ok());
  ASSERT_TRUE(Feed(Book("C", Level("0.45", "5"), "", "M2")).ok());
  ASSERT_TRUE(Feed(R"({"event_type":"market_resolved","id":"1","market":"M1","assets_ids":["A"],
                       "winning_asset_id":"A","winning_outcome":"Yes","timestamp":"9"})")
                  .ok());
  EXPECT_FALSE(books_.State("A").has_value());
  EXPECT_FALSE(books_.State("B").has_value());  // found through its market id
  EXPECT_NE(books_.Find("C"), nullptr);
  EXPECT_EQ(books_.stats().books_removed, 2u);
}

TEST_F(BookSetTest, NewMarketRecordsTheTickOfItsTokens) {
  ASSERT_TRUE(Feed(R"({"event_type":"new_market","market":"M9","timestamp":"1",
                       "clob_token_ids":["T1","T2"],"order_price_min_tick_size":"0.001"})")
                  .ok());
  EXPECT_TRUE(books_.TickKnown("T1"));
  EXPECT_EQ(books_.TickSize("T2"), P("0.001"));
  EXPECT_EQ(books_.State("T1"), BookState::kAwaitingSnapshot);
}

TEST_F(BookSetTest, SetTickSizeRegridsALiveBook) {
  ASSERT_TRUE(Feed(Book("A", Level("0.45", "5"), "")).ok());
  ASSERT_TRUE(books_.SetTickSize("A", P("0.001")).ok());
  ASSERT_NE(books_.Find("A"), nullptr);
  EXPECT_EQ(books_.Find("A")->grid().tick(), P("0.001"));
  EXPECT_EQ(books_.Find("A")->BestBid()->price, P("0.45"));
  // A coarser authoritative tick that the levels do not fit drops the book.
  ASSERT_TRUE(Feed(Changes(Change("A", "0.451", "1", "BUY"))).ok());
  ASSERT_TRUE(books_.SetTickSize("A", P("0.01")).ok());
  EXPECT_EQ(books_.State("A"), BookState::kAwaitingSnapshot);
  EXPECT_FALSE(books_.SetTickSize("A", P("0.003")).ok());
}

TEST_F(BookSetTest, ClearBooksKeepsKnownTicks) {
  ASSERT_TRUE(books_.SetTickSize("A", P("0.001")).ok());
  ASSERT_TRUE(Feed(Book("A", Level("0.451", "5"), "")).ok());
  ASSERT_TRUE(Feed(Book("B", Level("0.45", "5"), "")).ok());
  books_.ClearBooks();
  EXPECT_EQ(books_.Find("A"), nullptr);
  EXPECT_EQ(books_.State("B"), BookState::kAwaitingSnapshot);
  EXPECT_EQ(books_.TickSize("A"), P("0.001"));
  EXPECT_FALSE(books_.TickSize("B").has_value());
  ASSERT_TRUE(Feed(Changes(Change("B", "0.45", "1", "BUY"))).ok());
  EXPECT_EQ(books_.stats().ignored_no_snapshot, 1u);
}

TEST_F(BookSetTest, InvalidTickSizeChangeIsAnError) {
  const absl::Status status = Feed(R"({"event_type":"tick_size_change","asset_id":"A",
      "market":"M1","new_tick_size":"0.003","timestamp":"4"})");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("tick_size_change for asset A"));
  EXPECT_FALSE(books_.State("A").has_value());
}

TEST_F(BookSetTest, OtherEventsAreCounted) {
  ASSERT_TRUE(Feed(R"([{"event_type":"last_trade_price","asset_id":"1","market":"m","price":"0.5",
      "side":"BUY","size":"1","timestamp":"1"},{"event_type":"best_bid_ask","asset_id":"1",
      "market":"m","best_bid":"0.4","best_ask":"0.6","timestamp":"1"}])")
                  .ok());
  EXPECT_EQ(books_.stats().other_events, 2u);
  EXPECT_EQ(books_.stats().events, 2u);
  EXPECT_EQ(books_.size(), 0u);
}

}  // namespace
}  // namespace arbor::venue::polymarket
