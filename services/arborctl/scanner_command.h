// File: services/arborctl/scanner_command.h
//
// `arborctl scanner ...`: the operator's client for a scanner's gRPC API, arbor.v1.Scanner
// (proto/arbor/v1/scanner_service.proto): health, per-lane statistics, the live opportunities
// and a live watch of the opportunity stream. docs/arborctl.md ("arborctl scanner") lists every
// subcommand.
//
// Same shape as `arborctl executor` (executor_command.h), and the same connection flags, output
// formats and exit codes (grpc_client_options.h):
//   1. ParseScannerArgs: argv (+ injected environment) -> ScannerInvocation holding the request;
//   2. RunScannerInvocation: sends it through v1::Scanner::StubInterface and prints;
//   3. RunScannerCommand: both, plus the channel and the bearer token file.
//
//   int rc = RunScannerCommand({"--scanner", "127.0.0.1:50061", "opportunities", "--lane",
//                               "binary"}, ScannerEnv::FromProcess(), std::cout, std::cerr);
//
// The scanner serves plaintext gRPC without authentication (scanner_app.cc); --token-file and
// the TLS flags are accepted for a TLS-terminating / authenticating proxy in front of it and
// are otherwise ignored by the scanner. Thread-compatible; every call blocks until the RPC ends,
// its deadline (--timeout) passes, or a watch stops.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/v1/scanner_service.grpc.pb.h"
#include "grpc_client_options.h"

namespace arbor::arborctl {

// Default scanner address (the scanner's conventional gRPC port).
inline constexpr char kDefaultScannerTarget[] = "127.0.0.1:50061";

// The process environment the command consults, injected so parsing stays pure. Empty values
// count as unset.
struct ScannerEnv {
  std::optional<std::string> scanner;     // ARBOR_SCANNER: address when --scanner is absent
  std::optional<std::string> token_file;  // ARBOR_SCANNER_TOKEN_FILE
  std::optional<std::string> user;        // USER: default watch subscriber id

  static ScannerEnv FromProcess();
};

// One request per RPC; `health` and `lanes` both send GetScannerHealthRequest.
using ScannerRequest = std::variant<v1::GetScannerHealthRequest,      // health, lanes
                                    v1::ListOpportunitiesRequest,     // opportunities
                                    v1::StreamOpportunitiesRequest>;  // watch

// A parsed command line.
struct ScannerInvocation : cli::GrpcClientOptions {
  ScannerInvocation() { target = kDefaultScannerTarget; }

  // "health", "lanes", "opportunities", "watch".
  std::string subcommand;
  ScannerRequest request;
  // opportunities: most results to fetch over all pages.
  uint32_t limit = 100;
  // watch: when to stop.
  cli::WatchOptions watch;

  // Non-empty when --help was asked for: print it, exit 0, no RPC.
  std::string help;
};

// ParseScannerArgs
//
// Parses the arguments after "scanner" (grammar of command_line.h). Reads no files and no process
// state. Errors: InvalidArgument saying what is wrong.
[[nodiscard]] absl::StatusOr<ScannerInvocation> ParseScannerArgs(
    const std::vector<std::string>& args, const ScannerEnv& env);

// RunScannerInvocation
//
// Sends the invocation's request through `stub` (not owned), with `bearer_token` as
// "authorization: Bearer <token>" when non-empty, and writes the response to `out` (table or
// JSON) — for watch, each update as it arrives. Errors go to `err`. Returns an exit code
// (kRpcExit*). Precondition: invocation.help is empty.
int RunScannerInvocation(const ScannerInvocation& invocation, v1::Scanner::StubInterface* stub,
                         const std::string& bearer_token, std::ostream& out, std::ostream& err);

// RunScannerCommand
//
// The whole command for the arguments after "scanner": parse, --help, token, channel, RPC,
// output. Returns the exit code.
int RunScannerCommand(const std::vector<std::string>& args, const ScannerEnv& env,
                      std::ostream& out, std::ostream& err);

// The command as main() runs it: the process environment, stdout and stderr.
int ScannerMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
