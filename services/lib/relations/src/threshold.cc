#include "arbor/relations/threshold.h"

#include <cmath>
#include <optional>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace arbor::relations {
namespace {

struct Comparator {
  std::vector<std::string_view> words;
  int direction;
  bool touch = false;  // "reach" / "dip to": a path event rather than a level
};

// Before the number. Longer sequences first where one ends another ("no more than").
const std::vector<Comparator>& PrefixComparators() {
  static const std::vector<Comparator> kList = {
      {{"no", "less", "than"}, +1},
      {{"no", "fewer", "than"}, +1},
      {{"no", "more", "than"}, -1},
      {{"at", "least"}, +1},
      {{"more", "than"}, +1},
      {{"greater", "than"}, +1},
      {{"higher", "than"}, +1},
      {{"above"}, +1},
      {{"over"}, +1},
      {{"exceed"}, +1},
      {{"exceeds"}, +1},
      {{"exceeding"}, +1},
      {{">"}, +1},
      {{">="}, +1},
      {{"at", "most"}, -1},
      {{"less", "than"}, -1},
      {{"fewer", "than"}, -1},
      {{"lower", "than"}, -1},
      {{"below"}, -1},
      {{"under"}, -1},
      {{"<"}, -1},
      {{"<="}, -1},
      // Touch markets ("Will BTC reach $120k by June?", "Will BTC dip to $80k?"): resolved on
      // the high / low over the window, so the same ordering holds.
      {{"reach"}, +1, true},
      {{"reaches"}, +1, true},
      {{"surpass"}, +1, true},
      {{"surpasses"}, +1, true},
      {{"dip", "to"}, -1, true},
      {{"dips", "to"}, -1, true},
      {{"fall", "to"}, -1, true},
      {{"falls", "to"}, -1, true},
      {{"drop", "to"}, -1, true},
      {{"drops", "to"}, -1, true},
  };
  return kList;
}

// After the number.
const std::vector<Comparator>& SuffixComparators() {
  static const std::vector<Comparator> kList = {
      {{"or", "more"}, +1},    {{"or", "higher"}, +1}, {{"or", "above"}, +1},
      {{"or", "greater"}, +1}, {{"or", "over"}, +1},   {{"+"}, +1},
      {{"or", "less"}, -1},    {{"or", "fewer"}, -1},  {{"or", "lower"}, -1},
      {{"or", "below"}, -1},   {{"or", "under"}, -1},
  };
  return kList;
}

// Length of `c` if it matches at tokens[i], else 0.
size_t MatchAt(const std::vector<std::string>& tokens, size_t i, const Comparator& c) {
  if (i + c.words.size() > tokens.size()) return 0;
  for (size_t k = 0; k < c.words.size(); ++k) {
    if (tokens[i + k] != c.words[k]) return 0;
  }
  return c.words.size();
}

double Magnitude(std::string_view word) {
  if (word == "k" || word == "thousand") return 1e3;
  if (word == "m" || word == "mn" || word == "million") return 1e6;
  if (word == "b" || word == "bn" || word == "billion") return 1e9;
  if (word == "t" || word == "tn" || word == "trillion") return 1e12;
  return 0;
}

struct NumberExpr {
  size_t end = 0;
  double value = 0;
  std::string unit;
};

// "$", "64,000", "1.5m", "25f", then "million" / "%" / "percent".
std::optional<NumberExpr> ParseNumberExpr(const std::vector<std::string>& tokens, size_t i) {
  bool dollar = false;
  if (i < tokens.size() && tokens[i] == "$") {
    dollar = true;
    ++i;
  }
  if (i >= tokens.size()) return std::nullopt;
  const std::string& tok = tokens[i];
  size_t digits_end = 0;
  while (digits_end < tok.size() && ((tok[digits_end] >= '0' && tok[digits_end] <= '9') ||
                                     tok[digits_end] == ',' || tok[digits_end] == '.')) {
    ++digits_end;
  }
  if (digits_end == 0 || tok[0] < '0' || tok[0] > '9') return std::nullopt;
  std::string digits;
  for (size_t k = 0; k < digits_end; ++k) {
    if (tok[k] != ',') digits.push_back(tok[k]);
  }
  const std::string_view suffix = std::string_view(tok).substr(digits_end);
  for (char c : suffix) {
    if (c < 'a' || c > 'z') return std::nullopt;  // ranges, dates, times: "26-27", "5:20"
  }
  if (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th") return std::nullopt;
  double value = 0;
  if (!absl::SimpleAtod(digits, &value) || !std::isfinite(value)) return std::nullopt;
  NumberExpr n;
  std::string unit;
  if (const double m = Magnitude(suffix); m > 0) {
    value *= m;
  } else {
    unit = std::string(suffix);
  }
  ++i;
  if (unit.empty() && Magnitude(suffix) == 0 && i < tokens.size() && tokens[i].size() > 1 &&
      Magnitude(tokens[i]) > 0) {
    value *= Magnitude(tokens[i]);  // "1.5 million", "3 trillion"
    ++i;
  }
  if (i < tokens.size() && (tokens[i] == "%" || tokens[i] == "percent")) {
    unit = unit.empty() ? "%" : absl::StrCat(unit, "%");
    ++i;
  }
  if (dollar) unit = absl::StrCat("$", unit);
  n.end = i;
  n.value = value;
  n.unit = std::move(unit);
  return n;
}

}  // namespace

std::string ThresholdPhrase::Placeholder() const {
  return absl::StrCat(
      touch ? (direction > 0 ? "<reach:" : "<dip:") : (direction > 0 ? "<above:" : "<below:"), unit,
      ">");
}

std::vector<ThresholdPhrase> FindThresholds(const std::vector<std::string>& tokens) {
  std::vector<ThresholdPhrase> out;
  size_t i = 0;
  while (i < tokens.size()) {
    bool found = false;
    for (const Comparator& c : PrefixComparators()) {
      const size_t len = MatchAt(tokens, i, c);
      if (len == 0) continue;
      std::optional<NumberExpr> n = ParseNumberExpr(tokens, i + len);
      if (!n.has_value()) continue;
      out.push_back({i, n->end, c.direction, n->value, n->unit, c.touch});
      i = n->end;
      found = true;
      break;
    }
    if (found) continue;
    if (std::optional<NumberExpr> n = ParseNumberExpr(tokens, i); n.has_value()) {
      for (const Comparator& c : SuffixComparators()) {
        const size_t len = MatchAt(tokens, n->end, c);
        if (len == 0) continue;
        out.push_back({i, n->end + len, c.direction, n->value, n->unit, false});
        i = n->end + len;
        found = true;
        break;
      }
      if (found) continue;
      i = n->end;  // a number without a comparator: skip it whole ("$" included)
      continue;
    }
    ++i;
  }
  return out;
}

}  // namespace arbor::relations
