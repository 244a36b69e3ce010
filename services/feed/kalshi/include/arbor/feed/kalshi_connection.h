// File: arbor/feed/kalshi_connection.h
//
// KalshiConnection: the Kalshi side of a feed shard. ONE authenticated WebSocket
// (`/trade-api/ws/v2`, KALSHI-ACCESS-* headers signed with the API key) subscribed to
// `orderbook_delta` (and optionally channel-wide `market_lifecycle_v2`) for the shard's market
// tickers. Every decoded frame is applied to a venue::kalshi::BookSet (one YES book per market;
// named by market ticker) and the result is published through OutcomePairPublisher, which
// presents each market to subscribers as "<ticker>:YES" and "<ticker>:NO":
//   snapshot -> PublishSnapshot (kVenue the first time, kResync afterwards);
//   delta    -> PublishChanges with the ABSOLUTE new total read from the YES book;
//   crossed/locked after an event -> Quarantine("CrossedBook") + get_snapshot;
//   seq gap  -> Quarantine("SequenceGap") for every market on the sid + get_snapshot;
//   rejected update -> Quarantine("RejectedUpdate") + get_snapshot;
//   lifecycle determined/settled/deactivated(closed) -> CloseInstrument;
//   lifecycle created/activated for a market we do not hold -> options.on_new_market(ticker);
//   trade    -> OutcomePairPublisher::PublishTrade (on the instrument the taker bought).
// With subscribe_trades the connection keeps a second subscription, channel `trade`, for the
// same tickers (subscribed right after the orderbook_delta one and updated with it). Its seq is
// not checked (a missed print is not repairable; books are unaffected).
// Timestamps: the frame's receive time (wall + monotonic) is taken once per frame; ts_event is
// the message's `ts_ms` (delta, trade), 0 for snapshots (Kalshi sends none).
// Malformed frames are counted and skipped. A supervisor thread connects, reconnects with
// backoff + jitter, pings every ping_interval, and runs the staleness watchdog (no data for
// stale_after while subscribed -> MarkStale("NoDataTimeout") + reconnect). On every drop the
// markets go to ExpectSnapshot("ConnectionLost"), the BookSet is reset and the next connection
// resubscribes.
//
//   KalshiConnection conn(options, std::move(signer), &publisher, &SystemClock::Get());
//   ARBOR_RETURN_IF_ERROR(conn.Start());
//   conn.SetMarkets({{InstrumentKey{Venue::kKalshi, InstrumentId("FED-23DEC-T3.00"), ...}}});
//   ...
//   conn.Stop();
//
// Threading: WsClient callbacks run on its I/O thread; connect/ping/watchdog on the supervisor
// thread. One mutex guards the BookSet and subscription state; public methods are thread-safe.
// The health callback runs on those threads with the internal lock held: it must not call back
// into the connection (counters() is lock-free and allowed).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/core/clock.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/book_publisher.h"
#include "arbor/feed/outcome_pair_publisher.h"
#include "arbor/net/backoff.h"
#include "arbor/net/http_client.h"
#include "arbor/net/ws_client.h"
#include "arbor/venue/kalshi/auth.h"
#include "arbor/venue/kalshi/book_builder.h"
#include "arbor/venue/kalshi/messages.h"
#include "arbor/venue/kalshi/ws_decoder.h"

