// CrossVenueLane through its public API: a fair pair, a gap priced by hand (legs, size, Kalshi
// fee rounding, profit), depth and marginal sizing, every gate counted, the max-edge gate,
// outcome orientation, incremental evaluation, and a seeded property test checking the worst
// case by enumerating the two states of the world {event happens, does not}.
#include "arbor/lanes/cross_venue_lane.h"

#include <algorithm>
#include <cstdint>
#include <limits>
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

constexpr int64_t kEnd = 1'800'000'000'000'000'000;  // both markets' scheduled end (ns)

InstrumentKey KalshiKey(const std::string& ticker, const char* side) {
  return InstrumentKey{Venue::kKalshi, InstrumentId(ticker + ":" + side)};
}
InstrumentKey KYes(const std::string& ticker) { return KalshiKey(ticker, "YES"); }
InstrumentKey KNo(const std::string& ticker) { return KalshiKey(ticker, "NO"); }

quant::LegFees KalshiTakerFees() { return *quant::LegFees::Kalshi({.fee_type = "quadratic"}); }

// A Kalshi binary market: outcomes {"<ticker>:YES", "<ticker>:NO"}, linear-cent grid, taker
// fee 0.07 C P (1 - P) rounded up to the cent, whole contracts.
LaneMarket KalshiMarket(const std::string& ticker, const std::string& event_id = "") {
  LaneMarket m;
  m.market_id = ticker;
  m.venue = Venue::kKalshi;
  m.event_id = event_id;
  m.outcomes = {KYes(ticker), KNo(ticker)};
  m.fees = KalshiTakerFees();
  m.grid = {{P("0.01"), P("0.99"), P("0.01")}};
  m.lot_size = Q("1");
  m.end_unix_nanos = kEnd;
  return m;
}

LaneMarket PolymarketMarket(const std::string& id, const std::string& event_id = "") {
  LaneMarket m = BinaryMarket(id, event_id);
  m.end_unix_nanos = kEnd;
  return m;
}

MappingPair Pair(const std::string& id, const std::string& pm, const std::string& kalshi,
                 double confidence = 0.97) {
  MappingPair p;
  p.id = id;
  p.polymarket_market_id = pm;
  p.kalshi_market_id = kalshi;
  p.equivalence = Equivalence::kIdentical;
  p.confidence = confidence;
  return p;
}

VenueMapping Mapping(std::vector<MappingPair> pairs) {
  VenueMapping m;
  m.pairs = std::move(pairs);
  return m;
}

LaneConfig NoGates() {
  LaneConfig c;
  c.min_edge_per_set = Price::Zero();
  c.min_profit = Money::Zero();
  return c;
}

class CrossVenueLaneTest : public ::testing::Test {
 protected:
  CrossVenueLaneTest() {
    catalog_.Upsert(PolymarketMarket("pm1", "pe1"));
    catalog_.Upsert(KalshiMarket("KX-1", "KXE-1"));
  }

  // Fair: PM YES .55 / NO .47, Kalshi YES .56 / NO .46 -> both sets cost >= 1.01.
  void FairBooks() {
    books_.Set(Yes("pm1"), Ladder({{"0.53", "100"}}), Ladder({{"0.55", "100"}}));
    books_.Set(No("pm1"), Ladder({{"0.44", "100"}}), Ladder({{"0.47", "100"}}));
    books_.Set(KYes("KX-1"), Ladder({{"0.54", "100"}}), Ladder({{"0.56", "100"}}));
    books_.Set(KNo("KX-1"), Ladder({{"0.44", "100"}}), Ladder({{"0.46", "100"}}));
  }
  // Gap: PM YES ask .55 + Kalshi NO ask at `kalshi_no_asks`; the other set (PM NO .47 +
  // Kalshi YES .61) costs 1.08.
  void GapBooks(std::vector<book::Level> kalshi_no_asks,
                std::vector<book::Level> pm_yes_asks = Ladder({{"0.55", "100"}})) {
    const Price pm_ask = pm_yes_asks.front().price;
    books_.Set(Yes("pm1"), {{pm_ask - P("0.02"), Q("100")}}, std::move(pm_yes_asks));
    books_.Set(No("pm1"), Ladder({{"0.44", "100"}}), Ladder({{"0.47", "100"}}));
    books_.Set(KYes("KX-1"), Ladder({{"0.58", "100"}}), Ladder({{"0.61", "100"}}));
    books_.Set(KNo("KX-1"), Ladder({{"0.38", "100"}}), std::move(kalshi_no_asks));
  }

