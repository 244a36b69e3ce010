// File: arbor/quant/arbitrage_trade.h
//
// Trades from a projection (../shared/quant/ARBITRAGE_MATH.md §2, §6):
//
//   * the LMSR-aligned optimal trade δ_i = ln(μ_i / p_i) (b = 1). Its worst case over Z is
//     min_z δ·z = D_plain(μ) − gap (= D(μ*‖p) at the optimum): the guaranteed profit bound.
//   * a canonical order-book trade: one unit per set, BUY the outcomes with μ_i > p_i, SELL those
//     with μ_i < p_i. Inside a block where the buys S and sells T cover every outcome, "buy S"
//     and "sell T" encode the same bet (payoffs differ by a constant); only the cheaper encoding
//     is kept (sells iff Σ_block p > 1). The worst-case payoff is verified with the oracle.
//
// Pure functions over their arguments; the oracle is used (not thread-safe).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/quant/frank_wolfe.h"
#include "arbor/quant/ip_oracle.h"
#include "arbor/quant/polytope_model.h"

namespace arbor::quant {

enum class TradeSide { kBuy, kSell };

struct TradeLeg {
  int outcome = -1;
  std::string name;
  TradeSide side = TradeSide::kBuy;
  double quantity = 0;  // per set
  double price = 0;
};

struct ArbitrageTrade {
  std::vector<double> lmsr_trade;        // δ_i = ln(μ_i / p_i), 0 for settled-at-0 outcomes
  double lmsr_worst_case = 0;            // min_z δ·z (oracle)
  std::vector<TradeLeg> legs;            // canonical per-set order-book trade
  double cost_per_set = 0;               // Σ buy prices − Σ sell prices
  double worst_case_payoff_per_set = 0;  // min_z q·z (oracle), q = +1 buy / −1 sell
  double guaranteed_profit_per_set = 0;  // worst_case_payoff_per_set − cost_per_set
  bool arbitrage = false;                // guaranteed_profit_per_set > profit_floor
};

struct TradeOptions {
  double leg_threshold = 1e-7;  // |μ_i − p_i| below this: no leg
  double profit_floor = 1e-9;   // minimum guaranteed profit per set to report arbitrage
};

// OracleWorstCase
//
// min_{z ∈ Z} q·z. Errors: the oracle's.
[[nodiscard]] absl::StatusOr<double> OracleWorstCase(IpOracle& oracle, absl::Span<const double> q);

// ExtractTrade
//
// Both trades for `projection` of `prices`. Errors: InvalidArgument on size mismatch or bad
// prices; the oracle's errors.
[[nodiscard]] absl::StatusOr<ArbitrageTrade> ExtractTrade(const PolytopeModel& model,
                                                          absl::Span<const double> prices,
                                                          const ProjectionResult& projection,
                                                          IpOracle& oracle,
                                                          const TradeOptions& options = {});

}  // namespace arbor::quant
