// CombinatorialLane through its public API: fair related markets produce nothing; an implies and
// an excludes violation give the two-leg bundles priced by hand; a three-market chain is
// trimmed to the legs that matter; the confidence floor, contradictory relations and missing
// markets are gated; evaluation is incremental; and a seeded property test checks every emitted
// opportunity against brute-force enumeration of the valid joint outcomes.
#include "arbor/lanes/combinatorial_lane.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "arbor/core/clock.h"
#include "gtest/gtest.h"
#include "lanes_test_util.h"

namespace arbor::lanes {
namespace {

using namespace ::arbor::lanes::testing;  // NOLINT(google-build-using-namespace)
using relations::Relation;
using relations::RelationKind;

Relation Rel(const std::string& id, RelationKind kind, const std::string& a, const std::string& b,
             double confidence = 0.97, int a_outcome = 0, int b_outcome = 0) {
  Relation r;
  r.id = id;
  r.kind = kind;
  r.a = {a, a_outcome};
  r.b = {b, b_outcome};
  r.confidence = confidence;
  r.provenance = relations::Provenance::kCurated;
  r.rule = "curated";
  return r;
}

LaneConfig NoGates() {
  LaneConfig c;
  c.min_edge_per_set = Price::Zero();
  c.min_profit = Money::Zero();
  return c;
}

// YES bid / ask with the NO book as its complement (a unified Polymarket book).
void Quote(FakeBookReader& books, const std::string& market, const char* yes_bid,
           const char* yes_ask, const char* size = "100") {
  const Price bid = P(yes_bid);
  const Price ask = P(yes_ask);
  books.Set(Yes(market), {{bid, Q(size)}}, {{ask, Q(size)}});
  books.Set(No(market), {{Price::FromUnits(1) - ask, Q(size)}},
            {{Price::FromUnits(1) - bid, Q(size)}});
}

std::map<std::string, std::string> LegsOf(const arbor::v1::Opportunity& o) {
  std::map<std::string, std::string> out;  // symbol -> limit price
  for (const arbor::v1::OpportunityLeg& leg : o.legs()) {
    EXPECT_EQ(leg.side(), arbor::v1::SIDE_BUY);
    out[leg.instrument_id().symbol()] = Price::FromMicros(leg.limit_price_micros()).ToString();
  }
  return out;
}

class CombinatorialLaneTest : public ::testing::Test {
 protected:
  CombinatorialLaneTest() {
    for (const char* id : {"a", "b", "c", "x"}) catalog_.Upsert(BinaryMarket(id));
  }

