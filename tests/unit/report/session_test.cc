// arbor::report::ParseSession: the fixture's values, both skip forms, and every validation error
// naming its JSON path.
#include "arbor/report/session.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::report {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(ARBOR_TEST_DATA_DIR) + "/report/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A valid execution; `extra` replaces or adds members (a later duplicate key is an error, so
// callers pass whole executions when they change a required field).
std::string Exec(const std::string& id, const std::string& pnl = "100") {
  return "{\"execution_id\":\"" + id +
         "\",\"lane\":\"binary\",\"venues\":[\"polymarket\"],\"opened_unix_nanos\":1,"
         "\"closed_unix_nanos\":2,\"close_reason\":\"completed\",\"realized_pnl_micros\":" +
         pnl + ",\"expected_profit_micros\":100,\"legs_submitted\":2,\"legs_filled\":2}";
}

std::string Session(const std::string& executions, const std::string& rest = "") {
  return "{\"arbor_session\":1,\"executions\":[" + executions + "]" + rest + "}";
}

TEST(ParseSessionTest, Fixture) {
  absl::StatusOr<report::Session> s = ParseSession(ReadFixture("session_small.json"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->meta.mode, "sim");
  EXPECT_EQ(s->meta.seed, "42");
  EXPECT_EQ(s->meta.started_unix_nanos, 1767225600000000000);
  ASSERT_EQ(s->executions.size(), 5u);
  const Execution& e2 = s->executions[2];
  EXPECT_EQ(e2.execution_id, "e2");
  EXPECT_EQ(e2.venues, (std::vector<std::string>{"polymarket", "kalshi"}));
  EXPECT_EQ(e2.realized_pnl_micros, 300000);
  EXPECT_EQ(e2.slippage_micros, -50000);
  EXPECT_FALSE(s->executions[3].slippage_micros.has_value());
  ASSERT_EQ(s->opportunities.size(), 3u);
  EXPECT_EQ(s->opportunities[0], (std::pair<std::string, int64_t>{"binary", 10}));
  ASSERT_EQ(s->skips.size(), 4u);
  EXPECT_EQ(s->skips[3].lane, "");
  EXPECT_EQ(s->skips[3].count, 2);
  ASSERT_EQ(s->latencies.size(), 2u);
  EXPECT_TRUE(s->latencies[0].from_buckets);
  ASSERT_EQ(s->latencies[0].buckets.size(), 4u);
  EXPECT_TRUE(std::isinf(s->latencies[0].buckets[3].le_seconds));
  EXPECT_EQ(s->latencies[0].buckets[3].cumulative_count, 12);
  EXPECT_FALSE(s->latencies[1].from_buckets);
  EXPECT_EQ(s->latencies[1].samples_nanos.size(), 5u);
  EXPECT_EQ(s->risk_events.denials.size(), 2u);
  ASSERT_EQ(s->risk_events.safe_mode.size(), 1u);
  EXPECT_EQ(s->risk_events.safe_mode[0].ended_unix_nanos, 1767225644000000000);
}

TEST(ParseSessionTest, SkipsAsAnObjectAndSeedAsAnInteger) {
  absl::StatusOr<report::Session> s = ParseSession(
      Session("", ",\"skips\":{\"duplicate\":3},\"meta\":{\"seed\":7,\"mode\":\"paper\"}"));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->skips.size(), 1u);
  EXPECT_EQ(s->skips[0].reason, "duplicate");
  EXPECT_EQ(s->skips[0].count, 3);
  EXPECT_EQ(s->meta.seed, "7");
  EXPECT_TRUE(s->executions.empty());
}

struct ErrorCase {
  const char* name;
  std::string json;
  std::string message_prefix;
};

