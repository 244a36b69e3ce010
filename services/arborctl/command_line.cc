#include "command_line.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "arbor/core/strings.h"

namespace arbor::arborctl::cli {
namespace {

// Unix nanoseconds below this are almost certainly seconds or milliseconds typed by mistake
// (1e17 ns is March 1973).
constexpr int64_t kMinPlausibleUnixNanos = 100'000'000'000'000'000;

std::optional<size_t> FindSubcommand(const std::vector<SubcommandSyntax>& subcommands,
                                     std::string_view name) {
  for (size_t i = 0; i < subcommands.size(); ++i) {
    if (subcommands[i].name == name) return i;
  }
  return std::nullopt;
}

// The two-word subcommands starting with `word` ("limits" -> {"limits apply"}).
std::vector<size_t> Completions(const std::vector<SubcommandSyntax>& subcommands,
                                std::string_view word) {
  std::vector<size_t> out;
  for (size_t i = 0; i < subcommands.size(); ++i) {
    const std::string_view name = subcommands[i].name;
    if (name.size() > word.size() + 1 && name.substr(0, word.size()) == word &&
        name[word.size()] == ' ') {
      out.push_back(i);
    }
  }
  return out;
}

std::string ExpectedText(const std::vector<SubcommandSyntax>& subcommands,
                         const std::vector<size_t>& completions) {
  std::vector<std::string> names;
  for (size_t i : completions) names.push_back(absl::StrCat("'", ToAbsl(subcommands[i].name), "'"));
  return absl::StrCat("(expected ", absl::StrJoin(names, " or "), ")");
}

std::string VenueName(v1::Venue venue) {
  return absl::AsciiStrToLower(std::string(v1::Venue_Name(venue)).substr(sizeof("VENUE_") - 1));
}

}  // namespace

std::optional<std::string> CommandFlags::Get(const std::string& flag) const {
  auto it = values.find(flag);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> CommandFlags::All(const std::string& flag) const {
  auto it = values.find(flag);
  if (it == values.end()) return {};
  return it->second;
}

bool CommandFlags::Has(const std::string& flag) const {
  return bools.count(flag) > 0 || values.count(flag) > 0;
}

absl::StatusOr<ParsedCommandLine> ParseCommandLine(
    const std::vector<std::string>& args, const std::vector<SubcommandSyntax>& subcommands,
    const std::vector<std::string_view>& global_value_flags) {
  ParsedCommandLine line;
  const SubcommandSyntax* spec = nullptr;
  std::string pending_group;  // first word of a two-word subcommand, waiting for the second

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& token = args[i];
    std::string name = token;
    std::optional<std::string> inline_value;
    if (absl::StartsWith(token, "--")) {
      if (const size_t eq = token.find('='); eq != std::string::npos) {
        name = token.substr(0, eq);
        inline_value = token.substr(eq + 1);
      }
    }
    // The value of `name`: inline, or the next argument unless that is another flag.
    auto take_value = [&]() -> absl::StatusOr<std::string> {
      if (inline_value.has_value()) return *inline_value;
      if (i + 1 >= args.size() || absl::StartsWith(args[i + 1], "--")) {
        return Usage(name + " needs a value");
      }
      return args[++i];
    };

    if (name == "--help" || name == "-h") {
      if (inline_value.has_value()) return Usage("--help takes no value");
      line.help = true;
      continue;
    }
    if (Contains(global_value_flags, name)) {
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      if (!line.globals.emplace(name, *v).second) return Usage(name + " given twice");
      continue;
    }
    if (spec == nullptr) {
      if (absl::StartsWith(token, "-")) {
        return Usage(
            absl::StrCat("unknown flag '", token, "' (subcommand flags go after the subcommand)"));
      }
      if (!pending_group.empty()) {
        const std::string full = absl::StrCat(pending_group, " ", token);
        const std::optional<size_t> index = FindSubcommand(subcommands, full);
        if (!index.has_value()) {
          return Usage(
              absl::StrCat("unknown subcommand '", full, "' ",
                           ExpectedText(subcommands, Completions(subcommands, pending_group))));
        }
        line.subcommand = index;
        spec = &subcommands[*index];
        pending_group.clear();
        continue;
      }
      if (const std::optional<size_t> index = FindSubcommand(subcommands, token)) {
        line.subcommand = index;
        spec = &subcommands[*index];
      } else if (!Completions(subcommands, token).empty()) {
        pending_group = token;
      } else {
        return Usage(absl::StrCat("unknown subcommand '", token, "'"));
      }
      continue;
    }
    if (absl::StartsWith(token, "-") && token.size() > 1) {
      if (Contains(spec->value_flags, name)) {
        absl::StatusOr<std::string> v = take_value();
        if (!v.ok()) return v.status();
        std::vector<std::string>& values = line.flags.values[name];
        if (!values.empty() && !Contains(spec->repeatable, name)) {
          return Usage(name + " given twice");
        }
        values.push_back(*std::move(v));
      } else if (Contains(spec->bool_flags, name)) {
        if (inline_value.has_value()) return Usage(name + " takes no value");
        line.flags.bools.insert(name);
      } else {
        return Usage(absl::StrCat("unknown flag '", token, "' for '", ToAbsl(spec->name), "'"));
      }
      continue;
    }
    line.flags.positionals.push_back(token);
  }

  if (!pending_group.empty()) {
    const std::vector<size_t> completions = Completions(subcommands, pending_group);
    if (!line.help) {
      return Usage(absl::StrCat("missing subcommand after '", pending_group, "' ",
                                ExpectedText(subcommands, completions)));
    }
    // `limits --help`: the help of the only completion, else the command's help.
    if (completions.size() == 1) line.subcommand = completions[0];
    return line;
  }
  if (line.help) return line;
  if (spec == nullptr) return Usage("missing subcommand");
  if (line.flags.positionals.size() > spec->max_positionals) {
    return Usage(absl::StrCat("unexpected argument '",
                              line.flags.positionals[spec->max_positionals], "' for '",
                              ToAbsl(spec->name), "'"));
  }
  return line;
}

absl::Status Usage(std::string_view message) { return absl::InvalidArgumentError(ToAbsl(message)); }

absl::StatusOr<std::string> Required(const CommandFlags& flags, const std::string& flag) {
  std::optional<std::string> v = flags.Get(flag);
  if (!v.has_value() || v->empty()) return Usage(flag + " is required");
  return *v;
}

bool Contains(const std::vector<std::string_view>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

absl::StatusOr<int> ParseEnumSuffix(const std::string& flag, const std::string& text,
                                    const google::protobuf::EnumDescriptor* descriptor,
                                    const std::string& prefix,
                                    const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    return Usage(absl::StrCat(flag, ": '", text, "' is not one of ", absl::StrJoin(allowed, "|")));
  }
  const google::protobuf::EnumValueDescriptor* value =
      descriptor->FindValueByName(prefix + absl::AsciiStrToUpper(text));
  if (value == nullptr) return Usage(absl::StrCat(flag, ": unknown value '", text, "'"));
  return value->number();
}

absl::StatusOr<v1::Lane> ParseLane(const std::string& flag, const std::string& text) {
  absl::StatusOr<int> v = ParseEnumSuffix(
      flag, text, v1::Lane_descriptor(), "LANE_",
      {"binary", "negrisk", "cross_venue", "combinatorial", "expiry_edge", "fair_value"});
  if (!v.ok()) return v.status();
  return static_cast<v1::Lane>(*v);
}

absl::StatusOr<v1::Venue> ParseVenue(const std::string& flag, const std::string& text) {
  absl::StatusOr<int> v =
      ParseEnumSuffix(flag, text, v1::Venue_descriptor(), "VENUE_", {"polymarket", "kalshi"});
  if (!v.ok()) return v.status();
  return static_cast<v1::Venue>(*v);
}

absl::StatusOr<std::vector<v1::Lane>> ParseLaneList(const CommandFlags& flags,
                                                    const std::string& flag) {
  std::vector<v1::Lane> out;
  for (const std::string& list : flags.All(flag)) {
    for (const std::string& name : std::vector<std::string>(absl::StrSplit(list, ','))) {
      absl::StatusOr<v1::Lane> lane = ParseLane(flag, name);
      if (!lane.ok()) return lane.status();
      out.push_back(*lane);
    }
  }
  return out;
}

absl::StatusOr<std::vector<v1::Venue>> ParseVenueList(const CommandFlags& flags,
                                                      const std::string& flag) {
  std::vector<v1::Venue> out;
  for (const std::string& list : flags.All(flag)) {
    for (const std::string& name : std::vector<std::string>(absl::StrSplit(list, ','))) {
      absl::StatusOr<v1::Venue> venue = ParseVenue(flag, name);
      if (!venue.ok()) return venue.status();
      out.push_back(*venue);
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseIdList(const CommandFlags& flags,
                                                     const std::string& flag) {
  std::vector<std::string> out = flags.All(flag);
  for (const std::string& id : out) {
    if (id.empty()) return Usage(flag + " must not be empty");
  }
  return out;
}

absl::StatusOr<v1::InstrumentId> ParseInstrument(const std::string& flag, const std::string& text,
                                                 std::optional<v1::Venue> default_venue) {
  v1::InstrumentId id;
  const size_t colon = text.find(':');
  std::optional<v1::Venue> prefix;
  if (colon != std::string::npos) {
    const std::string head = text.substr(0, colon);
    if (head == "polymarket") prefix = v1::VENUE_POLYMARKET;
    if (head == "kalshi") prefix = v1::VENUE_KALSHI;
  }
  if (prefix.has_value()) {
    if (default_venue.has_value() && *default_venue != *prefix) {
      return Usage(absl::StrCat(flag, ": '", text, "' is not on the --venue given (",
                                VenueName(*default_venue), ")"));
    }
    id.set_venue(*prefix);
    id.set_symbol(text.substr(colon + 1));
  } else {
    if (!default_venue.has_value()) {
      return Usage(absl::StrCat(flag, ": '", text,
                                "' needs a venue: write <venue>:<symbol> (e.g. kalshi:TICKER:YES) "
                                "or give --venue"));
    }
    id.set_venue(*default_venue);
    id.set_symbol(text);
  }
  if (id.symbol().empty()) return Usage(absl::StrCat(flag, ": '", text, "' has an empty symbol"));
  return id;
}

absl::StatusOr<uint64_t> ParseUnsigned(const std::string& flag, const std::string& text,
                                       uint64_t min, uint64_t max) {
  uint64_t v = 0;
  if (text.empty() || !std::all_of(text.begin(), text.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(text, &v) || v < min || v > max) {
    return Usage(absl::StrCat(flag, ": '", text, "' is not an integer in [", min, ", ", max, "]"));
  }
  return v;
}

absl::StatusOr<int64_t> ParseInstant(const std::string& flag, const std::string& text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit)) {
    int64_t ns = 0;
    if (!absl::SimpleAtoi(text, &ns)) {
      return Usage(absl::StrCat(flag, ": '", text, "' is out of range"));
    }
    if (ns < kMinPlausibleUnixNanos) {
      return Usage(absl::StrCat(flag, ": '", text,
                                "' is too small for Unix nanoseconds (seconds? append 000000000)"));
    }
    return ns;
  }
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return Usage(absl::StrCat(flag, ": '", text,
                              "' is neither RFC 3339 (2026-01-02T15:04:05Z) nor Unix nanoseconds"));
  }
  const int64_t ns = absl::ToUnixNanos(t);
  if (ns <= 0) return Usage(absl::StrCat(flag, ": '", text, "' is not after 1970"));
  return ns;
}

absl::StatusOr<absl::Duration> ParseDuration(const std::string& flag, const std::string& text,
                                             absl::Duration max) {
  absl::Duration d;
  int64_t seconds = 0;
  if (!text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit) &&
      absl::SimpleAtoi(text, &seconds)) {
    d = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &d)) {
    return Usage(absl::StrCat(flag, ": '", text, "' is not a duration (e.g. 10s, 1500ms)"));
  }
  if (d <= absl::ZeroDuration() || d > max) {
    return Usage(
        absl::StrCat(flag, ": '", text, "' must be > 0 and at most ", absl::FormatDuration(max)));
  }
  return d;
}

absl::StatusOr<uint32_t> ParseLimit(const CommandFlags& flags, uint32_t default_limit) {
  std::optional<std::string> v = flags.Get("--limit");
  if (!v.has_value()) return default_limit;
  absl::StatusOr<uint64_t> n = ParseUnsigned("--limit", *v, 1, 1'000'000);
  if (!n.ok()) return n.status();
  return static_cast<uint32_t>(*n);
}

}  // namespace arbor::arborctl::cli
