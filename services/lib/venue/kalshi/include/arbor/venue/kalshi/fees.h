// File: arbor/venue/kalshi/fees.h
//
// Kalshi trading fees, computed exactly in 128-bit integer arithmetic (KALSHI.md §6):
//
//   taker = round_up(0.07   x M x C x P x (1 - P))
//   maker = round_up(0.0175 x M x C x P x (1 - P))   (only on series with maker fees)
//
// C contracts, P price in dollars, M the series/event fee multiplier (event_fee_update
// fee_multiplier_override). Two rounding conventions are offered:
//   kCent       the classic schedule: round up to a whole cent ($0.01).
//   kCentiCent  the current trade-fee rounding: round up to $0.0001. Kalshi then applies a
//               "rounding fee" that floors the balance change to the member's precision and a
//               per-order accumulator that rebates whole cents; those account-level steps are
//               not modelled here. For one whole-contract fill at a cent price both give the
//               same cent total.
// Fee types: "quadratic" (taker formula; makers pay nothing) and "quadratic_with_maker_fees"
// (taker and maker formulas). Any other fee_type (e.g. "flat") is an error: its formula is not
// documented in our references.
//
// Stateless functions; thread-safe; no allocation except for error messages.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/kalshi/messages.h"

namespace arbor::venue::kalshi {

enum class FeeRole : uint8_t { kTaker, kMaker };
enum class FeeRounding : uint8_t { kCent, kCentiCent };

// A series/event fee model: `fee_type` and `fee_multiplier` (REST series) or their overrides
// (WS event_fee_update).
struct FeeModel {
  std::string_view fee_type = "quadratic";
  Multiplier multiplier = Multiplier::FromUnits(1);
};

// QuadraticFee
//
// The formula above for `role` (ignoring fee type), rounded up per `rounding`. A multiplier of 0
// or a count of 0 gives 0. Errors: InvalidArgument if price is outside [0, 1], count < 0 or
// multiplier < 0; OutOfRange if the result does not fit (counts beyond ~10^12 contracts).
[[nodiscard]] absl::StatusOr<Money> QuadraticFee(FeeRole role, Price price, Quantity count,
                                                 Multiplier multiplier, FeeRounding rounding);

// TradeFee
//
// The fee for `count` contracts at `price` under `model`: "quadratic" charges takers only,
// "quadratic_with_maker_fees" charges both. Errors: those of QuadraticFee, and InvalidArgument
// naming an unknown fee_type.
[[nodiscard]] absl::StatusOr<Money> TradeFee(const FeeModel& model, FeeRole role, Price price,
                                             Quantity count, FeeRounding rounding);

}  // namespace arbor::venue::kalshi
