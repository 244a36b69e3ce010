// File: services/arborctl/scan_command.h
//
// `arborctl scan --books FILE`: runs the scanner's lanes offline over a file of books and catalog
// entries (scan_input.h) and prints the opportunities. The strategy code is the service's own
// (arbor::scanner::ScanEngine: catalog conversion, BinaryLane, NegRiskLane); only the book source
// (a StaticBookReader) and the clock (a SimulatedClock at the input's now_unix_nanos) differ, so
// the same file always gives byte-identical output.
//
//   absl::StatusOr<ScanRun> run = RunScan(text, ScanOptions{.output = ScanOutput::kJson});
//   if (run.ok()) std::cout << run->output;
//
// JSON output: {"opportunities":[<arbor.v1.Opportunity, proto3 JSON with proto field names>...],
// "counters":{"binary":{"units_evaluated":N,"bundles_quoted":N,"emitted":N,"drops":{...}},...},
// "catalog":{"markets":N,"events":N,"unknown_fees":N,"books":N,"books_without_market":N}}
// ("drops" lists the non-zero DropReasons by their metric names). docs/scanner.md ("Offline
// scan") has the details.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/lanes/venue_mapping.h"

namespace arbor::arborctl {

enum class ScanOutput { kJson, kTable };

struct ScanOptions {
  // Lanes to run. cross_venue needs `mapping` (arborctl: --mapping FILE). The engine's
  // expiry-edge lane is not offered: it needs a calibration table learned from resolved markets.
  bool binary = true;
  bool negrisk = true;
  bool cross_venue = false;
  std::optional<lanes::VenueMapping> mapping;
  // Overrides of the lanes' LaneConfig defaults (docs/lanes.md), applied to every lane.
  std::optional<Price> min_edge;    // min_edge_per_set
  std::optional<Money> min_profit;  // min_profit
  std::optional<Price> max_edge;    // max_edge_per_set (cross_venue: CrossVenueConfig's)
  ScanOutput output = ScanOutput::kJson;
  // Evaluation time when the input has no now_unix_nanos (the command passes the wall clock).
  int64_t default_now_unix_nanos = 0;
};

struct ScanRun {
  std::string output;  // what goes to stdout, newline-terminated
  // Diagnostics for stderr (markets with an unknown fee model, books no catalog market uses).
  std::vector<std::string> warnings;
};

// RunScan
//
// Parses `input` (scan_input.h), loads the catalog into a ScanEngine, runs EvaluateAll() once and
// formats the result. Errors: InvalidArgument for bad input (message names the JSON path) or
// when neither the input nor the options give a time, or cross_venue without a mapping; Internal if
// an opportunity cannot be serialised. cross_venue without a mapping is InvalidArgument.
[[nodiscard]] absl::StatusOr<ScanRun> RunScan(std::string_view input, const ScanOptions& options);

// Exit codes of the command.
inline constexpr int kScanExitOk = 0;        // with or without opportunities
inline constexpr int kScanExitInternal = 1;  // internal error (or I/O failure on output)
inline constexpr int kScanExitBadInput = 2;  // bad flags or input

// Parses `arborctl scan` arguments (after "scan"), reads the input (--books FILE, FILE, or stdin
// for none / "-"), runs the scan and writes to `out` / `err`. `in` is the stdin stand-in and
// `now_unix_nanos` the wall clock, both injected for tests. Returns the exit code.
int RunScanCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                   std::ostream& err, int64_t now_unix_nanos);

// The command as main() runs it: stdin, stdout, stderr and the system clock.
int ScanMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
