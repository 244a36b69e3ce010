// BinaryLane through its public API: reference case 1 (with and without fees, finite and
// unlimited depth), split-and-sell, fair books, hygiene drops, incremental evaluation.
#include <string>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/lanes/lanes.h"
#include "gtest/gtest.h"
#include "lanes_test_util.h"

namespace arbor::lanes {
namespace {

using namespace ::arbor::lanes::testing;  // NOLINT(google-build-using-namespace)

constexpr const char* kDeep = "1000000";

LaneConfig NoGates() {
  LaneConfig c;
  c.min_edge_per_set = Price::Zero();
  c.min_profit = Money::Zero();
  return c;
}

class BinaryLaneTest : public ::testing::Test {
 protected:
  BinaryLaneTest() { catalog_.Upsert(BinaryMarket("m1", "e1")); }

  // Case 1: YES ask .62, NO ask .33 (bids below, so the books are not crossed).
  void Case1(const char* yes_size, const char* no_size) {
    books_.Set(Yes("m1"), Ladder({{"0.60", "100"}}), Ladder({{"0.62", yes_size}}));
    books_.Set(No("m1"), Ladder({{"0.30", "100"}}), Ladder({{"0.33", no_size}}));
  }

  InMemoryMarketCatalog catalog_;
  FakeBookReader books_;
  SimulatedClock clock_;
};

TEST_F(BinaryLaneTest, ReferenceCase1FiniteDepth) {
  Case1("100", "100");
  BinaryLane lane(&catalog_, &books_, &clock_, NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(o.lane(), arbor::v1::LANE_BINARY);
  EXPECT_EQ(o.size_sets_micros(), Q("100").micros());
  EXPECT_EQ(o.total_cost_micros(), M("95").micros());
  EXPECT_EQ(o.total_fees_micros(), 0);
  EXPECT_EQ(o.worst_case_payoff_micros(), M("100").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("5").micros());
  EXPECT_EQ(o.expected_profit_micros(), M("5").micros());
  EXPECT_EQ(o.edge_per_set_micros(), P("0.05").micros());
  EXPECT_TRUE(o.guaranteed());
  EXPECT_EQ(o.confidence(), 1.0);
  ASSERT_EQ(o.legs_size(), 2);
  const char* symbols[] = {"m1-Y", "m1-N"};
  const char* prices[] = {"0.62", "0.33"};
  for (int i = 0; i < 2; ++i) {
    const arbor::v1::OpportunityLeg& leg = o.legs(i);
    EXPECT_EQ(leg.leg_index(), static_cast<uint32_t>(i));
    EXPECT_EQ(leg.action(), arbor::v1::LEG_ACTION_ORDER);
    EXPECT_EQ(leg.instrument_id().symbol(), symbols[i]);
    EXPECT_EQ(leg.instrument_id().venue(), arbor::v1::VENUE_POLYMARKET);
    EXPECT_EQ(leg.side(), arbor::v1::SIDE_BUY);
    EXPECT_EQ(leg.limit_price_micros(), P(prices[i]).micros());
    EXPECT_EQ(leg.expected_vwap_micros(), P(prices[i]).micros());
    EXPECT_EQ(leg.size_micros(), Q("100").micros());
    EXPECT_EQ(leg.cash_flow_micros(), -(P(prices[i]).micros() * 100));
    EXPECT_EQ(leg.available_size_micros(), Q("100").micros());
    EXPECT_EQ(leg.time_in_force(), arbor::v1::TIME_IN_FORCE_FOK);
    EXPECT_TRUE(leg.depends_on_legs().empty());
  }
  ASSERT_EQ(o.source_books_size(), 2);
  EXPECT_EQ(o.market_ids(0), "m1");
  EXPECT_EQ(o.event_ids(0), "e1");
  EXPECT_EQ(o.opportunity_id().size(), 32u);
  EXPECT_EQ(o.group_key().size(), 32u);
  const int64_t now = absl::ToUnixNanos(clock_.Now());
  EXPECT_EQ(o.created_unix_nanos(), now);
  EXPECT_EQ(o.expires_unix_nanos(), now + absl::ToInt64Nanoseconds(absl::Seconds(10)));
  EXPECT_EQ(e.counters.emitted, 1u);
  EXPECT_EQ(e.counters.units_evaluated, 1u);
}

TEST_F(BinaryLaneTest, ReferenceCase1SizedByTheThinnerLeg) {
  Case1("100", "40");
  BinaryLane lane(&catalog_, &books_, &clock_, NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("40").micros());
  EXPECT_EQ(e.opportunities[0].guaranteed_profit_micros(), M("2").micros());
}

TEST_F(BinaryLaneTest, ReferenceCase1UnlimitedDepthCappedByMaxSets) {
  Case1(kDeep, kDeep);
  LaneConfig c = NoGates();
  c.max_sets = Q("100");
  BinaryLane lane(&catalog_, &books_, &clock_, c);
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("100").micros());
  EXPECT_EQ(e.opportunities[0].guaranteed_profit_micros(), M("5").micros());
  // Without a cap the whole depth clears.
  BinaryLane uncapped(&catalog_, &books_, &clock_, NoGates());
  LaneEvaluation u = uncapped.EvaluateAll();
  ASSERT_EQ(u.opportunities.size(), 1u);
  EXPECT_EQ(u.opportunities[0].size_sets_micros(), Q(kDeep).micros());
  EXPECT_EQ(u.opportunities[0].guaranteed_profit_micros(), M("50000").micros());
}

// REFERENCE_CASES "How to use" §4: r = 0.04 on both legs -> fees 1.8268 per 100 sets, net
// 0.031732.
TEST_F(BinaryLaneTest, ReferenceCase1WithLinearFee) {
  LaneMarket m = BinaryMarket("m1", "e1");
  m.fees = quant::LegFees::Polymarket({.rate_micros = 40000, .exponent = 1});
  catalog_.Upsert(m);
  Case1("100", "100");
  BinaryLane lane(&catalog_, &books_, &clock_, NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(o.legs(0).fee_micros(), M("0.9424").micros());
  EXPECT_EQ(o.legs(1).fee_micros(), M("0.8844").micros());
  EXPECT_EQ(o.total_fees_micros(), M("1.8268").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("3.1732").micros());
  EXPECT_EQ(o.edge_per_set_micros(), P("0.031732").micros());

  // A min edge one micro above the net edge: counted as below min edge, nothing emitted.
  LaneConfig c = NoGates();
  c.min_edge_per_set = P("0.031733");
  BinaryLane strict(&catalog_, &books_, &clock_, c);
  LaneEvaluation s = strict.EvaluateAll();
  EXPECT_TRUE(s.opportunities.empty());
  EXPECT_EQ(s.counters.drop(DropReason::kBelowMinEdge), 1u);
}

TEST_F(BinaryLaneTest, SplitSellLegsAndDependencies) {
  // YES bid .55 + NO bid .48 = 1.03: split 100 sets, sell both.
  books_.Set(Yes("m1"), Ladder({{"0.55", "100"}}), Ladder({{"0.57", "100"}}));
  books_.Set(No("m1"), Ladder({{"0.48", "100"}}), Ladder({{"0.50", "100"}}));
  BinaryLane lane(&catalog_, &books_, &clock_, NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  ASSERT_EQ(o.legs_size(), 3);
  EXPECT_EQ(o.legs(0).action(), arbor::v1::LEG_ACTION_SPLIT);
  EXPECT_EQ(o.legs(0).market_id(), "m1");
  EXPECT_EQ(o.legs(0).size_micros(), Q("100").micros());
  EXPECT_EQ(o.legs(0).cash_flow_micros(), -M("100").micros());
  EXPECT_EQ(o.legs(0).limit_price_micros(), 0);
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(o.legs(i).action(), arbor::v1::LEG_ACTION_ORDER);
    EXPECT_EQ(o.legs(i).side(), arbor::v1::SIDE_SELL);
    ASSERT_EQ(o.legs(i).depends_on_legs_size(), 1);
    EXPECT_EQ(o.legs(i).depends_on_legs(0), 0u);
  }
  EXPECT_EQ(o.legs(1).cash_flow_micros(), M("55").micros());
  EXPECT_EQ(o.legs(2).cash_flow_micros(), M("48").micros());
  EXPECT_EQ(o.total_cost_micros(), -M("3").micros());
  EXPECT_EQ(o.worst_case_payoff_micros(), 0);
  EXPECT_EQ(o.guaranteed_profit_micros(), M("3").micros());
  EXPECT_EQ(o.source_books_size(), 2);
}

TEST_F(BinaryLaneTest, FairBooksProduceNothing) {
  books_.Set(Yes("m1"), Ladder({{"0.61", "100"}}), Ladder({{"0.62", "100"}}));
  books_.Set(No("m1"), Ladder({{"0.37", "100"}}), Ladder({{"0.38", "100"}}));
  BinaryLane lane(&catalog_, &books_, &clock_);
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.units_evaluated, 1u);
  for (int r = 0; r < kDropReasonCount; ++r) EXPECT_EQ(e.counters.drops[r], 0u) << r;
}

TEST_F(BinaryLaneTest, EmptySideIsNotAnEdge) {
  books_.Set(Yes("m1"), {}, Ladder({{"0.62", "100"}}));
  books_.Set(No("m1"), {}, {});
  BinaryLane lane(&catalog_, &books_, &clock_, NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.bundles_quoted, 0u);
}

// Each hygiene reason on an otherwise profitable case-1 book: nothing, and the reason counted.
TEST_F(BinaryLaneTest, HygieneDropsByReason) {
  struct Row {
    const char* name;
    void (*mutate)(FakeBookReader&, InMemoryMarketCatalog&);
    DropReason reason;
  };
  const Row rows[] = {
      {"stale status",
       [](FakeBookReader& b, InMemoryMarketCatalog&) {
         b.Get(Yes("m1")).status = BookStatus::kStale;
       },
       DropReason::kStaleBook},
      {"too old", [](FakeBookReader& b, InMemoryMarketCatalog&) { b.Get(No("m1")).fresh = false; },
       DropReason::kStaleBook},
      {"quarantined",
       [](FakeBookReader& b, InMemoryMarketCatalog&) {
         b.Get(No("m1")).status = BookStatus::kQuarantined;
       },
       DropReason::kNotLive},
      {"closed",
       [](FakeBookReader& b, InMemoryMarketCatalog&) {
         b.Get(Yes("m1")).status = BookStatus::kClosed;
       },
       DropReason::kNotLive},
      {"untrusted",
       [](FakeBookReader& b, InMemoryMarketCatalog&) { b.Get(Yes("m1")).trusted = false; },
       DropReason::kNotLive},
      {"crossed",
       [](FakeBookReader& b, InMemoryMarketCatalog&) {
         b.Get(Yes("m1")).bids = Ladder({{"0.63", "10"}});
       },
       DropReason::kCrossedBook},
      {"locked",
       [](FakeBookReader& b, InMemoryMarketCatalog&) {
         b.Get(No("m1")).bids = Ladder({{"0.33", "10"}});
       },
       DropReason::kCrossedBook},
      {"missing",
       [](FakeBookReader& b, InMemoryMarketCatalog& c) {
         LaneMarket m = BinaryMarket("m1", "e1");
         m.outcomes[1] = Key("never-seen");
         c.Upsert(m);
         (void)b;
       },
       DropReason::kMissingBook},
      {"off grid",
       [](FakeBookReader&, InMemoryMarketCatalog& c) {
         LaneMarket m = BinaryMarket("m1", "e1");
         m.grid = {{P("0.1"), P("0.9"), P("0.1")}};  // .62 / .33 are not on a 0.1 grid
         c.Upsert(m);
       },
       DropReason::kOffGrid},
      {"implausible edge",
       [](FakeBookReader& b, InMemoryMarketCatalog&) {
         b.Get(Yes("m1")).bids = Ladder({{"0.20", "10"}});
         b.Get(Yes("m1")).asks = Ladder({{"0.30", "100"}});  // .30 + .33: edge .37
       },
       DropReason::kImplausibleEdge},
      {"below min profit",
       [](FakeBookReader& b, InMemoryMarketCatalog&) {
         b.Get(Yes("m1")).asks = Ladder({{"0.62", "5"}});  // 5 sets x .05 = .25 < .50
       },
       DropReason::kBelowMinProfit},
      {"unknown fees",
       [](FakeBookReader&, InMemoryMarketCatalog& c) {
         LaneMarket m = BinaryMarket("m1", "e1");
         m.fees.reset();
         m.fee_problem = "flat";
         c.Upsert(m);
       },
       DropReason::kUnknownFeeModel},
      {"not tradable",
       [](FakeBookReader&, InMemoryMarketCatalog& c) {
         LaneMarket m = BinaryMarket("m1", "e1");
         m.tradable = false;
         c.Upsert(m);
       },
       DropReason::kMarketNotTradable},
  };
  for (const Row& row : rows) {
    InMemoryMarketCatalog catalog;
    catalog.Upsert(BinaryMarket("m1", "e1"));
    FakeBookReader books;
    books.Set(Yes("m1"), Ladder({{"0.60", "100"}}), Ladder({{"0.62", "100"}}));
    books.Set(No("m1"), Ladder({{"0.30", "100"}}), Ladder({{"0.33", "100"}}));
    {  // control: the unmutated book trades under default config
      BinaryLane lane(&catalog, &books, &clock_);
      ASSERT_EQ(lane.EvaluateAll().opportunities.size(), 1u) << row.name;
    }
    row.mutate(books, catalog);
    BinaryLane lane(&catalog, &books, &clock_);
    LaneEvaluation e = lane.EvaluateAll();
    EXPECT_TRUE(e.opportunities.empty()) << row.name;
    EXPECT_EQ(e.counters.drop(row.reason), 1u) << row.name;
    uint64_t total = 0;
    for (uint64_t d : e.counters.drops) total += d;
    EXPECT_EQ(total, 1u) << row.name;
    EXPECT_EQ(lane.totals().drop(row.reason), 1u) << row.name;
  }
}

TEST_F(BinaryLaneTest, IncrementalEvaluationTouchesOnlyTheAffectedMarket) {
  for (const char* id : {"m2", "m3"}) catalog_.Upsert(BinaryMarket(id, "e1"));
  for (const char* id : {"m1", "m2", "m3"}) {
    books_.Set(Yes(id), Ladder({{"0.60", "100"}}), Ladder({{"0.62", "100"}}));
    books_.Set(No(id), Ladder({{"0.30", "100"}}), Ladder({{"0.33", "100"}}));
  }
  BinaryLane lane(&catalog_, &books_, &clock_);
  LaneEvaluation all = lane.EvaluateAll();
  EXPECT_EQ(all.counters.units_evaluated, 3u);
  EXPECT_EQ(all.opportunities.size(), 3u);

  books_.ResetReads();
  const InstrumentKey touched[] = {No("m2"), Key("unrelated"), No("m2")};
  LaneEvaluation e = lane.OnBooksChanged(touched);
  EXPECT_EQ(e.counters.units_evaluated, 1u);
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].market_ids(0), "m2");
  EXPECT_EQ(books_.reads(Yes("m2")), 1);
  EXPECT_EQ(books_.reads(No("m2")), 1);
  EXPECT_EQ(books_.total_reads(), 2);
  EXPECT_EQ(lane.totals().units_evaluated, 4u);

