// File: arbor/sim/polymarket_feed.h
//
// Renders a MarketEngine's books in Polymarket's wire shapes: the REST `GET /book` body and the
// market-channel `book` and `price_change` (Sept-2025 schema) events. Levels are written in the
// order real captures show (bids ascending, asks descending: best level LAST) so that clients
// that assume an order are caught. The `hash` is the REST summary hash (TEST_VECTORS.md §8)
// over the rendered summary; whether the live WS hash uses the same recipe is unverified, and
// arbor never relies on it.
//
// Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/sim/market_engine.h"
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

}  // namespace arbor::sim
