#include "arbor/report/summary.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"
#include "json_fields.h"
#include "simdjson.h"

namespace arbor::report {
namespace {

using internal::OptionalDouble;
using internal::OptionalInt;
using internal::OptionalInterval;

namespace dom = simdjson::dom;
using Counts = std::vector<std::pair<std::string, int64_t>>;

void WriteCountList(JsonWriter& json, const Counts& counts) {
  json.BeginArray();
  for (const auto& [reason, n] : counts) {
    json.BeginObject().Key("reason").String(reason).Key("count").Int(n).EndObject();
  }
  json.EndArray();
}

// Reads the members of the summary object by name.
class SummaryReader {
 public:
  explicit SummaryReader(dom::object obj) : obj_(obj) {}

  absl::StatusOr<dom::element> Get(std::string_view key) const {
    dom::element e;
    if (obj_.at_key(key).get(e) != simdjson::SUCCESS) return Error(key, "missing");
    return e;
  }
  absl::Status String(std::string_view key, std::string* out) const {
    ARBOR_ASSIGN_OR_RETURN(dom::element e, Get(key));
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return Error(key, "not a string");
    *out = std::string(s);
    return absl::OkStatus();
  }
  absl::Status Int(std::string_view key, int64_t* out) const {
    ARBOR_ASSIGN_OR_RETURN(dom::element e, Get(key));
    if (e.get_int64().get(*out) != simdjson::SUCCESS) return Error(key, "not an integer");
    return absl::OkStatus();
  }
  absl::Status OptInt(std::string_view key, std::optional<int64_t>* out) const {
    ARBOR_ASSIGN_OR_RETURN(dom::element e, Get(key));
    if (e.is_null()) {
      out->reset();
      return absl::OkStatus();
    }
    int64_t v = 0;
    if (e.get_int64().get(v) != simdjson::SUCCESS) return Error(key, "not an integer or null");
    *out = v;
    return absl::OkStatus();
  }
  absl::Status OptDouble(std::string_view key, std::optional<double>* out) const {
    ARBOR_ASSIGN_OR_RETURN(dom::element e, Get(key));
    if (e.is_null()) {
      out->reset();
      return absl::OkStatus();
    }
    double v = 0;
    if (e.get_double().get(v) != simdjson::SUCCESS) return Error(key, "not a number or null");
    *out = v;
    return absl::OkStatus();
  }
  absl::Status OptInterval(std::string_view key, std::optional<Interval>* out) const {
    ARBOR_ASSIGN_OR_RETURN(dom::element e, Get(key));
    if (e.is_null()) {
      out->reset();
      return absl::OkStatus();
    }
    dom::array a;
    double lo = 0, hi = 0;
    if (e.get_array().get(a) != simdjson::SUCCESS || a.size() != 2 ||
        a.at(0).get_double().get(lo) != simdjson::SUCCESS ||
        a.at(1).get_double().get(hi) != simdjson::SUCCESS) {
      return Error(key, "not a [lo, hi] pair or null");
    }
    *out = Interval{lo, hi};
    return absl::OkStatus();
  }
  absl::Status CountList(std::string_view key, Counts* out) const {
    ARBOR_ASSIGN_OR_RETURN(dom::element e, Get(key));
    dom::array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) return Error(key, "not an array");
    size_t i = 0;
    for (dom::element item : a) {
      std::string_view reason;
      int64_t count = 0;
      if (item["reason"].get_string().get(reason) != simdjson::SUCCESS ||
          item["count"].get_int64().get(count) != simdjson::SUCCESS) {
        return Error(absl::StrCat(ToAbsl(key), "[", i, "]"),
                     "expected {\"reason\":..,\"count\":..}");
      }
      out->emplace_back(std::string(reason), count);
      ++i;
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status Error(std::string_view key, std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("summary.", ToAbsl(key), ": ", ToAbsl(what)));
  }
  dom::object obj_;
};

std::string Ratio(const std::optional<double>& v) {
  return v ? absl::StrFormat("%.4f", *v) : "n/a";
}

std::string CiText(const std::optional<Interval>& ci, bool money) {
  if (!ci) return "";
  if (money) {
    return absl::StrCat(" [95% CI ", FormatUsd(std::llround(ci->lo)), ", ",
                        FormatUsd(std::llround(ci->hi)), "]");
  }
  return absl::StrFormat(" [95%% CI %.4f, %.4f]", ci->lo, ci->hi);
}

std::string CountsText(const Counts& counts) {
  std::vector<std::string> parts;
  for (const auto& [reason, n] : counts) parts.push_back(absl::StrCat(reason, " ", n));
  return absl::StrJoin(parts, ", ");
}

std::string DurationText(const std::optional<double>& seconds) {
  if (!seconds) return "n/a";
  if (*seconds < 60) return absl::StrFormat("%.1fs", *seconds);
  const auto total = static_cast<int64_t>(std::llround(*seconds));
  if (total < 3600) return absl::StrFormat("%dm%02ds", total / 60, total % 60);
  return absl::StrFormat("%dh%02dm%02ds", total / 3600, (total / 60) % 60, total % 60);
}

}  // namespace

std::string FormatUsd(int64_t micros) {
  const bool negative = micros < 0;
  const uint64_t mag =
      negative ? uint64_t{0} - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  const std::string digits = std::to_string(mag / 1'000'000);
  std::string whole;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) whole.push_back(',');
    whole.push_back(digits[i]);
  }
  std::string frac = absl::StrFormat("%06d", static_cast<int>(mag % 1'000'000));
  while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
  return absl::StrCat(negative ? "-" : "", "$", whole, ".", frac);
}