  InMemoryMarketCatalog catalog_;
  FakeBookReader books_;
  SimulatedClock clock_;
};

TEST_F(CrossVenueLaneTest, FairPairProducesNothing) {
  FairBooks();
  CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1")}), NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.units_evaluated, 1u);
  EXPECT_EQ(e.counters.bundles_quoted, 2u);  // both sets were priced
  for (int r = 0; r < kDropReasonCount; ++r) {
    EXPECT_EQ(e.counters.drops[r], 0u) << DropReasonName(static_cast<DropReason>(r));
  }
}

// PM YES .55 + Kalshi NO .41 = .96 for 100 sets. Kalshi fee 0.07 * 100 * .41 * .59 = 1.6933,
// rounded up to the cent: 1.70. Profit 100 - 96 - 1.70 = 2.30, 0.023 per set.
TEST_F(CrossVenueLaneTest, GapPricedByHand) {
  GapBooks(Ladder({{"0.41", "100"}}));
  CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1", 0.97)}));
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(o.lane(), arbor::v1::LANE_CROSS_VENUE);
  EXPECT_EQ(o.mapping_id(), "p1");
  EXPECT_DOUBLE_EQ(o.confidence(), 0.97);
  EXPECT_TRUE(o.guaranteed());
  EXPECT_EQ(o.size_sets_micros(), Q("100").micros());
  EXPECT_EQ(o.total_cost_micros(), M("96").micros());
  EXPECT_EQ(o.total_fees_micros(), M("1.70").micros());
  EXPECT_EQ(o.worst_case_payoff_micros(), M("100").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("2.30").micros());
  EXPECT_EQ(o.expected_profit_micros(), M("2.30").micros());
  EXPECT_EQ(o.edge_per_set_micros(), P("0.023").micros());
  ASSERT_EQ(o.legs_size(), 2);
  const arbor::v1::OpportunityLeg& pm = o.legs(0);
  EXPECT_EQ(pm.action(), arbor::v1::LEG_ACTION_ORDER);
  EXPECT_EQ(pm.instrument_id().venue(), arbor::v1::VENUE_POLYMARKET);
  EXPECT_EQ(pm.instrument_id().symbol(), "pm1-Y");
  EXPECT_EQ(pm.side(), arbor::v1::SIDE_BUY);
  EXPECT_EQ(pm.limit_price_micros(), P("0.55").micros());
  EXPECT_EQ(pm.size_micros(), Q("100").micros());
  EXPECT_EQ(pm.fee_micros(), 0);
  EXPECT_EQ(pm.cash_flow_micros(), -M("55").micros());
  const arbor::v1::OpportunityLeg& ks = o.legs(1);
  EXPECT_EQ(ks.instrument_id().venue(), arbor::v1::VENUE_KALSHI);
  EXPECT_EQ(ks.instrument_id().symbol(), "KX-1:NO");
  EXPECT_EQ(ks.side(), arbor::v1::SIDE_BUY);
  EXPECT_EQ(ks.limit_price_micros(), P("0.41").micros());
  EXPECT_EQ(ks.size_micros(), Q("100").micros());
  EXPECT_EQ(ks.fee_micros(), M("1.70").micros());
  EXPECT_EQ(ks.cash_flow_micros(), -M("41").micros());
  EXPECT_EQ(ks.time_in_force(), arbor::v1::TIME_IN_FORCE_FOK);
  ASSERT_EQ(o.market_ids_size(), 2);
  EXPECT_EQ(o.market_ids(0), "pm1");
  EXPECT_EQ(o.market_ids(1), "KX-1");
  ASSERT_EQ(o.event_ids_size(), 2);
  EXPECT_EQ(o.event_ids(0), "pe1");
  EXPECT_EQ(o.event_ids(1), "KXE-1");
  // Each leg names its own venue's event: the executor charges each event its own leg.
  EXPECT_EQ(pm.event_id(), "pe1");
  EXPECT_EQ(ks.event_id(), "KXE-1");
  ASSERT_EQ(o.source_books_size(), 2);
  EXPECT_EQ(o.opportunity_id().size(), 32u);
  EXPECT_EQ(e.counters.emitted, 1u);
}

