#include "arbor/quant/frank_wolfe.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/quant/outcome_classes.h"

namespace arbor::quant {
namespace {

// Smallest μ_i used in a logarithm: guards against an underflowed barrier term.
constexpr double kMinMu = 1e-300;
// Accuracy of the first fully corrective step (later ones follow the oracle gap).
constexpr double kInitialInnerTolerance = 1e-2;
// Lazy step: a cached vertex is used instead of an oracle call when its gap is at least this
// fraction of the last oracle gap.
constexpr double kLazyFraction = 0.5;
// Neighbourhood search (lazy steps): starts from this many of the best cached vertices.
constexpr int kSearchStarts = 4;
// ... and is given up for the rest of a Project call after this many misses in a row (a model
// whose neighbourhoods are single blocks tied by implications never yields a step: a bracket).
constexpr int kSearchMissesBeforeGivingUp = 16;
// Line searches stop when |φ'| has fallen by this factor.
constexpr double kLineSearchTolerance = 1e-10;
// Fully corrective step: a Newton step on the support face after this many pairwise steps, for
// supports of at most kMaxNewtonSupport vertices (the Hessian is dense, support × support).
constexpr int kPairwiseBeforeNewton = 8;
constexpr int kMaxNewtonSupport = 1500;
// The incremental μ / ∇ / score updates of the corrective step are recomputed from scratch every
// this many pairwise steps, which bounds floating-point drift.
constexpr int kRefreshEvery = 256;
// InitFW's covering weights are pseudo-random but fixed: projections are deterministic.
constexpr uint64_t kInitSeed = 0x9e3779b97f4a7c15ULL;

// ExactLineSearch
//
// The minimiser over [0, gmax] of a convex φ with φ'(0) = f0 < 0 and φ''(0) = s0 >= 0:
// safeguarded Newton on φ' = 0 (bisection when Newton leaves the bracket). `eval(γ, &f, &s)`
// sets φ'(γ) and φ''(γ). φ'(gmax) is evaluated only when Newton reaches the end of the interval.
template <typename Eval>
double ExactLineSearch(double f0, double s0, double gmax, Eval&& eval) {
  double lo = 0, hi = gmax;
  double gamma = 0, f = f0, s = s0;
  bool end_checked = false;
  for (int k = 0; k < 100; ++k) {
    double next = s > 0 ? gamma - f / s : hi;
    if (!(next > lo && next < hi)) {
      if (next >= hi && !end_checked) {
        end_checked = true;
        double fe = 0, se = 0;
        eval(gmax, &fe, &se);
        if (fe <= 0) return gmax;  // φ still decreasing at the end
      }
      next = 0.5 * (lo + hi);
    }
    eval(next, &f, &s);
    gamma = next;
    if (f == 0) return gamma;
    (f < 0 ? lo : hi) = gamma;
    if (std::abs(f) <= kLineSearchTolerance * std::abs(f0) || hi - lo <= 1e-16 * gmax) break;
  }
  return gamma;
}

// Σ a[k]·b[k] over k < len with four independent partial sums (the dependent chain of a single
// accumulator, not the arithmetic, bounds a naive loop).
double DotProduct(const double* a, const double* b, int len) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int k = 0;
  for (; k + 4 <= len; k += 4) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
  }
  for (; k < len; ++k) s0 += a[k] * b[k];
  return (s0 + s1) + (s2 + s3);
}

// In-place Cholesky factorisation of the symmetric m×m matrix `a` (row-major, lower triangle
// used). False if it is not numerically positive definite.
bool Cholesky(std::vector<double>& a, int m) {
  for (int j = 0; j < m; ++j) {
    const double* row_j = &a[static_cast<size_t>(j) * m];
    const double d2 = row_j[j] - DotProduct(row_j, row_j, j);
    if (!(d2 > 0)) return false;
    const double d = std::sqrt(d2);
    a[static_cast<size_t>(j) * m + j] = d;
    for (int i = j + 1; i < m; ++i) {
      double* row_i = &a[static_cast<size_t>(i) * m];
      row_i[j] = (row_i[j] - DotProduct(row_i, row_j, j)) / d;
    }
  }
  return true;
}

