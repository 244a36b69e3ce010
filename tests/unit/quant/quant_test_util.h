// Shared helpers for the arbor::quant tests: exact decimal literals and ladders.
#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"
#include "arbor/quant/bundle_pricer.h"
#include "arbor/quant/worst_case.h"

namespace arbor::quant::testing {

inline Price P(std::string_view s) { return *Price::Parse(s); }
inline Quantity Q(std::string_view s) { return *Quantity::Parse(s); }
inline Money M(std::string_view s) { return *Money::Parse(s); }

// {{"0.62", "100"}, {"0.64", "50"}} -> levels, best first as given.
inline std::vector<book::Level> Ladder(
    std::initializer_list<std::pair<const char*, const char*>> levels) {
  std::vector<book::Level> out;
  for (const auto& [price, size] : levels) out.push_back({P(price), Q(size)});
  return out;
}

// The positions a quote leaves, built from its legs alone (not from its kind's payoff formula):
// outcome i's leg buys YES (kBuyAll) or NO (kBuyAllNo) of outcome i; kSplitSell first receives
// size_sets of every outcome from the split, then sells each leg's size.
inline std::vector<OutcomePosition> PositionsOf(const BundleQuote& q) {
  std::vector<OutcomePosition> pos(q.legs.size());
  for (size_t i = 0; i < q.legs.size(); ++i) {
    switch (q.kind) {
      case BundleKind::kBuyAll:
        pos[i].yes += q.legs[i].size;
        break;
      case BundleKind::kBuyAllNo:
        pos[i].no += q.legs[i].size;
        break;
      case BundleKind::kSplitSell:
        pos[i].yes += q.size_sets;
        pos[i].yes -= q.legs[i].size;
        break;
    }
  }
  return pos;
}

}  // namespace arbor::quant::testing
