// Market lifecycle on the simulator over real loopback sockets: a market that starts unlisted is
// invisible to every venue API, POST /admin/list makes it appear (Gamma, CLOB, Kalshi REST,
// `new_market` / `market_lifecycle_v2 created` on the WebSockets), POST /admin/resolve closes
// it (catalogs show it closed, orders canceled, `market_resolved` / `determined`, no more book
// updates), and bad admin input gets a 400 with a reason.
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/net/http_client.h"
#include "arbor/sim/admin_routes.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/faults.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/kalshi_trading.h"
#include "arbor/sim/kalshi_ws_channel.h"
#include "arbor/sim/polymarket_market_channel.h"
#include "arbor/sim/polymarket_routes.h"
#include "arbor/sim/scenario.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/websocket.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kPm = 3;    // the unlisted Polymarket market (standalone binary)
constexpr int kTwin = 1;  // the unlisted Kalshi twin

// A blocking WebSocket client for the test thread.
class WsClient {
 public:
  WsClient(uint16_t port, const std::string& path) : ws_(io_) {
    tcp::resolver resolver(io_);
    ws_.next_layer().connect(resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1", path);
  }
  void Write(const std::string& text) { ws_.write(boost::asio::buffer(text)); }
  std::string Read() {
    beast::flat_buffer b;
    ws_.read(b);
    return beast::buffers_to_string(b.data());
  }

 private:
  boost::asio::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
};

// The keys of a JSON object, in order.
std::vector<std::string> Keys(simdjson::dom::object obj) {
  std::vector<std::string> out;
  for (auto f : obj) out.emplace_back(f.key);
  return out;
}

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UniverseSpec spec;
    spec.binary_markets = 20;
    spec.negrisk_events = 2;
    spec.kalshi_twin_every = 5;  // twins of markets 0, 5, 10, 15
    absl::StatusOr<Universe> u = GenerateUniverse(spec);
    ASSERT_TRUE(u.ok()) << u.status();
    u->markets[kPm].status = MarketStatus::kUnlisted;
    u->kalshi[kTwin].status = MarketStatus::kUnlisted;
    DynamicsSpec dynamics;
    dynamics.noise_orders_per_market = 0.5;
    absl::StatusOr<std::unique_ptr<Exchange>> ex = Exchange::Create(*u, dynamics, {}, 4);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);

    clob_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    gamma_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    kalshi_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    admin_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    AddPolymarketClobRoutes(*clob_, *exchange_, clock_);
    AddGammaRoutes(*gamma_, *exchange_);
    market_channel_ = std::make_unique<PolymarketMarketChannel>(exchange_.get());
    market_channel_->Attach(*clob_);
    kalshi_trading_ = std::make_unique<KalshiTrading>(*exchange_, clock_, KalshiTradingOptions{});
    kalshi_trading_->Attach(*kalshi_);
    kalshi_ws_ = std::make_unique<KalshiWsChannel>(
        exchange_.get(),
        [](std::string_view, std::string_view, std::string_view, std::string_view,
           std::string_view) -> absl::StatusOr<std::string> {
          return absl::UnauthenticatedError("no keys in this test");
        },
        KalshiWsOptions{.allow_unauthenticated_public = true});
    kalshi_ws_->Attach(*kalshi_);
    trades_ = std::make_unique<TradeRecorder>(exchange_.get(), 100);
    AddAdminRoutes(*admin_, {.exchange = exchange_.get(),
                             .faults = &faults_,
                             .trades = trades_.get(),
                             .step_once = [this] { return StepOnce(); },
                             .clock = &clock_});
    for (HttpServer* s : {clob_.get(), gamma_.get(), kalshi_.get(), admin_.get()}) {
      ASSERT_TRUE(s->Start().ok());
    }
    thread_ = std::thread([this] { io_.run(); });
    absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
  }

  void TearDown() override {
    http_.reset();
    boost::asio::post(io_, [this] {
      for (HttpServer* s : {clob_.get(), gamma_.get(), kalshi_.get(), admin_.get()}) s->Stop();
    });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Runs `fn` on the exchange's io thread and waits for it.
  template <typename Fn>
  auto OnIo(Fn fn) {
    std::promise<decltype(fn())> done;
    boost::asio::post(io_, [&] { done.set_value(fn()); });
    return done.get_future().get();
  }
  // Whether a Polymarket market's / a Kalshi twin's YES book has a bid.
  bool HasBid(int market) {
    return OnIo([&] { return exchange_->engine(market).BestPrice(0, Side::kBuy).has_value(); });
  }
  bool KalshiHasBid(int twin) {
    return OnIo(
        [&] { return exchange_->kalshi_engine(twin).BestPrice(0, Side::kBuy).has_value(); });
  }

  // One exchange step and the channels' publication (runs on the io thread).
  absl::Status StepOnce() {
    clock_.Advance(absl::Seconds(1));
    const int64_t now_ms = absl::ToUnixMillis(clock_.Now());
    if (absl::Status st = exchange_->Step(now_ms); !st.ok()) return st;
    if (absl::Status st = market_channel_->Publish(now_ms); !st.ok()) return st;
    return kalshi_ws_->Publish(now_ms);
  }

  net::HttpResponse Do(HttpServer& server, std::string method, std::string target,
                       std::string body = "") {
    net::HttpRequest req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    absl::StatusOr<net::HttpResponse> r = http_->Send({false, "127.0.0.1", server.port()}, req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : net::HttpResponse{};
  }
  net::HttpResponse Admin(std::string path, std::string body) {
    return Do(*admin_, "POST", std::move(path), std::move(body));
  }
  simdjson::dom::element Json(const std::string& body) {
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(body).get(root), simdjson::SUCCESS) << body;
    return root;
  }

  const SimMarket& Pm() const { return exchange_->universe().markets[kPm]; }
  const KalshiTwin& Twin() const { return exchange_->universe().kalshi[kTwin]; }
  std::string ListPmBody() const { return R"({"condition_id":")" + Pm().condition_id + R"("})"; }
  std::string ListKalshiBody() const { return R"({"ticker":")" + Twin().ticker + R"("})"; }

  // A Polymarket market-channel connection; its initial frame subscribes to `assets`.
  std::unique_ptr<WsClient> PmConnection(const std::vector<std::string>& assets, bool custom) {
    auto c = std::make_unique<WsClient>(clob_->port(), "/ws/market");
    std::string list;
    for (const std::string& a : assets) list += (list.empty() ? "\"" : ",\"") + a + "\"";
    c->Write(R"({"assets_ids":[)" + list + R"(],"type":"market","custom_feature_enabled":)" +
             (custom ? "true" : "false") + "}");
    return c;
  }
  // Fence: everything the server sent before this call is read before the PONG.
  static std::vector<std::string> ReadUntilPong(WsClient& c) {
    c.Write("PING");
    std::vector<std::string> frames;
    for (std::string f = c.Read(); f != "PONG"; f = c.Read()) frames.push_back(f);
    return frames;
  }
  // Fence for Kalshi: an unknown command's error reply (id 999) ends what came before it.
  static std::vector<std::string> ReadUntilKalshiFence(WsClient& c) {
    c.Write(R"({"id":999,"cmd":"no_such_command"})");
    std::vector<std::string> frames;
    for (std::string f = c.Read(); f.find(R"("id":999)") == std::string::npos; f = c.Read()) {
      frames.push_back(f);
    }
    return frames;
  }

  boost::asio::io_context io_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  FaultInjector faults_{3, clock_};
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<HttpServer> clob_, gamma_, kalshi_, admin_;
  std::unique_ptr<PolymarketMarketChannel> market_channel_;
  std::unique_ptr<KalshiTrading> kalshi_trading_;
  std::unique_ptr<KalshiWsChannel> kalshi_ws_;
  std::unique_ptr<TradeRecorder> trades_;
  std::thread thread_;
  std::unique_ptr<net::HttpClient> http_;
  simdjson::dom::parser parser_;
};

