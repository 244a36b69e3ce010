// File: arbor/sim/polymarket_market_channel.h
//
// The simulator's Polymarket market WebSocket channel (`/ws/market`), as the venue behaves
// (POLYMARKET.md §3):
//   - the first frame must be {"assets_ids":[...],"type":"market",...}; the reply is ONE array
//     frame of `book` events for the known assets; a second "type":"market" frame, or anything
//     unparseable, gets the text `INVALID OPERATION`;
//   - later {"assets_ids":[...],"operation":"subscribe"|"unsubscribe"} frames change the set
//     (new assets get their `book` snapshots);
//   - text `PING` is answered with `PONG`;
//   - with more than 500 assets on one connection no snapshots are sent, only updates (the
//     known venue limit);
//   - after each exchange step, Publish() sends every touched book as a `price_change` event
//     (Sept-2025 schema), entries filtered to the connection's subscribed assets;
//   - each trade as a `last_trade_price` event to the subscribers of the taker's token;
//   - a tick change (Exchange's tick rule) as a `tick_size_change` event per subscribed token
//     of the market, followed by a fresh `book` array frame for them instead of that step's
//     `price_change` (clients drop the book on a tick change and wait for a snapshot);
//   - with "custom_feature_enabled": true in the initial or a subscribe frame, a `best_bid_ask`
//     event whenever a subscribed token's touch changed during the step;
//   - market lifecycle (Exchange::ListMarket / ResolveMarket, sent at once, not at Publish):
//     a listing sends `new_market` to EVERY custom-feature connection whatever its assets (as
//     the venue does), then a `book` array frame to connections already subscribed to the new
//     tokens; a resolution sends `market_resolved` to every custom-feature connection (the
//     venue documents no per-asset filter, POLYMARKET.md §3.1) and drops the market's pending
//     level changes: a resolved market's book is never published again.
// Unlisted markets' tokens are unknown here (Exchange::MarketOfToken): no snapshots for them.
// Runs on the server's io thread with the exchange. The channel registers listeners on the
// exchange: it must outlive every later Exchange::Step.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/ws_session.h"

namespace arbor::sim {

class PolymarketMarketChannel {
 public:
  // Beyond this many assets on one connection the venue stops sending snapshots.
  static constexpr size_t kMaxSnapshotAssets = 500;

  explicit PolymarketMarketChannel(Exchange* exchange);

  // Serves the channel on `server` at `path` (the venue's is "/ws/market").
  void Attach(HttpServer& server, const std::string& path = "/ws/market");

  // Takes every market's level changes since the last call and sends them to subscribers.
  // Call after each Exchange::Step.
  [[nodiscard]] absl::Status Publish(int64_t now_ms);

  size_t connections() const { return sessions_.size(); }
  uint64_t frames_sent() const { return frames_sent_; }

 private:
  struct Subscriber {
    std::shared_ptr<WsSession> session;
    absl::flat_hash_set<std::string> assets;
    bool initialized = false;
    bool custom_features = false;
  };
  struct PendingTrade {
    int market = 0;
    Trade trade;
  };
  struct TickChange {
    Price old_tick;
    Price new_tick;
  };
  struct Touch {
    std::optional<Price> bid;
    std::optional<Price> ask;
    bool operator==(const Touch&) const = default;
  };
  Touch CurrentTouch(int market, int outcome) const;
  // Sends the step's tick change of `market` and fresh snapshots to its subscribers.
  void PublishTickChange(int market, const TickChange& change, int64_t now_ms);
  void OnLifecycle(const LifecycleEvent& event);
  void OnMessage(WsSession& session, const std::string& text);
  void SendSnapshots(Subscriber& sub, const std::vector<std::string>& assets, int64_t now_ms);
  void Send(Subscriber& sub, std::string frame);

  Exchange* exchange_;
  absl::flat_hash_map<WsSession*, Subscriber> sessions_;
  uint64_t frames_sent_ = 0;
  int64_t last_now_ms_ = 0;
  std::vector<PendingTrade> trades_;  // since the last Publish
  absl::flat_hash_map<int, TickChange> tick_changes_;
  std::vector<Touch> touch_;  // last published touch, per market * 2 + outcome
};

}  // namespace arbor::sim
