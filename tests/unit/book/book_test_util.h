// File: tests/unit/book/book_test_util.h
//
// Shorthands for book tests: exact decimal literals for Price / Quantity / Money (a bad literal
// is a test bug and aborts), and a snapshot of a book side as a vector for EXPECT_THAT.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/book/level.h"
#include "arbor/core/check.h"
#include "arbor/core/fixed_point.h"

namespace arbor::book::testing {

template <typename T>
T ParseOrDie(std::string_view text) {
  absl::StatusOr<T> v = T::Parse(text);
  ARBOR_CHECK(v.ok(), text);
  return *v;
}

inline Price P(std::string_view text) { return ParseOrDie<Price>(text); }
inline Quantity Q(std::string_view text) { return ParseOrDie<Quantity>(text); }
inline Money M(std::string_view text) { return ParseOrDie<Money>(text); }
inline Level L(std::string_view price, std::string_view size) { return Level{P(price), Q(size)}; }

// All levels of `side` of `book` (OrderBook or ComplementView), best first.
template <typename Book>
std::vector<Level> LevelsOf(const Book& book, BookSide side) {
  std::vector<Level> out;
  book.ForEachLevel(side, [&](const Level& l) { out.push_back(l); });
  return out;
}

}  // namespace arbor::book::testing
