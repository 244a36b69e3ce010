#include "executor_command.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/strings.h"
#include "google/protobuf/util/json_util.h"

namespace arbor::arborctl {
namespace {

namespace v1 = ::arbor::v1;

// ---- Help texts ---------------------------------------------------------------------------------

constexpr char kExecutorUsage[] =
    "usage: arborctl executor [--executor HOST:PORT] [--token-file FILE] [--tls-ca FILE]\n"
    "                         [--tls-cert FILE --tls-key FILE] [--timeout D]\n"
    "                         [--output table|json] SUBCOMMAND [ARGS]\n"
    "\n"
    "Talks to the executor's gRPC APIs (arbor.v1.Executor, arbor.v1.Control).\n"
    "\n"
    "Subcommands (arborctl executor SUBCOMMAND --help for each):\n"
    "  health                 process health, leadership, per-venue reconciliation\n"
    "  submit                 submit an opportunity (JSON arbor.v1.Opportunity)\n"
    "  executions             list executions (newest first)\n"
    "  execution              show one execution with its legs\n"
    "  orders                 list orders (newest first)\n"
    "  order                  show one order\n"
    "  fills                  list fills (newest first)\n"
    "  positions              list positions\n"
    "  balances               list balances per venue\n"
    "  kill                   engage or release a kill switch\n"
    "  kill-switches          list kill switches\n"
    "  safe-mode              show the safe-mode state\n"
    "  ack-safe-mode          acknowledge the current safe-mode episode\n"
    "  trading-state          show or set the trading state\n"
    "  limits apply           push policy limits (Control.ApplyPolicyLimits)\n"
    "  stage-metrics          stage evidence for a window (Control.GetStageMetrics)\n"
    "  status                 control-plane status at a glance (Control.GetStatus)\n"
    "\n"
    "Global flags (before or after the subcommand):\n"
    "  --executor HOST:PORT   executor address (default: $ARBOR_EXECUTOR, else 127.0.0.1:50071)\n"
    "  --token-file FILE      send \"authorization: Bearer <token>\" on every call, the token\n"
    "                         being FILE's content without surrounding whitespace (default:\n"
    "                         $ARBOR_EXECUTOR_TOKEN_FILE). The token is never printed.\n"
    "  --tls-ca FILE          use TLS trusting this CA bundle (PEM); without it: plaintext\n"
    "  --tls-cert FILE --tls-key FILE\n"
    "                         client certificate and key (PEM) for mTLS; need --tls-ca\n"
    "  --timeout D            deadline of each RPC, e.g. 10s, 1500ms, 2m (default 10s)\n"
    "  --output table|json    table (default): aligned columns, money in USD with exactly 6\n"
    "                         decimals, times in RFC 3339 UTC; json: the response message as\n"
    "                         one proto3 JSON object (proto field names, defaults omitted;\n"
    "                         int64 values are JSON strings)\n"
    "\n"
    "Exit codes:\n"
    "  0  ok\n"
    "  1  usage error: bad flags, unreadable or malformed files (message on stderr)\n"
    "  2  the executor answered with an error status, e.g. INVALID_ARGUMENT, NOT_FOUND,\n"
    "     FAILED_PRECONDITION, UNAUTHENTICATED (code and message on stderr)\n"
    "  3  no answer: cannot connect, UNAVAILABLE (e.g. a standby), DEADLINE_EXCEEDED\n"
    "  4  submit: the opportunity was DENIED by pre-trade risk (the denial is printed)\n";

constexpr char kHealthHelp[] =
    "usage: arborctl executor health\n"
    "\n"
    "Executor.GetHealth: process health and checks, leadership and fencing epoch, trading\n"
    "mode and state, safe mode, open executions, and per-venue reconciliation, circuit\n"
    "breaker, open / unresolved orders and rate limit.\n";

constexpr char kSubmitHelp[] =
    "usage: arborctl executor submit --opportunity-file FILE [--max-sets N] [--by NAME]\n"
    "\n"
    "Executor.SubmitOpportunity with the arbor.v1.Opportunity in FILE (proto3 JSON, e.g. one\n"
    "element of `arborctl scan`'s \"opportunities\"). Prints the outcome (ACCEPTED, DUPLICATE\n"
    "with the existing execution, or DENIED with the denial).\n"
    "  --opportunity-file FILE  the opportunity (required)\n"
    "  --max-sets N             trade at most N sets (decimal, e.g. 12.5; never sizes up)\n"
    "  --by NAME                submitted_by (default: $USER, else \"arborctl\")\n"
    "Exit code 4 when DENIED.\n";

constexpr char kExecutionsHelp[] =
    "usage: arborctl executor executions [--open] [--lane L]... [--since T] [--limit N]\n"
    "\n"
    "Executor.ListExecutions, newest first, following pages until N results.\n"
    "  --open       only executions not yet CLOSED\n"
    "  --lane L     binary|negrisk|cross_venue|combinatorial|expiry_edge|fair_value; repeat\n"
    "               or separate with commas for several\n"
    "  --since T    created at or after T: RFC 3339 (2026-01-02T15:04:05Z) or Unix ns\n"
    "  --limit N    at most N executions (default 100)\n";

constexpr char kExecutionHelp[] =
    "usage: arborctl executor execution ID | --opportunity ID\n"
    "\n"
    "Executor.GetExecution by execution id, or by the opportunity id it was created from.\n"
    "Prints the execution and its legs.\n";

constexpr char kOrdersHelp[] =
    "usage: arborctl executor orders [--execution ID] [--open] [--limit N]\n"
    "\n"
    "Executor.ListOrders, newest first, following pages until N results.\n"
    "  --execution ID   only orders of this execution\n"
    "  --open           only orders not in a terminal status\n"
    "  --limit N        at most N orders (default 100)\n";

constexpr char kOrderHelp[] =
    "usage: arborctl executor order CLIENT_ORDER_ID | --venue-order-id ID\n"
    "\n"
    "Executor.GetOrder by our client order id (or the venue's order id).\n";

constexpr char kFillsHelp[] =
    "usage: arborctl executor fills [--execution ID] [--limit N]\n"
    "\n"
    "Executor.ListFills, newest first, following pages until N results.\n"
    "  --execution ID   only fills of this execution\n"
    "  --limit N        at most N fills (default 100)\n";

constexpr char kPositionsHelp[] =
    "usage: arborctl executor positions [--all]\n"
    "\n"
    "Executor.ListPositions: non-zero positions; with --all also instruments that are flat now\n"
    "but traded today (UTC).\n";

constexpr char kBalancesHelp[] =
    "usage: arborctl executor balances\n"
    "\n"
    "Executor.ListBalances: total, available and reserved cash per venue.\n";

constexpr char kKillHelp[] =
    "usage: arborctl executor kill --scope global|venue|lane [--venue polymarket|kalshi]\n"
    "           [--lane binary|negrisk|cross_venue|combinatorial|expiry_edge|fair_value]\n"
    "           (--engage --reason TEXT [--cancel-resting] | --release [--reason TEXT])\n"
    "           --by NAME\n"
    "\n"
    "Executor.SetKillSwitch: engages (stops new orders in scope within one risk cycle) or\n"
    "releases one kill switch. --venue is required with --scope venue and --lane with --scope\n"
    "lane (and not allowed otherwise). --cancel-resting also cancels resting orders in scope.\n"
    "Prints the switch and the number of cancels sent.\n";

constexpr char kKillSwitchesHelp[] =
    "usage: arborctl executor kill-switches\n"
    "\n"
    "Executor.ListKillSwitches: every switch ever set, engaged or released, global first.\n";

constexpr char kSafeModeHelp[] =
    "usage: arborctl executor safe-mode\n"
    "\n"
    "Executor.GetSafeMode: whether safe mode is active, its episode, acknowledgement and the\n"
    "unhedged exposures holding it.\n";

constexpr char kAckSafeModeHelp[] =
    "usage: arborctl executor ack-safe-mode --episode N --note TEXT --by NAME\n"
    "\n"
    "Executor.AcknowledgeSafeMode: acknowledges safe-mode episode N (from `safe-mode`),\n"
    "allowing new risk again while the exposures are worked off. The executor answers\n"
    "FAILED_PRECONDITION (exit 2) if safe mode is not active or N is not the current episode.\n";

constexpr char kTradingStateHelp[] =
    "usage: arborctl executor trading-state\n"
    "       arborctl executor trading-state --set active|reducing|halted --reason TEXT\n"
    "                                       --by NAME [--cancel-resting]\n"
    "\n"
    "Without --set: Executor.GetTradingState (effective, manual and automatic state). With\n"
    "--set: Executor.SetTradingState sets the manual state; the effective state can stay more\n"
    "restrictive. --cancel-resting (only with --set halted) also cancels all resting orders.\n";

constexpr char kLimitsApplyHelp[] =
    "usage: arborctl executor limits apply --file FILE --policy-uid UID [--policy-name N]\n"
    "           [--policy-generation G] [--stage-index I] [--stage-name S]\n"
    "           [--stages-hash H] --by NAME\n"
    "\n"
    "Control.ApplyPolicyLimits: replaces the executor's running limits with the\n"
    "arbor.v1.PolicyLimits in FILE (proto3 JSON). The key (policy uid, generation, stage\n"
    "index) makes it idempotent; a generation lower than the active one for the same uid is\n"
    "refused with FAILED_PRECONDITION (exit 2). Defaults: generation 0, stage index 0.\n";

constexpr char kStageMetricsHelp[] =
    "usage: arborctl executor stage-metrics --since T [--until T] [--by-lane]\n"
    "\n"
    "Control.GetStageMetrics: stage evidence (PnL, drawdown, samples, fill reliability,\n"
    "unhedged exposure, rejects, denials, data completeness) for the window from --since\n"
    "(clamped to the stage start) to --until (default: now), in total and with --by-lane per\n"
    "lane. T: RFC 3339 (2026-01-02T15:04:05Z) or Unix ns.\n";

constexpr char kStatusHelp[] =
    "usage: arborctl executor status\n"
    "\n"
    "Control.GetStatus: health, active policy and limits, trading state, safe mode and kill\n"
    "switches at a glance.\n";

// ---- Argument parsing ---------------------------------------------------------------------------

// Flags of one subcommand after the generic pass: values by flag (in order), boolean flags seen,
// positional arguments.
struct Flags {
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> bools;
  std::vector<std::string> positionals;

