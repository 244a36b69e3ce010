#include "arbor/sim/universe.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "arbor/venue/polymarket/gamma.h"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

namespace pm = ::arbor::venue::polymarket;

TEST(UniverseTest, DefaultSpecHasAtLeastTwoThousandMarketsWithUniqueIds) {
  absl::StatusOr<Universe> u = GenerateUniverse(UniverseSpec{});
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_GE(u->markets.size(), 2000u);
  EXPECT_EQ(u->events.size(), 80u);
  absl::flat_hash_set<std::string> tokens;
  absl::flat_hash_set<std::string> conditions;
  for (const SimMarket& m : u->markets) {
    EXPECT_EQ(m.yes_token.size(), 77u);
    EXPECT_EQ(m.condition_id.size(), 66u);
    EXPECT_TRUE(tokens.insert(m.yes_token).second);
    EXPECT_TRUE(tokens.insert(m.no_token).second);
    EXPECT_TRUE(conditions.insert(m.condition_id).second);
    EXPECT_EQ(m.fair_yes.micros() % m.tick.micros(), 0) << m.slug;
    EXPECT_GE(m.fair_yes, m.tick);
    EXPECT_LE(m.fair_yes, kPriceOne - m.tick);
  }
}

TEST(UniverseTest, NegRiskFairValuesSumToExactlyOne) {
  absl::StatusOr<Universe> u = GenerateUniverse(UniverseSpec{});
  ASSERT_TRUE(u.ok());
  for (const SimEvent& e : u->events) {
    ASSERT_GE(e.markets.size(), 3u);
    ASSERT_LE(e.markets.size(), 8u);
    Price sum;
    for (int i : e.markets) sum += u->markets[static_cast<size_t>(i)].fair_yes;
    EXPECT_EQ(sum, kPriceOne) << e.slug;
  }
}

TEST(UniverseTest, DeterministicInTheSeed) {
  UniverseSpec spec;
  spec.binary_markets = 50;
  spec.negrisk_events = 5;
  absl::StatusOr<Universe> a = GenerateUniverse(spec);
  absl::StatusOr<Universe> b = GenerateUniverse(spec);
  spec.seed = 2;
  absl::StatusOr<Universe> c = GenerateUniverse(spec);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  for (size_t i = 0; i < a->markets.size(); ++i) {
    EXPECT_EQ(GammaMarketJson(*a, a->markets[i]), GammaMarketJson(*b, b->markets[i]));
  }
  EXPECT_NE(a->markets[0].yes_token, c->markets[0].yes_token);
}

TEST(UniverseTest, RejectsBadSpecs) {
  UniverseSpec spec;
  spec.binary_markets = -1;
  EXPECT_EQ(GenerateUniverse(spec).status().code(), absl::StatusCode::kInvalidArgument);
  spec = UniverseSpec{};
  spec.min_outcomes = 1;
  EXPECT_EQ(GenerateUniverse(spec).status().code(), absl::StatusCode::kInvalidArgument);
}