// Solves L·Lᵀ·x = b in place for the factor from Cholesky().
void CholeskySolve(const std::vector<double>& l, int m, std::vector<double>& b) {
  for (int i = 0; i < m; ++i) {
    const double* row = &l[static_cast<size_t>(i) * m];
    b[i] = (b[i] - DotProduct(row, b.data(), i)) / row[i];
  }
  for (int i = m - 1; i >= 0; --i) {
    double v = b[i];
    for (int k = i + 1; k < m; ++k) v -= l[k * m + i] * b[k];
    b[i] = v / l[i * m + i];
  }
}

}  // namespace

double GeneralizedKl(absl::Span<const double> mu, absl::Span<const double> p) {
  double d = 0;
  for (size_t i = 0; i < mu.size(); ++i) {
    if (mu[i] > 0) d += mu[i] * std::log(mu[i] / p[i]);
    d += p[i] - mu[i];
  }
  return d;
}

double PlainKl(absl::Span<const double> mu, absl::Span<const double> p) {
  double d = 0;
  for (size_t i = 0; i < mu.size(); ++i) {
    if (mu[i] > 0) d += mu[i] * std::log(mu[i] / p[i]);
  }
  return d;
}

BarrierFrankWolfe::BarrierFrankWolfe(const PolytopeModel& model, IpOracle& oracle,
                                     FrankWolfeOptions options)
    : model_(model), oracle_(oracle), options_(options), classes_(ClassifyOutcomes(model)) {
  if (options_.lazy && options_.neighbourhood_search) search_.emplace(model);
}

absl::Status BarrierFrankWolfe::Initialize() {
  if (initialized_) return absl::OkStatus();
  const int n = model_.num_outcomes();
  if (n == 0) return absl::InvalidArgumentError("model has no outcomes");
  const int64_t calls_before = oracle_.calls();
  std::vector<uint8_t> have_one(n, 0), have_zero(n, 0);
  std::vector<int> found;
  std::vector<uint8_t> is_found;  // by cache index
  auto record = [&](const Vertex& z) {
    const int k = cache_.Insert(z);
    if (k >= static_cast<int>(is_found.size())) is_found.resize(k + 1, 0);
    if (is_found[k] == 0) {
      is_found[k] = 1;
      found.push_back(k);
    }
    for (int i = 0; i < n; ++i) (z[i] != 0 ? have_one : have_zero)[i] = 1;
  };
  settled_.assign(n, -1);
  // InitFW (Kroer Algorithm 3) with covering objectives: instead of one oracle call per outcome
  // and value, each call rewards every outcome not yet seen at the wanted value (random weights
  // in [1, 2) spread the answers). A call that covers none of them proves that none can take the
  // value — the optimum would otherwise be negative — so all of them are settled at once. The
  // number of calls is about the largest block size, not 2n.
  std::mt19937_64 rng(kInitSeed);
  std::uniform_real_distribution<double> weight(1.0, 2.0);
  std::vector<double> c(n, 0.0);
  for (const int want : {1, 0}) {
    std::vector<uint8_t>& have = want == 1 ? have_one : have_zero;
    for (;;) {
      bool any = false;
      for (int i = 0; i < n; ++i) {
        c[i] = have[i] != 0 ? 0.0 : (want == 1 ? -weight(rng) : weight(rng));
        any = any || have[i] == 0;
      }
      if (!any) break;
      ARBOR_ASSIGN_OR_RETURN(Vertex z, oracle_.Minimize(c));
      bool progress = false;
      for (int i = 0; i < n && !progress; ++i) progress = have[i] == 0 && z[i] == want;
      record(z);
      if (!progress) {
        for (int i = 0; i < n; ++i) {
          if (have[i] == 0) settled_[i] = static_cast<int8_t>(1 - want);
        }
        break;
      }
    }
  }
  interior_ = std::move(found);
  u_.assign(n, 0.0);
  for (int k : interior_) {
    for (int i = 0; i < n; ++i) u_[i] += cache_.at(k)[i];
  }
  for (double& v : u_) v /= static_cast<double>(interior_.size());
  init_calls_ = oracle_.calls() - calls_before;
  initialized_ = true;
  return absl::OkStatus();
}

