// ExpiryEdgeLane through its public API: a priced directional opportunity (fields, money
// identity, calibrated probability), each gate and its DropReason, depth walk with the minimum
// edge, the three size caps (edge/depth, max stake, directional Kelly), fees, NO as the dominant
// side, and the resolution hook feeding and persisting the calibration table.
#include "arbor/lanes/expiry_edge_lane.h"

#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/clock.h"
#include "arbor/quant/calibration.h"
#include "gtest/gtest.h"
#include "lanes_test_util.h"

namespace arbor::lanes {
namespace {

using namespace ::arbor::lanes::testing;  // NOLINT(google-build-using-namespace)

// Wilson 95 % interval of 196 / 200 (hand value, see calibration_test.cc): p̂ = 0.98.
constexpr double kLow196 = 0.9497129130941735;
constexpr double kHigh196 = 0.9921955735836505;

class ExpiryEdgeLaneTest : public ::testing::Test {
 protected:
  ExpiryEdgeLaneTest() : table_(*quant::CalibrationTable::Create()) {
    LaneMarket m = BinaryMarket("m1", "e1");
    m.end_unix_nanos = absl::ToUnixNanos(clock_.Now() + absl::Minutes(30));
    catalog_.Upsert(std::move(m));
    config_.bankroll = Money::FromUnits(1'000'000);  // Kelly not binding unless a test says so
    config_.max_stake = Money::FromUnits(1'000'000);
  }

  // 196 wins of 200 in the (0.90-0.95, 15m-1h) bucket.
  void Calibrate(int wins = 196, int samples = 200, const char* price = "0.91") {
    for (int i = 0; i < samples; ++i) {
      ASSERT_TRUE(table_.Observe(P(price), absl::Minutes(30), i < wins).ok());
    }
  }

  // YES asks 0.91 x 100, 0.92 x 100, 0.95 x 1000 (bid 0.90); NO ask 0.10 (bid 0.08).
  void DominantYesBooks() {
    books_.Set(Yes("m1"), Ladder({{"0.90", "100"}}),
               Ladder({{"0.91", "100"}, {"0.92", "100"}, {"0.95", "1000"}}));
    books_.Set(No("m1"), Ladder({{"0.08", "100"}}), Ladder({{"0.10", "100"}}));
  }

  ExpiryEdgeLane Lane() { return ExpiryEdgeLane(&catalog_, &books_, &clock_, &table_, config_); }

  static uint64_t Drops(const LaneEvaluation& e, DropReason r) { return e.counters.drop(r); }

