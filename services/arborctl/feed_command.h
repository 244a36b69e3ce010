// File: services/arborctl/feed_command.h
//
// `arborctl feed ...`: the operator's client for a feed shard's gRPC API, arbor.v1.FeedShard
// (proto/arbor/v1/feed_service.proto): health and feed modes per venue, the shard's catalog
// (markets, instruments), one book, a live watch of the book stream, and pushing a feed policy.
// docs/arborctl.md ("arborctl feed") lists every subcommand.
//
// Same shape as `arborctl executor` (executor_command.h), and the same connection flags, output
// formats and exit codes (grpc_client_options.h):
//   1. ParseFeedArgs: argv (+ injected environment) -> FeedInvocation holding the request;
//   2. LoadFeedInput: reads the FeedPolicy JSON file of `policy apply` into that request;
//   3. RunFeedInvocation: sends it through v1::FeedShard::StubInterface and prints;
//   4. RunFeedCommand: all of the above plus the channel and the bearer token file.
//
//   int rc = RunFeedCommand({"--feed", "feed-0.feed:50051", "book", "--instrument",
//                            "kalshi:KXFED-25DEC-H0:YES"}, FeedEnv::FromProcess(), std::cout,
//                           std::cerr);
//
// A feed shard owns a slice of the instruments: point --feed at the shard that owns what you ask
// about (`book` answers NOT_FOUND otherwise). The feed serves plaintext gRPC without
// authentication (feed_shard.cc); --token-file and the TLS flags are accepted for a
// TLS-terminating / authenticating proxy in front of it and are otherwise ignored by the feed.
// Thread-compatible; every call blocks until the RPC ends, its deadline (--timeout) passes, or a
// watch stops.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/v1/feed_service.grpc.pb.h"
#include "grpc_client_options.h"

namespace arbor::arborctl {

// Default feed shard address (the feed's conventional gRPC port).
inline constexpr char kDefaultFeedTarget[] = "127.0.0.1:50051";

// The process environment the command consults, injected so parsing stays pure. Empty values
// count as unset.
struct FeedEnv {
  std::optional<std::string> feed;        // ARBOR_FEED: address when --feed is absent
  std::optional<std::string> token_file;  // ARBOR_FEED_TOKEN_FILE
  std::optional<std::string> user;        // USER: default watch subscriber id

  static FeedEnv FromProcess();
};

// One request per subcommand.
using FeedRequest = std::variant<v1::GetFeedHealthRequest,     // health
                                 v1::ListMarketsRequest,       // markets
                                 v1::ListInstrumentsRequest,   // instruments
                                 v1::GetBookRequest,           // book
                                 v1::StreamBooksRequest,       // watch
                                 v1::ApplyFeedPolicyRequest>;  // policy apply

// A parsed command line.
struct FeedInvocation : cli::GrpcClientOptions {
  FeedInvocation() { target = kDefaultFeedTarget; }

  // "health", "markets", "instruments", "book", "watch", "policy apply".
  std::string subcommand;
  // The request, complete except for the policy LoadFeedInput reads from input_file.
  FeedRequest request;
  // markets, instruments: most results to fetch over all pages.
  uint32_t limit = 100;
  // watch: when to stop.
  cli::WatchOptions watch;
  // policy apply: the arbor.v1.FeedPolicy file.
  std::string input_file;

  // Non-empty when --help was asked for: print it, exit 0, no RPC.
  std::string help;
};

// ParseFeedArgs
//
// Parses the arguments after "feed" (grammar of command_line.h). Reads no files and no process
// state. Errors: InvalidArgument saying what is wrong.
[[nodiscard]] absl::StatusOr<FeedInvocation> ParseFeedArgs(const std::vector<std::string>& args,
                                                           const FeedEnv& env);

// LoadFeedInput
//
// For policy apply, reads `invocation->input_file` (proto3 JSON arbor.v1.FeedPolicy, unknown
// fields rejected) into the request. No-op for other subcommands. Errors: InvalidArgument naming
// the file.
[[nodiscard]] absl::Status LoadFeedInput(FeedInvocation* invocation);

// RunFeedInvocation
//
// Sends the invocation's request through `stub` (not owned), with `bearer_token` as
// "authorization: Bearer <token>" when non-empty, and writes the response to `out` (table or
// JSON) — for watch, each update as it arrives. Errors go to `err`. Returns an exit code
// (kRpcExit*). Precondition: LoadFeedInput has run; invocation.help is empty.
int RunFeedInvocation(const FeedInvocation& invocation, v1::FeedShard::StubInterface* stub,
                      const std::string& bearer_token, std::ostream& out, std::ostream& err);

// RunFeedCommand
//
// The whole command for the arguments after "feed": parse, --help, input file, token, channel,
// RPC, output. Returns the exit code.
int RunFeedCommand(const std::vector<std::string>& args, const FeedEnv& env, std::ostream& out,
                   std::ostream& err);

// The command as main() runs it: the process environment, stdout and stderr.
int FeedMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
