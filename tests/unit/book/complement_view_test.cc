#include "arbor/book/complement_view.h"

#include <optional>
#include <random>
#include <vector>

#include "arbor/book/order_book.h"
#include "book_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::book {
namespace {

using ::arbor::book::testing::L;
using ::arbor::book::testing::LevelsOf;
using ::arbor::book::testing::M;
using ::arbor::book::testing::P;
using ::arbor::book::testing::Q;
using ::testing::ElementsAre;
using ::testing::Optional;

// YES bids 100 @ 0.40, 50 @ 0.38; YES asks 70 @ 0.45, 20 @ 0.50.
OrderBook YesBook() {
  OrderBook book(PriceGrid::KalshiLinearCent());
  ARBOR_CHECK(book.ApplySnapshot({{L("0.38", "50"), L("0.40", "100")}},
                                 {{L("0.50", "20"), L("0.45", "70")}})
                  .ok(),
              "fixture");
  return book;
}

TEST(ComplementViewTest, PricesAreComplements) {
  const OrderBook yes = YesBook();
  const ComplementView no(yes);
  EXPECT_THAT(no.BestBid(), Optional(L("0.55", "70")));
  EXPECT_THAT(no.BestAsk(), Optional(L("0.60", "100")));
  EXPECT_THAT(LevelsOf(no, BookSide::kBid), ElementsAre(L("0.55", "70"), L("0.50", "20")));
  EXPECT_THAT(LevelsOf(no, BookSide::kAsk), ElementsAre(L("0.60", "100"), L("0.62", "50")));
  EXPECT_EQ(no.SizeAt(BookSide::kAsk, P("0.62")), Q("50"));
  EXPECT_EQ(no.SizeAt(BookSide::kBid, P("0.55")), Q("70"));
  EXPECT_EQ(no.SizeAt(BookSide::kBid, P("0.60")), Quantity::Zero());
  EXPECT_EQ(no.LevelCount(BookSide::kBid), 2);
  EXPECT_EQ(&no.underlying(), &yes);
}

TEST(ComplementViewTest, ReflectsLaterChanges) {
  OrderBook yes = YesBook();
  const ComplementView no(yes);
  ASSERT_TRUE(yes.SetLevel(BookSide::kBid, P("0.40"), Q("0")).ok());
  EXPECT_THAT(no.BestAsk(), Optional(L("0.62", "50")));
  yes.Clear();
  EXPECT_EQ(no.BestBid(), std::nullopt);
  EXPECT_EQ(no.BestAsk(), std::nullopt);
}

TEST(ComplementViewTest, CrossStateMirrorsYesBook) {
  OrderBook yes(PriceGrid::KalshiLinearCent());
  ASSERT_TRUE(yes.ApplySnapshot({{L("0.46", "1")}}, {{L("0.45", "1")}}).ok());
  const ComplementView no(yes);
  EXPECT_EQ(no.cross_state(), CrossState::kCrossed);
  // NO bid 0.55 > NO ask 0.54: crossed in NO terms too.
  EXPECT_GT(no.BestBid()->price, no.BestAsk()->price);
}

TEST(ComplementViewTest, SweepsUseComplementPrices) {
  const OrderBook yes = YesBook();
  const ComplementView no(yes);
  // Buy 120 NO: 100 @ 0.60 + 20 @ 0.62 = 72.4; 0.603333... rounds UP.
  SweepResult buy = no.SweepBuyQuantity(Q("120"));
  EXPECT_EQ(buy.filled, Q("120"));
  EXPECT_EQ(buy.notional, M("72.4"));
  EXPECT_EQ(buy.average_price, P("0.603334"));
  EXPECT_EQ(buy.worst_price, P("0.62"));
  EXPECT_EQ(buy.levels_consumed, 2);
  EXPECT_TRUE(buy.complete);
  // Sell 80 NO: 70 @ 0.55 + 10 @ 0.50 = 43.5.
  SweepResult sell = no.SweepSellQuantity(Q("80"));
  EXPECT_EQ(sell.notional, M("43.5"));
  EXPECT_EQ(sell.average_price, P("0.54375"));
  EXPECT_EQ(sell.worst_price, P("0.5"));
  EXPECT_TRUE(sell.complete);
  // 61 USD of NO: 60 for 100 @ 0.60, then floor(1 / 0.62) = 1.612903 @ 0.62.
  SweepResult budget = no.SweepBuyNotional(M("61"));
  EXPECT_EQ(budget.filled, Q("101.612903"));
  EXPECT_EQ(budget.notional, M("61"));
  EXPECT_EQ(budget.average_price, P("0.600318"));
  EXPECT_TRUE(budget.complete);
  // Raise 40 USD selling NO: 38.5 from 70 @ 0.55, then 1.5 / 0.50 = 3 more.
  SweepResult target = no.SweepSellNotional(M("40"));
  EXPECT_EQ(target.filled, Q("73"));
  EXPECT_EQ(target.notional, M("40"));
  EXPECT_EQ(target.average_price, P("0.547945"));
  EXPECT_EQ(target.levels_consumed, 2);
  EXPECT_TRUE(target.complete);
}

// The view must behave exactly like an explicitly built NO book.
TEST(ComplementViewTest, MatchesAnExplicitNoBook) {
  std::mt19937_64 rng(20240611);
  const PriceGrid grid = PriceGrid::KalshiDeciCent();
  for (int round = 0; round < 50; ++round) {
    OrderBook yes(grid);
    OrderBook no_book(grid);
    for (int k = 0; k < 40; ++k) {
      const BookSide side = rng() % 2 ? BookSide::kBid : BookSide::kAsk;
      const Price price = grid.PriceAt(static_cast<int>(rng() % grid.slots()));
      const Quantity size = Quantity::FromMicros(static_cast<int64_t>(rng() % 50'000'000));
      ASSERT_TRUE(yes.SetLevel(side, price, size).ok());
      ASSERT_TRUE(no_book.SetLevel(Opposite(side), Complement(price), size).ok());
    }
    const ComplementView view(yes);
    EXPECT_EQ(view.BestBid(), no_book.BestBid());
    EXPECT_EQ(view.BestAsk(), no_book.BestAsk());
    EXPECT_EQ(LevelsOf(view, BookSide::kBid), LevelsOf(no_book, BookSide::kBid));
    EXPECT_EQ(LevelsOf(view, BookSide::kAsk), LevelsOf(no_book, BookSide::kAsk));
    EXPECT_EQ(view.cross_state(), no_book.cross_state());
    for (const char* amount : {"0.5", "7", "33.333333", "250", "100000"}) {
      EXPECT_EQ(view.SweepBuyQuantity(Q(amount)), no_book.SweepBuyQuantity(Q(amount)));
      EXPECT_EQ(view.SweepSellQuantity(Q(amount)), no_book.SweepSellQuantity(Q(amount)));
      EXPECT_EQ(view.SweepBuyNotional(M(amount)), no_book.SweepBuyNotional(M(amount)));
      EXPECT_EQ(view.SweepSellNotional(M(amount)), no_book.SweepSellNotional(M(amount)));
    }
  }
}

}  // namespace
}  // namespace arbor::book
