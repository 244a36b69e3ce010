// Kelly sizing inside the bundle lanes (LaneConfig::kelly): the size is the execution-risk-aware
// Kelly stake over the capital per set when that is below the depth, the legs are re-priced at
// that size, and each cap (depth share, max stake, no bet) binds where it should.
//
// The book: YES ask 0.62 + NO ask 0.33 = 0.95 for 100 sets, no fees. Per set the bundle ties up
// 0.95 and locks 0.05, so W = 0.05 / 0.95; with p = 0.95 and L = 0.02,
// f* = p/L - q/W = 47.5 - 0.05 * 0.95 / 0.05 = 47.5 - 0.95 = 46.55.
#include <string>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/lanes/lanes.h"
#include "gtest/gtest.h"
#include "lanes_test_util.h"

namespace arbor::lanes {
namespace {

using namespace ::arbor::lanes::testing;  // NOLINT(google-build-using-namespace)

class KellySizingTest : public ::testing::Test {
 protected:
  KellySizingTest() {
    catalog_.Upsert(BinaryMarket("m1", "e1"));
    books_.Set(Yes("m1"), Ladder({{"0.60", "100"}}), Ladder({{"0.62", "60"}, {"0.63", "40"}}));
    books_.Set(No("m1"), Ladder({{"0.30", "100"}}), Ladder({{"0.33", "100"}}));
  }

  LaneEvaluation Run(KellySizing kelly, Money min_profit = Money::Zero()) {
    LaneConfig c;
    c.min_edge_per_set = Price::Zero();
    c.min_profit = min_profit;
    kelly.fill_probability = 0.95;
    kelly.unwind_loss = 0.02;
    c.kelly = kelly;
    BinaryLane lane(&catalog_, &books_, &clock_, c);
    return lane.EvaluateAll();
  }

  InMemoryMarketCatalog catalog_;
  FakeBookReader books_;
  SimulatedClock clock_;
};

TEST_F(KellySizingTest, OffWithoutBankrollSizesByDepth) {
  LaneEvaluation e = Run(KellySizing{});
  ASSERT_EQ(e.opportunities.size(), 1u);
  // 60 sets at 0.95 and 40 at 0.96: the whole depth clears a zero min edge.
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("100").micros());
}

TEST_F(KellySizingTest, KellyBindsAndLegsArePricedAtTheKellySize) {
  // Depth quote: 100 sets, cost 60*0.95 + 40*0.96 = 95.4, profit 4.6: W = 4.6 / 95.4,
  // f* = 47.5 - 0.05 * 95.4 / 4.6 = 46.463043..., capital per set 0.954;
  // stake = 0.25 * f* * 1 USD = 11.6157...; sets = 11.6157 / 0.954 = 12.17 (lot 0.01).
  KellySizing k;
  k.bankroll = M("1");
  LaneEvaluation e = Run(k);
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(o.size_sets_micros(), Q("12.17").micros());
  // Re-priced at 12.17 sets: only the 0.62 level is used, so the edge is the top-of-book 0.05.
  EXPECT_EQ(o.total_cost_micros(), M("11.5615").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("0.6085").micros());
  EXPECT_EQ(o.edge_per_set_micros(), P("0.05").micros());
  ASSERT_EQ(o.legs_size(), 2);
  EXPECT_EQ(o.legs(0).size_micros(), Q("12.17").micros());
  EXPECT_EQ(o.legs(0).limit_price_micros(), P("0.62").micros());
}

TEST_F(KellySizingTest, DepthShareAndMaxStakeCap) {
  KellySizing k;
  k.bankroll = M("1000000");
  k.depth_share = 0.5;
  LaneEvaluation e = Run(k);
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("50").micros());

  k.depth_share = 1.0;
  k.max_stake = M("4.7705");  // 4.7705 / 0.954 = 5.0005 -> 5 sets (lot 0.01)
  e = Run(k);
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("5").micros());

  // The same cap with a 0.50 USD minimum profit: 5 sets lock 0.25, below it.
  e = Run(k, M("0.50"));
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kBelowMinProfit), 1u);
}

TEST_F(KellySizingTest, NegativeKellyIsNoBet) {
  LaneConfig c;
  c.min_edge_per_set = Price::Zero();
  c.min_profit = Money::Zero();
  c.kelly.bankroll = M("1000");
  // A coin-flip fill that loses half the stake: f* = 0.5/0.5 - 0.5/W < 0 for W ~ 0.048.
  c.kelly.fill_probability = 0.5;
  c.kelly.unwind_loss = 0.5;
  BinaryLane lane(&catalog_, &books_, &clock_, c);
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kKellyNoBet), 1u);
}

}  // namespace
}  // namespace arbor::lanes
