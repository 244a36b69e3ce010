#include "arbor/sim/scenario.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

using ::testing::HasSubstr;

const std::string kDefault = std::string(ARBOR_SCENARIO_DIR) + "/default.json";

TEST(ScenarioTest, DefaultScenarioBuildsTwoThousandMarketsAndInjectsItsMispricings) {
  absl::StatusOr<Scenario> s = LoadScenarioFile(kDefault);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "default");
  EXPECT_EQ(s->dynamics.half_spread, Price::FromMicros(10'000));
  ASSERT_EQ(s->mispricings.size(), 8u);
  EXPECT_EQ(s->mispricings[6].kind, MispricingKind::kImpliesViolation);
  EXPECT_EQ(s->mispricings[7].kind, MispricingKind::kExcludesViolation);
  // Edges clear the worst-case taker fees of their kind (docs/venue_sim.md), so every
  // injection is a real arbitrage for the lanes.
  EXPECT_EQ(s->mispricings[2].edge, Price::FromMicros(80'000));
  absl::StatusOr<std::unique_ptr<Exchange>> ex = BuildExchange(*s);
  ASSERT_TRUE(ex.ok()) << ex.status();
  EXPECT_GE((*ex)->universe().markets.size(), 2000u);
  for (int step = 1; step <= 100; ++step) {
    const absl::Status st = (*ex)->Step(step * 1000);
    ASSERT_TRUE(st.ok()) << "step " << step << ": " << st;
  }
  EXPECT_EQ((*ex)->mispricing_history().size(), 8u);
  EXPECT_EQ((*ex)->universe().relations.size(), 128u);
  EXPECT_EQ((*ex)->universe().kalshi.size(), 160u);
}

struct BadCase {
  const char* json;
  const char* reason;
};

TEST(ScenarioTest, RejectsAnythingItDoesNotUnderstandWithTheField) {
  const BadCase cases[] = {
      {R"({"nmae":"x"})", "scenario.nmae\": unknown key"},
      {R"({"universe":{"markets":5}})", "universe.markets\": unknown key"},
      {R"({"dynamics":{"half_spread":0.01}})", "dynamics.half_spread\": expected a decimal string"},
      {R"({"dynamics":{"quote_size":"1.0000001"}})", "more than 6 decimal places"},
      {R"({"mispricings":[{"kind":"free_money"}]})", "unknown kind \"free_money\""},
      {R"({"seed":"one"})", "\"seed\""},
      {R"({"seed":1} trailing)", "trailing content"},
      {R"({"universe":)", ""},
  };
  for (const BadCase& c : cases) {
    absl::StatusOr<Scenario> s = ParseScenario(c.json);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.reason)) << c.json;
  }
  EXPECT_EQ(LoadScenarioFile("/nonexistent/scenario.json").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ScenarioTest, AbsentSectionsKeepDefaults) {
  absl::StatusOr<Scenario> s = ParseScenario(R"({"seed": 4})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->seed, 4u);
  EXPECT_EQ(s->universe.binary_markets, UniverseSpec{}.binary_markets);
  EXPECT_TRUE(s->mispricings.empty());
}

TEST(ScenarioTest, ParsesRelationViolationsAndTheRelationSpacing) {
  absl::StatusOr<Scenario> s = ParseScenario(
      R"({"universe":{"relation_every":30},"mispricings":[)"
      R"({"kind":"implies_violation","at_step":2,"target":0,"edge":"0.03","duration_steps":4},)"
      R"({"kind":"excludes_violation","at_step":3,"target":1,"edge":"0.02"}]})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->universe.relation_every, 30);
  ASSERT_EQ(s->mispricings.size(), 2u);
  EXPECT_EQ(s->mispricings[0].kind, MispricingKind::kImpliesViolation);
  EXPECT_EQ(s->mispricings[0].edge, Price::FromMicros(30'000));
  EXPECT_EQ(s->mispricings[1].kind, MispricingKind::kExcludesViolation);
  EXPECT_EQ(s->mispricings[1].target, 1);
  const absl::StatusOr<Scenario> bad = ParseScenario(R"({"universe":{"relation_every":"x"}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("universe.relation_every"));
}

}  // namespace
}  // namespace arbor::sim
