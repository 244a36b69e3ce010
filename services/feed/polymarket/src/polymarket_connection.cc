#include "arbor/feed/polymarket_connection.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace arbor::feed {
namespace {

namespace pm = ::arbor::venue::polymarket;

int64_t Nanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }

// The frame's receipt times with the event's venue timestamp (ms; 0 = none).
EventTimes WithEvent(const EventTimes& receipt, int64_t timestamp_ms) {
  EventTimes t = receipt;
  t.event_unix_nanos = timestamp_ms > 0 ? timestamp_ms * 1'000'000 : 0;
  return t;
}

// {"assets_ids":["a","b"], ...} — token ids are decimal strings, no escaping needed.
std::string AssetsJson(const std::vector<std::string>& ids) {
  return absl::StrCat("[\"", absl::StrJoin(ids, "\",\""), "\"]");
}

std::vector<std::string> Sorted(const absl::flat_hash_set<std::string>& set) {
  std::vector<std::string> out(set.begin(), set.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void PolymarketConnectionCounters::Add(const PolymarketConnectionCounters& o) {
  frames += o.frames;
  data_frames += o.data_frames;
  pongs += o.pongs;
  decode_errors += o.decode_errors;
  book_events += o.book_events;
  price_change_events += o.price_change_events;
  tick_size_change_events += o.tick_size_change_events;
  market_resolved_events += o.market_resolved_events;
  other_events += o.other_events;
  connects += o.connects;
  reconnects += o.reconnects;
  connect_failures += o.connect_failures;
  stale_timeouts += o.stale_timeouts;
  quarantines += o.quarantines;
  resyncs += o.resyncs;
  subscribe_frames += o.subscribe_frames;
  trades += o.trades;
  last_message_nanos = std::max(last_message_nanos, o.last_message_nanos);
  last_data_nanos = std::max(last_data_nanos, o.last_data_nanos);
}

absl::Status ValidatePolymarketConnectionOptions(const PolymarketConnectionOptions& o) {
  if (o.max_tokens < 1 || o.max_tokens > kPolymarketMaxTokensPerConnection) {
    return absl::InvalidArgumentError(absl::StrCat("tokens_per_connection must be in [1, ",
                                                   kPolymarketMaxTokensPerConnection, "], got ",
                                                   o.max_tokens));
  }
  if (o.batch_window < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("batch_window must be >= 0");
  }
  if (o.ping_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ping_interval must be > 0");
  }
  if (o.stale_after <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("stale_after must be > 0");
  }
  if (o.path.empty() || o.path[0] != '/') {
    return absl::InvalidArgumentError("path must start with '/'");
  }
  return absl::OkStatus();
}

PolymarketConnection::PolymarketConnection(int id, PolymarketConnectionOptions options,
                                           BookPublisher* publisher, const Clock* clock,
                                           PolymarketHealthCallback health)
    : id_(id),
      options_(std::move(options)),
      publisher_(publisher),
      clock_(clock),
      health_(std::move(health)),
      backoff_(options_.backoff, 0x5eed + static_cast<uint64_t>(id)) {}

PolymarketConnection::~PolymarketConnection() { Stop(); }

absl::Status PolymarketConnection::Subscribe(const std::vector<InstrumentId>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t added = 0;
  for (const InstrumentId& id : ids) {
    if (!tokens_.contains(std::string(id.view()))) ++added;
  }
  if (tokens_.size() + added > static_cast<size_t>(options_.max_tokens)) {
    return absl::ResourceExhaustedError(absl::StrCat("connection ", id_, " would hold ",
                                                     tokens_.size() + added, " tokens, limit ",
                                                     options_.max_tokens));
  }
  for (const InstrumentId& id : ids) {
    std::string token(id.view());
    if (!tokens_.insert(token).second) continue;
    pending_unsubscribe_.erase(token);
    pending_subscribe_.insert(token);
  }
  if (batch_deadline_nanos_ == 0 && !pending_subscribe_.empty()) {
    batch_deadline_nanos_ = clock_->MonotonicNanos() + Nanos(options_.batch_window);
  }
  return absl::OkStatus();
}

void PolymarketConnection::Unsubscribe(const std::vector<InstrumentId>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const InstrumentId& id : ids) {
    std::string token(id.view());
    if (tokens_.erase(token) == 0) continue;
    pending_resync_.erase(token);
    next_source_.erase(token);
    // Not yet sent: just forget it; otherwise tell the venue.
    if (pending_subscribe_.erase(token) == 0) pending_unsubscribe_.insert(token);
  }
  if (batch_deadline_nanos_ == 0 && !pending_unsubscribe_.empty()) {
    batch_deadline_nanos_ = clock_->MonotonicNanos() + Nanos(options_.batch_window);
  }
}

void PolymarketConnection::ResyncTokens(const std::vector<InstrumentId>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const InstrumentId& id : ids) {
    std::string token(id.view());
    if (!tokens_.contains(token)) continue;
    pending_resync_.insert(token);
    next_source_[token] = SnapshotSource::kResync;
    ++counters_.resyncs;
  }
  if (batch_deadline_nanos_ == 0 && !pending_resync_.empty()) {
    batch_deadline_nanos_ = clock_->MonotonicNanos() + Nanos(options_.batch_window);
  }
}

