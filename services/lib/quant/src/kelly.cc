#include "arbor/quant/kelly.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace arbor::quant {
namespace {

__extension__ typedef __int128 int128;

// floor(x) as int64 for x >= 0, saturating (an infinite Kelly stake is "no Kelly cap").
int64_t SaturatingFloor(double x) {
  constexpr double kLimit = 9.0e18;
  if (!(x < kLimit)) return std::numeric_limits<int64_t>::max();
  return x <= 0 ? 0 : static_cast<int64_t>(std::floor(x));
}

}  // namespace

BundleCapital CapitalOf(const BundleQuote& quote) {
  Money capital = quote.total_fees - quote.split_cash_flow;
  for (const LegQuote& leg : quote.legs) {
    if (leg.cash_flow.IsNegative()) capital -= leg.cash_flow;
  }
  BundleCapital out;
  out.capital = capital;
  if (quote.size_sets.IsPositive()) {
    out.capital_per_set = AveragePrice(capital, quote.size_sets, Rounding::kUp);
  }
  if (capital.IsPositive()) {
    out.gain = static_cast<double>(quote.guaranteed_profit.micros()) /
               static_cast<double>(capital.micros());
  }
  return out;
}

absl::StatusOr<double> FullKellyFraction(const KellyInputs& in) {
  if (!std::isfinite(in.fill_probability) || !std::isfinite(in.gain) || !std::isfinite(in.loss)) {
    return absl::InvalidArgumentError("kelly inputs must be finite");
  }
  if (in.fill_probability < 0 || in.fill_probability > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("fill probability ", in.fill_probability, " outside [0, 1]"));
  }
  if (in.gain <= 0) return absl::InvalidArgumentError(absl::StrCat("gain ", in.gain, " <= 0"));
  if (in.loss < 0) return absl::InvalidArgumentError(absl::StrCat("loss ", in.loss, " < 0"));
  const double p = in.fill_probability;
  const double q = 1.0 - p;
  if (in.loss == 0) {
    // Nothing to lose when a leg fails: any p > 0 is a free option; p = 0 never gains.
    return p > 0 ? std::numeric_limits<double>::infinity() : -q / in.gain;
  }
  return p / in.loss - q / in.gain;
}

absl::StatusOr<KellySize> SizeWithKelly(const KellyInputs& in, const KellyLimits& limits,
                                        Quantity available_sets, Price capital_per_set,
                                        Quantity lot_size) {
  absl::StatusOr<double> f = FullKellyFraction(in);
  if (!f.ok()) return f.status();
  if (!(limits.multiplier > 0 && limits.multiplier <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("kelly multiplier ", limits.multiplier, " outside (0, 1]"));
  }
  if (!(limits.depth_share >= 0 && limits.depth_share <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("depth share ", limits.depth_share, " outside [0, 1]"));
  }
  if (limits.bankroll.IsNegative() || limits.budget.IsNegative() || available_sets.IsNegative()) {
    return absl::InvalidArgumentError("bankroll, budget and available sets must be >= 0");
  }
  if (!capital_per_set.IsPositive()) {
    return absl::InvalidArgumentError("capital per set must be > 0");
  }
  if (!lot_size.IsPositive()) return absl::InvalidArgumentError("lot size must be > 0");

  KellySize out;
  out.full_fraction = *f;
  if (!(*f > 0)) return out;  // no edge after execution risk: no bet

  // Each cap in set micros: money micros * 1e6 / (money per set micros).
  const auto sets_for = [&](int64_t money_micros) -> int64_t {
    const int128 v = static_cast<int128>(money_micros) * kFixedScale / capital_per_set.micros();
    return v > std::numeric_limits<int64_t>::max() ? std::numeric_limits<int64_t>::max()
                                                   : static_cast<int64_t>(v);
  };
  const double kelly_money = limits.multiplier * *f * static_cast<double>(limits.bankroll.micros());
  const int64_t kelly_sets = sets_for(SaturatingFloor(kelly_money));
  const int64_t budget_sets = sets_for(limits.budget.micros());
  const int64_t depth_sets =
      SaturatingFloor(limits.depth_share * static_cast<double>(available_sets.micros()));

  int64_t sets = kelly_sets;
  out.binding = KellyBinding::kKelly;
  if (depth_sets < sets) {
    sets = depth_sets;
    out.binding = KellyBinding::kDepth;
  }
  if (budget_sets < sets) {
    sets = budget_sets;
    out.binding = KellyBinding::kBudget;
  }
  sets = sets / lot_size.micros() * lot_size.micros();
  if (sets <= 0) {
    out.binding = KellyBinding::kNoBet;
    return out;
  }
  out.sets = Quantity::FromMicros(sets);
  out.stake = Notional(capital_per_set, out.sets, Rounding::kUp);
  return out;
}

}  // namespace arbor::quant
