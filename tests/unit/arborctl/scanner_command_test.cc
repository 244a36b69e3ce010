// `arborctl scanner`: runs the command in-process against a real gRPC server on 127.0.0.1:0 with a
// fake Scanner service that records every request (and its authorization metadata) and answers
// with canned responses or a scripted opportunity stream. Covers flag errors (exit 1), --help
// (exit 0), the request each subcommand sends, table and JSON output, paging, the watch's
// --count / --duration / idle --timeout, error statuses (exit 2), an unreachable scanner
// (exit 3), and the real binary's dispatch and help for every arborctl command.
#include "scanner_command.h"

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "arbor/v1/scanner_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpc_test_support.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace arbor::arborctl {
namespace {

namespace v1 = ::arbor::v1;
using ::arbor::arborctl::testing_support::ParseText;
using ::arbor::arborctl::testing_support::Recorder;
using ::arbor::arborctl::testing_support::Result;
using ::arbor::arborctl::testing_support::RunShell;
using ::arbor::arborctl::testing_support::StreamEnd;
using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "scanner-token-value";
// 2026-01-01T00:00:00Z.
constexpr int64_t kJan1 = 1'767'225'600'000'000'000;
constexpr int64_t kSecond = 1'000'000'000;

std::string TempFile(const std::string& name, const std::string& content) {
  return testing_support::WriteTempFile("scanner_command_test", name, content);
}

class FakeScanner final : public v1::Scanner::Service {
 public:
  explicit FakeScanner(Recorder* recorder) : recorder_(recorder) {}

  grpc::Status GetHealth(grpc::ServerContext* context, const v1::GetScannerHealthRequest* request,
                         v1::GetScannerHealthResponse* response) override {
    grpc::Status status = recorder_->Begin(context, *request);
    if (!status.ok()) return status;
    recorder_->Respond(response);
    return grpc::Status::OK;
  }

  grpc::Status ListOpportunities(grpc::ServerContext* context,
                                 const v1::ListOpportunitiesRequest* request,
                                 v1::ListOpportunitiesResponse* response) override {
    grpc::Status status = recorder_->Begin(context, *request);
    if (!status.ok()) return status;
    testing_support::Page(opportunities(), *request, response, response->mutable_opportunities());
    return grpc::Status::OK;
  }

  grpc::Status StreamOpportunities(grpc::ServerContext* context,
                                   const v1::StreamOpportunitiesRequest* request,
                                   grpc::ServerWriter<v1::OpportunityUpdate>* writer) override {
    grpc::Status status = recorder_->Begin(context, *request);
    if (!status.ok()) return status;
    return testing_support::ServeStream(recorder_, context, writer, script(), [] {
      v1::OpportunityUpdate u;
      u.mutable_heartbeat()->set_ts_unix_nanos(kJan1);
      return u;
    });
  }

  void SetOpportunities(std::vector<v1::Opportunity> list) {
    absl::MutexLock lock(&mu_);
    opportunities_ = std::move(list);
  }
  void SetScript(std::vector<v1::OpportunityUpdate> script) {
    absl::MutexLock lock(&mu_);
    script_ = std::move(script);
  }

 private:
  std::vector<v1::Opportunity> opportunities() {
    absl::MutexLock lock(&mu_);
    return opportunities_;
  }
  std::vector<v1::OpportunityUpdate> script() {
    absl::MutexLock lock(&mu_);
    return script_;
  }

