// File: services/arborctl/quant_input.h
//
// The input of `arborctl quant project`: a cluster of related markets as one JSON document,
// turned into an arbor::quant::PolytopeModel (docs/quant.md, "arborctl quant project").
//
//   {"blocks":[{"name":"A","outcomes":["A_yes","A_no"],"prices":[0.55,0.45]},
//              {"name":"B","outcomes":["B_yes","B_no"],"prices":[0.48,0.52]}],
//    "constraints":[{"implies":["A_yes","B_yes"]},
//                   {"excludes":["x","y"]}, {"equivalent":["x","y"]},
//                   {"at_most_one":["x","y","z"]},
//                   {"linear":{"terms":{"x":1,"y":2},"op":">=","rhs":1}}]}
//
// A block is a set of outcomes of which exactly one pays; every constraint names block outcomes.
// Parsing is strict: unknown or repeated keys, values of the wrong type, unknown or duplicate
// names, a constraint object without exactly one kind are errors, and every error names the JSON
// path of the offending value ("constraints[2].implies[1]: unknown outcome 'C_yes'").
// Infeasibility of the constraint set is not checked here (the oracle finds it).
//
//   ARBOR_ASSIGN_OR_RETURN(quant::PolytopeModel model, ParseQuantInput(text));
//
// Reentrant; no shared state.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "arbor/quant/polytope_model.h"

namespace arbor::arborctl {

// ParseQuantInput
//
// Parses the document above. "blocks" is required and non-empty; "constraints" is optional.
// Blocks: "name" a non-empty string unique among blocks; "outcomes" a non-empty array of
// non-empty strings unique across all blocks; "prices" an array of finite numbers > 0, one per
// outcome (a block's prices need not sum to 1). Constraints: implies / excludes / equivalent take
// exactly two names, at_most_one at least one, linear an object with "terms" (name → finite
// number, at least one), "op" ("<=", ">=" or "=") and a finite "rhs". Errors: InvalidArgument,
// message starting with the JSON path.
[[nodiscard]] absl::StatusOr<quant::PolytopeModel> ParseQuantInput(std::string_view json);

}  // namespace arbor::arborctl
