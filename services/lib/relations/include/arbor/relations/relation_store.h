// File: arbor/relations/relation_store.h
//
// RelationStore: the merged set of relations from every source (curated file, inference, LLM
// review), one entry per distinct relation, with lookups by market, the tradable subset and the
// clusters the combinatorial lane evaluates.
//
// Merging (Add): two relations are the same when kind, a and b match, with (a, b) and (b, a) the
// same for the symmetric kinds (excludes, equivalent). Of two, the store keeps:
//   1. a curated one always: a curated entry replaces whatever is stored, even a curated one (the
//      last curated entry wins) and even with a lower confidence, so a curated entry with
//      confidence 0 vetoes an inferred relation;
//   2. otherwise the higher provenance rank (llm_reviewed > inferred), then the higher
//      confidence; on a tie the one stored first.
//
//   RelationStore store;
//   for (Relation& r : curated) ARBOR_RETURN_IF_ERROR(store.Add(std::move(r)).status());
//   for (const RelationCluster& c : store.Clusters(kDefaultTradableFloor, 24)) ...
//
// A value type: copyable, thread-compatible (const methods may run concurrently).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arbor/relations/relation.h"

namespace arbor::relations {

// Markets connected by tradable relations.
struct RelationCluster {
  std::vector<std::string> market_ids;  // ascending, unique
  std::vector<Relation> relations;      // the tradable relations among them, in store order
  // More markets than the `max_markets` given to Clusters(). Oversized clusters are reported,
  // never split: splitting would silently drop relations, and a runaway cluster usually means
  // one wrong relation glued unrelated families together (the lane does not trade it).
  bool oversized = false;
};

class RelationStore {
 public:
  enum class AddOutcome {
    kAdded,     // a new relation
    kReplaced,  // it replaced the stored entry for the same relation (rules above)
    kKept,      // the stored entry won; `relation` was dropped
  };

  // Add
  //
  // Merges `relation` as described in the file comment. Errors (nothing changes):
  // InvalidArgument when ValidateRelation fails, or when its id already names a different
  // relation in the store.
  [[nodiscard]] absl::StatusOr<AddOutcome> Add(Relation relation);

  // AddAll
  //
  // Add for each, in order; stops at the first error (the ones before it stay added).
  [[nodiscard]] absl::Status AddAll(std::vector<Relation> relations);

  // Every relation, in the order first added (a replacement keeps its slot).
  const std::vector<Relation>& relations() const { return relations_; }
  size_t size() const { return relations_.size(); }
  bool empty() const { return relations_.empty(); }

  // The relation with this id, or nullptr. Invalidated by the next Add.
  const Relation* FindById(std::string_view id) const;

  // ForMarket
  //
  // The relations with `market_id` on either side, in store order (any confidence).
  std::vector<Relation> ForMarket(std::string_view market_id) const;

  // Tradable
  //
  // The relations whose confidence is >= `floor`, in store order.
  std::vector<Relation> Tradable(double floor = kDefaultTradableFloor) const;

  // Clusters
  //
  // Connected components of the markets linked by Tradable(floor) relations, ordered by their
  // smallest market id. Markets without a tradable relation are in no cluster. A component with
  // more than `max_markets` markets (0 = no limit) is returned whole with `oversized` set.
  std::vector<RelationCluster> Clusters(double floor, size_t max_markets) const;

 private:
  // (kind, first market, first outcome, second market, second outcome), the refs ordered for
  // symmetric kinds.
  using Key = std::tuple<RelationKind, std::string, int, std::string, int>;
  static Key KeyOf(const Relation& r);

  std::vector<Relation> relations_;
  absl::flat_hash_map<Key, size_t> by_key_;
  absl::flat_hash_map<std::string, size_t> by_id_;
  absl::flat_hash_map<std::string, std::vector<size_t>> by_market_;
};

}  // namespace arbor::relations
