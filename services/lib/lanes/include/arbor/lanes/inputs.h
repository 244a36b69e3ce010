// File: arbor/lanes/inputs.h
//
// The two inputs of the scanner lanes, as small interfaces so the scanner's book cache and
// catalog can plug in later and tests can use fakes:
//
//   BookReader     an instrument's book: best-first ladders, status, freshness, sequence/epoch.
//   MarketCatalog  markets (outcomes -> instruments, fees, grid, minimums, NegRisk flags) and
//                  events (member markets, augmentation).
//
// InMemoryMarketCatalog is a plain implementation; MarketFromProto / EventFromProto convert the
// arbor.v1 catalog messages (fee schedule -> quant::LegFees, price grid, NegRisk info).
//
// Thread-safety: implementations must be safe for concurrent readers. InMemoryMarketCatalog is
// thread-compatible (mutate it only while no lane reads it, then call the lanes' RebuildIndex()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/ids.h"
#include "arbor/quant/leg_fees.h"
#include "arbor/v1/common.pb.h"
#include "arbor/v1/market.pb.h"

namespace arbor::lanes {

// One instrument (outcome token) = one book: arbor.v1.InstrumentId as a hashable value.
struct InstrumentKey {
  Venue venue = Venue::kPolymarket;
  InstrumentId instrument;

  // Errors: InvalidArgument for an unset/unknown venue or an empty symbol.
  [[nodiscard]] static absl::StatusOr<InstrumentKey> FromProto(const arbor::v1::InstrumentId& id);
  arbor::v1::InstrumentId ToProto() const;
  // "polymarket:<symbol>" (common.proto's canonical text form).
  std::string ToString() const;

  friend bool operator==(const InstrumentKey&, const InstrumentKey&) = default;
  friend auto operator<=>(const InstrumentKey&, const InstrumentKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const InstrumentKey& k) {
    return H::combine(std::move(h), k.venue, k.instrument);
  }
};

// The feed's judgement of a book (arbor.v1.BookStatus).
enum class BookStatus : uint8_t { kLive, kStale, kQuarantined, kClosed };

// One book as a lane reads it. The spans point into storage kept alive by `owner` (e.g. the
// cache's immutable BookView), so a LaneBook may be held for the whole evaluation.
struct LaneBook {
  absl::Span<const book::Level> bids;  // best (highest) first
  absl::Span<const book::Level> asks;  // best (lowest) first
  BookStatus status = BookStatus::kLive;
  // False when the contents cannot be relied on (stream broken, contract violation).
  bool trusted = true;
  // Fresh within the max age the lane asked for (BookReader::Read).
  bool fresh = true;
  uint64_t sequence = 0;
  uint64_t epoch = 0;
  int64_t ts_event_unix_nanos = 0;
  int64_t ts_receipt_unix_nanos = 0;
  std::shared_ptr<const void> owner;
};

class BookReader {
 public:
  virtual ~BookReader() = default;
  // Read
  //
  // The current book of `key` with `fresh` judged against `max_age`, or nullopt if the reader
  // has never had the book. Must be thread-safe.
  virtual std::optional<LaneBook> Read(const InstrumentKey& key, absl::Duration max_age) const = 0;
};

// One contiguous segment of a price grid (arbor.v1.PriceRange): start, start+step, ..., <= end.
struct GridRange {
  Price start;
  Price end;
  Price step;
};

// A market as the lanes need it. Binary markets: outcomes = {YES, NO}.
struct LaneMarket {
  std::string market_id;  // Polymarket condition id / Kalshi ticker (SPLIT legs use it)
  Venue venue = Venue::kPolymarket;
  std::string event_id;                 // empty if none
  std::vector<InstrumentKey> outcomes;  // outcome order
  // Trading state: the venue accepts orders (MARKET_STATUS_OPEN && accepting_orders).
  bool tradable = true;
  // Fee model of every leg on this market; nullopt = unknown (fee_problem says why): the lanes
  // never trade a market whose fees they cannot compute.
  std::optional<quant::LegFees> fees;
  std::string fee_problem;
  // Valid prices (empty = none known: every price counts as off-grid).
  std::vector<GridRange> grid;
  Quantity min_order_size;
  Money min_order_notional;
  // Set granularity for sizing (Polymarket and Kalshi sizes have 2 dp).
  Quantity lot_size = Quantity::FromMicros(10'000);
  int64_t end_unix_nanos = 0;
  // As stated by the venue (arbor.v1.Market.resolution_source); empty if none. The cross-venue
  // lane checks it against the mapping file.
  std::string resolution_source;
  // NegRisk (Polymarket) grouping.
  bool neg_risk = false;
  std::string neg_risk_market_id;
  bool augmented = false;
  bool other_outcome = false;
  bool placeholder = false;
  uint32_t question_index = 0;

  // True iff `price` lies on one of the grid ranges.
  bool OnGrid(Price price) const;
};

// An event: a group of markets.
struct LaneEvent {
  std::string event_id;
  Venue venue = Venue::kPolymarket;
  std::vector<std::string> market_ids;  // venue order
  bool neg_risk = false;
  std::string neg_risk_market_id;
  bool augmented = false;
};

class MarketCatalog {
 public:
  virtual ~MarketCatalog() = default;
  // nullptr if unknown. Must be thread-safe.
  virtual std::shared_ptr<const LaneMarket> FindMarket(std::string_view market_id) const = 0;
  virtual std::shared_ptr<const LaneEvent> FindEvent(std::string_view event_id) const = 0;
  // Every known market / event id (used to build the lanes' instrument index).
  virtual std::vector<std::string> MarketIds() const = 0;
  virtual std::vector<std::string> EventIds() const = 0;
};

class InMemoryMarketCatalog final : public MarketCatalog {
 public:
  // Insert or replace (by id).
  void Upsert(LaneMarket market);
  void Upsert(LaneEvent event);

