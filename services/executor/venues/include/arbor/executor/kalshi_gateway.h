// File: arbor/executor/kalshi_gateway.h
//
// KalshiGateway: the executor's VenueGateway for Kalshi's Trade API v2 in `live` and `sim` mode,
// over venue::kalshi::RestClient (RSA-PSS signed requests). Symbols are "<ticker>:YES" /
// "<ticker>:NO"; an order is a limit order in that side at the request's price
// (yes_price_dollars / no_price_dollars, 4 decimals) for the request's count (count_fp, 2
// decimals); FAK -> immediate_or_cancel, FOK -> fill_or_kill, GTC -> good_till_canceled.
// client_order_id is Kalshi's own idempotency key: a resend is refused as a duplicate and Place
// then reports the existing order; Query finds an order by it alone.
//
//   ARBOR_ASSIGN_OR_RETURN(auto gw, KalshiGateway::Create(http, &clock, std::move(config)));
//   std::vector<exec::VenueOrderReport> reports = gw->Place(legs);  // one POST per leg
//
// The RSA private key arrives in the config; the gateway's copy is cleansed after it is loaded
// and it is never logged or put in a Status or a report.
//
// Thread-safe: every method may be called concurrently (no mutable state). Blocking: network
// I/O; call from executor I/O threads, never from a hot path.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/core/clock.h"
#include "arbor/exec/venue_gateway.h"
#include "arbor/net/http_client.h"
#include "arbor/venue/kalshi/auth.h"
#include "arbor/venue/kalshi/rest_client.h"

namespace arbor::executor {

struct KalshiGatewayConfig {
  net::Origin origin;
  std::string api_key_id;
  // Secret: the RSA private key, PEM (PKCS#1 or PKCS#8, unencrypted).
  std::string private_key_pem;
  venue::kalshi::RestClientOptions rest;
  // Page size for orders / fills listings, and the paging safety stop.
  int page_limit = 200;
  int max_pages = 1000;
  // Legs of one Place call are sent concurrently, at most this many at a time (1 = in order).
  int max_parallel_legs = 8;
};

class KalshiGateway final : public exec::VenueGateway {
 public:
  // Create
  //
  // Loads the key. `http` and `clock` must outlive the gateway. Errors: InvalidArgument for a
  // key that does not parse, an empty key id, or non-positive paging / parallelism settings
  // (messages never contain key material).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KalshiGateway>> Create(
      net::HttpClient* http, const Clock* clock, KalshiGatewayConfig config);

  KalshiGateway(const KalshiGateway&) = delete;
  KalshiGateway& operator=(const KalshiGateway&) = delete;
  ~KalshiGateway() override;

  Venue venue() const override { return Venue::kKalshi; }

  // Place
  //
  // One POST /portfolio/orders per leg (concurrently, see max_parallel_legs). Per leg: kOpen
  // (resting), kFilled (executed), kCanceled (IOC/FOK remainder), kRejected (4xx, 429, nothing
  // sent; or invalid request: reason starts with "not sent: "), kUnknown (5xx, timeout or drop
  // after send). A duplicate client_order_id (409) is the same order sent before: its Query
  // report is returned. Fills come from GET /portfolio/fills.
  std::vector<exec::VenueOrderReport> Place(absl::Span<const exec::OrderRequest> orders) override;

  // Cancel
  //
  // DELETE /portfolio/orders/{id} (id = venue_order_id, or found by client_order_id); the
  // report is the order afterwards: kCanceled, kFilled, kOpen (cancel refused / throttled, see
  // reason / retry_after), kNotFound, or kUnknown.
  exec::VenueOrderReport Cancel(const exec::OrderRequest& order,
                                std::string_view venue_order_id) override;

  // Query
  //
  // GET /portfolio/orders/{id}, or (empty venue_order_id) the account's orders on the symbol's
  // ticker searched for client_order_id; plus the order's fills. kNotFound if neither finds it.
  // Errors: Unavailable (transport, 5xx, timeout), ResourceExhausted (429), Unauthenticated.
  [[nodiscard]] absl::StatusOr<exec::VenueOrderReport> Query(
      const exec::OrderRequest& order, std::string_view venue_order_id) override;

  // OpenOrders: every resting order (with client ids) and its fills. Errors: as Query.
  [[nodiscard]] absl::StatusOr<std::vector<exec::VenueOrderReport>> OpenOrders() override;

  // Balance
  //
  // available = Kalshi's balance (cash not held by resting orders); total = available plus what
  // resting buy orders hold (remaining count x price, rounded up; fees not included).
  // Errors: as Query.
  [[nodiscard]] absl::StatusOr<exec::CashBalance> Balance() override;
  // GET /portfolio/positions?ticker=…: YES contracts for "<ticker>:YES", NO for "<ticker>:NO".
  [[nodiscard]] absl::StatusOr<int64_t> PositionOf(std::string_view symbol) override;

 private:
  KalshiGateway(KalshiGatewayConfig config, venue::kalshi::RequestSigner signer);

  exec::VenueOrderReport PlaceOne(const exec::OrderRequest& order);
  // The order's report with its fills (read when it has any).
  absl::StatusOr<exec::VenueOrderReport> WithFills(const venue::kalshi::RestOrder& order);
  // The account's order on `ticker` with `client_order_id`; NotFound if there is none.
  absl::StatusOr<venue::kalshi::RestOrder> FindByClientId(std::string_view ticker,
                                                          std::string_view client_order_id);
  absl::StatusOr<std::vector<venue::kalshi::RestOrder>> Orders(venue::kalshi::ListQuery query);
  absl::StatusOr<std::vector<venue::kalshi::RestFill>> Fills(std::string_view ticker);

  KalshiGatewayConfig config_;  // key cleared in Create
  venue::kalshi::RequestSigner signer_;
  std::unique_ptr<venue::kalshi::RestClient> rest_;
};

}  // namespace arbor::executor
