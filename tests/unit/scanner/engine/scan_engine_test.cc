// ScanEngine: catalog from arbor.v1 messages (rejections reported), incremental and full passes
// through the enabled lanes, catalog replacement, lane enablement.
#include "arbor/scanner/scan_engine.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../lanes/lanes_test_util.h"

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;
using lanes::testing::FakeBookReader;
using lanes::testing::Key;
using lanes::testing::Ladder;

v1::Market BinaryMarketProto(const std::string& id) {
  v1::Market m;
  m.set_market_id(id);
  m.set_venue(v1::VENUE_POLYMARKET);
  m.set_tick_size_micros(10'000);
  m.set_status(v1::MARKET_STATUS_OPEN);
  m.set_accepting_orders(true);
  for (int i = 0; i < 2; ++i) {
    v1::Instrument* ins = m.add_instruments();
    ins->mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
    ins->mutable_instrument_id()->set_symbol(id + (i == 0 ? "-Y" : "-N"));
    ins->set_outcome_index(i);
  }
  m.mutable_fee_schedule()->set_fees_enabled(false);
  return m;
}

class ScanEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // m1: YES ask 0.45 + NO ask 0.50 = 0.95 -> BUY_ALL 100 sets at 0.05 each.
    books_.Set(Key("m1-Y"), Ladder({{"0.44", "100"}}), Ladder({{"0.45", "100"}}));
    books_.Set(Key("m1-N"), Ladder({{"0.49", "100"}}), Ladder({{"0.50", "100"}}));
    // m2: fair.
    books_.Set(Key("m2-Y"), Ladder({{"0.49", "100"}}), Ladder({{"0.51", "100"}}));
    books_.Set(Key("m2-N"), Ladder({{"0.49", "100"}}), Ladder({{"0.51", "100"}}));
  }
  FakeBookReader books_;
  SimulatedClock clock_;
};

TEST_F(ScanEngineTest, CatalogFromProtosAndIncrementalPass) {
  ScanEngine engine(&books_, &clock_, ScanEngineOptions{.scanner_id = "scanner-7"});
  v1::Market bad = BinaryMarketProto("bad");
  bad.mutable_instruments(1)->set_outcome_index(0);
  v1::Market unknown_fees = BinaryMarketProto("m3");
  unknown_fees.mutable_fee_schedule()->set_fees_enabled(true);  // enabled without a schedule
  std::vector<v1::Market> markets = {BinaryMarketProto("m1"), BinaryMarketProto("m2"), bad,
                                     unknown_fees};
  CatalogLoadReport r = engine.ReplaceCatalog(markets, {});
  EXPECT_EQ(r.markets, 3u);
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(r.unknown_fees, 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("market bad"), std::string::npos) << r.errors[0];
  EXPECT_EQ(engine.market_count(), 3u);

  const std::vector<lanes::InstrumentKey> touched = {Key("m1-N")};
  ScanResult res = engine.OnBooksChanged(touched);
  ASSERT_EQ(res.lanes.size(), 2u);
  EXPECT_EQ(res.lanes[0].lane, v1::LANE_BINARY);
  EXPECT_EQ(res.lanes[0].counters.units_evaluated, 1u);  // only m1
  EXPECT_EQ(res.lanes[1].lane, v1::LANE_NEGRISK);
  EXPECT_EQ(res.lanes[1].counters.units_evaluated, 0u);
  ASSERT_EQ(res.opportunities.size(), 1u);
  const v1::Opportunity& o = res.opportunities[0];
  EXPECT_EQ(o.lane(), v1::LANE_BINARY);
  EXPECT_EQ(o.size_sets_micros(), 100'000'000);
  EXPECT_EQ(o.guaranteed_profit_micros(), 5'000'000);
  EXPECT_EQ(o.scanner_id(), "scanner-7");
  EXPECT_EQ(res.lanes[0].opportunities, 1u);

  // Full pass: m1 again, m2 fair, m3 counted for its unknown fee model.
  ScanResult all = engine.EvaluateAll();
  EXPECT_EQ(all.lanes[0].counters.units_evaluated, 3u);
  EXPECT_EQ(all.lanes[0].counters.drop(lanes::DropReason::kUnknownFeeModel), 1u);
  ASSERT_EQ(all.opportunities.size(), 1u);
  EXPECT_EQ(all.opportunities[0].opportunity_id(), o.opportunity_id());
}

TEST_F(ScanEngineTest, ReplacedCatalogForgetsMarketsAndDisabledLanesDoNotRun) {
  ScanEngine engine(&books_, &clock_, ScanEngineOptions{.negrisk_enabled = false});
  std::vector<v1::Market> markets = {BinaryMarketProto("m1")};
  engine.ReplaceCatalog(markets, {});
  ASSERT_EQ(engine.lanes().size(), 1u);
  EXPECT_EQ(engine.EvaluateAll().opportunities.size(), 1u);

  markets = {BinaryMarketProto("m2")};
  engine.ReplaceCatalog(markets, {});
  const std::vector<lanes::InstrumentKey> touched = {Key("m1-Y"), Key("m1-N")};
  ScanResult res = engine.OnBooksChanged(touched);
  EXPECT_EQ(res.lanes[0].counters.units_evaluated, 0u);
  EXPECT_TRUE(res.opportunities.empty());
  EXPECT_EQ(engine.lanes()[0]->totals().emitted, 1u);
}

