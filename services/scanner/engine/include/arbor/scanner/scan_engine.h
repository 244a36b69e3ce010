// File: arbor/scanner/scan_engine.h
//
// ScanEngine: the scanner's strategy core, shared by the `arbor-scanner` service and the offline
// `arborctl scan`. It owns the market catalog (built from arbor.v1 Market/Event messages, as the
// feed shards' ListMarkets returns them) and the enabled lanes, and turns "these books changed"
// into the lanes' opportunities:
//
//   CacheBookReader reader(&cache);            // or any lanes::BookReader (arborctl: a static one)
//   ScanEngine engine(&reader, &clock, ScanEngineOptions{});
//   CatalogLoadReport r = engine.ReplaceCatalog(markets, events);
//   ScanResult result = engine.OnBooksChanged(touched);    // incremental
//   ScanResult all = engine.EvaluateAll();                 // full rescan
//
// The catalog is replaced whole (a refresh builds a new one, then every lane rebuilds its
// instrument index), so a lane never sees a half-updated catalog.
//
// Thread-compatible: one engine per thread (the lanes own pricing scratch buffers). The book
// reader must be thread-safe (the feed subscribers write the cache concurrently).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/core/clock.h"
#include "arbor/lanes/combinatorial_lane.h"
#include "arbor/lanes/cross_venue_lane.h"
#include "arbor/lanes/expiry_edge_lane.h"
#include "arbor/lanes/inputs.h"
#include "arbor/lanes/lanes.h"
#include "arbor/quant/calibration.h"
#include "arbor/v1/common.pb.h"
#include "arbor/v1/market.pb.h"
#include "arbor/v1/opportunity.pb.h"

namespace arbor::scanner {

// One lane as the engine drives it: the incremental API every lane class offers
// (lanes::BundleLaneBase and its siblings), behind one interface.
class ScanLane {
 public:
  virtual ~ScanLane() = default;
  virtual arbor::v1::Lane lane() const = 0;
  virtual void RebuildIndex() = 0;
  virtual lanes::LaneEvaluation OnBooksChanged(absl::Span<const lanes::InstrumentKey> keys) = 0;
  virtual lanes::LaneEvaluation EvaluateAll() = 0;
  virtual const lanes::LaneCounters& totals() const = 0;
};

struct ScanEngineOptions {
  bool binary_enabled = true;
  lanes::LaneConfig binary;
  bool negrisk_enabled = true;
  lanes::LaneConfig negrisk;
  // Cross-venue lane: Polymarket <-> Kalshi pairs of `mapping` (lanes/venue_mapping.h).
  bool cross_venue_enabled = false;
  lanes::LaneConfig cross_venue;
  lanes::CrossVenueConfig cross_venue_gates;
  lanes::VenueMapping mapping;
  // Combinatorial lane: clusters of binary markets linked by `relations` (relations file,
  // docs/relations.md), projected onto their marginal polytope.
  bool combinatorial_enabled = false;
  lanes::LaneConfig combinatorial;
  lanes::CombinatorialConfig combinatorial_gates;
  std::vector<relations::Relation> relations;
  // Expiry-edge lane over `calibration` (owned by the engine; an empty table trades nothing until
  // it has learned enough resolved markets).
  bool expiry_edge_enabled = false;
  lanes::ExpiryEdgeConfig expiry_edge;
  std::shared_ptr<quant::CalibrationTable> calibration;
  // Copied into every lane's LaneConfig::scanner_id (Opportunity.scanner_id).
  std::string scanner_id = "scanner";
};

// What ReplaceCatalog accepted and rejected.
struct CatalogLoadReport {
  size_t markets = 0;               // accepted
  size_t events = 0;                // accepted
  size_t rejected = 0;              // markets + events that failed conversion (not in the catalog)
  size_t unknown_fees = 0;          // accepted markets whose fee model is unknown (never traded)
  std::vector<std::string> errors;  // the first few rejection reasons, "market <id>: <why>"
};

// Per-lane counters of one pass.
struct LaneResult {
  arbor::v1::Lane lane = arbor::v1::LANE_UNSPECIFIED;
  lanes::LaneCounters counters;
  size_t opportunities = 0;
};

struct ScanResult {
  // Every lane's opportunities of this pass (lane order, then each lane's deterministic order).
  std::vector<arbor::v1::Opportunity> opportunities;
  std::vector<LaneResult> lanes;  // one per enabled lane, in lane order
};

// The swappable catalog the lanes read: forwards to the current immutable snapshot.
class CatalogSnapshot final : public lanes::MarketCatalog {
 public:
  void Replace(std::shared_ptr<const lanes::InMemoryMarketCatalog> catalog) {
    current_ = std::move(catalog);
  }
  std::shared_ptr<const lanes::LaneMarket> FindMarket(std::string_view id) const override {
    return current_->FindMarket(id);
  }
  std::shared_ptr<const lanes::LaneEvent> FindEvent(std::string_view id) const override {
    return current_->FindEvent(id);
  }
  std::vector<std::string> MarketIds() const override { return current_->MarketIds(); }
  std::vector<std::string> EventIds() const override { return current_->EventIds(); }

 private:
  std::shared_ptr<const lanes::InMemoryMarketCatalog> current_ =
      std::make_shared<lanes::InMemoryMarketCatalog>();
};

class ScanEngine {
 public:
  // `books` and `clock` (not owned) must outlive the engine.
  ScanEngine(const lanes::BookReader* books, const Clock* clock, ScanEngineOptions options);
  ScanEngine(const ScanEngine&) = delete;
  ScanEngine& operator=(const ScanEngine&) = delete;

