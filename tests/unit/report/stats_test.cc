// arbor::report statistics: hand-computed equity / drawdown curves, Sharpe / Sortino / VaR /
// CVaR, quantiles from buckets and samples, and the seeded percentile bootstrap.
#include "arbor/report/stats.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::report {
namespace {

using ::testing::Optional;

constexpr int64_t kT = 1'000'000'000'000;  // an arbitrary start time, nanos

TEST(EquityCurveTest, HandComputedSequenceOutOfOrder) {
  // Close order: +300 @t+1, -500 @t+2, +100 @t+3, -400 @t+4, +900 @t+5 (given shuffled).
  //   equity:   0, 300, -200, -100, -500, 400
  //   peak:     0, 300,  300,  300,  300, 400
  //   drawdown: 0,   0,  500,  400,  800,   0  -> max 800 from the peak at t+1 to t+4.
  std::vector<ClosedPnl> pnls = {{kT + 4, -400, "d"},
                                 {kT + 1, 300, "a"},
                                 {kT + 5, 900, "e"},
                                 {kT + 2, -500, "b"},
                                 {kT + 3, 100, "c"}};
  const EquityCurve curve = ComputeEquityCurve(pnls, kT);
  ASSERT_EQ(curve.points.size(), 6u);
  const int64_t equity[] = {0, 300, -200, -100, -500, 400};
  const int64_t drawdown[] = {0, 0, 500, 400, 800, 0};
  const char* ids[] = {"", "a", "b", "c", "d", "e"};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(curve.points[i].unix_nanos, kT + static_cast<int64_t>(i)) << i;
    EXPECT_EQ(curve.points[i].equity_micros, equity[i]) << i;
    EXPECT_EQ(curve.points[i].drawdown_micros, drawdown[i]) << i;
    EXPECT_EQ(curve.points[i].execution_id, ids[i]) << i;
  }
  EXPECT_EQ(curve.max_drawdown_micros, 800);
  EXPECT_THAT(curve.peak_index, Optional(1u));
  EXPECT_THAT(curve.trough_index, Optional(4u));
}

TEST(EquityCurveTest, LossFirstMeasuresFromTheOriginAndTiesBreakById) {
  // -100 then +50 at the same time: "a" before "b" by id. The peak is the origin's 0.
  const EquityCurve curve = ComputeEquityCurve({{kT + 7, 50, "b"}, {kT + 7, -100, "a"}}, 0);
  ASSERT_EQ(curve.points.size(), 3u);
  EXPECT_EQ(curve.points[0].unix_nanos, kT + 7);  // no start time: the first close
  EXPECT_EQ(curve.points[1].execution_id, "a");
  EXPECT_EQ(curve.points[1].equity_micros, -100);
  EXPECT_EQ(curve.points[2].equity_micros, -50);
  EXPECT_EQ(curve.max_drawdown_micros, 100);
  EXPECT_THAT(curve.peak_index, Optional(0u));
  EXPECT_THAT(curve.trough_index, Optional(1u));
}

TEST(EquityCurveTest, OnlyGainsHaveNoDrawdown) {
  const EquityCurve curve = ComputeEquityCurve({{kT + 1, 5, "a"}, {kT + 2, 7, "b"}}, kT);
  EXPECT_EQ(curve.max_drawdown_micros, 0);
  EXPECT_FALSE(curve.peak_index.has_value());
  EXPECT_FALSE(curve.trough_index.has_value());
  EXPECT_EQ(curve.points.back().equity_micros, 12);
}

TEST(EquityCurveTest, EmptyHasOnlyTheOrigin) {
  const EquityCurve curve = ComputeEquityCurve({}, kT);
  ASSERT_EQ(curve.points.size(), 1u);
  EXPECT_EQ(curve.points[0].unix_nanos, kT);
  EXPECT_EQ(curve.max_drawdown_micros, 0);
}

TEST(PnlStatisticsTest, HandComputedSmallSample) {
  // x = {100, -50, 200, -100, 50}, n = 5
  //   mean = 200 / 5 = 40
  //   x - mean = 60, -90, 160, -140, 10; squares 3600 + 8100 + 25600 + 19600 + 100 = 57000
  //   stdev = sqrt(57000 / 4) = sqrt(14250) = 119.373363...
  //   Sharpe = 40 / 119.373363 = 0.335083...
  //   downside: (-50)^2 + (-100)^2 = 12500; DD = sqrt(12500 / 5) = 50; Sortino = 40 / 50 = 0.8
  //   k = ceil(0.05 * 5) = 1: VaR = -(-100) = 100, CVaR = 100
  const std::vector<int64_t> x = {100, -50, 200, -100, 50};
  const PnlStatistics s = ComputePnlStatistics(x);
  EXPECT_EQ(s.count, 5);
  EXPECT_THAT(s.mean_micros, Optional(40.0));
  ASSERT_TRUE(s.stdev_micros.has_value());
  EXPECT_NEAR(*s.stdev_micros, std::sqrt(14250.0), 1e-9);
  ASSERT_TRUE(s.sharpe.has_value());
  EXPECT_NEAR(*s.sharpe, 0.3350833, 1e-6);
  EXPECT_THAT(s.downside_deviation_micros, Optional(50.0));
  EXPECT_THAT(s.sortino, Optional(0.8));
  EXPECT_THAT(s.var_95_micros, Optional(100));
  EXPECT_THAT(s.cvar_95_micros, Optional(100.0));
}

