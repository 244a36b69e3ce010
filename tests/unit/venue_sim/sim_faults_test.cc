// Fault injection seen from the client side: the simulator's HttpServer with a FaultInjector on
// loopback, talked to with the PRODUCTION net::HttpClient / net::WsClient, plus the strict
// faults-file parser.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/net/http_client.h"
#include "arbor/net/ws_client.h"
#include "arbor/sim/faults.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/ws_session.h"
#include "boost/asio/post.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Collects events from other threads; Wait() blocks until a predicate holds (bounded, so a
// broken server fails the test instead of hanging it).
class Events {
 public:
  void Add(std::string e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(e));
    cv_.notify_all();
  }
  bool WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return events_.size() >= n; });
  }
  std::vector<std::string> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

class SimFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    server_->Route("GET", "/ok", [](const HttpRequest&) { return HttpReply::Json(200, "\"OK\""); });
    server_->Route("POST", "/order",
                   [](const HttpRequest&) { return HttpReply::Json(200, "{\"success\":true}"); });
    server_->Route("GET", "/delayed", [this](const HttpRequest&) {
      delayed_handled_.set_value();  // the handler runs at once; only the answer is late
      return HttpReply::Json(200, "\"late\"");
    });
    server_->WsRoute("/ws", [](auto socket, auto request) {
      auto s = std::make_shared<WsSession>(
          std::move(socket),
          [](WsSession& self, const std::string& text) {
            if (text == "PING") self.Send("PONG");
          },
          [](WsSession&) {});
      s->Accept(std::move(request));
    });
    server_->SetFaults(&faults_, "clob");
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
    absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
  }
  void TearDown() override {
    http_.reset();
    OnIo([this] { server_->Stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Runs `fn` on the io thread and waits for it (the injector is single-threaded).
  void OnIo(std::function<void()> fn) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
  void AddRule(FaultRule rule) {
    OnIo([&] { ASSERT_TRUE(faults_.AddRule(rule).ok()); });
  }
  net::Origin origin() const { return {false, "127.0.0.1", server_->port()}; }
  absl::StatusOr<net::HttpResponse> Get(const std::string& target) {
    net::HttpRequest req;
    req.target = target;
    return http_->Send(origin(), req);
  }
  uint64_t Counter(FaultKind kind) {
    uint64_t n = 0;
    OnIo([&] { n = faults_.counter(kind); });
    return n;
  }
  std::unique_ptr<net::WsClient> ConnectWs(Events* events) {
    net::WsHandlers h;
    h.on_message = [events](std::string_view m, bool) { events->Add(std::string(m)); };
    h.on_pong = [events](std::string_view) { events->Add("<pong>"); };
    h.on_close = [events](const net::WsCloseInfo& info) {
      events->Add("<close " + std::to_string(info.code) + ">");
    };
    absl::StatusOr<std::unique_ptr<net::WsClient>> ws =
        net::WsClient::Connect({}, origin(), "/ws", {}, std::move(h));
    EXPECT_TRUE(ws.ok()) << ws.status();
    if (!ws.ok()) return nullptr;
    // The session registers once its handshake completes; wait until the server sees it.
    for (size_t live = 0; live == 0;) OnIo([&] { live = server_->ws_sessions().live(); });
    return std::move(*ws);
  }

  boost::asio::io_context io_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  FaultInjector faults_{7, clock_};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<net::HttpClient> http_;
  std::promise<void> delayed_handled_;
};

TEST_F(SimFaultsTest, RateLimitAnswers429WithRetryAfterUntilTheCountExpires) {
  AddRule({.kind = FaultKind::kRateLimit, .server = "clob", .max_count = 2, .retry_after_s = 7});
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<net::HttpResponse> r = Get("/ok");
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 429);
    EXPECT_EQ(r->Header("Retry-After"), "7");
    EXPECT_EQ(net::StatusFromHttp(r->status, r->body).code(), absl::StatusCode::kResourceExhausted);
  }
  absl::StatusOr<net::HttpResponse> r = Get("/ok");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);  // the rule's count is spent
  EXPECT_EQ(Counter(FaultKind::kRateLimit), 2u);
}

TEST_F(SimFaultsTest, DurationLimitExpiresOnTheInjectorsClock) {
  AddRule({.kind = FaultKind::kRateLimit, .duration_ms = 1000});
  EXPECT_EQ(Get("/ok")->status, 429);
  OnIo([&] { clock_.Advance(absl::Milliseconds(1000)); });
  EXPECT_EQ(Get("/ok")->status, 200);
}