  InMemoryMarketCatalog catalog_;
  FakeBookReader books_;
  SimulatedClock clock_;
};

TEST_F(CombinatorialLaneTest, FairRelatedMarketsProduceNothing) {
  // a => b with P(a) = .40 <= P(b) = .55: inside the polytope once spreads are paid.
  Quote(books_, "a", "0.39", "0.41");
  Quote(books_, "b", "0.54", "0.56");
  CombinatorialLane lane(&catalog_, &books_, &clock_, {Rel("r1", RelationKind::kImplies, "a", "b")},
                         NoGates());
  EXPECT_EQ(lane.cluster_count(), 1u);
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.units_evaluated, 1u);
  for (int r = 0; r < kDropReasonCount; ++r) {
    EXPECT_EQ(e.counters.drops[r], 0u) << DropReasonName(static_cast<DropReason>(r));
  }
}

TEST_F(CombinatorialLaneTest, ImpliesViolationBuysANoAndBYes) {
  // a => b but a's YES bid .60 > b's YES ask .55: buy a NO at .40 and b YES at .55; one of them
  // pays in every valid outcome (a yes forces b yes), so each set pays >= 1 and costs .95.
  Quote(books_, "a", "0.60", "0.62");
  Quote(books_, "b", "0.53", "0.55");
  CombinatorialLane lane(&catalog_, &books_, &clock_,
                         {Rel("r1", RelationKind::kImplies, "a", "b", 0.96)}, NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(o.lane(), arbor::v1::LANE_COMBINATORIAL);
  EXPECT_EQ(LegsOf(o), (std::map<std::string, std::string>{{"a-N", "0.4"}, {"b-Y", "0.55"}}));
  EXPECT_EQ(o.size_sets_micros(), Q("100").micros());
  EXPECT_EQ(o.total_cost_micros(), M("95").micros());
  EXPECT_EQ(o.worst_case_payoff_micros(), M("100").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("5").micros());
  EXPECT_TRUE(o.guaranteed());
  EXPECT_DOUBLE_EQ(o.confidence(), 0.96);
  EXPECT_EQ(std::vector<std::string>(o.relation_ids().begin(), o.relation_ids().end()),
            std::vector<std::string>{"r1"});
  EXPECT_GT(o.projection_divergence(), 0.0);
  EXPECT_LE(o.projection_gap(), 1e-7);
  EXPECT_EQ(o.market_ids_size(), 2);
  // Markets without an event stand for their own event (the executor's per-event limits).
  EXPECT_EQ(std::vector<std::string>(o.event_ids().begin(), o.event_ids().end()),
            (std::vector<std::string>{"a", "b"}));
  std::map<std::string, std::string> leg_events;
  for (const arbor::v1::OpportunityLeg& leg : o.legs()) {
    leg_events[leg.instrument_id().symbol()] = leg.event_id();
  }
  EXPECT_EQ(leg_events, (std::map<std::string, std::string>{{"a-N", "a"}, {"b-Y", "b"}}));
  EXPECT_FALSE(o.opportunity_id().empty());
}

TEST_F(CombinatorialLaneTest, NegRiskQuestionsOfOneEventAreMutuallyExclusive) {
  // n1 => c and n2 => c; n1 and n2 are questions of one NegRisk event, so at most one is YES.
  // Their YES bids .55 + .55 exceed 1: both NOs (.45 + .45) pay at least 1 in every outcome. The
  // relations alone allow n1 = n2 = 1, so the same books are fair without the NegRisk flags.
  auto neg_risk_catalog = [](bool flagged) {
    InMemoryMarketCatalog catalog;
    for (const char* id : {"n1", "n2"}) {
      LaneMarket m = BinaryMarket(id, "e-nr");
      m.neg_risk = flagged;
      m.neg_risk_market_id = flagged ? "nr" : "";
      catalog.Upsert(m);
    }
    catalog.Upsert(BinaryMarket("c"));
    return catalog;
  };
  Quote(books_, "n1", "0.55", "0.57");
  Quote(books_, "n2", "0.55", "0.57");
  Quote(books_, "c", "0.95", "0.97");
  const std::vector<Relation> relations = {Rel("r1", RelationKind::kImplies, "n1", "c"),
                                           Rel("r2", RelationKind::kImplies, "n2", "c")};

  InMemoryMarketCatalog plain = neg_risk_catalog(false);
  CombinatorialLane unflagged(&plain, &books_, &clock_, relations, NoGates());
  EXPECT_TRUE(unflagged.EvaluateAll().opportunities.empty());

  InMemoryMarketCatalog flagged = neg_risk_catalog(true);
  CombinatorialLane lane(&flagged, &books_, &clock_, relations, NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(LegsOf(o), (std::map<std::string, std::string>{{"n1-N", "0.45"}, {"n2-N", "0.45"}}));
  EXPECT_EQ(o.worst_case_payoff_micros(), o.size_sets_micros());
  EXPECT_EQ(o.guaranteed_profit_micros(),
            o.worst_case_payoff_micros() - o.total_cost_micros() - o.total_fees_micros());
  EXPECT_GT(o.guaranteed_profit_micros(), 0);
}

TEST_F(CombinatorialLaneTest, ExcludesViolationBuysBothNos) {
  // a and b exclude each other but their YES bids sum to 1.10: buy both NOs at .40 + .50.
  Quote(books_, "a", "0.60", "0.62");
  Quote(books_, "b", "0.50", "0.52");
  CombinatorialLane lane(&catalog_, &books_, &clock_,
                         {Rel("r2", RelationKind::kExcludes, "a", "b")}, NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(LegsOf(o), (std::map<std::string, std::string>{{"a-N", "0.4"}, {"b-N", "0.5"}}));
  EXPECT_EQ(o.guaranteed_profit_micros(), M("10").micros());
}

TEST_F(CombinatorialLaneTest, ChainIsTrimmedToTheLegsThatMatter) {
  // a => b => c; a trades at .62 and c at .51, b in between at .58: a NO + c YES (.38 + .51)
  // already pays in every valid outcome; buying b too would only add cost.
  Quote(books_, "a", "0.62", "0.64");
  Quote(books_, "b", "0.57", "0.59");
  Quote(books_, "c", "0.49", "0.51");
  CombinatorialLane lane(
      &catalog_, &books_, &clock_,
      {Rel("r1", RelationKind::kImplies, "a", "b"), Rel("r2", RelationKind::kImplies, "b", "c")},
      NoGates());
  EXPECT_EQ(lane.cluster_count(), 1u);
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(LegsOf(o), (std::map<std::string, std::string>{{"a-N", "0.38"}, {"c-Y", "0.51"}}));
  EXPECT_EQ(o.relation_ids_size(), 2);
  EXPECT_EQ(o.guaranteed_profit_micros(), M("11").micros());
}

TEST_F(CombinatorialLaneTest, RelationsBelowTheFloorAreIgnored) {
  Quote(books_, "a", "0.60", "0.62");
  Quote(books_, "b", "0.53", "0.55");
  CombinatorialLane lane(&catalog_, &books_, &clock_,
                         {Rel("r1", RelationKind::kImplies, "a", "b", 0.89)}, NoGates());
  EXPECT_EQ(lane.cluster_count(), 0u);
  EXPECT_TRUE(lane.EvaluateAll().opportunities.empty());
}

TEST_F(CombinatorialLaneTest, ContradictoryOrUnknownClustersAreRejected) {
  Quote(books_, "a", "0.60", "0.62");
  Quote(books_, "b", "0.53", "0.55");
  // b's YES and b's NO both equivalent to a's YES: no valid joint outcome. (A relation of a
  // market with itself is refused outright and never forms a cluster.)
  CombinatorialLane contradictory(&catalog_, &books_, &clock_,
                                  {Rel("bad1", RelationKind::kEquivalent, "a", "b", 1.0, 0, 0),
                                   Rel("bad2", RelationKind::kEquivalent, "a", "b", 1.0, 0, 1),
                                   Rel("self", RelationKind::kEquivalent, "x", "x", 1.0, 0, 1)},
                                  NoGates());
  EXPECT_EQ(contradictory.cluster_count(), 1u);
  LaneEvaluation e = contradictory.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kRelationRejected), 1u);

  CombinatorialLane unknown(&catalog_, &books_, &clock_,
                            {Rel("r1", RelationKind::kImplies, "a", "nowhere")}, NoGates());
  e = unknown.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kRelationRejected), 1u);
}

