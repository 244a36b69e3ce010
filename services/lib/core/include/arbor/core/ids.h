// File: arbor/core/ids.h
//
// Strong identifier types (NautilusTrader vocabulary). Each id is a distinct type wrapping a
// std::string, so a TokenId cannot be passed where a ConditionId is expected. Ids are hashable
// (Abseil containers) and ordered. Venue is a closed enum.
//
//   TokenId token("7132...2563");
//   absl::flat_hash_map<TokenId, Book> books;
#pragma once

#include <compare>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace arbor {

// A string identifier distinguished at compile time by `Tag`.
template <typename Tag>
class StringId {
 public:
  StringId() = default;
  explicit StringId(std::string value) : value_(std::move(value)) {}
  explicit StringId(std::string_view value) : value_(value) {}
  explicit StringId(const char* value) : value_(value) {}

  const std::string& value() const { return value_; }
  std::string_view view() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const StringId&, const StringId&) = default;
  friend auto operator<=>(const StringId&, const StringId&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const StringId& id) {
    return H::combine(std::move(h), id.value_);
  }
  friend std::ostream& operator<<(std::ostream& os, const StringId& id) { return os << id.value_; }

 private:
  std::string value_;
};

// Polymarket outcome token id (ERC-1155 position id, a decimal uint256) or Kalshi market ticker
// plus side; the unit a book is kept for.
using InstrumentId = StringId<struct InstrumentIdTag>;
// Polymarket outcome token id (decimal uint256 string).
using TokenId = StringId<struct TokenIdTag>;
// Polymarket condition id (0x-prefixed 32-byte hex): one binary market.
using ConditionId = StringId<struct ConditionIdTag>;
// Polymarket event id / NegRisk market id, or Kalshi event ticker: a group of markets.
using EventId = StringId<struct EventIdTag>;
// Kalshi market ticker, e.g. "FED-23DEC-T3.00".
using MarketTicker = StringId<struct MarketTickerTag>;
// Our id for an order, chosen before the venue sees it (idempotency key).
using ClientOrderId = StringId<struct ClientOrderIdTag>;
// The venue's id for an order (Polymarket order hash, Kalshi order uuid).
using VenueOrderId = StringId<struct VenueOrderIdTag>;
// The venue's id for a fill / match; duplicate fills are rejected by it.
using TradeId = StringId<struct TradeIdTag>;
// Stable id of a scanner opportunity; execution idempotency keys derive from it.
using OpportunityId = StringId<struct OpportunityIdTag>;
// Id of one executor execution (one accepted opportunity).
using ExecutionId = StringId<struct ExecutionIdTag>;

enum class Venue { kPolymarket, kKalshi };

// "polymarket" / "kalshi".
std::string_view VenueName(Venue venue);
// Inverse of VenueName; nullopt for anything else.
std::optional<Venue> ParseVenue(std::string_view name);

}  // namespace arbor