  Recorder* recorder_;
  absl::Mutex mu_;
  std::vector<v1::Opportunity> opportunities_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::OpportunityUpdate> script_ ABSL_GUARDED_BY(mu_);
};

v1::Opportunity SampleOpportunity(const std::string& id, int64_t profit_micros) {
  v1::Opportunity o = ParseText<v1::Opportunity>(R"(
      lane: LANE_BINARY size_sets_micros: 20000000 total_cost_micros: 19600000
      total_fees_micros: 120000 guaranteed_profit_micros: 280000 edge_per_set_micros: 14000
      confidence: 1 guaranteed: true
      legs { leg_index: 0 action: LEG_ACTION_ORDER side: SIDE_BUY
             instrument_id { venue: VENUE_POLYMARKET symbol: "111" }
             limit_price_micros: 480000 size_micros: 20000000 }
      legs { leg_index: 1 action: LEG_ACTION_ORDER side: SIDE_BUY
             instrument_id { venue: VENUE_POLYMARKET symbol: "222" }
             limit_price_micros: 500000 size_micros: 20000000 })");
  o.set_opportunity_id(id);
  o.set_expected_profit_micros(profit_micros);
  o.set_created_unix_nanos(kJan1);
  o.set_expires_unix_nanos(kJan1 + 5 * kSecond);
  return o;
}

// The stream the fake sends: a live opportunity, the end-of-snapshot heartbeat, a withdrawal, an
// idle heartbeat, a new opportunity.
std::vector<v1::OpportunityUpdate> SampleScript() {
  std::vector<v1::OpportunityUpdate> script(5);
  *script[0].mutable_opportunity() = SampleOpportunity("opp-1", 280000);
  script[1].mutable_heartbeat()->set_ts_unix_nanos(kJan1);
  script[1].mutable_heartbeat()->set_initial_snapshot_complete(true);
  script[2] = ParseText<v1::OpportunityUpdate>(
      "withdrawal { opportunity_id: 'opp-1' reason: WITHDRAWAL_REASON_EDGE_GONE "
      "ts_unix_nanos: 1767225601000000000 }");
  script[3].mutable_heartbeat()->set_ts_unix_nanos(kJan1 + 2 * kSecond);
  script[3].mutable_heartbeat()->set_coalesced_total(3);
  *script[4].mutable_opportunity() = SampleOpportunity("opp-2", 1500000);
  return script;
}

class ScannerCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&scanner_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    token_file_ = TempFile("token", std::string(kToken) + "\n");
  }
  void TearDown() override {
    recorder_.Stop();
    server_->Shutdown();
  }

  std::string Target() const { return "127.0.0.1:" + std::to_string(port_); }

  // Runs the command with --scanner and --token-file set, plus `args`.
  Result Run(const std::vector<std::string>& args, const ScannerEnv& env = {}) {
    std::vector<std::string> full = {"--scanner", Target(), "--token-file", token_file_};
    full.insert(full.end(), args.begin(), args.end());
    return RunRaw(full, env);
  }
  static Result RunRaw(const std::vector<std::string>& args, const ScannerEnv& env = {}) {
    std::ostringstream out;
    std::ostringstream err;
    Result r;
    r.code = RunScannerCommand(args, env, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  Recorder recorder_;
  FakeScanner scanner_{&recorder_};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string token_file_;
};

// ---- Usage errors and help ------------------------------------------------------------------

struct UsageCase {
  std::vector<std::string> args;
  const char* message;
};

TEST_F(ScannerCommandTest, UsageErrorsExitOneWithAMessageAndSendNothing) {
  const std::vector<UsageCase> cases = {
      {{}, "missing subcommand"},
      {{"bogus"}, "unknown subcommand 'bogus'"},
      {{"--lane", "binary", "opportunities"}, "subcommand flags go after the subcommand"},
      {{"health", "--lane", "binary"}, "unknown flag '--lane' for 'health'"},
      {{"lanes", "extra"}, "unexpected argument 'extra' for 'lanes'"},
      {{"--output", "yaml", "health"}, "--output: expected table or json, got 'yaml'"},
      {{"--timeout", "soon", "health"}, "--timeout: 'soon' is not a duration"},
      {{"--timeout", "2h", "health"}, "must be > 0 and at most 1h"},
      {{"--tls-key", "k.pem", "health"}, "--tls-cert and --tls-key go together"},
      {{"--tls-ca", "/nonexistent/ca.pem", "health"}, "--tls-ca: cannot open"},
      {{"--scanner", "a:1", "--scanner", "b:1", "health"}, "--scanner given twice"},
      {{"opportunities", "--lane", "binary,nope"}, "--lane: 'nope' is not one of binary|negrisk|"},
      {{"opportunities", "--venue", "nyse"}, "--venue: 'nyse' is not one of polymarket|kalshi"},
      {{"opportunities", "--min-profit", "-1"}, "--min-profit: '-1' is not an amount of USD >= 0"},
      {{"opportunities", "--min-profit", "lots"}, "--min-profit: 'lots'"},
      {{"opportunities", "--min-profit", "1", "--min-profit", "2"}, "--min-profit given twice"},
      {{"opportunities", "--event", ""}, "--event must not be empty"},
      {{"opportunities", "--limit", "0"}, "--limit: '0' is not an integer in [1,"},
      {{"opportunities", "--count", "3"}, "unknown flag '--count' for 'opportunities'"},
      {{"watch", "--count", "0"}, "--count: '0' is not an integer in [1,"},
      {{"watch", "--duration", "forever"}, "--duration: 'forever' is not a duration"},
      {{"watch", "--heartbeats=yes"}, "--heartbeats takes no value"},
      {{"watch", "--subscriber-id", ""}, "--subscriber-id must not be empty"},
      {{"watch", "--subscriber-id"}, "--subscriber-id needs a value"},
  };
  for (const UsageCase& c : cases) {
    const Result r = Run(c.args);
    const std::string where = absl::StrCat("args: ", absl::StrJoin(c.args, " "));
    EXPECT_EQ(r.code, kRpcExitUsage) << where << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << where;
    EXPECT_THAT(r.err, HasSubstr("(arborctl scanner --help for usage)")) << where;
    EXPECT_EQ(r.out, "") << where;
  }
  Result r = RunRaw({"--scanner", "", "health"});
  EXPECT_EQ(r.code, kRpcExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--scanner must not be empty"));
  // Token file problems are usage errors too (and never reach the scanner).
  r = RunRaw({"--scanner", Target(), "--token-file", "/nonexistent/token", "health"});
  EXPECT_EQ(r.code, kRpcExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--token-file: cannot open '/nonexistent/token'"));
  r = RunRaw({"--scanner", Target(), "--token-file", TempFile("empty", "\n"), "health"});
  EXPECT_EQ(r.code, kRpcExitUsage);
  EXPECT_THAT(r.err, HasSubstr("is empty"));
  EXPECT_TRUE(recorder_.requests().empty());
}

TEST_F(ScannerCommandTest, HelpForTheCommandAndEverySubcommand) {
  Result r = RunRaw({"--help"});
  EXPECT_EQ(r.code, kRpcExitOk);
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("usage: arborctl scanner [--scanner HOST:PORT]"));
  EXPECT_THAT(r.out, HasSubstr("Exit codes:"));
  EXPECT_THAT(r.out, HasSubstr("2  the scanner answered with an error status"));
  EXPECT_THAT(r.out, HasSubstr("3  no answer: cannot connect, UNAVAILABLE"));
  EXPECT_THAT(r.out, HasSubstr("does not authenticate"));
  for (const char* sub : {"health", "lanes", "opportunities", "watch"}) {
    r = RunRaw({sub, "--help"});
    EXPECT_EQ(r.code, kRpcExitOk) << sub;
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("usage: arborctl scanner ", sub))) << sub;
    r = RunRaw({"-h", sub});
    EXPECT_EQ(r.code, kRpcExitOk) << sub;
  }
  // --help wins over bad values and sends nothing.
  r = Run({"opportunities", "--limit", "0", "--help"});
  EXPECT_EQ(r.code, kRpcExitOk);
  EXPECT_THAT(r.out, HasSubstr("--min-profit USD"));
  EXPECT_TRUE(recorder_.requests().empty());
}

