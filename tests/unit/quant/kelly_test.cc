#include "arbor/quant/kelly.h"

#include <cmath>
#include <limits>
#include <optional>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "quant_test_util.h"

namespace arbor::quant {
namespace {

using ::arbor::quant::testing::M;
using ::arbor::quant::testing::P;
using ::arbor::quant::testing::Q;

double Full(double p, double w, double l) {
  absl::StatusOr<double> f = FullKellyFraction({.fill_probability = p, .gain = w, .loss = l});
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *f : std::nan("");
}

// REFERENCE_CASES.md: W = 0.05, L = 0.10, p = 0.90 -> 9 - 2 = 7.0; with L = 1 it is the classic
// (bp - q)/b = -1.1 (no bet). The blog's (bp - q)/b * sqrt(p) would say -1.0436 here; it is not
// implemented anywhere.
TEST(KellyTest, ReferenceNumbers) {
  EXPECT_NEAR(Full(0.90, 0.05, 0.10), 7.0, 1e-12);
  EXPECT_NEAR(Full(0.90, 0.05, 1.0), -1.1, 1e-12);
  // Certain fill: f* = 1/L.
  EXPECT_NEAR(Full(1.0, 0.05, 0.10), 10.0, 1e-12);
  // Nothing to lose on a failed leg: unbounded (depth and budget decide).
  EXPECT_EQ(Full(0.5, 0.05, 0.0), std::numeric_limits<double>::infinity());
  EXPECT_LT(Full(0.0, 0.05, 0.0), 0);
}

TEST(KellyTest, InvalidInputs) {
  for (const KellyInputs& in :
       {KellyInputs{-0.1, 0.05, 0.1}, KellyInputs{1.1, 0.05, 0.1}, KellyInputs{0.9, 0.0, 0.1},
        KellyInputs{0.9, 0.05, -0.1}, KellyInputs{std::nan(""), 0.05, 0.1},
        KellyInputs{0.9, std::numeric_limits<double>::infinity(), 0.1}}) {
    EXPECT_EQ(FullKellyFraction(in).status().code(), absl::StatusCode::kInvalidArgument);
  }
  const KellyInputs ok{0.9, 0.05, 0.1};
  const auto code = [&](KellyLimits limits, const char* available, const char* capital,
                        const char* lot) {
    return SizeWithKelly(ok, limits, Q(available), P(capital), Q(lot)).status().code();
  };
  constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(code({.multiplier = 0}, "1", "0.95", "1"), kInvalid);
  EXPECT_EQ(code({.multiplier = 1.5}, "1", "0.95", "1"), kInvalid);
  EXPECT_EQ(code({.depth_share = 1.5}, "1", "0.95", "1"), kInvalid);
  EXPECT_EQ(code({.bankroll = M("-1")}, "1", "0.95", "1"), kInvalid);
  EXPECT_EQ(code({}, "-1", "0.95", "1"), kInvalid);
  EXPECT_EQ(code({}, "1", "0", "1"), kInvalid);
  EXPECT_EQ(code({}, "1", "0.95", "0"), kInvalid);
}

// f* = 7, quarter Kelly -> 1.75 x bankroll 1,000 = 1,750 USD; at 0.95 per set that is
// 1,842.105... sets -> 1,842 whole sets.
TEST(KellyTest, SizesByTheBindingCap) {
  const KellyInputs in{.fill_probability = 0.9, .gain = 0.05, .loss = 0.1};
  absl::StatusOr<KellySize> s =
      SizeWithKelly(in, {.multiplier = 0.25, .bankroll = M("1000")}, Q("5000"), P("0.95"), Q("1"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_NEAR(s->full_fraction, 7.0, 1e-12);
  EXPECT_EQ(s->binding, KellyBinding::kKelly);
  EXPECT_EQ(s->sets, Q("1842"));
  EXPECT_EQ(s->stake, M("1749.9"));

  // Half of 2,000 available sets.
  s = SizeWithKelly(in, {.multiplier = 0.25, .bankroll = M("1000"), .depth_share = 0.5}, Q("2000"),
                    P("0.95"), Q("1"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->binding, KellyBinding::kDepth);
  EXPECT_EQ(s->sets, Q("1000"));

  // Budget 500 USD -> 526.3 sets -> 526.
  s = SizeWithKelly(in, {.multiplier = 0.25, .bankroll = M("1000"), .budget = M("500")}, Q("5000"),
                    P("0.95"), Q("1"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->binding, KellyBinding::kBudget);
  EXPECT_EQ(s->sets, Q("526"));
  EXPECT_EQ(s->stake, M("499.7"));

  // Unbounded Kelly (L = 0) is capped by depth.
  s = SizeWithKelly({.fill_probability = 0.5, .gain = 0.05, .loss = 0}, {.bankroll = M("10")},
                    Q("123.45"), P("0.95"), Q("0.01"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->binding, KellyBinding::kDepth);
  EXPECT_EQ(s->sets, Q("123.45"));
}

TEST(KellyTest, NoBet) {
  // L = 1 reduces to the classic formula: -1.1 -> no bet.
  absl::StatusOr<KellySize> s =
      SizeWithKelly({.fill_probability = 0.9, .gain = 0.05, .loss = 1.0}, {.bankroll = M("1000")},
                    Q("5000"), P("0.95"), Q("1"));
  ASSERT_TRUE(s.ok());
  EXPECT_NEAR(s->full_fraction, -1.1, 1e-12);
  EXPECT_EQ(s->binding, KellyBinding::kNoBet);
  EXPECT_EQ(s->sets, Quantity::Zero());
  EXPECT_EQ(s->stake, Money::Zero());
  // A positive fraction whose stake is below one lot is no bet either.
  s = SizeWithKelly({.fill_probability = 0.9, .gain = 0.05, .loss = 0.1}, {.bankroll = M("0.5")},
                    Q("5000"), P("0.95"), Q("1"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->binding, KellyBinding::kNoBet);
  EXPECT_EQ(s->sets, Quantity::Zero());
}

// Case 1 (.62 + .33, 100 sets, r = 0.04 linear fees): capital 95 + 1.8268, W = 3.1732 / 96.8268.
// Case 2b as split-and-sell: capital is the 100 USD split (proceeds come later), W = 0.02.
TEST(KellyTest, CapitalOfQuotes) {
  using ::arbor::quant::testing::Ladder;
  const auto yes = Ladder({{"0.62", "1000"}});
  const auto no = Ladder({{"0.33", "1000"}});
  const LegFees fees = LegFees::Polymarket({.rate_micros = 40000, .exponent = 1});
  const BundleLeg legs[] = {{.levels = yes, .fees = fees}, {.levels = no, .fees = fees}};
  BundlePricer pricer;
  absl::StatusOr<std::optional<BundleQuote>> q =
      pricer.Quote(legs, {.kind = BundleKind::kBuyAll, .max_sets = Q("100")});
  ASSERT_TRUE(q.ok() && q->has_value());
  BundleCapital cap = CapitalOf(**q);
  EXPECT_EQ(cap.capital, M("96.8268"));
  EXPECT_EQ(cap.capital_per_set, P("0.968268"));
  EXPECT_NEAR(cap.gain, 3.1732 / 96.8268, 1e-12);

  const auto a = Ladder({{"0.32", "1000"}});
  const auto b = Ladder({{"0.27", "1000"}});
  const auto c = Ladder({{"0.22", "1000"}});
  const auto d = Ladder({{"0.21", "1000"}});
  const BundleLeg sell[] = {{.levels = a}, {.levels = b}, {.levels = c}, {.levels = d}};
  q = pricer.Quote(sell, {.kind = BundleKind::kSplitSell, .max_sets = Q("100")});
  ASSERT_TRUE(q.ok() && q->has_value());
  cap = CapitalOf(**q);
  EXPECT_EQ(cap.capital, M("100"));
  EXPECT_EQ(cap.capital_per_set, P("1"));
  EXPECT_NEAR(cap.gain, 0.02, 1e-12);
}

}  // namespace
}  // namespace arbor::quant
