#include "arbor/venue/kalshi/fees.h"

#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::venue::kalshi {
namespace {

__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

// Rates as integers over kRateDen: 0.07 = 700/10000, 0.0175 = 175/10000.
constexpr int64_t kRateDen = 10'000;
constexpr int64_t kTakerRateNum = 700;
constexpr int64_t kMakerRateNum = 175;

constexpr int128 kInt128Max = static_cast<int128>(~uint128{0} >> 1);

// a * b for non-negative operands; false on overflow. (Not __builtin_mul_overflow: on int128
// clang emits a call to __muloti4, which libgcc does not provide.)
bool MulNonNegative(int128 a, int128 b, int128* out) {
  if (a != 0 && b > kInt128Max / a) return false;
  *out = a * b;
  return true;
}

constexpr int128 Pow10(int n) {
  int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

}  // namespace

absl::StatusOr<Money> QuadraticFee(FeeRole role, Price price, Quantity count, Multiplier multiplier,
                                   FeeRounding rounding) {
  if (price.IsNegative() || price > kPriceOne) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi fee: price ", price.ToString(), " outside [0, 1]"));
  }
  if (count.IsNegative()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi fee: negative count ", count.ToString()));
  }
  if (multiplier.IsNegative()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kalshi fee: negative multiplier ", multiplier.ToString()));
  }
  const int64_t rate_num = role == FeeRole::kTaker ? kTakerRateNum : kMakerRateNum;
  // Every factor is in micro-units: fee = rate_num/kRateDen * C/1e6 * P/1e6 * (1-P)/1e6 * M/1e6
  // dollars, so the numerator below is over kRateDen * 1e24 dollars.
  const int128 p = price.micros();
  const int128 q = Complement(price).micros();
  // p * q <= 2.5e11 and C < 9.3e18: the first product is < 2.4e30, far inside int128.
  int128 numerator = p * q * count.micros();
  int128 scaled = 0;
  if (!MulNonNegative(numerator, multiplier.micros(), &scaled) ||
      !MulNonNegative(scaled, rate_num, &numerator)) {
    return absl::OutOfRangeError("kalshi fee: result out of range");
  }
  // Round up to the fee unit ($0.01 or $0.0001), then express it in micro-dollars.
  const int unit_decimals = rounding == FeeRounding::kCent ? 2 : 4;
  const int128 divisor = static_cast<int128>(kRateDen) * Pow10(24 - unit_decimals);
  const int128 units = numerator / divisor + (numerator % divisor != 0 ? 1 : 0);  // ceil, >= 0
  const int128 micros = units * Pow10(6 - unit_decimals);
  if (micros > std::numeric_limits<int64_t>::max()) {
    return absl::OutOfRangeError("kalshi fee: result out of range");
  }
  return Money::FromMicros(static_cast<int64_t>(micros));
}

absl::StatusOr<Money> TradeFee(const FeeModel& model, FeeRole role, Price price, Quantity count,
                               FeeRounding rounding) {
  if (model.fee_type == "quadratic") {
    if (role == FeeRole::kMaker) {
      // Validate the inputs even though plain quadratic series charge makers nothing.
      absl::StatusOr<Money> fee = QuadraticFee(role, price, count, model.multiplier, rounding);
      if (!fee.ok()) return fee.status();
      return Money::Zero();
    }
    return QuadraticFee(role, price, count, model.multiplier, rounding);
  }
  if (model.fee_type == "quadratic_with_maker_fees") {
    return QuadraticFee(role, price, count, model.multiplier, rounding);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("kalshi fee: unsupported fee_type \"", Abbreviate(model.fee_type), "\""));
}

}  // namespace arbor::venue::kalshi
