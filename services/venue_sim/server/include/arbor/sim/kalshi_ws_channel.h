// File: arbor/sim/kalshi_ws_channel.h
//
// The simulator's Kalshi WebSocket API (`/trade-api/ws/v2`, KALSHI.md §2, §4, §5) over the
// Exchange's Kalshi twin engines:
//   - the upgrade request is authenticated with the KALSHI-ACCESS-* headers over
//     `timestamp_ms + "GET" + path` through a caller-supplied authenticator; failures get an
//     HTTP 401 before the upgrade (unless public mode lets the connection in unauthenticated);
//   - commands subscribe / unsubscribe / update_subscription (add_markets, delete_markets,
//     get_snapshot) with the documented replies and `error` codes;
//   - channels orderbook_delta (snapshot + additive deltas, one `seq` counter per sid), trade
//     (seq), ticker and fill (no seq), market_lifecycle_v2 (seq): `created` when
//     Exchange::ListKalshiMarket lists a market and `determined` (with `result` and
//     `determination_ts`) when ResolveKalshiMarket resolves one, sent at once to every
//     market_lifecycle_v2 subscription covering the market (all of them unless it named
//     tickers). A resolved market's pending level changes are dropped: no deltas after it.
//     Unlisted markets are unknown tickers.
// Publish() DRAINS the Kalshi twin engines' level changes (MarketEngine::TakeLevelChanges): it
// must be their only consumer. Everything runs on the server's single io thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/kalshi_feed.h"
#include "arbor/sim/ws_session.h"

namespace arbor::sim {

// Checks the KALSHI-ACCESS-* values of an upgrade request (`method` "GET", `path` the request
// path without query) and returns the ledger account they authenticate (the account that owns
// the connection's fills), or an error (any error refuses the upgrade).
using KalshiWsAuthenticator = std::function<absl::StatusOr<std::string>(
    std::string_view key_id, std::string_view timestamp_ms, std::string_view signature,
    std::string_view method, std::string_view path)>;

// The API's names for one engine order (fill messages carry them).
struct KalshiOrderRef {
  std::string order_id;
  std::string client_order_id;  // empty = omitted from the message
};

struct KalshiWsOptions {
  // Upgrades WITHOUT any KALSHI-ACCESS-* header are accepted; such connections may subscribe
  // only to the public channels (ticker, trade, market_lifecycle_v2); orderbook_delta and fill
  // answer error 9. Upgrades with wrong credentials are refused either way.
  bool allow_unauthenticated_public = false;
  // Names an engine order id for fill messages; unset = the decimal engine id, no client id.
  std::function<KalshiOrderRef(uint64_t engine_order_id)> order_ref;
};

class KalshiWsChannel {
 public:
  // Registers a trade listener on `exchange` (trade and fill messages are sent as trades
  // happen), so this object must outlive every later Exchange::Step and order placement.
  // `authenticator` must be callable for the channel's lifetime.
  KalshiWsChannel(Exchange* exchange, KalshiWsAuthenticator authenticator,
                  KalshiWsOptions options = {});
  KalshiWsChannel(const KalshiWsChannel&) = delete;
  KalshiWsChannel& operator=(const KalshiWsChannel&) = delete;

  // Serves the channel on `server` at `path`. Call before HttpServer::Start(); this object must
  // outlive the server's sessions.
  void Attach(HttpServer& server, const std::string& path = "/trade-api/ws/v2");

  // Takes every Kalshi twin's level changes since the last call (draining the engines) and
  // sends the resulting orderbook_delta messages, then a ticker message for every twin that
  // changed or traded. Call after each Exchange::Step (and it may be called at any time).
  // Errors: none today; kept fallible like the other channels' Publish.
  [[nodiscard]] absl::Status Publish(int64_t now_ms);

  // Test hook for clients' gap handling: the next seq-carrying message of subscription `sid`
  // skips one number (seq jumps by 2), on every connection that has that sid. No-op if none.
  void SkipSeqForTesting(uint64_t sid);
  // The ws_seq_gap fault (FaultInjector::AttachSeqGap): every orderbook_delta subscription of
  // every connection skips one seq number on its next seq-carrying message. Returns how many
  // subscriptions were affected.
  size_t SkipSeqOnAllOrderbookSubscriptions();

  size_t connections() const { return connections_.size(); }
  uint64_t frames_sent() const { return frames_sent_; }
  uint64_t rejected_upgrades() const { return rejected_upgrades_; }

 private:
  enum class Channel { kOrderbookDelta, kTicker, kTrade, kFill, kMarketLifecycleV2 };
  struct Subscription {
    uint64_t sid = 0;
    Channel channel = Channel::kOrderbookDelta;
    bool all_markets = false;  // no market_tickers given (not for orderbook_delta)
    std::vector<int> twins;    // subscribed twins, in subscription order
    uint64_t seq = 0;          // last seq sent
    // orderbook_delta: the book published to this subscription, per twin.
    std::map<int, KalshiFeedRenderer> books;
    bool Covers(int twin) const;
  };
  struct Connection {
    std::shared_ptr<WsSession> session;
    std::string account;  // empty when unauthenticated (public mode)
    uint64_t next_sid = 1;
    std::map<uint64_t, Subscription> subs;
  };
  struct Command;

  void OnMessage(WsSession& session, const std::string& text);
  void Subscribe(Connection& c, const Command& cmd);
  void Unsubscribe(Connection& c, const Command& cmd);
  void UpdateSubscription(Connection& c, const Command& cmd);
  // Resolves tickers to twins; on an unknown ticker sends error 11 and returns false.
  bool ResolveTickers(Connection& c, const Command& cmd, std::vector<int>* twins);
  void SendSnapshot(Connection& c, Subscription& sub, int twin, uint64_t reply_id);
  void SendError(Connection& c, uint64_t id, int code, std::string_view msg);
  void Send(Connection& c, std::string frame);
  uint64_t NextSeq(Subscription& sub);
  void OnTrade(const MarketEngine& engine, const Trade& trade);
  void OnLifecycle(const LifecycleEvent& event);
  std::string LifecycleJson(const LifecycleEvent& event, uint64_t sid, uint64_t seq) const;
  std::string TickerJson(int twin, uint64_t sid, int64_t now_ms) const;
  std::string FillJson(int twin, const Trade& trade, bool taker, uint64_t sid) const;

  Exchange* exchange_;
  KalshiWsAuthenticator authenticator_;
  KalshiWsOptions options_;
  absl::flat_hash_map<WsSession*, Connection> connections_;
  // Per twin: traded volume, last trade, and whether it changed since the last Publish.
  struct TwinStats {
    Quantity volume;
    Money dollar_volume;
    Price last_price;
    Quantity last_size;
    bool traded = false;
    bool dirty = false;
  };
  std::vector<TwinStats> stats_;
  absl::flat_hash_map<const MarketEngine*, int> twin_of_engine_;
  int64_t last_now_ms_ = 0;
  uint64_t frames_sent_ = 0;
  uint64_t rejected_upgrades_ = 0;
};

}  // namespace arbor::sim
