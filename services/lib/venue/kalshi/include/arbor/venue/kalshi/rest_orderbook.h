// File: arbor/venue/kalshi/rest_orderbook.h
//
// Parser for the REST `GET /markets/{ticker}/orderbook` body. Current shape (OpenAPI v3.13):
//   {"orderbook_fp":{"yes_dollars":[["0.1500","100.00"]],"no_dollars":[["0.8200","50.00"]]}}
// and the older shapes: {"orderbook":{"yes":[[15,100]],"no":[...]}} (cents, integer counts) and
// {"orderbook":{"yes_dollars":[["0.15",100]],...}}. Both sides are BID ladders (YES bids, NO bids
// in NO terms); the YES ask is 1 - best NO bid. REST level ordering is not documented, so levels
// are sorted on receipt, best (highest) bid first.
//
// Stateless; thread-safe. Allocates (REST path, not a hot path).
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/venue/kalshi/messages.h"

namespace arbor::venue::kalshi {

struct RestOrderbook {
  std::vector<PriceLevel> yes;  // YES bids, price descending
  std::vector<PriceLevel> no;   // NO bids (NO terms), price descending
  FieldSchema schema = FieldSchema::kFixedPoint;
};

// ParseRestOrderbook
//
// Prefers `orderbook_fp`, then `orderbook.yes_dollars`/`no_dollars`, then `orderbook.yes`/`no`
// (per side). A missing or null side is empty. Errors: InvalidArgument for malformed JSON,
// neither `orderbook_fp` nor `orderbook` present, a bad price/count (field path and byte offset
// in the message), or a price listed twice on one side.
[[nodiscard]] absl::StatusOr<RestOrderbook> ParseRestOrderbook(std::string_view body);

}  // namespace arbor::venue::kalshi
