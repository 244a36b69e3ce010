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

namespace arbor::quant {
namespace {

// Smallest μ_i used in a logarithm: guards against an underflowed barrier term.
constexpr double kMinMu = 1e-300;
// Accuracy of the first fully corrective step (later ones follow the oracle gap).
constexpr double kInitialInnerTolerance = 1e-2;
// Lazy step: a cached vertex is used instead of an oracle call when its gap is at least this
// fraction of the last oracle gap.
constexpr double kLazyFraction = 0.5;
// Line searches stop when |φ'| has fallen by this factor.
constexpr double kLineSearchTolerance = 1e-10;
// Fully corrective step: a Newton step on the support face after this many pairwise steps, for
// supports of at most kMaxNewtonSupport vertices (the Hessian is dense, support × support).
constexpr int kPairwiseBeforeNewton = 32;
constexpr int kMaxNewtonSupport = 1500;
// The incremental μ / ∇ / score updates of the corrective step are recomputed from scratch every
// this many pairwise steps, which bounds floating-point drift.
constexpr int kRefreshEvery = 256;
// InitFW's covering weights are pseudo-random but fixed: projections are deterministic.
constexpr uint64_t kInitSeed = 0x9e3779b97f4a7c15ULL;

double SafeLog(double mu, double p) { return std::log(std::max(mu, kMinMu) / p); }

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
    : model_(model), oracle_(oracle), options_(options) {}

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

  // Vertices are 0/1 with one 1 per block, so they are kept sparse as well: ones[k] lists the
  // outcomes at 1 of cache vertex k. Every inner product below runs over these lists.
  std::vector<std::vector<int>> ones;
  auto sync_ones = [&] {
    while (static_cast<int>(ones.size()) < cache_.size()) {
      const Vertex& z = cache_.at(static_cast<int>(ones.size()));
      std::vector<int> list;
      for (int i = 0; i < n; ++i) {
        if (z[i] != 0) list.push_back(i);
      }
      ones.push_back(std::move(list));
    }
  };

  // Active set: cache indices and convex weights λ; μ = (1 − ε)·Σ λ_j v_j + ε·u.
  std::vector<int> active = interior_;
  for (const Vertex& z : warm_start) {
    const int k = cache_.Insert(z);
    if (std::find(active.begin(), active.end(), k) == active.end()) active.push_back(k);
  }
  sync_ones();
  std::vector<double> lambda(active.size(), 1.0 / static_cast<double>(active.size()));
  double eps = options_.initial_epsilon;

  std::vector<double> mu(n), grad(n);
  std::vector<double> score;  // score[j] = ∇·v_j (+ a constant common to all j, see below)
  auto compute_mu = [&] {
    for (int i = 0; i < n; ++i) mu[i] = eps * u_[i];
    for (size_t j = 0; j < active.size(); ++j) {
      const double w = (1 - eps) * lambda[j];
      if (w == 0) continue;
      for (int i : ones[active[j]]) mu[i] += w;
    }
  };
  auto compute_grad = [&] {
    // Settled-at-0 outcomes have μ_i = 0 on all of M; their gradient entry never matters.
    for (int i = 0; i < n; ++i) grad[i] = settled_[i] == 0 ? 0.0 : SafeLog(mu[i], prices[i]);
  };
  // Outcome → active vertices, built per corrective step (the active list is fixed inside one):
  // the positions j with v_j[i] = 1, or, when that is most of them (flipped[i]), those with
  // v_j[i] = 0. Scores are kept up to a common additive constant, which no use of them sees
  // (pairs are compared by difference; the Newton multiplier absorbs a constant), so a change
  // of ∇_i is added to the first list or subtracted from the second.
  std::vector<int> by_outcome_start, by_outcome;
  std::vector<uint8_t> flipped;
  auto compute_scores = [&] {
    score.assign(active.size(), 0.0);
    for (int i = 0; i < n; ++i) {
      const double g = flipped[i] != 0 ? -grad[i] : grad[i];
      for (int p = by_outcome_start[i]; p < by_outcome_start[i + 1]; ++p) score[by_outcome[p]] += g;
    }
  };
  auto refresh = [&] {
    compute_mu();
    compute_grad();
    compute_scores();
  };
  // Inner accuracy follows the last oracle gap: early corrective steps need not be exact, and
  // the stopping rule always uses an oracle-certified gap.
  double inner_tol = kInitialInnerTolerance;

  // Fully corrective step: pairwise FW over the active set with an exact line search. A pairwise
  // step moves weight from the away vertex a to the toward vertex t, so μ and ∇ change only where
  // the two differ; the scores are updated through an outcome → active-vertex index instead of
  // being recomputed (O(k·n) per step before; profiling showed the step dominated).
  std::vector<std::pair<int, int>> diff;  // (outcome, +1 in v_t only / −1 in v_a only)

