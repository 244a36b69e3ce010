// File: arbor/venue/kalshi/rest_client.h
//
// RestClient: Kalshi's Trade API v2 over REST (KALSHI.md §3) on arbor::net's HttpClient: public
// market data (markets, events, orderbooks) and the authenticated legacy order endpoints
// (/portfolio/orders, fills, positions, balance). Authenticated requests carry the
// KALSHI-ACCESS-* headers from a RequestSigner, timestamped by an injected Clock. Statuses are
// mapped so an executor can act on them:
//
//   What happened                                         Status code           Order exists?
//   ----------------------------------------------------  --------------------  -------------
//   2xx with a body that parses                           OK                    yes
//   400 with code insufficient_balance / market_closed /  kFailedPrecondition   no (rejected)
//     trading_is_paused / *_not_cancelable, other 4xx
//   400 (any other code)                                  kInvalidArgument      no (rejected)
//   404                                                   kNotFound             no
//   409 (e.g. duplicate client_order_id)                  kAlreadyExists        the earlier one
//   401                                                   kUnauthenticated      no
//   403                                                   kPermissionDenied     no
//   429 (Retry-After kept, see RetryAfterSeconds())       kResourceExhausted    no
//   connect / resolve / TLS failure: nothing was sent     kUnavailable          no
//   create / cancel: 5xx, timeout or drop after send,     kUnknown              UNKNOWN
//     or a 2xx body that does not parse
//   reads: 5xx                                            kUnavailable          -
//   reads: timeout / drop after send                      as net::HttpClient    -
//                                                         (kDeadlineExceeded /
//                                                         kUnknown)
//
// Rejection messages carry the venue's code and message ("... rejected (400 invalid_parameters):
// ..."); every unknown-outcome message contains "outcome unknown". On IsOutcomeUnknown(), the
// caller reconciles by client_order_id (GetOrders) and never blindly resends.
//
// Thread-safe: requests may run concurrently (HttpClient, RequestSigner and Clock are). Blocking:
// call from I/O threads, not hot paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/net/http_client.h"
#include "arbor/venue/kalshi/auth.h"
#include "arbor/venue/kalshi/rest_orderbook.h"
#include "arbor/venue/kalshi/rest_parsers.h"

namespace arbor::venue::kalshi {

// Whether `status` means a create/cancel may have taken effect at the venue (kUnknown, or
// kDeadlineExceeded from a read path): reconcile instead of resending.
bool IsOutcomeUnknown(const absl::Status& status);

// The delta-seconds Retry-After the venue sent with a 429, if any.
std::optional<int64_t> RetryAfterSeconds(const absl::Status& status);

// StatusFromKalshiReply
//
// Maps a non-2xx reply per the table above (`mutating` = create or cancel). `what` names the
// request ("POST /trade-api/v2/portfolio/orders") in the message; `retry_after` is the
// Retry-After header text (kept as a payload when it is delta-seconds). OK for 2xx.
[[nodiscard]] absl::Status StatusFromKalshiReply(int http_status, std::string_view body,
                                                 std::string_view retry_after,
                                                 std::string_view what, bool mutating);

struct RestClientOptions {
  // Path prefix of every route; also part of the signed path.
  std::string api_prefix = "/trade-api/v2";
  // Per-request timeout; zero = the HttpClient's default.
  absl::Duration timeout = absl::ZeroDuration();
  // GetAllMarkets stops with kOutOfRange after this many pages (a cursor that never ends).
  int max_pages = 10'000;
};

struct MarketsQuery {
  std::string event_ticker;          // empty = any
  std::vector<std::string> tickers;  // empty = any
  std::string status;                // "open", ...; empty = any
  int limit = 0;                     // 0 = the venue's default
  std::string cursor;
};

struct ListQuery {
  int limit = 0;  // 0 = the venue's default
  std::string cursor;
  std::string status;  // GetOrders: "resting" | "executed" | "canceled"; empty = any
  std::string ticker;  // empty = any
};

struct CreateOrderParams {
  std::string ticker;
  Side side = Side::kYes;
  Action action = Action::kBuy;
  Quantity count;  // contracts, > 0 (sent as count_fp)
  // The limit price in the order's own side: the YES price for a YES order, the NO price for a
  // NO order (sent as yes_price_dollars / no_price_dollars).
  Price price;
  TimeInForce time_in_force = TimeInForce::kGoodTillCanceled;
  // Required: the reconciliation key after an unknown outcome. Unique per account.
  std::string client_order_id;
};

class RestClient {
 public:
  // `http` and `clock` must outlive the client; `signer` too unless null (then only the public
  // market-data calls work; private ones return kFailedPrecondition).
  RestClient(net::HttpClient* http, net::Origin origin, const RequestSigner* signer,
             const Clock* clock, RestClientOptions options = {});