  // ReplaceCatalog
  //
  // Builds a new catalog from `markets` and `events` (lanes::MarketFromProto / EventFromProto;
  // entries that fail conversion are left out and reported) and swaps it in. Every lane then
  // rebuilds its index. Closed and resolved markets are kept (the lanes count them
  // market_not_tradable) so their books are not mistaken for unknown ones.
  CatalogLoadReport ReplaceCatalog(absl::Span<const arbor::v1::Market> markets,
                                   absl::Span<const arbor::v1::Event> events);

  // OnBooksChanged
  //
  // Runs every enabled lane over the units that touch `keys`.
  ScanResult OnBooksChanged(absl::Span<const lanes::InstrumentKey> keys);

  // EvaluateAll
  //
  // Runs every enabled lane over its whole index.
  ScanResult EvaluateAll();

  // OnMarketResolved
  //
  // A market resolved with outcome `winning_outcome` (0 = YES, 1 = NO): the expiry-edge lane turns
  // what it saw of the market into calibration observations (and saves the table if configured).
  // Returns the observations added (0 without the lane). Errors: the lane's.
  [[nodiscard]] absl::StatusOr<int> OnMarketResolved(std::string_view market_id,
                                                     int winning_outcome);

  // OnInstrumentResolved
  //
  // One outcome token of a two-outcome catalog market settled at `settlement_price_micros`
  // (InstrumentUpdate RESOLVED): 1_000_000 makes its outcome the winner, 0 the other one; any
  // other value is a split settlement, which teaches nothing (the lane forgets the market). Each
  // market is learned from once, whichever of its tokens' updates comes first. Returns the
  // observations added. Errors: NotFound for an instrument the catalog does not know (the market
  // may have left the catalog already), the lane's errors.
  [[nodiscard]] absl::StatusOr<int> OnInstrumentResolved(const lanes::InstrumentKey& key,
                                                         int64_t settlement_price_micros);

  // ReplaceRelations
  //
  // Swaps the combinatorial lane's relations (a reloaded relations file) and rebuilds its
  // clusters; cached projections are discarded. Returns the cluster count. Errors:
  // FailedPrecondition when the combinatorial lane is not enabled.
  [[nodiscard]] absl::StatusOr<size_t> ReplaceRelations(std::vector<relations::Relation> relations);

  // Adds a lane (e.g. a future one) after construction; it reads the engine's
  // catalog() and must have been built over it. Its index is rebuilt at once.
  void AddLane(std::unique_ptr<ScanLane> lane);

  // The catalog the lanes read (valid for the engine's lifetime; contents change on Replace).
  const lanes::MarketCatalog* catalog() const { return &catalog_; }
  size_t market_count() const { return market_count_; }
  // Clusters the combinatorial lane trades (0 when it is not enabled).
  size_t relation_clusters() const {
    return combinatorial_ == nullptr ? 0 : combinatorial_->cluster_count();
  }
  // Whether `key` is an outcome of a catalog market (a book the catalog does not know means the
  // feed listed a market since the last catalog refresh).
  bool KnowsInstrument(const lanes::InstrumentKey& key) const { return instruments_.contains(key); }
  // Every outcome instrument of the catalog (unordered).
  std::vector<lanes::InstrumentKey> Instruments() const;
  const std::vector<std::unique_ptr<ScanLane>>& lanes() const { return lanes_; }

 private:
  template <typename F>
  ScanResult Run(F&& evaluate);

  const lanes::BookReader* const books_;
  const Clock* const clock_;
  CatalogSnapshot catalog_;
  size_t market_count_ = 0;
  // Outcome instrument -> (market id, outcome index).
  absl::flat_hash_map<lanes::InstrumentKey, std::pair<std::string, int>> instruments_;
  // Markets already learned from (OnInstrumentResolved), so the second token's update is a no-op.
  absl::flat_hash_set<std::string> resolved_markets_;
  std::shared_ptr<quant::CalibrationTable> calibration_;
  lanes::ExpiryEdgeLane* expiry_edge_ = nullptr;       // owned by lanes_, if enabled
  lanes::CombinatorialLane* combinatorial_ = nullptr;  // owned by lanes_, if enabled
  std::vector<std::unique_ptr<ScanLane>> lanes_;
};

// LaneAdapter<T>: a ScanLane over any lane class with the BundleLaneBase API.
template <typename T>
class LaneAdapter final : public ScanLane {
 public:
  template <typename... Args>
  explicit LaneAdapter(arbor::v1::Lane lane, Args&&... args)
      : lane_(lane), impl_(std::forward<Args>(args)...) {}
  arbor::v1::Lane lane() const override { return lane_; }
  void RebuildIndex() override { impl_.RebuildIndex(); }
  lanes::LaneEvaluation OnBooksChanged(absl::Span<const lanes::InstrumentKey> keys) override {
    return impl_.OnBooksChanged(keys);
  }
  lanes::LaneEvaluation EvaluateAll() override { return impl_.EvaluateAll(); }
  const lanes::LaneCounters& totals() const override { return impl_.totals(); }
  T& impl() { return impl_; }

 private:
  arbor::v1::Lane lane_;
  T impl_;
};

// LaneName
//
// "binary", "negrisk", "cross_venue", "combinatorial", "expiry_edge", "fair_value" (metric labels
// and CLI flags); "unspecified" otherwise.
const char* LaneName(arbor::v1::Lane lane);

}  // namespace arbor::scanner
