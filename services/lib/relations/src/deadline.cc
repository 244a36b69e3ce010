#include "arbor/relations/deadline.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "absl/strings/numbers.h"
#include "arbor/core/strings.h"
#include "arbor/relations/text.h"

namespace arbor::relations {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A non-negative integer made of digits only, else -1.
int Number(std::string_view s) {
  int v = 0;
  if (!AllDigits(s) || s.size() > 6 || !absl::SimpleAtoi(ToAbsl(s), &v)) return -1;
  return v;
}

// 1..31, optionally with an ordinal suffix ("31", "1st", "22nd", "3rd", "30th"); else -1.
int DayOf(std::string_view s) {
  for (std::string_view suffix : {"st", "nd", "rd", "th"}) {
    if (s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix) {
      s.remove_suffix(suffix.size());
      break;
    }
  }
  if (s.size() > 2) return -1;
  const int d = Number(s);
  return d >= 1 && d <= 31 ? d : -1;
}

// A four-digit year in [1900, 2200], else -1.
int YearOf(std::string_view s) {
  if (s.size() != 4) return -1;
  const int y = Number(s);
  return y >= 1900 && y <= 2200 ? y : -1;
}

int DaysInMonth(int year, int month) {
  // Year 0 (not stated) is treated as a leap year, so "feb 29" parses.
  const int y = year == 0 ? 2000 : year;
  return static_cast<int>(absl::CivilDay(y, month + 1, 1) - absl::CivilDay(y, month, 1));
}

bool ValidDay(int year, int month, int day) {
  return month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(year, month);
}

DateSpec Day(int year, int month, int day) { return {year, month, day, month, day}; }

std::string_view At(const std::vector<std::string>& t, size_t i) {
  return i < t.size() ? std::string_view(t[i]) : std::string_view();
}

// "2026-12-31".
std::optional<DateSpec> Iso(std::string_view s) {
  if (s.size() < 8 || s.size() > 10 || s[4] != '-') return std::nullopt;
  const int year = YearOf(s.substr(0, 4));
  const size_t dash = s.find('-', 5);
  if (year < 0 || dash == std::string_view::npos) return std::nullopt;
  const int month = Number(s.substr(5, dash - 5));
  const int day = Number(s.substr(dash + 1));
  if (!ValidDay(year, month, day)) return std::nullopt;
  return Day(year, month, day);
}

// "12/31/2026", "12/31/26", "12/31" (US order).
std::optional<DateSpec> Slashed(std::string_view s) {
  const size_t first = s.find('/');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = s.find('/', first + 1);
  const int month = Number(s.substr(0, first));
  const int day = Number(s.substr(
      first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1));
  int year = 0;
  if (second != std::string_view::npos) {
    const std::string_view y = s.substr(second + 1);
    if (y.size() == 2 && Number(y) >= 0) {
      year = 2000 + Number(y);
    } else {
      year = YearOf(y);
      if (year < 0) return std::nullopt;
    }
  }
  if (!ValidDay(year, month, day)) return std::nullopt;
  return Day(year, month, day);
}

}  // namespace

std::pair<absl::CivilDay, absl::CivilDay> DaysIn(const DateSpec& date, int year) {
  const int y = date.year != 0 ? date.year : year;
  const int first_day = std::min(date.first_day, DaysInMonth(y, date.first_month));
  const int last_day = std::min(date.last_day, DaysInMonth(y, date.last_month));
  return {absl::CivilDay(y, date.first_month, first_day),
          absl::CivilDay(y, date.last_month, last_day)};
}

