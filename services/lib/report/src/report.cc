#include "arbor/report/report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "arbor/core/json_writer.h"
#include "arbor/report/summary.h"
#include "json_fields.h"

namespace arbor::report {
namespace {

using internal::OptionalDouble;
using internal::OptionalInt;

using Counts = std::vector<std::pair<std::string, int64_t>>;

Counts SortedByCount(const std::map<std::string, int64_t>& m) {
  Counts out(m.begin(), m.end());
  // std::map gives name order; a stable sort by count keeps it among equal counts.
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

void Add(PnlGroup& g, const Execution& x) {
  ++g.executions;
  g.realized_pnl_micros += x.realized_pnl_micros;
  g.expected_profit_micros += x.expected_profit_micros;
  g.legs_submitted += x.legs_submitted;
  g.legs_filled += x.legs_filled;
  if (x.slippage_micros) {
    ++g.slippage_executions;
    g.slippage_total_micros += *x.slippage_micros;
  }
}

std::vector<PnlGroup> Values(std::map<std::string, PnlGroup>& m) {
  std::vector<PnlGroup> out;
  out.reserve(m.size());
  for (auto& [key, group] : m) out.push_back(std::move(group));
  return out;
}

LatencyDistribution Distribution(const LatencySeries& series) {
  LatencyDistribution d;
  d.name = series.name;
  d.from_buckets = series.from_buckets;
  if (series.from_buckets) {
    d.buckets = series.buckets;
    d.count = series.buckets.back().cumulative_count;
    d.p50_seconds = QuantileFromBuckets(d.buckets, 0.50);
    d.p90_seconds = QuantileFromBuckets(d.buckets, 0.90);
    d.p99_seconds = QuantileFromBuckets(d.buckets, 0.99);
    return d;
  }
  std::vector<int64_t> sorted = series.samples_nanos;
  std::sort(sorted.begin(), sorted.end());
  d.count = static_cast<int64_t>(sorted.size());
  auto seconds = [](std::optional<int64_t> ns) -> std::optional<double> {
    if (!ns) return std::nullopt;
    return static_cast<double>(*ns) / 1e9;
  };
  d.p50_seconds = seconds(SampleQuantile(sorted, 0.50));
  d.p90_seconds = seconds(SampleQuantile(sorted, 0.90));
  d.p99_seconds = seconds(SampleQuantile(sorted, 0.99));
  if (!sorted.empty()) {
    d.min_seconds = seconds(sorted.front());
    d.max_seconds = seconds(sorted.back());
    double sum = 0;
    for (int64_t ns : sorted) sum += static_cast<double>(ns);
    d.mean_seconds = sum / static_cast<double>(sorted.size()) / 1e9;
  }
  for (double le : kSampleChartBounds) {
    const auto le_nanos = static_cast<int64_t>(std::llround(le * 1e9));
    const auto n = std::upper_bound(sorted.begin(), sorted.end(), le_nanos) - sorted.begin();
    d.buckets.push_back(LatencyBucket{le, static_cast<int64_t>(n)});
  }
  d.buckets.push_back(LatencyBucket{std::numeric_limits<double>::infinity(), d.count});
  return d;
}

// Latency bounds: +infinity (the +Inf bucket) is the string "+Inf", as in Prometheus.
void Seconds(JsonWriter& json, std::optional<double> v) {
  if (v && std::isinf(*v)) {
    json.String("+Inf");
  } else {
    OptionalDouble(json, v);
  }
}

void WriteInterval(JsonWriter& json, const std::optional<Interval>& ci, bool integral) {
  if (!ci) {
    json.Null();
    return;
  }
  json.BeginArray();
  if (integral) {
    json.Int(std::llround(ci->lo)).Int(std::llround(ci->hi));
  } else {
    json.Double(ci->lo).Double(ci->hi);
  }
  json.EndArray();
}

void WriteCounts(JsonWriter& json, const Counts& counts) {
  json.BeginObject();
  for (const auto& [name, n] : counts) json.Key(name).Int(n);
  json.EndObject();
}

void WriteGroup(JsonWriter& json, std::string_view key_name, const PnlGroup& g) {
  json.BeginObject();
  if (!key_name.empty()) json.Key(key_name).String(g.key);
  json.Key("executions").Int(g.executions);
  json.Key("realized_pnl_micros").Int(g.realized_pnl_micros);
  json.Key("expected_profit_micros").Int(g.expected_profit_micros);
  json.Key("realized_vs_expected");
  OptionalDouble(json, g.RealizedVsExpected());
  json.Key("legs_submitted").Int(g.legs_submitted);
  json.Key("legs_filled").Int(g.legs_filled);
  json.Key("fill_rate");
  OptionalDouble(json, g.FillRate());
  json.Key("slippage_executions").Int(g.slippage_executions);
  json.Key("slippage_total_micros").Int(g.slippage_total_micros);
  json.Key("mean_slippage_micros");
  OptionalDouble(json, g.MeanSlippageMicros());
  json.EndObject();
}

}  // namespace

std::optional<double> PnlGroup::RealizedVsExpected() const {
  if (expected_profit_micros == 0) return std::nullopt;
  return static_cast<double>(realized_pnl_micros) / static_cast<double>(expected_profit_micros);
}

std::optional<double> PnlGroup::FillRate() const {
  if (legs_submitted == 0) return std::nullopt;
  return static_cast<double>(legs_filled) / static_cast<double>(legs_submitted);
}

std::optional<double> PnlGroup::MeanSlippageMicros() const {
  if (slippage_executions == 0) return std::nullopt;
  return static_cast<double>(slippage_total_micros) / static_cast<double>(slippage_executions);
}

std::string VenueKey(const std::vector<std::string>& venues) {
  std::vector<std::string> sorted = venues;
  std::sort(sorted.begin(), sorted.end());
  return absl::StrJoin(sorted, "+");
}

absl::StatusOr<Report> BuildReport(const Session& session, const ReportOptions& options) {
  if (options.bootstrap_resamples < 1 || options.bootstrap_resamples > kMaxBootstrapResamples) {
    return absl::InvalidArgumentError(absl::StrCat("bootstrap resamples must be in [1, ",
                                                   kMaxBootstrapResamples, "], got ",
                                                   options.bootstrap_resamples));
  }
  Report r;
  r.meta = session.meta;
  r.executions = static_cast<int64_t>(session.executions.size());

  std::vector<ClosedPnl> closed;
  closed.reserve(session.executions.size());
  std::map<std::string, int64_t> close_reasons;
  std::map<std::string, PnlGroup> by_lane;
  std::map<std::string, PnlGroup> by_venue;
  r.total.key = "total";
  for (const Execution& x : session.executions) {
    closed.push_back(ClosedPnl{x.closed_unix_nanos, x.realized_pnl_micros, x.execution_id});
    ++close_reasons[x.close_reason];
    PnlGroup& lane = by_lane[x.lane];
    lane.key = x.lane;
    Add(lane, x);
    const std::string venue_key = VenueKey(x.venues);
    PnlGroup& venue = by_venue[venue_key];
    venue.key = venue_key;
    Add(venue, x);
    Add(r.total, x);
  }
  r.equity = ComputeEquityCurve(std::move(closed), session.meta.started_unix_nanos);
  r.close_reasons = SortedByCount(close_reasons);

  // Opportunities vs executed: every lane that found, executed or skipped something.
  std::map<std::string, OpportunityRow> rows;
  std::map<std::string, std::map<std::string, int64_t>> lane_skips;
  std::map<std::string, int64_t> skip_reasons;
  for (const auto& [lane, found] : session.opportunities) {
    rows[lane].found += found;
    r.opportunities_found += found;
  }
  for (const auto& [lane, group] : by_lane) rows[lane].executed = group.executions;
  for (const SkipCount& s : session.skips) {
    skip_reasons[s.reason] += s.count;
    r.skips_total += s.count;
    if (s.lane.empty()) continue;
    rows[s.lane].skipped += s.count;
    lane_skips[s.lane][s.reason] += s.count;
  }
  for (auto& [lane, row] : rows) {
    row.lane = lane;
    row.skip_reasons = SortedByCount(lane_skips[lane]);
    r.opportunities.push_back(std::move(row));
  }
  r.skip_reasons = SortedByCount(skip_reasons);
  r.by_lane = Values(by_lane);
  r.by_venue = Values(by_venue);

  for (const LatencySeries& series : session.latencies) {
    r.latencies.push_back(Distribution(series));
  }

  r.risk_events = session.risk_events;
  std::map<std::string, int64_t> denials;
  for (const auto& [reason, n] : session.risk_events.denials) {
    denials[reason] += n;
    r.denials_total += n;
  }
  r.risk_events.denials = SortedByCount(denials);
  std::stable_sort(r.risk_events.kill_switch.begin(), r.risk_events.kill_switch.end(),
                   [](const auto& a, const auto& b) { return a.unix_nanos < b.unix_nanos; });
  std::stable_sort(
      r.risk_events.safe_mode.begin(), r.risk_events.safe_mode.end(),
      [](const auto& a, const auto& b) { return a.started_unix_nanos < b.started_unix_nanos; });

  if (session.injections.has_value()) {
    std::map<std::string, InjectionRow> kinds;
    std::map<std::string, std::set<std::string>> lanes;
    for (const Injection& injection : *session.injections) {
      InjectionRow& row = kinds[injection.kind];
      row.kind = injection.kind;
      row.expected_lane = injection.expected_lane;
      ++row.injected;
      if (injection.detected) ++row.detected;
      lanes[injection.kind].insert(injection.detected_by.begin(), injection.detected_by.end());
    }
    r.injections.emplace();
    for (auto& [kind, row] : kinds) {
      row.detected_by.assign(lanes[kind].begin(), lanes[kind].end());
      r.injections->push_back(std::move(row));
    }
  }

  // Close order (not input order), so the bootstrap's draws do not depend on how the run
  // happened to list the executions.
  std::vector<int64_t> pnl;
  pnl.reserve(r.equity.points.size());
  for (size_t i = 1; i < r.equity.points.size(); ++i) pnl.push_back(r.equity.points[i].pnl_micros);
  r.statistics = ComputePnlStatistics(pnl);
  r.bootstrap = BootstrapPnlStatistics(
      pnl,
      BootstrapOptions{.resamples = options.bootstrap_resamples, .seed = options.bootstrap_seed});
  return r;
}

std::string ReportToJson(const Report& report) {
  JsonWriter json;
  json.BeginObject();
  json.Key("arbor_report").Int(kReportSchemaVersion);
  const SessionMeta& meta = report.meta;
  json.Key("meta").BeginObject();
  json.Key("mode").String(meta.mode);
  json.Key("scenario").String(meta.scenario);
  json.Key("seed").String(meta.seed);
  json.Key("git_commit").String(meta.git_commit);
  json.Key("started_unix_nanos").Int(meta.started_unix_nanos);
  json.Key("ended_unix_nanos").Int(meta.ended_unix_nanos);
  json.EndObject();

  json.Key("summary");
  WriteSummaryJson(SummarizeReport(report), json);

  json.Key("equity_curve").BeginArray();
  for (const EquityPoint& p : report.equity.points) {
    json.BeginObject();
    json.Key("unix_nanos").Int(p.unix_nanos);
    json.Key("execution_id").String(p.execution_id);
    json.Key("pnl_micros").Int(p.pnl_micros);
    json.Key("equity_micros").Int(p.equity_micros);
    json.Key("drawdown_micros").Int(p.drawdown_micros);
    json.EndObject();
  }
  json.EndArray();

  const EquityCurve& eq = report.equity;
  json.Key("max_drawdown").BeginObject();
  json.Key("max_drawdown_micros").Int(eq.max_drawdown_micros);
  for (const auto& [name, index] :
       {std::pair<const char*, std::optional<size_t>>{"peak", eq.peak_index},
        std::pair<const char*, std::optional<size_t>>{"trough", eq.trough_index}}) {
    json.Key(absl::StrCat(name, "_unix_nanos"));
    if (index) {
      json.Int(eq.points[*index].unix_nanos);
    } else {
      json.Null();
    }
    json.Key(absl::StrCat(name, "_equity_micros"));
    if (index) {
      json.Int(eq.points[*index].equity_micros);
    } else {
      json.Null();
    }
  }
  json.EndObject();

  json.Key("close_reasons");
  WriteCounts(json, report.close_reasons);
  json.Key("pnl_by_lane").BeginArray();
  for (const PnlGroup& g : report.by_lane) WriteGroup(json, "lane", g);
  json.EndArray();
  json.Key("pnl_by_venue").BeginArray();
  for (const PnlGroup& g : report.by_venue) WriteGroup(json, "venue", g);
  json.EndArray();
  json.Key("pnl_total");
  WriteGroup(json, "", report.total);

  json.Key("opportunities").BeginArray();
  for (const OpportunityRow& row : report.opportunities) {
    json.BeginObject();
    json.Key("lane").String(row.lane);
    json.Key("found").Int(row.found);
    json.Key("executed").Int(row.executed);
    json.Key("skipped").Int(row.skipped);
    json.Key("executed_per_found");
    OptionalDouble(json, row.found > 0 ? std::optional<double>(static_cast<double>(row.executed) /
                                                               static_cast<double>(row.found))
                                       : std::nullopt);
    json.Key("skip_reasons");
    WriteCounts(json, row.skip_reasons);
    json.EndObject();
  }
  json.EndArray();
  json.Key("skip_reasons");
  WriteCounts(json, report.skip_reasons);
  json.Key("skips_total").Int(report.skips_total);

  json.Key("latencies").BeginArray();
  for (const LatencyDistribution& d : report.latencies) {
    json.BeginObject();
    json.Key("name").String(d.name);
    json.Key("source").String(d.from_buckets ? "buckets" : "samples");
    json.Key("count").Int(d.count);
    json.Key("p50_seconds");
    Seconds(json, d.p50_seconds);
    json.Key("p90_seconds");
    Seconds(json, d.p90_seconds);
    json.Key("p99_seconds");
    Seconds(json, d.p99_seconds);
    json.Key("min_seconds");
    OptionalDouble(json, d.min_seconds);
    json.Key("max_seconds");
    OptionalDouble(json, d.max_seconds);
    json.Key("mean_seconds");
    OptionalDouble(json, d.mean_seconds);
    json.Key("buckets").BeginArray();
    for (const LatencyBucket& b : d.buckets) {
      json.BeginArray();
      Seconds(json, b.le_seconds);
      json.Int(b.cumulative_count).EndArray();
    }
    json.EndArray().EndObject();
  }
  json.EndArray();

  const RiskEvents& risk = report.risk_events;
  json.Key("risk_events").BeginObject();
  json.Key("denials_total").Int(report.denials_total);
  json.Key("denials");
  WriteCounts(json, risk.denials);
  json.Key("kill_switch").BeginObject();
  json.Key("count").Int(static_cast<int64_t>(risk.kill_switch.size()));
  json.Key("events").BeginArray();
  for (const KillSwitchEvent& e : risk.kill_switch) {
    json.BeginObject();
    json.Key("reason").String(e.reason);
    json.Key("scope").String(e.scope);
    json.Key("unix_nanos").Int(e.unix_nanos);
    json.EndObject();
  }
  json.EndArray().EndObject();
  json.Key("safe_mode").BeginObject();
  json.Key("count").Int(static_cast<int64_t>(risk.safe_mode.size()));
  json.Key("episodes").BeginArray();
  for (const SafeModeEpisode& e : risk.safe_mode) {
    json.BeginObject();
    json.Key("reason").String(e.reason);
    json.Key("started_unix_nanos").Int(e.started_unix_nanos);
    json.Key("ended_unix_nanos");
    if (e.ended_unix_nanos) {
      json.Int(*e.ended_unix_nanos);
    } else {
      json.Null();
    }
    json.EndObject();
  }
  json.EndArray().EndObject();
  json.EndObject();

  json.Key("injections");
  if (!report.injections.has_value()) {
    json.Null();
  } else {
    int64_t injected = 0;
    int64_t detected = 0;
    json.BeginObject().Key("by_kind").BeginArray();
    for (const InjectionRow& row : *report.injections) {
      injected += row.injected;
      detected += row.detected;
      json.BeginObject();
      json.Key("kind").String(row.kind);
      json.Key("expected_lane").String(row.expected_lane);
      json.Key("injected").Int(row.injected);
      json.Key("detected").Int(row.detected);
      json.Key("detected_by").BeginArray();
      for (const std::string& lane : row.detected_by) json.String(lane);
      json.EndArray();
      json.EndObject();
    }
    json.EndArray();
    json.Key("injected").Int(injected);
    json.Key("detected").Int(detected);
    json.EndObject();
  }

  const PnlStatistics& s = report.statistics;
  const BootstrapResult& b = report.bootstrap;
  json.Key("statistics").BeginObject();
  json.Key("executions").Int(s.count);
  json.Key("mean_pnl_micros");
  OptionalDouble(json, s.mean_micros);
  json.Key("stdev_pnl_micros");
  OptionalDouble(json, s.stdev_micros);
  json.Key("downside_deviation_micros");
  OptionalDouble(json, s.downside_deviation_micros);
  json.Key("sharpe");
  OptionalDouble(json, s.sharpe);
  json.Key("sortino");
  OptionalDouble(json, s.sortino);
  json.Key("var_95_micros");
  OptionalInt(json, s.var_95_micros);
  json.Key("cvar_95_micros");
  OptionalDouble(json, s.cvar_95_micros);
  json.Key("bootstrap").BeginObject();
  json.Key("method").String("percentile");
  json.Key("confidence").Double(0.95);
  json.Key("resamples").Int(b.resamples);
  json.Key("seed").Uint(b.seed);
  json.Key("sharpe_resamples").Int(b.sharpe_resamples);
  json.Key("mean_pnl_micros");
  WriteInterval(json, b.mean_micros, false);
  json.Key("sharpe");
  WriteInterval(json, b.sharpe, false);
  json.Key("var_95_micros");
  WriteInterval(json, b.var_95_micros, true);
  json.Key("cvar_95_micros");
  WriteInterval(json, b.cvar_95_micros, false);
  json.EndObject().EndObject();

  json.EndObject();
  return json.Take() + "\n";
}

}  // namespace arbor::report
