// File: arbor/venue/polymarket/fees.h
//
// Polymarket taker fees (POLYMARKET.md §10.1, TEST_VECTORS.md §9):
//
//   fee = C * rate * (p * (1 - p))^exponent      (C shares at price p; takers only)
//
// computed exactly in integer arithmetic: with every input in micro-units the fee is an integer
// numerator over 10^(12 + 12*exponent), held in a 384-bit integer, and rounded only when the
// caller asks for Money. The schedule is read per market (Gamma `feeSchedule`, CLOB
// `/clob-markets` fd{r,e}); never hard-code it.
//
//   FeeSchedule s{.rate_micros = 30000, .exponent = 1};              // sports 0.03
//   ARBOR_ASSIGN_OR_RETURN(Money fee, TakerFee(s, shares, price, Rounding::kUp));
//
// Pure functions and values; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"

namespace arbor::venue::polymarket {

struct FeeSchedule {
  // Fee rate in 1e-6 units: 0.03 -> 30000. In [0, 1e6].
  int64_t rate_micros = 0;
  // Power applied to p(1-p). In [0, kMaxExponent].
  int exponent = 1;
  // Share of taker fees rebated to makers, 1e-6 units: 0.25 -> 250000.
  int64_t rebate_rate_micros = 0;
  // Whether only takers pay (true for every schedule seen so far).
  bool taker_only = true;

  static constexpr int kMaxExponent = 7;

  friend bool operator==(const FeeSchedule&, const FeeSchedule&) = default;
};

// The exact fee: an unsigned integer numerator over 10^scale.
class ExactFee {
 public:
  // Shortest exact decimal text: "0.00245025", "1.9609375", "0".
  std::string ToString() const;

  // Round
  //
  // The fee rounded to `places` decimals (0..6) with `rounding`, as Money. Errors:
  // InvalidArgument for places outside [0, 6]; FailedPrecondition for kExact when the fee has
  // more than `places` decimals; OutOfRange if it does not fit Money.
  [[nodiscard]] absl::StatusOr<Money> Round(int places, Rounding rounding) const;

  bool IsZero() const;

  friend bool operator==(const ExactFee& a, const ExactFee& b);

 private:
  friend class ExactFeeBuilder;
  static constexpr int kLimbs = 6;
  std::array<uint64_t, kLimbs> limbs_{};  // little-endian base 2^64
  int scale_ = 0;
};

// TakerFeeExact
//
// The exact fee for a taker filling `shares` at `price`. Errors: InvalidArgument for shares < 0,
// price outside [0, 1], rate outside [0, 1], exponent outside [0, kMaxExponent].
[[nodiscard]] absl::StatusOr<ExactFee> TakerFeeExact(const FeeSchedule& schedule, Quantity shares,
                                                     Price price);

// TakerFee
//
// TakerFeeExact rounded to Money (1e-6) with `rounding`. Errors as TakerFeeExact and
// ExactFee::Round.
[[nodiscard]] absl::StatusOr<Money> TakerFee(const FeeSchedule& schedule, Quantity shares,
                                             Price price, Rounding rounding);

// TakerFeeNautilus
//
// The fee as NautilusTrader books it: floored to 5 decimal places (its `compute_commission`).
// Use it to reconcile against NT-derived figures; our own accounting uses TakerFee.
[[nodiscard]] absl::StatusOr<Money> TakerFeeNautilus(const FeeSchedule& schedule, Quantity shares,
                                                     Price price);

}  // namespace arbor::venue::polymarket
