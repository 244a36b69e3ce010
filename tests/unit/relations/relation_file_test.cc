// The relation types and the relations file: names, labels, validation, ids, a full file, the
// defaults, every strictness rule (each error names the entry and field), the write/parse round
// trip and the checked-in fixture.
#include "arbor/relations/relation_file.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "arbor/relations/relation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "relation_printer.h"

namespace arbor::relations {
namespace {

using ::testing::HasSubstr;

TEST(RelationTest, NamesRoundTrip) {
  for (RelationKind k :
       {RelationKind::kImplies, RelationKind::kExcludes, RelationKind::kEquivalent}) {
    EXPECT_EQ(RelationKindFromName(RelationKindName(k)), k);
  }
  for (Provenance p : {Provenance::kCurated, Provenance::kInferred, Provenance::kLlmReviewed}) {
    EXPECT_EQ(ProvenanceFromName(ProvenanceName(p)), p);
  }
  EXPECT_STREQ(RelationKindName(RelationKind::kImplies), "implies");
  EXPECT_STREQ(ProvenanceName(Provenance::kLlmReviewed), "llm_reviewed");
  EXPECT_FALSE(RelationKindFromName("Implies").has_value());
  EXPECT_FALSE(ProvenanceFromName("").has_value());
}

TEST(RelationTest, LabelBoundaries) {
  EXPECT_EQ(LabelFor(0.0), ConfidenceLabel::kLow);
  EXPECT_EQ(LabelFor(0.6999), ConfidenceLabel::kLow);
  EXPECT_EQ(LabelFor(0.7), ConfidenceLabel::kMedium);
  EXPECT_EQ(LabelFor(0.8999), ConfidenceLabel::kMedium);
  EXPECT_EQ(LabelFor(0.9), ConfidenceLabel::kHigh);
  EXPECT_EQ(LabelFor(1.0), ConfidenceLabel::kHigh);
  EXPECT_EQ(LabelFor(std::nan("")), ConfidenceLabel::kLow);
  EXPECT_STREQ(ConfidenceLabelName(LabelFor(0.95)), "high");
  EXPECT_DOUBLE_EQ(kDefaultTradableFloor, 0.9);
}

TEST(RelationTest, RanksAndSymmetry) {
  EXPECT_GT(ProvenanceRank(Provenance::kCurated), ProvenanceRank(Provenance::kLlmReviewed));
  EXPECT_GT(ProvenanceRank(Provenance::kLlmReviewed), ProvenanceRank(Provenance::kInferred));
  EXPECT_TRUE(IsSymmetric(RelationKind::kExcludes));
  EXPECT_TRUE(IsSymmetric(RelationKind::kEquivalent));
  EXPECT_FALSE(IsSymmetric(RelationKind::kImplies));
}

TEST(RelationTest, InferredIdsAreStableAndCanonical) {
  const OutcomeRef x{"0xaaa", 0};
  const OutcomeRef y{"0xbbb", 0};
  EXPECT_EQ(InferredRelationId(RelationKind::kImplies, y, x), "implies:0xbbb#0->0xaaa#0");
  EXPECT_NE(InferredRelationId(RelationKind::kImplies, x, y),
            InferredRelationId(RelationKind::kImplies, y, x));
  EXPECT_EQ(InferredRelationId(RelationKind::kExcludes, y, x),
            InferredRelationId(RelationKind::kExcludes, x, y));
  EXPECT_EQ(InferredRelationId(RelationKind::kEquivalent, y, x), "equivalent:0xaaa#0->0xbbb#0");
}

TEST(RelationTest, Validate) {
  Relation r{.id = "r",
             .kind = RelationKind::kImplies,
             .a = {"m1", 0},
             .b = {"m2", 0},
             .confidence = 0.9,
             .provenance = Provenance::kCurated,
             .rule = "curated"};
  EXPECT_TRUE(ValidateRelation(r).ok());
  Relation bad = r;
  bad.id.clear();
  EXPECT_THAT(ValidateRelation(bad).message(), HasSubstr("id: empty"));
  bad = r;
  bad.b.market_id.clear();
  EXPECT_THAT(ValidateRelation(bad).message(), HasSubstr("b.market_id: empty"));
  bad = r;
  bad.a.outcome = -1;
  EXPECT_THAT(ValidateRelation(bad).message(), HasSubstr("a.outcome"));
  bad = r;
  bad.confidence = 1.01;
  EXPECT_THAT(ValidateRelation(bad).message(), HasSubstr("confidence"));
  bad.confidence = std::nan("");
  EXPECT_THAT(ValidateRelation(bad).message(), HasSubstr("confidence"));
  bad = r;
  bad.b = bad.a;
  EXPECT_THAT(ValidateRelation(bad).message(), HasSubstr("same outcome"));
  bad.b.outcome = 1;
  EXPECT_THAT(ValidateRelation(bad).message(), HasSubstr("same market"));
}

// A file with one relation whose body (without braces) is `entry`.
std::string One(const std::string& entry) {
  return R"({"version":1,"relations":[{)" + entry + "}]}";
}

constexpr const char* kMinimal = R"("id":"r1","kind":"implies","a":{"market_id":"m1","outcome":0},)"
                                 R"("b":{"market_id":"m2","outcome":0},"confidence":0.95)";

TEST(RelationFileTest, ParsesEveryField) {
  absl::StatusOr<std::vector<Relation>> r = ParseRelationsFile(R"({
    "version": 1,
    "relations": [
      {"id": "fed-march-june", "kind": "implies",
       "a": {"market_id": "0xabc", "outcome": 0}, "b": {"market_id": "KXFED-26JUN", "outcome": 0},
       "confidence": 0.97, "provenance": "llm_reviewed", "rule": "llm:gpt-x",
       "evidence": "march before june", "reviewed_by": "alice"},
      {"id": "finalists", "kind": "excludes", "a": {"market_id": "m3"},
       "b": {"market_id": "m4", "outcome": 1}, "confidence": 1},
      {"id": "same", "kind": "equivalent", "a": {"market_id": "m5", "outcome": 0},
       "b": {"market_id": "m6", "outcome": 0}, "confidence": 0, "provenance": "inferred",
       "rule": "negrisk_equivalence"}
    ]})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  const Relation& x = (*r)[0];
  EXPECT_EQ(x.id, "fed-march-june");
  EXPECT_EQ(x.kind, RelationKind::kImplies);
  EXPECT_EQ(x.a, (OutcomeRef{"0xabc", 0}));
  EXPECT_EQ(x.b, (OutcomeRef{"KXFED-26JUN", 0}));
  EXPECT_DOUBLE_EQ(x.confidence, 0.97);
  EXPECT_EQ(x.provenance, Provenance::kLlmReviewed);
  EXPECT_EQ(x.rule, "llm:gpt-x");
  EXPECT_EQ(x.evidence, "march before june");
  EXPECT_EQ(x.reviewed_by, "alice");
  // Defaults: outcome 0, provenance curated, rule "curated"; integer confidences are numbers.
  const Relation& y = (*r)[1];
  EXPECT_EQ(y.kind, RelationKind::kExcludes);
  EXPECT_EQ(y.a.outcome, 0);
  EXPECT_EQ(y.b.outcome, 1);
  EXPECT_DOUBLE_EQ(y.confidence, 1.0);
  EXPECT_EQ(y.provenance, Provenance::kCurated);
  EXPECT_EQ(y.rule, "curated");
  EXPECT_TRUE(y.evidence.empty());
  EXPECT_EQ((*r)[2].provenance, Provenance::kInferred);
  EXPECT_DOUBLE_EQ((*r)[2].confidence, 0.0);
}

TEST(RelationFileTest, EmptyListIsValid) {
  absl::StatusOr<std::vector<Relation>> r = ParseRelationsFile(R"({"relations":[],"version":1})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->empty());
}

struct ErrorCase {
  const char* name;
  std::string json;
  const char* message;
};

TEST(RelationFileTest, RejectsEveryError) {
  const std::string m = kMinimal;
  const ErrorCase cases[] = {
      {"not json", "{", "invalid JSON"},
      {"top level array", "[]", "top level must be an object"},
      {"missing version", R"({"relations":[]})", "version: missing"},
      {"version 2", R"({"version":2,"relations":[]})", "version: must be the integer 1"},
      {"version string", R"({"version":"1","relations":[]})", "version: must be the integer 1"},
      {"version twice", R"({"version":1,"version":1,"relations":[]})", "version: given twice"},
      {"missing relations", R"({"version":1})", "relations: missing"},
      {"relations object", R"({"version":1,"relations":{}})", "relations: not an array"},
      {"relations twice", R"({"version":1,"relations":[],"relations":[]})", "given twice"},
      {"unknown top key", R"({"version":1,"relations":[],"pairs":[]})",
       "pairs: unknown key (version, relations)"},
      {"entry not object", R"({"version":1,"relations":[3]})", "relations[0]: not an object"},
      {"missing id", One(m.substr(m.find(',') + 1)), "relations[0].id: missing"},
      {"empty id", One(R"("id":"",)" + m.substr(m.find(',') + 1)), "relations[0].id: empty"},
      {"id not string", One(R"("id":7,)" + m.substr(m.find(',') + 1)), "id: not a string"},
      {"unknown key", One(m + R"(,"note":"x")"), "relations[0] (id \"r1\").note: unknown key"},
      {"typo of optional key", One(m + R"(,"reviewedby":"x")"), "reviewedby: unknown key"},
      {"repeated key", One(m + R"(,"confidence":0.5)"), "(id \"r1\").confidence: given twice"},
      {"missing kind",
       One(R"("id":"r1","a":{"market_id":"m1"},"b":{"market_id":"m2"},"confidence":1)"),
       "kind: missing"},
      {"unknown kind",
       One(R"("id":"r1","kind":"implied","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2"},"confidence":1)"),
       "kind: unknown kind \"implied\" (implies, excludes, equivalent)"},
      {"kind not string",
       One(R"("id":"r1","kind":1,"a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2"},"confidence":1)"),
       "kind: not a string"},
      {"missing a", One(R"("id":"r1","kind":"implies","b":{"market_id":"m2"},"confidence":1)"),
       "(id \"r1\").a: missing"},
      {"missing b", One(R"("id":"r1","kind":"implies","a":{"market_id":"m2"},"confidence":1)"),
       "(id \"r1\").b: missing"},
      {"a not object",
       One(R"("id":"r1","kind":"implies","a":"m1","b":{"market_id":"m2"},)"
           R"("confidence":1)"),
       "(id \"r1\").a: not an object"},
      {"a missing market",
       One(R"("id":"r1","kind":"implies","a":{"outcome":0},)"
           R"("b":{"market_id":"m2"},"confidence":1)"),
       "a.market_id: missing"},
      {"a empty market",
       One(R"("id":"r1","kind":"implies","a":{"market_id":""},)"
           R"("b":{"market_id":"m2"},"confidence":1)"),
       "a.market_id: empty"},
      {"b unknown key",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2","side":"yes"},"confidence":1)"),
       "b.side: unknown key (market_id, outcome)"},
      {"b repeated key",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2","market_id":"m3"},"confidence":1)"),
       "b.market_id: given twice"},
      {"negative outcome",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1","outcome":-1},)"
           R"("b":{"market_id":"m2"},"confidence":1)"),
       "a.outcome: must be a non-negative integer"},
      {"fractional outcome",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2","outcome":0.5},"confidence":1)"),
       "b.outcome: must be a non-negative integer"},
      {"huge outcome",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2","outcome":4294967296},"confidence":1)"),
       "b.outcome: must be a non-negative integer"},
      {"missing confidence",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2"})"),
       "(id \"r1\").confidence: missing"},
      {"confidence above 1",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2"},"confidence":1.5)"),
       "(id \"r1\").confidence: must be in [0, 1]"},
      {"confidence negative",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2"},"confidence":-0.1)"),
       "confidence: must be in [0, 1]"},
      {"confidence string",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2"},"confidence":"0.9")"),
       "confidence: not a number"},
      {"confidence null",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2"},"confidence":null)"),
       "confidence: not a number"},
      {"unknown provenance", One(m + R"(,"provenance":"manual")"),
       "provenance: unknown provenance \"manual\" (curated, inferred, llm_reviewed)"},
      {"inferred without rule", One(m + R"(,"provenance":"inferred")"),
       "(id \"r1\").rule: missing (required unless provenance is curated)"},
      {"llm without rule", One(m + R"(,"provenance":"llm_reviewed")"), "rule: missing"},
      {"empty rule", One(m + R"(,"rule":"")"), "(id \"r1\").rule: empty"},
      {"evidence not string", One(m + R"(,"evidence":["x"])"), "evidence: not a string"},
      {"a equals b",
       One(R"("id":"r1","kind":"implies","a":{"market_id":"m1","outcome":0},)"
           R"("b":{"market_id":"m1","outcome":0},"confidence":1)"),
       "relations[0] (id \"r1\"): a and b are the same outcome (m1)"},
      {"same market",
       One(R"("id":"r1","kind":"excludes","a":{"market_id":"m1","outcome":0},)"
           R"("b":{"market_id":"m1","outcome":1},"confidence":1)"),
       "a and b are outcomes of the same market"},
      {"duplicate id",
       R"({"version":1,"relations":[{)" + m + "},{" +
           R"("id":"r1","kind":"implies","a":{"market_id":"m3"},)"
           R"("b":{"market_id":"m4"},"confidence":1}]})",
       "relations[1] (id \"r1\").id: duplicate id"},
      {"duplicate relation",
       R"({"version":1,"relations":[{)" + m + "},{" +
           R"("id":"r2","kind":"implies","a":{"market_id":"m1"},)"
           R"("b":{"market_id":"m2"},"confidence":0.5}]})",
       "relations[1] (id \"r2\"): duplicate relation (implies m1#0, m2#0)"},
      {"duplicate symmetric relation",
       R"({"version":1,"relations":[)"
       R"({"id":"x1","kind":"excludes","a":{"market_id":"m1"},"b":{"market_id":"m2"},"confidence":1},)"
       R"({"id":"x2","kind":"excludes","a":{"market_id":"m2"},"b":{"market_id":"m1"},"confidence":1}]})",
       "relations[1] (id \"x2\"): duplicate relation (excludes m2#0, m1#0)"},
  };
  for (const ErrorCase& c : cases) {
    absl::StatusOr<std::vector<Relation>> r = ParseRelationsFile(c.json);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.message)) << c.name;
    EXPECT_THAT(std::string(r.status().message()), ::testing::StartsWith("relations: ")) << c.name;
  }
}