TEST_F(CombinatorialLaneTest, MaxEdgeGateTreatsHugeEdgesAsBadRelations) {
  Quote(books_, "a", "0.80", "0.82");
  Quote(books_, "b", "0.50", "0.52");
  CombinatorialConfig gates;
  gates.max_edge_per_set = P("0.15");
  CombinatorialLane lane(&catalog_, &books_, &clock_, {Rel("r1", RelationKind::kImplies, "a", "b")},
                         NoGates(), gates);
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kImplausibleEdge), 1u);
}

TEST_F(CombinatorialLaneTest, OnlyClustersTouchedByABookAreEvaluated) {
  Quote(books_, "a", "0.60", "0.62");
  Quote(books_, "b", "0.53", "0.55");
  Quote(books_, "x", "0.50", "0.52");
  CombinatorialLane lane(&catalog_, &books_, &clock_, {Rel("r1", RelationKind::kImplies, "a", "b")},
                         NoGates());
  EXPECT_EQ(lane.OnBooksChanged({Yes("x")}).counters.units_evaluated, 0u);
  LaneEvaluation e = lane.OnBooksChanged({No("b")});
  EXPECT_EQ(e.counters.units_evaluated, 1u);
  EXPECT_EQ(e.opportunities.size(), 1u);
  // Re-solved on the next update (warm-started): the violation is gone once a's YES falls.
  Quote(books_, "a", "0.50", "0.52");
  e = lane.OnBooksChanged({Yes("a")});
  EXPECT_TRUE(e.opportunities.empty());
}