absl::StatusOr<ProjectionResult> BarrierFrankWolfe::Project(absl::Span<const double> prices,
                                                            absl::Span<const Vertex> warm_start) {
  ARBOR_RETURN_IF_ERROR(model_.ValidatePrices(prices));
  for (const Vertex& z : warm_start) {
    if (!model_.IsValid(z)) {
      return absl::InvalidArgumentError("warm-start vertex is not a valid outcome vector");
    }
  }
  const bool ran_init = !initialized_;
  ARBOR_RETURN_IF_ERROR(Initialize());
  const int64_t calls_before = oracle_.calls();
  const int n = model_.num_outcomes();

  // Everything below runs over columns (outcome_classes.h), not outcomes: a binary market's YES
  // and NO, and outcomes declared equivalent, are one variable x_c, with μ_i = x_c for the
  // class's plain members and y_c = 1 − x_c for its negated ones. On column c the divergence is
  //   D_c(x) = Σ_plain D_i(x) + Σ_negated D_i(1 − x),
  //   h_c = D_c' = k⁺ ln x − L⁺ − k⁻ ln y + L⁻,   w_c = D_c'' = k⁺/x + k⁻/y,
  // with k± the member counts and L± the sums of their ln p_i. y is kept beside x (both are
  // sums of vertex weights) so that a μ near 0 on a negated member keeps its relative accuracy.
  const OutcomeClasses& cls = classes_;
  const int cols = cls.columns;
  std::vector<double> k_plus(cols, 0.0), k_minus(cols, 0.0), l_plus(cols, 0.0), l_minus(cols, 0.0),
      u_col(cols, 0.0);
  std::vector<uint8_t> free_col(cols, 0);  // 0 for a settled column (all of M agrees)
  for (int i = 0; i < n; ++i) {
    const int c = cls.column[i];
    (cls.negated[i] != 0 ? k_minus : k_plus)[c] += 1;
    (cls.negated[i] != 0 ? l_minus : l_plus)[c] += std::log(prices[i]);
  }
  for (int c = 0; c < cols; ++c) {
    const int rep = cls.representative[c];
    u_col[c] = u_[rep];
    free_col[c] = settled_[rep] < 0 ? 1 : 0;
  }
  auto col_grad = [&](int c, double x, double y) {
    double h = k_plus[c] * std::log(std::max(x, kMinMu)) - l_plus[c] + l_minus[c];
    if (k_minus[c] != 0) h -= k_minus[c] * std::log(std::max(y, kMinMu));
    return h;
  };
  auto col_curvature = [&](int c, double x, double y) {
    return k_plus[c] / std::max(x, kMinMu) + k_minus[c] / std::max(y, kMinMu);
  };

  // Cache vertex k as the sorted list of its columns at 1.
  std::vector<std::vector<int>> ones;
  auto sync_ones = [&] {
    while (static_cast<int>(ones.size()) < cache_.size()) {
      const Vertex& z = cache_.at(static_cast<int>(ones.size()));
      std::vector<int> list;
      for (int c = 0; c < cols; ++c) {
        if (z[cls.representative[c]] != 0) list.push_back(c);
      }
      ones.push_back(std::move(list));
    }
  };
  auto at_one = [&](int k, int c) { return cache_.at(k)[cls.representative[c]] != 0; };

  // Active set: cache indices and convex weights λ; x = (1 − ε)·Σ λ_j v_j + ε·u.
  std::vector<int> active = interior_;
  for (const Vertex& z : warm_start) {
    const int k = cache_.Insert(z);
    if (std::find(active.begin(), active.end(), k) == active.end()) active.push_back(k);
  }
  sync_ones();
  std::vector<double> lambda(active.size(), 1.0 / static_cast<double>(active.size()));
  double eps = options_.initial_epsilon;

  std::vector<double> x(cols), y(cols), grad(cols);
  std::vector<double> score;  // score[j] = ∇·v_j (+ a constant common to all j, see below)
  // Column → active vertices, built per corrective step (the active list is fixed inside one):
  // the positions j with v_j[c] = 1, or, when that is most of them (flipped[c]), those with
  // v_j[c] = 0. Scores are kept up to a common additive constant, which no use of them sees
  // (pairs are compared by difference; the Newton multiplier absorbs a constant), so a change
  // of h_c is added to the first list or subtracted from the second.
  std::vector<int> by_col_start, by_col;
  std::vector<uint8_t> flipped;
  auto build_index = [&] {
    const int k_active = static_cast<int>(active.size());
    std::vector<int> count(cols, 0);
    for (int k : active) {
      for (int c : ones[k]) ++count[c];
    }
    flipped.assign(cols, 0);
    by_col_start.assign(cols + 1, 0);
    for (int c = 0; c < cols; ++c) {
      flipped[c] = 2 * count[c] > k_active ? 1 : 0;
      by_col_start[c + 1] = by_col_start[c] + (flipped[c] != 0 ? k_active - count[c] : count[c]);
    }
    by_col.resize(by_col_start[cols]);
    std::vector<int> fill(by_col_start.begin(), by_col_start.end() - 1);
    for (int j = 0; j < k_active; ++j) {
      for (int c : ones[active[j]]) {
        if (flipped[c] == 0) by_col[fill[c]++] = j;
      }
    }
    std::vector<int> dense;  // flipped columns not in every active vertex
    for (int c = 0; c < cols; ++c) {
      if (flipped[c] != 0 && count[c] < k_active) dense.push_back(c);
    }
    for (int j = 0; j < k_active; ++j) {
      for (int c : dense) {
        if (!at_one(active[j], c)) by_col[fill[c]++] = j;
      }
    }
  };
  // x, y and ∇ from the weights, through the index (which must be current): a column's listed
  // weights give x directly, or y for a flipped one.
  auto compute_point = [&] {
    for (int c = 0; c < cols; ++c) {
      double listed = 0;
      for (int p = by_col_start[c]; p < by_col_start[c + 1]; ++p) listed += lambda[by_col[p]];
      listed *= 1 - eps;
      if (flipped[c] != 0) {
        y[c] = eps * (1 - u_col[c]) + listed;
        x[c] = 1 - y[c];
      } else {
        x[c] = eps * u_col[c] + listed;
        y[c] = 1 - x[c];
      }
      // A settled column's gradient never matters (every vertex has the same value there).
      grad[c] = free_col[c] != 0 ? col_grad(c, x[c], y[c]) : 0.0;
    }
  };
  auto compute_scores = [&] {
    score.assign(active.size(), 0.0);
    for (int c = 0; c < cols; ++c) {
      const double g = flipped[c] != 0 ? -grad[c] : grad[c];
      for (int p = by_col_start[c]; p < by_col_start[c + 1]; ++p) score[by_col[p]] += g;
    }
  };
  auto refresh = [&] {
    compute_point();
    compute_scores();
  };
  // Inner accuracy follows the last oracle gap: early corrective steps need not be exact, and
  // the stopping rule always uses an oracle-certified gap.
  double inner_tol = kInitialInnerTolerance;

  // Fully corrective step: pairwise FW over the active set with an exact line search. A pairwise
  // step moves weight from the away vertex a to the toward vertex t, so x and ∇ change only where
  // the two differ; the scores are updated through the column → active-vertex index instead of
  // being recomputed (O(k·n) per step before; profiling showed the step dominated).
  std::vector<std::pair<int, int>> diff;  // (column, +1 in v_t only / −1 in v_a only)

  // Newton step on the face of the support S = {j : λ_j > 0}: f(λ) = D((1 − ε)Aλ + εu) has
  // gradient (1 − ε)·score and Hessian (1 − ε)²·H, H = A_Sᵀ diag(w) A_S. The direction solves
  // the equality-constrained Newton system (Σ Δ = 0); H is singular when the support is affinely
  // dependent, hence a small ridge. Terms constant on the subspace Σ Δ = 0 may be added to H
  // freely (see below). Ratio test keeps λ >= 0; exact line search on [0, α_max].
  // False if no step was taken.
  std::vector<int> support, position, members, complement;
  struct Pattern {
    int offset, length;  // in `pool`
    double weight;
  };
  std::vector<Pattern> patterns;
  std::vector<int> pool;
  absl::flat_hash_map<uint64_t, int> pattern_of_hash;
  std::vector<double> hessian, hessian_copy, dir, ones_solve, dx;
  auto newton_step = [&]() -> bool {
    support.clear();
    position.assign(active.size(), -1);
    for (size_t j = 0; j < active.size(); ++j) {
      if (lambda[j] > 0) {
        position[j] = static_cast<int>(support.size());
        support.push_back(static_cast<int>(j));
      }
    }
    const int m = static_cast<int>(support.size());
    if (m < 2 || m > kMaxNewtonSupport) return false;
    hessian.assign(static_cast<size_t>(m) * m, 0.0);
    patterns.clear();
    pool.clear();
    pattern_of_hash.clear();
    for (int c = 0; c < cols; ++c) {
      if (free_col[c] == 0) continue;
      // by_col lists the vertices with v_j[c] = 1 or (flipped) with v_j[c] = 0; either gives
      // the same quadratic form on the subspace (below), so no flip back is needed.
      members.clear();
      for (int p = by_col_start[c]; p < by_col_start[c + 1]; ++p) {
        if (const int q = position[by_col[p]]; q >= 0) members.push_back(q);
      }
      if (2 * static_cast<int>(members.size()) > m) {
        // On the subspace Σ Δ = 0 the row a_c and its complement 1 − a_c give the same
        // quadratic form ((1 − a)(1 − a)ᵀ = J − 1aᵀ − a1ᵀ + aaᵀ, and J, 1aᵀ, a1ᵀ vanish there;
        // the multiplier ν absorbs them). Columns in most vertices then cost little.
        complement.clear();
        size_t next = 0;
        for (int q = 0; q < m; ++q) {
          if (next < members.size() && members[next] == q) {
            ++next;
          } else {
            complement.push_back(q);
          }
        }
        members.swap(complement);
      }
      if (members.empty()) continue;
      // Columns with the same pattern share one rank-one term: sum their weights first.
      uint64_t hash = members.size();
      for (int q : members) hash = (hash ^ static_cast<uint64_t>(q)) * 0x100000001b3ULL;
      const double w = col_curvature(c, x[c], y[c]);
      auto [it, inserted] = pattern_of_hash.emplace(hash, static_cast<int>(patterns.size()));
      if (!inserted) {
        Pattern& known = patterns[it->second];
        if (known.length == static_cast<int>(members.size()) &&
            std::equal(members.begin(), members.end(), pool.begin() + known.offset)) {
          known.weight += w;
          continue;
        }
      }
      patterns.push_back({static_cast<int>(pool.size()), static_cast<int>(members.size()), w});
      pool.insert(pool.end(), members.begin(), members.end());
    }
    for (const Pattern& pattern : patterns) {
      const int* list = &pool[pattern.offset];
      for (int u = 0; u < pattern.length; ++u) {
        double* row = &hessian[static_cast<size_t>(list[u]) * m];
        for (int v = 0; v <= u; ++v) row[list[v]] += pattern.weight;  // ascending: lower triangle
      }
    }
    double max_diag = 0;
    for (int q = 0; q < m; ++q) max_diag = std::max(max_diag, hessian[q * m + q]);
    // + c·J, also invisible on the subspace, keeps the matrix definite along 1.
    for (int q = 0; q < m; ++q) {
      for (int r = 0; r <= q; ++r) hessian[static_cast<size_t>(q) * m + r] += max_diag;
    }
    max_diag *= 2;
    hessian_copy = hessian;
    bool factored = false;
    for (double ridge = 1e-12; ridge <= 1e-4 && !factored; ridge *= 100) {
      if (ridge > 1e-12) hessian = hessian_copy;
      for (int q = 0; q < m; ++q) hessian[q * m + q] += ridge * max_diag;
      factored = Cholesky(hessian, m);
    }
    if (!factored) return false;
    dir.resize(m);
    ones_solve.assign(m, 1.0);
    for (int q = 0; q < m; ++q) dir[q] = score[support[q]];
    CholeskySolve(hessian, m, dir);
    CholeskySolve(hessian, m, ones_solve);
    double sx = 0, sy = 0;
    for (int q = 0; q < m; ++q) {
      sx += dir[q];
      sy += ones_solve[q];
    }
    if (!(sy > 0)) return false;
    const double nu = -sx / sy;
    // With x = H⁻¹·score and y = H⁻¹·1: Δ_q = −(x_q + ν y_q)/(1 − ε), stored in dir.
    double alpha_max = std::numeric_limits<double>::infinity();
    int blocking = -1;
    for (int q = 0; q < m; ++q) {
      dir[q] = -(dir[q] + nu * ones_solve[q]) / (1 - eps);
      if (dir[q] < 0 && lambda[support[q]] / -dir[q] < alpha_max) {
        alpha_max = lambda[support[q]] / -dir[q];
        blocking = q;
      }
    }
    if (blocking < 0) return false;  // Δ = 0
    dx.assign(cols, 0.0);
    for (int q = 0; q < m; ++q) {
      for (int c : ones[active[support[q]]]) dx[c] += (1 - eps) * dir[q];
    }
    double f0 = 0, s0 = 0;
    for (int c = 0; c < cols; ++c) {
      if (dx[c] == 0 || free_col[c] == 0) continue;
      f0 += dx[c] * grad[c];
      s0 += dx[c] * dx[c] * col_curvature(c, x[c], y[c]);
    }
    if (!(f0 < 0)) return false;  // not a descent direction (numerically exhausted)
    auto eval = [&](double g, double* first, double* second) {
      double f = 0, sec = 0;
      for (int c = 0; c < cols; ++c) {
        if (dx[c] == 0 || free_col[c] == 0) continue;
        const double xc = x[c] + g * dx[c], yc = y[c] - g * dx[c];
        f += dx[c] * col_grad(c, xc, yc);
        sec += dx[c] * dx[c] * col_curvature(c, xc, yc);
      }
      *first = f;
      *second = sec;
    };
    const double alpha = ExactLineSearch(f0, s0, alpha_max, eval);
    for (int q = 0; q < m; ++q) {
      double& l = lambda[support[q]];
      l = q == blocking && alpha == alpha_max ? 0.0 : std::max(0.0, l + alpha * dir[q]);
    }
    double total = 0;
    for (double l : lambda) total += l;
    for (double& l : lambda) l /= total;
    return true;
  };
  auto corrective_step = [&] {
    build_index();
    refresh();
    int since_newton = 0;
    for (int it = 0; it < options_.max_inner_iterations; ++it) {
      if (it % kRefreshEvery == kRefreshEvery - 1) refresh();  // bound incremental drift
      int t = -1, a = -1;
      for (size_t j = 0; j < active.size(); ++j) {
        if (t < 0 || score[j] < score[t]) t = static_cast<int>(j);
        if (lambda[j] > 0 && (a < 0 || score[j] > score[a])) a = static_cast<int>(j);
      }
      if (a < 0 || t == a || (1 - eps) * (score[a] - score[t]) <= inner_tol) break;
      // Pairwise steps find the support; near the optimum they converge slowly (first order,
      // with curvature w_c that is large for small prices), so every kPairwiseBeforeNewton
      // steps a Newton step polishes the weights on the current support.
      if (++since_newton > kPairwiseBeforeNewton) {
        since_newton = 0;
        if (newton_step()) {
          refresh();
          continue;
        }
      }
      const int kt = active[t], ka = active[a];
      diff.clear();
      for (int c : ones[kt]) {
        if (!at_one(ka, c)) diff.emplace_back(c, 1);
      }
      for (int c : ones[ka]) {
        if (!at_one(kt, c)) diff.emplace_back(c, -1);
      }
      if (diff.empty()) break;  // cannot happen: cached vertices are distinct
      // d = (1 − ε)(v_t − v_a); φ'(γ) = Σ d_c h_c(x_c + γ d_c), φ'' = Σ d_c² w_c(x_c + γ d_c).
      auto eval = [&](double g, double* first, double* second) {
        double f = 0, sec = 0;
        for (const auto& [c, dc] : diff) {
          const double d = (1 - eps) * dc;
          f += d * col_grad(c, x[c] + g * d, y[c] - g * d);
          sec += d * d * col_curvature(c, x[c] + g * d, y[c] - g * d);
        }
        *first = f;
        *second = sec;
      };
      double s0 = 0;
      for (const auto& [c, dc] : diff) s0 += (1 - eps) * (1 - eps) * col_curvature(c, x[c], y[c]);
      const double gmax = lambda[a];
      const double gamma = ExactLineSearch((1 - eps) * (score[t] - score[a]), s0, gmax, eval);
      lambda[t] += gamma;
      lambda[a] = gamma == gmax ? 0.0 : lambda[a] - gamma;
      for (const auto& [c, dc] : diff) {
        x[c] += gamma * (1 - eps) * dc;
        y[c] -= gamma * (1 - eps) * dc;
        const double g = col_grad(c, x[c], y[c]);
        const double delta = flipped[c] != 0 ? grad[c] - g : g - grad[c];
        grad[c] = g;
        for (int p = by_col_start[c]; p < by_col_start[c + 1]; ++p) score[by_col[p]] += delta;
      }
    }
    // The point from the final weights (the index is still that of this step's active list),
    // then drop vertices without weight.
    double total = 0;
    for (double l : lambda) total += l;
    for (double& l : lambda) l /= total;
    compute_point();
    size_t w = 0;
    for (size_t j = 0; j < active.size(); ++j) {
      if (lambda[j] > 0) {
        active[w] = active[j];
        lambda[w] = lambda[j];
        ++w;
      }
    }
    active.resize(w);
    lambda.resize(w);
  };

  // The oracle works in outcomes: each column's gradient on its representative outcome gives
  // c·z = Σ_c h_c x_c(z), the column objective.
  std::vector<double> objective(n, 0.0);
  auto outcome_objective = [&] {
    for (int c = 0; c < cols; ++c) objective[cls.representative[c]] = grad[c];
  };
  auto dot_x = [&](absl::Span<const double> v) {
    double s = 0;
    for (int c = 0; c < cols; ++c) s += v[c] * x[c];
    return s;
  };
  auto outcome_mu = [&] {
    std::vector<double> mu(n);
    for (int i = 0; i < n; ++i) mu[i] = cls.negated[i] != 0 ? y[cls.column[i]] : x[cls.column[i]];
    return mu;
  };

  ProjectionResult r;
  r.stop = ProjectionStop::kIterationLimit;
  double gap = std::numeric_limits<double>::infinity();
  bool gap_is_current = false;  // gap was measured at the current point
  std::vector<uint8_t> in_active;
  int lazy_vertex = -1;  // cache index added by the last lazy step, or -1
  std::vector<std::pair<double, int>> cache_values;  // (c·z, cache index)
  int search_misses = 0;  // consecutive neighbourhood searches that found no step
  for (int iter = 1; iter <= options_.max_iterations; ++iter) {
    r.iterations = iter;
    corrective_step();
    const double gx = dot_x(grad);
    // A lazily added vertex that the corrective step gave no weight made no progress: asking the
    // cache again would pick it again, so this iteration asks the oracle.
    const bool lazy_stalled =
        lazy_vertex >= 0 && std::find(active.begin(), active.end(), lazy_vertex) == active.end();
    lazy_vertex = -1;
    if (options_.lazy && std::isfinite(gap) && !lazy_stalled) {
      // Lazy FW: the best cached vertex outside the active set, if it still makes progress,
      // saves an oracle call. Never used to stop: the stopping gap always comes from the oracle.
      in_active.assign(cache_.size(), 0);
      for (int k : active) in_active[k] = 1;
      int best = -1;
      double best_value = std::numeric_limits<double>::infinity();
      cache_values.resize(cache_.size());
      for (int k = 0; k < cache_.size(); ++k) {
        double v = 0;
        for (int c : ones[k]) v += grad[c];
        cache_values[k] = {v, k};
        if (in_active[k] == 0 && v < best_value) {
          best_value = v;
          best = k;
        }
      }
      auto good_enough = [&](double value) {
        const double lazy_gap = gx - value;
        return lazy_gap > options_.gap_tolerance && lazy_gap >= kLazyFraction * gap;
      };
      auto lazy_step = [&](int k) {
        ++r.lazy_steps;
        gap_is_current = false;
        lazy_vertex = k;
        active.push_back(k);
        lambda.push_back(0.0);
      };
      if (best >= 0 && good_enough(best_value)) {
        lazy_step(best);
        continue;
      }
      if (search_ && search_misses < kSearchMissesBeforeGivingUp) {
        // The cache fell short: improve its best vertices by local re-optimisation before
        // paying for an oracle call; the next start is tried only if one falls short (different
        // starts reach different local optima).
        outcome_objective();
        const int starts = std::min<int>(kSearchStarts, static_cast<int>(cache_values.size()));
        std::partial_sort(cache_values.begin(), cache_values.begin() + starts, cache_values.end());
        int found = -1;
        for (int s = 0; s < starts && found < 0; ++s) {
          Vertex z = cache_.at(cache_values[s].second);
          if (!search_->Improve(objective, z) || !good_enough(Dot(objective, z))) continue;
          const int k = cache_.Insert(z);
          if (std::find(active.begin(), active.end(), k) == active.end()) found = k;
        }
        sync_ones();
        search_misses = found >= 0 ? 0 : search_misses + 1;
        if (found >= 0) {
          ++r.search_steps;
          lazy_step(found);
          continue;
        }
      }
    }
    outcome_objective();
    ARBOR_ASSIGN_OR_RETURN(Vertex z, oracle_.Minimize(objective));
    gap = std::max(0.0, gx - Dot(objective, z));
    gap_is_current = true;
    if (gap <= options_.gap_tolerance) {
      r.stop = ProjectionStop::kGap;
      break;
    }
    if (options_.alpha_extraction || options_.divergence_floor > 0) {
      const double d = GeneralizedKl(outcome_mu(), prices);
      if (options_.alpha_extraction && gap <= (1 - *options_.alpha_extraction) * d) {
        r.stop = ProjectionStop::kAlphaExtraction;
        break;
      }
      if (options_.divergence_floor > 0 && d <= options_.divergence_floor) {
        r.stop = ProjectionStop::kDivergenceFloor;
        break;
      }
    }
    // Adaptive contraction (Krishnan et al. 2015, clinicalml/fw-inference): g_u = ⟨−∇f, u − μ⟩.
    double g_u = gx;
    for (int c = 0; c < cols; ++c) g_u -= grad[c] * u_col[c];
    if (g_u < 0) {
      const double ratio = gap / (-4 * g_u);
      if (ratio < eps) eps = std::min(ratio, eps / 2);
    }
    inner_tol = std::max(0.1 * options_.gap_tolerance, 0.3 * gap);
    const int k = cache_.Insert(z);
    sync_ones();
    if (std::find(active.begin(), active.end(), k) == active.end()) {
      active.push_back(k);
      lambda.push_back(0.0);
    }
  }

  if (!gap_is_current && r.iterations > 0) {
    // Stopped after a lazy step: certify the returned iterate with one more oracle call.
    outcome_objective();
    ARBOR_ASSIGN_OR_RETURN(Vertex z, oracle_.Minimize(objective));
    gap = std::max(0.0, dot_x(grad) - Dot(objective, z));
  }
  r.mu = outcome_mu();
  r.divergence = GeneralizedKl(r.mu, prices);
  r.divergence_plain = PlainKl(r.mu, prices);
  r.gap = gap;
  r.epsilon = eps;
  r.oracle_calls = oracle_.calls() - calls_before + (ran_init ? init_calls_ : 0);
  r.settled = settled_;
  absl::flat_hash_map<int, double> weight;
  for (size_t j = 0; j < active.size(); ++j) weight[active[j]] += (1 - eps) * lambda[j];
  for (int k : interior_) weight[k] += eps / static_cast<double>(interior_.size());
  for (const auto& [k, w] : weight) {
    if (w > 0) r.active_set.push_back({cache_.at(k), w});
  }
  std::sort(r.active_set.begin(), r.active_set.end(),
            [](const WeightedVertex& a, const WeightedVertex& b) { return a.weight > b.weight; });
  return r;
}

}  // namespace arbor::quant
