#include "arbor/quant/leg_fees.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quant_test_util.h"

namespace arbor::quant {
namespace {

using ::arbor::quant::testing::M;
using ::arbor::quant::testing::P;
using ::arbor::quant::testing::Q;
using venue::kalshi::FeeModel;
using venue::kalshi::FeeRounding;
using venue::polymarket::FeeSchedule;

Money FeeOf(const LegFees& fees, const char* qty, const char* price) {
  absl::StatusOr<Money> fee = fees.Fee(Q(qty), P(price));
  EXPECT_TRUE(fee.ok()) << fee.status();
  return fee.ok() ? *fee : Money::FromMicros(-1);
}

TEST(LegFeesTest, NoneIsZero) {
  EXPECT_EQ(FeeOf(LegFees::None(), "100", "0.5"), Money::Zero());
  EXPECT_EQ(LegFees().venue(), FeeVenue::kNone);
}

// REFERENCE_CASES.md §4: linear r = 0.04 per share at .62 and .33 (case 1).
TEST(LegFeesTest, PolymarketLinearRate) {
  const LegFees fees = LegFees::Polymarket({.rate_micros = 40000, .exponent = 1});
  EXPECT_EQ(FeeOf(fees, "1", "0.62"), M("0.009424"));
  EXPECT_EQ(FeeOf(fees, "1", "0.33"), M("0.008844"));
  // Sports 0.03: 100 @ .50 -> 0.75.
  EXPECT_EQ(FeeOf(LegFees::Polymarket({.rate_micros = 30000, .exponent = 1}), "100", "0.50"),
            M("0.75"));
}

// Jan-2026 15-minute crypto schedule C * 0.25 * (p(1-p))^2: 0.2025 / 1.5625 exactly; at .99 the
// exact fee 0.00245025 rounds UP to 0.002451 (public reports quote NautilusTrader's 5-decimal
// floor, 0.00245).
TEST(LegFeesTest, PolymarketCryptoCurveRoundsUp) {
  const LegFees fees = LegFees::Polymarket({.rate_micros = 250000, .exponent = 2});
  EXPECT_EQ(FeeOf(fees, "100", "0.10"), M("0.2025"));
  EXPECT_EQ(FeeOf(fees, "100", "0.50"), M("1.5625"));
  EXPECT_EQ(FeeOf(fees, "100", "0.99"), M("0.002451"));
  // Case 1 legs, one share: 0.01387684 and 0.0122213025 -> 0.013877 and 0.012222.
  EXPECT_EQ(FeeOf(fees, "1", "0.62"), M("0.013877"));
  EXPECT_EQ(FeeOf(fees, "1", "0.33"), M("0.012222"));
}

TEST(LegFeesTest, PolymarketMakerPaysNothingOnTakerOnlySchedules) {
  const FeeSchedule s{.rate_micros = 40000, .exponent = 1, .taker_only = true};
  EXPECT_EQ(FeeOf(LegFees::Polymarket(s, LiquidityRole::kMaker), "100", "0.5"), Money::Zero());
  FeeSchedule both = s;
  both.taker_only = false;
  EXPECT_EQ(FeeOf(LegFees::Polymarket(both, LiquidityRole::kMaker), "100", "0.5"), M("1"));
  // An invalid schedule is reported even where the maker would pay nothing.
  const LegFees bad =
      LegFees::Polymarket({.rate_micros = 2'000'000, .exponent = 1}, LiquidityRole::kMaker);
  EXPECT_EQ(bad.Fee(Q("1"), P("0.5")).status().code(), absl::StatusCode::kInvalidArgument);
}

// REFERENCE_CASES.md market-mechanics table: Kalshi taker 100 @ .50 -> 1.75, 10 @ .50 -> 0.18;
// maker 100 @ .50 -> 0.44.
TEST(LegFeesTest, KalshiTable) {
  absl::StatusOr<LegFees> taker = LegFees::Kalshi(FeeModel{});
  ASSERT_TRUE(taker.ok()) << taker.status();
  EXPECT_EQ(taker->venue(), FeeVenue::kKalshi);
  EXPECT_EQ(FeeOf(*taker, "100", "0.50"), M("1.75"));
  EXPECT_EQ(FeeOf(*taker, "10", "0.50"), M("0.18"));
  // One contract at the peak: 1.75 cents rounds up to 2 (or 0.0175 at $0.0001 rounding).
  EXPECT_EQ(FeeOf(*taker, "1", "0.50"), M("0.02"));
  absl::StatusOr<LegFees> centi =
      LegFees::Kalshi(FeeModel{}, LiquidityRole::kTaker, FeeRounding::kCentiCent);
  ASSERT_TRUE(centi.ok());
  EXPECT_EQ(FeeOf(*centi, "1", "0.50"), M("0.0175"));

  absl::StatusOr<LegFees> maker =
      LegFees::Kalshi(FeeModel{.fee_type = "quadratic_with_maker_fees"}, LiquidityRole::kMaker);
  ASSERT_TRUE(maker.ok());
  EXPECT_EQ(FeeOf(*maker, "100", "0.50"), M("0.44"));
  // Plain "quadratic" series charge makers nothing.
  absl::StatusOr<LegFees> plain_maker = LegFees::Kalshi(FeeModel{}, LiquidityRole::kMaker);
  ASSERT_TRUE(plain_maker.ok());
  EXPECT_EQ(FeeOf(*plain_maker, "100", "0.50"), Money::Zero());
  // The multiplier scales the formula: 2 * 1.75.
  absl::StatusOr<LegFees> doubled =
      LegFees::Kalshi(FeeModel{.multiplier = venue::kalshi::Multiplier::FromUnits(2)});
  ASSERT_TRUE(doubled.ok());
  EXPECT_EQ(FeeOf(*doubled, "100", "0.50"), M("3.5"));
}

TEST(LegFeesTest, Errors) {
  EXPECT_EQ(LegFees::Kalshi(FeeModel{.fee_type = "flat"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LegFees::Kalshi(FeeModel{.multiplier = venue::kalshi::Multiplier::FromUnits(-1)})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  const LegFees fees = LegFees::Polymarket({.rate_micros = 40000, .exponent = 1});
  EXPECT_EQ(fees.Fee(Q("-1"), P("0.5")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fees.Fee(Q("1"), P("1.01")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LegFees::None().Fee(Q("1"), P("-0.1")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace arbor::quant
