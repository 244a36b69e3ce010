// `arborctl executor`: runs the command in-process against a real gRPC server on 127.0.0.1:0
// with small fake Executor and Control services that check the bearer token and record every
// request. Covers flag errors (exit 1), the request each subcommand sends, the token, error
// statuses (exit 2), an unreachable / unavailable executor (exit 3), a DENIED submission
// (exit 4), JSON and table output, and paging.
#include "executor_command.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "arbor/v1/control_service.grpc.pb.h"
#include "arbor/v1/executor_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace arbor::arborctl {
namespace {

namespace v1 = ::arbor::v1;
using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "s3cret-token-value";
// 2026-01-01T00:00:00Z.
constexpr int64_t kJan1 = 1'767'225'600'000'000'000;

template <typename T>
T ParseText(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

// Requests seen by the fakes (after the token check), and the canned answers.
class Backend {
 public:
  // Checks "authorization: Bearer <kToken>", then records the request.
  grpc::Status Begin(grpc::ServerContext* context, const Message& request) {
    const auto& metadata = context->client_metadata();
    auto it = metadata.find("authorization");
    const std::string auth =
        it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
    absl::MutexLock lock(&mu_);
    authorizations_.push_back(auth);
    if (auth != std::string("Bearer ") + kToken) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or invalid bearer token");
    }
    std::shared_ptr<Message> copy(request.New());
    copy->CopyFrom(request);
    requests_.push_back(std::move(copy));
    if (fail_.has_value()) return *fail_;
    return grpc::Status::OK;
  }

  void FailWith(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    fail_ = std::move(status);
  }

  // The canned response for Resp (default instance if none was set).
  template <typename Resp>
  void SetResponse(const Resp& response) {
    absl::MutexLock lock(&mu_);
    std::shared_ptr<Message> copy(response.New());
    copy->CopyFrom(response);
    responses_[Resp::descriptor()->full_name()] = std::move(copy);
  }
  template <typename Resp>
  void Respond(Resp* response) {
    absl::MutexLock lock(&mu_);
    auto it = responses_.find(Resp::descriptor()->full_name());
    if (it != responses_.end()) response->CopyFrom(*it->second);
  }

  std::vector<std::shared_ptr<Message>> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  template <typename Req>
  std::vector<Req> RequestsOf() {
    std::vector<Req> out;
    for (const auto& m : requests()) {
      if (const auto* r = dynamic_cast<const Req*>(m.get())) out.push_back(*r);
    }
    return out;
  }
  std::vector<std::string> authorizations() {
    absl::MutexLock lock(&mu_);
    return authorizations_;
  }

  // Serves `items` in pages of at most kServerPageCap (fewer than asked for, to force paging);
  // the page token is the offset.
  static constexpr uint32_t kServerPageCap = 2;
  template <typename Item, typename Req, typename Resp>
  static void Page(const std::vector<Item>& items, const Req& request, Resp* response,
                   google::protobuf::RepeatedPtrField<Item>* out) {
    size_t offset = request.page_token().empty() ? 0 : std::stoul(request.page_token());
    const uint32_t want = request.page_size() == 0 ? 100 : request.page_size();
    const size_t n = std::min<size_t>({want, kServerPageCap, items.size() - offset});
    for (size_t i = 0; i < n; ++i) *out->Add() = items[offset + i];
    if (offset + n < items.size()) response->set_next_page_token(std::to_string(offset + n));
  }

  void AddExecution(const v1::Execution& e) {
    absl::MutexLock lock(&mu_);
    executions_.push_back(e);
  }
  std::vector<v1::Execution> executions() {
    absl::MutexLock lock(&mu_);
    return executions_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::shared_ptr<Message>> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> authorizations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<Message>> responses_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> fail_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Execution> executions_ ABSL_GUARDED_BY(mu_);
};

// One fake unary method: token check, record, canned response.
#define ARBOR_FAKE_METHOD(Method, Req, Resp)                                                    \
  grpc::Status Method(grpc::ServerContext* context, const v1::Req* request, v1::Resp* response) \
      override {                                                                                \
    grpc::Status status = backend_->Begin(context, *request);                                   \
    if (!status.ok()) return status;                                                            \
    backend_->Respond(response);                                                                \
    return grpc::Status::OK;                                                                    \
  }

class FakeExecutor final : public v1::Executor::Service {
 public:
  explicit FakeExecutor(Backend* backend) : backend_(backend) {}

  ARBOR_FAKE_METHOD(SubmitOpportunity, SubmitOpportunityRequest, SubmitOpportunityResponse)
  ARBOR_FAKE_METHOD(GetExecution, GetExecutionRequest, GetExecutionResponse)
  ARBOR_FAKE_METHOD(GetOrder, GetOrderRequest, GetOrderResponse)
  ARBOR_FAKE_METHOD(ListPositions, ListPositionsRequest, ListPositionsResponse)
  ARBOR_FAKE_METHOD(ListBalances, ListBalancesRequest, ListBalancesResponse)
  ARBOR_FAKE_METHOD(SetKillSwitch, SetKillSwitchRequest, SetKillSwitchResponse)
  ARBOR_FAKE_METHOD(ListKillSwitches, ListKillSwitchesRequest, ListKillSwitchesResponse)
  ARBOR_FAKE_METHOD(GetSafeMode, GetSafeModeRequest, GetSafeModeResponse)
  ARBOR_FAKE_METHOD(AcknowledgeSafeMode, AcknowledgeSafeModeRequest, AcknowledgeSafeModeResponse)
  ARBOR_FAKE_METHOD(GetTradingState, GetTradingStateRequest, GetTradingStateResponse)
  ARBOR_FAKE_METHOD(SetTradingState, SetTradingStateRequest, SetTradingStateResponse)
  ARBOR_FAKE_METHOD(GetHealth, GetExecutorHealthRequest, GetExecutorHealthResponse)
  ARBOR_FAKE_METHOD(ListOrders, ListOrdersRequest, ListOrdersResponse)
  ARBOR_FAKE_METHOD(ListFills, ListFillsRequest, ListFillsResponse)

  grpc::Status ListExecutions(grpc::ServerContext* context,
                              const v1::ListExecutionsRequest* request,
                              v1::ListExecutionsResponse* response) override {
    grpc::Status status = backend_->Begin(context, *request);
    if (!status.ok()) return status;
    Backend::Page(backend_->executions(), *request, response, response->mutable_executions());
    return grpc::Status::OK;
  }

 private:
  Backend* backend_;
};

class FakeControl final : public v1::Control::Service {
 public:
  explicit FakeControl(Backend* backend) : backend_(backend) {}

  ARBOR_FAKE_METHOD(ApplyPolicyLimits, ApplyPolicyLimitsRequest, ApplyPolicyLimitsResponse)
  ARBOR_FAKE_METHOD(GetStageMetrics, GetStageMetricsRequest, GetStageMetricsResponse)
  ARBOR_FAKE_METHOD(GetStatus, GetControlStatusRequest, GetControlStatusResponse)

 private:
  Backend* backend_;
};

#undef ARBOR_FAKE_METHOD

// Per process: ctest runs each test case as its own process, in parallel, and a shared path
// would let one case truncate another's token file mid-read.
std::string WriteTempFile(const std::string& name, const std::string& content) {
  std::string path =
      ::testing::TempDir() + "/executor_command_test_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << content;
  // Removed when the process exits.
  static struct Cleanup {
    std::vector<std::string> paths;
    ~Cleanup() {
      for (const std::string& p : paths) std::remove(p.c_str());
    }
  } cleanup;
  cleanup.paths.push_back(path);
  return path;
}

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

class ExecutorCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&executor_);
    builder.RegisterService(&control_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    // Surrounding whitespace (a Secret mounted with a trailing newline) must be trimmed.
    token_file_ = WriteTempFile("token", std::string("  ") + kToken + "\n");
    opportunity_file_ = WriteTempFile("opportunity.json", R"({
      "opportunity_id": "opp-1", "lane": "LANE_BINARY", "size_sets_micros": "20000000",
      "legs": [{"leg_index": 0, "action": "LEG_ACTION_ORDER", "side": "SIDE_BUY",
                "instrument_id": {"venue": "VENUE_POLYMARKET", "symbol": "111"},
                "limit_price_micros": "480000", "size_micros": "20000000"}]})");
    limits_file_ = WriteTempFile("limits.json", R"({
      "capital_cap_micros": "250000000", "max_orders_per_second": 5,
      "leg_failure_policy": "LEG_FAILURE_POLICY_UNWIND",
      "lane_budgets": [{"lane": "LANE_BINARY", "enabled": true, "weight_bps": 5000}]})");
  }
  void TearDown() override { server_->Shutdown(); }

  std::string Target() const { return "127.0.0.1:" + std::to_string(port_); }

  // Runs the command with --executor and --token-file set, plus `args`.
  Result Run(const std::vector<std::string>& args, const ExecutorEnv& env = {}) {
    std::vector<std::string> full = {"--executor", Target(), "--token-file", token_file_};
    full.insert(full.end(), args.begin(), args.end());
    return RunRaw(full, env);
  }
  static Result RunRaw(const std::vector<std::string>& args, const ExecutorEnv& env = {}) {
    std::ostringstream out;
    std::ostringstream err;
    Result r;
    r.code = RunExecutorCommand(args, env, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  Backend backend_;
  FakeExecutor executor_{&backend_};
  FakeControl control_{&backend_};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string token_file_;
  std::string opportunity_file_;
  std::string limits_file_;
};

// ---- Usage errors ---------------------------------------------------------------------------

struct UsageCase {
  std::vector<std::string> args;
  const char* message;
};

TEST_F(ExecutorCommandTest, UsageErrorsExitOneWithAMessageAndSendNothing) {
  const std::vector<UsageCase> cases = {
      {{}, "missing subcommand"},
      {{"bogus"}, "unknown subcommand 'bogus'"},
      {{"--open", "executions"}, "subcommand flags go after the subcommand"},
      {{"health", "--open"}, "unknown flag '--open' for 'health'"},
      {{"health", "extra"}, "unexpected argument 'extra' for 'health'"},
      {{"--output", "yaml", "health"}, "--output: expected table or json, got 'yaml'"},
      {{"--timeout", "soon", "health"}, "--timeout: 'soon' is not a duration"},
      {{"--timeout", "0s", "health"}, "must be > 0"},
      {{"--tls-cert", "c.pem", "health"}, "--tls-cert and --tls-key go together"},
      {{"--tls-cert", "c.pem", "--tls-key", "k.pem", "health"}, "need --tls-ca"},
      {{"--tls-ca", "/nonexistent/ca.pem", "health"}, "--tls-ca: cannot open"},
      {{"--timeout", "5s", "--timeout", "6s", "health"}, "--timeout given twice"},
      {{"submit"}, "--opportunity-file is required"},
      {{"submit", "--opportunity-file", "/nonexistent.json"}, "cannot open '/nonexistent.json'"},
      {{"submit", "--opportunity-file", "OPP", "--max-sets", "0"}, "--max-sets: '0'"},
      {{"submit", "--opportunity-file", "BAD"}, "is not a valid arbor.v1.Opportunity"},
      {{"executions", "--lane", "binary,nope"}, "--lane: 'nope' is not one of binary|negrisk|"},
      {{"executions", "--since", "yesterday"}, "neither RFC 3339"},
      {{"executions", "--since", "1767225600"}, "too small for Unix nanoseconds"},
      {{"executions", "--limit", "0"}, "--limit: '0' is not an integer in [1,"},
      {{"executions", "--open=yes"}, "--open takes no value"},
      {{"execution"}, "give exactly one of ID or --opportunity ID"},
      {{"execution", "e-1", "--opportunity", "o-1"}, "give exactly one of ID"},
      {{"order", "a", "b"}, "unexpected argument 'b' for 'order'"},
      {{"order"}, "give exactly one of CLIENT_ORDER_ID"},
      {{"kill", "--scope", "planet", "--engage", "--reason", "x", "--by", "ops"},
       "--scope: 'planet' is not one of global|venue|lane"},
      {{"kill", "--scope", "venue", "--engage", "--reason", "x", "--by", "ops"},
       "--scope venue needs --venue polymarket|kalshi"},
      {{"kill", "--scope", "venue", "--venue", "nyse", "--engage", "--reason", "x", "--by", "ops"},
       "--venue: 'nyse' is not one of polymarket|kalshi"},
      {{"kill", "--scope", "global", "--venue", "kalshi", "--engage", "--reason", "x", "--by",
        "ops"},
       "--venue is only allowed with --scope venue"},
      {{"kill", "--scope", "lane", "--engage", "--reason", "x", "--by", "ops"},
       "--scope lane needs --lane"},
      {{"kill", "--scope", "global", "--engage", "--by", "ops"}, "--engage needs --reason TEXT"},
      {{"kill", "--scope", "global", "--engage", "--release", "--reason", "x", "--by", "ops"},
       "give exactly one of --engage or --release"},
      {{"kill", "--scope", "global", "--release", "--cancel-resting", "--by", "ops"},
       "--cancel-resting is only allowed with --engage"},
      {{"kill", "--scope", "global", "--release"}, "--by is required"},
      {{"kill", "--scope", "global", "--release", "--by"}, "--by needs a value"},
      {{"kill", "--scope", "global", "--release", "--by", "a", "--by", "b"}, "--by given twice"},
      {{"ack-safe-mode", "--episode", "0", "--note", "n", "--by", "ops"}, "--episode: '0'"},
      {{"ack-safe-mode", "--episode", "3", "--by", "ops"}, "--note is required"},
      {{"trading-state", "--reason", "x"}, "--reason is only allowed with --set"},
      {{"trading-state", "--set", "paused", "--reason", "x", "--by", "ops"},
       "--set: 'paused' is not one of active|reducing|halted"},
      {{"trading-state", "--set", "reducing", "--reason", "x", "--by", "ops", "--cancel-resting"},
       "--cancel-resting is only allowed with --set halted"},
      {{"trading-state", "--set", "halted", "--by", "ops"}, "--reason is required"},
      {{"limits"}, "expected 'limits apply'"},
      {{"limits", "show"}, "unknown subcommand 'limits show'"},
      {{"limits", "apply", "--policy-uid", "u", "--by", "ops"}, "--file is required"},
      {{"limits", "apply", "--file", "LIMITS", "--by", "ops"}, "--policy-uid is required"},
      {{"limits", "apply", "--file", "LIMITS", "--policy-uid", "u", "--stage-index", "-1", "--by",
        "ops"},
       "--stage-index: '-1'"},
      {{"stage-metrics"}, "--since is required"},
      {{"stage-metrics", "--since", "2026-01-02T00:00:00Z", "--until", "2026-01-01T00:00:00Z"},
       "--until must be after --since"},
  };
  const std::string bad_json = WriteTempFile("bad.json", R"({"opportunity_id": 1, "nope": 2})");
  for (const UsageCase& c : cases) {
    std::vector<std::string> args = c.args;
    for (std::string& a : args) {
      if (a == "OPP") a = opportunity_file_;
      if (a == "BAD") a = bad_json;
      if (a == "LIMITS") a = limits_file_;
    }
    const Result r = Run(args);
    const std::string where = absl::StrCat("args: ", absl::StrJoin(c.args, " "));
    EXPECT_EQ(r.code, kExecutorExitUsage) << where << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << where;
    EXPECT_THAT(r.err, HasSubstr("arborctl executor --help")) << where;
    EXPECT_EQ(r.out, "") << where;
  }
  EXPECT_TRUE(backend_.requests().empty());
  EXPECT_TRUE(backend_.authorizations().empty());
}

TEST_F(ExecutorCommandTest, UnreadableOrEmptyTokenFileIsAUsageError) {
  Result r = RunRaw({"--executor", Target(), "--token-file", "/nonexistent/token", "health"});
  EXPECT_EQ(r.code, kExecutorExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--token-file: cannot open '/nonexistent/token'"));
  r = RunRaw({"--executor", Target(), "--token-file", WriteTempFile("empty", " \n"), "health"});
  EXPECT_EQ(r.code, kExecutorExitUsage);
  EXPECT_THAT(r.err, HasSubstr("is empty"));
  EXPECT_TRUE(backend_.authorizations().empty());
}

TEST_F(ExecutorCommandTest, HelpForTheCommandAndEverySubcommand) {
  Result r = RunRaw({"--help"});
  EXPECT_EQ(r.code, kExecutorExitOk);
  EXPECT_THAT(r.out, HasSubstr("usage: arborctl executor"));
  EXPECT_THAT(r.out, HasSubstr("Exit codes:"));
  EXPECT_THAT(r.out, HasSubstr("3  no answer: cannot connect, UNAVAILABLE"));
  EXPECT_THAT(r.out, HasSubstr("4  submit: the opportunity was DENIED"));
  for (const char* sub : {"health", "submit", "executions", "execution", "orders", "order", "fills",
                          "positions", "balances", "kill", "kill-switches", "safe-mode",
                          "ack-safe-mode", "trading-state", "stage-metrics", "status"}) {
    r = RunRaw({sub, "--help"});
    EXPECT_EQ(r.code, kExecutorExitOk) << sub;
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("usage: arborctl executor ", sub)));
  }
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"limits", "apply", "--help"}, {"limits", "--help"}}) {
    r = RunRaw(args);
    EXPECT_EQ(r.code, kExecutorExitOk);
    EXPECT_THAT(r.out, HasSubstr("usage: arborctl executor limits apply --file FILE"));
  }
  // --help wins over missing required flags and sends nothing.
  r = Run({"kill", "--help"});
  EXPECT_EQ(r.code, kExecutorExitOk);
  EXPECT_THAT(r.out, HasSubstr("--engage --reason TEXT"));
  EXPECT_TRUE(backend_.requests().empty());
}

