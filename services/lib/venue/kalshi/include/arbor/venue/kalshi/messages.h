// File: arbor/venue/kalshi/messages.h
//
// Decoded Kalshi WebSocket messages (Trade API v2, fixed-point schema with legacy fallbacks).
// WsFrameDecoder (ws_decoder.h) fills these structs; string_view members point into the
// decoder's reused storage and stay valid only until its next Decode() call. Prices and counts
// are exact arbor::Price / arbor::Quantity values, never doubles.
//
// Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "arbor/book/level.h"
#include "arbor/book/price_grid.h"
#include "arbor/core/fixed_point.h"

namespace arbor::venue::kalshi {

// A dimensionless fixed-point factor (fee multipliers), 1e-6 resolution, parsed exactly.
using Multiplier = FixedPoint<struct MultiplierTag>;

// The outcome a level, order or fill refers to.
enum class Side : uint8_t { kYes, kNo };
// Which side of the single YES book an order or trade sits on (bid = buy YES, ask = sell YES):
// Kalshi's `book_side` / `taker_book_side`.
using BookSide = book::BookSide;
// "yes" / "no".
std::string_view SideName(Side side);

enum class MessageType : uint8_t {
  kOrderbookSnapshot,
  kOrderbookDelta,
  kTicker,
  kTrade,
  kFill,
  kUserOrder,
  kMarketLifecycleV2,
  kEventFeeUpdate,
  kSubscribed,
  kUnsubscribed,
  kOk,
  kError,
};
// The wire `type` string, e.g. "orderbook_delta".
std::string_view MessageTypeName(MessageType type);
// Inverse of MessageTypeName; nullopt for any other text.
std::optional<MessageType> ParseMessageType(std::string_view name);

// Which representation a decoded price/count came from. Fixed-point fields win when a frame
// carries both (the 2026-03 recordings send both side by side).
enum class FieldSchema : uint8_t {
  kFixedPoint,     // *_dollars price strings with *_fp count strings
  kLegacyDollars,  // *_dollars price strings with integer counts (snapshot yes_dollars/no_dollars)
  kLegacyCents,    // integer cents with integer counts (yes/no, price/delta, yes_price/count)
};

// One bid level as sent by Kalshi: both snapshot sides are bid ladders in their own outcome's
// terms (with use_yes_price:false a NO level at 0.56 is a NO bid at 0.56).
struct PriceLevel {
  Price price;
  Quantity count;
  friend bool operator==(const PriceLevel&, const PriceLevel&) = default;
};

// One segment of a market's price grid (`price_ranges` entry): start, start+step, ..., end.
using PriceRange = book::PriceRange;

// `orderbook_snapshot`: the full book of one market. An absent side key means an empty side.
struct OrderbookSnapshot {
  std::string_view market_ticker;
  std::string_view market_id;                     // empty if absent
  std::vector<PriceLevel> yes;                    // YES bids, in the order received
  std::vector<PriceLevel> no;                     // NO bids, in the order received
  FieldSchema schema = FieldSchema::kFixedPoint;  // the lowest-ranked representation used
};

// `orderbook_delta`: additive change of one level (new = old + delta; 0 removes the level).
struct OrderbookDelta {
  std::string_view market_ticker;
  std::string_view market_id;  // empty if absent
  Price price;                 // in `side`'s own terms
  Quantity delta;              // signed
  Side side = Side::kYes;
  std::string_view client_order_id;  // only when our own order caused it; empty if absent
  std::optional<int64_t> subaccount;
  std::optional<int64_t> ts_ms;  // absent in legacy recordings
  FieldSchema schema = FieldSchema::kFixedPoint;
};

// `ticker`: top-of-book and volume summary (no seq).
struct Ticker {
  std::string_view market_ticker;
  std::string_view market_id;
  std::optional<Price> price;  // last trade price
  std::optional<Price> yes_bid;
  std::optional<Price> yes_ask;
  std::optional<Quantity> volume;
  std::optional<Quantity> open_interest;
  std::optional<Quantity> yes_bid_size;
  std::optional<Quantity> yes_ask_size;
  std::optional<Quantity> last_trade_size;
  std::optional<int64_t> dollar_volume;
  std::optional<int64_t> dollar_open_interest;
  std::optional<int64_t> ts_ms;  // from ts_ms, else legacy `ts` seconds x 1000
};

// `trade`: a public trade print.
struct Trade {
  std::string_view trade_id;
  std::string_view market_ticker;
  Price yes_price;
  std::optional<Price> no_price;
  Quantity count;
  std::optional<Side> taker_outcome_side;  // taker_outcome_side, else deprecated taker_side
  std::optional<BookSide> taker_book_side;
  std::optional<bool> is_block_trade;
  std::optional<int64_t> ts_ms;  // from ts_ms, else legacy `ts` seconds x 1000
};

// `fill`: one of our own fills.
struct Fill {
  std::string_view trade_id;
  std::string_view order_id;
  std::string_view client_order_id;  // empty if absent
  std::string_view market_ticker;
  std::optional<int64_t> exchange_index;
  std::optional<bool> is_taker;
  Price yes_price;
  Quantity count;
  std::optional<Money> fee_cost;
  std::optional<Quantity> post_position;  // signed
  std::optional<Side> outcome_side;       // outcome_side, else deprecated `side`
  std::optional<BookSide> book_side;
  std::string_view action;  // deprecated "buy"/"sell"; empty if absent
  std::optional<int64_t> subaccount;
  std::optional<int64_t> ts_ms;  // from ts_ms, else legacy `ts` seconds x 1000
};

// `user_order`: state of one of our orders.
struct UserOrder {
  std::string_view order_id;
  std::string_view ticker;
  std::string_view status;           // "resting", "canceled", "executed", ... (kept as text)
  std::string_view client_order_id;  // empty if absent
  std::optional<Side> outcome_side;
  std::optional<BookSide> book_side;
  std::optional<Price> yes_price;
  std::optional<Quantity> fill_count;
  std::optional<Quantity> remaining_count;
  std::optional<Quantity> initial_count;
  std::optional<Money> taker_fill_cost;
  std::optional<Money> maker_fill_cost;
  std::optional<Money> taker_fees;
  std::optional<Money> maker_fees;
  std::optional<int64_t> created_ts_ms;
  std::optional<int64_t> expiration_ts_ms;
};

// market_lifecycle_v2 `event_type`. kUnknown keeps the text in MarketLifecycle::event_type_text.
enum class LifecycleEvent : uint8_t {
  kCreated,
  kActivated,
  kDeactivated,
  kCloseDateUpdated,
  kDetermined,
  kSettled,
  kPriceLevelStructureUpdated,
  kMetadataUpdated,
  kUnknown,
};

// `market_lifecycle_v2`.
struct MarketLifecycle {
  std::string_view market_ticker;
  LifecycleEvent event_type = LifecycleEvent::kUnknown;
  std::string_view event_type_text;  // the raw wire value, always set
  std::optional<int64_t> open_ts;
  std::optional<int64_t> close_ts;
  std::optional<int64_t> determination_ts;
  std::optional<int64_t> settled_ts;
  std::string_view result;  // "yes" / "no" / ...; empty if absent
  std::optional<bool> is_deactivated;
  // "linear_cent" | "deci_cent" | "tapered_deci_cent" | other; empty if absent.
  std::string_view price_level_structure;
  bool has_price_ranges = false;
  std::vector<PriceRange> price_ranges;
};

// `event_fee_update`: a fee model override for every market of an event.
struct EventFeeUpdate {
  std::string_view event_ticker;
  std::string_view fee_type_override;  // e.g. "quadratic"; empty if absent
  std::optional<Multiplier> fee_multiplier_override;
};

// `subscribed` reply.
struct Subscribed {
  std::string_view channel;
  uint64_t sid = 0;
};

// `ok` reply to update_subscription (envelope carries id, sid, seq).
struct OkResponse {
  std::vector<std::string_view> market_tickers;
};

// Documented `error` codes.
enum class ErrorCode : uint8_t {
  kParamsRequired,              // 2
  kUnknownCommand,              // 5
  kUnknownSid,                  // 7
  kUnknownChannel,              // 8
  kAuthRequired,                // 9
  kChannelError,                // 10: terminal for the subscription
  kMarketTickerRequired,        // 14
  kSubscriptionBufferOverflow,  // 25: terminal, resubscribe and resnapshot
  kMarketLimitExceeded,         // 26
  kTooManyRequests,             // 27
  kUnknown,                     // any other code
};

// What the caller should do about an error reply.
enum class ErrorAction : uint8_t {
  kFixRequest,         // 2, 5, 8, 14: our command was wrong
  kDropSidState,       // 7: the server does not know the sid
  kAuthenticate,       // 9
  kResubscribe,        // 10, 25: the subscription is dead; resubscribe and rebuild from snapshots
  kSplitSubscription,  // 26
  kBackOff,            // 27
  kUnknown,            // undocumented code
};

// Maps a wire code to the enum (kUnknown for undocumented codes).
ErrorCode ErrorCodeFromWire(int64_t code);
ErrorAction ActionForError(ErrorCode code);
// True for 10 and 25: the subscription must be recreated.
inline bool IsTerminal(ErrorCode code) { return ActionForError(code) == ErrorAction::kResubscribe; }

// `error` reply.
struct ErrorResponse {
  int64_t code = 0;
  ErrorCode kind = ErrorCode::kUnknown;
  std::string_view msg;
};

// One decoded frame. Only the member selected by `type` is meaningful; the others keep data
// from earlier frames (storage is reused so the hot path does not allocate).
struct WsMessage {
  MessageType type = MessageType::kError;
  std::optional<uint64_t> id;   // command id (replies; snapshots answering get_snapshot)
  std::optional<uint64_t> sid;  // subscription id
  std::optional<uint64_t> seq;  // per-sid sequence number (absent on ticker, fill, user_order)

  OrderbookSnapshot snapshot;
  OrderbookDelta delta;
  Ticker ticker;
  Trade trade;
  Fill fill;
  UserOrder user_order;
  MarketLifecycle lifecycle;
  EventFeeUpdate fee_update;
  Subscribed subscribed;
  OkResponse ok;
  ErrorResponse error;
};

}  // namespace arbor::venue::kalshi
