// RelationStore: dedupe (symmetric kinds), provenance ranking and curated override, id
// conflicts, lookups, the tradable floor and clusters (connected components, ordering, oversized
// clusters reported whole).
#include "arbor/relations/relation_store.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "relation_printer.h"

namespace arbor::relations {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Relation Rel(std::string id, RelationKind kind, std::string a, std::string b, double confidence,
             Provenance provenance = Provenance::kInferred) {
  Relation r;
  r.id = std::move(id);
  r.kind = kind;
  r.a = {std::move(a), 0};
  r.b = {std::move(b), 0};
  r.confidence = confidence;
  r.provenance = provenance;
  r.rule = provenance == Provenance::kCurated ? "curated" : "temporal_ladder";
  return r;
}

std::vector<std::string> Ids(const std::vector<Relation>& rs) {
  std::vector<std::string> out;
  for (const Relation& r : rs) out.push_back(r.id);
  return out;
}

constexpr RelationKind kImp = RelationKind::kImplies;
constexpr RelationKind kExc = RelationKind::kExcludes;
constexpr RelationKind kEqv = RelationKind::kEquivalent;

TEST(RelationStoreTest, AddsAndDedupesSymmetricKinds) {
  RelationStore s;
  EXPECT_EQ(*s.Add(Rel("x1", kExc, "m1", "m2", 0.9)), RelationStore::AddOutcome::kAdded);
  // Same exclusion stated the other way round: the same relation.
  EXPECT_EQ(*s.Add(Rel("x2", kExc, "m2", "m1", 0.8)), RelationStore::AddOutcome::kKept);
  EXPECT_EQ(*s.Add(Rel("e1", kEqv, "m3", "m4", 0.9)), RelationStore::AddOutcome::kAdded);
  EXPECT_EQ(*s.Add(Rel("e2", kEqv, "m4", "m3", 0.95)), RelationStore::AddOutcome::kReplaced);
  // Implies is directional: both directions are kept.
  EXPECT_EQ(*s.Add(Rel("i1", kImp, "m1", "m2", 0.9)), RelationStore::AddOutcome::kAdded);
  EXPECT_EQ(*s.Add(Rel("i2", kImp, "m2", "m1", 0.9)), RelationStore::AddOutcome::kAdded);
  EXPECT_THAT(Ids(s.relations()), ElementsAre("x1", "e2", "i1", "i2"));
  EXPECT_EQ(s.FindById("e1"), nullptr);
  ASSERT_NE(s.FindById("e2"), nullptr);
  EXPECT_DOUBLE_EQ(s.FindById("e2")->confidence, 0.95);
}

TEST(RelationStoreTest, ProvenanceRankThenConfidence) {
  RelationStore s;
  ASSERT_TRUE(s.Add(Rel("r", kImp, "a", "b", 0.97, Provenance::kInferred)).ok());
  // llm_reviewed outranks inferred even with a lower confidence.
  EXPECT_EQ(*s.Add(Rel("r", kImp, "a", "b", 0.92, Provenance::kLlmReviewed)),
            RelationStore::AddOutcome::kReplaced);
  // inferred never replaces llm_reviewed.
  EXPECT_EQ(*s.Add(Rel("r", kImp, "a", "b", 0.99, Provenance::kInferred)),
            RelationStore::AddOutcome::kKept);
  // Same rank: the higher confidence wins; a tie keeps the first.
  EXPECT_EQ(*s.Add(Rel("r", kImp, "a", "b", 0.92, Provenance::kLlmReviewed)),
            RelationStore::AddOutcome::kKept);
  EXPECT_EQ(*s.Add(Rel("r", kImp, "a", "b", 0.93, Provenance::kLlmReviewed)),
            RelationStore::AddOutcome::kReplaced);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.relations()[0].provenance, Provenance::kLlmReviewed);
  EXPECT_DOUBLE_EQ(s.relations()[0].confidence, 0.93);
}

TEST(RelationStoreTest, CuratedAlwaysOverridesAndCanVeto) {
  RelationStore s;
  ASSERT_TRUE(s.Add(Rel("implies:a#0->b#0", kImp, "a", "b", 0.95)).ok());
  // A curated confidence-0 entry vetoes the inferred relation (it falls below any floor).
  EXPECT_EQ(*s.Add(Rel("veto", kImp, "a", "b", 0.0, Provenance::kCurated)),
            RelationStore::AddOutcome::kReplaced);
  EXPECT_EQ(s.FindById("implies:a#0->b#0"), nullptr);
  ASSERT_NE(s.FindById("veto"), nullptr);
  EXPECT_TRUE(s.Tradable(0.5).empty());
  // Non-curated sources cannot bring it back.
  EXPECT_EQ(*s.Add(Rel("implies:a#0->b#0", kImp, "a", "b", 1.0, Provenance::kLlmReviewed)),
            RelationStore::AddOutcome::kKept);
  // A later curated entry wins over an earlier one.
  EXPECT_EQ(*s.Add(Rel("veto", kImp, "a", "b", 0.96, Provenance::kCurated)),
            RelationStore::AddOutcome::kReplaced);
  EXPECT_EQ(s.Tradable(0.9).size(), 1u);
}