void PolymarketConnection::WithBooks(const std::function<void(const pm::BookSet&)>& fn) const {
  std::lock_guard<std::mutex> lock(mu_);
  fn(books_);
}

int64_t PolymarketConnection::newest_event_ms() const {
  std::lock_guard<std::mutex> lock(mu_);
  return newest_event_ms_;
}

size_t PolymarketConnection::token_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_.size();
}

std::vector<InstrumentId> PolymarketConnection::Tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<InstrumentId> out;
  for (const std::string& t : Sorted(tokens_)) out.emplace_back(t);
  return out;
}

bool PolymarketConnection::is_open() const {
  std::lock_guard<std::mutex> lock(mu_);
  return phase_ == Phase::kConnected && client_ != nullptr && !closed_by_peer_;
}

PolymarketConnectionCounters PolymarketConnection::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

absl::Status PolymarketConnection::SendLocked(const std::string& frame) {
  if (client_ == nullptr) return absl::UnavailableError("not connected");
  return client_->SendText(frame);
}

void PolymarketConnection::Emit(std::vector<PolymarketHealthEvent>& events) {
  if (health_) {
    for (const PolymarketHealthEvent& e : events) health_(e);
  }
  events.clear();
}

void PolymarketConnection::Stop() {
  std::unique_ptr<net::WsClient> client;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (phase_ == Phase::kStopped) return;
    phase_ = Phase::kStopped;
    ++generation_;
    client = std::move(client_);
  }
  if (client != nullptr) {
    (void)client->Close(1000, "shutdown");
    client.reset();  // joins the I/O thread (outside the lock: callbacks take it)
  }
}

// Drops the socket (outside the lock), marks books awaiting a snapshot, schedules a reconnect.
void PolymarketConnection::Disconnect(std::string_view reason, bool count_reconnect) {
  std::unique_ptr<net::WsClient> client;
  std::vector<PolymarketHealthEvent> events;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (phase_ == Phase::kStopped) return;
    client = std::move(client_);
    ++generation_;
    closed_by_peer_ = false;
    phase_ = Phase::kBackoff;
    next_connect_nanos_ = clock_->MonotonicNanos() + Nanos(backoff_.Next());
    for (const std::string& t : tokens_) {
      (void)publisher_->ExpectSnapshot(InstrumentId(t), "Reconnecting");
    }
    books_.ClearBooks();
    if (count_reconnect) {
      events.push_back({PolymarketHealthEventType::kReconnect, id_, std::string(reason)});
    }
  }
  if (client != nullptr) client.reset();
  Emit(events);
}