TEST_F(SimFaultsTest, StatusRuleAnswersTheVenueErrorOnlyOnItsTarget) {
  AddRule({.kind = FaultKind::kStatus,
           .server = "clob",
           .method = "POST",
           .path_prefix = "/order",
           .status = 503,
           .message = "Trading is currently disabled"});
  AddRule({.kind = FaultKind::kStatus, .server = "gamma", .status = 500});  // another server
  net::HttpRequest post;
  post.method = "POST";
  post.target = "/order";
  post.body = "{}";
  absl::StatusOr<net::HttpResponse> r = http_->Send(origin(), post);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "{\"error\":\"Trading is currently disabled\"}");
  EXPECT_EQ(net::StatusFromHttp(r->status, r->body).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Get("/ok")->status, 200);  // GET and the gamma rule do not match
  EXPECT_EQ(Counter(FaultKind::kStatus), 1u);
}

TEST_F(SimFaultsTest, DelayedReplyArrivesAfterALaterUndelayedOne) {
  AddRule({.kind = FaultKind::kLatency, .path_prefix = "/delayed", .latency_ms = 500});
  Events order;
  std::thread slow([&] {
    absl::StatusOr<net::HttpResponse> r = Get("/delayed");
    order.Add(r.ok() ? r->body : std::string(r.status().message()));
  });
  // Only once the delayed request has been handled does the second one start.
  delayed_handled_.get_future().wait();
  absl::StatusOr<std::unique_ptr<net::HttpClient>> other = net::HttpClient::Create({});
  ASSERT_TRUE(other.ok());
  net::HttpRequest req;
  req.target = "/ok";
  absl::StatusOr<net::HttpResponse> fast = (*other)->Send(origin(), req);
  ASSERT_TRUE(fast.ok());
  order.Add(fast->body);
  slow.join();
  EXPECT_THAT(order.Get(), ElementsAre("\"OK\"", "\"late\""));
  EXPECT_EQ(Counter(FaultKind::kLatency), 1u);
}

TEST_F(SimFaultsTest, DropLeavesTheOutcomeUnknown) {
  AddRule({.kind = FaultKind::kDrop, .method = "POST", .max_count = 1});
  net::HttpRequest post;
  post.method = "POST";
  post.target = "/order";
  post.body = "{}";
  absl::StatusOr<net::HttpResponse> r = http_->Send(origin(), post);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnknown);
  EXPECT_THAT(r.status().message(), HasSubstr("outcome unknown"));
  EXPECT_EQ(http_->Send(origin(), post)->status, 200);  // count spent
  EXPECT_EQ(Counter(FaultKind::kDrop), 1u);
}

TEST_F(SimFaultsTest, WsDisconnectWithCodeAndAbrupt) {
  for (const int code : {4001, 0}) {
    Events events;
    std::unique_ptr<net::WsClient> ws = ConnectWs(&events);
    ASSERT_NE(ws, nullptr);
    OnIo([&] {
      faults_.Clear();
      ASSERT_TRUE(
          faults_.AddRule({.kind = FaultKind::kWsDisconnect, .server = "clob", .close_code = code})
              .ok());
      faults_.Tick();
    });
    ASSERT_TRUE(events.WaitFor(1));
    EXPECT_THAT(events.Get(),
                ElementsAre("<close " + std::to_string(code == 0 ? 1006 : code) + ">"));
  }
  EXPECT_EQ(Counter(FaultKind::kWsDisconnect), 2u);
}

TEST_F(SimFaultsTest, WsStallHoldsDataButStillAnswersPings) {
  Events events;
  std::unique_ptr<net::WsClient> ws = ConnectWs(&events);
  ASSERT_NE(ws, nullptr);
  OnIo([&] {
    ASSERT_TRUE(
        faults_.AddRule({.kind = FaultKind::kWsStall, .max_count = 1, .stall_ms = 300}).ok());
    faults_.Tick();
    faults_.Tick();  // the count is spent: no second stall
    // Queued during the stall, BEFORE the PING is even sent: without the stall it would arrive
    // first.
    server_->ws_sessions().ForEach([](WsSession& s) { s.Send("data"); });
  });
  ASSERT_TRUE(ws->SendText("PING").ok());
  ASSERT_TRUE(events.WaitFor(1));
  ASSERT_TRUE(ws->Ping("hb").ok());
  ASSERT_TRUE(events.WaitFor(2));
  ASSERT_TRUE(events.WaitFor(3));  // the held frame, once the stall ends
  EXPECT_THAT(events.Get(), ElementsAre("PONG", "<pong>", "data"));
  EXPECT_EQ(Counter(FaultKind::kWsStall), 1u);
}

