// Property test for BundlePricer on seeded random ladders and fee schedules: every quote satisfies
// the money identity exactly, its worst case equals the enumerated one, its profit is positive and
// at least min_edge per set, each leg's cost and fees match an independent recomputation, and the
// size never grows when min_edge does.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "arbor/book/sweep.h"
#include "arbor/quant/bundle_pricer.h"
#include "arbor/quant/worst_case.h"
#include "gtest/gtest.h"
#include "quant_test_util.h"

namespace arbor::quant {
namespace {

using ::arbor::quant::testing::PositionsOf;

__extension__ typedef __int128 int128;

struct Case {
  BundleKind kind;
  std::vector<std::vector<book::Level>> ladders;
  std::vector<LegFees> fees;
  Quantity lot;
  Quantity max_sets;
};

LegFees RandomFees(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
    case 0:
      return LegFees::None();
    case 1:  // linear schedules 0 .. 0.07
      return LegFees::Polymarket(
          {.rate_micros = 5000 * std::uniform_int_distribution<int64_t>(0, 14)(rng),
           .exponent = 1});
    case 2:  // crypto-style curve
      return LegFees::Polymarket(
          {.rate_micros = 250000 * std::uniform_int_distribution<int64_t>(0, 2)(rng) / 2,
           .exponent = 2});
    case 3:
      return *LegFees::Kalshi(venue::kalshi::FeeModel{}, LiquidityRole::kTaker,
                              venue::kalshi::FeeRounding::kCent);
    default:
      return *LegFees::Kalshi(venue::kalshi::FeeModel{}, LiquidityRole::kTaker,
                              venue::kalshi::FeeRounding::kCentiCent);
  }
}

Case RandomCase(std::mt19937_64& rng) {
  Case c;
  c.kind = static_cast<BundleKind>(std::uniform_int_distribution<int>(0, 2)(rng));
  const int n = std::uniform_int_distribution<int>(2, 5)(rng);
  const bool buy = LegSideFor(c.kind) == LegSide::kBuy;
  const int64_t tick = std::uniform_int_distribution<int>(0, 1)(rng) == 0 ? 10000 : 1000;
  const int64_t lots[] = {1, 10000, 1000000};
  c.lot = Quantity::FromMicros(lots[std::uniform_int_distribution<int>(0, 2)(rng)]);
  c.max_sets =
      std::uniform_int_distribution<int>(0, 2)(rng) == 0
          ? Quantity::FromMicros(std::uniform_int_distribution<int64_t>(1, 3'000'000'000)(rng))
          : Quantity::Zero();
  // Fair price per leg so that the best levels straddle "no arbitrage" (sum = payoff per set,
  // or 1 for split-and-sell): each leg's best price is fair +- a few ticks.
  const double fair = c.kind == BundleKind::kBuyAllNo ? static_cast<double>(n - 1) / n : 1.0 / n;
  for (int i = 0; i < n; ++i) {
    std::vector<book::Level> ladder;
    const int64_t fair_ticks = static_cast<int64_t>(fair * 1e6) / tick;
    int64_t ticks = fair_ticks + std::uniform_int_distribution<int64_t>(-4, 2)(rng) *
                                     (buy ? 1 : -1) * (tick == 1000 ? 5 : 1);
    const int levels = std::uniform_int_distribution<int>(1, 6)(rng);
    for (int k = 0; k < levels; ++k) {
      const int64_t price = ticks * tick;
      if (price <= 0 || price >= kFixedScale) break;
      int64_t size = std::uniform_int_distribution<int64_t>(1, 400)(rng) * 1'000'000;
      if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) {
        size += std::uniform_int_distribution<int64_t>(1, 999'999)(rng);  // off-lot sizes
      }
      ladder.push_back({Price::FromMicros(price), Quantity::FromMicros(size)});
      ticks += (buy ? 1 : -1) * std::uniform_int_distribution<int64_t>(1, 3)(rng);
    }
    c.ladders.push_back(std::move(ladder));
    c.fees.push_back(RandomFees(rng));
  }
  return c;
}

// Per leg, independently of the pricer's walk: the book library's sweep for the cost, and one fee
// per level touched (the quantity taken there) for the fees.
void CheckLegIndependently(const book::Level* levels, size_t count, const LegFees& fees,
                           const LegQuote& leg, Quantity size) {
  int64_t remaining = size.micros();
  Money fee_sum;
  for (size_t k = 0; k < count && remaining > 0; ++k) {
    const int64_t take = std::min(remaining, levels[k].size.micros());
    absl::StatusOr<Money> fee = fees.Fee(Quantity::FromMicros(take), levels[k].price);
    ASSERT_TRUE(fee.ok());
    fee_sum += *fee;
    remaining -= take;
  }
  ASSERT_EQ(remaining, 0);
  EXPECT_EQ(fee_sum, leg.fee);
  const book::SweepResult sweep = book::internal::SweepQuantity(
      [&](auto&& fn) {
        for (size_t k = 0; k < count; ++k) {
          if (!fn(levels[k])) break;
        }
      },
      size, leg.side == LegSide::kBuy);
  EXPECT_EQ(leg.cash_flow, leg.side == LegSide::kBuy ? -sweep.notional : sweep.notional);
  EXPECT_EQ(leg.vwap, sweep.average_price);
  EXPECT_EQ(leg.worst_price, sweep.worst_price);
  EXPECT_GE(leg.available_at_limit, size);
}

TEST(BundlePricerPropertyTest, RandomLaddersAndFees) {
  std::mt19937_64 rng(20261204);
  const Price kMinEdges[] = {Price::Zero(),
                             Price::FromMicros(1000),
                             Price::FromMicros(5000),
                             Price::FromMicros(10000),
                             Price::FromMicros(20000),
                             Price::FromMicros(50000)};
  BundlePricer pricer;
  int quotes = 0;
  int cases_with_quote = 0;
  constexpr int kCases = 3000;
  for (int iter = 0; iter < kCases; ++iter) {
    const Case c = RandomCase(rng);
    std::vector<BundleLeg> legs;
    for (size_t i = 0; i < c.ladders.size(); ++i) {
      legs.push_back({.levels = c.ladders[i], .fees = c.fees[i]});
    }
    std::optional<Quantity> previous_size;
    bool any = false;
    for (const Price min_edge : kMinEdges) {
      SCOPED_TRACE(::testing::Message() << "case " << iter << " kind " << BundleKindName(c.kind)
                                        << " min_edge " << min_edge);
      absl::StatusOr<std::optional<BundleQuote>> r =
          pricer.Quote(legs, {.kind = c.kind,
                              .min_edge_per_set = min_edge,
                              .lot_size = c.lot,
                              .max_sets = c.max_sets});
      ASSERT_TRUE(r.ok()) << r.status();
      const Quantity size = r->has_value() ? (*r)->size_sets : Quantity::Zero();
      // Monotone: a higher min edge never buys a larger size.
      if (previous_size.has_value()) {
        EXPECT_LE(size, *previous_size);
      }
      previous_size = size;
      if (!r->has_value()) continue;
      const BundleQuote& q = **r;
      ++quotes;
      any = true;

      EXPECT_EQ(q.size_sets.micros() % c.lot.micros(), 0);
      if (c.max_sets.IsPositive()) {
        EXPECT_LE(q.size_sets, c.max_sets);
      }
      // The money identity, exactly.
      EXPECT_EQ(q.guaranteed_profit, q.worst_case_payoff - q.total_cost - q.total_fees);
      Money cash = q.split_cash_flow;
      Money fees;
      for (size_t i = 0; i < q.legs.size(); ++i) {
        cash += q.legs[i].cash_flow;
        fees += q.legs[i].fee;
        EXPECT_EQ(q.legs[i].size, q.size_sets);
        CheckLegIndependently(c.ladders[i].data(), c.ladders[i].size(), c.fees[i], q.legs[i],
                              q.size_sets);
      }
      EXPECT_EQ(-cash, q.total_cost);
      EXPECT_EQ(fees, q.total_fees);
      // Enumerated worst case over the block's outcomes = the reported one, so the guaranteed
      // profit is exactly the no-loss bound.
      absl::StatusOr<BlockPayoff> enumerated = WorstCasePayoff(PositionsOf(q));
      ASSERT_TRUE(enumerated.ok());
      EXPECT_EQ(enumerated->worst, q.worst_case_payoff);
      EXPECT_LE(q.guaranteed_profit, enumerated->worst - q.total_cost - q.total_fees);
      // Positive, and at least min_edge per set (every accepted segment clears it).
      EXPECT_GT(q.guaranteed_profit, Money::Zero());
      EXPECT_GE(static_cast<int128>(q.guaranteed_profit.micros()) * kFixedScale,
                static_cast<int128>(min_edge.micros()) * q.size_sets.micros());
      EXPECT_GE(q.edge_per_set, min_edge);
      EXPECT_GE(q.marginal_edge, min_edge);
    }
    if (any) ++cases_with_quote;
  }
  // The generator must actually exercise quotes, not only fair books.
  EXPECT_GT(cases_with_quote, kCases / 5);
  EXPECT_LT(cases_with_quote, kCases);
  RecordProperty("quotes", quotes);
  RecordProperty("cases_with_quote", cases_with_quote);
}

}  // namespace
}  // namespace arbor::quant