// ---- Parsing (pure) -------------------------------------------------------------------------

TEST(ExecutorArgsTest, KillVenueBuildsTheRequest) {
  absl::StatusOr<ExecutorInvocation> inv = ParseExecutorArgs(
      {"kill", "--scope", "venue", "--venue", "kalshi", "--engage", "--reason", "x", "--by", "ops"},
      ExecutorEnv{});
  ASSERT_TRUE(inv.ok()) << inv.status();
  const auto* request = std::get_if<v1::SetKillSwitchRequest>(&inv->request);
  ASSERT_NE(request, nullptr);
  EXPECT_TRUE(MessageDifferencer::Equals(
      *request, ParseText<v1::SetKillSwitchRequest>(
                    "scope: KILL_SWITCH_SCOPE_VENUE venue: VENUE_KALSHI engaged: true reason: 'x' "
                    "requested_by: 'ops'")))
      << request->DebugString();
  EXPECT_EQ(inv->subcommand, "kill");
  EXPECT_EQ(inv->target, kDefaultExecutorTarget);
  EXPECT_EQ(inv->token_file, "");
  EXPECT_EQ(inv->timeout, absl::Seconds(10));
  EXPECT_EQ(inv->output, ExecutorOutput::kTable);
}

TEST(ExecutorArgsTest, EnvironmentFillsAbsentFlagsAndFlagsWin) {
  ExecutorEnv env;
  env.executor = "exec.arbor:50071";
  env.token_file = "/var/run/secrets/token";
  env.user = "alice";
  absl::StatusOr<ExecutorInvocation> inv =
      ParseExecutorArgs({"submit", "--opportunity-file", "o.json"}, env);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->target, "exec.arbor:50071");
  EXPECT_EQ(inv->token_file, "/var/run/secrets/token");
  EXPECT_EQ(std::get<v1::SubmitOpportunityRequest>(inv->request).submitted_by(), "alice");
  EXPECT_EQ(inv->input_file, "o.json");

  // Global flags after the subcommand, --flag=value, integer seconds for --timeout.
  inv = ParseExecutorArgs(
      {"health", "--executor=other:1", "--token-file", "t", "--output=json", "--timeout", "3"},
      env);
  ASSERT_TRUE(inv.ok()) << inv.status();
  EXPECT_EQ(inv->target, "other:1");
  EXPECT_EQ(inv->token_file, "t");
  EXPECT_EQ(inv->output, ExecutorOutput::kJson);
  EXPECT_EQ(inv->timeout, absl::Seconds(3));
  EXPECT_TRUE(std::holds_alternative<v1::GetExecutorHealthRequest>(inv->request));
}

