// The cross-venue mapping file parser: a full entry, defaults, and every strictness rule (each
// error names the entry and field), plus the resolution-source comparison.
#include "arbor/lanes/venue_mapping.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::lanes {
namespace {

using ::testing::HasSubstr;

// A file with one pair whose body (without braces) is `pair`.
std::string OnePair(const std::string& pair) { return R"({"version":1,"pairs":[{)" + pair + "}]}"; }

constexpr const char* kMinimal =
    R"("id":"p1","polymarket_market_id":"0xabc","kalshi_market_id":"KX-1",)"
    R"("equivalence":"identical","confidence":0.95)";

TEST(VenueMappingTest, ParsesEveryField) {
  absl::StatusOr<VenueMapping> m = ParseVenueMapping(R"({
    "version": 1,
    "pairs": [
      {"id": "fed-cut", "polymarket_market_id": "0xabc", "kalshi_market_id": "KXFED-26DEC",
       "equivalence": "identical", "confidence": 0.97,
       "polymarket_resolution_source": "https://www.federalreserve.gov",
       "kalshi_resolution_source": "Federal Reserve", "max_horizon_gap_seconds": 3600,
       "polymarket_outcome_of_kalshi_yes": 1, "reviewed_by": "alice", "note": "checked"},
      {"id": "btc", "polymarket_market_id": "0xdef", "kalshi_market_id": "KXBTC",
       "equivalence": "same_question_different_source", "confidence": 1}
    ]})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->version, 1);
  ASSERT_EQ(m->pairs.size(), 2u);
  const MappingPair& p = m->pairs[0];
  EXPECT_EQ(p.id, "fed-cut");
  EXPECT_EQ(p.polymarket_market_id, "0xabc");
  EXPECT_EQ(p.kalshi_market_id, "KXFED-26DEC");
  EXPECT_EQ(p.equivalence, Equivalence::kIdentical);
  EXPECT_DOUBLE_EQ(p.confidence, 0.97);
  EXPECT_EQ(p.polymarket_resolution_source, "https://www.federalreserve.gov");
  EXPECT_EQ(p.kalshi_resolution_source, "Federal Reserve");
  EXPECT_EQ(p.max_horizon_gap_seconds, 3600);
  EXPECT_EQ(p.polymarket_outcome_of_kalshi_yes, 1);
  EXPECT_EQ(p.reviewed_by, "alice");
  EXPECT_EQ(p.note, "checked");
  // Defaults; an integer confidence is a number.
  const MappingPair& q = m->pairs[1];
  EXPECT_EQ(q.equivalence, Equivalence::kSameQuestionDifferentSource);
  EXPECT_DOUBLE_EQ(q.confidence, 1.0);
  EXPECT_EQ(q.max_horizon_gap_seconds, kDefaultMaxHorizonGapSeconds);
  EXPECT_EQ(q.polymarket_outcome_of_kalshi_yes, 0);
  EXPECT_TRUE(q.polymarket_resolution_source.empty());
  EXPECT_TRUE(q.reviewed_by.empty());
}

TEST(VenueMappingTest, EveryEquivalenceNameRoundTrips) {
  for (Equivalence e : {Equivalence::kIdentical, Equivalence::kSameQuestionDifferentSource,
                        Equivalence::kSubset, Equivalence::kSuperset, Equivalence::kRelated}) {
    const std::string body =
        R"("id":"p","polymarket_market_id":"a","kalshi_market_id":"b","confidence":1,)"
        R"("equivalence":")" +
        std::string(EquivalenceName(e)) + "\"";
    absl::StatusOr<VenueMapping> m = ParseVenueMapping(OnePair(body));
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->pairs[0].equivalence, e);
  }
}