  // Both outcomes of two markets touched at once: each market evaluated once.
  const InstrumentKey two[] = {Yes("m1"), No("m1"), Yes("m3")};
  EXPECT_EQ(lane.OnBooksChanged(two).counters.units_evaluated, 2u);
  EXPECT_EQ(lane.OnBooksChanged({}).counters.units_evaluated, 0u);

  // A market added to the catalog is indexed after RebuildIndex().
  catalog_.Upsert(BinaryMarket("m4"));
  books_.Set(Yes("m4"), Ladder({{"0.60", "100"}}), Ladder({{"0.62", "100"}}));
  books_.Set(No("m4"), Ladder({{"0.30", "100"}}), Ladder({{"0.33", "100"}}));
  const InstrumentKey m4[] = {Yes("m4")};
  EXPECT_EQ(lane.OnBooksChanged(m4).counters.units_evaluated, 0u);
  lane.RebuildIndex();
  EXPECT_EQ(lane.OnBooksChanged(m4).opportunities.size(), 1u);
}

TEST_F(BinaryLaneTest, PerEventCapKeepsTheMostProfitable) {
  // Three markets of one event with profits 5, 4, 3 (YES asks .62 / .63 / .64); cap 2.
  const char* asks[] = {"0.62", "0.63", "0.64"};
  const char* ids[] = {"m1", "m2", "m3"};
  for (int i = 0; i < 3; ++i) {
    catalog_.Upsert(BinaryMarket(ids[i], "e1"));
    books_.Set(Yes(ids[i]), Ladder({{"0.60", "100"}}), Ladder({{asks[i], "100"}}));
    books_.Set(No(ids[i]), Ladder({{"0.30", "100"}}), Ladder({{"0.33", "100"}}));
  }
  catalog_.Upsert(BinaryMarket("solo"));  // no event: its own group
  books_.Set(Yes("solo"), Ladder({{"0.60", "100"}}), Ladder({{"0.62", "100"}}));
  books_.Set(No("solo"), Ladder({{"0.30", "100"}}), Ladder({{"0.33", "100"}}));
  LaneConfig c;
  c.max_per_event = 2;
  BinaryLane lane(&catalog_, &books_, &clock_, c);
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 3u);
  EXPECT_EQ(e.counters.drop(DropReason::kEventCap), 1u);
  std::vector<std::string> kept;
  for (const auto& o : e.opportunities) kept.push_back(o.market_ids(0));
  EXPECT_EQ(kept, (std::vector<std::string>{"m1", "m2", "solo"}));
}

