#include "arbor/feed/feed_shard_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::feed {
namespace {

namespace v1 = ::arbor::v1;
using SteadyClock = std::chrono::steady_clock;

constexpr uint32_t kDefaultInstrumentPage = 1000;
constexpr uint32_t kMaxInstrumentPage = 10000;
constexpr uint32_t kDefaultMarketPage = 500;
constexpr uint32_t kMaxMarketPage = 5000;

v1::Venue ToProto(Venue venue) {
  return venue == Venue::kKalshi ? v1::VENUE_KALSHI : v1::VENUE_POLYMARKET;
}

std::optional<Venue> FromProto(int venue) {
  if (venue == v1::VENUE_POLYMARKET) return Venue::kPolymarket;
  if (venue == v1::VENUE_KALSHI) return Venue::kKalshi;
  return std::nullopt;
}

v1::BookStatus ToProto(BookStatus status) {
  switch (status) {
    case BookStatus::kLive:
      return v1::BOOK_STATUS_LIVE;
    case BookStatus::kStale:
      return v1::BOOK_STATUS_STALE;
    case BookStatus::kQuarantined:
      return v1::BOOK_STATUS_QUARANTINED;
    case BookStatus::kClosed:
      return v1::BOOK_STATUS_CLOSED;
  }
  return v1::BOOK_STATUS_UNSPECIFIED;
}

v1::SnapshotReason ToProto(SnapshotReason reason) {
  switch (reason) {
    case SnapshotReason::kInitial:
      return v1::SNAPSHOT_REASON_INITIAL;
    case SnapshotReason::kVenueResync:
      return v1::SNAPSHOT_REASON_VENUE_RESYNC;
    case SnapshotReason::kCoalesced:
      return v1::SNAPSHOT_REASON_COALESCED;
  }
  return v1::SNAPSHOT_REASON_UNSPECIFIED;
}

int64_t UnixNanos(absl::Time t) { return absl::ToUnixNanos(t); }

grpc::Status Invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

// A validated arbor.v1.BookFilter: the fan-out filter plus the venue-qualified instrument ids
// (the fan-out matches instrument ids without their venue).
struct ParsedFilter {
  BookFilter fanout;
  std::vector<std::pair<Venue, std::string>> instruments;

  bool AnyIdList() const {
    return !instruments.empty() || !fanout.market_ids.empty() || !fanout.event_ids.empty();
  }

