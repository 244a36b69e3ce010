// File: arbor/relations/inference.h
//
// Rule-based relation inference over market metadata (docs/relations.md "Inference rules").
// Every rule verifies its pair completely from the text; nothing is guessed from similarity
// alone. All relations are between YES outcomes (index 0) of yes/no markets (IsYesNoMarket).
//
//   temporal_ladder      "X by March 31, 2026" => "X by June 30, 2026": the questions are equal
//                        token for token once the one cumulative deadline phrase ("by" / "before"
//                        / "prior to" / "no later than" + a date, deadline.h) is taken out, and
//                        the deadlines are strictly ordered. "on D", "in D", "in the week of D"
//                        are not cumulative and never produce a relation.
//   threshold_ladder     "BTC above $120k on Dec 31" => "BTC above $100k on Dec 31": equal once
//                        the one comparator + number phrase (threshold.h) is taken out, same
//                        direction and unit, strictly ordered numbers (higher => lower for
//                        above / over / at least, lower => higher for below / under / at most).
//   parent_child         "X wins the election by 5+ points" => "X wins the election": the child
//                        is the parent plus a narrowing qualifier at the end: "and ...", "with
//                        ...", "by <number> ..." (a margin), "in the first round", "in a
//                        landslide", "outright", "unanimously"; never with "or", a negation or a
//                        date in the qualifier, and the child must not end after the parent.
//                        "X wins Ohio" vs "X wins the election" is not related by text alone.
//   negrisk_equivalence  (a) equivalent: two markets of different events whose whole normalised
//                        questions are equal and whose end times differ by at most
//                        `equivalence_max_end_gap_nanos`; (b) excludes, only with
//                        `emit_negrisk_exclusions` (the negrisk lane already covers them): every
//                        pair of members of one NegRisk event.
//
// Candidate pairs come from two generators and are the union of both: stem buckets (markets
// whose temporal / threshold / whole stems coincide; exact and linear) and TF-IDF top-k cosine
// neighbours (tfidf.h), which is what finds parent/child pairs. Buckets larger than
// `max_bucket_size` are skipped (counted in the stats): a real ladder has a few dozen rungs.
//
// Confidences (InferenceOptions::confidence): a full stem match with explicit or end-date-derived
// years is high (0.95 / 0.92); a touch threshold ladder ("reach $120k" / "dip to $80k") 0.9; a
// temporal ladder whose years are assumed equal (no year in the text, no end dates) is medium
// (0.8); parent/child is 0.9 for "and" and 0.85 (medium) for other qualifiers; equivalence 0.9;
// NegRisk exclusion 0.99. Lanes trade only relations at or above
// their floor (kDefaultTradableFloor = 0.9), so medium relations need review.
//
// Pure functions; thread-safe. Deterministic: the output depends only on the input (order
// included).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "arbor/relations/market_text.h"
#include "arbor/relations/relation.h"

namespace arbor::relations {

struct RuleConfidences {
  double temporal = 0.95;                // years stated in both questions
  double temporal_year_from_end = 0.92;  // a year taken from the market's end date
  double temporal_year_assumed = 0.8;    // no year anywhere: both assumed in the same year
  double threshold = 0.95;
  double threshold_touch = 0.9;           // "reach $120k" => "reach $100k" (relies on the wording)
  double parent_child_conjunction = 0.9;  // "X and Y" => "X"
  double parent_child_qualifier = 0.85;   // "X by 5+ points" => "X"
  double equivalence = 0.9;
  double negrisk_exclusion = 0.99;
};

struct InferenceOptions {
  // TF-IDF candidates: each market's `top_k` most similar others at or above `min_similarity`.
  size_t top_k = 10;
  double min_similarity = 0.5;
  // Stem buckets with more markets than this are skipped.
  size_t max_bucket_size = 100;
  // negrisk_equivalence (a): the two end times may differ by at most this much.
  int64_t equivalence_max_end_gap_nanos = 86'400'000'000'000;
  bool emit_equivalences = true;
  // negrisk_equivalence (b): pairwise exclusion of the members of each NegRisk event.
  bool emit_negrisk_exclusions = false;
  RuleConfidences confidence;
};

struct InferenceStats {
  size_t markets = 0;
  size_t yes_no_markets = 0;
  size_t tfidf_pairs = 0;        // pairs proposed by TF-IDF
  size_t bucket_pairs = 0;       // pairs proposed by stem buckets (before the union)
  size_t pairs_checked = 0;      // the union
  size_t oversized_buckets = 0;  // buckets skipped for max_bucket_size
  std::map<std::string, size_t> relations_by_rule;

  friend bool operator==(const InferenceStats&, const InferenceStats&) = default;
};

struct InferenceResult {
  std::vector<Relation> relations;  // sorted by id, one per distinct relation
  InferenceStats stats;
};

// InferRelations
//
// Runs every rule over the candidate pairs of `markets`. Markets with an empty id or question,
// and markets that are not yes/no, take part in no rule. Relations have provenance kInferred,
// id InferredRelationId(kind, a, b), the rule name, and evidence quoting both questions.
InferenceResult InferRelations(const std::vector<MarketText>& markets,
                               const InferenceOptions& options = {});

// The single rules on one pair, in either order of the arguments (the relation's direction comes
// from the text). nullopt when the rule does not apply. Exposed for tests and for tools that
// check one pair.
std::optional<Relation> TemporalLadderRule(const MarketText& x, const MarketText& y,
                                           const RuleConfidences& confidence = {});
std::optional<Relation> ThresholdLadderRule(const MarketText& x, const MarketText& y,
                                            const RuleConfidences& confidence = {});
std::optional<Relation> ParentChildRule(const MarketText& x, const MarketText& y,
                                        const RuleConfidences& confidence = {});
std::optional<Relation> EquivalenceRule(const MarketText& x, const MarketText& y,
                                        int64_t max_end_gap_nanos,
                                        const RuleConfidences& confidence = {});
std::optional<Relation> NegRiskExclusionRule(const MarketText& x, const MarketText& y,
                                             const RuleConfidences& confidence = {});

}  // namespace arbor::relations