// With a Polymarket linear fee r = 0.04 too: 100 * 0.04 * .55 * .45 = 0.99 on the PM leg.
TEST_F(CrossVenueLaneTest, GapWithBothVenuesFees) {
  LaneMarket pm = PolymarketMarket("pm1", "pe1");
  pm.fees = quant::LegFees::Polymarket({.rate_micros = 40'000, .exponent = 1});
  catalog_.Upsert(pm);
  GapBooks(Ladder({{"0.41", "100"}}));
  CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1")}));
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(o.legs(0).fee_micros(), M("0.99").micros());
  EXPECT_EQ(o.legs(1).fee_micros(), M("1.70").micros());
  EXPECT_EQ(o.total_fees_micros(), M("2.69").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("1.31").micros());
  EXPECT_EQ(o.edge_per_set_micros(), P("0.0131").micros());
}

// Kalshi NO asks .41 x 60 then .42 x 100. First 60 sets: .96 + fee(60 @ .41) = 1.01598 -> 1.02,
// edge .023. Next 40 (PM runs out at 100): .97 + fee(40 @ .42) = 0.68208 -> 0.69, marginal edge
// .03 - .01725 = .01275. Whole: cost 55 + 24.60 + 16.80 = 96.40, fees 1.71, profit 1.89.
// A min edge of .015 stops before the second Kalshi level: 60 sets, profit 60 - 57.60 - 1.02.
TEST_F(CrossVenueLaneTest, DepthAndKalshiFeePerLevel) {
  GapBooks(Ladder({{"0.41", "60"}, {"0.42", "100"}}));
  CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1")}), NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(o.size_sets_micros(), Q("100").micros());
  EXPECT_EQ(o.total_cost_micros(), M("96.40").micros());
  EXPECT_EQ(o.legs(1).fee_micros(), M("1.71").micros());
  EXPECT_EQ(o.legs(1).limit_price_micros(), P("0.42").micros());
  EXPECT_EQ(o.legs(1).expected_vwap_micros(), P("0.414").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), M("1.89").micros());

  LaneConfig c = NoGates();
  c.min_edge_per_set = P("0.015");
  CrossVenueLane strict(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1")}), c);
  LaneEvaluation s = strict.EvaluateAll();
  ASSERT_EQ(s.opportunities.size(), 1u);
  EXPECT_EQ(s.opportunities[0].size_sets_micros(), Q("60").micros());
  EXPECT_EQ(s.opportunities[0].legs(1).limit_price_micros(), P("0.41").micros());
  EXPECT_EQ(s.opportunities[0].guaranteed_profit_micros(), M("1.38").micros());
}

// One contract: the fee 0.07 * .41 * .59 = 0.016933 rounds up to a whole cent, 0.02.
TEST_F(CrossVenueLaneTest, KalshiFeeRoundsUpToTheCentOnOneContract) {
  GapBooks(Ladder({{"0.41", "1"}}));
  CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1")}), NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("1").micros());
  EXPECT_EQ(e.opportunities[0].total_fees_micros(), M("0.02").micros());
  EXPECT_EQ(e.opportunities[0].guaranteed_profit_micros(), M("0.02").micros());
}

// A one-cent gap (.55 + .44) is eaten by the Kalshi fee (>= 0.0173 per contract).
TEST_F(CrossVenueLaneTest, GapThatKalshiFeesKillIsBelowMinEdge) {
  GapBooks(Ladder({{"0.44", "100"}}));
  CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1")}), NoGates());
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kBelowMinEdge), 1u);
}