  // GetMarkets
  //
  // One page of GET /markets. Errors: per the table; InvalidArgument for a body that does not
  // parse.
  [[nodiscard]] absl::StatusOr<RestPage<RestMarket>> GetMarkets(const MarketsQuery& query) const;

  // GetAllMarkets
  //
  // Follows the cursor from `query.cursor` until the venue returns an empty one. Errors: those
  // of GetMarkets; OutOfRange after options.max_pages pages.
  [[nodiscard]] absl::StatusOr<std::vector<RestMarket>> GetAllMarkets(MarketsQuery query) const;

  // GET /markets/{ticker}. NotFound for an unknown ticker.
  [[nodiscard]] absl::StatusOr<RestMarket> GetMarket(std::string_view ticker) const;

  // One page of GET /events.
  [[nodiscard]] absl::StatusOr<RestPage<RestEvent>> GetEvents(const ListQuery& query) const;

  // GET /events/{event_ticker} with its markets. NotFound for an unknown event.
  [[nodiscard]] absl::StatusOr<RestEventDetail> GetEvent(std::string_view event_ticker) const;

  // GET /markets/{ticker}/orderbook (`depth` 0 = full book). NotFound for an unknown ticker.
  [[nodiscard]] absl::StatusOr<RestOrderbook> GetOrderbook(std::string_view ticker,
                                                           int depth = 0) const;

  // CreateOrder
  //
  // POST /portfolio/orders (type limit). Preconditions checked locally (InvalidArgument, nothing
  // sent): non-empty ticker and client_order_id, count > 0, price in (0, 1). Errors: per the
  // table; a duplicate client_order_id is kAlreadyExists.
  [[nodiscard]] absl::StatusOr<RestOrder> CreateOrder(const CreateOrderParams& params) const;

  // DELETE /portfolio/orders/{order_id}. NotFound for an unknown or no longer resting order;
  // kUnknown (outcome unknown) on 5xx / timeout / drop after send.
  [[nodiscard]] absl::StatusOr<RestCancel> CancelOrder(std::string_view order_id) const;

  // GET /portfolio/orders/{order_id}.
  [[nodiscard]] absl::StatusOr<RestOrder> GetOrder(std::string_view order_id) const;

  // One page of GET /portfolio/orders (status / ticker filters).
  [[nodiscard]] absl::StatusOr<RestPage<RestOrder>> GetOrders(const ListQuery& query) const;

  // One page of GET /portfolio/fills (ticker filter).
  [[nodiscard]] absl::StatusOr<RestPage<RestFill>> GetFills(const ListQuery& query) const;

  // One page of GET /portfolio/positions (market_positions).
  [[nodiscard]] absl::StatusOr<RestPage<RestPosition>> GetPositions(const ListQuery& query) const;

  // GET /portfolio/balance.
  [[nodiscard]] absl::StatusOr<RestBalance> GetBalance() const;

 private:
  // Sends `method` `route` (relative to api_prefix; `query` already encoded, may be empty) and
  // returns the 2xx body or the mapped error.
  absl::StatusOr<std::string> Call(std::string_view method, std::string_view route,
                                   std::string_view query, std::string body, bool authenticated,
                                   bool mutating) const;

  net::HttpClient* http_;
  net::Origin origin_;
  const RequestSigner* signer_;
  const Clock* clock_;
  RestClientOptions options_;
};

}  // namespace arbor::venue::kalshi
