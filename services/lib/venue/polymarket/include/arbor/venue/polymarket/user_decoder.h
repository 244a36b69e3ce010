// File: arbor/venue/polymarket/user_decoder.h
//
// Decoder for the authenticated user channel (POLYMARKET.md §4): `order` and `trade` events,
// decoded into owned structs (the user channel is low-rate; clarity over zero-copy). The same
// row shapes are served by CLOB REST (`GET /data/order/{id}`, `/data/orders`, `/data/trades`),
// so the REST parsers for those reuse this code (ParseOpenOrder, ParseTradeReport, ...).
//
// Status values the venue adds over time are never fatal: order `CANCELED_<reason>` keeps the
// reason; unknown order/trade statuses decode as kUnknown with the raw text kept.
//
// UserFrameDecoder is not thread-safe (one per connection); the free functions are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/market_events.h"
#include "simdjson.h"

namespace arbor::venue::polymarket {

enum class OrderEventType : uint8_t { kPlacement, kUpdate, kCancellation };

enum class OrderStatus : uint8_t {
  kLive,
  kMatched,
  kCanceled,
  kInvalid,
  kCanceledWithReason,  // "CANCELED_<reason>" (e.g. FOK kill); reason in OrderEvent::status_reason
  kUnknown,             // any other text; see OrderEvent::status_text
};

enum class TradeStatus : uint8_t {
  kMatched,
  kMined,
  kConfirmed,
  kRetrying,
  kFailed,
  kMatchedNotBroadcasted,
  kUnknown,  // see TradeEvent::status_text
};

enum class TraderSide : uint8_t { kTaker, kMaker };

std::string_view OrderEventTypeName(OrderEventType type);
std::string_view OrderStatusName(OrderStatus status);
std::string_view TradeStatusName(TradeStatus status);

// Classifies an order status text ("LIVE", "CANCELED_order couldn't be ...", ...). For
// CANCELED_<reason> *reason receives the text after the underscore (may be null).
OrderStatus ParseOrderStatus(std::string_view text, std::string_view* reason);
TradeStatus ParseTradeStatus(std::string_view text);

// An `order` event, or an open-order row from REST (`type` absent there).
struct OrderEvent {
  std::optional<OrderEventType> type;  // absent on REST rows
  std::string id;
  std::string asset_id;
  std::string market;
  std::string owner;
  std::string order_owner;
  std::string maker_address;
  std::string outcome;     // "" when the venue sends "" or null
  std::string order_type;  // GTC, FOK, GTD, FAK
  std::string status_text;
  OrderStatus status = OrderStatus::kUnknown;
  std::string status_reason;  // for kCanceledWithReason
  Side side = Side::kBuy;
  Price price;
  Quantity original_size;
  std::optional<Quantity> size_matched;  // absent when "" or null
  std::optional<int64_t> expiration;     // absent when null or ""
  std::optional<int64_t> created_at;     // as sent (seconds or ms); absent when "" or null
  std::vector<std::string> associate_trades;
  std::optional<int64_t> timestamp_ms;  // WS only
};

// One maker leg of a trade. The leg's asset may be the OPPOSITE outcome token of the trade's
// asset (a YES buy matched against a NO buy).
struct MakerOrderFill {
  std::string order_id;
  std::string owner;
  std::string maker_address;
  std::string asset_id;
  std::string outcome;
  Quantity matched_amount;
  Price price;
  std::optional<int64_t> fee_rate_bps;
  std::optional<Side> side;  // newer payloads only
};

// A `trade` event, or a trade row from REST `/data/trades`.
struct TradeEvent {
  std::string id;
  std::string taker_order_id;
  std::string asset_id;
  std::string market;
  std::string outcome;
  std::string owner;
  std::string trade_owner;
  std::string maker_address;
  std::string transaction_hash;
  std::string status_text;
  TradeStatus status = TradeStatus::kUnknown;
  Side side = Side::kBuy;
  Quantity size;
  Price price;
  std::optional<int64_t> fee_rate_bps;
  std::string match_time;   // as sent: unix seconds or ISO-8601 depending on the source
  std::string last_update;  // as sent
  std::optional<int64_t> bucket_index;
  std::optional<TraderSide> trader_side;
  std::vector<MakerOrderFill> maker_orders;
  std::optional<int64_t> timestamp_ms;  // WS only
};

using UserEvent = std::variant<OrderEvent, TradeEvent>;

struct UserFrame {
  FrameKind kind = FrameKind::kEvents;
  std::vector<UserEvent> events;
};

class UserFrameDecoder {
 public:
  UserFrameDecoder();

  // Decode
  //
  // One user-channel frame: an event object, an array of them, or text PONG. The event kind is
  // taken from `event_type` ("order" / "trade"); payloads without it (REST-shaped fixtures) are
  // classified by `type` (PLACEMENT/UPDATE/CANCELLATION -> order, TRADE -> trade). If both are
  // present they must agree. Required: order {id, asset_id, market, side, price,
  // original_size, status}; trade {id, asset_id, market, side, size, price, status, maker_orders
  // entries' order_id/asset_id/matched_amount/price}. Empty strings and nulls are tolerated in
  // size_matched, outcome, created_at, expiration, associate_trades, fee_rate_bps.
  // Errors: InvalidArgument (malformed JSON, missing/mistyped fields, bad decimals, price
  // outside [0, 1], negative sizes, side not BUY/SELL) naming event index, field and byte
  // offset; Unimplemented for an unknown event_type.
  [[nodiscard]] absl::StatusOr<UserFrame> Decode(std::string_view frame);

 private:
  simdjson::ondemand::parser parser_;
  std::string buffer_;
};

// REST rows sharing the user-channel shapes.
// GET /data/order/{id}: one order object.
[[nodiscard]] absl::StatusOr<OrderEvent> ParseOpenOrder(std::string_view json);
// GET /data/orders page {data: [order...], next_cursor}.
struct OpenOrdersPage {
  std::vector<OrderEvent> data;
  std::string next_cursor;  // "LTE=" marks the last page
};
[[nodiscard]] absl::StatusOr<OpenOrdersPage> ParseOpenOrdersPage(std::string_view json);
// GET /data/trades row.
[[nodiscard]] absl::StatusOr<TradeEvent> ParseTradeReport(std::string_view json);
// GET /data/trades page {data: [trade...], next_cursor}.
struct TradesPage {
  std::vector<TradeEvent> data;
  std::string next_cursor;
};
[[nodiscard]] absl::StatusOr<TradesPage> ParseTradesPage(std::string_view json);

}  // namespace arbor::venue::polymarket
