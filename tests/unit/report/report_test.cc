// arbor::report::BuildReport / ReportToJson / the summary, on tests/data/report/session_small.json
// with every figure computed by hand below.
//
// The fixture's executions in close order (micros):
//   e1 binary      polymarket         pnl +100000 expected 120000 legs 2/2 slippage  20000
//   e2 cross_venue polymarket+kalshi  pnl +300000 expected 250000 legs 2/2 slippage -50000
//   e3 binary      polymarket         pnl -250000 expected 100000 legs 2/1 slippage 350000
//   e4 negrisk     polymarket         pnl       0 expected  80000 legs 3/0 (no slippage)
//   e5 binary      kalshi             pnl +200000 expected 150000 legs 2/2 slippage      0
// Equity 0, 100000, 400000, 150000, 150000, 350000; drawdown 0, 0, 0, 250000, 250000, 0:
// max drawdown 250000 from e2 (t+20s, 400000) to e3 (t+30s, 150000).
#include "arbor/report/report.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "arbor/report/summary.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace arbor::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

constexpr int64_t kT = 1767225600000000000;  // meta.started_unix_nanos of the fixture
constexpr int64_t kSecond = 1'000'000'000;

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(ARBOR_TEST_DATA_DIR) + "/report/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Report BuildFixture(const ReportOptions& options = {}) {
  absl::StatusOr<Session> session = ParseSession(ReadFixture("session_small.json"));
  EXPECT_TRUE(session.ok()) << session.status();
  absl::StatusOr<Report> report = BuildReport(*session, options);
  EXPECT_TRUE(report.ok()) << report.status();
  return *std::move(report);
}

const PnlGroup& Find(const std::vector<PnlGroup>& groups, const std::string& key) {
  for (const PnlGroup& g : groups) {
    if (g.key == key) return g;
  }
  ADD_FAILURE() << "no group " << key;
  static const PnlGroup kNone;
  return kNone;
}

TEST(BuildReportTest, EquityAndDrawdown) {
  const Report r = BuildFixture();
  ASSERT_EQ(r.equity.points.size(), 6u);
  const int64_t equity[] = {0, 100000, 400000, 150000, 150000, 350000};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(r.equity.points[i].equity_micros, equity[i]) << i;
  EXPECT_EQ(r.equity.points[0].unix_nanos, kT);
  EXPECT_EQ(r.equity.max_drawdown_micros, 250000);
  ASSERT_TRUE(r.equity.peak_index && r.equity.trough_index);
  EXPECT_EQ(r.equity.points[*r.equity.peak_index].execution_id, "e2");
  EXPECT_EQ(r.equity.points[*r.equity.peak_index].unix_nanos, kT + 20 * kSecond);
  EXPECT_EQ(r.equity.points[*r.equity.trough_index].execution_id, "e3");
}

TEST(BuildReportTest, PnlByLaneAndVenue) {
  const Report r = BuildFixture();
  // binary: realised 100000 - 250000 + 200000 = 50000; expected 120000 + 100000 + 150000 =
  // 370000 -> ratio 0.135135...; legs 5/6; slippage (20000 + 350000 + 0) / 3 = 123333.33...
  const PnlGroup& binary = Find(r.by_lane, "binary");
  EXPECT_EQ(binary.executions, 3);
  EXPECT_EQ(binary.realized_pnl_micros, 50000);
  EXPECT_EQ(binary.expected_profit_micros, 370000);
  EXPECT_NEAR(*binary.RealizedVsExpected(), 50000.0 / 370000.0, 1e-15);
  EXPECT_NEAR(*binary.FillRate(), 5.0 / 6.0, 1e-15);
  EXPECT_EQ(binary.slippage_executions, 3);
  EXPECT_EQ(binary.slippage_total_micros, 370000);
  EXPECT_NEAR(*binary.MeanSlippageMicros(), 370000.0 / 3.0, 1e-9);
  // negrisk: nothing filled, no slippage reported.
  const PnlGroup& negrisk = Find(r.by_lane, "negrisk");
  EXPECT_THAT(negrisk.FillRate(), Optional(0.0));
  EXPECT_FALSE(negrisk.MeanSlippageMicros().has_value());
  EXPECT_THAT(negrisk.RealizedVsExpected(), Optional(0.0));
  // cross_venue: 300000 / 250000 = 1.2, attributed whole to the sorted venue key.
  EXPECT_THAT(Find(r.by_lane, "cross_venue").RealizedVsExpected(), Optional(1.2));
  ASSERT_EQ(r.by_venue.size(), 3u);
  EXPECT_EQ(r.by_venue[0].key, "kalshi");
  EXPECT_EQ(r.by_venue[0].realized_pnl_micros, 200000);
  EXPECT_EQ(r.by_venue[1].key, "kalshi+polymarket");
  EXPECT_EQ(r.by_venue[1].realized_pnl_micros, 300000);
  EXPECT_EQ(r.by_venue[2].key, "polymarket");
  EXPECT_EQ(r.by_venue[2].realized_pnl_micros, -150000);
  // total: 350000 / 700000 = 0.5; legs 7/11.
  EXPECT_EQ(r.total.realized_pnl_micros, 350000);
  EXPECT_THAT(r.total.RealizedVsExpected(), Optional(0.5));
  EXPECT_NEAR(*r.total.FillRate(), 7.0 / 11.0, 1e-15);
  EXPECT_EQ(r.close_reasons, (std::vector<std::pair<std::string, int64_t>>{
                                 {"completed", 3}, {"not_filled", 1}, {"unwound", 1}}));
}