TEST(ParseSessionTest, ErrorsNameTheField) {
  const std::string four = Exec("a") + "," + Exec("b") + "," + Exec("c") + ",";
  const ErrorCase cases[] = {
      {"double pnl", Session(four + Exec("d", "1.5")),
       "executions[3].realized_pnl_micros: not an integer (got a number)"},
      {"string pnl", Session(Exec("a", "\"100\"")),
       "executions[0].realized_pnl_micros: not an integer (got a string)"},
      {"uint64 pnl", Session(Exec("a", "18446744073709551615")),
       "executions[0].realized_pnl_micros: integer out of int64 range"},
      {"sum overflow",
       Session(Exec("a", "4000000000000000000") + "," + Exec("b", "4000000000000000000")),
       "executions[1].realized_pnl_micros: the session's total overflows"},
      {"missing lane",
       Session("{\"execution_id\":\"a\",\"venues\":[\"k\"],\"opened_unix_nanos\":1,"
               "\"closed_unix_nanos\":2,\"close_reason\":\"completed\",\"realized_pnl_micros\":1,"
               "\"expected_profit_micros\":1,\"legs_submitted\":1,\"legs_filled\":1}"),
       "executions[0].lane: missing"},
      {"legs",
       Session("{\"execution_id\":\"a\",\"lane\":\"x\",\"venues\":[\"k\"],"
               "\"opened_unix_nanos\":1,\"closed_unix_nanos\":2,\"close_reason\":\"c\","
               "\"realized_pnl_micros\":1,\"expected_profit_micros\":1,\"legs_submitted\":1,"
               "\"legs_filled\":2}"),
       "executions[0].legs_filled: greater than legs_submitted"},
      {"closed before opened",
       Session("{\"execution_id\":\"a\",\"lane\":\"x\",\"venues\":[\"k\"],"
               "\"opened_unix_nanos\":5,\"closed_unix_nanos\":2,\"close_reason\":\"c\","
               "\"realized_pnl_micros\":1,\"expected_profit_micros\":1,\"legs_submitted\":1,"
               "\"legs_filled\":1}"),
       "executions[0].closed_unix_nanos: before opened_unix_nanos"},
      {"no venues",
       Session("{\"execution_id\":\"a\",\"lane\":\"x\",\"venues\":[],"
               "\"opened_unix_nanos\":1,\"closed_unix_nanos\":2,\"close_reason\":\"c\","
               "\"realized_pnl_micros\":1,\"expected_profit_micros\":1,\"legs_submitted\":1,"
               "\"legs_filled\":1}"),
       "executions[0].venues: must list at least one venue"},
      {"unknown key", Session("{\"pnl\":1}"), "executions[0].pnl: unknown key"},
      {"duplicate key", Session("{\"lane\":\"a\",\"lane\":\"b\"}"),
       "executions[0].lane: key given twice"},
      {"duplicate id", Session(Exec("a") + "," + Exec("a")),
       "executions[1].execution_id: duplicate execution id 'a'"},
      {"negative slippage type",
       Session(Exec("a").substr(0, Exec("a").size() - 1) + ",\"slippage_micros\":true}"),
       "executions[0].slippage_micros: not an integer (got a boolean)"},
      {"negative opportunities", Session("", ",\"opportunities\":{\"binary\":-1}"),
       "opportunities.binary: must be >= 0, got -1"},
      {"skip without count", Session("", ",\"skips\":[{\"reason\":\"dup\"}]"),
       "skips[0].count: missing"},
      {"bucket order",
       Session("",
               ",\"latencies\":[{\"name\":\"a\",\"buckets\":[[0.01,1],[0.001,2],"
               "[\"+Inf\",3]]}]"),
       "latencies[0].buckets[1][0]: bucket bounds must increase strictly"},
      {"bucket counts",
       Session("", ",\"latencies\":[{\"name\":\"a\",\"buckets\":[[0.01,5],[\"+Inf\",3]]}]"),
       "latencies[0].buckets[1][1]: cumulative counts must not decrease"},
      {"no +Inf", Session("", ",\"latencies\":[{\"name\":\"a\",\"buckets\":[[0.01,5]]}]"),
       "latencies[0].buckets: the last bucket must be [\"+Inf\", total]"},
      {"bad le", Session("", ",\"latencies\":[{\"name\":\"a\",\"buckets\":[[\"x\",5]]}]"),
       "latencies[0].buckets[0][0]: not a number or \"+Inf\""},
      {"both kinds",
       Session("",
               ",\"latencies\":[{\"name\":\"a\",\"samples_nanos\":[1],"
               "\"buckets\":[[\"+Inf\",1]]}]"),
       "latencies[0]: give exactly one of samples_nanos and buckets"},
      {"negative sample", Session("", ",\"latencies\":[{\"name\":\"a\",\"samples_nanos\":[1,-2]}]"),
       "latencies[0].samples_nanos[1]: must be >= 0"},
      {"kill switch time",
       Session("", ",\"risk_events\":{\"kill_switch\":[{\"reason\":\"loss\"}]}"),
       "risk_events.kill_switch[0].unix_nanos: missing"},
      {"denial count", Session("", ",\"risk_events\":{\"denials\":{\"max notional\":\"3\"}}"),
       "risk_events.denials[\"max notional\"]: not an integer (got a string)"},
      {"meta type", Session("", ",\"meta\":{\"mode\":3}"),
       "meta.mode: not a string (got an integer)"},
      {"meta order", Session("", ",\"meta\":{\"started_unix_nanos\":5,\"ended_unix_nanos\":4}"),
       "meta.ended_unix_nanos: before meta.started_unix_nanos"},
      {"no version", "{\"executions\":[]}", "arbor_session: missing"},
      {"version 2", "{\"arbor_session\":2,\"executions\":[]}",
       "arbor_session: unsupported version 2"},
      {"no executions", "{\"arbor_session\":1}", "executions: missing"},
      {"top-level key", Session("", ",\"extra\":1"), "extra: unknown key"},
      {"not json", "{\"arbor_session\":", "session input: not valid JSON"},
      {"not an object", "[1]", "session input: not an object"},
  };
  for (const ErrorCase& c : cases) {
    absl::StatusOr<report::Session> s = ParseSession(c.json);
    ASSERT_FALSE(s.ok()) << c.name;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(s.status().message()), StartsWith(c.message_prefix))
        << c.name << ": " << c.json;
  }
}

