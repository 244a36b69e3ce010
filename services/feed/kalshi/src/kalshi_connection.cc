#include "arbor/feed/kalshi_connection.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/kalshi/commands.h"

namespace arbor::feed {
namespace {

namespace ks = ::arbor::venue::kalshi;

std::chrono::nanoseconds ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

std::vector<std::string_view> Views(const std::vector<std::string>& v) {
  return std::vector<std::string_view>(v.begin(), v.end());
}

}  // namespace

std::string_view KalshiHealthEventName(KalshiHealthEvent event) {
  switch (event) {
    case KalshiHealthEvent::kReconnect:
      return "reconnect";
    case KalshiHealthEvent::kSeqGap:
      return "seq_gap";
    case KalshiHealthEvent::kResync:
      return "resync";
    case KalshiHealthEvent::kDecodeError:
      return "decode_error";
    case KalshiHealthEvent::kStale:
      return "stale";
  }
  return "unknown";
}

KalshiConnection::KalshiConnection(KalshiConnectionOptions options, ks::RequestSigner signer,
                                   OutcomePairPublisher* publisher, const Clock* clock)
    : options_(std::move(options)),
      signer_(std::move(signer)),
      publisher_(publisher),
      clock_(clock),
      books_(ks::BookSetOptions{.use_yes_price = options_.use_yes_price}) {}

KalshiConnection::~KalshiConnection() { Stop(); }

void KalshiConnection::OnHealthEvent(HealthCallback callback) { health_ = std::move(callback); }

absl::Status KalshiConnection::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return absl::FailedPreconditionError("KalshiConnection already started");
  started_ = true;
  supervisor_ = std::thread([this] { Supervise(); });
  return absl::OkStatus();
}

void KalshiConnection::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (client_ != nullptr && !closed_) (void)client_->Close(1000, "stopping");
    cv_.notify_all();
  }
  if (supervisor_.joinable()) supervisor_.join();
}