TEST(BuildReportTest, ExpectedZeroHasNoRatio) {
  Session s;
  s.executions.push_back(Execution{.execution_id = "a",
                                   .lane = "expiry_edge",
                                   .venues = {"kalshi"},
                                   .close_reason = "completed",
                                   .realized_pnl_micros = 10,
                                   .expected_profit_micros = 0});
  absl::StatusOr<Report> r = BuildReport(s, {});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->total.RealizedVsExpected().has_value());
  EXPECT_FALSE(r->total.FillRate().has_value());        // no legs submitted
  EXPECT_FALSE(r->statistics.mean_micros.has_value());  // one execution
  EXPECT_NE(ReportToJson(*r).find("\"realized_vs_expected\":null"), std::string::npos);
}

TEST(BuildReportTest, OpportunitiesSkipsLatenciesRisk) {
  const Report r = BuildFixture();
  ASSERT_EQ(r.opportunities.size(), 3u);
  const OpportunityRow& binary = r.opportunities[0];
  EXPECT_EQ(binary.lane, "binary");
  EXPECT_EQ(binary.found, 10);
  EXPECT_EQ(binary.executed, 3);
  EXPECT_EQ(binary.skipped, 7);
  EXPECT_EQ(binary.skip_reasons, (std::vector<std::pair<std::string, int64_t>>{
                                     {"risk_denied:max_notional", 4}, {"duplicate", 3}}));
  EXPECT_EQ(r.opportunities[2].lane, "negrisk");
  EXPECT_EQ(r.opportunities[2].skipped, 3);
  EXPECT_EQ(r.opportunities_found, 17);
  EXPECT_EQ(r.skips_total, 12);  // includes the lane-less stale_book 2
  EXPECT_EQ(r.skip_reasons,
            (std::vector<std::pair<std::string, int64_t>>{{"risk_denied:max_notional", 4},
                                                          {"duplicate", 3},
                                                          {"not_executable", 3},
                                                          {"stale_book", 2}}));

  ASSERT_EQ(r.latencies.size(), 2u);
  const LatencyDistribution& ack = r.latencies[0];
  EXPECT_EQ(ack.count, 12);
  EXPECT_THAT(ack.p50_seconds, Optional(0.001));
  EXPECT_THAT(ack.p90_seconds, Optional(0.0025));
  ASSERT_TRUE(ack.p99_seconds.has_value());
  EXPECT_TRUE(std::isinf(*ack.p99_seconds));
  // Samples 1..5 ms: p50 = 3rd (ceil 2.5), p90 = p99 = 5th.
  const LatencyDistribution& scan = r.latencies[1];
  EXPECT_THAT(scan.p50_seconds, Optional(0.003));
  EXPECT_THAT(scan.p90_seconds, Optional(0.005));
  EXPECT_THAT(scan.min_seconds, Optional(0.001));
  EXPECT_THAT(scan.mean_seconds, Optional(0.003));
  // Chart buckets of the samples: <= 1 ms holds 1, <= 2.5 ms 2, <= 5 ms all 5.
  ASSERT_EQ(scan.buckets.size(), std::size(kSampleChartBounds) + 1);
  EXPECT_EQ(scan.buckets[3].cumulative_count, 1);  // le 0.001
  EXPECT_EQ(scan.buckets[4].cumulative_count, 2);  // le 0.0025
  EXPECT_EQ(scan.buckets[5].cumulative_count, 5);  // le 0.005

  EXPECT_EQ(r.denials_total, 5);
  EXPECT_EQ(r.risk_events.kill_switch.size(), 1u);
  EXPECT_EQ(r.risk_events.safe_mode.size(), 1u);
}