ReportSummary SummarizeReport(const Report& report) {
  ReportSummary s;
  s.mode = report.meta.mode;
  s.scenario = report.meta.scenario;
  s.seed = report.meta.seed;
  s.git_commit = report.meta.git_commit;
  if (report.meta.started_unix_nanos > 0 && report.meta.ended_unix_nanos > 0) {
    s.duration_seconds =
        static_cast<double>(report.meta.ended_unix_nanos - report.meta.started_unix_nanos) / 1e9;
  }
  s.executions = report.executions;
  s.close_reasons = report.close_reasons;
  s.realized_pnl_micros = report.total.realized_pnl_micros;
  s.expected_profit_micros = report.total.expected_profit_micros;
  s.realized_vs_expected = report.total.RealizedVsExpected();
  s.max_drawdown_micros = report.equity.max_drawdown_micros;
  s.legs_submitted = report.total.legs_submitted;
  s.legs_filled = report.total.legs_filled;
  s.fill_rate = report.total.FillRate();
  s.mean_slippage_micros = report.total.MeanSlippageMicros();
  s.sharpe = report.statistics.sharpe;
  s.sharpe_ci = report.bootstrap.sharpe;
  s.sortino = report.statistics.sortino;
  s.var_95_micros = report.statistics.var_95_micros;
  s.var_95_ci = report.bootstrap.var_95_micros;
  s.cvar_95_micros = report.statistics.cvar_95_micros;
  s.cvar_95_ci = report.bootstrap.cvar_95_micros;
  s.opportunities_found = report.opportunities_found;
  s.skips_total = report.skips_total;
  const size_t top = std::min(kTopSkipReasons, report.skip_reasons.size());
  s.top_skip_reasons.assign(report.skip_reasons.begin(), report.skip_reasons.begin() + top);
  s.denials_total = report.denials_total;
  s.kill_switch_engagements = static_cast<int64_t>(report.risk_events.kill_switch.size());
  s.safe_mode_episodes = static_cast<int64_t>(report.risk_events.safe_mode.size());
  return s;
}

