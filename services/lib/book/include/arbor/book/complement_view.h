// File: arbor/book/complement_view.h
//
// ComplementView: the NO token's book derived from the YES token's book. In a binary market one
// YES plus one NO share pays exactly 1, so
//
//   a YES bid of size q at p  ==  a NO ask of size q at 1 - p  (sell NO = buy YES's complement)
//   a YES ask of size q at p  ==  a NO bid of size q at 1 - p
//
// (NautilusTrader's OrderBook.combined_with_opposite; Kalshi publishes NO bids this way). The
// view is a non-owning adaptor: no copy, no allocation; it reflects the YES book at the time of
// each call. Its prices 1 - p may be off the YES grid's ranges for asymmetric ranged grids,
// which is why the view does not expose a grid. Same thread-safety as the wrapped OrderBook; the
// book must outlive the view.
#pragma once

#include <optional>

#include "arbor/book/level.h"
#include "arbor/book/order_book.h"
#include "arbor/book/sweep.h"
#include "arbor/core/fixed_point.h"

namespace arbor::book {

class ComplementView {
 public:
  // Views `yes_book` as the complementary token's book. The book must outlive the view.
  explicit ComplementView(const OrderBook& yes_book) : yes_(&yes_book) {}

  const OrderBook& underlying() const { return *yes_; }

  // Best NO bid = complement of the best YES ask; best NO ask = complement of the best YES bid.
  std::optional<Level> BestBid() const { return Flip(yes_->BestAsk()); }
  std::optional<Level> BestAsk() const { return Flip(yes_->BestBid()); }

  // Size resting at NO price `price` on `side`: the YES size at 1 - price on the other side.
  Quantity SizeAt(BookSide side, Price price) const {
    return yes_->SizeAt(Opposite(side), Complement(price));
  }
  int LevelCount(BookSide side) const { return yes_->LevelCount(Opposite(side)); }
  // Locked / crossed exactly when the YES book is (the mapping preserves the spread).
  CrossState cross_state() const { return yes_->cross_state(); }

  // NO levels of `side`, best first: NO bids walk YES asks from the lowest, NO asks walk YES
  // bids from the highest. Same callback contract as OrderBook::ForEachLevel.
  template <typename Fn>
  void ForEachLevel(BookSide side, Fn&& fn) const {
    yes_->ForEachLevel(Opposite(side), [&fn](const Level& l) {
      return internal::InvokeLevelFn(fn, Level{Complement(l.price), l.size});
    });
  }

  // The four sweeps with OrderBook's semantics and rounding, in NO prices: a NO buy consumes
  // YES bids (highest first) at 1 - p; a NO sell consumes YES asks (lowest first) at 1 - p.
  SweepResult SweepBuyQuantity(Quantity quantity) const;
  SweepResult SweepSellQuantity(Quantity quantity) const;
  SweepResult SweepBuyNotional(Money budget) const;
  SweepResult SweepSellNotional(Money target_proceeds) const;

 private:
  static std::optional<Level> Flip(std::optional<Level> l) {
    if (!l) return std::nullopt;
    return Level{Complement(l->price), l->size};
  }

  const OrderBook* yes_;
};

}  // namespace arbor::book
