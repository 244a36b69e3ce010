// File: arbor/relations/deadline.h
//
// Date phrases in tokenised questions (text.h) for the temporal-ladder rule: "by June 30, 2026",
// "before the end of 2026", "by Q1 2026", "on March 11", "in the week of March 2".
//
// A phrase is a trigger followed by a date. Only "by", "before", "prior to" and "no later than"
// are cumulative ("X by D" stays true once X happened, so an earlier deadline implies a later
// one); "on", "in", "during", "after", "until", "through", "since", "from", "as of", "week of"
// and every other context are not, and a bare date (no trigger) is never a deadline.
//
// Date forms (lower-case tokens): "2026-12-31", "12/31/2026", "12/31", "december 31 2026",
// "dec 31", "31 december 2026", "31st of december", "march", "march 2026", "2026", "q1 2026",
// "h2", "end of 2026", "the end of march", "end of the year", "start of 2027". A date without a
// year has year 0 (the rule takes it from the market's end date).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"

namespace arbor::relations {

// A set of possible days within one year: [first, last]. "march" is 03-01..03-31, "march 15" is
// 03-15..03-15, "end of 2026" is 2026-12-31..2026-12-31.
struct DateSpec {
  int year = 0;  // 0 = not stated
  int first_month = 1;
  int first_day = 1;
  int last_month = 12;
  int last_day = 31;

  friend bool operator==(const DateSpec&, const DateSpec&) = default;
};

// DaysIn
//
// The [first, last] civil days of `date` in `year` (date.year when non-zero). A last_day past the
// month's end means its last day (Feb 29 in a non-leap year is Feb 28).
std::pair<absl::CivilDay, absl::CivilDay> DaysIn(const DateSpec& date, int year);

// ParseDate
//
// The date starting at tokens[begin] (an optional leading "the" is skipped); `*end` is set past
// its last token. nullopt when no date form matches there, or the day does not exist.
std::optional<DateSpec> ParseDate(const std::vector<std::string>& tokens, size_t begin,
                                  size_t* end);

struct DatePhrase {
  size_t begin = 0;     // first token of the trigger
  size_t end = 0;       // one past the date's last token
  std::string trigger;  // "by", "before", "prior to", "no later than", "on", "in", ...
  // "by" / "prior to" / "no later than" / "before": true only for these.
  bool cumulative = false;
  // "before D" ends the day before D (DaysIn is then shifted back by one day by the rule).
  bool exclusive = false;
  DateSpec date;
};

// FindDatePhrases
//
// Every trigger + date phrase, left to right, non-overlapping (longest trigger first: "in the
// week of" before "in").
std::vector<DatePhrase> FindDatePhrases(const std::vector<std::string>& tokens);

}  // namespace arbor::relations