void WriteSummaryJson(const ReportSummary& s, JsonWriter& json) {
  json.BeginObject();
  json.Key("mode").String(s.mode);
  json.Key("scenario").String(s.scenario);
  json.Key("seed").String(s.seed);
  json.Key("git_commit").String(s.git_commit);
  json.Key("duration_seconds");
  OptionalDouble(json, s.duration_seconds);
  json.Key("executions").Int(s.executions);
  json.Key("close_reasons");
  WriteCountList(json, s.close_reasons);
  json.Key("realized_pnl_micros").Int(s.realized_pnl_micros);
  json.Key("expected_profit_micros").Int(s.expected_profit_micros);
  json.Key("realized_vs_expected");
  OptionalDouble(json, s.realized_vs_expected);
  json.Key("max_drawdown_micros").Int(s.max_drawdown_micros);
  json.Key("legs_submitted").Int(s.legs_submitted);
  json.Key("legs_filled").Int(s.legs_filled);
  json.Key("fill_rate");
  OptionalDouble(json, s.fill_rate);
  json.Key("mean_slippage_micros");
  OptionalDouble(json, s.mean_slippage_micros);
  json.Key("sharpe");
  OptionalDouble(json, s.sharpe);
  json.Key("sharpe_ci");
  OptionalInterval(json, s.sharpe_ci);
  json.Key("sortino");
  OptionalDouble(json, s.sortino);
  json.Key("var_95_micros");
  OptionalInt(json, s.var_95_micros);
  json.Key("var_95_ci");
  OptionalInterval(json, s.var_95_ci);
  json.Key("cvar_95_micros");
  OptionalDouble(json, s.cvar_95_micros);
  json.Key("cvar_95_ci");
  OptionalInterval(json, s.cvar_95_ci);
  json.Key("opportunities_found").Int(s.opportunities_found);
  json.Key("skips_total").Int(s.skips_total);
  json.Key("top_skip_reasons");
  WriteCountList(json, s.top_skip_reasons);
  json.Key("denials_total").Int(s.denials_total);
  json.Key("kill_switch_engagements").Int(s.kill_switch_engagements);
  json.Key("safe_mode_episodes").Int(s.safe_mode_episodes);
  json.EndObject();
}

std::string SummaryToJson(const ReportSummary& summary) {
  JsonWriter json;
  WriteSummaryJson(summary, json);
  return json.Take() + "\n";
}

absl::StatusOr<ReportSummary> ParseReportSummary(std::string_view report_json) {
  dom::parser parser;
  dom::element root;
  if (const simdjson::error_code error =
          parser.parse(report_json.data(), report_json.size()).get(root);
      error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("report: not valid JSON (", simdjson::error_message(error), ")"));
  }
  int64_t version = 0;
  if (root["arbor_report"].get_int64().get(version) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("arbor_report: missing (not a report.json file)");
  }
  if (version != kReportSchemaVersion) {
    return absl::InvalidArgumentError(absl::StrCat("arbor_report: unsupported version ", version));
  }
  dom::object obj;
  if (root["summary"].get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("summary: missing or not an object");
  }
  const SummaryReader r(obj);
  ReportSummary s;
  ARBOR_RETURN_IF_ERROR(r.String("mode", &s.mode));
  ARBOR_RETURN_IF_ERROR(r.String("scenario", &s.scenario));
  ARBOR_RETURN_IF_ERROR(r.String("seed", &s.seed));
  ARBOR_RETURN_IF_ERROR(r.String("git_commit", &s.git_commit));
  ARBOR_RETURN_IF_ERROR(r.OptDouble("duration_seconds", &s.duration_seconds));
  ARBOR_RETURN_IF_ERROR(r.Int("executions", &s.executions));
  ARBOR_RETURN_IF_ERROR(r.CountList("close_reasons", &s.close_reasons));
  ARBOR_RETURN_IF_ERROR(r.Int("realized_pnl_micros", &s.realized_pnl_micros));
  ARBOR_RETURN_IF_ERROR(r.Int("expected_profit_micros", &s.expected_profit_micros));
  ARBOR_RETURN_IF_ERROR(r.OptDouble("realized_vs_expected", &s.realized_vs_expected));
  ARBOR_RETURN_IF_ERROR(r.Int("max_drawdown_micros", &s.max_drawdown_micros));
  ARBOR_RETURN_IF_ERROR(r.Int("legs_submitted", &s.legs_submitted));
  ARBOR_RETURN_IF_ERROR(r.Int("legs_filled", &s.legs_filled));
  ARBOR_RETURN_IF_ERROR(r.OptDouble("fill_rate", &s.fill_rate));
  ARBOR_RETURN_IF_ERROR(r.OptDouble("mean_slippage_micros", &s.mean_slippage_micros));
  ARBOR_RETURN_IF_ERROR(r.OptDouble("sharpe", &s.sharpe));
  ARBOR_RETURN_IF_ERROR(r.OptInterval("sharpe_ci", &s.sharpe_ci));
  ARBOR_RETURN_IF_ERROR(r.OptDouble("sortino", &s.sortino));
  ARBOR_RETURN_IF_ERROR(r.OptInt("var_95_micros", &s.var_95_micros));
  ARBOR_RETURN_IF_ERROR(r.OptInterval("var_95_ci", &s.var_95_ci));
  ARBOR_RETURN_IF_ERROR(r.OptDouble("cvar_95_micros", &s.cvar_95_micros));
  ARBOR_RETURN_IF_ERROR(r.OptInterval("cvar_95_ci", &s.cvar_95_ci));
  ARBOR_RETURN_IF_ERROR(r.Int("opportunities_found", &s.opportunities_found));
  ARBOR_RETURN_IF_ERROR(r.Int("skips_total", &s.skips_total));
  ARBOR_RETURN_IF_ERROR(r.CountList("top_skip_reasons", &s.top_skip_reasons));
  ARBOR_RETURN_IF_ERROR(r.Int("denials_total", &s.denials_total));
  ARBOR_RETURN_IF_ERROR(r.Int("kill_switch_engagements", &s.kill_switch_engagements));
  ARBOR_RETURN_IF_ERROR(r.Int("safe_mode_episodes", &s.safe_mode_episodes));
  return s;
}

