#include "arbor/core/fixed_point.h"

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::internal {
namespace {

__extension__ typedef __int128 int128;

absl::Status ParseError(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid decimal \"", Abbreviate(text), "\": ", ToAbsl(why)));
}

constexpr int128 kInt64Max = std::numeric_limits<int64_t>::max();

}  // namespace

absl::StatusOr<int64_t> ParseScaledDecimal(std::string_view text, int decimals) {
  size_t i = 0;
  const size_t n = text.size();
  if (n == 0) return ParseError(text, "empty");
  bool negative = false;
  if (text[i] == '-' || text[i] == '+') {
    negative = text[i] == '-';
    ++i;
  }
  // Significant digits without leading zeros, and the power of ten they are scaled by.
  int128 mantissa = 0;
  int mantissa_digits = 0;
  int exponent = 0;  // value = mantissa * 10^exponent
  int digits_seen = 0;
  bool seen_point = false;
  // Digits dropped from the mantissa because it was already 38 digits long: only zeros are
  // allowed there (anything else cannot be represented exactly in int64 anyway).
  for (; i < n; ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      ++digits_seen;
      const int d = c - '0';
      if (mantissa == 0 && d == 0) {
        if (seen_point) --exponent;
        continue;
      }
      if (mantissa_digits >= 36) {
        if (d != 0) return ParseError(text, "too many significant digits");
        if (!seen_point) ++exponent;
        continue;
      }
      mantissa = mantissa * 10 + d;
      ++mantissa_digits;
      if (seen_point) --exponent;
    } else if (c == '.') {
      if (seen_point) return ParseError(text, "more than one decimal point");
      seen_point = true;
    } else if (c == 'e' || c == 'E') {
      break;
    } else {
      return ParseError(text, absl::StrCat("unexpected character at offset ", i));
    }
  }
  if (digits_seen == 0) return ParseError(text, "no digits");
  if (i < n) {  // exponent part
    ++i;
    bool exp_negative = false;
    if (i < n && (text[i] == '-' || text[i] == '+')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i == n) return ParseError(text, "empty exponent");
    int e = 0;
    for (; i < n; ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') {
        return ParseError(text, absl::StrCat("unexpected character at offset ", i));
      }
      if (e > 1000) return ParseError(text, "exponent out of range");
      e = e * 10 + (c - '0');
    }
    exponent += exp_negative ? -e : e;
  }
  if (mantissa == 0) return int64_t{0};
  // Strip trailing zeros so that "0.5000000" is exact at 6 decimals.
  while (mantissa % 10 == 0) {
    mantissa /= 10;
    ++exponent;
  }
  int scale = exponent + decimals;  // raw = mantissa * 10^scale
  if (scale < 0) {
    return ParseError(text, absl::StrCat("more than ", decimals, " decimal places"));
  }
  for (; scale > 0; --scale) {
    mantissa *= 10;
    if (mantissa > kInt64Max) return ParseError(text, "out of range");
  }
  if (mantissa > kInt64Max) return ParseError(text, "out of range");
  const int64_t raw = static_cast<int64_t>(mantissa);
  return negative ? -raw : raw;
}

std::string FormatScaledDecimal(int64_t raw, int decimals) {
  // Work in unsigned magnitude so INT64_MIN formats correctly.
  const bool negative = raw < 0;
  uint64_t mag = negative ? uint64_t{0} - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
  uint64_t scale = 1;
  for (int k = 0; k < decimals; ++k) scale *= 10;
  const uint64_t whole = mag / scale;
  uint64_t frac = mag % scale;
  std::string out;
  if (negative && mag != 0) out.push_back('-');
  out += std::to_string(whole);
  if (frac != 0) {
    std::string digits(static_cast<size_t>(decimals), '0');
    for (int k = decimals - 1; k >= 0; --k) {
      digits[static_cast<size_t>(k)] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out.push_back('.');
    out += digits;
  }
  return out;
}

std::string FormatScaledDecimalFixed(int64_t raw, int decimals, int places) {
  if (places > decimals) places = decimals;
  if (places < 0) places = 0;
  const bool negative = raw < 0;
  uint64_t mag = negative ? uint64_t{0} - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
  uint64_t scale = 1;
  for (int k = 0; k < decimals; ++k) scale *= 10;
  const uint64_t whole = mag / scale;
  uint64_t frac = mag % scale;
  for (int k = places; k < decimals; ++k) frac /= 10;
  std::string out;
  if (negative && (whole != 0 || frac != 0)) out.push_back('-');
  out += std::to_string(whole);
  if (places > 0) {
    std::string digits(static_cast<size_t>(places), '0');
    for (int k = places - 1; k >= 0; --k) {
      digits[static_cast<size_t>(k)] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    out.push_back('.');
    out += digits;
  }
  return out;
}

int64_t MulDivRound(int64_t a, int64_t b, int64_t divisor, Rounding rounding) {
  const int128 num = static_cast<int128>(a) * b;
  int128 q = num / divisor;  // truncates toward zero
  const int128 r = num % divisor;
  if (r != 0) {
    const bool positive = (num > 0) == (divisor > 0);
    switch (rounding) {
      case Rounding::kDown:
        if (!positive) --q;
        break;
      case Rounding::kUp:
        if (positive) ++q;
        break;
      case Rounding::kTowardZero:
      case Rounding::kExact:
        break;
      case Rounding::kHalfUp: {
        const int128 twice_r = 2 * (r < 0 ? -r : r);
        const int128 abs_div = divisor < 0 ? -static_cast<int128>(divisor) : divisor;
        if (twice_r >= abs_div) q += positive ? 1 : -1;
        break;
      }
    }
  }
  if (q > kInt64Max) return std::numeric_limits<int64_t>::max();
  if (q < -kInt64Max - 1) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(q);
}

}  // namespace arbor::internal