TEST(ExecutorArgsTest, InstantsAcceptRfc3339AndUnixNanos) {
  for (const char* since :
       {"2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00", "1767225600000000000"}) {
    absl::StatusOr<ExecutorInvocation> inv =
        ParseExecutorArgs({"executions", "--since", since}, ExecutorEnv{});
    ASSERT_TRUE(inv.ok()) << since << ": " << inv.status();
    EXPECT_EQ(std::get<v1::ListExecutionsRequest>(inv->request).since_unix_nanos(), kJan1) << since;
  }
}

// ---- Requests -------------------------------------------------------------------------------

struct RequestCase {
  std::vector<std::string> args;
  const Message* expected;
};

TEST_F(ExecutorCommandTest, EachSubcommandSendsTheRightRequest) {
  std::vector<std::unique_ptr<Message>> owned;
  auto expect = [&owned](auto message) {
    owned.push_back(std::make_unique<decltype(message)>(std::move(message)));
    return owned.back().get();
  };
  const std::vector<RequestCase> cases = {
      {{"health"}, expect(v1::GetExecutorHealthRequest())},
      {{"submit", "--opportunity-file", "OPP", "--max-sets", "12.5", "--by", "alice"},
       expect(ParseText<v1::SubmitOpportunityRequest>(R"(
          opportunity { opportunity_id: "opp-1" lane: LANE_BINARY size_sets_micros: 20000000
            legs { leg_index: 0 action: LEG_ACTION_ORDER side: SIDE_BUY
                   instrument_id { venue: VENUE_POLYMARKET symbol: "111" }
                   limit_price_micros: 480000 size_micros: 20000000 } }
          max_size_sets_micros: 12500000 submitted_by: "alice")"))},
      {{"executions", "--open", "--lane", "binary,negrisk", "--lane", "cross_venue", "--since",
        "2026-01-01T00:00:00Z", "--limit", "3"},
       expect(ParseText<v1::ListExecutionsRequest>(
           "lanes: [LANE_BINARY, LANE_NEGRISK, LANE_CROSS_VENUE] open_only: true "
           "since_unix_nanos: 1767225600000000000 page_size: 3"))},
      {{"execution", "e-1"}, expect(ParseText<v1::GetExecutionRequest>("execution_id: 'e-1'"))},
      {{"execution", "--opportunity", "o-1"},
       expect(ParseText<v1::GetExecutionRequest>("opportunity_id: 'o-1'"))},
      {{"orders", "--execution", "e-1", "--open", "--limit", "7"},
       expect(
           ParseText<v1::ListOrdersRequest>("execution_id: 'e-1' open_only: true page_size: 7"))},
      {{"order", "c-1"}, expect(ParseText<v1::GetOrderRequest>("client_order_id: 'c-1'"))},
      {{"order", "--venue-order-id", "0xabc"},
       expect(ParseText<v1::GetOrderRequest>("venue_order_id: '0xabc'"))},
      {{"fills", "--execution", "e-1", "--limit", "2"},
       expect(ParseText<v1::ListFillsRequest>("execution_id: 'e-1' page_size: 2"))},
      {{"fills"}, expect(ParseText<v1::ListFillsRequest>("page_size: 100"))},
      {{"positions", "--all"}, expect(ParseText<v1::ListPositionsRequest>("include_flat: true"))},
      {{"positions"}, expect(v1::ListPositionsRequest())},
      {{"balances"}, expect(v1::ListBalancesRequest())},
      {{"kill", "--scope", "venue", "--venue", "kalshi", "--engage", "--reason", "x", "--by",
        "ops"},
       expect(ParseText<v1::SetKillSwitchRequest>(
           "scope: KILL_SWITCH_SCOPE_VENUE venue: VENUE_KALSHI engaged: true reason: 'x' "
           "requested_by: 'ops'"))},
      {{"kill", "--scope", "lane", "--lane", "cross_venue", "--engage", "--reason", "mapping drift",
        "--cancel-resting", "--by", "ops"},
       expect(ParseText<v1::SetKillSwitchRequest>(
           "scope: KILL_SWITCH_SCOPE_LANE lane: LANE_CROSS_VENUE engaged: true "
           "reason: 'mapping drift' cancel_resting: true requested_by: 'ops'"))},
      {{"kill", "--scope", "global", "--release", "--by", "ops"},
       expect(ParseText<v1::SetKillSwitchRequest>(
           "scope: KILL_SWITCH_SCOPE_GLOBAL engaged: false requested_by: 'ops'"))},
      {{"kill-switches"}, expect(v1::ListKillSwitchesRequest())},
      {{"safe-mode"}, expect(v1::GetSafeModeRequest())},
      {{"ack-safe-mode", "--episode", "7", "--note", "flat on both venues", "--by", "ops"},
       expect(ParseText<v1::AcknowledgeSafeModeRequest>(
           "episode_id: 7 note: 'flat on both venues' acknowledged_by: 'ops'"))},
      {{"trading-state"}, expect(v1::GetTradingStateRequest())},
      {{"trading-state", "--set", "halted", "--reason", "venue outage", "--by", "ops",
        "--cancel-resting"},
       expect(ParseText<v1::SetTradingStateRequest>(
           "state: TRADING_STATE_HALTED reason: 'venue outage' cancel_resting: true "
           "requested_by: 'ops'"))},
      {{"limits", "apply", "--file", "LIMITS", "--policy-uid", "uid-1", "--policy-name",
        "arbor/main", "--policy-generation", "4", "--stage-index", "2", "--stage-name", "canary",
        "--by", "operator"},
       expect(ParseText<v1::ApplyPolicyLimitsRequest>(R"(
          policy { policy_uid: "uid-1" policy_name: "arbor/main" policy_generation: 4
                   stage_index: 2 stage_name: "canary" }
          limits { capital_cap_micros: 250000000 max_orders_per_second: 5
                   leg_failure_policy: LEG_FAILURE_POLICY_UNWIND
                   lane_budgets { lane: LANE_BINARY enabled: true weight_bps: 5000 } }
          applied_by: "operator")"))},
      {{"stage-metrics", "--since", "2026-01-01T00:00:00Z", "--until", "1767229200000000000",
        "--by-lane"},
       expect(ParseText<v1::GetStageMetricsRequest>(
           "window_start_unix_nanos: 1767225600000000000 "
           "window_end_unix_nanos: 1767229200000000000 by_lane: true"))},
      {{"status"}, expect(v1::GetControlStatusRequest())},
  };
  for (const RequestCase& c : cases) {
    std::vector<std::string> args = c.args;
    for (std::string& a : args) {
      if (a == "OPP") a = opportunity_file_;
      if (a == "LIMITS") a = limits_file_;
    }
    const size_t before = backend_.requests().size();
    const Result r = Run(args);
    const std::string where = absl::StrCat("args: ", absl::StrJoin(c.args, " "));
    EXPECT_EQ(r.code, kExecutorExitOk) << where << "\n" << r.err;
    const std::vector<std::shared_ptr<Message>> requests = backend_.requests();
    ASSERT_EQ(requests.size(), before + 1) << where;
    const Message& sent = *requests.back();
    EXPECT_EQ(sent.GetDescriptor(), c.expected->GetDescriptor()) << where;
    EXPECT_TRUE(MessageDifferencer::Equals(sent, *c.expected))
        << where << "\nsent:     " << sent.ShortDebugString()
        << "\nexpected: " << c.expected->ShortDebugString();
  }
  // Every call carried the token.
  for (const std::string& auth : backend_.authorizations()) {
    EXPECT_EQ(auth, std::string("Bearer ") + kToken);
  }
}

// ---- Authentication and error statuses ------------------------------------------------------

TEST_F(ExecutorCommandTest, WrongOrMissingTokenExitsTwoWithUnauthenticated) {
  const std::string wrong = WriteTempFile("wrong_token", "not-the-token\n");
  Result r = RunRaw({"--executor", Target(), "--token-file", wrong, "health"});
  EXPECT_EQ(r.code, kExecutorExitServerError);
  EXPECT_THAT(r.err, HasSubstr("GetHealth failed: UNAUTHENTICATED"));
  EXPECT_THAT(r.err + r.out, Not(HasSubstr("not-the-token")));
  EXPECT_EQ(backend_.authorizations().back(), "Bearer not-the-token");

  r = RunRaw({"--executor", Target(), "kill-switches"});
  EXPECT_EQ(r.code, kExecutorExitServerError);
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED"));
  EXPECT_EQ(backend_.authorizations().back(), "");
  EXPECT_TRUE(backend_.requests().empty());
}

TEST_F(ExecutorCommandTest, TokenFileFromTheEnvironment) {
  ExecutorEnv env;
  env.executor = Target();
  env.token_file = token_file_;
  const Result r = RunRaw({"safe-mode"}, env);
  EXPECT_EQ(r.code, kExecutorExitOk) << r.err;
  EXPECT_EQ(backend_.authorizations().back(), std::string("Bearer ") + kToken);
  EXPECT_THAT(r.out + r.err, Not(HasSubstr(kToken)));
}

TEST_F(ExecutorCommandTest, ErrorStatusesMapToExitCodes) {
  struct Case {
    grpc::StatusCode code;
    int exit;
    const char* text;
  };
  for (const Case& c : std::vector<Case>{
           {grpc::StatusCode::INVALID_ARGUMENT, kExecutorExitServerError, "INVALID_ARGUMENT"},
           {grpc::StatusCode::NOT_FOUND, kExecutorExitServerError, "NOT_FOUND"},
           {grpc::StatusCode::FAILED_PRECONDITION, kExecutorExitServerError, "FAILED_PRECONDITION"},
           {grpc::StatusCode::UNAVAILABLE, kExecutorExitUnreachable, "UNAVAILABLE"},
           {grpc::StatusCode::DEADLINE_EXCEEDED, kExecutorExitUnreachable, "DEADLINE_EXCEEDED"},
       }) {
    backend_.FailWith(grpc::Status(c.code, "detail from the server"));
    const Result r = Run({"ack-safe-mode", "--episode", "3", "--note", "n", "--by", "ops"});
    EXPECT_EQ(r.code, c.exit) << c.text;
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat(c.text, ": detail from the server"))) << r.err;
    EXPECT_THAT(r.err, HasSubstr("AcknowledgeSafeMode"));
    EXPECT_EQ(r.out, "");
  }
}

TEST_F(ExecutorCommandTest, ServerDownExitsThree) {
  const std::string target = Target();
  server_->Shutdown();
  server_->Wait();
  const Result r =
      RunRaw({"--executor", target, "--token-file", token_file_, "--timeout", "3s", "status"});
  EXPECT_EQ(r.code, kExecutorExitUnreachable);
  EXPECT_THAT(r.err, HasSubstr("cannot reach the executor at " + target));
  EXPECT_THAT(r.err, HasSubstr("UNAVAILABLE"));
}

// ---- Submit outcomes ------------------------------------------------------------------------

TEST_F(ExecutorCommandTest, DeniedSubmissionExitsFourAndPrintsTheDenial) {
  backend_.SetResponse(ParseText<v1::SubmitOpportunityResponse>(R"(
      outcome: SUBMIT_OUTCOME_DENIED
      denial { reason: RISK_DENIAL_REASON_MAX_ORDER_NOTIONAL message: "leg 0 notional too big"
               limit_value: 50000000 observed_value: 96000001 leg_index: 0 })"));
  Result r = Run({"submit", "--opportunity-file", opportunity_file_});
  EXPECT_EQ(r.code, kExecutorExitDenied) << r.err;
  EXPECT_THAT(r.out, HasSubstr("outcome          DENIED\n"));
  EXPECT_THAT(r.out, HasSubstr("denial_reason    MAX_ORDER_NOTIONAL\n"));
  EXPECT_THAT(r.out, HasSubstr("denial_message   leg 0 notional too big\n"));
  EXPECT_THAT(r.out, HasSubstr("denial_limit     50.000000\n"));
  EXPECT_THAT(r.out, HasSubstr("denial_observed  96.000001\n"));
  EXPECT_THAT(r.out, HasSubstr("denial_leg       0\n"));

  r = Run({"--output", "json", "submit", "--opportunity-file", opportunity_file_});
  EXPECT_EQ(r.code, kExecutorExitDenied);
  v1::SubmitOpportunityResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok()) << r.out;
  EXPECT_EQ(parsed.denial().reason(), v1::RISK_DENIAL_REASON_MAX_ORDER_NOTIONAL);
}

TEST_F(ExecutorCommandTest, AcceptedAndDuplicateSubmissionsExitZeroWithTheExecution) {
  backend_.SetResponse(ParseText<v1::SubmitOpportunityResponse>(R"(
      outcome: SUBMIT_OUTCOME_DUPLICATE
      execution { execution_id: "exec-1" opportunity_id: "opp-1" lane: LANE_BINARY
                  state: EXECUTION_STATE_WORKING fees_micros: 120000
                  created_unix_nanos: 1767225600000000000
                  legs { leg_index: 0 state: LEG_STATE_WORKING client_order_ids: "c-1"
                         planned { action: LEG_ACTION_ORDER side: SIDE_BUY
                                   instrument_id { venue: VENUE_POLYMARKET symbol: "111" }
                                   limit_price_micros: 480000 size_micros: 20000000 } } })"));
  const Result r = Run({"submit", "--opportunity-file", opportunity_file_});
  EXPECT_EQ(r.code, kExecutorExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("outcome  DUPLICATE\n"));
  EXPECT_THAT(r.out, HasSubstr("execution_id           exec-1\n"));
  EXPECT_THAT(r.out, HasSubstr("lane                   binary\n"));
  EXPECT_THAT(r.out, HasSubstr("state                  WORKING\n"));
  EXPECT_THAT(r.out, HasSubstr("fees_usd               0.120000\n"));
  EXPECT_THAT(r.out, HasSubstr("created                2026-01-01T00:00:00Z\n"));
  EXPECT_THAT(r.out, HasSubstr("BUY polymarket:111 20 @0.480000"));
}

// ---- Output ---------------------------------------------------------------------------------

v1::ListBalancesResponse SampleBalances() {
  return ParseText<v1::ListBalancesResponse>(R"(
      balances { venue: VENUE_POLYMARKET asset: "pUSD" total_micros: 1234567
                 available_micros: 1000000 reserved_micros: 234567 mode: TRADING_MODE_PAPER
                 updated_unix_nanos: 1767225600123456789 }
      balances { venue: VENUE_KALSHI asset: "USD" total_micros: -5 available_micros: 0
                 reserved_micros: 9007199254740993 mode: TRADING_MODE_PAPER })");
}

TEST_F(ExecutorCommandTest, TableShowsUsdExactlyWithSixDecimals) {
  backend_.SetResponse(SampleBalances());
  const Result r = Run({"balances"});
  EXPECT_EQ(r.code, kExecutorExitOk) << r.err;
  EXPECT_EQ(
      r.out,
      "VENUE       ASSET  TOTAL_USD  AVAILABLE_USD       RESERVED_USD  MODE   UPDATED         "
      "                RECONCILED\n"
      "polymarket  pUSD    1.234567       1.000000           0.234567  PAPER  "
      "2026-01-01T00:00:00.123456789Z  -\n"
      "kalshi      USD    -0.000005       0.000000  9007199254.740993  PAPER  -               "
      "                -\n");
}

TEST_F(ExecutorCommandTest, JsonOutputParsesBackToTheResponse) {
  const v1::ListBalancesResponse expected = SampleBalances();
  backend_.SetResponse(expected);
  const Result r = Run({"balances", "--output", "json"});
  EXPECT_EQ(r.code, kExecutorExitOk) << r.err;
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one object on one line: " << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"total_micros\":\"1234567\""));  // proto field names
  EXPECT_THAT(r.out, Not(HasSubstr("reconciled_unix_nanos")));    // defaults omitted
  v1::ListBalancesResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok()) << r.out;
  EXPECT_TRUE(MessageDifferencer::Equals(parsed, expected)) << parsed.DebugString();
}

