#include "arbor/quant/ip_oracle.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "CbcModel.hpp"
#include "CbcSolver.hpp"
#include "ClpSimplex.hpp"
#include "CoinError.hpp"
#include "CoinMessageHandler.hpp"
#include "CoinPackedMatrix.hpp"
#include "OsiClpSolverInterface.hpp"
#include "absl/strings/str_cat.h"
#include "arbor/quant/outcome_classes.h"

namespace arbor::quant {
namespace {

absl::Status CheckObjective(absl::Span<const double> c, int n) {
  if (static_cast<int>(c.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("objective has ", c.size(), " entries, model has ", n, " outcomes"));
  }
  for (double v : c) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError("objective entry not finite");
  }
  return absl::OkStatus();
}

std::string Key(const Vertex& z) { return std::string(z.begin(), z.end()); }

}  // namespace

double Dot(absl::Span<const double> c, absl::Span<const uint8_t> z) {
  double s = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    if (z[i] != 0) s += c[i];
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// BruteForceOracle

absl::StatusOr<std::unique_ptr<BruteForceOracle>> BruteForceOracle::Create(
    const PolytopeModel& model, int64_t max_candidates) {
  int64_t candidates = 1;
  for (int b = 0; b < model.num_blocks(); ++b) {
    candidates *= static_cast<int64_t>(model.block(b).outcomes.size());
    if (candidates > max_candidates) {
      return absl::ResourceExhaustedError(
          absl::StrCat("brute force: more than ", max_candidates, " candidate outcomes"));
    }
  }
  std::vector<Vertex> vertices;
  Vertex z(model.num_outcomes(), 0);
  std::vector<int> choice(model.num_blocks(), 0);
  // Odometer over one outcome per block.
  for (int64_t k = 0; k < candidates; ++k) {
    std::fill(z.begin(), z.end(), 0);
    for (int b = 0; b < model.num_blocks(); ++b) z[model.block_begin(b) + choice[b]] = 1;
    if (model.IsValid(z)) vertices.push_back(z);
    for (int b = 0; b < model.num_blocks(); ++b) {
      if (++choice[b] < static_cast<int>(model.block(b).outcomes.size())) break;
      choice[b] = 0;
    }
  }
  if (vertices.empty()) {
    return absl::FailedPreconditionError("constraint set is infeasible: no valid joint outcome");
  }
  return std::unique_ptr<BruteForceOracle>(new BruteForceOracle(std::move(vertices)));
}

absl::StatusOr<Vertex> BruteForceOracle::Minimize(absl::Span<const double> c) {
  if (auto s = CheckObjective(c, static_cast<int>(vertices_.front().size())); !s.ok()) return s;
  ++calls_;
  int best = 0;
  double best_value = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < vertices_.size(); ++k) {
    const double v = Dot(c, vertices_[k]);
    if (v < best_value) {
      best_value = v;
      best = static_cast<int>(k);
    }
  }
  return vertices_[best];
}

// ---------------------------------------------------------------------------------------------
// CbcOracle

struct CbcOracle::Impl {
  PolytopeModel model;
  CbcOracleOptions options;
  // Presolve: outcome i is column column[i] of the MIP, or its complement 1 − x when negated[i].
  std::vector<int> column;
  std::vector<uint8_t> negated;
  int columns = 0;
  // Why the constraint set was found infeasible while presolving ("" if it was not).
  std::string infeasible;
  OsiClpSolverInterface base;  // as loaded; never solved (the source of a reset)
  // The LP relaxation, re-solved from the previous optimal basis after each objective change
  // (dual simplex, the Osi default for resolve()). Only the objective ever changes.
  std::unique_ptr<OsiClpSolverInterface> lp;
};

namespace {

// An LP optimum whose entries are all this close to 0 or 1 is taken as integral (the primal
// feasibility tolerance of CLP is 1e-7; the rounded vector is re-checked with IsValid).
constexpr double kIntegralityTolerance = 1e-7;
// A presolved row with no terms left is checked against its right-hand side with this slack.
constexpr double kRowTolerance = 1e-9;

void Silence(OsiClpSolverInterface& s) {
  s.messageHandler()->setLogLevel(0);
  s.getModelPtr()->setLogLevel(0);
}

}  // namespace

