// File: arbor/sim/polymarket_trading.h
//
// The simulator's authenticated Polymarket CLOB surface (POLYMARKET.md §5.2, §6, §7), so the
// official clob-client-v2 and our own clients trade against the simulated Exchange as against
// the venue:
//   L1  POST /auth/api-key, GET /auth/derive-api-key (ClobAuth EIP-712 signature recovered and
//       compared with POLY_ADDRESS; deterministic credentials per (address, nonce));
//   L2  POST /order, POST /orders, DELETE /order, /orders, /cancel-all, /cancel-market-orders,
//       GET /data/orders, /data/order/{id}, /data/trades, /balance-allowance(/update),
//       POST /v1/heartbeats — each checked against the HMAC of ts + METHOD + path + body.
// Orders are EIP-712 V2 orders whose signer is recovered from the signature; amounts become a
// price on the market's tick grid and a size, and go to the market's MarketEngine with the
// order's maker (funder) address as the ledger account. A new API key's address is funded once
// with `initial_balance`. Trades and finished orders are observed through the Exchange's
// listeners and reported to an optional user-event sink (the user WebSocket channel).
// Runs on the simulator's single io thread; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/http_server.h"

namespace arbor::sim {

struct PolymarketTradingOptions {
  uint64_t chain_id = 137;
  int exchange_version = 2;  // what GET /version serves; selects the EIP-712 domain
  Money initial_balance = Money::FromUnits(100'000);
  // Once an address has sent a heartbeat, its open orders are canceled when no heartbeat
  // arrives within this time.
  int64_t heartbeat_timeout_ms = 10'000;
  // L1/L2 POLY_TIMESTAMP must be within this many seconds of the server clock.
  int64_t max_auth_skew_s = 300;
  // An order's signed `timestamp` (ms) may be at most this old, or this far in the future.
  int64_t max_order_age_ms = 3'600'000;
  // Keys API credentials (create/derive agree because they are an HMAC of address + nonce).
  std::string credential_secret = "arbor-venue-sim";
};

// What the user WebSocket channel needs of an API key.
struct PolymarketApiKey {
  std::string key;         // UUID
  std::string secret;      // URL-safe base64 of 32 bytes
  std::string passphrase;  // 64 hex digits
  std::string address;     // lower-case 0x signer address
};

class PolymarketTrading {
 public:
  // Receives a user-channel event frame (a JSON object) for the orders of `address` (lower-case
  // signer address) in market `condition_id`.
  using UserEventSink = std::function<void(std::string_view address, std::string_view condition_id,
                                           std::string frame)>;

  // `exchange` and `clock` must outlive this object. Registers trade / order-done listeners on
  // the exchange.
  PolymarketTrading(Exchange& exchange, const Clock& clock, PolymarketTradingOptions options = {});
  PolymarketTrading(const PolymarketTrading&) = delete;
  PolymarketTrading& operator=(const PolymarketTrading&) = delete;

  // Registers the routes listed in the file comment on `clob`. Call before clob.Start().
  void Attach(HttpServer& clob);

  // Cancels the open orders of every address whose heartbeat has lapsed. Call after each
  // exchange step (and whenever the clock moves in tests).
  void Tick(int64_t now_ms);

  // Sets the sink that receives user-channel frames (one sink; replaces the previous one).
  void SetUserEventSink(UserEventSink sink) { sink_ = std::move(sink); }

  // The API key `key`, or nullptr when it was never issued.
  const PolymarketApiKey* FindApiKey(std::string_view key) const;

  // Number of orders accepted so far (all states).
  size_t orders_accepted() const { return orders_.size(); }

  // One order of a POST /order(s) body, parsed strictly (defined in the .cc).
  struct ParsedOrder;

