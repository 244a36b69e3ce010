// File: arbor/venue/polymarket/trading_parsers.h
//
// Parsers for the authenticated CLOB REST responses (POLYMARKET.md §5.2, §5.3, §6): order and
// batch-order responses, cancel responses, balance/allowance, API credentials, heartbeats and the
// `{"error": "..."}` body. Results are owned structs; prices and sizes are exact arbor fixed point,
// never double. Unknown fields are ignored; errors are InvalidArgument naming the field path and
// byte offset.
//
// Stateless free functions: safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/market_events.h"
#include "arbor/venue/polymarket/user_decoder.h"

namespace arbor::venue::polymarket {

// The cursor that marks the last page of a paged CLOB endpoint, and the first cursor.
inline constexpr std::string_view kClobEndCursor = "LTE=";
inline constexpr std::string_view kClobFirstCursor = "MA==";

// POST /order response, and each element of a POST /orders response.
struct OrderResponse {
  bool success = false;
  std::string error_msg;  // errorMsg; null -> ""
  std::string order_id;   // orderID; null -> ""
  std::string status;     // live | matched | delayed | unmatched (as sent; "" if absent)
  // takingAmount / makingAmount as decimal units, rounded half-up to 1e-6; nullopt if absent,
  // null or "".
  std::optional<Money> taking_amount;
  std::optional<Money> making_amount;
  std::vector<std::string> transactions_hashes;
  std::vector<std::string> trade_ids;

  // Whether the venue holds the order: success and a non-empty orderID (a batch leg can say
  // success:true with an empty orderID and an errorMsg; that leg is rejected, §6).
  bool Accepted() const { return success && !order_id.empty(); }
};

// ParseOrderResponse: a JSON object; every field optional (missing success = false).
[[nodiscard]] absl::StatusOr<OrderResponse> ParseOrderResponse(std::string_view json);
// ParseBatchOrderResponse: a JSON array of order responses, in request order.
[[nodiscard]] absl::StatusOr<std::vector<OrderResponse>> ParseBatchOrderResponse(
    std::string_view json);

// DELETE /order, /orders, /cancel-all, /cancel-market-orders.
struct CancelResponse {
  std::vector<std::string> canceled;
  // not_canceled: order id -> reason, in document order.
  std::vector<std::pair<std::string, std::string>> not_canceled;
};

// ParseCancelResponse: {"canceled": [ids] | null, "not_canceled": {id: reason} | null}; both
// optional (absent = empty).
[[nodiscard]] absl::StatusOr<CancelResponse> ParseCancelResponse(std::string_view json);

// Open orders (GET /data/order/{id}, /data/orders) and trades (GET /data/trades) share the
// user channel's row shapes: see ParseOpenOrder, ParseOpenOrdersPage, ParseTradeReport and
// ParseTradesPage in user_decoder.h.

// GET /balance-allowance. The venue sends amounts as text; the live API uses integer base
// units (1e-6 pUSD or shares), while some clones send decimals ("250.500000"). Both are kept
// as written; `*_base_units` is set only for a plain non-negative integer that fits int64, so
// no caller ever guesses the scale of a decimal.
struct BalanceAllowance {
  std::string balance;    // required
  std::string allowance;  // "" if absent
  std::optional<int64_t> balance_base_units;
  std::optional<int64_t> allowance_base_units;
  // "allowances": {spender: amount} (newer API), in document order.
  std::vector<std::pair<std::string, std::string>> allowances;
};

[[nodiscard]] absl::StatusOr<BalanceAllowance> ParseBalanceAllowance(std::string_view json);

// POST /auth/api-key, GET /auth/derive-api-key. All three fields required and non-empty.
struct ApiCredentials {
  std::string api_key;
  std::string secret;
  std::string passphrase;
};

[[nodiscard]] absl::StatusOr<ApiCredentials> ParseApiCredentials(std::string_view json);

// POST /v1/heartbeats -> {"heartbeat_id": "..."}; the id (may be "").
[[nodiscard]] absl::StatusOr<std::string> ParseHeartbeatResponse(std::string_view json);

// ParseErrorBody: the message of `{"error": "..."}` (a string, or a nested object's "message"
// as Kalshi-style clones send). Errors: InvalidArgument when `json` is not such a body.
[[nodiscard]] absl::StatusOr<std::string> ParseErrorBody(std::string_view json);

}  // namespace arbor::venue::polymarket