void PolymarketConnection::Tick() {
  const int64_t now = clock_->MonotonicNanos();
  std::vector<PolymarketHealthEvent> events;
  bool connect = false;
  bool lost = false;
  bool stale = false;
  bool probe = false;
  std::vector<InstrumentId> probe_ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    switch (phase_) {
      case Phase::kStopped:
        return;
      case Phase::kIdle:
        connect = !tokens_.empty();
        break;
      case Phase::kBackoff:
        connect = now >= next_connect_nanos_;
        break;
      case Phase::kConnected:
        if (closed_by_peer_ || client_ == nullptr || !client_->is_open()) {
          lost = true;
          break;
        }
        if (!tokens_.empty() &&
            now - std::max({counters_.last_data_nanos, connected_nanos_, last_probe_nanos_}) >=
                Nanos(options_.stale_after)) {
          // (since the last data frame, the connect when nothing arrived yet, or the last probe)
          if (options_.silence_probe) {
            probe = true;
            last_probe_nanos_ = now;
            probe_ids.reserve(tokens_.size());
            for (const std::string& t : tokens_) probe_ids.emplace_back(t);
            break;
          }
          stale = true;
          ++counters_.stale_timeouts;
          for (const std::string& t : tokens_) {
            (void)publisher_->MarkStale(InstrumentId(t), "NoDataTimeout");
          }
          events.push_back({PolymarketHealthEventType::kStale, id_, "NoDataTimeout"});
          break;
        }
        if (now >= next_ping_nanos_) {
          (void)SendLocked("PING");
          next_ping_nanos_ = now + Nanos(options_.ping_interval);
        }
        if (batch_deadline_nanos_ != 0 && now >= batch_deadline_nanos_) {
          batch_deadline_nanos_ = 0;
          if (!pending_unsubscribe_.empty() || !pending_resync_.empty()) {
            absl::flat_hash_set<std::string> un = pending_unsubscribe_;
            un.insert(pending_resync_.begin(), pending_resync_.end());
            (void)SendLocked(absl::StrCat("{\"assets_ids\":", AssetsJson(Sorted(un)),
                                          ",\"operation\":\"unsubscribe\"}"));
            ++counters_.subscribe_frames;
          }
          if (!pending_subscribe_.empty() || !pending_resync_.empty()) {
            absl::flat_hash_set<std::string> sub = pending_subscribe_;
            sub.insert(pending_resync_.begin(), pending_resync_.end());
            (void)SendLocked(absl::StrCat("{\"assets_ids\":", AssetsJson(Sorted(sub)),
                                          ",\"operation\":\"subscribe\"}"));
            ++counters_.subscribe_frames;
          }
          pending_unsubscribe_.clear();
          pending_subscribe_.clear();
          pending_resync_.clear();
        }
        break;
    }
  }
  if (probe && options_.silence_probe(probe_ids)) {
    // The venue moved while we heard nothing: a silent freeze.
    std::lock_guard<std::mutex> lock(mu_);
    ++counters_.stale_timeouts;
    events.push_back({PolymarketHealthEventType::kStale, id_, "SilentFreeze"});
    stale = true;
  }
  Emit(events);
  if (lost) {
    Disconnect("ConnectionLost", true);
    return;
  }
  if (stale) {
    Disconnect("NoDataTimeout", true);
    return;
  }
  if (!connect) return;

  // Connect outside the lock (blocking up to connect_timeout).
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation = ++generation_;
  }
  net::WsHandlers handlers;
  handlers.on_message = [this, generation](std::string_view m, bool is_text) {
    if (is_text) OnMessage(generation, m);
  };
  handlers.on_close = [this, generation](const net::WsCloseInfo& info) {
    OnClose(generation, info);
  };
  absl::StatusOr<std::unique_ptr<net::WsClient>> client =
      net::WsClient::Connect(options_.ws, options_.origin, options_.path, {}, handlers);
  std::unique_ptr<net::WsClient> discard;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (phase_ == Phase::kStopped || generation != generation_) {
      if (client.ok()) discard = std::move(*client);
    } else if (!client.ok()) {
      ++counters_.connect_failures;
      phase_ = Phase::kBackoff;
      next_connect_nanos_ = clock_->MonotonicNanos() + Nanos(backoff_.Next());
    } else {
      client_ = std::move(*client);
      closed_by_peer_ = false;
      phase_ = Phase::kConnected;
      ++counters_.connects;
      if (ever_connected_) ++counters_.reconnects;
      ever_connected_ = true;
      backoff_.Reset();
      const int64_t t = clock_->MonotonicNanos();
      next_ping_nanos_ = t + Nanos(options_.ping_interval);
      connected_nanos_ = t;
      last_probe_nanos_ = 0;
      // The initial subscribe lists every token; pending work is subsumed by it.
      pending_subscribe_.clear();
      pending_unsubscribe_.clear();
      pending_resync_.clear();
      batch_deadline_nanos_ = 0;
      const SnapshotSource source =
          counters_.connects > 1 ? SnapshotSource::kResync : SnapshotSource::kVenue;
      for (const std::string& tkn : tokens_) {
        auto it = next_source_.find(tkn);
        if (it == next_source_.end() || it->second != SnapshotSource::kGridChange) {
          next_source_[tkn] = source;
        }
      }
      (void)SendLocked(absl::StrCat(
          "{\"assets_ids\":", AssetsJson(Sorted(tokens_)), ",\"type\":\"market\"",
          options_.custom_feature_enabled ? ",\"custom_feature_enabled\":true" : "", "}"));
      ++counters_.subscribe_frames;
    }
  }
}

