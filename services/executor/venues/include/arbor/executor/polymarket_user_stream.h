// File: arbor/executor/polymarket_user_stream.h
//
// PolymarketUserStream: the executor's push path for Polymarket fills. It holds one connection
// to the authenticated user channel (`/ws/user`, POLYMARKET.md §4), decodes its `trade` events
// with venue::polymarket::UserFrameDecoder and hands the fills of OUR orders to a callback keyed
// by the venue order id, for exec::ExecutionEngine::OnVenueFills:
//
//   PolymarketUserStream::Options options =
//       PolymarketUserStream::OptionsFor(*gateway, ws_origin);   // creds, address, fee exponent
//   PolymarketUserStream stream(std::move(options), &clock,
//       [&engine](std::string id, std::vector<exec::VenueFill> fills) {
//         engine.OnVenueFills(Venue::kPolymarket, id, fills);
//       });
//   stream.Start();
//   ...
//   stream.Stop();
//
// Every fill is built by PolymarketOrderFills (polymarket_gateway.h), the function the gateway's
// REST reports use, so a pushed fill equals the polled fill of the same match (trade id, price,
// size, fee, maker flag, time) and the engine's de-duplication by (trade id, order) holds. A trade
// counts only with status MATCHED, MINED or CONFIRMED; a trade is re-delivered with each of those
// statuses (the engine de-duplicates). The channel does not replay what was missed while
// disconnected: Options::on_subscribed fires after every (re)subscription so the owner can poll.
//
// Secrets: the L2 credentials travel only in the subscribe frame (cleansed after queueing) and
// are cleansed when the stream is destroyed; they are never logged or put in a Status.
//
// Threading: Start() runs a supervisor thread (connect, subscribe, `PING` heartbeat, idle
// watchdog, reconnect with backoff); frames are decoded on the WebSocket client's I/O thread and
// the callbacks run there, one at a time, without any lock of the stream held. Callbacks must
// not call Stop() or destroy the stream. stats() is thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/exec/venue_gateway.h"
#include "arbor/executor/polymarket_gateway.h"
#include "arbor/net/backoff.h"
#include "arbor/net/http_client.h"
#include "arbor/net/ws_client.h"
#include "arbor/venue/polymarket/trading_parsers.h"
#include "arbor/venue/polymarket/user_decoder.h"

namespace arbor::executor {

class PolymarketUserStream {
 public:
  // Fills of one of our orders in one trade event. `venue_order_id` is the order hash in lower
  // case, as PolymarketGateway reports it.
  using FillCallback =
      std::function<void(std::string venue_order_id, std::vector<exec::VenueFill> fills)>;

  struct Options {
    // The user-channel host: wss://ws-subscriptions-clob.polymarket.com on the venue (not the
    // REST host), the CLOB port on arbor-venue-sim.
    net::Origin clob{true, "ws-subscriptions-clob.polymarket.com", 443};
    std::string path = "/ws/user";
    // Secret: the L2 credentials (PolymarketGateway::credentials()).
    venue::polymarket::ApiCredentials creds;
    // Condition ids to receive; empty = every market of the account.
    std::vector<std::string> markets;
    // Our orders' maker address (PolymarketGateway::maker_address()). A maker_orders leg is ours
    // when its maker_address equals this (case-insensitive) or its owner is creds.api_key; the
    // taker leg when trader_side is TAKER or the trade's maker_address equals this.
    std::string our_address;
    // Must equal the gateway's config.fee_exponent (PolymarketGateway::fee_exponent()).
    int fee_exponent = 1;
    // Text `PING` interval (the venue closes idle connections; 10 s is its documented rule).
    absl::Duration ping_interval = absl::Seconds(10);
    // Nothing received (PONG included) for this long → the connection is dropped and re-made.
    absl::Duration idle_timeout = absl::Seconds(60);
    net::BackoffOptions backoff{absl::Milliseconds(250), absl::Seconds(5), 2.0, net::Jitter::kFull};
    net::WsOptions ws;
    // Called (on the I/O thread) each time a subscription is confirmed: the first PONG or event
    // after the subscribe frame, i.e. the venue read and accepted it. Events of the gap before it
    // were not delivered: poll them (Query). May be empty.
    std::function<void()> on_subscribed;
  };

