// File: arbor/feed/polymarket_connection.h
//
// PolymarketConnection: one WebSocket to the Polymarket market channel (`/ws/market`) holding
// up to `max_tokens` tokens. It owns a MarketFrameDecoder and a BookSet (the venue-side books)
// and publishes every decoded event through BookPublisher:
//
//   book              → PublishSnapshot (kVenue; kResync after a reconnect / resync request;
//                       kGridChange after tick_size_change)
//   price_change      → PublishChanges with absolute totals, one group per token per event,
//                       after checking the venue book is neither crossed nor locked (else
//                       Quarantine "CrossedBook" + resync of that token)
//   tick_size_change  → SetTick, then the next `book` is awaited
//   market_resolved   → CloseInstrument("MarketResolved")
//   last_trade_price  → PublishTrade (token price/size, aggressor side = the event's `side`, no
//                       venue trade id: the market channel has none)
//   new_market        → options.on_new_market(condition id) when none of its tokens is held
//
// Timestamps: the frame's receive time is taken once per frame (wall and monotonic clock) and
// every snapshot / delta group / trade of the frame carries it as ts_receipt; ts_event is the
// event's `timestamp` (ms -> ns; 0 when absent).
//   BookSet quarantine (off-grid etc.) → Quarantine + resync. Malformed frames are counted and
//   skipped.
//
// Resync of a token = unsubscribe frame then subscribe frame (the venue resends `book`).
// Instruments must be registered with the publisher (AddInstrument) by the caller.
//
// Timers: the connection has no thread of its own; its owner (PolymarketPool's supervisor)
// calls Tick() often (every few ms). Tick connects/reconnects (exponential backoff + jitter),
// flushes batched subscription changes once the batch window has passed, sends text `PING`
// every ping_interval and runs the staleness watchdog (no data frame — PONG does not count —
// for stale_after while tokens are subscribed → MarkStale "NoDataTimeout" + reconnect).
// On every reconnect: ExpectSnapshot(id, "Reconnecting") for all tokens, BookSet::ClearBooks(),
// then the initial subscribe frame lists every token.
//
// Thread-safety: all public members are thread-safe. WsClient callbacks run on the client's
// I/O thread; the decoder and BookSet are only touched under the connection's mutex, which
// WithBooks() also takes. Tick() must be called from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/ids.h"
#include "arbor/feed/book_publisher.h"
#include "arbor/net/backoff.h"
#include "arbor/net/http_client.h"
#include "arbor/net/ws_client.h"
#include "arbor/venue/polymarket/book_builder.h"
#include "arbor/venue/polymarket/market_decoder.h"

namespace arbor::feed {

inline constexpr int kPolymarketMaxTokensPerConnection = 500;

struct PolymarketConnectionOptions {
  net::Origin origin{true, "ws-subscriptions-clob.polymarket.com", 443};
  std::string path = "/ws/market";
  net::WsOptions ws;
  int max_tokens = 200;  // 1..500, else InvalidArgument
  absl::Duration batch_window = absl::Milliseconds(50);
  absl::Duration ping_interval = absl::Seconds(10);
  absl::Duration stale_after = absl::Seconds(30);
  net::BackoffOptions backoff{absl::Milliseconds(200), absl::Seconds(30), 2.0, net::Jitter::kFull};
  bool custom_feature_enabled = false;  // sent in the initial subscribe frame
  // Called with every received frame (connection id, frame) before it is decoded, on the I/O
  // thread under the connection's lock: the capture recorder (keep it cheap; may be empty).
  std::function<void(int, std::string_view)> frame_tap;
  // Silence check. When set, a connection silent for stale_after does not reconnect blindly:
  // the probe compares its tokens' REST books with the published ones, marks the books that
  // differ (or could not be fetched) STALE, and returns true when the venue moved without us
  // hearing (a silent freeze) — only then does the connection reconnect. Quiet markets keep
  // their connection and stay LIVE. Runs on the supervisor thread without the connection's lock
  // (at most once per stale_after per connection). Empty = mark everything STALE and reconnect.
  std::function<bool(const std::vector<InstrumentId>&)> silence_probe;
  // Called with the market's condition id (`market`, else `condition_id`, else `id`) when a
  // `new_market` event arrives for a market none of whose tokens this connection holds. Called
  // on the I/O thread after the connection's lock is released, once per event per connection
  // (every connection with custom features receives the broadcast: dedupe in the caller).
  // May be empty.
  std::function<void(std::string_view venue_market_id)> on_new_market;
};

// Checks the limits above. InvalidArgument naming the field.
[[nodiscard]] absl::Status ValidatePolymarketConnectionOptions(
    const PolymarketConnectionOptions& options);

// Monotonic counters of one connection (or a pool, summed).
struct PolymarketConnectionCounters {
  uint64_t frames = 0;       // text frames received (data and control)
  uint64_t data_frames = 0;  // frames carrying events
  uint64_t pongs = 0;
  uint64_t decode_errors = 0;  // malformed frames skipped
  uint64_t book_events = 0;
  uint64_t price_change_events = 0;
  uint64_t tick_size_change_events = 0;
  uint64_t market_resolved_events = 0;
  uint64_t other_events = 0;  // last_trade_price, best_bid_ask, new_market
  uint64_t trades = 0;        // last_trade_price events published as trades
  uint64_t connects = 0;      // successful connects (first included)
  uint64_t reconnects = 0;    // connects after a loss
  uint64_t connect_failures = 0;
  uint64_t stale_timeouts = 0;  // watchdog fired
  uint64_t quarantines = 0;     // books quarantined by this connection (crossed, bad update)
  uint64_t resyncs = 0;         // token resync requests
  uint64_t subscribe_frames = 0;
  int64_t last_message_nanos = 0;  // Clock::MonotonicNanos of the last frame (0 = never)
  int64_t last_data_nanos = 0;     // ... of the last data frame

