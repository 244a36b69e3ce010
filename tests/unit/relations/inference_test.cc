// Rule-based inference: every rule with positive and negative cases (stems that differ by one
// word, non-cumulative "on" / "in" / "week of" dates, mismatched units, negations, contradicting
// end dates, non-yes/no markets), the candidate generators, determinism, the proto conversion and
// a 10k-market run.
#include "arbor/relations/inference.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arbor/relations/market_text.h"
#include "arbor/relations/relation_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "relation_printer.h"

namespace arbor::relations {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Unix ns of midnight UTC of a day.
int64_t Day(int y, int m, int d) {
  return absl::ToUnixNanos(absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone()));
}

MarketText M(std::string id, std::string question, int64_t end = 0, std::string event = "") {
  MarketText m;
  m.market_id = std::move(id);
  m.question = std::move(question);
  m.end_unix_nanos = end;
  m.event_id = event.empty() ? "event-" + m.market_id : std::move(event);
  m.outcomes = {"Yes", "No"};
  return m;
}

// ---- temporal ladders ----

TEST(TemporalLadderTest, EarlierDeadlineImpliesLater) {
  const MarketText march = M("m1", "Will the Fed cut rates by March 31, 2026?");
  const MarketText june = M("m2", "Will the Fed cut rates by June 30, 2026?");
  for (bool swapped : {false, true}) {
    std::optional<Relation> r =
        swapped ? TemporalLadderRule(june, march) : TemporalLadderRule(march, june);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->kind, RelationKind::kImplies);
    EXPECT_EQ(r->a, (OutcomeRef{"m1", 0}));
    EXPECT_EQ(r->b, (OutcomeRef{"m2", 0}));
    EXPECT_EQ(r->id, "implies:m1#0->m2#0");
    EXPECT_DOUBLE_EQ(r->confidence, 0.95);
    EXPECT_EQ(LabelFor(r->confidence), ConfidenceLabel::kHigh);
    EXPECT_EQ(r->provenance, Provenance::kInferred);
    EXPECT_EQ(r->rule, "temporal_ladder");
    EXPECT_THAT(r->evidence, HasSubstr("Will the Fed cut rates by March 31, 2026?"));
    EXPECT_THAT(r->evidence, HasSubstr("2026-03-31"));
    EXPECT_THAT(r->evidence, HasSubstr("will the fed cut rates <deadline>"));
  }
}

TEST(TemporalLadderTest, ParsesCommonDateForms) {
  struct Case {
    const char* early;
    const char* late;
  };
  const Case cases[] = {
      {"Will X happen by 2026-03-31?", "Will X happen by 2026-06-30?"},
      {"Will X happen by Q1 2026?", "Will X happen by the end of 2026?"},
      {"Will X happen by March 2026?", "Will X happen by June 2026?"},
      {"Will X happen by June 30, 2026?", "Will X happen before the end of 2026?"},
      {"Will X happen by end of 2026?", "Will X happen by end of 2027?"},
      {"Will X happen by 12/31/2026?", "Will X happen by March 1, 2027?"},
      {"By June 30, 2026, will X happen?", "By December 31, 2026, will X happen?"},
      {"Will X happen no later than June 2026?", "Will X happen by Q3 2026?"},
      {"Will X happen by March 31, 2026? (#17)", "Will X happen by June 30, 2026? (#18)"},
      {"Will X happen by 2026?", "Will X happen by 2027?"},
  };
  for (const Case& c : cases) {
    std::optional<Relation> r = TemporalLadderRule(M("late", c.late), M("early", c.early));
    ASSERT_TRUE(r.has_value()) << c.early << " / " << c.late;
    EXPECT_EQ(r->a.market_id, "early") << c.early;
    EXPECT_EQ(r->b.market_id, "late") << c.late;
  }
}