  bool Matches(const Instrument& in) const {
    if (!fanout.venues.empty() &&
        std::find(fanout.venues.begin(), fanout.venues.end(), in.venue) == fanout.venues.end()) {
      return false;
    }
    if (!AnyIdList()) return true;
    for (const auto& [venue, symbol] : instruments) {
      if (venue == in.venue && symbol == in.id.value()) return true;
    }
    for (const std::string& m : fanout.market_ids) {
      if (m == in.market) return true;
    }
    for (const EventId& e : fanout.event_ids) {
      if (e == in.event) return true;
    }
    return false;
  }
};

// Validates and converts; on error returns INVALID_ARGUMENT naming the field.
grpc::Status ParseFilter(const v1::BookFilter& filter, ParsedFilter* out) {
  bool all_venues = false;
  for (int i = 0; i < filter.venues_size(); ++i) {
    const int v = filter.venues(i);
    if (v == v1::VENUE_UNSPECIFIED) {
      all_venues = true;
      continue;
    }
    std::optional<Venue> venue = FromProto(v);
    if (!venue) return Invalid(absl::StrCat("filter.venues[", i, "]: unknown venue ", v));
    out->fanout.venues.push_back(*venue);
  }
  if (all_venues) out->fanout.venues.clear();
  for (int i = 0; i < filter.instrument_ids_size(); ++i) {
    const v1::InstrumentId& id = filter.instrument_ids(i);
    std::optional<Venue> venue = FromProto(id.venue());
    if (!venue) {
      return Invalid(absl::StrCat("filter.instrument_ids[", i, "].venue: unknown or unset venue ",
                                  static_cast<int>(id.venue())));
    }
    if (id.symbol().empty()) {
      return Invalid(absl::StrCat("filter.instrument_ids[", i, "].symbol is empty"));
    }
    out->fanout.instrument_ids.emplace_back(id.symbol());
    out->instruments.emplace_back(*venue, id.symbol());
  }
  for (int i = 0; i < filter.market_ids_size(); ++i) {
    if (filter.market_ids(i).empty()) {
      return Invalid(absl::StrCat("filter.market_ids[", i, "] is empty"));
    }
    out->fanout.market_ids.push_back(filter.market_ids(i));
  }
  for (int i = 0; i < filter.event_ids_size(); ++i) {
    if (filter.event_ids(i).empty()) {
      return Invalid(absl::StrCat("filter.event_ids[", i, "] is empty"));
    }
    out->fanout.event_ids.emplace_back(filter.event_ids(i));
  }
  return grpc::Status::OK;
}

void SetInstrumentId(Venue venue, const InstrumentId& id, v1::InstrumentId* out) {
  out->set_venue(ToProto(venue));
  out->set_symbol(id.value());
}

// Fills a snapshot (levels truncated to max_depth per side when max_depth > 0).
void FillSnapshot(const InstrumentKey& key, const std::vector<book::Level>& bids,
                  const std::vector<book::Level>& asks, uint64_t sequence, BookStatus status,
                  SnapshotReason reason, uint64_t epoch, uint32_t max_depth,
                  const EventTimes& times, v1::BookSnapshot* out) {
  SetInstrumentId(key.venue, key.instrument_id, out->mutable_instrument_id());
  bool truncated = false;
  auto fill_side = [&](const std::vector<book::Level>& levels,
                       google::protobuf::RepeatedPtrField<v1::PriceLevel>* side) {
    size_t n = levels.size();
    if (max_depth > 0 && n > max_depth) {
      n = max_depth;
      truncated = true;
    }
    side->Reserve(static_cast<int>(n));
    for (size_t i = 0; i < n; ++i) {
      v1::PriceLevel* level = side->Add();
      level->set_price_micros(levels[i].price.micros());
      level->set_size_micros(levels[i].size.micros());
    }
  };
  fill_side(bids, out->mutable_bids());
  fill_side(asks, out->mutable_asks());
  out->set_sequence(sequence);
  out->set_status(ToProto(status));
  out->set_reason(ToProto(reason));
  out->set_book_epoch(epoch);
  out->set_truncated(truncated);
  out->set_ts_event_unix_nanos(times.event_unix_nanos);
  out->set_ts_receipt_unix_nanos(times.receipt_unix_nanos);
}

v1::Side ToProto(TradeSide side) {
  switch (side) {
    case TradeSide::kBuy:
      return v1::SIDE_BUY;
    case TradeSide::kSell:
      return v1::SIDE_SELL;
    case TradeSide::kUnspecified:
      break;
  }
  return v1::SIDE_UNSPECIFIED;
}

v1::MarketStatus StatusOf(const Instrument& in) {
  if (in.closed) return v1::MARKET_STATUS_CLOSED;
  if (in.active) return v1::MARKET_STATUS_OPEN;
  return v1::MARKET_STATUS_PAUSED;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void FillInstrument(const Instrument& in, v1::Instrument* out) {
  SetInstrumentId(in.venue, in.id, out->mutable_instrument_id());
  out->set_market_id(in.market);
  out->set_event_id(in.event.value());
  if (in.venue == Venue::kPolymarket) {
    out->set_token_id(in.id.value());
    out->set_condition_id(in.market);
  } else {
    out->set_kalshi_ticker(in.market);
    const std::string_view id = in.id.view();
    // "<ticker>:YES" <-> "<ticker>:NO".
    if (EndsWith(id, ":YES")) {
      out->mutable_complement_id()->set_venue(v1::VENUE_KALSHI);
      out->mutable_complement_id()->set_symbol(
          absl::StrCat(ToAbsl(id.substr(0, id.size() - 4)), ":NO"));
    } else if (EndsWith(id, ":NO")) {
      out->mutable_complement_id()->set_venue(v1::VENUE_KALSHI);
      out->mutable_complement_id()->set_symbol(
          absl::StrCat(ToAbsl(id.substr(0, id.size() - 3)), ":YES"));
    }
  }
  out->set_outcome_name(in.outcome);
  out->set_outcome_index(in.outcome_index);
  out->set_tick_size_micros(in.tick_size ? in.tick_size->micros() : 0);
  out->set_neg_risk(in.neg_risk);
  out->set_status(StatusOf(in));
}

}  // namespace

v1::FeeSchedule FeeScheduleOf(const Instrument& in) {
  v1::FeeSchedule out;
  if (in.venue == Venue::kKalshi && !in.fees_enabled.has_value()) {
    // KNOWN GAP: Kalshi's fee model lives on the series (fee_type, fee_multiplier; GET
    // /series/{ticker}), which the catalog loader does not fetch yet. Until it does, Kalshi
    // markets are served without a schedule (fees_enabled false), so the lanes price Kalshi legs
    // fee-free, as they did before any schedule was served: the cross-venue lane overstates its
    // edge by the Kalshi taker fee (at most 0.0175 per contract). Serving "unknown" instead would
    // stop the cross-venue lane altogether. docs/feed.md ("Fee schedules").
    out.set_fees_enabled(false);
    return out;
  }
  // Unknown is "enabled, no schedule": never fee-free by default.
  out.set_fees_enabled(in.fees_enabled.value_or(true));
  if (in.venue == Venue::kPolymarket && in.fee_schedule.has_value()) {
    const venue::polymarket::FeeSchedule& f = *in.fee_schedule;
    v1::PolymarketFeeSchedule* p = out.mutable_polymarket();
    p->set_rate_micros(f.rate_micros);
    p->set_exponent(static_cast<uint32_t>(f.exponent));
    p->set_rebate_rate_micros(f.rebate_rate_micros);
    p->set_taker_only(f.taker_only);
  }
  return out;
}

namespace {

// InstrumentUpdate RESOLVED for a book closed by its market's resolution: the instrument as the
// universe knows it (just its id when it has left the universe), status RESOLVED, settlement.
void FillResolution(const FanoutUpdate& update, const Universe* universe, int64_t now_unix_nanos,
                    v1::InstrumentUpdate* out) {
  out->set_kind(v1::INSTRUMENT_UPDATE_KIND_RESOLVED);
  v1::Instrument* in = out->mutable_instrument();
  const Instrument* known = universe == nullptr
                                ? nullptr
                                : universe->Find(update.key.venue, update.key.instrument_id.view());
  if (known != nullptr) {
    FillInstrument(*known, in);
  } else {
    SetInstrumentId(update.key.venue, update.key.instrument_id, in->mutable_instrument_id());
    in->set_market_id(update.key.market_id);
    in->set_event_id(update.key.event_id.value());
  }
  in->set_status(v1::MARKET_STATUS_RESOLVED);
  in->set_settlement_price_micros(*update.settlement_price_micros);
  out->set_ts_event_unix_nanos(update.times.event_unix_nanos);
  out->set_ts_receipt_unix_nanos(
      update.times.receipt_unix_nanos != 0 ? update.times.receipt_unix_nanos : now_unix_nanos);
}

// Page tokens: "<kind>1:<venue number>:<key>", resuming strictly after that key.
std::string MakeToken(char kind, Venue venue, std::string_view key) {
  return absl::StrCat(std::string(1, kind), "1:", static_cast<int>(ToProto(venue)), ":",
                      ToAbsl(key));
}

bool ParseToken(std::string_view token, char kind, Venue* venue, std::string* key) {
  if (token.size() < 5 || token[0] != kind || token[1] != '1' || token[2] != ':') return false;
  const size_t colon = token.find(':', 3);
  if (colon == std::string_view::npos) return false;
  int v = 0;
  if (!absl::SimpleAtoi(ToAbsl(token.substr(3, colon - 3)), &v)) return false;
  std::optional<Venue> parsed = FromProto(v);
  if (!parsed) return false;
  *venue = *parsed;
  *key = std::string(token.substr(colon + 1));
  return !key->empty();
}

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace

v1::FeedPolicy DefaultFeedPolicy() {
  const FeedModePolicy mode;
  v1::FeedPolicy p;
  p.set_preferred_mode(v1::FEED_MODE_STREAM);
  p.set_stale_after_nanos(absl::ToInt64Nanoseconds(absl::Seconds(30)));
  p.set_connection_silence_nanos(absl::ToInt64Nanoseconds(mode.stale_to_hybrid));
  p.set_max_reconnects_per_minute(
      mode.thresholds[static_cast<int>(HealthEvent::kReconnect)].to_hybrid);
  p.set_max_gaps_per_minute(mode.thresholds[static_cast<int>(HealthEvent::kSeqGap)].to_hybrid);
  p.set_recover_after_nanos(absl::ToInt64Nanoseconds(mode.recover_to_stream));
  p.set_poll_interval_nanos(absl::ToInt64Nanoseconds(absl::Seconds(5)));
  p.set_max_assets_per_connection(200);
  p.set_subscriber_queue_limit(4096);
  return p;
}

absl::Status ValidateFeedPolicy(const v1::FeedPolicy& p) {
  const int mode = p.preferred_mode();
  if (mode < v1::FEED_MODE_UNSPECIFIED || mode > v1::FEED_MODE_POLL) {
    return absl::InvalidArgumentError(absl::StrCat("feed_policy.preferred_mode: unknown ", mode));
  }
  const std::pair<const char*, int64_t> durations[] = {
      {"stale_after_nanos", p.stale_after_nanos()},
      {"connection_silence_nanos", p.connection_silence_nanos()},
      {"recover_after_nanos", p.recover_after_nanos()},
      {"poll_interval_nanos", p.poll_interval_nanos()},
  };
  for (const auto& [name, value] : durations) {
    if (value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("feed_policy.", name, " must be >= 0, got ", value));
    }
  }
  if (p.max_assets_per_connection() > 500) {
    return absl::InvalidArgumentError(
        absl::StrCat("feed_policy.max_assets_per_connection must be <= 500, got ",
                     p.max_assets_per_connection()));
  }
  return absl::OkStatus();
}

FeedShardService::FeedShardService(BookFanout* fanout, FeedShardServiceOptions options)
    : fanout_(fanout),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &SystemClock::Get()),
      started_(clock_->Now()),
      epoch_(options_.book_epoch != 0 ? options_.book_epoch
                                      : static_cast<uint64_t>(UnixNanos(started_))),
      policy_(options_.default_policy ? *options_.default_policy : DefaultFeedPolicy()) {}