TEST(RelationFileTest, ImpliesInBothDirectionsAreTwoRelations) {
  absl::StatusOr<std::vector<Relation>> r = ParseRelationsFile(
      R"({"version":1,"relations":[)"
      R"({"id":"x1","kind":"implies","a":{"market_id":"m1"},"b":{"market_id":"m2"},"confidence":1},)"
      R"({"id":"x2","kind":"implies","a":{"market_id":"m2"},"b":{"market_id":"m1"},"confidence":1}]})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), 2u);
}

TEST(RelationFileTest, WriteThenParseRoundTrips) {
  std::vector<Relation> in = {
      {.id = "r\"1\n",
       .kind = RelationKind::kImplies,
       .a = {"0xabc", 0},
       .b = {"KX-1", 0},
       .confidence = 0.1 + 0.2,  // not exactly representable in short form
       .provenance = Provenance::kInferred,
       .rule = "temporal_ladder",
       .evidence = "\"Will X by March?\" \xE2\x86\x92 ok",
       .reviewed_by = ""},
      {.id = "r2",
       .kind = RelationKind::kExcludes,
       .a = {"m1", 1},
       .b = {"m2", 2},
       .confidence = 1,
       .provenance = Provenance::kCurated,
       .rule = "curated",
       .evidence = "",
       .reviewed_by = "bob"},
      {.id = "r3",
       .kind = RelationKind::kEquivalent,
       .a = {"m3", 0},
       .b = {"m4", 0},
       .confidence = 0,
       .provenance = Provenance::kLlmReviewed,
       .rule = "llm:m",
       .evidence = "e",
       .reviewed_by = "llm:m"},
  };
  const std::string json = WriteRelationsJson(in);
  absl::StatusOr<std::vector<Relation>> out = ParseRelationsFile(json);
  ASSERT_TRUE(out.ok()) << out.status() << "\n" << json;
  EXPECT_EQ(*out, in);
  // One relation per line, for diffs of reviewed files.
  EXPECT_EQ(std::count(json.begin(), json.end(), '\n'), 5);
  absl::StatusOr<std::vector<Relation>> empty = ParseRelationsFile(WriteRelationsJson({}));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
}

TEST(RelationFileTest, ReadsFileAndNamesPathInErrors) {
  absl::StatusOr<std::vector<Relation>> r =
      ReadRelationsFile(std::string(ARBOR_TEST_DATA_DIR) + "/relations/curated.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->size(), 4u);

  absl::StatusOr<std::vector<Relation>> missing = ReadRelationsFile("/nonexistent/relations.json");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);

  const std::string path =
      (std::filesystem::temp_directory_path() / "arbor_relations_bad.json").string();
  std::ofstream(path) << One(std::string(kMinimal) + R"(,"confidence":2)");
  absl::StatusOr<std::vector<Relation>> bad = ReadRelationsFile(path);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr(path + ": relations: "));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace arbor::relations
