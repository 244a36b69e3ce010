// File: services/arborctl/report_command.h
//
// `arborctl report`: the session report (docs/report.md).
//
//   arborctl report build --input session.json [--html report.html] [--json report.json]
//                         [--resamples B] [--seed N]
//   arborctl report show report.json [--output table|json]
//
// `build` parses the session input written by the run orchestrator, computes every figure
// (arbor::report) and writes report.json and/or the self-contained report.html (report.json to
// stdout when neither is given). `show` prints the summary of a report.json. Both run in-process
// for tests through RunReportCommand.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace arbor::arborctl {

// Exit codes of the command.
inline constexpr int kReportExitOk = 0;
inline constexpr int kReportExitUsage = 1;     // bad subcommand or flags
inline constexpr int kReportExitBadInput = 2;  // input unreadable or invalid, output unwritable

// Runs `arborctl report` with `args` (after "report"), writing to `out` / `err`. Returns the exit
// code.
int RunReportCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The command as main() runs it: stdout and stderr.
int ReportMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