  InMemoryMarketCatalog catalog_;
  FakeBookReader books_;
  SimulatedClock clock_;
  quant::CalibrationTable table_;
  ExpiryEdgeConfig config_;
};

TEST_F(ExpiryEdgeLaneTest, PricesDominantSideWithCalibratedProbability) {
  Calibrate();
  DominantYesBooks();
  ExpiryEdgeLane lane = Lane();
  LaneEvaluation e = lane.EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  EXPECT_EQ(o.lane(), arbor::v1::LANE_EXPIRY_EDGE);
  EXPECT_FALSE(o.guaranteed());
  // p_dec = Wilson low 0.949712: 0.91 (edge 0.0397) and 0.92 (0.0297) clear the 0.01 minimum
  // edge, 0.95 does not.
  EXPECT_EQ(o.size_sets_micros(), Q("200").micros());
  EXPECT_EQ(o.total_cost_micros(), M("183").micros());
  EXPECT_EQ(o.total_fees_micros(), 0);
  EXPECT_EQ(o.worst_case_payoff_micros(), 0);
  EXPECT_EQ(o.guaranteed_profit_micros(), M("-183").micros());
  // floor(0.98 x 200) - 183 = 13.
  EXPECT_EQ(o.expected_profit_micros(), M("13").micros());
  EXPECT_EQ(o.edge_per_set_micros(), P("0.065").micros());
  EXPECT_EQ(o.guaranteed_profit_micros(),
            o.worst_case_payoff_micros() - o.total_cost_micros() - o.total_fees_micros());
  EXPECT_DOUBLE_EQ(o.probability(), 0.98);
  EXPECT_NEAR(o.probability_ci_low(), kLow196, 1e-9);
  EXPECT_NEAR(o.probability_ci_high(), kHigh196, 1e-9);
  EXPECT_EQ(o.probability_ci_level(), 0.95);
  EXPECT_NEAR(o.confidence(), 1 - (kHigh196 - kLow196), 1e-9);
  ASSERT_EQ(o.legs_size(), 1);
  const arbor::v1::OpportunityLeg& leg = o.legs(0);
  EXPECT_EQ(leg.action(), arbor::v1::LEG_ACTION_ORDER);
  EXPECT_EQ(leg.instrument_id().symbol(), "m1-Y");
  EXPECT_EQ(leg.side(), arbor::v1::SIDE_BUY);
  EXPECT_EQ(leg.limit_price_micros(), P("0.92").micros());
  EXPECT_EQ(leg.worst_price_micros(), P("0.92").micros());
  EXPECT_EQ(leg.expected_vwap_micros(), P("0.915").micros());
  EXPECT_EQ(leg.size_micros(), Q("200").micros());
  EXPECT_EQ(leg.cash_flow_micros(), -M("183").micros());
  EXPECT_EQ(leg.available_size_micros(), Q("200").micros());
  EXPECT_EQ(leg.time_in_force(), arbor::v1::TIME_IN_FORCE_FOK);
  ASSERT_EQ(o.source_books_size(), 2);
  ASSERT_EQ(o.market_ids_size(), 1);
  EXPECT_EQ(o.market_ids(0), "m1");
  ASSERT_EQ(o.event_ids_size(), 1);
  EXPECT_EQ(o.event_ids(0), "e1");
  EXPECT_EQ(o.opportunity_id(), OpportunityIdOf(o));
  EXPECT_EQ(o.group_key(), GroupKeyOf(o));
  EXPECT_EQ(o.opportunity_id().size(), 32u);
  EXPECT_EQ(o.lane_version(), "expiry-edge-1");
  EXPECT_EQ(o.created_unix_nanos(), absl::ToUnixNanos(clock_.Now()));
  EXPECT_EQ(o.expires_unix_nanos(),
            o.created_unix_nanos() + absl::ToInt64Nanoseconds(config_.lane.ttl));
  EXPECT_EQ(e.counters.emitted, 1u);
  EXPECT_EQ(e.counters.bundles_quoted, 1u);

  // Same books: same id (re-detections dedupe downstream).
  LaneEvaluation again = lane.EvaluateAll();
  ASSERT_EQ(again.opportunities.size(), 1u);
  EXPECT_EQ(again.opportunities[0].opportunity_id(), o.opportunity_id());
}

TEST_F(ExpiryEdgeLaneTest, PointEstimateWhenLowerBoundDisabled) {
  Calibrate();
  DominantYesBooks();
  config_.use_lower_bound = false;  // p = 0.98: 0.95 (edge 0.03) now clears too
  LaneEvaluation e = Lane().EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("1200").micros());
  EXPECT_EQ(e.opportunities[0].legs(0).limit_price_micros(), P("0.95").micros());
}

TEST_F(ExpiryEdgeLaneTest, MaxStakeCapsSize) {
  Calibrate();
  DominantYesBooks();
  config_.max_stake = Money::FromUnits(50);
  LaneEvaluation e = Lane().EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  // 50 / 0.915 (average capital per contract at the cleared size) = 54.64..., to the 0.01 lot.
  EXPECT_EQ(o.size_sets_micros(), Q("54.64").micros());
  EXPECT_EQ(o.total_cost_micros(), Notional(P("0.91"), Q("54.64"), Rounding::kUp).micros());
  EXPECT_LE(o.total_cost_micros() + o.total_fees_micros(), M("50").micros());
  EXPECT_EQ(o.legs(0).limit_price_micros(), P("0.91").micros());
}

// Directional Kelly, bet bought at c = 0.915: W = (1 - c)/c, L = 1, f* = p - q/W with p the
// Wilson low 0.949712 -> f* = 0.408376...; quarter Kelly of 100 USD = 10.2094 USD -> 11.15
// contracts. The popular (bp - q)/b * sqrt(p) would give 0.3980 x 0.25 x 100 / 0.915 = 10.87.
TEST_F(ExpiryEdgeLaneTest, DirectionalKellySize) {
  Calibrate();
  DominantYesBooks();
  config_.bankroll = Money::FromUnits(100);
  config_.lane.min_profit = Money::Zero();
  LaneEvaluation e = Lane().EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const double p = 0.949712;  // the Wilson low, floored to a micro
  const double c = 0.915;
  const double f = p - (1 - p) / ((1 - c) / c);
  EXPECT_NEAR(f, 0.4083764705882351, 1e-12);
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("11.15").micros());
  // Never more than the quarter-Kelly stake at the capital per contract used.
  EXPECT_LE(e.opportunities[0].size_sets_micros() * c, 0.25 * f * 100 * 1e6);
}