FeedShardService::~FeedShardService() = default;

void FeedShardService::SetUniverse(std::shared_ptr<const Universe> universe) {
  std::lock_guard<std::mutex> lock(mu_);
  universe_ = std::move(universe);
}

std::shared_ptr<const Universe> FeedShardService::universe() const {
  std::lock_guard<std::mutex> lock(mu_);
  return universe_;
}

void FeedShardService::SetHealthSource(const FeedHealthSource* source) {
  std::lock_guard<std::mutex> lock(mu_);
  health_source_ = source;
}

void FeedShardService::SetMetrics(FeedMetrics* metrics) {
  std::lock_guard<std::mutex> lock(mu_);
  metrics_ = metrics;
}

FeedMetrics* FeedShardService::metrics() const {
  std::lock_guard<std::mutex> lock(mu_);
  return metrics_;
}

void FeedShardService::SetPolicyListener(
    std::function<void(const v1::FeedPolicy&, const v1::PolicyRef&)> listener) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_listener_ = std::move(listener);
}

v1::FeedPolicy FeedShardService::CurrentPolicy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policy_;
}

std::optional<v1::PolicyRef> FeedShardService::CurrentPolicyRef() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policy_ref_;
}

size_t FeedShardService::QueueLimit() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (policy_.subscriber_queue_limit() > 0) return policy_.subscriber_queue_limit();
  return std::max<size_t>(options_.default_queue_limit, 1);
}