TEST(RelationStoreTest, RejectsInvalidAndConflictingIds) {
  RelationStore s;
  absl::StatusOr<RelationStore::AddOutcome> bad = s.Add(Rel("x", kImp, "a", "a", 0.9));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("same outcome"));
  EXPECT_FALSE(s.Add(Rel("x", kImp, "a", "b", 1.5)).ok());
  ASSERT_TRUE(s.Add(Rel("x", kImp, "a", "b", 0.9)).ok());
  absl::StatusOr<RelationStore::AddOutcome> clash = s.Add(Rel("x", kImp, "c", "d", 0.9));
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(clash.status().message()), HasSubstr("id already names another"));
  EXPECT_EQ(s.size(), 1u);
  // AddAll stops at the first error, keeping what came before.
  absl::Status all = s.AddAll({Rel("y", kImp, "c", "d", 0.9), Rel("z", kImp, "e", "e", 0.9),
                               Rel("w", kImp, "f", "g", 0.9)});
  EXPECT_FALSE(all.ok());
  EXPECT_THAT(Ids(s.relations()), ElementsAre("x", "y"));
}

TEST(RelationStoreTest, ForMarketAndTradable) {
  RelationStore s;
  ASSERT_TRUE(s.AddAll({Rel("r1", kImp, "a", "b", 0.95), Rel("r2", kExc, "b", "c", 0.7),
                        Rel("r3", kEqv, "d", "e", 0.9)})
                  .ok());
  EXPECT_THAT(Ids(s.ForMarket("b")), ElementsAre("r1", "r2"));
  EXPECT_THAT(Ids(s.ForMarket("e")), ElementsAre("r3"));
  EXPECT_TRUE(s.ForMarket("zzz").empty());
  EXPECT_THAT(Ids(s.Tradable(0.9)), ElementsAre("r1", "r3"));  // the floor is inclusive
  EXPECT_THAT(Ids(s.Tradable()), ElementsAre("r1", "r3"));
  EXPECT_THAT(Ids(s.Tradable(0.0)), ElementsAre("r1", "r2", "r3"));
}

TEST(RelationStoreTest, ClustersAreConnectedComponentsOfTradableRelations) {
  RelationStore s;
  ASSERT_TRUE(s.AddAll({Rel("r1", kImp, "m5", "m2", 0.95), Rel("r2", kImp, "m2", "m9", 0.95),
                        Rel("r3", kExc, "m9", "m1", 0.5),  // below the floor: no link
                        Rel("r4", kEqv, "m1", "m3", 0.99), Rel("r5", kImp, "m7", "m5", 0.91)})
                  .ok());
  const std::vector<RelationCluster> clusters = s.Clusters(0.9, 24);
  ASSERT_EQ(clusters.size(), 2u);
  EXPECT_THAT(clusters[0].market_ids, ElementsAre("m1", "m3"));
  EXPECT_THAT(Ids(clusters[0].relations), ElementsAre("r4"));
  EXPECT_FALSE(clusters[0].oversized);
  EXPECT_THAT(clusters[1].market_ids, ElementsAre("m2", "m5", "m7", "m9"));
  EXPECT_THAT(Ids(clusters[1].relations), ElementsAre("r1", "r2", "r5"));
  // A lower floor merges them through r3.
  const std::vector<RelationCluster> merged = s.Clusters(0.5, 0);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].market_ids.size(), 6u);
  EXPECT_EQ(merged[0].relations.size(), 5u);
  // Oversized clusters are reported whole, not split.
  const std::vector<RelationCluster> capped = s.Clusters(0.9, 3);
  ASSERT_EQ(capped.size(), 2u);
  EXPECT_FALSE(capped[0].oversized);
  EXPECT_TRUE(capped[1].oversized);
  EXPECT_EQ(capped[1].market_ids.size(), 4u);
  EXPECT_EQ(capped[1].relations.size(), 3u);
  EXPECT_TRUE(RelationStore().Clusters(0.9, 24).empty());
}

TEST(RelationStoreTest, IsACopyableValue) {
  RelationStore s;
  ASSERT_TRUE(s.Add(Rel("r1", kImp, "a", "b", 0.95)).ok());
  RelationStore copy = s;
  ASSERT_TRUE(copy.Add(Rel("r2", kImp, "b", "c", 0.95)).ok());
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(copy.size(), 2u);
  EXPECT_EQ(copy.ForMarket("b").size(), 2u);
}

}  // namespace
}  // namespace arbor::relations
