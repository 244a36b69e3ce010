#include "executor_command.h"

#include <iostream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "arbor/core/fixed_point.h"
#include "command_line.h"
#include "grpc_client_options.h"
#include "table_format.h"

namespace arbor::arborctl {
namespace {

namespace v1 = ::arbor::v1;
using cli::AddHealth;
using cli::AddPolicyRef;
using cli::Bps;
using cli::ChecksTable;
using cli::CountLine;
using cli::Dur;
using cli::EnumText;
using cli::InstrumentText;
using cli::KeyValues;
using cli::LaneText;
using cli::LegText;
using cli::ModeText;
using cli::ParseEnumSuffix;
using cli::ParseInstant;
using cli::ParseLimit;
using cli::ParseUnsigned;
using cli::ParseVenue;
using cli::Px;
using cli::Qty;
using cli::Required;
using cli::Sections;
using cli::SideText;
using cli::Table;
using cli::Text;
using cli::Ts;
using cli::Usage;
using cli::Usd;
using cli::VenueText;
using cli::YesNo;

const cli::GrpcClientCommand kExecutorCommand = {"executor", "--executor", "the executor",
                                                 kDefaultExecutorTarget};

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

using Flags = cli::CommandFlags;
using BuildFn = absl::Status (*)(const Flags&, const ExecutorEnv&, ExecutorInvocation*);

struct SubcommandSpec {
  cli::SubcommandSyntax syntax;
  BuildFn build;
};

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
  absl::StatusOr<std::vector<v1::Lane>> lanes = cli::ParseLaneList(flags, "--lane");
  if (!lanes.ok()) return lanes.status();
  for (v1::Lane lane : *lanes) request.add_lanes(lane);
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
  absl::StatusOr<int> scope_number =
      ParseEnumSuffix("--scope", *scope_text, v1::KillSwitchScope_descriptor(),
                      "KILL_SWITCH_SCOPE_", {"global", "venue", "lane"});
  if (!scope_number.ok()) return scope_number.status();
  const auto scope = static_cast<v1::KillSwitchScope>(*scope_number);
  request.set_scope(scope);

