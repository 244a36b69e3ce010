#include "arbor/core/fixed_point.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor {
namespace {

using ::testing::HasSubstr;

struct ParseCase {
  const char* text;
  int64_t micros;
};

constexpr ParseCase kValidParses[] = {
    {"0", 0},
    {"0.56", 560'000},
    {"0.5600", 560'000},
    {"0.0025", 2'500},
    {"0.005", 5'000},
    {"0.000001", 1},
    {"1", 1'000'000},
    {"1.", 1'000'000},
    {".5", 500'000},
    {"+0.5", 500'000},
    {"-54.00", -54'000'000},
    {"21574.08", 21'574'080'000},
    {"10500100", 10'500'100'000'000},
    {"0.50000000000", 500'000},  // trailing zeros beyond 6 dp are exact
    {"000123.4", 123'400'000},
    {"1e-3", 1'000},
    {"2.5E2", 250'000'000},
    {"5e-06", 5},
    {"-0", 0},
    {"9223372036854.775807", std::numeric_limits<int64_t>::max()},
    {"-9223372036854.775807", -std::numeric_limits<int64_t>::max()},
};

TEST(FixedPointTest, ParsesValidDecimalsExactly) {
  for (const ParseCase& c : kValidParses) {
    absl::StatusOr<Price> p = Price::Parse(c.text);
    ASSERT_TRUE(p.ok()) << c.text << ": " << p.status();
    EXPECT_EQ(p->micros(), c.micros) << c.text;
  }
}

struct BadCase {
  const char* text;
  const char* reason;
};

constexpr BadCase kInvalidParses[] = {
    {"", "empty"},
    {"-", "no digits"},
    {".", "no digits"},
    {"abc", "unexpected character"},
    {"NaN", "unexpected character"},
    {"nan", "unexpected character"},
    {"Infinity", "unexpected character"},
    {"inf", "unexpected character"},
    {"0.0000001", "more than 6 decimal places"},
    {"0.1234567", "more than 6 decimal places"},
    {"1e-7", "more than 6 decimal places"},
    {"1.2.3", "more than one decimal point"},
    {" 1", "unexpected character"},
    {"1 ", "unexpected character"},
    {"0x10", "unexpected character"},
    {"1e", "empty exponent"},
    {"1e+", "empty exponent"},
    {"9223372036854.775808", "out of range"},
    {"1e30", "out of range"},
    {"99999999999999999999999", "out of range"},
    {"1e99999", "exponent out of range"},
};

TEST(FixedPointTest, RejectsMalformedOrInexactInputWithReason) {
  for (const BadCase& c : kInvalidParses) {
    absl::StatusOr<Quantity> q = Quantity::Parse(c.text);
    ASSERT_FALSE(q.ok()) << "accepted \"" << c.text << "\" as " << q->micros();
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(q.status().message()), HasSubstr(c.reason)) << c.text;
  }
}

TEST(FixedPointTest, FormatsShortestExactDecimal) {
  EXPECT_EQ(Price::FromMicros(560'000).ToString(), "0.56");
  EXPECT_EQ(Price::FromMicros(0).ToString(), "0");
  EXPECT_EQ(Price::FromMicros(1).ToString(), "0.000001");
  EXPECT_EQ(Quantity::FromMicros(-54'000'000).ToString(), "-54");
  EXPECT_EQ(Quantity::FromMicros(21'574'080'000).ToString(), "21574.08");
  EXPECT_EQ(Money::FromMicros(std::numeric_limits<int64_t>::min()).ToString(),
            "-9223372036854.775808");
}

TEST(FixedPointTest, FormatsFixedPlaces) {
  EXPECT_EQ(Price::FromMicros(560'000).ToFixedString(4), "0.5600");
  EXPECT_EQ(Quantity::FromMicros(300'000'000).ToFixedString(2), "300.00");
  EXPECT_EQ(Price::FromMicros(123'456).ToFixedString(3), "0.123");  // truncates
  EXPECT_EQ(Money::FromMicros(-1).ToFixedString(2), "0.00");
  EXPECT_EQ(Money::FromMicros(-1'500'000).ToFixedString(0), "-1");
}

TEST(FixedPointTest, ParseFormatRoundTrip) {
  for (int64_t m : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{999'999}, int64_t{1'000'001},
                    int64_t{123'456'789'012}, std::numeric_limits<int64_t>::max()}) {
    const Money v = Money::FromMicros(m);
    absl::StatusOr<Money> back = Money::Parse(v.ToString());
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, v);
  }
}

TEST(FixedPointTest, ArithmeticAndComparison) {
  const Price a = Price::FromMicros(400'000);
  const Price b = Price::FromMicros(550'000);
  EXPECT_EQ((a + b).micros(), 950'000);
  EXPECT_EQ((b - a).micros(), 150'000);
  EXPECT_EQ((-a).micros(), -400'000);
  EXPECT_EQ((a * 3).micros(), 1'200'000);
  EXPECT_LT(a, b);
  EXPECT_TRUE(Price::Zero().IsZero());
  EXPECT_TRUE((a - b).IsNegative());
  EXPECT_EQ(Complement(Price::FromMicros(540'000)), Price::FromMicros(460'000));
}

TEST(FixedPointTest, NotionalRoundsAsRequested) {
  // 1.5 shares at 0.333333 = 0.4999995 USD exactly: not a whole micro-dollar.
  const Price p = Price::FromMicros(333'333);
  const Quantity q = Quantity::FromMicros(1'500'000);
  EXPECT_EQ(Notional(p, q, Rounding::kDown).micros(), 499'999);
  EXPECT_EQ(Notional(p, q, Rounding::kUp).micros(), 500'000);
  EXPECT_EQ(Notional(p, q, Rounding::kTowardZero).micros(), 499'999);
  EXPECT_EQ(Notional(p, q, Rounding::kHalfUp).micros(), 500'000);
  // Negative quantities round toward the requested infinity.
  EXPECT_EQ(Notional(p, -q, Rounding::kDown).micros(), -500'000);
  EXPECT_EQ(Notional(p, -q, Rounding::kUp).micros(), -499'999);
  EXPECT_EQ(Notional(p, -q, Rounding::kHalfUp).micros(), -500'000);
  // Exact products are unaffected by the mode: 21.04 shares at 0.56 = 11.7824.
  EXPECT_EQ(Notional(Price::FromMicros(560'000), Quantity::FromMicros(21'040'000), Rounding::kUp)
                .micros(),
            11'782'400);
}

TEST(FixedPointTest, QuantityForNotionalAndAveragePrice) {
  // $1 at 0.0056 buys 178.571428... shares.
  EXPECT_EQ(
      QuantityForNotional(Money::FromUnits(1), Price::FromMicros(5'600), Rounding::kDown).micros(),
      178'571'428);
  EXPECT_EQ(
      QuantityForNotional(Money::FromUnits(1), Price::FromMicros(5'600), Rounding::kUp).micros(),
      178'571'429);
  EXPECT_EQ(AveragePrice(Money::FromUnits(1), Quantity::FromUnits(3), Rounding::kUp).micros(),
            333'334);
  EXPECT_EQ(AveragePrice(Money::FromUnits(1), Quantity::FromUnits(3), Rounding::kDown).micros(),
            333'333);
}

TEST(FixedPointTest, MulDivSaturatesInsteadOfWrapping) {
  EXPECT_EQ(internal::MulDivRound(std::numeric_limits<int64_t>::max(), 10, 1, Rounding::kDown),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(internal::MulDivRound(std::numeric_limits<int64_t>::min(), 10, 1, Rounding::kDown),
            std::numeric_limits<int64_t>::min());
}

}  // namespace
}  // namespace arbor