void KalshiConnection::Supervise() {
  net::Backoff backoff(options_.backoff, options_.backoff_seed);
  bool ever_connected = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    closed_ = false;
    lock.unlock();
    absl::StatusOr<std::unique_ptr<net::WsClient>> client =
        absl::UnavailableError("signing failed");
    absl::StatusOr<ks::AuthHeaders> auth = signer_.WsHeaders(absl::ToUnixMillis(clock_->Now()));
    if (auth.ok()) {
      net::WsHandlers handlers;
      handlers.on_message = [this](std::string_view message, bool is_text) {
        if (is_text) HandleFrame(message);
      };
      handlers.on_pong = [this](std::string_view) { pongs_.fetch_add(1); };
      handlers.on_close = [this](const net::WsCloseInfo& info) { HandleClose(info); };
      client = net::WsClient::Connect(options_.ws, options_.origin, options_.path,
                                      {{std::string(ks::kAccessKeyHeader), auth->access_key},
                                       {std::string(ks::kAccessTimestampHeader), auth->timestamp},
                                       {std::string(ks::kAccessSignatureHeader), auth->signature}},
                                      std::move(handlers));
    }
    lock.lock();
    if (!client.ok()) {
      closed_ = true;
      connect_failures_.fetch_add(1);
      cv_.wait_for(lock, ToChrono(backoff.Next()), [this] { return stopping_; });
      continue;
    }
    client_ = std::move(*client);
    connected_.store(true);
    if (ever_connected) {
      reconnects_.fetch_add(1);
      EmitLocked(KalshiHealthEvent::kReconnect, "connected");
    }
    ever_connected = true;
    backoff.Reset();
    const int64_t connected_at = clock_->MonotonicNanos();
    book_sub_ = ChannelSubscription{};
    trade_sub_ = ChannelSubscription{};
    if (options_.subscribe_lifecycle) {
      const std::string_view channels[] = {ks::kChannelMarketLifecycleV2};
      SendLocked(ks::SubscribeCommand(next_id_++, channels, {}, options_.use_yes_price));
    }
    ReconcileSubscriptionLocked();
    int64_t next_ping = connected_at + absl::ToInt64Nanoseconds(options_.ping_interval);
    bool stale = false;
    int64_t last_probe = 0;
    while (!stopping_ && !closed_) {
      cv_.wait_for(lock, ToChrono(options_.watchdog_tick));
      if (stopping_ || closed_) break;
      const int64_t now = clock_->MonotonicNanos();
      if (now >= next_ping) {
        if (client_->Ping().ok()) pings_sent_.fetch_add(1);
        next_ping = now + absl::ToInt64Nanoseconds(options_.ping_interval);
      }
      if (!markets_.empty()) {
        const int64_t last = std::max({last_message_nanos_.load(), connected_at, last_probe});
        if (now - last > absl::ToInt64Nanoseconds(options_.stale_after)) {
          if (!options_.silence_probe) {
            stale = true;
            break;
          }
          // Quiet or frozen? Ask REST, without holding the lock (frames keep flowing).
          last_probe = now;
          std::vector<std::string> tickers;
          tickers.reserve(markets_.size());
          for (const auto& [ticker, market] : markets_) tickers.push_back(ticker);
          lock.unlock();
          const bool moved = options_.silence_probe(tickers);
          lock.lock();
          if (moved) {
            stale_timeouts_.fetch_add(1);
            EmitLocked(KalshiHealthEvent::kStale, "SilentFreeze");
            break;
          }
        }
      }
    }
    if (stale) {
      stale_timeouts_.fetch_add(1);
      for (const auto& [ticker, market] : markets_) {
        (void)publisher_->MarkStale(market.key.instrument_id, "NoDataTimeout");
      }
      EmitLocked(KalshiHealthEvent::kStale, "NoDataTimeout");
    }
    DropConnectionStateLocked(stopping_ ? "Stopped" : "ConnectionLost");
    std::unique_ptr<net::WsClient> old = std::move(client_);
    connected_.store(false);
    lock.unlock();
    old.reset();  // joins the I/O thread (abruptly if the close was not answered)
    lock.lock();
    closed_ = true;
    if (!stopping_) {
      cv_.wait_for(lock, ToChrono(backoff.Next()), [this] { return stopping_; });
    }
  }
}

void KalshiConnection::HandleClose(const net::WsCloseInfo& /*info*/) {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  connected_.store(false);
  cv_.notify_all();
}

void KalshiConnection::HandleFrame(std::string_view frame) {
  const int64_t receive = clock_->MonotonicNanos();
  EventTimes receipt;
  receipt.receipt_mono_nanos = receive;
  receipt.receipt_unix_nanos = absl::ToUnixNanos(clock_->Now());
  frames_.fetch_add(1);
  last_message_nanos_.store(receive);
  if (options_.frame_tap) options_.frame_tap(frame);
  std::vector<std::string> new_markets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Status s = decoder_.Decode(frame);
    if (absl::IsUnimplemented(s)) {
      unknown_types_.fetch_add(1);
      return;
    }
    if (!s.ok()) {
      decode_errors_.fetch_add(1);
      EmitLocked(KalshiHealthEvent::kDecodeError, std::string(s.message()));
      return;
    }
    const ks::WsMessage& m = decoder_.message();
    const size_t type = static_cast<size_t>(m.type);
    if (type < kKalshiMessageTypes) by_type_[type].fetch_add(1);
    ApplyMessageLocked(m, receipt, new_markets);
  }
  if (options_.on_new_market) {
    for (const std::string& ticker : new_markets) options_.on_new_market(ticker);
  }
}

