// File: arbor/book/order_book.h
//
// OrderBook: an L2 (aggregated by price) book for one binary-outcome token, kept as two dense
// ladders indexed by PriceGrid slot with an occupancy bitmap and cached best indexes. It accepts
// both venue update styles: Polymarket's "new total at price" (SetLevel) and Kalshi's additive
// deltas (AddToLevel), plus whole-book snapshots.
//
//   OrderBook book(PriceGrid::KalshiLinearCent());
//   ARBOR_RETURN_IF_ERROR(book.ApplySnapshot(bids, asks));
//   ARBOR_RETURN_IF_ERROR(book.AddToLevel(BookSide::kBid, price, delta));
//   SweepResult r = book.SweepBuyQuantity(Quantity::FromUnits(100));
//
// Every mutation validates first and leaves the book unchanged on error. After construction no
// member allocates (the ladders are sized once), except Regrid and building an error Status.
// Not thread-safe: one owner thread (the feed shard); publish Depth<N> copies to other threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "arbor/book/internal/ladder.h"
#include "arbor/book/level.h"
#include "arbor/book/price_grid.h"
#include "arbor/book/sweep.h"
#include "arbor/core/fixed_point.h"

namespace arbor::book {

// Whether the top of the book is consistent.
enum class CrossState {
  kNormal,   // best bid < best ask, or a side is empty
  kLocked,   // best bid == best ask
  kCrossed,  // best bid > best ask
};

const char* CrossStateName(CrossState state);

// The best N levels of each side, best first; fixed-size and trivially copyable so it can be
// published to another thread with one memcpy (Liquibook's Depth<SIZE>).
template <size_t N>
struct Depth {
  std::array<Level, N> bids{};
  std::array<Level, N> asks{};
  size_t bid_count = 0;
  size_t ask_count = 0;
};

namespace internal {
// Calls fn(level) and reports whether to continue; void-returning fns always continue.
template <typename Fn>
bool InvokeLevelFn(Fn& fn, const Level& level) {
  if constexpr (std::is_void_v<std::invoke_result_t<Fn&, const Level&>>) {
    fn(level);
    return true;
  } else {
    return static_cast<bool>(fn(level));
  }
}
}  // namespace internal

class OrderBook {
 public:
  // An empty book on `grid`. Allocates both ladders (8 bytes per slot per side plus bitmaps).
  explicit OrderBook(PriceGrid grid);

  OrderBook(const OrderBook&) = default;
  OrderBook& operator=(const OrderBook&) = default;
  OrderBook(OrderBook&&) noexcept = default;
  OrderBook& operator=(OrderBook&&) noexcept = default;

  // ApplySnapshot
  //
  // Replaces the whole book. Levels may be in any order; zero-size levels are skipped.
  // Errors (the book is left unchanged): OutOfRange / InvalidArgument from PriceGrid::Validate
  // for a bad price; InvalidArgument for a negative size or a price listed twice on one side
  // ("duplicate price", even if one copy has size zero). A crossed snapshot is accepted; check
  // cross_state(). Allocation-free.
  [[nodiscard]] absl::Status ApplySnapshot(absl::Span<const Level> bids,
                                           absl::Span<const Level> asks);

  // SetLevel
  //
  // Polymarket semantics: `total` is the new size at `price`; zero deletes the level (deleting
  // an absent level succeeds). Errors (book unchanged): PriceGrid::Validate errors;
  // InvalidArgument if total < 0.
  [[nodiscard]] absl::Status SetLevel(BookSide side, Price price, Quantity total);

  // AddToLevel
  //
  // Kalshi semantics: the size at `price` becomes old + delta; a result of zero removes the
  // level. Errors (book unchanged): PriceGrid::Validate errors; FailedPrecondition "level would
  // go negative" if old + delta < 0; OutOfRange if the sum overflows.
  [[nodiscard]] absl::Status AddToLevel(BookSide side, Price price, Quantity delta);

  // Empties both sides (keeps the grid and the allocation).
  void Clear();

  // Regrid
  //
  // Moves every level onto `new_grid` (e.g. Polymarket tick_size_change, Kalshi
  // price_level_structure_updated). Errors (book unchanged): InvalidArgument naming the first
  // level whose price is off the new grid. Allocates new ladders: not a hot path.
  [[nodiscard]] absl::Status Regrid(PriceGrid new_grid);

  const PriceGrid& grid() const { return grid_; }