  void Add(const PolymarketConnectionCounters& other);
};

enum class PolymarketHealthEventType { kReconnect, kDecodeError, kStale, kQuarantine };
struct PolymarketHealthEvent {
  PolymarketHealthEventType type;
  int connection_id = 0;
  std::string detail;
};
using PolymarketHealthCallback = std::function<void(const PolymarketHealthEvent&)>;

class PolymarketConnection {
 public:
  // `publisher` and `clock` must outlive the connection. `health` may be empty; it is called
  // without the connection's mutex held, from the I/O or the supervisor thread.
  PolymarketConnection(int id, PolymarketConnectionOptions options, BookPublisher* publisher,
                       const Clock* clock, PolymarketHealthCallback health);
  ~PolymarketConnection();  // Stop()
  PolymarketConnection(const PolymarketConnection&) = delete;
  PolymarketConnection& operator=(const PolymarketConnection&) = delete;

  int id() const { return id_; }

  // Adds tokens (batched). ResourceExhausted if the total would exceed max_tokens (nothing
  // added); already present tokens are ignored.
  [[nodiscard]] absl::Status Subscribe(const std::vector<InstrumentId>& ids);
  // Removes tokens (batched); unknown ones are ignored. Their later events are
  // ignored (the BookSet entries go at the next reconnect).
  void Unsubscribe(const std::vector<InstrumentId>& ids);
  // Requests a fresh `book` for tokens this connection holds (unsubscribe + subscribe).
  void ResyncTokens(const std::vector<InstrumentId>& ids);

  // Runs fn(const BookSet&) under the connection's mutex (REST reconciler, tests).
  void WithBooks(const std::function<void(const venue::polymarket::BookSet&)>& fn) const;

  // The newest venue timestamp (Unix ms) of a book / price_change / last_trade_price event this
  // connection has received (kept across reconnects); 0 before the first. How far the stream
  // has got: the REST reconciler does not judge a book against a REST snapshot newer than this.
  int64_t newest_event_ms() const;

  // Timers (see the file comment). Call from the supervisor thread.
  void Tick();
  // Closes the socket; Tick() will not reconnect afterwards. Idempotent.
  void Stop();

  size_t token_count() const;
  std::vector<InstrumentId> Tokens() const;  // sorted
  bool is_open() const;
  PolymarketConnectionCounters counters() const;

 private:
  enum class Phase { kIdle, kConnected, kBackoff, kStopped };

  void OnMessage(uint64_t generation, std::string_view message);
  void OnClose(uint64_t generation, const net::WsCloseInfo& info);
  void HandleFrameLocked(const venue::polymarket::MarketFrame& frame, const EventTimes& receipt,
                         std::vector<PolymarketHealthEvent>& events,
                         std::vector<std::string>& new_markets);
  void PublishBookLocked(std::string_view asset_id, const EventTimes& times);
  bool RegridAndApplyLocked(const venue::polymarket::BookEvent& e);
  void QuarantineLocked(std::string_view asset_id, std::string_view reason,
                        std::vector<PolymarketHealthEvent>& events);
  absl::Status SendLocked(const std::string& frame);
  void Emit(std::vector<PolymarketHealthEvent>& events);
  void Disconnect(std::string_view reason, bool count_reconnect);

  const int id_;
  const PolymarketConnectionOptions options_;
  BookPublisher* const publisher_;
  const Clock* const clock_;
  const PolymarketHealthCallback health_;

  mutable std::mutex mu_;
  Phase phase_ = Phase::kIdle;
  std::unique_ptr<net::WsClient> client_;  // replaced only by Tick()/Stop()
  uint64_t generation_ = 0;                // callbacks of older clients are ignored
  bool closed_by_peer_ = false;
  bool ever_connected_ = false;
  net::Backoff backoff_;
  int64_t next_connect_nanos_ = 0;
  int64_t next_ping_nanos_ = 0;
  int64_t connected_nanos_ = 0;
  int64_t last_probe_nanos_ = 0;      // last silence probe (0 = none since the connect)
  int64_t batch_deadline_nanos_ = 0;  // 0 = nothing pending
  absl::flat_hash_set<std::string> tokens_;
  absl::flat_hash_set<std::string> pending_subscribe_;
  absl::flat_hash_set<std::string> pending_unsubscribe_;
  absl::flat_hash_set<std::string> pending_resync_;
  absl::flat_hash_map<std::string, SnapshotSource> next_source_;
  venue::polymarket::MarketFrameDecoder decoder_;
  venue::polymarket::BookSet books_;
  PolymarketConnectionCounters counters_;
  int64_t newest_event_ms_ = 0;
  std::vector<book::Level> bid_scratch_;
  std::vector<book::Level> ask_scratch_;
};

}  // namespace arbor::feed