void KalshiConnection::ApplyMessageLocked(const ks::WsMessage& m, const EventTimes& receipt,
                                          std::vector<std::string>& new_markets) {
  switch (m.type) {
    case ks::MessageType::kSubscribed: {
      (void)books_.Apply(m);
      if (book_sub_.pending && m.id == book_sub_.command_id &&
          m.subscribed.channel == ks::kChannelOrderbookDelta) {
        book_sub_.sid = m.subscribed.sid;
        book_sub_.pending = false;
        ReconcileSubscriptionLocked();  // SetMarkets calls made while the subscribe was pending
      } else if (trade_sub_.pending && m.id == trade_sub_.command_id &&
                 m.subscribed.channel == ks::kChannelTrade) {
        trade_sub_.sid = m.subscribed.sid;
        trade_sub_.pending = false;
        ReconcileSubscriptionLocked();
      }
      return;
    }
    case ks::MessageType::kError: {
      error_replies_.fetch_add(1);
      if (book_sub_.pending && m.id == book_sub_.command_id) {
        book_sub_.pending = false;
        book_sub_.subscribed.clear();
      }
      if (trade_sub_.pending && m.id == trade_sub_.command_id) {
        // Trades are optional: retried at the next subscription change, never fatal.
        trade_sub_.pending = false;
      }
      if (ks::IsTerminal(m.error.kind) || m.error.kind == ks::ErrorCode::kUnknownSid) {
        // The subscription is dead or unknown: rebuild everything on a fresh connection.
        if (client_ != nullptr) (void)client_->Close(1000, "resubscribe");
      }
      return;
    }
    case ks::MessageType::kMarketLifecycleV2: {
      const std::string ticker(m.lifecycle.market_ticker);
      auto it = markets_.find(ticker);
      if (it == markets_.end()) {
        // Channel-wide: not one of ours. A new market is reported to the owner.
        if (!ticker.empty() && (m.lifecycle.event_type == ks::LifecycleEvent::kCreated ||
                                m.lifecycle.event_type == ks::LifecycleEvent::kActivated)) {
          new_markets.push_back(ticker);
        }
        return;
      }
      const ks::ApplyResult r = books_.Apply(m);
      const ks::LifecycleEvent e = m.lifecycle.event_type;
      if (e == ks::LifecycleEvent::kDetermined || e == ks::LifecycleEvent::kSettled ||
          m.lifecycle.event_type_text == "closed") {
        // A binary result settles YES at $1 or $0; anything else (scalar, void) is closed
        // without a settlement rather than guessed at.
        std::optional<int64_t> yes_settlement;
        if (m.lifecycle.result == "yes") yes_settlement = 1'000'000;
        if (m.lifecycle.result == "no") yes_settlement = 0;
        (void)publisher_->CloseInstrument(it->second.key.instrument_id,
                                          std::string(m.lifecycle.event_type_text), yes_settlement);
        return;
      }
      if (r.market_needs_snapshot) {
        (void)publisher_->Quarantine(it->second.key.instrument_id, "GridChange");
        RequestSnapshotsLocked({ticker}, "GridChange");
      }
      return;
    }
    case ks::MessageType::kTrade:
      PublishTradeLocked(m.trade, receipt);
      return;
    case ks::MessageType::kOk:
      // The trade subscription's seq also counts prints the BookSet never sees: keep its `ok`
      // replies away from the book sequence tracking.
      if (trade_sub_.sid.has_value() && m.sid == trade_sub_.sid) return;
      break;
    case ks::MessageType::kOrderbookSnapshot:
    case ks::MessageType::kOrderbookDelta:
    case ks::MessageType::kUnsubscribed:
      break;
    default:
      return;  // ticker, fill, ...: counted only
  }

  const ks::ApplyResult r = books_.Apply(m);
  std::string ticker;
  if (m.type == ks::MessageType::kOrderbookSnapshot) ticker = std::string(m.snapshot.market_ticker);
  if (m.type == ks::MessageType::kOrderbookDelta) ticker = std::string(m.delta.market_ticker);

  if (r.gap.has_value()) {
    gaps_.fetch_add(1);
    EmitLocked(KalshiHealthEvent::kSeqGap, absl::StrCat("sid ", r.gap->sid, " expected ",
                                                        r.gap->expected, " got ", r.gap->got));
    std::vector<std::string> on_sid = books_.MarketsOnSid(r.gap->sid);
    std::vector<std::string> stale;
    for (std::string& t : on_sid) {
      // A snapshot that revealed the gap is itself fresh.
      if (m.type == ks::MessageType::kOrderbookSnapshot &&
          r.outcome == ks::ApplyOutcome::kApplied && t == ticker) {
        continue;
      }
      auto it = markets_.find(t);
      if (it == markets_.end()) continue;
      (void)publisher_->Quarantine(it->second.key.instrument_id, "SequenceGap");
      stale.push_back(std::move(t));
    }
    RequestSnapshotsLocked(std::move(stale), "SequenceGap");
  }
  if (ticker.empty()) return;
  auto it = markets_.find(ticker);
  if (it == markets_.end()) return;  // deleted while in flight
  MarketState& market = it->second;

  if (r.outcome == ks::ApplyOutcome::kRejected) {
    rejected_.fetch_add(1);
    (void)publisher_->Quarantine(market.key.instrument_id, "RejectedUpdate");
    market.snapshot_requested = false;
    RequestSnapshotsLocked({ticker}, "RejectedUpdate");
    return;
  }
  if (r.outcome != ks::ApplyOutcome::kApplied) return;

  const book::OrderBook* b = books_.Find(ticker);
  if (b == nullptr) return;
  if (m.type == ks::MessageType::kOrderbookSnapshot) {
    // Kalshi snapshots carry no venue timestamp.
    PublishSnapshotLocked(ticker, receipt);
    return;
  }
  if (b->cross_state() != book::CrossState::kNormal) {
    crossed_.fetch_add(1);
    (void)publisher_->Quarantine(market.key.instrument_id, "CrossedBook");
    RequestSnapshotsLocked({ticker}, "CrossedBook");
    return;
  }
  LevelChange change;
  if (m.delta.side == ks::Side::kYes) {
    change.side = book::BookSide::kBid;
    change.price = m.delta.price;
  } else {
    change.side = book::BookSide::kAsk;
    change.price = options_.use_yes_price ? m.delta.price : Complement(m.delta.price);
  }
  change.total = b->SizeAt(change.side, change.price);
  // Refused (FailedPrecondition) while the book awaits a snapshot: counted by the publisher.
  EventTimes times = receipt;
  times.event_unix_nanos = m.delta.ts_ms.has_value() ? *m.delta.ts_ms * 1'000'000 : 0;
  (void)publisher_->PublishChanges(market.key.instrument_id, absl::MakeConstSpan(&change, 1),
                                   times);
}