  std::optional<std::string> venue = flags.Get("--venue");
  std::optional<std::string> lane = flags.Get("--lane");
  if (scope == v1::KILL_SWITCH_SCOPE_VENUE) {
    if (!venue.has_value()) return Usage("--scope venue needs --venue polymarket|kalshi");
    absl::StatusOr<v1::Venue> v = ParseVenue("--venue", *venue);
    if (!v.ok()) return v.status();
    request.set_venue(*v);
  } else if (venue.has_value()) {
    return Usage("--venue is only allowed with --scope venue");
  }
  if (scope == v1::KILL_SWITCH_SCOPE_LANE) {
    if (!lane.has_value()) return Usage("--scope lane needs --lane L");
    absl::StatusOr<v1::Lane> l = cli::ParseLane("--lane", *lane);
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
  absl::StatusOr<int> state_number =
      ParseEnumSuffix("--set", *set, v1::TradingState_descriptor(), "TRADING_STATE_",
                      {"active", "reducing", "halted"});
  if (!state_number.ok()) return state_number.status();
  const auto state = static_cast<v1::TradingState>(*state_number);
  request.set_state(state);
  absl::StatusOr<std::string> reason = Required(flags, "--reason");
  if (!reason.ok()) return reason.status();
  request.set_reason(*reason);
  absl::StatusOr<std::string> by = Required(flags, "--by");
  if (!by.ok()) return by.status();
  request.set_requested_by(*by);
  if (flags.Has("--cancel-resting")) {
    if (state != v1::TRADING_STATE_HALTED) {
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
      {{"health", kHealthHelp, {}, {}, {}, 0}, BuildHealth},
      {{"submit", kSubmitHelp, {"--opportunity-file", "--max-sets", "--by"}, {}, {}, 0},
       BuildSubmit},
      {{"executions", kExecutionsHelp, {"--lane", "--since", "--limit"}, {"--open"}, {"--lane"}, 0},
       BuildExecutions},
      {{"execution", kExecutionHelp, {"--opportunity"}, {}, {}, 1}, BuildExecution},
      {{"orders", kOrdersHelp, {"--execution", "--limit"}, {"--open"}, {}, 0}, BuildOrders},
      {{"order", kOrderHelp, {"--venue-order-id"}, {}, {}, 1}, BuildOrder},
      {{"fills", kFillsHelp, {"--execution", "--limit"}, {}, {}, 0}, BuildFills},
      {{"positions", kPositionsHelp, {}, {"--all"}, {}, 0}, BuildPositions},
      {{"balances", kBalancesHelp, {}, {}, {}, 0}, BuildBalances},
      {{"kill",
        kKillHelp,
        {"--scope", "--venue", "--lane", "--reason", "--by"},
        {"--engage", "--release", "--cancel-resting"},
        {},
        0},
       BuildKill},
      {{"kill-switches", kKillSwitchesHelp, {}, {}, {}, 0}, BuildKillSwitches},
      {{"safe-mode", kSafeModeHelp, {}, {}, {}, 0}, BuildSafeMode},
      {{"ack-safe-mode", kAckSafeModeHelp, {"--episode", "--note", "--by"}, {}, {}, 0},
       BuildAckSafeMode},
      {{"trading-state",
        kTradingStateHelp,
        {"--set", "--reason", "--by"},
        {"--cancel-resting"},
        {},
        0},
       BuildTradingState},
      {{"limits apply",
        kLimitsApplyHelp,
        {"--file", "--policy-uid", "--policy-name", "--policy-generation", "--stage-index",
         "--stage-name", "--stages-hash", "--by"},
        {},
        {},
        0},
       BuildLimitsApply},
      {{"stage-metrics", kStageMetricsHelp, {"--since", "--until"}, {"--by-lane"}, {}, 0},
       BuildStageMetrics},
      {{"status", kStatusHelp, {}, {}, {}, 0}, BuildStatus},
  };
  return *kSpecs;
}

// The syntax column of Subcommands(), in the same order.
const std::vector<cli::SubcommandSyntax>& Syntaxes() {
  static const std::vector<cli::SubcommandSyntax>* const kSyntaxes = [] {
    auto* syntaxes = new std::vector<cli::SubcommandSyntax>();
    for (const SubcommandSpec& spec : Subcommands()) syntaxes->push_back(spec.syntax);
    return syntaxes;
  }();
  return *kSyntaxes;
}

// ---- Table formatting ---------------------------------------------------------------------------

std::string TradingStateText(int v) { return EnumText(v1::TradingState_descriptor(), v); }

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
      : inv_(inv),
        clients_(clients),
        caller_(kExecutorCommand, inv, clients.bearer_token, out, err) {}

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
    caller_.err() << "arborctl executor: internal error: no RPC for '" << inv_.subcommand << "'\n";
    return kExecutorExitUsage;
  }

 private:
  // The stub a method pointer of `Stub` calls on.
  v1::Executor::StubInterface* Stub(v1::Executor::StubInterface*) const {
    return clients_.executor;
  }
  v1::Control::StubInterface* Stub(v1::Control::StubInterface*) const { return clients_.control; }

  template <typename Resp>
  int Print(const Resp& response, std::string (*format)(const Resp&)) const {
    return caller_.Print(response, [&] { return format(response); });
  }

  template <typename StubT, typename Req, typename Resp>
  int Unary(const Req* request,
            grpc::Status (StubT::*method)(grpc::ClientContext*, const Req&, Resp*), const char* rpc,
            std::string (*format)(const Resp&)) const {
    StubT* stub = Stub(static_cast<StubT*>(nullptr));
    Resp response;
    std::unique_ptr<grpc::ClientContext> context = caller_.NewContext();
    const grpc::Status status = (stub->*method)(context.get(), *request, &response);
    if (!status.ok()) return caller_.Error(status, rpc);
    return Print(response, format);
  }