TEST_F(ExpiryEdgeLaneTest, KellyZeroSizeIsNoBet) {
  Calibrate();
  DominantYesBooks();
  config_.bankroll = Money::FromMicros(10);  // a stake below one lot
  config_.lane.min_profit = Money::Zero();
  LaneEvaluation e = Lane().EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(Drops(e, DropReason::kKellyNoBet), 1u);
}

TEST_F(ExpiryEdgeLaneTest, FeesReduceTheWalkAndAreReported) {
  Calibrate();
  DominantYesBooks();
  LaneMarket m = *catalog_.FindMarket("m1");
  // 0.2 x p(1-p) per contract: 0.91 -> 0.01638, 0.92 -> 0.01472.
  m.fees = quant::LegFees::Polymarket({.rate_micros = 200'000, .exponent = 1});
  catalog_.Upsert(std::move(m));
  LaneEvaluation e = Lane().EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  const arbor::v1::Opportunity& o = e.opportunities[0];
  // 0.91: 0.949712 - 0.91 - 0.01638 = 0.0233 clears; 0.92: 0.949712 - 0.92 - 0.01472 = 0.0150
  // clears; both levels taken.
  EXPECT_EQ(o.size_sets_micros(), Q("200").micros());
  EXPECT_EQ(o.total_fees_micros(), M("1.638").micros() + M("1.472").micros());
  EXPECT_EQ(o.legs(0).fee_micros(), o.total_fees_micros());
  EXPECT_EQ(o.expected_profit_micros(), M("13").micros() - o.total_fees_micros());
  EXPECT_EQ(o.guaranteed_profit_micros(), -(o.total_cost_micros() + o.total_fees_micros()));

  // A higher rate kills the 0.92 level: 0.949712 - 0.92 - 0.3 x 0.0736 = 0.0076 < 0.01, while
  // 0.91 still clears (0.949712 - 0.91 - 0.3 x 0.0819 = 0.0151).
  m = *catalog_.FindMarket("m1");
  m.fees = quant::LegFees::Polymarket({.rate_micros = 300'000, .exponent = 1});
  catalog_.Upsert(std::move(m));
  e = Lane().EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("100").micros());
}

TEST_F(ExpiryEdgeLaneTest, NoCanBeTheDominantSide) {
  Calibrate();
  books_.Set(Yes("m1"), Ladder({{"0.07", "100"}}), Ladder({{"0.09", "100"}}));
  books_.Set(No("m1"), Ladder({{"0.90", "500"}}), Ladder({{"0.91", "500"}}));
  LaneEvaluation e = Lane().EvaluateAll();
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(e.opportunities[0].legs(0).instrument_id().symbol(), "m1-N");
  EXPECT_EQ(e.opportunities[0].size_sets_micros(), Q("500").micros());
}

TEST_F(ExpiryEdgeLaneTest, WindowGate) {
  Calibrate();
  DominantYesBooks();
  LaneMarket m = *catalog_.FindMarket("m1");
  for (absl::Duration to_end : {absl::Hours(5), absl::ZeroDuration(), absl::Minutes(-1)}) {
    m.end_unix_nanos = absl::ToUnixNanos(clock_.Now() + to_end);
    catalog_.Upsert(m);
    LaneEvaluation e = Lane().EvaluateAll();
    EXPECT_TRUE(e.opportunities.empty()) << to_end;
    EXPECT_EQ(Drops(e, DropReason::kOutsideWindow), 1u) << to_end;
    EXPECT_EQ(books_.total_reads(), 0) << "the window is checked before any book is read";
  }
  m.end_unix_nanos = 0;  // unknown end
  catalog_.Upsert(m);
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kOutsideWindow), 1u);
  // Exactly at the window's edge is inside.
  m.end_unix_nanos = absl::ToUnixNanos(clock_.Now() + absl::Hours(4));
  catalog_.Upsert(m);
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kOutsideWindow), 0u);
}

TEST_F(ExpiryEdgeLaneTest, NoDominantSide) {
  Calibrate();
  books_.Set(Yes("m1"), Ladder({{"0.55", "100"}}), Ladder({{"0.69", "100"}}));
  books_.Set(No("m1"), Ladder({{"0.30", "100"}}), Ladder({{"0.44", "100"}}));
  LaneEvaluation e = Lane().EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(Drops(e, DropReason::kNoDominantSide), 1u);
}

