#include "report_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/report/html.h"
#include "arbor/report/report.h"
#include "arbor/report/session.h"
#include "arbor/report/summary.h"
#include "file_io.h"

namespace arbor::arborctl {
namespace {

constexpr char kReportUsage[] =
    "usage: arborctl report build --input FILE [--html FILE] [--json FILE] [--resamples B]\n"
    "                             [--seed N]\n"
    "       arborctl report show FILE [--output table|json]\n"
    "\n"
    "The session report (docs/report.md).\n"
    "  build  read a session input file (the run's executions, opportunities, skips,\n"
    "         latencies, risk events) and write report.json and/or report.html\n"
    "  show   print the summary of a report.json\n"
    "Exit codes: 0 ok, 1 usage error, 2 input file unreadable or invalid (or an output\n"
    "file cannot be written). arborctl report build --help / show --help for the flags.\n";

constexpr char kBuildUsage[] =
    "usage: arborctl report build --input FILE [--html FILE] [--json FILE] [--resamples B]\n"
    "                             [--seed N]\n"
    "\n"
    "Builds the session report from a session input file (schema: docs/report.md).\n"
    "Options:\n"
    "  --input FILE     the session input JSON (or give FILE as the only argument)\n"
    "  --html FILE      write the self-contained HTML report (no scripts, no URLs)\n"
    "  --json FILE      write report.json; with neither --html nor --json it goes to stdout\n"
    "  --resamples B    bootstrap resamples for the confidence intervals (default 2000)\n"
    "  --seed N         bootstrap seed, std::mt19937_64 (default 1); the same input and seed\n"
    "                   give byte-identical output\n"
    "Exit codes: 0 ok, 1 usage error, 2 input unreadable or invalid (the message names the\n"
    "JSON path, e.g. executions[3].realized_pnl_micros) or an output file cannot be written.\n";

constexpr char kShowUsage[] =
    "usage: arborctl report show FILE [--output table|json]\n"
    "\n"
    "Prints the summary of a report.json written by `arborctl report build`: mode, duration,\n"
    "executions by close reason, realised PnL, max drawdown, realised vs expected, fill rate,\n"
    "Sharpe/Sortino, VaR/CVaR with 95% bootstrap intervals, top skip reasons, risk events.\n"
    "Options:\n"
    "  --output FORMAT  table (default) or json (the report's \"summary\" object)\n"
    "Exit codes: 0 ok, 1 usage error, 2 file unreadable or not a report.\n";

int UsageError(std::ostream& err, const std::string& where, const std::string& message) {
  err << "arborctl report" << where << ": " << message << "\n(arborctl report" << where
      << " --help for usage)\n";
  return kReportExitUsage;
}

// Splits "--flag=value" and fetches the value of a flag that takes one.
struct FlagReader {
  const std::vector<std::string>& args;
  size_t i = 0;
  std::string flag;
  std::optional<std::string> inline_value;