TEST(TemporalLadderTest, YearFromEndDateOrAssumed) {
  // "Dec 31" / "March": the year comes from each market's end date.
  std::optional<Relation> r =
      TemporalLadderRule(M("a", "Will X happen by Dec 31?", Day(2027, 1, 1)),
                         M("b", "Will X happen by March 31?", Day(2027, 3, 31)));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "a");  // 2026-12-31 before 2027-03-31
  EXPECT_DOUBLE_EQ(r->confidence, 0.92);
  EXPECT_EQ(LabelFor(r->confidence), ConfidenceLabel::kHigh);
  // Neither text nor metadata has a year: both assumed in the same year, medium confidence.
  r = TemporalLadderRule(M("a", "Will X happen by March?"), M("b", "Will X happen by June?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->confidence, 0.8);
  EXPECT_EQ(LabelFor(r->confidence), ConfidenceLabel::kMedium);
  // One side has a year, the other none and no end date: no relation.
  EXPECT_FALSE(
      TemporalLadderRule(M("a", "Will X happen by March 2026?"), M("b", "Will X happen by June?"))
          .has_value());
  // The end date is too far from any reading of the deadline.
  EXPECT_FALSE(TemporalLadderRule(M("a", "Will X happen by March?", Day(2026, 9, 30)),
                                  M("b", "Will X happen by June?", Day(2026, 6, 30)))
                   .has_value());
  // Custom confidences are used.
  RuleConfidences c;
  c.temporal = 0.5;
  r = TemporalLadderRule(M("a", "Will X happen by 2026-01-31?"),
                         M("b", "Will X happen by 2026-02-28?"), c);
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->confidence, 0.5);
}

