#include "arbor/report/html.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "arbor/report/summary.h"

namespace arbor::report {
namespace {

constexpr double kChartWidth = 760;
constexpr double kChartHeight = 220;
constexpr double kLeft = 90;  // room for the y labels
constexpr double kRight = 20;
constexpr double kTop = 16;
constexpr double kBottom = 30;  // room for the x labels

constexpr char kStyle[] = R"css(
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:980px;color:#1f2328;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
h3{font-size:1em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#57606a;font-size:.85em}.empty{color:#9a6700;font-weight:600}
.pos{color:#1a7f37}.neg{color:#cf222e}
svg{display:block;margin:.5em 0;background:#fff;border:1px solid #d0d7de}
svg text{font-size:10px;fill:#57606a}
)css";

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

std::string Ratio(const std::optional<double>& v) {
  return v ? absl::StrFormat("%.4f", *v) : "n/a";
}

std::string Stat(const std::optional<double>& v) { return v ? absl::StrFormat("%.6g", *v) : "n/a"; }

std::string UsdCell(int64_t micros) {
  return absl::StrCat("<td class=\"num ",
                      micros < 0   ? "neg"
                      : micros > 0 ? "pos"
                                   : "",
                      "\">", FormatUsd(micros), "</td>");
}

std::string TimeText(int64_t unix_nanos) {
  if (unix_nanos <= 0) return "n/a";
  return absl::FormatTime("%Y-%m-%d %H:%M:%E3S UTC", absl::FromUnixNanos(unix_nanos),
                          absl::UTCTimeZone());
}

std::string SecondsText(const std::optional<double>& s) {
  if (!s) return "n/a";
  if (std::isinf(*s)) return "+Inf";
  if (*s < 1e-3) return absl::StrFormat("%gµs", *s * 1e6);
  if (*s < 1) return absl::StrFormat("%gms", *s * 1e3);
  return absl::StrFormat("%gs", *s);
}

std::string Cell(std::string_view text) { return absl::StrCat("<td>", HtmlEscape(text), "</td>"); }

std::string NumCell(std::string_view text) {
  return absl::StrCat("<td class=\"num\">", HtmlEscape(text), "</td>");
}

std::string SvgOpen(const std::string& attrs, const std::string& label) {
  return absl::StrFormat(
      "<svg %s width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "role=\"img\" aria-label=\"%s\">\n",
      attrs, static_cast<int>(kChartWidth), static_cast<int>(kChartHeight),
      static_cast<int>(kChartWidth), static_cast<int>(kChartHeight), HtmlEscape(label));
}

std::string EmptyChart(const std::string& attrs, const std::string& label,
                       const std::string& message) {
  return absl::StrCat(
      SvgOpen(attrs, label),
      absl::StrFormat("<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" "
                      "class=\"empty-state\">%s</text>\n</svg>\n",
                      Num(kChartWidth / 2), Num(kChartHeight / 2), HtmlEscape(message)));
}

// A step chart of integer micros over time: the value holds until the next point. Draws the
// zero line, the y range labels in USD and the time range below.
std::string StepChart(const std::string& attrs, const std::string& label,
                      const std::vector<std::pair<int64_t, int64_t>>& points,
                      const std::string& stroke, const std::string& fill) {
  int64_t t0 = points.front().first, t1 = points.front().first;
  int64_t lo = 0, hi = 0;
  for (const auto& [t, v] : points) {
    t0 = std::min(t0, t);
    t1 = std::max(t1, t);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double span_t = t1 > t0 ? static_cast<double>(t1 - t0) : 1.0;
  const double span_v = hi > lo ? static_cast<double>(hi - lo) : 1.0;
  const double pw = kChartWidth - kLeft - kRight;
  const double ph = kChartHeight - kTop - kBottom;
  auto x = [&](int64_t t) { return kLeft + static_cast<double>(t - t0) / span_t * pw; };
  auto y = [&](int64_t v) { return kTop + static_cast<double>(hi - v) / span_v * ph; };
  std::string path =
      absl::StrCat("M", Num(x(points.front().first)), ",", Num(y(points.front().second)));
  for (size_t i = 1; i < points.size(); ++i) {
    absl::StrAppend(&path, " H", Num(x(points[i].first)), " V", Num(y(points[i].second)));
  }
  std::string svg = SvgOpen(attrs, label);
  if (!fill.empty()) {
    absl::StrAppend(&svg, "<path d=\"", path, " V", Num(y(0)), " H", Num(x(points.front().first)),
                    " Z\" fill=\"", fill, "\" stroke=\"none\"/>\n");
  }
  absl::StrAppend(&svg, "<line x1=\"", Num(kLeft), "\" x2=\"", Num(kLeft + pw), "\" y1=\"",
                  Num(y(0)), "\" y2=\"", Num(y(0)),
                  "\" stroke=\"#8c959f\" stroke-dasharray=\"4 3\"/>\n");
  absl::StrAppend(&svg, "<path d=\"", path, "\" fill=\"none\" stroke=\"", stroke,
                  "\" stroke-width=\"2\"/>\n");
  for (size_t i = 1; i < points.size(); ++i) {
    absl::StrAppend(&svg, "<circle cx=\"", Num(x(points[i].first)), "\" cy=\"",
                    Num(y(points[i].second)), "\" r=\"2.5\" fill=\"", stroke, "\"/>\n");
  }
  const auto ylabel = [&](int64_t v) {
    return absl::StrCat("<text x=\"", Num(kLeft - 6), "\" y=\"", Num(y(v) + 3),
                        "\" text-anchor=\"end\">", HtmlEscape(FormatUsd(v)), "</text>\n");
  };
  absl::StrAppend(&svg, ylabel(hi));
  // The zero label only when it clears both range labels (10px text): an equity that dips just
  // below zero would otherwise print "$0.00" over its minimum. The dashed line still marks zero.
  constexpr double kMinLabelGap = 12;
  if (lo != 0 && hi != 0 && y(0) - y(hi) >= kMinLabelGap && y(lo) - y(0) >= kMinLabelGap) {
    absl::StrAppend(&svg, ylabel(0));
  }
  if (lo != hi) absl::StrAppend(&svg, ylabel(lo));
  absl::StrAppend(&svg, "<text x=\"", Num(kLeft), "\" y=\"", Num(kChartHeight - 8), "\">",
                  HtmlEscape(TimeText(t0)), "</text>\n");
  absl::StrAppend(&svg, "<text x=\"", Num(kLeft + pw), "\" y=\"", Num(kChartHeight - 8),
                  "\" text-anchor=\"end\">", HtmlEscape(TimeText(t1)), "</text>\n");
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

std::string LaneBars(const std::vector<PnlGroup>& lanes) {
  constexpr char kAttrs[] = "id=\"pnl-by-lane-chart\"";
  if (lanes.empty()) return EmptyChart(kAttrs, "PnL by lane", "no executions");
  int64_t lo = 0, hi = 0;
  for (const PnlGroup& g : lanes) {
    lo = std::min(lo, g.realized_pnl_micros);
    hi = std::max(hi, g.realized_pnl_micros);
  }
  const double span = hi > lo ? static_cast<double>(hi - lo) : 1.0;
  constexpr double kRow = 26;
  constexpr double kLabel = 150;
  constexpr double kValue = 110;
  const double height = kTop + kRow * static_cast<double>(lanes.size()) + 10;
  const double pw = kChartWidth - kLabel - kValue - kRight;
  auto x = [&](int64_t v) { return kLabel + static_cast<double>(v - lo) / span * pw; };
  std::string svg = absl::StrFormat(
      "<svg %s width=\"%d\" height=\"%s\" viewBox=\"0 0 %d "
      "%s\" role=\"img\" aria-label=\"PnL by lane\">\n",
      kAttrs, static_cast<int>(kChartWidth), Num(height), static_cast<int>(kChartWidth),
      Num(height));
  for (size_t i = 0; i < lanes.size(); ++i) {
    const PnlGroup& g = lanes[i];
    const double top = kTop + kRow * static_cast<double>(i);
    const double x0 = x(0);
    const double x1 = x(g.realized_pnl_micros);
    absl::StrAppend(&svg, "<text x=\"", Num(kLabel - 8), "\" y=\"", Num(top + 15),
                    "\" text-anchor=\"end\">", HtmlEscape(g.key), "</text>\n");
    absl::StrAppend(&svg, "<rect x=\"", Num(std::min(x0, x1)), "\" y=\"", Num(top + 3),
                    "\" width=\"", Num(std::max(std::abs(x1 - x0), 1.0)),
                    "\" height=\"18\" fill=\"", g.realized_pnl_micros < 0 ? "#cf222e" : "#2da44e",
                    "\"/>\n");
    absl::StrAppend(&svg, "<text x=\"", Num(kLabel + pw + 8), "\" y=\"", Num(top + 15), "\">",
                    HtmlEscape(FormatUsd(g.realized_pnl_micros)), "</text>\n");
  }
  absl::StrAppend(&svg, "<line x1=\"", Num(x(0)), "\" x2=\"", Num(x(0)), "\" y1=\"", Num(kTop),
                  "\" y2=\"", Num(height - 6), "\" stroke=\"#8c959f\"/>\n</svg>\n");
  return svg;
}

std::string LatencyChart(const LatencyDistribution& d) {
  constexpr char kAttrs[] = "class=\"latency-chart\"";
  const std::string label = absl::StrCat("latency ", d.name);
  if (d.count == 0 || d.buckets.empty()) return EmptyChart(kAttrs, label, "no observations");
  std::vector<int64_t> counts;
  int64_t prev = 0, peak = 1;
  for (const LatencyBucket& b : d.buckets) {
    counts.push_back(b.cumulative_count - prev);
    prev = b.cumulative_count;
    peak = std::max(peak, counts.back());
  }
  const double pw = kChartWidth - kLeft - kRight;
  const double ph = kChartHeight - kTop - kBottom;
  const double slot = pw / static_cast<double>(counts.size());
  std::string svg = SvgOpen(kAttrs, label);
  for (size_t i = 0; i < counts.size(); ++i) {
    const double h = static_cast<double>(counts[i]) / static_cast<double>(peak) * ph;
    const double x = kLeft + slot * static_cast<double>(i);
    absl::StrAppend(
        &svg, "<rect x=\"", Num(x + 1), "\" y=\"", Num(kTop + ph - h), "\" width=\"",
        Num(std::max(slot - 2, 1.0)), "\" height=\"", Num(h), "\" fill=\"#0969da\"><title>",
        HtmlEscape(absl::StrCat("le ", SecondsText(d.buckets[i].le_seconds), ": ", counts[i])),
        "</title></rect>\n");
    absl::StrAppend(&svg, "<text x=\"", Num(x + slot / 2), "\" y=\"", Num(kChartHeight - 16),
                    "\" text-anchor=\"middle\">", HtmlEscape(SecondsText(d.buckets[i].le_seconds)),
                    "</text>\n");
    if (counts[i] > 0) {
      absl::StrAppend(&svg, "<text x=\"", Num(x + slot / 2), "\" y=\"", Num(kTop + ph - h - 3),
                      "\" text-anchor=\"middle\">", counts[i], "</text>\n");
    }
  }
  absl::StrAppend(&svg, "<text x=\"", Num(kLeft - 6), "\" y=\"", Num(kTop + 8),
                  "\" text-anchor=\"end\">", peak, "</text>\n");
  absl::StrAppend(&svg, "<text x=\"", Num(kLeft + pw / 2), "\" y=\"", Num(kChartHeight - 3),
                  "\" text-anchor=\"middle\">bucket upper bound (le); count per bucket</text>\n");
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

std::string CiCell(const std::optional<Interval>& ci, bool money) {
  if (!ci) return NumCell("n/a");
  if (money) {
    return NumCell(absl::StrCat("[", FormatUsd(std::llround(ci->lo)), ", ",
                                FormatUsd(std::llround(ci->hi)), "]"));
  }
  return NumCell(absl::StrFormat("[%.6g, %.6g]", ci->lo, ci->hi));
}

std::string GroupTable(const std::vector<PnlGroup>& groups, const PnlGroup& total,
                       const std::string& key_header) {
  std::string out =
      absl::StrCat("<table><tr><th>", key_header,
                   "</th><th>executions</th><th>realised PnL</th><th>expected profit</th>"
                   "<th>realised / expected</th></tr>\n");
  auto row = [&](const PnlGroup& g, bool bold) {
    absl::StrAppend(&out, "<tr>", bold ? "<th>" : "<td>", HtmlEscape(g.key),
                    bold ? "</th>" : "</td>", NumCell(absl::StrCat(g.executions)),
                    UsdCell(g.realized_pnl_micros), UsdCell(g.expected_profit_micros),
                    NumCell(Ratio(g.RealizedVsExpected())), "</tr>\n");
  };
  for (const PnlGroup& g : groups) row(g, false);
  row(total, true);
  absl::StrAppend(&out, "</table>\n");
  return out;
}

std::string CountTable(const std::vector<std::pair<std::string, int64_t>>& counts,
                       const std::string& header) {
  if (counts.empty()) return "<p class=\"note\">none</p>\n";
  std::string out = absl::StrCat("<table><tr><th>", header, "</th><th>count</th></tr>\n");
  for (const auto& [name, n] : counts) {
    absl::StrAppend(&out, "<tr>", Cell(name), NumCell(absl::StrCat(n)), "</tr>\n");
  }
  absl::StrAppend(&out, "</table>\n");
  return out;
}

}  // namespace

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RenderHtml(const Report& report) {
  const SessionMeta& meta = report.meta;
  const ReportSummary summary = SummarizeReport(report);
  const bool empty = report.executions == 0;
  std::string h;
  absl::StrAppend(&h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
                  "<title>arbor session report", meta.mode.empty() ? "" : " — ",
                  HtmlEscape(meta.mode), meta.scenario.empty() ? "" : " / ",
                  HtmlEscape(meta.scenario), "</title>\n<style>", kStyle,
                  "</style>\n</head>\n<body>\n<h1>arbor session report</h1>\n");

  // Run metadata.
  absl::StrAppend(&h, "<table id=\"meta\">\n");
  const std::pair<const char*, std::string> meta_rows[] = {
      {"mode", meta.mode},
      {"scenario", meta.scenario},
      {"seed", meta.seed},
      {"git commit", meta.git_commit},
      {"started", TimeText(meta.started_unix_nanos)},
      {"ended", TimeText(meta.ended_unix_nanos)},
  };
  for (const auto& [name, value] : meta_rows) {
    absl::StrAppend(&h, "<tr><th>", name, "</th>", Cell(value.empty() ? "-" : value), "</tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");
  if (empty) {
    absl::StrAppend(&h,
                    "<p class=\"empty\" id=\"no-executions\">No executions in this session: "
                    "PnL, drawdown and statistics are empty.</p>\n");
  }

  // Summary.
  absl::StrAppend(&h, "<h2>Summary</h2>\n<table id=\"summary\">\n");
  for (const auto& [name, value] : SummaryRows(summary)) {
    absl::StrAppend(&h, "<tr><th>", HtmlEscape(name), "</th>", Cell(value), "</tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");

  // Equity and drawdown.
  absl::StrAppend(&h, "<h2>Equity and drawdown</h2>\n");
  if (empty) {
    absl::StrAppend(&h, EmptyChart("id=\"equity-chart\"", "equity curve", "no executions"));
    absl::StrAppend(&h, EmptyChart("id=\"drawdown-chart\"", "drawdown", "no executions"));
  } else {
    std::vector<std::pair<int64_t, int64_t>> equity, drawdown;
    for (const EquityPoint& p : report.equity.points) {
      equity.emplace_back(p.unix_nanos, p.equity_micros);
      drawdown.emplace_back(p.unix_nanos, -p.drawdown_micros);
    }
    absl::StrAppend(&h, "<h3>Equity curve (cumulative realised PnL by close time)</h3>\n");
    absl::StrAppend(&h, StepChart("id=\"equity-chart\"", "equity curve", equity, "#0969da", ""));
    absl::StrAppend(&h, "<h3>Drawdown (running peak minus equity, drawn below zero)</h3>\n");
    absl::StrAppend(&h, StepChart("id=\"drawdown-chart\"", "drawdown", drawdown, "#cf222e",
                                  "rgba(207,34,46,0.2)"));
  }
  const EquityCurve& eq = report.equity;
  // Neutral, not UsdCell: a drawdown is a loss magnitude (>= 0) and must not read as a gain.
  absl::StrAppend(&h, "<table id=\"max-drawdown\"><tr><th>max drawdown</th>",
                  NumCell(FormatUsd(eq.max_drawdown_micros)), "</tr>\n");
  if (eq.peak_index && eq.trough_index) {
    const EquityPoint& peak = eq.points[*eq.peak_index];
    const EquityPoint& trough = eq.points[*eq.trough_index];
    absl::StrAppend(
        &h, "<tr><th>peak</th>",
        Cell(absl::StrCat(TimeText(peak.unix_nanos), " at ", FormatUsd(peak.equity_micros))),
        "</tr>\n<tr><th>trough</th>",
        Cell(absl::StrCat(TimeText(trough.unix_nanos), " at ", FormatUsd(trough.equity_micros))),
        "</tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");

  // PnL by lane and venue.
  absl::StrAppend(&h, "<h2>PnL by lane</h2>\n", LaneBars(report.by_lane),
                  GroupTable(report.by_lane, report.total, "lane"));
  absl::StrAppend(&h, "<h2>PnL by venue</h2>\n",
                  "<p class=\"note\">An execution on several venues is attributed whole to the "
                  "key of its venues joined with '+', never split.</p>\n",
                  GroupTable(report.by_venue, report.total, "venues"));

  // Fill rate and slippage.
  absl::StrAppend(&h,
                  "<h2>Fill rate and slippage</h2>\n<table id=\"fills\"><tr><th>lane</th>"
                  "<th>legs submitted</th><th>legs filled</th><th>fill rate</th>"
                  "<th>executions with slippage</th><th>total slippage</th>"
                  "<th>mean slippage</th></tr>\n");
  auto fill_row = [&](const PnlGroup& g, bool bold) {
    absl::StrAppend(
        &h, "<tr>", bold ? "<th>" : "<td>", HtmlEscape(g.key), bold ? "</th>" : "</td>",
        NumCell(absl::StrCat(g.legs_submitted)), NumCell(absl::StrCat(g.legs_filled)),
        NumCell(Ratio(g.FillRate())), NumCell(absl::StrCat(g.slippage_executions)),
        UsdCell(g.slippage_total_micros),
        NumCell(g.MeanSlippageMicros() ? FormatUsd(std::llround(*g.MeanSlippageMicros())) : "n/a"),
        "</tr>\n");
  };
  for (const PnlGroup& g : report.by_lane) fill_row(g, false);
  fill_row(report.total, true);
  absl::StrAppend(&h,
                  "</table>\n<p class=\"note\">Slippage = fill cost minus expected cost "
                  "(positive = worse than expected).</p>\n");

  // Opportunities.
  absl::StrAppend(&h, "<h2>Opportunities found vs executed</h2>\n");
  if (report.opportunities.empty()) {
    absl::StrAppend(&h, "<p class=\"note\">No opportunities recorded.</p>\n");
  } else {
    absl::StrAppend(&h,
                    "<table id=\"opportunities\"><tr><th>lane</th><th>found</th>"
                    "<th>executed</th><th>skipped</th><th>skip reasons</th></tr>\n");
    for (const OpportunityRow& row : report.opportunities) {
      std::string reasons;
      for (const auto& [reason, n] : row.skip_reasons) {
        absl::StrAppend(&reasons, reasons.empty() ? "" : ", ", reason, " ", n);
      }
      absl::StrAppend(&h, "<tr>", Cell(row.lane), NumCell(absl::StrCat(row.found)),
                      NumCell(absl::StrCat(row.executed)), NumCell(absl::StrCat(row.skipped)),
                      Cell(reasons.empty() ? "-" : reasons), "</tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
  }
  absl::StrAppend(&h, "<h3>Skip reasons (all lanes)</h3>\n",
                  CountTable(report.skip_reasons, "reason"));

  // Ground truth of a simulated run.
  if (report.injections.has_value()) {
    absl::StrAppend(&h,
                    "<h2>Injected mispricings (simulator ground truth)</h2>\n"
                    "<p class=\"note\">Each mispricing the simulator injected, and whether its "
                    "lane published an opportunity on its markets.</p>\n");
    if (report.injections->empty()) {
      absl::StrAppend(&h, "<p class=\"note\">Nothing was injected during the run.</p>\n");
    } else {
      absl::StrAppend(&h,
                      "<table id=\"injections\"><tr><th>kind</th><th>lane</th>"
                      "<th>injected</th><th>detected</th><th>seen by</th></tr>\n");
      for (const InjectionRow& row : *report.injections) {
        std::string seen;
        for (const std::string& lane : row.detected_by) {
          absl::StrAppend(&seen, seen.empty() ? "" : ", ", lane);
        }
        absl::StrAppend(&h, "<tr>", Cell(row.kind),
                        Cell(row.expected_lane.empty() ? "none yet" : row.expected_lane),
                        NumCell(absl::StrCat(row.injected)), NumCell(absl::StrCat(row.detected)),
                        Cell(seen.empty() ? "-" : seen), "</tr>\n");
      }
      absl::StrAppend(&h, "</table>\n");
    }
  }

  // Latency.
  absl::StrAppend(&h,
                  "<h2>Latency</h2>\n<p class=\"note\">From histogram buckets a quantile is "
                  "the upper bound (le) of the bucket that holds it; from raw samples it is "
                  "the nearest-rank sample.</p>\n");
  if (report.latencies.empty()) {
    absl::StrAppend(&h, "<p class=\"note\">No latency distributions recorded.</p>\n");
  }
  for (const LatencyDistribution& d : report.latencies) {
    absl::StrAppend(&h, "<h3>", HtmlEscape(d.name), "</h3>\n", LatencyChart(d));
    absl::StrAppend(&h,
                    "<table><tr><th>source</th><th>count</th><th>p50</th><th>p90</th>"
                    "<th>p99</th></tr>\n<tr>",
                    Cell(d.from_buckets ? "buckets (upper bounds)" : "samples"),
                    NumCell(absl::StrCat(d.count)), NumCell(SecondsText(d.p50_seconds)),
                    NumCell(SecondsText(d.p90_seconds)), NumCell(SecondsText(d.p99_seconds)),
                    "</tr>\n</table>\n");
  }

  // Risk events.
  const RiskEvents& risk = report.risk_events;
  absl::StrAppend(&h, "<h2>Risk events</h2>\n<h3>Denials (", report.denials_total, ")</h3>\n",
                  CountTable(risk.denials, "reason"));
  absl::StrAppend(&h, "<h3>Kill switch engagements (", risk.kill_switch.size(), ")</h3>\n");
  if (risk.kill_switch.empty()) {
    absl::StrAppend(&h, "<p class=\"note\">none</p>\n");
  } else {
    absl::StrAppend(&h, "<table><tr><th>time</th><th>scope</th><th>reason</th></tr>\n");
    for (const KillSwitchEvent& e : risk.kill_switch) {
      absl::StrAppend(&h, "<tr>", Cell(TimeText(e.unix_nanos)),
                      Cell(e.scope.empty() ? "-" : e.scope), Cell(e.reason), "</tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
  }
  absl::StrAppend(&h, "<h3>Safe-mode episodes (", risk.safe_mode.size(), ")</h3>\n");
  if (risk.safe_mode.empty()) {
    absl::StrAppend(&h, "<p class=\"note\">none</p>\n");
  } else {
    absl::StrAppend(&h, "<table><tr><th>started</th><th>ended</th><th>reason</th></tr>\n");
    for (const SafeModeEpisode& e : risk.safe_mode) {
      absl::StrAppend(&h, "<tr>", Cell(TimeText(e.started_unix_nanos)),
                      Cell(e.ended_unix_nanos ? TimeText(*e.ended_unix_nanos) : "still active"),
                      Cell(e.reason), "</tr>\n");
    }
    absl::StrAppend(&h, "</table>\n");
  }

  // Statistics.
  const PnlStatistics& s = report.statistics;
  const BootstrapResult& b = report.bootstrap;
  absl::StrAppend(&h, "<h2>Per-execution PnL statistics</h2>\n");
  if (s.count < 2) {
    absl::StrAppend(&h, "<p class=\"empty\">Not available: fewer than 2 executions.</p>\n");
  }
  absl::StrAppend(&h,
                  "<table id=\"statistics\"><tr><th>statistic</th><th>value</th>"
                  "<th>95% CI (bootstrap)</th></tr>\n");
  auto money = [](const std::optional<double>& v) {
    return v ? FormatUsd(std::llround(*v)) : std::string("n/a");
  };
  absl::StrAppend(&h, "<tr><th>executions</th>", NumCell(absl::StrCat(s.count)), NumCell(""),
                  "</tr>\n");
  absl::StrAppend(&h, "<tr><th>mean PnL</th>", NumCell(money(s.mean_micros)),
                  CiCell(b.mean_micros, true), "</tr>\n");
  absl::StrAppend(&h, "<tr><th>stdev PnL</th>", NumCell(money(s.stdev_micros)), NumCell(""),
                  "</tr>\n");
  absl::StrAppend(&h, "<tr><th>Sharpe (mean / stdev, per execution)</th>", NumCell(Stat(s.sharpe)),
                  CiCell(b.sharpe, false), "</tr>\n");
  absl::StrAppend(&h, "<tr><th>Sortino (mean / downside deviation)</th>", NumCell(Stat(s.sortino)),
                  NumCell(""), "</tr>\n");
  absl::StrAppend(&h, "<tr><th>VaR 95% (loss)</th>",
                  NumCell(s.var_95_micros ? FormatUsd(*s.var_95_micros) : "n/a"),
                  CiCell(b.var_95_micros, true), "</tr>\n");
  absl::StrAppend(&h, "<tr><th>CVaR 95% (loss)</th>", NumCell(money(s.cvar_95_micros)),
                  CiCell(b.cvar_95_micros, true), "</tr>\n</table>\n");
  absl::StrAppend(
      &h, absl::StrFormat("<p class=\"note\">Sharpe and Sortino are per execution, not "
                          "annualised, with a 0 target. VaR/CVaR are historical, at "
                          "ceil(5%% n) worst executions, positive = loss. Intervals: "
                          "percentile bootstrap, %d resamples, seed %d (std::mt19937_64).</p>\n",
                          b.resamples, b.seed));
  absl::StrAppend(&h,
                  "<footer class=\"note\">Generated by arborctl report build.</footer>\n"
                  "</body>\n</html>\n");
  return h;
}

}  // namespace arbor::report