std::optional<DateSpec> ParseDate(const std::vector<std::string>& t, size_t begin, size_t* end) {
  size_t i = begin;
  if (At(t, i) == "the") ++i;
  const std::string_view tok = At(t, i);
  if (tok.empty()) return std::nullopt;

  // "end of X" / "start of X": the last / first day of X.
  const bool end_of = tok == "end" || tok == "close";
  const bool start_of = tok == "start" || tok == "beginning";
  if ((end_of || start_of) && At(t, i + 1) == "of") {
    DateSpec inner;
    size_t inner_end = 0;
    if (At(t, i + 2) == "the" && At(t, i + 3) == "year") {
      inner = DateSpec{};
      inner_end = i + 4;
    } else {
      std::optional<DateSpec> d = ParseDate(t, i + 2, &inner_end);
      if (!d.has_value()) return std::nullopt;
      inner = *d;
    }
    if (end_of) {
      inner.first_month = inner.last_month;
      inner.first_day = inner.last_day;
    } else {
      inner.last_month = inner.first_month;
      inner.last_day = inner.first_day;
    }
    *end = inner_end;
    return inner;
  }

  // One-token forms.
  if (std::optional<DateSpec> d = Iso(tok); d.has_value()) {
    *end = i + 1;
    return d;
  }
  if (std::optional<DateSpec> d = Slashed(tok); d.has_value()) {
    *end = i + 1;
    return d;
  }

  // Quarters and halves, optionally followed by a year.
  if (tok.size() == 2 && (tok[0] == 'q' || tok[0] == 'h') && tok[1] >= '1' &&
      tok[1] <= (tok[0] == 'q' ? '4' : '2')) {
    const int n = tok[1] - '0';
    const int months = tok[0] == 'q' ? 3 : 6;
    DateSpec d{0, (n - 1) * months + 1, 1, n * months, 31};
    *end = i + 1;
    if (const int y = YearOf(At(t, i + 1)); y >= 0) {
      d.year = y;
      *end = i + 2;
    }
    return d;
  }

  // "march", "march 2026", "dec 31", "december 31 2026".
  if (const int month = MonthFromName(tok); month > 0) {
    size_t j = i + 1;
    int day = DayOf(At(t, j));
    if (day > 0) ++j;
    int year = YearOf(At(t, j));
    if (year >= 0) {
      ++j;
    } else {
      year = 0;
    }
    if (day > 0 && !ValidDay(year, month, day)) return std::nullopt;
    *end = j;
    return day > 0 ? Day(year, month, day) : DateSpec{year, month, 1, month, 31};
  }

  // "31 december 2026", "31st of december".
  if (const int day = DayOf(tok); day > 0) {
    size_t j = i + 1;
    if (At(t, j) == "of") ++j;
    const int month = MonthFromName(At(t, j));
    if (month == 0) return std::nullopt;
    ++j;
    int year = YearOf(At(t, j));
    if (year >= 0) {
      ++j;
    } else {
      year = 0;
    }
    if (!ValidDay(year, month, day)) return std::nullopt;
    *end = j;
    return Day(year, month, day);
  }

  // "2026".
  if (const int year = YearOf(tok); year >= 0) {
    *end = i + 1;
    return DateSpec{year, 1, 1, 12, 31};
  }
  return std::nullopt;
}

std::vector<DatePhrase> FindDatePhrases(const std::vector<std::string>& tokens) {
  struct Trigger {
    std::vector<std::string_view> words;
    bool cumulative;
    bool exclusive;
  };
  // Longest first where one is a prefix of another.
  static const std::vector<Trigger> kTriggers = {
      {{"no", "later", "than"}, true, false},
      {{"prior", "to"}, true, true},
      {{"by"}, true, false},
      {{"before"}, true, true},
      {{"in", "the", "week", "of"}, false, false},
      {{"the", "week", "of"}, false, false},
      {{"week", "of"}, false, false},
      {{"as", "of"}, false, false},
      {{"on"}, false, false},
      {{"in"}, false, false},
      {{"during"}, false, false},
      {{"after"}, false, false},
      {{"until"}, false, false},
      {{"till"}, false, false},
      {{"through"}, false, false},
      {{"thru"}, false, false},
      {{"since"}, false, false},
      {{"from"}, false, false},
      {{"between"}, false, false},
      {{"at"}, false, false},
      {{"for"}, false, false},
      {{"of"}, false, false},
  };
  std::vector<DatePhrase> out;
  size_t i = 0;
  while (i < tokens.size()) {
    bool found = false;
    for (const Trigger& trigger : kTriggers) {
      const size_t n = trigger.words.size();
      if (i + n > tokens.size()) continue;
      bool match = true;
      for (size_t k = 0; k < n && match; ++k) match = tokens[i + k] == trigger.words[k];
      if (!match) continue;
      size_t end = 0;
      std::optional<DateSpec> date = ParseDate(tokens, i + n, &end);
      if (!date.has_value()) continue;
      DatePhrase p;
      p.begin = i;
      p.end = end;
      for (size_t k = 0; k < n; ++k) {
        if (k > 0) p.trigger.push_back(' ');
        p.trigger.append(trigger.words[k]);
      }
      p.cumulative = trigger.cumulative;
      p.exclusive = trigger.exclusive;
      p.date = *date;
      out.push_back(std::move(p));
      i = end;
      found = true;
      break;
    }
    if (!found) ++i;
  }
  return out;
}

}  // namespace arbor::relations
