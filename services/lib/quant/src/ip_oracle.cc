#include "arbor/quant/ip_oracle.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "CbcModel.hpp"
#include "CoinError.hpp"
#include "CoinMessageHandler.hpp"
#include "CoinPackedMatrix.hpp"
#include "OsiClpSolverInterface.hpp"
#include "absl/strings/str_cat.h"

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
  OsiClpSolverInterface base;  // loaded once; copied per call, never re-solved in place
};

CbcOracle::CbcOracle(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CbcOracle::~CbcOracle() = default;

absl::StatusOr<std::unique_ptr<CbcOracle>> CbcOracle::Create(const PolytopeModel& model) {
  auto impl = std::make_unique<Impl>();
  impl->model = model;
  const int n = model.num_outcomes();
  try {
    CoinPackedMatrix matrix(false, 0, 0);  // row-ordered
    matrix.setDimensions(0, n);
    std::vector<double> row_lo, row_hi;
    constexpr double kInf = std::numeric_limits<double>::max();
    for (int b = 0; b < model.num_blocks(); ++b) {
      const int size = static_cast<int>(model.block(b).outcomes.size());
      std::vector<int> idx(size);
      std::vector<double> val(size, 1.0);
      for (int k = 0; k < size; ++k) idx[k] = model.block_begin(b) + k;
      matrix.appendRow(size, idx.data(), val.data());
      row_lo.push_back(1.0);
      row_hi.push_back(1.0);
    }
    for (const LinearConstraint& c : model.constraints()) {
      std::vector<int> idx;
      std::vector<double> val;
      // Merge repeated outcomes: CoinPackedMatrix rejects duplicate indices in a row.
      std::vector<double> dense(n, 0.0);
      for (const auto& [i, coef] : c.terms) dense[i] += coef;
      for (int i = 0; i < n; ++i) {
        if (dense[i] != 0.0) {
          idx.push_back(i);
          val.push_back(dense[i]);
        }
      }
      matrix.appendRow(static_cast<int>(idx.size()), idx.data(), val.data());
      row_lo.push_back(c.op == Relation::kLessEqual ? -kInf : c.rhs);
      row_hi.push_back(c.op == Relation::kGreaterEqual ? kInf : c.rhs);
    }
    std::vector<double> col_lo(n, 0.0), col_hi(n, 1.0), obj(n, 0.0);
    impl->base.loadProblem(matrix, col_lo.data(), col_hi.data(), obj.data(), row_lo.data(),
                           row_hi.data());
    for (int i = 0; i < n; ++i) impl->base.setInteger(i);
    impl->base.messageHandler()->setLogLevel(0);
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
  Vertex z(n, 0);
  try {
    OsiClpSolverInterface solver(impl_->base);
    solver.setObjective(c.data());
    solver.messageHandler()->setLogLevel(0);
    CbcModel cbc(solver);
    cbc.setLogLevel(0);
    cbc.messageHandler()->setLogLevel(0);
    cbc.solver()->messageHandler()->setLogLevel(0);
    cbc.initialSolve();
    if (cbc.solver()->isProvenPrimalInfeasible()) {
      return absl::FailedPreconditionError(
          "constraint set is infeasible: no valid joint outcome (LP relaxation infeasible)");
    }
    cbc.branchAndBound();
    if (cbc.isProvenInfeasible()) {
      return absl::FailedPreconditionError("constraint set is infeasible: no valid joint outcome");
    }
    const double* x = cbc.bestSolution();
    if (!cbc.isProvenOptimal() || x == nullptr) {
      return absl::InternalError("CBC did not prove an optimal solution");
    }
    for (int i = 0; i < n; ++i) z[i] = x[i] > 0.5 ? 1 : 0;
  } catch (const CoinError& e) {
    return absl::InternalError(absl::StrCat("CBC failed: ", e.message()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("CBC failed: ", e.what()));
  } catch (...) {
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
