// File: arbor/venue/polymarket/rest_parsers.h
//
// Parsers for public CLOB REST responses (POLYMARKET.md §5): `GET /book`, `POST /books`,
// `GET /markets` pages, `GET /markets/{condition_id}`, `GET /tick-size`, `GET /neg-risk`,
// `GET /fee-rate`. Results are owned structs. JSON numbers (minimum_tick_size,
// minimum_order_size, token prices) are converted from their raw text, never via double.
//
// BookSummary keeps the original decimal texts next to the parsed values because the venue's
// summary hash (book_hash.h) is computed over the texts.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"

namespace arbor::venue::polymarket {

// A JSON scalar as it was written: its text and whether it was a JSON string (quoted) or a
// number/literal. Needed to reproduce the summary hash input exactly.
struct RawScalar {
  std::string text;
  bool quoted = true;

  friend bool operator==(const RawScalar&, const RawScalar&) = default;
};

// One {price, size} level of a /book response: parsed values plus the original strings.
struct SummaryLevel {
  book::Level level;
  std::string price_text;
  std::string size_text;
};

// GET /book?token_id= response. Older responses lack min_order_size, tick_size, neg_risk and
// last_trade_price (absent -> nullopt).
struct BookSummary {
  std::string market;
  std::string asset_id;
  std::string hash;
  RawScalar timestamp;
  int64_t timestamp_ms = 0;
  std::vector<SummaryLevel> bids;  // wire order (real responses: best last)
  std::vector<SummaryLevel> asks;
  std::optional<RawScalar> min_order_size_text;
  std::optional<Quantity> min_order_size;
  std::optional<RawScalar> tick_size_text;
  std::optional<Price> tick_size;
  std::optional<bool> neg_risk;
  std::optional<RawScalar> last_trade_price_text;
  std::optional<Price> last_trade_price;

  // The parsed levels alone, e.g. for OrderBook::ApplySnapshot.
  std::vector<book::Level> BidLevels() const;
  std::vector<book::Level> AskLevels() const;
};

// ParseBookSummary
//
// Required: market, asset_id, timestamp, bids, asks (each level: price in [0, 1], size >= 0).
// Optional: hash, min_order_size, tick_size (in (0, 1]), neg_risk, last_trade_price ("" and
// null -> absent). Errors: InvalidArgument naming the field and byte offset.
[[nodiscard]] absl::StatusOr<BookSummary> ParseBookSummary(std::string_view json);

// POST /books: a JSON array of /book responses.
[[nodiscard]] absl::StatusOr<std::vector<BookSummary>> ParseBookSummaries(std::string_view json);

// tokens[] of a CLOB market.
struct ClobToken {
  std::string token_id;  // "" for placeholder tokens of markets not yet (or never) deployed
  std::string outcome;
  std::optional<Price> price;  // last price; rounded half-up to 1e-6 if given more finely
  bool winner = false;
};

// GET /markets/{condition_id} (and each element of a /markets page).
struct ClobMarket {
  std::string condition_id;
  std::string question_id;
  std::string question;
  std::string description;
  std::string market_slug;
  std::string end_date_iso;
  std::string game_start_time;
  std::string accepting_order_timestamp;
  std::string neg_risk_market_id;
  std::string neg_risk_request_id;
  std::string fpmm;
  bool active = false;
  bool closed = false;
  bool archived = false;
  bool accepting_orders = false;
  bool enable_order_book = false;
  bool neg_risk = false;
  bool is_50_50_outcome = false;
  Price minimum_tick_size;  // required, (0, 1]
  std::optional<Quantity> minimum_order_size;
  std::optional<int64_t> maker_base_fee_bps;  // maker_base_fee
  std::optional<int64_t> taker_base_fee_bps;  // taker_base_fee
  std::optional<int64_t> seconds_delay;
  std::vector<ClobToken> tokens;
  std::vector<std::string> tags;
};

// ParseClobMarket
//
// Required: condition_id, minimum_tick_size, tokens (each with a token_id field, which may be
// ""). Null strings become "", null tags an empty list. Errors: InvalidArgument naming the field
// and byte offset.
[[nodiscard]] absl::StatusOr<ClobMarket> ParseClobMarket(std::string_view json);

// GET /markets page.
struct ClobMarketsPage {
  std::vector<ClobMarket> data;
  std::string next_cursor;  // "LTE=" on the last page
  int64_t limit = 0;
  int64_t count = 0;

  bool IsLastPage() const { return next_cursor == kEndCursor; }
  static constexpr std::string_view kEndCursor = "LTE=";
};

// ParseClobMarketsPage: {data: [market...], next_cursor, limit, count}; data and next_cursor
// required. Errors name the element index (`data[7].minimum_tick_size`).
[[nodiscard]] absl::StatusOr<ClobMarketsPage> ParseClobMarketsPage(std::string_view json);

// GET /tick-size -> {"minimum_tick_size": 0.01}.
[[nodiscard]] absl::StatusOr<Price> ParseTickSizeResponse(std::string_view json);
// GET /neg-risk -> {"neg_risk": false}.
[[nodiscard]] absl::StatusOr<bool> ParseNegRiskResponse(std::string_view json);
// GET /fee-rate -> {"base_fee": "150"} or a number; the fee in basis points.
[[nodiscard]] absl::StatusOr<int64_t> ParseFeeRateResponse(std::string_view json);

}  // namespace arbor::venue::polymarket
