// File: services/arborctl/grpc_client_options.h
//
// Client plumbing shared by arborctl's gRPC commands — `arborctl executor`, `arborctl scanner`
// and `arborctl feed` — so the three behave alike:
//   * the connection flags (--<service> HOST:PORT, --token-file, --tls-ca, --tls-cert,
//     --tls-key, --timeout, --output) with environment defaults, and the channel they describe;
//   * the exit codes (kRpcExit*) and their mapping from a grpc::Status;
//   * RpcCaller: per-call contexts (deadline, bearer token), error reporting, table / JSON
//     printing; FetchPages for paged lists; Watch for server streams (--count / --duration, an
//     idle watchdog).
//
//   const cli::GrpcClientCommand kScanner = {"scanner", "--scanner", "the scanner", "..."};
//   cli::RpcCaller caller(kScanner, options, token, std::cout, std::cerr);
//   auto context = caller.NewContext();
//   grpc::Status s = stub->GetHealth(context.get(), request, &response);
//   if (!s.ok()) return caller.Error(s, "GetHealth");
//   return caller.Print(response, [&] { return FormatHealth(response); });
//
// Nothing here prints the bearer token. Thread-compatible (a Watch runs one helper thread of its
// own, joined before it returns).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/v1/common.pb.h"
#include "command_line.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/sync_stream.h"
#include "table_format.h"

namespace arbor::arborctl {

// Exit codes of every gRPC client command (executor, scanner, feed). `arborctl executor submit`
// adds 4 (kExecutorExitDenied).
inline constexpr int kRpcExitOk = 0;
// Bad flags, unreadable or malformed input / token / TLS files. Message on stderr; no RPC made.
inline constexpr int kRpcExitUsage = 1;
// The service answered with an error status (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION,
// UNAUTHENTICATED, ...). Code and message on stderr.
inline constexpr int kRpcExitServerError = 2;
// No answer: cannot connect (refused, TLS handshake), UNAVAILABLE, DEADLINE_EXCEEDED, or a
// watched stream silent for longer than --timeout.
inline constexpr int kRpcExitUnreachable = 3;

}  // namespace arbor::arborctl

namespace arbor::arborctl::cli {

enum class OutputFormat { kTable, kJson };

// Connection and output options of one run (flags, else environment, else defaults).
struct GrpcClientOptions {
  std::string target;
  std::string token_file;   // empty: no authorization metadata
  std::string tls_ca_file;  // empty: plaintext channel
  std::string tls_cert_file;
  std::string tls_key_file;
  // Deadline of each unary RPC (each page of a list); for a watch, the longest silence allowed.
  absl::Duration timeout = absl::Seconds(10);
  OutputFormat output = OutputFormat::kTable;
};

// What tells one client command from another.
struct GrpcClientCommand {
  const char* name;            // "executor": messages start "arborctl executor: "
  const char* target_flag;     // "--executor"
  const char* service;         // "the executor": "cannot reach the executor at ..."
  const char* default_target;  // "127.0.0.1:50071"
};

// Environment defaults (empty values count as unset).
struct GrpcClientEnv {
  std::optional<std::string> target;      // e.g. $ARBOR_SCANNER
  std::optional<std::string> token_file;  // e.g. $ARBOR_SCANNER_TOKEN_FILE
};

// The longest --timeout accepted.
inline constexpr absl::Duration kMaxTimeout = absl::Hours(1);

// The command's global value flags: its target flag, --token-file, --tls-ca, --tls-cert,
// --tls-key, --timeout, --output.
std::vector<std::string_view> GlobalValueFlags(const GrpcClientCommand& command);

// ResolveGrpcClientOptions
//
// Fills `options` from the global flags ParseCommandLine collected, then the environment, then
// the command's default target. Errors (InvalidArgument): an empty target or token file, half a
// client certificate, a client certificate without --tls-ca, a bad --timeout or --output.
[[nodiscard]] absl::Status ResolveGrpcClientOptions(
    const GrpcClientCommand& command, const std::map<std::string, std::string>& globals,
    const GrpcClientEnv& env, GrpcClientOptions* options);

// The environment variable's value; nullopt when unset or empty. Call from main()'s thread
// before other threads exist.
std::optional<std::string> NonEmptyEnv(const char* name);

// The whole file; InvalidArgument "<flag>: cannot open '<path>'" otherwise.
[[nodiscard]] absl::StatusOr<std::string> ReadFile(const std::string& flag,
                                                   const std::string& path);

// ReadBearerToken
//
// The token file's content with surrounding whitespace removed. InvalidArgument (which never
// quotes the content) if the file cannot be read or is empty.
[[nodiscard]] absl::StatusOr<std::string> ReadBearerToken(const std::string& path);

// Reads `path` (proto3 JSON, unknown fields rejected) into `message`. InvalidArgument naming the
// flag and file otherwise.
[[nodiscard]] absl::Status ParseJsonFile(const std::string& flag, const std::string& path,
                                         google::protobuf::Message* message);

// MakeChannel
//
// A channel to options.target: TLS trusting tls_ca_file (presenting tls_cert_file /
// tls_key_file when given) if tls_ca_file is set, else plaintext. InvalidArgument if a TLS file
// cannot be read.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const GrpcClientOptions& options);

// kRpcExitOk for OK; kRpcExitUnreachable for UNAVAILABLE and DEADLINE_EXCEEDED;
// kRpcExitServerError for every other status.
int ExitCodeForStatus(const grpc::Status& status);

// Prints "arborctl <name>: <message>" and the pointer to --help on `err`; returns kRpcExitUsage.
int ReportUsageError(const GrpcClientCommand& command, const absl::Status& status,
                     std::ostream& err);

// RpcCaller: one run's calls. Holds references: the command, options and streams must outlive
// it.
class RpcCaller {
 public:
  RpcCaller(const GrpcClientCommand& command, const GrpcClientOptions& options,
            std::string bearer_token, std::ostream& out, std::ostream& err);

