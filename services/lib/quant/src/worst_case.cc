#include "arbor/quant/worst_case.h"

#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace arbor::quant {
namespace {

__extension__ typedef __int128 int128;

}  // namespace

absl::StatusOr<BlockPayoff> WorstCasePayoff(absl::Span<const OutcomePosition> positions,
                                            bool exhaustive) {
  if (positions.empty()) return absl::InvalidArgumentError("block has no outcomes");
  // $1 per token: a quantity in micro-shares pays the same number of micro-dollars.
  int128 all_no = 0;
  for (const OutcomePosition& p : positions) all_no += p.no.micros();
  bool have = false;
  int128 worst = 0;
  int worst_outcome = -1;
  if (!exhaustive) {  // none of the listed outcomes pays: only the NO tokens do
    worst = all_no;
    have = true;
  }
  for (size_t j = 0; j < positions.size(); ++j) {
    const int128 pays = all_no - positions[j].no.micros() + positions[j].yes.micros();
    if (!have || pays < worst) {
      worst = pays;
      worst_outcome = static_cast<int>(j);
      have = true;
    }
  }
  if (worst > std::numeric_limits<int64_t>::max() || worst < std::numeric_limits<int64_t>::min()) {
    return absl::OutOfRangeError("worst-case payoff does not fit Money");
  }
  return BlockPayoff{.worst = Money::FromMicros(static_cast<int64_t>(worst)),
                     .worst_outcome = worst_outcome};
}

}  // namespace arbor::quant
