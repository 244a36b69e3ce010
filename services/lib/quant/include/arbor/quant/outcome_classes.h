// File: arbor/quant/outcome_classes.h
//
// Outcomes that every valid joint outcome ties together: a two-outcome block (a binary market's
// YES/NO) says z_no = 1 − z_yes, and an equivalence row (z_a − z_b = 0, or z_a + z_b = 1) says
// z_b = z_a (or 1 − z_a). Each class of outcomes linked that way is one free 0/1 variable, a
// "column": outcome i is column[i], or its complement when negated[i]. Markets quoted twice (a
// NegRisk event plus binaries, two venues) and every binary market's NO halve or third the
// dimension the oracle (CbcOracle) and the projection (BarrierFrankWolfe) work in.
//
//   OutcomeClasses classes = ClassifyOutcomes(model);
//   if (!classes.contradiction.empty()) { /* Z is empty */ }
//   const double x = z[classes.representative[classes.column[i]]];  // column value of vertex z
//
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arbor/quant/polytope_model.h"

namespace arbor::quant {

struct OutcomeClasses {
  int columns = 0;
  std::vector<int> column;          // per outcome
  std::vector<uint8_t> negated;     // per outcome: z_i = 1 − x_column
  std::vector<int> representative;  // per column: an outcome with negated = 0
  // Per constraint of model.constraints(): 1 if it is an equivalence row encoded by the classes
  // (an oracle need not state it again).
  std::vector<uint8_t> encoded;
  // Non-empty if the links contradict each other (z_a = z_b and z_a = 1 − z_b): Z is empty.
  std::string contradiction;
};

OutcomeClasses ClassifyOutcomes(const PolytopeModel& model);

}  // namespace arbor::quant
