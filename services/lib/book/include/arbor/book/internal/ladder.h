// File: arbor/book/internal/ladder.h
//
// Implementation detail of OrderBook: one side of a book as a dense array of sizes indexed by
// grid slot, plus a two-level occupancy bitmap (one bit per slot, one summary bit per non-empty
// bitmap word) so that finding the next non-empty slot in either direction costs a few word
// scans even on a 1e-6 grid. All storage is allocated by the constructor; every other member is
// allocation-free. Not thread-safe; owned by one OrderBook.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "arbor/core/fixed_point.h"

namespace arbor::book::internal {

class Ladder {
 public:
  // A ladder with `slots` empty slots (slots >= 1).
  explicit Ladder(int slots)
      : sizes_(static_cast<size_t>(slots)),
        words_(static_cast<size_t>(slots + 63) / 64, 0),
        summary_((words_.size() + 63) / 64, 0) {}

  int slots() const { return static_cast<int>(sizes_.size()); }
  int count() const { return count_; }
  bool empty() const { return count_ == 0; }

  // The size at slot `i` (zero when empty). Precondition: 0 <= i < slots().
  Quantity at(int i) const { return sizes_[static_cast<size_t>(i)]; }
  bool occupied(int i) const { return (words_[static_cast<size_t>(i) >> 6] >> (i & 63)) & 1u; }

  // Sets slot `i` to `size`; zero empties it. Precondition: size >= 0, 0 <= i < slots().
  void Set(int i, Quantity size) {
    const size_t w = static_cast<size_t>(i) >> 6;
    const uint64_t bit = uint64_t{1} << (i & 63);
    sizes_[static_cast<size_t>(i)] = size;
    if (size.IsZero()) {
      if (words_[w] & bit) {
        --count_;
        words_[w] &= ~bit;
        if (words_[w] == 0) summary_[w >> 6] &= ~(uint64_t{1} << (w & 63));
      }
    } else if (!(words_[w] & bit)) {
      ++count_;
      words_[w] |= bit;
      summary_[w >> 6] |= uint64_t{1} << (w & 63);
    }
  }

  // The lowest occupied slot >= i, or -1. Precondition: 0 <= i.
  int FirstAtOrAbove(int i) const {
    if (i >= slots()) return -1;
    size_t w = static_cast<size_t>(i) >> 6;
    const uint64_t bits = words_[w] & (~uint64_t{0} << (i & 63));
    if (bits != 0) return static_cast<int>(w * 64 + static_cast<size_t>(std::countr_zero(bits)));
    // Next non-empty word strictly above w, via the summary bitmap.
    size_t sw = (w + 1) >> 6;
    if (sw >= summary_.size()) return -1;
    uint64_t sbits = summary_[sw] & (~uint64_t{0} << ((w + 1) & 63));
    while (sbits == 0) {
      if (++sw >= summary_.size()) return -1;
      sbits = summary_[sw];
    }
    w = sw * 64 + static_cast<size_t>(std::countr_zero(sbits));
    return static_cast<int>(w * 64 + static_cast<size_t>(std::countr_zero(words_[w])));
  }

  // The highest occupied slot <= i, or -1. i may be negative (returns -1) or >= slots().
  int LastAtOrBelow(int i) const {
    if (i < 0) return -1;
    if (i >= slots()) i = slots() - 1;
    size_t w = static_cast<size_t>(i) >> 6;
    // Keep bits 0..(i & 63); the shift is by at most 63.
    const uint64_t bits = words_[w] & (~uint64_t{0} >> (63 - (i & 63)));
    if (bits != 0) {
      return static_cast<int>(w * 64 + 63 - static_cast<size_t>(std::countl_zero(bits)));
    }
    if (w == 0) return -1;
    // Previous non-empty word strictly below w.
    const size_t prev = w - 1;
    size_t sw = prev >> 6;
    uint64_t sbits = summary_[sw] & (~uint64_t{0} >> (63 - (prev & 63)));
    while (sbits == 0) {
      if (sw == 0) return -1;
      sbits = summary_[--sw];
    }
    w = sw * 64 + 63 - static_cast<size_t>(std::countl_zero(sbits));
    return static_cast<int>(w * 64 + 63 - static_cast<size_t>(std::countl_zero(words_[w])));
  }

  int Lowest() const { return FirstAtOrAbove(0); }
  int Highest() const { return LastAtOrBelow(slots() - 1); }

  // Empties every slot, touching only occupied ones (cost ~ levels + slots / 4096).
  void Clear() {
    for (int i = Lowest(); i >= 0; i = FirstAtOrAbove(i + 1)) {
      sizes_[static_cast<size_t>(i)] = Quantity::Zero();
    }
    for (size_t sw = 0; sw < summary_.size(); ++sw) {
      uint64_t sbits = summary_[sw];
      while (sbits != 0) {
        words_[sw * 64 + static_cast<size_t>(std::countr_zero(sbits))] = 0;
        sbits &= sbits - 1;
      }
      summary_[sw] = 0;
    }
    count_ = 0;
  }

 private:
  std::vector<Quantity> sizes_;
  std::vector<uint64_t> words_;    // bit s of words_[w]: slot w * 64 + s is non-empty
  std::vector<uint64_t> summary_;  // bit s of summary_[k]: words_[k * 64 + s] != 0
  int count_ = 0;
};

}  // namespace arbor::book::internal
