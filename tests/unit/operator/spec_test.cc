#include "arbor/trading_policy/spec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::trading_policy {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json ValidSpec() {
  return json::parse(R"({
    "lanes": [{"name": "binary", "weightBps": 6000},
              {"name": "negrisk", "weightBps": 4000, "enabled": false}],
    "stages": [
      {"name": "probe", "capitalCapCents": 5000, "minDuration": "1h30m", "minSamples": 10,
       "lanes": ["binary"],
       "gates": {"maxDrawdownCents": 1500, "minFillReliabilityBps": 9000,
                 "minRealizedPnlCents": -500}},
      {"name": "target", "capitalCapCents": 20000, "minDuration": "48h",
       "requiresApproval": true}],
    "risk": {"maxOrderNotionalCents": 2500, "dailyLossCapCents": 2000,
             "maxDrawdownCents": 3000, "reduceDrawdownCents": 1000, "legFailurePolicy": "Hedge",
             "legTimeout": "1500ms"},
    "feed": {"preferredMode": "Hybrid", "maxAssetsPerConnection": 250},
    "failover": {"executorUnhealthyAfter": "45s", "killSwitchOnExecutorLoss": false},
    "approvedStage": 1, "onGateFailure": "Hold"
  })");
}

std::string ErrorOf(const json& spec) {
  auto parsed = ParsePolicySpec(spec);
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? std::string() : std::string(parsed.status().message());
}

TEST(PolicySpecTest, ParsesEveryField) {
  auto spec = ParsePolicySpec(ValidSpec());
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->lanes.size(), 2u);
  EXPECT_EQ(spec->lanes[0].lane, v1::LANE_BINARY);
  EXPECT_FALSE(spec->lanes[1].enabled);
  ASSERT_EQ(spec->stages.size(), 2u);
  EXPECT_EQ(spec->stages[0].min_duration, absl::Minutes(90));
  EXPECT_EQ(spec->stages[0].lanes, std::vector<v1::Lane>{v1::LANE_BINARY});
  EXPECT_EQ(*spec->stages[0].gates.min_realized_pnl_cents, -500);
  EXPECT_FALSE(spec->stages[0].gates.max_error_rate_bps.has_value());
  EXPECT_TRUE(spec->stages[1].requires_approval);
  EXPECT_EQ(spec->risk.leg_failure, LegFailure::kHedge);
  EXPECT_EQ(spec->risk.leg_timeout, absl::Milliseconds(1500));
  EXPECT_EQ(spec->risk.price_tolerance_bps, 300);  // CRD default when absent
  EXPECT_EQ(spec->feed.preferred_mode, FeedModeSpec::kHybrid);
  EXPECT_EQ(spec->failover.executor_unhealthy_after, absl::Seconds(45));
  EXPECT_FALSE(spec->failover.kill_switch_on_executor_loss);
  EXPECT_EQ(spec->on_gate_failure, GateFailureAction::kHold);
  EXPECT_EQ(spec->approved_stage, 1);
}

// Each CEL rule of the CRD has a counterpart with the same message.
TEST(PolicySpecTest, MirrorsTheCrdCelRules) {
  json s = ValidSpec();
  s["lanes"][0]["weightBps"] = 5000;
  EXPECT_THAT(ErrorOf(s), HasSubstr("lane weights (weightBps) must sum to 10000"));

  s = ValidSpec();
  s["stages"][1]["capitalCapCents"] = 100;
  EXPECT_THAT(ErrorOf(s), HasSubstr("capital caps (capitalCapCents) must be non-decreasing"));

  s = ValidSpec();
  s["stages"][0]["lanes"] = json::array({"cross_venue"});
  EXPECT_THAT(ErrorOf(s), HasSubstr("must be declared in spec.lanes"));

  s = ValidSpec();
  s["safeStage"] = 2;
  EXPECT_THAT(ErrorOf(s), HasSubstr("safeStage must be the index of a stage"));

  s = ValidSpec();
  s["approvedStage"] = 5;
  EXPECT_THAT(ErrorOf(s), HasSubstr("approvedStage must be the index of a stage"));

  s = ValidSpec();
  s["risk"]["reduceDrawdownCents"] = 4000;
  EXPECT_THAT(ErrorOf(s), HasSubstr("reduceDrawdownCents must not exceed maxDrawdownCents"));

  s = ValidSpec();
  s["stages"][0]["minDuration"] = "721h";
  EXPECT_THAT(ErrorOf(s), HasSubstr("at most 720h"));
}

