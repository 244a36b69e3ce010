#include "arbor/relations/inference.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arbor/relations/deadline.h"
#include "arbor/relations/relation_store.h"
#include "arbor/relations/text.h"
#include "arbor/relations/tfidf.h"
#include "arbor/relations/threshold.h"

namespace arbor::relations {
namespace {

constexpr char kTemporalRule[] = "temporal_ladder";
constexpr char kThresholdRule[] = "threshold_ladder";
constexpr char kParentChildRule[] = "parent_child";
constexpr char kNegRiskEquivalenceRule[] = "negrisk_equivalence";

constexpr int64_t kDayNanos = 86'400'000'000'000;
// A year missing from the text is taken from the end date only if the deadline then falls within
// this many days of it.
constexpr int64_t kMaxYearInferenceGapDays = 62;

// Words that flip or blur the meaning of a cumulative / threshold question ("Will X not happen by
// June" implies "... not by March": the direction reverses). Such questions take no ladder rule.
bool IsNegation(const std::string& t) {
  static const absl::flat_hash_set<std::string> kWords = {
      "not",      "never", "no",    "nobody", "none",  "without", "remain", "remains",
      "remained", "stay",  "stays", "still",  "fail",  "fails",   "wont",   "isnt",
      "doesnt",   "dont",  "cant",  "cannot", "arent", "wasnt",   "didnt",  "neither"};
  return kWords.contains(t);
}

bool AnyNegation(const std::vector<std::string>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(), IsNegation);
}

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

// "above 120000 $", "below 3.5 %".
std::string ThresholdText(const ThresholdPhrase& t) {
  const char* word =
      t.touch ? (t.direction > 0 ? "reach " : "dip to ") : (t.direction > 0 ? "above " : "below ");
  return absl::StrCat(word, absl::StrFormat("%.12g", t.value), t.unit.empty() ? "" : " ", t.unit);
}

// Everything the rules read about one market, computed once.
struct Analysis {
  const MarketText* market = nullptr;
  bool usable = false;  // id, question, yes/no outcomes
  std::vector<std::string> tokens;
  std::string full_stem;
  std::optional<DatePhrase> deadline;  // the one cumulative deadline phrase
  std::string temporal_stem;           // tokens with it replaced by "<deadline>"
  std::optional<ThresholdPhrase> threshold;
  std::string threshold_stem;  // tokens with it replaced by its placeholder
};

std::string Replaced(const std::vector<std::string>& tokens, size_t begin, size_t end,
                     const std::string& placeholder) {
  std::vector<std::string> out(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(begin));
  out.push_back(placeholder);
  out.insert(out.end(), tokens.begin() + static_cast<std::ptrdiff_t>(end), tokens.end());
  return JoinTokens(out);
}

Analysis Analyse(const MarketText& m) {
  Analysis a;
  a.market = &m;
  a.usable = !m.market_id.empty() && !m.question.empty() && IsYesNoMarket(m);
  a.tokens = TokenizeQuestion(m.question);
  a.full_stem = JoinTokens(a.tokens);
  if (a.tokens.empty()) a.usable = false;
  if (!a.usable) return a;
  std::vector<DatePhrase> phrases = FindDatePhrases(a.tokens);
  std::vector<ThresholdPhrase> thresholds = FindThresholds(a.tokens);
  // Negations outside the phrases ("no later than", "no more than" are comparators, not
  // negations).
  std::vector<bool> covered(a.tokens.size(), false);
  auto cover = [&covered](size_t begin, size_t end) {
    for (size_t i = begin; i < end && i < covered.size(); ++i) covered[i] = true;
  };
  for (const DatePhrase& p : phrases) cover(p.begin, p.end);
  for (const ThresholdPhrase& p : thresholds) cover(p.begin, p.end);
  for (size_t i = 0; i < a.tokens.size(); ++i) {
    if (!covered[i] && IsNegation(a.tokens[i])) return a;
  }
  std::vector<DatePhrase> cumulative;
  for (DatePhrase& p : phrases) {
    if (p.cumulative) cumulative.push_back(std::move(p));
  }
  if (cumulative.size() == 1) {
    a.temporal_stem = Replaced(a.tokens, cumulative[0].begin, cumulative[0].end, "<deadline>");
    a.deadline = std::move(cumulative[0]);
  }
  if (thresholds.size() == 1) {
    a.threshold_stem =
        Replaced(a.tokens, thresholds[0].begin, thresholds[0].end, thresholds[0].Placeholder());
    a.threshold = std::move(thresholds[0]);
  }
  return a;
}

absl::CivilDay EndDay(int64_t end_unix_nanos) {
  return absl::ToCivilDay(absl::FromUnixNanos(end_unix_nanos), absl::UTCTimeZone());
}

enum class YearSource { kStated, kFromEnd, kAssumed };

struct Deadline {
  absl::CivilDay first;
  absl::CivilDay last;
  YearSource source = YearSource::kStated;
};

// The days the deadline phrase can mean. A missing year comes from the end date (the year that
// puts the deadline closest to it, within kMaxYearInferenceGapDays) or, when `assume_year` is
// set, is taken as 2000 (a leap year) for both sides of a pair.
std::optional<Deadline> Resolve(const Analysis& a, bool assume_year) {
  const DatePhrase& p = *a.deadline;
  Deadline d;
  if (p.date.year != 0) {
    std::tie(d.first, d.last) = DaysIn(p.date, 0);
    d.source = YearSource::kStated;
  } else if (a.market->end_unix_nanos > 0) {
    const absl::CivilDay end = EndDay(a.market->end_unix_nanos);
    int64_t best_gap = -1;
    for (int y = static_cast<int>(end.year()) - 1; y <= static_cast<int>(end.year()) + 1; ++y) {
      const auto [first, last] = DaysIn(p.date, y);
      const int64_t gap = std::abs(static_cast<int64_t>(last - end));
      if (best_gap < 0 || gap < best_gap) {
        best_gap = gap;
        d.first = first;
        d.last = last;
      }
    }
    if (best_gap > kMaxYearInferenceGapDays) return std::nullopt;
    d.source = YearSource::kFromEnd;
  } else if (assume_year) {
    std::tie(d.first, d.last) = DaysIn(p.date, 2000);
    d.source = YearSource::kAssumed;
  } else {
    return std::nullopt;
  }
  if (p.exclusive) {  // "before D": the last day that counts is the day before D
    d.first -= 1;
    d.last -= 1;
  }
  return d;
}

std::string DaysText(const Deadline& d) {
  if (d.first == d.last) return absl::FormatCivilTime(d.first);
  return absl::StrCat(absl::FormatCivilTime(d.first), "..", absl::FormatCivilTime(d.last));
}

double ConfidenceFor(YearSource s, const RuleConfidences& c) {
  switch (s) {
    case YearSource::kStated:
      return c.temporal;
    case YearSource::kFromEnd:
      return c.temporal_year_from_end;
    case YearSource::kAssumed:
      return c.temporal_year_assumed;
  }
  return c.temporal_year_assumed;
}

Relation Make(RelationKind kind, const MarketText& a, const MarketText& b, double confidence,
              const char* rule, std::string evidence) {
  Relation r;
  r.kind = kind;
  r.a = {a.market_id, 0};
  r.b = {b.market_id, 0};
  if (IsSymmetric(kind) && r.b < r.a) std::swap(r.a, r.b);
  r.id = InferredRelationId(kind, r.a, r.b);
  r.confidence = confidence;
  r.provenance = Provenance::kInferred;
  r.rule = rule;
  r.evidence = std::move(evidence);
  return r;
}

bool Distinct(const Analysis& x, const Analysis& y) {
  return x.usable && y.usable && x.market->market_id != y.market->market_id;
}

// Both end times known and more than `gap` apart.
bool EndsFarApart(const MarketText& x, const MarketText& y, int64_t gap) {
  return x.end_unix_nanos > 0 && y.end_unix_nanos > 0 &&
         std::abs(x.end_unix_nanos - y.end_unix_nanos) > gap;
}

std::optional<Relation> Temporal(const Analysis& x, const Analysis& y, const RuleConfidences& c) {
  if (!Distinct(x, y) || !x.deadline.has_value() || !y.deadline.has_value() ||
      x.temporal_stem != y.temporal_stem) {
    return std::nullopt;
  }
  // A year is assumed only when neither side can state or derive one.
  const bool assume = x.deadline->date.year == 0 && y.deadline->date.year == 0 &&
                      x.market->end_unix_nanos == 0 && y.market->end_unix_nanos == 0;
  std::optional<Deadline> dx = Resolve(x, assume);
  std::optional<Deadline> dy = Resolve(y, assume);
  if (!dx.has_value() || !dy.has_value()) return std::nullopt;
  const Analysis* early = nullptr;
  const Analysis* late = nullptr;
  const Deadline* de = nullptr;
  const Deadline* dl = nullptr;
  if (dx->last < dy->first) {
    early = &x, late = &y, de = &*dx, dl = &*dy;
  } else if (dy->last < dx->first) {
    early = &y, late = &x, de = &*dy, dl = &*dx;
  } else {
    return std::nullopt;  // same or overlapping deadlines: no strict order
  }
  // The market with the earlier deadline must not be scheduled to end after the other one: the
  // metadata would contradict the text.
  if (early->market->end_unix_nanos > 0 && late->market->end_unix_nanos > 0 &&
      early->market->end_unix_nanos > late->market->end_unix_nanos + kDayNanos) {
    return std::nullopt;
  }
  const double confidence = std::min(ConfidenceFor(de->source, c), ConfidenceFor(dl->source, c));
  return Make(RelationKind::kImplies, *early->market, *late->market, confidence, kTemporalRule,
              absl::StrCat(Quote(early->market->question), " (", early->deadline->trigger, " ",
                           DaysText(*de), ") implies ", Quote(late->market->question), " (",
                           late->deadline->trigger, " ", DaysText(*dl), "); same stem \"",
                           early->temporal_stem, "\""));
}

std::optional<Relation> Threshold(const Analysis& x, const Analysis& y, const RuleConfidences& c) {
  if (!Distinct(x, y) || !x.threshold.has_value() || !y.threshold.has_value() ||
      x.threshold_stem != y.threshold_stem || x.threshold->value == y.threshold->value) {
    return std::nullopt;
  }
  // Without a date in the text the end time is the horizon: it must be the same.
  if (EndsFarApart(*x.market, *y.market, kDayNanos)) return std::nullopt;
  const int direction = x.threshold->direction;  // equal stems: same direction and unit
  const bool x_stronger = direction > 0 ? x.threshold->value > y.threshold->value
                                        : x.threshold->value < y.threshold->value;
  const Analysis& strong = x_stronger ? x : y;
  const Analysis& weak = x_stronger ? y : x;
  const double confidence = strong.threshold->touch ? c.threshold_touch : c.threshold;
  return Make(
      RelationKind::kImplies, *strong.market, *weak.market, confidence, kThresholdRule,
      absl::StrCat(Quote(strong.market->question), " (", ThresholdText(*strong.threshold),
                   ") implies ", Quote(weak.market->question), " (", ThresholdText(*weak.threshold),
                   "); same stem \"", strong.threshold_stem, "\""));
}

// The qualifier (the child's extra tokens) narrows the parent, conservatively; returns the
// confidence, or 0 when it is not a recognised narrowing.
double QualifierConfidence(const std::vector<std::string>& q, const RuleConfidences& c) {
  if (q.empty()) return 0;
  for (const std::string& t : q) {
    if (t == "or" || IsNegation(t) || t == "but" || t == "unless" || t == "except") return 0;
    if (MonthFromName(t) > 0) return 0;
    if (t.size() == 4 && HasDigit(t) && t[0] >= '1' && t[0] <= '2') {
      bool year = true;
      for (char ch : t) year = year && ch >= '0' && ch <= '9';
      if (year) return 0;
    }
  }
  if (!FindDatePhrases(q).empty()) return 0;
  const std::string& first = q[0];
  auto next = [&](size_t i) -> std::string_view {
    return i < q.size() ? std::string_view(q[i]) : std::string_view();
  };
  if (first == "and") return q.size() >= 2 ? c.parent_child_conjunction : 0;
  if (first == "with") return q.size() >= 2 ? c.parent_child_qualifier : 0;
  if (first == "outright" || first == "unanimously") return c.parent_child_qualifier;
  if (first == "by") {
    // A margin: "by 5+ points", "by more than 10%", "by at least 3", "by a landslide".
    const std::string_view n = next(1);
    if (HasDigit(n) || n == "$" || n == "more" || n == "at" || n == "a" || n == "double") {
      return c.parent_child_qualifier;
    }
    return 0;
  }
  if (first == "in") {
    const std::string_view n1 = next(1);
    const std::string_view n2 = next(2);
    const std::string_view n3 = next(3);
    if ((n1 == "the" && n2 == "first" && n3 == "round") || (n1 == "a" && n2 == "landslide") ||
        n1 == "regulation" || n1 == "overtime") {
      return c.parent_child_qualifier;
    }
  }
  return 0;
}

std::optional<Relation> ParentChild(const Analysis& x, const Analysis& y,
                                    const RuleConfidences& c) {
  if (!Distinct(x, y) || x.tokens.size() == y.tokens.size()) return std::nullopt;
  const Analysis& parent = x.tokens.size() < y.tokens.size() ? x : y;
  const Analysis& child = x.tokens.size() < y.tokens.size() ? y : x;
  if (parent.tokens.size() < 3) return std::nullopt;
  if (!std::equal(parent.tokens.begin(), parent.tokens.end(), child.tokens.begin())) {
    return std::nullopt;
  }
  if (AnyNegation(parent.tokens)) return std::nullopt;
  const std::vector<std::string> qualifier(
      child.tokens.begin() + static_cast<std::ptrdiff_t>(parent.tokens.size()), child.tokens.end());
  const double confidence = QualifierConfidence(qualifier, c);
  if (confidence <= 0) return std::nullopt;
  // The child is decided by the parent's horizon at the latest.
  if (child.market->end_unix_nanos > 0 && parent.market->end_unix_nanos > 0 &&
      child.market->end_unix_nanos > parent.market->end_unix_nanos + kDayNanos) {
    return std::nullopt;
  }
  return Make(
      RelationKind::kImplies, *child.market, *parent.market, confidence, kParentChildRule,
      absl::StrCat(Quote(child.market->question), " narrows ", Quote(parent.market->question),
                   " with \"", JoinTokens(qualifier), "\""));
}

std::optional<Relation> Equivalence(const Analysis& x, const Analysis& y, int64_t max_gap,
                                    const RuleConfidences& c) {
  if (!Distinct(x, y) || x.full_stem != y.full_stem) return std::nullopt;
  // Symmetric: evidence in market id order whatever the argument order.
  const bool swap = y.market->market_id < x.market->market_id;
  const MarketText& mx = swap ? *y.market : *x.market;
  const MarketText& my = swap ? *x.market : *y.market;
  if (!mx.event_id.empty() && mx.event_id == my.event_id) return std::nullopt;
  if (!mx.neg_risk_market_id.empty() && mx.neg_risk_market_id == my.neg_risk_market_id) {
    return std::nullopt;
  }
  if (mx.end_unix_nanos <= 0 || my.end_unix_nanos <= 0 ||
      std::abs(mx.end_unix_nanos - my.end_unix_nanos) > max_gap) {
    return std::nullopt;
  }
  return Make(RelationKind::kEquivalent, mx, my, c.equivalence, kNegRiskEquivalenceRule,
              absl::StrCat("same question ", Quote(mx.question), " / ", Quote(my.question),
                           " in events \"", mx.event_id, "\" and \"", my.event_id, "\", ends ",
                           absl::FormatCivilTime(EndDay(mx.end_unix_nanos)), " / ",
                           absl::FormatCivilTime(EndDay(my.end_unix_nanos))));
}

std::optional<Relation> NegRiskExclusion(const Analysis& x, const Analysis& y,
                                         const RuleConfidences& c) {
  if (!Distinct(x, y)) return std::nullopt;
  const bool swap = y.market->market_id < x.market->market_id;
  const MarketText& mx = swap ? *y.market : *x.market;
  const MarketText& my = swap ? *x.market : *y.market;
  if (!mx.neg_risk || !my.neg_risk || mx.neg_risk_market_id.empty() ||
      mx.neg_risk_market_id != my.neg_risk_market_id) {
    return std::nullopt;
  }
  return Make(RelationKind::kExcludes, mx, my, c.negrisk_exclusion, kNegRiskEquivalenceRule,
              absl::StrCat("members of NegRisk event ", mx.neg_risk_market_id, ": ",
                           Quote(mx.question), " / ", Quote(my.question)));
}

}  // namespace

