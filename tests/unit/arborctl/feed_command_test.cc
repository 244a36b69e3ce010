// `arborctl feed`: runs the command in-process against a real gRPC server on 127.0.0.1:0 with a
// fake FeedShard service that records every request (and its authorization metadata) and
// answers with canned responses, paged catalogs or a scripted book stream. Covers flag errors
// (exit 1), --help (exit 0), the request each subcommand sends (including the FeedPolicy file of
// `policy apply`), table and JSON output, paging (events merged across pages), the watch's
// --count and line formats, error statuses (exit 2) and an unreachable shard (exit 3).
#include "feed_command.h"

#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "arbor/v1/feed_service.grpc.pb.h"
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

constexpr char kToken[] = "feed-token-value";
// 2026-01-01T00:00:00Z.
constexpr int64_t kJan1 = 1'767'225'600'000'000'000;

std::string TempFile(const std::string& name, const std::string& content) {
  return testing_support::WriteTempFile("feed_command_test", name, content);
}

#define ARBOR_FAKE_METHOD(Method, Req, Resp)                                                    \
  grpc::Status Method(grpc::ServerContext* context, const v1::Req* request, v1::Resp* response) \
      override {                                                                                \
    grpc::Status status = recorder_->Begin(context, *request);                                  \
    if (!status.ok()) return status;                                                            \
    recorder_->Respond(response);                                                               \
    return grpc::Status::OK;                                                                    \
  }

class FakeFeed final : public v1::FeedShard::Service {
 public:
  explicit FakeFeed(Recorder* recorder) : recorder_(recorder) {}

  ARBOR_FAKE_METHOD(GetHealth, GetFeedHealthRequest, GetFeedHealthResponse)
  ARBOR_FAKE_METHOD(GetBook, GetBookRequest, GetBookResponse)
  ARBOR_FAKE_METHOD(ApplyFeedPolicy, ApplyFeedPolicyRequest, ApplyFeedPolicyResponse)

  grpc::Status ListInstruments(grpc::ServerContext* context,
                               const v1::ListInstrumentsRequest* request,
                               v1::ListInstrumentsResponse* response) override {
    grpc::Status status = recorder_->Begin(context, *request);
    if (!status.ok()) return status;
    absl::MutexLock lock(&mu_);
    testing_support::Page(instruments_, *request, response, response->mutable_instruments());
    return grpc::Status::OK;
  }

  // Pages of markets, each with the events its markets reference (as the real shard does).
  grpc::Status ListMarkets(grpc::ServerContext* context, const v1::ListMarketsRequest* request,
                           v1::ListMarketsResponse* response) override {
    grpc::Status status = recorder_->Begin(context, *request);
    if (!status.ok()) return status;
    absl::MutexLock lock(&mu_);
    testing_support::Page(markets_, *request, response, response->mutable_markets());
    std::set<std::string> wanted;
    for (const v1::Market& m : response->markets()) wanted.insert(m.event_id());
    for (const v1::Event& e : events_) {
      if (wanted.count(e.event_id()) > 0) *response->add_events() = e;
    }
    return grpc::Status::OK;
  }

  grpc::Status StreamBooks(grpc::ServerContext* context, const v1::StreamBooksRequest* request,
                           grpc::ServerWriter<v1::BookUpdate>* writer) override {
    grpc::Status status = recorder_->Begin(context, *request);
    if (!status.ok()) return status;
    std::vector<v1::BookUpdate> script;
    {
      absl::MutexLock lock(&mu_);
      script = script_;
    }
    return testing_support::ServeStream(recorder_, context, writer, script, [] {
      v1::BookUpdate u;
      u.mutable_heartbeat()->set_ts_unix_nanos(kJan1);
      return u;
    });
  }

  void SetCatalog(std::vector<v1::Market> markets, std::vector<v1::Event> events,
                  std::vector<v1::Instrument> instruments) {
    absl::MutexLock lock(&mu_);
    markets_ = std::move(markets);
    events_ = std::move(events);
    instruments_ = std::move(instruments);
  }
  void SetScript(std::vector<v1::BookUpdate> script) {
    absl::MutexLock lock(&mu_);
    script_ = std::move(script);
  }