TEST(BuildReportTest, Statistics) {
  // pnl = {100000, 300000, -250000, 0, 200000}: mean 70000;
  // x - mean = 30000, 230000, -320000, -70000, 130000; squares (e9) 0.9 + 52.9 + 102.4 + 4.9 +
  // 16.9 = 178 -> stdev = sqrt(178e9 / 4) = 210950.23..., Sharpe = 0.3318313...
  // downside sqrt(250000^2 / 5) = 111803.39..., Sortino = 0.6260990...; VaR = CVaR = 250000.
  const Report r = BuildFixture();
  EXPECT_THAT(r.statistics.mean_micros, Optional(70000.0));
  EXPECT_NEAR(*r.statistics.stdev_micros, std::sqrt(178e9 / 4), 1e-6);
  EXPECT_NEAR(*r.statistics.sharpe, 70000.0 / std::sqrt(178e9 / 4), 1e-12);
  EXPECT_NEAR(*r.statistics.sharpe, 0.3318313, 1e-6);
  EXPECT_NEAR(*r.statistics.sortino, 0.6260990, 1e-6);
  EXPECT_THAT(r.statistics.var_95_micros, Optional(250000));
  EXPECT_THAT(r.statistics.cvar_95_micros, Optional(250000.0));
  EXPECT_EQ(r.bootstrap.resamples, kDefaultBootstrapResamples);
  ASSERT_TRUE(r.bootstrap.mean_micros.has_value());
  EXPECT_LE(r.bootstrap.mean_micros->lo, 70000.0);
  EXPECT_GE(r.bootstrap.mean_micros->hi, 70000.0);
}

TEST(BuildReportTest, RejectsBadResamples) {
  EXPECT_FALSE(BuildReport(Session{}, {.bootstrap_resamples = 0}).ok());
  EXPECT_FALSE(BuildReport(Session{}, {.bootstrap_resamples = kMaxBootstrapResamples + 1}).ok());
}

TEST(ReportJsonTest, ValuesKeyOrderAndDeterminism) {
  const std::string json = ReportToJson(BuildFixture());
  EXPECT_EQ(json, ReportToJson(BuildFixture()));
  EXPECT_NE(json, ReportToJson(BuildFixture({.bootstrap_seed = 99})));
  // Top-level keys in the documented order.
  const char* keys[] = {"\"arbor_report\"",  "\"meta\"",         "\"summary\"",
                        "\"equity_curve\"",  "\"max_drawdown\"", "\"close_reasons\"",
                        "\"pnl_by_lane\"",   "\"pnl_by_venue\"", "\"pnl_total\"",
                        "\"opportunities\"", "\"skip_reasons\"", "\"latencies\"",
                        "\"risk_events\"",   "\"statistics\""};
  size_t at = 0;
  for (const char* key : keys) {
    const size_t found = json.find(key, at);
    ASSERT_NE(found, std::string::npos) << key;
    at = found;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS);
  int64_t v = 0;
  ASSERT_EQ(root["max_drawdown"]["max_drawdown_micros"].get_int64().get(v), simdjson::SUCCESS);
  EXPECT_EQ(v, 250000);
  ASSERT_EQ(root["max_drawdown"]["peak_unix_nanos"].get_int64().get(v), simdjson::SUCCESS);
  EXPECT_EQ(v, kT + 20 * kSecond);
  ASSERT_EQ(root["pnl_total"]["realized_pnl_micros"].get_int64().get(v), simdjson::SUCCESS);
  EXPECT_EQ(v, 350000);  // an integer, not a double
  ASSERT_EQ(root["statistics"]["var_95_micros"].get_int64().get(v), simdjson::SUCCESS);
  EXPECT_EQ(v, 250000);
  std::string_view p99;
  ASSERT_EQ(root["latencies"].at(0)["p99_seconds"].get_string().get(p99), simdjson::SUCCESS);
  EXPECT_EQ(p99, "+Inf");
  EXPECT_EQ(json.back(), '\n');
}

TEST(SummaryTest, RoundTripsThroughReportJson) {
  const Report r = BuildFixture();
  const ReportSummary s = SummarizeReport(r);
  EXPECT_EQ(s.executions, 5);
  EXPECT_EQ(s.max_drawdown_micros, 250000);
  EXPECT_THAT(s.duration_seconds, Optional(60.0));
  ASSERT_EQ(s.top_skip_reasons.size(), 4u);
  absl::StatusOr<ReportSummary> parsed = ParseReportSummary(ReportToJson(r));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(SummaryToJson(*parsed), SummaryToJson(s));
  EXPECT_EQ(parsed->var_95_micros, 250000);
  ASSERT_TRUE(parsed->sharpe_ci.has_value());
  EXPECT_EQ(parsed->sharpe_ci->lo, s.sharpe_ci->lo);  // exact round trip of doubles
}