void PolymarketConnection::OnClose(uint64_t generation, const net::WsCloseInfo&) {
  std::lock_guard<std::mutex> lock(mu_);
  if (generation == generation_) closed_by_peer_ = true;
}

void PolymarketConnection::OnMessage(uint64_t generation, std::string_view message) {
  std::vector<PolymarketHealthEvent> events;
  std::vector<std::string> new_markets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generation != generation_ || phase_ != Phase::kConnected) return;
    const int64_t now = clock_->MonotonicNanos();
    EventTimes receipt;
    receipt.receipt_mono_nanos = now;
    receipt.receipt_unix_nanos = absl::ToUnixNanos(clock_->Now());
    ++counters_.frames;
    counters_.last_message_nanos = now;
    if (options_.frame_tap) options_.frame_tap(id_, message);
    absl::StatusOr<const pm::MarketFrame*> frame = decoder_.Decode(message);
    if (!frame.ok()) {
      ++counters_.decode_errors;
      events.push_back(
          {PolymarketHealthEventType::kDecodeError, id_, std::string(frame.status().message())});
    } else if ((*frame)->kind() == pm::FrameKind::kPong) {
      ++counters_.pongs;
    } else if ((*frame)->kind() == pm::FrameKind::kEvents) {
      ++counters_.data_frames;
      counters_.last_data_nanos = now;
      HandleFrameLocked(**frame, receipt, events, new_markets);
    }
  }
  Emit(events);
  if (options_.on_new_market) {
    for (const std::string& market : new_markets) options_.on_new_market(market);
  }
}

void PolymarketConnection::QuarantineLocked(std::string_view asset_id, std::string_view reason,
                                            std::vector<PolymarketHealthEvent>& events) {
  std::string token(asset_id);
  (void)publisher_->Quarantine(InstrumentId(token), reason);
  ++counters_.quarantines;
  ++counters_.resyncs;
  pending_resync_.insert(token);
  next_source_[token] = SnapshotSource::kResync;
  if (batch_deadline_nanos_ == 0) {
    batch_deadline_nanos_ = clock_->MonotonicNanos() + Nanos(options_.batch_window);
  }
  events.push_back({PolymarketHealthEventType::kQuarantine, id_,
                    absl::StrCat(std::string(asset_id), ": ", std::string(reason))});
}

// A `book` the BookSet refused because its prices are off the tick it knows: the tick changed
// while we were not listening (a tick_size_change lost in a reconnect; BookSet keeps known ticks
// across ClearBooks). The venue's book rules: adopt the coarsest standard tick every level fits
// and apply again. Books that fit no standard tick stay refused.
bool PolymarketConnection::RegridAndApplyLocked(const pm::BookEvent& e) {
  static constexpr int64_t kTicks[] = {10'000, 1'000, 100};  // 0.01, 0.001, 0.0001
  for (int64_t tick : kTicks) {
    const auto fits = [tick](const book::Level& l) { return l.price.micros() % tick == 0; };
    if (!std::all_of(e.bids.begin(), e.bids.end(), fits) ||
        !std::all_of(e.asks.begin(), e.asks.end(), fits)) {
      continue;
    }
    const Price p = Price::FromMicros(tick);
    if (books_.TickSize(e.asset_id) == p) return false;  // not a grid problem
    if (!books_.SetTickSize(e.asset_id, p).ok()) return false;
    return books_.ApplyBook(e).ok();
  }
  return false;
}

