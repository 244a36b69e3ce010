// File: arbor/venue/polymarket/trading_client.h
//
// TradingClient: Polymarket's authenticated CLOB REST surface (POLYMARKET.md §5.2, §6, §7) over
// arbor::net's HttpClient: API-key creation/derivation (L1 EIP-712 headers), order placement
// and cancellation, open orders, trades, balance/allowance and heartbeats (L2 HMAC headers
// computed over the exact body bytes sent). Statuses are mapped so an executor can act on them:
//
//   What happened                                        Status code            Order exists?
//   ---------------------------------------------------  ---------------------  -------------
//   2xx, success and non-empty orderID                   OK                     yes
//   2xx with success:false, or empty orderID             kFailedPrecondition    no (rejected)
//   400 / 403 / 404 / other 4xx with {"error": ...}      kFailedPrecondition    no (rejected)
//     (non-order requests: 400 kInvalidArgument, 403 kPermissionDenied, 404 kNotFound)
//   401                                                  kUnauthenticated       no
//   429 (Retry-After parsed, see RetryAfter())           kResourceExhausted     no
//   connect / resolve / TLS failure: nothing was sent    kUnavailable           no
//   POST /order(s): 5xx, timeout or connection drop      kUnknown               UNKNOWN
//     after send, or a 2xx body that does not parse
//   other requests: timeout / drop after send            kDeadlineExceeded or   unknown
//                                                         kUnknown (as sent by
//                                                         net::HttpClient)
//   other requests: 5xx                                  net::StatusFromHttp    -
//
// Every rejection message starts with "order rejected: " and carries the venue's text; every
// unknown-outcome message contains "outcome unknown". Use IsOutcomeUnknown(): on true,
// reconcile (open orders / trades, keyed by the locally computed order hash), never resend.
//
// Thread-safe: requests may run concurrently; SetCredentials swaps the L2 signer atomically.
// Blocking: call from I/O threads, not hot paths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/core/clock.h"
#include "arbor/net/http_client.h"
#include "arbor/venue/polymarket/clob_auth.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/retry_after.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "arbor/venue/polymarket/trading_parsers.h"
#include "arbor/venue/polymarket/user_decoder.h"

namespace arbor::venue::polymarket {

enum class OrderType : uint8_t { kGtc, kGtd, kFok, kFak };

// "GTC" / "GTD" / "FOK" / "FAK".
std::string_view OrderTypeName(OrderType type);

// POST /orders accepts at most this many orders (POLYMARKET.md §5.2).
inline constexpr size_t kMaxBatchOrders = 15;

// Whether `status` means the request may have taken effect at the venue (kUnknown or
// kDeadlineExceeded): the caller must reconcile instead of resending.
bool IsOutcomeUnknown(const absl::Status& status);

// A 429's Retry-After (delta-seconds or HTTP-date): RetryAfterSeconds() in retry_after.h.

// One order of a POST /order(s) request. The pointers must stay valid for the call.
struct OrderSubmission {
  const OrderV2* order = nullptr;
  const SignedOrderV2* signed_order = nullptr;
  OrderType type = OrderType::kGtc;
  bool post_only = false;   // only with GTC / GTD (checked before sending)
  bool defer_exec = false;  // deferExec
};

// The outcome of one leg of POST /orders: accepted (response.Accepted()) or rejected with
// `response.error_msg` as the venue's reason.
struct BatchLegResult {
  OrderResponse response;
  bool accepted() const { return response.Accepted(); }
};

// GET /data/orders filters (all optional).
struct OpenOrdersFilter {
  std::string id;
  std::string market;    // condition id
  std::string asset_id;  // token id
};

// GET /data/trades filters (all optional). `before` / `after` are unix seconds (0 = unset).
struct TradesFilter {
  std::string id;
  std::string market;
  std::string asset_id;
  std::string maker_address;
  int64_t before = 0;
  int64_t after = 0;
};

enum class AssetType : uint8_t { kCollateral, kConditional };

struct TradingClientOptions {
  uint64_t chain_id = 137;  // Polygon mainnet; 80002 for Amoy
  // Safety stop for GetOpenOrders / GetTrades paging.
  size_t max_pages = 1000;
  // signature_type query parameter of GET /balance-allowance (0 EOA, 1 POLY_PROXY, 2 SAFE,
  // 3 POLY_1271).
  int signature_type = 0;
};

class TradingClient {
 public:
  // `http`, `key` and `clock` must outlive the client. `clob` is the CLOB host. `clock` supplies
  // the L1/L2 timestamps (unix seconds).
  TradingClient(net::HttpClient* http, net::Origin clob, const Secp256k1Signer* key,
                const Clock* clock, TradingClientOptions options = {});

  TradingClient(const TradingClient&) = delete;
  TradingClient& operator=(const TradingClient&) = delete;

  // CreateApiKey: POST /auth/api-key with L1 headers for `nonce`. Does not install the
  // credentials (call SetCredentials). Errors: the mapping above (non-order requests).
  [[nodiscard]] absl::StatusOr<ApiCredentials> CreateApiKey(uint64_t nonce = 0);
  // DeriveApiKey: GET /auth/derive-api-key with L1 headers for `nonce`.
  [[nodiscard]] absl::StatusOr<ApiCredentials> DeriveApiKey(uint64_t nonce = 0);
  // CreateOrDeriveApiKey: CreateApiKey; if the venue refuses (a 4xx, e.g. the key for this
  // nonce exists) DeriveApiKey. Transport errors are returned as they are.
  [[nodiscard]] absl::StatusOr<ApiCredentials> CreateOrDeriveApiKey(uint64_t nonce = 0);

