// File: arbor/quant/neighbourhood_search.h
//
// NeighbourhoodSearch: a cheap heuristic for the Frank-Wolfe step direction. Starting from a valid
// vertex z, it re-optimises one neighbourhood at a time with every other outcome fixed, by
// enumerating the neighbourhood's joint assignments and keeping the best valid one for the
// objective c, and sweeps until no neighbourhood improves.
//
// Why: Frank-Wolfe needs about one new vertex per dimension of the face μ* lies on (Carathéodory),
// so a 1 000-outcome projection makes about 1 000 oracle calls whatever the oracle. When the IP
// is hard (the election's majority-of-electoral-votes rows cost CBC ~150 ms a call) the step
// direction need not be optimal, only good enough (Braun, Pokutta & Zink 2017, "Lazifying
// conditional gradient algorithms": a weak separation oracle). The exact oracle is still called
// whenever this search falls short, and it alone certifies the gap.
//
// Neighbourhoods: blocks linked by a "small" constraint (one touching at most
// `max_row_blocks` blocks: implications, equalities between a state's winner and its margin
// buckets) form a component; a component with at most `max_assignments` joint block
// assignments is one neighbourhood, a larger one contributes each of its blocks alone. Large
// rows (a majority over all states) do not link blocks but are checked on every move, so every
// vertex returned is valid.
//
//   NeighbourhoodSearch search(model);
//   Vertex z = best_cached;                     // valid
//   if (search.Improve(c, z)) { /* c·z decreased; z is still valid */ }
//
// Immutable after construction; Improve is const and thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "arbor/quant/polytope_model.h"

namespace arbor::quant {

struct NeighbourhoodSearchOptions {
  int max_row_blocks = 6;
  int64_t max_assignments = 4096;
  int max_sweeps = 4;
};

class NeighbourhoodSearch {
 public:
  explicit NeighbourhoodSearch(const PolytopeModel& model, NeighbourhoodSearchOptions options = {});

  // Improve
  //
  // z must be a valid vertex of the model (not checked beyond its size). Lowers c·z by
  // re-optimising neighbourhoods; returns true iff z changed (then c·z is strictly lower and z
  // is still valid). c and z have one entry per outcome.
  bool Improve(absl::Span<const double> c, Vertex& z) const;

  // Neighbourhoods, as lists of block indices (for tests and the docs).
  const std::vector<std::vector<int>>& neighbourhoods() const { return blocks_of_groups_; }

 private:
  // One neighbourhood: its blocks and the rows they appear in, with each outcome's terms in
  // those rows by local row index.
  struct Group {
    std::vector<int> blocks;
    std::vector<int> rows;
    std::vector<std::vector<std::vector<std::pair<int, double>>>> terms;  // [block][outcome]
  };
  // Re-optimises group g; true if z changed.
  bool ImproveGroup(const Group& g, absl::Span<const double> c, Vertex& z) const;

  const PolytopeModel& model_;
  NeighbourhoodSearchOptions options_;
  std::vector<Group> groups_;
  std::vector<std::vector<int>> blocks_of_groups_;
};

}  // namespace arbor::quant
