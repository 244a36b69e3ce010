// File: arbor/quant/polytope_model.h
//
// PolytopeModel: the outcome space of a cluster of related markets, for the marginal-polytope
// projection (../shared/quant/ARBITRAGE_MATH.md §1). Outcomes are binary tokens grouped into
// blocks (exactly one outcome of a block pays); constraints between outcomes cut the valid
// joint outcomes Z ⊂ {0,1}^n. M = conv(Z) is the set of arbitrage-free price vectors.
//
//   PolytopeModel m;
//   ARBOR_RETURN_IF_ERROR(m.AddBlock("A", {"A_yes", "A_no"}, {0.55, 0.45}));
//   ARBOR_RETURN_IF_ERROR(m.AddBlock("B", {"B_yes", "B_no"}, {0.48, 0.52}));
//   ARBOR_RETURN_IF_ERROR(m.AddImplies("A_yes", "B_yes"));
//
// Outcome indices follow insertion order (block by block). A value type; not thread-safe for
// concurrent mutation, safe for concurrent const use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace arbor::quant {

// One 0/1 entry per outcome: a valid joint resolution z ∈ Z.
using Vertex = std::vector<uint8_t>;

struct Block {
  std::string name;
  std::vector<std::string> outcomes;
  std::vector<double> prices;  // > 0; need not sum to 1
};

enum class Relation { kLessEqual, kGreaterEqual, kEqual };

// Σ coef · z_outcome (op) rhs, in outcome indices.
struct LinearConstraint {
  std::vector<std::pair<int, double>> terms;
  Relation op = Relation::kLessEqual;
  double rhs = 0;
};

// RowHolds
//
// Whether a row's left-hand side `lhs` satisfies it (tolerance 1e-9, as IsValid).
bool RowHolds(const LinearConstraint& row, double lhs);

class PolytopeModel {
 public:
  // AddBlock
  //
  // Appends a block. Errors: InvalidArgument for an empty block, a size mismatch between
  // outcomes and prices, a price that is not finite and > 0, or a duplicate block/outcome name.
  [[nodiscard]] absl::Status AddBlock(std::string name, std::vector<std::string> outcomes,
                                      std::vector<double> prices);

  // Constraints between named outcomes. Errors: NotFound for an unknown name; InvalidArgument
  // for a non-finite coefficient or rhs, or an empty term list. Infeasibility of the whole set
  // is detected by the oracle (FailedPrecondition from IpOracle::Minimize).
  [[nodiscard]] absl::Status AddImplies(std::string_view a, std::string_view b);     // z_a <= z_b
  [[nodiscard]] absl::Status AddExcludes(std::string_view a, std::string_view b);    // z_a+z_b<=1
  [[nodiscard]] absl::Status AddEquivalent(std::string_view a, std::string_view b);  // z_a = z_b
  [[nodiscard]] absl::Status AddAtMostOne(absl::Span<const std::string> names);
  [[nodiscard]] absl::Status AddLinear(absl::Span<const std::pair<std::string, double>> terms,
                                       Relation op, double rhs);

  [[nodiscard]] absl::StatusOr<int> OutcomeIndex(std::string_view name) const;

  int num_outcomes() const { return static_cast<int>(names_.size()); }
  int num_blocks() const { return static_cast<int>(blocks_.size()); }
  const Block& block(int b) const { return blocks_[b]; }
  int block_begin(int b) const { return block_begin_[b]; }
  int block_of(int outcome) const { return block_of_[outcome]; }
  const std::string& outcome_name(int outcome) const { return names_[outcome]; }
  // The input prices, concatenated block by block.
  const std::vector<double>& prices() const { return prices_; }
  // The constraints added with Add*, not including the exactly-one rows of the blocks.
  const std::vector<LinearConstraint>& constraints() const { return constraints_; }

  // IsValid
  //
  // True iff z has one 0/1 entry per outcome, exactly one 1 per block, and satisfies every
  // constraint (tolerance 1e-9).
  bool IsValid(absl::Span<const uint8_t> z) const;

  // ValidatePrices
  //
  // OK iff `prices` has one finite, strictly positive entry per outcome.
  [[nodiscard]] absl::Status ValidatePrices(absl::Span<const double> prices) const;

 private:
  std::vector<Block> blocks_;
  std::vector<int> block_begin_;
  std::vector<int> block_of_;
  std::vector<std::string> names_;
  std::vector<double> prices_;
  absl::flat_hash_map<std::string, int> index_;
  absl::flat_hash_map<std::string, int> block_index_;
  std::vector<LinearConstraint> constraints_;
};

}  // namespace arbor::quant
