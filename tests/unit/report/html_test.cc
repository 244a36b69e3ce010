// arbor::report::RenderHtml: the chart ids, self-containment (no script, no URL), escaping of
// every input string, and the empty session.
#include "arbor/report/html.h"

#include <fstream>
#include <sstream>
#include <string>

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
  EXPECT_THAT(html, HasSubstr("kalshi+polymarket"));
  EXPECT_THAT(html, HasSubstr("max_daily_loss"));
  EXPECT_THAT(html, HasSubstr("reconcile_mismatch"));
  EXPECT_THAT(html, HasSubstr("risk_denied:max_notional 4, duplicate 3"));
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_THAT(html, Not(HasSubstr("no executions")));
  ExpectSelfContained(html);
  EXPECT_EQ(html, Render(ReadFixture("session_small.json")));  // deterministic
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

TEST(HtmlEscapeTest, AllFive) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x">'&')"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;");
}

}  // namespace
}  // namespace arbor::report