TEST_F(ExecutorCommandTest, KillPrintsTheSwitchAndCancels) {
  backend_.SetResponse(ParseText<v1::SetKillSwitchResponse>(R"(
      kill_switch { scope: KILL_SWITCH_SCOPE_VENUE venue: VENUE_KALSHI engaged: true
                    reason: "x" changed_by: "ops" updated_unix_nanos: 1767225600000000000 }
      cancels_sent: 3)"));
  const Result r = Run({"kill", "--scope", "venue", "--venue", "kalshi", "--engage", "--reason",
                        "x", "--by", "ops"});
  EXPECT_EQ(r.code, kExecutorExitOk) << r.err;
  EXPECT_EQ(r.out,
            "SCOPE  TARGET  ENGAGED  CANCEL_RESTING  CHANGED_BY  UPDATED               REASON\n"
            "VENUE  kalshi  yes      no              ops         2026-01-01T00:00:00Z  x\n"
            "\n"
            "cancels_sent  3\n");
}

TEST_F(ExecutorCommandTest, StatusAndStageMetricsTables) {
  backend_.SetResponse(ParseText<v1::GetControlStatusResponse>(R"(
      health { component: "executor" instance: "executor-0" status: SERVING_STATUS_SERVING
               live: true ready: true checks { name: "VenueReconciled" ok: true } }
      leader: true fencing_epoch: 9
      active_policy { policy_uid: "uid-1" policy_name: "arbor/main" policy_generation: 4 }
      active_limits { capital_cap_micros: 250000000 leg_timeout_nanos: 1500000000
                      lane_budgets { lane: LANE_NEGRISK enabled: true weight_bps: 2550
                                     min_confidence_bps: 9500 } })"));
  Result r = Run({"status"});
  EXPECT_EQ(r.code, kExecutorExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("status                  SERVING\n"));
  EXPECT_THAT(r.out, HasSubstr("policy_generation       4\n"));
  EXPECT_THAT(r.out, HasSubstr("capital_cap_usd               250.000000\n"));
  EXPECT_THAT(r.out, HasSubstr("leg_timeout                   1.5s\n"));
  EXPECT_THAT(r.out, HasSubstr("negrisk  yes      25.50%"));
  EXPECT_THAT(r.out, HasSubstr("95.00%"));
  EXPECT_THAT(r.out, HasSubstr("VenueReconciled  yes"));

  backend_.SetResponse(ParseText<v1::GetStageMetricsResponse>(R"(
      total { realized_pnl_micros: -1500000 sample_count: 12 fill_reliability_bps: 9875
              data_complete: true window_start_unix_nanos: 1767225600000000000 }
      lanes { lane: LANE_BINARY realized_pnl_micros: 500000 sample_count: 5 })"));
  r = Run({"stage-metrics", "--since", "2026-01-01T00:00:00Z", "--by-lane"});
  EXPECT_EQ(r.code, kExecutorExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("METRIC                     TOTAL    binary\n"));
  EXPECT_THAT(r.out, HasSubstr("realized_pnl_usd       -1.500000  0.500000\n"));
  EXPECT_THAT(r.out, HasSubstr("sample_count                  12         5\n"));
  EXPECT_THAT(r.out, HasSubstr("fill_reliability          98.75%     0.00%\n"));
  EXPECT_THAT(r.out, HasSubstr("window_start       2026-01-01T00:00:00Z\n"));
}

// ---- Paging ---------------------------------------------------------------------------------

void AddExecutions(Backend* backend, int n) {
  for (int i = 0; i < n; ++i) {
    v1::Execution e;
    e.set_execution_id(absl::StrCat("exec-", i));
    e.set_opportunity_id(absl::StrCat("opp-", i));
    e.set_lane(v1::LANE_BINARY);
    e.set_state(v1::EXECUTION_STATE_CLOSED);
    e.set_realized_pnl_micros(1234567);
    backend->AddExecution(e);
  }
}

TEST_F(ExecutorCommandTest, PagingFollowsNextPageTokenUpToTheLimit) {
  AddExecutions(&backend_, 7);
  Result r = Run({"executions", "--limit", "5"});
  EXPECT_EQ(r.code, kExecutorExitOk) << r.err;
  std::vector<v1::ListExecutionsRequest> sent = backend_.RequestsOf<v1::ListExecutionsRequest>();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].page_token(), "");
  EXPECT_EQ(sent[0].page_size(), 5u);
  EXPECT_EQ(sent[1].page_token(), "2");
  EXPECT_EQ(sent[1].page_size(), 3u);
  EXPECT_EQ(sent[2].page_token(), "4");
  EXPECT_EQ(sent[2].page_size(), 1u);
  EXPECT_THAT(r.out, HasSubstr("exec-4 "));
  EXPECT_THAT(r.out, Not(HasSubstr("exec-5")));
  EXPECT_THAT(r.out, HasSubstr(" 1.234567 "));
  EXPECT_THAT(r.out, HasSubstr("5 executions (more available; raise --limit)\n"));

  // JSON: one object with every kept execution and the token to continue from.
  r = Run({"executions", "--limit", "5", "--output", "json"});
  v1::ListExecutionsResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok()) << r.out;
  EXPECT_EQ(parsed.executions_size(), 5);
  EXPECT_EQ(parsed.next_page_token(), "5");

  // A limit above the total reads to the last page.
  r = Run({"executions"});
  EXPECT_EQ(r.code, kExecutorExitOk);
  EXPECT_THAT(r.out, HasSubstr("exec-6 "));
  EXPECT_THAT(r.out, HasSubstr("\n7 executions\n"));
  EXPECT_EQ(backend_.RequestsOf<v1::ListExecutionsRequest>().size(), 3u + 3u + 4u);
}

