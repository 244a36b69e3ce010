#include "arbor/quant/outcome_classes.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace arbor::quant {
namespace {

// Union-find over outcomes with a parity bit: z_i = z_root XOR parity(i).
class ParityUnionFind {
 public:
  explicit ParityUnionFind(int n) : parent_(n), parity_(n, 0) {
    for (int i = 0; i < n; ++i) parent_[i] = i;
  }
  // (root, parity of i relative to root).
  std::pair<int, int> Find(int i) {
    int p = 0;
    int r = i;
    while (parent_[r] != r) {
      p ^= parity_[r];
      r = parent_[r];
    }
    // Path compression, keeping each node's parity relative to the root.
    int q = i, qp = p;
    while (parent_[q] != q) {
      const int next = parent_[q];
      const int next_parity = qp ^ parity_[q];
      parent_[q] = r;
      parity_[q] = static_cast<uint8_t>(qp);
      q = next;
      qp = next_parity;
    }
    return {r, p};
  }
  // Records z_a XOR z_b = parity. False on a contradiction.
  bool Union(int a, int b, int parity) {
    const auto [ra, pa] = Find(a);
    const auto [rb, pb] = Find(b);
    if (ra == rb) return (pa ^ pb) == parity;
    parent_[rb] = ra;
    parity_[rb] = static_cast<uint8_t>(pa ^ pb ^ parity);
    return true;
  }

 private:
  std::vector<int> parent_;
  std::vector<uint8_t> parity_;
};

// The two outcomes of a row over exactly two distinct outcomes, coefficients merged; or
// nothing.
bool TwoTerms(const LinearConstraint& c, int* a, double* ca, int* b, double* cb) {
  std::vector<std::pair<int, double>> terms = c.terms;
  std::sort(terms.begin(), terms.end());
  std::vector<std::pair<int, double>> merged;
  for (const auto& [i, coef] : terms) {
    if (!merged.empty() && merged.back().first == i) {
      merged.back().second += coef;
    } else {
      merged.emplace_back(i, coef);
    }
  }
  merged.erase(
      std::remove_if(merged.begin(), merged.end(), [](const auto& t) { return t.second == 0.0; }),
      merged.end());
  if (merged.size() != 2) return false;
  *a = merged[0].first;
  *ca = merged[0].second;
  *b = merged[1].first;
  *cb = merged[1].second;
  return true;
}

}  // namespace

OutcomeClasses ClassifyOutcomes(const PolytopeModel& model) {
  const int n = model.num_outcomes();
  OutcomeClasses out;
  ParityUnionFind classes(n);
  for (int b = 0; b < model.num_blocks(); ++b) {
    if (model.block(b).outcomes.size() == 2 &&
        !classes.Union(model.block_begin(b), model.block_begin(b) + 1, 1)) {
      out.contradiction = "contradictory equivalences";
    }
  }
  out.encoded.assign(model.constraints().size(), 0);
  for (size_t k = 0; k < model.constraints().size(); ++k) {
    const LinearConstraint& c = model.constraints()[k];
    if (c.op != Relation::kEqual) continue;
    int a = 0, b = 0;
    double ca = 0, cb = 0;
    if (!TwoTerms(c, &a, &ca, &b, &cb)) continue;
    int parity = -1;
    if (ca == -cb && c.rhs == 0) parity = 0;             // z_a = z_b
    if (ca == cb && c.rhs == ca && ca != 0) parity = 1;  // z_a + z_b = 1
    if (parity < 0) continue;
    out.encoded[k] = 1;
    if (!classes.Union(a, b, parity)) out.contradiction = "contradictory equivalences";
  }
  out.column.assign(n, -1);
  out.negated.assign(n, 0);
  std::vector<int> root_column(n, -1);
  for (int i = 0; i < n; ++i) {
    const auto [root, parity] = classes.Find(i);
    if (root_column[root] < 0) {
      root_column[root] = out.columns++;
      out.representative.push_back(root);  // the root has parity 0 relative to itself
    }
    out.column[i] = root_column[root];
    out.negated[i] = static_cast<uint8_t>(parity);
  }
  return out;
}

}  // namespace arbor::quant
