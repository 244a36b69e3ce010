// File: arbor/sim/polymarket_routes.h
//
// The simulator's Polymarket public REST surface, answered from the Exchange's live books with
// the venue's shapes and error bodies ({"error": "..."}):
//   CLOB:  GET /ok, GET /time, GET /version, GET /book?token_id=, POST /books,
//          GET /tick-size?token_id=, GET /neg-risk?token_id=, GET /clob-markets/{condition_id},
//          GET /fee-rate?token_id= ({"base_fee": <taker rate in bps>}),
//          GET /markets?next_cursor= (pages of kClobMarketsPageSize CLOB market objects; cursor
//          "MA==" first, "LTE=" on the last page), GET /markets/{condition_id}
//   Gamma: GET /markets?limit=&offset=, GET /events?limit=&offset=
// (Gamma lives on its own host at the venue, so it gets its own server here.)
// Authenticated trading endpoints come with order signing (issue 3).
//
// Handlers run on the server's io thread, which also steps the exchange.
#pragma once

#include "arbor/core/clock.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/http_server.h"

namespace arbor::sim {

// `exchange` and `clock` must outlive the server.
void AddPolymarketClobRoutes(HttpServer& server, Exchange& exchange, const Clock& clock);
void AddGammaRoutes(HttpServer& server, const Exchange& exchange);
// The Kalshi host's routes (including GET /trade-api/v2/markets/{ticker}/orderbook) are served
// by KalshiTrading (kalshi_trading.h).

// POST /books accepts at most this many token ids ("Payload exceeds the limit" beyond).
inline constexpr size_t kMaxBooksPerRequest = 500;
// GET /markets page size (the venue uses larger pages; a small one exercises paging).
inline constexpr size_t kClobMarketsPageSize = 100;

}  // namespace arbor::sim