void PolymarketConnection::PublishBookLocked(std::string_view asset_id, const EventTimes& times) {
  const book::OrderBook* ob = books_.Find(asset_id);
  if (ob == nullptr) return;
  bid_scratch_.clear();
  ask_scratch_.clear();
  ob->ForEachLevel(book::BookSide::kBid, [&](const book::Level& l) { bid_scratch_.push_back(l); });
  ob->ForEachLevel(book::BookSide::kAsk, [&](const book::Level& l) { ask_scratch_.push_back(l); });
  std::string token(asset_id);
  SnapshotSource source = SnapshotSource::kVenue;
  if (auto it = next_source_.find(token); it != next_source_.end()) {
    source = it->second;
    next_source_.erase(it);
  }
  // The venue's `book` rules the grid: a tick change missed while disconnected (or a stale
  // catalog tick) shows up as levels off the publisher's tick. Adopt the venue book's tick then
  // (never a coarser one: a finer known tick accepts every coarser price).
  const InstrumentId id(token);
  if (const std::optional<Price> known = publisher_->Tick(id); known.has_value()) {
    const auto off = [&](const book::Level& l) { return l.price.micros() % known->micros() != 0; };
    if (std::any_of(bid_scratch_.begin(), bid_scratch_.end(), off) ||
        std::any_of(ask_scratch_.begin(), ask_scratch_.end(), off)) {
      if (const std::optional<Price> venue_tick = books_.TickSize(asset_id);
          venue_tick.has_value()) {
        (void)publisher_->SetTick(id, *venue_tick);
        source = SnapshotSource::kGridChange;
      }
    }
  }
  (void)publisher_->PublishSnapshot(id, bid_scratch_, ask_scratch_, source, times);
}

