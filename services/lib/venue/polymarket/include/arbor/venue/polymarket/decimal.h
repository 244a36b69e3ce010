// File: arbor/venue/polymarket/decimal.h
//
// Decimal text -> micro-unit conversions used by every Polymarket parser. Venue prices and sizes
// arrive as decimal strings ("0.514", "21574.08") and some REST/Gamma values as JSON numbers
// ("minimum_tick_size": 0.001); all of them are converted from their text, never via double.
//
//   ParseDecimalMicros    exact; same acceptance and errors as arbor::Price::Parse, with a fast
//                         path for the plain "123.456" form that dominates market data.
//   ParseDecimalMicrosRounded  any number of decimals, rounded to 1e-6 with an explicit mode
//                         (Gamma volumes such as "26458.188064999995").
//
// Pure functions; thread-safe. They allocate only to build an error Status.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"

namespace arbor::venue::polymarket {

// ParsePlainDecimalMicros
//
// The fast path alone: accepts only `digits[.digits]` with 1-12 integer digits and 1-6
// fractional digits (or no '.'), and stores the value in micro-units. Returns false (leaving
// *micros untouched) for anything else, including inputs the full parser would accept
// ("5.", ".5", "1e-3", "-1", "0.5000000"); callers then fall back to ParseDecimalMicros.
// Whenever it returns true the result equals arbor::internal::ParseScaledDecimal(text, 6).
inline bool ParsePlainDecimalMicros(std::string_view text, int64_t* micros) {
  const char* p = text.data();
  const char* const end = p + text.size();
  int64_t whole = 0;
  int int_digits = 0;
  while (p < end && *p >= '0' && *p <= '9') {
    whole = whole * 10 + (*p - '0');
    ++p;
    if (++int_digits > 12) return false;
  }
  if (int_digits == 0) return false;
  int64_t frac = 0;
  int frac_digits = 0;
  if (p < end) {
    if (*p != '.') return false;
    ++p;
    while (p < end && *p >= '0' && *p <= '9') {
      frac = frac * 10 + (*p - '0');
      ++p;
      if (++frac_digits > 6) return false;
    }
    if (frac_digits == 0 || p != end) return false;
  }
  static constexpr int64_t kPow10[] = {1000000, 100000, 10000, 1000, 100, 10, 1};
  *micros = whole * kFixedScale + frac * kPow10[frac_digits];
  return true;
}

// ParseDecimalMicros
//
// Exact conversion of a decimal string (optional sign, '.', exponent) to micro-units.
// Errors: InvalidArgument from arbor::internal::ParseScaledDecimal (empty, junk, NaN/Infinity,
// more than 6 significant decimals, out of int64 range).
[[nodiscard]] absl::StatusOr<int64_t> ParseDecimalMicros(std::string_view text);

// ParseDecimalMicrosRounded
//
// Converts a decimal string with any number of fractional digits (and an optional exponent)
// to micro-units, rounding the dropped digits with `rounding` (kExact: error if any dropped
// digit is non-zero). The input text is the exact value; no binary floating point is involved.
// Errors: InvalidArgument for malformed text, out-of-range values or an inexact kExact.
[[nodiscard]] absl::StatusOr<int64_t> ParseDecimalMicrosRounded(std::string_view text,
                                                                Rounding rounding);

}  // namespace arbor::venue::polymarket