  // SetCredentials: installs the L2 credentials used by every trading call. Errors:
  // InvalidArgument for an empty key/passphrase or an undecodable secret.
  [[nodiscard]] absl::Status SetCredentials(const ApiCredentials& credentials);
  bool has_credentials() const;

  // PostOrder: POST /order with body
  //   {"order":{...},"owner":<apiKey>,"orderType":"GTC","deferExec":false,"postOnly":false}
  // Returns the venue's response only when the order was accepted (success and an orderID).
  // Errors: FailedPrecondition "order rejected: <venue reason>" (definitely not placed),
  // kUnknown "... outcome unknown ..." (reconcile), others per the table above.
  // FailedPrecondition before sending when no credentials are set, or post_only with FOK/FAK.
  [[nodiscard]] absl::StatusOr<OrderResponse> PostOrder(const OrderSubmission& submission);

  // PostOrders: POST /orders with a JSON array of PostOrder bodies (1..kMaxBatchOrders).
  // Returns one result per leg in request order; a leg with success:false or an empty orderID
  // is rejected. Whole-request errors as PostOrder (a 4xx rejects every leg). A response whose
  // length differs from the request is kUnknown (outcome unknown).
  [[nodiscard]] absl::StatusOr<std::vector<BatchLegResult>> PostOrders(
      absl::Span<const OrderSubmission> submissions);

  // DELETE /order {"orderID": id}.
  [[nodiscard]] absl::StatusOr<CancelResponse> CancelOrder(std::string_view order_id);
  // DELETE /orders [ids...] (non-empty).
  [[nodiscard]] absl::StatusOr<CancelResponse> CancelOrders(absl::Span<const std::string> ids);
  // DELETE /cancel-all.
  [[nodiscard]] absl::StatusOr<CancelResponse> CancelAll();
  // DELETE /cancel-market-orders {"market"?, "asset_id"?} (empty = omitted; not both empty).
  [[nodiscard]] absl::StatusOr<CancelResponse> CancelMarketOrders(std::string_view market,
                                                                  std::string_view asset_id);

  // GET /data/orders?...&next_cursor=, from "MA==" until "LTE=" (or an empty cursor); every
  // page's orders concatenated. ResourceExhausted after options.max_pages pages.
  [[nodiscard]] absl::StatusOr<std::vector<OrderEvent>> GetOpenOrders(
      const OpenOrdersFilter& filter = {});
  // GET /data/order/{id} (active orders only at the venue).
  [[nodiscard]] absl::StatusOr<OrderEvent> GetOrder(std::string_view order_id);
  // GET /data/trades?...&next_cursor=, paged like GetOpenOrders.
  [[nodiscard]] absl::StatusOr<std::vector<TradeEvent>> GetTrades(const TradesFilter& filter = {});
  // GET /balance-allowance?asset_type=COLLATERAL|CONDITIONAL[&token_id=]&signature_type=.
  // `token_id` is required for kConditional.
  [[nodiscard]] absl::StatusOr<BalanceAllowance> GetBalanceAllowance(
      AssetType asset_type, std::string_view token_id = {});
  // POST /v1/heartbeats {"heartbeat_id": last_id}; returns the new heartbeat id. If heartbeats
  // stop, the venue cancels every open order.
  [[nodiscard]] absl::StatusOr<std::string> PostHeartbeat(std::string_view last_id);

 private:
  // The installed credentials, swapped as one unit so a request never mixes two key sets.
  struct Credentials {
    std::unique_ptr<L2Signer> signer;
    std::string api_key;
  };

  // Sends one L2-authenticated request with `creds` (null: the installed ones); `path` has no
  // query, `query` starts with '?' or is empty. Returns the raw response (any status) or the
  // transport error; FailedPrecondition (nothing sent) without credentials.
  absl::StatusOr<net::HttpResponse> SendL2(std::string_view method, std::string_view path,
                                           std::string_view query, std::string body,
                                           std::shared_ptr<const Credentials> creds = nullptr);
  absl::StatusOr<net::HttpResponse> SendL1(std::string_view method, std::string_view path,
                                           uint64_t nonce);
  // Non-order mapping: 2xx -> body; else a status with the venue's message.
  absl::StatusOr<std::string> Checked(absl::StatusOr<net::HttpResponse> response,
                                      std::string_view what);
  // Order mapping (see the table above): 2xx -> body.
  absl::StatusOr<std::string> SendOrderBody(std::string_view path, std::string body,
                                            std::shared_ptr<const Credentials> creds);
  absl::StatusOr<std::string> Paged(std::string_view path, const std::string& query_prefix,
                                    const std::string& cursor);
  std::shared_ptr<const Credentials> credentials() const;
  std::string Timestamp() const;

  net::HttpClient* http_;
  net::Origin clob_;
  const Secp256k1Signer* key_;
  const Clock* clock_;
  TradingClientOptions options_;

  mutable std::mutex mu_;
  std::shared_ptr<const Credentials> creds_;  // guarded by mu_
};

}  // namespace arbor::venue::polymarket
