// File: arbor/sim/kalshi_trading.h
//
// The simulated Kalshi Trade API v2 over REST (KALSHI.md §3): public market data (markets,
// events, orderbooks) and the authenticated legacy order endpoints (/portfolio/orders, fills,
// positions, balance) over the Exchange's Kalshi twin engines. Each registered API key is one
// account, funded once. Requests are authenticated with KALSHI-ACCESS-* headers (RSA-PSS,
// auth.h). Kalshi orders map onto the twin engine: buy yes at p = BUY outcome 0 at p, buy no at
// q = BUY outcome 1 at q, sell = SELL of that token; the engine's cross matching makes a NO bid at
// q a YES ask at 1 - q. Kalshi's taker fee (fees.h, whole cents) is charged to our accounts'
// cash when they take liquidity (the twin engines themselves trade fee-free).
//
// Not thread-safe: everything runs on the simulator's single io thread (handlers and the trade
// listener), as the rest of the simulator does.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/http_server.h"
#include "arbor/venue/kalshi/auth.h"

namespace arbor::sim {

struct KalshiTradingOptions {
  // Cash deposited into the account of each key when it is registered.
  Money initial_balance = Money::FromUnits(10'000);
  // Largest accepted |now - KALSHI-ACCESS-TIMESTAMP|; older or future-dated requests get 401.
  int64_t max_timestamp_skew_ms = 5'000;
  // Page size used when a list request gives no `limit`, and the largest one accepted.
  int default_page_limit = 100;
  int max_page_limit = 1'000;
};

class KalshiTrading {
 public:
  // Registers a trade listener on `exchange` (fills of our accounts on Kalshi twins). `exchange`
  // and `clock` must outlive this object.
  KalshiTrading(Exchange& exchange, const Clock& clock, KalshiTradingOptions options);

  KalshiTrading(const KalshiTrading&) = delete;
  KalshiTrading& operator=(const KalshiTrading&) = delete;

  // Attach
  //
  // Registers every /trade-api/v2 route on `kalshi` (including GET /markets/{ticker}/orderbook).
  // Call before HttpServer::Start(); this object must outlive the server.
  void Attach(HttpServer& kalshi);

  // RegisterKey
  //
  // Adds API key `key_id` with its RSA public key (PEM) and funds its account with
  // options.initial_balance. Errors: InvalidArgument (empty id, PEM that does not parse),
  // AlreadyExists (key already registered; the account is not funded twice).
  [[nodiscard]] absl::Status RegisterKey(std::string key_id, std::string_view public_key_pem);

  // Authenticate
  //
  // Checks one request's KALSHI-ACCESS-* values: `timestamp_ms` is the header text (decimal
  // milliseconds), `path` the request path (a query string is ignored). Returns the ledger
  // account of the key. Errors, all Unauthenticated with the reason: unknown key, bad
  // timestamp, timestamp outside the allowed skew of `now_ms`, signature that does not verify.
  [[nodiscard]] absl::StatusOr<std::string> Authenticate(
      std::string_view key_id, std::string_view timestamp_ms, std::string_view signature,
      std::string_view method, std::string_view path, int64_t now_ms) const;

  // The ledger account name used for `key_id` ("kalshi:<key_id>").
  static std::string AccountOf(std::string_view key_id);

  // The API's names of an engine order placed through this API (so a WebSocket fill names the
  // same order_id the REST API returned), or nullopt for other orders (the agents').
  struct ApiOrderNames {
    std::string order_id;
    std::string client_order_id;
  };
  std::optional<ApiOrderNames> NamesOfEngineOrder(uint64_t engine_order_id) const;

 private:
  // One order placed through the API.
  struct OrderRecord {
    std::string order_id;  // the API's id (uuid-like, derived from the engine id)
    uint64_t engine_id = 0;
    int twin = 0;
    std::string account;
    std::string client_order_id;
    int outcome = 0;  // 0 = yes, 1 = no
    Side action = Side::kBuy;
    std::string time_in_force;
    Price price;  // in the order's side (yes_price for yes, no_price for no)
    Quantity initial_count;
    Quantity fill_count;
    Money taker_fees;
    Money maker_fees;
    Money taker_fill_cost;
    Money maker_fill_cost;
    int64_t created_ms = 0;
    int64_t updated_ms = 0;
  };
  struct FillRecord {
    std::string fill_id;
    uint64_t trade_id = 0;
    std::string order_id;
    std::string client_order_id;
    int twin = 0;
    int outcome = 0;
    Side action = Side::kBuy;
    Quantity count;
    Price yes_price;
    bool is_taker = false;
    Money fee;
    int64_t ts_ms = 0;
  };
  struct PositionStats {
    Money fees_paid;
    Money total_traded;
  };
  struct AccountState {
    std::vector<std::string> order_ids;                              // creation order
    std::vector<FillRecord> fills;                                   // execution order
    absl::flat_hash_map<std::string, std::string> client_order_ids;  // -> order_id
    std::map<int, PositionStats> positions;                          // by twin
  };

  int64_t NowMs() const;
  void OnTrade(const MarketEngine& engine, const Trade& trade);
  void RecordFill(OrderRecord& order, const Trade& trade, bool is_taker);
  std::string OrderStatus(const OrderRecord& order) const;

  // Returns the account or a 401 reply.
  absl::StatusOr<std::string> Authorize(const HttpRequest& r, HttpReply* reply) const;

  HttpReply GetMarkets(const HttpRequest& r) const;
  HttpReply GetMarketPath(const HttpRequest& r) const;
  HttpReply GetEvents(const HttpRequest& r) const;
  HttpReply GetEventPath(const HttpRequest& r) const;
  HttpReply CreateOrder(const HttpRequest& r);
  HttpReply OrderPath(const HttpRequest& r);
  HttpReply GetOrders(const HttpRequest& r) const;
  HttpReply GetFills(const HttpRequest& r) const;
  HttpReply GetPositions(const HttpRequest& r) const;
  HttpReply GetBalance(const HttpRequest& r) const;

  std::string MarketJson(int twin) const;
  std::string EventJson(std::string_view event_ticker) const;
  // Whether any market of the event is listed (open or resolved).
  bool EventListed(std::string_view event_ticker) const;
  std::string OrderJson(const OrderRecord& order) const;
  std::string FillJson(const FillRecord& fill) const;

  Exchange& exchange_;
  const Clock& clock_;
  KalshiTradingOptions options_;
  absl::flat_hash_map<std::string, venue::kalshi::SignatureVerifier> keys_;  // by key id
  absl::flat_hash_map<std::string, AccountState> accounts_;                  // by account
  absl::flat_hash_map<std::string, OrderRecord> orders_;                     // by order_id
  absl::flat_hash_map<uint64_t, std::string> order_of_engine_id_;
  std::vector<std::string> event_tickers_;  // distinct, in twin order
  // The order being placed: its trades arrive (through the listener) before Place returns.
  OrderRecord* placing_ = nullptr;
  uint64_t next_fill_ = 1;
};

}  // namespace arbor::sim
