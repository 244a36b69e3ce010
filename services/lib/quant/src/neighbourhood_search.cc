// File: services/lib/quant/src/neighbourhood_search.cc
#include "arbor/quant/neighbourhood_search.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace arbor::quant {
namespace {

int Find(std::vector<int>& parent, int a) {
  while (parent[a] != a) {
    parent[a] = parent[parent[a]];
    a = parent[a];
  }
  return a;
}

}  // namespace

NeighbourhoodSearch::NeighbourhoodSearch(const PolytopeModel& model,
                                         NeighbourhoodSearchOptions options)
    : model_(model), options_(options) {
  const int blocks = model.num_blocks();
  const auto& rows = model.constraints();
  // Per outcome: the rows it appears in, with its coefficient.
  std::vector<std::vector<std::pair<int, double>>> outcome_rows(model.num_outcomes());
  std::vector<int> parent(blocks);
  std::iota(parent.begin(), parent.end(), 0);
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    std::vector<int> row_blocks;
    for (const auto& [i, coef] : rows[r].terms) {
      outcome_rows[i].emplace_back(r, coef);
      row_blocks.push_back(model.block_of(i));
    }
    std::sort(row_blocks.begin(), row_blocks.end());
    row_blocks.erase(std::unique(row_blocks.begin(), row_blocks.end()), row_blocks.end());
    if (static_cast<int>(row_blocks.size()) > options_.max_row_blocks) continue;
    for (int b : row_blocks) parent[Find(parent, b)] = Find(parent, row_blocks.front());
  }
  absl::flat_hash_map<int, std::vector<int>> components;
  for (int b = 0; b < blocks; ++b) components[Find(parent, b)].push_back(b);
  // Deterministic order: by smallest block index.
  std::vector<std::vector<int>> ordered;
  for (auto& [root, members] : components) ordered.push_back(std::move(members));
  std::sort(ordered.begin(), ordered.end());
  for (auto& members : ordered) {
    int64_t assignments = 1;
    for (int b : members) {
      assignments *= static_cast<int64_t>(model.block(b).outcomes.size());
      if (assignments > options_.max_assignments) break;
    }
    if (assignments <= options_.max_assignments) {
      blocks_of_groups_.push_back(std::move(members));
    } else {
      for (int b : members) blocks_of_groups_.push_back({b});
    }
  }
  for (const std::vector<int>& group_blocks : blocks_of_groups_) {
    Group g;
    g.blocks = group_blocks;
    for (int b : g.blocks) {
      const int begin = model.block_begin(b);
      for (size_t o = 0; o < model.block(b).outcomes.size(); ++o) {
        for (const auto& [r, coef] : outcome_rows[begin + o]) g.rows.push_back(r);
      }
    }
    std::sort(g.rows.begin(), g.rows.end());
    g.rows.erase(std::unique(g.rows.begin(), g.rows.end()), g.rows.end());
    for (int b : g.blocks) {
      const int begin = model.block_begin(b);
      auto& per_outcome = g.terms.emplace_back(model.block(b).outcomes.size());
      for (size_t o = 0; o < per_outcome.size(); ++o) {
        for (const auto& [r, coef] : outcome_rows[begin + o]) {
          const int local =
              static_cast<int>(std::lower_bound(g.rows.begin(), g.rows.end(), r) - g.rows.begin());
          per_outcome[o].emplace_back(local, coef);
        }
      }
    }
    groups_.push_back(std::move(g));
  }
}

bool NeighbourhoodSearch::Improve(absl::Span<const double> c, Vertex& z) const {
  if (static_cast<int>(c.size()) != model_.num_outcomes() ||
      static_cast<int>(z.size()) != model_.num_outcomes()) {
    return false;
  }
  bool changed = false;
  for (int sweep = 0; sweep < options_.max_sweeps; ++sweep) {
    bool improved = false;
    for (const Group& g : groups_) {
      if (ImproveGroup(g, c, z)) improved = true;
    }
    if (!improved) break;
    changed = true;
  }
  return changed;
}

bool NeighbourhoodSearch::ImproveGroup(const Group& g, absl::Span<const double> c,
                                       Vertex& z) const {
  const auto& constraints = model_.constraints();
  const int k = static_cast<int>(g.blocks.size());

  // Row activity of the outcomes outside the group: the whole row minus the group's current
  // outcomes.
  std::vector<double> fixed(g.rows.size(), 0.0);
  for (size_t lr = 0; lr < g.rows.size(); ++lr) {
    for (const auto& [i, coef] : constraints[g.rows[lr]].terms) fixed[lr] += coef * z[i];
  }
  std::vector<int> current(k, 0);  // chosen outcome within each block
  double current_cost = 0;
  for (int j = 0; j < k; ++j) {
    const int begin = model_.block_begin(g.blocks[j]);
    for (size_t o = 0; o < g.terms[j].size(); ++o) {
      if (z[begin + o] == 0) continue;
      current[j] = static_cast<int>(o);
      current_cost += c[begin + o];
      for (const auto& [lr, coef] : g.terms[j][o]) fixed[lr] -= coef;
    }
  }

  // Depth-first over the blocks' outcomes, pruned by cost: a partial assignment whose cost plus
  // the cheapest outcome of every remaining block cannot beat the best so far is abandoned.
  // Validity is checked at the leaves only (most of the group's rows span several blocks).
  std::vector<double> block_min(k + 1, 0.0);  // Σ over blocks j.. of their cheapest outcome
  for (int j = k - 1; j >= 0; --j) {
    const int begin = model_.block_begin(g.blocks[j]);
    double m = c[begin];
    for (size_t o = 1; o < g.terms[j].size(); ++o) m = std::min(m, c[begin + o]);
    block_min[j] = block_min[j + 1] + m;
  }
  std::vector<int> pick(k, 0), best;
  std::vector<double> lhs(g.rows.size());
  // Only a strict improvement moves (no cycling between equal-cost assignments).
  double best_cost = current_cost - 1e-12 * (1 + std::abs(current_cost));
  auto leaf = [&](double cost) {
    lhs = fixed;
    for (int j = 0; j < k; ++j) {
      for (const auto& [lr, coef] : g.terms[j][pick[j]]) lhs[lr] += coef;
    }
    for (size_t lr = 0; lr < g.rows.size(); ++lr) {
      if (!RowHolds(constraints[g.rows[lr]], lhs[lr])) return;
    }
    best_cost = cost;
    best = pick;
  };
  // Iterative DFS: partial[j] is the cost of blocks 0..j-1 as picked.
  std::vector<double> partial(k + 1, 0.0);
  int depth = 0;
  pick[0] = -1;
  while (depth >= 0) {
    const int begin = model_.block_begin(g.blocks[depth]);
    const int size = static_cast<int>(g.terms[depth].size());
    int& o = pick[depth];
    ++o;
    while (o < size && partial[depth] + c[begin + o] + block_min[depth + 1] >= best_cost) ++o;
    if (o == size) {
      --depth;  // this block is exhausted: back up
      continue;
    }
    partial[depth + 1] = partial[depth] + c[begin + o];
    if (depth + 1 == k) {
      leaf(partial[k]);
    } else {
      ++depth;
      pick[depth] = -1;
    }
  }
  if (best.empty()) return false;
  for (int j = 0; j < k; ++j) {
    const int begin = model_.block_begin(g.blocks[j]);
    z[begin + current[j]] = 0;
    z[begin + best[j]] = 1;
  }
  return true;
}

}  // namespace arbor::quant
