// File: arbor/book/sweep.h
//
// SweepResult and the VWAP walk shared by OrderBook and ComplementView: what an immediate order
// would get by taking liquidity level by level from the best price.
//
// Rounding is conservative, so an estimate never flatters a trade:
//   * sums are kept exactly (price micros x quantity micros in 128 bits) and rounded once;
//   * a buy reports notional and average price rounded UP; a sell reports proceeds and average
//     price rounded DOWN;
//   * a notional-budget buy takes the floor quantity at the last level, so its (rounded-up)
//     notional never exceeds the budget;
//   * a target-proceeds sell takes the ceiling quantity at the last level, so its (rounded-down)
//     proceeds reach the target whenever `complete`.
// Stateless, allocation-free, thread-compatible.
#pragma once

#include <cstdint>
#include <limits>
#include <ostream>

#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"

namespace arbor::book {

// The outcome of walking one side of a book.
struct SweepResult {
  Quantity filled;      // shares taken
  Money notional;       // cost of a buy (rounded up) / proceeds of a sell (rounded down)
  Price average_price;  // notional / filled, exact sum rounded like notional; 0 if nothing filled
  Price worst_price;    // price of the last level touched; 0 if nothing filled
  int levels_consumed = 0;  // levels touched, including a partially taken last level
  bool complete = false;    // the request was fully satisfied (see each sweep for the exact rule)

  friend bool operator==(const SweepResult&, const SweepResult&) = default;
  friend std::ostream& operator<<(std::ostream& os, const SweepResult& r) {
    return os << "{filled=" << r.filled << " notional=" << r.notional << " avg=" << r.average_price
              << " worst=" << r.worst_price << " levels=" << r.levels_consumed
              << " complete=" << r.complete << "}";
  }
};

namespace internal {

__extension__ typedef __int128 int128;

// Exact accumulator for Σ price_micros * qty_micros (units of 1e-12 USD).
struct SweepAccumulator {
  int128 exact = 0;  // Σ p * q in 1e-12 USD
  int64_t filled = 0;
  Price worst;
  int levels = 0;

  void Take(Price price, int64_t qty) {
    exact += static_cast<int128>(price.micros()) * qty;
    filled += qty;
    worst = price;
    ++levels;
  }

  static int64_t DivRound(int128 num, int128 den, bool up) {
    int128 q = num / den;
    if (up && q * den < num) ++q;
    if (q > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
    return static_cast<int64_t>(q);
  }

  static SweepResult Empty(bool complete) {
    SweepResult r;
    r.complete = complete;
    return r;
  }

  // Buy: round cost up. Sell: round proceeds down.
  SweepResult Finish(bool buy, bool complete) const {
    SweepResult r = Empty(complete);
    if (filled == 0) return r;
    r.filled = Quantity::FromMicros(filled);
    r.notional = Money::FromMicros(DivRound(exact, kFixedScale, buy));
    r.average_price = Price::FromMicros(DivRound(exact, filled, buy));
    r.worst_price = worst;
    r.levels_consumed = levels;
    return r;
  }
};

// `for_each(fn)` must call fn(const Level&) best-first with positive sizes and stop when fn
// returns false. `buy` only selects the rounding direction.
template <typename ForEach>
SweepResult SweepQuantity(ForEach&& for_each, Quantity request, bool buy) {
  if (request.micros() <= 0) return SweepAccumulator::Empty(request.IsZero());
  SweepAccumulator acc;
  int64_t remaining = request.micros();
  for_each([&](const Level& level) {
    const int64_t take = level.size.micros() < remaining ? level.size.micros() : remaining;
    acc.Take(level.price, take);
    remaining -= take;
    return remaining > 0;
  });
  return acc.Finish(buy, remaining == 0);
}

// Buy as much as `budget` pays for. complete: the budget, not the book, stopped the walk (the
// remaining budget cannot buy one more micro-share at the level where the walk stopped).
template <typename ForEach>
SweepResult SweepBuyBudget(ForEach&& for_each, Money budget) {
  if (budget.micros() <= 0) return SweepAccumulator::Empty(budget.IsZero());
  SweepAccumulator acc;
  int128 remaining = static_cast<int128>(budget.micros()) * kFixedScale;  // 1e-12 USD
  bool stopped_by_budget = false;
  for_each([&](const Level& level) {
    const int128 full = static_cast<int128>(level.price.micros()) * level.size.micros();
    if (full <= remaining) {
      acc.Take(level.price, level.size.micros());
      remaining -= full;
      if (remaining == 0) stopped_by_budget = true;
      return remaining > 0;
    }
    // Floor: the partial quantity never costs more than what is left.
    const int64_t take = static_cast<int64_t>(remaining / level.price.micros());
    if (take > 0) {
      acc.Take(level.price, take);
      remaining -= static_cast<int128>(level.price.micros()) * take;
    }
    stopped_by_budget = true;
    return false;
  });
  return acc.Finish(/*buy=*/true, stopped_by_budget);
}

// Sell until the proceeds reach `target`. complete: exact proceeds >= target (so the reported,
// rounded-down proceeds are >= target too, since target is a whole number of micro-dollars).
template <typename ForEach>
SweepResult SweepSellTarget(ForEach&& for_each, Money target) {
  if (target.micros() <= 0) return SweepAccumulator::Empty(target.IsZero());
  SweepAccumulator acc;
  int128 remaining = static_cast<int128>(target.micros()) * kFixedScale;  // 1e-12 USD
  for_each([&](const Level& level) {
    const int128 full = static_cast<int128>(level.price.micros()) * level.size.micros();
    if (full <= remaining) {
      acc.Take(level.price, level.size.micros());
      remaining -= full;
      return remaining > 0;
    }
    // Ceiling: sell just enough to cover the target; fits in the level since full > remaining.
    const int64_t p = level.price.micros();
    const int64_t take = static_cast<int64_t>((remaining + p - 1) / p);
    acc.Take(level.price, take);
    remaining = 0;
    return false;
  });
  return acc.Finish(/*buy=*/false, remaining <= 0);
}

}  // namespace internal
}  // namespace arbor::book