// PM YES .45 + Kalshi NO .41: edge .14 - .0170 = .123 per set, above the lane's 0.10 gate even
// though the LaneConfig passed in allows 0.50.
TEST_F(CrossVenueLaneTest, MaxEdgeGateRejectsImplausibleGaps) {
  GapBooks(Ladder({{"0.41", "100"}}), Ladder({{"0.45", "100"}}));
  LaneConfig loose = NoGates();
  loose.max_edge_per_set = P("0.50");
  CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1")}), loose);
  EXPECT_EQ(lane.config().max_edge_per_set, P("0.10"));
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kImplausibleEdge), 1u);

  CrossVenueConfig xv;
  xv.max_edge_per_set = P("0.20");
  CrossVenueLane wide(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1")}), loose, xv);
  LaneEvaluation w = wide.EvaluateAll();
  ASSERT_EQ(w.opportunities.size(), 1u);
  EXPECT_EQ(w.opportunities[0].edge_per_set_micros(), P("0.123").micros());
  EXPECT_EQ(w.counters.drop(DropReason::kImplausibleEdge), 0u);
}

TEST_F(CrossVenueLaneTest, ConfidenceFloor) {
  GapBooks(Ladder({{"0.41", "100"}}));
  // 0.89 < 0.90 (default floor): dropped before any book is read.
  CrossVenueLane low(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1", 0.89)}));
  LaneEvaluation e = low.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.drop(DropReason::kLowConfidence), 1u);
  EXPECT_EQ(books_.total_reads(), 0);
  // Exactly at the floor trades, and so does 0.89 under a floor of 0.85.
  CrossVenueLane at(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1", 0.90)}));
  EXPECT_EQ(at.EvaluateAll().opportunities.size(), 1u);
  CrossVenueConfig xv;
  xv.min_confidence = 0.85;
  CrossVenueLane lowered(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1", 0.89)}),
                         {}, xv);
  LaneEvaluation l = lowered.EvaluateAll();
  ASSERT_EQ(l.opportunities.size(), 1u);
  EXPECT_DOUBLE_EQ(l.opportunities[0].confidence(), 0.89);
}

TEST_F(CrossVenueLaneTest, OnlyIdenticalPairsTrade) {
  GapBooks(Ladder({{"0.41", "100"}}));
  for (Equivalence eq : {Equivalence::kSameQuestionDifferentSource, Equivalence::kSubset,
                         Equivalence::kSuperset, Equivalence::kRelated}) {
    SCOPED_TRACE(EquivalenceName(eq));
    MappingPair p = Pair("p1", "pm1", "KX-1");
    p.equivalence = eq;
    books_.ResetReads();
    CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({p}));
    LaneEvaluation e = lane.EvaluateAll();
    EXPECT_TRUE(e.opportunities.empty());
    EXPECT_EQ(e.counters.drop(DropReason::kMappingRejected), 1u);
    EXPECT_EQ(books_.total_reads(), 0);
  }
}

TEST_F(CrossVenueLaneTest, ResolutionSourceChecks) {
  GapBooks(Ladder({{"0.41", "100"}}));
  LaneMarket pm = PolymarketMarket("pm1", "pe1");
  pm.resolution_source = "Associated Press";
  catalog_.Upsert(pm);
  LaneMarket ks = KalshiMarket("KX-1", "KXE-1");
  ks.resolution_source = "";  // the venue states none: no evidence either way
  catalog_.Upsert(ks);
  struct Case {
    const char* pm_source;
    const char* kalshi_source;
    bool trades;
  };
  const Case cases[] = {
      {"", "", true},                          // the mapping states none
      {" associated press", "Reuters", true},  // same after trim / case; Kalshi unchecked
      {"Reuters", "", false},                  // the catalog contradicts the mapping
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pm_source);
    MappingPair p = Pair("p1", "pm1", "KX-1");
    p.polymarket_resolution_source = c.pm_source;
    p.kalshi_resolution_source = c.kalshi_source;
    CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({p}));
    LaneEvaluation e = lane.EvaluateAll();
    EXPECT_EQ(e.opportunities.size(), c.trades ? 1u : 0u);
    EXPECT_EQ(e.counters.drop(DropReason::kMappingRejected), c.trades ? 0u : 1u);
  }
  // Kalshi side: catalog "CME", mapping "ICE" -> rejected.
  ks.resolution_source = "CME";
  catalog_.Upsert(ks);
  MappingPair p = Pair("p1", "pm1", "KX-1");
  p.kalshi_resolution_source = "ICE";
  CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({p}));
  EXPECT_EQ(lane.EvaluateAll().counters.drop(DropReason::kMappingRejected), 1u);
}