TEST_F(LifecycleTest, UnlistedMarketsAreInvisibleEverywhere) {
  ASSERT_TRUE(Admin("/admin/step", "").status == 200);
  EXPECT_EQ(Do(*clob_, "GET", "/book?token_id=" + Pm().yes_token).status, 404);
  EXPECT_EQ(Do(*clob_, "GET", "/markets/" + Pm().condition_id).status, 404);
  EXPECT_THAT(Do(*clob_, "GET", "/markets").body, ::testing::Not(HasSubstr(Pm().condition_id)));
  const std::string gamma = Do(*gamma_, "GET", "/markets?limit=500").body;
  EXPECT_THAT(gamma, ::testing::Not(HasSubstr(Pm().condition_id)));
  // The Gamma page holds every other market: no hole where the unlisted one sits.
  simdjson::dom::array page;
  ASSERT_EQ(Json(gamma).get(page), simdjson::SUCCESS);
  EXPECT_EQ(page.size(), exchange_->universe().markets.size() - 1);
  EXPECT_EQ(Do(*kalshi_, "GET", "/trade-api/v2/markets/" + Twin().ticker).status, 404);
  EXPECT_THAT(Do(*kalshi_, "GET", "/trade-api/v2/markets").body,
              ::testing::Not(HasSubstr(Twin().ticker)));
  // Nobody quotes or trades them.
  EXPECT_FALSE(HasBid(kPm));
  EXPECT_FALSE(KalshiHasBid(kTwin));
  const std::string truth = Do(*admin_, "GET", "/admin/truth?market=" + Pm().condition_id).body;
  EXPECT_THAT(truth, HasSubstr(R"("status":"unlisted")"));
  // A subscription to its tokens gets no snapshot.
  auto c = PmConnection({Pm().yes_token}, true);
  EXPECT_TRUE(ReadUntilPong(*c).empty());
}