  void Load() {
    flag = args[i];
    inline_value.reset();
    if (flag.rfind("--", 0) == 0) {
      if (const size_t eq = flag.find('='); eq != std::string::npos) {
        inline_value = flag.substr(eq + 1);
        flag.resize(eq);
      }
    }
  }
  bool Value(std::string* v) {
    if (inline_value) {
      *v = *inline_value;
      return true;
    }
    if (i + 1 >= args.size()) return false;
    *v = args[++i];
    return true;
  }
};

int Build(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr char kWhere[] = " build";
  std::string input, html, json;
  report::ReportOptions options;
  FlagReader r{args};
  for (; r.i < args.size(); ++r.i) {
    r.Load();
    const std::string& flag = r.flag;
    if (flag == "--help" || flag == "-h") {
      out << kBuildUsage;
      return kReportExitOk;
    }
    std::string v;
    if (flag == "--input" || flag == "--html" || flag == "--json" || flag == "--resamples" ||
        flag == "--seed") {
      if (!r.Value(&v) || v.empty()) return UsageError(err, kWhere, flag + " needs a value");
      if (flag == "--input") {
        if (!input.empty()) return UsageError(err, kWhere, "more than one input file");
        input = v;
      } else if (flag == "--html") {
        html = v;
      } else if (flag == "--json") {
        json = v;
      } else if (flag == "--resamples") {
        int b = 0;
        if (!absl::SimpleAtoi(v, &b) || b < 1 || b > report::kMaxBootstrapResamples) {
          return UsageError(err, kWhere,
                            absl::StrCat("--resamples: expected an integer in [1, ",
                                         report::kMaxBootstrapResamples, "], got '", v, "'"));
        }
        options.bootstrap_resamples = b;
      } else {
        uint64_t seed = 0;
        if (!absl::SimpleAtoi(v, &seed)) {
          return UsageError(err, kWhere, "--seed: expected an unsigned integer, got '" + v + "'");
        }
        options.bootstrap_seed = seed;
      }
    } else if (!flag.empty() && flag[0] == '-') {
      return UsageError(err, kWhere, "unknown flag '" + args[r.i] + "'");
    } else {
      if (!input.empty()) return UsageError(err, kWhere, "more than one input file");
      input = flag;
    }
  }
  if (input.empty()) return UsageError(err, kWhere, "--input FILE is required");
  if (!html.empty() && html == json) {
    return UsageError(err, kWhere, "--html and --json name the same file");
  }

  const std::optional<std::string> text = ReadWholeFile(input);
  if (!text) {
    err << "arborctl report build: cannot read '" << input << "'\n";
    return kReportExitBadInput;
  }
  absl::StatusOr<report::Session> session = report::ParseSession(*text);
  if (!session.ok()) {
    err << "arborctl report build: " << input << ": " << session.status().message() << "\n";
    return kReportExitBadInput;
  }
  absl::StatusOr<report::Report> built = report::BuildReport(*session, options);
  if (!built.ok()) {
    // Options are checked above; this is a usage problem all the same.
    err << "arborctl report build: " << built.status().message() << "\n";
    return kReportExitUsage;
  }
  const std::string report_json = report::ReportToJson(*built);
  if (json.empty() && html.empty()) {
    out << report_json;
    out.flush();
    return out ? kReportExitOk : kReportExitBadInput;
  }
  if (!json.empty()) {
    if (absl::Status s = WriteFileAtomically(json, report_json); !s.ok()) {
      err << "arborctl report build: " << s.message() << "\n";
      return kReportExitBadInput;
    }
  }
  if (!html.empty()) {
    if (absl::Status s = WriteFileAtomically(html, report::RenderHtml(*built)); !s.ok()) {
      err << "arborctl report build: " << s.message() << "\n";
      return kReportExitBadInput;
    }
  }
  return kReportExitOk;
}

int Show(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr char kWhere[] = " show";
  std::string path;
  bool as_json = false;
  FlagReader r{args};
  for (; r.i < args.size(); ++r.i) {
    r.Load();
    const std::string& flag = r.flag;
    if (flag == "--help" || flag == "-h") {
      out << kShowUsage;
      return kReportExitOk;
    }
    if (flag == "--output") {
      std::string v;
      if (!r.Value(&v)) return UsageError(err, kWhere, "--output needs a value");
      if (v == "json") {
        as_json = true;
      } else if (v == "table") {
        as_json = false;
      } else {
        return UsageError(err, kWhere, "--output: expected table or json, got '" + v + "'");
      }
    } else if (!flag.empty() && flag[0] == '-') {
      return UsageError(err, kWhere, "unknown flag '" + args[r.i] + "'");
    } else {
      if (!path.empty()) return UsageError(err, kWhere, "more than one report file");
      path = flag;
    }
  }
  if (path.empty()) return UsageError(err, kWhere, "give the report.json FILE");
  const std::optional<std::string> text = ReadWholeFile(path);
  if (!text) {
    err << "arborctl report show: cannot read '" << path << "'\n";
    return kReportExitBadInput;
  }
  absl::StatusOr<report::ReportSummary> summary = report::ParseReportSummary(*text);
  if (!summary.ok()) {
    err << "arborctl report show: " << path << ": " << summary.status().message() << "\n";
    return kReportExitBadInput;
  }
  out << (as_json ? report::SummaryToJson(*summary) : report::FormatSummaryTable(*summary));
  out.flush();
  return out ? kReportExitOk : kReportExitBadInput;
}

}  // namespace

int RunReportCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kReportUsage;
    return kReportExitUsage;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kReportUsage;
    return kReportExitOk;
  }
  if (args[0] == "build") return Build(rest, out, err);
  if (args[0] == "show") return Show(rest, out, err);
  err << "arborctl report: unknown subcommand '" << args[0] << "'\n\n" << kReportUsage;
  return kReportExitUsage;
}

int ReportMain(const std::vector<std::string>& args) {
  return RunReportCommand(args, std::cout, std::cerr);
}

}  // namespace arbor::arborctl