CbcOracle::CbcOracle(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CbcOracle::~CbcOracle() = default;

absl::StatusOr<std::unique_ptr<CbcOracle>> CbcOracle::Create(const PolytopeModel& model,
                                                             CbcOracleOptions options) {
  if (options.bare_search_nodes < 0) {
    return absl::InvalidArgumentError("bare_search_nodes must be >= 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->model = model;
  impl->options = options;

  // Presolve: each class of outcomes linked by a two-outcome block or an equivalence row
  // (outcome_classes.h) becomes one column, and those rows disappear.
  OutcomeClasses classes = ClassifyOutcomes(model);
  impl->infeasible = classes.contradiction;
  impl->columns = classes.columns;
  impl->column = std::move(classes.column);
  impl->negated = std::move(classes.negated);
  const std::vector<uint8_t>& consumed = classes.encoded;
  const int cols = impl->columns;

  try {
    CoinPackedMatrix matrix(false, 0, 0);  // row-ordered
    matrix.setDimensions(0, cols);
    std::vector<double> row_lo, row_hi;
    constexpr double kInf = std::numeric_limits<double>::max();
    std::vector<double> dense(cols, 0.0);
    std::vector<int> touched;
    // Adds Σ coef·z_i (op) rhs with z_i written as x or 1 − x; merges repeated columns (a
    // CoinPackedMatrix row rejects duplicate indices).
    auto add_row = [&](const std::vector<std::pair<int, double>>& terms, Relation op, double rhs) {
      touched.clear();
      for (const auto& [i, coef] : terms) {
        const int col = impl->column[i];
        if (impl->negated[i] != 0) {
          rhs -= coef;
          dense[col] -= coef;
        } else {
          dense[col] += coef;
        }
        touched.push_back(col);
      }
      std::sort(touched.begin(), touched.end());
      touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
      std::vector<int> idx;
      std::vector<double> val;
      for (int col : touched) {
        if (dense[col] != 0.0) {
          idx.push_back(col);
          val.push_back(dense[col]);
        }
        dense[col] = 0.0;
      }
      if (idx.empty()) {
        const bool ok = (op != Relation::kLessEqual || 0 <= rhs + kRowTolerance) &&
                        (op != Relation::kGreaterEqual || 0 >= rhs - kRowTolerance) &&
                        (op != Relation::kEqual || std::abs(rhs) <= kRowTolerance);
        if (!ok) impl->infeasible = "a constraint reduces to 0 against a non-zero bound";
        return;
      }
      matrix.appendRow(static_cast<int>(idx.size()), idx.data(), val.data());
      row_lo.push_back(op == Relation::kLessEqual ? -kInf : rhs);
      row_hi.push_back(op == Relation::kGreaterEqual ? kInf : rhs);
    };
    for (int b = 0; b < model.num_blocks(); ++b) {
      const int size = static_cast<int>(model.block(b).outcomes.size());
      if (size == 2) continue;  // encoded by the presolve
      std::vector<std::pair<int, double>> terms;
      for (int k = 0; k < size; ++k) terms.emplace_back(model.block_begin(b) + k, 1.0);
      add_row(terms, Relation::kEqual, 1.0);
    }
    for (size_t k = 0; k < model.constraints().size(); ++k) {
      if (consumed[k] != 0) continue;
      const LinearConstraint& c = model.constraints()[k];
      add_row(c.terms, c.op, c.rhs);
    }
    std::vector<double> col_lo(cols, 0.0), col_hi(cols, 1.0), obj(cols, 0.0);
    impl->base.loadProblem(matrix, col_lo.data(), col_hi.data(), obj.data(), row_lo.data(),
                           row_hi.data());
    for (int i = 0; i < cols; ++i) impl->base.setInteger(i);
    Silence(impl->base);
  } catch (const CoinError& e) {
    return absl::InternalError(absl::StrCat("CBC load failed: ", e.message()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("CBC load failed: ", e.what()));
  } catch (...) {
    return absl::InternalError("CBC load failed: unknown exception");
  }
  return std::unique_ptr<CbcOracle>(new CbcOracle(std::move(impl)));
}

absl::StatusOr<Vertex> CbcOracle::Minimize(absl::Span<const double> c) {
  const PolytopeModel& model = impl_->model;
  const int n = model.num_outcomes();
  if (auto s = CheckObjective(c, n); !s.ok()) return s;
  ++calls_;
  if (!impl_->infeasible.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "constraint set is infeasible: no valid joint outcome (", impl_->infeasible, ")"));
  }
  // The objective over the presolved columns (the constant of the negated literals does not
  // change the minimiser).
  std::vector<double> reduced(impl_->columns, 0.0);
  for (int i = 0; i < n; ++i) reduced[impl_->column[i]] += impl_->negated[i] != 0 ? -c[i] : c[i];
  auto expand = [&](const double* x, Vertex& z) {
    for (int i = 0; i < n; ++i) {
      const bool one = x[impl_->column[i]] > 0.5;
      z[i] = one != (impl_->negated[i] != 0) ? 1 : 0;
    }
  };
  const int cols = impl_->columns;
  Vertex z(n, 0);
  try {
    // 1. The LP relaxation, warm. Its optimum bounds the 0/1 optimum from below, so an integral
    //    LP optimum is the answer (always the case for brackets: implications between blocks).
    const bool cold = impl_->lp == nullptr;
    if (cold) {
      impl_->lp = std::make_unique<OsiClpSolverInterface>(impl_->base);
      Silence(*impl_->lp);
    }
    OsiClpSolverInterface& lp = *impl_->lp;
    lp.setObjective(reduced.data());
    if (cold) {
      lp.initialSolve();
    } else {
      lp.resolve();
    }
    if (lp.isProvenPrimalInfeasible()) {
      return absl::FailedPreconditionError(
          "constraint set is infeasible: no valid joint outcome (LP relaxation infeasible)");
    }
    const bool lp_optimal = lp.isProvenOptimal();
    if (lp_optimal) {
      const double* x = lp.getColSolution();
      bool integral = true;
      for (int j = 0; j < cols && integral; ++j) {
        integral = std::abs(x[j] - std::round(x[j])) <= kIntegralityTolerance;
      }
      if (integral) {
        expand(x, z);
        if (model.IsValid(z)) return z;
      }
    } else {
      impl_->lp.reset();  // numerically troubled: start the next call cold
    }
    // 2. Branch and bound on a copy: a fresh CbcModel per call, never re-solved (notes §9). The
    //    copy starts from the LP's optimal basis when there is one.
    OsiClpSolverInterface solver(lp_optimal ? *impl_->lp : impl_->base);
    solver.setObjective(reduced.data());
    Silence(solver);
    auto make_model = [&](CbcModel& cbc) -> absl::Status {
      cbc.setLogLevel(0);
      cbc.messageHandler()->setLogLevel(0);
      cbc.solver()->messageHandler()->setLogLevel(0);
      cbc.initialSolve();
      if (cbc.solver()->isProvenPrimalInfeasible()) {
        return absl::FailedPreconditionError(
            "constraint set is infeasible: no valid joint outcome (LP relaxation infeasible)");
      }
      return absl::OkStatus();
    };
    // 2a. A bare search with a node budget, without strong branching (on knapsack-like rows it
    //     costs several LP solves per node): small clusters are answered in milliseconds.
    std::vector<double> best;
    if (impl_->options.bare_search_nodes > 0) {
      CbcModel bare(solver);
      if (absl::Status s = make_model(bare); !s.ok()) return s;
      bare.setNumberStrong(0);
      bare.setNumberBeforeTrust(0);
      bare.setMaximumNodes(impl_->options.bare_search_nodes);
      bare.branchAndBound();
      if (bare.isProvenInfeasible()) {
        return absl::FailedPreconditionError(
            "constraint set is infeasible: no valid joint outcome");
      }
      if (bare.isProvenOptimal() && bare.bestSolution() != nullptr) {
        ++bare_searches_;
        best.assign(bare.bestSolution(), bare.bestSolution() + cols);
      }
    }
    if (best.empty()) {
      // 2b. Over budget: the stand-alone solver's search (CbcMain: cut generators, heuristics,
      //     its branching defaults). On the election benchmark's majority rows the bare search
      //     explored up to ~10 000 nodes per call (election12: 19.4 s bare, 7 s with this stage;
      //     the 51-state election finished only this way), but CbcMain's set-up costs ~3 ms per
      //     call, 10× the whole bare search on small clusters. CglPreProcess stays off: with it a
      //     51-state run aborted on a CLP assertion (ClpNonLinearCost, lowerValue <=
      //     upperValue). CbcMain keeps some state in statics in CBC 2.10: one search at a time.
      static std::mutex* const search_mutex = new std::mutex;
      std::lock_guard<std::mutex> lock(*search_mutex);
      CbcModel full(solver);
      if (absl::Status s = make_model(full); !s.ok()) return s;
      CbcSolverUsefulData data;
      CbcMain0(full, data);
      const char* argv[] = {"arbor", "-log", "0", "-preprocess", "off", "-solve", "-quit"};
      CbcMain1(
          7, argv, full, [](CbcModel*, int) { return 0; }, data);
      if (full.isProvenInfeasible()) {
        return absl::FailedPreconditionError(
            "constraint set is infeasible: no valid joint outcome");
      }
      if (!full.isProvenOptimal() || full.bestSolution() == nullptr) {
        return absl::InternalError("CBC did not prove an optimal solution");
      }
      ++full_searches_;
      best.assign(full.bestSolution(), full.bestSolution() + cols);
    }
    const double* x = best.data();
    expand(x, z);
  } catch (const CoinError& e) {
    impl_->lp.reset();
    return absl::InternalError(absl::StrCat("CBC failed: ", e.message()));
  } catch (const std::exception& e) {
    impl_->lp.reset();
    return absl::InternalError(absl::StrCat("CBC failed: ", e.what()));
  } catch (...) {
    impl_->lp.reset();
    return absl::InternalError("CBC failed: unknown exception");
  }
  if (!model.IsValid(z)) return absl::InternalError("CBC returned an invalid outcome vector");
  return z;
}

// ---------------------------------------------------------------------------------------------
// VertexCache

int VertexCache::Insert(const Vertex& z) {
  auto [it, inserted] = index_.emplace(Key(z), size());
  if (inserted) vertices_.push_back(z);
  return it->second;
}

int VertexCache::Find(const Vertex& z) const {
  auto it = index_.find(Key(z));
  return it == index_.end() ? -1 : it->second;
}

int VertexCache::BestFor(absl::Span<const double> c) const {
  int best = -1;
  double best_value = std::numeric_limits<double>::infinity();
  for (int k = 0; k < size(); ++k) {
    const double v = Dot(c, vertices_[k]);
    if (v < best_value) {
      best_value = v;
      best = k;
    }
  }
  return best;
}

}  // namespace arbor::quant
