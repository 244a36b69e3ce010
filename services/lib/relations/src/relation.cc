#include "arbor/relations/relation.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace arbor::relations {

const char* RelationKindName(RelationKind kind) {
  switch (kind) {
    case RelationKind::kImplies:
      return "implies";
    case RelationKind::kExcludes:
      return "excludes";
    case RelationKind::kEquivalent:
      return "equivalent";
  }
  return "unknown";
}

const char* ProvenanceName(Provenance provenance) {
  switch (provenance) {
    case Provenance::kCurated:
      return "curated";
    case Provenance::kInferred:
      return "inferred";
    case Provenance::kLlmReviewed:
      return "llm_reviewed";
  }
  return "unknown";
}

const char* ConfidenceLabelName(ConfidenceLabel label) {
  switch (label) {
    case ConfidenceLabel::kLow:
      return "low";
    case ConfidenceLabel::kMedium:
      return "medium";
    case ConfidenceLabel::kHigh:
      return "high";
  }
  return "unknown";
}

std::optional<RelationKind> RelationKindFromName(std::string_view name) {
  for (RelationKind k :
       {RelationKind::kImplies, RelationKind::kExcludes, RelationKind::kEquivalent}) {
    if (name == RelationKindName(k)) return k;
  }
  return std::nullopt;
}

std::optional<Provenance> ProvenanceFromName(std::string_view name) {
  for (Provenance p : {Provenance::kCurated, Provenance::kInferred, Provenance::kLlmReviewed}) {
    if (name == ProvenanceName(p)) return p;
  }
  return std::nullopt;
}

ConfidenceLabel LabelFor(double confidence) {
  // Written so that NaN (every comparison false) falls through to kLow.
  if (confidence >= 0.9) return ConfidenceLabel::kHigh;
  if (confidence >= 0.7) return ConfidenceLabel::kMedium;
  return ConfidenceLabel::kLow;
}

int ProvenanceRank(Provenance provenance) {
  switch (provenance) {
    case Provenance::kCurated:
      return 2;
    case Provenance::kLlmReviewed:
      return 1;
    case Provenance::kInferred:
      return 0;
  }
  return 0;
}

bool IsSymmetric(RelationKind kind) {
  return kind == RelationKind::kExcludes || kind == RelationKind::kEquivalent;
}

std::string InferredRelationId(RelationKind kind, const OutcomeRef& a, const OutcomeRef& b) {
  const OutcomeRef* first = &a;
  const OutcomeRef* second = &b;
  if (IsSymmetric(kind) && *second < *first) std::swap(first, second);
  return absl::StrCat(RelationKindName(kind), ":", first->market_id, "#", first->outcome, "->",
                      second->market_id, "#", second->outcome);
}

absl::Status ValidateRelation(const Relation& r) {
  if (r.id.empty()) return absl::InvalidArgumentError("id: empty");
  const std::pair<const char*, const OutcomeRef*> refs[] = {{"a", &r.a}, {"b", &r.b}};
  for (const auto& [name, ref] : refs) {
    if (ref->market_id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ".market_id: empty"));
    }
    if (ref->outcome < 0) {
      return absl::InvalidArgumentError(absl::StrCat(name, ".outcome: must be >= 0"));
    }
  }
  if (!(r.confidence >= 0 && r.confidence <= 1)) {
    return absl::InvalidArgumentError("confidence: must be in [0, 1]");
  }
  if (r.a.market_id == r.b.market_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        r.a == r.b ? "a and b are the same outcome" : "a and b are outcomes of the same market",
        " (", r.a.market_id, "): a relation links two different markets"));
  }
  return absl::OkStatus();
}

}  // namespace arbor::relations
