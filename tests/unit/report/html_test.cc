// arbor::report::RenderHtml: the chart ids, self-containment (no script, no URL), escaping of
// every input string, and the empty session.
#include "arbor/report/html.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(ARBOR_TEST_DATA_DIR) + "/report/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Render(const std::string& session_json) {
  absl::StatusOr<Session> session = ParseSession(session_json);
  EXPECT_TRUE(session.ok()) << session.status();
  absl::StatusOr<Report> report = BuildReport(*session, {.bootstrap_resamples = 200});
  EXPECT_TRUE(report.ok()) << report.status();
  return RenderHtml(*report);
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

void ExpectSelfContained(const std::string& html) {
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
}

TEST(RenderHtmlTest, FixtureHasEveryChartAndTable) {
  const std::string html = Render(ReadFixture("session_small.json"));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, HasSubstr("<svg id=\"equity-chart\""));
  EXPECT_THAT(html, HasSubstr("<svg id=\"drawdown-chart\""));
  EXPECT_THAT(html, HasSubstr("<svg id=\"pnl-by-lane-chart\""));
  EXPECT_EQ(Count(html, "<svg class=\"latency-chart\""), 2u);  // one per distribution
  EXPECT_THAT(html, HasSubstr("<table id=\"opportunities\">"));
  EXPECT_THAT(html, HasSubstr("<table id=\"fills\">"));
  EXPECT_THAT(html, HasSubstr("<table id=\"statistics\">"));
  // The max drawdown is a loss magnitude: neutral, not coloured as a gain.
  EXPECT_THAT(html, HasSubstr("<th>max drawdown</th><td class=\"num\">$0.25</td>"));
  EXPECT_THAT(html, HasSubstr("kalshi+polymarket"));
  EXPECT_THAT(html, HasSubstr("max_daily_loss"));
  EXPECT_THAT(html, HasSubstr("reconcile_mismatch"));
  EXPECT_THAT(html, HasSubstr("risk_denied:max_notional 4, duplicate 3"));
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_THAT(html, Not(HasSubstr("no executions")));
  ExpectSelfContained(html);
  EXPECT_EQ(html, Render(ReadFixture("session_small.json")));  // deterministic
}

// Two executions closing at t=2 and t=4 with the given realised PnL (micros).
std::string TwoExecutions(int64_t first_pnl, int64_t second_pnl) {
  std::string out = R"({"arbor_session":1,"executions":[)";
  const int64_t pnl[] = {first_pnl, second_pnl};
  for (int i = 0; i < 2; ++i) {
    out += absl::StrFormat(
        R"(%s{"execution_id":"e%d","lane":"binary","venues":["kalshi"],"opened_unix_nanos":%d,)"
        R"("closed_unix_nanos":%d,"close_reason":"completed","realized_pnl_micros":%d,)"
        R"("expected_profit_micros":0,"legs_submitted":2,"legs_filled":2})",
        i == 0 ? "" : ",", i, 2 * i + 1, 2 * i + 2, pnl[i]);
  }
  return out + "]}";
}

