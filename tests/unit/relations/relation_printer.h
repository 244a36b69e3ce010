// File: tests/unit/relations/relation_printer.h
//
// gtest printers for the relation types, so that failed comparisons show the fields.
#pragma once

#include <ostream>

#include "arbor/relations/relation.h"

namespace arbor::relations {

inline void PrintTo(const Relation& r, std::ostream* os) {
  *os << "{" << r.id << " " << RelationKindName(r.kind) << " " << r.a.market_id << "#"
      << r.a.outcome << " -> " << r.b.market_id << "#" << r.b.outcome << " conf " << r.confidence
      << " " << ProvenanceName(r.provenance) << " rule " << r.rule << " evidence \"" << r.evidence
      << "\" reviewed_by \"" << r.reviewed_by << "\"}";
}

}  // namespace arbor::relations