// The Gamma objects the simulator serves are read back by the production Gamma parser.
TEST(UniverseTest, GammaRenderingParsesBackWithTheProductionParser) {
  absl::StatusOr<Universe> u = GenerateUniverse(UniverseSpec{});
  ASSERT_TRUE(u.ok());
  int fee_schedules = 0;
  absl::flat_hash_set<int64_t> ticks;
  for (const SimMarket& m : u->markets) {
    const std::string json = GammaMarketJson(*u, m);
    absl::StatusOr<pm::GammaMarket> g = pm::ParseGammaMarket(json);
    ASSERT_TRUE(g.ok()) << g.status() << "\n" << json;
    EXPECT_EQ(g->condition_id, m.condition_id);
    ASSERT_EQ(g->clob_token_ids.size(), 2u);
    EXPECT_EQ(g->clob_token_ids[0], m.yes_token);
    EXPECT_EQ(g->clob_token_ids[1], m.no_token);
    EXPECT_EQ(g->outcomes, (std::vector<std::string>{"Yes", "No"}));
    ASSERT_EQ(g->outcome_prices.size(), 2u);
    EXPECT_EQ(g->outcome_prices[0], m.fair_yes);
    EXPECT_EQ(g->order_price_min_tick_size, m.tick);
    EXPECT_EQ(g->neg_risk, m.event_index >= 0);
    if (m.fees.rate_micros > 0) {
      ASSERT_TRUE(g->fee_schedule.has_value()) << json;
      EXPECT_EQ(*g->fee_schedule, m.fees);
      ++fee_schedules;
    }
    ticks.insert(m.tick.micros());
  }
  EXPECT_GT(fee_schedules, 1000);
  EXPECT_TRUE(ticks.contains(2'500) && ticks.contains(5'000) && ticks.contains(1'000) &&
              ticks.contains(10'000));
  for (const SimEvent& e : u->events) {
    absl::StatusOr<pm::GammaEvent> g = pm::ParseGammaEvent(GammaEventJson(*u, e));
    ASSERT_TRUE(g.ok()) << g.status();
    EXPECT_TRUE(g->neg_risk);
    EXPECT_EQ(g->neg_risk_market_id, e.neg_risk_market_id);
    ASSERT_EQ(g->markets.size(), e.markets.size());
    EXPECT_EQ(g->markets[0].neg_risk_market_id, e.neg_risk_market_id);
  }
}

TEST(UniverseTest, RelationsLinkStandaloneMarketsWhoseFairValuesRespectThem) {
  absl::StatusOr<Universe> u = GenerateUniverse(UniverseSpec{});
  ASSERT_TRUE(u.ok()) << u.status();
  ASSERT_EQ(u->relations.size(), 128u);  // 64 blocks of 25 binary markets, two per block
  int implies = 0;
  for (const Relation& r : u->relations) {
    const SimMarket& a = u->markets[static_cast<size_t>(r.a)];
    const SimMarket& b = u->markets[static_cast<size_t>(r.b)];
    EXPECT_EQ(a.event_index, -1);
    EXPECT_EQ(b.event_index, -1);
    EXPECT_EQ(a.tick, b.tick);
    EXPECT_TRUE(RelationHolds(r.kind, a.fair_yes, b.fair_yes))
        << RelationKindName(r.kind) << " " << r.a << " " << r.b;
    if (r.kind == RelationKind::kImplies) {
      ++implies;
      EXPECT_LT(a.end_unix_s, b.end_unix_s) << "A has the earlier deadline";
    }
  }
  EXPECT_EQ(implies, 64);
  EXPECT_FALSE(RelationHolds(RelationKind::kImplies, Price::FromMicros(500'001),
                             Price::FromMicros(500'000)));
  EXPECT_FALSE(RelationHolds(RelationKind::kExcludes, Price::FromMicros(500'001),
                             Price::FromMicros(500'000)));
  EXPECT_TRUE(RelationHolds(RelationKind::kExcludes, Price::FromMicros(500'000),
                            Price::FromMicros(500'000)));

  const std::string json = RelationsJson(*u);
  const Relation& first = u->relations[0];
  const std::string want =
      "{\"index\":0,\"kind\":\"implies\",\"a\":{\"market\":" + std::to_string(first.a) +
      ",\"condition_id\":\"" + u->markets[static_cast<size_t>(first.a)].condition_id + "\"";
  EXPECT_EQ(json.rfind("[" + want, 0), 0u) << json.substr(0, 300);
  EXPECT_NE(json.find("\"kind\":\"excludes\""), std::string::npos);

  UniverseSpec none;
  none.relation_every = 0;
  EXPECT_TRUE(GenerateUniverse(none)->relations.empty());
  UniverseSpec tight;
  tight.relation_every = 10;
  EXPECT_FALSE(GenerateUniverse(tight).ok());
}

}  // namespace
}  // namespace arbor::sim