void FeedShardService::BeginShutdown() {
  std::vector<SubscriberId> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    for (const auto& [id, stream] : streams_) ids.push_back(id);
  }
  // Unsubscribing wakes each stream's Next() with Cancelled; the stream then ends UNAVAILABLE.
  for (SubscriberId id : ids) (void)fanout_->Unsubscribe(id);
}

size_t FeedShardService::active_subscribers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return streams_.size();
}

std::vector<FeedShardService::SubscriberInfo> FeedShardService::Subscribers() const {
  std::vector<SubscriberInfo> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, stream] : streams_) {
      out.push_back(SubscriberInfo{.subscriber_id = stream.subscriber_id, .fanout_id = id});
    }
  }
  for (SubscriberInfo& info : out) {
    absl::StatusOr<SubscriberStats> stats = fanout_->Stats(info.fanout_id);
    if (stats.ok()) info.stats = *stats;
  }
  std::sort(out.begin(), out.end(), [](const SubscriberInfo& a, const SubscriberInfo& b) {
    return a.fanout_id < b.fanout_id;
  });
  return out;
}

uint64_t FeedShardService::coalesced_snapshots_total() const { return coalesced_total_.load(); }

grpc::Status FeedShardService::StreamBooks(grpc::ServerContext* context,
                                           const v1::StreamBooksRequest* request,
                                           grpc::ServerWriter<v1::BookUpdate>* writer) {
  if (request->subscriber_id().empty()) return Invalid("subscriber_id is required");
  if (request->heartbeat_interval_nanos() < 0) {
    return Invalid(absl::StrCat("heartbeat_interval_nanos must be >= 0, got ",
                                request->heartbeat_interval_nanos()));
  }
  ParsedFilter filter;
  if (grpc::Status s = ParseFilter(request->filter(), &filter); !s.ok()) return s;

  absl::Duration heartbeat = request->heartbeat_interval_nanos() > 0
                                 ? absl::Nanoseconds(request->heartbeat_interval_nanos())
                                 : options_.default_heartbeat_interval;
  heartbeat = std::max(heartbeat, options_.min_heartbeat_interval);
  const absl::Duration poll = std::max(options_.cancel_poll_interval, absl::Milliseconds(1));
  const uint32_t max_depth = request->max_depth();

  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_)
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "feed shard shutting down");
  }
  absl::StatusOr<SubscriberId> subscribed =
      fanout_->Subscribe(std::move(filter.fanout), QueueLimit(), request->include_trades());
  if (!subscribed.ok()) return ToGrpc(subscribed.status());
  const SubscriberId id = *subscribed;
  size_t active = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) {
      (void)fanout_->Unsubscribe(id);
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "feed shard shutting down");
    }
    streams_.emplace(id, Stream{request->subscriber_id()});
    active = streams_.size();
  }
  FeedMetrics* const stream_metrics = metrics();
  if (stream_metrics != nullptr) stream_metrics->SetSubscribers(active);

  FanoutUpdate update;
  v1::BookUpdate message;
  uint64_t coalesced = 0;
  std::array<uint64_t, 2> coalesced_by_venue{};
  // Dropped trades already added to the metric (the fan-out's per-subscriber totals grow).
  std::array<uint64_t, 2> dropped_trades_reported{};
  auto report_dropped_trades = [&](const SubscriberStats& stats) {
    if (stream_metrics == nullptr) return;
    for (size_t v = 0; v < dropped_trades_reported.size(); ++v) {
      const uint64_t total = stats.dropped_trades_by_venue[v];
      if (total > dropped_trades_reported[v]) {
        stream_metrics->AddDroppedTrades(v == 1 ? Venue::kKalshi : Venue::kPolymarket,
                                         total - dropped_trades_reported[v]);
        dropped_trades_reported[v] = total;
      }
    }
  };
  auto last_send = SteadyClock::now();
  auto last_metrics = SteadyClock::time_point{};
  const auto heartbeat_chrono = std::chrono::nanoseconds(absl::ToInt64Nanoseconds(heartbeat));
  grpc::Status result = grpc::Status::OK;

  auto write = [&]() -> bool {
    if (!writer->Write(message)) return false;
    last_send = SteadyClock::now();
    return true;
  };

  for (;;) {
    if (context->IsCancelled()) {
      result = grpc::Status(grpc::StatusCode::CANCELLED, "client cancelled");
      break;
    }
    const auto now = SteadyClock::now();
    if (stream_metrics != nullptr &&
        now - last_metrics >=
            std::chrono::nanoseconds(absl::ToInt64Nanoseconds(options_.metrics_interval))) {
      last_metrics = now;
      if (absl::StatusOr<SubscriberStats> stats = fanout_->Stats(id); stats.ok()) {
        stream_metrics->SetSubscriberQueueDepth(request->subscriber_id(), stats->queued);
        report_dropped_trades(*stats);
      }
    }
    const auto until_heartbeat = last_send + heartbeat_chrono - now;
    const absl::Duration wait = std::clamp(
        absl::Nanoseconds(
            std::chrono::duration_cast<std::chrono::nanoseconds>(until_heartbeat).count()),
        absl::ZeroDuration(), poll);
    absl::Status st = fanout_->Next(id, wait, &update);
    if (absl::IsDeadlineExceeded(st)) {
      if (SteadyClock::now() - last_send >= heartbeat_chrono) {
        message.Clear();
        v1::StreamHeartbeat* hb = message.mutable_heartbeat();
        hb->set_ts_unix_nanos(UnixNanos(Now()));
        hb->set_coalesced_total(coalesced);
        if (!write()) {
          result = grpc::Status(grpc::StatusCode::CANCELLED, "stream closed by client");
          break;
        }
      }
      continue;
    }
    if (absl::IsCancelled(st)) {
      std::lock_guard<std::mutex> lock(mu_);
      result = shutting_down_
                   ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "feed shard shutting down")
                   : grpc::Status(grpc::StatusCode::INTERNAL, "subscription removed");
      break;
    }
    if (!st.ok()) {
      result = ToGrpc(st);
      break;
    }

    message.Clear();
    // Receipt -> gRPC write latency is observed for updates caused by a venue event just now
    // (deltas, trades, venue resync snapshots), not for INITIAL / COALESCED snapshots, whose
    // data may be old by design.
    int64_t latency_from = 0;
    switch (update.kind) {
      case UpdateKind::kSnapshot: {
        FillSnapshot(update.key, update.bids, update.asks, update.sequence, update.status,
                     update.reason, epoch_, max_depth, update.times, message.mutable_snapshot());
        if (update.reason == SnapshotReason::kVenueResync) {
          latency_from = update.times.receipt_mono_nanos;
        }
        if (update.reason == SnapshotReason::kCoalesced) {
          ++coalesced;
          ++coalesced_by_venue[update.key.venue == Venue::kKalshi ? 1 : 0];
        }
        break;
      }
      case UpdateKind::kDeltas: {
        v1::BookDeltas* deltas = message.mutable_deltas();
        const size_t n = update.changes.size();
        deltas->mutable_deltas()->Reserve(static_cast<int>(n));
        const uint64_t first = update.sequence - n + 1;
        for (size_t i = 0; i < n; ++i) {
          const LevelChange& change = update.changes[i];
          v1::BookDelta* d = deltas->add_deltas();
          SetInstrumentId(update.key.venue, update.key.instrument_id, d->mutable_instrument_id());
          d->set_side(change.side == book::BookSide::kBid ? v1::BOOK_SIDE_BID : v1::BOOK_SIDE_ASK);
          d->set_price_micros(change.price.micros());
          if (change.total.micros() > 0) {
            d->set_action(v1::BOOK_ACTION_SET);
            d->set_size_micros(change.total.micros());
          } else {
            d->set_action(v1::BOOK_ACTION_DELETE);
          }
          d->set_sequence(first + i);
          d->set_ts_event_unix_nanos(update.times.event_unix_nanos);
          d->set_ts_receipt_unix_nanos(update.times.receipt_unix_nanos);
          if (i + 1 == n) d->set_flags(v1::BOOK_DELTA_FLAG_LAST);
        }
        latency_from = update.times.receipt_mono_nanos;
        break;
      }
      case UpdateKind::kTrade: {
        v1::Trade* t = message.mutable_trade();
        SetInstrumentId(update.key.venue, update.key.instrument_id, t->mutable_instrument_id());
        t->set_price_micros(update.trade.price.micros());
        t->set_size_micros(update.trade.size.micros());
        t->set_aggressor_side(ToProto(update.trade.aggressor));
        t->set_venue_trade_id(update.trade.venue_trade_id);
        t->set_ts_event_unix_nanos(update.trade.times.event_unix_nanos);
        t->set_ts_receipt_unix_nanos(update.trade.times.receipt_unix_nanos);
        latency_from = update.trade.times.receipt_mono_nanos;
        break;
      }
      case UpdateKind::kStatus: {
        v1::BookStatusUpdate* s = message.mutable_status();
        SetInstrumentId(update.key.venue, update.key.instrument_id, s->mutable_instrument_id());
        s->set_status(ToProto(update.status));
        s->set_reason(update.status_reason);
        s->set_ts_unix_nanos(UnixNanos(Now()));
        break;
      }
      case UpdateKind::kEndOfInitialBurst: {
        v1::StreamHeartbeat* hb = message.mutable_heartbeat();
        hb->set_ts_unix_nanos(UnixNanos(Now()));
        hb->set_coalesced_total(coalesced);
        hb->set_initial_snapshot_complete(true);
        break;
      }
    }
    if (stream_metrics != nullptr && latency_from > 0) {
      // Observed for every subscriber's write, as the update is handed to Write.
      stream_metrics->ObserveLatency(update.key.venue, clock_->MonotonicNanos() - latency_from);
    }
    if (!write()) {
      result = grpc::Status(grpc::StatusCode::CANCELLED, "stream closed by client");
      break;
    }
    // A resolved book's status (or snapshot, for a subscriber that joins or catches up later) is
    // followed by the resolution itself, ordered after the book's last data.
    if (update.settlement_price_micros.has_value()) {
      message.Clear();
      FillResolution(update, universe().get(), UnixNanos(Now()), message.mutable_instrument());
      if (!write()) {
        result = grpc::Status(grpc::StatusCode::CANCELLED, "stream closed by client");
        break;
      }
    }
  }

  // Cleanup: NotFound means BeginShutdown already removed the subscription.
  if (absl::StatusOr<SubscriberStats> stats = fanout_->Stats(id); stats.ok()) {
    report_dropped_trades(*stats);
  }
  (void)fanout_->Unsubscribe(id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.erase(id);
    active = streams_.size();
  }
  coalesced_total_.fetch_add(coalesced);
  for (size_t v = 0; v < coalesced_by_venue.size(); ++v) {
    coalesced_by_venue_[v].fetch_add(coalesced_by_venue[v]);
  }
  if (stream_metrics != nullptr) {
    stream_metrics->RemoveSubscriber(request->subscriber_id());
    stream_metrics->AddCoalescedSnapshots(Venue::kPolymarket, coalesced_by_venue[0]);
    stream_metrics->AddCoalescedSnapshots(Venue::kKalshi, coalesced_by_venue[1]);
    stream_metrics->SetSubscribers(active);  // last: the stream's metric updates are done
  }
  return result;
}

