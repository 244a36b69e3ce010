// File: arbor/core/fixed_point.h
//
// Exact fixed-point money types. Every price, quantity and amount that can reach an order, a
// book or the ledger is an int64 count of micro-units (1e-6):
//
//   Price     USD per share (or per contract), 1e-6 USD. 0.56 -> 560000.
//   Quantity  shares / contracts, 1e-6 of one. Signed so that venue deltas fit; books and
//             orders validate that sizes are non-negative.
//   Money     USD (pUSD on Polymarket), 1e-6 USD.
//
// Decimal strings are parsed and formatted exactly; no value ever round-trips through double.
// Products (Price x Quantity) are computed in 128-bit and rounded with an explicit mode, so the
// caller decides which way a cent falls (costs up, proceeds down).
//
//   ARBOR_ASSIGN_OR_RETURN(Price p, Price::Parse("0.56"));
//   Money cost = Notional(p, Quantity::FromUnits(21), Rounding::kUp);   // 11.76
//
// All types are trivially copyable and thread-compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace arbor {

// Number of decimal places every fixed-point type carries.
inline constexpr int kFixedDecimals = 6;
// Raw units per whole unit (1 USD, 1 share).
inline constexpr int64_t kFixedScale = 1'000'000;

// How a result that is not a whole number of micro-units is made one.
enum class Rounding {
  kDown,        // toward negative infinity (floor)
  kUp,          // toward positive infinity (ceil)
  kTowardZero,  // truncate
  kHalfUp,      // nearest; ties away from zero
  kExact,       // the caller asserts exactness; inexact results are an error where checked
};

namespace internal {

// Parses a decimal string into an integer scaled by 10^decimals. Accepts an optional sign,
// digits with an optional '.', and an optional exponent ("1e-3"). Fails (InvalidArgument) on
// empty input, stray characters, NaN/Infinity, more significant fractional digits than
// `decimals` (the value would not be exact), and values outside int64.
[[nodiscard]] absl::StatusOr<int64_t> ParseScaledDecimal(std::string_view text, int decimals);

// Shortest exact decimal text for raw / 10^decimals: "0.5", "-12", "0.000001".
std::string FormatScaledDecimal(int64_t raw, int decimals);

// Exactly `places` fractional digits (places <= decimals), truncating extra digits toward zero:
// FormatScaledDecimalFixed(500000, 6, 4) == "0.5000".
std::string FormatScaledDecimalFixed(int64_t raw, int decimals, int places);

// a * b / divisor with the given rounding, in 128-bit. Saturates to int64 limits on overflow
// (callers validate ranges before multiplying).
int64_t MulDivRound(int64_t a, int64_t b, int64_t divisor, Rounding rounding);

}  // namespace internal

// An int64 count of micro-units tagged with what it measures. Arithmetic is defined only between
// values of the same type; cross-type products go through the named functions below.
template <typename Tag>
class FixedPoint {
 public:
  constexpr FixedPoint() = default;

  // From a raw micro-unit count.
  static constexpr FixedPoint FromMicros(int64_t micros) { return FixedPoint(micros); }
  // From a whole number of units (shares, dollars). Caller keeps |units| < 9.2e12.
  static constexpr FixedPoint FromUnits(int64_t units) { return FixedPoint(units * kFixedScale); }
  static constexpr FixedPoint Zero() { return FixedPoint(0); }
  static constexpr FixedPoint Max() { return FixedPoint(std::numeric_limits<int64_t>::max()); }

  // Exact parse of a decimal string ("0.56", "-54.00", "1e-3"); see internal::ParseScaledDecimal.
  [[nodiscard]] static absl::StatusOr<FixedPoint> Parse(std::string_view text) {
    absl::StatusOr<int64_t> raw = internal::ParseScaledDecimal(text, kFixedDecimals);
    if (!raw.ok()) return raw.status();
    return FixedPoint(*raw);
  }

  constexpr int64_t micros() const { return micros_; }
  constexpr bool IsZero() const { return micros_ == 0; }
  constexpr bool IsNegative() const { return micros_ < 0; }
  constexpr bool IsPositive() const { return micros_ > 0; }

  // Shortest exact decimal text ("0.56", "500", "-54").
  std::string ToString() const { return internal::FormatScaledDecimal(micros_, kFixedDecimals); }
  // Exactly `places` fractional digits (truncating), e.g. Kalshi's "0.5600".
  std::string ToFixedString(int places) const {
    return internal::FormatScaledDecimalFixed(micros_, kFixedDecimals, places);
  }

  constexpr FixedPoint operator-() const { return FixedPoint(-micros_); }
  constexpr FixedPoint& operator+=(FixedPoint o) {
    micros_ += o.micros_;
    return *this;
  }
  constexpr FixedPoint& operator-=(FixedPoint o) {
    micros_ -= o.micros_;
    return *this;
  }
  friend constexpr FixedPoint operator+(FixedPoint a, FixedPoint b) { return a += b; }
  friend constexpr FixedPoint operator-(FixedPoint a, FixedPoint b) { return a -= b; }
  friend constexpr FixedPoint operator*(FixedPoint a, int64_t k) {
    return FixedPoint(a.micros_ * k);
  }
  friend constexpr FixedPoint operator*(int64_t k, FixedPoint a) {
    return FixedPoint(a.micros_ * k);
  }
  friend constexpr bool operator==(FixedPoint, FixedPoint) = default;
  friend constexpr auto operator<=>(FixedPoint, FixedPoint) = default;

  friend std::ostream& operator<<(std::ostream& os, FixedPoint v) { return os << v.ToString(); }
  template <typename H>
  friend H AbslHashValue(H h, FixedPoint v) {
    return H::combine(std::move(h), v.micros_);
  }

 private:
  constexpr explicit FixedPoint(int64_t micros) : micros_(micros) {}
  int64_t micros_ = 0;
};

using Price = FixedPoint<struct PriceTag>;
using Quantity = FixedPoint<struct QuantityTag>;
using Money = FixedPoint<struct MoneyTag>;

// 1.00 USD per share: what one complete set of a binary market pays at resolution.
inline constexpr Price kPriceOne = Price::FromMicros(kFixedScale);

// The price of the complementary outcome: a NO bid at p is a YES ask at 1 - p.
constexpr Price Complement(Price p) { return kPriceOne - p; }

// price * quantity in USD, rounded to a micro-dollar with `rounding`.
inline Money Notional(Price price, Quantity quantity, Rounding rounding) {
  return Money::FromMicros(
      internal::MulDivRound(price.micros(), quantity.micros(), kFixedScale, rounding));
}

// The quantity that `money` buys at `price` (money / price), rounded with `rounding`.
// Precondition: price > 0.
inline Quantity QuantityForNotional(Money money, Price price, Rounding rounding) {
  return Quantity::FromMicros(
      internal::MulDivRound(money.micros(), kFixedScale, price.micros(), rounding));
}

// money / quantity as a per-share price, rounded with `rounding`. Precondition: quantity > 0.
inline Price AveragePrice(Money money, Quantity quantity, Rounding rounding) {
  return Price::FromMicros(
      internal::MulDivRound(money.micros(), kFixedScale, quantity.micros(), rounding));
}

}  // namespace arbor
