// File: arbor/lanes/cross_venue_lane.h
//
// CrossVenueLane: Polymarket <-> Kalshi arbitrage on a reviewed mapping file (venue_mapping.h).
// For a pair the mapping marks `identical`, exactly one of {Polymarket YES, Kalshi NO} pays 1,
// and exactly one of {Polymarket NO, Kalshi YES} pays 1. Buying both legs of one of these sets
// below 1 net of both venues' fees is risk-free *given the mapping*, so each pair is priced as
// two BUY_ALL bundles over the books' depth (quant::BundlePricer, as the binary lane):
//
//   {PM YES, Kalshi NO}   and   {PM NO, Kalshi YES}
//
// Gates, per pair (unit), before any book is read (docs/lanes.md "Cross-venue lane"):
//   kLowConfidence    mapping confidence < CrossVenueConfig::min_confidence (default 0.90)
//   kMappingRejected  equivalence not `identical`; a mapped market missing from the catalog, on
//                     the wrong venue or not binary; a resolution source the mapping states that
//                     the catalog contradicts; |end_pm - end_kalshi| > max_horizon_gap_seconds
//                     (or an end time unknown)
// then the usual market / book hygiene of the bundle lanes, and per bundle the sanity gate
// CrossVenueConfig::max_edge_per_set (default 0.10, tighter than the same-market lanes' 0.20: a
// wide cross-venue gap is far more often a wrong mapping than free money) -> kImplausibleEdge.
//
// Opportunities: lane LANE_CROSS_VENUE, mapping_id = the pair's id, confidence = the mapping's
// confidence, guaranteed = true, market_ids = {PM market, Kalshi market}, event_ids = the two
// markets' events (when set). No SPLIT_SELL: a set cannot be split across two venues.
//
// Incremental like the other lanes: the unit is a mapping pair, and RebuildIndex() maps all four
// instruments of both markets to it.
//
//   ARBOR_ASSIGN_OR_RETURN(VenueMapping mapping, ReadVenueMappingFile(path));
//   CrossVenueLane lane(&catalog, &books, &clock, std::move(mapping));
//   LaneEvaluation e = lane.OnBooksChanged(touched);
//
// Thread-compatible, as BundleLaneBase.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "arbor/core/fixed_point.h"
#include "arbor/lanes/lanes.h"
#include "arbor/lanes/venue_mapping.h"

namespace arbor::lanes {

struct CrossVenueConfig {
  // Pairs whose mapping confidence is below this are not traded (kLowConfidence).
  double min_confidence = 0.90;
  // Replaces LaneConfig::max_edge_per_set for this lane (kImplausibleEdge above it).
  Price max_edge_per_set = Price::FromMicros(100'000);  // 0.10
};

class CrossVenueLane final : public BundleLaneBase {
 public:
  // `config` is used as given except max_edge_per_set, which `xv.max_edge_per_set` replaces.
  CrossVenueLane(const MarketCatalog* catalog, const BookReader* books, const Clock* clock,
                 VenueMapping mapping, LaneConfig config = {}, CrossVenueConfig xv = {});

  // Replaces the mapping (e.g. a reloaded file) and rebuilds the index.
  void SetMapping(VenueMapping mapping);

  // RebuildIndex
  //
  // Every pair is a unit (EvaluateAll counts pairs whose markets are missing); the instruments
  // of the pair's markets found in the catalog map to it.
  void RebuildIndex() override;

  const VenueMapping& mapping() const { return mapping_; }
  const CrossVenueConfig& cross_venue_config() const { return xv_; }

 private:
  void EvaluateUnit(const std::string& pair_id, LaneCounters& c,
                    std::vector<Candidate>& out) override;

  VenueMapping mapping_;
  CrossVenueConfig xv_;
  absl::flat_hash_map<std::string, size_t> pair_index_;  // id -> mapping_.pairs index
};

}  // namespace arbor::lanes
