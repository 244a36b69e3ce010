// arbor-executor as a real process, in `sim` mode against the real arbor-venue-sim (Polymarket
// CLOB protocol, signed orders) with a real PostgreSQL: gRPC API checks, then fault injection —
// the executor is killed with SIGKILL at every step of a two-leg execution (--failpoint),
// restarted, and must resolve every intent with no duplicate and no orphan order, positions equal
// to the venue's trades, and safe mode whenever exposure is left. Prints the crash-point x run
// matrix.
//
// ARBOR_CRASH_RUNS (default 2) sets the runs per crash point.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arbor/core/fixed_point.h"
#include "arbor/exec/venue_gateway.h"
#include "arbor/executor/polymarket_gateway.h"
#include "arbor/net/http_client.h"
#include "arbor/testing/child_process.h"
#include "arbor/testing/postgres_cluster.h"
#include "arbor/v1/control_service.grpc.pb.h"
#include "arbor/v1/executor_service.grpc.pb.h"
#include "arbor/venue/polymarket/eip712.h"
#include "arbor/venue/polymarket/public_client.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace arbor {
namespace {

namespace pm = venue::polymarket;
using testing::ChildProcess;
using testing::PostgresCluster;

constexpr char kToken[] = "test-token-0123456789";

struct Market {
  std::string yes;
  std::string no;
  int64_t yes_ask = 0;
  int64_t no_ask = 0;
  int64_t no_bid = 0;
};

class ExecutorSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = PostgresCluster::Start();
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = cluster->release();
    char tmpl[] = "/tmp/arbor_executor_sim_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    WriteFile(*dir_ + "/token", kToken);
    // Generous limits: these tests are about crashes and the API, not risk.
    WriteFile(*dir_ + "/limits.json", R"({
      "capitalCapMicros": "100000000000", "maxOrderSizeMicros": "100000000000",
      "maxOrderNotionalMicros": "100000000000", "priceToleranceMicros": "500000",
      "maxPositionPerVenueMicros": "100000000000", "maxPositionPerEventMicros": "100000000000",
      "maxExposurePerClusterMicros": "100000000000", "dailyLossCapMicros": "10000000000",
      "reduceDrawdownMicros": "10000000000", "maxDrawdownMicros": "20000000000",
      "maxUnhedgedExposureMicros": "10000000000", "maxOrdersPerSecond": 1000,
      "maxOpenOrders": 1000, "legTimeoutNanos": "1000000000",
      "legFailurePolicy": "LEG_FAILURE_POLICY_UNWIND", "maxBookAgeNanos": "3600000000000",
      "laneBudgets": [{"lane": "LANE_BINARY", "enabled": true, "weightBps": 10000}]})");
    auto sim = ChildProcess::Start({ARBOR_VENUE_SIM_BINARY, "--scenario",
                                    std::string(ARBOR_SCENARIO_DIR) + "/default.json", "--step-ms",
                                    "3600000"});
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = new ChildProcess(std::move(*sim));
    auto ready = sim_->ReadLine();
    ASSERT_TRUE(ready.ok()) << ready.status();
    clob_port_ = testing::JsonIntField(*ready, "clob_port");
    gamma_port_ = testing::JsonIntField(*ready, "gamma_port");
    admin_port_ = testing::JsonIntField(*ready, "admin_port");
    ASSERT_GT(clob_port_, 0);
  }
  static void TearDownTestSuite() {
    if (sim_ != nullptr) {
      EXPECT_EQ(sim_->Stop(SIGTERM), 0);
    }
    delete sim_;
    sim_ = nullptr;
    delete cluster_;
    cluster_ = nullptr;
    if (dir_ != nullptr) {
      (void)system(absl::StrCat("rm -rf ", *dir_).c_str());
      delete dir_;
    }
  }

  static void WriteFile(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
  }

  void SetUp() override {
    auto http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
  }

  // A fresh database per run (the executor migrates it).
  std::string NewDatabase(const std::string& name) {
    pqxx::connection admin(cluster_->conninfo());
    pqxx::nontransaction txn(admin);
    txn.exec(absl::StrCat("DROP DATABASE IF EXISTS ", txn.quote_name(name)));
    txn.exec(absl::StrCat("CREATE DATABASE ", txn.quote_name(name)));
    return absl::StrCat(cluster_->conninfo(), " dbname=", name);
  }

  // A wallet of its own per run, so its trades at the venue are exactly this run's.
  std::string NewKey(int n) {
    char hex[65];
    snprintf(hex, sizeof hex, "%064x", 0x1000 + n);
    const std::string key = absl::StrCat("0x", hex);
    WriteFile(absl::StrCat(*dir_, "/key", n), key);
    auto signer = pm::Secp256k1Signer::FromHex(key);
    EXPECT_TRUE(signer.ok());
    address_ = absl::AsciiStrToLower(pm::ChecksumAddress((*signer)->address()));
    return absl::StrCat(*dir_, "/key", n);
  }

  struct Executor {
    std::unique_ptr<ChildProcess> process;
    std::unique_ptr<v1::Executor::Stub> stub;
    std::unique_ptr<v1::Control::Stub> control;
    int ops_port = 0;
  };

  // The value of one series on the executor's /metrics (0 if absent, -1 if unreachable).
  double Metric(const Executor& e, const std::string& series) {
    absl::StatusOr<net::HttpResponse> m = http_->Send(
        net::Origin{false, "127.0.0.1", static_cast<uint16_t>(e.ops_port)}, {.target = "/metrics"});
    if (!m.ok()) return -1;
    const size_t at = m->body.find(series + " ");
    if (at == std::string::npos) return 0;
    return std::stod(m->body.substr(at + series.size() + 1));
  }

  Executor StartExecutor(const std::string& pg, const std::string& key_file,
                         const std::string& failpoint = "",
                         const std::string& instance = "executor-0") {
    std::vector<std::string> argv = {
        ARBOR_EXECUTOR_BINARY,
        "--mode=sim",
        absl::StrCat("--pg=", pg),
        absl::StrCat("--auth_token_file=", *dir_, "/token"),
        absl::StrCat("--limits_file=", *dir_, "/limits.json"),
        absl::StrCat("--polymarket_clob_url=http://127.0.0.1:", clob_port_),
        absl::StrCat("--polymarket_key_file=", key_file),
        "--lease_ttl=2s",
        "--poll_interval=50ms",
        "--leg_window=1s",
        "--log_level=warning",
        absl::StrCat("--instance_id=", instance)};
    if (!failpoint.empty()) argv.push_back(absl::StrCat("--failpoint=", failpoint));
    Executor e;
    auto child = ChildProcess::Start(argv);
    EXPECT_TRUE(child.ok()) << child.status();
    e.process = std::make_unique<ChildProcess>(std::move(*child));
    auto line = e.process->ReadLine();
    EXPECT_TRUE(line.ok()) << line.status();
    const int port = line.ok() ? testing::JsonIntField(*line, "grpc_port") : 0;
    e.ops_port = line.ok() ? testing::JsonIntField(*line, "ops_port") : 0;
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    e.stub = v1::Executor::NewStub(channel);
    e.control = v1::Control::NewStub(channel);
    return e;
  }

  // Whether the child exited (is a zombie) within `timeout`; Wait() then reaps it at once.
  static bool WaitForExit(const ChildProcess& p, absl::Duration timeout) {
    const absl::Time end = absl::Now() + timeout;
    while (absl::Now() < end) {
      std::ifstream stat(absl::StrCat("/proc/", p.pid(), "/stat"));
      std::string pid, comm, state;
      stat >> pid >> comm >> state;
      if (!stat || state == "Z") return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  static void Auth(grpc::ClientContext* ctx) {
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }

  bool WaitReady(Executor& e, absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time end = absl::Now() + timeout;
    while (absl::Now() < end) {
      grpc::ClientContext ctx;
      Auth(&ctx);
      v1::GetExecutorHealthResponse health;
      if (e.stub->GetHealth(&ctx, {}, &health).ok() && health.health().ready()) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  std::optional<Market> FindMarket() {
    pm::PublicClient pub(
        http_.get(),
        net::Origin{.tls = false, .host = "127.0.0.1", .port = static_cast<uint16_t>(clob_port_)},
        net::Origin{.tls = false, .host = "127.0.0.1", .port = static_cast<uint16_t>(gamma_port_)});
    auto markets = pub.GetGammaMarkets(0, 100);
    if (!markets.ok()) return std::nullopt;
    for (const pm::GammaMarket& m : *markets) {
      if (m.neg_risk || m.clob_token_ids.size() != 2 ||
          m.order_price_min_tick_size != *Price::Parse("0.01")) {
        continue;
      }
      Market out{m.clob_token_ids[0], m.clob_token_ids[1]};
      int64_t yes_ask_size = 0, no_ask_size = 0;
      auto best = [&](const std::string& token, int64_t* ask, int64_t* ask_size, int64_t* bid) {
        auto book = pub.GetBook(token);
        if (!book.ok() || book->asks.empty() || book->bids.empty()) return false;
        *ask = INT64_MAX;
        for (const auto& l : book->asks) {
          if (l.level.price.micros() < *ask) {
            *ask = l.level.price.micros();
            *ask_size = l.level.size.micros();
          }
        }
        int64_t b = 0;
        for (const auto& l : book->bids) b = std::max(b, l.level.price.micros());
        if (bid != nullptr) *bid = b;
        return true;
      };
      int64_t yes_bid = 0;
      if (!best(out.yes, &out.yes_ask, &yes_ask_size, &yes_bid) ||
          !best(out.no, &out.no_ask, &no_ask_size, &out.no_bid)) {
        continue;
      }
      if (yes_ask_size >= 50'000'000 && no_ask_size >= 50'000'000 && out.yes_ask <= 900'000 &&
          out.no_ask <= 900'000 && out.no_bid >= 50'000) {
        return out;
      }
    }
    return std::nullopt;
  }

  // Buy YES at its ask and NO at its ask (or, if `fail_b`, NO far below its bid: the FAK finds
  // nothing and leg A must be unwound). Sized 5 sets.
  v1::Opportunity Opportunity(const Market& m, const std::string& id, bool fail_b) {
    v1::Opportunity o;
    o.set_opportunity_id(id);
    o.set_lane(v1::LANE_BINARY);
    o.set_size_sets_micros(5'000'000);
    o.set_worst_case_payoff_micros(5'000'000);
    o.set_guaranteed(true);
    o.set_expected_profit_micros(1);
    o.set_confidence(1.0);
    o.add_event_ids("sim-event");
    const std::pair<std::string, int64_t> legs[] = {
        {m.yes, m.yes_ask},
        {m.no, fail_b ? std::max<int64_t>(m.no_bid - 40'000, 10'000) : m.no_ask}};
    for (int i = 0; i < 2; ++i) {
      v1::OpportunityLeg* leg = o.add_legs();
      leg->set_leg_index(static_cast<uint32_t>(i));
      leg->set_action(v1::LEG_ACTION_ORDER);
      leg->mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
      leg->mutable_instrument_id()->set_symbol(legs[i].first);
      leg->set_side(v1::SIDE_BUY);
      leg->set_limit_price_micros(legs[i].second);
      leg->set_expected_vwap_micros(legs[i].second);
      leg->set_size_micros(5'000'000);
      leg->set_available_size_micros(50'000'000);
      leg->set_time_in_force(v1::TIME_IN_FORCE_IOC);
    }
    o.set_created_unix_nanos(absl::ToUnixNanos(absl::Now()));
    o.set_source_ts_receipt_unix_nanos(o.created_unix_nanos());
    return o;
  }

  // Net shares per token this run's account traded at the venue (the simulator's trade log).
  std::map<std::string, int64_t> VenuePositions() {
    std::map<std::string, int64_t> out;
    net::HttpRequest req;
    req.method = "GET";
    req.target = "/admin/trades?limit=1000";
    auto resp = http_->Send(
        net::Origin{.tls = false, .host = "127.0.0.1", .port = static_cast<uint16_t>(admin_port_)},
        req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    if (!resp.ok()) return out;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(resp->body).get(doc), simdjson::SUCCESS);
    for (simdjson::dom::element t : doc["trades"]) {
      const std::string taker = absl::AsciiStrToLower(std::string(t["taker"].get_string().value()));
      const std::string maker = absl::AsciiStrToLower(std::string(t["maker"].get_string().value()));
      const std::string side(t["side"].get_string().value());
      const int64_t size = Quantity::Parse(std::string(t["size"].get_string().value()))->micros();
      const std::string token(t["token"].get_string().value());
      if (taker == address_) out[token] += side == "BUY" ? size : -size;
      if (maker == address_) out[token] += side == "BUY" ? -size : size;
    }
    for (auto it = out.begin(); it != out.end();) {
      it = it->second == 0 ? out.erase(it) : std::next(it);
    }
    return out;
  }

  std::map<std::string, int64_t> LedgerPositions(Executor& e) {
    std::map<std::string, int64_t> out;
    grpc::ClientContext ctx;
    Auth(&ctx);
    v1::ListPositionsResponse resp;
    EXPECT_TRUE(e.stub->ListPositions(&ctx, {}, &resp).ok());
    for (const v1::Position& p : resp.positions())
      out[p.instrument_id().symbol()] = p.size_micros();
    return out;
  }

  // POST/GET/DELETE on the simulator's admin API; returns the body.
  std::string Admin(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    net::HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    if (!body.empty()) req.headers.push_back({"Content-Type", "application/json"});
    auto resp = http_->Send(
        net::Origin{.tls = false, .host = "127.0.0.1", .port = static_cast<uint16_t>(admin_port_)},
        req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? resp->body : "";
  }

  int64_t RateLimitHits() {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    const std::string body = Admin("GET", "/admin/faults");
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) return -1;
    int64_t hits = -1;
    if (doc["counters"]["rate_limit"].get(hits) != simdjson::SUCCESS) return -1;
    return hits;
  }

  v1::SubmitOpportunityResponse Submit(Executor& e, const v1::Opportunity& o) {
    grpc::ClientContext ctx;
    Auth(&ctx);
    v1::SubmitOpportunityRequest req;
    *req.mutable_opportunity() = o;
    req.set_submitted_by("test");
    v1::SubmitOpportunityResponse resp;
    const grpc::Status s = e.stub->SubmitOpportunity(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  v1::Execution WaitClosed(Executor& e, const std::string& execution_id) {
    v1::Execution ex;
    for (int i = 0; i < 300; ++i) {
      grpc::ClientContext ctx;
      Auth(&ctx);
      v1::GetExecutionRequest req;
      req.set_execution_id(execution_id);
      v1::GetExecutionResponse resp;
      if (e.stub->GetExecution(&ctx, req, &resp).ok()) {
        ex = resp.execution();
        if (ex.state() == v1::EXECUTION_STATE_CLOSED) break;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return ex;
  }

  static PostgresCluster* cluster_;
  static ChildProcess* sim_;
  static std::string* dir_;
  static int clob_port_, gamma_port_, admin_port_;
  std::unique_ptr<net::HttpClient> http_;
  std::string address_;
};

PostgresCluster* ExecutorSimTest::cluster_ = nullptr;
ChildProcess* ExecutorSimTest::sim_ = nullptr;
std::string* ExecutorSimTest::dir_ = nullptr;
int ExecutorSimTest::clob_port_ = 0;
int ExecutorSimTest::gamma_port_ = 0;
int ExecutorSimTest::admin_port_ = 0;

TEST_F(ExecutorSimTest, ApiValidatesAuthenticatesAndTradesAgainstTheSimulator) {
  const std::string pg = NewDatabase("api");
  Executor e = StartExecutor(pg, NewKey(1));
  ASSERT_TRUE(WaitReady(e));
  const std::optional<Market> m = FindMarket();
  ASSERT_TRUE(m.has_value()) << "no suitable market in the default scenario";

  {  // No token: refused.
    grpc::ClientContext ctx;
    v1::GetExecutorHealthResponse r;
    EXPECT_EQ(e.stub->GetHealth(&ctx, {}, &r).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {  // Wrong token: refused.
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer nope");
    v1::GetExecutorHealthResponse r;
    EXPECT_EQ(e.stub->GetHealth(&ctx, {}, &r).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  {  // Malformed: INVALID_ARGUMENT with the reason.
    grpc::ClientContext ctx;
    Auth(&ctx);
    v1::SubmitOpportunityRequest req;
    *req.mutable_opportunity() = Opportunity(*m, "bad", false);
    req.mutable_opportunity()->mutable_legs(0)->set_limit_price_micros(0);
    v1::SubmitOpportunityResponse resp;
    const grpc::Status s = e.stub->SubmitOpportunity(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("legs[0]"));
  }
  {  // A kill switch without a reason is invalid.
    grpc::ClientContext ctx;
    Auth(&ctx);
    v1::SetKillSwitchRequest req;
    req.set_scope(v1::KILL_SWITCH_SCOPE_GLOBAL);
    req.set_engaged(true);
    req.set_requested_by("test");
    v1::SetKillSwitchResponse resp;
    EXPECT_EQ(e.stub->SetKillSwitch(&ctx, req, &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  std::string execution_id;
  {  // A real two-leg trade through the simulator.
    grpc::ClientContext ctx;
    Auth(&ctx);
    v1::SubmitOpportunityRequest req;
    *req.mutable_opportunity() = Opportunity(*m, "api-1", false);
    req.set_submitted_by("test");
    v1::SubmitOpportunityResponse resp;
    ASSERT_TRUE(e.stub->SubmitOpportunity(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.outcome(), v1::SUBMIT_OUTCOME_ACCEPTED) << resp.DebugString();
    execution_id = resp.execution().execution_id();
  }
  v1::Execution done;
  for (int i = 0; i < 200; ++i) {
    grpc::ClientContext ctx;
    Auth(&ctx);
    v1::GetExecutionRequest req;
    req.set_execution_id(execution_id);
    v1::GetExecutionResponse resp;
    ASSERT_TRUE(e.stub->GetExecution(&ctx, req, &resp).ok());
    done = resp.execution();
    if (done.state() == v1::EXECUTION_STATE_CLOSED) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(done.state(), v1::EXECUTION_STATE_CLOSED) << done.DebugString();
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_COMPLETED) << done.DebugString();
  // The user channel (subscribed with the gateway's L2 credentials) pushed both legs' fills too;
  // the engine de-duplicated them with the polled ones, so the ledger still equals the venue.
  // (/metrics is refreshed once a second: wait for a snapshot taken after the close.)
  double pushed = 0;
  for (int i = 0; i < 100; ++i) {
    pushed = Metric(e, R"(arbor_executor_events_total{event="user_channel_fills"})");
    if (pushed >= 2 && Metric(e, "arbor_executor_leg_fill_seconds_count") >= 2 &&
        Metric(e, R"(arbor_executor_state{name="open_executions"})") == 0) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_GE(pushed, 2) << "the user channel delivered no fills";
  EXPECT_EQ(Metric(e, R"(arbor_executor_state{name="user_channel_connected"})"), 1);
  // Leg latencies (both legs answered and filled) and no order left open.
  EXPECT_EQ(Metric(e, "arbor_executor_leg_ack_seconds_count"), 2);
  EXPECT_EQ(Metric(e, "arbor_executor_leg_fill_seconds_count"), 2);
  EXPECT_EQ(Metric(e, R"(arbor_executor_orders{status="accepted"})"), 0);
  EXPECT_EQ(LedgerPositions(e), VenuePositions());
  {  // Kill switch: the next submission is denied.
    grpc::ClientContext ctx;
    Auth(&ctx);
    v1::SetKillSwitchRequest req;
    req.set_scope(v1::KILL_SWITCH_SCOPE_VENUE);
    req.set_venue(v1::VENUE_POLYMARKET);
    req.set_engaged(true);
    req.set_reason("test");
    req.set_requested_by("test");
    v1::SetKillSwitchResponse resp;
    ASSERT_TRUE(e.stub->SetKillSwitch(&ctx, req, &resp).ok());
    grpc::ClientContext ctx2;
    Auth(&ctx2);
    v1::SubmitOpportunityRequest sub;
    *sub.mutable_opportunity() = Opportunity(*m, "api-2", false);
    v1::SubmitOpportunityResponse out;
    ASSERT_TRUE(e.stub->SubmitOpportunity(&ctx2, sub, &out).ok());
    EXPECT_EQ(out.outcome(), v1::SUBMIT_OUTCOME_DENIED);
    EXPECT_EQ(out.denial().reason(), v1::RISK_DENIAL_REASON_KILL_SWITCH);
  }
  {  // Stage evidence from the ledger.
    grpc::ClientContext ctx;
    Auth(&ctx);
    v1::GetStageMetricsRequest req;
    req.set_window_start_unix_nanos(1);
    v1::GetStageMetricsResponse resp;
    ASSERT_TRUE(e.control->GetStageMetrics(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.total().sample_count(), 1u);
    EXPECT_EQ(resp.total().executions_completed(), 1u);
    EXPECT_EQ(resp.total().legs_submitted(), 2u);
    EXPECT_EQ(resp.total().fill_reliability_bps(), 10'000u);
    EXPECT_EQ(resp.total().risk_denials(), 1u);
    EXPECT_FALSE(resp.total().data_complete()) << "the window starts before this process";
  }
  EXPECT_EQ(e.process->Stop(SIGTERM), 0);
}

TEST_F(ExecutorSimTest, SigkillAtEveryStepLosesNothingAndDuplicatesNothing) {
  const std::optional<Market> m = FindMarket();
  ASSERT_TRUE(m.has_value());
  int runs = 2;
  if (const char* env = getenv("ARBOR_CRASH_RUNS"); env != nullptr) {
    ASSERT_TRUE(absl::SimpleAtoi(env, &runs));
  }
  struct Point {
    const char* failpoint;
    bool fail_b;  // leg B finds nothing, so leg A is unwound
  };
  const Point points[] = {{"before_intent_commit", false}, {"after_intent_commit", false},
                          {"before_send", false},          {"after_send", false},
                          {"after_first_report", false},   {"after_unwind_send", true}};
  std::map<std::string, std::map<std::string, int>> outcomes;  // point -> close reason -> count
  int key = 100;
  for (const Point& p : points) {
    for (int run = 0; run < runs; ++run) {
      SCOPED_TRACE(absl::StrCat(p.failpoint, " run ", run));
      const std::string pg = NewDatabase(absl::StrCat("crash_", p.failpoint, "_", run));
      const std::string key_file = NewKey(++key);
      const std::string opp_id = absl::StrCat("crash-", p.failpoint, "-", run);
      {
        Executor doomed = StartExecutor(pg, key_file, p.failpoint);
        ASSERT_TRUE(WaitReady(doomed));
        grpc::ClientContext ctx;
        Auth(&ctx);
        v1::SubmitOpportunityRequest req;
        *req.mutable_opportunity() = Opportunity(*m, opp_id, p.fail_b);
        v1::SubmitOpportunityResponse resp;
        (void)doomed.stub->SubmitOpportunity(&ctx, req, &resp);
        ASSERT_TRUE(WaitForExit(*doomed.process, absl::Seconds(30))) << "the failpoint never fired";
        EXPECT_EQ(doomed.process->Wait(), -SIGKILL) << "the failpoint must have fired";
      }
      Executor restarted = StartExecutor(pg, key_file);
      ASSERT_TRUE(WaitReady(restarted)) << "recovery must finish";
      // Every intent is resolved: nothing open.
      v1::ListExecutionsResponse all;
      {
        grpc::ClientContext ctx;
        Auth(&ctx);
        ASSERT_TRUE(restarted.stub->ListExecutions(&ctx, {}, &all).ok());
      }
      std::string reason = "no_intent";
      for (const v1::Execution& ex : all.executions()) {
        EXPECT_EQ(ex.state(), v1::EXECUTION_STATE_CLOSED) << ex.DebugString();
        reason = absl::AsciiStrToLower(v1::CloseReason_Name(ex.close_reason()).substr(13));
      }
      ++outcomes[p.failpoint][reason];
      // No order rests at the venue (no orphan), and the ledger holds exactly what the venue
      // traded for this account (a duplicate or lost order would differ).
      {
        grpc::ClientContext ctx;
        Auth(&ctx);
        v1::ListOrdersRequest req;
        req.set_open_only(true);
        v1::ListOrdersResponse open;
        ASSERT_TRUE(restarted.stub->ListOrders(&ctx, req, &open).ok());
        EXPECT_EQ(open.orders_size(), 0);
      }
      const std::map<std::string, int64_t> ledger = LedgerPositions(restarted);
      EXPECT_EQ(ledger, VenuePositions());
      // Unhedged (YES != NO held) ⇒ safe mode.
      const int64_t yes = ledger.count(m->yes) ? ledger.at(m->yes) : 0;
      const int64_t no = ledger.count(m->no) ? ledger.at(m->no) : 0;
      grpc::ClientContext ctx;
      Auth(&ctx);
      v1::GetSafeModeResponse safe;
      ASSERT_TRUE(restarted.stub->GetSafeMode(&ctx, {}, &safe).ok());
      EXPECT_EQ(safe.state().active(), yes != no) << safe.DebugString();
      EXPECT_EQ(restarted.process->Stop(SIGTERM), 0);
    }
  }
  std::printf("\ncrash point x runs (%d each) -> close reasons\n", runs);
  for (const auto& [point, reasons] : outcomes) {
    std::printf("  %-22s", point.c_str());
    for (const auto& [reason, count] : reasons) std::printf(" %s=%d", reason.c_str(), count);
    std::printf("\n");
  }
}

TEST_F(ExecutorSimTest, A429StormTripsTheBreakerAndTradingRecovers) {
  const std::string pg = NewDatabase("storm");
  Executor e = StartExecutor(pg, NewKey(2));
  ASSERT_TRUE(WaitReady(e));
  const std::optional<Market> m = FindMarket();
  ASSERT_TRUE(m.has_value());
  const int64_t hits_before = RateLimitHits();
  Admin(
      "POST", "/admin/faults",
      R"({"rules":[{"kind":"rate_limit","server":"clob","duration_ms":4000,"retry_after_s":1}]})");
  std::map<int, int> outcomes;
  std::map<int, int> denials;
  for (int i = 0; i < 40; ++i) {
    const v1::SubmitOpportunityResponse r =
        Submit(e, Opportunity(*m, absl::StrCat("storm-", i), false));
    ++outcomes[r.outcome()];
    if (r.outcome() == v1::SUBMIT_OUTCOME_DENIED) ++denials[r.denial().reason()];
    if (r.outcome() == v1::SUBMIT_OUTCOME_ACCEPTED) WaitClosed(e, r.execution().execution_id());
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_GT(denials[v1::RISK_DENIAL_REASON_CIRCUIT_OPEN], 0) << "the breaker must open";
  // The storm saw a handful of requests, not one per attempt and poll.
  const int64_t storm_hits = RateLimitHits() - hits_before;
  EXPECT_GT(storm_hits, 0);
  EXPECT_LT(storm_hits, 40) << "the executor must back off under a 429 storm";
  // After the storm (and the breaker's cool-down) trading works again.
  absl::SleepFor(absl::Seconds(3));
  v1::Execution done;
  for (int i = 0; i < 40 && done.close_reason() != v1::CLOSE_REASON_COMPLETED; ++i) {
    const v1::SubmitOpportunityResponse r =
        Submit(e, Opportunity(*m, absl::StrCat("after-storm-", i), false));
    if (r.outcome() == v1::SUBMIT_OUTCOME_ACCEPTED) {
      done = WaitClosed(e, r.execution().execution_id());
    } else {
      absl::SleepFor(absl::Milliseconds(500));
    }
  }
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_COMPLETED) << done.DebugString();
  EXPECT_EQ(LedgerPositions(e), VenuePositions());
  std::printf("429 storm: %d accepted, %d denied (circuit_open %d), %lld requests hit the storm\n",
              outcomes[v1::SUBMIT_OUTCOME_ACCEPTED], outcomes[v1::SUBMIT_OUTCOME_DENIED],
              denials[v1::RISK_DENIAL_REASON_CIRCUIT_OPEN], static_cast<long long>(storm_hits));
  EXPECT_EQ(e.process->Stop(SIGTERM), 0);
}

TEST_F(ExecutorSimTest, StandbyTakesOverWhenTheLeaderDies) {
  const std::string pg = NewDatabase("standby");
  const std::string key = NewKey(3);
  Executor leader = StartExecutor(pg, key);
  ASSERT_TRUE(WaitReady(leader));
  Executor standby = StartExecutor(pg, key, "", "executor-1");
  // The standby serves reads but refuses trading.
  {
    grpc::ClientContext ctx;
    Auth(&ctx);
    v1::GetExecutorHealthResponse health;
    ASSERT_TRUE(standby.stub->GetHealth(&ctx, {}, &health).ok());
    EXPECT_FALSE(health.leader());
    EXPECT_FALSE(health.health().ready());
    grpc::ClientContext ctx2;
    Auth(&ctx2);
    v1::SubmitOpportunityRequest req;
    *req.mutable_opportunity() = Opportunity(*FindMarket(), "standby-1", false);
    v1::SubmitOpportunityResponse resp;
    EXPECT_EQ(standby.stub->SubmitOpportunity(&ctx2, req, &resp).error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_EQ(leader.process->Stop(SIGKILL), -SIGKILL);
  const absl::Time killed = absl::Now();
  ASSERT_TRUE(WaitReady(standby, absl::Seconds(15))) << "the standby must take over";
  const absl::Duration takeover = absl::Now() - killed;
  EXPECT_LT(takeover, absl::Seconds(8)) << "lease 2 s: takeover within a few lease periods";
  grpc::ClientContext ctx;
  Auth(&ctx);
  v1::GetExecutorHealthResponse health;
  ASSERT_TRUE(standby.stub->GetHealth(&ctx, {}, &health).ok());
  EXPECT_TRUE(health.leader());
  EXPECT_GE(health.fencing_epoch(), 2u);
  std::printf("standby took over %s after the leader's SIGKILL\n",
              absl::FormatDuration(takeover).c_str());
  EXPECT_EQ(standby.process->Stop(SIGTERM), 0);
}

TEST_F(ExecutorSimTest, RecoveryAdoptsOrdersItDidNotPlaceAsExternal) {
  const std::string pg = NewDatabase("external");
  const std::string key_file = NewKey(4);
  const std::optional<Market> m = FindMarket();
  ASSERT_TRUE(m.has_value());
  // Someone else (a person, another system) rests an order on this account.
  std::string venue_order_id;
  {
    executor::PolymarketGatewayConfig config;
    config.clob =
        net::Origin{.tls = false, .host = "127.0.0.1", .port = static_cast<uint16_t>(clob_port_)};
    std::ifstream in(key_file);
    std::getline(in, config.private_key_hex);
    auto gw =
        executor::PolymarketGateway::Create(http_.get(), &SystemClock::Get(), std::move(config));
    ASSERT_TRUE(gw.ok()) << gw.status();
    exec::OrderRequest o;
    o.client_order_id = "by-hand-1";
    o.symbol = m->yes;
    o.buy = true;
    o.price_micros = 20'000;
    o.size_micros = 5'000'000;
    o.tif = exec::TimeInForce::kGtc;
    o.created_unix_ms = absl::ToUnixMillis(absl::Now());
    const std::vector<exec::OrderRequest> orders = {o};
    const std::vector<exec::VenueOrderReport> placed = (*gw)->Place(orders);
    ASSERT_EQ(placed.size(), 1u);
    ASSERT_EQ(placed[0].state, exec::VenueOrderState::kOpen) << placed[0].reason;
    venue_order_id = placed[0].venue_order_id;
  }
  Executor e = StartExecutor(pg, key_file);
  ASSERT_TRUE(WaitReady(e));
  grpc::ClientContext ctx;
  Auth(&ctx);
  v1::ListOrdersRequest req;
  req.set_execution_id("external-polymarket");
  v1::ListOrdersResponse resp;
  ASSERT_TRUE(e.stub->ListOrders(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.orders_size(), 1);
  EXPECT_EQ(resp.orders(0).venue_order_id(), venue_order_id);
  EXPECT_EQ(resp.orders(0).instrument_id().symbol(), m->yes);
  EXPECT_EQ(resp.orders(0).limit_price_micros(), 20'000);
  EXPECT_EQ(resp.orders(0).size_micros(), 5'000'000);
  EXPECT_EQ(resp.orders(0).status(), v1::ORDER_STATUS_ACCEPTED);
  // Adopted once: a restart does not adopt it again.
  EXPECT_EQ(e.process->Stop(SIGTERM), 0);
  Executor again = StartExecutor(pg, key_file);
  ASSERT_TRUE(WaitReady(again));
  grpc::ClientContext ctx2;
  Auth(&ctx2);
  v1::ListOrdersResponse resp2;
  ASSERT_TRUE(again.stub->ListOrders(&ctx2, req, &resp2).ok());
  EXPECT_EQ(resp2.orders_size(), 1);
  EXPECT_EQ(again.process->Stop(SIGTERM), 0);
}

TEST_F(ExecutorSimTest, RecoveryFindsPositionsThatDifferFromTheVenueAndStopsNewRisk) {
  const std::string pg = NewDatabase("positions");
  const std::string key_file = NewKey(5);
  const std::optional<Market> m = FindMarket();
  ASSERT_TRUE(m.has_value());
  {
    Executor e = StartExecutor(pg, key_file);
    ASSERT_TRUE(WaitReady(e));
    const v1::SubmitOpportunityResponse r = Submit(e, Opportunity(*m, "pos-1", false));
    ASSERT_EQ(r.outcome(), v1::SUBMIT_OUTCOME_ACCEPTED);
    EXPECT_EQ(WaitClosed(e, r.execution().execution_id()).close_reason(),
              v1::CLOSE_REASON_COMPLETED);
    EXPECT_EQ(e.process->Stop(SIGTERM), 0);
  }
  // While the executor is down someone buys 2 more YES on the same account.
  {
    executor::PolymarketGatewayConfig config;
    config.clob =
        net::Origin{.tls = false, .host = "127.0.0.1", .port = static_cast<uint16_t>(clob_port_)};
    std::ifstream in(key_file);
    std::getline(in, config.private_key_hex);
    auto gw =
        executor::PolymarketGateway::Create(http_.get(), &SystemClock::Get(), std::move(config));
    ASSERT_TRUE(gw.ok()) << gw.status();
    exec::OrderRequest o;
    o.client_order_id = "by-hand-buy";
    o.symbol = m->yes;
    o.buy = true;
    o.price_micros = m->yes_ask;
    o.size_micros = 2'000'000;
    o.tif = exec::TimeInForce::kFak;
    o.created_unix_ms = absl::ToUnixMillis(absl::Now());
    const std::vector<exec::OrderRequest> orders = {o};
    const std::vector<exec::VenueOrderReport> placed = (*gw)->Place(orders);
    ASSERT_EQ(placed.size(), 1u);
    ASSERT_EQ(placed[0].filled_size_micros, 2'000'000) << placed[0].reason;
  }
  Executor e = StartExecutor(pg, key_file);
  ASSERT_TRUE(WaitReady(e));
  grpc::ClientContext ctx;
  Auth(&ctx);
  v1::GetSafeModeResponse safe;
  ASSERT_TRUE(e.stub->GetSafeMode(&ctx, {}, &safe).ok());
  EXPECT_TRUE(safe.state().active());
  EXPECT_THAT(safe.state().reason(), ::testing::HasSubstr("positions differ"));
  ASSERT_EQ(safe.state().exposures_size(), 1);
  EXPECT_EQ(safe.state().exposures(0).instrument_id().symbol(), m->yes);
  EXPECT_EQ(safe.state().exposures(0).size_micros(), 2'000'000);
  grpc::ClientContext ctx2;
  Auth(&ctx2);
  v1::ListPositionsResponse positions;
  ASSERT_TRUE(e.stub->ListPositions(&ctx2, {}, &positions).ok());
  for (const v1::Position& p : positions.positions()) {
    if (p.instrument_id().symbol() == m->yes) {
      EXPECT_EQ(p.size_micros(), 5'000'000);
      EXPECT_EQ(p.venue_size_micros(), 7'000'000);
    } else {
      EXPECT_EQ(p.venue_size_micros(), p.size_micros());
    }
    EXPECT_GT(p.reconciled_unix_nanos(), 0);
  }
  const v1::SubmitOpportunityResponse denied = Submit(e, Opportunity(*m, "pos-2", false));
  EXPECT_EQ(denied.denial().reason(), v1::RISK_DENIAL_REASON_SAFE_MODE);
  EXPECT_EQ(e.process->Stop(SIGTERM), 0);
}

// Runs a shell command; true if it exited 0.
bool Sh(const std::string& command) { return system(command.c_str()) == 0; }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST_F(ExecutorSimTest, MutualTlsAdmitsOnlyClientsWithACertificateFromTheCa) {
  // A CA, a server certificate for 127.0.0.1 / localhost and a client certificate, made with the
  // openssl CLI (real X.509, real TLS handshakes in gRPC).
  const std::string d = absl::StrCat(*dir_, "/tls");
  ASSERT_TRUE(Sh(absl::StrCat(
      "mkdir -p ", d, " && cd ", d,
      " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1"
      " -subj /CN=arbor-test-ca 2>/dev/null"
      " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
      " -subj /CN=localhost 2>/dev/null"
      " && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext"
      " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
      " -out server.pem -days 1 -extfile san.ext 2>/dev/null"
      " && openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr"
      " -subj /CN=operator 2>/dev/null"
      " && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
      " -out client.pem -days 1 2>/dev/null")));
  const std::string pg = NewDatabase("mtls");
  std::vector<std::string> argv = {ARBOR_EXECUTOR_BINARY,
                                   "--mode=paper",
                                   absl::StrCat("--pg=", pg),
                                   absl::StrCat("--tls_cert_file=", d, "/server.pem"),
                                   absl::StrCat("--tls_key_file=", d, "/server.key"),
                                   absl::StrCat("--tls_client_ca_file=", d, "/ca.pem"),
                                   "--log_level=warning"};
  auto child = ChildProcess::Start(argv);
  ASSERT_TRUE(child.ok());
  auto line = child->ReadLine();
  ASSERT_TRUE(line.ok()) << line.status();
  // 127.0.0.1 (in the certificate's SANs), not "localhost": no DNS resolution (c-ares) in the test.
  const std::string target = absl::StrCat("127.0.0.1:", testing::JsonIntField(*line, "grpc_port"));

  auto call = [&](std::shared_ptr<grpc::ChannelCredentials> creds) {
    auto stub = v1::Executor::NewStub(grpc::CreateChannel(target, creds));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::GetExecutorHealthResponse health;
    return stub->GetHealth(&ctx, {}, &health);
  };
  grpc::SslCredentialsOptions with_cert;
  with_cert.pem_root_certs = ReadAll(d + "/ca.pem");
  with_cert.pem_private_key = ReadAll(d + "/client.key");
  with_cert.pem_cert_chain = ReadAll(d + "/client.pem");
  EXPECT_TRUE(call(grpc::SslCredentials(with_cert)).ok()) << "mTLS client is admitted (no token)";
  grpc::SslCredentialsOptions without_cert;
  without_cert.pem_root_certs = with_cert.pem_root_certs;
  EXPECT_FALSE(call(grpc::SslCredentials(without_cert)).ok()) << "no client certificate";
  EXPECT_FALSE(call(grpc::InsecureChannelCredentials()).ok()) << "plaintext";
  EXPECT_EQ(child->Stop(SIGTERM), 0);

  // Neither a token nor mTLS: the executor refuses to start.
  auto open = ChildProcess::Start(
      {ARBOR_EXECUTOR_BINARY, "--mode=paper", absl::StrCat("--pg=", pg), "--log_level=error"});
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->Wait(), 1);
}

}  // namespace
}  // namespace arbor
