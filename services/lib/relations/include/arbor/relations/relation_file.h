// File: arbor/relations/relation_file.h
//
// The relations file: curated relations, `arborctl relations infer` output and reviewed LLM
// output all share it. Format (JSON, strict; docs/relations.md "File format"):
//
//   {"version": 1,
//    "relations": [{"id": "fed-cut-march-june",
//                   "kind": "implies",                          // implies | excludes | equivalent
//                   "a": {"market_id": "0x<condition id>", "outcome": 0},   // outcome optional
//                   "b": {"market_id": "KXFEDDECISION-26JUN-C25", "outcome": 0},
//                   "confidence": 0.97,
//                   "provenance": "curated",       // optional: curated (default) | inferred |
//                                                  //           llm_reviewed
//                   "rule": "curated",             // optional for curated entries ("curated")
//                   "evidence": "...", "reviewed_by": "alice"}]}           // optional
//
//   ARBOR_ASSIGN_OR_RETURN(std::vector<Relation> relations, ReadRelationsFile(path));
//   std::string json = WriteRelationsJson(relations);   // ParseRelationsFile(json) == relations
//
// Strict on purpose, as the cross-venue mapping file (lanes/venue_mapping.h): a wrong relation
// is a "guaranteed" bundle that can lose every leg, so an unknown key, a wrong type, a repeated
// key, a duplicate id or relation, an out-of-range number or a relation of a market with itself
// rejects the whole file, naming the entry. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/relations/relation.h"

namespace arbor::relations {

// ParseRelationsFile
//
// Parses a relations file; entries in file order. Errors: InvalidArgument naming the entry and
// field ("relations: relations[3] (id \"x\").confidence: must be in [0, 1]") for invalid JSON, a
// top level other than {"version":1,"relations":[...]}, a missing required key (id, kind, a, b,
// confidence; market_id inside a / b; rule unless the provenance is curated), an unknown or
// repeated key, a wrong type, an empty id / market id / rule, an unknown kind or provenance, a
// confidence outside [0, 1], an outcome that is not an integer in [0, 2^31), a and b of the same
// market, a duplicate id, or the same relation stated twice ((kind, a, b), with (a, b) and (b, a)
// the same for excludes / equivalent).
[[nodiscard]] absl::StatusOr<std::vector<Relation>> ParseRelationsFile(std::string_view json);

// ReadRelationsFile
//
// ParseRelationsFile on a file's contents. Errors: NotFound / Unavailable if it cannot be read,
// otherwise ParseRelationsFile's errors prefixed with the path.
[[nodiscard]] absl::StatusOr<std::vector<Relation>> ReadRelationsFile(const std::string& path);

// WriteRelationsJson
//
// The file for `relations`, one relation per line, confidences in shortest round-trip form;
// empty rule / evidence / reviewed_by are omitted. ParseRelationsFile gives back equal values for
// any list it accepted. Does not validate (write then parse to check).
std::string WriteRelationsJson(const std::vector<Relation>& relations);

}  // namespace arbor::relations