void PolymarketConnection::HandleFrameLocked(const pm::MarketFrame& frame,
                                             const EventTimes& receipt,
                                             std::vector<PolymarketHealthEvent>& events,
                                             std::vector<std::string>& new_markets) {
  for (const pm::MarketEventRef& ref : frame.events()) {
    switch (ref.type) {
      case pm::MarketEventType::kBook: {
        ++counters_.book_events;
        const pm::BookEvent& e = frame.books()[ref.index];
        newest_event_ms_ = std::max(newest_event_ms_, e.timestamp_ms);
        if (!tokens_.contains(std::string(e.asset_id))) break;  // unsubscribed meanwhile
        if (!books_.ApplyBook(e).ok() && !RegridAndApplyLocked(e)) {
          QuarantineLocked(e.asset_id, "BadSnapshot", events);
          break;
        }
        PublishBookLocked(e.asset_id, WithEvent(receipt, e.timestamp_ms));
        break;
      }
      case pm::MarketEventType::kPriceChange: {
        ++counters_.price_change_events;
        const pm::PriceChangeEvent& e = frame.price_changes()[ref.index];
        newest_event_ms_ = std::max(newest_event_ms_, e.timestamp_ms);
        // Tokens touched by this event, in first-seen order, with their live state before.
        std::vector<std::string_view> touched;
        for (const pm::PriceChangeEntry& entry : e.entries) {
          if (std::find(touched.begin(), touched.end(), entry.asset_id) == touched.end()) {
            touched.push_back(entry.asset_id);
          }
        }
        std::vector<bool> was_live;
        for (std::string_view t : touched) {
          was_live.push_back(books_.State(t) == pm::BookState::kLive);
        }
        (void)books_.ApplyPriceChange(e);  // per-entry failures quarantine inside the BookSet
        for (size_t i = 0; i < touched.size(); ++i) {
          std::string_view t = touched[i];
          if (!tokens_.contains(std::string(t)) || !was_live[i]) continue;
          if (books_.State(t) != pm::BookState::kLive) {
            QuarantineLocked(t, "InvalidUpdate", events);
            continue;
          }
          const book::OrderBook* ob = books_.Find(t);
          if (ob == nullptr) continue;
          if (ob->cross_state() != book::CrossState::kNormal) {
            QuarantineLocked(t, "CrossedBook", events);
            continue;
          }
          std::vector<LevelChange> changes;
          for (const pm::PriceChangeEntry& entry : e.entries) {
            if (entry.asset_id != t) continue;
            const book::BookSide side =
                entry.side == pm::Side::kBuy ? book::BookSide::kBid : book::BookSide::kAsk;
            LevelChange c{side, entry.price, ob->SizeAt(side, entry.price)};
            auto same = std::find_if(changes.begin(), changes.end(), [&](const LevelChange& x) {
              return x.side == c.side && x.price == c.price;
            });
            if (same != changes.end()) {
              *same = c;
            } else {
              changes.push_back(c);
            }
          }
          if (!changes.empty()) {
            (void)publisher_->PublishChanges(InstrumentId(std::string(t)), changes,
                                             WithEvent(receipt, e.timestamp_ms));
          }
        }
        break;
      }
      case pm::MarketEventType::kTickSizeChange: {
        ++counters_.tick_size_change_events;
        const pm::TickSizeChangeEvent& e = frame.tick_size_changes()[ref.index];
        (void)books_.ApplyTickSizeChange(e);
        if (!tokens_.contains(std::string(e.asset_id))) break;
        std::string token(e.asset_id);
        (void)publisher_->SetTick(InstrumentId(token), e.new_tick_size);
        next_source_[token] = SnapshotSource::kGridChange;
        break;
      }
      case pm::MarketEventType::kMarketResolved: {
        ++counters_.market_resolved_events;
        const pm::MarketResolvedEvent& e = frame.market_resolutions()[ref.index];
        books_.ApplyMarketResolved(e);
        for (std::string_view a : e.assets_ids) {
          if (tokens_.contains(std::string(a))) {
            // The winning token settles at $1, the others at $0; without a winner the book is
            // just closed.
            std::optional<int64_t> settlement;
            if (!e.winning_asset_id.empty()) settlement = a == e.winning_asset_id ? 1'000'000 : 0;
            (void)publisher_->CloseInstrument(InstrumentId(std::string(a)), "MarketResolved",
                                              settlement);
          }
        }
        break;
      }
      case pm::MarketEventType::kLastTradePrice: {
        ++counters_.other_events;
        const pm::LastTradePriceEvent& e = frame.last_trade_prices()[ref.index];
        newest_event_ms_ = std::max(newest_event_ms_, e.timestamp_ms);
        std::string token(e.asset_id);
        if (!tokens_.contains(token)) break;
        TradePrint trade;
        trade.price = e.price;
        trade.size = e.size;
        // The market channel reports the taker's side of the print.
        trade.aggressor = e.side == pm::Side::kBuy ? TradeSide::kBuy : TradeSide::kSell;
        trade.times = WithEvent(receipt, e.timestamp_ms);
        if (publisher_->PublishTrade(InstrumentId(std::move(token)), trade).ok()) {
          ++counters_.trades;
        }
        break;
      }
      case pm::MarketEventType::kNewMarket: {
        ++counters_.other_events;
        const pm::NewMarketEvent& e = frame.new_markets()[ref.index];
        (void)books_.ApplyNewMarket(e);
        const auto held = [this](std::string_view t) { return tokens_.contains(std::string(t)); };
        if (std::any_of(e.assets_ids.begin(), e.assets_ids.end(), held) ||
            std::any_of(e.clob_token_ids.begin(), e.clob_token_ids.end(), held)) {
          break;
        }
        std::string_view market = !e.market.empty()         ? e.market
                                  : !e.condition_id.empty() ? e.condition_id
                                                            : e.id;
        if (!market.empty()) new_markets.emplace_back(market);
        break;
      }
      default:
        ++counters_.other_events;
        break;
    }
  }
}

}  // namespace arbor::feed
