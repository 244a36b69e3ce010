#include "arbor/sim/exchange.h"

#include <memory>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

Universe SmallUniverse(uint64_t seed = 3) {
  UniverseSpec spec;
  spec.seed = seed;
  spec.binary_markets = 40;
  spec.negrisk_events = 4;
  return *GenerateUniverse(spec);
}

Price BestAsk(const MarketEngine& e, int outcome) {
  const auto levels = e.Levels(outcome, Side::kSell);
  return levels.empty() ? kPriceOne : levels.front().first;
}
Price BestBid(const MarketEngine& e, int outcome) {
  const auto levels = e.Levels(outcome, Side::kBuy);
  return levels.empty() ? Price::Zero() : levels.front().first;
}

std::unique_ptr<Exchange> Make(std::vector<MispricingSpec> mispricings, uint64_t seed = 9) {
  absl::StatusOr<std::unique_ptr<Exchange>> ex =
      Exchange::Create(SmallUniverse(), DynamicsSpec{}, std::move(mispricings), seed);
  EXPECT_TRUE(ex.ok()) << ex.status();
  return ex.ok() ? std::move(*ex) : nullptr;
}

TEST(ExchangeTest, QuotesAreTwoSidedUncrossedAndFairValuesStayCoherent) {
  std::unique_ptr<Exchange> ex = Make({});
  ASSERT_NE(ex, nullptr);
  for (int step = 1; step <= 30; ++step) {
    ASSERT_TRUE(ex->Step(step * 1000).ok());
    for (size_t i = 0; i < ex->universe().markets.size(); ++i) {
      const MarketEngine& e = ex->engine(static_cast<int>(i));
      for (int outcome : {0, 1}) {
        ASSERT_LT(BestBid(e, outcome), BestAsk(e, outcome)) << "market " << i;
        ASSERT_FALSE(e.Levels(outcome, Side::kBuy).empty());
      }
      // The two books agree: buying YES never beats 1 - (best NO bid).
      ASSERT_GE(BestAsk(e, 0) + BestBid(e, 1), kPriceOne);
    }
    for (const SimEvent& ev : ex->universe().events) {
      Price sum;
      for (int i : ev.markets) sum += ex->fair(i);
      ASSERT_EQ(sum, kPriceOne) << ev.slug;
    }
  }
  EXPECT_GT(ex->noise_trades(), 0u);
}