TEST_F(CrossVenueLaneTest, HorizonCheck) {
  GapBooks(Ladder({{"0.41", "100"}}));
  struct Case {
    int64_t kalshi_end;
    int64_t gap_seconds;
    bool trades;
  };
  const int64_t kSecond = 1'000'000'000;
  const Case cases[] = {
      {kEnd + 86'400 * kSecond, 86'400, true},       // exactly the allowed gap
      {kEnd - 86'400 * kSecond - 1, 86'400, false},  // one ns more, either direction
      {kEnd + 3'600 * kSecond, 0, false},            // a zero gap demands equal end times
      {kEnd, 0, true},
      {0, 86'400, false},                                 // end time unknown
      {kEnd, std::numeric_limits<int64_t>::max(), true},  // saturates, no overflow
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kalshi_end);
    LaneMarket ks = KalshiMarket("KX-1", "KXE-1");
    ks.end_unix_nanos = c.kalshi_end;
    catalog_.Upsert(ks);
    MappingPair p = Pair("p1", "pm1", "KX-1");
    p.max_horizon_gap_seconds = c.gap_seconds;
    CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({p}));
    LaneEvaluation e = lane.EvaluateAll();
    EXPECT_EQ(e.opportunities.size(), c.trades ? 1u : 0u);
    EXPECT_EQ(e.counters.drop(DropReason::kMappingRejected), c.trades ? 0u : 1u);
  }
}

TEST_F(CrossVenueLaneTest, CatalogChecks) {
  GapBooks(Ladder({{"0.41", "100"}}));
  catalog_.Upsert(PolymarketMarket("pm-other"));
  // Missing Kalshi market; Polymarket id naming a Kalshi market; Kalshi id naming a Polymarket
  // market; a 3-outcome Polymarket market.
  LaneMarket three = PolymarketMarket("pm3");
  three.outcomes.push_back(Key("pm3-Z"));
  catalog_.Upsert(three);
  CrossVenueLane lane(&catalog_, &books_, &clock_,
                      Mapping({Pair("a", "pm1", "KX-404"), Pair("b", "KX-1", "KX-1"),
                               Pair("c", "pm1", "pm-other"), Pair("d", "pm3", "KX-1")}));
  LaneEvaluation e = lane.EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(e.counters.units_evaluated, 4u);
  EXPECT_EQ(e.counters.drop(DropReason::kMappingRejected), 4u);
}

TEST_F(CrossVenueLaneTest, MarketAndBookHygiene) {
  GapBooks(Ladder({{"0.41", "100"}}));
  const VenueMapping mapping = Mapping({Pair("p1", "pm1", "KX-1")});
  LaneMarket ks = KalshiMarket("KX-1", "KXE-1");
  ks.tradable = false;
  catalog_.Upsert(ks);
  EXPECT_EQ(CrossVenueLane(&catalog_, &books_, &clock_, mapping)
                .EvaluateAll()
                .counters.drop(DropReason::kMarketNotTradable),
            1u);
  ks.tradable = true;
  ks.fees.reset();
  catalog_.Upsert(ks);
  EXPECT_EQ(CrossVenueLane(&catalog_, &books_, &clock_, mapping)
                .EvaluateAll()
                .counters.drop(DropReason::kUnknownFeeModel),
            1u);
  catalog_.Upsert(KalshiMarket("KX-1", "KXE-1"));
  books_.Get(KYes("KX-1")).fresh = false;
  EXPECT_EQ(CrossVenueLane(&catalog_, &books_, &clock_, mapping)
                .EvaluateAll()
                .counters.drop(DropReason::kStaleBook),
            1u);
  books_.Get(KYes("KX-1")).fresh = true;
  books_.Get(KNo("KX-1")).bids = Ladder({{"0.41", "5"}});  // bid = ask: crossed / locked
  EXPECT_EQ(CrossVenueLane(&catalog_, &books_, &clock_, mapping)
                .EvaluateAll()
                .counters.drop(DropReason::kCrossedBook),
            1u);
}