std::vector<std::pair<std::string, std::string>> SummaryRows(const ReportSummary& s) {
  std::vector<std::pair<std::string, std::string>> rows;
  auto text = [](const std::string& v) { return v.empty() ? std::string("-") : v; };
  rows.emplace_back("mode", text(s.mode));
  rows.emplace_back("scenario", text(s.scenario));
  rows.emplace_back("seed", text(s.seed));
  rows.emplace_back("git commit", text(s.git_commit));
  rows.emplace_back("duration", DurationText(s.duration_seconds));
  std::string executions = absl::StrCat(s.executions);
  if (!s.close_reasons.empty())
    absl::StrAppend(&executions, " (", CountsText(s.close_reasons), ")");
  rows.emplace_back("executions", executions);
  rows.emplace_back("realised PnL", FormatUsd(s.realized_pnl_micros));
  rows.emplace_back("expected profit", FormatUsd(s.expected_profit_micros));
  rows.emplace_back("realised / expected", Ratio(s.realized_vs_expected));
  rows.emplace_back("max drawdown", FormatUsd(s.max_drawdown_micros));
  rows.emplace_back("fill rate", absl::StrCat(Ratio(s.fill_rate), " (", s.legs_filled, "/",
                                              s.legs_submitted, " legs)"));
  rows.emplace_back("mean slippage", s.mean_slippage_micros
                                         ? FormatUsd(std::llround(*s.mean_slippage_micros))
                                         : "n/a");
  rows.emplace_back("Sharpe (per execution)", Ratio(s.sharpe) + CiText(s.sharpe_ci, false));
  rows.emplace_back("Sortino (per execution)", Ratio(s.sortino));
  rows.emplace_back("VaR 95%", (s.var_95_micros ? FormatUsd(*s.var_95_micros) : "n/a") +
                                   CiText(s.var_95_ci, true));
  rows.emplace_back("CVaR 95%",
                    (s.cvar_95_micros ? FormatUsd(std::llround(*s.cvar_95_micros)) : "n/a") +
                        CiText(s.cvar_95_ci, true));
  rows.emplace_back("opportunities", absl::StrCat(s.opportunities_found, " found, ", s.executions,
                                                  " executed, ", s.skips_total, " skipped"));
  rows.emplace_back("top skip reasons",
                    s.top_skip_reasons.empty() ? "-" : CountsText(s.top_skip_reasons));
  rows.emplace_back("risk events",
                    absl::StrCat(s.denials_total, " denials, ", s.kill_switch_engagements,
                                 " kill switch, ", s.safe_mode_episodes, " safe mode"));
  return rows;
}

std::string FormatSummaryTable(const ReportSummary& summary) {
  const std::vector<std::pair<std::string, std::string>> rows = SummaryRows(summary);
  size_t width = 0;
  for (const auto& [name, value] : rows) width = std::max(width, name.size());
  std::string out;
  for (const auto& [name, value] : rows) {
    absl::StrAppend(&out, name, std::string(width + 2 - name.size(), ' '), value, "\n");
  }
  return out;
}

}  // namespace arbor::report