  const GrpcClientCommand& command() const { return command_; }
  const GrpcClientOptions& options() const { return options_; }
  std::ostream& out() const { return out_; }
  std::ostream& err() const { return err_; }

  // A context for one unary call: deadline now + timeout, the bearer token when set.
  std::unique_ptr<grpc::ClientContext> NewContext() const;
  // A context for a stream: the bearer token, no deadline (Watch enforces its own limits).
  std::unique_ptr<grpc::ClientContext> NewStreamContext() const;

  // Reports a failed call on err and returns its exit code (ExitCodeForStatus):
  //   arborctl <name>: cannot reach <service> at <target> (<rpc>): UNAVAILABLE: <message>
  //   arborctl <name>: <rpc> failed: NOT_FOUND: <message>
  int Error(const grpc::Status& status, std::string_view rpc) const;

  // Prints a response: `table()` for table output, else the message as one line of proto3 JSON
  // (proto field names, default values omitted). kRpcExitOk, or kRpcExitServerError if the
  // message cannot be printed as JSON.
  int Print(const google::protobuf::Message& response,
            absl::FunctionRef<std::string()> table) const;

  // Prints one stream update and flushes: `table_lines` (each line ending in '\n') for table
  // output, else one JSON line. False (after reporting) if the update cannot be printed as JSON.
  bool PrintUpdate(const google::protobuf::Message& update, const std::string& table_lines) const;

 private:
  std::unique_ptr<grpc::ClientContext> Context(bool deadline) const;
  bool ToJson(const google::protobuf::Message& message, std::string* json) const;

  const GrpcClientCommand& command_;
  const GrpcClientOptions& options_;
  const std::string bearer_token_;
  std::ostream& out_;
  std::ostream& err_;
};

// FetchPages
//
// Sends `request` with page_size = min(remaining, max_page_size) and follows next_page_token
// until `limit` items or the last page, each page under its own deadline. On success (kRpcExitOk)
// `merged` holds the items kept and the token to continue from (empty when the list is
// complete). `call(context, request, page)` sends one page; `items(page)` is the page's mutable
// repeated item field; `on_page(page)` sees every page before its items are moved (for side lists
// such as ListMarketsResponse.events). A server repeating a page token is reported (exit 2)
// rather than looped on. Errors are reported through `caller`.
template <typename Resp, typename Req, typename Call, typename Items, typename OnPage>
int FetchPages(const RpcCaller& caller, Req request, uint32_t limit, uint32_t max_page_size,
               std::string_view rpc, Call call, Items items, OnPage on_page, Resp* merged) {
  request.clear_page_token();
  while (true) {
    const uint32_t have = static_cast<uint32_t>(items(*merged)->size());
    request.set_page_size(std::min(limit - have, max_page_size));
    Resp page;
    std::unique_ptr<grpc::ClientContext> context = caller.NewContext();
    const grpc::Status status = call(context.get(), request, &page);
    if (!status.ok()) return caller.Error(status, rpc);
    on_page(page);
    for (auto& item : *items(page)) {
      if (static_cast<uint32_t>(items(*merged)->size()) >= limit) break;
      *items(*merged)->Add() = std::move(item);
    }
    merged->set_next_page_token(page.next_page_token());
    if (page.next_page_token().empty() || static_cast<uint32_t>(items(*merged)->size()) >= limit) {
      return kRpcExitOk;
    }
    if (page.next_page_token() == request.page_token()) {
      caller.err() << "arborctl " << caller.command().name << ": " << std::string(rpc)
                   << " returned the same page token twice\n";
      return kRpcExitServerError;
    }
    request.set_page_token(page.next_page_token());
  }
}

// ---- Watching server streams ----

// --count / --duration / --heartbeats of a watch subcommand.
struct WatchOptions {
  // Stop after this many updates (heartbeats not counted); 0 = no limit.
  uint64_t count = 0;
  // Stop after this long; infinite = until the stream ends (or Ctrl-C).
  absl::Duration duration = absl::InfiniteDuration();
  // Print every heartbeat. The heartbeat ending the initial snapshot is printed regardless.
  bool heartbeats = false;
};

// Reads --count N (>= 1), --duration D (at most 30 days) and --heartbeats into `watch`.
[[nodiscard]] absl::Status ParseWatchFlags(const CommandFlags& flags, WatchOptions* watch);

// The stream subscriber id when --subscriber-id is absent: "arborctl-<user>", else "arborctl".
std::string DefaultSubscriberId(const std::optional<std::string>& user);

// The heartbeat interval a watch asks for: min(1s, timeout / 2), so a healthy idle stream never
// trips the --timeout watchdog.
int64_t WatchHeartbeatIntervalNanos(absl::Duration timeout);

// Cancels a call that has been silent for `idle`, or once `duration` has passed. Runs one thread
// until Stop() or destruction.
class StreamWatchdog {
 public:
  enum class Reason { kNone, kIdle, kDuration };