void KalshiConnection::PublishTradeLocked(const ks::Trade& t, const EventTimes& receipt) {
  auto it = markets_.find(std::string(t.market_ticker));
  if (it == markets_.end()) return;  // not (or no longer) ours
  // Which outcome the taker bought: taker_book_side (bid = bought YES, ask = sold YES = bought
  // NO) when present, else taker_outcome_side, else unknown.
  std::optional<bool> bought_yes;
  if (t.taker_book_side.has_value()) {
    bought_yes = *t.taker_book_side == book::BookSide::kBid;
  } else if (t.taker_outcome_side.has_value()) {
    bought_yes = *t.taker_outcome_side == ks::Side::kYes;
  }
  EventTimes times = receipt;
  times.event_unix_nanos = t.ts_ms.has_value() ? *t.ts_ms * 1'000'000 : 0;
  if (publisher_
          ->PublishTrade(it->second.key.instrument_id, bought_yes, t.yes_price, t.count, t.trade_id,
                         times)
          .ok()) {
    trades_.fetch_add(1);
  }
}

void KalshiConnection::PublishSnapshotLocked(const std::string& ticker, const EventTimes& times) {
  MarketState& market = markets_.at(ticker);
  const book::OrderBook* b = books_.Find(ticker);
  bids_scratch_.clear();
  asks_scratch_.clear();
  b->ForEachLevel(book::BookSide::kBid, [&](const book::Level& l) { bids_scratch_.push_back(l); });
  b->ForEachLevel(book::BookSide::kAsk, [&](const book::Level& l) { asks_scratch_.push_back(l); });
  const SnapshotSource source = market.published ? SnapshotSource::kResync : SnapshotSource::kVenue;
  // A refused snapshot (crossed, off-grid) is quarantined by the publisher; the REST reconciler
  // repairs it (re-requesting here could loop on a venue that keeps sending it).
  (void)publisher_->PublishSnapshot(market.key.instrument_id, bids_scratch_, asks_scratch_, source,
                                    times);
  market.published = true;
  market.snapshot_requested = false;
}