TEST(VenueMappingTest, EmptyPairListIsValid) {
  absl::StatusOr<VenueMapping> m = ParseVenueMapping(R"({"pairs":[],"version":1})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->pairs.empty());
}

struct BadCase {
  const char* name;
  std::string json;
  const char* message;  // substring of the error
};

TEST(VenueMappingTest, StrictErrorsNameTheEntryAndField) {
  const std::string base = kMinimal;
  const BadCase cases[] = {
      {"invalid json", "{", "mapping: invalid JSON"},
      {"not an object", "[]", "top level must be an object"},
      {"top-level unknown key", R"({"version":1,"pairs":[],"extra":1})",
       "mapping: extra: unknown key"},
      {"version missing", R"({"pairs":[]})", "version: missing"},
      {"version 2", R"({"version":2,"pairs":[]})", "version: must be the integer 1"},
      {"version string", R"({"version":"1","pairs":[]})", "version: must be the integer 1"},
      {"version twice", R"({"version":1,"version":1,"pairs":[]})", "version: given twice"},
      {"pairs missing", R"({"version":1})", "pairs: missing"},
      {"pairs not array", R"({"version":1,"pairs":{}})", "pairs: not an array"},
      {"entry not object", R"({"version":1,"pairs":[3]})", "pairs[0]: not an object"},
      {"unknown key", OnePair(base + R"(,"confidnce":0.9)"),
       "pairs[0] (id \"p1\").confidnce: unknown key"},
      {"repeated key", OnePair(base + R"(,"note":"a","note":"b")"),
       "pairs[0] (id \"p1\").note: given twice"},
      {"id missing",
       OnePair(R"("polymarket_market_id":"a","kalshi_market_id":"b","equivalence":"identical",)"
               R"("confidence":1)"),
       "pairs[0].id: missing"},
      {"id empty",
       OnePair(R"("id":"","polymarket_market_id":"a","kalshi_market_id":"b",)"
               R"("equivalence":"identical","confidence":1)"),
       "pairs[0].id: empty"},
      {"id not string",
       OnePair(R"("id":7,"polymarket_market_id":"a","kalshi_market_id":"b",)"
               R"("equivalence":"identical","confidence":1)"),
       "pairs[0].id: not a string"},
      {"kalshi id missing",
       OnePair(R"("id":"p1","polymarket_market_id":"a","equivalence":"identical","confidence":1)"),
       "pairs[0] (id \"p1\").kalshi_market_id: missing"},
      {"polymarket id empty",
       OnePair(R"("id":"p1","polymarket_market_id":"","kalshi_market_id":"b",)"
               R"("equivalence":"identical","confidence":1)"),
       "pairs[0] (id \"p1\").polymarket_market_id: empty"},
      {"equivalence missing",
       OnePair(R"("id":"p1","polymarket_market_id":"a","kalshi_market_id":"b","confidence":1)"),
       "(id \"p1\").equivalence: missing"},
      {"equivalence unknown",
       OnePair(R"("id":"p1","polymarket_market_id":"a","kalshi_market_id":"b",)"
               R"("equivalence":"same","confidence":1)"),
       "(id \"p1\").equivalence: unknown equivalence \"same\""},
      {"confidence missing",
       OnePair(
           R"("id":"p1","polymarket_market_id":"a","kalshi_market_id":"b","equivalence":"identical")"),
       "(id \"p1\").confidence: missing"},
      {"confidence above 1",
       OnePair(R"("id":"p1","polymarket_market_id":"a","kalshi_market_id":"b",)"
               R"("equivalence":"identical","confidence":1.5)"),
       "(id \"p1\").confidence: must be in [0, 1]"},
      {"confidence negative",
       OnePair(R"("id":"p1","polymarket_market_id":"a","kalshi_market_id":"b",)"
               R"("equivalence":"identical","confidence":-0.1)"),
       "(id \"p1\").confidence: must be in [0, 1]"},
      {"confidence string",
       OnePair(R"("id":"p1","polymarket_market_id":"a","kalshi_market_id":"b",)"
               R"("equivalence":"identical","confidence":"0.9")"),
       "(id \"p1\").confidence: not a number"},
      {"confidence bool",
       OnePair(R"("id":"p1","polymarket_market_id":"a","kalshi_market_id":"b",)"
               R"("equivalence":"identical","confidence":true)"),
       "(id \"p1\").confidence: not a number"},
      {"gap negative", OnePair(base + R"(,"max_horizon_gap_seconds":-1)"),
       "(id \"p1\").max_horizon_gap_seconds: must be >= 0"},
      {"gap fractional", OnePair(base + R"(,"max_horizon_gap_seconds":1.5)"),
       "(id \"p1\").max_horizon_gap_seconds: not an integer"},
      {"gap too large", OnePair(base + R"(,"max_horizon_gap_seconds":18446744073709551615)"),
       "(id \"p1\").max_horizon_gap_seconds: must be >= 0 and fit in int64"},
      {"outcome 2", OnePair(base + R"(,"polymarket_outcome_of_kalshi_yes":2)"),
       "(id \"p1\").polymarket_outcome_of_kalshi_yes: must be the integer 0 or 1"},
      {"note not string", OnePair(base + R"(,"note":null)"), "(id \"p1\").note: not a string"},
      {"source not string", OnePair(base + R"(,"kalshi_resolution_source":["x"])"),
       "(id \"p1\").kalshi_resolution_source: not a string"},
      {"duplicate id",
       R"({"version":1,"pairs":[{)" + base +
           R"(},{"id":"p1","polymarket_market_id":"0xz",)"
           R"("kalshi_market_id":"KX-2","equivalence":"identical","confidence":1}]})",
       "pairs[1] (id \"p1\").id: duplicate id"},
      {"duplicate market pair",
       R"({"version":1,"pairs":[{)" + base +
           R"(},{"id":"p2","polymarket_market_id":"0xabc",)"
           R"("kalshi_market_id":"KX-1","equivalence":"identical","confidence":1}]})",
       "pairs[1] (id \"p2\"): duplicate market pair (0xabc, KX-1)"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<VenueMapping> m = ParseVenueMapping(c.json);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(m.status().message()), HasSubstr(c.message));
  }
  // The control: the base entry alone parses.
  EXPECT_TRUE(ParseVenueMapping(OnePair(base)).ok());
}

TEST(VenueMappingTest, ReadsAFile) {
  const std::string path = ::testing::TempDir() + "/venue_mapping_test.json";
  {
    std::ofstream out(path);
    out << OnePair(kMinimal);
  }
  absl::StatusOr<VenueMapping> m = ReadVenueMappingFile(path);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->pairs.at(0).id, "p1");
  {
    std::ofstream out(path);
    out << OnePair(std::string(kMinimal) + R"(,"extra":1)");
  }
  m = ReadVenueMappingFile(path);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), HasSubstr(path + ": mapping: pairs[0]"));
  std::remove(path.c_str());
  EXPECT_EQ(ReadVenueMappingFile(path).status().code(), absl::StatusCode::kNotFound);
}

TEST(VenueMappingTest, ResolutionSourcesCompareTrimmedAndCaseInsensitive) {
  EXPECT_TRUE(SameResolutionSource("Associated Press", "  associated press\n"));
  EXPECT_TRUE(SameResolutionSource("", " "));
  EXPECT_FALSE(SameResolutionSource("Associated Press", "Reuters"));
  EXPECT_FALSE(SameResolutionSource("AP", "A P"));
}

}  // namespace
}  // namespace arbor::lanes