TEST(ParseSessionTest, InjectionsAreGroundTruthWithTheirDetections) {
  absl::StatusOr<report::Session> none = ParseSession(Session(""));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->injections.has_value());
  absl::StatusOr<report::Session> s = ParseSession(
      Session("",
              ",\"injections\":[{\"kind\":\"binary_underpriced\",\"expected_lane\":\"binary\","
              "\"detected\":true,\"detected_by\":[\"binary\"]},{\"kind\":\"implies_violation\","
              "\"expected_lane\":\"\",\"detected\":false}]"));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->injections.has_value());
  ASSERT_EQ(s->injections->size(), 2u);
  EXPECT_EQ((*s->injections)[0].detected_by, std::vector<std::string>{"binary"});
  EXPECT_FALSE((*s->injections)[1].detected);
  EXPECT_EQ((*s->injections)[1].expected_lane, "");
  const std::pair<std::string, std::string> errors[] = {
      {",\"injections\":[{\"expected_lane\":\"\",\"detected\":false}]",
       "injections[0].kind: missing"},
      {",\"injections\":[{\"kind\":\"k\",\"detected\":false}]",
       "injections[0].expected_lane: missing"},
      {",\"injections\":[{\"kind\":\"k\",\"expected_lane\":\"\",\"detected\":1}]",
       "injections[0].detected: not a boolean (got an integer)"},
      {",\"injections\":[{\"kind\":\"k\",\"expected_lane\":\"b\",\"detected\":true}]",
       "injections[0].detected_by: empty although detected is true"},
      {",\"injections\":[{\"kind\":\"k\",\"expected_lane\":\"b\",\"detected\":false,\"x\":1}]",
       "injections[0].x: unknown key"},
  };
  for (const auto& [rest, message] : errors) {
    absl::StatusOr<report::Session> bad = ParseSession(Session("", rest));
    ASSERT_FALSE(bad.ok()) << rest;
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr(message)) << rest;
  }
}

}  // namespace
}  // namespace arbor::report
