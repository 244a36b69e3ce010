// File: arbor/sim/polymarket_feed.h
//
// Renders a MarketEngine's books in Polymarket's wire shapes: the REST `GET /book` body and the
// market-channel `book`, `price_change` (Sept-2025 schema), `last_trade_price`,
// `tick_size_change` and `best_bid_ask` events (field order as in the real captures). Levels are
// written in the order real captures show (bids ascending, asks descending: best level LAST) so
// that clients that assume an order are caught. The `hash` is the REST summary hash
// (TEST_VECTORS.md §8) over the rendered summary; whether the live WS hash uses the same recipe is
// unverified, and arbor never relies on it.
//
// Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/sim/market_engine.h"
#include "arbor/sim/universe.h"
#include "arbor/venue/polymarket/rest_parsers.h"

namespace arbor::sim {

// The `GET /book` summary of one token (outcome 0 = YES, 1 = NO) with its hash filled in.
[[nodiscard]] absl::StatusOr<venue::polymarket::BookSummary> PolymarketBookSummary(
    const MarketEngine& engine, int outcome, int64_t timestamp_ms);

// The REST `GET /book` response body.
std::string PolymarketRestBookJson(const venue::polymarket::BookSummary& summary);

// The market-channel `book` event for the same summary.
std::string PolymarketWsBookEvent(const venue::polymarket::BookSummary& summary);

// One `price_change` event carrying `changes` (from MarketEngine::TakeLevelChanges) for the
// engine's market, each entry with the token's hash and best bid / ask after the change.
// Returns "" when `changes` is empty.
[[nodiscard]] absl::StatusOr<std::string> PolymarketWsPriceChangeEvent(
    const MarketEngine& engine, const std::vector<LevelChange>& changes, int64_t timestamp_ms);

// `last_trade_price` for one trade, in the taker's token: its price and side (as the venue
// reports the aggressor), the size, and the market's fee rate in basis points
// (FeeSchedule::rate_micros / 100, e.g. "720" for crypto's 0.072).
std::string PolymarketWsLastTradeEvent(const MarketEngine& engine, const Trade& trade,
                                       int64_t timestamp_ms);

// `tick_size_change` for one token of the engine's market.
std::string PolymarketWsTickSizeChangeEvent(const MarketEngine& engine, int outcome, Price old_tick,
                                            Price new_tick, int64_t timestamp_ms);

// `best_bid_ask` (custom feature) for one token: its current touch and spread. A side with no
// level is omitted, and so is the spread then.
std::string PolymarketWsBestBidAskEvent(const MarketEngine& engine, int outcome,
                                        int64_t timestamp_ms);

// `new_market` (custom feature) for `market` of `universe`, with the venue's field set and order
// (samples/polymarket/ws_market/nt_rs_ws_market_new_market_msg.json). A standalone market's
// `event_message` describes its own single-market event (id and slugs of the market); sports
// fields are empty strings; `tags` = [category].
std::string PolymarketWsNewMarketEvent(const Universe& universe, const SimMarket& market,
                                       int64_t timestamp_ms);

// `market_resolved` (custom feature) for a resolved market (SimMarket::winning_outcome):
// id, market, assets_ids, winning_asset_id, winning_outcome ("Yes"/"No"), timestamp, tags.
std::string PolymarketWsMarketResolvedEvent(const SimMarket& market, int64_t timestamp_ms);

}  // namespace arbor::sim