std::optional<Relation> TemporalLadderRule(const MarketText& x, const MarketText& y,
                                           const RuleConfidences& confidence) {
  return Temporal(Analyse(x), Analyse(y), confidence);
}

std::optional<Relation> ThresholdLadderRule(const MarketText& x, const MarketText& y,
                                            const RuleConfidences& confidence) {
  return Threshold(Analyse(x), Analyse(y), confidence);
}

std::optional<Relation> ParentChildRule(const MarketText& x, const MarketText& y,
                                        const RuleConfidences& confidence) {
  return ParentChild(Analyse(x), Analyse(y), confidence);
}

std::optional<Relation> EquivalenceRule(const MarketText& x, const MarketText& y,
                                        int64_t max_end_gap_nanos,
                                        const RuleConfidences& confidence) {
  return Equivalence(Analyse(x), Analyse(y), max_end_gap_nanos, confidence);
}

std::optional<Relation> NegRiskExclusionRule(const MarketText& x, const MarketText& y,
                                             const RuleConfidences& confidence) {
  return NegRiskExclusion(Analyse(x), Analyse(y), confidence);
}

InferenceResult InferRelations(const std::vector<MarketText>& markets,
                               const InferenceOptions& options) {
  InferenceResult result;
  InferenceStats& stats = result.stats;
  stats.markets = markets.size();
  std::vector<Analysis> analyses;
  analyses.reserve(markets.size());
  std::vector<size_t> usable;  // indices into markets
  for (size_t i = 0; i < markets.size(); ++i) {
    analyses.push_back(Analyse(markets[i]));
    if (analyses.back().usable) usable.push_back(i);
  }
  stats.yes_no_markets = usable.size();

  absl::flat_hash_set<uint64_t> pairs;
  auto add_pair = [&pairs](size_t i, size_t j) {
    const uint64_t lo = std::min(i, j);
    const uint64_t hi = std::max(i, j);
    return pairs.insert((lo << 32) | hi).second;
  };

  // ---- Stem buckets ----
  absl::flat_hash_map<std::string, std::vector<size_t>> buckets;
  for (size_t i : usable) {
    const Analysis& a = analyses[i];
    if (a.deadline.has_value()) buckets[absl::StrCat("T|", a.temporal_stem)].push_back(i);
    if (a.threshold.has_value()) buckets[absl::StrCat("H|", a.threshold_stem)].push_back(i);
    if (options.emit_equivalences) buckets[absl::StrCat("F|", a.full_stem)].push_back(i);
    if (options.emit_negrisk_exclusions && a.market->neg_risk &&
        !a.market->neg_risk_market_id.empty()) {
      buckets[absl::StrCat("N|", a.market->neg_risk_market_id)].push_back(i);
    }
  }
  for (const auto& [key, members] : buckets) {
    if (members.size() < 2) continue;
    if (members.size() > options.max_bucket_size) {
      ++stats.oversized_buckets;
      continue;
    }
    for (size_t p = 0; p < members.size(); ++p) {
      for (size_t q = p + 1; q < members.size(); ++q) {
        ++stats.bucket_pairs;
        add_pair(members[p], members[q]);
      }
    }
  }

  // ---- TF-IDF neighbours ----
  std::vector<std::string> texts;
  texts.reserve(usable.size());
  for (size_t i : usable) texts.push_back(markets[i].question);
  const TfIdfIndex index = TfIdfIndex::Build(texts);
  for (const CandidatePair& p : index.TopPairs(options.top_k, options.min_similarity)) {
    ++stats.tfidf_pairs;
    add_pair(usable[p.i], usable[p.j]);
  }

  // ---- Rules on the union, in an order (and argument order) given by the market ids, so that
  // the output does not depend on the input order ----
  std::vector<std::pair<size_t, size_t>> ordered;
  ordered.reserve(pairs.size());
  for (uint64_t key : pairs) {
    size_t i = static_cast<size_t>(key >> 32);
    size_t j = static_cast<size_t>(key & 0xffffffffu);
    if (markets[j].market_id < markets[i].market_id) std::swap(i, j);
    ordered.emplace_back(i, j);
  }
  std::sort(ordered.begin(), ordered.end(), [&markets](const auto& p, const auto& q) {
    const std::string& p1 = markets[p.first].market_id;
    const std::string& q1 = markets[q.first].market_id;
    if (p1 != q1) return p1 < q1;
    return markets[p.second].market_id < markets[q.second].market_id;
  });
  stats.pairs_checked = ordered.size();
  RelationStore store;
  auto add = [&store](std::optional<Relation> r) {
    // Inferred relations are valid by construction (distinct markets, confidence in range).
    if (r.has_value()) (void)store.Add(*std::move(r));
  };
  for (const auto& [i, j] : ordered) {
    const Analysis& x = analyses[i];
    const Analysis& y = analyses[j];
    add(Temporal(x, y, options.confidence));
    add(Threshold(x, y, options.confidence));
    add(ParentChild(x, y, options.confidence));
    if (options.emit_equivalences) {
      add(Equivalence(x, y, options.equivalence_max_end_gap_nanos, options.confidence));
    }
    if (options.emit_negrisk_exclusions) add(NegRiskExclusion(x, y, options.confidence));
  }
  result.relations = store.relations();
  std::sort(result.relations.begin(), result.relations.end(),
            [](const Relation& a, const Relation& b) { return a.id < b.id; });
  for (const Relation& r : result.relations) ++stats.relations_by_rule[r.rule];
  return result;
}

}  // namespace arbor::relations
