// File: arbor/risk/limits.h
//
// The numbers the pre-trade risk engine enforces: the executor builds a Limits from the
// operator's arbor.v1.PolicyLimits (and its own configuration) and hands it to
// RiskEngine::SetLimits; the next check uses it.
//
// Units: money, price and quantity fields are int64 micro-units (arbor/core/fixed_point.h),
// durations are nanoseconds. Doubles appear only for rates and model confidence, never money.
//
// Zero fails closed: a default-constructed Limits admits nothing (every cap is 0, the daily loss
// cap of 0 denies every execution and any realised loss reaches it, a drawdown threshold of 0 is
// already crossed). Only the fields that say so treat 0 / absence as "unlimited". To disable a
// check, set a huge limit explicitly.
//
// Plain value; thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "arbor/core/ids.h"

namespace arbor::risk {

struct Limits {
  // Per order (each leg): size (quantity micros) and notional = limit price x size (money
  // micros, rounded up).
  int64_t max_order_size_micros = 0;
  int64_t max_order_notional_micros = 0;

  // Allowed distance from the live best price (price micros) for new executions: a buy may pay at
  // most best ask + tolerance, a sell may sell no lower than best bid - tolerance. Buying below
  // the ask / selling above the bid is always within tolerance.
  int64_t price_tolerance_micros = 0;
  // The same for risk-reducing orders (unwind / hedge / replace): usually wider, because getting
  // out matters more than the price.
  int64_t unwind_price_tolerance_micros = 0;

  // A leg whose book was last updated longer ago than this (ns) is stale.
  int64_t max_book_age_nanos = 0;

  // Capital reserved by open executions (see RiskEngine) per venue, per event and per correlation
  // cluster (money micros). Legs with an empty cluster belong to no cluster.
  int64_t max_venue_exposure_micros = 0;
  int64_t max_event_exposure_micros = 0;
  int64_t max_cluster_exposure_micros = 0;

  // Executions approved and not yet released, at once.
  uint32_t max_open_executions = 0;

  // Daily realised loss cap (money micros, >= 0). New executions whose worst case would take the
  // day's realised loss beyond it are denied; realised daily PnL <= -cap halts until the next
  // StartNewDay().
  int64_t daily_loss_cap_micros = 0;

  // Drawdown from peak equity (money micros): >= reduce -> automatic REDUCING, >= halt ->
  // automatic HALTED.
  int64_t drawdown_reduce_micros = 0;
  int64_t drawdown_halt_micros = 0;

  // Capital of open executions per lane (money micros). A lane absent from the map is unlimited
  // here (the stage cap and the exposure caps still bind).
  absl::flat_hash_map<std::string, int64_t> lane_budget_micros;

  // Total capital of open executions (money micros); 0 = unlimited.
  int64_t stage_capital_cap_micros = 0;

  // Minimum ExecutionPlan::expected_profit_micros (money micros) and confidence (0..1).
  int64_t min_expected_profit_micros = 0;
  double min_confidence = 0.0;

  // Order-rate token bucket per venue: refills at orders_per_second up to burst orders. A venue
  // absent from the map is not throttled here.
  struct Throttle {
    double orders_per_second = 0.0;
    uint32_t burst = 0;
  };
  absl::flat_hash_map<Venue, Throttle> throttles;
};

}  // namespace arbor::risk