namespace arbor::feed {

struct KalshiConnectionOptions {
  net::Origin origin;                     // e.g. {tls, "api.elections.kalshi.com", 443}
  std::string path = "/trade-api/ws/v2";  // upgrade target (signed as kWsSignPath)
  net::WsOptions ws;
  bool use_yes_price = false;       // sent with subscribe and given to the BookSet
  bool subscribe_lifecycle = true;  // channel-wide market_lifecycle_v2 (filtered to our markets)
  bool subscribe_trades = true;     // `trade` channel for our markets (public prints)
  absl::Duration ping_interval = absl::Seconds(10);
  absl::Duration stale_after = absl::Seconds(30);  // no frame while subscribed -> stale+reconnect
  absl::Duration watchdog_tick = absl::Milliseconds(200);  // supervisor wake-up period
  net::BackoffOptions backoff{.min = absl::Milliseconds(250), .max = absl::Seconds(30)};
  uint64_t backoff_seed = 0x6b616c736869;
  // Called with every received frame before it is decoded, on the I/O thread (the capture
  // recorder; keep it cheap; may be empty).
  std::function<void(std::string_view)> frame_tap;
  // Silence check (see PolymarketConnectionOptions::silence_probe): given the tickers of a
  // connection silent for stale_after, marks books whose REST book differs STALE and returns
  // true when the venue moved unheard (then the connection reconnects). Called on the
  // supervisor thread without the connection's lock, at most once per stale_after. Empty =
  // mark everything STALE and reconnect.
  std::function<bool(const std::vector<std::string>&)> silence_probe;
  // Called with the market ticker when a market_lifecycle_v2 `created` or `activated` event
  // arrives for a market this connection does not hold (needs subscribe_lifecycle). Called on
  // the I/O thread after the connection's lock is released, once per event. May be empty.
  std::function<void(std::string_view venue_market_id)> on_new_market;
};

// Events the mode controller counts (mapped to feed::HealthEvent by the shard).
enum class KalshiHealthEvent : uint8_t {
  kReconnect,    // a connection was re-established after a drop or freeze
  kSeqGap,       // a seq gap on a subscription
  kResync,       // a market was re-snapshotted (get_snapshot sent for it)
  kDecodeError,  // a frame failed to decode
  kStale,        // the staleness watchdog fired
};
std::string_view KalshiHealthEventName(KalshiHealthEvent event);

inline constexpr size_t kKalshiMessageTypes = 12;  // venue::kalshi::MessageType values

struct KalshiConnectionCounters {
  uint64_t frames = 0;  // text frames received
  // Decoded messages by venue::kalshi::MessageType (static_cast<size_t>(type)).
  std::array<uint64_t, kKalshiMessageTypes> messages_by_type{};
  uint64_t unknown_types = 0;  // well-formed frames of a type we do not decode
  uint64_t decode_errors = 0;  // malformed frames (skipped)
  uint64_t gaps = 0;           // seq gaps detected
  uint64_t resyncs = 0;        // markets for which get_snapshot was sent
  uint64_t crossed = 0;        // books found crossed/locked after an event
  uint64_t rejected = 0;       // updates the BookSet refused
  uint64_t error_replies = 0;  // `error` messages from the venue
  uint64_t reconnects = 0;     // successful connects after the first
  uint64_t connect_failures = 0;
  uint64_t stale_timeouts = 0;  // watchdog firings
  uint64_t pings_sent = 0;
  uint64_t pongs = 0;
  uint64_t trades = 0;             // trade prints published
  int64_t last_message_nanos = 0;  // Clock::MonotonicNanos of the last frame (0 = never)
  bool connected = false;
};

class KalshiConnection {
 public:
  using HealthCallback = std::function<void(KalshiHealthEvent event, std::string_view detail)>;

  // `publisher` and `clock` must outlive the connection.
  KalshiConnection(KalshiConnectionOptions options, venue::kalshi::RequestSigner signer,
                   OutcomePairPublisher* publisher, const Clock* clock);
  ~KalshiConnection();  // Stop()
  KalshiConnection(const KalshiConnection&) = delete;
  KalshiConnection& operator=(const KalshiConnection&) = delete;

  // Set before Start().
  void OnHealthEvent(HealthCallback callback);

  // Start
  //
  // Starts the supervisor thread (which connects in the background). Errors:
  // FailedPrecondition if already started.
  [[nodiscard]] absl::Status Start();

  // Stop
  //
  // Closes the socket and joins the threads. Idempotent; no callback runs after it returns.
  void Stop();

  // SetMarkets
  //
  // The full set of markets this connection owns (instrument_id = market ticker; venue must be
  // kKalshi). New markets are registered with the publisher (AddInstrument) and added with
  // update_subscription add_markets (or subscribe when there is no subscription yet); removed
  // ones are deleted from the subscription and closed in the publisher ("Unassigned").
  // Errors: InvalidArgument for a non-Kalshi key or an empty ticker (nothing changes).
  [[nodiscard]] absl::Status SetMarkets(absl::Span<const InstrumentKey> markets);