TEST_F(ExpiryEdgeLaneTest, LiquidityFloors) {
  Calibrate();
  // Spread 0.91 - 0.85 = 0.06 > 0.03.
  books_.Set(Yes("m1"), Ladder({{"0.85", "100"}}), Ladder({{"0.91", "1000"}}));
  books_.Set(No("m1"), Ladder({{"0.08", "100"}}), Ladder({{"0.10", "100"}}));
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kBelowLiquidityFloor), 1u);
  // No bid at all.
  books_.Set(Yes("m1"), {}, Ladder({{"0.91", "1000"}}));
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kBelowLiquidityFloor), 1u);
  // Depth within 2 ticks (0.91..0.93): 0.91 x 20 + 0.93 x 20 = 36.8 USD < 50; 0.94 is beyond.
  books_.Set(Yes("m1"), Ladder({{"0.90", "100"}}),
             Ladder({{"0.91", "20"}, {"0.93", "20"}, {"0.94", "1000"}}));
  LaneEvaluation e = Lane().EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(Drops(e, DropReason::kBelowLiquidityFloor), 1u);
  config_.min_depth = Money::FromUnits(36);
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kBelowLiquidityFloor), 0u);
}

TEST_F(ExpiryEdgeLaneTest, CalibrationGate) {
  DominantYesBooks();
  // Empty table.
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kNoCalibration), 1u);
  // 29 samples < 30.
  Calibrate(28, 29);
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kNoCalibration), 1u);
  // Samples in a neighbouring bucket do not count for this one.
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(table_.Observe(P("0.96"), absl::Minutes(30), true).ok());
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kNoCalibration), 1u);
  ASSERT_TRUE(table_.Observe(P("0.93"), absl::Minutes(30), true).ok());  // 30th sample
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kNoCalibration), 0u);
  // No table at all.
  ExpiryEdgeLane no_table(&catalog_, &books_, &clock_, nullptr, config_);
  EXPECT_EQ(Drops(no_table.EvaluateAll(), DropReason::kNoCalibration), 1u);
}

TEST_F(ExpiryEdgeLaneTest, FairAndThinEdges) {
  DominantYesBooks();
  // The bucket wins 90 %: the Wilson low (0.853) is below the ask: fair, nothing, no drop.
  Calibrate(180, 200);
  LaneEvaluation e = Lane().EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(Drops(e, DropReason::kBelowMinEdge), 0u);
  // Point estimate 0.915 > 0.91 but by less than the minimum edge 0.01: counted.
  config_.use_lower_bound = false;
  table_ = *quant::CalibrationTable::Create();
  Calibrate(183, 200);  // 0.915
  e = Lane().EvaluateAll();
  EXPECT_TRUE(e.opportunities.empty());
  EXPECT_EQ(Drops(e, DropReason::kBelowMinEdge), 1u);
}

TEST_F(ExpiryEdgeLaneTest, MinProfitAndImplausibleEdge) {
  Calibrate();
  books_.Set(Yes("m1"), Ladder({{"0.90", "100"}}), Ladder({{"0.91", "60"}}));
  books_.Set(No("m1"), Ladder({{"0.08", "100"}}), Ladder({{"0.10", "100"}}));
  config_.min_depth = Money::FromUnits(10);
  config_.lane.min_profit = Money::FromUnits(5);  // 60 x (0.98 - 0.91) = 4.2 < 5
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kBelowMinProfit), 1u);
  config_.lane.min_profit = Money::FromUnits(4);
  EXPECT_EQ(Lane().EvaluateAll().opportunities.size(), 1u);
  // A 0.70 ask with a 99.6 % lower bound is an edge of 0.29 > max_edge_per_set 0.20.
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(table_.Observe(P("0.70"), absl::Minutes(30), true).ok());
  books_.Set(Yes("m1"), Ladder({{"0.69", "100"}}), Ladder({{"0.70", "1000"}}));
  config_.isotonic = false;
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kImplausibleEdge), 1u);
}

TEST_F(ExpiryEdgeLaneTest, BookHygiene) {
  Calibrate();
  DominantYesBooks();
  books_.Get(Yes("m1")).fresh = false;
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kStaleBook), 1u);
  DominantYesBooks();
  books_.Set(No("m1"), Ladder({{"0.12", "100"}}), Ladder({{"0.10", "100"}}));  // crossed
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kCrossedBook), 1u);
  DominantYesBooks();
  books_.Get(No("m1")).status = BookStatus::kQuarantined;
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kNotLive), 1u);
  DominantYesBooks();
  LaneMarket m = *catalog_.FindMarket("m1");
  m.tradable = false;
  catalog_.Upsert(m);
  EXPECT_EQ(Drops(Lane().EvaluateAll(), DropReason::kMarketNotTradable), 1u);
}