  std::shared_ptr<const LaneMarket> FindMarket(std::string_view market_id) const override;
  std::shared_ptr<const LaneEvent> FindEvent(std::string_view event_id) const override;
  std::vector<std::string> MarketIds() const override;
  std::vector<std::string> EventIds() const override;

 private:
  absl::flat_hash_map<std::string, std::shared_ptr<const LaneMarket>> markets_;
  absl::flat_hash_map<std::string, std::shared_ptr<const LaneEvent>> events_;
};

// FeesFromProto
//
// quant::LegFees (taker role) for a market's fee schedule, or an error saying why the model is
// unknown: fees_enabled = false -> none; Polymarket schedule -> LegFees::Polymarket; Kalshi
// QUADRATIC / QUADRATIC_WITH_MAKER_FEES with taker rate 0.07 (or 0 = default) -> LegFees::Kalshi
// (fees rounded to the cent, the member balance precision: against us). Errors: FailedPrecondition
// for FLAT / UNSPECIFIED Kalshi types, a taker rate other than 0.07, fees enabled without a
// schedule, or a schedule for another venue.
[[nodiscard]] absl::StatusOr<quant::LegFees> FeesFromProto(const arbor::v1::FeeSchedule& fees,
                                                           arbor::v1::Venue venue);

// MarketFromProto
//
// A LaneMarket from arbor.v1.Market. An unknown fee model is kept as fees = nullopt with
// fee_problem set (the lanes count it), not an error. The grid is the first instrument's
// price_grid, else [tick, 1 - tick] step tick. Errors: InvalidArgument for a bad venue or
// instrument id, outcome indices that are not a permutation of 0..n-1, or a two-outcome market
// whose outcome 0 is labelled "No" and outcome 1 "Yes" (swapped indices upstream).
[[nodiscard]] absl::StatusOr<LaneMarket> MarketFromProto(const arbor::v1::Market& market);

// EventFromProto
//
// Errors: InvalidArgument for a bad venue.
[[nodiscard]] absl::StatusOr<LaneEvent> EventFromProto(const arbor::v1::Event& event);

}  // namespace arbor::lanes