  // Resync
  //
  // Sends get_snapshot for `tickers` that are on the live subscription (for the REST
  // reconciler); the snapshots are published as kResync. Errors: FailedPrecondition when not
  // connected/subscribed; NotFound if none of the tickers is subscribed.
  [[nodiscard]] absl::Status Resync(absl::Span<const std::string> tickers);

  // Runs `fn` with the BookSet under the connection's lock (keep it short).
  void WithBooks(absl::FunctionRef<void(const venue::kalshi::BookSet&)> fn) const;

  // Lock-free snapshot of the counters.
  KalshiConnectionCounters counters() const;

 private:
  // One market-scoped channel subscription (orderbook_delta, trade).
  struct ChannelSubscription {
    std::optional<uint64_t> sid;
    std::set<std::string> subscribed;  // markets the server has (or will have) on sid
    bool pending = false;              // subscribe sent, `subscribed` reply not yet seen
    uint64_t command_id = 0;           // id of the pending subscribe
  };

  struct MarketState {
    InstrumentKey key;
    bool published = false;           // a snapshot was published once
    bool snapshot_requested = false;  // get_snapshot in flight / awaiting a snapshot
  };

  void Supervise();
  // Handlers (I/O thread).
  void HandleFrame(std::string_view frame);
  void HandleClose(const net::WsCloseInfo& info);
  // All below require mu_.
  void ApplyMessageLocked(const venue::kalshi::WsMessage& m, const EventTimes& receipt,
                          std::vector<std::string>& new_markets);
  void PublishTradeLocked(const venue::kalshi::Trade& t, const EventTimes& receipt);
  void PublishSnapshotLocked(const std::string& ticker, const EventTimes& times);
  void RequestSnapshotsLocked(std::vector<std::string> tickers, std::string_view reason);
  void ReconcileSubscriptionLocked();
  void ReconcileChannelLocked(std::string_view channel, ChannelSubscription& sub);
  void SendLocked(const absl::StatusOr<std::string>& command);
  void DropConnectionStateLocked(std::string_view reason);
  void EmitLocked(KalshiHealthEvent event, std::string_view detail);
  bool IsSubscribedLocked(const std::string& ticker) const;

  const KalshiConnectionOptions options_;
  const venue::kalshi::RequestSigner signer_;
  OutcomePairPublisher* const publisher_;
  const Clock* const clock_;
  HealthCallback health_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // wakes the supervisor (close, stop)
  bool stopping_ = false;
  bool started_ = false;
  bool closed_ = true;  // the current client (if any) reported on_close
  std::unique_ptr<net::WsClient> client_;
  venue::kalshi::WsFrameDecoder decoder_;
  venue::kalshi::BookSet books_;
  absl::flat_hash_map<std::string, MarketState> markets_;  // desired markets
  ChannelSubscription book_sub_;                           // orderbook_delta
  ChannelSubscription trade_sub_;                          // trade (subscribe_trades)
  uint64_t next_id_ = 1;
  std::vector<book::Level> bids_scratch_;
  std::vector<book::Level> asks_scratch_;
  std::thread supervisor_;

  // Counters (lock-free reads).
  std::atomic<uint64_t> frames_{0};
  std::array<std::atomic<uint64_t>, kKalshiMessageTypes> by_type_{};
  std::atomic<uint64_t> unknown_types_{0};
  std::atomic<uint64_t> decode_errors_{0};
  std::atomic<uint64_t> gaps_{0};
  std::atomic<uint64_t> resyncs_{0};
  std::atomic<uint64_t> crossed_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> error_replies_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<uint64_t> connect_failures_{0};
  std::atomic<uint64_t> stale_timeouts_{0};
  std::atomic<uint64_t> pings_sent_{0};
  std::atomic<uint64_t> pongs_{0};
  std::atomic<uint64_t> trades_{0};
  std::atomic<int64_t> last_message_nanos_{0};
  std::atomic<bool> connected_{false};
};

}  // namespace arbor::feed
