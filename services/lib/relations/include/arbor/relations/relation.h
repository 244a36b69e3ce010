// File: arbor/relations/relation.h
//
// A logical relation between outcomes of two markets ("X by March" implies "X by June"; two
// finalists of one NegRisk event exclude each other), with how sure we are and where it came
// from. Relations feed the combinatorial lane (lanes/combinatorial_lane.h), which trades only
// those at or above a confidence floor (kDefaultTradableFloor unless configured).
//
// Relations come from three places (docs/relations.md): a curated file (provenance kCurated),
// rule-based inference over market metadata (kInferred, relations/inference.h) and an offline LLM
// review of inferred candidates (kLlmReviewed, relations/curator.h). Never from an LLM in the hot
// path.
//
//   Relation r{.id = "march-june", .kind = RelationKind::kImplies,
//              .a = {"0xabc", 0}, .b = {"0xdef", 0}, .confidence = 0.97,
//              .provenance = Provenance::kCurated, .rule = "curated"};
//   if (absl::Status s = ValidateRelation(r); !s.ok()) ...
//
// Plain values: thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace arbor::relations {

// What the relation says about the YES-of-`a` / YES-of-`b` tokens (more generally: about outcome
// `a.outcome` of market a and outcome `b.outcome` of market b).
enum class RelationKind : uint8_t {
  kImplies,     // a => b: whenever a resolves true, b does (z_a <= z_b)
  kExcludes,    // not (a and b): at most one of them resolves true (z_a + z_b <= 1); symmetric
  kEquivalent,  // a <=> b: they always resolve alike (z_a = z_b); symmetric
};

// Where the relation came from. Ranked (RelationStore keeps the higher one):
// kCurated > kLlmReviewed > kInferred.
enum class Provenance : uint8_t { kCurated, kInferred, kLlmReviewed };

// A coarse reading of a confidence: < 0.7 low, < 0.9 medium, else high (LabelFor).
enum class ConfidenceLabel : uint8_t { kLow, kMedium, kHigh };

// Relations below this confidence are never traded unless a lane is configured otherwise
// (CombinatorialConfig::min_confidence has the same default). Equal to the kHigh boundary.
inline constexpr double kDefaultTradableFloor = 0.9;

// One outcome of one market.
struct OutcomeRef {
  // Catalog market id: Polymarket condition id (0x hex) or Kalshi market ticker.
  std::string market_id;
  // Outcome index in the market's outcome list (YES = 0 on binary markets).
  int outcome = 0;

  friend bool operator==(const OutcomeRef&, const OutcomeRef&) = default;
  friend auto operator<=>(const OutcomeRef&, const OutcomeRef&) = default;
};

struct Relation {
  // Unique and stable: chosen by the curator of a file, or InferredRelationId() for inference.
  std::string id;
  RelationKind kind = RelationKind::kImplies;
  OutcomeRef a, b;
  double confidence = 0;  // [0, 1]
  Provenance provenance = Provenance::kCurated;
  // Which rule produced it: "temporal_ladder", "threshold_ladder", "parent_child",
  // "negrisk_equivalence", "curated", "llm:<model>".
  std::string rule;
  // Human-readable why (the two questions, the matched stem, the model's reason ...).
  std::string evidence;
  // Who reviewed it (a person, or "llm:<model>"); empty = nobody.
  std::string reviewed_by;

  friend bool operator==(const Relation&, const Relation&) = default;
};

// "implies", "excludes", "equivalent".
const char* RelationKindName(RelationKind kind);
// "curated", "inferred", "llm_reviewed".
const char* ProvenanceName(Provenance provenance);
// "low", "medium", "high".
const char* ConfidenceLabelName(ConfidenceLabel label);

// The inverse of RelationKindName / ProvenanceName; nullopt for anything else (case-sensitive).
std::optional<RelationKind> RelationKindFromName(std::string_view name);
std::optional<Provenance> ProvenanceFromName(std::string_view name);

// LabelFor
//
// < 0.7 kLow, < 0.9 kMedium, else kHigh. NaN is kLow.
ConfidenceLabel LabelFor(double confidence);

// ProvenanceRank
//
// kCurated 2, kLlmReviewed 1, kInferred 0: higher wins when two sources state the same relation.
int ProvenanceRank(Provenance provenance);

// IsSymmetric
//
// kExcludes and kEquivalent: (a, b) and (b, a) state the same relation.
bool IsSymmetric(RelationKind kind);

// InferredRelationId
//
// The stable id of an inferred relation: "<kind>:<a.market_id>#<a.outcome>-><b...>", with the
// refs in ascending order for symmetric kinds, e.g. "implies:0xabc#0->0xdef#0".
std::string InferredRelationId(RelationKind kind, const OutcomeRef& a, const OutcomeRef& b);

// ValidateRelation
//
// InvalidArgument when: the id or a market id is empty; an outcome index is negative; the
// confidence is not in [0, 1] (NaN included); a and b are the same market (a relation inside
// one market restates, or contradicts, its own exactly-one block). The message names the field.
[[nodiscard]] absl::Status ValidateRelation(const Relation& relation);

}  // namespace arbor::relations