 private:
  struct OrderRecord {
    std::string id;  // 0x + 64 hex: the EIP-712 order digest
    int market = 0;
    uint64_t engine_id = 0;
    int outcome = 0;
    std::string signer;  // lower-case
    std::string maker;   // lower-case; the ledger account
    std::string owner;   // API key
    Side side = Side::kBuy;
    Price price;
    Quantity size;
    Quantity filled;
    Money cash;  // pUSD paid (BUY) or received (SELL) over its fills, before fees
    OrderState state = OrderState::kLive;
    std::string order_type;  // GTC, GTD, FOK, FAK
    uint64_t expiration = 0;
    int64_t created_s = 0;
    std::vector<std::string> trade_ids;
  };
  struct TradeRecord {
    std::string id;
    int market = 0;
    Trade trade;
    std::string taker_order;  // order hash or "" for agents' orders
    std::string maker_order;
    int64_t match_time_s = 0;
  };
  struct Caller {
    const PolymarketApiKey* key = nullptr;
  };
  HttpReply CreateApiKey(const HttpRequest& r);
  absl::StatusOr<const PolymarketApiKey*> L1(const HttpRequest& r);
  absl::StatusOr<Caller> L2(const HttpRequest& r) const;

  HttpReply PostOrder(const HttpRequest& r, const Caller& c);
  HttpReply PostOrders(const HttpRequest& r, const Caller& c);
  // Validates and places one order; `json` receives the §6 response object. Returns false for
  // a reject (the response then carries errorMsg), true when the order was accepted.
  bool PlaceOne(const ParsedOrder& order, const Caller& c, bool batch, std::string* json);
  absl::StatusOr<OrderRecord*> Admit(const ParsedOrder& order, const Caller& c);

  HttpReply CancelOne(const HttpRequest& r, const Caller& c);
  HttpReply CancelMany(const HttpRequest& r, const Caller& c);
  HttpReply CancelAll(const HttpRequest& r, const Caller& c);
  HttpReply CancelMarket(const HttpRequest& r, const Caller& c);
  std::string CancelIds(const std::vector<std::string>& ids, const Caller& c);
  HttpReply OpenOrders(const HttpRequest& r, const Caller& c);
  HttpReply OneOrder(const HttpRequest& r, const Caller& c);
  HttpReply Trades(const HttpRequest& r, const Caller& c);
  HttpReply BalanceAllowance(const HttpRequest& r, const Caller& c);
  HttpReply Heartbeat(const HttpRequest& r, const Caller& c);

  void OnTrade(const MarketEngine& engine, const Trade& trade);
  void OnOrderDone(const MarketEngine& engine, const Order& order);
  void AppendOrderJson(const OrderRecord& o, std::string* out) const;
  void AppendTradeJson(const TradeRecord& t, std::string_view caller_address,
                       std::string* out) const;
  std::string OrderEvent(const OrderRecord& o, std::string_view type) const;
  void Emit(const OrderRecord& o, std::string frame);
  std::vector<const OrderRecord*> LiveOrdersOf(std::string_view address) const;
  int64_t NowS() const;

  Exchange& exchange_;
  const Clock& clock_;
  PolymarketTradingOptions options_;
  absl::flat_hash_map<std::string, PolymarketApiKey> keys_;      // by API key
  absl::flat_hash_set<std::string> funded_;                      // ledger accounts funded once
  absl::flat_hash_map<std::string, std::string> funder_signer_;  // maker -> signer (types 1/2)
  absl::flat_hash_map<std::string, std::unique_ptr<OrderRecord>> orders_;  // by order hash
  absl::flat_hash_map<uint64_t, OrderRecord*> by_engine_id_;
  absl::flat_hash_map<std::string, std::vector<OrderRecord*>> orders_by_signer_;
  std::vector<TradeRecord> trades_;
  absl::flat_hash_map<std::string, std::vector<size_t>> trades_by_signer_;  // into trades_
  struct HeartbeatState {
    std::string last_id;
    int64_t last_ms = 0;
    bool armed = false;
  };
  absl::flat_hash_map<std::string, HeartbeatState> heartbeats_;  // by signer address
  uint64_t next_heartbeat_ = 1;
  UserEventSink sink_;
  // The order being placed (its engine id is unknown until Place returns) and the user frames
  // held back until its PLACEMENT is out.
  OrderRecord* pending_ = nullptr;
  std::vector<std::pair<const OrderRecord*, std::string>> pending_frames_;
};

}  // namespace arbor::sim
