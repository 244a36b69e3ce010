#include "arbor/venue/kalshi/fees.h"

#include <string_view>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::venue::kalshi {
namespace {

using ::testing::HasSubstr;

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(std::string_view s) { return *Quantity::Parse(s); }
Money M(std::string_view s) { return *Money::Parse(s); }
Multiplier X(std::string_view s) { return *Multiplier::Parse(s); }

struct FeeCase {
  FeeRole role;
  const char* price;
  const char* count;
  const char* multiplier;
  FeeRounding rounding;
  const char* fee;  // hand-computed
};

// Hand computations (exact): fee = rate * M * C * P * (1 - P), then rounded up.
constexpr FeeCase kCases[] = {
    // 0.07 * 1 * 0.5 * 0.5 = 0.0175 -> 2 cents (the documented peak).
    {FeeRole::kTaker, "0.50", "1", "1", FeeRounding::kCent, "0.02"},
    {FeeRole::kTaker, "0.50", "1", "1", FeeRounding::kCentiCent, "0.0175"},
    // 0.07 * 100 * 0.25 = 1.75 exactly: no rounding.
    {FeeRole::kTaker, "0.50", "100", "1", FeeRounding::kCent, "1.75"},
    // 0.07 * 10 * 0.3 * 0.7 = 0.147 -> 0.15.
    {FeeRole::kTaker, "0.30", "10", "1", FeeRounding::kCent, "0.15"},
    // 0.07 * 1 * 0.01 * 0.99 = 0.000693 -> 0.01 / 0.0007.
    {FeeRole::kTaker, "0.01", "1", "1", FeeRounding::kCent, "0.01"},
    {FeeRole::kTaker, "0.01", "1", "1", FeeRounding::kCentiCent, "0.0007"},
    // 0.07 * 278 * 0.75 * 0.25 = 3.64875 -> 3.65.
    {FeeRole::kTaker, "0.75", "278", "1", FeeRounding::kCent, "3.65"},
    // 0.07 * 136 * 0.36 * 0.64 = 2.193408 -> 2.20 / 2.1935.
    {FeeRole::kTaker, "0.36", "136", "1", FeeRounding::kCent, "2.20"},
    {FeeRole::kTaker, "0.36", "136", "1", FeeRounding::kCentiCent, "2.1935"},
    // Sub-penny price and fractional count: 0.07 * 2.5 * 0.005 * 0.995 = 0.000870625.
    {FeeRole::kTaker, "0.005", "2.5", "1", FeeRounding::kCentiCent, "0.0009"},
    // Multiplier 0.5: 0.035 * 100 * 0.25 = 0.875 -> 0.88.
    {FeeRole::kTaker, "0.50", "100", "0.5", FeeRounding::kCent, "0.88"},
    // Multiplier 0 and the edges P = 0, P = 1 and C = 0: no fee.
    {FeeRole::kTaker, "0.50", "100", "0", FeeRounding::kCent, "0"},
    {FeeRole::kTaker, "0", "100", "1", FeeRounding::kCent, "0"},
    {FeeRole::kTaker, "1", "100", "1", FeeRounding::kCent, "0"},
    {FeeRole::kTaker, "0.5", "0", "1", FeeRounding::kCent, "0"},
    // Maker: 0.0175 * 100 * 0.25 = 0.4375 -> 0.44 / 0.4375.
    {FeeRole::kMaker, "0.50", "100", "1", FeeRounding::kCent, "0.44"},
    {FeeRole::kMaker, "0.50", "100", "1", FeeRounding::kCentiCent, "0.4375"},
    // 0.0175 * 1 * 0.25 = 0.004375 -> 0.01 / 0.0044.
    {FeeRole::kMaker, "0.50", "1", "1", FeeRounding::kCent, "0.01"},
    {FeeRole::kMaker, "0.50", "1", "1", FeeRounding::kCentiCent, "0.0044"},
    // 0.0175 * 40 * 0.2 * 0.8 = 0.112 -> 0.12.
    {FeeRole::kMaker, "0.20", "40", "1", FeeRounding::kCent, "0.12"},
    {FeeRole::kMaker, "0.50", "100", "0", FeeRounding::kCent, "0"},
};

TEST(FeesTest, QuadraticHandComputedCases) {
  for (const FeeCase& c : kCases) {
    absl::StatusOr<Money> fee =
        QuadraticFee(c.role, P(c.price), Q(c.count), X(c.multiplier), c.rounding);
    ASSERT_TRUE(fee.ok()) << fee.status();
    EXPECT_EQ(*fee, M(c.fee)) << "P=" << c.price << " C=" << c.count << " M=" << c.multiplier
                              << " maker=" << (c.role == FeeRole::kMaker);
  }
}

TEST(FeesTest, CentRoundingMatchesCentiCentForWholeContractsAtCentPrices) {
  // KALSHI.md §6: for one whole-contract fill at a cent price both roundings give the same cent
  // total once the cent-precision rounding fee is applied (ceil of the 0.0001 fee to a cent).
  for (int cents = 1; cents <= 99; ++cents) {
    const Price p = Price::FromMicros(cents * 10'000);
    const Money classic = *QuadraticFee(FeeRole::kTaker, p, Q("1"), X("1"), FeeRounding::kCent);
    const Money fine = *QuadraticFee(FeeRole::kTaker, p, Q("1"), X("1"), FeeRounding::kCentiCent);
    const int64_t fine_to_cent = (fine.micros() + 9'999) / 10'000 * 10'000;
    EXPECT_EQ(classic.micros(), fine_to_cent) << cents;
  }
}

TEST(FeesTest, FeeTypes) {
  const FeeModel quadratic{"quadratic", X("1")};
  const FeeModel with_maker{"quadratic_with_maker_fees", X("1")};
  EXPECT_EQ(*TradeFee(quadratic, FeeRole::kTaker, P("0.5"), Q("100"), FeeRounding::kCent),
            M("1.75"));
  EXPECT_EQ(*TradeFee(quadratic, FeeRole::kMaker, P("0.5"), Q("100"), FeeRounding::kCent), M("0"));
  EXPECT_EQ(*TradeFee(with_maker, FeeRole::kMaker, P("0.5"), Q("100"), FeeRounding::kCent),
            M("0.44"));
  const FeeModel flat{"flat", X("1")};
  absl::StatusOr<Money> unknown =
      TradeFee(flat, FeeRole::kTaker, P("0.5"), Q("1"), FeeRounding::kCent);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("unsupported fee_type \"flat\""));
}

TEST(FeesTest, InvalidInputs) {
  EXPECT_THAT(
      std::string(QuadraticFee(FeeRole::kTaker, P("1.5"), Q("1"), X("1"), FeeRounding::kCent)
                      .status()
                      .message()),
      HasSubstr("outside [0, 1]"));
  EXPECT_THAT(
      std::string(QuadraticFee(FeeRole::kTaker, P("0.5"), Q("-1"), X("1"), FeeRounding::kCent)
                      .status()
                      .message()),
      HasSubstr("negative count"));
  EXPECT_EQ(
      QuadraticFee(FeeRole::kTaker, P("0.5"), Q("1"), X("-1"), FeeRounding::kCent).status().code(),
      absl::StatusCode::kInvalidArgument);
  // An absurd multiplier with a huge count overflows int128 and is reported, not wrapped.
  EXPECT_EQ(QuadraticFee(FeeRole::kTaker, P("0.5"), Quantity::Max(), Multiplier::Max(),
                         FeeRounding::kCent)
                .status()
                .code(),
            absl::StatusCode::kOutOfRange);
  // Large but representable: 1e9 contracts at 0.5 -> 17,500,000 dollars.
  EXPECT_EQ(*QuadraticFee(FeeRole::kTaker, P("0.5"), Q("1000000000"), X("1"), FeeRounding::kCent),
            M("17500000"));
}

}  // namespace
}  // namespace arbor::venue::kalshi
