// Sweeps over a fixed book with VWAP, worst price and level counts computed by hand (exact
// fractions, then rounded as documented in sweep.h).
#include "arbor/book/sweep.h"

#include <vector>

#include "arbor/book/order_book.h"
#include "book_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::book {
namespace {

using ::arbor::book::testing::L;
using ::arbor::book::testing::M;
using ::arbor::book::testing::P;
using ::arbor::book::testing::Q;

// asks: 100 @ 0.50, 200 @ 0.52, 50 @ 0.55     bids: 100 @ 0.48, 300 @ 0.45, 1000 @ 0.40
OrderBook FixtureBook() {
  OrderBook book(PriceGrid::KalshiLinearCent());
  const std::vector<Level> bids = {L("0.45", "300"), L("0.40", "1000"), L("0.48", "100")};
  const std::vector<Level> asks = {L("0.55", "50"), L("0.50", "100"), L("0.52", "200")};
  ARBOR_CHECK(book.ApplySnapshot(bids, asks).ok(), "fixture");
  return book;
}

struct Expect {
  const char* filled;
  const char* notional;
  const char* average;
  const char* worst;
  int levels;
  bool complete;
};

SweepResult Want(const Expect& e) {
  SweepResult r;
  r.filled = Q(e.filled);
  r.notional = M(e.notional);
  r.average_price = P(e.average);
  r.worst_price = P(e.worst);
  r.levels_consumed = e.levels;
  r.complete = e.complete;
  return r;
}

struct Case {
  const char* request;
  Expect want;
};

TEST(SweepTest, BuyQuantity) {
  const Case cases[] = {
      {"50", {"50", "25", "0.5", "0.5", 1, true}},
      {"100", {"100", "50", "0.5", "0.5", 1, true}},
      // 100 * 0.50 + 150 * 0.52 = 128; 128 / 250 = 0.512
      {"250", {"250", "128", "0.512", "0.52", 2, true}},
      // 50 + 104 + 27.5 = 181.5 for 350; 0.5185714... rounds UP to 0.518572
      {"400", {"350", "181.5", "0.518572", "0.55", 3, false}},
      // 1e-6 shares at 0.50 cost 0.5e-6 USD: rounds UP to one micro-dollar
      {"0.000001", {"0.000001", "0.000001", "0.5", "0.5", 1, true}},
      {"0", {"0", "0", "0", "0", 0, true}},
      {"-1", {"0", "0", "0", "0", 0, false}},
  };
  const OrderBook book = FixtureBook();
  for (const Case& c : cases) {
    EXPECT_EQ(book.SweepBuyQuantity(Q(c.request)), Want(c.want)) << c.request;
  }
}

TEST(SweepTest, SellQuantity) {
  const Case cases[] = {
      {"100", {"100", "48", "0.48", "0.48", 1, true}},
      // 48 + 50 * 0.45 = 70.5; 70.5 / 150 = 0.47
      {"150", {"150", "70.5", "0.47", "0.45", 2, true}},
      // 48 + 135 + 400 = 583 for 1400; 0.4164285... rounds DOWN to 0.416428
      {"1500", {"1400", "583", "0.416428", "0.4", 3, false}},
      // 1e-6 shares at 0.48 raise 0.48e-6 USD: rounds DOWN to zero
      {"0.000001", {"0.000001", "0", "0.48", "0.48", 1, true}},
      {"0", {"0", "0", "0", "0", 0, true}},
  };
  const OrderBook book = FixtureBook();
  for (const Case& c : cases) {
    EXPECT_EQ(book.SweepSellQuantity(Q(c.request)), Want(c.want)) << c.request;
  }
}

TEST(SweepTest, BuyNotional) {
  const Case cases[] = {
      // Exactly the first level.
      {"50", {"100", "50", "0.5", "0.5", 1, true}},
      // 10 USD left at 0.52 buys floor(19.2307692...) = 19.230769; cost 59.99999988 rounds up to
      // exactly the budget, never above it; average 0.5032258... rounds UP.
      {"60", {"119.230769", "60", "0.503226", "0.52", 2, true}},
      // More than the whole ask side: the book, not the budget, ends the walk.
      {"1000", {"350", "181.5", "0.518572", "0.55", 3, false}},
      // One micro-dollar buys two micro-shares at 0.50.
      {"0.000001", {"0.000002", "0.000001", "0.5", "0.5", 1, true}},
      {"0", {"0", "0", "0", "0", 0, true}},
      {"-5", {"0", "0", "0", "0", 0, false}},
  };
  const OrderBook book = FixtureBook();
  for (const Case& c : cases) {
    EXPECT_EQ(book.SweepBuyNotional(M(c.request)), Want(c.want)) << c.request;
  }
}

TEST(SweepTest, SellNotional) {
  const Case cases[] = {
      {"48", {"100", "48", "0.48", "0.48", 1, true}},
      // 2 USD more at 0.45 needs ceil(4.4444444) = 4.444445 shares; proceeds 50.00000025 round
      // DOWN to 50 (still >= target); average 0.4787234... rounds DOWN.
      {"50", {"104.444445", "50", "0.478723", "0.45", 2, true}},
      {"10000", {"1400", "583", "0.416428", "0.4", 3, false}},
      {"0", {"0", "0", "0", "0", 0, true}},
  };
  const OrderBook book = FixtureBook();
  for (const Case& c : cases) {
    EXPECT_EQ(book.SweepSellNotional(M(c.request)), Want(c.want)) << c.request;
  }
}

TEST(SweepTest, AveragePriceRoundingDirection) {
  OrderBook book(PriceGrid::KalshiLinearCent());
  ASSERT_TRUE(
      book.ApplySnapshot({{L("0.52", "1"), L("0.51", "2")}}, {{L("0.51", "1"), L("0.52", "2")}})
          .ok());
  // Buy 3: 1.55 / 3 = 0.516666... -> UP 0.516667. Sell 3: 1.54 / 3 = 0.513333... -> DOWN.
  EXPECT_EQ(book.SweepBuyQuantity(Q("3")).average_price, P("0.516667"));
  EXPECT_EQ(book.SweepSellQuantity(Q("3")).average_price, P("0.513333"));
}

TEST(SweepTest, NotionalBudgetNeverExceeded) {
  OrderBook book(PriceGrid::KalshiDeciCent());
  ASSERT_TRUE(
      book.ApplySnapshot({}, {{L("0.333", "7.777777"), L("0.667", "3"), L("0.999", "100")}}).ok());
  for (const char* budget :
       {"0.000001", "0.000007", "0.1", "1", "2.590000", "2.590001", "3.333", "4.59", "50", "100"}) {
    const SweepResult r = book.SweepBuyNotional(M(budget));
    EXPECT_LE(r.notional, M(budget)) << budget;
    EXPECT_TRUE(r.complete) << budget;
    // Maximal: one more micro-share would cost more than the budget.
    EXPECT_GT(book.SweepBuyQuantity(r.filled + Quantity::FromMicros(1)).notional, M(budget))
        << budget;
    // Consistent with the quantity sweep of the same size.
    EXPECT_EQ(book.SweepBuyQuantity(r.filled), r) << budget;
  }
}

TEST(SweepTest, EmptyBook) {
  const OrderBook book(PriceGrid::KalshiLinearCent());
  const SweepResult none;
  SweepResult done;
  done.complete = true;
  EXPECT_EQ(book.SweepBuyQuantity(Q("1")), none);
  EXPECT_EQ(book.SweepSellQuantity(Q("1")), none);
  EXPECT_EQ(book.SweepBuyNotional(M("1")), none);
  EXPECT_EQ(book.SweepSellNotional(M("1")), none);
  EXPECT_EQ(book.SweepBuyQuantity(Q("0")), done);
  EXPECT_EQ(book.SweepSellNotional(M("0")), done);
}

}  // namespace
}  // namespace arbor::book