TEST_F(LifecycleTest, ListingPublishesNewMarketAndCreatedAndOpensTheBooks) {
  auto custom_subscribed = PmConnection({Pm().yes_token, Pm().no_token}, true);
  auto custom_other = PmConnection({exchange_->engine(0).token(0)}, true);
  auto plain = PmConnection({Pm().yes_token}, false);
  for (WsClient* c : {custom_other.get(), plain.get()}) {
    EXPECT_EQ(ReadUntilPong(*c).size(), c == plain.get() ? 0u : 1u);  // market 0's snapshot
  }
  EXPECT_TRUE(ReadUntilPong(*custom_subscribed).empty());
  WsClient kalshi(kalshi_->port(), "/trade-api/ws/v2");
  kalshi.Write(R"({"id":1,"cmd":"subscribe","params":{"channels":["market_lifecycle_v2"]}})");
  EXPECT_THAT(kalshi.Read(), HasSubstr(R"("type":"subscribed")"));

  net::HttpResponse r = Admin("/admin/list", ListPmBody());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"venue":"polymarket","market":3,"condition_id":")" + Pm().condition_id +
                        R"(","status":"open"})");
  const int64_t listed_ms = absl::ToUnixMillis(clock_.Now());

  // new_market: every custom-feature connection, whatever its assets, with the venue's fields.
  for (WsClient* c : {custom_subscribed.get(), custom_other.get()}) {
    const std::vector<std::string> frames = ReadUntilPong(*c);
    ASSERT_GE(frames.size(), 1u);
    simdjson::dom::object nm;
    ASSERT_EQ(Json(frames[0]).get(nm), simdjson::SUCCESS) << frames[0];
    EXPECT_THAT(
        Keys(nm),
        ElementsAre("event_type", "id", "question", "market", "slug", "description", "assets_ids",
                    "outcomes", "event_message", "timestamp", "tags", "condition_id", "active",
                    "clob_token_ids", "sports_market_type", "line", "game_start_time",
                    "order_price_min_tick_size", "group_item_title"));
    EXPECT_EQ(std::string_view(nm["event_type"]), "new_market");
    EXPECT_EQ(std::string_view(nm["market"]), Pm().condition_id);
    EXPECT_EQ(std::string_view(nm["condition_id"]), Pm().condition_id);
    EXPECT_EQ(std::string_view(nm["assets_ids"].at(0)), Pm().yes_token);
    EXPECT_EQ(std::string_view(nm["clob_token_ids"].at(1)), Pm().no_token);
    EXPECT_EQ(std::string_view(nm["timestamp"]), std::to_string(listed_ms));
    EXPECT_EQ(std::string_view(nm["order_price_min_tick_size"]), Pm().tick.ToString());
    simdjson::dom::object ev;
    ASSERT_EQ(nm["event_message"].get(ev), simdjson::SUCCESS);
    EXPECT_THAT(Keys(ev), ElementsAre("id", "ticker", "slug", "title", "description"));
    // The connection already subscribed to the new tokens gets their books right after.
    if (c == custom_subscribed.get()) {
      ASSERT_EQ(frames.size(), 2u);
      simdjson::dom::array books;
      ASSERT_EQ(Json(frames[1]).get(books), simdjson::SUCCESS) << frames[1];
      EXPECT_EQ(books.size(), 2u);
    } else {
      EXPECT_EQ(frames.size(), 1u);
    }
  }
  EXPECT_TRUE(ReadUntilPong(*plain).size() == 1u) << "plain connections get the book only";

  // The catalogs and the book show it now.
  net::HttpResponse book = Do(*clob_, "GET", "/book?token_id=" + Pm().yes_token);
  EXPECT_EQ(book.status, 200);
  EXPECT_THAT(book.body, HasSubstr(R"("bids":[{)"));
  EXPECT_THAT(Do(*gamma_, "GET", "/markets?limit=500").body, HasSubstr(Pm().condition_id));
  EXPECT_EQ(Do(*clob_, "GET", "/markets/" + Pm().condition_id).status, 200);

  // Kalshi: created on the lifecycle channel with the subscription's seq.
  r = Admin("/admin/list", ListKalshiBody());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"venue":"kalshi","twin":1,"ticker":")" + Twin().ticker + R"(","status":"open"})");
  std::vector<std::string> frames = ReadUntilKalshiFence(kalshi);
  ASSERT_EQ(frames.size(), 1u);
  simdjson::dom::element created = Json(frames[0]);
  EXPECT_EQ(std::string_view(created["type"]), "market_lifecycle_v2");
  EXPECT_EQ(uint64_t(created["seq"]), 1u);
  simdjson::dom::object msg;
  ASSERT_EQ(created["msg"].get(msg), simdjson::SUCCESS);
  EXPECT_THAT(Keys(msg), ElementsAre("market_ticker", "exchange_index", "open_ts", "close_ts",
                                     "additional_metadata", "event_type", "price_level_structure"));
  EXPECT_EQ(std::string_view(msg["event_type"]), "created");
  EXPECT_EQ(std::string_view(msg["market_ticker"]), Twin().ticker);
  EXPECT_EQ(int64_t(msg["open_ts"]), listed_ms / 1000);
  net::HttpResponse market = Do(*kalshi_, "GET", "/trade-api/v2/markets/" + Twin().ticker);
  EXPECT_EQ(market.status, 200);
  EXPECT_THAT(market.body, HasSubstr(R"("status":"active")"));

  // Both are quoted and traded from now on.
  ASSERT_EQ(Admin("/admin/step", "").status, 200);
  EXPECT_TRUE(HasBid(kPm));
  EXPECT_TRUE(KalshiHasBid(kTwin));
}