grpc::Status FeedShardService::GetBook(grpc::ServerContext* /*context*/,
                                       const v1::GetBookRequest* request,
                                       v1::GetBookResponse* response) {
  if (!request->has_instrument_id()) return Invalid("instrument_id is required");
  const v1::InstrumentId& id = request->instrument_id();
  std::optional<Venue> venue = FromProto(id.venue());
  if (!venue) {
    return Invalid(
        absl::StrCat("instrument_id.venue: unknown or unset venue ", static_cast<int>(id.venue())));
  }
  if (id.symbol().empty()) return Invalid("instrument_id.symbol is empty");
  absl::StatusOr<BookState> book = fanout_->GetBook(InstrumentId(id.symbol()));
  if (!book.ok() || book->key.venue != *venue) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("instrument ", ToAbsl(VenueName(*venue)), ":", id.symbol(),
                                     " is not owned by this shard"));
  }
  FillSnapshot(book->key, book->bids, book->asks, book->sequence, book->status,
               SnapshotReason::kInitial, epoch_, request->max_depth(), book->times,
               response->mutable_snapshot());
  return grpc::Status::OK;
}

grpc::Status FeedShardService::ListInstruments(grpc::ServerContext* /*context*/,
                                               const v1::ListInstrumentsRequest* request,
                                               v1::ListInstrumentsResponse* response) {
  ParsedFilter filter;
  if (grpc::Status s = ParseFilter(request->filter(), &filter); !s.ok()) return s;
  uint32_t page_size = request->page_size() == 0 ? kDefaultInstrumentPage : request->page_size();
  page_size = std::min(page_size, kMaxInstrumentPage);

  std::shared_ptr<const Universe> universe = this->universe();
  if (universe == nullptr) return grpc::Status::OK;
  const Universe::Map& map = universe->instruments();
  auto it = map.begin();
  if (!request->page_token().empty()) {
    UniverseKey after;
    if (!ParseToken(request->page_token(), 'i', &after.venue, &after.id)) {
      return Invalid("page_token is malformed");
    }
    it = map.upper_bound(after);
  }
  for (; it != map.end(); ++it) {
    const Instrument& in = it->second;
    if (!request->include_closed() && in.closed) continue;
    if (!filter.Matches(in)) continue;
    if (static_cast<uint32_t>(response->instruments_size()) == page_size) {
      // There is at least one more: resume after the last one returned.
      const v1::Instrument& last = response->instruments(response->instruments_size() - 1);
      response->set_next_page_token(
          MakeToken('i', *FromProto(last.instrument_id().venue()), last.instrument_id().symbol()));
      break;
    }
    FillInstrument(in, response->add_instruments());
  }
  return grpc::Status::OK;
}

