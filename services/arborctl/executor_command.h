// File: services/arborctl/executor_command.h
//
// `arborctl executor ...`: the operator's client for the executor's gRPC APIs, arbor.v1.Executor
// (trading, queries, safety controls) and arbor.v1.Control (policy limits, stage evidence,
// status). docs/arborctl.md ("arborctl executor") lists every subcommand.
//
// The command is split so tests can run it in-process:
//   1. ParseExecutorArgs: a pure function from argv (+ injected environment) to an
//      ExecutorInvocation holding the finished request message (InvalidArgument on bad flags);
//   2. LoadExecutorInput: reads the JSON file submit / limits apply take into that request;
//   3. RunExecutorInvocation: sends the request through the generated stub interfaces
//      (v1::Executor::StubInterface, v1::Control::StubInterface) and prints the response;
//   4. RunExecutorCommand: all of the above plus the channel (TLS / plaintext) and the bearer
//      token file.
//
//   int rc = RunExecutorCommand({"--executor", "127.0.0.1:50071", "health"},
//                               ExecutorEnv::FromProcess(), std::cout, std::cerr);
//
// Nothing here prints the bearer token. Thread-compatible; every call blocks until the RPC ends
// or its deadline (--timeout) passes.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/v1/control_service.grpc.pb.h"
#include "arbor/v1/executor_service.grpc.pb.h"
#include "grpc_client_options.h"
#include "grpcpp/grpcpp.h"

namespace arbor::arborctl {

// Exit codes of `arborctl executor` (also in its --help text): the shared kRpcExit* codes of
// every gRPC client command (grpc_client_options.h) plus 4 for a DENIED submission.
inline constexpr int kExecutorExitOk = kRpcExitOk;
// Bad flags, unreadable or malformed input / token / TLS files. Message on stderr.
inline constexpr int kExecutorExitUsage = kRpcExitUsage;
// The executor answered with an error status (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION,
// UNAUTHENTICATED, ...). Code and message on stderr.
inline constexpr int kExecutorExitServerError = kRpcExitServerError;
// No answer: cannot connect, UNAVAILABLE (e.g. a standby) or DEADLINE_EXCEEDED.
inline constexpr int kExecutorExitUnreachable = kRpcExitUnreachable;
// submit: pre-trade risk DENIED the opportunity (a business outcome; the denial is printed).
inline constexpr int kExecutorExitDenied = 4;

// Default executor address (the executor's conventional gRPC port).
inline constexpr char kDefaultExecutorTarget[] = "127.0.0.1:50071";

// The process environment the command consults, injected so parsing stays pure. Empty values
// count as unset.
struct ExecutorEnv {
  std::optional<std::string> executor;    // ARBOR_EXECUTOR: address when --executor is absent
  std::optional<std::string> token_file;  // ARBOR_EXECUTOR_TOKEN_FILE: when --token-file is absent
  std::optional<std::string> user;        // USER: default identity for submit's --by

  static ExecutorEnv FromProcess();
};

using ExecutorOutput = cli::OutputFormat;

// One request per subcommand; the alternative says which RPC runs.
using ExecutorRequest = std::variant<v1::GetExecutorHealthRequest,    // health
                                     v1::SubmitOpportunityRequest,    // submit
                                     v1::ListExecutionsRequest,       // executions
                                     v1::GetExecutionRequest,         // execution
                                     v1::ListOrdersRequest,           // orders
                                     v1::GetOrderRequest,             // order
                                     v1::ListFillsRequest,            // fills
                                     v1::ListPositionsRequest,        // positions
                                     v1::ListBalancesRequest,         // balances
                                     v1::SetKillSwitchRequest,        // kill
                                     v1::ListKillSwitchesRequest,     // kill-switches
                                     v1::GetSafeModeRequest,          // safe-mode
                                     v1::AcknowledgeSafeModeRequest,  // ack-safe-mode
                                     v1::GetTradingStateRequest,      // trading-state
                                     v1::SetTradingStateRequest,      // trading-state --set
                                     v1::ApplyPolicyLimitsRequest,    // limits apply (Control)
                                     v1::GetStageMetricsRequest,      // stage-metrics (Control)
                                     v1::GetControlStatusRequest>;    // status (Control)

// A parsed command line. The connection and output (target, token_file, tls_*, timeout,
// output) come from flags, else the environment, else defaults.
struct ExecutorInvocation : cli::GrpcClientOptions {
  ExecutorInvocation() { target = kDefaultExecutorTarget; }