// ---- TLS ------------------------------------------------------------------------------------

// Generates a CA, a server certificate for 127.0.0.1 and a client certificate with the openssl
// CLI into `dir`. False if openssl is unavailable.
bool MakeCertificates(const std::string& dir) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string script = absl::StrCat(
      "set -e; cd '", dir, "'; ",
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext; ", "openssl req -x509 ", ec,
      " -keyout ca.key -out ca.pem -days 2 -subj /CN=arbor-test-ca; ", "openssl req ", ec,
      " -keyout server.key -out server.csr -subj /CN=localhost; ",
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial ",
      "-out server.pem -days 2 -extfile san.ext; ", "openssl req ", ec,
      " -keyout client.key -out client.csr -subj /CN=arborctl; ",
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial ",
      "-out client.pem -days 2");
  const std::string command = "(" + script + ") >/dev/null 2>&1";
  // Runs before the test starts any server thread.
  return std::system(command.c_str()) == 0;  // NOLINT(concurrency-mt-unsafe)
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ExecutorCommandTlsTest, MutualTlsWithClientCertificate) {
  const std::string dir = ::testing::TempDir() + "/executor_command_tls";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  ASSERT_FALSE(ec) << ec.message();
  if (!MakeCertificates(dir)) GTEST_SKIP() << "openssl CLI not available";

  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = ReadWhole(dir + "/ca.pem");
  ssl.pem_key_cert_pairs.push_back(
      {ReadWhole(dir + "/server.key"), ReadWhole(dir + "/server.pem")});
  Backend backend;
  FakeExecutor executor(&backend);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &port);
  builder.RegisterService(&executor);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  const std::string target = absl::StrCat("127.0.0.1:", port);
  const std::string token_file = WriteTempFile("tls_token", kToken);

  std::ostringstream out;
  std::ostringstream err;
  int code = RunExecutorCommand(
      {"--executor", target, "--token-file", token_file, "--tls-ca", dir + "/ca.pem", "--tls-cert",
       dir + "/client.pem", "--tls-key", dir + "/client.key", "--timeout", "5s", "positions"},
      ExecutorEnv{}, out, err);
  EXPECT_EQ(code, kExecutorExitOk) << err.str();
  EXPECT_EQ(backend.RequestsOf<v1::ListPositionsRequest>().size(), 1u);

  // Without a client certificate the handshake fails: no answer, exit 3.
  std::ostringstream out2;
  std::ostringstream err2;
  code = RunExecutorCommand({"--executor", target, "--token-file", token_file, "--tls-ca",
                             dir + "/ca.pem", "--timeout", "5s", "positions"},
                            ExecutorEnv{}, out2, err2);
  EXPECT_EQ(code, kExecutorExitUnreachable) << err2.str();
  // Plaintext against a TLS port: likewise.
  std::ostringstream out3;
  std::ostringstream err3;
  code = RunExecutorCommand(
      {"--executor", target, "--token-file", token_file, "--timeout", "5s", "positions"},
      ExecutorEnv{}, out3, err3);
  EXPECT_EQ(code, kExecutorExitUnreachable) << err3.str();
  EXPECT_EQ(backend.RequestsOf<v1::ListPositionsRequest>().size(), 1u);
  server->Shutdown();
}

