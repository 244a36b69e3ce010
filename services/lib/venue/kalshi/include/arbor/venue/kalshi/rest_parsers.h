// File: arbor/venue/kalshi/rest_parsers.h
//
// Parsers for Kalshi Trade API v2 REST bodies (KALSHI.md §3): markets, events, orders, fills,
// positions, balance and the nested error shape {"error":{"code","message"}}. Prices, counts and
// money are read from the current fixed-point fields (`*_dollars` strings, `*_fp` count strings)
// and fall back to the legacy integer fields (cents, whole contracts) when only those are
// present (older responses and recordings). Never through double. Unknown fields are ignored.
//
// Stateless; thread-safe. Allocates (REST path, not a hot path).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/kalshi/messages.h"

namespace arbor::venue::kalshi {

enum class Action : uint8_t { kBuy, kSell };

// Kalshi's time_in_force values.
enum class TimeInForce : uint8_t { kGoodTillCanceled, kImmediateOrCancel, kFillOrKill };

// "good_till_canceled" / "immediate_or_cancel" / "fill_or_kill".
std::string_view TimeInForceName(TimeInForce tif);

struct RestMarket {
  std::string ticker;
  std::string event_ticker;
  std::string market_type;  // "binary", ...
  std::string title;
  std::string status;  // "active", "closed", ... (kept verbatim: new values may appear)
  Price yes_bid;
  Price yes_ask;
  Price no_bid;
  Price no_ask;
  Price last_price;
  Quantity yes_bid_size;
  Quantity yes_ask_size;
  Quantity volume;
  Quantity volume_24h;
  Quantity open_interest;
  Money liquidity;
  std::string close_time;  // RFC 3339 as sent
  std::string price_level_structure;
  std::vector<PriceRange> price_ranges;
  std::string result;
};

struct RestEvent {
  std::string event_ticker;
  std::string series_ticker;
  std::string title;
  std::string sub_title;
  std::string category;
  bool mutually_exclusive = false;
};

// One page of a cursor-paginated list; `cursor` is empty on the last page.
template <typename T>
struct RestPage {
  std::vector<T> items;
  std::string cursor;
};

struct RestEventDetail {
  RestEvent event;
  std::vector<RestMarket> markets;
};

struct RestOrder {
  std::string order_id;
  std::string client_order_id;
  std::string ticker;
  Side side = Side::kYes;
  Action action = Action::kBuy;
  std::string type;    // "limit", "market"
  std::string status;  // "resting" | "executed" | "canceled" | "pending" (verbatim)
  Price yes_price;
  Price no_price;
  Quantity initial_count;
  Quantity fill_count;
  Quantity remaining_count;
  Money taker_fees;
  Money maker_fees;
  Money taker_fill_cost;
  Money maker_fill_cost;
  std::string created_time;
};

struct RestFill {
  std::string fill_id;
  std::string trade_id;
  std::string order_id;
  std::string ticker;
  Side side = Side::kYes;
  Action action = Action::kBuy;
  Quantity count;
  Price yes_price;
  Price no_price;
  bool is_taker = false;
  Money fee_cost;
  std::string created_time;
};

struct RestPosition {
  std::string ticker;
  Quantity position;  // positive = YES contracts, negative = NO contracts
  Money fees_paid;
  Money total_traded;
  int64_t resting_orders_count = 0;
};

struct RestBalance {
  Money balance;  // available cash
  Money portfolio_value;
};

// A DELETE /portfolio/orders/{id} reply.
struct RestCancel {
  RestOrder order;
  Quantity reduced_by;
};

// The venue's error body. Both the nested {"error":{"code","message"}} and the flat
// {"code","message"} / {"error":"..."} shapes are accepted.
struct RestError {
  std::string code;
  std::string message;
};

// Each parser: InvalidArgument naming the field ("kalshi <what>: field '<path>': <why>") for
// malformed JSON, a missing required field (tickers, ids) or a value that does not parse as an
// exact decimal; an absent optional numeric field reads as zero.
[[nodiscard]] absl::StatusOr<RestPage<RestMarket>> ParseMarketsPage(std::string_view body);
[[nodiscard]] absl::StatusOr<RestMarket> ParseMarketReply(std::string_view body);  // {"market"}
[[nodiscard]] absl::StatusOr<RestPage<RestEvent>> ParseEventsPage(std::string_view body);
[[nodiscard]] absl::StatusOr<RestEventDetail> ParseEventReply(std::string_view body);
[[nodiscard]] absl::StatusOr<RestOrder> ParseOrderReply(std::string_view body);  // {"order"}
[[nodiscard]] absl::StatusOr<RestCancel> ParseCancelReply(std::string_view body);
[[nodiscard]] absl::StatusOr<RestPage<RestOrder>> ParseOrdersPage(std::string_view body);
[[nodiscard]] absl::StatusOr<RestPage<RestFill>> ParseFillsPage(std::string_view body);
[[nodiscard]] absl::StatusOr<RestPage<RestPosition>> ParsePositionsPage(std::string_view body);
[[nodiscard]] absl::StatusOr<RestBalance> ParseBalance(std::string_view body);
// Errors: InvalidArgument if `body` is not JSON or holds no error code/message.
[[nodiscard]] absl::StatusOr<RestError> ParseError(std::string_view body);

}  // namespace arbor::venue::kalshi