TEST_F(LifecycleTest, ResolutionClosesTheMarketAndStopsItsBook) {
  // Market 0 is listed from the start; a custom-feature subscriber and one subscribed elsewhere.
  const SimMarket& m0 = exchange_->universe().markets[0];
  auto sub = PmConnection({m0.yes_token, m0.no_token}, true);
  auto other = PmConnection({exchange_->engine(1).token(0)}, true);
  EXPECT_EQ(ReadUntilPong(*sub).size(), 1u);
  EXPECT_EQ(ReadUntilPong(*other).size(), 1u);
  WsClient kalshi(kalshi_->port(), "/trade-api/ws/v2");
  kalshi.Write(R"({"id":1,"cmd":"subscribe","params":{"channels":["market_lifecycle_v2"]}})");
  EXPECT_THAT(kalshi.Read(), HasSubstr(R"("type":"subscribed")"));
  const std::string ticker0 = exchange_->universe().kalshi[0].ticker;

  net::HttpResponse r = Admin(
      "/admin/resolve", R"({"condition_id":")" + m0.condition_id + R"(","winning_outcome":"No"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"venue":"polymarket","market":0,"condition_id":")" + m0.condition_id +
                        R"(","status":"resolved","winning_outcome":"No","winning_asset_id":")" +
                        m0.no_token + R"(","canceled_orders":4})");
  const int64_t resolved_ms = absl::ToUnixMillis(clock_.Now());
  for (WsClient* c : {sub.get(), other.get()}) {
    const std::vector<std::string> frames = ReadUntilPong(*c);
    ASSERT_EQ(frames.size(), 1u);
    simdjson::dom::object mr;
    ASSERT_EQ(Json(frames[0]).get(mr), simdjson::SUCCESS) << frames[0];
    EXPECT_THAT(Keys(mr), ElementsAre("event_type", "id", "market", "assets_ids",
                                      "winning_asset_id", "winning_outcome", "timestamp", "tags"));
    EXPECT_EQ(std::string_view(mr["event_type"]), "market_resolved");
    EXPECT_EQ(std::string_view(mr["winning_asset_id"]), m0.no_token);
    EXPECT_EQ(std::string_view(mr["winning_outcome"]), "No");
    EXPECT_EQ(std::string_view(mr["timestamp"]), std::to_string(resolved_ms));
  }
  EXPECT_FALSE(HasBid(0));

  // Catalogs show it closed.
  const std::string clob = Do(*clob_, "GET", "/markets/" + m0.condition_id).body;
  EXPECT_THAT(clob, HasSubstr(R"("active":false,"closed":true,"archived":false,)"
                              R"("accepting_orders":false)"));
  const std::string gamma = Do(*gamma_, "GET", "/markets?limit=1").body;
  EXPECT_THAT(gamma, HasSubstr(m0.condition_id));
  EXPECT_THAT(gamma, HasSubstr(R"("active":false,"closed":true)"));
  EXPECT_THAT(gamma, HasSubstr(R"("acceptingOrders":false)"));
  EXPECT_THAT(Do(*admin_, "GET", "/admin/truth?market=" + m0.condition_id).body,
              HasSubstr(R"("status":"resolved")"));

  // Kalshi: determined with the result, channel-wide.
  r = Admin("/admin/resolve", R"({"ticker":")" + ticker0 + R"(","result":"yes"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"venue":"kalshi","twin":0,"ticker":")" + ticker0 +
                        R"(","status":"determined","result":"yes","canceled_orders":2})");
  std::vector<std::string> frames = ReadUntilKalshiFence(kalshi);
  ASSERT_EQ(frames.size(), 1u);
  simdjson::dom::element det = Json(frames[0]);
  EXPECT_EQ(uint64_t(det["seq"]), 1u);
  simdjson::dom::object msg;
  ASSERT_EQ(det["msg"].get(msg), simdjson::SUCCESS);
  EXPECT_THAT(Keys(msg), ElementsAre("market_ticker", "event_type", "result", "determination_ts"));
  EXPECT_EQ(std::string_view(msg["event_type"]), "determined");
  EXPECT_EQ(std::string_view(msg["result"]), "yes");
  EXPECT_EQ(int64_t(msg["determination_ts"]), resolved_ms / 1000);
  const std::string km = Do(*kalshi_, "GET", "/trade-api/v2/markets/" + ticker0).body;
  EXPECT_THAT(km, HasSubstr(R"("status":"determined")"));
  EXPECT_THAT(km, HasSubstr(R"("result":"yes")"));

  // Later steps never touch the resolved books: no price_change / book for market 0.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Admin("/admin/step", "").status, 200);
  for (const std::string& f : ReadUntilPong(*sub)) {
    EXPECT_THAT(f, ::testing::Not(HasSubstr(m0.condition_id))) << f;
  }
  EXPECT_FALSE(HasBid(0));
  EXPECT_FALSE(KalshiHasBid(0));
}

