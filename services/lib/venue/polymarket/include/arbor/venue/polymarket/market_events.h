// File: arbor/venue/polymarket/market_events.h
//
// Decoded market-channel events (POLYMARKET.md §3.2). These are non-owning views produced by
// MarketFrameDecoder: every std::string_view and absl::Span points into the decoder's reused
// buffers and stays valid until the decoder's next Decode call. Prices and sizes are already
// validated (price in [0, 1], size >= 0); nothing else (tick grid, book state) is checked here.
//
// A MarketFrame lists its events in wire order as (type, index) pairs; `index` selects the
// element of the per-type span (books(), price_changes(), ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"

namespace arbor::venue::polymarket {

// Order / level side on the wire: BUY = bid book, SELL = ask book.
enum class Side : uint8_t { kBuy, kSell };

// "BUY" / "SELL".
std::string_view SideName(Side side);

enum class MarketEventType : uint8_t {
  kBook,
  kPriceChange,
  kLastTradePrice,
  kTickSizeChange,
  kBestBidAsk,
  kNewMarket,
  kMarketResolved,
};

// The wire name ("book", "price_change", ...).
std::string_view MarketEventTypeName(MarketEventType type);

// What kind of frame was decoded. Text frames carry no events.
enum class FrameKind : uint8_t {
  kEvents,            // a JSON object or array of events
  kPong,              // text "PONG" (reply to our "PING")
  kNoNewAssets,       // text "NO NEW ASSETS" (periodic with custom features on)
  kInvalidOperation,  // text "INVALID OPERATION" (e.g. a repeated initial subscribe)
};

// `book`: a full snapshot that replaces the local book. Levels are in wire order (real captures
// list the best level last); never assume an order.
struct BookEvent {
  std::string_view asset_id;
  std::string_view market;  // condition id
  std::string_view hash;    // empty when absent
  int64_t timestamp_ms = 0;
  absl::Span<const book::Level> bids;
  absl::Span<const book::Level> asks;
};

// One level update of a `price_change`: `size` is the new total at `price` ("0" deletes).
struct PriceChangeEntry {
  std::string_view asset_id;
  Price price;
  Quantity size;
  Side side = Side::kBuy;
  std::string_view hash;          // empty when absent
  std::optional<Price> best_bid;  // new schema only; absent when missing, null or ""
  std::optional<Price> best_ask;
};

// `price_change`, either schema. The legacy flat schema (before Sept 2025) decodes into exactly
// one entry with `legacy_schema` set.
struct PriceChangeEvent {
  std::string_view market;
  int64_t timestamp_ms = 0;
  bool legacy_schema = false;
  absl::Span<const PriceChangeEntry> entries;
};

struct LastTradePriceEvent {
  std::string_view asset_id;
  std::string_view market;
  Price price;
  Quantity size;
  Side side = Side::kBuy;
  std::optional<int64_t> fee_rate_bps;
  int64_t timestamp_ms = 0;
};

struct TickSizeChangeEvent {
  std::string_view asset_id;
  std::string_view market;
  std::optional<Price> old_tick_size;
  Price new_tick_size;
  int64_t timestamp_ms = 0;
};

// `best_bid_ask` (custom feature): top of book; a side may be absent.
struct BestBidAskEvent {
  std::string_view asset_id;
  std::string_view market;
  std::optional<Price> best_bid;
  std::optional<Price> best_ask;
  std::optional<Price> spread;
  int64_t timestamp_ms = 0;
};

// `event_message` of a `new_market`.
struct EventMessage {
  std::string_view id;
  std::string_view ticker;
  std::string_view slug;
  std::string_view title;
  std::string_view description;
};

// `new_market` (custom feature).
struct NewMarketEvent {
  std::string_view id;
  std::string_view question;
  std::string_view market;
  std::string_view slug;
  std::string_view description;
  std::string_view condition_id;
  std::string_view group_item_title;
  std::string_view sports_market_type;
  std::string_view line;
  std::string_view game_start_time;
  absl::Span<const std::string_view> assets_ids;
  absl::Span<const std::string_view> outcomes;
  absl::Span<const std::string_view> clob_token_ids;
  absl::Span<const std::string_view> tags;
  EventMessage event_message;
  std::optional<bool> active;
  std::optional<Price> order_price_min_tick_size;
  int64_t timestamp_ms = 0;
};

// `market_resolved` (custom feature).
struct MarketResolvedEvent {
  std::string_view id;
  std::string_view market;
  std::string_view winning_asset_id;
  std::string_view winning_outcome;
  absl::Span<const std::string_view> assets_ids;
  absl::Span<const std::string_view> tags;
  int64_t timestamp_ms = 0;
};

// One event of a frame: its type and its index in the matching per-type span.
struct MarketEventRef {
  MarketEventType type;
  uint32_t index;
};

// One decoded frame. Owned by MarketFrameDecoder and overwritten by its next Decode.
class MarketFrame {
 public:
  FrameKind kind() const { return kind_; }
  // Events in wire order (empty for text frames and for "[]").
  absl::Span<const MarketEventRef> events() const { return events_; }
  absl::Span<const BookEvent> books() const { return books_; }
  absl::Span<const PriceChangeEvent> price_changes() const { return price_changes_; }
  absl::Span<const LastTradePriceEvent> last_trade_prices() const { return last_trades_; }
  absl::Span<const TickSizeChangeEvent> tick_size_changes() const { return tick_changes_; }
  absl::Span<const BestBidAskEvent> best_bid_asks() const { return best_bid_asks_; }
  absl::Span<const NewMarketEvent> new_markets() const { return new_markets_; }
  absl::Span<const MarketResolvedEvent> market_resolutions() const { return resolutions_; }
  // event_type values of array elements that were skipped because the type is unknown
  // (see MarketFrameDecoder::Decode).
  absl::Span<const std::string_view> skipped_unknown_types() const { return skipped_unknown_; }

 private:
  friend class MarketFrameDecoder;

  void Clear() {
    kind_ = FrameKind::kEvents;
    events_.clear();
    books_.clear();
    price_changes_.clear();
    last_trades_.clear();
    tick_changes_.clear();
    best_bid_asks_.clear();
    new_markets_.clear();
    resolutions_.clear();
    skipped_unknown_.clear();
  }

  FrameKind kind_ = FrameKind::kEvents;
  std::vector<MarketEventRef> events_;
  std::vector<BookEvent> books_;
  std::vector<PriceChangeEvent> price_changes_;
  std::vector<LastTradePriceEvent> last_trades_;
  std::vector<TickSizeChangeEvent> tick_changes_;
  std::vector<BestBidAskEvent> best_bid_asks_;
  std::vector<NewMarketEvent> new_markets_;
  std::vector<MarketResolvedEvent> resolutions_;
  std::vector<std::string_view> skipped_unknown_;
};

}  // namespace arbor::venue::polymarket
