#include "arbor/book/order_book.h"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/book/sweep.h"
#include "arbor/core/status_macros.h"

namespace arbor::book {
namespace {

size_t WordsFor(int slots) { return (static_cast<size_t>(slots) + 63) / 64; }

// Prefixes a status message with where the failing level was.
absl::Status Annotate(const absl::Status& status, BookSide side, size_t index) {
  return absl::Status(status.code(), absl::StrCat("snapshot ", BookSideName(side), " level ", index,
                                                  ": ", status.message()));
}

}  // namespace

const char* CrossStateName(CrossState state) {
  switch (state) {
    case CrossState::kNormal:
      return "normal";
    case CrossState::kLocked:
      return "locked";
    case CrossState::kCrossed:
      return "crossed";
  }
  return "unknown";
}

OrderBook::OrderBook(PriceGrid grid)
    : grid_(std::move(grid)),
      bids_(grid_.slots()),
      asks_(grid_.slots()),
      seen_(WordsFor(grid_.slots()), 0) {}

void OrderBook::Store(BookSide side, int i, Quantity size) {
  if (side == BookSide::kBid) {
    bids_.Set(i, size);
    if (size.IsPositive()) {
      if (i > best_bid_) best_bid_ = i;
    } else if (i == best_bid_) {
      best_bid_ = bids_.LastAtOrBelow(i - 1);
    }
  } else {
    asks_.Set(i, size);
    if (size.IsPositive()) {
      if (best_ask_ < 0 || i < best_ask_) best_ask_ = i;
    } else if (i == best_ask_) {
      best_ask_ = asks_.FirstAtOrAbove(i + 1);
    }
  }
}

absl::Status OrderBook::ValidateSnapshotSide(BookSide side, absl::Span<const Level> levels) {
  absl::Status status;
  size_t marked = 0;  // levels [0, marked) are valid and have their seen_ bit set
  for (; marked < levels.size(); ++marked) {
    const Level& level = levels[marked];
    if (!grid_.IsOnGrid(level.price)) {
      status = Annotate(grid_.Validate(level.price), side, marked);
      break;
    }
    if (level.size.IsNegative()) {
      status = absl::InvalidArgumentError(
          absl::StrCat("snapshot ", BookSideName(side), " level ", marked, ": negative size ",
                       level.size.ToString(), " at price ", level.price.ToString()));
      break;
    }
    const size_t idx = static_cast<size_t>(grid_.IndexOf(level.price));
    const uint64_t bit = uint64_t{1} << (idx & 63);
    if (seen_[idx >> 6] & bit) {
      status = absl::InvalidArgumentError(absl::StrCat("snapshot ", BookSideName(side), " level ",
                                                       marked, ": duplicate price ",
                                                       level.price.ToString()));
      break;
    }
    seen_[idx >> 6] |= bit;
  }
  // Leave seen_ all zero for the next call.
  for (size_t k = 0; k < marked; ++k) {
    const size_t idx = static_cast<size_t>(grid_.IndexOf(levels[k].price));
    seen_[idx >> 6] &= ~(uint64_t{1} << (idx & 63));
  }
  return status;
}

absl::Status OrderBook::ApplySnapshot(absl::Span<const Level> bids, absl::Span<const Level> asks) {
  ARBOR_RETURN_IF_ERROR(ValidateSnapshotSide(BookSide::kBid, bids));
  ARBOR_RETURN_IF_ERROR(ValidateSnapshotSide(BookSide::kAsk, asks));
  bids_.Clear();
  asks_.Clear();
  best_bid_ = -1;
  best_ask_ = -1;
  for (const Level& l : bids) {
    if (l.size.IsPositive()) Store(BookSide::kBid, grid_.IndexOf(l.price), l.size);
  }
  for (const Level& l : asks) {
    if (l.size.IsPositive()) Store(BookSide::kAsk, grid_.IndexOf(l.price), l.size);
  }
  ++update_count_;
  return absl::OkStatus();
}

absl::Status OrderBook::SetLevel(BookSide side, Price price, Quantity total) {
  // IsOnGrid first: the common path then never materialises a Status.
  if (!grid_.IsOnGrid(price)) return grid_.Validate(price);
  if (total.IsNegative()) {
    return absl::InvalidArgumentError(absl::StrCat("negative size ", total.ToString(), " for ",
                                                   BookSideName(side), " at ", price.ToString()));
  }
  Store(side, grid_.IndexOf(price), total);
  ++update_count_;
  return absl::OkStatus();
}

absl::Status OrderBook::AddToLevel(BookSide side, Price price, Quantity delta) {
  if (!grid_.IsOnGrid(price)) return grid_.Validate(price);
  const int i = grid_.IndexOf(price);
  const Quantity old = ladder(side).at(i);
  int64_t sum = 0;
  if (__builtin_add_overflow(old.micros(), delta.micros(), &sum)) {
    return absl::OutOfRangeError(absl::StrCat(BookSideName(side), " level ", price.ToString(),
                                              " overflows: size ", old.ToString(), " + delta ",
                                              delta.ToString()));
  }
  if (sum < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("level would go negative: ", BookSideName(side), " at ", price.ToString(),
                     " has size ", old.ToString(), ", delta ", delta.ToString()));
  }
  Store(side, i, Quantity::FromMicros(sum));
  ++update_count_;
  return absl::OkStatus();
}