grpc::Status FeedShardService::ListMarkets(grpc::ServerContext* /*context*/,
                                           const v1::ListMarketsRequest* request,
                                           v1::ListMarketsResponse* response) {
  ParsedFilter filter;
  if (grpc::Status s = ParseFilter(request->filter(), &filter); !s.ok()) return s;
  uint32_t page_size = request->page_size() == 0 ? kDefaultMarketPage : request->page_size();
  page_size = std::min(page_size, kMaxMarketPage);
  std::optional<UniverseKey> after;
  if (!request->page_token().empty()) {
    UniverseKey key;
    if (!ParseToken(request->page_token(), 'm', &key.venue, &key.id)) {
      return Invalid("page_token is malformed");
    }
    after = std::move(key);
  }
  std::shared_ptr<const Universe> universe = this->universe();
  if (universe == nullptr) return grpc::Status::OK;

  // Group by (venue, market) and by (venue, event).
  absl::btree_map<UniverseKey, std::vector<const Instrument*>> markets;
  absl::btree_map<UniverseKey, std::set<std::string>> event_markets;
  for (const auto& [key, in] : universe->instruments()) {
    if (!request->include_closed() && in.closed) continue;
    markets[UniverseKey{in.venue, in.market}].push_back(&in);
    event_markets[UniverseKey{in.venue, in.event.value()}].insert(in.market);
  }
  auto it = after ? markets.upper_bound(*after) : markets.begin();
  std::set<UniverseKey> events_on_page;
  std::map<UniverseKey, const Instrument*> event_sample;
  for (; it != markets.end(); ++it) {
    const std::vector<const Instrument*>& ins = it->second;
    const bool matches = std::any_of(ins.begin(), ins.end(),
                                     [&](const Instrument* in) { return filter.Matches(*in); });
    if (!matches) continue;
    if (static_cast<uint32_t>(response->markets_size()) == page_size) {
      const v1::Market& last = response->markets(response->markets_size() - 1);
      response->set_next_page_token(MakeToken('m', *FromProto(last.venue()), last.market_id()));
      break;
    }
    // market.proto lists instruments in outcome order. The universe iterates in (venue, id)
    // order, which is not it: Polymarket token ids sort as decimal strings (the NO token first
    // in about half of all markets) and Kalshi's "<ticker>:NO" sorts before ":YES".
    std::vector<const Instrument*> ordered = ins;
    std::stable_sort(ordered.begin(), ordered.end(), [](const Instrument* a, const Instrument* b) {
      return a->outcome_index < b->outcome_index;
    });
    const Instrument& first = *ordered.front();
    v1::Market* m = response->add_markets();
    m->set_market_id(it->first.id);
    m->set_venue(ToProto(first.venue));
    m->set_event_id(first.event.value());
    m->set_venue_market_id(it->first.id);
    m->set_tick_size_micros(first.tick_size ? first.tick_size->micros() : 0);
    // Market-level: every token of a market comes from the same catalog record.
    *m->mutable_fee_schedule() = FeeScheduleOf(first);
    bool any_open = false;
    bool all_closed = true;
    for (size_t i = 0; i < ordered.size(); ++i) {
      v1::Instrument* pi = m->add_instruments();
      FillInstrument(*ordered[i], pi);
      m->add_outcomes(ordered[i]->outcome);
      any_open = any_open || (ordered[i]->active && !ordered[i]->closed);
      all_closed = all_closed && ordered[i]->closed;
    }
    // The venue's scheduled end: RFC 3339, or a bare date (Gamma endDateIso, taken as 00:00
    // UTC); unparsable or absent stays 0 = unknown.
    if (absl::Time end; !first.end_time.empty() &&
                        (absl::ParseTime(absl::RFC3339_full, first.end_time, &end, nullptr) ||
                         absl::ParseTime("%Y-%m-%d", first.end_time, &end, nullptr))) {
      m->set_end_unix_nanos(absl::ToUnixNanos(end));
    }
    // A binary Polymarket market: the two tokens complement each other.
    if (first.venue == Venue::kPolymarket && ins.size() == 2) {
      *m->mutable_instruments(0)->mutable_complement_id() = m->instruments(1).instrument_id();
      *m->mutable_instruments(1)->mutable_complement_id() = m->instruments(0).instrument_id();
    }
    m->set_status(any_open ? v1::MARKET_STATUS_OPEN
                           : (all_closed ? v1::MARKET_STATUS_CLOSED : v1::MARKET_STATUS_PAUSED));
    m->set_accepting_orders(any_open);
    m->mutable_neg_risk()->set_neg_risk(first.neg_risk);
    if (first.neg_risk) m->mutable_neg_risk()->set_neg_risk_market_id(first.event.value());
    for (const std::string& tag : first.tags) m->add_tags(tag);
    const UniverseKey event_key{first.venue, first.event.value()};
    if (events_on_page.insert(event_key).second) event_sample[event_key] = &first;
  }
  for (const UniverseKey& key : events_on_page) {
    const Instrument& sample = *event_sample[key];
    v1::Event* e = response->add_events();
    e->set_event_id(key.id);
    e->set_venue(ToProto(key.venue));
    for (const std::string& market : event_markets[key]) e->add_market_ids(market);
    e->set_neg_risk(sample.neg_risk);
    e->set_mutually_exclusive(sample.neg_risk);
    if (sample.neg_risk) e->set_neg_risk_market_id(key.id);
    for (const std::string& tag : sample.tags) e->add_tags(tag);
  }
  return grpc::Status::OK;
}