 private:
  Recorder* recorder_;
  absl::Mutex mu_;
  std::vector<v1::Market> markets_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Event> events_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Instrument> instruments_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::BookUpdate> script_ ABSL_GUARDED_BY(mu_);
};

#undef ARBOR_FAKE_METHOD

constexpr char kFeedPolicyJson[] = R"({
  "preferred_mode": "FEED_MODE_HYBRID", "stale_after_nanos": "30000000000",
  "max_assets_per_connection": 200, "subscriber_queue_limit": 4096})";

class FeedCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&feed_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    token_file_ = TempFile("token", std::string(kToken) + "\n");
    policy_file_ = TempFile("policy.json", kFeedPolicyJson);
  }
  void TearDown() override {
    recorder_.Stop();
    server_->Shutdown();
  }

  std::string Target() const { return "127.0.0.1:" + std::to_string(port_); }

  // Runs the command with --feed and --token-file set, plus `args`.
  Result Run(const std::vector<std::string>& args, const FeedEnv& env = {}) {
    std::vector<std::string> full = {"--feed", Target(), "--token-file", token_file_};
    full.insert(full.end(), args.begin(), args.end());
    return RunRaw(full, env);
  }
  static Result RunRaw(const std::vector<std::string>& args, const FeedEnv& env = {}) {
    std::ostringstream out;
    std::ostringstream err;
    Result r;
    r.code = RunFeedCommand(args, env, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  Recorder recorder_;
  FakeFeed feed_{&recorder_};
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string token_file_;
  std::string policy_file_;
};

// ---- Usage errors and help ------------------------------------------------------------------

struct UsageCase {
  std::vector<std::string> args;
  const char* message;
};

TEST_F(FeedCommandTest, UsageErrorsExitOneWithAMessageAndSendNothing) {
  const std::string bad_json = TempFile("bad.json", R"({"preferred_mode": "FAST"})");
  const std::vector<UsageCase> cases = {
      {{}, "missing subcommand"},
      {{"bogus"}, "unknown subcommand 'bogus'"},
      {{"--venue", "kalshi", "markets"}, "subcommand flags go after the subcommand"},
      {{"health", "--venue", "kalshi"}, "unknown flag '--venue' for 'health'"},
      {{"--output", "csv", "health"}, "--output: expected table or json, got 'csv'"},
      {{"--tls-cert", "c.pem", "--tls-key", "k.pem", "health"}, "need --tls-ca"},
      {{"book"}, "--instrument is required"},
      {{"book", "--instrument", "123"}, "'123' needs a venue"},
      {{"book", "--venue", "kalshi", "--instrument", "polymarket:123"},
       "is not on the --venue given"},
      {{"book", "--instrument", "kalshi:"}, "has an empty symbol"},
      {{"book", "--instrument", "polymarket:1", "--depth", "0"}, "--depth: '0'"},
      {{"book", "--instrument", "polymarket:1", "--venue", "a", "--venue", "b"},
       "--venue given twice"},
      {{"book", "polymarket:1"}, "unexpected argument 'polymarket:1' for 'book'"},
      {{"markets", "--venue", "nyse"}, "--venue: 'nyse' is not one of polymarket|kalshi"},
      {{"markets", "--venue", "polymarket,kalshi", "--instrument", "123"}, "needs a venue"},
      {{"markets", "--venue", "kalshi", "--instrument", "polymarket:123"},
       "is not on the --venue given (kalshi)"},
      {{"watch", "--venue", "kalshi", "--venue", "kalshi", "--instrument", "polymarket:1"},
       "is not on the --venue given (kalshi)"},
      {{"markets", "--market", ""}, "--market must not be empty"},
      {{"instruments", "--limit", "x"}, "--limit: 'x'"},
      {{"watch", "--count", "-1"}, "--count: '-1'"},
      {{"watch", "--trades=1"}, "--trades takes no value"},
      {{"policy"}, "missing subcommand after 'policy' (expected 'policy apply')"},
      {{"policy", "show"}, "unknown subcommand 'policy show' (expected 'policy apply')"},
      {{"policy", "apply", "--policy-uid", "u", "--policy-generation", "1", "--by", "ops"},
       "--file is required"},
      {{"policy", "apply", "--file", "POLICY", "--policy-uid", "u", "--by", "ops"},
       "--policy-generation is required"},
      {{"policy", "apply", "--file", "POLICY", "--policy-uid", "u", "--policy-generation", "0",
        "--by", "ops"},
       "--policy-generation: '0' is not an integer in [1,"},
      {{"policy", "apply", "--file", "POLICY", "--policy-uid", "u", "--policy-generation", "2"},
       "--by is required"},
      {{"policy", "apply", "--file", "/nonexistent.json", "--policy-uid", "u",
        "--policy-generation", "2", "--by", "ops"},
       "--file: cannot open '/nonexistent.json'"},
      {{"policy", "apply", "--file", "BAD", "--policy-uid", "u", "--policy-generation", "2", "--by",
        "ops"},
       "is not a valid arbor.v1.FeedPolicy"},
  };
  for (const UsageCase& c : cases) {
    std::vector<std::string> args = c.args;
    for (std::string& a : args) {
      if (a == "POLICY") a = policy_file_;
      if (a == "BAD") a = bad_json;
    }
    const Result r = Run(args);
    const std::string where = absl::StrCat("args: ", absl::StrJoin(c.args, " "));
    EXPECT_EQ(r.code, kRpcExitUsage) << where << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << where << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("(arborctl feed --help for usage)")) << where;
    EXPECT_EQ(r.out, "") << where;
  }
  const Result r = RunRaw({"--feed", "", "health"});
  EXPECT_EQ(r.code, kRpcExitUsage);
  EXPECT_THAT(r.err, HasSubstr("--feed must not be empty"));
  EXPECT_TRUE(recorder_.requests().empty());
}

