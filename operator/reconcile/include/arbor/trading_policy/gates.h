// File: arbor/trading_policy/gates.h
//
// Evaluating a stage's gates against the executor's stage evidence. Two kinds of gate:
//   * breach gates (realised PnL floor, drawdown, unhedged executions) fail as soon as the
//     observed numbers cross them, whatever the sample count: a loss that happened is real, and
//     failing moves toward less capital;
//   * ratio gates (fill reliability, error rate) mean nothing on a handful of legs: below the
//     stage's minSamples (or with no legs) they are Insufficient and hold the stage.
// A gate passes only on complete data ("no data" holds, never passes).
#pragma once

#include <cstdint>
#include <vector>

#include "arbor/trading_policy/spec.h"
#include "arbor/trading_policy/status.h"

namespace arbor::trading_policy {

// The executor's StageMetrics reduced to what gates read (money in micros, as on the wire).
struct StageEvidence {
  bool data_complete = false;
  uint64_t sample_count = 0;
  int64_t realized_pnl_micros = 0;
  int64_t max_drawdown_micros = 0;
  uint64_t legs_submitted = 0;
  uint64_t legs_filled = 0;
  uint64_t unhedged_count = 0;
  uint64_t orders_rejected = 0;
};

struct GateVerdict {
  std::vector<GateEvidence> gates;  // one per gate the stage sets, in spec order
  bool any_failed = false;
  bool all_passed = false;      // every set gate Pass (vacuously true with no gates)
  std::string failure_message;  // first failed gate: "maxDrawdownCents: 45.00 USD > 30.00 USD"
};

GateVerdict EvaluateGates(const StageSpec& stage, const StageEvidence& evidence);

// Evidence block of the status (cents, bps) from the raw evidence and the verdict.
Evidence SummariseEvidence(const StageEvidence& evidence, const GateVerdict& verdict,
                           absl::Time window_start, absl::Time now);

}  // namespace arbor::trading_policy