grpc::Status FeedShardService::GetHealth(grpc::ServerContext* /*context*/,
                                         const v1::GetFeedHealthRequest* /*request*/,
                                         v1::GetFeedHealthResponse* response) {
  const FeedHealthSource* source = nullptr;
  size_t subscribers = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    source = health_source_;
    subscribers = streams_.size();
    *response->mutable_feed_policy() = policy_;
    if (policy_ref_) *response->mutable_policy() = *policy_ref_;
  }
  FeedHealthReport report;
  if (source != nullptr) {
    report = source->GetFeedHealth();
  } else {
    report.live = true;
    report.ready = false;
    report.checks.push_back(HealthCheckReport{.name = "FeedHealthSource",
                                              .ok = false,
                                              .message = "no health source configured",
                                              .since = started_});
  }
  const absl::Time now = Now();

  v1::ComponentHealth* h = response->mutable_health();
  h->set_component("feed");
  h->set_instance(options_.instance);
  h->set_version(options_.version);
  h->set_run_mode(options_.run_mode);
  h->set_live(report.live);
  h->set_ready(report.ready);
  bool degraded = false;
  for (const VenueHealthReport& v : report.venues) degraded |= v.mode != FeedMode::kStream;
  h->set_status(!report.ready
                    ? v1::SERVING_STATUS_NOT_SERVING
                    : (degraded ? v1::SERVING_STATUS_DEGRADED : v1::SERVING_STATUS_SERVING));
  std::stable_sort(report.checks.begin(), report.checks.end(),
                   [](const HealthCheckReport& a, const HealthCheckReport& b) {
                     return !a.ok && b.ok;  // failing first
                   });
  for (const HealthCheckReport& c : report.checks) {
    v1::HealthCheck* pc = h->add_checks();
    pc->set_name(c.name);
    pc->set_ok(c.ok);
    pc->set_message(c.message);
    pc->set_since_unix_nanos(UnixNanos(c.since));
  }
  h->set_started_unix_nanos(UnixNanos(started_));
  h->set_reported_unix_nanos(UnixNanos(now));

  v1::FeedHealth* f = response->mutable_feed();
  f->set_shard_index(options_.shard_index);
  f->set_shard_count(options_.shard_count);
  f->set_subscribers(static_cast<uint32_t>(subscribers));
  f->set_book_epoch(epoch_);
  f->set_reported_unix_nanos(UnixNanos(now));
  for (const VenueHealthReport& v : report.venues) {
    v1::VenueFeedHealth* pv = f->add_venues();
    pv->set_venue(ToProto(v.venue));
    pv->set_mode(static_cast<v1::FeedMode>(static_cast<int>(v.mode)));
    pv->set_mode_reason(v.mode_reason);
    pv->set_mode_since_unix_nanos(UnixNanos(v.mode_since));
    pv->set_connections_open(v.connections_open);
    pv->set_connections_desired(v.connections_desired);
    pv->set_instruments(v.instruments);
    pv->set_books_live(v.books_live);
    pv->set_books_stale(v.books_stale);
    pv->set_books_quarantined(v.books_quarantined);
    pv->set_reconnects_total(v.reconnects_total);
    pv->set_gaps_total(v.gaps_total);
    pv->set_divergences_total(v.divergences_total);
    pv->set_messages_total(v.messages_total);
    pv->set_last_message_age_nanos(absl::ToInt64Nanoseconds(v.last_message_age));
    pv->set_coalesced_snapshots_total(
        coalesced_by_venue_[v.venue == Venue::kKalshi ? 1 : 0].load());
  }
  return grpc::Status::OK;
}

