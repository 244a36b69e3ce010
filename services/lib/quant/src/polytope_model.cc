#include "arbor/quant/polytope_model.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"

namespace arbor::quant {
namespace {

constexpr double kFeasibilityTolerance = 1e-9;

}  // namespace

absl::Status PolytopeModel::AddBlock(std::string name, std::vector<std::string> outcomes,
                                     std::vector<double> prices) {
  if (outcomes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("block '", name, "' has no outcomes"));
  }
  if (outcomes.size() != prices.size()) {
    return absl::InvalidArgumentError(absl::StrCat("block '", name, "' has ", outcomes.size(),
                                                   " outcomes but ", prices.size(), " prices"));
  }
  if (block_index_.contains(name)) {
    return absl::InvalidArgumentError(absl::StrCat("duplicate block name '", name, "'"));
  }
  absl::flat_hash_map<std::string, int> seen;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("block '", name, "' has an empty name"));
    }
    if (index_.contains(outcomes[i]) || !seen.emplace(outcomes[i], 0).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate outcome name '", outcomes[i], "'"));
    }
    if (!std::isfinite(prices[i]) || prices[i] <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("price of '", outcomes[i], "' must be finite and > 0, got ", prices[i]));
    }
  }
  const int b = num_blocks();
  block_index_.emplace(name, b);
  block_begin_.push_back(num_outcomes());
  for (size_t i = 0; i < outcomes.size(); ++i) {
    index_.emplace(outcomes[i], num_outcomes());
    names_.push_back(outcomes[i]);
    block_of_.push_back(b);
    prices_.push_back(prices[i]);
  }
  blocks_.push_back(Block{std::move(name), std::move(outcomes), std::move(prices)});
  return absl::OkStatus();
}

absl::StatusOr<int> PolytopeModel::OutcomeIndex(std::string_view name) const {
  auto it = index_.find(std::string(name));
  if (it == index_.end()) {
    return absl::NotFoundError(absl::StrCat("unknown outcome '", std::string(name), "'"));
  }
  return it->second;
}

absl::Status PolytopeModel::AddImplies(std::string_view a, std::string_view b) {
  ARBOR_ASSIGN_OR_RETURN(int ia, OutcomeIndex(a));
  ARBOR_ASSIGN_OR_RETURN(int ib, OutcomeIndex(b));
  constraints_.push_back({{{ia, 1.0}, {ib, -1.0}}, Relation::kLessEqual, 0.0});
  return absl::OkStatus();
}

absl::Status PolytopeModel::AddExcludes(std::string_view a, std::string_view b) {
  ARBOR_ASSIGN_OR_RETURN(int ia, OutcomeIndex(a));
  ARBOR_ASSIGN_OR_RETURN(int ib, OutcomeIndex(b));
  constraints_.push_back({{{ia, 1.0}, {ib, 1.0}}, Relation::kLessEqual, 1.0});
  return absl::OkStatus();
}

absl::Status PolytopeModel::AddEquivalent(std::string_view a, std::string_view b) {
  ARBOR_ASSIGN_OR_RETURN(int ia, OutcomeIndex(a));
  ARBOR_ASSIGN_OR_RETURN(int ib, OutcomeIndex(b));
  constraints_.push_back({{{ia, 1.0}, {ib, -1.0}}, Relation::kEqual, 0.0});
  return absl::OkStatus();
}

absl::Status PolytopeModel::AddAtMostOne(absl::Span<const std::string> names) {
  if (names.empty()) return absl::InvalidArgumentError("at_most_one needs at least one outcome");
  LinearConstraint c{{}, Relation::kLessEqual, 1.0};
  for (const std::string& n : names) {
    ARBOR_ASSIGN_OR_RETURN(int i, OutcomeIndex(n));
    c.terms.emplace_back(i, 1.0);
  }
  constraints_.push_back(std::move(c));
  return absl::OkStatus();
}

absl::Status PolytopeModel::AddLinear(absl::Span<const std::pair<std::string, double>> terms,
                                      Relation op, double rhs) {
  if (terms.empty()) return absl::InvalidArgumentError("linear constraint has no terms");
  if (!std::isfinite(rhs)) return absl::InvalidArgumentError("linear constraint rhs not finite");
  LinearConstraint c{{}, op, rhs};
  for (const auto& [name, coef] : terms) {
    ARBOR_ASSIGN_OR_RETURN(int i, OutcomeIndex(name));
    if (!std::isfinite(coef)) {
      return absl::InvalidArgumentError(absl::StrCat("coefficient of '", name, "' not finite"));
    }
    c.terms.emplace_back(i, coef);
  }
  constraints_.push_back(std::move(c));
  return absl::OkStatus();
}

bool RowHolds(const LinearConstraint& row, double lhs) {
  switch (row.op) {
    case Relation::kLessEqual:
      return lhs <= row.rhs + kFeasibilityTolerance;
    case Relation::kGreaterEqual:
      return lhs >= row.rhs - kFeasibilityTolerance;
    case Relation::kEqual:
      return std::abs(lhs - row.rhs) <= kFeasibilityTolerance;
  }
  return false;
}

bool PolytopeModel::IsValid(absl::Span<const uint8_t> z) const {
  if (static_cast<int>(z.size()) != num_outcomes()) return false;
  for (int b = 0; b < num_blocks(); ++b) {
    int ones = 0;
    const int end = block_begin_[b] + static_cast<int>(blocks_[b].outcomes.size());
    for (int i = block_begin_[b]; i < end; ++i) {
      if (z[i] > 1) return false;
      ones += z[i];
    }
    if (ones != 1) return false;
  }
  for (const LinearConstraint& c : constraints_) {
    double lhs = 0;
    for (const auto& [i, coef] : c.terms) lhs += coef * z[i];
    if (!RowHolds(c, lhs)) return false;
  }
  return true;
}

absl::Status PolytopeModel::ValidatePrices(absl::Span<const double> prices) const {
  if (static_cast<int>(prices.size()) != num_outcomes()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", num_outcomes(), " prices, got ", prices.size()));
  }
  for (int i = 0; i < num_outcomes(); ++i) {
    if (!std::isfinite(prices[i]) || prices[i] <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("price of '", names_[i], "' must be finite and > 0, got ", prices[i]));
    }
  }
  return absl::OkStatus();
}

}  // namespace arbor::quant