TEST_F(FeedCommandTest, HelpForTheCommandAndEverySubcommand) {
  Result r = RunRaw({"--help"});
  EXPECT_EQ(r.code, kRpcExitOk);
  EXPECT_THAT(r.out, HasSubstr("usage: arborctl feed [--feed HOST:PORT]"));
  EXPECT_THAT(r.out, HasSubstr("Exit codes:"));
  EXPECT_THAT(r.out, HasSubstr("2  the feed shard answered with an error status"));
  EXPECT_THAT(r.out, HasSubstr("3  no answer: cannot connect, UNAVAILABLE"));
  for (const char* sub : {"health", "markets", "instruments", "book", "watch"}) {
    r = RunRaw({sub, "--help"});
    EXPECT_EQ(r.code, kRpcExitOk) << sub;
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("usage: arborctl feed ", sub))) << sub;
  }
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"policy", "apply", "--help"}, {"policy", "--help"}}) {
    r = RunRaw(args);
    EXPECT_EQ(r.code, kRpcExitOk);
    EXPECT_THAT(r.out, HasSubstr("usage: arborctl feed policy apply --file FILE"));
  }
  r = Run({"book", "--help"});
  EXPECT_EQ(r.code, kRpcExitOk);
  EXPECT_TRUE(recorder_.requests().empty());
}

// ---- Requests -------------------------------------------------------------------------------

struct RequestCase {
  std::vector<std::string> args;
  const Message* expected;
};

