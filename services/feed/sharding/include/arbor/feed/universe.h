// File: arbor/feed/universe.h
//
// The feed shard's instrument universe: one Instrument per order book the shard may subscribe
// (a Polymarket outcome token, a Kalshi market), built from already-parsed catalog data (Gamma
// events/markets, Kalshi REST markets), narrowed by a UniverseFilter and by the shard's
// ShardSelection, and compared across catalog refreshes with Diff so the feed adds and drops
// subscriptions without a restart.
//
// Values and pure functions; a Universe is not synchronised (build it on one thread, then share
// it read-only).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/ids.h"
#include "arbor/feed/sharding.h"
#include "arbor/venue/kalshi/rest_parsers.h"
#include "arbor/venue/polymarket/gamma.h"

namespace arbor::feed {

// One subscribable order book.
struct Instrument {
  Venue venue = Venue::kPolymarket;
  // Polymarket outcome token id; Kalshi market ticker.
  InstrumentId id;
  // Polymarket condition id; Kalshi market ticker.
  std::string market;
  // The sharding unit: a NegRisk market id for NegRisk Polymarket markets, else the Gamma event
  // id, else (a market listed without an event) the condition id; the Kalshi event ticker.
  EventId event;
  // Polymarket outcome label ("Yes", "Trump"); Kalshi market title.
  std::string outcome;
  // Position of this outcome in its market (arbor.v1.Instrument.outcome_index): the Gamma
  // clobTokenIds position on Polymarket (0 = YES of a binary market); Kalshi YES 0, NO 1. Not the
  // position in this universe's (venue, id) order, which sorts token ids as strings.
  uint32_t outcome_index = 0;
  // nullopt when the catalog did not say (Gamma markets nested in some responses); the book
  // snapshot's tick then rules.
  std::optional<Price> tick_size;
  bool neg_risk = false;
  // RFC 3339 / ISO date as sent by the venue (Gamma `endDate`, else `endDateIso`; Kalshi
  // `close_time`); empty if absent.
  std::string end_time;
  // Venue-reported liquidity in USD; zero when absent.
  Money liquidity;
  bool active = false;
  bool closed = false;
  // Lower-cased Gamma event tag slugs and labels; the lower-cased Kalshi event category.
  std::vector<std::string> tags;
  // Fee model of the instrument's market, as the catalog states it (arbor.v1.FeeSchedule).
  // Known when fees_enabled is false, or true with a fee_schedule; anything else is unknown and
  // the scanner must not trade the market (arbor::feed::FeeScheduleOf in feed_shard_service.h
  // writes it to arbor.v1.Market.fee_schedule).
  //  * Polymarket: Gamma `feesEnabled` and `feeSchedule`. Gamma may enable fees without a
  //    schedule (e.g. `feeType` "crypto_fees" alone): the rate is then unknown, never guessed.
  //    `feesEnabled` absent from the record reads as false (GammaMarket::fees_enabled).
  //  * Kalshi: nullopt / nullopt. The fee model (`fee_type`, `fee_multiplier`) lives on the
  //    series (GET /series) and in WS event_fee_update; the GET /markets record the catalog
  //    reads carries none, so the catalog does not know it.
  std::optional<bool> fees_enabled;
  std::optional<venue::polymarket::FeeSchedule> fee_schedule;

  friend bool operator==(const Instrument&, const Instrument&) = default;
};

// FeesKnown
//
// True when `in` carries a complete fee model: fees disabled, or enabled with a schedule.
bool FeesKnown(const Instrument& in);

// Identity of an instrument within a universe.
struct UniverseKey {
  Venue venue = Venue::kPolymarket;
  std::string id;

  friend bool operator==(const UniverseKey&, const UniverseKey&) = default;
  friend auto operator<=>(const UniverseKey&, const UniverseKey&) = default;
};

// The instrument id of one side of a Kalshi market: "<ticker>:YES" / "<ticker>:NO".
std::string KalshiInstrumentId(std::string_view ticker, bool yes);

// Instruments keyed and ordered by (venue, id), so iteration order, filters and diffs are
// deterministic.
class Universe {
 public:
  using Map = absl::btree_map<UniverseKey, Instrument>;

  // Adds `instrument`, replacing any instrument with the same (venue, id): a later catalog record
  // of the same token (e.g. /markets after /events) wins.
  void Upsert(Instrument instrument);

  // Adds one instrument per outcome token of every market of `event`. Event context applies: the
  // event's tags; the event id (or, for NegRisk, the NegRisk market id) as the sharding unit;
  // a closed event closes its markets. Each market's own feesEnabled / feeSchedule become its
  // instruments' fee model. Markets without CLOB token ids (no order book) are skipped. Returns the
  // number of instruments added or replaced. Errors: InvalidArgument (naming the event and market)
  // if a market with tokens has no conditionId, or its outcomes list is non-empty and not parallel
  // to clobTokenIds. Nothing is added when an error is returned.
  [[nodiscard]] absl::StatusOr<int> AddGammaEvent(const venue::polymarket::GammaEvent& event);

