// File: services/arborctl/command_line.h
//
// The command-line grammar shared by arborctl's gRPC client commands (`arborctl executor`,
// `arborctl scanner`, `arborctl feed`): global flags before or after the subcommand, one- or
// two-word subcommands ("health", "limits apply"), `--flag value` and `--flag=value`, boolean
// flags, repeatable flags, positionals, and --help anywhere. Also the value parsers those
// commands share (enums, integers, instants, durations, lanes, venues, instruments).
//
//   cli::ParsedCommandLine line = *cli::ParseCommandLine(args, kSubcommands, kGlobalFlags);
//   std::optional<std::string> since = line.flags.Get("--since");
//
// Every error is InvalidArgument with a message meant for the operator ("--limit: '0' is not an
// integer in [1, 1000000]"). Pure functions: no I/O, no process state. Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/v1/common.pb.h"
#include "google/protobuf/descriptor.h"

namespace arbor::arborctl::cli {

// Flags of one subcommand after the generic pass: values by flag (in order), boolean flags seen,
// positional arguments.
struct CommandFlags {
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> bools;
  std::vector<std::string> positionals;

  // The (last) value of a value flag; nullopt when absent.
  std::optional<std::string> Get(const std::string& flag) const;
  // Every value of a (repeatable) value flag, in order; empty when absent.
  std::vector<std::string> All(const std::string& flag) const;
  // A boolean flag was given, or a value flag was.
  bool Has(const std::string& flag) const;
};

// The syntax of one subcommand.
struct SubcommandSyntax {
  // One word ("health") or two ("limits apply"; typed as two arguments).
  std::string_view name;
  // Printed for `SUBCOMMAND --help`.
  const char* help = "";
  std::vector<std::string_view> value_flags;
  std::vector<std::string_view> bool_flags;
  // Value flags that may be given several times (all other flags at most once).
  std::vector<std::string_view> repeatable;
  size_t max_positionals = 0;
};

struct ParsedCommandLine {
  // Index into the subcommand list; nullopt only when `help` is set without a subcommand.
  std::optional<size_t> subcommand;
  // --help / -h was given (anywhere). Nothing else was validated past the subcommand name.
  bool help = false;
  // Global flag -> value.
  std::map<std::string, std::string> globals;
  CommandFlags flags;
};

// ParseCommandLine
//
// Splits `args` (the arguments after the command name) into global flags (`global_value_flags`,
// each taking a value, allowed before or after the subcommand, at most once), the subcommand and
// its flags. Errors: unknown flag or subcommand, a flag without its value, a value given to a
// boolean flag, a non-repeatable flag given twice, too many positionals, missing subcommand.
// With --help, the subcommand (if any) is identified but its flags are not checked further than
// the grammar above.
[[nodiscard]] absl::StatusOr<ParsedCommandLine> ParseCommandLine(
    const std::vector<std::string>& args, const std::vector<SubcommandSyntax>& subcommands,
    const std::vector<std::string_view>& global_value_flags);

// ---- Value parsers (each error names the flag) ----

// InvalidArgument(message).
absl::Status Usage(std::string_view message);

// The non-empty value of `flag`; InvalidArgument "<flag> is required" otherwise.
[[nodiscard]] absl::StatusOr<std::string> Required(const CommandFlags& flags,
                                                   const std::string& flag);

bool Contains(const std::vector<std::string_view>& list, std::string_view item);

// A protobuf enum value from its lower-case suffix ("cross_venue" -> LANE_CROSS_VENUE), which
// must be one of `allowed`. Returns the enum number.
[[nodiscard]] absl::StatusOr<int> ParseEnumSuffix(
    const std::string& flag, const std::string& text,
    const google::protobuf::EnumDescriptor* descriptor, const std::string& prefix,
    const std::vector<std::string>& allowed);

// binary|negrisk|cross_venue|combinatorial|expiry_edge|fair_value.
[[nodiscard]] absl::StatusOr<v1::Lane> ParseLane(const std::string& flag, const std::string& text);
// polymarket|kalshi.
[[nodiscard]] absl::StatusOr<v1::Venue> ParseVenue(const std::string& flag,
                                                   const std::string& text);
// Every value of a repeatable flag, each a comma-separated list: "--lane binary,negrisk --lane
// fair_value" -> {BINARY, NEGRISK, FAIR_VALUE}.
[[nodiscard]] absl::StatusOr<std::vector<v1::Lane>> ParseLaneList(const CommandFlags& flags,
                                                                  const std::string& flag);
[[nodiscard]] absl::StatusOr<std::vector<v1::Venue>> ParseVenueList(const CommandFlags& flags,
                                                                    const std::string& flag);
// Every value of a repeatable flag, none of them empty.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ParseIdList(const CommandFlags& flags,
                                                                   const std::string& flag);

// An instrument: canonical "<venue>:<symbol>" ("kalshi:KXFED-25DEC-H0:YES", split at the first
// ':'), or a bare symbol when `default_venue` is set. A canonical venue must agree with
// `default_venue` when both are present.
[[nodiscard]] absl::StatusOr<v1::InstrumentId> ParseInstrument(
    const std::string& flag, const std::string& text, std::optional<v1::Venue> default_venue);

// A decimal integer in [min, max].
[[nodiscard]] absl::StatusOr<uint64_t> ParseUnsigned(const std::string& flag,
                                                     const std::string& text, uint64_t min,
                                                     uint64_t max);

// An instant given as RFC 3339 ("2026-01-02T15:04:05Z", "...05.5+01:00") or Unix nanoseconds
// (>= 1e17, so seconds or milliseconds typed by mistake are refused). Unix ns.
[[nodiscard]] absl::StatusOr<int64_t> ParseInstant(const std::string& flag,
                                                   const std::string& text);

// A duration ("10s", "1500ms", "2m", or a whole number of seconds) in (0, max].
[[nodiscard]] absl::StatusOr<absl::Duration> ParseDuration(const std::string& flag,
                                                           const std::string& text,
                                                           absl::Duration max);

// --limit N of the list subcommands: 1..1'000'000, default `default_limit`.
[[nodiscard]] absl::StatusOr<uint32_t> ParseLimit(const CommandFlags& flags,
                                                  uint32_t default_limit = 100);

}  // namespace arbor::arborctl::cli
