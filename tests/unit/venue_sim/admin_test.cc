// The admin API on loopback, talked to with the production net::HttpClient: ground truth after
// an injected mispricing, trade paging, stepping, funding, fault control and the cross-venue
// mapping of the Kalshi twins.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/lanes/venue_mapping.h"
#include "arbor/net/http_client.h"
#include "arbor/relations/relation_file.h"
#include "arbor/sim/admin_routes.h"
#include "arbor/sim/exchange.h"
#include "arbor/sim/faults.h"
#include "arbor/sim/http_server.h"
#include "boost/asio/post.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

using ::testing::HasSubstr;

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UniverseSpec spec;
    spec.binary_markets = 20;
    spec.negrisk_events = 2;
    DynamicsSpec dynamics;
    dynamics.noise_orders_per_market = 0.5;  // plenty of trades to page through
    absl::StatusOr<std::unique_ptr<Exchange>> ex = Exchange::Create(
        *GenerateUniverse(spec), dynamics,
        {{MispricingKind::kBinaryUnderpriced, 1, 3, Price::FromMicros(20'000), 5}}, 4);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);
    trades_ = std::make_unique<TradeRecorder>(exchange_.get(), 50);
    admin_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    AddAdminRoutes(*admin_, {.exchange = exchange_.get(),
                             .faults = &faults_,
                             .trades = trades_.get(),
                             .step_once = [this] {
                               clock_.Advance(absl::Seconds(1));
                               ++steps_run_;
                               return exchange_->Step(absl::ToUnixMillis(clock_.Now()));
                             }});
    ASSERT_TRUE(admin_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
    absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
  }
  void TearDown() override {
    http_.reset();
    boost::asio::post(io_, [this] { admin_->Stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  net::HttpResponse Do(std::string method, std::string target, std::string body = "") {
    net::HttpRequest req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    absl::StatusOr<net::HttpResponse> r = http_->Send({false, "127.0.0.1", admin_->port()}, req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : net::HttpResponse{};
  }
  // Parses `body` (kept alive in `doc_`) and returns its root.
  simdjson::dom::element Json(const std::string& body) {
    simdjson::dom::element root;
    EXPECT_EQ(parser_.parse(body).get(root), simdjson::SUCCESS) << body;
    return root;
  }

  boost::asio::io_context io_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  FaultInjector faults_{3, clock_};
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<TradeRecorder> trades_;
  std::unique_ptr<HttpServer> admin_;
  std::thread thread_;
  std::unique_ptr<net::HttpClient> http_;
  simdjson::dom::parser parser_;
  int steps_run_ = 0;
};

TEST_F(AdminTest, StepAndTruthShowTheInjectedMispricing) {
  net::HttpResponse r = Do("GET", "/admin/truth");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(int64_t(Json(r.body)["step"]), 0);
  EXPECT_EQ(Json(r.body)["mispricings"]["history"].get_array().size(), 0u);

  r = Do("POST", "/admin/step");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{\"step\":1}");
  EXPECT_EQ(steps_run_, 1);

  r = Do("GET", "/admin/truth");
  ASSERT_EQ(r.status, 200);
  simdjson::dom::element truth = Json(r.body);
  EXPECT_EQ(int64_t(truth["step"]), 1);
  simdjson::dom::array history = truth["mispricings"]["history"];
  ASSERT_EQ(history.size(), 1u);
  simdjson::dom::element m = history.at(0);
  EXPECT_EQ(std::string_view(m["kind"]), MispricingKindName(MispricingKind::kBinaryUnderpriced));
  EXPECT_EQ(std::string_view(m["edge"]), "0.02");
  EXPECT_EQ(int64_t(m["started_step"]), 1);
  const std::string cid = exchange_->universe().markets[3].condition_id;
  EXPECT_EQ(std::string_view(m["markets"].at(0)), cid);
  EXPECT_GT(int64_t(truth["live_orders"]), 0);  // the market maker's quotes

  // The mispriced market's tops show YES ask + NO ask = 1 - edge, and its full levels.
  r = Do("GET", "/admin/truth?market=" + cid);
  ASSERT_EQ(r.status, 200);
  simdjson::dom::element one = Json(r.body)["markets"].at(0);
  const Price yes_ask = *Price::Parse(std::string_view(one["yes"]["ask"]));
  const Price no_ask = *Price::Parse(std::string_view(one["no"]["ask"]));
  EXPECT_EQ(yes_ask + no_ask, kPriceOne - Price::FromMicros(20'000));
  EXPECT_GT(one["levels"]["yes"]["asks"].get_array().size(), 0u);
  EXPECT_EQ(Json(Do("GET", "/admin/truth").body)["markets"].get_array().size(),
            exchange_->universe().markets.size());
  EXPECT_EQ(Do("GET", "/admin/truth?market=0xnope").status, 404);
}

TEST_F(AdminTest, TradesPageThroughTheRingBuffer) {
  for (int i = 0; i < 8; ++i) ASSERT_EQ(Do("POST", "/admin/step").status, 200);
  ASSERT_GT(trades_->total(), 12u) << "the noise traders should have traded";
  std::vector<uint64_t> ids;
  uint64_t since = 0;
  for (int page = 0; page < 100; ++page) {
    net::HttpResponse r = Do("GET", "/admin/trades?since=" + std::to_string(since) + "&limit=7");
    ASSERT_EQ(r.status, 200) << r.body;
    simdjson::dom::element doc = Json(r.body);
    simdjson::dom::array list = doc["trades"];
    ASSERT_LE(list.size(), 7u);
    for (simdjson::dom::element t : list) {
      ids.push_back(uint64_t(t["trade_id"]));
      EXPECT_FALSE(std::string_view(t["market"]).empty());
      EXPECT_TRUE(Price::Parse(std::string_view(t["price"])).ok());
    }
    if (list.size() == 0) break;
    since = uint64_t(doc["next_since"]);
  }
  // Bounded at 50, strictly ascending, and the newest recorded trades.
  EXPECT_EQ(ids.size(), std::min<uint64_t>(50, trades_->total()));
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]);
  EXPECT_EQ(Do("GET", "/admin/trades?limit=0").status, 400);
  EXPECT_EQ(Do("GET", "/admin/trades?since=x").status, 400);
}

TEST_F(AdminTest, FundDepositsAndBalancesAndOrdersReport) {
  net::HttpResponse r = Do("POST", "/admin/fund", "{\"account\":\"alice\",\"cash\":\"1000.5\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Do("GET", "/admin/balances?account=alice");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(std::string_view(Json(r.body)["cash"]), "1000.5");
  EXPECT_EQ(exchange_->ledger().Cash("alice"), *Money::Parse("1000.5"));
  r = Do("GET", "/admin/orders?account=alice");
  EXPECT_EQ(r.body, "{\"account\":\"alice\",\"orders\":[]}");
  r = Do("GET", "/admin/orders?account=sim-maker");
  EXPECT_GT(Json(r.body)["orders"].get_array().size(), 0u);
  EXPECT_THAT(Do("POST", "/admin/fund", "{\"account\":\"a\",\"cash\":\"1.0000001\"}").body,
              HasSubstr("cash: "));
  EXPECT_THAT(Do("POST", "/admin/fund", "{\"account\":\"a\",\"cash\":1}").body,
              HasSubstr("cash: not a string"));
  EXPECT_EQ(Do("POST", "/admin/fund", "{\"cash\":\"1\"}").status, 400);
  EXPECT_EQ(Do("GET", "/admin/balances").status, 400);
}

TEST_F(AdminTest, FaultsAreAddedListedAndCleared) {
  net::HttpResponse r =
      Do("POST", "/admin/faults", "{\"rules\":[{\"kind\":\"rate_limit\",\"server\":\"clob\"}]}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr("\"kind\":\"rate_limit\""));
  r = Do("POST", "/admin/faults", "{\"rules\":[{\"kind\":\"nope\"}]}");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("rules[0].kind: unknown kind"));
  EXPECT_THAT(Do("GET", "/admin/faults").body, HasSubstr("rate_limit"));
  // The admin server itself is never subject to faults: it has no injector.
  r = Do("DELETE", "/admin/faults");
  EXPECT_THAT(r.body, HasSubstr("\"rules\":[]"));
  EXPECT_THAT(Do("GET", "/admin/truth").body, HasSubstr("\"faults\":{\"status\":0"));
}

// GET /admin/mapping: one identical, confidence-1 pair per Kalshi twin, read back with the
// lanes' own strict mapping parser (the format CrossVenueLane loads).
TEST_F(AdminTest, MappingListsEveryKalshiTwin) {
  const Universe& u = exchange_->universe();
  ASSERT_GE(u.kalshi.size(), 2u) << "20 binary markets, a twin every 10th";
  net::HttpResponse r = Do("GET", "/admin/mapping");
  ASSERT_EQ(r.status, 200) << r.body;
  absl::StatusOr<lanes::VenueMapping> m = lanes::ParseVenueMapping(r.body);
  ASSERT_TRUE(m.ok()) << m.status() << "\n" << r.body;
  EXPECT_EQ(m->version, 1);
  ASSERT_EQ(m->pairs.size(), u.kalshi.size());
  for (size_t i = 0; i < u.kalshi.size(); ++i) {
    const KalshiTwin& twin = u.kalshi[i];
    const lanes::MappingPair& p = m->pairs[i];
    SCOPED_TRACE(twin.ticker);
    EXPECT_EQ(p.id, "sim-" + twin.ticker);
    EXPECT_EQ(p.kalshi_market_id, twin.ticker);
    EXPECT_EQ(p.polymarket_market_id,
              u.markets[static_cast<size_t>(twin.polymarket_market)].condition_id);
    EXPECT_EQ(p.equivalence, lanes::Equivalence::kIdentical);
    EXPECT_EQ(p.confidence, 1.0);
    EXPECT_EQ(p.max_horizon_gap_seconds, 0);
    EXPECT_EQ(p.polymarket_outcome_of_kalshi_yes, 0);
  }
  // Distinct twins mirror distinct markets.
  EXPECT_NE(m->pairs[0].polymarket_market_id, m->pairs[1].polymarket_market_id);
  EXPECT_EQ(Do("POST", "/admin/mapping").status, 404);
}

// GET /admin/relations: the universe's implies / excludes pairs as a relations file, read back
// with the strict parser the scanner's combinatorial lane uses.
TEST_F(AdminTest, RelationsListEveryLogicalPairAsACuratedRelationsFile) {
  const Universe& u = exchange_->universe();
  ASSERT_EQ(u.relations.size(), 2u) << "20 binary markets: one implies and one excludes pair";
  net::HttpResponse r = Do("GET", "/admin/relations");
  ASSERT_EQ(r.status, 200) << r.body;
  absl::StatusOr<std::vector<relations::Relation>> parsed = relations::ParseRelationsFile(r.body);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << r.body;
  ASSERT_EQ(parsed->size(), u.relations.size());
  for (size_t i = 0; i < u.relations.size(); ++i) {
    const Relation& truth = u.relations[i];
    const relations::Relation& got = (*parsed)[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(got.id, absl::StrCat("sim-rel-", i));
    EXPECT_EQ(got.kind, truth.kind == RelationKind::kImplies ? relations::RelationKind::kImplies
                                                             : relations::RelationKind::kExcludes);
    EXPECT_EQ(got.a.market_id, u.markets[static_cast<size_t>(truth.a)].condition_id);
    EXPECT_EQ(got.b.market_id, u.markets[static_cast<size_t>(truth.b)].condition_id);
    EXPECT_EQ(got.a.outcome, 0);  // the YES tokens
    EXPECT_EQ(got.b.outcome, 0);
    EXPECT_EQ(got.confidence, 1.0);
    EXPECT_EQ(got.provenance, relations::Provenance::kCurated);
  }
  EXPECT_EQ((*parsed)[0].kind, relations::RelationKind::kImplies);
  EXPECT_EQ((*parsed)[1].kind, relations::RelationKind::kExcludes);
  EXPECT_EQ(Do("POST", "/admin/relations").status, 404);
}

}  // namespace
}  // namespace arbor::sim