void OrderBook::Clear() {
  bids_.Clear();
  asks_.Clear();
  best_bid_ = -1;
  best_ask_ = -1;
  ++update_count_;
}

absl::Status OrderBook::Regrid(PriceGrid new_grid) {
  absl::Status status;
  for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {
    ForEachLevel(side, [&](const Level& l) {
      if (new_grid.IsOnGrid(l.price)) return true;
      status = absl::InvalidArgumentError(
          absl::StrCat(BookSideName(side), " level ", l.size.ToString(), "@", l.price.ToString(),
                       " is off the new grid ", new_grid.ToString()));
      return false;
    });
    if (!status.ok()) return status;
  }
  OrderBook rebuilt(std::move(new_grid));
  for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {
    ForEachLevel(
        side, [&](const Level& l) { rebuilt.Store(side, rebuilt.grid_.IndexOf(l.price), l.size); });
  }
  rebuilt.update_count_ = update_count_ + 1;
  *this = std::move(rebuilt);
  return absl::OkStatus();
}

Quantity OrderBook::SizeAt(BookSide side, Price price) const {
  if (!grid_.IsOnGrid(price)) return Quantity::Zero();
  return ladder(side).at(grid_.IndexOf(price));
}

CrossState OrderBook::cross_state() const {
  // Both sides share one grid, so slot order is price order.
  if (best_bid_ < 0 || best_ask_ < 0 || best_bid_ < best_ask_) return CrossState::kNormal;
  return best_bid_ == best_ask_ ? CrossState::kLocked : CrossState::kCrossed;
}

void OrderBook::TopLevels(BookSide side, size_t n, std::vector<Level>* out) const {
  out->clear();
  if (n == 0) return;
  ForEachLevel(side, [&](const Level& l) {
    out->push_back(l);
    return out->size() < n;
  });
}

SweepResult OrderBook::SweepBuyQuantity(Quantity quantity) const {
  return internal::SweepQuantity([this](auto&& fn) { ForEachLevel(BookSide::kAsk, fn); }, quantity,
                                 /*buy=*/true);
}

SweepResult OrderBook::SweepSellQuantity(Quantity quantity) const {
  return internal::SweepQuantity([this](auto&& fn) { ForEachLevel(BookSide::kBid, fn); }, quantity,
                                 /*buy=*/false);
}

SweepResult OrderBook::SweepBuyNotional(Money budget) const {
  return internal::SweepBuyBudget([this](auto&& fn) { ForEachLevel(BookSide::kAsk, fn); }, budget);
}

SweepResult OrderBook::SweepSellNotional(Money target_proceeds) const {
  return internal::SweepSellTarget([this](auto&& fn) { ForEachLevel(BookSide::kBid, fn); },
                                   target_proceeds);
}

}  // namespace arbor::book
