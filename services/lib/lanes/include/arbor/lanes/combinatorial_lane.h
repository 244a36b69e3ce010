// File: arbor/lanes/combinatorial_lane.h
//
// CombinatorialLane: arbitrage between logically related binary markets ("X by March" implies
// "X by June"; two finalists exclude each other) that no single-market check can see. The
// relations (relations/relation.h: curated file, rule-based inference, reviewed LLM output, each
// with a confidence) link markets into clusters; a cluster is the lane's unit.
//
// Per cluster (docs/lanes.md "Combinatorial lane"):
//   1. the polytope model (quant/polytope_model.h): one block {YES, NO} per market, one
//      constraint per relation on the YES tokens (implies z_a <= z_b, excludes z_a + z_b <= 1,
//      equivalent z_a = z_b); built once per catalog / relation change, with its IP oracle
//      (exhaustive enumeration when the cluster has at most `enumerate_up_to` candidate joint
//      outcomes, COIN-OR CBC above) and its Barrier Frank-Wolfe state;
//   2. prices p = every token's best ask plus its taker fee per share (everything is bought:
//      selling YES of a binary market is buying its NO), projected onto M = conv(Z), warm-started
//      from the previous active set of the cluster (re-solved incrementally as books move);
//   3. the candidate set S = tokens whose projected probability exceeds their price; the oracle
//      gives W = min over valid outcomes of how many tokens of S pay. Tokens are then dropped,
//      dearest first, while W stays >= 1, so the bundle pays at least 1 per set in every valid
//      outcome with as few legs as possible;
//   4. S is priced and sized as a BUY_ALL bundle over the books' depth (quant::BundlePricer,
//      fees, venue minimums), with the bundle lanes' gates and max_edge_per_set of this config;
//   5. the sized legs' worst case min_z Σ size_i z_i is verified again with the oracle against
//      the opportunity's worst_case_payoff (kWorstCaseMismatch otherwise).
//
// Opportunities: lane LANE_COMBINATORIAL, guaranteed = true (given the relations), confidence =
// the lowest confidence of the cluster's relations, relation_ids = the cluster's relations,
// projection_divergence / projection_gap = the projection's D(μ‖p) and certified gap,
// market_ids = the markets of the legs.
//
// Relations below `min_confidence` are ignored (never traded). A cluster with a missing or
// non-binary market, or whose relations leave no valid joint outcome (contradictory input), is
// dropped as kRelationRejected on evaluation.
//
//   CombinatorialLane lane(&catalog, &books, &clock, relations);
//   LaneEvaluation e = lane.OnBooksChanged(touched);
//
// Thread-compatible, as BundleLaneBase.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "arbor/core/fixed_point.h"
#include "arbor/lanes/lanes.h"
#include "arbor/relations/relation.h"

namespace arbor::lanes {

struct CombinatorialConfig {
  // Relations whose confidence is below this are not used.
  double min_confidence = 0.90;
  // Clusters with more markets than this are not traded (kRelationRejected): a runaway cluster
  // usually means one wrong relation glued unrelated families together.
  int max_cluster_markets = 24;
  // Replaces LaneConfig::max_edge_per_set for this lane (kImplausibleEdge above it).
  Price max_edge_per_set = Price::FromMicros(150'000);  // 0.15
  // Projection budget per evaluation: stop at this certified gap or after this many
  // Frank-Wolfe iterations (the latency budget of one re-solve).
  double gap_tolerance = 1e-7;
  int max_iterations = 200;
  // A token joins S when its projected probability exceeds its price by more than this.
  double leg_threshold = 1e-6;
  // Clusters with at most this many candidate joint outcomes (product of block sizes) use an
  // exhaustive oracle (exact, and microseconds instead of a MIP solve); larger ones use CBC.
  // 0 = always CBC.
  int64_t enumerate_up_to = 4096;
};

class CombinatorialLane final : public BundleLaneBase {
 public:
  // `config` is used as given except max_edge_per_set, which `comb.max_edge_per_set` replaces.
  CombinatorialLane(const MarketCatalog* catalog, const BookReader* books, const Clock* clock,
                    std::vector<relations::Relation> relations, LaneConfig config = {},
                    CombinatorialConfig comb = {});
  ~CombinatorialLane() override;

  // Replaces the relations (e.g. a reloaded file) and rebuilds the clusters.
  void SetRelations(std::vector<relations::Relation> relations);

  // RebuildIndex
  //
  // Clusters = relations::RelationStore::Clusters over the relations at or above min_confidence
  // (invalid ones, e.g. a market related to itself, are left out).
  // Every cluster is a unit ("cluster:" + its smallest market id); the outcome instruments of its
  // markets found in the catalog map to it. Cached models are discarded.
  void RebuildIndex() override;

  // Units (clusters) and the relations in use.
  size_t cluster_count() const { return clusters_.size(); }
  const CombinatorialConfig& combinatorial_config() const { return comb_; }

 private:
  struct Cluster;  // markets, relations and the cached model / oracle / projection state

  void EvaluateUnit(const std::string& cluster_id, LaneCounters& c,
                    std::vector<Candidate>& out) override;

  std::vector<relations::Relation> relations_;
  CombinatorialConfig comb_;
  absl::flat_hash_map<std::string, std::unique_ptr<Cluster>> clusters_;
};

}  // namespace arbor::lanes