TEST_F(ScanEngineTest, ResolutionsTeachTheExpiryEdgeCalibrationOncePerMarket) {
  // m1 ends in an hour with YES dominant (ask 0.80): the expiry-edge lane remembers it (before
  // its calibration gate, which an empty table fails), and the resolution turns that into one
  // observation.
  books_.Set(Key("m1-Y"), Ladder({{"0.78", "100"}}), Ladder({{"0.80", "100"}}));
  books_.Set(Key("m1-N"), Ladder({{"0.20", "100"}}), Ladder({{"0.22", "100"}}));
  auto table = std::make_shared<quant::CalibrationTable>(*quant::CalibrationTable::Create());
  ScanEngineOptions options;
  options.expiry_edge_enabled = true;
  options.calibration = table;
  ScanEngine engine(&books_, &clock_, options);
  v1::Market m1 = BinaryMarketProto("m1");
  m1.set_end_unix_nanos(absl::ToUnixNanos(clock_.Now() + absl::Hours(1)));
  std::vector<v1::Market> markets = {m1, BinaryMarketProto("m2")};
  engine.ReplaceCatalog(markets, {});
  ScanResult r = engine.EvaluateAll();
  ASSERT_EQ(r.lanes.size(), 3u);
  EXPECT_EQ(r.lanes[2].lane, v1::LANE_EXPIRY_EDGE);
  EXPECT_EQ(r.lanes[2].counters.drop(lanes::DropReason::kNoCalibration), 1u);
  EXPECT_EQ(table->total_samples(), 0);

  // The NO token settles at 0: YES (outcome 0) won, the side the lane saw dominant.
  absl::StatusOr<int> added = engine.OnInstrumentResolved(Key("m1-N"), 0);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 1);
  EXPECT_EQ(table->total_samples(), 1);
  absl::StatusOr<quant::CalibrationEstimate> est =
      table->Estimate(lanes::testing::P("0.80"), absl::Hours(1), {});
  ASSERT_TRUE(est.ok()) << est.status();
  EXPECT_EQ(est->samples, 1);
  EXPECT_EQ(est->wins, 1);

  // The YES token's own update for the same market teaches nothing more.
  added = engine.OnInstrumentResolved(Key("m1-Y"), 1'000'000);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 0);
  EXPECT_EQ(table->total_samples(), 1);
  // A market the lane never saw dominant, and an unknown instrument.
  EXPECT_EQ(*engine.OnInstrumentResolved(Key("m2-Y"), 1'000'000), 0);
  EXPECT_EQ(engine.OnInstrumentResolved(Key("zz-Y"), 0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ScanEngineTest, ReplaceRelationsRebuildsTheCombinatorialClusters) {
  ScanEngine plain(&books_, &clock_, ScanEngineOptions{});
  EXPECT_EQ(plain.ReplaceRelations({}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(plain.relation_clusters(), 0u);

  ScanEngine engine(&books_, &clock_, ScanEngineOptions{.combinatorial_enabled = true});
  std::vector<v1::Market> markets = {BinaryMarketProto("m1"), BinaryMarketProto("m2"),
                                     BinaryMarketProto("m3")};
  engine.ReplaceCatalog(markets, {});
  EXPECT_EQ(engine.relation_clusters(), 0u);
  const relations::Relation implies{.id = "m1-m2",
                                    .kind = relations::RelationKind::kImplies,
                                    .a = {"m1", 0},
                                    .b = {"m2", 0},
                                    .confidence = 0.95,
                                    .rule = "curated"};
  absl::StatusOr<size_t> one = engine.ReplaceRelations({implies});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one, 1u);
  EXPECT_EQ(engine.relation_clusters(), 1u);
  // A second, separate pair is a second cluster; the catalog swap keeps the relations.
  relations::Relation excludes = implies;
  excludes.id = "m1-m3";
  excludes.kind = relations::RelationKind::kExcludes;
  excludes.b = {"m3", 0};
  EXPECT_EQ(*engine.ReplaceRelations({implies, excludes}), 1u);  // m1 links all three
  engine.ReplaceCatalog(markets, {});
  EXPECT_EQ(engine.relation_clusters(), 1u);
  EXPECT_EQ(*engine.ReplaceRelations({}), 0u);
}

TEST(LaneNameTest, Names) {
  EXPECT_STREQ(LaneName(v1::LANE_BINARY), "binary");
  EXPECT_STREQ(LaneName(v1::LANE_CROSS_VENUE), "cross_venue");
  EXPECT_STREQ(LaneName(v1::LANE_EXPIRY_EDGE), "expiry_edge");
  EXPECT_STREQ(LaneName(v1::LANE_UNSPECIFIED), "unspecified");
}

}  // namespace
}  // namespace arbor::scanner