TEST_F(ExpiryEdgeLaneTest, IncrementalTouchesOnlyItsMarket) {
  Calibrate();
  DominantYesBooks();
  LaneMarket other = BinaryMarket("m2");
  other.end_unix_nanos = absl::ToUnixNanos(clock_.Now() + absl::Minutes(30));
  catalog_.Upsert(other);
  ExpiryEdgeLane lane = Lane();
  LaneEvaluation e = lane.OnBooksChanged({No("m1")});
  EXPECT_EQ(e.counters.units_evaluated, 1u);
  ASSERT_EQ(e.opportunities.size(), 1u);
  EXPECT_EQ(lane.OnBooksChanged({Key("unknown")}).counters.units_evaluated, 0u);
  EXPECT_EQ(lane.totals().emitted, 1u);
}

// The hook: the lane remembers the last dominant-side ask per time band while in the window
// (even when a later gate drops the market), and resolution turns each into one observation.
TEST_F(ExpiryEdgeLaneTest, ResolutionUpdatesCalibration) {
  DominantYesBooks();
  ExpiryEdgeLane lane = Lane();
  // 30 min to end (band 15m-1h); the empty table drops it but the snapshot is kept.
  EXPECT_EQ(Drops(lane.EvaluateAll(), DropReason::kNoCalibration), 1u);
  EXPECT_EQ(lane.tracked_markets(), 1u);
  // 20 min later (10 min to end, band 0-15m) at a new price, then again at 5 min (same band:
  // the later snapshot replaces the earlier one).
  clock_.Advance(absl::Minutes(20));
  books_.Set(Yes("m1"), Ladder({{"0.95", "100"}}), Ladder({{"0.96", "100"}}));
  lane.EvaluateAll();
  clock_.Advance(absl::Minutes(5));
  books_.Set(Yes("m1"), Ladder({{"0.96", "100"}}), Ladder({{"0.97", "100"}}));
  lane.EvaluateAll();

  absl::StatusOr<int> added = lane.OnMarketResolved("m1", 0);  // YES won
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 2);
  EXPECT_EQ(lane.tracked_markets(), 0u);
  EXPECT_EQ(table_.total_samples(), 2);
  EXPECT_EQ(table_.cell(4, 1).samples, 1);  // 0.91 at 30 min
  EXPECT_EQ(table_.cell(4, 1).wins, 1);
  EXPECT_EQ(table_.cell(5, 0).samples, 1);  // 0.97 at 5 min
  EXPECT_EQ(table_.cell(5, 0).wins, 1);
  // Forgotten: a second call adds nothing.
  EXPECT_EQ(*lane.OnMarketResolved("m1", 0), 0);
  EXPECT_EQ(lane.OnMarketResolved("m1", 2).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ExpiryEdgeLaneTest, ResolutionAgainstTheDominantSideIsALossAndPersists) {
  DominantYesBooks();
  const std::string path =
      absl::StrCat(::testing::TempDir(), "expiry_edge_calibration_", getpid(), ".json");
  config_.calibration_path = path;
  ExpiryEdgeLane lane = Lane();
  lane.EvaluateAll();
  EXPECT_EQ(*lane.OnMarketResolved("m1", 1), 1);  // NO won
  EXPECT_EQ(table_.cell(4, 1).samples, 1);
  EXPECT_EQ(table_.cell(4, 1).wins, 0);
  absl::StatusOr<quant::CalibrationTable> saved = quant::CalibrationTable::Load(path);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->cell(4, 1).samples, 1);
  EXPECT_EQ(saved->cell(4, 1).wins, 0);
  ::unlink(path.c_str());
}

TEST_F(ExpiryEdgeLaneTest, ForgetAndRetention) {
  DominantYesBooks();
  ExpiryEdgeLane lane = Lane();
  lane.EvaluateAll();
  ASSERT_EQ(lane.tracked_markets(), 1u);
  lane.ForgetMarket("m1");
  EXPECT_EQ(lane.tracked_markets(), 0u);
  EXPECT_EQ(*lane.OnMarketResolved("m1", 0), 0);
  EXPECT_EQ(table_.total_samples(), 0);
  // Never resolved: dropped by RebuildIndex once the end is older than the retention.
  lane.EvaluateAll();
  ASSERT_EQ(lane.tracked_markets(), 1u);
  clock_.Advance(absl::Hours(7 * 24));
  lane.RebuildIndex();
  EXPECT_EQ(lane.tracked_markets(), 1u);
  clock_.Advance(absl::Hours(1));
  lane.RebuildIndex();
  EXPECT_EQ(lane.tracked_markets(), 0u);
}

}  // namespace
}  // namespace arbor::lanes