TEST_F(FeedCommandTest, EachSubcommandSendsTheRightRequest) {
  v1::BookUpdate one;
  one.mutable_snapshot()->mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
  feed_.SetScript({one});
  std::vector<std::unique_ptr<Message>> owned;
  auto expect = [&owned](auto message) {
    owned.push_back(std::make_unique<decltype(message)>(std::move(message)));
    return owned.back().get();
  };
  const std::vector<RequestCase> cases = {
      {{"health"}, expect(v1::GetFeedHealthRequest())},
      {{"markets"}, expect(ParseText<v1::ListMarketsRequest>("page_size: 100"))},
      {{"markets", "--venue", "kalshi", "--instrument", "KXFED-25DEC-H0:YES", "--instrument",
        "kalshi:KXFED-25DEC-H0:NO", "--market", "m-1", "--event", "e-1", "--event", "e-2",
        "--include-closed", "--limit", "5"},
       expect(ParseText<v1::ListMarketsRequest>(R"(
          filter { venues: VENUE_KALSHI
                   instrument_ids { venue: VENUE_KALSHI symbol: "KXFED-25DEC-H0:YES" }
                   instrument_ids { venue: VENUE_KALSHI symbol: "KXFED-25DEC-H0:NO" }
                   market_ids: "m-1" event_ids: ["e-1", "e-2"] }
          include_closed: true page_size: 5)"))},
      {{"instruments", "--instrument", "polymarket:1", "--instrument", "kalshi:K:NO"},
       expect(ParseText<v1::ListInstrumentsRequest>(R"(
          filter { instrument_ids { venue: VENUE_POLYMARKET symbol: "1" }
                   instrument_ids { venue: VENUE_KALSHI symbol: "K:NO" } }
          page_size: 100)"))},
      {{"instruments", "--venue", "polymarket", "--limit", "20000"},
       expect(ParseText<v1::ListInstrumentsRequest>(
           "filter { venues: VENUE_POLYMARKET } page_size: 10000"))},
      {{"book", "--venue", "kalshi", "--instrument", "KXFED-25DEC-H0:YES", "--depth", "3"},
       expect(ParseText<v1::GetBookRequest>(
           "instrument_id { venue: VENUE_KALSHI symbol: 'KXFED-25DEC-H0:YES' } max_depth: 3"))},
      {{"book", "--instrument", "kalshi:KXFED-25DEC-H0:NO"},
       expect(ParseText<v1::GetBookRequest>(
           "instrument_id { venue: VENUE_KALSHI symbol: 'KXFED-25DEC-H0:NO' }"))},
      {{"watch", "--count", "1"},
       expect(ParseText<v1::StreamBooksRequest>(
           "subscriber_id: 'arborctl-alice' heartbeat_interval_nanos: 1000000000"))},
      {{"watch", "--venue", "polymarket", "--instrument", "123", "--market", "m-1", "--trades",
        "--depth", "2", "--subscriber-id", "me", "--count", "1"},
       expect(ParseText<v1::StreamBooksRequest>(R"(
          subscriber_id: "me" include_trades: true max_depth: 2
          heartbeat_interval_nanos: 1000000000
          filter { venues: VENUE_POLYMARKET
                   instrument_ids { venue: VENUE_POLYMARKET symbol: "123" }
                   market_ids: "m-1" })"))},
      {{"policy", "apply", "--file", "POLICY", "--policy-uid", "uid-1", "--policy-name",
        "arbor/main", "--policy-generation", "4", "--stage-index", "1", "--stage-name", "canary",
        "--stages-hash", "h", "--by", "operator"},
       expect(ParseText<v1::ApplyFeedPolicyRequest>(R"(
          policy { policy_uid: "uid-1" policy_name: "arbor/main" policy_generation: 4
                   stage_index: 1 stage_name: "canary" stages_hash: "h" }
          feed_policy { preferred_mode: FEED_MODE_HYBRID stale_after_nanos: 30000000000
                        max_assets_per_connection: 200 subscriber_queue_limit: 4096 }
          applied_by: "operator")"))},
  };
  FeedEnv env;
  env.user = "alice";
  for (const RequestCase& c : cases) {
    std::vector<std::string> args = c.args;
    for (std::string& a : args) {
      if (a == "POLICY") a = policy_file_;
    }
    const size_t before = recorder_.requests().size();
    const Result r = Run(args, env);
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
  for (const std::string& auth : recorder_.authorizations()) {
    EXPECT_EQ(auth, std::string("Bearer ") + kToken);
  }
}

// ---- Output ---------------------------------------------------------------------------------

v1::GetBookResponse SampleBook() {
  return ParseText<v1::GetBookResponse>(R"(
      snapshot { instrument_id { venue: VENUE_KALSHI symbol: "KXFED-25DEC-H0:YES" }
                 bids { price_micros: 480000 size_micros: 100000000 }
                 bids { price_micros: 470000 size_micros: 2500000 }
                 asks { price_micros: 500000 size_micros: 50000000 }
                 sequence: 42 ts_event_unix_nanos: 1767225600000000000
                 ts_receipt_unix_nanos: 1767225600000001000 status: BOOK_STATUS_LIVE
                 reason: SNAPSHOT_REASON_INITIAL book_epoch: 7 venue_sequence: 9 })");
}

TEST_F(FeedCommandTest, BookTableAndJson) {
  recorder_.SetResponse(SampleBook());
  Result r = Run({"book", "--instrument", "kalshi:KXFED-25DEC-H0:YES"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(r.out,
            "instrument      kalshi:KXFED-25DEC-H0:YES\n"
            "status          LIVE\n"
            "reason          INITIAL\n"
            "sequence        42\n"
            "book_epoch      7\n"
            "venue_sequence  9\n"
            "event           2026-01-01T00:00:00Z\n"
            "received        2026-01-01T00:00:00.000001Z\n"
            "venue_hash      -\n"
            "truncated       no\n"
            "\n"
            "LEVEL  BID_SIZE       BID       ASK  ASK_SIZE\n"
            "    1       100  0.480000  0.500000        50\n"
            "    2       2.5  0.470000\n");

  r = Run({"--output", "json", "book", "--instrument", "kalshi:KXFED-25DEC-H0:YES"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"price_micros\":\"480000\""));
  v1::GetBookResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok()) << r.out;
  EXPECT_TRUE(MessageDifferencer::Equals(parsed, SampleBook()));
}

TEST_F(FeedCommandTest, HealthTable) {
  recorder_.SetResponse(ParseText<v1::GetFeedHealthResponse>(R"(
      health { component: "feed" instance: "feed-1" status: SERVING_STATUS_DEGRADED live: true
               ready: true }
      feed { shard_index: 1 shard_count: 4 subscribers: 2 book_epoch: 77
             venues { venue: VENUE_KALSHI mode: FEED_MODE_HYBRID mode_reason: "SequenceGaps"
                      connections_open: 1 connections_desired: 2 instruments: 120 books_live: 118
                      books_stale: 2 gaps_total: 5 messages_total: 9000
                      last_message_age_nanos: 1500000000 } }
      feed_policy { preferred_mode: FEED_MODE_STREAM stale_after_nanos: 30000000000
                    subscriber_queue_limit: 4096 })"));
  const Result r = Run({"health"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("status         DEGRADED\n"));
  EXPECT_THAT(r.out, HasSubstr("shard_index    1\n"));
  EXPECT_THAT(r.out, HasSubstr("shard_count    4\n"));
  EXPECT_THAT(r.out, HasSubstr("kalshi  HYBRID  SequenceGaps  -                   1/2"));
  EXPECT_THAT(r.out, HasSubstr("  1.5s\n"));
  EXPECT_THAT(r.out, HasSubstr("preferred_mode             STREAM\n"));
  EXPECT_THAT(r.out, HasSubstr("stale_after                30s\n"));
  EXPECT_THAT(r.out, HasSubstr("policy                     default (none pushed)\n"));
}

TEST_F(FeedCommandTest, MarketsPageAndMergeTheirEvents) {
  std::vector<v1::Market> markets = {
      ParseText<v1::Market>(R"(market_id: "m-1" venue: VENUE_POLYMARKET event_id: "e-1"
                               question: "Will it rain?" outcomes: ["Yes", "No"]
                               status: MARKET_STATUS_OPEN accepting_orders: true
                               tick_size_micros: 10000 end_unix_nanos: 1767225600000000000)"),
      ParseText<v1::Market>(R"(market_id: "m-2" venue: VENUE_POLYMARKET event_id: "e-2"
                               status: MARKET_STATUS_CLOSED tick_size_micros: 1000
                               neg_risk { neg_risk: true })"),
      ParseText<v1::Market>(R"(market_id: "m-3" venue: VENUE_POLYMARKET event_id: "e-1")"),
  };
  std::vector<v1::Event> events = {
      ParseText<v1::Event>(R"(event_id: "e-1" venue: VENUE_POLYMARKET title: "Weather"
                              market_ids: ["m-1", "m-3"])"),
      ParseText<v1::Event>(R"(event_id: "e-2" venue: VENUE_POLYMARKET market_ids: "m-2"
                              neg_risk: true mutually_exclusive: true)"),
  };
  feed_.SetCatalog(markets, events, {});
  Result r = Run({"markets"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(recorder_.RequestsOf<v1::ListMarketsRequest>().size(), 2u);
  EXPECT_EQ(r.out,
            "MARKET_ID  VENUE       EVENT_ID  STATUS  ACCEPTING      TICK  NEG_RISK  OUTCOMES  "
            "END                   QUESTION\n"
            "m-1        polymarket  e-1       OPEN    yes        0.010000  no        Yes/No    "
            "2026-01-01T00:00:00Z  Will it rain?\n"
            "m-2        polymarket  e-2       CLOSED  no         0.001000  yes       -         "
            "-                     -\n"
            "m-3        polymarket  e-1       -       no         0.000000  no        -         "
            "-                     -\n"
            "3 markets\n"
            "\n"
            "EVENT_ID  VENUE       MARKETS  MUTUALLY_EXCLUSIVE  NEG_RISK  TITLE\n"
            "e-1       polymarket        2  no                  no        Weather\n"
            "e-2       polymarket        1  yes                 yes       -\n");

  // JSON, cut at 1 market: only that market's event.
  r = Run({"--output", "json", "markets", "--limit", "1"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  v1::ListMarketsResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &parsed).ok()) << r.out;
  ASSERT_EQ(parsed.markets_size(), 1);
  ASSERT_EQ(parsed.events_size(), 1);
  EXPECT_EQ(parsed.events(0).event_id(), "e-1");
  EXPECT_EQ(parsed.next_page_token(), "1");
}

TEST_F(FeedCommandTest, InstrumentsTable) {
  feed_.SetCatalog({}, {},
                   {ParseText<v1::Instrument>(R"(
                        instrument_id { venue: VENUE_KALSHI symbol: "KX-1:YES" }
                        market_id: "KX-1" event_id: "KX" outcome_name: "Yes" outcome_index: 0
                        tick_size_micros: 10000 status: MARKET_STATUS_OPEN
                        complement_id { venue: VENUE_KALSHI symbol: "KX-1:NO" })"),
                    ParseText<v1::Instrument>(R"(
                        instrument_id { venue: VENUE_KALSHI symbol: "KX-1:NO" }
                        market_id: "KX-1" event_id: "KX" outcome_name: "No" outcome_index: 1
                        tick_size_micros: 10000 status: MARKET_STATUS_OPEN)"),
                    ParseText<v1::Instrument>(R"(
                        instrument_id { venue: VENUE_KALSHI symbol: "KX-2:YES" })")});
  const Result r = Run({"instruments", "--limit", "2"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(r.out,
            "INSTRUMENT       MARKET_ID  EVENT_ID  OUTCOME  INDEX      TICK  STATUS  NEG_RISK  "
            "COMPLEMENT\n"
            "kalshi:KX-1:YES  KX-1       KX        Yes          0  0.010000  OPEN    no        "
            "kalshi:KX-1:NO\n"
            "kalshi:KX-1:NO   KX-1       KX        No           1  0.010000  OPEN    no        -\n"
            "2 instruments (more available; raise --limit)\n");
}

TEST_F(FeedCommandTest, PolicyApplyPrintsTheOutcome) {
  recorder_.SetResponse(ParseText<v1::ApplyFeedPolicyResponse>(R"(
      changed: true applied_unix_nanos: 1767225600000000000
      policy { policy_uid: "uid-1" policy_generation: 4 })"));
  const Result r = Run({"policy", "apply", "--file", policy_file_, "--policy-uid", "uid-1",
                        "--policy-generation", "4", "--by", "ops"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(r.out,
            "changed            yes\n"
            "policy_name        -\n"
            "policy_uid         uid-1\n"
            "policy_generation  4\n"
            "stage_index        0\n"
            "stage_name         -\n"
            "stages_hash        -\n"
            "applied            2026-01-01T00:00:00Z\n");
}

// ---- Watch ----------------------------------------------------------------------------------

std::vector<v1::BookUpdate> SampleScript() {
  std::vector<v1::BookUpdate> script;
  script.push_back(ParseText<v1::BookUpdate>(
      absl::StrCat("snapshot { ", SampleBook().snapshot().ShortDebugString(), " }")));
  script.push_back(ParseText<v1::BookUpdate>(
      "heartbeat { ts_unix_nanos: 1767225600000000000 initial_snapshot_complete: true }"));
  script.push_back(ParseText<v1::BookUpdate>(R"(
      deltas {
        deltas { instrument_id { venue: VENUE_KALSHI symbol: "KXFED-25DEC-H0:YES" }
                 action: BOOK_ACTION_SET side: BOOK_SIDE_BID price_micros: 490000
                 size_micros: 10000000 sequence: 43 }
        deltas { instrument_id { venue: VENUE_KALSHI symbol: "KXFED-25DEC-H0:YES" }
                 action: BOOK_ACTION_DELETE side: BOOK_SIDE_ASK price_micros: 500000
                 sequence: 44 flags: 128 } })"));
  script.push_back(ParseText<v1::BookUpdate>(R"(
      trade { instrument_id { venue: VENUE_KALSHI symbol: "KXFED-25DEC-H0:YES" }
              price_micros: 500000 size_micros: 5000000 aggressor_side: SIDE_BUY
              venue_trade_id: "t-1" ts_event_unix_nanos: 1767225601000000000 })"));
  script.push_back(ParseText<v1::BookUpdate>(
      "heartbeat { ts_unix_nanos: 1767225601500000000 coalesced_total: 2 }"));
  script.push_back(ParseText<v1::BookUpdate>(R"(
      status { instrument_id { venue: VENUE_KALSHI symbol: "KXFED-25DEC-H0:YES" }
               status: BOOK_STATUS_STALE reason: "NoDataTimeout"
               ts_unix_nanos: 1767225602000000000 })"));
  script.push_back(ParseText<v1::BookUpdate>(R"(
      instrument { kind: INSTRUMENT_UPDATE_KIND_RESOLVED ts_event_unix_nanos: 1767225603000000000
                   instrument { instrument_id { venue: VENUE_KALSHI symbol: "KXFED-25DEC-H0:YES" }
                                status: MARKET_STATUS_RESOLVED tick_size_micros: 10000
                                settlement_price_micros: 1000000 } })"));
  return script;
}

TEST_F(FeedCommandTest, WatchPrintsOneLinePerUpdateAndDelta) {
  feed_.SetScript(SampleScript());
  Result r = Run({"watch"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_EQ(r.out,
            "snapshot  kalshi:KXFED-25DEC-H0:YES  seq=42  status=LIVE  reason=INITIAL  bids=2  "
            "asks=1  best_bid=0.480000x100  best_ask=0.500000x50  event=2026-01-01T00:00:00Z\n"
            "heartbeat  at=2026-01-01T00:00:00Z  coalesced_total=0  initial_snapshot_complete\n"
            "delta  kalshi:KXFED-25DEC-H0:YES  seq=43  action=SET  side=BID  price=0.490000  "
            "size=10\n"
            "delta  kalshi:KXFED-25DEC-H0:YES  seq=44  action=DELETE  side=ASK  price=0.500000  "
            "size=0  flags=last\n"
            "trade  kalshi:KXFED-25DEC-H0:YES  side=BUY  price=0.500000  size=5  id=t-1  "
            "event=2026-01-01T00:00:01Z\n"
            "status  kalshi:KXFED-25DEC-H0:YES  status=STALE  reason=NoDataTimeout  "
            "at=2026-01-01T00:00:02Z\n"
            "instrument  kalshi:KXFED-25DEC-H0:YES  kind=RESOLVED  status=RESOLVED  "
            "tick=0.010000  at=2026-01-01T00:00:03Z  settlement=1.000000\n");

  r = Run({"watch", "--heartbeats"});
  EXPECT_THAT(r.out, HasSubstr("\nheartbeat  at=2026-01-01T00:00:01.5Z  coalesced_total=2\n"));

  r = Run({"--output", "json", "watch", "--heartbeats"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  const std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  const std::vector<v1::BookUpdate> script = SampleScript();
  ASSERT_EQ(lines.size(), script.size()) << r.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    v1::BookUpdate parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[i], &parsed).ok()) << lines[i];
    EXPECT_TRUE(MessageDifferencer::Equals(parsed, script[i])) << lines[i];
  }
}

TEST_F(FeedCommandTest, WatchCountsUpdatesNotDeltasOrHeartbeats) {
  feed_.SetScript(SampleScript());
  recorder_.SetStreamEnd(StreamEnd::kHoldSilent);
  const Result r = Run({"watch", "--count", "3"});
  EXPECT_EQ(r.code, kRpcExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\ntrade  "));
  EXPECT_THAT(r.out, Not(HasSubstr("status  ")));
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(r.out, '\n', absl::SkipEmpty())).size(), 5u);
}

TEST_F(FeedCommandTest, SilentStreamExitsThreeAfterTimeout) {
  recorder_.SetStreamEnd(StreamEnd::kHoldSilent);
  const Result r = Run({"watch", "--timeout", "250ms"});
  EXPECT_EQ(r.code, kRpcExitUnreachable);
  EXPECT_THAT(r.err, HasSubstr("no message from the feed shard at " + Target() + " for 250ms"));
}

// ---- Errors ---------------------------------------------------------------------------------

TEST_F(FeedCommandTest, ErrorStatusesMapToExitCodes) {
  recorder_.FailWith(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                  "instrument kalshi:KX:YES is not owned by this shard"));
  Result r = Run({"book", "--instrument", "kalshi:KX:YES"});
  EXPECT_EQ(r.code, kRpcExitServerError);
  EXPECT_THAT(r.err, HasSubstr("arborctl feed: GetBook failed: NOT_FOUND: instrument kalshi:KX:YES "
                               "is not owned by this shard"));
  EXPECT_EQ(r.out, "");

  recorder_.FailWith(
      grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "policy generation 1 is older"));
  r = Run({"policy", "apply", "--file", policy_file_, "--policy-uid", "u", "--policy-generation",
           "1", "--by", "ops"});
  EXPECT_EQ(r.code, kRpcExitServerError);
  EXPECT_THAT(r.err, HasSubstr("ApplyFeedPolicy failed: FAILED_PRECONDITION"));

  recorder_.FailWith(grpc::Status(grpc::StatusCode::UNAVAILABLE, "feed shard shutting down"));
  for (const char* sub : {"health", "markets", "instruments", "watch"}) {
    r = Run({sub});
    EXPECT_EQ(r.code, kRpcExitUnreachable) << sub;
    EXPECT_THAT(r.err, HasSubstr("cannot reach the feed shard at " + Target())) << sub;
  }
  recorder_.FailWith(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "filter.venues[0]"));
  r = Run({"watch"});
  EXPECT_EQ(r.code, kRpcExitServerError);
  EXPECT_THAT(r.err, HasSubstr("StreamBooks failed: INVALID_ARGUMENT: filter.venues[0]"));
}

TEST_F(FeedCommandTest, ServerDownExitsThree) {
  const std::string target = Target();
  recorder_.Stop();
  server_->Shutdown();
  server_->Wait();
  const Result r = RunRaw({"--feed", target, "--timeout", "3s", "health"});
  EXPECT_EQ(r.code, kRpcExitUnreachable);
  EXPECT_THAT(r.err, HasSubstr("cannot reach the feed shard at " + target + " (GetHealth)"));
}

TEST_F(FeedCommandTest, BinaryDispatchesToTheCommand) {
  recorder_.SetResponse(SampleBook());
  int code = -1;
  std::string out = RunShell(std::string(ARBORCTL_BINARY) + " feed --help", &code);
  EXPECT_EQ(code, kRpcExitOk);
  EXPECT_THAT(out, HasSubstr("Exit codes:"));
  out = RunShell(std::string(ARBORCTL_BINARY) + " feed book 2>&1", &code);
  EXPECT_EQ(code, kRpcExitUsage);
  EXPECT_THAT(out, HasSubstr("--instrument is required"));
  out = RunShell("ARBOR_FEED=" + Target() + " " + ARBORCTL_BINARY +
                     " feed book --instrument kalshi:KXFED-25DEC-H0:YES 2>&1",
                 &code);
  EXPECT_EQ(code, kRpcExitOk) << out;
  EXPECT_THAT(out, HasSubstr("    1       100  0.480000  0.500000        50\n"));
}

}  // namespace
}  // namespace arbor::arborctl
