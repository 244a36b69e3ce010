// Catalog conversion: fee schedules -> LegFees (and unknown models), grids, minimums, NegRisk
// flags; InstrumentKey round trip; grid membership.
#include "arbor/lanes/inputs.h"

#include "gtest/gtest.h"
#include "lanes_test_util.h"

namespace arbor::lanes {
namespace {

using namespace ::arbor::lanes::testing;  // NOLINT(google-build-using-namespace)

arbor::v1::Market PolymarketMarket() {
  arbor::v1::Market m;
  m.set_market_id("0xcond");
  m.set_venue(arbor::v1::VENUE_POLYMARKET);
  m.set_event_id("ev");
  m.set_tick_size_micros(10'000);
  m.set_min_order_size_micros(5'000'000);
  m.set_status(arbor::v1::MARKET_STATUS_OPEN);
  m.set_accepting_orders(true);
  m.set_end_unix_nanos(123);
  for (int i = 0; i < 2; ++i) {
    arbor::v1::Instrument* ins = m.add_instruments();
    ins->mutable_instrument_id()->set_venue(arbor::v1::VENUE_POLYMARKET);
    ins->mutable_instrument_id()->set_symbol(i == 0 ? "111" : "222");
    ins->set_outcome_index(i);
    ins->set_min_order_notional_micros(1'000'000);
  }
  m.mutable_fee_schedule()->set_fees_enabled(true);
  m.mutable_fee_schedule()->mutable_polymarket()->set_rate_micros(40'000);
  m.mutable_fee_schedule()->mutable_polymarket()->set_exponent(1);
  m.mutable_fee_schedule()->mutable_polymarket()->set_taker_only(true);
  m.mutable_neg_risk()->set_neg_risk(true);
  m.mutable_neg_risk()->set_neg_risk_market_id("0xnr");
  m.mutable_neg_risk()->set_placeholder(true);
  m.mutable_neg_risk()->set_question_index(5);
  return m;
}

TEST(InputsTest, MarketFromProto) {
  absl::StatusOr<LaneMarket> m = MarketFromProto(PolymarketMarket());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->market_id, "0xcond");
  ASSERT_EQ(m->outcomes.size(), 2u);
  EXPECT_EQ(m->outcomes[1], Key("222"));
  EXPECT_TRUE(m->tradable);
  ASSERT_TRUE(m->fees.has_value());
  EXPECT_EQ(*m->fees->Fee(Q("100"), P("0.62")), M("0.9424"));
  EXPECT_EQ(m->min_order_size, Q("5"));
  EXPECT_EQ(m->min_order_notional, M("1"));
  EXPECT_TRUE(m->OnGrid(P("0.62")));
  EXPECT_FALSE(m->OnGrid(P("0.625")));
  EXPECT_FALSE(m->OnGrid(P("1")));
  EXPECT_TRUE(m->neg_risk);
  EXPECT_TRUE(m->placeholder);
  EXPECT_EQ(m->question_index, 5u);
  EXPECT_EQ(m->neg_risk_market_id, "0xnr");

  arbor::v1::Market paused = PolymarketMarket();
  paused.set_accepting_orders(false);
  EXPECT_FALSE(MarketFromProto(paused)->tradable);

  arbor::v1::Market bad = PolymarketMarket();
  bad.mutable_instruments(1)->set_outcome_index(0);
  EXPECT_FALSE(MarketFromProto(bad).ok());

  // Listed in any order, instruments are placed by outcome_index.
  arbor::v1::Market reordered = PolymarketMarket();
  reordered.mutable_instruments()->SwapElements(0, 1);
  absl::StatusOr<LaneMarket> r = MarketFromProto(reordered);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->outcomes[0], Key("111"));
  EXPECT_EQ(r->outcomes[1], Key("222"));
}

TEST(InputsTest, SwappedYesNoLabelsAreRefused) {
  // A feed that numbered the tokens in id order would hand the lanes NO as outcome 0: every
  // "buy YES" would buy NO. Labels that contradict the indices are refused.
  arbor::v1::Market m = PolymarketMarket();
  m.mutable_instruments(0)->set_outcome_name("No");
  m.mutable_instruments(1)->set_outcome_name("Yes");
  absl::StatusOr<LaneMarket> swapped = MarketFromProto(m);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(swapped.status().message().find("YES must be outcome 0"), std::string::npos);

  m.mutable_instruments(0)->set_outcome_name("Yes");
  m.mutable_instruments(1)->set_outcome_name("No");
  EXPECT_TRUE(MarketFromProto(m).ok());
  // Named outcomes (a sports market) carry no YES/NO to check.
  m.mutable_instruments(0)->set_outcome_name("Lakers");
  m.mutable_instruments(1)->set_outcome_name("Celtics");
  EXPECT_TRUE(MarketFromProto(m).ok());
}

TEST(InputsTest, TaperedGridFromInstrument) {
  arbor::v1::Market m = PolymarketMarket();
  arbor::v1::PriceGrid* g = m.mutable_instruments(0)->mutable_price_grid();
  auto add = [g](int64_t s, int64_t e, int64_t st) {
    arbor::v1::PriceRange* r = g->add_ranges();
    r->set_start_micros(s);
    r->set_end_micros(e);
    r->set_step_micros(st);
  };
  add(1'000, 100'000, 1'000);
  add(110'000, 890'000, 10'000);
  add(900'000, 999'000, 1'000);
  LaneMarket lm = *MarketFromProto(m);
  EXPECT_TRUE(lm.OnGrid(P("0.054")));
  EXPECT_FALSE(lm.OnGrid(P("0.505")));
  EXPECT_TRUE(lm.OnGrid(P("0.51")));
  EXPECT_TRUE(lm.OnGrid(P("0.999")));
}

TEST(InputsTest, FeeModels) {
  arbor::v1::FeeSchedule none;
  EXPECT_EQ(FeesFromProto(none, arbor::v1::VENUE_KALSHI)->venue(), quant::FeeVenue::kNone);

  arbor::v1::FeeSchedule k;
  k.set_fees_enabled(true);
  k.mutable_kalshi()->set_fee_type(arbor::v1::KALSHI_FEE_TYPE_QUADRATIC);
  k.mutable_kalshi()->set_multiplier_micros(1'000'000);
  k.mutable_kalshi()->set_taker_rate_micros(70'000);
  absl::StatusOr<quant::LegFees> kf = FeesFromProto(k, arbor::v1::VENUE_KALSHI);
  ASSERT_TRUE(kf.ok()) << kf.status();
  EXPECT_EQ(*kf->Fee(Q("100"), P("0.5")), M("1.75"));
  EXPECT_EQ(*kf->Fee(Q("10"), P("0.5")), M("0.18"));

  // Unknown models: refused, never guessed.
  arbor::v1::FeeSchedule flat = k;
  flat.mutable_kalshi()->set_fee_type(arbor::v1::KALSHI_FEE_TYPE_FLAT);
  EXPECT_FALSE(FeesFromProto(flat, arbor::v1::VENUE_KALSHI).ok());
  arbor::v1::FeeSchedule rate = k;
  rate.mutable_kalshi()->set_taker_rate_micros(50'000);
  EXPECT_FALSE(FeesFromProto(rate, arbor::v1::VENUE_KALSHI).ok());
  EXPECT_FALSE(FeesFromProto(k, arbor::v1::VENUE_POLYMARKET).ok());
  arbor::v1::FeeSchedule empty;
  empty.set_fees_enabled(true);
  EXPECT_FALSE(FeesFromProto(empty, arbor::v1::VENUE_POLYMARKET).ok());

  arbor::v1::Market m = PolymarketMarket();
  *m.mutable_fee_schedule() = flat;
  LaneMarket lm = *MarketFromProto(m);
  EXPECT_FALSE(lm.fees.has_value());
  EXPECT_FALSE(lm.fee_problem.empty());
}

TEST(InputsTest, InstrumentKeyAndEvent) {
  arbor::v1::InstrumentId id;
  id.set_venue(arbor::v1::VENUE_KALSHI);
  id.set_symbol("FED-23DEC:YES");
  absl::StatusOr<InstrumentKey> k = InstrumentKey::FromProto(id);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->ToString(), "kalshi:FED-23DEC:YES");
  EXPECT_EQ(k->ToProto().SerializeAsString(), id.SerializeAsString());
  id.set_venue(arbor::v1::VENUE_UNSPECIFIED);
  EXPECT_FALSE(InstrumentKey::FromProto(id).ok());

  arbor::v1::Event e;
  e.set_event_id("ev");
  e.set_venue(arbor::v1::VENUE_POLYMARKET);
  e.add_market_ids("a");
  e.add_market_ids("b");
  e.set_neg_risk(true);
  e.set_augmented(true);
  LaneEvent le = *EventFromProto(e);
  EXPECT_EQ(le.market_ids.size(), 2u);
  EXPECT_TRUE(le.neg_risk);
  EXPECT_TRUE(le.augmented);
}

}  // namespace
}  // namespace arbor::lanes
