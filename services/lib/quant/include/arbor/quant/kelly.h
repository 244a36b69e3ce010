// File: arbor/quant/kelly.h
//
// Execution-risk-aware Kelly sizing for "risk-free" bundles (ARBITRAGE_MATH.md §8). Per USD
// committed: with probability p every leg fills and we lock a gain W; with q = 1 - p a leg fails
// and unwinding the others loses L. Maximising p ln(1 + fW) + q ln(1 - fL) gives
//
//   f* = p / L - q / W
//
// (L = 1, W = b is the classic (bp - q)/b). f* > 1 is common (W = 0.05, L = 0.10, p = 0.9 gives
// 7.0): Kelly is then not the binding limit and depth, budget and capital are. With L = 0 the
// bet is a true arbitrage and f* is unbounded. The popular f = (bp - q)/b * sqrt(p) is NOT used:
// it has no derivation and assumes a failed leg loses the whole stake (L = 1).
//
// Doubles are model inputs only; the sizes returned are integer micros. Pure; thread-safe.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/quant/bundle_pricer.h"

namespace arbor::quant {

struct KellyInputs {
  double fill_probability = 0;  // p: probability that every leg fills, in [0, 1]
  double gain = 0;              // W: locked gain per USD committed when all legs fill, > 0
  double loss = 0;              // L: loss per USD committed when a leg fails and is unwound, >= 0
};

// The capital a quoted bundle ties up and the gain it locks, as Kelly inputs.
struct BundleCapital {
  // Cash paid out before anything comes back: buy-leg costs, the split's collateral, and fees.
  Money capital;
  // capital / size_sets, rounded up (money per set): SizeWithKelly's capital_per_set.
  Price capital_per_set;
  // W = guaranteed_profit / capital (model double).
  double gain = 0;
};

// CapitalOf
//
// For a quote from BundlePricer::Quote (size > 0). Sell proceeds are not netted against the
// capital: they arrive only after the sell legs fill.
BundleCapital CapitalOf(const BundleQuote& quote);

// FullKellyFraction
//
// f* = p/L - q/W, possibly negative (no bet) or +infinity (L = 0 with p > 0). Errors:
// InvalidArgument for non-finite inputs, p outside [0, 1], W <= 0 or L < 0.
[[nodiscard]] absl::StatusOr<double> FullKellyFraction(const KellyInputs& in);

struct KellyLimits {
  // Fractional Kelly multiplier in (0, 1] (e.g. 0.25 = quarter Kelly).
  double multiplier = 0.25;
  // Capital the Kelly fraction applies to, >= 0.
  Money bankroll;
  // Lane / event budget: the stake never exceeds it. Max() = no budget cap.
  Money budget = Money::Max();
  // Largest share of the available sets (the priced bundle's size) to take, in [0, 1].
  double depth_share = 1.0;
};

// Which limit set the size.
enum class KellyBinding : uint8_t { kNoBet, kKelly, kDepth, kBudget };

struct KellySize {
  double full_fraction = 0;  // f*
  Quantity sets;             // lot multiple; 0 = no bet
  Money stake;               // sets * capital_per_set, rounded up
  KellyBinding binding = KellyBinding::kNoBet;
};

// SizeWithKelly
//
// sets = floor_to_lot(min(multiplier * f* * bankroll / capital_per_set,
//                         budget / capital_per_set, depth_share * available_sets)),
// 0 with kNoBet when f* <= 0 or any cap is 0. `capital_per_set` is the money committed per set
// (cost plus fees per set for buy bundles, 1 for split-and-sell), > 0. Errors: those of
// FullKellyFraction, and InvalidArgument for a multiplier outside (0, 1], depth_share outside
// [0, 1], negative bankroll, budget or available_sets, capital_per_set <= 0, lot_size <= 0.
[[nodiscard]] absl::StatusOr<KellySize> SizeWithKelly(const KellyInputs& in,
                                                      const KellyLimits& limits,
                                                      Quantity available_sets,
                                                      Price capital_per_set, Quantity lot_size);

}  // namespace arbor::quant