// ---- The real binary ------------------------------------------------------------------------

std::string RunCommand(const std::string& cmd, int* exit_code) {
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST_F(ExecutorCommandTest, BinaryDispatchesToTheCommand) {
  int code = -1;
  std::string out = RunCommand(std::string(ARBORCTL_BINARY) + " executor --help", &code);
  EXPECT_EQ(code, kExecutorExitOk);
  EXPECT_THAT(out, HasSubstr("Exit codes:"));
  out = RunCommand(std::string(ARBORCTL_BINARY) + " executor bogus 2>&1", &code);
  EXPECT_EQ(code, kExecutorExitUsage);
  EXPECT_THAT(out, HasSubstr("unknown subcommand 'bogus'"));
  out = RunCommand("ARBOR_EXECUTOR=" + Target() + " ARBOR_EXECUTOR_TOKEN_FILE=" + token_file_ +
                       " " + ARBORCTL_BINARY + " executor trading-state 2>&1",
                   &code);
  EXPECT_EQ(code, kExecutorExitOk) << out;
  EXPECT_EQ(backend_.RequestsOf<v1::GetTradingStateRequest>().size(), 1u);
  out = RunCommand(std::string(ARBORCTL_BINARY) + " help", &code);
  EXPECT_THAT(out, HasSubstr("  executor [--executor HOST:PORT]"));
}

}  // namespace
}  // namespace arbor::arborctl