TEST_F(SimFaultsTest, WsMalformedSendsBadFramesThenTheSessionCarriesOn) {
  Events events;
  std::unique_ptr<net::WsClient> ws = ConnectWs(&events);
  ASSERT_NE(ws, nullptr);
  OnIo([&] {
    ASSERT_TRUE(
        faults_
            .AddRule(
                {.kind = FaultKind::kWsMalformed, .server = "clob", .max_count = 1, .frames = 5})
            .ok());
    faults_.Tick();
    faults_.Tick();  // the count is spent: no second burst
    server_->ws_sessions().ForEach([](WsSession& s) { s.Send("data"); });
  });
  ASSERT_TRUE(events.WaitFor(6));
  // The session is still open and answers afterwards.
  ASSERT_TRUE(ws->SendText("PING").ok());
  ASSERT_TRUE(events.WaitFor(7));
  const std::vector<std::string> got = events.Get();
  ASSERT_EQ(got.size(), 7u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[static_cast<size_t>(i)], MalformedFrame("clob", i)) << i;
  }
  EXPECT_EQ(got[5], "data");
  EXPECT_EQ(got[6], "PONG");
  // Four distinct shapes, rotating; none of them is a valid market-channel event.
  EXPECT_EQ(MalformedFrame("clob", 0), MalformedFrame("clob", 4));
  EXPECT_THAT(MalformedFrame("clob", 0), HasSubstr("\"event_type\":\"book\""));
  EXPECT_THAT(MalformedFrame("clob", 3), HasSubstr("sim_unknown_event"));
  EXPECT_THAT(MalformedFrame("kalshi", 0), HasSubstr("\"type\":\"orderbook_delta\""));
  EXPECT_EQ(Counter(FaultKind::kWsMalformed), 1u);
}

TEST_F(SimFaultsTest, ProbabilityIsDeterministicInTheSeed) {
  auto run = [](uint64_t seed) {
    SimulatedClock clock(absl::FromUnixSeconds(1));
    FaultInjector f(seed, clock);
    EXPECT_TRUE(f.AddRule({.kind = FaultKind::kStatus, .probability = 0.3, .status = 500}).ok());
    std::string hits;
    for (int i = 0; i < 200; ++i) {
      hits.push_back(f.OnRequest("clob", "GET", "/x").action == HttpFault::Action::kNone ? '.'
                                                                                         : 'x');
    }
    return hits;
  };
  const std::string a = run(11);
  EXPECT_EQ(a, run(11));
  EXPECT_NE(a, run(12));
  const auto n = static_cast<int>(std::count(a.begin(), a.end(), 'x'));
  EXPECT_GT(n, 30);  // about 60 of 200
  EXPECT_LT(n, 90);
}

TEST(FaultRulesParserTest, ParsesTheExampleFile) {
  absl::StatusOr<std::vector<FaultRule>> rules = LoadFaultFile(ARBOR_FAULTS_EXAMPLE);
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_GE(rules->size(), 6u);
  EXPECT_EQ((*rules)[0].kind, FaultKind::kRateLimit);
}