  // The best (highest) bid / best (lowest) ask, or nullopt when the side is empty.
  std::optional<Level> BestBid() const { return LevelAt(bids_, best_bid_); }
  std::optional<Level> BestAsk() const { return LevelAt(asks_, best_ask_); }

  // Size resting at `price` on `side`; zero if none or if `price` is not on the grid.
  Quantity SizeAt(BookSide side, Price price) const;
  // Number of non-empty levels on `side`.
  int LevelCount(BookSide side) const { return ladder(side).count(); }
  // Whether both sides are empty.
  bool empty() const { return bids_.empty() && asks_.empty(); }

  CrossState cross_state() const;

  // Number of successful mutating calls (ApplySnapshot, SetLevel, AddToLevel, Clear, Regrid),
  // including ones that left the levels as they were (deleting an absent level). Failed calls
  // do not count. Useful as a cheap "book changed" stamp.
  uint64_t update_count() const { return update_count_; }

  // ForEachLevel
  //
  // Calls fn(const Level&) for each level of `side`, best first (bids descending, asks
  // ascending). If fn returns bool, iteration stops at the first false. fn must not mutate
  // the book.
  template <typename Fn>
  void ForEachLevel(BookSide side, Fn&& fn) const {
    const internal::Ladder& l = ladder(side);
    if (side == BookSide::kBid) {
      for (int i = best_bid_; i >= 0; i = l.LastAtOrBelow(i - 1)) {
        if (!internal::InvokeLevelFn(fn, Level{grid_.PriceAt(i), l.at(i)})) return;
      }
    } else {
      for (int i = best_ask_; i >= 0; i = l.FirstAtOrAbove(i + 1)) {
        if (!internal::InvokeLevelFn(fn, Level{grid_.PriceAt(i), l.at(i)})) return;
      }
    }
  }

  // Replaces *out with the best min(n, LevelCount(side)) levels of `side`. Allocation-free when
  // out->capacity() >= n.
  void TopLevels(BookSide side, size_t n, std::vector<Level>* out) const;

  // The best N levels of each side.
  template <size_t N>
  Depth<N> GetDepth() const {
    Depth<N> d;
    ForEachLevel(BookSide::kBid, [&](const Level& l) {
      if (d.bid_count == N) return false;
      d.bids[d.bid_count++] = l;
      return true;
    });
    ForEachLevel(BookSide::kAsk, [&](const Level& l) {
      if (d.ask_count == N) return false;
      d.asks[d.ask_count++] = l;
      return true;
    });
    return d;
  }

  // Sweeps (see sweep.h for the rounding rules). A request <= 0 yields an empty result with
  // complete == (request == 0).
  //
  // SweepBuyQuantity: buy `quantity` from the asks; complete iff fully filled.
  SweepResult SweepBuyQuantity(Quantity quantity) const;
  // SweepSellQuantity: sell `quantity` into the bids; complete iff fully filled.
  SweepResult SweepSellQuantity(Quantity quantity) const;
  // SweepBuyNotional: spend at most `budget` on the asks (floor quantity at the last level);
  // complete iff the budget, not the book, ended the walk.
  SweepResult SweepBuyNotional(Money budget) const;
  // SweepSellNotional: sell into the bids until proceeds reach `target_proceeds` (ceiling
  // quantity at the last level); complete iff the target was reached.
  SweepResult SweepSellNotional(Money target_proceeds) const;

 private:
  const internal::Ladder& ladder(BookSide side) const {
    return side == BookSide::kBid ? bids_ : asks_;
  }
  std::optional<Level> LevelAt(const internal::Ladder& l, int i) const {
    if (i < 0) return std::nullopt;
    return Level{grid_.PriceAt(i), l.at(i)};
  }
  // Writes slot i of `side` and maintains the cached best index.
  void Store(BookSide side, int i, Quantity size);
  // Validates one snapshot side: prices, sizes, duplicates (using seen_).
  [[nodiscard]] absl::Status ValidateSnapshotSide(BookSide side, absl::Span<const Level> levels);

  PriceGrid grid_;
  internal::Ladder bids_;
  internal::Ladder asks_;
  // One bit per slot for ApplySnapshot's duplicate check; all zero between calls.
  std::vector<uint64_t> seen_;
  int best_bid_ = -1;  // highest occupied bid slot, -1 if none
  int best_ask_ = -1;  // lowest occupied ask slot, -1 if none
  uint64_t update_count_ = 0;
};

}  // namespace arbor::book
