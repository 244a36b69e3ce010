// File: arbor/quant/ip_oracle.h
//
// The linear-minimisation oracle of Frank-Wolfe: argmin_{z ∈ Z} c·z over the valid 0/1 outcome
// vectors of a PolytopeModel (../shared/quant/ARBITRAGE_MATH.md §3, §9).
//
//   CbcOracle        — production: a 0/1 MIP on COIN-OR CBC. Binary (two-outcome) blocks and
//                      equivalence rows are presolved into one column per class of linked
//                      outcomes. Each call re-solves one LP relaxation warm (only the objective
//                      changes) and returns its optimum when it is integral; otherwise a fresh
//                      CbcModel on a copy is searched by the stand-alone solver (CbcMain: cuts,
//                      heuristics; no preprocessing; one search at a time per process):
//                      re-solving one CbcModel after changing its objective returned wrong
//                      optima in CBC 2.10.8.
//   BruteForceOracle — enumerates Z once (small instances); the cross-check in tests.
//   VertexCache      — de-duplicated vertices seen so far (lazy Frank-Wolfe, warm starts).
//
// Oracles are not thread-safe (call counters, solver state); use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/quant/polytope_model.h"

namespace arbor::quant {

class IpOracle {
 public:
  virtual ~IpOracle() = default;

  // Minimize
  //
  // A valid z minimising c·z (ties broken arbitrarily). Errors: InvalidArgument if c has the
  // wrong size or a non-finite entry; FailedPrecondition if Z is empty (infeasible constraint
  // set); Internal if the solver fails or returns an invalid vertex.
  [[nodiscard]] virtual absl::StatusOr<Vertex> Minimize(absl::Span<const double> c) = 0;

  // Number of Minimize calls so far.
  virtual int64_t calls() const = 0;
};

using IpOraclePtr = std::unique_ptr<IpOracle>;

class BruteForceOracle final : public IpOracle {
 public:
  // Create
  //
  // Enumerates Z (one outcome per block, filtered by the constraints). Errors:
  // ResourceExhausted if the product of block sizes exceeds `max_candidates`;
  // FailedPrecondition if Z is empty.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<BruteForceOracle>> Create(
      const PolytopeModel& model, int64_t max_candidates = int64_t{1} << 20);

  [[nodiscard]] absl::StatusOr<Vertex> Minimize(absl::Span<const double> c) override;
  int64_t calls() const override { return calls_; }
  const std::vector<Vertex>& vertices() const { return vertices_; }

 private:
  explicit BruteForceOracle(std::vector<Vertex> vertices) : vertices_(std::move(vertices)) {}
  std::vector<Vertex> vertices_;
  int64_t calls_ = 0;
};

struct CbcOracleOptions {
  // Nodes the bare branch and bound may explore before the stand-alone solver (CbcMain) takes
  // over; 0 sends every call the LP relaxation cannot answer straight to CbcMain.
  int bare_search_nodes = 200;
};

class CbcOracle final : public IpOracle {
 public:
  // Create
  //
  // Loads the model (binary columns, one exactly-one row per block, one row per constraint).
  // Errors: Internal if CBC/CLP throws while loading.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<CbcOracle>> Create(
      const PolytopeModel& model, CbcOracleOptions options = {});
  ~CbcOracle() override;

  [[nodiscard]] absl::StatusOr<Vertex> Minimize(absl::Span<const double> c) override;
  int64_t calls() const override { return calls_; }
  // Calls answered by the bare branch and bound / by CbcMain (the rest by the LP relaxation).
  int64_t bare_searches() const { return bare_searches_; }
  int64_t full_searches() const { return full_searches_; }

 private:
  struct Impl;
  explicit CbcOracle(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int64_t calls_ = 0;
  int64_t bare_searches_ = 0;
  int64_t full_searches_ = 0;
};

// VertexCache
//
// De-duplicated store of vertices, by value. Indices are stable.
class VertexCache {
 public:
  // Returns the index of z, inserting it if new.
  int Insert(const Vertex& z);
  // Index of z or -1.
  int Find(const Vertex& z) const;
  // Index of a cached vertex minimising c·z, or -1 if empty.
  int BestFor(absl::Span<const double> c) const;
  const Vertex& at(int i) const { return vertices_[i]; }
  int size() const { return static_cast<int>(vertices_.size()); }

 private:
  std::vector<Vertex> vertices_;
  absl::flat_hash_map<std::string, int> index_;
};

// Dot
//
// c·z for a 0/1 vertex.
double Dot(absl::Span<const double> c, absl::Span<const uint8_t> z);

}  // namespace arbor::quant