  StreamWatchdog(grpc::ClientContext* context, absl::Duration idle, absl::Duration duration);
  ~StreamWatchdog();
  StreamWatchdog(const StreamWatchdog&) = delete;
  StreamWatchdog& operator=(const StreamWatchdog&) = delete;

  // A message arrived: restart the idle clock.
  void Touch();
  // Ends the thread (idempotent). After it, reason() is final.
  void Stop();
  // Why the watchdog cancelled the call (kNone if it did not).
  Reason reason() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Watch
//
// Opens a server stream with `open(context)` and prints each update as it arrives (table lines
// from `table(update)`, or one JSON line per update) until --count updates, --duration, the end
// of the stream, or --timeout without any message (heartbeats included). `heartbeat(update)`
// returns the update's StreamHeartbeat, or null for any other payload. Returns kRpcExitOk when
// the count or duration is reached or the server ends the stream cleanly; kRpcExitUnreachable
// when the stream is silent for --timeout; the status's exit code when it ends with an error.
template <typename Update, typename Open, typename HeartbeatOf, typename TableOf>
int Watch(const RpcCaller& caller, const WatchOptions& watch, std::string_view rpc, Open open,
          HeartbeatOf heartbeat, TableOf table) {
  std::unique_ptr<grpc::ClientContext> context = caller.NewStreamContext();
  StreamWatchdog watchdog(context.get(), caller.options().timeout, watch.duration);
  std::unique_ptr<grpc::ClientReaderInterface<Update>> reader = open(context.get());
  Update update;
  uint64_t seen = 0;
  bool count_reached = false;
  int rc = kRpcExitOk;
  while (reader->Read(&update)) {
    watchdog.Touch();
    if (const v1::StreamHeartbeat* hb = heartbeat(update)) {
      if ((watch.heartbeats || hb->initial_snapshot_complete()) &&
          !caller.PrintUpdate(update, HeartbeatLine(*hb) + "\n")) {
        rc = kRpcExitServerError;
        break;
      }
      continue;
    }
    if (!caller.PrintUpdate(update, table(update))) {
      rc = kRpcExitServerError;
      break;
    }
    if (watch.count > 0 && ++seen >= watch.count) {
      count_reached = true;
      break;
    }
  }
  if (count_reached || rc != kRpcExitOk) {
    context->TryCancel();
    while (reader->Read(&update)) {
    }
  }
  const grpc::Status status = reader->Finish();
  watchdog.Stop();
  if (count_reached || rc != kRpcExitOk) return rc;
  switch (watchdog.reason()) {
    case StreamWatchdog::Reason::kDuration:
      return kRpcExitOk;
    case StreamWatchdog::Reason::kIdle:
      caller.err() << "arborctl " << caller.command().name << ": no message from "
                   << caller.command().service << " at " << caller.options().target << " for "
                   << absl::FormatDuration(caller.options().timeout) << " (" << std::string(rpc)
                   << "); giving up\n";
      return kRpcExitUnreachable;
    case StreamWatchdog::Reason::kNone:
      break;
  }
  if (status.ok()) return kRpcExitOk;
  return caller.Error(status, rpc);
}

}  // namespace arbor::arborctl::cli
