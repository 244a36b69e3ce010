// arborctl: the operator's command-line tool. Thin dispatch only; each command lives in its own
// file and is testable in-process.
#include <iostream>
#include <string>
#include <vector>

#include "book_replay.h"
#include "executor_command.h"
#include "feed_command.h"
#include "quant_command.h"
#include "relations_command.h"
#include "replay_command.h"
#include "report_command.h"
#include "scan_command.h"
#include "scanner_command.h"
#include "sign_command.h"

namespace {

constexpr char kUsage[] =
    "usage: arborctl <command> [args]        (arborctl <command> --help for each)\n"
    "\n"
    "commands:\n"
    "  book replay --venue polymarket|kalshi [--strict] [--capture] [--tick-size ASSET=TICK]...\n"
    "              [FILE|DIR]\n"
    "      Apply recorded venue frames (one raw frame per line; stdin when FILE is omitted)\n"
    "      and print the final books as JSON. Malformed lines are reported on stderr and\n"
    "      skipped; with --strict the first one stops the replay. Capture files (header\n"
    "      {\"arbor_capture\":1,...}) are detected and their records of the chosen venue\n"
    "      replayed; --capture requires one; a DIR replays its capture-*.jsonl files in order.\n"
    "      Exit codes: 0 ok, 1 usage error or unreadable input, 2 malformed line with --strict.\n"
    "  sign --key-file FILE\n"
    "      Sign Polymarket CLOB V2/V3 orders given as JSON lines on stdin; prints one\n"
    "      {\"order\":...,\"hash\":...} or {\"error\":...,\"line\":N} line per request.\n"
    "      Exit codes: 0 every request signed, 1 usage or key error, 2 a request rejected.\n"
    "  scan [--books FILE|-] [--lanes binary,negrisk,cross_venue] [--mapping FILE]\n"
    "       [--min-edge D] [--min-profit D] [--max-edge D] [--output json|table]\n"
    "      Run the scanner lanes once over a JSON file of books and catalog entries and\n"
    "      print the opportunities (arborctl scan --help).\n"
    "      Exit codes: 0 ok (with or without opportunities), 1 internal error, 2 bad flags\n"
    "      or input.\n"
    "  executor [--executor HOST:PORT] [--token-file FILE] [--tls-ca FILE]\n"
    "           [--tls-cert FILE --tls-key FILE] [--timeout D] [--output table|json]\n"
    "           SUBCOMMAND ...\n"
    "      Query and control the executor over gRPC (arbor.v1.Executor, arbor.v1.Control):\n"
    "      health, submit, executions, execution, orders, order, fills, positions,\n"
    "      balances, kill, kill-switches, safe-mode, ack-safe-mode, trading-state,\n"
    "      limits apply, stage-metrics, status (arborctl executor --help).\n"
    "      Exit codes: 0 ok, 1 usage error, 2 error status from the executor, 3 executor\n"
    "      unreachable / UNAVAILABLE / deadline, 4 submission DENIED.\n"
    "  scanner [--scanner HOST:PORT] [--token-file FILE] [--tls-ca FILE]\n"
    "          [--tls-cert FILE --tls-key FILE] [--timeout D] [--output table|json]\n"
    "          SUBCOMMAND ...\n"
    "      Query a scanner over gRPC (arbor.v1.Scanner): health, lanes, opportunities,\n"
    "      watch (arborctl scanner --help).\n"
    "      Exit codes: 0 ok, 1 usage error, 2 error status from the scanner, 3 scanner\n"
    "      unreachable / UNAVAILABLE / deadline / watched stream silent.\n"
    "  feed [--feed HOST:PORT] [--token-file FILE] [--tls-ca FILE]\n"
    "       [--tls-cert FILE --tls-key FILE] [--timeout D] [--output table|json]\n"
    "       SUBCOMMAND ...\n"
    "      Query a feed shard over gRPC (arbor.v1.FeedShard): health, markets, instruments,\n"
    "      book, watch, policy apply (arborctl feed --help).\n"
    "      Exit codes: 0 ok, 1 usage error, 2 error status from the feed shard, 3 feed shard\n"
    "      unreachable / UNAVAILABLE / deadline / watched stream silent.\n"
    "  report build --input FILE [--html FILE] [--json FILE] [--resamples B] [--seed N]\n"
    "  report show FILE [--output table|json]\n"
    "      Build the session report (report.json, a self-contained report.html) from a run's\n"
    "      session input, or print a report's summary (docs/report.md; arborctl report --help).\n"
    "      Exit codes: 0 ok, 1 usage error, 2 bad input file.\n"
    "  replay --capture PATH --pg CONNINFO --limits FILE [--out DIR] [--seed N]\n"
    "         [--speed max|recorded|X] [--min-edge D] ... [--b-min-edge D] ...\n"
    "      Replay a feed capture through the scanner and executor in paper mode,\n"
    "      deterministically, and write the session report; any --b-* flag runs an A/B\n"
    "      comparison on the same data (docs/replay.md; arborctl replay --help).\n"
    "      Exit codes: 0 ok, 1 usage error, 2 bad input or failed run.\n"
    "  relations infer --markets FILE [--out FILE] [--min-similarity X] [--negrisk] ...\n"
    "  relations curate --candidates FILE --api-base URL [--model M] [--api-key-file F]\n"
    "                   --out FILE\n"
    "  relations check FILE [--floor X]\n"
    "      Infer relations between markets from their text, confirm candidates with an\n"
    "      offline LLM (OpenAI-compatible API), or validate a relations file for the\n"
    "      combinatorial lane (docs/relations.md; arborctl relations --help).\n"
    "      Exit codes: 0 ok, 1 usage error, 2 bad input, 3 curate: API unreachable.\n"
    "  quant project [--input FILE|-] [--gap D] [--max-iterations N] [--output json|table]\n"
    "      Project the prices of a cluster of related markets (JSON blocks and constraints)\n"
    "      onto the arbitrage-free set and print the prices, the divergence, its certificate\n"
    "      and the per-set arbitrage trade (docs/quant.md; arborctl quant --help).\n"
    "      Exit codes: 0 ok, 1 internal error, 2 bad flags or input, infeasible constraints.\n"
    "  help\n"
    "      This text (exit 0; exit 1 when arborctl runs without a command).\n"
    "\n"
    "Exit codes: 0 is success and 1 a usage error for every command except scan and quant\n"
    "(1 = internal error, 2 = bad flags or input). Otherwise 2 means the input or the service\n"
    "said no: bad input (book replay --strict, report, replay), a rejected request (sign),\n"
    "an error status (executor, scanner, feed); 3 means no answer from the service\n"
    "(executor, scanner, feed); 4 a DENIED submission (executor submit). Every command's\n"
    "--help prints its usage on stdout and exits 0.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 1 : 0;
  }
  if (args.size() >= 2 && args[0] == "book" && args[1] == "replay") {
    return arbor::arborctl::BookReplayMain(std::vector<std::string>(args.begin() + 2, args.end()));
  }
  if (args[0] == "scan") {
    return arbor::arborctl::ScanMain(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "executor") {
    return arbor::arborctl::ExecutorMain(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "scanner") {
    return arbor::arborctl::ScannerMain(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "feed") {
    return arbor::arborctl::FeedMain(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "replay") {
    return arbor::arborctl::ReplayMain(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "report") {
    return arbor::arborctl::ReportMain(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "relations") {
    return arbor::arborctl::RelationsMain(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "quant") {
    return arbor::arborctl::QuantMain(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (args[0] == "sign") {
    return arbor::arborctl::SignMain(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::cerr << "arborctl: unknown command '" << args[0] << (args.size() > 1 ? " " + args[1] : "")
            << "'\n\n"
            << kUsage;
  return 1;
}