  std::optional<std::string> Get(const std::string& flag) const {
    auto it = values.find(flag);
    if (it == values.end()) return std::nullopt;
    return it->second.back();
  }
  bool Has(const std::string& flag) const { return bools.count(flag) > 0 || values.count(flag); }
};

using BuildFn = absl::Status (*)(const Flags&, const ExecutorEnv&, ExecutorInvocation*);

struct SubcommandSpec {
  std::string_view name;
  const char* help;
  std::vector<std::string_view> value_flags;
  std::vector<std::string_view> bool_flags;
  std::vector<std::string_view> repeatable;  // value flags that may be given several times
  size_t max_positionals;
  BuildFn build;
};

absl::Status Usage(std::string_view message) { return absl::InvalidArgumentError(ToAbsl(message)); }

absl::StatusOr<std::string> Required(const Flags& flags, const std::string& flag) {
  std::optional<std::string> v = flags.Get(flag);
  if (!v.has_value() || v->empty()) return Usage(flag + " is required");
  return *v;
}

// Parses a protobuf enum value from its lower-case suffix ("cross_venue" -> LANE_CROSS_VENUE).
template <typename E>
absl::StatusOr<E> ParseEnumSuffix(const std::string& flag, const std::string& text,
                                  const google::protobuf::EnumDescriptor* descriptor,
                                  const std::string& prefix,
                                  const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    return Usage(absl::StrCat(flag, ": '", text, "' is not one of ", absl::StrJoin(allowed, "|")));
  }
  const google::protobuf::EnumValueDescriptor* value =
      descriptor->FindValueByName(prefix + absl::AsciiStrToUpper(text));
  if (value == nullptr) return Usage(absl::StrCat(flag, ": unknown value '", text, "'"));
  return static_cast<E>(value->number());
}

absl::StatusOr<v1::Lane> ParseLane(const std::string& flag, const std::string& text) {
  return ParseEnumSuffix<v1::Lane>(
      flag, text, v1::Lane_descriptor(), "LANE_",
      {"binary", "negrisk", "cross_venue", "combinatorial", "expiry_edge", "fair_value"});
}

absl::StatusOr<v1::Venue> ParseVenue(const std::string& flag, const std::string& text) {
  return ParseEnumSuffix<v1::Venue>(flag, text, v1::Venue_descriptor(), "VENUE_",
                                    {"polymarket", "kalshi"});
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

// Unix nanoseconds below this are almost certainly seconds or milliseconds typed by mistake
// (1e17 ns is March 1973).
constexpr int64_t kMinPlausibleUnixNanos = 100'000'000'000'000'000;

// An instant given as RFC 3339 ("2026-01-02T15:04:05Z", "...05.5+01:00") or Unix nanoseconds.
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

absl::StatusOr<uint32_t> ParseLimit(const Flags& flags) {
  std::optional<std::string> v = flags.Get("--limit");
  if (!v.has_value()) return 100;
  absl::StatusOr<uint64_t> n = ParseUnsigned("--limit", *v, 1, 1'000'000);
  if (!n.ok()) return n.status();
  return static_cast<uint32_t>(*n);
}

// ---- Subcommand builders ------------------------------------------------------------------------

absl::Status BuildHealth(const Flags&, const ExecutorEnv&, ExecutorInvocation* inv) {
  inv->request = v1::GetExecutorHealthRequest();
  return absl::OkStatus();
}

absl::Status BuildSubmit(const Flags& flags, const ExecutorEnv& env, ExecutorInvocation* inv) {
  v1::SubmitOpportunityRequest request;
  absl::StatusOr<std::string> file = Required(flags, "--opportunity-file");
  if (!file.ok()) return file.status();
  inv->input_file = *file;
  if (std::optional<std::string> sets = flags.Get("--max-sets")) {
    absl::StatusOr<Quantity> q = Quantity::Parse(*sets);
    if (!q.ok() || !q->IsPositive()) {
      return Usage(absl::StrCat("--max-sets: '", *sets, "' is not a positive number of sets"));
    }
    request.set_max_size_sets_micros(q->micros());
  }
  std::optional<std::string> by = flags.Get("--by");
  if (by.has_value() && by->empty()) return Usage("--by must not be empty");
  request.set_submitted_by(by.value_or(env.user.value_or("arborctl")));
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildExecutions(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::ListExecutionsRequest request;
  request.set_open_only(flags.Has("--open"));
  if (auto it = flags.values.find("--lane"); it != flags.values.end()) {
    for (const std::string& list : it->second) {
      const std::vector<std::string> names = absl::StrSplit(list, ',');
      for (const std::string& name : names) {
        absl::StatusOr<v1::Lane> lane = ParseLane("--lane", name);
        if (!lane.ok()) return lane.status();
        request.add_lanes(*lane);
      }
    }
  }
  if (std::optional<std::string> since = flags.Get("--since")) {
    absl::StatusOr<int64_t> ns = ParseInstant("--since", *since);
    if (!ns.ok()) return ns.status();
    request.set_since_unix_nanos(*ns);
  }
  absl::StatusOr<uint32_t> limit = ParseLimit(flags);
  if (!limit.ok()) return limit.status();
  inv->limit = *limit;
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildExecution(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::GetExecutionRequest request;
  std::optional<std::string> opportunity = flags.Get("--opportunity");
  if (flags.positionals.empty() == !opportunity.has_value()) {
    return Usage("give exactly one of ID or --opportunity ID");
  }
  if (opportunity.has_value()) {
    if (opportunity->empty()) return Usage("--opportunity must not be empty");
    request.set_opportunity_id(*opportunity);
  } else {
    if (flags.positionals[0].empty()) return Usage("execution ID must not be empty");
    request.set_execution_id(flags.positionals[0]);
  }
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildOrders(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::ListOrdersRequest request;
  if (std::optional<std::string> execution = flags.Get("--execution")) {
    request.set_execution_id(*execution);
  }
  request.set_open_only(flags.Has("--open"));
  absl::StatusOr<uint32_t> limit = ParseLimit(flags);
  if (!limit.ok()) return limit.status();
  inv->limit = *limit;
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildOrder(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::GetOrderRequest request;
  std::optional<std::string> venue_id = flags.Get("--venue-order-id");
  if (flags.positionals.empty() == !venue_id.has_value()) {
    return Usage("give exactly one of CLIENT_ORDER_ID or --venue-order-id ID");
  }
  if (venue_id.has_value()) {
    if (venue_id->empty()) return Usage("--venue-order-id must not be empty");
    request.set_venue_order_id(*venue_id);
  } else {
    if (flags.positionals[0].empty()) return Usage("CLIENT_ORDER_ID must not be empty");
    request.set_client_order_id(flags.positionals[0]);
  }
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildFills(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::ListFillsRequest request;
  if (std::optional<std::string> execution = flags.Get("--execution")) {
    request.set_execution_id(*execution);
  }
  absl::StatusOr<uint32_t> limit = ParseLimit(flags);
  if (!limit.ok()) return limit.status();
  inv->limit = *limit;
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildPositions(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::ListPositionsRequest request;
  request.set_include_flat(flags.Has("--all"));
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildBalances(const Flags&, const ExecutorEnv&, ExecutorInvocation* inv) {
  inv->request = v1::ListBalancesRequest();
  return absl::OkStatus();
}

absl::Status BuildKill(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::SetKillSwitchRequest request;
  absl::StatusOr<std::string> scope_text = Required(flags, "--scope");
  if (!scope_text.ok()) return scope_text.status();
  absl::StatusOr<v1::KillSwitchScope> scope =
      ParseEnumSuffix<v1::KillSwitchScope>("--scope", *scope_text, v1::KillSwitchScope_descriptor(),
                                           "KILL_SWITCH_SCOPE_", {"global", "venue", "lane"});
  if (!scope.ok()) return scope.status();
  request.set_scope(*scope);

  std::optional<std::string> venue = flags.Get("--venue");
  std::optional<std::string> lane = flags.Get("--lane");
  if (*scope == v1::KILL_SWITCH_SCOPE_VENUE) {
    if (!venue.has_value()) return Usage("--scope venue needs --venue polymarket|kalshi");
    absl::StatusOr<v1::Venue> v = ParseVenue("--venue", *venue);
    if (!v.ok()) return v.status();
    request.set_venue(*v);
  } else if (venue.has_value()) {
    return Usage("--venue is only allowed with --scope venue");
  }
  if (*scope == v1::KILL_SWITCH_SCOPE_LANE) {
    if (!lane.has_value()) return Usage("--scope lane needs --lane L");
    absl::StatusOr<v1::Lane> l = ParseLane("--lane", *lane);
    if (!l.ok()) return l.status();
    request.set_lane(*l);
  } else if (lane.has_value()) {
    return Usage("--lane is only allowed with --scope lane");
  }

  const bool engage = flags.Has("--engage");
  const bool release = flags.Has("--release");
  if (engage == release) return Usage("give exactly one of --engage or --release");
  request.set_engaged(engage);
  std::optional<std::string> reason = flags.Get("--reason");
  if (engage && (!reason.has_value() || reason->empty())) {
    return Usage("--engage needs --reason TEXT");
  }
  if (reason.has_value()) request.set_reason(*reason);
  if (flags.Has("--cancel-resting")) {
    if (!engage) return Usage("--cancel-resting is only allowed with --engage");
    request.set_cancel_resting(true);
  }
  absl::StatusOr<std::string> by = Required(flags, "--by");
  if (!by.ok()) return by.status();
  request.set_requested_by(*by);
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildKillSwitches(const Flags&, const ExecutorEnv&, ExecutorInvocation* inv) {
  inv->request = v1::ListKillSwitchesRequest();
  return absl::OkStatus();
}

absl::Status BuildSafeMode(const Flags&, const ExecutorEnv&, ExecutorInvocation* inv) {
  inv->request = v1::GetSafeModeRequest();
  return absl::OkStatus();
}

absl::Status BuildAckSafeMode(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::AcknowledgeSafeModeRequest request;
  absl::StatusOr<std::string> episode_text = Required(flags, "--episode");
  if (!episode_text.ok()) return episode_text.status();
  // Episodes start at 1; 0 means "never entered", which cannot be acknowledged.
  absl::StatusOr<uint64_t> episode =
      ParseUnsigned("--episode", *episode_text, 1, std::numeric_limits<uint64_t>::max());
  if (!episode.ok()) return episode.status();
  request.set_episode_id(*episode);
  absl::StatusOr<std::string> note = Required(flags, "--note");
  if (!note.ok()) return note.status();
  request.set_note(*note);
  absl::StatusOr<std::string> by = Required(flags, "--by");
  if (!by.ok()) return by.status();
  request.set_acknowledged_by(*by);
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildTradingState(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  std::optional<std::string> set = flags.Get("--set");
  if (!set.has_value()) {
    for (const char* flag : {"--reason", "--by", "--cancel-resting"}) {
      if (flags.Has(flag)) return Usage(absl::StrCat(flag, " is only allowed with --set"));
    }
    inv->request = v1::GetTradingStateRequest();
    return absl::OkStatus();
  }
  v1::SetTradingStateRequest request;
  absl::StatusOr<v1::TradingState> state =
      ParseEnumSuffix<v1::TradingState>("--set", *set, v1::TradingState_descriptor(),
                                        "TRADING_STATE_", {"active", "reducing", "halted"});
  if (!state.ok()) return state.status();
  request.set_state(*state);
  absl::StatusOr<std::string> reason = Required(flags, "--reason");
  if (!reason.ok()) return reason.status();
  request.set_reason(*reason);
  absl::StatusOr<std::string> by = Required(flags, "--by");
  if (!by.ok()) return by.status();
  request.set_requested_by(*by);
  if (flags.Has("--cancel-resting")) {
    if (*state != v1::TRADING_STATE_HALTED) {
      return Usage("--cancel-resting is only allowed with --set halted");
    }
    request.set_cancel_resting(true);
  }
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildLimitsApply(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::ApplyPolicyLimitsRequest request;
  absl::StatusOr<std::string> file = Required(flags, "--file");
  if (!file.ok()) return file.status();
  inv->input_file = *file;
  v1::PolicyRef& policy = *request.mutable_policy();
  absl::StatusOr<std::string> uid = Required(flags, "--policy-uid");
  if (!uid.ok()) return uid.status();
  policy.set_policy_uid(*uid);
  if (std::optional<std::string> name = flags.Get("--policy-name")) policy.set_policy_name(*name);
  if (std::optional<std::string> generation = flags.Get("--policy-generation")) {
    absl::StatusOr<uint64_t> g =
        ParseUnsigned("--policy-generation", *generation, 0, std::numeric_limits<int64_t>::max());
    if (!g.ok()) return g.status();
    policy.set_policy_generation(static_cast<int64_t>(*g));
  }
  if (std::optional<std::string> index = flags.Get("--stage-index")) {
    absl::StatusOr<uint64_t> i =
        ParseUnsigned("--stage-index", *index, 0, std::numeric_limits<uint32_t>::max());
    if (!i.ok()) return i.status();
    policy.set_stage_index(static_cast<uint32_t>(*i));
  }
  if (std::optional<std::string> stage = flags.Get("--stage-name")) policy.set_stage_name(*stage);
  if (std::optional<std::string> hash = flags.Get("--stages-hash")) policy.set_stages_hash(*hash);
  absl::StatusOr<std::string> by = Required(flags, "--by");
  if (!by.ok()) return by.status();
  request.set_applied_by(*by);
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildStageMetrics(const Flags& flags, const ExecutorEnv&, ExecutorInvocation* inv) {
  v1::GetStageMetricsRequest request;
  absl::StatusOr<std::string> since_text = Required(flags, "--since");
  if (!since_text.ok()) return since_text.status();
  absl::StatusOr<int64_t> since = ParseInstant("--since", *since_text);
  if (!since.ok()) return since.status();
  request.set_window_start_unix_nanos(*since);
  if (std::optional<std::string> until_text = flags.Get("--until")) {
    absl::StatusOr<int64_t> until = ParseInstant("--until", *until_text);
    if (!until.ok()) return until.status();
    if (*until <= *since) return Usage("--until must be after --since");
    request.set_window_end_unix_nanos(*until);
  }
  request.set_by_lane(flags.Has("--by-lane"));
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildStatus(const Flags&, const ExecutorEnv&, ExecutorInvocation* inv) {
  inv->request = v1::GetControlStatusRequest();
  return absl::OkStatus();
}

const std::vector<SubcommandSpec>& Subcommands() {
  static const std::vector<SubcommandSpec>* const kSpecs = new std::vector<SubcommandSpec>{
      {"health", kHealthHelp, {}, {}, {}, 0, BuildHealth},
      {"submit", kSubmitHelp, {"--opportunity-file", "--max-sets", "--by"}, {}, {}, 0, BuildSubmit},
      {"executions",
       kExecutionsHelp,
       {"--lane", "--since", "--limit"},
       {"--open"},
       {"--lane"},
       0,
       BuildExecutions},
      {"execution", kExecutionHelp, {"--opportunity"}, {}, {}, 1, BuildExecution},
      {"orders", kOrdersHelp, {"--execution", "--limit"}, {"--open"}, {}, 0, BuildOrders},
      {"order", kOrderHelp, {"--venue-order-id"}, {}, {}, 1, BuildOrder},
      {"fills", kFillsHelp, {"--execution", "--limit"}, {}, {}, 0, BuildFills},
      {"positions", kPositionsHelp, {}, {"--all"}, {}, 0, BuildPositions},
      {"balances", kBalancesHelp, {}, {}, {}, 0, BuildBalances},
      {"kill",
       kKillHelp,
       {"--scope", "--venue", "--lane", "--reason", "--by"},
       {"--engage", "--release", "--cancel-resting"},
       {},
       0,
       BuildKill},
      {"kill-switches", kKillSwitchesHelp, {}, {}, {}, 0, BuildKillSwitches},
      {"safe-mode", kSafeModeHelp, {}, {}, {}, 0, BuildSafeMode},
      {"ack-safe-mode",
       kAckSafeModeHelp,
       {"--episode", "--note", "--by"},
       {},
       {},
       0,
       BuildAckSafeMode},
      {"trading-state",
       kTradingStateHelp,
       {"--set", "--reason", "--by"},
       {"--cancel-resting"},
       {},
       0,
       BuildTradingState},
      {"limits apply",
       kLimitsApplyHelp,
       {"--file", "--policy-uid", "--policy-name", "--policy-generation", "--stage-index",
        "--stage-name", "--stages-hash", "--by"},
       {},
       {},
       0,
       BuildLimitsApply},
      {"stage-metrics",
       kStageMetricsHelp,
       {"--since", "--until"},
       {"--by-lane"},
       {},
       0,
       BuildStageMetrics},
      {"status", kStatusHelp, {}, {}, {}, 0, BuildStatus},
  };
  return *kSpecs;
}

const SubcommandSpec* FindSubcommand(std::string_view name) {
  for (const SubcommandSpec& spec : Subcommands()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool Contains(const std::vector<std::string_view>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

const std::vector<std::string_view>& GlobalValueFlags() {
  static const std::vector<std::string_view>* const kFlags = new std::vector<std::string_view>{
      "--executor", "--token-file", "--tls-ca", "--tls-cert", "--tls-key", "--timeout", "--output"};
  return *kFlags;
}

absl::StatusOr<absl::Duration> ParseTimeout(const std::string& text) {
  absl::Duration d;
  int64_t seconds = 0;
  if (!text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit) &&
      absl::SimpleAtoi(text, &seconds)) {
    d = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &d)) {
    return Usage(absl::StrCat("--timeout: '", text, "' is not a duration (e.g. 10s, 1500ms)"));
  }
  if (d <= absl::ZeroDuration() || d > absl::Hours(1)) {
    return Usage(absl::StrCat("--timeout: '", text, "' must be > 0 and at most 1h"));
  }
  return d;
}

// ---- Table formatting ---------------------------------------------------------------------------

std::string Usd(int64_t micros) { return Money::FromMicros(micros).ToFixedString(kFixedDecimals); }
std::string Px(int64_t micros) { return Price::FromMicros(micros).ToFixedString(kFixedDecimals); }
std::string Qty(int64_t micros) { return Quantity::FromMicros(micros).ToString(); }

std::string Ts(int64_t unix_nanos) {
  if (unix_nanos == 0) return "-";
  // RFC 3339 in UTC with a "Z" (absl::RFC3339_full would print "+00:00"); fractional seconds
  // only when non-zero.
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixNanos(unix_nanos),
                          absl::UTCTimeZone());
}

std::string Dur(int64_t nanos) { return absl::FormatDuration(absl::Nanoseconds(nanos)); }

std::string YesNo(bool b) { return b ? "yes" : "no"; }

std::string Text(const std::string& s) { return s.empty() ? "-" : s; }

// Basis points as a percentage with two decimals: 9500 -> "95.00%".
std::string Bps(uint32_t bps) {
  const std::string frac = absl::StrCat(bps % 100);
  return absl::StrCat(bps / 100, ".", frac.size() == 1 ? "0" : "", frac, "%");
}

// An enum value without its type prefix ("ORDER_STATUS_FILLED" -> "FILLED"); "-" for the zero
// ("not set") value; the number for values this build does not know.
std::string EnumText(const google::protobuf::EnumDescriptor* descriptor, int value,
                     bool lower = false) {
  if (value == 0) return "-";
  const google::protobuf::EnumValueDescriptor* v = descriptor->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat("unknown(", value, ")");
  std::string name = v->name();
  const google::protobuf::EnumValueDescriptor* zero = descriptor->FindValueByNumber(0);
  constexpr absl::string_view kUnspecified = "UNSPECIFIED";
  if (zero != nullptr && absl::EndsWith(zero->name(), kUnspecified)) {
    const std::string prefix = zero->name().substr(0, zero->name().size() - kUnspecified.size());
    if (absl::StartsWith(name, prefix) && name.size() > prefix.size()) {
      name = name.substr(prefix.size());
    }
  }
  return lower ? absl::AsciiStrToLower(name) : name;
}

std::string VenueText(int v) { return EnumText(v1::Venue_descriptor(), v, true); }
std::string LaneText(int v) { return EnumText(v1::Lane_descriptor(), v, true); }
std::string SideText(int v) { return EnumText(v1::Side_descriptor(), v); }
std::string ModeText(int v) { return EnumText(v1::TradingMode_descriptor(), v); }
std::string TradingStateText(int v) { return EnumText(v1::TradingState_descriptor(), v); }

// Canonical instrument text: "<venue>:<symbol>".
std::string InstrumentText(const v1::InstrumentId& id) {
  if (id.venue() == v1::VENUE_UNSPECIFIED && id.symbol().empty()) return "-";
  return absl::StrCat(VenueText(id.venue()), ":", id.symbol());
}

std::string LegText(const v1::OpportunityLeg& leg) {
  if (leg.action() == v1::LEG_ACTION_ORDER) {
    return absl::StrCat(SideText(leg.side()), " ", InstrumentText(leg.instrument_id()), " ",
                        Qty(leg.size_micros()), " @", Px(leg.limit_price_micros()));
  }
  std::string text = absl::StrCat(EnumText(v1::LegAction_descriptor(), leg.action()), " ",
                                  Text(leg.market_id()), " ", Qty(leg.size_micros()));
  if (leg.convert_question_indices_size() > 0) {
    absl::StrAppend(&text, " q[", absl::StrJoin(leg.convert_question_indices(), ","), "]");
  }
  return text;
}

// Aligned columns separated by two spaces; numeric columns right-aligned.
class Table {
 public:
  struct Column {
    std::string name;
    bool right = false;
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  // Space-separated column names; a leading '>' right-aligns the column ("NAME >SIZE").
  explicit Table(std::string_view spec) {
    for (absl::string_view name : absl::StrSplit(ToAbsl(spec), ' ', absl::SkipEmpty())) {
      const bool right = absl::ConsumePrefix(&name, ">");
      columns_.push_back({std::string(name.data(), name.size()), right});
    }
  }

  void Add(std::vector<std::string> row) {
    row.resize(columns_.size());
    rows_.push_back(std::move(row));
  }
  size_t size() const { return rows_.size(); }

  std::string Render() const {
    std::vector<size_t> widths(columns_.size());
    for (size_t c = 0; c < columns_.size(); ++c) widths[c] = columns_[c].name.size();
    for (const auto& row : rows_) {
      for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
      std::string text;
      for (size_t c = 0; c < cells.size(); ++c) {
        if (c > 0) text += "  ";
        const std::string pad(widths[c] - cells[c].size(), ' ');
        text += columns_[c].right ? pad + cells[c] : cells[c] + pad;
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out += text + "\n";
    };
    std::vector<std::string> header;
    for (const Column& c : columns_) header.push_back(c.name);
    line(header);
    for (const auto& row : rows_) line(row);
    return out;
  }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// "key  value" lines with the keys padded to one width.
class KeyValues {
 public:
  KeyValues& Add(std::string key, std::string value) {
    pairs_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  std::string Render() const {
    size_t width = 0;
    for (const auto& [k, v] : pairs_) width = std::max(width, k.size());
    std::string out;
    for (const auto& [k, v] : pairs_) {
      std::string text = absl::StrCat(k, std::string(width - k.size() + 2, ' '), v);
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out += text + "\n";
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// Joins rendered sections with one blank line.
std::string Sections(const std::vector<std::string>& sections) {
  std::vector<std::string> non_empty;
  for (const std::string& s : sections) {
    if (!s.empty()) non_empty.push_back(s);
  }
  return absl::StrJoin(non_empty, "\n");
}

// The denial's limit / observed values are micros for money, price and quantity checks and plain
// counts (or bps) for the throttle and confidence checks.
std::string DenialValue(v1::RiskDenialReason reason, int64_t value) {
  if (reason == v1::RISK_DENIAL_REASON_THROTTLE ||
      reason == v1::RISK_DENIAL_REASON_LOW_CONFIDENCE) {
    return absl::StrCat(value);
  }
  return Usd(value);
}

void AddDenial(const v1::RiskDenial& d, KeyValues* kv) {
  kv->Add("denial_reason", EnumText(v1::RiskDenialReason_descriptor(), d.reason()));
  kv->Add("denial_message", Text(d.message()));
  if (d.limit_value() != 0 || d.observed_value() != 0) {
    kv->Add("denial_limit", DenialValue(d.reason(), d.limit_value()));
    kv->Add("denial_observed", DenialValue(d.reason(), d.observed_value()));
  }
  if (d.has_leg_index()) kv->Add("denial_leg", absl::StrCat(d.leg_index()));
}

void AddTradingState(const v1::TradingStateInfo& t, KeyValues* kv) {
  kv->Add("trading_state", TradingStateText(t.effective_state()));
  kv->Add("manual_state", TradingStateText(t.manual_state()));
  kv->Add("automatic_state", TradingStateText(t.automatic_state()));
  kv->Add("trading_reason", Text(t.reason()));
  kv->Add("trading_changed_by", Text(t.changed_by()));
  kv->Add("trading_updated", Ts(t.updated_unix_nanos()));
}

void AddHealth(const v1::ComponentHealth& h, KeyValues* kv) {
  kv->Add("component", Text(h.component()));
  kv->Add("instance", Text(h.instance()));
  kv->Add("status", EnumText(v1::ServingStatus_descriptor(), h.status()));
  kv->Add("live", YesNo(h.live()));
  kv->Add("ready", YesNo(h.ready()));
  kv->Add("version", Text(h.version()));
  kv->Add("run_mode", EnumText(v1::RunMode_descriptor(), h.run_mode()));
  kv->Add("started", Ts(h.started_unix_nanos()));
  kv->Add("reported", Ts(h.reported_unix_nanos()));
}

std::string ChecksTable(const v1::ComponentHealth& h) {
  if (h.checks_size() == 0) return "";
  Table t("CHECK OK SINCE MESSAGE");
  for (const v1::HealthCheck& c : h.checks()) {
    t.Add({c.name(), YesNo(c.ok()), Ts(c.since_unix_nanos()), Text(c.message())});
  }
  return t.Render();
}

void AddPolicyRef(const v1::PolicyRef& p, KeyValues* kv) {
  kv->Add("policy_name", Text(p.policy_name()));
  kv->Add("policy_uid", Text(p.policy_uid()));
  kv->Add("policy_generation", absl::StrCat(p.policy_generation()));
  kv->Add("stage_index", absl::StrCat(p.stage_index()));
  kv->Add("stage_name", Text(p.stage_name()));
  kv->Add("stages_hash", Text(p.stages_hash()));
}

std::string CountLine(size_t n, const char* noun, const std::string& next_page_token) {
  std::string line = absl::StrCat(n, " ", noun);
  if (!next_page_token.empty()) absl::StrAppend(&line, " (more available; raise --limit)");
  return line + "\n";
}

std::string FormatExecution(const v1::Execution& e) {
  KeyValues kv;
  kv.Add("execution_id", e.execution_id())
      .Add("opportunity_id", e.opportunity_id())
      .Add("lane", LaneText(e.lane()))
      .Add("state", EnumText(v1::ExecutionState_descriptor(), e.state()))
      .Add("mode", ModeText(e.mode()))
      .Add("group_key", Text(e.group_key()))
      .Add("hedged_sets", Qty(e.hedged_quantity_micros()))
      .Add("exposed_quantity", Qty(e.exposed_quantity_micros()))
      .Add("unhedged_exposure_usd", Usd(e.unhedged_exposure_micros()))
      .Add("realized_pnl_usd", Usd(e.realized_pnl_micros()))
      .Add("fees_usd", Usd(e.fees_micros()))
      .Add("close_reason", EnumText(v1::CloseReason_descriptor(), e.close_reason()))
      .Add("close_message", Text(e.close_message()));
  if (e.has_denial()) AddDenial(e.denial(), &kv);
  kv.Add("fencing_epoch", absl::StrCat(e.fencing_epoch()))
      .Add("created", Ts(e.created_unix_nanos()))
      .Add("updated", Ts(e.updated_unix_nanos()))
      .Add("closed", Ts(e.closed_unix_nanos()));
  std::string legs;
  if (e.legs_size() > 0) {
    Table t(">LEG STATE >FILLED >AVG_PRICE >FEES_USD >EXPOSED DEADLINE PLANNED ORDERS");
    for (const v1::ExecutionLeg& leg : e.legs()) {
      t.Add({absl::StrCat(leg.leg_index()), EnumText(v1::LegState_descriptor(), leg.state()),
             Qty(leg.filled_size_micros()), Px(leg.avg_fill_price_micros()), Usd(leg.fees_micros()),
             Qty(leg.exposed_size_micros()), Ts(leg.deadline_unix_nanos()),
             leg.has_planned() ? LegText(leg.planned()) : "-",
             leg.client_order_ids_size() > 0 ? absl::StrJoin(leg.client_order_ids(), ",") : "-"});
    }
    legs = t.Render();
  }
  return Sections({kv.Render(), legs});
}

std::string FormatSubmit(const v1::SubmitOpportunityResponse& r) {
  KeyValues head;
  head.Add("outcome", EnumText(v1::SubmitOutcome_descriptor(), r.outcome()));
  if (r.outcome() == v1::SUBMIT_OUTCOME_DENIED || r.has_denial()) AddDenial(r.denial(), &head);
  return Sections({head.Render(), r.has_execution() ? FormatExecution(r.execution()) : ""});
}

std::string FormatExecutions(const v1::ListExecutionsResponse& r) {
  Table t(
      "EXECUTION_ID LANE STATE >HEDGED >EXPOSED >UNHEDGED_USD >PNL_USD >FEES_USD CLOSE_REASON "
      "CREATED OPPORTUNITY_ID");
  for (const v1::Execution& e : r.executions()) {
    t.Add({e.execution_id(), LaneText(e.lane()),
           EnumText(v1::ExecutionState_descriptor(), e.state()), Qty(e.hedged_quantity_micros()),
           Qty(e.exposed_quantity_micros()), Usd(e.unhedged_exposure_micros()),
           Usd(e.realized_pnl_micros()), Usd(e.fees_micros()),
           EnumText(v1::CloseReason_descriptor(), e.close_reason()), Ts(e.created_unix_nanos()),
           e.opportunity_id()});
  }
  return t.Render() + CountLine(t.size(), "executions", r.next_page_token());
}

std::string FormatOrder(const v1::Order& o) {
  KeyValues kv;
  kv.Add("client_order_id", o.client_order_id())
      .Add("venue_order_id", Text(o.venue_order_id()))
      .Add("instrument", InstrumentText(o.instrument_id()))
      .Add("side", SideText(o.side()))
      .Add("status", EnumText(v1::OrderStatus_descriptor(), o.status()))
      .Add("previous_status", EnumText(v1::OrderStatus_descriptor(), o.previous_status()))
      .Add("limit_price", Px(o.limit_price_micros()))
      .Add("size", Qty(o.size_micros()))
      .Add("filled", Qty(o.filled_size_micros()))
      .Add("avg_fill_price", Px(o.avg_fill_price_micros()))
      .Add("fees_usd", Usd(o.fees_micros()))
      .Add("time_in_force", EnumText(v1::TimeInForce_descriptor(), o.time_in_force()))
      .Add("post_only", YesNo(o.post_only()))
      .Add("mode", ModeText(o.mode()))
      .Add("execution_id", Text(o.execution_id()))
      .Add("opportunity_id", Text(o.opportunity_id()))
      .Add("leg_index", absl::StrCat(o.leg_index()))
      .Add("reject_reason", Text(o.reject_reason()))
      .Add("not_found_count", absl::StrCat(o.not_found_count()));
  if (o.has_denial()) AddDenial(o.denial(), &kv);
  kv.Add("created", Ts(o.created_unix_nanos()))
      .Add("submitted", Ts(o.submitted_unix_nanos()))
      .Add("accepted", Ts(o.accepted_unix_nanos()))
      .Add("updated", Ts(o.updated_unix_nanos()))
      .Add("closed", Ts(o.closed_unix_nanos()))
      .Add("expires", Ts(o.expire_unix_nanos()));
  return kv.Render();
}

std::string FormatOrders(const v1::ListOrdersResponse& r) {
  Table t(
      "CLIENT_ORDER_ID INSTRUMENT SIDE STATUS >PRICE >SIZE >FILLED >AVG_PRICE >FEES_USD TIF "
      "CREATED EXECUTION_ID");
  for (const v1::Order& o : r.orders()) {
    t.Add({o.client_order_id(), InstrumentText(o.instrument_id()), SideText(o.side()),
           EnumText(v1::OrderStatus_descriptor(), o.status()), Px(o.limit_price_micros()),
           Qty(o.size_micros()), Qty(o.filled_size_micros()), Px(o.avg_fill_price_micros()),
           Usd(o.fees_micros()), EnumText(v1::TimeInForce_descriptor(), o.time_in_force()),
           Ts(o.created_unix_nanos()), Text(o.execution_id())});
  }
  return t.Render() + CountLine(t.size(), "orders", r.next_page_token());
}

std::string FormatFills(const v1::ListFillsResponse& r) {
  Table t(
      "FILL_ID CLIENT_ORDER_ID INSTRUMENT SIDE >PRICE >SIZE >FEE_USD LIQUIDITY SETTLEMENT MODE "
      "TIME");
  for (const v1::Fill& f : r.fills()) {
    t.Add({f.fill_id(), Text(f.client_order_id()), InstrumentText(f.instrument_id()),
           SideText(f.side()), Px(f.price_micros()), Qty(f.size_micros()), Usd(f.fee_micros()),
           EnumText(v1::LiquiditySide_descriptor(), f.liquidity_side()),
           EnumText(v1::SettlementStatus_descriptor(), f.settlement()), ModeText(f.mode()),
           Ts(f.ts_event_unix_nanos())});
  }
  return t.Render() + CountLine(t.size(), "fills", r.next_page_token());
}

std::string FormatPositions(const v1::ListPositionsResponse& r) {
  Table t(
      "INSTRUMENT >SIZE >AVG_ENTRY >COST_USD >MARK >UNREALIZED_USD >REALIZED_USD >VENUE_SIZE MODE "
      "UPDATED MARKET_ID");
  for (const v1::Position& p : r.positions()) {
    t.Add({InstrumentText(p.instrument_id()), Qty(p.size_micros()), Px(p.avg_entry_price_micros()),
           Usd(p.cost_basis_micros()), Px(p.mark_price_micros()), Usd(p.unrealized_pnl_micros()),
           Usd(p.realized_pnl_micros()), Qty(p.venue_size_micros()), ModeText(p.mode()),
           Ts(p.updated_unix_nanos()), Text(p.market_id())});
  }
  return t.Render() + CountLine(t.size(), "positions", "");
}

std::string FormatBalances(const v1::ListBalancesResponse& r) {
  Table t("VENUE ASSET >TOTAL_USD >AVAILABLE_USD >RESERVED_USD MODE UPDATED RECONCILED");
  for (const v1::Balance& b : r.balances()) {
    t.Add({VenueText(b.venue()), Text(b.asset()), Usd(b.total_micros()), Usd(b.available_micros()),
           Usd(b.reserved_micros()), ModeText(b.mode()), Ts(b.updated_unix_nanos()),
           Ts(b.reconciled_unix_nanos())});
  }
  return t.Render();
}

std::string KillSwitchTarget(const v1::KillSwitch& k) {
  switch (k.scope()) {
    case v1::KILL_SWITCH_SCOPE_VENUE:
      return VenueText(k.venue());
    case v1::KILL_SWITCH_SCOPE_LANE:
      return LaneText(k.lane());
    default:
      return "-";
  }
}

std::string KillSwitchTable(const google::protobuf::RepeatedPtrField<v1::KillSwitch>& switches) {
  Table t("SCOPE TARGET ENGAGED CANCEL_RESTING CHANGED_BY UPDATED REASON");
  for (const v1::KillSwitch& k : switches) {
    t.Add({EnumText(v1::KillSwitchScope_descriptor(), k.scope()), KillSwitchTarget(k),
           YesNo(k.engaged()), YesNo(k.cancel_resting()), Text(k.changed_by()),
           Ts(k.updated_unix_nanos()), Text(k.reason())});
  }
  return t.Render();
}

std::string FormatSetKillSwitch(const v1::SetKillSwitchResponse& r) {
  google::protobuf::RepeatedPtrField<v1::KillSwitch> one;
  *one.Add() = r.kill_switch();
  return Sections({KillSwitchTable(one),
                   KeyValues().Add("cancels_sent", absl::StrCat(r.cancels_sent())).Render()});
}

std::string FormatKillSwitches(const v1::ListKillSwitchesResponse& r) {
  return KillSwitchTable(r.kill_switches());
}

std::string FormatSafeModeState(const v1::SafeModeState& s) {
  KeyValues kv;
  kv.Add("active", YesNo(s.active()))
      .Add("episode_id", absl::StrCat(s.episode_id()))
      .Add("acknowledged", YesNo(s.acknowledged()))
      .Add("reason", Text(s.reason()))
      .Add("worst_case_loss_usd", Usd(s.total_worst_case_loss_micros()))
      .Add("entered", Ts(s.entered_unix_nanos()))
      .Add("acknowledged_at", Ts(s.acknowledged_unix_nanos()))
      .Add("acknowledged_by", Text(s.acknowledged_by()))
      .Add("acknowledgement_note", Text(s.acknowledgement_note()))
      .Add("exited", Ts(s.exited_unix_nanos()));
  std::string exposures;
  if (s.exposures_size() > 0) {
    Table t("EXECUTION_ID INSTRUMENT >LEG >SIZE >WORST_CASE_USD SINCE");
    for (const v1::UnhedgedExposure& e : s.exposures()) {
      t.Add({Text(e.execution_id()), InstrumentText(e.instrument_id()),
             e.has_leg_index() ? absl::StrCat(e.leg_index()) : "-", Qty(e.size_micros()),
             Usd(e.worst_case_loss_micros()), Ts(e.since_unix_nanos())});
    }
    exposures = t.Render();
  }
  return Sections({kv.Render(), exposures});
}

std::string FormatTradingState(const v1::TradingStateInfo& t, std::optional<uint32_t> cancels) {
  KeyValues kv;
  AddTradingState(t, &kv);
  if (cancels.has_value()) kv.Add("cancels_sent", absl::StrCat(*cancels));
  return kv.Render();
}

std::string FormatHealth(const v1::GetExecutorHealthResponse& r) {
  KeyValues kv;
  AddHealth(r.health(), &kv);
  kv.Add("leader", YesNo(r.leader()))
      .Add("fencing_epoch", absl::StrCat(r.fencing_epoch()))
      .Add("mode", ModeText(r.mode()));
  AddTradingState(r.trading_state(), &kv);
  kv.Add("safe_mode_active", YesNo(r.safe_mode_active()))
      .Add("open_executions", absl::StrCat(r.open_executions()));
  std::string venues;
  if (r.venues_size() > 0) {
    Table t("VENUE RECONCILED CIRCUIT_OPEN >OPEN_ORDERS >UNRESOLVED >RATE_LIMIT/S RECONCILED_AT");
    for (const v1::VenueExecutionHealth& v : r.venues()) {
      t.Add({VenueText(v.venue()), YesNo(v.reconciled()), YesNo(v.circuit_open()),
             absl::StrCat(v.open_orders()), absl::StrCat(v.unresolved_orders()),
             absl::StrCat(v.rate_limit_per_second()), Ts(v.reconciled_unix_nanos())});
    }
    venues = t.Render();
  }
  return Sections({kv.Render(), ChecksTable(r.health()), venues});
}

std::string FormatApplyLimits(const v1::ApplyPolicyLimitsResponse& r) {
  KeyValues kv;
  kv.Add("changed", YesNo(r.changed()));
  AddPolicyRef(r.active_policy(), &kv);
  kv.Add("applied", Ts(r.applied_unix_nanos()));
  return kv.Render();
}

std::string FormatStageMetrics(const v1::GetStageMetricsResponse& r) {
  std::vector<const v1::StageMetrics*> columns = {&r.total()};
  std::vector<Table::Column> header = {{"METRIC"}, {"TOTAL", true}};
  for (const v1::StageMetrics& m : r.lanes()) {
    columns.push_back(&m);
    header.push_back({LaneText(m.lane()), true});
  }
  Table t(std::move(header));
  auto row = [&](const char* name, auto value) {
    std::vector<std::string> cells = {name};
    for (const v1::StageMetrics* m : columns) cells.push_back(value(*m));
    t.Add(std::move(cells));
  };
  using M = v1::StageMetrics;
  row("realized_pnl_usd", [](const M& m) { return Usd(m.realized_pnl_micros()); });
  row("unrealized_pnl_usd", [](const M& m) { return Usd(m.unrealized_pnl_micros()); });
  row("max_drawdown_usd", [](const M& m) { return Usd(m.max_drawdown_micros()); });
  row("current_drawdown_usd", [](const M& m) { return Usd(m.current_drawdown_micros()); });
  row("sample_count", [](const M& m) { return absl::StrCat(m.sample_count()); });
  row("executions_completed", [](const M& m) { return absl::StrCat(m.executions_completed()); });
  row("legs_submitted", [](const M& m) { return absl::StrCat(m.legs_submitted()); });
  row("legs_filled", [](const M& m) { return absl::StrCat(m.legs_filled()); });
  row("fill_reliability", [](const M& m) { return Bps(m.fill_reliability_bps()); });
  row("unhedged_count", [](const M& m) { return absl::StrCat(m.unhedged_count()); });
  row("unhedged_exposure_usd", [](const M& m) { return Usd(m.unhedged_exposure_micros()); });
  row("orders_rejected", [](const M& m) { return absl::StrCat(m.orders_rejected()); });
  row("risk_denials", [](const M& m) { return absl::StrCat(m.risk_denials()); });
  row("data_complete", [](const M& m) { return YesNo(m.data_complete()); });
  KeyValues kv;
  AddPolicyRef(r.total().policy(), &kv);
  kv.Add("window_start", Ts(r.total().window_start_unix_nanos()))
      .Add("window_end", Ts(r.total().window_end_unix_nanos()))
      .Add("stage_started", Ts(r.total().stage_started_unix_nanos()));
  return Sections({kv.Render(), t.Render()});
}

std::string FormatLimits(const v1::PolicyLimits& l) {
  KeyValues kv;
  kv.Add("capital_cap_usd", Usd(l.capital_cap_micros()))
      .Add("max_order_size", Qty(l.max_order_size_micros()))
      .Add("max_order_notional_usd", Usd(l.max_order_notional_micros()))
      .Add("price_tolerance", Px(l.price_tolerance_micros()))
      .Add("max_position_per_venue_usd", Usd(l.max_position_per_venue_micros()))
      .Add("max_position_per_event_usd", Usd(l.max_position_per_event_micros()))
      .Add("max_exposure_per_cluster_usd", Usd(l.max_exposure_per_cluster_micros()))
      .Add("daily_loss_cap_usd", Usd(l.daily_loss_cap_micros()))
      .Add("reduce_drawdown_usd", Usd(l.reduce_drawdown_micros()))
      .Add("max_drawdown_usd", Usd(l.max_drawdown_micros()))
      .Add("max_unhedged_exposure_usd", Usd(l.max_unhedged_exposure_micros()))
      .Add("max_orders_per_second", absl::StrCat(l.max_orders_per_second()))
      .Add("max_open_orders", absl::StrCat(l.max_open_orders()))
      .Add("leg_timeout", Dur(l.leg_timeout_nanos()))
      .Add("leg_failure_policy",
           EnumText(v1::LegFailurePolicy_descriptor(), l.leg_failure_policy()))
      .Add("max_book_age", Dur(l.max_book_age_nanos()));
  std::string budgets;
  if (l.lane_budgets_size() > 0) {
    Table t(
        "LANE ENABLED >WEIGHT >CAPITAL_USD >MAX_ORDER_NOTIONAL_USD >MAX_OPEN >MIN_EDGE "
        ">MIN_CONFIDENCE >DAILY_LOSS_CAP_USD");
    for (const v1::LaneBudget& b : l.lane_budgets()) {
      t.Add({LaneText(b.lane()), YesNo(b.enabled()), Bps(b.weight_bps()), Usd(b.capital_micros()),
             Usd(b.max_order_notional_micros()), absl::StrCat(b.max_open_executions()),
             Px(b.min_edge_per_set_micros()), Bps(b.min_confidence_bps()),
             Usd(b.daily_loss_cap_micros())});
    }
    budgets = t.Render();
  }
  return Sections({kv.Render(), budgets});
}

std::string FormatStatus(const v1::GetControlStatusResponse& r) {
  KeyValues kv;
  AddHealth(r.health(), &kv);
  kv.Add("leader", YesNo(r.leader())).Add("fencing_epoch", absl::StrCat(r.fencing_epoch()));
  AddTradingState(r.trading_state(), &kv);
  kv.Add("safe_mode_active", YesNo(r.safe_mode_active()))
      .Add("safe_mode_acknowledged", YesNo(r.safe_mode_acknowledged()))
      .Add("kill_switches_engaged", absl::StrCat(r.kill_switches_engaged()));
  if (r.has_active_policy()) {
    AddPolicyRef(r.active_policy(), &kv);
  } else {
    kv.Add("active_policy", "none (fail-closed built-in limits: no new risk)");
  }
  kv.Add("limits_applied", Ts(r.applied_unix_nanos()));
  return Sections({kv.Render(), ChecksTable(r.health()),
                   r.has_active_limits() ? FormatLimits(r.active_limits()) : ""});
}

// ---- RPC execution ------------------------------------------------------------------------------

// The largest page the executor serves (executor_service.proto: capped at 1_000).
constexpr uint32_t kMaxPageSize = 1000;

class Runner {
 public:
  Runner(const ExecutorInvocation& inv, const ExecutorClients& clients, std::ostream& out,
         std::ostream& err)
      : inv_(inv), clients_(clients), out_(out), err_(err) {}

  int Run() {
    const ExecutorRequest& r = inv_.request;
    if (const auto* q = std::get_if<v1::GetExecutorHealthRequest>(&r)) {
      return Unary(q, &v1::Executor::StubInterface::GetHealth, "GetHealth", FormatHealth);
    }
    if (const auto* q = std::get_if<v1::SubmitOpportunityRequest>(&r)) return Submit(*q);
    if (const auto* q = std::get_if<v1::ListExecutionsRequest>(&r)) {
      return Paged<v1::ListExecutionsResponse>(
          *q, &v1::Executor::StubInterface::ListExecutions, "ListExecutions",
          [](v1::ListExecutionsResponse& p) { return p.mutable_executions(); }, FormatExecutions);
    }
    if (const auto* q = std::get_if<v1::GetExecutionRequest>(&r)) {
      return Unary(
          q, &v1::Executor::StubInterface::GetExecution, "GetExecution",
          +[](const v1::GetExecutionResponse& p) { return FormatExecution(p.execution()); });
    }
    if (const auto* q = std::get_if<v1::ListOrdersRequest>(&r)) {
      return Paged<v1::ListOrdersResponse>(
          *q, &v1::Executor::StubInterface::ListOrders, "ListOrders",
          [](v1::ListOrdersResponse& p) { return p.mutable_orders(); }, FormatOrders);
    }
    if (const auto* q = std::get_if<v1::GetOrderRequest>(&r)) {
      return Unary(
          q, &v1::Executor::StubInterface::GetOrder, "GetOrder",
          +[](const v1::GetOrderResponse& p) { return FormatOrder(p.order()); });
    }
    if (const auto* q = std::get_if<v1::ListFillsRequest>(&r)) {
      return Paged<v1::ListFillsResponse>(
          *q, &v1::Executor::StubInterface::ListFills, "ListFills",
          [](v1::ListFillsResponse& p) { return p.mutable_fills(); }, FormatFills);
    }
    if (const auto* q = std::get_if<v1::ListPositionsRequest>(&r)) {
      return Unary(q, &v1::Executor::StubInterface::ListPositions, "ListPositions",
                   FormatPositions);
    }
    if (const auto* q = std::get_if<v1::ListBalancesRequest>(&r)) {
      return Unary(q, &v1::Executor::StubInterface::ListBalances, "ListBalances", FormatBalances);
    }
    if (const auto* q = std::get_if<v1::SetKillSwitchRequest>(&r)) {
      return Unary(q, &v1::Executor::StubInterface::SetKillSwitch, "SetKillSwitch",
                   FormatSetKillSwitch);
    }
    if (const auto* q = std::get_if<v1::ListKillSwitchesRequest>(&r)) {
      return Unary(q, &v1::Executor::StubInterface::ListKillSwitches, "ListKillSwitches",
                   FormatKillSwitches);
    }
    if (const auto* q = std::get_if<v1::GetSafeModeRequest>(&r)) {
      return Unary(
          q, &v1::Executor::StubInterface::GetSafeMode, "GetSafeMode",
          +[](const v1::GetSafeModeResponse& p) { return FormatSafeModeState(p.state()); });
    }
    if (const auto* q = std::get_if<v1::AcknowledgeSafeModeRequest>(&r)) {
      return Unary(
          q, &v1::Executor::StubInterface::AcknowledgeSafeMode, "AcknowledgeSafeMode",
          +[](const v1::AcknowledgeSafeModeResponse& p) { return FormatSafeModeState(p.state()); });
    }
    if (const auto* q = std::get_if<v1::GetTradingStateRequest>(&r)) {
      return Unary(
          q, &v1::Executor::StubInterface::GetTradingState, "GetTradingState",
          +[](const v1::GetTradingStateResponse& p) {
            return FormatTradingState(p.trading_state(), std::nullopt);
          });
    }
    if (const auto* q = std::get_if<v1::SetTradingStateRequest>(&r)) {
      return Unary(
          q, &v1::Executor::StubInterface::SetTradingState, "SetTradingState",
          +[](const v1::SetTradingStateResponse& p) {
            return FormatTradingState(p.trading_state(), p.cancels_sent());
          });
    }
    if (const auto* q = std::get_if<v1::ApplyPolicyLimitsRequest>(&r)) {
      return Unary(q, &v1::Control::StubInterface::ApplyPolicyLimits, "ApplyPolicyLimits",
                   FormatApplyLimits);
    }
    if (const auto* q = std::get_if<v1::GetStageMetricsRequest>(&r)) {
      return Unary(q, &v1::Control::StubInterface::GetStageMetrics, "GetStageMetrics",
                   FormatStageMetrics);
    }
    if (const auto* q = std::get_if<v1::GetControlStatusRequest>(&r)) {
      return Unary(q, &v1::Control::StubInterface::GetStatus, "GetStatus", FormatStatus);
    }
    err_ << "arborctl executor: internal error: no RPC for '" << inv_.subcommand << "'\n";
    return kExecutorExitUsage;
  }

 private:
  std::unique_ptr<grpc::ClientContext> NewContext() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoNanoseconds(inv_.timeout));
    if (!clients_.bearer_token.empty()) {
      context->AddMetadata("authorization", "Bearer " + clients_.bearer_token);
    }
    return context;
  }

  // The stub a method pointer of `Stub` calls on.
  v1::Executor::StubInterface* Stub(v1::Executor::StubInterface*) const {
    return clients_.executor;
  }
  v1::Control::StubInterface* Stub(v1::Control::StubInterface*) const { return clients_.control; }

  int RpcError(const grpc::Status& status, const char* rpc) const {
    const std::string code =
        absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      err_ << "arborctl executor: cannot reach the executor at " << inv_.target << " (" << rpc
           << "): " << code << ": " << status.error_message() << "\n";
      return kExecutorExitUnreachable;
    }
    err_ << "arborctl executor: " << rpc << " failed: " << code << ": " << status.error_message()
         << "\n";
    return kExecutorExitServerError;
  }

  template <typename Resp>
  int Print(const Resp& response, std::string (*format)(const Resp&)) const {
    if (inv_.output == ExecutorOutput::kTable) {
      out_ << format(response);
      return kExecutorExitOk;
    }
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = false;
    options.preserve_proto_field_names = true;
    std::string json;
    const auto status = google::protobuf::util::MessageToJsonString(response, &json, options);
    if (!status.ok()) {
      err_ << "arborctl executor: cannot print the response as JSON: " << status.ToString() << "\n";
      return kExecutorExitServerError;
    }
    out_ << json << "\n";
    return kExecutorExitOk;
  }

  template <typename StubT, typename Req, typename Resp>
  int Unary(const Req* request,
            grpc::Status (StubT::*method)(grpc::ClientContext*, const Req&, Resp*), const char* rpc,
            std::string (*format)(const Resp&)) const {
    StubT* stub = Stub(static_cast<StubT*>(nullptr));
    Resp response;
    std::unique_ptr<grpc::ClientContext> context = NewContext();
    const grpc::Status status = (stub->*method)(context.get(), *request, &response);
    if (!status.ok()) return RpcError(status, rpc);
    return Print(response, format);
  }

  int Submit(const v1::SubmitOpportunityRequest& request) const {
    v1::SubmitOpportunityResponse response;
    std::unique_ptr<grpc::ClientContext> context = NewContext();
    const grpc::Status status =
        clients_.executor->SubmitOpportunity(context.get(), request, &response);
    if (!status.ok()) return RpcError(status, "SubmitOpportunity");
    const int rc = Print(response, FormatSubmit);
    if (rc != kExecutorExitOk) return rc;
    return response.outcome() == v1::SUBMIT_OUTCOME_DENIED ? kExecutorExitDenied : kExecutorExitOk;
  }

  // Follows next_page_token until inv_.limit items or the last page; prints one response holding
  // every item kept and the token to continue from (empty when the list is complete).
  template <typename Resp, typename Req, typename Items>
  int Paged(Req request,
            grpc::Status (v1::Executor::StubInterface::*method)(grpc::ClientContext*, const Req&,
                                                                Resp*),
            const char* rpc, Items items, std::string (*format)(const Resp&)) const {
    Resp merged;
    request.clear_page_token();
    while (true) {
      const uint32_t have = static_cast<uint32_t>(items(merged)->size());
      request.set_page_size(std::min(inv_.limit - have, kMaxPageSize));
      Resp page;
      std::unique_ptr<grpc::ClientContext> context = NewContext();
      const grpc::Status status = (clients_.executor->*method)(context.get(), request, &page);
      if (!status.ok()) return RpcError(status, rpc);
      for (auto& item : *items(page)) {
        if (static_cast<uint32_t>(items(merged)->size()) >= inv_.limit) break;
        *items(merged)->Add() = std::move(item);
      }
      merged.set_next_page_token(page.next_page_token());
      if (page.next_page_token().empty() ||
          static_cast<uint32_t>(items(merged)->size()) >= inv_.limit) {
        break;
      }
      if (page.next_page_token() == request.page_token()) {
        // A server repeating a token would make us loop forever.
        err_ << "arborctl executor: " << rpc << " returned the same page token twice\n";
        return kExecutorExitServerError;
      }
      request.set_page_token(page.next_page_token());
    }
    return Print(merged, format);
  }

  const ExecutorInvocation& inv_;
  const ExecutorClients& clients_;
  std::ostream& out_;
  std::ostream& err_;
};

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Usage(absl::StrCat(flag, ": cannot open '", path, "'"));
  std::ostringstream buffer;
  buffer << file.rdbuf();
  if (file.bad()) return Usage(absl::StrCat(flag, ": cannot read '", path, "'"));
  return buffer.str();
}

absl::Status ParseJsonFile(const std::string& flag, const std::string& path,
                           google::protobuf::Message* message) {
  absl::StatusOr<std::string> text = ReadFile(flag, path);
  if (!text.ok()) return text.status();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(*text, message, options);
  if (!status.ok()) {
    return Usage(absl::StrCat(flag, ": '", path, "' is not a valid ",
                              message->GetDescriptor()->full_name(),
                              " (proto3 JSON): ", status.ToString()));
  }
  return absl::OkStatus();
}

std::optional<std::string> NonEmptyEnv(const char* name) {
  // Read once, from main()'s thread, before any other thread exists.
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

}  // namespace

ExecutorEnv ExecutorEnv::FromProcess() {
  ExecutorEnv env;
  env.executor = NonEmptyEnv("ARBOR_EXECUTOR");
  env.token_file = NonEmptyEnv("ARBOR_EXECUTOR_TOKEN_FILE");
  env.user = NonEmptyEnv("USER");
  return env;
}

absl::StatusOr<ExecutorInvocation> ParseExecutorArgs(const std::vector<std::string>& args,
                                                     const ExecutorEnv& env) {
  ExecutorInvocation inv;
  std::map<std::string, std::string> globals;
  const SubcommandSpec* spec = nullptr;
  bool limits_pending = false;  // "limits" seen, waiting for "apply"
  bool help = false;
  Flags flags;

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
      help = true;
      continue;
    }
    if (Contains(GlobalValueFlags(), name)) {
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      if (!globals.emplace(name, *v).second) return Usage(name + " given twice");
      continue;
    }
    if (spec == nullptr) {
      if (absl::StartsWith(token, "-")) {
        return Usage(
            absl::StrCat("unknown flag '", token, "' (subcommand flags go after the subcommand)"));
      }
      if (limits_pending) {
        if (token != "apply") {
          return Usage(
              absl::StrCat("unknown subcommand 'limits ", token, "' (expected 'limits apply')"));
        }
        spec = FindSubcommand("limits apply");
        limits_pending = false;
      } else if (token == "limits") {
        limits_pending = true;
      } else {
        spec = FindSubcommand(token);
        if (spec == nullptr) {
          return Usage(absl::StrCat("unknown subcommand '", token, "'"));
        }
      }
      continue;
    }
    if (absl::StartsWith(token, "-") && token.size() > 1) {
      if (Contains(spec->value_flags, name)) {
        absl::StatusOr<std::string> v = take_value();
        if (!v.ok()) return v.status();
        std::vector<std::string>& values = flags.values[name];
        if (!values.empty() && !Contains(spec->repeatable, name)) {
          return Usage(name + " given twice");
        }
        values.push_back(*std::move(v));
      } else if (Contains(spec->bool_flags, name)) {
        if (inline_value.has_value()) return Usage(name + " takes no value");
        flags.bools.insert(name);
      } else {
        return Usage(absl::StrCat("unknown flag '", token, "' for '", ToAbsl(spec->name), "'"));
      }
      continue;
    }
    flags.positionals.push_back(token);
  }

  if (limits_pending) {
    if (!help) return Usage("missing subcommand after 'limits' (expected 'limits apply')");
    spec = FindSubcommand("limits apply");
  }
  if (help) {
    inv.help = spec != nullptr ? spec->help : kExecutorUsage;
    return inv;
  }
  if (spec == nullptr) return Usage("missing subcommand");
  inv.subcommand = std::string(spec->name);
  if (flags.positionals.size() > spec->max_positionals) {
    return Usage(absl::StrCat("unexpected argument '", flags.positionals[spec->max_positionals],
                              "' for '", ToAbsl(spec->name), "'"));
  }

  // Connection and output.
  auto global = [&](const char* flag) -> std::optional<std::string> {
    auto it = globals.find(flag);
    if (it == globals.end()) return std::nullopt;
    return it->second;
  };
  if (std::optional<std::string> target = global("--executor")) {
    if (target->empty()) return Usage("--executor must not be empty");
    inv.target = *target;
  } else if (env.executor.has_value() && !env.executor->empty()) {
    inv.target = *env.executor;
  }
  if (std::optional<std::string> token_file = global("--token-file")) {
    if (token_file->empty()) return Usage("--token-file must not be empty");
    inv.token_file = *token_file;
  } else if (env.token_file.has_value()) {
    inv.token_file = *env.token_file;
  }
  inv.tls_ca_file = global("--tls-ca").value_or("");
  inv.tls_cert_file = global("--tls-cert").value_or("");
  inv.tls_key_file = global("--tls-key").value_or("");
  if (inv.tls_cert_file.empty() != inv.tls_key_file.empty()) {
    return Usage("--tls-cert and --tls-key go together");
  }
  if (!inv.tls_cert_file.empty() && inv.tls_ca_file.empty()) {
    return Usage("--tls-cert/--tls-key need --tls-ca");
  }
  if (std::optional<std::string> timeout = global("--timeout")) {
    absl::StatusOr<absl::Duration> d = ParseTimeout(*timeout);
    if (!d.ok()) return d.status();
    inv.timeout = *d;
  }
  if (std::optional<std::string> output = global("--output")) {
    if (*output == "table") {
      inv.output = ExecutorOutput::kTable;
    } else if (*output == "json") {
      inv.output = ExecutorOutput::kJson;
    } else {
      return Usage(absl::StrCat("--output: expected table or json, got '", *output, "'"));
    }
  }

  absl::Status built = spec->build(flags, env, &inv);
  if (!built.ok()) return built;
  return inv;
}

absl::Status LoadExecutorInput(ExecutorInvocation* invocation) {
  if (auto* submit = std::get_if<v1::SubmitOpportunityRequest>(&invocation->request)) {
    return ParseJsonFile("--opportunity-file", invocation->input_file,
                         submit->mutable_opportunity());
  }
  if (auto* apply = std::get_if<v1::ApplyPolicyLimitsRequest>(&invocation->request)) {
    return ParseJsonFile("--file", invocation->input_file, apply->mutable_limits());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadBearerToken(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile("--token-file", path);
  if (!text.ok()) return text.status();
  const std::string token(absl::StripAsciiWhitespace(*text));
  if (token.empty()) return Usage(absl::StrCat("--token-file: '", path, "' is empty"));
  return token;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeExecutorChannel(
    const ExecutorInvocation& invocation) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (invocation.tls_ca_file.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions options;
    absl::StatusOr<std::string> ca = ReadFile("--tls-ca", invocation.tls_ca_file);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
    if (!invocation.tls_cert_file.empty()) {
      absl::StatusOr<std::string> cert = ReadFile("--tls-cert", invocation.tls_cert_file);
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadFile("--tls-key", invocation.tls_key_file);
      if (!key.ok()) return key.status();
      options.pem_cert_chain = *std::move(cert);
      options.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(options);
  }
  return grpc::CreateChannel(invocation.target, credentials);
}

int RunExecutorInvocation(const ExecutorInvocation& invocation, const ExecutorClients& clients,
                          std::ostream& out, std::ostream& err) {
  return Runner(invocation, clients, out, err).Run();
}

int RunExecutorCommand(const std::vector<std::string>& args, const ExecutorEnv& env,
                       std::ostream& out, std::ostream& err) {
  auto usage_error = [&err](const absl::Status& status) {
    err << "arborctl executor: " << status.message() << "\n(arborctl executor --help for usage)\n";
    return kExecutorExitUsage;
  };
  absl::StatusOr<ExecutorInvocation> invocation = ParseExecutorArgs(args, env);
  if (!invocation.ok()) return usage_error(invocation.status());
  if (!invocation->help.empty()) {
    out << invocation->help;
    return kExecutorExitOk;
  }
  if (absl::Status loaded = LoadExecutorInput(&*invocation); !loaded.ok()) {
    return usage_error(loaded);
  }
  ExecutorClients clients;
  if (!invocation->token_file.empty()) {
    absl::StatusOr<std::string> token = ReadBearerToken(invocation->token_file);
    if (!token.ok()) return usage_error(token.status());
    clients.bearer_token = *std::move(token);
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeExecutorChannel(*invocation);
  if (!channel.ok()) return usage_error(channel.status());
  std::unique_ptr<v1::Executor::Stub> executor = v1::Executor::NewStub(*channel);
  std::unique_ptr<v1::Control::Stub> control = v1::Control::NewStub(*channel);
  clients.executor = executor.get();
  clients.control = control.get();
  const int rc = RunExecutorInvocation(*invocation, clients, out, err);
  out.flush();
  return rc;
}

int ExecutorMain(const std::vector<std::string>& args) {
  return RunExecutorCommand(args, ExecutorEnv::FromProcess(), std::cout, std::cerr);
}

}  // namespace arbor::arborctl
