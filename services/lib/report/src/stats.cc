#include "arbor/report/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

namespace arbor::report {
namespace {

// Moments of a sample in double (ratios and statistics only; money sums stay int64 elsewhere).
struct Moments {
  double mean = 0;
  double stdev = 0;  // sample (n - 1)
};

template <typename Get>
Moments ComputeMoments(size_t n, Get get) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(get(i));
  Moments m;
  m.mean = sum / static_cast<double>(n);
  double ss = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(get(i)) - m.mean;
    ss += d * d;
  }
  m.stdev = std::sqrt(ss / static_cast<double>(n - 1));
  return m;
}

// Uniform index in [0, n) from the raw engine output, by rejection, so the sequence depends only
// on std::mt19937_64 (fully specified by the standard), not on a library's distribution.
size_t UniformIndex(std::mt19937_64& rng, size_t n) {
  const uint64_t range = static_cast<uint64_t>(n);
  const uint64_t limit =
      std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % range;
  uint64_t v = rng();
  while (v >= limit) v = rng();
  return static_cast<size_t>(v % range);
}

std::optional<Interval> PercentileInterval(std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t m = values.size();
  const size_t lo = m / 40;
  size_t hi = (39 * m + 39) / 40;
  hi = hi == 0 ? 0 : hi - 1;
  return Interval{values[lo], values[std::min(hi, m - 1)]};
}

}  // namespace

EquityCurve ComputeEquityCurve(std::vector<ClosedPnl> pnls, int64_t start_unix_nanos) {
  std::stable_sort(pnls.begin(), pnls.end(), [](const ClosedPnl& a, const ClosedPnl& b) {
    if (a.unix_nanos != b.unix_nanos) return a.unix_nanos < b.unix_nanos;
    return a.execution_id < b.execution_id;
  });
  EquityCurve curve;
  int64_t origin = start_unix_nanos;
  if (!pnls.empty() && (origin <= 0 || origin > pnls.front().unix_nanos)) {
    origin = pnls.front().unix_nanos;
  }
  curve.points.push_back(EquityPoint{.unix_nanos = origin});
  int64_t equity = 0;
  int64_t peak = 0;
  size_t peak_at = 0;
  for (ClosedPnl& p : pnls) {
    equity += p.pnl_micros;
    EquityPoint point{.unix_nanos = p.unix_nanos,
                      .execution_id = std::move(p.execution_id),
                      .pnl_micros = p.pnl_micros,
                      .equity_micros = equity};
    if (equity > peak) {
      peak = equity;
      peak_at = curve.points.size();
    }
    point.drawdown_micros = peak - equity;
    if (point.drawdown_micros > curve.max_drawdown_micros) {
      curve.max_drawdown_micros = point.drawdown_micros;
      curve.peak_index = peak_at;
      curve.trough_index = curve.points.size();
    }
    curve.points.push_back(std::move(point));
  }
  return curve;
}

std::optional<double> QuantileFromBuckets(std::span<const LatencyBucket> buckets, double q) {
  if (buckets.empty()) return std::nullopt;
  const int64_t total = buckets.back().cumulative_count;
  if (total <= 0) return std::nullopt;
  int64_t rank = static_cast<int64_t>(std::ceil(q * static_cast<double>(total)));
  rank = std::clamp<int64_t>(rank, 1, total);
  for (const LatencyBucket& b : buckets) {
    if (b.cumulative_count >= rank) return b.le_seconds;
  }
  return buckets.back().le_seconds;
}

std::optional<int64_t> SampleQuantile(std::span<const int64_t> sorted, double q) {
  if (sorted.empty()) return std::nullopt;
  const int64_t n = static_cast<int64_t>(sorted.size());
  int64_t rank = static_cast<int64_t>(std::ceil(q * static_cast<double>(n)));
  rank = std::clamp<int64_t>(rank, 1, n);
  return sorted[static_cast<size_t>(rank - 1)];
}

int64_t TailCount(int64_t n) {
  // ceil(0.05 n) in integers: no floating-point rounding at exact multiples of 20.
  return std::max<int64_t>(1, (n + 19) / 20);
}

PnlStatistics ComputePnlStatistics(std::span<const int64_t> pnl_micros) {
  PnlStatistics s;
  s.count = static_cast<int64_t>(pnl_micros.size());
  if (pnl_micros.size() < 2) return s;
  const size_t n = pnl_micros.size();
  // The exact int64 sum (ParseSession bounds sum |x|), then one division.
  int64_t sum = 0;
  for (int64_t x : pnl_micros) sum += x;
  const double mean = static_cast<double>(sum) / static_cast<double>(n);
  double ss = 0;
  double downside = 0;
  for (int64_t x : pnl_micros) {
    const double d = static_cast<double>(x) - mean;
    ss += d * d;
    if (x < 0) downside += static_cast<double>(x) * static_cast<double>(x);
  }
  s.mean_micros = mean;
  s.stdev_micros = std::sqrt(ss / static_cast<double>(n - 1));
  s.downside_deviation_micros = std::sqrt(downside / static_cast<double>(n));
  if (*s.stdev_micros > 0) s.sharpe = mean / *s.stdev_micros;
  if (*s.downside_deviation_micros > 0) s.sortino = mean / *s.downside_deviation_micros;

  std::vector<int64_t> sorted(pnl_micros.begin(), pnl_micros.end());
  std::sort(sorted.begin(), sorted.end());
  const int64_t k = TailCount(s.count);
  s.var_95_micros = -sorted[static_cast<size_t>(k - 1)];
  int64_t tail = 0;
  for (int64_t i = 0; i < k; ++i) tail += sorted[static_cast<size_t>(i)];
  s.cvar_95_micros = -static_cast<double>(tail) / static_cast<double>(k);
  return s;
}

BootstrapResult BootstrapPnlStatistics(std::span<const int64_t> pnl_micros,
                                       const BootstrapOptions& options) {
  BootstrapResult r;
  r.resamples = options.resamples;
  r.seed = options.seed;
  const size_t n = pnl_micros.size();
  if (n < 2 || options.resamples < 1) return r;
  const size_t k = static_cast<size_t>(TailCount(static_cast<int64_t>(n)));
  std::mt19937_64 rng(options.seed);
  std::vector<int64_t> sample(n);
  std::vector<double> means, sharpes, vars, cvars;
  const size_t b = static_cast<size_t>(options.resamples);
  means.reserve(b);
  sharpes.reserve(b);
  vars.reserve(b);
  cvars.reserve(b);
  for (size_t round = 0; round < b; ++round) {
    for (size_t i = 0; i < n; ++i) sample[i] = pnl_micros[UniformIndex(rng, n)];
    const Moments m = ComputeMoments(n, [&](size_t i) { return sample[i]; });
    means.push_back(m.mean);
    if (m.stdev > 0) sharpes.push_back(m.mean / m.stdev);
    // The k smallest values, the k-th last: nth_element keeps this O(n) per resample.
    std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(k - 1),
                     sample.end());
    vars.push_back(-static_cast<double>(sample[k - 1]));
    double tail = 0;
    for (size_t i = 0; i < k; ++i) tail += static_cast<double>(sample[i]);
    cvars.push_back(-tail / static_cast<double>(k));
  }
  r.sharpe_resamples = static_cast<int64_t>(sharpes.size());
  r.mean_micros = PercentileInterval(means);
  r.sharpe = PercentileInterval(sharpes);
  r.var_95_micros = PercentileInterval(vars);
  r.cvar_95_micros = PercentileInterval(cvars);
  return r;
}

}  // namespace arbor::report
