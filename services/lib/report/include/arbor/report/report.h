// File: arbor/report/report.h
//
// The session report: every figure of docs/report.md computed from a parsed Session, and its
// JSON form (report.json). The HTML page (html.h) and the terminal summary (summary.h) are views
// of the same Report.
//
//   ARBOR_ASSIGN_OR_RETURN(Session session, ParseSession(text));
//   ARBOR_ASSIGN_OR_RETURN(Report report, BuildReport(session, ReportOptions{}));
//   std::string json = ReportToJson(report);
//
// BuildReport is pure and deterministic: the same session and options give byte-identical JSON
// and HTML (the bootstrap is seeded; every list has a defined order).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/report/session.h"
#include "arbor/report/stats.h"

namespace arbor::report {

inline constexpr int64_t kReportSchemaVersion = 1;

struct ReportOptions {
  int bootstrap_resamples = kDefaultBootstrapResamples;  // 1 .. kMaxBootstrapResamples
  uint64_t bootstrap_seed = kDefaultBootstrapSeed;
};

inline constexpr int kMaxBootstrapResamples = 1'000'000;

// Money and fill figures of a group of executions (one lane, one venue key, or all).
struct PnlGroup {
  std::string key;  // lane name, venue key ("kalshi+polymarket") or "total"
  int64_t executions = 0;
  int64_t realized_pnl_micros = 0;
  int64_t expected_profit_micros = 0;
  int64_t legs_submitted = 0;
  int64_t legs_filled = 0;
  int64_t slippage_executions = 0;  // executions that reported slippage_micros
  int64_t slippage_total_micros = 0;

  // realized / expected; unset when expected is 0.
  std::optional<double> RealizedVsExpected() const;
  // legs_filled / legs_submitted; unset when nothing was submitted.
  std::optional<double> FillRate() const;
  // slippage_total / slippage_executions; unset when no execution reported slippage.
  std::optional<double> MeanSlippageMicros() const;
};

struct OpportunityRow {
  std::string lane;
  int64_t found = 0;                                          // from the session's opportunities
  int64_t executed = 0;                                       // closed executions of the lane
  int64_t skipped = 0;                                        // sum of the lane's skip counts
  std::vector<std::pair<std::string, int64_t>> skip_reasons;  // count desc, then name
};

// Injected mispricings of one kind (simulated runs): how many, how many the scanner saw.
struct InjectionRow {
  std::string kind;
  std::string expected_lane;  // empty = no built lane catches this kind
  int64_t injected = 0;
  int64_t detected = 0;
  std::vector<std::string> detected_by;  // lanes that saw any of them, sorted, unique
};

struct LatencyDistribution {
  std::string name;
  bool from_buckets = false;
  int64_t count = 0;
  // Seconds. From buckets: the upper bound of the bucket holding the quantile (+infinity in
  // the +Inf bucket). From samples: nearest-rank sample quantiles. Unset when count is 0.
  std::optional<double> p50_seconds;
  std::optional<double> p90_seconds;
  std::optional<double> p99_seconds;
  // Samples only (exact); unset for buckets.
  std::optional<double> min_seconds;
  std::optional<double> max_seconds;
  std::optional<double> mean_seconds;
  // Cumulative buckets for the chart: the input's, or kSampleChartBounds for samples.
  std::vector<LatencyBucket> buckets;
};

// Bucket bounds (seconds) used to chart raw samples; +Inf is appended.
inline constexpr double kSampleChartBounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                1,      2.5,     5,      10};

struct Report {
  SessionMeta meta;
  int64_t executions = 0;
  EquityCurve equity;
  std::vector<std::pair<std::string, int64_t>> close_reasons;  // count desc, then name
  std::vector<PnlGroup> by_lane;                               // by lane name
  std::vector<PnlGroup> by_venue;                              // by venue key
  PnlGroup total;
  std::vector<OpportunityRow> opportunities;  // by lane name
  int64_t opportunities_found = 0;
  std::vector<std::pair<std::string, int64_t>> skip_reasons;  // all lanes; count desc, then name
  int64_t skips_total = 0;
  std::vector<LatencyDistribution> latencies;  // input order
  RiskEvents risk_events;  // denials sorted count desc, then name; events by time
  int64_t denials_total = 0;
  PnlStatistics statistics;
  BootstrapResult bootstrap;
  // By kind (sorted); nullopt when the session had no ground truth.
  std::optional<std::vector<InjectionRow>> injections;
};

// The venue key of an execution: its venues sorted and joined with '+' ("kalshi+polymarket").
// PnL is attributed whole to that key, never split between venues.
std::string VenueKey(const std::vector<std::string>& venues);

// BuildReport
//
// Computes every figure. Errors: InvalidArgument when options.bootstrap_resamples is outside
// [1, kMaxBootstrapResamples]. Preconditions: `session` came from ParseSession (or satisfies the
// same bounds).
[[nodiscard]] absl::StatusOr<Report> BuildReport(const Session& session,
                                                 const ReportOptions& options);

// The report as JSON (docs/report.md, "report.json"): stable key order, money as integer micros,
// ratios and statistics as numbers, unavailable figures as null, a +Inf latency bound as the
// string "+Inf". Ends with a newline.
std::string ReportToJson(const Report& report);

}  // namespace arbor::report