// Every valid joint outcome of the markets under the relations (YES = 1).
std::vector<std::vector<int>> ValidOutcomes(const std::vector<std::string>& markets,
                                            const std::vector<Relation>& rels) {
  std::vector<std::vector<int>> out;
  const int n = static_cast<int>(markets.size());
  for (int mask = 0; mask < (1 << n); ++mask) {
    std::map<std::string, int> yes;
    for (int i = 0; i < n; ++i) yes[markets[i]] = (mask >> i) & 1;
    bool ok = true;
    for (const Relation& r : rels) {
      const int a = yes[r.a.market_id], b = yes[r.b.market_id];
      if (r.kind == RelationKind::kImplies) ok = ok && a <= b;
      if (r.kind == RelationKind::kExcludes) ok = ok && a + b <= 1;
      if (r.kind == RelationKind::kEquivalent) ok = ok && a == b;
    }
    if (!ok) continue;
    std::vector<int> z;
    for (int i = 0; i < n; ++i) z.push_back((mask >> i) & 1);
    out.push_back(z);
  }
  return out;
}

TEST_F(CombinatorialLaneTest, PropertyEveryOpportunityPaysItsWorstCaseInEveryValidOutcome) {
  std::mt19937_64 rng(20261206);
  const std::vector<std::string> markets = {"a", "b", "c"};
  const RelationKind kinds[] = {RelationKind::kImplies, RelationKind::kExcludes,
                                RelationKind::kEquivalent};
  int emitted = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<Relation> rels;
    rels.push_back(Rel("r0", kinds[rng() % 3], "a", "b"));
    rels.push_back(Rel("r1", kinds[rng() % 3], rng() % 2 ? "b" : "a", "c"));
    for (const std::string& m : markets) {
      const int bid = 5 + static_cast<int>(rng() % 85);
      const int spread = 1 + static_cast<int>(rng() % 3);
      Quote(books_, m, Price::FromMicros(bid * 10'000).ToString().c_str(),
            Price::FromMicros((bid + spread) * 10'000).ToString().c_str(),
            rng() % 2 ? "50" : "200");
    }
    CombinatorialLane lane(&catalog_, &books_, &clock_, rels, NoGates());
    const std::vector<std::vector<int>> valid = ValidOutcomes(markets, rels);
    for (const arbor::v1::Opportunity& o : lane.EvaluateAll().opportunities) {
      ++emitted;
      for (const std::vector<int>& z : valid) {
        int64_t payoff = 0;
        for (const arbor::v1::OpportunityLeg& leg : o.legs()) {
          const std::string& sym = leg.instrument_id().symbol();
          const int m = sym[0] - 'a';
          const bool yes_leg = sym.back() == 'Y';
          if ((z[m] == 1) == yes_leg) payoff += leg.size_micros();
        }
        EXPECT_GE(payoff, o.worst_case_payoff_micros()) << "trial " << trial;
      }
      EXPECT_EQ(o.guaranteed_profit_micros(),
                o.worst_case_payoff_micros() - o.total_cost_micros() - o.total_fees_micros());
      EXPECT_GT(o.guaranteed_profit_micros(), 0);
    }
  }
  EXPECT_GT(emitted, 10);  // the random books do violate the relations now and then
}

}  // namespace
}  // namespace arbor::lanes