  // Adds one instrument per outcome token of a standalone Gamma market (GET /markets). The event
  // id comes from the NegRisk market id, else the first events[] reference, else the condition
  // id. `tags` are attached to each instrument (Gamma markets carry none of their own).
  // Returns the number of instruments added or replaced (0 for a market without an order book).
  // Errors: as AddGammaEvent.
  [[nodiscard]] absl::StatusOr<int> AddGammaMarket(
      const venue::polymarket::GammaMarket& market,
      const std::vector<venue::polymarket::GammaTag>& tags = {});

  // Adds the two instruments of a Kalshi market, "<ticker>:YES" and "<ticker>:NO" (one venue
  // book per ticker, presented as both outcomes as arbor.v1.InstrumentId specifies). Status
  // "active"/"open" is active; "closed", "determined", "disputed", "amended", "finalized",
  // "settled" are closed; other statuses are neither. The tick size is the smallest price_ranges
  // step, else 0.01 for price_level_structure "linear_cent" or "" and 0.001 for "deci_cent", else
  // unknown. `category` (the event's, from RestEvent) becomes the tag. The fee model stays
  // unknown (Instrument::fees_enabled). Errors: InvalidArgument if ticker or event_ticker is
  // empty.
  [[nodiscard]] absl::Status AddKalshiMarket(const venue::kalshi::RestMarket& market,
                                             std::string_view category = {});

  // The instrument with this key, or nullptr. The pointer is invalidated by any later Upsert or
  // Add* call (btree nodes move).
  const Instrument* Find(Venue venue, std::string_view id) const;

  const Map& instruments() const { return instruments_; }
  size_t size() const { return instruments_.size(); }
  bool empty() const { return instruments_.empty(); }

  friend bool operator==(const Universe&, const Universe&) = default;

 private:
  Map instruments_;
};

// Which instruments the feed subscribes. Defaults: tradable instruments only (active and not
// closed), no liquidity floor, no tag restriction, no explicit lists, NegRisk/event groups kept
// whole.
struct UniverseFilter {
  // Keep only instruments with active && !closed. Applies to explicitly included ids too: a
  // closed market has no live book to subscribe.
  bool require_tradable = true;
  // Minimum Instrument::liquidity (inclusive).
  Money min_liquidity = Money::Zero();
  // If non-empty, keep only instruments carrying at least one of these tags (case-insensitive).
  std::vector<std::string> include_tags;
  // Drop instruments carrying any of these tags (case-insensitive); wins over include_tags.
  std::vector<std::string> exclude_tags;
  // Ids (instrument, market or event; exact match) kept regardless of liquidity and tags.
  std::vector<std::string> include_ids;
  // Ids (instrument, market or event; exact match) always dropped; wins over everything.
  std::vector<std::string> exclude_ids;
  // When any instrument of an event passes, keep every tradable, not explicitly excluded
  // instrument of that event, so a NegRisk complete set is never split by a liquidity or tag cut.
  bool keep_events_whole = true;
};

// The instruments of `universe` that pass `filter`.
Universe ApplyFilter(const Universe& universe, const UniverseFilter& filter);

// The instruments of `universe` whose event this shard owns (ShardSelection::Owns).
Universe ShardUniverse(const Universe& universe, const ShardSelection& shard);

// Bit flags of the fields whose change matters to a running feed.
enum InstrumentChangeBits : uint32_t {
  kTickSizeChanged = 1u << 0,
  kActiveChanged = 1u << 1,
  kClosedChanged = 1u << 2,
  kNegRiskChanged = 1u << 3,
  // fees_enabled or fee_schedule (a venue fee change, or the model becoming known/unknown).
  kFeesChanged = 1u << 4,
};

struct InstrumentChange {
  Instrument before;
  Instrument after;
  uint32_t changed = 0;  // InstrumentChangeBits
};

// What changed between two universes. Liquidity, end time, tags and labels are informational and
// never make an instrument "changed". Each list is in (venue, id) order.
struct UniverseDiff {
  std::vector<Instrument> added;
  std::vector<Instrument> removed;
  std::vector<InstrumentChange> changed;

  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

// Instruments only in `after` (added), only in `before` (removed), and in both with a different
// tick size, active, closed or neg_risk flag or fee model (changed). Linear in the sizes of both.
UniverseDiff Diff(const Universe& before, const Universe& after);

}  // namespace arbor::feed