TEST(PolicySpecTest, RejectsMalformedFieldsWithTheirPath) {
  json s = ValidSpec();
  s["stages"][1]["minDuration"] = "two days";
  EXPECT_THAT(ErrorOf(s), HasSubstr("spec.stages[1].minDuration"));

  s = ValidSpec();
  s["lanes"][1]["name"] = "martingale";
  EXPECT_THAT(ErrorOf(s), HasSubstr("unknown lane \"martingale\""));

  s = ValidSpec();
  s["lanes"][1]["name"] = "binary";
  EXPECT_THAT(ErrorOf(s), HasSubstr("duplicate lane"));

  s = ValidSpec();
  s["stages"][0]["gates"]["minFillReliabilityBps"] = 10001;
  EXPECT_THAT(ErrorOf(s), HasSubstr("spec.stages[0].gates.minFillReliabilityBps"));

  s = ValidSpec();
  s["risk"]["maxOrderNotionalCents"] = "25.00";
  EXPECT_THAT(ErrorOf(s), HasSubstr("spec.risk.maxOrderNotionalCents: must be an integer"));

  s = ValidSpec();
  s["risk"].erase("dailyLossCapCents");
  EXPECT_THAT(ErrorOf(s), HasSubstr("spec.risk.dailyLossCapCents: is required"));

  s = ValidSpec();
  s["stages"][0]["name"] = "Probe_1";
  EXPECT_THAT(ErrorOf(s), HasSubstr("DNS label"));

  s = ValidSpec();
  s["feed"]["maxAssetsPerConnection"] = 501;
  EXPECT_THAT(ErrorOf(s), HasSubstr("spec.feed.maxAssetsPerConnection"));

  EXPECT_THAT(ErrorOf(json::array()), HasSubstr("spec: must be an object"));
}

TEST(PolicySpecTest, GoDurations) {
  EXPECT_EQ(*ParseGoDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseGoDuration("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(*ParseGoDuration("2.5s"), absl::Milliseconds(2500));
  for (const char* bad : {"", "5", "-1s", "1d", "1h 30m", "inf"}) {
    EXPECT_FALSE(ParseGoDuration(bad).ok()) << bad;
  }
}

TEST(PolicySpecTest, StagesHashCoversStagesAndLanesOnly) {
  const json base = ValidSpec();
  json risk_edit = base;
  risk_edit["risk"]["dailyLossCapCents"] = 1;
  risk_edit["suspend"] = true;
  EXPECT_EQ(StagesHash(base), StagesHash(risk_edit));
  json stage_edit = base;
  stage_edit["stages"][0]["minSamples"] = 11;
  EXPECT_NE(StagesHash(base), StagesHash(stage_edit));
  json lane_edit = base;
  lane_edit["lanes"][0]["weightBps"] = 6001;
  EXPECT_NE(StagesHash(base), StagesHash(lane_edit));
  EXPECT_EQ(StagesHash(base).size(), 16u);
}

TEST(PolicySpecTest, Metadata) {
  auto meta = ParsePolicyMeta(json::parse(R"({"metadata": {
      "name": "canary", "namespace": "trading", "uid": "u-1", "generation": 7,
      "resourceVersion": "42", "creationTimestamp": "2026-12-06T07:00:00Z",
      "deletionTimestamp": "2026-12-06T08:00:00Z", "finalizers": ["arbor.dev/limits"]}})"));
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(meta->Key(), "trading/canary");
  EXPECT_EQ(meta->generation, 7);
  EXPECT_EQ(meta->created, absl::FromUnixSeconds(1796540400));
  ASSERT_TRUE(meta->deletion.has_value());
  EXPECT_EQ(meta->finalizers, std::vector<std::string>{"arbor.dev/limits"});
  EXPECT_FALSE(ParsePolicyMeta(json::parse(R"({"metadata": {"name": "x"}})")).ok());
}

}  // namespace
}  // namespace arbor::trading_policy
