// File: arbor/book/level.h
//
// The vocabulary shared by every book type: which side of the book, and one aggregated price
// level (L2: total size resting at a price). Plain trivially copyable values.
#pragma once

#include <ostream>

#include "arbor/core/fixed_point.h"

namespace arbor::book {

enum class BookSide { kBid, kAsk };

// The other side of the book.
constexpr BookSide Opposite(BookSide side) {
  return side == BookSide::kBid ? BookSide::kAsk : BookSide::kBid;
}

// "bid" / "ask".
constexpr const char* BookSideName(BookSide side) { return side == BookSide::kBid ? "bid" : "ask"; }

// One aggregated price level: `size` shares (contracts) resting at `price`.
struct Level {
  Price price;
  Quantity size;

  friend bool operator==(const Level&, const Level&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Level& l) {
    return os << l.size << "@" << l.price;
  }
};

}  // namespace arbor::book
