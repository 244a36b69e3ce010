// File: arbor/report/html.h
//
// The session report as ONE self-contained HTML page: inline CSS, inline SVG charts drawn here
// (equity curve, drawdown, PnL by lane, one latency chart per distribution) and tables. No
// script, no external URL: the file opens offline and can be attached to an issue as is. Every
// string from the session input is HTML-escaped. Pure; thread-compatible.
//
//   std::string page = RenderHtml(report);
#pragma once

#include <string>
#include <string_view>

#include "arbor/report/report.h"

namespace arbor::report {

// The page (docs/report.md, "report.html"). Element ids: svg#equity-chart, svg#drawdown-chart,
// svg#pnl-by-lane-chart, svg.latency-chart (one per distribution). An empty session renders the
// same sections with a "no executions" note and empty-state charts.
std::string RenderHtml(const Report& report);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);

}  // namespace arbor::report