  // Newton step on the face of the support S = {j : λ_j > 0}: f(λ) = D((1 − ε)Aλ + εu) has
  // gradient (1 − ε)·score and Hessian (1 − ε)²·H, H = A_Sᵀ diag(1/μ) A_S. The direction solves
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
  std::vector<double> hessian, dir, ones_solve, dmu;
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
    for (int i = 0; i < n; ++i) {
      if (settled_[i] == 0) continue;
      // by_outcome lists the vertices with v_j[i] = 1 or (flipped) with v_j[i] = 0; either
      // gives the same quadratic form on the subspace (below), so no flip back is needed.
      members.clear();
      for (int p = by_outcome_start[i]; p < by_outcome_start[i + 1]; ++p) {
        if (const int q = position[by_outcome[p]]; q >= 0) members.push_back(q);
      }
      if (2 * static_cast<int>(members.size()) > m) {
        // On the subspace Σ Δ = 0 the row a_i and its complement 1 − a_i give the same
        // quadratic form ((1 − a)(1 − a)ᵀ = J − 1aᵀ − a1ᵀ + aaᵀ, and J, 1aᵀ, a1ᵀ vanish there;
        // the multiplier ν absorbs them). Outcomes in most vertices (a binary market's NO,
        // settled-at-1 outcomes) then cost little.
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
      // Outcomes with the same pattern (equivalent outcomes, a YES and its NO after the
      // complement) share one rank-one term: sum their weights first.
      uint64_t hash = members.size();
      for (int q : members) hash = (hash ^ static_cast<uint64_t>(q)) * 0x100000001b3ULL;
      const double w = 1 / std::max(mu[i], kMinMu);
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
    const std::vector<double> h = hessian;
    bool factored = false;
    for (double ridge = 1e-12; ridge <= 1e-4 && !factored; ridge *= 100) {
      hessian = h;
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
    dmu.assign(n, 0.0);
    for (int q = 0; q < m; ++q) {
      for (int i : ones[active[support[q]]]) dmu[i] += (1 - eps) * dir[q];
    }
    double f0 = 0, s0 = 0;
    for (int i = 0; i < n; ++i) {
      if (dmu[i] == 0 || settled_[i] == 0) continue;
      f0 += dmu[i] * grad[i];
      s0 += dmu[i] * dmu[i] / std::max(mu[i], kMinMu);
    }
    if (!(f0 < 0)) return false;  // not a descent direction (numerically exhausted)
    auto eval = [&](double g, double* first, double* second) {
      double f = 0, sec = 0;
      for (int i = 0; i < n; ++i) {
        if (dmu[i] == 0 || settled_[i] == 0) continue;
        const double mi = std::max(mu[i] + g * dmu[i], kMinMu);
        f += dmu[i] * std::log(mi / prices[i]);
        sec += dmu[i] * dmu[i] / mi;
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
    const int k_active = static_cast<int>(active.size());
    std::vector<int> count(n, 0);
    for (int k : active) {
      for (int i : ones[k]) ++count[i];
    }
    flipped.assign(n, 0);
    by_outcome_start.assign(n + 1, 0);
    for (int i = 0; i < n; ++i) {
      flipped[i] = 2 * count[i] > k_active ? 1 : 0;
      by_outcome_start[i + 1] =
          by_outcome_start[i] + (flipped[i] != 0 ? k_active - count[i] : count[i]);
    }
    by_outcome.resize(by_outcome_start[n]);
    {
      std::vector<int> fill(by_outcome_start.begin(), by_outcome_start.end() - 1);
      for (int j = 0; j < k_active; ++j) {
        for (int i : ones[active[j]]) {
          if (flipped[i] == 0) by_outcome[fill[i]++] = j;
        }
      }
      std::vector<int> dense;  // flipped outcomes not in every active vertex
      for (int i = 0; i < n; ++i) {
        if (flipped[i] != 0 && count[i] < k_active) dense.push_back(i);
      }
      for (int j = 0; j < k_active; ++j) {
        const uint8_t* v = cache_.at(active[j]).data();
        for (int i : dense) {
          if (v[i] == 0) by_outcome[fill[i]++] = j;
        }
      }
    }
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
      // with curvature 1/μ_i that is large for small prices), so every kPairwiseBeforeNewton
      // steps a Newton step polishes the weights on the current support.
      if (++since_newton > kPairwiseBeforeNewton) {
        since_newton = 0;
        if (newton_step()) {
          refresh();
          continue;
        }
      }
      const Vertex& vt = cache_.at(active[t]);
      const Vertex& va = cache_.at(active[a]);
      diff.clear();
      for (int i : ones[active[t]]) {
        if (va[i] == 0) diff.emplace_back(i, 1);
      }
      for (int i : ones[active[a]]) {
        if (vt[i] == 0) diff.emplace_back(i, -1);
      }
      if (diff.empty()) break;  // cannot happen: cached vertices are distinct
      // d = (1 − ε)(v_t − v_a); φ'(γ) = Σ d_i ln((μ_i + γ d_i)/p_i), φ'' = Σ d_i²/(μ_i + γ d_i).
      auto eval = [&](double g, double* first, double* second) {
        double f = 0, sec = 0;
        for (const auto& [i, di] : diff) {
          const double d = (1 - eps) * di;
          const double m = std::max(mu[i] + g * d, kMinMu);
          f += d * std::log(m / prices[i]);
          sec += d * d / m;
        }
        *first = f;
        *second = sec;
      };
      double s0 = 0;
      for (const auto& [i, di] : diff) s0 += (1 - eps) * (1 - eps) / std::max(mu[i], kMinMu);
      const double gmax = lambda[a];
      const double gamma = ExactLineSearch((1 - eps) * (score[t] - score[a]), s0, gmax, eval);
      lambda[t] += gamma;
      lambda[a] = gamma == gmax ? 0.0 : lambda[a] - gamma;
      for (const auto& [i, di] : diff) {
        mu[i] += gamma * (1 - eps) * di;
        const double g = SafeLog(mu[i], prices[i]);
        const double delta = flipped[i] != 0 ? grad[i] - g : g - grad[i];
        grad[i] = g;
        for (int p = by_outcome_start[i]; p < by_outcome_start[i + 1]; ++p) {
          score[by_outcome[p]] += delta;
        }
      }
    }
    // Drop vertices without weight.
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
    double total = 0;
    for (double l : lambda) total += l;
    for (double& l : lambda) l /= total;
    compute_mu();
    compute_grad();
  };

  ProjectionResult r;
  r.stop = ProjectionStop::kIterationLimit;
  double gap = std::numeric_limits<double>::infinity();
  bool gap_is_current = false;  // gap was measured at the current μ
  std::vector<uint8_t> in_active;
  for (int iter = 1; iter <= options_.max_iterations; ++iter) {
    r.iterations = iter;
    corrective_step();
    if (options_.lazy && std::isfinite(gap)) {
      // Lazy FW: the best cached vertex outside the active set, if it still makes progress,
      // saves an oracle call. Never used to stop: the stopping gap always comes from the oracle.
      in_active.assign(cache_.size(), 0);
      for (int k : active) in_active[k] = 1;
      int best = -1;
      double best_value = std::numeric_limits<double>::infinity();
      for (int k = 0; k < cache_.size(); ++k) {
        if (in_active[k] != 0) continue;
        double v = 0;
        for (int i : ones[k]) v += grad[i];
        if (v < best_value) {
          best_value = v;
          best = k;
        }
      }
      if (best >= 0) {
        double gmu_lazy = 0;
        for (int i = 0; i < n; ++i) gmu_lazy += grad[i] * mu[i];
        const double lazy_gap = gmu_lazy - best_value;
        if (lazy_gap > options_.gap_tolerance && lazy_gap >= kLazyFraction * gap) {
          ++r.lazy_steps;
          gap_is_current = false;
          active.push_back(best);
          lambda.push_back(0.0);
          continue;
        }
      }
    }
    ARBOR_ASSIGN_OR_RETURN(Vertex z, oracle_.Minimize(grad));
    double gmu = 0, gu = 0;
    for (int i = 0; i < n; ++i) {
      gmu += grad[i] * mu[i];
      gu += grad[i] * u_[i];
    }
    gap = std::max(0.0, gmu - Dot(grad, z));
    gap_is_current = true;
    const double d = GeneralizedKl(mu, prices);
    if (gap <= options_.gap_tolerance) {
      r.stop = ProjectionStop::kGap;
      break;
    }
    if (options_.alpha_extraction && gap <= (1 - *options_.alpha_extraction) * d) {
      r.stop = ProjectionStop::kAlphaExtraction;
      break;
    }
    if (options_.divergence_floor > 0 && d <= options_.divergence_floor) {
      r.stop = ProjectionStop::kDivergenceFloor;
      break;
    }
    // Adaptive contraction (Krishnan et al. 2015, clinicalml/fw-inference): g_u = ⟨−∇f, u − μ⟩.
    const double g_u = gmu - gu;
    if (g_u < 0) {
      const double ratio = gap / (-4 * g_u);
      if (ratio < eps) eps = std::min(ratio, eps / 2);
    }
    inner_tol = std::max(0.1 * options_.gap_tolerance, 1e-2 * gap);
    const int k = cache_.Insert(z);
    sync_ones();
    if (std::find(active.begin(), active.end(), k) == active.end()) {
      active.push_back(k);
      lambda.push_back(0.0);
    }
  }

  if (!gap_is_current && r.iterations > 0) {
    // Stopped after a lazy step: certify the returned iterate with one more oracle call.
    ARBOR_ASSIGN_OR_RETURN(Vertex z, oracle_.Minimize(grad));
    double gmu = 0;
    for (int i = 0; i < n; ++i) gmu += grad[i] * mu[i];
    gap = std::max(0.0, gmu - Dot(grad, z));
  }
  r.mu = mu;
  r.divergence = GeneralizedKl(mu, prices);
  r.divergence_plain = PlainKl(mu, prices);
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
            [](const WeightedVertex& x, const WeightedVertex& y) { return x.weight > y.weight; });
  return r;
}

}  // namespace arbor::quant
