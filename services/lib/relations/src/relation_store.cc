#include "arbor/relations/relation_store.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"

namespace arbor::relations {
namespace {

// Whether `candidate` replaces `stored` (same relation). See the header's merge rules.
bool Replaces(const Relation& candidate, const Relation& stored) {
  if (candidate.provenance == Provenance::kCurated) return true;
  const int rank_new = ProvenanceRank(candidate.provenance);
  const int rank_old = ProvenanceRank(stored.provenance);
  if (rank_new != rank_old) return rank_new > rank_old;
  return candidate.confidence > stored.confidence;
}

// Union-find over dense indices.
class Components {
 public:
  explicit Components(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t Find(size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void Join(size_t x, size_t y) {
    x = Find(x);
    y = Find(y);
    if (x != y) parent_[std::max(x, y)] = std::min(x, y);
  }

 private:
  std::vector<size_t> parent_;
};

}  // namespace

RelationStore::Key RelationStore::KeyOf(const Relation& r) {
  const OutcomeRef* x = &r.a;
  const OutcomeRef* y = &r.b;
  if (IsSymmetric(r.kind) && *y < *x) std::swap(x, y);
  return {r.kind, x->market_id, x->outcome, y->market_id, y->outcome};
}

absl::StatusOr<RelationStore::AddOutcome> RelationStore::Add(Relation relation) {
  if (absl::Status s = ValidateRelation(relation); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("relation \"", relation.id, "\": ", s.message()));
  }
  Key key = KeyOf(relation);
  auto existing = by_key_.find(key);
  auto same_id = by_id_.find(relation.id);
  if (same_id != by_id_.end() &&
      (existing == by_key_.end() || same_id->second != existing->second)) {
    return absl::InvalidArgumentError(
        absl::StrCat("relation \"", relation.id, "\": id already names another relation (",
                     RelationKindName(relations_[same_id->second].kind), " ",
                     relations_[same_id->second].a.market_id, ", ",
                     relations_[same_id->second].b.market_id, ")"));
  }
  if (existing == by_key_.end()) {
    const size_t slot = relations_.size();
    by_key_.emplace(std::move(key), slot);
    by_id_.emplace(relation.id, slot);
    by_market_[relation.a.market_id].push_back(slot);
    by_market_[relation.b.market_id].push_back(slot);
    relations_.push_back(std::move(relation));
    return AddOutcome::kAdded;
  }
  Relation& stored = relations_[existing->second];
  if (!Replaces(relation, stored)) return AddOutcome::kKept;
  if (stored.id != relation.id) {
    by_id_.erase(stored.id);
    by_id_.emplace(relation.id, existing->second);
  }
  stored = std::move(relation);
  return AddOutcome::kReplaced;
}

absl::Status RelationStore::AddAll(std::vector<Relation> relations) {
  for (Relation& r : relations) {
    absl::StatusOr<AddOutcome> added = Add(std::move(r));
    if (!added.ok()) return added.status();
  }
  return absl::OkStatus();
}

const Relation* RelationStore::FindById(std::string_view id) const {
  auto it = by_id_.find(ToAbsl(id));
  return it == by_id_.end() ? nullptr : &relations_[it->second];
}

std::vector<Relation> RelationStore::ForMarket(std::string_view market_id) const {
  std::vector<Relation> out;
  auto it = by_market_.find(ToAbsl(market_id));
  if (it == by_market_.end()) return out;
  out.reserve(it->second.size());
  for (size_t slot : it->second) out.push_back(relations_[slot]);
  return out;
}

std::vector<Relation> RelationStore::Tradable(double floor) const {
  std::vector<Relation> out;
  for (const Relation& r : relations_) {
    if (r.confidence >= floor) out.push_back(r);
  }
  return out;
}

std::vector<RelationCluster> RelationStore::Clusters(double floor, size_t max_markets) const {
  // Dense ids for the markets of tradable relations.
  absl::flat_hash_map<std::string, size_t> ids;
  std::vector<std::string> names;
  std::vector<size_t> used;  // slots of tradable relations
  auto id_of = [&](const std::string& m) {
    auto [it, inserted] = ids.emplace(m, names.size());
    if (inserted) names.push_back(m);
    return it->second;
  };
  for (size_t slot = 0; slot < relations_.size(); ++slot) {
    const Relation& r = relations_[slot];
    if (!(r.confidence >= floor)) continue;
    id_of(r.a.market_id);
    id_of(r.b.market_id);
    used.push_back(slot);
  }
  Components components(names.size());
  for (size_t slot : used) {
    components.Join(ids.at(relations_[slot].a.market_id), ids.at(relations_[slot].b.market_id));
  }
  // Root -> cluster, then ordered by smallest market id.
  std::map<size_t, RelationCluster> by_root;
  for (size_t m = 0; m < names.size(); ++m) {
    by_root[components.Find(m)].market_ids.push_back(names[m]);
  }
  for (size_t slot : used) {
    by_root[components.Find(ids.at(relations_[slot].a.market_id))].relations.push_back(
        relations_[slot]);
  }
  std::vector<RelationCluster> out;
  out.reserve(by_root.size());
  for (auto& [root, cluster] : by_root) {
    std::sort(cluster.market_ids.begin(), cluster.market_ids.end());
    cluster.oversized = max_markets > 0 && cluster.market_ids.size() > max_markets;
    out.push_back(std::move(cluster));
  }
  std::sort(out.begin(), out.end(), [](const RelationCluster& x, const RelationCluster& y) {
    return x.market_ids.front() < y.market_ids.front();
  });
  return out;
}

}  // namespace arbor::relations
