// arborctl report: build then show in-process on tests/data/report/session_small.json, output
// determinism, --help on every subcommand, usage errors (exit 1) and bad input files (exit 2).
#include "report_command.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace arbor::arborctl {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

std::string Fixture() { return std::string(ARBOR_TEST_DATA_DIR) + "/report/session_small.json"; }

// A per-process path: ctest runs the cases of this binary in parallel processes.
std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "arborctl_report_" + std::to_string(::getpid()) + "_" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

Result RunReport(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Result r;
  r.code = RunReportCommand(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(ReportCommandTest, BuildThenShowRoundTrip) {
  const std::string json = TempPath("report.json");
  const std::string html = TempPath("report.html");
  const Result build = RunReport({"build", "--input", Fixture(), "--html", html, "--json", json});
  ASSERT_EQ(build.code, kReportExitOk) << build.err;
  EXPECT_THAT(build.out, IsEmpty());
  EXPECT_THAT(ReadFile(html), HasSubstr("<svg id=\"equity-chart\""));
  EXPECT_THAT(ReadFile(json), StartsWith("{\"arbor_report\":1,"));

  const Result table = RunReport({"show", json});
  ASSERT_EQ(table.code, kReportExitOk) << table.err;
  EXPECT_THAT(table.out, HasSubstr("mode                     sim\n"));
  EXPECT_THAT(table.out, HasSubstr("realised PnL             $0.35\n"));
  EXPECT_THAT(table.out, HasSubstr("max drawdown             $0.25\n"));
  EXPECT_THAT(table.out, HasSubstr("executions               5 (completed 3, not_filled 1"));
  EXPECT_THAT(table.out, HasSubstr("Sharpe (per execution)   0.3318 [95% CI "));

  const Result as_json = RunReport({"show", json, "--output=json"});
  ASSERT_EQ(as_json.code, kReportExitOk) << as_json.err;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(as_json.out).get(root), simdjson::SUCCESS) << as_json.out;
  int64_t v = 0;
  ASSERT_EQ(root["realized_pnl_micros"].get_int64().get(v), simdjson::SUCCESS);
  EXPECT_EQ(v, 350000);
  ASSERT_EQ(root["max_drawdown_micros"].get_int64().get(v), simdjson::SUCCESS);
  EXPECT_EQ(v, 250000);
  std::remove(json.c_str());
  std::remove(html.c_str());
}

TEST(ReportCommandTest, SameInputAndSeedGiveIdenticalFiles) {
  const Result a = RunReport({"build", Fixture(), "--resamples", "300", "--seed", "5"});
  const Result b = RunReport({"build", "--input=" + Fixture(), "--resamples=300", "--seed=5"});
  const Result c = RunReport({"build", Fixture(), "--resamples", "300", "--seed", "6"});
  ASSERT_EQ(a.code, kReportExitOk) << a.err;
  EXPECT_THAT(a.out, StartsWith("{\"arbor_report\":1,"));  // stdout without --json/--html
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  EXPECT_THAT(a.out, HasSubstr("\"resamples\":300,\"seed\":5,"));
}

TEST(ReportCommandTest, BadInputFileExitsTwoNamingTheField) {
  const std::string bad = TempPath("bad_session.json");
  WriteFile(bad, R"({"arbor_session":1,"executions":[{"execution_id":"a","lane":"binary",)"
                 R"("venues":["kalshi"],"opened_unix_nanos":1,"closed_unix_nanos":2,)"
                 R"("close_reason":"completed","realized_pnl_micros":1.5,)"
                 R"("expected_profit_micros":1,"legs_submitted":1,"legs_filled":1}]})");
  const std::string json = TempPath("never.json");
  const Result r = RunReport({"build", "--input", bad, "--json", json});
  EXPECT_EQ(r.code, kReportExitBadInput);
  EXPECT_THAT(r.err, HasSubstr("executions[0].realized_pnl_micros: not an integer"));
  EXPECT_TRUE(ReadFile(json).empty());  // nothing written

  EXPECT_EQ(RunReport({"build", "--input", TempPath("missing.json")}).code, kReportExitBadInput);
  EXPECT_EQ(RunReport({"show", TempPath("missing.json")}).code, kReportExitBadInput);
  const Result not_report = RunReport({"show", Fixture()});  // a session, not a report
  EXPECT_EQ(not_report.code, kReportExitBadInput);
  EXPECT_THAT(not_report.err, HasSubstr("arbor_report: missing"));
  std::remove(bad.c_str());
}

TEST(ReportCommandTest, HelpAndUsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--help"}, {"build", "--help"}, {"show", "-h"}}) {
    const Result r = RunReport(args);
    EXPECT_EQ(r.code, kReportExitOk) << args[0];
    EXPECT_THAT(r.out, StartsWith("usage: arborctl report")) << args[0];
  }
  const std::vector<std::string> usage_errors[] = {
      {},
      {"frobnicate"},
      {"build"},                                 // no input
      {"build", Fixture(), "--bogus"},           // unknown flag
      {"build", Fixture(), "--resamples", "0"},  // out of range
      {"build", Fixture(), "--seed", "-1"},      // not unsigned
      {"build", Fixture(), "--json"},            // missing value
      {"build", Fixture(), "--html", "x", "--json", "x"},
      {"show"},
      {"show", "a.json", "--output", "xml"},
      {"show", "a.json", "b.json"},
  };
  for (const std::vector<std::string>& args : usage_errors) {
    const Result r = RunReport(args);
    EXPECT_EQ(r.code, kReportExitUsage) << (args.empty() ? "(none)" : args.back());
    EXPECT_THAT(r.err, Not(IsEmpty()));
  }
}

}  // namespace
}  // namespace arbor::arborctl
