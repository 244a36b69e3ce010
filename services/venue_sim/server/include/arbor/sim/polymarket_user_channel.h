// File: arbor/sim/polymarket_user_channel.h
//
// The simulator's Polymarket user WebSocket channel (`/ws/user`, POLYMARKET.md §4): the first
// frame must be {"auth":{"apiKey","secret","passphrase"},"markets":[condition ids]?,
// "type":"user"}; credentials that PolymarketTrading did not issue (or a malformed first frame)
// close the connection with code 1008. Text `PING` is answered with `PONG`. Afterwards the
// connection receives the `order` (PLACEMENT / UPDATE / CANCELLATION) and `trade` (MATCHED)
// events of the key's address, filtered to `markets` when that list is not empty. Later frames
// with "markets" and "operation":"subscribe"|"unsubscribe" change the filter.
// Runs on the server's io thread with the exchange; not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/polymarket_trading.h"
#include "arbor/sim/ws_session.h"

namespace arbor::sim {

class PolymarketUserChannel {
 public:
  // `trading` must outlive the channel; the channel becomes its user-event sink.
  explicit PolymarketUserChannel(PolymarketTrading* trading);

  // Serves the channel on `server` at `path` (the venue's is "/ws/user").
  void Attach(HttpServer& server, const std::string& path = "/ws/user");

  size_t connections() const { return sessions_.size(); }
  uint64_t frames_sent() const { return frames_sent_; }

 private:
  struct Subscriber {
    std::shared_ptr<WsSession> session;
    std::string address;                       // empty until authenticated
    absl::flat_hash_set<std::string> markets;  // lower-case condition ids; empty = all
  };
  void OnMessage(WsSession& session, const std::string& text);
  void Deliver(std::string_view address, std::string_view condition_id, const std::string& frame);

  PolymarketTrading* trading_;
  absl::flat_hash_map<WsSession*, Subscriber> sessions_;
  uint64_t frames_sent_ = 0;
};

}  // namespace arbor::sim