TEST_F(BinaryLaneTest, PerEventCapitalCapKeepsTheBestThatFit) {
  // Three markets of one event, 100 sets each: capital ~95, ~96, ~97 USD (asks .62 / .63 / .64 +
  // .33, plus fees); best first.
  const char* asks[] = {"0.62", "0.63", "0.64"};
  const char* ids[] = {"m1", "m2", "m3"};
  for (int i = 0; i < 3; ++i) {
    catalog_.Upsert(BinaryMarket(ids[i], "e1"));
    books_.Set(Yes(ids[i]), Ladder({{"0.60", "100"}}), Ladder({{asks[i], "100"}}));
    books_.Set(No(ids[i]), Ladder({{"0.30", "100"}}), Ladder({{"0.33", "100"}}));
  }
  catalog_.Upsert(BinaryMarket("solo"));  // its own event: its own cap
  books_.Set(Yes("solo"), Ladder({{"0.60", "100"}}), Ladder({{"0.62", "100"}}));
  books_.Set(No("solo"), Ladder({{"0.30", "100"}}), Ladder({{"0.33", "100"}}));
  auto kept_with_cap = [&](const char* cap, LaneCounters* counters) {
    LaneConfig c;
    c.event_cap = M(cap);
    BinaryLane lane(&catalog_, &books_, &clock_, c);
    LaneEvaluation e = lane.EvaluateAll();
    *counters = e.counters;
    std::vector<std::string> kept;
    int64_t e1_capital = 0;
    for (const auto& o : e.opportunities) {
      kept.push_back(o.market_ids(0));
      if (o.market_ids(0) == "solo") continue;
      e1_capital += o.total_fees_micros();
      for (const auto& leg : o.legs()) e1_capital -= std::min<int64_t>(0, leg.cash_flow_micros());
    }
    EXPECT_LE(e1_capital, M(cap).micros()) << cap;
    return kept;
  };
  LaneCounters k;
  // Two fit under 200, the third would pass it.
  EXPECT_EQ(kept_with_cap("200", &k), (std::vector<std::string>{"m1", "m2", "solo"}));
  EXPECT_EQ(k.drop(DropReason::kEventCap), 1u);
  // Only the best fits under 150; "solo" is another event.
  EXPECT_EQ(kept_with_cap("150", &k), (std::vector<std::string>{"m1", "solo"}));
  EXPECT_EQ(k.drop(DropReason::kEventCap), 2u);
  // No room for any: nothing is emitted (the lane does not shrink an opportunity to fit; the
  // per-opportunity stake cap does that).
  EXPECT_TRUE(kept_with_cap("50", &k).empty());
  EXPECT_EQ(k.drop(DropReason::kEventCap), 4u);
}

}  // namespace
}  // namespace arbor::lanes
