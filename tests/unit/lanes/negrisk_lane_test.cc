// NegRiskLane through its public API: reference cases 2 (all YES) and 2b (all NO, split-and-sell
// with CONVERT), the shared-liquidity rule, placeholder / augmented events, incremental evaluation.
#include <string>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/lanes/lanes.h"
#include "gtest/gtest.h"
#include "lanes_test_util.h"

namespace arbor::lanes {
namespace {

using namespace ::arbor::lanes::testing;  // NOLINT(google-build-using-namespace)

std::string Member(int i) { return "ev." + std::to_string(i); }

class NegRiskLaneTest : public ::testing::Test {
 protected:
  // Sets member i's books: YES bid/ask and NO bid/ask at the given prices, `size` deep each.
  void SetMember(int i, const char* yes_bid, const char* yes_ask, const char* no_bid,
                 const char* no_ask, const char* size = "100") {
    books_.Set(Yes(Member(i)), Ladder({{yes_bid, size}}), Ladder({{yes_ask, size}}));
    books_.Set(No(Member(i)), Ladder({{no_bid, size}}), Ladder({{no_ask, size}}));
  }
  // Case 2: YES asks .30 .25 .20 .15 (sum .90); NO asks and YES bids fair.
  void Case2() {
    SetMember(0, "0.28", "0.30", "0.70", "0.72");
    SetMember(1, "0.23", "0.25", "0.75", "0.77");
    SetMember(2, "0.18", "0.20", "0.80", "0.82");
    SetMember(3, "0.13", "0.15", "0.85", "0.87");
  }

