#include "arbor/trading_policy/gates.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace arbor::trading_policy {
namespace {

constexpr int64_t kMicrosPerCent = 10'000;

std::string Usd(int64_t micros) { return FormatUsdCents(micros / kMicrosPerCent) + " USD"; }
std::string Percent(int64_t bps) { return absl::StrFormat("%d.%02d %%", bps / 100, bps % 100); }

int64_t FillReliabilityBps(const StageEvidence& e) {
  return e.legs_submitted == 0 ? 0
                               : static_cast<int64_t>(e.legs_filled * 10'000 / e.legs_submitted);
}
int64_t ErrorRateBps(const StageEvidence& e) {
  return e.legs_submitted == 0
             ? 0
             : static_cast<int64_t>(e.orders_rejected * 10'000 / e.legs_submitted);
}

class Verdicts {
 public:
  Verdicts(const StageSpec& stage, const StageEvidence& e) : stage_(stage), e_(e) {}

  // A breach gate: fails on an observed breach; passes only on complete data.
  void Breach(const char* name, bool breached, std::string value, std::string threshold,
              const char* op) {
    GateResult r = breached            ? GateResult::kFail
                   : !e_.data_complete ? GateResult::kNoData
                                       : GateResult::kPass;
    Add(name, r, std::move(value), std::move(threshold), op);
  }
  // A ratio gate: needs complete data, minSamples closed executions and at least one leg.
  void Ratio(const char* name, bool breached, std::string value, std::string threshold,
             const char* op) {
    GateResult r;
    if (!e_.data_complete) {
      r = GateResult::kNoData;
    } else if (e_.legs_submitted == 0 ||
               e_.sample_count < static_cast<uint64_t>(stage_.min_samples)) {
      r = GateResult::kInsufficient;
    } else {
      r = breached ? GateResult::kFail : GateResult::kPass;
    }
    Add(name, r, std::move(value), std::move(threshold), op);
  }
  GateVerdict Take() && {
    out_.all_passed = true;
    for (const GateEvidence& g : out_.gates) {
      if (g.result != GateResult::kPass) out_.all_passed = false;
    }
    return std::move(out_);
  }

 private:
  void Add(const char* name, GateResult r, std::string value, std::string threshold,
           const char* op) {
    if (r == GateResult::kFail && !out_.any_failed) {
      out_.any_failed = true;
      out_.failure_message = absl::StrCat(name, ": ", value, " ", op, " ", threshold);
    }
    out_.gates.push_back(
        {name, r, std::move(value), std::move(threshold), static_cast<int64_t>(e_.sample_count)});
  }

  const StageSpec& stage_;
  const StageEvidence& e_;
  GateVerdict out_;
};

}  // namespace

GateVerdict EvaluateGates(const StageSpec& stage, const StageEvidence& e) {
  Verdicts v(stage, e);
  const Gates& g = stage.gates;
  if (g.min_realized_pnl_cents) {
    const int64_t floor = *g.min_realized_pnl_cents * kMicrosPerCent;
    v.Breach("minRealizedPnlCents", e.realized_pnl_micros < floor, Usd(e.realized_pnl_micros),
             Usd(floor), "<");
  }
  if (g.max_drawdown_cents) {
    const int64_t cap = *g.max_drawdown_cents * kMicrosPerCent;
    v.Breach("maxDrawdownCents", e.max_drawdown_micros > cap, Usd(e.max_drawdown_micros), Usd(cap),
             ">");
  }
  if (g.min_fill_reliability_bps) {
    const int64_t observed = FillReliabilityBps(e);
    v.Ratio("minFillReliabilityBps", observed < *g.min_fill_reliability_bps, Percent(observed),
            Percent(*g.min_fill_reliability_bps), "<");
  }
  if (g.max_unhedged_executions) {
    v.Breach("maxUnhedgedExecutions",
             e.unhedged_count > static_cast<uint64_t>(*g.max_unhedged_executions),
             absl::StrCat(e.unhedged_count), absl::StrCat(*g.max_unhedged_executions), ">");
  }
  if (g.max_error_rate_bps) {
    const int64_t observed = ErrorRateBps(e);
    v.Ratio("maxErrorRateBps", observed > *g.max_error_rate_bps, Percent(observed),
            Percent(*g.max_error_rate_bps), ">");
  }
  return std::move(v).Take();
}

Evidence SummariseEvidence(const StageEvidence& e, const GateVerdict& verdict,
                           absl::Time window_start, absl::Time now) {
  Evidence out;
  out.observed_at = now;
  out.window_start = window_start;
  out.data_complete = e.data_complete;
  out.sample_count = static_cast<int64_t>(e.sample_count);
  // Toward zero, so a -0.4 cent PnL shows as 0.00 rather than a loss that never reached a cent.
  out.realized_pnl_cents = e.realized_pnl_micros / kMicrosPerCent;
  out.max_drawdown_cents = e.max_drawdown_micros / kMicrosPerCent;
  out.fill_reliability_bps = static_cast<int32_t>(FillReliabilityBps(e));
  out.unhedged_executions = static_cast<int64_t>(e.unhedged_count);
  out.error_rate_bps = static_cast<int32_t>(ErrorRateBps(e));
  out.gates = verdict.gates;
  return out;
}

}  // namespace arbor::trading_policy