TEST_F(CrossVenueLaneTest, PolymarketOutcomeOrientation) {
  // The Polymarket market lists the Kalshi-YES side second: its outcome 1 ("pm1-N" here)
  // pays with Kalshi YES. Outcome 1 ask .55 + Kalshi NO .41 is then the gap.
  books_.Set(Yes("pm1"), Ladder({{"0.44", "100"}}), Ladder({{"0.60", "100"}}));
  books_.Set(No("pm1"), Ladder({{"0.53", "100"}}), Ladder({{"0.55", "100"}}));
  books_.Set(KYes("KX-1"), Ladder({{"0.58", "100"}}), Ladder({{"0.61", "100"}}));
  books_.Set(KNo("KX-1"), Ladder({{"0.38", "100"}}), Ladder({{"0.41", "100"}}));
  MappingPair p = Pair("p1", "pm1", "KX-1");
  p.polymarket_outcome_of_kalshi_yes = 1;
  CrossVenueLane lane(&catalog_, &books_, &clock_, Mapping({p}));
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].legs(0).instrument_id().symbol(), "pm1-N");
  EXPECT_EQ(e.opportunities[0].legs(1).instrument_id().symbol(), "KX-1:NO");
  EXPECT_EQ(e.opportunities[0].guaranteed_profit_micros(), M("2.30").micros());
  // Read the usual way round, the same books give pm1-Y .60 + Kalshi NO .41 and pm1-N .55 +
  // Kalshi YES .61: nothing.
  CrossVenueLane usual(&catalog_, &books_, &clock_, Mapping({Pair("p1", "pm1", "KX-1")}));
  EXPECT_TRUE(usual.EvaluateAll().opportunities.empty());
}

TEST_F(CrossVenueLaneTest, IncrementalTouchesOnlyThePairOfTheInstrument) {
  GapBooks(Ladder({{"0.41", "100"}}));
  catalog_.Upsert(PolymarketMarket("pm2"));
  catalog_.Upsert(KalshiMarket("KX-2"));
  books_.Set(Yes("pm2"), Ladder({{"0.53", "100"}}), Ladder({{"0.55", "100"}}));
  books_.Set(No("pm2"), Ladder({{"0.44", "100"}}), Ladder({{"0.47", "100"}}));
  books_.Set(KYes("KX-2"), Ladder({{"0.54", "100"}}), Ladder({{"0.56", "100"}}));
  books_.Set(KNo("KX-2"), Ladder({{"0.44", "100"}}), Ladder({{"0.46", "100"}}));
  CrossVenueLane lane(&catalog_, &books_, &clock_,
                      Mapping({Pair("p1", "pm1", "KX-1"), Pair("p2", "pm2", "KX-2")}));

  books_.ResetReads();
  LaneEvaluation e = lane.OnBooksChanged({KNo("KX-2")});
  EXPECT_EQ(e.counters.units_evaluated, 1u);
  EXPECT_TRUE(e.opportunities.empty());  // pair 2 is fair
  EXPECT_EQ(books_.reads(Yes("pm2")), 1);
  EXPECT_EQ(books_.reads(KNo("KX-2")), 1);
  EXPECT_EQ(books_.reads(Yes("pm1")), 0);
  EXPECT_EQ(books_.reads(KNo("KX-1")), 0);

  // Both venues' instruments of pair 1, touched together: one evaluation of pair 1.
  books_.ResetReads();
  e = lane.OnBooksChanged({Yes("pm1"), KNo("KX-1"), KYes("KX-1")});
  EXPECT_EQ(e.counters.units_evaluated, 1u);
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].mapping_id(), "p1");
  EXPECT_EQ(books_.reads(Yes("pm2")), 0);

  EXPECT_EQ(lane.OnBooksChanged({Key("unknown")}).counters.units_evaluated, 0u);
  EXPECT_EQ(lane.EvaluateAll().counters.units_evaluated, 2u);

  // A new mapping rebuilds the index: pair 1 is gone, KX-1 touches nothing.
  lane.SetMapping(Mapping({Pair("p2", "pm2", "KX-2")}));
  EXPECT_EQ(lane.OnBooksChanged({KNo("KX-1")}).counters.units_evaluated, 0u);
  EXPECT_EQ(lane.OnBooksChanged({Yes("pm2")}).counters.units_evaluated, 1u);
  EXPECT_EQ(lane.totals().units_evaluated, 5u);
}

