// File: arbor/report/summary.h
//
// The headline figures of a session report: what `arborctl report show` prints. The summary is
// embedded in report.json under "summary", so `show` needs only that object:
//
//   ARBOR_ASSIGN_OR_RETURN(ReportSummary s, ParseReportSummary(report_json_text));
//   std::cout << FormatSummaryTable(s);
//
// Pure functions over plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/core/json_writer.h"
#include "arbor/report/report.h"
#include "arbor/report/stats.h"

namespace arbor::report {

// Skip reasons listed in the summary.
inline constexpr size_t kTopSkipReasons = 5;

struct ReportSummary {
  std::string mode;
  std::string scenario;
  std::string seed;
  std::string git_commit;
  std::optional<double> duration_seconds;  // unset unless meta has both start and end
  int64_t executions = 0;
  std::vector<std::pair<std::string, int64_t>> close_reasons;  // count desc, then name
  int64_t realized_pnl_micros = 0;
  int64_t expected_profit_micros = 0;
  std::optional<double> realized_vs_expected;
  int64_t max_drawdown_micros = 0;
  int64_t legs_submitted = 0;
  int64_t legs_filled = 0;
  std::optional<double> fill_rate;
  std::optional<double> mean_slippage_micros;
  std::optional<double> sharpe;
  std::optional<Interval> sharpe_ci;
  std::optional<double> sortino;
  std::optional<int64_t> var_95_micros;
  std::optional<Interval> var_95_ci;
  std::optional<double> cvar_95_micros;
  std::optional<Interval> cvar_95_ci;
  int64_t opportunities_found = 0;
  int64_t skips_total = 0;
  std::vector<std::pair<std::string, int64_t>> top_skip_reasons;  // at most kTopSkipReasons
  int64_t denials_total = 0;
  int64_t kill_switch_engagements = 0;
  int64_t safe_mode_episodes = 0;
};

// The summary of a built report.
ReportSummary SummarizeReport(const Report& report);

// Writes the summary as one JSON object value (the "summary" member of report.json).
void WriteSummaryJson(const ReportSummary& summary, JsonWriter& json);

// The summary alone as a JSON document (`report show --output json`), newline-terminated.
std::string SummaryToJson(const ReportSummary& summary);

// ParseReportSummary
//
// Reads the "summary" object of a report.json text. Errors: InvalidArgument naming the path
// (`summary.executions: not an integer`) when the text is not a report this version wrote.
[[nodiscard]] absl::StatusOr<ReportSummary> ParseReportSummary(std::string_view report_json);

// The summary as (name, value) text rows, in display order: the table's content.
std::vector<std::pair<std::string, std::string>> SummaryRows(const ReportSummary& summary);

// The summary as an aligned two-column text table, newline-terminated.
std::string FormatSummaryTable(const ReportSummary& summary);

// USD from micros, exact: "$1,234.50", "-$0.000123" (at least 2 decimals, at most 6).
std::string FormatUsd(int64_t micros);

}  // namespace arbor::report
