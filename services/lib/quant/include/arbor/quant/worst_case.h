// File: arbor/quant/worst_case.h
//
// WorstCasePayoff: what a set of positions in one block is guaranteed to pay, by enumerating the
// block's valid outcomes. A block is n mutually exclusive outcomes (a binary market's {YES, NO},
// or the questions of a NegRisk event); in an exhaustive block exactly one outcome pays, in a
// non-exhaustive one (an augmented NegRisk event with placeholder outcomes) also none may.
//
//   outcome j pays:  yes[j] + sum_{i != j} no[i]        none pays: sum_i no[i]
//
// The bundle pricer derives its worst case from the bundle kind; this is the independent check
// (tests assert the two agree). Positions are signed (negative = short). Pure; thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/core/fixed_point.h"

namespace arbor::quant {

// Our holding in one outcome of the block: YES tokens and NO tokens of that outcome. For a binary
// market, model YES and NO as the YES tokens of two outcomes.
struct OutcomePosition {
  Quantity yes;
  Quantity no;
};

struct BlockPayoff {
  Money worst;             // minimum over valid outcomes of the resolution value
  int worst_outcome = -1;  // index of a minimising outcome; -1 = "none of the listed pays"
};

// WorstCasePayoff
//
// Minimum over the valid outcomes of the block of what `positions` pay ($1 per winning token).
// `exhaustive`: exactly one outcome pays; otherwise "none pays" is also valid. Errors:
// InvalidArgument for an empty block; OutOfRange if a payoff does not fit Money.
[[nodiscard]] absl::StatusOr<BlockPayoff> WorstCasePayoff(
    absl::Span<const OutcomePosition> positions, bool exhaustive = true);

}  // namespace arbor::quant
