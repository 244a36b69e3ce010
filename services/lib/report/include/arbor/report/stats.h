// File: arbor/report/stats.h
//
// The pure figures behind the session report: the equity and drawdown curves (exact int64
// micros), quantiles of latency distributions, per-execution PnL statistics (mean, stdev,
// Sharpe, Sortino, historical VaR / CVaR at 95%) and their percentile-bootstrap confidence
// intervals. Conventions (docs/report.md, "Figures"):
//
//  * Sharpe = mean / sample stdev (n - 1) of per-execution PnL, not annualised, risk-free 0.
//  * Sortino = mean / downside deviation, DD = sqrt(sum(min(x, 0)^2) / n) (target 0).
//  * VaR95 = -x_(k), CVaR95 = -mean(x_(1..k)), k = ceil(0.05 n), x sorted ascending: positive
//    numbers are losses (a negative VaR means even the worst 5% were gains).
//  * Fewer than 2 values: every statistic is unavailable (nullopt), never NaN.
//
// Every function is pure and deterministic (the bootstrap is seeded); thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arbor/report/session.h"

namespace arbor::report {

// One realised PnL at a close time, the input of the equity curve.
struct ClosedPnl {
  int64_t unix_nanos = 0;
  int64_t pnl_micros = 0;
  std::string execution_id;
};

struct EquityPoint {
  int64_t unix_nanos = 0;
  std::string execution_id;  // empty for the origin point
  int64_t pnl_micros = 0;
  int64_t equity_micros = 0;    // cumulative realised PnL after this execution
  int64_t drawdown_micros = 0;  // running peak (including the origin's 0) minus equity, >= 0
};

struct EquityCurve {
  // points[0] is the origin (start time, equity 0); then one point per execution in close order
  // (ties broken by execution id, then input order).
  std::vector<EquityPoint> points;
  int64_t max_drawdown_micros = 0;
  // Indices into `points` of the peak and the trough of the max drawdown (the first such
  // drawdown); unset when max_drawdown_micros is 0.
  std::optional<size_t> peak_index;
  std::optional<size_t> trough_index;
};

// ComputeEquityCurve
//
// Cumulative realised PnL by close time, the drawdown below the running peak and the maximum
// drawdown. The origin point is at `start_unix_nanos`, or at the first close when that is 0 or
// later than the first close. Precondition: the cumulative sums fit in int64 (ParseSession
// checks that the sum of |pnl| is at most INT64_MAX / 2).
EquityCurve ComputeEquityCurve(std::vector<ClosedPnl> pnls, int64_t start_unix_nanos);

// QuantileFromBuckets
//
// The q-quantile (0 < q <= 1) of a cumulative histogram: the upper bound `le` of the first bucket
// whose cumulative count reaches rank ceil(q * N), N = the last (+Inf) bucket's count. The true
// quantile lies in that bucket, so this is an upper bound; +infinity when the rank falls in the
// +Inf bucket. nullopt when N is 0.
std::optional<double> QuantileFromBuckets(std::span<const LatencyBucket> buckets, double q);

// SampleQuantile
//
// Nearest-rank q-quantile of `sorted` (ascending): the ceil(q * n)-th smallest value (at least
// the 1st). nullopt when empty.
std::optional<int64_t> SampleQuantile(std::span<const int64_t> sorted, double q);

struct PnlStatistics {
  int64_t count = 0;
  std::optional<double> mean_micros;
  std::optional<double> stdev_micros;               // sample stdev (n - 1)
  std::optional<double> downside_deviation_micros;  // target 0, divided by n
  std::optional<double> sharpe;                     // unset when stdev is 0
  std::optional<double> sortino;                    // unset when there is no loss
  std::optional<int64_t> var_95_micros;
  std::optional<double> cvar_95_micros;
};

// Statistics of per-execution PnL (see the file comment for the conventions). All unset when
// fewer than 2 values.
PnlStatistics ComputePnlStatistics(std::span<const int64_t> pnl_micros);

// The tail size of VaR/CVaR at 95%: ceil(0.05 n), at least 1.
int64_t TailCount(int64_t n);

struct Interval {
  double lo = 0;
  double hi = 0;
};

inline constexpr int kDefaultBootstrapResamples = 2000;
inline constexpr uint64_t kDefaultBootstrapSeed = 1;

struct BootstrapOptions {
  int resamples = kDefaultBootstrapResamples;  // B, >= 1
  uint64_t seed = kDefaultBootstrapSeed;
};

// 95% percentile-bootstrap intervals: each of B resamples draws n values with replacement from
// a std::mt19937_64 seeded with `seed` (index = rejection-sampled engine output mod n, so the
// draws do not depend on the standard library's distributions); the interval of a statistic is
// [s_(floor(m/40)), s_(ceil(39m/40) - 1)] of its m sorted resample values (0-based). Resamples
// whose Sharpe is undefined (stdev 0) are left out of the Sharpe interval.
struct BootstrapResult {
  int resamples = 0;
  uint64_t seed = 0;
  std::optional<Interval> mean_micros;
  std::optional<Interval> sharpe;
  std::optional<Interval> var_95_micros;
  std::optional<Interval> cvar_95_micros;
  int64_t sharpe_resamples = 0;  // m of the Sharpe interval
};

// Bootstrap intervals of the mean, Sharpe, VaR95 and CVaR95 of `pnl_micros`; all unset when
// fewer than 2 values. Same input and options -> identical result.
BootstrapResult BootstrapPnlStatistics(std::span<const int64_t> pnl_micros,
                                       const BootstrapOptions& options);

}  // namespace arbor::report
