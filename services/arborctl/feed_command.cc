#include "feed_command.h"

#include <algorithm>
#include <iostream>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "command_line.h"
#include "table_format.h"

namespace arbor::arborctl {
namespace {

namespace v1 = ::arbor::v1;
using cli::AddHealth;
using cli::AddPolicyRef;
using cli::ChecksTable;
using cli::CountLine;
using cli::Dur;
using cli::EnumText;
using cli::InstrumentText;
using cli::KeyValues;
using cli::Px;
using cli::Qty;
using cli::Required;
using cli::Sections;
using cli::SideText;
using cli::Table;
using cli::Text;
using cli::Ts;
using cli::Usage;
using cli::VenueText;
using cli::YesNo;

const cli::GrpcClientCommand kFeedCommand = {"feed", "--feed", "the feed shard",
                                             kDefaultFeedTarget};

// The largest pages a feed shard serves (feed_service.proto).
constexpr uint32_t kMaxMarketPage = 5000;
constexpr uint32_t kMaxInstrumentPage = 10000;

// ---- Help texts ---------------------------------------------------------------------------------

constexpr char kFeedUsage[] =
    "usage: arborctl feed [--feed HOST:PORT] [--token-file FILE] [--tls-ca FILE]\n"
    "                     [--tls-cert FILE --tls-key FILE] [--timeout D]\n"
    "                     [--output table|json] SUBCOMMAND [ARGS]\n"
    "\n"
    "Talks to one feed shard's gRPC API (arbor.v1.FeedShard). A shard owns a slice of the\n"
    "instruments (a whole event lives on one shard): point --feed at the shard that owns what\n"
    "you ask about.\n"
    "\n"
    "Subcommands (arborctl feed SUBCOMMAND --help for each):\n"
    "  health                 process health, per-venue feed mode and counters, feed policy\n"
    "  markets                markets and events this shard owns (the scanner's catalog)\n"
    "  instruments            instruments (outcome tokens) this shard owns\n"
    "  book                   the current book of one instrument\n"
    "  watch                  stream books, deltas, trades and status changes as they happen\n"
    "  policy apply           push a feed policy (FeedShard.ApplyFeedPolicy)\n"
    "\n"
    "Global flags (before or after the subcommand):\n"
    "  --feed HOST:PORT       feed shard address (default: $ARBOR_FEED, else 127.0.0.1:50051)\n"
    "  --token-file FILE      send \"authorization: Bearer <token>\" on every call, the token\n"
    "                         being FILE's content without surrounding whitespace (default:\n"
    "                         $ARBOR_FEED_TOKEN_FILE). The feed does not authenticate callers\n"
    "                         itself; this is for a proxy in front of it.\n"
    "  --tls-ca FILE          use TLS trusting this CA bundle (PEM); without it: plaintext. The\n"
    "                         feed serves plaintext; TLS is for a TLS-terminating proxy.\n"
    "  --tls-cert FILE --tls-key FILE\n"
    "                         client certificate and key (PEM) for mTLS; need --tls-ca\n"
    "  --timeout D            deadline of each RPC, e.g. 10s, 1500ms, 2m (default 10s); for\n"
    "                         watch, the longest silence (heartbeats included) allowed\n"
    "  --output table|json    table (default): aligned columns, prices with exactly 6\n"
    "                         decimals, times in RFC 3339 UTC; json: the response message as\n"
    "                         one proto3 JSON object (proto field names, defaults omitted;\n"
    "                         int64 values are JSON strings); watch: one object per line\n"
    "\n"
    "Exit codes:\n"
    "  0  ok (watch: --count or --duration reached, or the stream ended cleanly)\n"
    "  1  usage error: bad flags, unreadable or malformed input, token or TLS files (message\n"
    "     on stderr)\n"
    "  2  the feed shard answered with an error status, e.g. NOT_FOUND (instrument not\n"
    "     owned by this shard), INVALID_ARGUMENT, FAILED_PRECONDITION (code and message on\n"
    "     stderr)\n"
    "  3  no answer: cannot connect, UNAVAILABLE (e.g. shutting down), DEADLINE_EXCEEDED,\n"
    "     or a watched stream silent for --timeout\n";

constexpr char kHealthHelp[] =
    "usage: arborctl feed health\n"
    "\n"
    "FeedShard.GetHealth: process health and checks, shard index / count, subscribers, book\n"
    "epoch; per venue the feed mode (STREAM, HYBRID, POLL) and why, connections, books live /\n"
    "stale / quarantined, reconnects, gaps, divergences, messages, coalesced snapshots and the\n"
    "age of the newest venue message; and the feed policy in force.\n";

constexpr char kMarketsHelp[] =
    "usage: arborctl feed markets [--venue V]... [--instrument ID]... [--market ID]...\n"
    "                             [--event ID]... [--include-closed] [--limit N]\n"
    "\n"
    "FeedShard.ListMarkets: the markets this shard owns that match the filter (a market\n"
    "matches if any of its instruments does), ordered by (venue, market id), with their\n"
    "outcomes, and the events they belong to; following pages until N markets.\n"
    "  --venue V          polymarket|kalshi; repeat or separate with commas\n"
    "  --instrument ID    <venue>:<symbol> (e.g. kalshi:KXFED-25DEC-H0:YES), or the bare\n"
    "                     symbol with exactly one --venue; repeatable\n"
    "  --market ID        market id (Polymarket condition id, Kalshi ticker); repeatable\n"
    "  --event ID         event id; repeatable\n"
    "  --include-closed   also closed / resolved markets\n"
    "  --limit N          at most N markets (default 100)\n"
    "An instrument matches when its venue is listed (or no --venue) and, if any of\n"
    "--instrument / --market / --event is given, it is listed in one of them.\n";

constexpr char kInstrumentsHelp[] =
    "usage: arborctl feed instruments [--venue V]... [--instrument ID]... [--market ID]...\n"
    "                                 [--event ID]... [--include-closed] [--limit N]\n"
    "\n"
    "FeedShard.ListInstruments: the instruments (outcome tokens, one book each) this shard\n"
    "owns that match the filter, ordered by (venue, symbol), following pages until N.\n"
    "Filter flags as for `markets`; --limit N at most N instruments (default 100).\n";

constexpr char kBookHelp[] =
    "usage: arborctl feed book --instrument ID [--venue V] [--depth N]\n"
    "\n"
    "FeedShard.GetBook: the current book of one instrument owned by this shard (NOT_FOUND,\n"
    "exit 2, if another shard owns it): status, sequence, times, and the levels, best first.\n"
    "  --instrument ID   <venue>:<symbol> (e.g. polymarket:7132...9821), or the bare symbol\n"
    "                    with --venue (required)\n"
    "  --venue V         polymarket|kalshi\n"
    "  --depth N         at most N levels per side (default: full depth)\n";

constexpr char kWatchHelp[] =
    "usage: arborctl feed watch [--venue V]... [--instrument ID]... [--market ID]...\n"
    "                           [--event ID]... [--trades] [--depth N] [--count N]\n"
    "                           [--duration D] [--heartbeats] [--subscriber-id ID]\n"
    "\n"
    "FeedShard.StreamBooks: prints one snapshot per matching book, a heartbeat line marking\n"
    "the end of that snapshot, then deltas, status changes, catalog changes (and trades with\n"
    "--trades) as they happen, one line each — one line per delta (--output json: one\n"
    "BookUpdate per line). Runs until --count, --duration, the end of the stream, or Ctrl-C.\n"
    "  --venue, --instrument, --market, --event   filter, as for `markets`\n"
    "  --trades           also stream public trade prints\n"
    "  --depth N          at most N levels per side in snapshots (deltas are never cut)\n"
    "  --count N          stop after N updates (heartbeats not counted; a group of deltas\n"
    "                     from one venue event is one update)\n"
    "  --duration D       stop after D, e.g. 30s, 5m\n"
    "  --heartbeats       also print every heartbeat (server time, coalesced count)\n"
    "  --subscriber-id ID  name in the shard's metrics and logs (default: arborctl-$USER)\n"
    "The stream is given up (exit 3) after --timeout without any message; the shard is asked\n"
    "for heartbeats every min(1s, timeout/2).\n";

constexpr char kPolicyApplyHelp[] =
    "usage: arborctl feed policy apply --file FILE --policy-uid UID --policy-generation G\n"
    "           [--policy-name N] [--stage-index I] [--stage-name S] [--stages-hash H]\n"
    "           --by NAME\n"
    "\n"
    "FeedShard.ApplyFeedPolicy: replaces the shard's feed acquisition / failover policy with\n"
    "the arbor.v1.FeedPolicy in FILE (proto3 JSON). The key (policy uid, generation, stage\n"
    "index) makes it idempotent (`changed no`); a generation lower than the applied one for\n"
    "the same uid is refused with FAILED_PRECONDITION (exit 2). The operator normally pushes\n"
    "it to every shard, and its next push replaces a hand-made one. G >= 1; stage index\n"
    "defaults to 0.\n";

// ---- Argument parsing ---------------------------------------------------------------------------

using Flags = cli::CommandFlags;
using BuildFn = absl::Status (*)(const Flags&, const FeedEnv&, FeedInvocation*);

struct SubcommandSpec {
  cli::SubcommandSyntax syntax;
  BuildFn build;
};

// The filter flags. A bare --instrument symbol takes the --venue when exactly one is given; an
// instrument on another venue is refused then (the filter would never match it).
absl::Status BuildFilter(const Flags& flags, v1::BookFilter* filter) {
  absl::StatusOr<std::vector<v1::Venue>> venues = cli::ParseVenueList(flags, "--venue");
  if (!venues.ok()) return venues.status();
  for (v1::Venue venue : *venues) filter->add_venues(venue);
  const std::set<v1::Venue> distinct(venues->begin(), venues->end());
  const std::optional<v1::Venue> default_venue =
      distinct.size() == 1 ? std::optional<v1::Venue>(*distinct.begin()) : std::nullopt;
  for (const std::string& text : flags.All("--instrument")) {
    absl::StatusOr<v1::InstrumentId> id = cli::ParseInstrument("--instrument", text, default_venue);
    if (!id.ok()) return id.status();
    *filter->add_instrument_ids() = *std::move(id);
  }
  absl::StatusOr<std::vector<std::string>> markets = cli::ParseIdList(flags, "--market");
  if (!markets.ok()) return markets.status();
  for (const std::string& m : *markets) filter->add_market_ids(m);
  absl::StatusOr<std::vector<std::string>> events = cli::ParseIdList(flags, "--event");
  if (!events.ok()) return events.status();
  for (const std::string& e : *events) filter->add_event_ids(e);
  return absl::OkStatus();
}

// The filter, or nothing (an unset field) when no filter flag was given.
absl::StatusOr<std::optional<v1::BookFilter>> ParseFilter(const Flags& flags) {
  v1::BookFilter filter;
  if (absl::Status s = BuildFilter(flags, &filter); !s.ok()) return s;
  if (filter.ByteSizeLong() == 0) return std::optional<v1::BookFilter>();
  return std::optional<v1::BookFilter>(std::move(filter));
}

// --depth N: 1..1'000'000; absent = 0 (full depth).
absl::StatusOr<uint32_t> ParseDepth(const Flags& flags) {
  std::optional<std::string> depth = flags.Get("--depth");
  if (!depth.has_value()) return 0;
  absl::StatusOr<uint64_t> n = cli::ParseUnsigned("--depth", *depth, 1, 1'000'000);
  if (!n.ok()) return n.status();
  return static_cast<uint32_t>(*n);
}

absl::Status BuildHealth(const Flags&, const FeedEnv&, FeedInvocation* inv) {
  inv->request = v1::GetFeedHealthRequest();
  return absl::OkStatus();
}

absl::Status BuildMarkets(const Flags& flags, const FeedEnv&, FeedInvocation* inv) {
  v1::ListMarketsRequest request;
  absl::StatusOr<std::optional<v1::BookFilter>> filter = ParseFilter(flags);
  if (!filter.ok()) return filter.status();
  if (filter->has_value()) *request.mutable_filter() = **std::move(filter);
  request.set_include_closed(flags.Has("--include-closed"));
  absl::StatusOr<uint32_t> limit = cli::ParseLimit(flags);
  if (!limit.ok()) return limit.status();
  inv->limit = *limit;
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildInstruments(const Flags& flags, const FeedEnv&, FeedInvocation* inv) {
  v1::ListInstrumentsRequest request;
  absl::StatusOr<std::optional<v1::BookFilter>> filter = ParseFilter(flags);
  if (!filter.ok()) return filter.status();
  if (filter->has_value()) *request.mutable_filter() = **std::move(filter);
  request.set_include_closed(flags.Has("--include-closed"));
  absl::StatusOr<uint32_t> limit = cli::ParseLimit(flags);
  if (!limit.ok()) return limit.status();
  inv->limit = *limit;
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildBook(const Flags& flags, const FeedEnv&, FeedInvocation* inv) {
  v1::GetBookRequest request;
  std::optional<v1::Venue> venue;
  if (std::optional<std::string> text = flags.Get("--venue")) {
    absl::StatusOr<v1::Venue> v = cli::ParseVenue("--venue", *text);
    if (!v.ok()) return v.status();
    venue = *v;
  }
  absl::StatusOr<std::string> text = Required(flags, "--instrument");
  if (!text.ok()) return text.status();
  absl::StatusOr<v1::InstrumentId> id = cli::ParseInstrument("--instrument", *text, venue);
  if (!id.ok()) return id.status();
  *request.mutable_instrument_id() = *std::move(id);
  absl::StatusOr<uint32_t> depth = ParseDepth(flags);
  if (!depth.ok()) return depth.status();
  request.set_max_depth(*depth);
  inv->request = std::move(request);
  return absl::OkStatus();
}

absl::Status BuildWatch(const Flags& flags, const FeedEnv& env, FeedInvocation* inv) {
  v1::StreamBooksRequest request;
  absl::StatusOr<std::optional<v1::BookFilter>> filter = ParseFilter(flags);
  if (!filter.ok()) return filter.status();
  if (filter->has_value()) *request.mutable_filter() = **std::move(filter);
  request.set_include_trades(flags.Has("--trades"));
  absl::StatusOr<uint32_t> depth = ParseDepth(flags);
  if (!depth.ok()) return depth.status();
  request.set_max_depth(*depth);
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

absl::Status BuildPolicyApply(const Flags& flags, const FeedEnv&, FeedInvocation* inv) {
  v1::ApplyFeedPolicyRequest request;
  absl::StatusOr<std::string> file = Required(flags, "--file");
  if (!file.ok()) return file.status();
  inv->input_file = *file;
  v1::PolicyRef& policy = *request.mutable_policy();
  absl::StatusOr<std::string> uid = Required(flags, "--policy-uid");
  if (!uid.ok()) return uid.status();
  policy.set_policy_uid(*uid);
  if (std::optional<std::string> name = flags.Get("--policy-name")) policy.set_policy_name(*name);
  // The feed refuses generation 0 (feed_shard_service.cc), so it is required here.
  absl::StatusOr<std::string> generation = Required(flags, "--policy-generation");
  if (!generation.ok()) return generation.status();
  absl::StatusOr<uint64_t> g = cli::ParseUnsigned("--policy-generation", *generation, 1,
                                                  std::numeric_limits<int64_t>::max());
  if (!g.ok()) return g.status();
  policy.set_policy_generation(static_cast<int64_t>(*g));
  if (std::optional<std::string> index = flags.Get("--stage-index")) {
    absl::StatusOr<uint64_t> i =
        cli::ParseUnsigned("--stage-index", *index, 0, std::numeric_limits<uint32_t>::max());
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

const std::vector<SubcommandSpec>& Subcommands() {
  static const std::vector<SubcommandSpec>* const kSpecs = new std::vector<SubcommandSpec>{
      {{"health", kHealthHelp, {}, {}, {}, 0}, BuildHealth},
      {{"markets",
        kMarketsHelp,
        {"--venue", "--instrument", "--market", "--event", "--limit"},
        {"--include-closed"},
        {"--venue", "--instrument", "--market", "--event"},
        0},
       BuildMarkets},
      {{"instruments",
        kInstrumentsHelp,
        {"--venue", "--instrument", "--market", "--event", "--limit"},
        {"--include-closed"},
        {"--venue", "--instrument", "--market", "--event"},
        0},
       BuildInstruments},
      {{"book", kBookHelp, {"--instrument", "--venue", "--depth"}, {}, {}, 0}, BuildBook},
      {{"watch",
        kWatchHelp,
        {"--venue", "--instrument", "--market", "--event", "--depth", "--count", "--duration",
         "--subscriber-id"},
        {"--trades", "--heartbeats"},
        {"--venue", "--instrument", "--market", "--event"},
        0},
       BuildWatch},
      {{"policy apply",
        kPolicyApplyHelp,
        {"--file", "--policy-uid", "--policy-name", "--policy-generation", "--stage-index",
         "--stage-name", "--stages-hash", "--by"},
        {},
        {},
        0},
       BuildPolicyApply},
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

std::string FeedModeText(int v) { return EnumText(v1::FeedMode_descriptor(), v); }
std::string BookStatusText(int v) { return EnumText(v1::BookStatus_descriptor(), v); }
std::string MarketStatusText(int v) { return EnumText(v1::MarketStatus_descriptor(), v); }

void AddFeedPolicy(const v1::FeedPolicy& p, KeyValues* kv) {
  kv->Add("preferred_mode", FeedModeText(p.preferred_mode()))
      .Add("stale_after", Dur(p.stale_after_nanos()))
      .Add("connection_silence", Dur(p.connection_silence_nanos()))
      .Add("max_reconnects_per_minute", absl::StrCat(p.max_reconnects_per_minute()))
      .Add("max_gaps_per_minute", absl::StrCat(p.max_gaps_per_minute()))
      .Add("recover_after", Dur(p.recover_after_nanos()))
      .Add("poll_interval", Dur(p.poll_interval_nanos()))
      .Add("max_assets_per_connection", absl::StrCat(p.max_assets_per_connection()))
      .Add("subscriber_queue_limit", absl::StrCat(p.subscriber_queue_limit()));
}

std::string FormatHealth(const v1::GetFeedHealthResponse& r) {
  KeyValues kv;
  AddHealth(r.health(), &kv);
  const v1::FeedHealth& f = r.feed();
  kv.Add("shard_index", absl::StrCat(f.shard_index()))
      .Add("shard_count", absl::StrCat(f.shard_count()))
      .Add("subscribers", absl::StrCat(f.subscribers()))
      .Add("book_epoch", absl::StrCat(f.book_epoch()))
      .Add("feed_reported", Ts(f.reported_unix_nanos()));
  std::string venues;
  if (f.venues_size() > 0) {
    Table t(
        "VENUE MODE MODE_REASON MODE_SINCE >CONNECTIONS >INSTRUMENTS >LIVE >STALE >QUARANTINED "
        ">RECONNECTS >GAPS >DIVERGENCES >MESSAGES >COALESCED LAST_MESSAGE_AGE");
    for (const v1::VenueFeedHealth& v : f.venues()) {
      t.Add({VenueText(v.venue()), FeedModeText(v.mode()), Text(v.mode_reason()),
             Ts(v.mode_since_unix_nanos()),
             absl::StrCat(v.connections_open(), "/", v.connections_desired()),
             absl::StrCat(v.instruments()), absl::StrCat(v.books_live()),
             absl::StrCat(v.books_stale()), absl::StrCat(v.books_quarantined()),
             absl::StrCat(v.reconnects_total()), absl::StrCat(v.gaps_total()),
             absl::StrCat(v.divergences_total()), absl::StrCat(v.messages_total()),
             absl::StrCat(v.coalesced_snapshots_total()), Dur(v.last_message_age_nanos())});
    }
    venues = t.Render();
  }
  KeyValues policy;
  AddFeedPolicy(r.feed_policy(), &policy);
  if (r.has_policy()) {
    AddPolicyRef(r.policy(), &policy);
  } else {
    policy.Add("policy", "default (none pushed)");
  }
  return Sections({kv.Render(), ChecksTable(r.health()), venues, policy.Render()});
}

std::string FormatMarkets(const v1::ListMarketsResponse& r) {
  Table t("MARKET_ID VENUE EVENT_ID STATUS ACCEPTING >TICK NEG_RISK OUTCOMES END QUESTION");
  for (const v1::Market& m : r.markets()) {
    t.Add({m.market_id(), VenueText(m.venue()), Text(m.event_id()), MarketStatusText(m.status()),
           YesNo(m.accepting_orders()), Px(m.tick_size_micros()), YesNo(m.neg_risk().neg_risk()),
           m.outcomes_size() > 0 ? absl::StrJoin(m.outcomes(), "/") : "-", Ts(m.end_unix_nanos()),
           Text(m.question())});
  }
  std::string events;
  if (r.events_size() > 0) {
    Table e("EVENT_ID VENUE >MARKETS MUTUALLY_EXCLUSIVE NEG_RISK TITLE");
    for (const v1::Event& ev : r.events()) {
      e.Add({ev.event_id(), VenueText(ev.venue()), absl::StrCat(ev.market_ids_size()),
             YesNo(ev.mutually_exclusive()), YesNo(ev.neg_risk()), Text(ev.title())});
    }
    events = e.Render();
  }
  return Sections({t.Render() + CountLine(t.size(), "markets", r.next_page_token()), events});
}

std::string FormatInstruments(const v1::ListInstrumentsResponse& r) {
  Table t("INSTRUMENT MARKET_ID EVENT_ID OUTCOME >INDEX >TICK STATUS NEG_RISK COMPLEMENT");
  for (const v1::Instrument& i : r.instruments()) {
    t.Add({InstrumentText(i.instrument_id()), Text(i.market_id()), Text(i.event_id()),
           Text(i.outcome_name()), absl::StrCat(i.outcome_index()), Px(i.tick_size_micros()),
           MarketStatusText(i.status()), YesNo(i.neg_risk()), InstrumentText(i.complement_id())});
  }
  return t.Render() + CountLine(t.size(), "instruments", r.next_page_token());
}

std::string LevelText(const v1::PriceLevel& level) {
  return absl::StrCat(Px(level.price_micros()), "x", Qty(level.size_micros()));
}

std::string FormatBook(const v1::GetBookResponse& r) {
  const v1::BookSnapshot& s = r.snapshot();
  KeyValues kv;
  kv.Add("instrument", InstrumentText(s.instrument_id()))
      .Add("status", BookStatusText(s.status()))
      .Add("reason", EnumText(v1::SnapshotReason_descriptor(), s.reason()))
      .Add("sequence", absl::StrCat(s.sequence()))
      .Add("book_epoch", absl::StrCat(s.book_epoch()))
      .Add("venue_sequence", absl::StrCat(s.venue_sequence()))
      .Add("event", Ts(s.ts_event_unix_nanos()))
      .Add("received", Ts(s.ts_receipt_unix_nanos()))
      .Add("venue_hash", Text(s.venue_hash()))
      .Add("truncated", YesNo(s.truncated()));
  Table t(">LEVEL >BID_SIZE >BID >ASK >ASK_SIZE");
  const int levels = std::max(s.bids_size(), s.asks_size());
  for (int i = 0; i < levels; ++i) {
    std::vector<std::string> row = {absl::StrCat(i + 1), "", "", "", ""};
    if (i < s.bids_size()) {
      row[1] = Qty(s.bids(i).size_micros());
      row[2] = Px(s.bids(i).price_micros());
    }
    if (i < s.asks_size()) {
      row[3] = Px(s.asks(i).price_micros());
      row[4] = Qty(s.asks(i).size_micros());
    }
    t.Add(std::move(row));
  }
  return Sections({kv.Render(), t.Render()});
}

std::string FormatApplyPolicy(const v1::ApplyFeedPolicyResponse& r) {
  KeyValues kv;
  kv.Add("changed", YesNo(r.changed()));
  AddPolicyRef(r.policy(), &kv);
  kv.Add("applied", Ts(r.applied_unix_nanos()));
  return kv.Render();
}

std::string DeltaFlagsText(uint32_t flags) {
  std::vector<std::string> names;
  if ((flags & v1::BOOK_DELTA_FLAG_SNAPSHOT) != 0) names.push_back("snapshot");
  if ((flags & v1::BOOK_DELTA_FLAG_LAST) != 0) names.push_back("last");
  const uint32_t other =
      flags & ~static_cast<uint32_t>(v1::BOOK_DELTA_FLAG_SNAPSHOT | v1::BOOK_DELTA_FLAG_LAST);
  if (other != 0) names.push_back(absl::StrCat("0x", absl::Hex(other)));
  return absl::StrJoin(names, ",");
}

// One line per update (per delta for a BookDeltas group).
std::string UpdateLines(const v1::BookUpdate& u) {
  switch (u.payload_case()) {
    case v1::BookUpdate::kSnapshot: {
      const v1::BookSnapshot& s = u.snapshot();
      return absl::StrCat("snapshot  ", InstrumentText(s.instrument_id()), "  seq=", s.sequence(),
                          "  status=", BookStatusText(s.status()),
                          "  reason=", EnumText(v1::SnapshotReason_descriptor(), s.reason()),
                          "  bids=", s.bids_size(), "  asks=", s.asks_size(),
                          "  best_bid=", s.bids_size() > 0 ? LevelText(s.bids(0)) : "-",
                          "  best_ask=", s.asks_size() > 0 ? LevelText(s.asks(0)) : "-",
                          "  event=", Ts(s.ts_event_unix_nanos()),
                          s.truncated() ? "  truncated" : "", "\n");
    }
    case v1::BookUpdate::kDeltas: {
      std::string lines;
      for (const v1::BookDelta& d : u.deltas().deltas()) {
        absl::StrAppend(&lines, "delta  ", InstrumentText(d.instrument_id()),
                        "  seq=", d.sequence(),
                        "  action=", EnumText(v1::BookAction_descriptor(), d.action()),
                        "  side=", EnumText(v1::BookSide_descriptor(), d.side()),
                        "  price=", Px(d.price_micros()), "  size=", Qty(d.size_micros()));
        if (d.flags() != 0) absl::StrAppend(&lines, "  flags=", DeltaFlagsText(d.flags()));
        lines += "\n";
      }
      return lines.empty() ? "deltas  (empty group)\n" : lines;
    }
    case v1::BookUpdate::kTrade: {
      const v1::Trade& t = u.trade();
      return absl::StrCat("trade  ", InstrumentText(t.instrument_id()),
                          "  side=", SideText(t.aggressor_side()), "  price=", Px(t.price_micros()),
                          "  size=", Qty(t.size_micros()), "  id=", Text(t.venue_trade_id()),
                          "  event=", Ts(t.ts_event_unix_nanos()), "\n");
    }
    case v1::BookUpdate::kStatus: {
      const v1::BookStatusUpdate& s = u.status();
      return absl::StrCat("status  ", InstrumentText(s.instrument_id()),
                          "  status=", BookStatusText(s.status()), "  reason=", Text(s.reason()),
                          "  at=", Ts(s.ts_unix_nanos()), "\n");
    }
    case v1::BookUpdate::kInstrument: {
      const v1::InstrumentUpdate& i = u.instrument();
      std::string line = absl::StrCat(
          "instrument  ", InstrumentText(i.instrument().instrument_id()),
          "  kind=", EnumText(v1::InstrumentUpdateKind_descriptor(), i.kind()),
          "  status=", MarketStatusText(i.instrument().status()),
          "  tick=", Px(i.instrument().tick_size_micros()), "  at=", Ts(i.ts_event_unix_nanos()));
      if (i.instrument().has_settlement_price_micros()) {
        absl::StrAppend(&line, "  settlement=", Px(i.instrument().settlement_price_micros()));
      }
      return line + "\n";
    }
    case v1::BookUpdate::kHeartbeat:
      return cli::HeartbeatLine(u.heartbeat()) + "\n";
    case v1::BookUpdate::PAYLOAD_NOT_SET:
      break;
  }
  return "unknown update (newer feed?)\n";
}

// ---- RPC execution ------------------------------------------------------------------------------

template <typename Req, typename Resp>
int Unary(const cli::RpcCaller& caller, const Req& request,
          grpc::Status (v1::FeedShard::StubInterface::*method)(grpc::ClientContext*, const Req&,
                                                               Resp*),
          v1::FeedShard::StubInterface* stub, const char* rpc, std::string (*format)(const Resp&)) {
  Resp response;
  std::unique_ptr<grpc::ClientContext> context = caller.NewContext();
  const grpc::Status status = (stub->*method)(context.get(), request, &response);
  if (!status.ok()) return caller.Error(status, rpc);
  return caller.Print(response, [&] { return format(response); });
}

int RunMarkets(const cli::RpcCaller& caller, const FeedInvocation& inv,
               v1::FeedShard::StubInterface* stub, const v1::ListMarketsRequest& request) {
  v1::ListMarketsResponse merged;
  std::vector<v1::Event> events;
  const int rc = cli::FetchPages(
      caller, request, inv.limit, kMaxMarketPage, "ListMarkets",
      [stub](grpc::ClientContext* context, const v1::ListMarketsRequest& page_request,
             v1::ListMarketsResponse* page) {
        return stub->ListMarkets(context, page_request, page);
      },
      [](v1::ListMarketsResponse& page) { return page.mutable_markets(); },
      [&events](const v1::ListMarketsResponse& page) {
        events.insert(events.end(), page.events().begin(), page.events().end());
      },
      &merged);
  if (rc != kRpcExitOk) return rc;
  // The events of the markets kept, once each, in first-seen order (an event can span pages).
  std::set<std::pair<int, std::string>> wanted;
  for (const v1::Market& m : merged.markets()) {
    if (!m.event_id().empty()) wanted.emplace(m.venue(), m.event_id());
  }
  for (v1::Event& e : events) {
    if (wanted.erase({e.venue(), e.event_id()}) > 0) *merged.add_events() = std::move(e);
  }
  return caller.Print(merged, [&] { return FormatMarkets(merged); });
}

int RunInstruments(const cli::RpcCaller& caller, const FeedInvocation& inv,
                   v1::FeedShard::StubInterface* stub, const v1::ListInstrumentsRequest& request) {
  v1::ListInstrumentsResponse merged;
  const int rc = cli::FetchPages(
      caller, request, inv.limit, kMaxInstrumentPage, "ListInstruments",
      [stub](grpc::ClientContext* context, const v1::ListInstrumentsRequest& page_request,
             v1::ListInstrumentsResponse* page) {
        return stub->ListInstruments(context, page_request, page);
      },
      [](v1::ListInstrumentsResponse& page) { return page.mutable_instruments(); },
      [](const v1::ListInstrumentsResponse&) {}, &merged);
  if (rc != kRpcExitOk) return rc;
  return caller.Print(merged, [&] { return FormatInstruments(merged); });
}

int RunWatch(const cli::RpcCaller& caller, const FeedInvocation& inv,
             v1::FeedShard::StubInterface* stub, const v1::StreamBooksRequest& request) {
  return cli::Watch<v1::BookUpdate>(
      caller, inv.watch, "StreamBooks",
      [&](grpc::ClientContext* context) { return stub->StreamBooks(context, request); },
      [](const v1::BookUpdate& u) -> const v1::StreamHeartbeat* {
        return u.has_heartbeat() ? &u.heartbeat() : nullptr;
      },
      UpdateLines);
}

}  // namespace

FeedEnv FeedEnv::FromProcess() {
  FeedEnv env;
  env.feed = cli::NonEmptyEnv("ARBOR_FEED");
  env.token_file = cli::NonEmptyEnv("ARBOR_FEED_TOKEN_FILE");
  env.user = cli::NonEmptyEnv("USER");
  return env;
}

absl::StatusOr<FeedInvocation> ParseFeedArgs(const std::vector<std::string>& args,
                                             const FeedEnv& env) {
  absl::StatusOr<cli::ParsedCommandLine> line =
      cli::ParseCommandLine(args, Syntaxes(), cli::GlobalValueFlags(kFeedCommand));
  if (!line.ok()) return line.status();
  FeedInvocation inv;
  if (line->help) {
    inv.help = line->subcommand.has_value() ? Syntaxes()[*line->subcommand].help : kFeedUsage;
    return inv;
  }
  const SubcommandSpec& spec = Subcommands()[*line->subcommand];
  inv.subcommand = std::string(spec.syntax.name);
  if (absl::Status s = cli::ResolveGrpcClientOptions(
          kFeedCommand, line->globals, cli::GrpcClientEnv{env.feed, env.token_file}, &inv);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = spec.build(line->flags, env, &inv); !s.ok()) return s;
  return inv;
}

absl::Status LoadFeedInput(FeedInvocation* invocation) {
  if (auto* apply = std::get_if<v1::ApplyFeedPolicyRequest>(&invocation->request)) {
    return cli::ParseJsonFile("--file", invocation->input_file, apply->mutable_feed_policy());
  }
  return absl::OkStatus();
}

int RunFeedInvocation(const FeedInvocation& invocation, v1::FeedShard::StubInterface* stub,
                      const std::string& bearer_token, std::ostream& out, std::ostream& err) {
  const cli::RpcCaller caller(kFeedCommand, invocation, bearer_token, out, err);
  const FeedRequest& r = invocation.request;
  using Stub = v1::FeedShard::StubInterface;
  if (const auto* q = std::get_if<v1::GetFeedHealthRequest>(&r)) {
    return Unary(caller, *q, &Stub::GetHealth, stub, "GetHealth", FormatHealth);
  }
  if (const auto* q = std::get_if<v1::ListMarketsRequest>(&r)) {
    return RunMarkets(caller, invocation, stub, *q);
  }
  if (const auto* q = std::get_if<v1::ListInstrumentsRequest>(&r)) {
    return RunInstruments(caller, invocation, stub, *q);
  }
  if (const auto* q = std::get_if<v1::GetBookRequest>(&r)) {
    return Unary(caller, *q, &Stub::GetBook, stub, "GetBook", FormatBook);
  }
  if (const auto* q = std::get_if<v1::StreamBooksRequest>(&r)) {
    return RunWatch(caller, invocation, stub, *q);
  }
  if (const auto* q = std::get_if<v1::ApplyFeedPolicyRequest>(&r)) {
    return Unary(caller, *q, &Stub::ApplyFeedPolicy, stub, "ApplyFeedPolicy", FormatApplyPolicy);
  }
  err << "arborctl feed: internal error: no RPC for '" << invocation.subcommand << "'\n";
  return kRpcExitUsage;
}

int RunFeedCommand(const std::vector<std::string>& args, const FeedEnv& env, std::ostream& out,
                   std::ostream& err) {
  absl::StatusOr<FeedInvocation> invocation = ParseFeedArgs(args, env);
  if (!invocation.ok()) return cli::ReportUsageError(kFeedCommand, invocation.status(), err);
  if (!invocation->help.empty()) {
    out << invocation->help;
    return kRpcExitOk;
  }
  if (absl::Status loaded = LoadFeedInput(&*invocation); !loaded.ok()) {
    return cli::ReportUsageError(kFeedCommand, loaded, err);
  }
  std::string token;
  if (!invocation->token_file.empty()) {
    absl::StatusOr<std::string> read = cli::ReadBearerToken(invocation->token_file);
    if (!read.ok()) return cli::ReportUsageError(kFeedCommand, read.status(), err);
    token = *std::move(read);
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = cli::MakeChannel(*invocation);
  if (!channel.ok()) return cli::ReportUsageError(kFeedCommand, channel.status(), err);
  std::unique_ptr<v1::FeedShard::Stub> stub = v1::FeedShard::NewStub(*channel);
  const int rc = RunFeedInvocation(*invocation, stub.get(), token, out, err);
  out.flush();
  return rc;
}

int FeedMain(const std::vector<std::string>& args) {
  return RunFeedCommand(args, FeedEnv::FromProcess(), std::cout, std::cerr);
}

}  // namespace arbor::arborctl
