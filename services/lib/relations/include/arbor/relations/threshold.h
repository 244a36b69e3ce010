// File: arbor/relations/threshold.h
//
// Numeric thresholds in tokenised questions (text.h) for the threshold-ladder rule: "above
// $100k", "over 50%", "at least 270 electoral votes", "≥ 3.5%", "more than 10 seats", "25F or
// below", "5+ points".
//
// A threshold is a comparator and a number. Upward comparators (true when the quantity is above
// the number): above, over, exceed(s/ing), more / greater / higher than, at least, no less than,
// ">", ">=" before the number; "or more", "or higher", "or above", "or greater", "or over", "+"
// after it. Downward: below, under, less / fewer / lower than, at most, no more than, "<", "<="
// before; "or less", "or fewer", "or lower", "or below", "or under" after. Touch comparators
// (`touch`): reach(es), surpass(es) upward; dip(s) / fall(s) / drop(s) to downward ("hit" is
// not one: Polymarket uses it both ways).
//
// The number: an optional "$", digits with ',' / '.' ("64,000", "3.5"), an optional magnitude
// ("k", "m"/"mn", "b"/"bn", "t"/"tn" glued on, or the words thousand / million / billion /
// trillion), an optional "%" or "percent"; letters glued on that are not a magnitude are its unit
// ("25f" -> 25, unit "f"). Ordinals ("3rd"), ranges ("26-27"), dates and times are not numbers.
// Units other than "$", "%" and glued letters stay in the question's stem as words ("seats",
// "electoral votes"), so comparing stems compares them.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace arbor::relations {

struct ThresholdPhrase {
  size_t begin = 0;    // first token of the comparator (or of the number for suffix comparators)
  size_t end = 0;      // one past the last token of the phrase
  int direction = 0;   // +1: true when the quantity is above `value`; -1: below
  double value = 0;    // magnitude applied: "$1.5m" -> 1500000
  std::string unit;    // "$", "%", glued letters ("f"), or "" (words stay in the stem)
  bool touch = false;  // a touch comparator: reach / dip to (a path event, not a level)

  // The stem placeholder: "<above:$>", "<below:%>", "<above:>", "<reach:$>", "<dip:$>".
  std::string Placeholder() const;
};

// FindThresholds
//
// Every comparator + number phrase, left to right, non-overlapping.
std::vector<ThresholdPhrase> FindThresholds(const std::vector<std::string>& tokens);

}  // namespace arbor::relations
