#include "arbor/lanes/cross_venue_lane.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace arbor::lanes {
namespace {

LaneConfig WithMaxEdge(LaneConfig config, Price max_edge_per_set) {
  config.max_edge_per_set = max_edge_per_set;
  return config;
}

// The catalog contradicts the mapping only when both state a source and they differ: a venue
// that states none (Polymarket often leaves resolutionSource empty) is no evidence either way.
bool SourceContradicted(const std::string& mapped, const std::string& catalog) {
  return !mapped.empty() && !catalog.empty() && !SameResolutionSource(mapped, catalog);
}

}  // namespace

CrossVenueLane::CrossVenueLane(const MarketCatalog* catalog, const BookReader* books,
                               const Clock* clock, VenueMapping mapping, LaneConfig config,
                               CrossVenueConfig xv)
    : BundleLaneBase(catalog, books, clock, WithMaxEdge(std::move(config), xv.max_edge_per_set)),
      mapping_(std::move(mapping)),
      xv_(xv) {
  RebuildIndex();
}

void CrossVenueLane::SetMapping(VenueMapping mapping) {
  mapping_ = std::move(mapping);
  RebuildIndex();
}

void CrossVenueLane::RebuildIndex() {
  index_.clear();
  units_.clear();
  pair_index_.clear();
  for (size_t i = 0; i < mapping_.pairs.size(); ++i) {
    const MappingPair& p = mapping_.pairs[i];
    pair_index_[p.id] = i;
    units_.push_back(p.id);
    for (const std::string* mid : {&p.polymarket_market_id, &p.kalshi_market_id}) {
      std::shared_ptr<const LaneMarket> m = catalog_->FindMarket(*mid);
      if (m == nullptr) continue;
      for (const InstrumentKey& k : m->outcomes) index_[k].push_back(p.id);
    }
  }
  std::sort(units_.begin(), units_.end());
  for (auto& [key, ids] : index_) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
}

void CrossVenueLane::EvaluateUnit(const std::string& pair_id, LaneCounters& c,
                                  std::vector<Candidate>& out) {
  auto drop = [&c](DropReason r) { ++c.drops[static_cast<int>(r)]; };
  auto it = pair_index_.find(pair_id);
  if (it == pair_index_.end()) return drop(DropReason::kMappingRejected);
  const MappingPair& pair = mapping_.pairs[it->second];

  // ---- Mapping gates (no book is read for a pair that cannot trade) ----
  if (!(pair.confidence >= xv_.min_confidence)) return drop(DropReason::kLowConfidence);
  if (pair.equivalence != Equivalence::kIdentical) return drop(DropReason::kMappingRejected);
  std::shared_ptr<const LaneMarket> pm = catalog_->FindMarket(pair.polymarket_market_id);
  std::shared_ptr<const LaneMarket> ks = catalog_->FindMarket(pair.kalshi_market_id);
  if (pm == nullptr || ks == nullptr || pm->venue != Venue::kPolymarket ||
      ks->venue != Venue::kKalshi || pm->outcomes.size() != 2 || ks->outcomes.size() != 2) {
    return drop(DropReason::kMappingRejected);
  }
  if (SourceContradicted(pair.polymarket_resolution_source, pm->resolution_source) ||
      SourceContradicted(pair.kalshi_resolution_source, ks->resolution_source)) {
    return drop(DropReason::kMappingRejected);
  }
  // An unknown end time cannot pass the horizon check. Durations saturate, so a huge gap in
  // the file cannot overflow.
  if (pm->end_unix_nanos <= 0 || ks->end_unix_nanos <= 0 ||
      absl::AbsDuration(absl::Nanoseconds(pm->end_unix_nanos) -
                        absl::Nanoseconds(ks->end_unix_nanos)) >
          absl::Seconds(pair.max_horizon_gap_seconds)) {
    return drop(DropReason::kMappingRejected);
  }

  // ---- Market and book hygiene, as the binary lane ----
  if (!pm->tradable || !ks->tradable) return drop(DropReason::kMarketNotTradable);
  if (!pm->fees.has_value() || !ks->fees.has_value()) return drop(DropReason::kUnknownFeeModel);
  // Books in order PM outcome 0, PM outcome 1, Kalshi YES, Kalshi NO.
  const InstrumentKey keys[] = {pm->outcomes[0], pm->outcomes[1], ks->outcomes[0], ks->outcomes[1]};
  std::vector<LaneBook> books;
  if (std::optional<DropReason> r = ReadBooks(keys, books)) return drop(*r);

  // ---- Two complementary sets: exactly one leg of each pays 1 under an identical mapping ----
  const size_t pm_yes = static_cast<size_t>(pair.polymarket_outcome_of_kalshi_yes);
  const size_t pm_no = 1 - pm_yes;
  constexpr size_t kKalshiYes = 0;
  constexpr size_t kKalshiNo = 1;
  for (const auto& [pm_leg, ks_leg] :
       {std::pair{pm_yes, kKalshiNo}, std::pair{pm_no, kKalshiYes}}) {
    BundleSpec spec;
    spec.kind = quant::BundleKind::kBuyAll;
    spec.lane = arbor::v1::LANE_CROSS_VENUE;
    spec.instruments = {&pm->outcomes[pm_leg], &ks->outcomes[ks_leg]};
    spec.books = {&books[pm_leg], &books[2 + ks_leg]};
    spec.markets = {pm.get(), ks.get()};
    spec.exhaustive = true;
    spec.market_ids = {pm->market_id, ks->market_id};
    // event_id stays empty: the per-event cap groups by the Polymarket market (market_ids[0]),
    // whose liquidity every pair on it shares.
    const size_t before = out.size();
    PriceBundle(spec, c, out);
    for (size_t i = before; i < out.size(); ++i) {
      // Neither field enters OpportunityIdOf / GroupKeyOf, so setting them after the id is fine.
      arbor::v1::Opportunity& o = out[i].opportunity;
      o.set_mapping_id(pair.id);
      o.set_confidence(pair.confidence);
      if (!pm->event_id.empty()) o.add_event_ids(pm->event_id);
      if (!ks->event_id.empty()) o.add_event_ids(ks->event_id);
    }
  }
}

}  // namespace arbor::lanes