  InMemoryMarketCatalog catalog_;
  FakeBookReader books_;
  SimulatedClock clock_;
};

TEST_F(NegRiskLaneTest, ReferenceCase2BuyAllYes) {
  AddNegRiskEvent(catalog_, "ev", 4);
  Case2();
  NegRiskLane lane(&catalog_, &books_, &clock_);
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(o.lane(), arbor::v1::LANE_NEGRISK);
  EXPECT_EQ(o.size_sets_micros(), Q("100").micros());
  EXPECT_EQ(o.total_cost_micros(), M("90").micros());
  EXPECT_EQ(o.worst_case_payoff_micros(), M("100").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("10").micros());
  EXPECT_EQ(o.edge_per_set_micros(), P("0.10").micros());
  ASSERT_EQ(o.legs_size(), 4);
  const char* asks[] = {"0.30", "0.25", "0.20", "0.15"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(o.legs(i).instrument_id().symbol(), Member(i) + "-Y");
    EXPECT_EQ(o.legs(i).side(), arbor::v1::SIDE_BUY);
    EXPECT_EQ(o.legs(i).limit_price_micros(), P(asks[i]).micros());
    EXPECT_EQ(o.legs(i).size_micros(), Q("100").micros());
  }
  EXPECT_EQ(o.market_ids_size(), 4);
  EXPECT_EQ(o.event_ids(0), "ev");
}

// Case 2b on a unified book: NO asks .68 .73 .78 .79 (sum 2.98, payoff 3) and YES bids .32 .27
// .22 .21 (sum 1.02) are the same orders seen from both sides; only one bundle is emitted.
TEST_F(NegRiskLaneTest, ReferenceCase2bBuyAllNoAndSharedLiquidity) {
  AddNegRiskEvent(catalog_, "ev", 4);
  SetMember(0, "0.32", "0.34", "0.66", "0.68");
  SetMember(1, "0.27", "0.29", "0.71", "0.73");
  SetMember(2, "0.22", "0.24", "0.76", "0.78");
  SetMember(3, "0.21", "0.23", "0.77", "0.79");
  NegRiskLane lane(&catalog_, &books_, &clock_);
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.counters.drop(DropReason::kSharedLiquidity), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  ASSERT_EQ(o.legs_size(), 4);  // BUY_ALL_NO held to resolution: no CONVERT leg
  const char* asks[] = {"0.68", "0.73", "0.78", "0.79"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(o.legs(i).action(), arbor::v1::LEG_ACTION_ORDER);
    EXPECT_EQ(o.legs(i).instrument_id().symbol(), Member(i) + "-N");
    EXPECT_EQ(o.legs(i).side(), arbor::v1::SIDE_BUY);
    EXPECT_EQ(o.legs(i).limit_price_micros(), P(asks[i]).micros());
  }
  EXPECT_EQ(o.size_sets_micros(), Q("100").micros());
  EXPECT_EQ(o.total_cost_micros(), M("298").micros());
  EXPECT_EQ(o.worst_case_payoff_micros(), M("300").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("2").micros());
  EXPECT_EQ(o.edge_per_set_micros(), P("0.02").micros());
}

// Case 2b's YES side alone (NO asks fair): split one question, convert its NO into YES of the
// others, sell all four YES -> 0.02 per set.
TEST_F(NegRiskLaneTest, ReferenceCase2bSplitSellWithConvert) {
  AddNegRiskEvent(catalog_, "ev", 4);
  SetMember(0, "0.32", "0.34", "0.66", "0.70");
  SetMember(1, "0.27", "0.29", "0.71", "0.75");
  SetMember(2, "0.22", "0.24", "0.76", "0.80");
  SetMember(3, "0.21", "0.23", "0.77", "0.80");
  NegRiskLane lane(&catalog_, &books_, &clock_);
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.counters.drop(DropReason::kSharedLiquidity), 0u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  ASSERT_EQ(o.legs_size(), 6);
  EXPECT_EQ(o.legs(0).action(), arbor::v1::LEG_ACTION_SPLIT);
  EXPECT_EQ(o.legs(0).market_id(), Member(0));
  EXPECT_EQ(o.legs(0).cash_flow_micros(), -M("100").micros());
  EXPECT_EQ(o.legs(1).action(), arbor::v1::LEG_ACTION_CONVERT);
  EXPECT_EQ(o.legs(1).market_id(), "0xnr-ev");
  ASSERT_EQ(o.legs(1).convert_question_indices_size(), 1);
  EXPECT_EQ(o.legs(1).convert_question_indices(0), 0u);
  EXPECT_EQ(o.legs(1).size_micros(), Q("100").micros());
  ASSERT_EQ(o.legs(1).depends_on_legs_size(), 1);
  EXPECT_EQ(o.legs(1).depends_on_legs(0), 0u);
  const char* bids[] = {"0.32", "0.27", "0.22", "0.21"};
  for (int i = 0; i < 4; ++i) {
    const arbor::v1::OpportunityLeg& leg = o.legs(2 + i);
    EXPECT_EQ(leg.instrument_id().symbol(), Member(i) + "-Y");
    EXPECT_EQ(leg.side(), arbor::v1::SIDE_SELL);
    EXPECT_EQ(leg.limit_price_micros(), P(bids[i]).micros());
    EXPECT_EQ(leg.depends_on_legs_size(), 2);
  }
  EXPECT_EQ(o.total_cost_micros(), -M("2").micros());
  EXPECT_EQ(o.worst_case_payoff_micros(), 0);
  EXPECT_EQ(o.guaranteed_profit_micros(), M("2").micros());
}

TEST_F(NegRiskLaneTest, FairEventProducesNothing) {
  AddNegRiskEvent(catalog_, "ev", 3);
  SetMember(0, "0.49", "0.51", "0.49", "0.51");
  SetMember(1, "0.29", "0.31", "0.69", "0.71");
  SetMember(2, "0.19", "0.21", "0.79", "0.81");
  NegRiskLane lane(&catalog_, &books_, &clock_);
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  for (int r = 0; r < kDropReasonCount; ++r) EXPECT_EQ(e.counters.drops[r], 0u) << r;
}

// Rule: a placeholder is never an outcome. With one, BUY_ALL is refused (the placeholder may
// win); BUY_ALL_NO over the m named members pays m - 1 whoever wins, so it still trades; the
// placeholder's books are never read or used as legs.
TEST_F(NegRiskLaneTest, PlaceholderEventGetsNoBuyAllButBuyAllNoStillTrades) {
  AddNegRiskEvent(catalog_, "ev", 4, /*augmented=*/true, /*placeholders=*/{3});
  // Named YES asks .30 .25 .20 = .75: NOT an arbitrage (the placeholder may win).
  SetMember(0, "0.28", "0.30", "0.58", "0.60");
  SetMember(1, "0.23", "0.25", "0.63", "0.65");
  SetMember(2, "0.18", "0.20", "0.68", "0.70");  // NO asks 1.95 < 2: BUY_ALL_NO clears
  NegRiskLane lane(&catalog_, &books_, &clock_);
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_EQ(e.counters.drop(DropReason::kIncompleteEvent), 1u);
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  ASSERT_EQ(o.legs_size(), 3);
  for (const auto& leg : o.legs()) {
    EXPECT_NE(leg.instrument_id().symbol().find("-N"), std::string::npos);
    EXPECT_EQ(leg.instrument_id().symbol().find(Member(3)), std::string::npos);
  }
  EXPECT_EQ(o.worst_case_payoff_micros(), M("200").micros());  // m - 1 = 2 per set
  EXPECT_EQ(o.total_cost_micros(), M("195").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("5").micros());
  EXPECT_EQ(books_.reads(Yes(Member(3))), 0);
  EXPECT_EQ(books_.reads(No(Member(3))), 0);

  // Touching the placeholder's book evaluates nothing.
  const InstrumentKey ph[] = {Yes(Member(3))};
  EXPECT_EQ(lane.OnBooksChanged(ph).counters.units_evaluated, 0u);
}

TEST_F(NegRiskLaneTest, AugmentedEventWithoutPlaceholdersGetsNoBuyAll) {
  AddNegRiskEvent(catalog_, "ev", 4, /*augmented=*/true);
  Case2();
  NegRiskLane lane(&catalog_, &books_, &clock_);
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kIncompleteEvent), 1u);
}

