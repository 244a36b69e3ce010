#include "arbor/quant/frank_wolfe.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

double SafeLog(double mu, double p) { return std::log(std::max(mu, kMinMu) / p); }

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
  std::vector<bool> have_one(n, false), have_zero(n, false);
  std::vector<int> found;
  auto record = [&](const Vertex& z) {
    const int k = cache_.Insert(z);
    if (std::find(found.begin(), found.end(), k) == found.end()) found.push_back(k);
    for (int i = 0; i < n; ++i) (z[i] != 0 ? have_one : have_zero)[i] = true;
  };
  settled_.assign(n, -1);
  std::vector<double> c(n, 0.0);
  // InitFW (Kroer Algorithm 3): for every outcome try to make it 1, then 0; an outcome that
  // cannot take a value is settled. Vertices found earlier usually cover most outcomes.
  for (int i = 0; i < n; ++i) {
    for (const int want : {1, 0}) {
      if ((want == 1 && have_one[i]) || (want == 0 && have_zero[i])) continue;
      c[i] = want == 1 ? -1.0 : 1.0;
      ARBOR_ASSIGN_OR_RETURN(Vertex z, oracle_.Minimize(c));
      c[i] = 0.0;
      record(z);
      if (z[i] != want) settled_[i] = static_cast<int8_t>(z[i]);
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

  // Active set: cache indices and convex weights λ; μ = (1 − ε)·Σ λ_j v_j + ε·u.
  std::vector<int> active = interior_;
  for (const Vertex& z : warm_start) {
    const int k = cache_.Insert(z);
    if (std::find(active.begin(), active.end(), k) == active.end()) active.push_back(k);
  }
  std::vector<double> lambda(active.size(), 1.0 / static_cast<double>(active.size()));
  double eps = options_.initial_epsilon;

  std::vector<double> mu(n), grad(n);
  auto compute_mu = [&] {
    for (int i = 0; i < n; ++i) mu[i] = eps * u_[i];
    for (size_t j = 0; j < active.size(); ++j) {
      if (lambda[j] == 0) continue;
      const Vertex& v = cache_.at(active[j]);
      for (int i = 0; i < n; ++i) {
        if (v[i] != 0) mu[i] += (1 - eps) * lambda[j];
      }
    }
  };
  auto compute_grad = [&] {
    // Settled-at-0 outcomes have μ_i = 0 on all of M; their gradient entry never matters.
    for (int i = 0; i < n; ++i) grad[i] = settled_[i] == 0 ? 0.0 : SafeLog(mu[i], prices[i]);
  };
  // Inner accuracy follows the last oracle gap: early corrective steps need not be exact, and
  // the stopping rule always uses an oracle-certified gap.
  double inner_tol = kInitialInnerTolerance;

  // Fully corrective step: pairwise FW over the active set with an exact line search.
  auto corrective_step = [&] {
    compute_mu();
    std::vector<double> s(active.size());
    for (int it = 0; it < options_.max_inner_iterations; ++it) {
      if (it % 64 == 63) compute_mu();  // bound drift of the incremental update
      compute_grad();
      int t = -1, a = -1;
      for (size_t j = 0; j < active.size(); ++j) {
        s[j] = Dot(grad, cache_.at(active[j]));
        if (t < 0 || s[j] < s[t]) t = static_cast<int>(j);
        if (lambda[j] > 0 && (a < 0 || s[j] > s[a])) a = static_cast<int>(j);
      }
      if (a < 0 || t == a || (1 - eps) * (s[a] - s[t]) <= inner_tol) break;
      const Vertex& vt = cache_.at(active[t]);
      const Vertex& va = cache_.at(active[a]);
      // d = (1 − ε)(v_t − v_a); φ'(γ) = Σ d_i ln((μ_i + γ d_i)/p_i), φ'' = Σ d_i²/(μ_i + γ d_i).
      auto dphi = [&](double g, double* second) {
        double first = 0, sec = 0;
        for (int i = 0; i < n; ++i) {
          const int di = static_cast<int>(vt[i]) - static_cast<int>(va[i]);
          if (di == 0 || settled_[i] == 0) continue;
          const double d = (1 - eps) * di;
          const double m = std::max(mu[i] + g * d, kMinMu);
          first += d * std::log(m / prices[i]);
          sec += d * d / m;
        }
        if (second != nullptr) *second = sec;
        return first;
      };
      const double gmax = lambda[a];
      double gamma = gmax;
      if (dphi(gmax, nullptr) > 0) {
        double lo = 0, hi = gmax;
        gamma = 0;
        for (int k = 0; k < 100 && hi - lo > 1e-18; ++k) {
          double second = 0;
          const double f = dphi(gamma, &second);
          if (f == 0) break;
          (f < 0 ? lo : hi) = gamma;
          double next = second > 0 ? gamma - f / second : 0.5 * (lo + hi);
          if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
          if (std::abs(next - gamma) <= 1e-18) {
            gamma = next;
            break;
          }
          gamma = next;
        }
      }
      lambda[t] += gamma;
      lambda[a] = gamma == gmax ? 0.0 : lambda[a] - gamma;
      for (int i = 0; i < n; ++i) {
        const int di = static_cast<int>(vt[i]) - static_cast<int>(va[i]);
        if (di != 0) mu[i] += gamma * (1 - eps) * di;
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
  r.stop = StopReason::kIterationLimit;
  double gap = std::numeric_limits<double>::infinity();
  bool gap_is_current = false;  // gap was measured at the current μ
  for (int iter = 1; iter <= options_.max_iterations; ++iter) {
    r.iterations = iter;
    corrective_step();
    if (options_.lazy && std::isfinite(gap)) {
      // Lazy FW: a cached vertex outside the active set that still makes progress saves an
      // oracle call. Never used to stop: the stopping gap always comes from the oracle.
      const int k = cache_.BestFor(grad);
      if (std::find(active.begin(), active.end(), k) == active.end()) {
        double gmu_lazy = 0;
        for (int i = 0; i < n; ++i) gmu_lazy += grad[i] * mu[i];
        const double lazy_gap = gmu_lazy - Dot(grad, cache_.at(k));
        if (lazy_gap > options_.gap_tolerance && lazy_gap >= kLazyFraction * gap) {
          ++r.lazy_steps;
          gap_is_current = false;
          active.push_back(k);
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
      r.stop = StopReason::kGap;
      break;
    }
    if (options_.alpha_extraction && gap <= (1 - *options_.alpha_extraction) * d) {
      r.stop = StopReason::kAlphaExtraction;
      break;
    }
    if (options_.divergence_floor > 0 && d <= options_.divergence_floor) {
      r.stop = StopReason::kDivergenceFloor;
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