TEST_F(LifecycleTest, BadAdminInputIsA400WithAReason) {
  const std::string pm = Pm().condition_id;
  const std::string listed = exchange_->universe().markets[0].condition_id;
  const struct {
    const char* path;
    std::string body;
    const char* reason;
  } kCases[] = {
      {"/admin/list", "nope", "not a JSON object"},
      {"/admin/list", "{}", "exactly one of condition_id, ticker"},
      {"/admin/list", R"({"condition_id":"0x1","ticker":"X"})", "exactly one"},
      {"/admin/list", R"({"condition_id":"0xdead"})", "unknown market"},
      {"/admin/list", R"({"ticker":"NOPE-1"})", "unknown Kalshi market"},
      {"/admin/list", R"({"condition_id":")" + listed + R"("})", "already listed"},
      {"/admin/list", R"({"condition_id":")" + pm + R"(","x":1})", "x: unknown key"},
      {"/admin/resolve", R"({"condition_id":")" + pm + R"(","winning_outcome":"Yes"})",
       "is not open (unlisted)"},
      {"/admin/resolve", R"({"condition_id":")" + listed + R"("})", "winning_outcome: missing"},
      {"/admin/resolve", R"({"condition_id":")" + listed + R"(","winning_outcome":"yes"})",
       R"(must be \"Yes\" or \"No\")"},
      {"/admin/resolve", R"({"condition_id":")" + listed + R"(","result":"yes"})",
       "use winning_outcome"},
      {"/admin/resolve", R"({"ticker":")" + Twin().ticker + R"(","result":"Maybe"})",
       R"(must be \"yes\" or \"no\")"},
  };
  for (const auto& c : kCases) {
    net::HttpResponse r = Admin(c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.path << " " << c.body;
    EXPECT_THAT(r.body, HasSubstr(c.reason)) << c.path << " " << c.body;
  }
  // Twice is refused: already listed, already resolved.
  ASSERT_EQ(Admin("/admin/list", ListPmBody()).status, 200);
  net::HttpResponse again = Admin("/admin/list", ListPmBody());
  EXPECT_EQ(again.status, 400);
  EXPECT_THAT(again.body, HasSubstr("already listed (open)"));
  const std::string resolve = R"({"condition_id":")" + pm + R"(","winning_outcome":"Yes"})";
  ASSERT_EQ(Admin("/admin/resolve", resolve).status, 200);
  again = Admin("/admin/resolve", resolve);
  EXPECT_EQ(again.status, 400);
  EXPECT_THAT(again.body, HasSubstr("is not open (resolved)"));
}

TEST(LifecycleScenarioTest, ScenarioFileKeepsMarketsUnlisted) {
  absl::StatusOr<Scenario> s = LoadScenarioFile(ARBOR_SCENARIO_DIR "/lifecycle.json");
  ASSERT_TRUE(s.ok()) << s.status();
  absl::StatusOr<std::unique_ptr<Exchange>> ex = BuildExchange(*s);
  ASSERT_TRUE(ex.ok()) << ex.status();
  int unlisted = 0;
  for (int m = 0; m < (*ex)->markets(); ++m) {
    unlisted += (*ex)->status(m) == MarketStatus::kUnlisted;
  }
  int unlisted_twins = 0;
  for (int t = 0; t < (*ex)->kalshi_twins(); ++t) {
    unlisted_twins += (*ex)->kalshi_status(t) == MarketStatus::kUnlisted;
  }
  EXPECT_EQ(unlisted, 1);
  EXPECT_EQ(unlisted_twins, 1);

  absl::StatusOr<Scenario> bad = ParseScenario(R"({"kalshi_markets":[{"ticker":"NOPE"}]})");
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_THAT(std::string(BuildExchange(*bad).status().message()), HasSubstr("NOPE"));
  EXPECT_FALSE(ParseScenario(R"({"markets":[{"listed":false}]})").ok());  // index missing
  EXPECT_FALSE(ParseScenario(R"({"markets":[{"index":1,"ticker":"X"}]})").ok());
  // A NegRisk member cannot start unlisted.
  absl::StatusOr<Scenario> member = ParseScenario(
      R"({"universe":{"binary_markets":2,"negrisk_events":1,"kalshi_twin_every":0},
          "markets":[{"index":2,"listed":false}]})");
  ASSERT_TRUE(member.ok()) << member.status();
  EXPECT_THAT(std::string(BuildExchange(*member).status().message()), HasSubstr("NegRisk"));
}

}  // namespace
}  // namespace arbor::sim