TEST(ExchangeTest, NegRiskYesMispricingShowsForItsDurationThenCloses) {
  const Price edge = Price::FromMicros(30'000);
  std::unique_ptr<Exchange> ex =
      Make({{MispricingKind::kNegRiskYesUnder, /*at_step=*/5, /*target=*/0, edge, /*duration=*/3}});
  ASSERT_NE(ex, nullptr);
  const SimEvent& ev = ex->universe().events[0];
  auto yes_ask_sum = [&] {
    Price sum;
    for (int i : ev.markets) sum += BestAsk(ex->engine(i), 0);
    return sum;
  };
  for (int step = 1; step <= 10; ++step) {
    ASSERT_TRUE(ex->Step(step * 1000).ok());
    if (step >= 5 && step < 8) {
      EXPECT_EQ(yes_ask_sum(), kPriceOne - edge) << "step " << step;
      ASSERT_EQ(ex->active_mispricings().size(), 1u);
      EXPECT_EQ(ex->active_mispricings()[0].markets, ev.markets);
    } else {
      EXPECT_GT(yes_ask_sum(), kPriceOne) << "step " << step;
      EXPECT_TRUE(ex->active_mispricings().empty());
    }
  }
  ASSERT_EQ(ex->mispricing_history().size(), 1u);
  EXPECT_EQ(ex->mispricing_history()[0].started_step, 5);
}

TEST(ExchangeTest, NegRiskNoMispricingMakesNoAsksSumBelowNMinusOne) {
  const Price edge = Price::FromMicros(20'000);
  std::unique_ptr<Exchange> ex = Make({{MispricingKind::kNegRiskNoUnder, 2, 1, edge, 2}});
  ASSERT_NE(ex, nullptr);
  ASSERT_TRUE(ex->Step(1000).ok());
  ASSERT_TRUE(ex->Step(2000).ok());
  const SimEvent& ev = ex->universe().events[1];
  Price no_ask_sum;
  for (int i : ev.markets) no_ask_sum += BestAsk(ex->engine(i), 1);
  const int64_t n = static_cast<int64_t>(ev.markets.size());
  EXPECT_EQ(no_ask_sum, kPriceOne * (n - 1) - edge);
}

TEST(ExchangeTest, BinaryMispricingsRestOnlyWithCrossMatchingOff) {
  const Price edge = Price::FromMicros(20'000);
  std::unique_ptr<Exchange> ex = Make({{MispricingKind::kBinaryUnderpriced, 1, 7, edge, 2},
                                       {MispricingKind::kBinaryOverpriced, 1, 8, edge, 2}});
  ASSERT_NE(ex, nullptr);
  ASSERT_TRUE(ex->Step(1000).ok());
  const MarketEngine& under = ex->engine(7);
  const MarketEngine& over = ex->engine(8);
  EXPECT_FALSE(under.config().cross_matching);
  EXPECT_EQ(BestAsk(under, 0) + BestAsk(under, 1), kPriceOne - edge);
  EXPECT_EQ(BestBid(over, 0) + BestBid(over, 1), kPriceOne + edge);
  ASSERT_TRUE(ex->Step(2000).ok());
  ASSERT_TRUE(ex->Step(3000).ok());  // over: back to normal quoting with cross-matching on
  EXPECT_TRUE(under.config().cross_matching);
  EXPECT_GE(BestAsk(under, 0) + BestAsk(under, 1), kPriceOne);
  EXPECT_LE(BestBid(over, 0) + BestBid(over, 1), kPriceOne);
}

TEST(ExchangeTest, KalshiTwinsTrackTheirPolymarketMarketUntilAGapIsInjected) {
  const Price edge = Price::FromMicros(30'000);
  std::unique_ptr<Exchange> ex = Make({{MispricingKind::kCrossVenueGap, 3, 1, edge, 2}});
  ASSERT_NE(ex, nullptr);
  ASSERT_EQ(ex->universe().kalshi.size(), 4u);  // every 10th of 40 binary markets
  const KalshiTwin& twin = ex->universe().kalshi[1];
  EXPECT_EQ(ex->KalshiTwinOfTicker(twin.ticker), 1);
  EXPECT_EQ(ex->KalshiTwinOfTicker("NOPE"), -1);
  auto kalshi_yes_ask = [&] { return Complement(BestBid(ex->kalshi_engine(1), 1)); };
  auto pm_yes_bid = [&] { return BestBid(ex->engine(twin.polymarket_market), 0); };
  for (int step = 1; step <= 6; ++step) {
    ASSERT_TRUE(ex->Step(step * 1000).ok());
    const bool gap = step >= 3 && step < 5;
    if (gap) {
      EXPECT_LE(kalshi_yes_ask(), pm_yes_bid() - edge) << "step " << step;
    } else {
      EXPECT_GT(kalshi_yes_ask(), pm_yes_bid()) << "step " << step;  // no arbitrage
    }
  }
  EXPECT_EQ(ex->mispricing_history().size(), 1u);
}

TEST(ExchangeTest, AGapThatCannotFitOnKalshisGridIsSkippedNotFatal) {
  // An edge as large as the market's price cannot be shown: the step still succeeds.
  std::unique_ptr<Exchange> ex =
      Make({{MispricingKind::kCrossVenueGap, 1, 0, Price::FromMicros(990'000), 2}});
  ASSERT_NE(ex, nullptr);
  ASSERT_TRUE(ex->Step(1000).ok());
  EXPECT_TRUE(ex->mispricing_history().empty());
  EXPECT_EQ(ex->skipped_mispricings(), 1u);
}

TEST(ExchangeTest, DeterministicInTheSeed) {
  std::unique_ptr<Exchange> a = Make({}, 5);
  std::unique_ptr<Exchange> b = Make({}, 5);
  for (int step = 1; step <= 10; ++step) {
    ASSERT_TRUE(a->Step(step).ok());
    ASSERT_TRUE(b->Step(step).ok());
  }
  for (size_t i = 0; i < a->universe().markets.size(); ++i) {
    EXPECT_EQ(a->engine(static_cast<int>(i)).Levels(0, Side::kBuy),
              b->engine(static_cast<int>(i)).Levels(0, Side::kBuy));
  }
  EXPECT_EQ(a->noise_trades(), b->noise_trades());
}

TEST(ExchangeTest, RejectsImpossibleMispricings) {
  EXPECT_FALSE(
      Exchange::Create(SmallUniverse(), DynamicsSpec{},
                       {{MispricingKind::kNegRiskYesUnder, 1, 99, Price::FromMicros(10'000), 1}}, 1)
          .ok());
  // Market 40 is the first NegRisk member: a binary injection there is refused.
  EXPECT_FALSE(Exchange::Create(
                   SmallUniverse(), DynamicsSpec{},
                   {{MispricingKind::kBinaryUnderpriced, 1, 40, Price::FromMicros(10'000), 1}}, 1)
                   .ok());
  EXPECT_FALSE(Exchange::Create(SmallUniverse(), DynamicsSpec{},
                                {{MispricingKind::kBinaryUnderpriced, 1, 0, Price::Zero(), 1}}, 1)
                   .ok());
  // An edge finer than the book's tick cannot be shown.
  const absl::StatusOr<std::unique_ptr<Exchange>> fine =
      Exchange::Create(SmallUniverse(), DynamicsSpec{},
                       {{MispricingKind::kNegRiskYesUnder, 1, 0, Price::FromMicros(500), 1}}, 1);
  ASSERT_FALSE(fine.ok());
  EXPECT_NE(std::string(fine.status().message()).find("not a multiple of the tick size"),
            std::string::npos);
}

TEST(ExchangeTest, FairValuesAndQuotesRespectTheRelationsAtEveryStep) {
  DynamicsSpec dynamics;
  dynamics.log_odds_volatility = 0.5;  // large moves: the relations are pushed hard
  absl::StatusOr<std::unique_ptr<Exchange>> ex =
      Exchange::Create(SmallUniverse(), dynamics, {}, 11);
  ASSERT_TRUE(ex.ok()) << ex.status();
  const std::vector<Relation>& relations = (*ex)->universe().relations;
  ASSERT_EQ(relations.size(), 2u);
  for (int step = 1; step <= 60; ++step) {
    ASSERT_TRUE((*ex)->Step(step * 1000).ok());
    for (const Relation& r : relations) {
      ASSERT_TRUE(RelationHolds(r.kind, (*ex)->fair(r.a), (*ex)->fair(r.b)))
          << RelationKindName(r.kind) << " step " << step << ": " << (*ex)->fair(r.a).ToString()
          << " vs " << (*ex)->fair(r.b).ToString();
      const MarketEngine& a = (*ex)->engine(r.a);
      const MarketEngine& b = (*ex)->engine(r.b);
      if (r.kind == RelationKind::kImplies) {
        ASSERT_LE(BestBid(a, 0), BestAsk(b, 0)) << "step " << step;
      } else {
        ASSERT_LE(BestBid(a, 0) + BestBid(b, 0), kPriceOne) << "step " << step;
      }
    }
  }
}

TEST(ExchangeTest, RelationViolationsShowExactlyTheEdgeThenHeal) {
  const Price edge = Price::FromMicros(20'000);
  std::unique_ptr<Exchange> ex = Make({{MispricingKind::kImpliesViolation, 3, 0, edge, 4},
                                       {MispricingKind::kExcludesViolation, 4, 1, edge, 3}});
  ASSERT_NE(ex, nullptr);
  const Relation implies = ex->universe().relations[0];
  const Relation excludes = ex->universe().relations[1];
  ASSERT_EQ(implies.kind, RelationKind::kImplies);
  ASSERT_EQ(excludes.kind, RelationKind::kExcludes);
  for (int step = 1; step <= 10; ++step) {
    ASSERT_TRUE(ex->Step(step * 1000).ok());
    const Price gap = BestBid(ex->engine(implies.a), 0) - BestAsk(ex->engine(implies.b), 0);
    const Price bids = BestBid(ex->engine(excludes.a), 0) + BestBid(ex->engine(excludes.b), 0);
    if (step >= 3 && step < 7) {
      EXPECT_EQ(gap, edge) << "step " << step;
    } else {
      EXPECT_LE(gap, Price::Zero()) << "step " << step;
    }
    if (step >= 4 && step < 7) {
      EXPECT_EQ(bids, kPriceOne + edge) << "step " << step;
    } else {
      EXPECT_LE(bids, kPriceOne) << "step " << step;
    }
  }
  ASSERT_EQ(ex->mispricing_history().size(), 2u);
  EXPECT_EQ(ex->mispricing_history()[0].markets, (std::vector<int>{implies.a, implies.b}));
  EXPECT_EQ(ex->mispricing_history()[1].spec.kind, MispricingKind::kExcludesViolation);
  EXPECT_STREQ(MispricingKindName(MispricingKind::kImpliesViolation), "implies_violation");
}

TEST(ExchangeTest, RelationViolationTargetsMustBeRelationsOfTheirKind) {
  const Price edge = Price::FromMicros(20'000);
  // Relation 0 is an implication, relation 1 an exclusion; there is no relation 2.
  EXPECT_FALSE(Exchange::Create(SmallUniverse(), DynamicsSpec{},
                                {{MispricingKind::kExcludesViolation, 1, 0, edge, 1}}, 1)
                   .ok());
  EXPECT_FALSE(Exchange::Create(SmallUniverse(), DynamicsSpec{},
                                {{MispricingKind::kImpliesViolation, 1, 2, edge, 1}}, 1)
                   .ok());
  EXPECT_FALSE(
      Exchange::Create(SmallUniverse(), DynamicsSpec{},
                       {{MispricingKind::kImpliesViolation, 1, 0, Price::FromMicros(500), 1}}, 1)
          .ok());
}

TEST(ExchangeTest, TickRuleRefinesNearTheBoundsAndNotifies) {
  Universe u = SmallUniverse();
  SimMarket& m = u.markets[1];  // standalone, in no relation
  m.tick = Exchange::kCoarseTick;
  m.fair_yes = Price::FromMicros(20'000);  // quoted 0.01 / 0.03: the ask is below 0.04
  DynamicsSpec dynamics;
  dynamics.log_odds_volatility = 0;
  absl::StatusOr<std::unique_ptr<Exchange>> ex = Exchange::Create(std::move(u), dynamics, {}, 2);
  ASSERT_TRUE(ex.ok()) << ex.status();
  std::vector<std::tuple<int, Price, Price>> heard;
  (*ex)->AddTickChangeListener(
      [&](int market, Price from, Price to) { heard.emplace_back(market, from, to); });
  ASSERT_TRUE((*ex)->Step(1000).ok());
  const std::tuple<int, Price, Price> want{1, Exchange::kCoarseTick, Exchange::kFineTick};
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(heard.front(), want);
  EXPECT_EQ((*ex)->engine(1).config().tick, Exchange::kFineTick);
  EXPECT_EQ((*ex)->universe().markets[1].tick, Exchange::kFineTick);  // what the routes read
  // Orders on the finer grid are now accepted.
  (*ex)->ledger().Deposit("user", Money::FromUnits(10));
  OrderRequest r;
  r.account = "user";
  r.price = Price::FromMicros(5'000);
  r.size = Quantity::FromUnits(1);
  EXPECT_TRUE((*ex)->engine(1).Place(r, 1000).ok());
}

TEST(ExchangeTest, PinnedTickOverridesTheRuleUntilUnpinned) {
  Universe u = SmallUniverse();
  u.markets[1].tick = Exchange::kCoarseTick;
  u.markets[1].fair_yes = Price::FromMicros(500'000);  // mid-range: the rule keeps 0.01
  DynamicsSpec dynamics;
  dynamics.log_odds_volatility = 0;
  absl::StatusOr<std::unique_ptr<Exchange>> ex = Exchange::Create(std::move(u), dynamics, {}, 2);
  ASSERT_TRUE(ex.ok()) << ex.status();
  std::vector<Price> heard;
  (*ex)->AddTickChangeListener([&](int market, Price, Price to) {
    if (market == 1) heard.push_back(to);
  });
  ASSERT_TRUE((*ex)->Step(1000).ok());
  EXPECT_TRUE(heard.empty());
  ASSERT_TRUE((*ex)->PinTick(1, Exchange::kFineTick).ok());
  ASSERT_TRUE((*ex)->Step(2000).ok());
  ASSERT_TRUE((*ex)->Step(3000).ok());  // stays pinned
  EXPECT_EQ(heard, std::vector<Price>{Exchange::kFineTick});
  EXPECT_EQ((*ex)->universe().markets[1].tick, Exchange::kFineTick);
  ASSERT_TRUE((*ex)->PinTick(1, std::nullopt).ok());
  ASSERT_TRUE((*ex)->Step(4000).ok());
  EXPECT_EQ(heard, (std::vector<Price>{Exchange::kFineTick, Exchange::kCoarseTick}));
  EXPECT_EQ((*ex)->PinTick(99, Exchange::kFineTick).code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ((*ex)->PinTick(1, Price::FromMicros(5'000)).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ExchangeTest, TickRuleGoesBothWaysUnderLargeMoves) {
  DynamicsSpec dynamics;
  dynamics.log_odds_volatility = 1.0;
  absl::StatusOr<std::unique_ptr<Exchange>> ex =
      Exchange::Create(SmallUniverse(), dynamics, {}, 17);
  ASSERT_TRUE(ex.ok()) << ex.status();
  int refined = 0;
  int coarsened = 0;
  (*ex)->AddTickChangeListener(
      [&](int, Price, Price to) { (to == Exchange::kFineTick ? refined : coarsened)++; });
  for (int step = 1; step <= 80; ++step) ASSERT_TRUE((*ex)->Step(step * 1000).ok());
  EXPECT_GT(refined, 0);
  EXPECT_GT(coarsened, 0);
  EXPECT_EQ((*ex)->tick_changes(), static_cast<uint64_t>(refined + coarsened));
  for (int i = 0; i < (*ex)->markets(); ++i) {
    const MarketEngine& e = (*ex)->engine(i);
    EXPECT_EQ(e.config().tick, (*ex)->universe().markets[static_cast<size_t>(i)].tick);
    for (int outcome : {0, 1}) {
      for (Side side : {Side::kBuy, Side::kSell}) {
        for (const auto& [price, size] : e.Levels(outcome, side)) {
          EXPECT_EQ(price.micros() % e.config().tick.micros(), 0) << "market " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace arbor::sim
