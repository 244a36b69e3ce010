#include "arbor/quant/bundle_pricer.h"

#include <initializer_list>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "quant_test_util.h"

namespace arbor::quant {
namespace {

using ::arbor::quant::testing::Ladder;
using ::arbor::quant::testing::M;
using ::arbor::quant::testing::P;
using ::arbor::quant::testing::PositionsOf;
using ::arbor::quant::testing::Q;

// "Unlimited" depth for the reference cases: one level far larger than any size asked for.
constexpr const char* kDeep = "1000000";

std::optional<BundleQuote> QuoteOf(const std::vector<BundleLeg>& legs, const BundleParams& params) {
  BundlePricer pricer;
  absl::StatusOr<std::optional<BundleQuote>> r = pricer.Quote(legs, params);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return std::nullopt;
  if (r->has_value()) {
    const BundleQuote& q = **r;
    // The money identity and the enumerated worst case hold for every quote.
    EXPECT_EQ(q.guaranteed_profit, q.worst_case_payoff - q.total_cost - q.total_fees);
    Money cash = q.split_cash_flow;
    Money fees;
    for (const LegQuote& l : q.legs) {
      cash += l.cash_flow;
      fees += l.fee;
      EXPECT_EQ(l.size, q.size_sets);
    }
    EXPECT_EQ(-cash, q.total_cost);
    EXPECT_EQ(fees, q.total_fees);
    absl::StatusOr<BlockPayoff> enumerated = WorstCasePayoff(PositionsOf(q));
    EXPECT_TRUE(enumerated.ok());
    if (enumerated.ok()) {
      EXPECT_EQ(enumerated->worst, q.worst_case_payoff);
    }
    EXPECT_GT(q.guaranteed_profit, Money::Zero());
  }
  return *r;
}

// The legs view the ladders (which must outlive them).
std::vector<BundleLeg> Legs(std::initializer_list<absl::Span<const book::Level>> ladders,
                            LegFees fees = LegFees::None()) {
  std::vector<BundleLeg> legs;
  for (absl::Span<const book::Level> l : ladders) legs.push_back({.levels = l, .fees = fees});
  return legs;
}

// Case 1: YES .62 + NO .33 = .95, 100 sets -> cost 95, profit 5, 0.05 per set.
TEST(BundlePricerTest, ReferenceCase1Binary) {
  const auto yes = Ladder({{"0.62", kDeep}});
  const auto no = Ladder({{"0.33", kDeep}});
  const std::optional<BundleQuote> q =
      QuoteOf(Legs({yes, no}), {.kind = BundleKind::kBuyAll, .max_sets = Q("100")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("100"));
  EXPECT_EQ(q->total_cost, M("95"));
  EXPECT_EQ(q->worst_case_payoff, M("100"));
  EXPECT_EQ(q->guaranteed_profit, M("5"));
  EXPECT_EQ(q->edge_per_set, P("0.05"));
  EXPECT_EQ(q->marginal_edge, P("0.05"));
  EXPECT_EQ(q->stop_reason, StopReason::kMaxSets);
  ASSERT_EQ(q->legs.size(), 2u);
  EXPECT_EQ(q->legs[0].side, LegSide::kBuy);
  EXPECT_EQ(q->legs[0].vwap, P("0.62"));
  EXPECT_EQ(q->legs[0].worst_price, P("0.62"));
  EXPECT_EQ(q->legs[0].cash_flow, M("-62"));
  EXPECT_EQ(q->legs[1].vwap, P("0.33"));
  EXPECT_EQ(q->legs[1].cash_flow, M("-33"));
  EXPECT_EQ(q->legs[1].available_at_limit, Q(kDeep));
  EXPECT_EQ(q->total_fees, Money::Zero());
  // Without a cap the whole (finite) depth is taken.
  const std::optional<BundleQuote> all = QuoteOf(Legs({yes, no}), {.kind = BundleKind::kBuyAll});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size_sets, Q(kDeep));
  EXPECT_EQ(all->guaranteed_profit, M("50000"));
  EXPECT_EQ(all->stop_reason, StopReason::kDepth);
}

// Case 2: four YES at .30 .25 .20 .15 = .90 -> 0.10 per set.
TEST(BundlePricerTest, ReferenceCase2NegRiskYes) {
  const auto a = Ladder({{"0.30", kDeep}});
  const auto b = Ladder({{"0.25", kDeep}});
  const auto c = Ladder({{"0.20", kDeep}});
  const auto d = Ladder({{"0.15", kDeep}});
  const std::optional<BundleQuote> q =
      QuoteOf(Legs({a, b, c, d}), {.kind = BundleKind::kBuyAll, .max_sets = Q("100")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("100"));
  EXPECT_EQ(q->total_cost, M("90"));
  EXPECT_EQ(q->worst_case_payoff, M("100"));
  EXPECT_EQ(q->guaranteed_profit, M("10"));
  EXPECT_EQ(q->edge_per_set, P("0.10"));
  EXPECT_EQ(q->legs.size(), 4u);
}

// Case 2b: all four NO at .68 .73 .78 .79 = 2.98, payoff exactly 3 -> 0.02 per set; and the same
// event in YES-bid terms (.32 .27 .22 .21 = 1.02) as split-and-sell -> 0.02 per set.
TEST(BundlePricerTest, ReferenceCase2bNegRiskNoAndSplitSell) {
  const auto a = Ladder({{"0.68", kDeep}});
  const auto b = Ladder({{"0.73", kDeep}});
  const auto c = Ladder({{"0.78", kDeep}});
  const auto d = Ladder({{"0.79", kDeep}});
  const std::optional<BundleQuote> q =
      QuoteOf(Legs({a, b, c, d}), {.kind = BundleKind::kBuyAllNo, .max_sets = Q("100")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->total_cost, M("298"));
  EXPECT_EQ(q->worst_case_payoff, M("300"));
  EXPECT_EQ(q->guaranteed_profit, M("2"));
  EXPECT_EQ(q->edge_per_set, P("0.02"));

  const auto ba = Ladder({{"0.32", kDeep}});
  const auto bb = Ladder({{"0.27", kDeep}});
  const auto bc = Ladder({{"0.22", kDeep}});
  const auto bd = Ladder({{"0.21", kDeep}});
  const std::optional<BundleQuote> s =
      QuoteOf(Legs({ba, bb, bc, bd}), {.kind = BundleKind::kSplitSell, .max_sets = Q("100")});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->split_cash_flow, M("-100"));
  EXPECT_EQ(s->legs[0].side, LegSide::kSell);
  EXPECT_EQ(s->legs[0].cash_flow, M("32"));
  EXPECT_EQ(s->total_cost, M("-2"));  // net cash received
  EXPECT_EQ(s->worst_case_payoff, Money::Zero());
  EXPECT_EQ(s->guaranteed_profit, M("2"));
  EXPECT_EQ(s->edge_per_set, P("0.02"));
}

// Case 1 with Polymarket's linear fee r = 0.04 on both legs: 0.018268 per set -> net 0.031732.
TEST(BundlePricerTest, ReferenceCase1WithLinearFee) {
  const auto yes = Ladder({{"0.62", kDeep}});
  const auto no = Ladder({{"0.33", kDeep}});
  const LegFees fees = LegFees::Polymarket({.rate_micros = 40000, .exponent = 1});
  for (const char* size : {"1", "100"}) {
    const std::optional<BundleQuote> q =
        QuoteOf(Legs({yes, no}, fees), {.kind = BundleKind::kBuyAll, .max_sets = Q(size)});
    ASSERT_TRUE(q.has_value());
    EXPECT_EQ(q->edge_per_set, P("0.031732")) << size;
  }
  const std::optional<BundleQuote> q =
      QuoteOf(Legs({yes, no}, fees), {.kind = BundleKind::kBuyAll, .max_sets = Q("100")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->legs[0].fee, M("0.9424"));
  EXPECT_EQ(q->legs[1].fee, M("0.8844"));
  EXPECT_EQ(q->total_fees, M("1.8268"));
  EXPECT_EQ(q->guaranteed_profit, M("3.1732"));
  // A min edge above the net edge leaves nothing; exactly at it still clears.
  EXPECT_FALSE(QuoteOf(Legs({yes, no}, fees), {.kind = BundleKind::kBuyAll,
                                               .min_edge_per_set = P("0.031733"),
                                               .max_sets = Q("100")})
                   .has_value());
  EXPECT_TRUE(QuoteOf(Legs({yes, no}, fees), {.kind = BundleKind::kBuyAll,
                                              .min_edge_per_set = P("0.031732"),
                                              .max_sets = Q("100")})
                  .has_value());
}

// Case 1 with the Jan-2026 crypto curve (r = 0.25, exponent 2). Exact fees per set are
// 0.01387684 + 0.0122213025 = 0.0260981425, net 0.0239018575 (REFERENCE_CASES rounds it to
// 0.023902). Rounded against us the edge per set is 0.023901: at one set each leg's fee rounds up
// (0.013877 + 0.012222); at 10,000 sets the fees are exact (260.981425) and only the per-set
// division rounds down.
TEST(BundlePricerTest, ReferenceCase1WithCryptoCurveFee) {
  const auto yes = Ladder({{"0.62", kDeep}});
  const auto no = Ladder({{"0.33", kDeep}});
  const LegFees fees = LegFees::Polymarket({.rate_micros = 250000, .exponent = 2});
  std::optional<BundleQuote> q =
      QuoteOf(Legs({yes, no}, fees), {.kind = BundleKind::kBuyAll, .max_sets = Q("1")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->total_fees, M("0.026099"));
  EXPECT_EQ(q->guaranteed_profit, M("0.023901"));
  q = QuoteOf(Legs({yes, no}, fees), {.kind = BundleKind::kBuyAll, .max_sets = Q("10000")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->total_fees, M("260.981425"));
  EXPECT_EQ(q->guaranteed_profit, M("239.018575"));
  EXPECT_EQ(q->edge_per_set, P("0.023901"));
}

// Case 1 on Kalshi at 100 contracts, taker fees to the cent: ceil(1.6492) + ceil(1.5477) = 3.20.
TEST(BundlePricerTest, ReferenceCase1WithKalshiTakerFee) {
  const auto yes = Ladder({{"0.62", kDeep}});
  const auto no = Ladder({{"0.33", kDeep}});
  absl::StatusOr<LegFees> fees = LegFees::Kalshi(venue::kalshi::FeeModel{});
  ASSERT_TRUE(fees.ok());
  const std::optional<BundleQuote> q =
      QuoteOf(Legs({yes, no}, *fees),
              {.kind = BundleKind::kBuyAll, .lot_size = Q("1"), .max_sets = Q("100")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->legs[0].fee, M("1.65"));
  EXPECT_EQ(q->legs[1].fee, M("1.55"));
  EXPECT_EQ(q->guaranteed_profit, M("1.80"));
  EXPECT_EQ(q->edge_per_set, P("0.018"));
}

TEST(BundlePricerTest, FairBooksProduceNothing) {
  const auto half = Ladder({{"0.50", kDeep}});
  const auto yes51 = Ladder({{"0.51", kDeep}});
  const auto no49 = Ladder({{"0.49", kDeep}});
  EXPECT_FALSE(QuoteOf(Legs({half, half}), {.kind = BundleKind::kBuyAll}).has_value());
  EXPECT_FALSE(QuoteOf(Legs({yes51, no49}), {.kind = BundleKind::kBuyAll}).has_value());
  EXPECT_FALSE(QuoteOf(Legs({yes51, no49}), {.kind = BundleKind::kSplitSell}).has_value());
  EXPECT_FALSE(QuoteOf(Legs({no49, half}), {.kind = BundleKind::kSplitSell}).has_value());
  // Four NO summing to exactly n - 1 = 3.
  const auto a = Ladder({{"0.70", kDeep}});
  const auto b = Ladder({{"0.75", kDeep}});
  const auto c = Ladder({{"0.80", kDeep}});
  EXPECT_FALSE(QuoteOf(Legs({a, b, c, b}), {.kind = BundleKind::kBuyAllNo}).has_value());
  // .49 + .50 = .99 clears gross but not after Kalshi fees (1.75 + 1.75 per 100).
  absl::StatusOr<LegFees> kalshi = LegFees::Kalshi(venue::kalshi::FeeModel{});
  ASSERT_TRUE(kalshi.ok());
  EXPECT_TRUE(
      QuoteOf(Legs({no49, half}), {.kind = BundleKind::kBuyAll, .max_sets = Q("100")}).has_value());
  EXPECT_FALSE(QuoteOf(Legs({no49, half}, *kalshi),
                       {.kind = BundleKind::kBuyAll, .lot_size = Q("1"), .max_sets = Q("100")})
                   .has_value());
  // Empty books.
  const std::vector<book::Level> empty;
  EXPECT_FALSE(QuoteOf(Legs({empty, half}), {.kind = BundleKind::kBuyAll}).has_value());
}

// ARBITRAGE_MATH.md §6: 2,000 @ .30, 3,000 @ .32, 5,000 @ .35 -> VWAP 0.331 for 10,000.
TEST(BundlePricerTest, VwapOverDepth) {
  const auto leg = Ladder({{"0.30", "2000"}, {"0.32", "3000"}, {"0.35", "5000"}});
  const auto other = Ladder({{"0.60", "20000"}});
  const std::optional<BundleQuote> q =
      QuoteOf(Legs({leg, other}), {.kind = BundleKind::kBuyAll, .min_edge_per_set = P("0.01")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("10000"));
  EXPECT_EQ(q->stop_reason, StopReason::kDepth);
  EXPECT_EQ(q->legs[0].vwap, P("0.331"));
  EXPECT_EQ(q->legs[0].worst_price, P("0.35"));
  EXPECT_EQ(q->legs[0].levels_consumed, 3);
  EXPECT_EQ(q->legs[0].cash_flow, M("-3310"));
  EXPECT_EQ(q->guaranteed_profit, M("690"));
  EXPECT_EQ(q->marginal_edge, P("0.05"));
}

// 400 @ .51, 200 @ .52 -> 308 / 600 = 0.513333...: a buy's VWAP rounds up to 0.513334, a sell's
// (the same levels as bids) down to 0.513333.
TEST(BundlePricerTest, VwapRoundsAgainstUs) {
  const auto asks = Ladder({{"0.51", "400"}, {"0.52", "200"}});
  const auto other_ask = Ladder({{"0.40", "1000"}});
  std::optional<BundleQuote> q = QuoteOf(Legs({asks, other_ask}), {.kind = BundleKind::kBuyAll});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("600"));
  EXPECT_EQ(q->legs[0].vwap, P("0.513334"));
  EXPECT_EQ(q->legs[0].cash_flow, M("-308"));

  const auto bids = Ladder({{"0.52", "200"}, {"0.51", "400"}});
  const auto other_bid = Ladder({{"0.55", "1000"}});
  q = QuoteOf(Legs({bids, other_bid}), {.kind = BundleKind::kSplitSell});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("600"));
  EXPECT_EQ(q->legs[0].vwap, P("0.513333"));
  EXPECT_EQ(q->legs[0].cash_flow, M("308"));
  EXPECT_EQ(q->legs[0].worst_price, P("0.51"));
  EXPECT_EQ(q->guaranteed_profit, M("38"));  // 308 + 330 - 600
}

// Hand-computed depth case. YES asks 100 @ .62, 50 @ .64; NO asks 80 @ .33, 100 @ .34.
// Joint segments: [0, 80) at .95 (edge .05), [80, 100) at .96 (.04), [100, 150) at .98 (.02),
// then YES runs out. The marginal rule stops at the first segment below min_edge.
TEST(BundlePricerTest, MarginalRuleStopsAtTheLevelThatNoLongerClears) {
  const auto yes = Ladder({{"0.62", "100"}, {"0.64", "50"}});
  const auto no = Ladder({{"0.33", "80"}, {"0.34", "100"}});
  const auto legs = Legs({yes, no});
  const auto run = [&](const char* min_edge) {
    return QuoteOf(legs, {.kind = BundleKind::kBuyAll, .min_edge_per_set = P(min_edge)});
  };

  std::optional<BundleQuote> q = run("0.045");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("80"));
  EXPECT_EQ(q->guaranteed_profit, M("4"));
  EXPECT_EQ(q->stop_reason, StopReason::kMinEdge);
  EXPECT_EQ(q->legs[1].worst_price, P("0.33"));
  EXPECT_EQ(q->legs[1].available_at_limit, Q("80"));

  q = run("0.03");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("100"));
  EXPECT_EQ(q->guaranteed_profit, M("4.8"));  // 80 * .05 + 20 * .04
  EXPECT_EQ(q->marginal_edge, P("0.04"));
  EXPECT_EQ(q->legs[1].cash_flow, M("-33.2"));
  EXPECT_EQ(q->legs[1].vwap, P("0.332"));
  EXPECT_EQ(q->legs[1].worst_price, P("0.34"));
  EXPECT_EQ(q->legs[1].available_at_limit, Q("180"));
  EXPECT_EQ(q->edge_per_set, P("0.048"));

  // Just above the third segment's .02: still 100.
  q = run("0.020001");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("100"));

  q = run("0.02");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("150"));
  EXPECT_EQ(q->guaranteed_profit, M("5.8"));  // + 50 * .02
  EXPECT_EQ(q->stop_reason, StopReason::kDepth);
  EXPECT_EQ(q->legs[0].vwap, P("0.626667"));  // 94 / 150 rounded up
  EXPECT_EQ(q->legs[1].vwap, P("0.334667"));  // 50.2 / 150 rounded up

  EXPECT_FALSE(run("0.050001").has_value());
}

// Lots: YES asks 10.005 @ .40 then .41; NO 100 @ .50; lot 0.01. The first segment is 10.00 sets
// (edge .10); the next lot straddles YES's levels (0.005 @ .40 + 0.005 @ .41: edge exactly
// .095); the next segment is at .91 (edge .09).
TEST(BundlePricerTest, LotsStraddleLevelBoundaries) {
  const auto yes = Ladder({{"0.40", "10.005"}, {"0.41", "100"}});
  const auto no = Ladder({{"0.50", "100"}});
  std::optional<BundleQuote> q =
      QuoteOf(Legs({yes, no}),
              {.kind = BundleKind::kBuyAll, .min_edge_per_set = P("0.095"), .lot_size = Q("0.01")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("10.01"));
  EXPECT_EQ(q->legs[0].cash_flow, M("-4.00405"));
  EXPECT_EQ(q->legs[0].vwap, P("0.400005"));  // 4.00405 / 10.01 = 0.40000499.. rounded up
  EXPECT_EQ(q->legs[0].worst_price, P("0.41"));
  EXPECT_EQ(q->legs[1].cash_flow, M("-5.005"));
  EXPECT_EQ(q->guaranteed_profit, M("1.00095"));
  EXPECT_EQ(q->marginal_edge, P("0.095"));

  q = QuoteOf(Legs({yes, no}),
              {.kind = BundleKind::kBuyAll, .min_edge_per_set = P("0.096"), .lot_size = Q("0.01")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("10"));

  // max_sets that is not a lot multiple is floored to one.
  q = QuoteOf(Legs({yes, no}),
              {.kind = BundleKind::kBuyAll, .lot_size = Q("0.01"), .max_sets = Q("3.005")});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("3"));
  EXPECT_EQ(q->stop_reason, StopReason::kMaxSets);
  // A lot larger than the depth quotes nothing.
  EXPECT_FALSE(
      QuoteOf(Legs({yes, no}), {.kind = BundleKind::kBuyAll, .lot_size = Q("1000")}).has_value());
}

// Polymarket minimums: min_order_size (typically 5 shares) and $1 for marketable orders.
TEST(BundlePricerTest, VenueMinimums) {
  const auto yes = Ladder({{"0.40", "3"}});
  const auto no = Ladder({{"0.50", "100"}});
  std::vector<BundleLeg> legs = Legs({yes, no});
  std::optional<BundleQuote> q = QuoteOf(legs, {.kind = BundleKind::kBuyAll});
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->size_sets, Q("3"));  // YES notional 1.2, NO 1.5
  for (BundleLeg& l : legs) l.min_order_notional = M("1");
  EXPECT_TRUE(QuoteOf(legs, {.kind = BundleKind::kBuyAll}).has_value());
  for (BundleLeg& l : legs) l.min_order_notional = M("1.3");
  EXPECT_FALSE(QuoteOf(legs, {.kind = BundleKind::kBuyAll}).has_value());
  for (BundleLeg& l : legs) {
    l.min_order_notional = Money::Zero();
    l.min_order_size = Q("5");
  }
  EXPECT_FALSE(QuoteOf(legs, {.kind = BundleKind::kBuyAll}).has_value());
}

// A Kalshi leg's cent rounding is paid per fill: with 1-contract lots on a 1-contract top level,
// the first set pays ceil(0.07 * .45 * .55) = 2 cents on that leg although its exact fee is
// 1.73 cents, and the walk accounts for it in the segment's edge.
TEST(BundlePricerTest, KalshiRoundingIsChargedPerFill) {
  const auto yes = Ladder({{"0.45", "1"}, {"0.46", "10"}});
  const auto no = Ladder({{"0.50", "100"}});
  absl::StatusOr<LegFees> kalshi = LegFees::Kalshi(venue::kalshi::FeeModel{});
  ASSERT_TRUE(kalshi.ok());
  const std::optional<BundleQuote> q =
      QuoteOf(Legs({yes, no}, *kalshi), {.kind = BundleKind::kBuyAll, .lot_size = Q("1")});
  ASSERT_TRUE(q.has_value());
  // Set 1: 1 - .95 - .02 - .02 = .01. Sets 2..11 at .46: 10 * .04 - ceil(.1739) - (fee of the
  // NO fill growing from 1 to 11 contracts: ceil(.1925) - .02 = .18) = .40 - .18 - .18 = .04.
  EXPECT_EQ(q->size_sets, Q("11"));
  EXPECT_EQ(q->legs[0].fee, M("0.20"));  // 0.02 + 0.18
  EXPECT_EQ(q->legs[1].fee, M("0.20"));  // ceil(0.07 * 11 * .25) = ceil(0.1925)
  EXPECT_EQ(q->guaranteed_profit, M("0.05"));
  // With a min edge of .005 per set the first 1-contract segment (.01) still clears.
  EXPECT_TRUE(
      QuoteOf(Legs({yes, no}, *kalshi),
              {.kind = BundleKind::kBuyAll, .min_edge_per_set = P("0.005"), .lot_size = Q("1")})
          .has_value());
}

TEST(BundlePricerTest, InvalidInputs) {
  BundlePricer pricer;
  const auto ok = Ladder({{"0.40", "10"}});
  const auto descending = Ladder({{"0.40", "10"}, {"0.39", "10"}});
  const auto zero_price = Ladder({{"0", "10"}});
  const auto zero_size = std::vector<book::Level>{{P("0.4"), Quantity::Zero()}};
  const auto code = [&](std::vector<BundleLeg> legs, BundleParams p) {
    return pricer.Quote(legs, p).status().code();
  };
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(code(Legs({ok}), {}), kInvalid);
  EXPECT_EQ(code(Legs({ok, descending}), {.kind = BundleKind::kBuyAll}), kInvalid);
  // Bids must descend: the same ladder is fine for a sell bundle.
  EXPECT_EQ(code(Legs({ok, descending}), {.kind = BundleKind::kSplitSell}), absl::StatusCode::kOk);
  EXPECT_EQ(code(Legs({ok, zero_price}), {}), kInvalid);
  EXPECT_EQ(code(Legs({ok, zero_size}), {}), kInvalid);
  EXPECT_EQ(code(Legs({ok, ok}), {.min_edge_per_set = P("-0.01")}), kInvalid);
  EXPECT_EQ(code(Legs({ok, ok}), {.lot_size = Quantity::Zero()}), kInvalid);
  EXPECT_EQ(code(Legs({ok, ok}), {.max_sets = Q("-1")}), kInvalid);
  // Fee errors propagate.
  const LegFees bad = LegFees::Polymarket({.rate_micros = 2'000'000, .exponent = 1});
  EXPECT_EQ(code(Legs({ok, ok}, bad), {}), kInvalid);
}

}  // namespace
}  // namespace arbor::quant