TEST(PnlStatisticsTest, TailOfTwoAtThirtyExecutions) {
  // 28 x +10, -30, -50 (n = 30): k = ceil(1.5) = 2, the two worst are -50 and -30:
  //   VaR = 30, CVaR = (50 + 30) / 2 = 40; mean = (280 - 80) / 30 = 6.666...
  std::vector<int64_t> x(28, 10);
  x.push_back(-30);
  x.insert(x.begin() + 5, -50);
  const PnlStatistics s = ComputePnlStatistics(x);
  EXPECT_THAT(s.var_95_micros, Optional(30));
  EXPECT_THAT(s.cvar_95_micros, Optional(40.0));
  ASSERT_TRUE(s.mean_micros.has_value());
  EXPECT_NEAR(*s.mean_micros, 200.0 / 30.0, 1e-12);
}

TEST(PnlStatisticsTest, UnavailableBelowTwoAndWithoutSpreadOrLosses) {
  const PnlStatistics one = ComputePnlStatistics(std::vector<int64_t>{42});
  EXPECT_EQ(one.count, 1);
  EXPECT_FALSE(one.mean_micros.has_value());
  EXPECT_FALSE(one.sharpe.has_value());
  EXPECT_FALSE(one.var_95_micros.has_value());
  EXPECT_FALSE(one.cvar_95_micros.has_value());
  EXPECT_FALSE(ComputePnlStatistics({}).mean_micros.has_value());

  // Identical gains: stdev 0 -> no Sharpe; no loss -> no Sortino; VaR is a negative loss.
  const PnlStatistics flat = ComputePnlStatistics(std::vector<int64_t>{7, 7, 7});
  EXPECT_THAT(flat.stdev_micros, Optional(0.0));
  EXPECT_FALSE(flat.sharpe.has_value());
  EXPECT_FALSE(flat.sortino.has_value());
  EXPECT_THAT(flat.var_95_micros, Optional(-7));
}

TEST(PnlStatisticsTest, TailCountIsCeilingOfFivePercent) {
  EXPECT_EQ(TailCount(1), 1);
  EXPECT_EQ(TailCount(20), 1);
  EXPECT_EQ(TailCount(21), 2);
  EXPECT_EQ(TailCount(40), 2);
  EXPECT_EQ(TailCount(41), 3);
  EXPECT_EQ(TailCount(100), 5);
}

TEST(QuantileTest, FromBucketsIsTheUpperBoundOfTheHoldingBucket) {
  // N = 12. p50: rank ceil(6) = 6 -> first cumulative >= 6 is le 0.001 (10).
  // p90: rank ceil(10.8) = 11 -> le 0.0025 (11). p99: rank ceil(11.88) = 12 -> +Inf.
  // p25: rank 3 -> le 0.0005 (3), the boundary case.
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<LatencyBucket> b = {{0.0005, 3}, {0.001, 10}, {0.0025, 11}, {inf, 12}};
  EXPECT_THAT(QuantileFromBuckets(b, 0.50), Optional(0.001));
  EXPECT_THAT(QuantileFromBuckets(b, 0.90), Optional(0.0025));
  EXPECT_THAT(QuantileFromBuckets(b, 0.99), Optional(inf));
  EXPECT_THAT(QuantileFromBuckets(b, 0.25), Optional(0.0005));
  const std::vector<LatencyBucket> empty_buckets = {{0.001, 0}, {inf, 0}};
  EXPECT_FALSE(QuantileFromBuckets(empty_buckets, 0.5).has_value());
}

TEST(QuantileTest, SamplesUseNearestRank) {
  const std::vector<int64_t> sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_THAT(SampleQuantile(sorted, 0.50), Optional(5));   // ceil(5.0) = 5th
  EXPECT_THAT(SampleQuantile(sorted, 0.90), Optional(9));   // ceil(9.0) = 9th
  EXPECT_THAT(SampleQuantile(sorted, 0.99), Optional(10));  // ceil(9.9) = 10th
  EXPECT_THAT(SampleQuantile(sorted, 0.01), Optional(1));
  EXPECT_FALSE(SampleQuantile({}, 0.5).has_value());
}

// A deterministic, spread-out sample: mostly gains with some losses.
std::vector<int64_t> ReasonableSample() {
  std::vector<int64_t> x;
  for (int64_t i = 0; i < 200; ++i) x.push_back((i * 7919) % 1000 - 300);
  return x;
}

