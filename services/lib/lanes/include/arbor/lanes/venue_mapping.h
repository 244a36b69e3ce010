// File: arbor/lanes/venue_mapping.h
//
// The cross-venue mapping file: which Polymarket market asks the same question as which Kalshi
// market, how sure a reviewer is, and what each venue says it resolves on. CrossVenueLane
// (cross_venue_lane.h) trades only the pairs this file marks `identical` above a confidence
// floor. Format (JSON, strict; docs/lanes.md "Cross-venue lane"):
//
//   {"version": 1,
//    "pairs": [{"id": "fed-cut-2026-12",
//               "polymarket_market_id": "0x<condition id>",
//               "kalshi_market_id": "KXFEDDECISION-26DEC-C25",
//               "equivalence": "identical",
//               "confidence": 0.97,
//               "polymarket_resolution_source": "https://www.federalreserve.gov",  // optional
//               "kalshi_resolution_source": "https://www.federalreserve.gov",      // optional
//               "max_horizon_gap_seconds": 86400,                                  // optional
//               "polymarket_outcome_of_kalshi_yes": 0,                             // optional
//               "reviewed_by": "alice", "note": "..."}]}                           // optional
//
//   ARBOR_ASSIGN_OR_RETURN(VenueMapping mapping, ParseVenueMapping(json));
//   CrossVenueLane lane(&catalog, &books, &clock, std::move(mapping));
//
// Strict on purpose: a mapping error is money lost on both venues, so an unknown key (a typo of
// an optional key would otherwise silently fall back to its default), a wrong type, a duplicate
// key / id / market pair or an out-of-range number rejects the whole file, naming the entry.
// A plain value: thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace arbor::lanes {

// How the two markets' questions relate. Only kIdentical is tradable as a risk-free pair; the
// others exist so that a reviewer can record a rejected / partial match in the same file.
enum class Equivalence : uint8_t {
  kIdentical,                    // same event, same resolution, same horizon: YES <=> YES
  kSameQuestionDifferentSource,  // same question, resolved on different sources (may diverge)
  kSubset,                       // Polymarket YES implies Kalshi YES, not the converse
  kSuperset,                     // Kalshi YES implies Polymarket YES, not the converse
  kRelated,                      // correlated only
};

// "identical", "same_question_different_source", "subset", "superset", "related".
const char* EquivalenceName(Equivalence e);

// Default of max_horizon_gap_seconds when an entry omits it: one day.
inline constexpr int64_t kDefaultMaxHorizonGapSeconds = 86'400;

struct MappingPair {
  std::string id;                    // unique in the file; becomes Opportunity.mapping_id
  std::string polymarket_market_id;  // Polymarket condition id (catalog market id)
  std::string kalshi_market_id;      // Kalshi market ticker (catalog market id)
  Equivalence equivalence = Equivalence::kRelated;
  double confidence = 0;  // [0, 1], the reviewer's confidence in `equivalence`
  // Which Polymarket outcome (0 or 1) resolves like Kalshi YES. 0 for the usual ["Yes", "No"]
  // market; 1 when the Polymarket outcomes are listed the other way round (e.g. team names).
  int polymarket_outcome_of_kalshi_yes = 0;
  // As the reviewer saw them on each venue; empty = not stated (no check).
  std::string polymarket_resolution_source;
  std::string kalshi_resolution_source;
  // The two markets' scheduled end times may differ by at most this much.
  int64_t max_horizon_gap_seconds = kDefaultMaxHorizonGapSeconds;
  std::string reviewed_by;
  std::string note;
};

struct VenueMapping {
  int version = 1;
  std::vector<MappingPair> pairs;  // file order
};

// ParseVenueMapping
//
// Parses a mapping file. Errors: InvalidArgument naming the entry and field
// ("pairs[3] (id \"x\").confidence: must be in [0, 1]") for invalid JSON, a version other than
// 1, a missing required key (id, polymarket_market_id, kalshi_market_id, equivalence,
// confidence), an unknown or repeated key, a wrong type, an empty id / market id, an unknown
// equivalence, a confidence outside [0, 1], a negative or non-integer horizon gap, an outcome
// index other than 0 / 1, or a duplicate id or (polymarket, kalshi) market pair.
[[nodiscard]] absl::StatusOr<VenueMapping> ParseVenueMapping(std::string_view json);

// ReadVenueMappingFile
//
// ParseVenueMapping on a file's contents. Errors: NotFound / Unavailable if it cannot be read,
// otherwise ParseVenueMapping's errors prefixed with the path.
[[nodiscard]] absl::StatusOr<VenueMapping> ReadVenueMappingFile(const std::string& path);

// SameResolutionSource
//
// The comparison the lane uses: equal after trimming ASCII whitespace, ignoring ASCII case.
bool SameResolutionSource(std::string_view a, std::string_view b);

}  // namespace arbor::lanes