TEST_F(NegRiskLaneTest, UnhealthyMemberBookDropsTheEvent) {
  AddNegRiskEvent(catalog_, "ev", 4);
  Case2();
  books_.Get(No(Member(2))).status = BookStatus::kStale;
  NegRiskLane lane(&catalog_, &books_, &clock_);
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kStaleBook), 1u);

  books_.Get(No(Member(2))).status = BookStatus::kLive;
  books_.Get(Yes(Member(1))).bids = Ladder({{"0.26", "5"}});  // crossed: bid .26 > ask .25
  e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kCrossedBook), 1u);
}

TEST_F(NegRiskLaneTest, IncrementalEvaluationTouchesOnlyTheAffectedEvent) {
  AddNegRiskEvent(catalog_, "ev", 4);
  AddNegRiskEvent(catalog_, "other", 2);
  Case2();
  books_.Set(Yes("other.0"), Ladder({{"0.48", "100"}}), Ladder({{"0.50", "100"}}));
  books_.Set(No("other.0"), Ladder({{"0.48", "100"}}), Ladder({{"0.50", "100"}}));
  books_.Set(Yes("other.1"), Ladder({{"0.48", "100"}}), Ladder({{"0.50", "100"}}));
  books_.Set(No("other.1"), Ladder({{"0.48", "100"}}), Ladder({{"0.50", "100"}}));
  NegRiskLane lane(&catalog_, &books_, &clock_);
  EXPECT_EQ(lane.EvaluateAll().counters.units_evaluated, 2u);
  books_.ResetReads();
  const InstrumentKey touched[] = {No(Member(1))};
  LaneEvaluation e = lane.OnBooksChanged(touched);
  EXPECT_EQ(e.counters.units_evaluated, 1u);
  EXPECT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(books_.reads(Yes("other.0")), 0);
  EXPECT_EQ(books_.total_reads(), 8);  // YES and NO of the 4 members of "ev"
}

}  // namespace
}  // namespace arbor::lanes