TEST(SummaryTest, TableHasTheHeadlineFigures) {
  const std::string table = FormatSummaryTable(SummarizeReport(BuildFixture()));
  EXPECT_THAT(table, HasSubstr("mode                     sim\n"));
  EXPECT_THAT(table,
              HasSubstr("executions               5 (completed 3, not_filled 1, unwound 1)"));
  EXPECT_THAT(table, HasSubstr("realised PnL             $0.35\n"));
  EXPECT_THAT(table, HasSubstr("max drawdown             $0.25\n"));
  EXPECT_THAT(table, HasSubstr("realised / expected      0.5000\n"));
  EXPECT_THAT(table, HasSubstr("fill rate                0.6364 (7/11 legs)"));
  EXPECT_THAT(table, HasSubstr("VaR 95%                  $0.25 [95% CI "));
  EXPECT_THAT(table, HasSubstr("top skip reasons         risk_denied:max_notional 4, duplicate 3"));
  EXPECT_THAT(table, HasSubstr("duration                 1m00s\n"));
}

TEST(SummaryTest, ParseErrorsNameTheField) {
  EXPECT_THAT(std::string(ParseReportSummary("{}").status().message()),
              HasSubstr("arbor_report: missing"));
  std::string json = ReportToJson(BuildFixture());
  const std::string key = "\"executions\":5";
  json.replace(json.find(key), key.size(), "\"executions\":\"5\"");
  EXPECT_EQ(ParseReportSummary(json).status().message(), "summary.executions: not an integer");
}

TEST(FormatUsdTest, ExactMicros) {
  EXPECT_EQ(FormatUsd(0), "$0.00");
  EXPECT_EQ(FormatUsd(1'234'500'000), "$1,234.50");
  EXPECT_EQ(FormatUsd(-123), "-$0.000123");
  EXPECT_EQ(FormatUsd(350000), "$0.35");
  EXPECT_EQ(FormatUsd(std::numeric_limits<int64_t>::min()), "-$9,223,372,036,854.775808");
}

TEST(BuildReportTest, InjectionsAreCountedByKind) {
  absl::StatusOr<Session> session = ParseSession(
      "{\"arbor_session\":1,\"executions\":[],\"injections\":["
      "{\"kind\":\"negrisk_yes_under\",\"expected_lane\":\"negrisk\",\"detected\":true,"
      "\"detected_by\":[\"negrisk\"]},"
      "{\"kind\":\"binary_underpriced\",\"expected_lane\":\"binary\",\"detected\":true,"
      "\"detected_by\":[\"binary\",\"cross_venue\"]},"
      "{\"kind\":\"negrisk_yes_under\",\"expected_lane\":\"negrisk\",\"detected\":false},"
      "{\"kind\":\"implies_violation\",\"expected_lane\":\"\",\"detected\":false}]}");
  ASSERT_TRUE(session.ok()) << session.status();
  absl::StatusOr<Report> r = BuildReport(*session, {});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->injections.has_value());
  ASSERT_EQ(r->injections->size(), 3u);
  EXPECT_EQ((*r->injections)[0].kind, "binary_underpriced");
  EXPECT_EQ((*r->injections)[0].detected_by, (std::vector<std::string>{"binary", "cross_venue"}));
  EXPECT_EQ((*r->injections)[2].kind, "negrisk_yes_under");
  EXPECT_EQ((*r->injections)[2].injected, 2);
  EXPECT_EQ((*r->injections)[2].detected, 1);
  const std::string json = ReportToJson(*r);
  EXPECT_THAT(json, HasSubstr("\"injections\":{\"by_kind\":[{\"kind\":\"binary_underpriced\","
                              "\"expected_lane\":\"binary\",\"injected\":1,\"detected\":1,"
                              "\"detected_by\":[\"binary\",\"cross_venue\"]}"));
  EXPECT_THAT(json, HasSubstr("],\"injected\":4,\"detected\":2}"));
  // Without ground truth the member is null.
  absl::StatusOr<Report> plain = BuildReport(*ParseSession(ReadFixture("session_small.json")), {});
  ASSERT_TRUE(plain.ok());
  EXPECT_THAT(ReportToJson(*plain), HasSubstr("\"injections\":null"));
}

}  // namespace
}  // namespace arbor::report