  struct Stats {
    uint64_t frames = 0;           // frames received (PONG and malformed ones included)
    uint64_t trades = 0;           // trade events decoded (any status)
    uint64_t skipped_trades = 0;   // trade events with a status that is not a fill
    uint64_t orders = 0;           // order events decoded (not used for fills)
    uint64_t fills_delivered = 0;  // VenueFills handed to the callback
    uint64_t malformed = 0;        // frames the decoder refused (skipped)
    uint64_t pongs = 0;
    uint64_t connects = 0;          // successful WebSocket connects (first included)
    uint64_t reconnects = 0;        // connects after a lost or dropped connection
    uint64_t connect_failures = 0;  // connect attempts that failed
    uint64_t idle_timeouts = 0;     // connections dropped by the idle watchdog
    uint64_t subscriptions = 0;     // subscriptions confirmed (see Options::on_subscribed)
    bool connected = false;         // connected and the subscription confirmed
  };

  // OptionsFor
  //
  // Options for the account `gateway` trades: its credentials (a copy: a secret), maker address
  // and fee exponent; `origin` is the user channel's host.
  static Options OptionsFor(const PolymarketGateway& gateway, net::Origin origin);

  // `clock` must outlive the stream. `on_fills` must be set.
  PolymarketUserStream(Options options, const Clock* clock, FillCallback on_fills);
  ~PolymarketUserStream();  // Stop(); cleanses the credentials
  PolymarketUserStream(const PolymarketUserStream&) = delete;
  PolymarketUserStream& operator=(const PolymarketUserStream&) = delete;

  // Start
  //
  // Starts the supervisor thread; returns at once (the connection is made in the background,
  // see stats().connected). Idempotent; a stopped stream does not start again.
  void Start();

  // Stop
  //
  // Closes the connection and joins the threads; no callback runs after it returns. Idempotent.
  // Must not be called from a callback. Blocks up to options.ws.connect_timeout if a connect is
  // in flight, and up to about a second for the close handshake.
  void Stop();

  Stats stats() const;

  // The fills of our orders in one decoded trade event, grouped by venue order id (lower case),
  // in event order: empty for a trade whose status is not MATCHED / MINED / CONFIRMED. Exposed
  // for tests; Start()'s connection uses it for every trade.
  std::vector<std::pair<std::string, std::vector<exec::VenueFill>>> FillsOf(
      const venue::polymarket::TradeEvent& trade) const;

 private:
  struct Connection;

  void Run();
  // One connection's life: connect, subscribe, heartbeat until it ends, goes idle or Stop().
  // Returns true when the venue accepted the subscription.
  bool RunConnection();
  void OnMessage(Connection& conn, std::string_view message, bool is_text);
  void OnClose(Connection& conn, const net::WsCloseInfo& info);
  bool TakerIsOurs(const venue::polymarket::TradeEvent& trade) const;
  bool MakerIsOurs(const venue::polymarket::MakerOrderFill& leg) const;
  // Waits until Stop() or `deadline_nanos` (Clock::MonotonicNanos); true if stopping.
  bool WaitUntilStopping(int64_t deadline_nanos);

  Options options_;  // creds cleansed by the destructor
  const Clock* const clock_;
  const FillCallback on_fills_;
  const std::string our_address_lower_;

  std::mutex lifecycle_mu_;  // serialises Start() / Stop(); guards thread_
  std::thread thread_;
  // std primitives rather than absl::Mutex: the system Abseil's is not TSan-annotated.
  mutable std::mutex mu_;
  std::condition_variable cv_;  // signalled when stopping_ or a connection's `closed` changes
  bool started_ = false;        // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  Stats stats_;                 // guarded by mu_
};

}  // namespace arbor::executor
