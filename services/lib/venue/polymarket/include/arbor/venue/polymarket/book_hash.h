// File: arbor/venue/polymarket/book_hash.h
//
// The CLOB order-book summary hash (TEST_VECTORS.md §8, py-clob-client-v2
// `generate_orderbook_summary_hash`): SHA-1 (lowercase hex) of the compact JSON
//
//   {"market":…,"asset_id":…,"timestamp":…,"hash":"","bids":[{"price":…,"size":…},…],
//    "asks":[…],"min_order_size":…,"tick_size":…,"neg_risk":…,"last_trade_price":…}
//
// built from the ORIGINAL decimal texts of a REST /book response (BookSummary keeps them).
// Absent optional fields are written as null, as Python's json.dumps writes None; strings are
// escaped like json.dumps with ensure_ascii. Whether the WS `book.hash` uses the same recipe is
// unverified (no sample reproduces), so nothing here validates live book events.
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "arbor/venue/polymarket/rest_parsers.h"

namespace arbor::venue::polymarket {

// The canonical JSON text that is hashed. Levels are written in the summary's order, prices
// and sizes as JSON strings; RawScalar fields as strings or bare numbers as they were received.
std::string OrderBookSummaryJson(const BookSummary& summary);

// SHA-1 hex of OrderBookSummaryJson(summary). Errors: Internal if OpenSSL fails.
[[nodiscard]] absl::StatusOr<std::string> OrderBookSummaryHash(const BookSummary& summary);

// Appends `s` as a JSON string (with quotes) escaped like Python's json.dumps(ensure_ascii=True):
// \" \\ \n \r \t \b \f, other control characters and every non-ASCII code point as \uXXXX
// (lowercase hex, surrogate pairs above U+FFFF). Invalid UTF-8 bytes are written as \u00XX.
void AppendPythonJsonString(std::string* out, std::string_view s);

}  // namespace arbor::venue::polymarket