  int Submit(const v1::SubmitOpportunityRequest& request) const {
    v1::SubmitOpportunityResponse response;
    std::unique_ptr<grpc::ClientContext> context = caller_.NewContext();
    const grpc::Status status =
        clients_.executor->SubmitOpportunity(context.get(), request, &response);
    if (!status.ok()) return caller_.Error(status, "SubmitOpportunity");
    const int rc = Print(response, FormatSubmit);
    if (rc != kExecutorExitOk) return rc;
    return response.outcome() == v1::SUBMIT_OUTCOME_DENIED ? kExecutorExitDenied : kExecutorExitOk;
  }

  // Every item up to inv_.limit over all pages in one response, with the token to continue from.
  template <typename Resp, typename Req, typename Items>
  int Paged(const Req& request,
            grpc::Status (v1::Executor::StubInterface::*method)(grpc::ClientContext*, const Req&,
                                                                Resp*),
            const char* rpc, Items items, std::string (*format)(const Resp&)) const {
    Resp merged;
    const int rc = cli::FetchPages(
        caller_, request, inv_.limit, kMaxPageSize, rpc,
        [&](grpc::ClientContext* context, const Req& page_request, Resp* page) {
          return (clients_.executor->*method)(context, page_request, page);
        },
        items, [](const Resp&) {}, &merged);
    if (rc != kExecutorExitOk) return rc;
    return Print(merged, format);
  }

  const ExecutorInvocation& inv_;
  const ExecutorClients& clients_;
  const cli::RpcCaller caller_;
};

}  // namespace

ExecutorEnv ExecutorEnv::FromProcess() {
  ExecutorEnv env;
  env.executor = cli::NonEmptyEnv("ARBOR_EXECUTOR");
  env.token_file = cli::NonEmptyEnv("ARBOR_EXECUTOR_TOKEN_FILE");
  env.user = cli::NonEmptyEnv("USER");
  return env;
}

absl::StatusOr<ExecutorInvocation> ParseExecutorArgs(const std::vector<std::string>& args,
                                                     const ExecutorEnv& env) {
  absl::StatusOr<cli::ParsedCommandLine> line =
      cli::ParseCommandLine(args, Syntaxes(), cli::GlobalValueFlags(kExecutorCommand));
  if (!line.ok()) return line.status();
  ExecutorInvocation inv;
  if (line->help) {
    inv.help = line->subcommand.has_value() ? Syntaxes()[*line->subcommand].help : kExecutorUsage;
    return inv;
  }
  const SubcommandSpec& spec = Subcommands()[*line->subcommand];
  inv.subcommand = std::string(spec.syntax.name);
  if (absl::Status s = cli::ResolveGrpcClientOptions(
          kExecutorCommand, line->globals, cli::GrpcClientEnv{env.executor, env.token_file}, &inv);
      !s.ok()) {
    return s;
  }
  absl::Status built = spec.build(line->flags, env, &inv);
  if (!built.ok()) return built;
  return inv;
}

absl::Status LoadExecutorInput(ExecutorInvocation* invocation) {
  if (auto* submit = std::get_if<v1::SubmitOpportunityRequest>(&invocation->request)) {
    return cli::ParseJsonFile("--opportunity-file", invocation->input_file,
                              submit->mutable_opportunity());
  }
  if (auto* apply = std::get_if<v1::ApplyPolicyLimitsRequest>(&invocation->request)) {
    return cli::ParseJsonFile("--file", invocation->input_file, apply->mutable_limits());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadBearerToken(const std::string& path) {
  return cli::ReadBearerToken(path);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeExecutorChannel(
    const ExecutorInvocation& invocation) {
  return cli::MakeChannel(invocation);
}

int RunExecutorInvocation(const ExecutorInvocation& invocation, const ExecutorClients& clients,
                          std::ostream& out, std::ostream& err) {
  return Runner(invocation, clients, out, err).Run();
}

int RunExecutorCommand(const std::vector<std::string>& args, const ExecutorEnv& env,
                       std::ostream& out, std::ostream& err) {
  auto usage_error = [&err](const absl::Status& status) {
    return cli::ReportUsageError(kExecutorCommand, status, err);
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