  // "health", "kill", "limits apply", ... as typed.
  std::string subcommand;
  // The request, complete except for the message LoadExecutorInput reads from input_file.
  ExecutorRequest request;
  // List subcommands (executions, orders, fills): most results to fetch over all pages.
  uint32_t limit = 100;
  // submit: the arbor.v1.Opportunity JSON file; limits apply: the arbor.v1.PolicyLimits file.
  std::string input_file;

  // Non-empty when --help was asked for: print it, exit 0, no RPC.
  std::string help;
};

// ParseExecutorArgs
//
// Parses the arguments after "executor". Global flags (--executor, --token-file, --tls-*,
// --timeout, --output) may come before or after the subcommand; `--flag=value` and
// `--flag value` are both accepted. Reads no files and no process state. Errors: InvalidArgument
// whose message says what is wrong (unknown flag or subcommand, missing or conflicting flags,
// bad values).
[[nodiscard]] absl::StatusOr<ExecutorInvocation> ParseExecutorArgs(
    const std::vector<std::string>& args, const ExecutorEnv& env);

// LoadExecutorInput
//
// For submit and limits apply, reads `invocation->input_file` (proto3 JSON, unknown fields
// rejected) into the request's opportunity / limits. No-op for other subcommands. Errors:
// InvalidArgument naming the file when it cannot be read or parsed.
[[nodiscard]] absl::Status LoadExecutorInput(ExecutorInvocation* invocation);

// ReadBearerToken
//
// The token file's content with surrounding whitespace removed. InvalidArgument (which never
// quotes the content) if the file cannot be read or is empty. (cli::ReadBearerToken.)
[[nodiscard]] absl::StatusOr<std::string> ReadBearerToken(const std::string& path);

// MakeExecutorChannel
//
// A channel to invocation.target: TLS trusting tls_ca_file (presenting tls_cert_file /
// tls_key_file when given) if tls_ca_file is set, else plaintext. InvalidArgument if a TLS file
// cannot be read. (cli::MakeChannel.)
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeExecutorChannel(
    const ExecutorInvocation& invocation);

// What RunExecutorInvocation talks to. The stubs are not owned; either may be null if the
// invocation does not need it (Control: limits apply, stage-metrics, status).
struct ExecutorClients {
  v1::Executor::StubInterface* executor = nullptr;
  v1::Control::StubInterface* control = nullptr;
  // Sent as "authorization: Bearer <token>" on every call when non-empty.
  std::string bearer_token;
};

// RunExecutorInvocation
//
// Sends the invocation's request (ListExecutions / ListOrders / ListFills follow
// next_page_token until `limit` results or the last page), each call with a deadline of
// `timeout`, and writes the response to `out` as a table or one JSON object (proto field names,
// default values omitted). Errors go to `err`. Returns an exit code (kExecutorExit*).
// Precondition: LoadExecutorInput has run; invocation.help is empty.
int RunExecutorInvocation(const ExecutorInvocation& invocation, const ExecutorClients& clients,
                          std::ostream& out, std::ostream& err);

// RunExecutorCommand
//
// The whole command for the arguments after "executor": parse, --help, input files, token,
// channel, RPC, output. Returns the exit code.
int RunExecutorCommand(const std::vector<std::string>& args, const ExecutorEnv& env,
                       std::ostream& out, std::ostream& err);

// The command as main() runs it: the process environment, stdout and stderr.
int ExecutorMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