TEST(TemporalLadderTest, NonCumulativeDatesNeverImply) {
  struct Case {
    const char* x;
    const char* y;
  };
  const Case cases[] = {
      {"Will X happen on March 31, 2026?", "Will X happen on June 30, 2026?"},
      {"Will X happen by March 31, 2026?", "Will X happen on June 30, 2026?"},
      {"Will X happen in March 2026?", "Will X happen in June 2026?"},
      {"Will X happen in the week of March 2, 2026?",
       "Will X happen in the week of March 9, 2026?"},
      {"Will X happen by March 31, 2026?", "Will X happen in the week of June 1, 2026?"},
      {"Will X happen during Q1 2026?", "Will X happen during Q2 2026?"},
      {"Will X happen after March 31, 2026?", "Will X happen after June 30, 2026?"},
      {"Kamala Harris divorce in 2025?", "Kamala Harris divorce in 2026?"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(TemporalLadderRule(M("x", c.x), M("y", c.y)).has_value()) << c.x << " / " << c.y;
  }
}

TEST(TemporalLadderTest, StemsMustMatchTokenForToken) {
  struct Case {
    const char* x;
    const char* y;
  };
  const Case cases[] = {
      // One word differs.
      {"Will the Fed cut rates by March 31, 2026?", "Will the Fed hike rates by June 30, 2026?"},
      {"Will Trump visit China by March 31, 2026?", "Will Trump visit Russia by June 30, 2026?"},
      // One word more.
      {"Will the Fed cut rates by March 31, 2026?",
       "Will the Fed cut rates twice by June 30, 2026?"},
      // Same deadline, or overlapping deadlines: no strict order.
      {"Will X happen by June 30, 2026?", "Will X happen by 2026-06-30?"},
      {"Will X happen by March 2026?", "Will X happen by March 15, 2026?"},
      {"Will X happen by June 30, 2026?", "Will X happen before July 1, 2026?"},
      // Negations flip the direction: not handled, so not related.
      {"Will the Fed not cut rates by March 31, 2026?",
       "Will the Fed not cut rates by June 30, 2026?"},
      {"Will Powell remain chair by March 31, 2026?", "Will Powell remain chair by June 30, 2026?"},
      // Two cumulative deadlines in one question: ambiguous.
      {"Will X happen by March 2026 and Y by June 2026?",
       "Will X happen by March 2026 and Y by July 2026?"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(TemporalLadderRule(M("x", c.x), M("y", c.y)).has_value()) << c.x << " / " << c.y;
  }
}

TEST(TemporalLadderTest, NeedsYesNoMarketsAndConsistentEndDates) {
  MarketText a = M("a", "Will X happen by March 31, 2026?");
  MarketText b = M("b", "Will X happen by June 30, 2026?");
  a.outcomes = {"Up", "Down"};
  EXPECT_FALSE(TemporalLadderRule(a, b).has_value());
  a.outcomes.clear();  // unknown outcomes (Kalshi): yes/no
  EXPECT_TRUE(TemporalLadderRule(a, b).has_value());
  // The earlier deadline's market ends months after the later one's: metadata contradicts text.
  a.end_unix_nanos = Day(2026, 12, 31);
  b.end_unix_nanos = Day(2026, 6, 30);
  EXPECT_FALSE(TemporalLadderRule(a, b).has_value());
  b.market_id = "a";  // the same market
  b.end_unix_nanos = a.end_unix_nanos;
  EXPECT_FALSE(TemporalLadderRule(a, b).has_value());
}

// ---- threshold ladders ----

TEST(ThresholdLadderTest, HigherImpliesLowerForUpwardComparators) {
  const MarketText hi = M("hi", "Will Bitcoin be above $120,000 on December 31, 2026?");
  const MarketText lo = M("lo", "Will Bitcoin be over $100k on December 31, 2026?");
  for (bool swapped : {false, true}) {
    std::optional<Relation> r = swapped ? ThresholdLadderRule(lo, hi) : ThresholdLadderRule(hi, lo);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->a.market_id, "hi");
    EXPECT_EQ(r->b.market_id, "lo");
    EXPECT_EQ(r->rule, "threshold_ladder");
    EXPECT_DOUBLE_EQ(r->confidence, 0.95);
    EXPECT_THAT(r->evidence, HasSubstr("<above:$>"));
  }
  std::optional<Relation> r =
      ThresholdLadderRule(M("a", "Will Trump get at least 270 electoral votes?"),
                          M("b", "Will Trump get at least 300 electoral votes?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "b");
  r = ThresholdLadderRule(M("a", "Will CPI be ≥ 3.5% in March?"),
                          M("b", "Will CPI be >= 3% in March?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "a");
  r = ThresholdLadderRule(M("a", "Will Labour win more than 10 seats?"),
                          M("b", "Will Labour win more than 12 seats?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "b");
  r = ThresholdLadderRule(M("a", "Will X win by 5+ points?"), M("b", "Will X win by 10+ points?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "b");
}

TEST(ThresholdLadderTest, LowerImpliesHigherForDownwardComparators) {
  std::optional<Relation> r = ThresholdLadderRule(M("a", "Will BTC close below $50k on June 30?"),
                                                  M("b", "Will BTC close under $60k on June 30?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "a");
  EXPECT_EQ(r->b.market_id, "b");
  r = ThresholdLadderRule(M("a", "Will the high in NYC be 30F or below on January 26?"),
                          M("b", "Will the high in NYC be 25F or below on January 26?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "b");
}

TEST(ThresholdLadderTest, TouchMarketsReachAndDip) {
  std::optional<Relation> r =
      ThresholdLadderRule(M("a", "Will Bitcoin reach $100k by June 30, 2026?"),
                          M("b", "Will Bitcoin reach $120k by June 30, 2026?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "b");
  EXPECT_DOUBLE_EQ(r->confidence, 0.9);  // relies on the touch wording: still high, lower
  EXPECT_THAT(r->evidence, HasSubstr("reach 120000 $"));
  r = ThresholdLadderRule(M("a", "Will Bitcoin dip to $80k in June?"),
                          M("b", "Will Bitcoin dip to $90k in June?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "a");
  // A touch and a level are different questions; "hit" is used both ways.
  EXPECT_FALSE(ThresholdLadderRule(M("a", "Will Bitcoin reach $100k in June?"),
                                   M("b", "Will Bitcoin be above $120k in June?"))
                   .has_value());
  EXPECT_FALSE(ThresholdLadderRule(M("a", "Will Bitcoin hit $100k in June?"),
                                   M("b", "Will Bitcoin hit $120k in June?"))
                   .has_value());
  // The same rung by two deadlines is a temporal ladder.
  r = TemporalLadderRule(M("a", "Will Bitcoin reach $100k by June 30, 2026?"),
                         M("b", "Will Bitcoin reach $100k by March 31, 2026?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "b");
}

TEST(ThresholdLadderTest, RejectsMismatchedUnitsStemsAndDirections) {
  struct Case {
    const char* x;
    const char* y;
  };
  const Case cases[] = {
      {"Will BTC be above $100k?", "Will BTC be above 120k?"},               // $ vs none
      {"Will CPI be above 3%?", "Will CPI be above 4 points?"},              // % vs points
      {"Will CPI be above 3%?", "Will CPI be above 4 bps?"},                 // % vs bps
      {"Will the high be 30F or below?", "Will the high be 25C or below?"},  // F vs C
      {"Will BTC be above $100k?", "Will ETH be above $120k?"},              // one word
      {"Will BTC be above $100k on June 30?", "Will BTC be above $120k on July 31?"},
      {"Will BTC be above $100k?", "Will BTC be below $120k?"},                  // directions
      {"Will BTC be above $100k?", "Will BTC be above $100,000?"},               // same threshold
      {"Will BTC not be above $100k?", "Will BTC not be above $120k?"},          // negation
      {"Will the high be between 26-27F?", "Will the high be between 28-29F?"},  // ranges
      {"Will BTC be above $100k or below $50k?", "Will BTC be above $120k or below $50k?"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(ThresholdLadderRule(M("x", c.x), M("y", c.y)).has_value()) << c.x << " / " << c.y;
  }
  // No date in the text: the end time is the horizon and must be the same.
  EXPECT_FALSE(ThresholdLadderRule(M("x", "Will BTC be above $100k?", Day(2026, 6, 30)),
                                   M("y", "Will BTC be above $120k?", Day(2026, 12, 31)))
                   .has_value());
  EXPECT_TRUE(ThresholdLadderRule(M("x", "Will BTC be above $100k?", Day(2026, 6, 30)),
                                  M("y", "Will BTC be above $120k?", Day(2026, 6, 30)))
                  .has_value());
}

// ---- parent / child ----

TEST(ParentChildTest, NarrowingQualifierImpliesParent) {
  const MarketText parent = M("p", "Will Trump win the 2028 presidential election?");
  struct Case {
    const char* child;
    double confidence;
  };
  const Case cases[] = {
      {"Will Trump win the 2028 presidential election by 5+ points?", 0.85},
      {"Will Trump win the 2028 presidential election by more than 100 electoral votes?", 0.85},
      {"Will Trump win the 2028 presidential election and the popular vote?", 0.9},
      {"Will Trump win the 2028 presidential election with over 50% of the vote?", 0.85},
      {"Will Trump win the 2028 presidential election in a landslide?", 0.85},
      {"Will Trump win the 2028 presidential election outright?", 0.85},
  };
  for (const Case& c : cases) {
    std::optional<Relation> r = ParentChildRule(parent, M("c", c.child));
    ASSERT_TRUE(r.has_value()) << c.child;
    EXPECT_EQ(r->a.market_id, "c");
    EXPECT_EQ(r->b.market_id, "p");
    EXPECT_EQ(r->kind, RelationKind::kImplies);
    EXPECT_EQ(r->rule, "parent_child");
    EXPECT_DOUBLE_EQ(r->confidence, c.confidence) << c.child;
    EXPECT_THAT(r->evidence, HasSubstr("narrows"));
  }
  std::optional<Relation> r =
      ParentChildRule(M("c", "Will Macron win the election in the first round?"),
                      M("p", "Will Macron win the election?"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->a.market_id, "c");
}

TEST(ParentChildTest, ConservativeOnEverythingElse) {
  struct Case {
    const char* x;
    const char* y;
  };
  const Case cases[] = {
      // Not a prefix: "wins Ohio" is not "wins the election" narrowed.
      {"Will Trump win the election?", "Will Trump win Ohio?"},
      {"Will Trump win the election?", "Will Trump win the Ohio election?"},
      // Broadening or meaning-changing qualifiers.
      {"Will Trump win the election?", "Will Trump win the election or concede?"},
      {"Will Trump win the election?", "Will Trump win the election in 2028?"},
      {"Will Trump win the election?", "Will Trump win the election by March 2028?"},
      {"Will Trump win the election?", "Will Trump win the election again?"},
      {"Will Trump win the election?", "Will Trump win the election without a recount?"},
      {"Will Trump win the election?", "Will Trump win the election and not the popular vote?"},
      {"Will Trump win the election?", "Will Trump win the election by KO?"},
      // A negated parent.
      {"Will Trump not win the election?", "Will Trump not win the election by 5+ points?"},
      // Too short a parent to mean anything.
      {"Will it?", "Will it and more?"},
      // Identical questions are not parent/child.
      {"Will Trump win the election?", "Will Trump win the election?"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(ParentChildRule(M("x", c.x), M("y", c.y)).has_value()) << c.x << " / " << c.y;
  }
  // The child must not resolve after its parent.
  EXPECT_FALSE(ParentChildRule(M("p", "Will X win the final?", Day(2026, 6, 1)),
                               M("c", "Will X win the final by 2+ goals?", Day(2026, 9, 1)))
                   .has_value());
}

// ---- equivalence and NegRisk exclusion ----

TEST(EquivalenceTest, SameQuestionDifferentEventsSameEnd) {
  const int64_t kGap = 86'400'000'000'000;
  MarketText x = M("x", "Will the Fed cut rates in March 2026?", Day(2026, 3, 18), "e1");
  MarketText y =
      M("y", "will the FED cut rates in March, 2026", Day(2026, 3, 18) + 3600'000'000'000, "e2");
  std::optional<Relation> r = EquivalenceRule(y, x, kGap);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, RelationKind::kEquivalent);
  EXPECT_EQ(r->a.market_id, "x");  // symmetric: ordered
  EXPECT_EQ(r->b.market_id, "y");
  EXPECT_EQ(r->rule, "negrisk_equivalence");
  EXPECT_DOUBLE_EQ(r->confidence, 0.9);
  // Same event, different ends, unknown end, one word different: no.
  MarketText same_event = y;
  same_event.event_id = "e1";
  EXPECT_FALSE(EquivalenceRule(x, same_event, kGap).has_value());
  MarketText later = y;
  later.end_unix_nanos = Day(2026, 4, 30);
  EXPECT_FALSE(EquivalenceRule(x, later, kGap).has_value());
  MarketText unknown = y;
  unknown.end_unix_nanos = 0;
  EXPECT_FALSE(EquivalenceRule(x, unknown, kGap).has_value());
  EXPECT_FALSE(
      EquivalenceRule(x, M("z", "Will the Fed hike rates in March 2026?", Day(2026, 3, 18), "e3"),
                      kGap)
          .has_value());
}

TEST(NegRiskExclusionTest, MembersOfOneNegRiskEventExclude) {
  MarketText a = M("a", "Will Alice win the nomination?", Day(2028, 8, 1), "ev");
  MarketText b = M("b", "Will Bob win the nomination?", Day(2028, 8, 1), "ev");
  a.neg_risk = b.neg_risk = true;
  a.neg_risk_market_id = b.neg_risk_market_id = "0xnr";
  std::optional<Relation> r = NegRiskExclusionRule(b, a);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, RelationKind::kExcludes);
  EXPECT_EQ(r->id, "excludes:a#0->b#0");
  EXPECT_DOUBLE_EQ(r->confidence, 0.99);
  b.neg_risk_market_id = "0xother";
  EXPECT_FALSE(NegRiskExclusionRule(a, b).has_value());
  b.neg_risk_market_id = "0xnr";
  b.neg_risk = false;
  EXPECT_FALSE(NegRiskExclusionRule(a, b).has_value());
}

// ---- the whole pipeline ----

std::vector<MarketText> Fixture() {
  absl::StatusOr<std::vector<MarketText>> m = [] {
    std::ifstream in(std::string(ARBOR_TEST_DATA_DIR) + "/relations/markets.json");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return ParseMarketTexts(text);
  }();
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : std::vector<MarketText>{};
}

std::vector<std::string> Ids(const std::vector<Relation>& rs) {
  std::vector<std::string> out;
  for (const Relation& r : rs) out.push_back(r.id);
  return out;
}

TEST(InferRelationsTest, FixtureProducesExpectedRelations) {
  const std::vector<MarketText> markets = Fixture();
  ASSERT_EQ(markets.size(), 9u);
  InferenceResult r = InferRelations(markets);
  EXPECT_THAT(Ids(r.relations),
              UnorderedElementsAre("implies:fed-cut-by-mar-2026#0->fed-cut-by-jun-2026#0",
                                   "implies:btc-above-120k-dec#0->btc-above-100k-dec#0"));
  EXPECT_TRUE(std::is_sorted(r.relations.begin(), r.relations.end(),
                             [](const Relation& a, const Relation& b) { return a.id < b.id; }));
  EXPECT_EQ(r.stats.markets, 9u);
  EXPECT_EQ(r.stats.yes_no_markets, 8u);  // the Up/Down market takes part in nothing
  EXPECT_EQ(r.stats.relations_by_rule.at("temporal_ladder"), 1u);
  EXPECT_EQ(r.stats.relations_by_rule.at("threshold_ladder"), 1u);
  EXPECT_GT(r.stats.pairs_checked, 0u);

  InferenceOptions with_negrisk;
  with_negrisk.emit_negrisk_exclusions = true;
  r = InferRelations(markets, with_negrisk);
  EXPECT_EQ(r.relations.size(), 3u);
  EXPECT_EQ(r.stats.relations_by_rule.at("negrisk_equivalence"), 1u);
  // The output is a valid relations file.
  absl::StatusOr<std::vector<Relation>> parsed =
      ParseRelationsFile(WriteRelationsJson(r.relations));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, r.relations);
}

TEST(InferRelationsTest, DeterministicWhateverTheInputOrder) {
  std::vector<MarketText> markets = Fixture();
  InferenceOptions options;
  options.emit_negrisk_exclusions = true;
  const InferenceResult first = InferRelations(markets, options);
  std::mt19937 rng(7);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(markets.begin(), markets.end(), rng);
    EXPECT_EQ(InferRelations(markets, options).relations, first.relations);
  }
}

TEST(InferRelationsTest, LadderRungsAllRelatedAndBucketsCapped) {
  std::vector<MarketText> markets = {M("q1", "Will X happen by March 31, 2026?"),
                                     M("q2", "Will X happen by June 30, 2026?"),
                                     M("q3", "Will X happen by September 30, 2026?"),
                                     M("q4", "Will X happen by December 31, 2026?")};
  InferenceOptions options;
  options.min_similarity = 1.01;  // no TF-IDF candidates: buckets only
  InferenceResult r = InferRelations(markets, options);
  EXPECT_EQ(r.relations.size(), 6u);  // every ordered pair of rungs
  EXPECT_EQ(r.stats.tfidf_pairs, 0u);
  options.max_bucket_size = 3;
  r = InferRelations(markets, options);
  EXPECT_TRUE(r.relations.empty());
  EXPECT_GE(r.stats.oversized_buckets, 1u);
  // TF-IDF alone finds the same pairs (identical term vectors).
  options.min_similarity = 0.5;
  r = InferRelations(markets, options);
  EXPECT_EQ(r.relations.size(), 6u);
  EXPECT_GT(r.stats.tfidf_pairs, 0u);
}

TEST(InferRelationsTest, EquivalencesOptional) {
  std::vector<MarketText> markets = {M("a", "Will X happen?", Day(2026, 6, 30), "e1"),
                                     M("b", "Will X happen?", Day(2026, 6, 30), "e2")};
  EXPECT_EQ(InferRelations(markets).relations.size(), 1u);
  InferenceOptions options;
  options.emit_equivalences = false;
  EXPECT_TRUE(InferRelations(markets, options).relations.empty());
}

TEST(InferRelationsTest, SkipsUnusableMarkets) {
  std::vector<MarketText> markets = {M("a", "Will X happen by March 31, 2026?"),
                                     M("", "Will X happen by June 30, 2026?"), M("c", ""),
                                     M("d", "?")};
  InferenceResult r = InferRelations(markets);
  EXPECT_TRUE(r.relations.empty());
  EXPECT_EQ(r.stats.yes_no_markets, 1u);
}

TEST(MarketTextTest, FromProto) {
  v1::Market m;
  m.set_market_id("0xabc");
  m.set_event_id("ev1");
  m.set_question("Will X?");
  m.set_slug("will-x");
  m.set_end_unix_nanos(123);
  m.add_outcomes("Yes");
  m.add_outcomes("No");
  m.mutable_neg_risk()->set_neg_risk(true);
  m.mutable_neg_risk()->set_neg_risk_market_id("0xnr");
  const MarketText t = MarketTextFromProto(m);
  EXPECT_EQ(t.market_id, "0xabc");
  EXPECT_EQ(t.event_id, "ev1");
  EXPECT_EQ(t.question, "Will X?");
  EXPECT_EQ(t.slug, "will-x");
  EXPECT_EQ(t.end_unix_nanos, 123);
  EXPECT_TRUE(t.neg_risk);
  EXPECT_EQ(t.neg_risk_market_id, "0xnr");
  EXPECT_THAT(t.outcomes, ::testing::ElementsAre("Yes", "No"));
  EXPECT_TRUE(IsYesNoMarket(t));
}

TEST(MarketTextTest, ParsesStrictlyAndRoundTrips) {
  const std::vector<MarketText> markets = Fixture();
  absl::StatusOr<std::vector<MarketText>> again = ParseMarketTexts(WriteMarketTextsJson(markets));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, markets);
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {"{}", "top level must be an array"},
      {"[1]", "markets[0]: not an object"},
      {R"([{"question":"q"}])", "markets[0].market_id: missing"},
      {R"([{"market_id":"m"}])", "markets[0] (market_id \"m\").question: missing"},
      {R"([{"market_id":"m","question":""}])", "question: empty"},
      {R"([{"market_id":"m","question":"q","end":1}])", "end: unknown key"},
      {R"([{"market_id":"m","question":"q","end_unix_nanos":"1"}])", "not an integer"},
      {R"([{"market_id":"m","question":"q","end_unix_nanos":-1}])", "must be >= 0"},
      {R"([{"market_id":"m","question":"q","neg_risk":1}])", "neg_risk: not a boolean"},
      {R"([{"market_id":"m","question":"q","outcomes":"Yes,No"}])", "not an array of strings"},
      {R"([{"market_id":"m","question":"q","outcomes":[1]}])", "not an array of strings"},
      {R"([{"market_id":"m","question":"q","slug":"a","slug":"b"}])", "slug: given twice"},
      {R"([{"market_id":"m","question":"q"},{"market_id":"m","question":"r"}])",
       "markets[1] (market_id \"m\").market_id: duplicate market_id"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<MarketText>> m = ParseMarketTexts(c.json);
    ASSERT_FALSE(m.ok()) << c.json;
    EXPECT_THAT(std::string(m.status().message()), HasSubstr(c.message)) << c.json;
  }
}

// 10k markets: 2000 families of 5 (a 3-rung temporal ladder and a 2-rung threshold ladder), with
// distinct subjects. Every expected relation is found and nothing else; no timing is asserted
// (the figure is in docs/relations.md).
TEST(InferRelationsTest, TenThousandMarkets) {
  const std::vector<std::string> people = {
      "alice", "bruno", "chen",  "dmitri", "elena", "farah", "gustav", "hiro", "ines", "jonas",
      "kofi",  "lena",  "mateo", "nadia",  "omar",  "priya", "quinn",  "rosa", "sven", "tariq"};
  const std::vector<std::string> verbs = {"visit",   "sign",  "announce", "win",  "launch",
                                          "approve", "leave", "join",     "sell", "buy"};
  const std::vector<std::string> things = {"paris",     "tokyo",      "the treaty", "the merger",
                                           "the award", "the summit", "the league", "the rocket",
                                           "the bill",  "the stake"};
  std::vector<MarketText> markets;
  size_t family = 0;
  for (const std::string& p : people) {
    for (const std::string& v : verbs) {
      for (const std::string& t : things) {
        const std::string subject = absl::StrCat("Will ", p, " ", v, " ", t);
        const std::string id = absl::StrCat("f", family);
        markets.push_back(M(id + "-t1", subject + " by March 31, 2026?"));
        markets.push_back(M(id + "-t2", subject + " by June 30, 2026?"));
        markets.push_back(M(id + "-t3", subject + " by December 31, 2026?"));
        markets.push_back(M(id + "-h1", subject + " with more than 100 votes on July 1?"));
        markets.push_back(M(id + "-h2", subject + " with more than 200 votes on July 1?"));
        ++family;
      }
    }
  }
  ASSERT_EQ(markets.size(), 10'000u);
  const InferenceResult r = InferRelations(markets);
  std::set<std::string> expected;
  for (size_t f = 0; f < family; ++f) {
    const std::string id = absl::StrCat("f", f);
    expected.insert(absl::StrCat("implies:", id, "-t1#0->", id, "-t2#0"));
    expected.insert(absl::StrCat("implies:", id, "-t1#0->", id, "-t3#0"));
    expected.insert(absl::StrCat("implies:", id, "-t2#0->", id, "-t3#0"));
    expected.insert(absl::StrCat("implies:", id, "-h2#0->", id, "-h1#0"));
  }
  const std::vector<std::string> ids = Ids(r.relations);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
  EXPECT_EQ(r.stats.yes_no_markets, 10'000u);
}

}  // namespace
}  // namespace arbor::relations
