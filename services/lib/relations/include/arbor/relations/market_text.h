// File: arbor/relations/market_text.h
//
// MarketText: the metadata of one market that relation inference reads (question, slug, event,
// end time, NegRisk grouping, outcome labels), built from the catalog's arbor.v1.Market or read
// from a JSON file (`arborctl relations infer --markets FILE`):
//
//   [{"market_id": "0xabc", "event_id": "123", "question": "Will X happen by June 30, 2026?",
//     "slug": "x-by-june-30", "end_unix_nanos": 1782777600000000000, "neg_risk": false,
//     "neg_risk_market_id": "", "outcomes": ["Yes", "No"]}, ...]
//
// market_id and question are required; every other key is optional (empty / 0 / false). Strict
// as the relations file: unknown or repeated keys and wrong types are errors naming the entry.
// Plain values and pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "arbor/v1/market.pb.h"

namespace arbor::relations {

struct MarketText {
  std::string market_id;  // catalog market id (Polymarket condition id / Kalshi ticker)
  std::string event_id;   // empty if the venue has no event grouping
  std::string question;
  std::string slug;
  int64_t end_unix_nanos = 0;  // scheduled end; 0 = unknown
  bool neg_risk = false;
  std::string neg_risk_market_id;     // the NegRisk event (Polymarket negRiskMarketID)
  std::vector<std::string> outcomes;  // venue order; empty = unknown

  friend bool operator==(const MarketText&, const MarketText&) = default;
};

// MarketTextFromProto
//
// The fields above from a catalog market (neg_risk / neg_risk_market_id from Market.neg_risk).
MarketText MarketTextFromProto(const v1::Market& market);

// IsYesNoMarket
//
// True when the market's outcomes are ["Yes", "No"] (ASCII case-insensitive) or unknown (empty;
// Kalshi markets are always YES/NO). Inference relates YES tokens only of such markets: for
// ["Up", "Down"] or team-name outcomes the question is not a yes/no statement.
bool IsYesNoMarket(const MarketText& market);

// ParseMarketTexts
//
// A JSON array of market objects (file comment). Errors: InvalidArgument naming the entry
// ("markets[2] (market_id \"0xabc\").end_unix_nanos: not an integer") for invalid JSON, a top
// level that is not an array, an entry that is not an object, an unknown or repeated key, a
// wrong type, a missing or empty market_id / question, a negative end time, or a duplicate
// market_id.
[[nodiscard]] absl::StatusOr<std::vector<MarketText>> ParseMarketTexts(std::string_view json);

// WriteMarketTextsJson
//
// The array for `markets`, one market per line; ParseMarketTexts reads it back.
std::string WriteMarketTextsJson(const std::vector<MarketText>& markets);

}  // namespace arbor::relations