void KalshiConnection::RequestSnapshotsLocked(std::vector<std::string> tickers,
                                              std::string_view reason) {
  std::vector<std::string> send;
  for (std::string& t : tickers) {
    auto it = markets_.find(t);
    if (it == markets_.end() || it->second.snapshot_requested || !IsSubscribedLocked(t)) continue;
    it->second.snapshot_requested = true;
    send.push_back(std::move(t));
  }
  if (send.empty()) return;
  std::sort(send.begin(), send.end());
  resyncs_.fetch_add(send.size());
  for (size_t i = 0; i < send.size(); ++i) EmitLocked(KalshiHealthEvent::kResync, reason);
  const std::vector<std::string_view> views = Views(send);
  SendLocked(ks::UpdateSubscriptionCommand(next_id_++, *book_sub_.sid, views,
                                           ks::UpdateAction::kGetSnapshot));
}

bool KalshiConnection::IsSubscribedLocked(const std::string& ticker) const {
  return book_sub_.sid.has_value() && book_sub_.subscribed.count(ticker) > 0;
}

void KalshiConnection::ReconcileSubscriptionLocked() {
  ReconcileChannelLocked(ks::kChannelOrderbookDelta, book_sub_);
  if (options_.subscribe_trades) ReconcileChannelLocked(ks::kChannelTrade, trade_sub_);
}

void KalshiConnection::ReconcileChannelLocked(std::string_view channel, ChannelSubscription& sub) {
  if (client_ == nullptr || closed_ || sub.pending) return;
  std::set<std::string> desired;
  for (const auto& [ticker, market] : markets_) desired.insert(ticker);
  if (!sub.sid.has_value()) {
    if (desired.empty()) return;
    const std::vector<std::string> list(desired.begin(), desired.end());
    const std::vector<std::string_view> views = Views(list);
    const std::string_view channels[] = {channel};
    sub.command_id = next_id_++;
    SendLocked(ks::SubscribeCommand(sub.command_id, channels, views, options_.use_yes_price));
    sub.subscribed = std::move(desired);
    sub.pending = true;
    return;
  }
  if (desired.empty()) {
    const uint64_t sids[] = {*sub.sid};
    SendLocked(ks::UnsubscribeCommand(next_id_++, sids));
    sub.sid.reset();
    sub.subscribed.clear();
    return;
  }
  std::vector<std::string> add;
  std::vector<std::string> del;
  std::set_difference(desired.begin(), desired.end(), sub.subscribed.begin(), sub.subscribed.end(),
                      std::back_inserter(add));
  std::set_difference(sub.subscribed.begin(), sub.subscribed.end(), desired.begin(), desired.end(),
                      std::back_inserter(del));
  if (!add.empty()) {
    const std::vector<std::string_view> views = Views(add);
    SendLocked(
        ks::UpdateSubscriptionCommand(next_id_++, *sub.sid, views, ks::UpdateAction::kAddMarkets));
  }
  if (!del.empty()) {
    const std::vector<std::string_view> views = Views(del);
    SendLocked(ks::UpdateSubscriptionCommand(next_id_++, *sub.sid, views,
                                             ks::UpdateAction::kDeleteMarkets));
  }
  sub.subscribed = std::move(desired);
}

