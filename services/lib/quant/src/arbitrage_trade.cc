#include "arbor/quant/arbitrage_trade.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"

namespace arbor::quant {

absl::StatusOr<double> OracleWorstCase(IpOracle& oracle, absl::Span<const double> q) {
  ARBOR_ASSIGN_OR_RETURN(Vertex z, oracle.Minimize(q));
  return Dot(q, z);
}

absl::StatusOr<ArbitrageTrade> ExtractTrade(const PolytopeModel& model,
                                            absl::Span<const double> prices,
                                            const ProjectionResult& projection, IpOracle& oracle,
                                            const TradeOptions& options) {
  ARBOR_RETURN_IF_ERROR(model.ValidatePrices(prices));
  const int n = model.num_outcomes();
  if (static_cast<int>(projection.mu.size()) != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("projection has ", projection.mu.size(), " entries, model has ", n));
  }
  const std::vector<double>& mu = projection.mu;
  ArbitrageTrade t;
  t.lmsr_trade.assign(n, 0.0);
  for (int i = 0; i < n; ++i) {
    if (mu[i] > 0) t.lmsr_trade[i] = std::log(mu[i] / prices[i]);
  }
  ARBOR_ASSIGN_OR_RETURN(t.lmsr_worst_case, OracleWorstCase(oracle, t.lmsr_trade));

  std::vector<double> q(n, 0.0);
  for (int b = 0; b < model.num_blocks(); ++b) {
    const int begin = model.block_begin(b);
    const int size = static_cast<int>(model.block(b).outcomes.size());
    int buys = 0, sells = 0;
    double block_sum = 0;
    for (int i = begin; i < begin + size; ++i) {
      block_sum += prices[i];
      const double diff = mu[i] - prices[i];
      if (diff > options.leg_threshold) {
        q[i] = 1.0;
        ++buys;
      } else if (diff < -options.leg_threshold) {
        q[i] = -1.0;
        ++sells;
      }
    }
    // Same bet twice: (sell T) − (buy S) pays a constant −1 and costs −(Σ_block p − 1) more.
    if (buys > 0 && sells > 0 && buys + sells == size) {
      const double drop = block_sum > 1.0 ? 1.0 : -1.0;  // drop buys when selling is cheaper
      for (int i = begin; i < begin + size; ++i) {
        if (q[i] == drop) q[i] = 0.0;
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    if (q[i] == 0.0) continue;
    const TradeSide side = q[i] > 0 ? TradeSide::kBuy : TradeSide::kSell;
    t.legs.push_back({i, model.outcome_name(i), side, 1.0, prices[i]});
    t.cost_per_set += q[i] * prices[i];
  }
  if (!t.legs.empty()) {
    ARBOR_ASSIGN_OR_RETURN(t.worst_case_payoff_per_set, OracleWorstCase(oracle, q));
  }
  t.guaranteed_profit_per_set = t.worst_case_payoff_per_set - t.cost_per_set;
  t.arbitrage = !t.legs.empty() && t.guaranteed_profit_per_set > options.profit_floor;
  return t;
}

}  // namespace arbor::quant
