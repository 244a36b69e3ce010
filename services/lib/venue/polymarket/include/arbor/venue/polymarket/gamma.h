// File: arbor/venue/polymarket/gamma.h
//
// Parsers for the Gamma metadata API (POLYMARKET.md §11): markets, events, tags and
// /public-search. Gamma quirks handled here:
//  * `outcomes`, `outcomePrices`, `clobTokenIds` are JSON-encoded strings ("[\"Yes\", \"No\"]")
//    and are parsed twice; a plain JSON array is accepted too (some endpoints send one).
//  * Numbers are sometimes strings (`liquidity`, `volume`) and sometimes numbers (`*Num`):
//    both are accepted, always from the raw text, never via double.
//  * Informational values with more than 6 decimals (volumes, "0.5843311669077693146…" outcome
//    prices) are rounded half-up to 1e-6; trading parameters (tick size, minimum size, fee
//    rates) must be exact or the parse fails.
//
// Results are owned structs. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/fees.h"

namespace arbor::venue::polymarket {

// events[] entry of a Gamma market (a reference to the parent event).
struct GammaEventRef {
  std::string id;
  std::string ticker;
  std::string slug;
  std::string title;
};

struct GammaMarket {
  std::string id;
  std::string question;
  std::string condition_id;
  std::string question_id;
  std::string slug;
  std::string description;
  std::string resolution_source;
  std::string start_date;
  std::string end_date;
  std::string end_date_iso;
  std::string group_item_title;
  std::string neg_risk_market_id;
  std::string neg_risk_request_id;
  std::string fee_type;            // "crypto_fees", "sports_fees_v2", "" when null
  std::string sports_market_type;  // "moneyline", "map_handicap", ...
  std::string game_id;
  std::string market_type;  // legacy "normal" / "scalar"
  // Parallel lists in outcome order: clob_token_ids[i] is the token of outcomes[i].
  std::vector<std::string> outcomes;
  std::vector<Price> outcome_prices;  // rounded half-up to 1e-6
  std::vector<std::string> clob_token_ids;
  std::optional<Money> liquidity;  // `liquidity` (string) or else `liquidityNum`
  std::optional<Money> volume;     // `volume` (string) or else `volumeNum`
  std::optional<Money> volume_24hr;
  std::optional<Price> order_price_min_tick_size;  // exact, (0, 1]
  std::optional<Quantity> order_min_size;          // exact
  std::optional<Price> best_bid;                   // informational, rounded
  std::optional<Price> best_ask;
  std::optional<Price> last_trade_price;
  std::optional<Price> spread;
  std::optional<int64_t> maker_base_fee;
  std::optional<int64_t> taker_base_fee;
  std::optional<FeeSchedule> fee_schedule;
  bool active = false;
  bool closed = false;
  bool archived = false;
  bool restricted = false;
  bool accepting_orders = false;
  bool enable_order_book = false;
  bool neg_risk = false;
  bool neg_risk_other = false;
  bool fees_enabled = false;
  std::vector<GammaEventRef> events;
};

struct GammaTag {
  std::string id;
  std::string label;
  std::string slug;
};

struct GammaEvent {
  std::string id;
  std::string ticker;
  std::string slug;
  std::string title;
  std::string description;
  std::string resolution_source;
  std::string start_date;
  std::string end_date;
  std::string neg_risk_market_id;
  bool active = false;
  bool closed = false;
  bool archived = false;
  bool neg_risk = false;
  bool enable_neg_risk = false;
  bool neg_risk_augmented = false;
  std::optional<Money> liquidity;
  std::optional<Money> volume;
  std::vector<GammaMarket> markets;
  std::vector<GammaTag> tags;
};

// /public-search response.
struct GammaSearchResult {
  std::vector<GammaEvent> events;
  std::vector<GammaTag> tags;
  bool has_more = false;
  std::optional<int64_t> total_results;
};

// Errors (every parser): InvalidArgument naming the field path (e.g. `markets[1].clobTokenIds`)
// and byte offset for malformed JSON, wrong types, invalid decimals, a tick outside (0, 1], a
// JSON-encoded list that is not a list of strings, outcomePrices not in [0, 1], a fee schedule
// with a rate that is not an exact decimal in [0, 1] or an exponent outside
// [0, FeeSchedule::kMaxExponent]. Required: a market needs `id` or `conditionId` (markets nested
// in events may carry only conditionId/question/slug); an event or tag needs `id`.

// GET /markets/{id} or one element of GET /markets.
[[nodiscard]] absl::StatusOr<GammaMarket> ParseGammaMarket(std::string_view json);
// GET /markets: a JSON array of markets.
[[nodiscard]] absl::StatusOr<std::vector<GammaMarket>> ParseGammaMarkets(std::string_view json);
// GET /events/{id}: one event object.
[[nodiscard]] absl::StatusOr<GammaEvent> ParseGammaEvent(std::string_view json);
// GET /events: a JSON array of events.
[[nodiscard]] absl::StatusOr<std::vector<GammaEvent>> ParseGammaEvents(std::string_view json);
// GET /tags: a JSON array of tags.
[[nodiscard]] absl::StatusOr<std::vector<GammaTag>> ParseGammaTags(std::string_view json);
// GET /public-search: {events:[...], tags?:[...], pagination:{hasMore, totalResults}}.
[[nodiscard]] absl::StatusOr<GammaSearchResult> ParseGammaSearch(std::string_view json);

}  // namespace arbor::venue::polymarket
