#include "scanner_command.h"

#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "arbor/core/fixed_point.h"
#include "command_line.h"
#include "table_format.h"

namespace arbor::arborctl {
namespace {

namespace v1 = ::arbor::v1;
using cli::AddHealth;
using cli::ChecksTable;
using cli::CountLine;
using cli::EnumText;
using cli::KeyValues;
using cli::LaneText;
using cli::LegText;
using cli::Px;
using cli::Qty;
using cli::Ratio;
using cli::Sections;
using cli::Table;
using cli::Text;
using cli::Ts;
using cli::Usage;
using cli::Usd;
using cli::YesNo;

const cli::GrpcClientCommand kScannerCommand = {"scanner", "--scanner", "the scanner",
                                                kDefaultScannerTarget};

// The largest page the scanner serves (scanner_service.proto: capped at 1_000).
constexpr uint32_t kMaxPageSize = 1000;

// ---- Help texts ---------------------------------------------------------------------------------

constexpr char kScannerUsage[] =
    "usage: arborctl scanner [--scanner HOST:PORT] [--token-file FILE] [--tls-ca FILE]\n"
    "                        [--tls-cert FILE --tls-key FILE] [--timeout D]\n"
    "                        [--output table|json] SUBCOMMAND [ARGS]\n"
    "\n"
    "Talks to one scanner's gRPC API (arbor.v1.Scanner). Scanner replicas are stateless and\n"
    "each publishes what it finds; any replica answers for the whole book set.\n"
    "\n"
    "Subcommands (arborctl scanner SUBCOMMAND --help for each):\n"
    "  health                 process health, feed shards, books, per-lane statistics\n"
    "  lanes                  per-lane statistics only (GetHealth)\n"
    "  opportunities          live opportunities, best expected profit first\n"
    "  watch                  stream opportunities and withdrawals as they happen\n"
    "\n"
    "Global flags (before or after the subcommand):\n"
    "  --scanner HOST:PORT    scanner address (default: $ARBOR_SCANNER, else 127.0.0.1:50061)\n"
    "  --token-file FILE      send \"authorization: Bearer <token>\" on every call, the token\n"
    "                         being FILE's content without surrounding whitespace (default:\n"
    "                         $ARBOR_SCANNER_TOKEN_FILE). The scanner does not authenticate\n"
    "                         callers itself; this is for a proxy in front of it.\n"
    "  --tls-ca FILE          use TLS trusting this CA bundle (PEM); without it: plaintext. The\n"
    "                         scanner serves plaintext; TLS is for a TLS-terminating proxy.\n"
    "  --tls-cert FILE --tls-key FILE\n"
    "                         client certificate and key (PEM) for mTLS; need --tls-ca\n"
    "  --timeout D            deadline of each RPC, e.g. 10s, 1500ms, 2m (default 10s); for\n"
    "                         watch, the longest silence (heartbeats included) allowed\n"
    "  --output table|json    table (default): aligned columns, money in USD with exactly 6\n"
    "                         decimals, times in RFC 3339 UTC; json: the response message as\n"
    "                         one proto3 JSON object (proto field names, defaults omitted;\n"
    "                         int64 values are JSON strings); watch: one object per line\n"
    "\n"
    "Exit codes:\n"
    "  0  ok (watch: --count or --duration reached, or the stream ended cleanly)\n"
    "  1  usage error: bad flags, unreadable token or TLS files (message on stderr)\n"
    "  2  the scanner answered with an error status, e.g. INVALID_ARGUMENT (code and\n"
    "     message on stderr)\n"
    "  3  no answer: cannot connect, UNAVAILABLE (e.g. shutting down), DEADLINE_EXCEEDED,\n"
    "     or a watched stream silent for --timeout\n";

constexpr char kHealthHelp[] =
    "usage: arborctl scanner health\n"
    "\n"
    "Scanner.GetHealth: process health and checks, feed shards connected / expected, books\n"
    "tracked and live, stream subscribers, last catalog refresh, and per lane: enabled,\n"
    "evaluations, opportunities published and live, last publication.\n";

constexpr char kLanesHelp[] =
    "usage: arborctl scanner lanes\n"
    "\n"
    "Scanner.GetHealth, lane statistics only: per lane whether it runs in this scanner,\n"
    "evaluations and opportunities published since start, opportunities live now, and the\n"
    "last publication. JSON: a GetScannerHealthResponse with only `lanes` set.\n";

constexpr char kOpportunitiesHelp[] =
    "usage: arborctl scanner opportunities [--lane L]... [--venue V]... [--min-profit USD]\n"
    "                                      [--event ID]... [--limit N]\n"
    "\n"
    "Scanner.ListOpportunities: live (unexpired, not withdrawn) opportunities matching every\n"
    "filter given, best expected profit first, following pages until N results.\n"
    "  --lane L          binary|negrisk|cross_venue|combinatorial|expiry_edge|fair_value;\n"
    "                    repeat or separate with commas for several\n"
    "  --venue V         polymarket|kalshi: only opportunities all of whose legs trade there;\n"
    "                    repeat or separate with commas\n"
    "  --min-profit USD  minimum expected profit net of fees, e.g. 0.50 (exact decimal)\n"
    "  --event ID        only opportunities touching this event; repeatable\n"
    "  --limit N         at most N opportunities (default 100)\n";

constexpr char kWatchHelp[] =
    "usage: arborctl scanner watch [--lane L]... [--venue V]... [--min-profit USD]\n"
    "                              [--event ID]... [--count N] [--duration D] [--heartbeats]\n"
    "                              [--subscriber-id ID]\n"
    "\n"
    "Scanner.StreamOpportunities: prints the currently live matching opportunities, a\n"
    "heartbeat line marking the end of that snapshot, then new opportunities and withdrawals\n"
    "as they happen, one line each (--output json: one OpportunityUpdate per line). Runs until\n"
    "--count, --duration, the end of the stream, or Ctrl-C.\n"
    "  --lane, --venue, --min-profit, --event   filters, as for `opportunities`\n"
    "  --count N          stop after N opportunities + withdrawals (heartbeats not counted)\n"
    "  --duration D       stop after D, e.g. 30s, 5m\n"
    "  --heartbeats       also print every heartbeat (server time, coalesced count)\n"
    "  --subscriber-id ID  name in the scanner's metrics and logs (default: arborctl-$USER)\n"
    "The stream is given up (exit 3) after --timeout without any message; the scanner is\n"
    "asked for heartbeats every min(1s, timeout/2).\n";

// ---- Argument parsing ---------------------------------------------------------------------------

using Flags = cli::CommandFlags;
using BuildFn = absl::Status (*)(const Flags&, const ScannerEnv&, ScannerInvocation*);

struct SubcommandSpec {
  cli::SubcommandSyntax syntax;
  BuildFn build;
};

absl::Status BuildFilter(const Flags& flags, v1::OpportunityFilter* filter) {
  absl::StatusOr<std::vector<v1::Lane>> lanes = cli::ParseLaneList(flags, "--lane");
  if (!lanes.ok()) return lanes.status();
  for (v1::Lane lane : *lanes) filter->add_lanes(lane);
  absl::StatusOr<std::vector<v1::Venue>> venues = cli::ParseVenueList(flags, "--venue");
  if (!venues.ok()) return venues.status();
  for (v1::Venue venue : *venues) filter->add_venues(venue);
  if (std::optional<std::string> min_profit = flags.Get("--min-profit")) {
    absl::StatusOr<Money> m = Money::Parse(*min_profit);
    if (!m.ok() || m->IsNegative()) {
      return Usage(absl::StrCat("--min-profit: '", *min_profit,
                                "' is not an amount of USD >= 0 (e.g. 0.50)"));
    }
    filter->set_min_expected_profit_micros(m->micros());
  }
  absl::StatusOr<std::vector<std::string>> events = cli::ParseIdList(flags, "--event");
  if (!events.ok()) return events.status();
  for (const std::string& event : *events) filter->add_event_ids(event);
  return absl::OkStatus();
}

absl::Status BuildHealth(const Flags&, const ScannerEnv&, ScannerInvocation* inv) {
  inv->request = v1::GetScannerHealthRequest();
  return absl::OkStatus();
}

absl::Status BuildOpportunities(const Flags& flags, const ScannerEnv&, ScannerInvocation* inv) {
  v1::ListOpportunitiesRequest request;
  v1::OpportunityFilter filter;
  if (absl::Status s = BuildFilter(flags, &filter); !s.ok()) return s;
  if (filter.ByteSizeLong() > 0) *request.mutable_filter() = std::move(filter);
  absl::StatusOr<uint32_t> limit = cli::ParseLimit(flags);
  if (!limit.ok()) return limit.status();
  inv->limit = *limit;
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildWatch(const Flags& flags, const ScannerEnv& env, ScannerInvocation* inv) {
  v1::StreamOpportunitiesRequest request;
  v1::OpportunityFilter filter;
  if (absl::Status s = BuildFilter(flags, &filter); !s.ok()) return s;
  if (filter.ByteSizeLong() > 0) *request.mutable_filter() = std::move(filter);
  if (absl::Status s = cli::ParseWatchFlags(flags, &inv->watch); !s.ok()) return s;
  std::optional<std::string> subscriber = flags.Get("--subscriber-id");
  if (subscriber.has_value() && subscriber->empty()) {
    return Usage("--subscriber-id must not be empty");
  }
  request.set_subscriber_id(subscriber.value_or(cli::DefaultSubscriberId(env.user)));
  request.set_heartbeat_interval_nanos(cli::WatchHeartbeatIntervalNanos(inv->timeout));
  inv->request = std::move(request);
  return absl::OkStatus();
}

const std::vector<SubcommandSpec>& Subcommands() {
  static const std::vector<SubcommandSpec>* const kSpecs = new std::vector<SubcommandSpec>{
      {{"health", kHealthHelp, {}, {}, {}, 0}, BuildHealth},
      {{"lanes", kLanesHelp, {}, {}, {}, 0}, BuildHealth},
      {{"opportunities",
        kOpportunitiesHelp,
        {"--lane", "--venue", "--min-profit", "--event", "--limit"},
        {},
        {"--lane", "--venue", "--event"},
        0},
       BuildOpportunities},
      {{"watch",
        kWatchHelp,
        {"--lane", "--venue", "--min-profit", "--event", "--count", "--duration",
         "--subscriber-id"},
        {"--heartbeats"},
        {"--lane", "--venue", "--event"},
        0},
       BuildWatch},
  };
  return *kSpecs;
}

const std::vector<cli::SubcommandSyntax>& Syntaxes() {
  static const std::vector<cli::SubcommandSyntax>* const kSyntaxes = [] {
    auto* syntaxes = new std::vector<cli::SubcommandSyntax>();
    for (const SubcommandSpec& spec : Subcommands()) syntaxes->push_back(spec.syntax);
    return syntaxes;
  }();
  return *kSyntaxes;
}

// ---- Table formatting ---------------------------------------------------------------------------

std::string LanesTable(const google::protobuf::RepeatedPtrField<v1::LaneHealth>& lanes) {
  Table t("LANE ENABLED >EVALUATIONS >PUBLISHED >LIVE LAST_OPPORTUNITY");
  for (const v1::LaneHealth& l : lanes) {
    t.Add({LaneText(l.lane()), YesNo(l.enabled()), absl::StrCat(l.evaluations_total()),
           absl::StrCat(l.opportunities_total()), absl::StrCat(l.live_opportunities()),
           Ts(l.last_opportunity_unix_nanos())});
  }
  return t.Render();
}

std::string FormatHealth(const v1::GetScannerHealthResponse& r) {
  KeyValues kv;
  AddHealth(r.health(), &kv);
  kv.Add("shards_connected", absl::StrCat(r.shards_connected()))
      .Add("shards_expected", absl::StrCat(r.shards_expected()))
      .Add("books_tracked", absl::StrCat(r.books_tracked()))
      .Add("books_live", absl::StrCat(r.books_live()))
      .Add("subscribers", absl::StrCat(r.subscribers()))
      .Add("catalog_updated", Ts(r.catalog_updated_unix_nanos()));
  return Sections(
      {kv.Render(), ChecksTable(r.health()), r.lanes_size() > 0 ? LanesTable(r.lanes()) : ""});
}

std::string LegsText(const v1::Opportunity& o) {
  std::vector<std::string> legs;
  for (const v1::OpportunityLeg& leg : o.legs()) legs.push_back(LegText(leg));
  return legs.empty() ? "-" : absl::StrJoin(legs, "; ");
}

std::string FormatOpportunities(const v1::ListOpportunitiesResponse& r) {
  Table t(
      "OPPORTUNITY_ID LANE >EXPECTED_PROFIT_USD >GUARANTEED_PROFIT_USD >COST_USD >FEES_USD >EDGE "
      ">SETS >CONFIDENCE CREATED EXPIRES LEGS");
  for (const v1::Opportunity& o : r.opportunities()) {
    t.Add({o.opportunity_id(), LaneText(o.lane()), Usd(o.expected_profit_micros()),
           Usd(o.guaranteed_profit_micros()), Usd(o.total_cost_micros()),
           Usd(o.total_fees_micros()), Px(o.edge_per_set_micros()), Qty(o.size_sets_micros()),
           Ratio(o.confidence()), Ts(o.created_unix_nanos()), Ts(o.expires_unix_nanos()),
           LegsText(o)});
  }
  return t.Render() + CountLine(t.size(), "opportunities", r.next_page_token());
}

std::string UpdateLines(const v1::OpportunityUpdate& u) {
  if (u.has_opportunity()) {
    const v1::Opportunity& o = u.opportunity();
    return absl::StrCat("opportunity  ", o.opportunity_id(), "  lane=", LaneText(o.lane()),
                        "  expected_profit_usd=", Usd(o.expected_profit_micros()),
                        "  edge=", Px(o.edge_per_set_micros()),
                        "  sets=", Qty(o.size_sets_micros()),
                        "  expires=", Ts(o.expires_unix_nanos()), "  legs=[", LegsText(o), "]\n");
  }
  if (u.has_withdrawal()) {
    const v1::OpportunityWithdrawal& w = u.withdrawal();
    return absl::StrCat("withdrawal  ", w.opportunity_id(),
                        "  reason=", EnumText(v1::WithdrawalReason_descriptor(), w.reason()),
                        "  superseded_by=", Text(w.superseded_by()), "  at=", Ts(w.ts_unix_nanos()),
                        "\n");
  }
  return "unknown update (newer scanner?)\n";
}

// ---- RPC execution ------------------------------------------------------------------------------

int RunHealth(const cli::RpcCaller& caller, const ScannerInvocation& inv,
              v1::Scanner::StubInterface* stub, const v1::GetScannerHealthRequest& request) {
  v1::GetScannerHealthResponse response;
  std::unique_ptr<grpc::ClientContext> context = caller.NewContext();
  const grpc::Status status = stub->GetHealth(context.get(), request, &response);
  if (!status.ok()) return caller.Error(status, "GetHealth");
  if (inv.subcommand == "lanes") {
    v1::GetScannerHealthResponse lanes;
    *lanes.mutable_lanes() = response.lanes();
    return caller.Print(lanes, [&] { return LanesTable(lanes.lanes()); });
  }
  return caller.Print(response, [&] { return FormatHealth(response); });
}

int RunOpportunities(const cli::RpcCaller& caller, const ScannerInvocation& inv,
                     v1::Scanner::StubInterface* stub,
                     const v1::ListOpportunitiesRequest& request) {
  v1::ListOpportunitiesResponse merged;
  const int rc = cli::FetchPages(
      caller, request, inv.limit, kMaxPageSize, "ListOpportunities",
      [stub](grpc::ClientContext* context, const v1::ListOpportunitiesRequest& page_request,
             v1::ListOpportunitiesResponse* page) {
        return stub->ListOpportunities(context, page_request, page);
      },
      [](v1::ListOpportunitiesResponse& page) { return page.mutable_opportunities(); },
      [](const v1::ListOpportunitiesResponse&) {}, &merged);
  if (rc != kRpcExitOk) return rc;
  return caller.Print(merged, [&] { return FormatOpportunities(merged); });
}

int RunWatch(const cli::RpcCaller& caller, const ScannerInvocation& inv,
             v1::Scanner::StubInterface* stub, const v1::StreamOpportunitiesRequest& request) {
  return cli::Watch<v1::OpportunityUpdate>(
      caller, inv.watch, "StreamOpportunities",
      [&](grpc::ClientContext* context) { return stub->StreamOpportunities(context, request); },
      [](const v1::OpportunityUpdate& u) -> const v1::StreamHeartbeat* {
        return u.has_heartbeat() ? &u.heartbeat() : nullptr;
      },
      UpdateLines);
}

}  // namespace

ScannerEnv ScannerEnv::FromProcess() {
  ScannerEnv env;
  env.scanner = cli::NonEmptyEnv("ARBOR_SCANNER");
  env.token_file = cli::NonEmptyEnv("ARBOR_SCANNER_TOKEN_FILE");
  env.user = cli::NonEmptyEnv("USER");
  return env;
}

absl::StatusOr<ScannerInvocation> ParseScannerArgs(const std::vector<std::string>& args,
                                                   const ScannerEnv& env) {
  absl::StatusOr<cli::ParsedCommandLine> line =
      cli::ParseCommandLine(args, Syntaxes(), cli::GlobalValueFlags(kScannerCommand));
  if (!line.ok()) return line.status();
  ScannerInvocation inv;
  if (line->help) {
    inv.help = line->subcommand.has_value() ? Syntaxes()[*line->subcommand].help : kScannerUsage;
    return inv;
  }
  const SubcommandSpec& spec = Subcommands()[*line->subcommand];
  inv.subcommand = std::string(spec.syntax.name);
  if (absl::Status s = cli::ResolveGrpcClientOptions(
          kScannerCommand, line->globals, cli::GrpcClientEnv{env.scanner, env.token_file}, &inv);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = spec.build(line->flags, env, &inv); !s.ok()) return s;
  return inv;
}

int RunScannerInvocation(const ScannerInvocation& invocation, v1::Scanner::StubInterface* stub,
                         const std::string& bearer_token, std::ostream& out, std::ostream& err) {
  const cli::RpcCaller caller(kScannerCommand, invocation, bearer_token, out, err);
  const ScannerRequest& r = invocation.request;
  if (const auto* q = std::get_if<v1::GetScannerHealthRequest>(&r)) {
    return RunHealth(caller, invocation, stub, *q);
  }
  if (const auto* q = std::get_if<v1::ListOpportunitiesRequest>(&r)) {
    return RunOpportunities(caller, invocation, stub, *q);
  }
  if (const auto* q = std::get_if<v1::StreamOpportunitiesRequest>(&r)) {
    return RunWatch(caller, invocation, stub, *q);
  }
  err << "arborctl scanner: internal error: no RPC for '" << invocation.subcommand << "'\n";
  return kRpcExitUsage;
}

int RunScannerCommand(const std::vector<std::string>& args, const ScannerEnv& env,
                      std::ostream& out, std::ostream& err) {
  absl::StatusOr<ScannerInvocation> invocation = ParseScannerArgs(args, env);
  if (!invocation.ok()) return cli::ReportUsageError(kScannerCommand, invocation.status(), err);
  if (!invocation->help.empty()) {
    out << invocation->help;
    return kRpcExitOk;
  }
  std::string token;
  if (!invocation->token_file.empty()) {
    absl::StatusOr<std::string> read = cli::ReadBearerToken(invocation->token_file);
    if (!read.ok()) return cli::ReportUsageError(kScannerCommand, read.status(), err);
    token = *std::move(read);
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = cli::MakeChannel(*invocation);
  if (!channel.ok()) return cli::ReportUsageError(kScannerCommand, channel.status(), err);
  std::unique_ptr<v1::Scanner::Stub> stub = v1::Scanner::NewStub(*channel);
  const int rc = RunScannerInvocation(*invocation, stub.get(), token, out, err);
  out.flush();
  return rc;
}

int ScannerMain(const std::vector<std::string>& args) {
  return RunScannerCommand(args, ScannerEnv::FromProcess(), std::cout, std::cerr);
}

}  // namespace arbor::arborctl