TEST(FaultRulesParserTest, RejectsBadInputNamingTheField) {
  struct Case {
    const char* json;
    const char* error;
  };
  const Case cases[] = {
      {"[]", "top level must be an object"},
      {"{}", "rules: missing"},
      {"{\"rules\":[],\"x\":1}", "unknown key \"x\""},
      {"{\"rules\":[{\"status\":500}]}", "rules[0].kind: missing"},
      {"{\"rules\":[{\"kind\":\"boom\"}]}", "rules[0].kind: unknown kind \"boom\""},
      {"{\"rules\":[{\"kind\":\"status\"}]}", "rules[0].status: missing"},
      {"{\"rules\":[{\"kind\":\"status\",\"status\":200}]}", "rules[0].status: out of range"},
      {"{\"rules\":[{\"kind\":\"drop\",\"server\":\"admin\"}]}", "rules[0].server: unknown"},
      {"{\"rules\":[{\"kind\":\"drop\",\"probability\":0}]}", "rules[0].probability"},
      {"{\"rules\":[{\"kind\":\"drop\",\"count\":-1}]}", "rules[0].count: out of range"},
      {"{\"rules\":[{\"kind\":\"latency\"}]}", "rules[0].latency_ms: must be > 0"},
      {"{\"rules\":[{\"kind\":\"drop\"},{\"kind\":\"ws_stall\"}]}", "rules[1].stall_ms"},
      {"{\"rules\":[{\"kind\":\"ws_stall\",\"stall_ms\":5,\"method\":\"GET\"}]}",
       "rules[0].method: not allowed"},
      {"{\"rules\":[{\"kind\":\"ws_disconnect\",\"close_code\":1006}]}", "rules[0].close_code"},
      {"{\"rules\":[{\"kind\":\"drop\",\"colour\":1}]}", "rules[0].colour: unknown key"},
      {"{\"rules\":[{\"kind\":\"drop\",\"method\":5}]}", "rules[0].method: not a string"},
      {"{\"rules\":[{\"kind\":\"drop\"}", "invalid JSON"},
      {"{\"rules\":[{\"kind\":\"ws_seq_gap\"}]}", "rules[0].server: ws_seq_gap needs"},
      {"{\"rules\":[{\"kind\":\"ws_seq_gap\",\"server\":\"clob\"}]}", "rules[0].server"},
      {"{\"rules\":[{\"kind\":\"ws_malformed\",\"frames\":0}]}", "rules[0].frames"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<FaultRule>> r = ParseFaultRules(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.error)) << c.json;
  }
}

TEST(FaultInjectorTest, ToJsonListsRulesHitsAndCounters) {
  SimulatedClock clock(absl::FromUnixSeconds(1));
  FaultInjector f(1, clock);
  ASSERT_TRUE(f.AddRule({.kind = FaultKind::kDrop, .server = "kalshi", .max_count = 1}).ok());
  EXPECT_EQ(f.OnRequest("clob", "GET", "/").action, HttpFault::Action::kNone);
  EXPECT_EQ(f.OnRequest("admin", "GET", "/").action, HttpFault::Action::kNone);
  EXPECT_EQ(f.OnRequest("kalshi", "GET", "/").action, HttpFault::Action::kDrop);
  EXPECT_EQ(f.OnRequest("kalshi", "GET", "/").action, HttpFault::Action::kNone);
  EXPECT_EQ(f.ToJson(),
            "{\"rules\":[{\"kind\":\"drop\",\"server\":\"kalshi\",\"probability\":1,\"count\":1,"
            "\"hits\":1,\"expired\":true}],\"counters\":{\"status\":0,\"rate_limit\":0,"
            "\"latency\":0,\"drop\":1,\"ws_disconnect\":0,\"ws_stall\":0,\"ws_malformed\":0,"
            "\"ws_seq_gap\":0}}");
}

TEST(FaultRulesParserTest, ParsesTheNewWebSocketKinds) {
  absl::StatusOr<std::vector<FaultRule>> r = ParseFaultRules(
      "{\"rules\":[{\"kind\":\"ws_malformed\"},{\"kind\":\"ws_malformed\",\"frames\":7},"
      "{\"kind\":\"ws_seq_gap\",\"server\":\"kalshi\",\"count\":1}]}");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].kind, FaultKind::kWsMalformed);
  EXPECT_EQ((*r)[0].frames, 3);
  EXPECT_EQ((*r)[1].frames, 7);
  EXPECT_EQ((*r)[2].kind, FaultKind::kWsSeqGap);
  EXPECT_EQ((*r)[2].server, "kalshi");
}

TEST(FaultInjectorTest, SeqGapCallsOnlyTheKalshiHookOncePerFiring) {
  SimulatedClock clock(absl::FromUnixSeconds(1));
  FaultInjector f(1, clock);
  int kalshi = 0;
  int other = 0;
  f.AttachSeqGap("kalshi", [&] { ++kalshi; });
  f.AttachSeqGap("clob", [&] { ++other; });
  ASSERT_TRUE(f.AddRule({.kind = FaultKind::kWsSeqGap, .server = "kalshi", .max_count = 2}).ok());
  f.Tick();
  f.Tick();
  f.Tick();
  EXPECT_EQ(kalshi, 2);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(f.counter(FaultKind::kWsSeqGap), 2u);
  EXPECT_THAT(f.ToJson(), HasSubstr("\"kind\":\"ws_seq_gap\",\"server\":\"kalshi\""));
  EXPECT_THAT(f.ToJson(), HasSubstr("\"ws_seq_gap\":2"));
}

}  // namespace
}  // namespace arbor::sim