void KalshiConnection::SendLocked(const absl::StatusOr<std::string>& command) {
  if (!command.ok() || client_ == nullptr) return;
  (void)client_->SendText(*command);
}

void KalshiConnection::DropConnectionStateLocked(std::string_view reason) {
  for (auto& [ticker, market] : markets_) {
    (void)publisher_->ExpectSnapshot(market.key.instrument_id, reason);
    market.snapshot_requested = false;
  }
  books_.Reset();
  book_sub_ = ChannelSubscription{};
  trade_sub_ = ChannelSubscription{};
}

void KalshiConnection::EmitLocked(KalshiHealthEvent event, std::string_view detail) {
  if (health_) health_(event, detail);
}

absl::Status KalshiConnection::SetMarkets(absl::Span<const InstrumentKey> markets) {
  for (const InstrumentKey& key : markets) {
    if (key.venue != Venue::kKalshi || key.instrument_id.value().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a Kalshi market key: '", key.instrument_id.value(), "'"));
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  absl::flat_hash_map<std::string, const InstrumentKey*> wanted;
  for (const InstrumentKey& key : markets) wanted[key.instrument_id.value()] = &key;
  for (auto it = markets_.begin(); it != markets_.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    (void)publisher_->CloseInstrument(it->second.key.instrument_id, "Unassigned");
    markets_.erase(it++);
  }
  for (const auto& [ticker, key] : wanted) {
    auto [it, inserted] = markets_.try_emplace(ticker);
    it->second.key = *key;
    if (inserted) publisher_->AddInstrument(*key);
  }
  ReconcileSubscriptionLocked();
  return absl::OkStatus();
}

absl::Status KalshiConnection::Resync(absl::Span<const std::string> tickers) {
  std::lock_guard<std::mutex> lock(mu_);
  if (client_ == nullptr || closed_ || !book_sub_.sid.has_value()) {
    return absl::FailedPreconditionError("Kalshi connection not subscribed");
  }
  std::vector<std::string> list;
  for (const std::string& t : tickers) {
    if (IsSubscribedLocked(t)) list.push_back(t);
  }
  if (list.empty()) return absl::NotFoundError("none of the tickers is subscribed");
  for (const std::string& t : list) markets_.at(t).snapshot_requested = false;
  RequestSnapshotsLocked(std::move(list), "Reconcile");
  return absl::OkStatus();
}

void KalshiConnection::WithBooks(absl::FunctionRef<void(const ks::BookSet&)> fn) const {
  std::lock_guard<std::mutex> lock(mu_);
  fn(books_);
}

KalshiConnectionCounters KalshiConnection::counters() const {
  KalshiConnectionCounters c;
  c.frames = frames_.load();
  for (size_t i = 0; i < kKalshiMessageTypes; ++i) c.messages_by_type[i] = by_type_[i].load();
  c.unknown_types = unknown_types_.load();
  c.decode_errors = decode_errors_.load();
  c.gaps = gaps_.load();
  c.resyncs = resyncs_.load();
  c.crossed = crossed_.load();
  c.rejected = rejected_.load();
  c.error_replies = error_replies_.load();
  c.reconnects = reconnects_.load();
  c.connect_failures = connect_failures_.load();
  c.stale_timeouts = stale_timeouts_.load();
  c.pings_sent = pings_sent_.load();
  c.pongs = pongs_.load();
  c.trades = trades_.load();
  c.last_message_nanos = last_message_nanos_.load();
  c.connected = connected_.load();
  return c;
}

}  // namespace arbor::feed