std::string Svg(const std::string& html, const std::string& id) {
  const size_t at = html.find("<svg id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  return html.substr(at, html.find("</svg>", at) - at);
}

TEST(RenderHtmlTest, ZeroLabelNeverOverprintsTheRangeLabels) {
  // Equity 0, -$0.01, $0.99: zero is 1.7px above the minimum, so only the range is labelled.
  const std::string dip = Svg(Render(TwoExecutions(-10000, 1000000)), "equity-chart");
  EXPECT_THAT(dip, HasSubstr(">$0.99</text>"));
  EXPECT_THAT(dip, HasSubstr(">-$0.01</text>"));
  EXPECT_THAT(dip, Not(HasSubstr(">$0.00</text>")));
  // Equity 0, -$0.50, $0.50: zero is mid-range and labelled.
  const std::string mid = Svg(Render(TwoExecutions(-500000, 1000000)), "equity-chart");
  EXPECT_THAT(mid, HasSubstr(">$0.50</text>"));
  EXPECT_THAT(mid, HasSubstr(">-$0.50</text>"));
  EXPECT_THAT(mid, HasSubstr(">$0.00</text>"));
}

TEST(RenderHtmlTest, EscapesEveryInputString) {
  const std::string evil = R"(<b>&)";
  const std::string html = Render(
      R"({"arbor_session":1,"meta":{"mode":"<script>alert(1)</script>","scenario":"a\"b'c"},)"
      R"("executions":[{"execution_id":"<i>id</i>","lane":"<b>&","venues":["<v>"],)"
      R"("opened_unix_nanos":1,"closed_unix_nanos":2,"close_reason":"<cr>",)"
      R"("realized_pnl_micros":5,"expected_profit_micros":5,"legs_submitted":1,"legs_filled":1}],)"
      R"("opportunities":{"<b>&":2},"skips":[{"lane":"<b>&","reason":"<sr>","count":1}],)"
      R"("latencies":[{"name":"<lat>","samples_nanos":[5]}],)"
      R"("risk_events":{"denials":{"<den>":1},"kill_switch":[{"reason":"<ks>","unix_nanos":3}],)"
      R"("safe_mode":[{"reason":"<sm>","started_unix_nanos":3}]}})");
  EXPECT_THAT(html, HasSubstr("&lt;b&gt;&amp;"));
  EXPECT_THAT(html, Not(HasSubstr(evil)));
  for (const char* raw :
       {"<script", "<i>", "<v>", "<cr>", "<sr>", "<lat>", "<den>", "<ks>", "<sm>", "a\"b"}) {
    EXPECT_THAT(html, Not(HasSubstr(raw))) << raw;
  }
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("a&quot;b&#39;c"));
  ExpectSelfContained(html);
}

TEST(RenderHtmlTest, EmptySessionRendersEmptyStates) {
  const std::string html = Render(R"({"arbor_session":1,"executions":[]})");
  EXPECT_THAT(html, HasSubstr("id=\"no-executions\""));
  EXPECT_THAT(html, HasSubstr("No executions in this session"));
  EXPECT_THAT(html, HasSubstr("<svg id=\"equity-chart\""));
  EXPECT_THAT(html, HasSubstr("<svg id=\"drawdown-chart\""));
  EXPECT_THAT(html, HasSubstr("<svg id=\"pnl-by-lane-chart\""));
  EXPECT_GE(Count(html, ">no executions</text>"), 3u);
  EXPECT_THAT(html, HasSubstr("Not available: fewer than 2 executions."));
  EXPECT_THAT(html, Not(HasSubstr("nan")));
  ExpectSelfContained(html);
}

TEST(RenderHtmlTest, EmptyHistogramRendersAnEmptyLatencyChart) {
  const std::string html = Render(
      R"({"arbor_session":1,"executions":[],"latencies":[{"name":"ack","buckets":[["+Inf",0]]}]})");
  EXPECT_EQ(Count(html, "<svg class=\"latency-chart\""), 1u);
  EXPECT_THAT(html, HasSubstr(">no observations</text>"));
}

TEST(RenderHtmlTest, InjectionsTableOnlyWithGroundTruth) {
  EXPECT_THAT(Render(R"({"arbor_session":1,"executions":[]})"),
              Not(HasSubstr("Injected mispricings")));
  const std::string html =
      Render(R"({"arbor_session":1,"executions":[],"injections":[)"
             R"({"kind":"cross_venue_gap","expected_lane":"cross_venue","detected":true,)"
             R"("detected_by":["cross_venue","binary"]},)"
             R"({"kind":"implies_violation","expected_lane":"","detected":false}]})");
  EXPECT_THAT(html, HasSubstr("<table id=\"injections\">"));
  EXPECT_THAT(html, HasSubstr("<td>cross_venue_gap</td><td>cross_venue</td>"));
  EXPECT_THAT(html, HasSubstr("<td>binary, cross_venue</td>"));
  EXPECT_THAT(html, HasSubstr("<td>implies_violation</td><td>none yet</td>"));
  EXPECT_THAT(Render(R"({"arbor_session":1,"executions":[],"injections":[]})"),
              HasSubstr("Nothing was injected during the run."));
}

TEST(HtmlEscapeTest, AllFive) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x">'&')"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;");
}

}  // namespace
}  // namespace arbor::report
