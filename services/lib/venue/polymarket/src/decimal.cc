#include "arbor/venue/polymarket/decimal.h"

#include <cstdint>
#include <limits>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::venue::polymarket {
namespace {

absl::Status RoundedError(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid decimal \"", Abbreviate(text), "\": ", ToAbsl(why)));
}

}  // namespace

absl::StatusOr<int64_t> ParseDecimalMicros(std::string_view text) {
  int64_t micros = 0;
  if (ParsePlainDecimalMicros(text, &micros)) return micros;
  return arbor::internal::ParseScaledDecimal(text, kFixedDecimals);
}

absl::StatusOr<int64_t> ParseDecimalMicrosRounded(std::string_view text, Rounding rounding) {
  const size_t n = text.size();
  size_t i = 0;
  if (n == 0) return RoundedError(text, "empty");
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    ++i;
  }
  // The digits of the mantissa as written (the decimal point removed) and how many of them
  // precede the point.
  const size_t digits_begin = i;
  size_t digit_count = 0;
  int64_t int_digits = -1;
  for (; i < n; ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      ++digit_count;
    } else if (c == '.') {
      if (int_digits >= 0) return RoundedError(text, "more than one decimal point");
      int_digits = static_cast<int64_t>(digit_count);
    } else if (c == 'e' || c == 'E') {
      break;
    } else {
      return RoundedError(text, absl::StrCat("unexpected character at offset ", i));
    }
  }
  const size_t mantissa_end = i;
  if (digit_count == 0) return RoundedError(text, "no digits");
  if (int_digits < 0) int_digits = static_cast<int64_t>(digit_count);
  int64_t exponent = 0;
  if (i < n) {
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '-' || text[i] == '+')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i == n) return RoundedError(text, "empty exponent");
    for (; i < n; ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') {
        return RoundedError(text, absl::StrCat("unexpected character at offset ", i));
      }
      if (exponent > 100000) return RoundedError(text, "exponent out of range");
      exponent = exponent * 10 + (c - '0');
    }
    if (exp_negative) exponent = -exponent;
  }
  // Digits [0, keep) of the mantissa form the integer count of micro-units; the rest are
  // dropped and decide the rounding.
  const int64_t keep = int_digits + exponent + kFixedDecimals;
  uint64_t acc = 0;
  constexpr uint64_t kLimit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  int first_dropped = 0;
  bool sticky = false;
  int64_t index = 0;
  for (size_t k = digits_begin; k < mantissa_end; ++k) {
    const char c = text[k];
    if (c == '.') continue;
    const int d = c - '0';
    if (index < keep) {
      if (acc > (kLimit - static_cast<uint64_t>(d)) / 10) return RoundedError(text, "out of range");
      acc = acc * 10 + static_cast<uint64_t>(d);
    } else if (index == keep) {
      first_dropped = d;
    } else if (d != 0) {
      sticky = true;
    }
    ++index;
  }
  // Fewer digits than needed: scale up by the missing powers of ten.
  for (int64_t k = index; k < keep && acc != 0; ++k) {
    if (acc > kLimit / 10) return RoundedError(text, "out of range");
    acc *= 10;
  }
  const bool inexact = first_dropped != 0 || sticky;
  bool round_away = false;  // away from zero in magnitude
  switch (rounding) {
    case Rounding::kDown:
      round_away = negative && inexact;
      break;
    case Rounding::kUp:
      round_away = !negative && inexact;
      break;
    case Rounding::kTowardZero:
      break;
    case Rounding::kHalfUp:
      round_away = first_dropped >= 5;
      break;
    case Rounding::kExact:
      if (inexact) return RoundedError(text, "more than 6 decimal places");
      break;
  }
  if (round_away) {
    if (acc >= kLimit) return RoundedError(text, "out of range");
    ++acc;
  }
  const int64_t magnitude = static_cast<int64_t>(acc);
  return negative ? -magnitude : magnitude;
}

}  // namespace arbor::venue::polymarket
