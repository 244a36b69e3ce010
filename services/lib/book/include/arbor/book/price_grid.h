// File: arbor/book/price_grid.h
//
// PriceGrid: the set of prices a binary-outcome book may rest at, strictly inside (0, 1).
// Polymarket books use a uniform tick (0.1, 0.01, 0.001, 0.0001, 0.005, 0.0025); Kalshi markets
// publish `price_ranges[{start, end, step}]` (linear_cent, deci_cent, tapered_deci_cent). Both
// map onto one dense ladder whose index unit is the gcd of every step and range start, so an
// OrderBook can keep a side as a flat array indexed by price.
//
//   ARBOR_ASSIGN_OR_RETURN(PriceGrid grid, PriceGrid::Uniform(tick));
//   ARBOR_RETURN_IF_ERROR(grid.Validate(price));
//   int slot = grid.IndexOf(price);
//
// A PriceGrid is an immutable value: cheap to query, copyable (copying allocates; do it off the
// hot path), thread-compatible. Queries never allocate except to build an error Status.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/core/fixed_point.h"

namespace arbor::book {

// One Kalshi `price_ranges` entry: the prices start, start + step, ..., end (inclusive).
struct PriceRange {
  Price start;
  Price end;
  Price step;

  friend bool operator==(const PriceRange&, const PriceRange&) = default;
};

class PriceGrid {
 public:
  // Uniform
  //
  // Every multiple of `tick` in (0, 1). Errors: InvalidArgument if tick <= 0 or tick does not
  // divide 1.000000 exactly (e.g. 0.003).
  [[nodiscard]] static absl::StatusOr<PriceGrid> Uniform(Price tick);

  // FromRanges
  //
  // Kalshi `price_ranges`. Ranges may be given in any order; after sorting by start they must be
  // contiguous (each starts where the previous ended) and cover exactly [0, 1]. Each range needs
  // step > 0, start < end, and (end - start) a whole number of steps. A price is on the grid if
  // it equals start + k * step within some range (range boundaries belong to both neighbours).
  // Adjacent ranges with equal steps are merged, so FromRanges({{0, 1, 0.01}}) == Uniform(0.01).
  // Errors: InvalidArgument naming the offending range.
  [[nodiscard]] static absl::StatusOr<PriceGrid> FromRanges(std::vector<PriceRange> ranges);

  // Kalshi `linear_cent`: 0.01 over [0, 1].
  static PriceGrid KalshiLinearCent();
  // Kalshi `deci_cent`: 0.001 over [0, 1].
  static PriceGrid KalshiDeciCent();
  // Kalshi `tapered_deci_cent`: 0.001 in [0, 0.10] and [0.90, 1], 0.01 in [0.10, 0.90].
  static PriceGrid KalshiTaperedDeciCent();

  // The ladder index unit: gcd of all steps and range starts. Equals tick() for uniform grids.
  Price unit() const { return Price::FromMicros(unit_micros_); }
  // Number of ladder indexes for prices in (0, 1): 1 / unit - 1. Not every index is on the
  // grid for a ranged grid (e.g. 0.105 on tapered_deci_cent).
  int slots() const { return slots_; }
  // For uniform grids the tick. For ranged grids the coarsest step (0.01 for tapered_deci_cent):
  // a price on that tick is valid everywhere on the grid, so it is the safe tick for quoting.
  Price tick() const { return Price::FromMicros(tick_micros_); }
  // Whether the grid is one range over [0, 1].
  bool is_uniform() const { return ranges_.size() == 1; }
  // The normalised ranges (sorted, adjacent equal steps merged). One range for uniform grids.
  absl::Span<const PriceRange> ranges() const { return ranges_; }

  // Whether `p` is a valid resting price: 0 < p < 1 and on some range's step.
  bool IsOnGrid(Price p) const {
    const int64_t m = p.micros();
    if (m <= 0 || m >= kFixedScale || m % unit_micros_ != 0) return false;
    // A single range starts at 0 and its step is the unit, so the modulus check suffices.
    return ranges_.size() == 1 || OnSomeRange(m);
  }

  // Validate
  //
  // OK if IsOnGrid(p). Errors: OutOfRange if p <= 0 or p >= 1; InvalidArgument
  // "price 0.015 is off the tick grid 0.01" otherwise. Allocates only on error.
  [[nodiscard]] absl::Status Validate(Price p) const;

  // The ladder index of `p`, in [0, slots()). Precondition: 0 < p < 1 and p a multiple of
  // unit() (true for every IsOnGrid price).
  int IndexOf(Price p) const { return static_cast<int>(p.micros() / unit_micros_) - 1; }
  // The price at ladder index `i`. Precondition: 0 <= i < slots().
  Price PriceAt(int i) const {
    return Price::FromMicros((static_cast<int64_t>(i) + 1) * unit_micros_);
  }

  // "0.01" for uniform grids; "[0,0.1]@0.001 [0.1,0.9]@0.01 [0.9,1]@0.001" for ranged grids.
  std::string ToString() const;

  // Grids are equal when they accept exactly the same prices.
  friend bool operator==(const PriceGrid& a, const PriceGrid& b) { return a.ranges_ == b.ranges_; }
  friend std::ostream& operator<<(std::ostream& os, const PriceGrid& g) {
    return os << g.ToString();
  }

 private:
  explicit PriceGrid(std::vector<PriceRange> normalised);
  bool OnSomeRange(int64_t m) const;

  std::vector<PriceRange> ranges_;
  int64_t unit_micros_ = 0;
  int64_t tick_micros_ = 0;
  int slots_ = 0;
};

}  // namespace arbor::book
