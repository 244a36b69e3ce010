// File: arbor/quant/frank_wolfe.h
//
// Barrier Frank-Wolfe (Kroer et al. 2016; Krishnan et al. 2015) for the KL projection of a price
// vector p onto the marginal polytope M = conv(Z) of a PolytopeModel
// (../shared/quant/ARBITRAGE_MATH.md §2-3):
//
//   μ* = argmin_{μ ∈ M} D(μ‖p),  D(μ‖p) = Σ_i μ_i ln(μ_i/p_i) − μ_i + p_i  (generalised KL)
//
// which equals the per-block plain KL up to a constant on M, so blocks whose prices do not sum
// to 1 are handled. Algorithm: InitFW (covering oracle calls — each rewards every outcome not
// yet seen at 1, then at 0 — find settled outcomes and an interior point u), then iterates on
// M_ε = (1−ε)M + εu: a fully corrective step over the active vertex set (pairwise FW with exact
// line search, interleaved with Newton steps on the support face), one oracle call for the FW
// gap g = ∇D(μ)·(μ − z), the adaptive ε rule of the reference code, stop at g ≤ tolerance.
// g ≥ D(μ) − D(μ*) is the certificate. The iterations run over the oracle's columns
// (outcome_classes.h: a binary market's YES and NO, and equivalent outcomes, are one variable);
// results are per outcome.
//
//   ARBOR_ASSIGN_OR_RETURN(auto oracle, CbcOracle::Create(model));
//   BarrierFrankWolfe fw(model, *oracle);
//   ARBOR_ASSIGN_OR_RETURN(ProjectionResult r, fw.Project(model.prices()));
//
// Holds references to the model and oracle (which must outlive it); the model must be complete
// when the solver is constructed (its outcome classes are computed then). Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/quant/ip_oracle.h"
#include "arbor/quant/neighbourhood_search.h"
#include "arbor/quant/outcome_classes.h"
#include "arbor/quant/polytope_model.h"

namespace arbor::quant {

struct FrankWolfeOptions {
  double gap_tolerance = 1e-10;  // stop when the oracle-certified gap is <= this
  int max_iterations = 500;      // outer iterations (one oracle call each)
  double initial_epsilon = 0.1;  // ε₀ of the barrier contraction
  // α-extraction (Kroer Prop. 4.1): stop when g <= (1 − α)·D. Off by default.
  std::optional<double> alpha_extraction;
  // Stop when D(μ) <= this (nothing worth trading). 0 = off.
  double divergence_floor = 0;
  int max_inner_iterations = 20000;  // per fully corrective step
  // Lazy FW: try the vertex cache (vertices from earlier iterations and Project calls) before
  // the oracle; a cached vertex with at least half the last oracle gap is used instead.
  bool lazy = true;
  // When the cache falls short, NeighbourhoodSearch (neighbourhood_search.h) improves the best
  // cached vertex for the current gradient; a result with half the last oracle gap is used as a
  // lazy step. Only with `lazy`. Never used to stop (only the oracle certifies).
  bool neighbourhood_search = true;
};

enum class ProjectionStop { kGap, kAlphaExtraction, kDivergenceFloor, kIterationLimit };

struct WeightedVertex {
  Vertex z;
  double weight = 0;
};

struct ProjectionResult {
  std::vector<double> mu;       // μ, one entry per outcome
  double divergence = 0;        // generalised KL D(μ‖p)
  double divergence_plain = 0;  // Σ μ ln(μ/p) (the LMSR-aligned value when blocks sum to 1)
  double gap = 0;               // FW gap at μ (oracle-certified): D(μ) − D(μ*) <= gap
  int iterations = 0;           // outer iterations of this call (lazy ones included)
  int lazy_steps = 0;           // iterations served by the vertex cache, not the oracle
  int search_steps = 0;         // of the lazy steps, those whose vertex NeighbourhoodSearch found
  int64_t oracle_calls = 0;     // oracle calls of this call (including InitFW if it ran)
  double epsilon = 0;           // final barrier contraction
  ProjectionStop stop = ProjectionStop::kGap;
  // μ = Σ weight·z exactly (the interior point is expanded into its vertices); weights > 0,
  // summing to 1. Pass the vertices back as a warm start.
  std::vector<WeightedVertex> active_set;
  // Per outcome: -1 unsettled, 0 or 1 if every valid outcome fixes it (found by InitFW).
  std::vector<int8_t> settled;
};

class BarrierFrankWolfe {
 public:
  BarrierFrankWolfe(const PolytopeModel& model, IpOracle& oracle, FrankWolfeOptions options = {});

  // Initialize
  //
  // InitFW: settled outcomes and the interior point. Runs once; Project calls it if needed.
  // Errors: those of the oracle (FailedPrecondition for an infeasible constraint set).
  [[nodiscard]] absl::Status Initialize();

  // Project
  //
  // The projection of `prices` (one finite price > 0 per outcome). `warm_start`: vertices of a
  // previous active set (e.g. after a price update); invalid ones give InvalidArgument.
  // Errors: InvalidArgument for bad prices; the oracle's errors.
  [[nodiscard]] absl::StatusOr<ProjectionResult> Project(absl::Span<const double> prices,
                                                         absl::Span<const Vertex> warm_start = {});

  // Vertices seen so far (InitFW, oracle answers, warm starts), across Project calls.
  const VertexCache& cache() const { return cache_; }

 private:
  const PolytopeModel& model_;
  IpOracle& oracle_;
  FrankWolfeOptions options_;
  OutcomeClasses classes_;                     // the projection runs over columns (see Project)
  std::optional<NeighbourhoodSearch> search_;  // when options_.neighbourhood_search
  bool initialized_ = false;
  std::vector<int8_t> settled_;
  std::vector<int> interior_;  // cache indices of the InitFW vertices; u = their average
  std::vector<double> u_;
  VertexCache cache_;
  int64_t init_calls_ = 0;
};

// GeneralizedKl / PlainKl
//
// Σ μ ln(μ/p) − μ + p and Σ μ ln(μ/p), with 0·ln 0 = 0. Sizes must match.
double GeneralizedKl(absl::Span<const double> mu, absl::Span<const double> p);
double PlainKl(absl::Span<const double> mu, absl::Span<const double> p);

}  // namespace arbor::quant