TEST(ScannerArgsTest, DefaultsEnvironmentAndFlags) {
  absl::StatusOr<ScannerInvocation> inv = ParseScannerArgs({"health"}, ScannerEnv{});
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->target, kDefaultScannerTarget);
  EXPECT_EQ(inv->token_file, "");
  EXPECT_EQ(inv->timeout, absl::Seconds(10));
  EXPECT_EQ(inv->output, cli::OutputFormat::kTable);

  ScannerEnv env;
  env.scanner = "scanner.arbor:50061";
  env.token_file = "/var/run/secrets/token";
  env.user = "alice";
  inv = ParseScannerArgs({"watch"}, env);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->target, "scanner.arbor:50061");
  EXPECT_EQ(inv->token_file, "/var/run/secrets/token");
  const auto& watch = std::get<v1::StreamOpportunitiesRequest>(inv->request);
  EXPECT_EQ(watch.subscriber_id(), "arborctl-alice");
  EXPECT_EQ(watch.heartbeat_interval_nanos(), kSecond);
  EXPECT_EQ(inv->watch.count, 0u);
  EXPECT_EQ(inv->watch.duration, absl::InfiniteDuration());

  // Flags win; global flags after the subcommand; --flag=value; a short --timeout asks for
  // heartbeats at half of it.
  inv = ParseScannerArgs({"watch", "--scanner=other:1", "--timeout", "600ms", "--output=json",
                          "--count", "5", "--duration", "2m", "--heartbeats"},
                         env);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->target, "other:1");
  EXPECT_EQ(inv->output, cli::OutputFormat::kJson);
  EXPECT_EQ(std::get<v1::StreamOpportunitiesRequest>(inv->request).heartbeat_interval_nanos(),
            300'000'000);
  EXPECT_EQ(inv->watch.count, 5u);
  EXPECT_EQ(inv->watch.duration, absl::Minutes(2));
  EXPECT_TRUE(inv->watch.heartbeats);
}