// ---- Property test: random pairs, books and fees; worst case by enumeration ----

void RandomBook(std::mt19937_64& rng, FakeBookReader& books, const InstrumentKey& key,
                int64_t fair) {
  static constexpr int64_t kTick = 10'000;
  auto snap = [](int64_t p) { return std::clamp<int64_t>(p / kTick * kTick, kTick, 990'000); };
  int64_t ask = snap(fair + std::uniform_int_distribution<int64_t>(-80'000, 40'000)(rng));
  if (ask <= kTick) ask = 2 * kTick;
  std::vector<book::Level> asks;
  std::vector<book::Level> bids;
  const int levels = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int64_t p = ask, i = 0; i < levels && p < 1'000'000; ++i) {
    asks.push_back({Price::FromMicros(p),
                    Quantity::FromUnits(std::uniform_int_distribution<int64_t>(1, 300)(rng))});
    p += kTick * std::uniform_int_distribution<int64_t>(1, 3)(rng);
  }
  for (int64_t p = ask - kTick, i = 0; i < levels && p > 0; ++i) {
    bids.push_back({Price::FromMicros(p), Quantity::FromUnits(5)});
    p -= kTick;
  }
  StoredBook& b = books.Set(key, std::move(bids), std::move(asks));
  b.sequence = std::uniform_int_distribution<uint64_t>(1, 1000)(rng);
}

TEST(CrossVenueLanePropertyTest, WorstCaseByEnumeration) {
  std::mt19937_64 rng(20261205);
  int emitted = 0;
  for (int iter = 0; iter < 300; ++iter) {
    InMemoryMarketCatalog catalog;
    FakeBookReader books;
    std::vector<MappingPair> pairs;
    std::vector<InstrumentKey> keys;
    const int n = std::uniform_int_distribution<int>(1, 5)(rng);
    for (int i = 0; i < n; ++i) {
      const std::string pm_id = "pm" + std::to_string(i);
      const std::string k_id = "KX-" + std::to_string(i);
      LaneMarket pm = PolymarketMarket(pm_id);
      if (std::uniform_int_distribution<int>(0, 1)(rng) == 1) {
        pm.fees = quant::LegFees::Polymarket(
            {.rate_micros = 10'000 * std::uniform_int_distribution<int64_t>(0, 5)(rng),
             .exponent = 1});
      }
      LaneMarket ks = KalshiMarket(k_id);
      if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) ks.fees = quant::LegFees::None();
      MappingPair p = Pair("p" + std::to_string(i), pm_id, k_id,
                           std::uniform_int_distribution<int>(0, 4)(rng) == 0 ? 0.8 : 0.95);
      p.polymarket_outcome_of_kalshi_yes = std::uniform_int_distribution<int>(0, 1)(rng);
      // Fair P(event), quoted on both venues with noise (gaps of up to ~0.16 either way).
      const int64_t fair = std::uniform_int_distribution<int64_t>(100'000, 900'000)(rng);
      const int a = p.polymarket_outcome_of_kalshi_yes;
      RandomBook(rng, books, pm.outcomes[a], fair);
      RandomBook(rng, books, pm.outcomes[1 - a], 1'000'000 - fair);
      RandomBook(rng, books, ks.outcomes[0], fair);
      RandomBook(rng, books, ks.outcomes[1], 1'000'000 - fair);
      for (const LaneMarket* m : {&pm, &ks}) {
        keys.insert(keys.end(), m->outcomes.begin(), m->outcomes.end());
      }
      catalog.Upsert(std::move(pm));
      catalog.Upsert(std::move(ks));
      pairs.push_back(std::move(p));
    }
    std::map<std::string, MappingPair> by_id;
    for (const MappingPair& p : pairs) by_id[p.id] = p;
    LaneConfig c;
    c.min_profit = std::uniform_int_distribution<int>(0, 1)(rng) ? Money::Zero() : M("0.5");
    c.min_edge_per_set = std::uniform_int_distribution<int>(0, 1)(rng) ? Price::Zero() : P("0.005");
    SimulatedClock clock;
    CrossVenueLane lane(&catalog, &books, &clock, Mapping(pairs), c);
    LaneEvaluation e = lane.EvaluateAll();
    EXPECT_EQ(e.counters.drop(DropReason::kWorstCaseMismatch), 0u);
    EXPECT_EQ(e.counters.drop(DropReason::kPricingError), 0u);
    std::set<std::string> ids;
    for (const arbor::v1::Opportunity& o : e.opportunities) {
      ++emitted;
      SCOPED_TRACE(o.DebugString());
      EXPECT_TRUE(ids.insert(o.opportunity_id()).second);
      const MappingPair& p = by_id.at(o.mapping_id());
      EXPECT_GE(o.confidence(), 0.90);
      EXPECT_DOUBLE_EQ(o.confidence(), p.confidence);
      EXPECT_LE(o.edge_per_set_micros(), P("0.10").micros());
      // Enumerate {event happens (Kalshi YES), does not}: what the legs hold pays 1 each.
      const LaneMarket& pm = *catalog.FindMarket(p.polymarket_market_id);
      int64_t pay[2] = {0, 0};  // [0] = event happens, [1] = not
      int64_t cash = 0;
      int64_t fees = 0;
      for (const arbor::v1::OpportunityLeg& leg : o.legs()) {
        ASSERT_EQ(leg.action(), arbor::v1::LEG_ACTION_ORDER);
        ASSERT_EQ(leg.side(), arbor::v1::SIDE_BUY);
        const std::string& sym = leg.instrument_id().symbol();
        bool pays_on_event = false;
        if (leg.instrument_id().venue() == arbor::v1::VENUE_KALSHI) {
          pays_on_event = sym == p.kalshi_market_id + ":YES";
        } else {
          const InstrumentKey& event_side = pm.outcomes[p.polymarket_outcome_of_kalshi_yes];
          pays_on_event = sym == event_side.instrument.value();
        }
        pay[pays_on_event ? 0 : 1] += leg.size_micros();
        cash += leg.cash_flow_micros();
        fees += leg.fee_micros();
      }
      const int64_t worst = std::min(pay[0], pay[1]);
      EXPECT_EQ(worst, o.worst_case_payoff_micros());
      EXPECT_EQ(cash, -o.total_cost_micros());
      EXPECT_EQ(fees, o.total_fees_micros());
      EXPECT_EQ(worst - o.total_cost_micros() - o.total_fees_micros(),
                o.guaranteed_profit_micros());
      EXPECT_GT(o.guaranteed_profit_micros(), 0);
      EXPECT_GE(o.guaranteed_profit_micros(), c.min_profit.micros());
    }
    // Incremental over every instrument == full rescan.
    LaneEvaluation inc = lane.OnBooksChanged(keys);
    ASSERT_EQ(inc.opportunities.size(), e.opportunities.size());
    for (size_t i = 0; i < inc.opportunities.size(); ++i) {
      EXPECT_EQ(inc.opportunities[i].opportunity_id(), e.opportunities[i].opportunity_id());
    }
  }
  // The seed must exercise the lane, not pass vacuously.
  EXPECT_GT(emitted, 50);
}

}  // namespace
}  // namespace arbor::lanes