TEST(BootstrapTest, SameSeedSameIntervalsDifferentSeedDifferent) {
  const std::vector<int64_t> x = ReasonableSample();
  const BootstrapResult a = BootstrapPnlStatistics(x, {.resamples = 500, .seed = 7});
  const BootstrapResult b = BootstrapPnlStatistics(x, {.resamples = 500, .seed = 7});
  const BootstrapResult c = BootstrapPnlStatistics(x, {.resamples = 500, .seed = 8});
  ASSERT_TRUE(a.mean_micros && a.sharpe && a.var_95_micros && a.cvar_95_micros);
  EXPECT_EQ(a.mean_micros->lo, b.mean_micros->lo);
  EXPECT_EQ(a.mean_micros->hi, b.mean_micros->hi);
  EXPECT_EQ(a.sharpe->lo, b.sharpe->lo);
  EXPECT_EQ(a.sharpe->hi, b.sharpe->hi);
  EXPECT_EQ(a.var_95_micros->lo, b.var_95_micros->lo);
  EXPECT_EQ(a.cvar_95_micros->hi, b.cvar_95_micros->hi);
  ASSERT_TRUE(c.mean_micros && c.sharpe);
  EXPECT_TRUE(a.mean_micros->lo != c.mean_micros->lo || a.mean_micros->hi != c.mean_micros->hi);
  EXPECT_TRUE(a.sharpe->lo != c.sharpe->lo || a.sharpe->hi != c.sharpe->hi);
  EXPECT_EQ(a.resamples, 500);
  EXPECT_EQ(a.seed, 7u);
}

TEST(BootstrapTest, IntervalsContainThePointEstimates) {
  const std::vector<int64_t> x = ReasonableSample();
  const PnlStatistics s = ComputePnlStatistics(x);
  const BootstrapResult r = BootstrapPnlStatistics(x, {});
  EXPECT_EQ(r.resamples, kDefaultBootstrapResamples);
  ASSERT_TRUE(r.mean_micros && r.sharpe && r.var_95_micros && r.cvar_95_micros);
  auto contains = [](const Interval& ci, double v) { return ci.lo <= v && v <= ci.hi; };
  EXPECT_TRUE(contains(*r.mean_micros, *s.mean_micros));
  EXPECT_TRUE(contains(*r.sharpe, *s.sharpe));
  EXPECT_TRUE(contains(*r.var_95_micros, static_cast<double>(*s.var_95_micros)));
  EXPECT_TRUE(contains(*r.cvar_95_micros, *s.cvar_95_micros));
  // A real interval, not a point, and far narrower than the data's range (-300 .. 699).
  EXPECT_LT(r.mean_micros->lo, r.mean_micros->hi);
  EXPECT_GT(r.mean_micros->hi - r.mean_micros->lo, 10);
  EXPECT_LT(r.mean_micros->hi - r.mean_micros->lo, 200);
}

TEST(BootstrapTest, ConstantSampleGivesPointIntervalsAndNoSharpe) {
  // Every resample of {5, 5, 5} is {5, 5, 5}: mean 5, VaR -5, CVaR -5, Sharpe undefined.
  const BootstrapResult r = BootstrapPnlStatistics(std::vector<int64_t>{5, 5, 5}, {});
  ASSERT_TRUE(r.mean_micros && r.var_95_micros && r.cvar_95_micros);
  EXPECT_EQ(r.mean_micros->lo, 5.0);
  EXPECT_EQ(r.mean_micros->hi, 5.0);
  EXPECT_EQ(r.var_95_micros->lo, -5.0);
  EXPECT_EQ(r.cvar_95_micros->hi, -5.0);
  EXPECT_FALSE(r.sharpe.has_value());
  EXPECT_EQ(r.sharpe_resamples, 0);
}

TEST(BootstrapTest, PercentileIndicesOnTwoValues) {
  // {0, 100}: a resample's mean is 0, 50 or 100 with probabilities 1/4, 1/2, 1/4. With 2000
  // resamples the 2.5th percentile (index 50) is 0 and the 97.5th (index 1949) is 100 unless
  // fewer than 51 resamples land on an extreme, which a sound generator never does.
  const BootstrapResult r = BootstrapPnlStatistics(std::vector<int64_t>{0, 100}, {});
  ASSERT_TRUE(r.mean_micros.has_value());
  EXPECT_EQ(r.mean_micros->lo, 0.0);
  EXPECT_EQ(r.mean_micros->hi, 100.0);
}

TEST(BootstrapTest, UnavailableBelowTwo) {
  const BootstrapResult r = BootstrapPnlStatistics(std::vector<int64_t>{5}, {});
  EXPECT_FALSE(r.mean_micros.has_value());
  EXPECT_FALSE(r.sharpe.has_value());
  EXPECT_FALSE(r.var_95_micros.has_value());
  EXPECT_FALSE(r.cvar_95_micros.has_value());
}

}  // namespace
}  // namespace arbor::report