grpc::Status FeedShardService::ApplyFeedPolicy(grpc::ServerContext* /*context*/,
                                               const v1::ApplyFeedPolicyRequest* request,
                                               v1::ApplyFeedPolicyResponse* response) {
  if (!request->has_policy()) return Invalid("policy is required");
  if (!request->has_feed_policy()) return Invalid("feed_policy is required");
  const v1::PolicyRef& ref = request->policy();
  if (ref.policy_uid().empty()) return Invalid("policy.policy_uid is required");
  if (ref.policy_generation() < 1) {
    return Invalid(
        absl::StrCat("policy.policy_generation must be >= 1, got ", ref.policy_generation()));
  }
  if (absl::Status s = ValidateFeedPolicy(request->feed_policy()); !s.ok()) return ToGrpc(s);

  std::function<void(const v1::FeedPolicy&, const v1::PolicyRef&)> listener;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (policy_ref_ && policy_ref_->policy_uid() == ref.policy_uid()) {
      if (ref.policy_generation() < policy_ref_->policy_generation()) {
        return grpc::Status(
            grpc::StatusCode::FAILED_PRECONDITION,
            absl::StrCat("policy generation ", ref.policy_generation(), " is older than applied ",
                         policy_ref_->policy_generation()));
      }
      if (ref.policy_generation() == policy_ref_->policy_generation() &&
          ref.stage_index() == policy_ref_->stage_index()) {
        response->set_changed(false);
        *response->mutable_policy() = *policy_ref_;
        response->set_applied_unix_nanos(UnixNanos(policy_applied_));
        return grpc::Status::OK;
      }
    }
    policy_ = request->feed_policy();
    policy_ref_ = ref;
    policy_applied_ = Now();
    response->set_changed(true);
    *response->mutable_policy() = ref;
    response->set_applied_unix_nanos(UnixNanos(policy_applied_));
    listener = policy_listener_;
  }
  if (listener) listener(request->feed_policy(), ref);
  return grpc::Status::OK;
}

}  // namespace arbor::feed
