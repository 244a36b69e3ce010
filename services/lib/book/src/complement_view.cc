#include "arbor/book/complement_view.h"

#include "arbor/book/sweep.h"

namespace arbor::book {

// Buying NO takes the NO asks, i.e. the YES bids; selling NO hits the NO bids, i.e. the YES asks.
SweepResult ComplementView::SweepBuyQuantity(Quantity quantity) const {
  return internal::SweepQuantity([this](auto&& fn) { ForEachLevel(BookSide::kAsk, fn); }, quantity,
                                 /*buy=*/true);
}

SweepResult ComplementView::SweepSellQuantity(Quantity quantity) const {
  return internal::SweepQuantity([this](auto&& fn) { ForEachLevel(BookSide::kBid, fn); }, quantity,
                                 /*buy=*/false);
}

SweepResult ComplementView::SweepBuyNotional(Money budget) const {
  return internal::SweepBuyBudget([this](auto&& fn) { ForEachLevel(BookSide::kAsk, fn); }, budget);
}

SweepResult ComplementView::SweepSellNotional(Money target_proceeds) const {
  return internal::SweepSellTarget([this](auto&& fn) { ForEachLevel(BookSide::kBid, fn); },
                                   target_proceeds);
}

}  // namespace arbor::book