// ---- Requests -------------------------------------------------------------------------------

struct RequestCase {
  std::vector<std::string> args;
  const Message* expected;
};

TEST_F(ScannerCommandTest, EachSubcommandSendsTheRightRequest) {
  scanner_.SetScript({SampleScript()[0]});
  std::vector<std::unique_ptr<Message>> owned;
  auto expect = [&owned](auto message) {
    owned.push_back(std::make_unique<decltype(message)>(std::move(message)));
    return owned.back().get();
  };
  const std::vector<RequestCase> cases = {
      {{"health"}, expect(v1::GetScannerHealthRequest())},
      {{"lanes"}, expect(v1::GetScannerHealthRequest())},
      {{"opportunities"}, expect(ParseText<v1::ListOpportunitiesRequest>("page_size: 100"))},
      {{"opportunities", "--lane", "binary,negrisk", "--lane", "cross_venue", "--venue", "kalshi",
        "--min-profit", "0.25", "--event", "ev-1", "--event", "ev-2", "--limit", "7"},
       expect(ParseText<v1::ListOpportunitiesRequest>(R"(
          filter { lanes: [LANE_BINARY, LANE_NEGRISK, LANE_CROSS_VENUE] venues: VENUE_KALSHI
                   min_expected_profit_micros: 250000 event_ids: ["ev-1", "ev-2"] }
          page_size: 7)"))},
      {{"watch", "--count", "1"},
       expect(ParseText<v1::StreamOpportunitiesRequest>(
           "subscriber_id: 'arborctl-alice' heartbeat_interval_nanos: 1000000000"))},
      {{"watch", "--lane", "fair_value", "--venue", "polymarket,kalshi", "--min-profit", "1.5",
        "--subscriber-id", "ops-laptop", "--count", "1", "--timeout", "1s"},
       expect(ParseText<v1::StreamOpportunitiesRequest>(R"(
          subscriber_id: "ops-laptop" heartbeat_interval_nanos: 500000000
          filter { lanes: LANE_FAIR_VALUE venues: [VENUE_POLYMARKET, VENUE_KALSHI]
                   min_expected_profit_micros: 1500000 })"))},
  };
  ScannerEnv env;
  env.user = "alice";
  for (const RequestCase& c : cases) {
    const size_t before = recorder_.requests().size();
    const Result r = Run(c.args, env);
    const std::string where = absl::StrCat("args: ", absl::StrJoin(c.args, " "));
    EXPECT_EQ(r.code, kRpcExitOk) << where << "\n" << r.err;
    const auto requests = recorder_.requests();
    ASSERT_EQ(requests.size(), before + 1) << where;
    const Message& sent = *requests.back();
    EXPECT_EQ(sent.GetDescriptor(), c.expected->GetDescriptor()) << where;
    EXPECT_TRUE(MessageDifferencer::Equals(sent, *c.expected))
        << where << "\nsent:     " << sent.ShortDebugString()
        << "\nexpected: " << c.expected->ShortDebugString();
  }
  // The bearer token rides along although the scanner does not check it (for a proxy).
  for (const std::string& auth : recorder_.authorizations()) {
    EXPECT_EQ(auth, std::string("Bearer ") + kToken);
  }
  // Without --token-file: no authorization metadata at all.
  const Result r = RunRaw({"--scanner", Target(), "health"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(recorder_.authorizations().back(), "");
}

// ---- Output ---------------------------------------------------------------------------------

v1::GetScannerHealthResponse SampleHealth() {
  return ParseText<v1::GetScannerHealthResponse>(R"(
      health { component: "scanner" instance: "scanner-0" status: SERVING_STATUS_SERVING
               live: true ready: true
               checks { name: "ShardsConnected" ok: true since_unix_nanos: 1767225600000000000 } }
      shards_connected: 2 shards_expected: 2 books_tracked: 840 books_live: 838 subscribers: 1
      catalog_updated_unix_nanos: 1767225600000000000
      lanes { lane: LANE_BINARY enabled: true evaluations_total: 1200 opportunities_total: 7
              live_opportunities: 2 last_opportunity_unix_nanos: 1767225600000000000 }
      lanes { lane: LANE_CROSS_VENUE })");
}

TEST_F(ScannerCommandTest, HealthAndLanesTables) {
  recorder_.SetResponse(SampleHealth());
  Result r = Run({"health"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("component         scanner\n"));
  EXPECT_THAT(r.out, HasSubstr("status            SERVING\n"));
  EXPECT_THAT(r.out, HasSubstr("shards_connected  2\n"));
  EXPECT_THAT(r.out, HasSubstr("books_live        838\n"));
  EXPECT_THAT(r.out, HasSubstr("catalog_updated   2026-01-01T00:00:00Z\n"));
  EXPECT_THAT(r.out, HasSubstr("ShardsConnected  yes"));
  EXPECT_THAT(r.out, HasSubstr("LANE         ENABLED  EVALUATIONS"));

  r = Run({"lanes"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(r.out,
            "LANE         ENABLED  EVALUATIONS  PUBLISHED  LIVE  LAST_OPPORTUNITY\n"
            "binary       yes             1200          7     2  2026-01-01T00:00:00Z\n"
            "cross_venue  no                 0          0     0  -\n");

  // JSON: lanes prints a GetScannerHealthResponse holding only the lanes.
  r = Run({"--output", "json", "lanes"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  v1::GetScannerHealthResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok()) << r.out;
  EXPECT_FALSE(parsed.has_health());
  EXPECT_EQ(parsed.lanes_size(), 2);
  EXPECT_EQ(parsed.lanes(0).evaluations_total(), 1200u);

  r = Run({"health", "--output", "json"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one object on one line: " << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"catalog_updated_unix_nanos\":\"1767225600000000000\""));
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok()) << r.out;
  EXPECT_TRUE(MessageDifferencer::Equals(parsed, SampleHealth())) << parsed.DebugString();
}

TEST_F(ScannerCommandTest, OpportunitiesTableAndJson) {
  scanner_.SetOpportunities({SampleOpportunity("opp-1", 1500000), SampleOpportunity("opp-2", 5)});
  Result r = Run({"opportunities"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  const std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
  ASSERT_EQ(lines.size(), 5u) << r.out;  // header, 2 rows, count line, ""
  EXPECT_THAT(lines[0], HasSubstr("OPPORTUNITY_ID  LANE    EXPECTED_PROFIT_USD"));
  EXPECT_THAT(lines[1],
              HasSubstr("opp-1           binary             1.500000               0.280000  "
                        "19.600000  0.120000  0.014000    20       1.000  2026-01-01T00:00:00Z  "
                        "2026-01-01T00:00:05Z  BUY polymarket:111 20 @0.480000; "
                        "BUY polymarket:222 20 @0.500000"));
  EXPECT_THAT(lines[2], HasSubstr("opp-2           binary             0.000005"));
  EXPECT_EQ(lines[3], "2 opportunities");

  r = Run({"--output", "json", "opportunities"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  v1::ListOpportunitiesResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok()) << r.out;
  ASSERT_EQ(parsed.opportunities_size(), 2);
  EXPECT_TRUE(
      MessageDifferencer::Equals(parsed.opportunities(0), SampleOpportunity("opp-1", 1500000)));
  EXPECT_EQ(parsed.next_page_token(), "");
}

TEST_F(ScannerCommandTest, PagingFollowsNextPageTokenUpToTheLimit) {
  std::vector<v1::Opportunity> list;
  for (int i = 0; i < 5; ++i) list.push_back(SampleOpportunity(absl::StrCat("opp-", i), 1000 - i));
  scanner_.SetOpportunities(list);
  Result r = Run({"opportunities", "--limit", "3"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  std::vector<v1::ListOpportunitiesRequest> sent =
      recorder_.RequestsOf<v1::ListOpportunitiesRequest>();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].page_token(), "");
  EXPECT_EQ(sent[0].page_size(), 3u);
  EXPECT_EQ(sent[1].page_token(), "2");
  EXPECT_EQ(sent[1].page_size(), 1u);
  EXPECT_THAT(r.out, HasSubstr("opp-2 "));
  EXPECT_THAT(r.out, Not(HasSubstr("opp-3")));
  EXPECT_THAT(r.out, HasSubstr("\n3 opportunities (more available; raise --limit)\n"));

  r = Run({"opportunities"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\n5 opportunities\n"));
}

// ---- Watch ----------------------------------------------------------------------------------

TEST_F(ScannerCommandTest, WatchPrintsEachUpdateUntilTheStreamEnds) {
  scanner_.SetScript(SampleScript());
  Result r = Run({"watch"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(r.out,
            "opportunity  opp-1  lane=binary  expected_profit_usd=0.280000  edge=0.014000  "
            "sets=20  expires=2026-01-01T00:00:05Z  legs=[BUY polymarket:111 20 @0.480000; "
            "BUY polymarket:222 20 @0.500000]\n"
            "heartbeat  at=2026-01-01T00:00:00Z  coalesced_total=0  initial_snapshot_complete\n"
            "withdrawal  opp-1  reason=EDGE_GONE  superseded_by=-  at=2026-01-01T00:00:01Z\n"
            "opportunity  opp-2  lane=binary  expected_profit_usd=1.500000  edge=0.014000  "
            "sets=20  expires=2026-01-01T00:00:05Z  legs=[BUY polymarket:111 20 @0.480000; "
            "BUY polymarket:222 20 @0.500000]\n");

  // --heartbeats adds the idle heartbeat.
  r = Run({"watch", "--heartbeats"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nheartbeat  at=2026-01-01T00:00:02Z  coalesced_total=3\n"));

  // JSON: one OpportunityUpdate per line.
  r = Run({"watch", "--output", "json", "--heartbeats"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  const std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << r.out;
  const std::vector<v1::OpportunityUpdate> script = SampleScript();
  for (size_t i = 0; i < lines.size(); ++i) {
    v1::OpportunityUpdate parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[i], &parsed).ok()) << lines[i];
    EXPECT_TRUE(MessageDifferencer::Equals(parsed, script[i])) << lines[i];
  }
}

TEST_F(ScannerCommandTest, WatchStopsAfterCountOnAnOpenStream) {
  scanner_.SetScript(SampleScript());
  recorder_.SetStreamEnd(StreamEnd::kHoldSilent);
  const Result r = Run({"watch", "--count", "2"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  // opp-1 and the withdrawal count; the end-of-snapshot heartbeat does not.
  EXPECT_THAT(r.out, HasSubstr("withdrawal  opp-1"));
  EXPECT_THAT(r.out, Not(HasSubstr("opp-2")));
  EXPECT_EQ(r.err, "");
}

TEST_F(ScannerCommandTest, WatchStopsAfterDuration) {
  recorder_.SetStreamEnd(StreamEnd::kHoldHeartbeats);
  const auto start = std::chrono::steady_clock::now();
  const Result r = Run({"watch", "--duration", "300ms", "--timeout", "5s"});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(r.out, "");  // idle heartbeats are not printed without --heartbeats
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  EXPECT_LT(elapsed, std::chrono::seconds(4));
}

TEST_F(ScannerCommandTest, SilentStreamExitsThreeAfterTimeout) {
  scanner_.SetScript({SampleScript()[0]});
  recorder_.SetStreamEnd(StreamEnd::kHoldSilent);
  const Result r = Run({"watch", "--timeout", "300ms"});
  EXPECT_EQ(r.code, kRpcExitUnreachable);
  EXPECT_THAT(r.out, HasSubstr("opportunity  opp-1"));
  EXPECT_THAT(r.err, HasSubstr("arborctl scanner: no message from the scanner at " + Target() +
                               " for 300ms (StreamOpportunities); giving up"));
}

// ---- Errors ---------------------------------------------------------------------------------

TEST_F(ScannerCommandTest, ErrorStatusesMapToExitCodes) {
  struct Case {
    grpc::StatusCode code;
    int exit;
    const char* text;
  };
  for (const Case& c : std::vector<Case>{
           {grpc::StatusCode::INVALID_ARGUMENT, kRpcExitServerError, "INVALID_ARGUMENT"},
           {grpc::StatusCode::NOT_FOUND, kRpcExitServerError, "NOT_FOUND"},
           {grpc::StatusCode::UNAUTHENTICATED, kRpcExitServerError, "UNAUTHENTICATED"},
           {grpc::StatusCode::UNAVAILABLE, kRpcExitUnreachable, "UNAVAILABLE"},
           {grpc::StatusCode::DEADLINE_EXCEEDED, kRpcExitUnreachable, "DEADLINE_EXCEEDED"},
       }) {
    recorder_.FailWith(grpc::Status(c.code, "detail from the server"));
    for (const char* sub : {"health", "opportunities", "watch"}) {
      const Result r = Run({sub});
      EXPECT_EQ(r.code, c.exit) << c.text << " " << sub;
      EXPECT_THAT(r.err, HasSubstr(absl::StrCat(c.text, ": detail from the server"))) << r.err;
      EXPECT_EQ(r.out, "") << sub;
      if (c.exit == kRpcExitUnreachable) {
        EXPECT_THAT(r.err, HasSubstr("cannot reach the scanner at " + Target())) << r.err;
      } else {
        EXPECT_THAT(r.err, HasSubstr(" failed: ")) << r.err;
      }
    }
  }
}

TEST_F(ScannerCommandTest, StreamEndingWithAnErrorAfterUpdates) {
  scanner_.SetScript({SampleScript()[0]});
  recorder_.EndStreamWith(grpc::Status(grpc::StatusCode::UNAVAILABLE, "scanner shutting down"));
  Result r = Run({"watch"});
  EXPECT_EQ(r.code, kRpcExitUnreachable);
  EXPECT_THAT(r.out, HasSubstr("opportunity  opp-1"));
  EXPECT_THAT(r.err, HasSubstr("(StreamOpportunities): UNAVAILABLE: scanner shutting down"));

  recorder_.EndStreamWith(grpc::Status(grpc::StatusCode::INTERNAL, "boom"));
  r = Run({"watch"});
  EXPECT_EQ(r.code, kRpcExitServerError);
  EXPECT_THAT(r.err, HasSubstr("StreamOpportunities failed: INTERNAL: boom"));
}

TEST_F(ScannerCommandTest, ServerDownExitsThree) {
  const std::string target = Target();
  recorder_.Stop();
  server_->Shutdown();
  server_->Wait();
  for (const char* sub : {"lanes", "watch"}) {
    const Result r = RunRaw({"--scanner", target, "--timeout", "3s", sub});
    EXPECT_EQ(r.code, kRpcExitUnreachable) << sub;
    EXPECT_THAT(r.err, HasSubstr("cannot reach the scanner at " + target)) << sub;
    EXPECT_THAT(r.err, HasSubstr("UNAVAILABLE")) << sub;
  }
}

TEST_F(ScannerCommandTest, TlsAgainstThePlaintextScannerIsNoAnswer) {
  // The scanner serves plaintext only: a TLS channel cannot handshake (exit 3, nothing sent).
  const std::string ca = TempFile("ca.pem",
                                  "-----BEGIN CERTIFICATE-----\nAA==\n"
                                  "-----END CERTIFICATE-----\n");
  const Result r = Run({"--tls-ca", ca, "--timeout", "3s", "health"});
  EXPECT_EQ(r.code, kRpcExitUnreachable) << r.err;
  EXPECT_TRUE(recorder_.requests().empty());
}

// ---- The real binary ------------------------------------------------------------------------

TEST_F(ScannerCommandTest, BinaryDispatchesToTheCommand) {
  recorder_.SetResponse(SampleHealth());
  int code = -1;
  std::string out = RunShell(std::string(ARBORCTL_BINARY) + " scanner --help", &code);
  EXPECT_EQ(code, kRpcExitOk);
  EXPECT_THAT(out, HasSubstr("Exit codes:"));
  out = RunShell(std::string(ARBORCTL_BINARY) + " scanner bogus 2>&1", &code);
  EXPECT_EQ(code, kRpcExitUsage);
  EXPECT_THAT(out, HasSubstr("unknown subcommand 'bogus'"));
  out =
      RunShell("ARBOR_SCANNER=" + Target() + " " + ARBORCTL_BINARY + " scanner lanes 2>&1", &code);
  EXPECT_EQ(code, kRpcExitOk) << out;
  EXPECT_THAT(out, HasSubstr("binary       yes"));
}

TEST(ArborctlBinaryTest, EveryCommandHasHelpAndTheUsageListsExitCodes) {
  for (const char* command : {"book replay", "sign", "scan", "executor", "scanner", "feed",
                              "report", "replay", "relations", "quant"}) {
    int code = -1;
    const std::string out =
        RunShell(absl::StrCat(ARBORCTL_BINARY, " ", command, " --help 2>/dev/null"), &code);
    EXPECT_EQ(code, 0) << command;
    EXPECT_THAT(out, HasSubstr("usage: arborctl")) << command;
  }
  int code = -1;
  const std::string usage = RunShell(absl::StrCat(ARBORCTL_BINARY, " --help"), &code);
  EXPECT_EQ(code, 0);
  EXPECT_THAT(usage, HasSubstr("  scanner [--scanner HOST:PORT]"));
  EXPECT_THAT(usage, HasSubstr("  feed [--feed HOST:PORT]"));
  // One exit-code line per command (book replay, sign, scan, executor, scanner, feed, report,
  // replay, relations, quant) plus the summary.
  size_t count = 0;
  for (size_t at = usage.find("Exit codes:"); at != std::string::npos;
       at = usage.find("Exit codes:", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 11u) << usage;
  RunShell(absl::StrCat(ARBORCTL_BINARY, " 2>/dev/null"), &code);
  EXPECT_EQ(code, 1);
}

}  // namespace
}  // namespace arbor::arborctl
