// The simulator's REST servers over real sockets on loopback, read with a plain Beast client
// and parsed with the production Polymarket / Gamma parsers.
#include <memory>
#include <string>
#include <thread>

#include "arbor/sim/http_server.h"
#include "arbor/sim/kalshi_trading.h"
#include "arbor/sim/polymarket_routes.h"
#include "arbor/venue/kalshi/rest_orderbook.h"
#include "arbor/venue/polymarket/book_hash.h"
#include "arbor/venue/polymarket/gamma.h"
#include "arbor/venue/polymarket/rest_parsers.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace pm = ::arbor::venue::polymarket;
using tcp = boost::asio::ip::tcp;

struct Response {
  int status = 0;
  std::string body;
};

// One request per call on a fresh connection, or several on one keep-alive connection.
class Client {
 public:
  explicit Client(uint16_t port) : stream_(io_) {
    tcp::resolver resolver(io_);
    stream_.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  }
  Response Do(http::verb verb, const std::string& target, const std::string& body = "") {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    http::write(stream_, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream_, buffer, res);
    return {static_cast<int>(res.result_int()), res.body()};
  }

 private:
  boost::asio::io_context io_;
  beast::tcp_stream stream_;
};

class SimServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UniverseSpec spec;
    spec.binary_markets = 30;
    spec.negrisk_events = 3;
    absl::StatusOr<Universe> u = GenerateUniverse(spec);
    ASSERT_TRUE(u.ok());
    absl::StatusOr<std::unique_ptr<Exchange>> ex = Exchange::Create(*u, DynamicsSpec{}, {}, 1);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);
    clob_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    gamma_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    AddPolymarketClobRoutes(*clob_, *exchange_, clock_);
    AddGammaRoutes(*gamma_, *exchange_);
    kalshi_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    kalshi_trading_ = std::make_unique<KalshiTrading>(*exchange_, clock_, KalshiTradingOptions{});
    kalshi_trading_->Attach(*kalshi_);
    ASSERT_TRUE(clob_->Start().ok());
    ASSERT_TRUE(gamma_->Start().ok());
    ASSERT_TRUE(kalshi_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] {
      clob_->Stop();
      gamma_->Stop();
      kalshi_->Stop();
    });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  boost::asio::io_context io_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<HttpServer> clob_;
  std::unique_ptr<HttpServer> gamma_;
  std::unique_ptr<KalshiTrading> kalshi_trading_;
  std::unique_ptr<HttpServer> kalshi_;
  std::thread thread_;
};

TEST_F(SimServerTest, BookEndpointServesTheEngineBookWithAVerifiableHash) {
  const SimMarket& m = exchange_->universe().markets[4];
  Client client(clob_->port());
  const Response r = client.Do(http::verb::get, "/book?token_id=" + m.yes_token);
  ASSERT_EQ(r.status, 200) << r.body;
  absl::StatusOr<pm::BookSummary> book = pm::ParseBookSummary(r.body);
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(book->asset_id, m.yes_token);
  EXPECT_EQ(book->market, m.condition_id);
  EXPECT_EQ(book->timestamp_ms, 1'790'000'000'000);
  const auto bids = exchange_->engine(4).Levels(0, Side::kBuy);
  ASSERT_FALSE(bids.empty());
  EXPECT_EQ(book->bids.back().level.price, bids.front().first);  // best bid last, as the venue
  EXPECT_EQ(*pm::OrderBookSummaryHash(*book), book->hash);
  EXPECT_EQ(book->tick_size, m.tick);
}

TEST_F(SimServerTest, ErrorsUseTheVenueShape) {
  Client client(clob_->port());
  Response r = client.Do(http::verb::get, "/book?token_id=123");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"No orderbook exists for the requested token id"})");
  r = client.Do(http::verb::get, "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"not found"})");
  r = client.Do(http::verb::post, "/books", "{\"token_id\":1}");
  EXPECT_EQ(r.status, 400);
  std::string many = "[";
  for (int i = 0; i <= 500; ++i) many += std::string(i ? "," : "") + R"({"token_id":"1"})";
  many += "]";
  r = client.Do(http::verb::post, "/books", many);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":"Payload exceeds the limit"})");
}

TEST_F(SimServerTest, BatchBooksAndMetadataEndpoints) {
  const SimMarket& a = exchange_->universe().markets[0];
  const SimMarket& b = exchange_->universe().markets[31];  // a NegRisk member
  Client client(clob_->port());  // one keep-alive connection for every request below
  Response r = client.Do(http::verb::post, "/books",
                         R"([{"token_id":")" + a.no_token + R"("},{"token_id":")" + b.yes_token +
                             R"("},{"token_id":"unknown"}])");
  ASSERT_EQ(r.status, 200);
  absl::StatusOr<std::vector<pm::BookSummary>> books = pm::ParseBookSummaries(r.body);
  ASSERT_TRUE(books.ok()) << books.status();
  ASSERT_EQ(books->size(), 2u);
  EXPECT_EQ((*books)[0].asset_id, a.no_token);
  EXPECT_EQ((*books)[1].asset_id, b.yes_token);
  r = client.Do(http::verb::get, "/neg-risk?token_id=" + b.yes_token);
  EXPECT_EQ(r.body, R"({"neg_risk":true})");
  r = client.Do(http::verb::get, "/tick-size?token_id=" + a.yes_token);
  EXPECT_EQ(r.body, R"({"minimum_tick_size":)" + a.tick.ToString() + "}");
  r = client.Do(http::verb::get, "/version");
  EXPECT_EQ(r.body, R"({"version":2})");
  r = client.Do(http::verb::get, "/time");
  EXPECT_EQ(r.body, "1790000000");
  r = client.Do(http::verb::get, "/clob-markets/" + b.condition_id);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("nr":true)"), std::string::npos) << r.body;
  EXPECT_EQ(clob_->connections(), 1u);  // keep-alive: one connection served them all
  EXPECT_GE(clob_->requests(), 6u);
}

TEST_F(SimServerTest, GammaPagesParseWithTheProductionParser) {
  Client client(gamma_->port());
  Response r = client.Do(http::verb::get, "/markets?limit=20&offset=10");
  ASSERT_EQ(r.status, 200);
  absl::StatusOr<std::vector<pm::GammaMarket>> markets = pm::ParseGammaMarkets(r.body);
  ASSERT_TRUE(markets.ok()) << markets.status();
  ASSERT_EQ(markets->size(), 20u);
  EXPECT_EQ((*markets)[0].condition_id, exchange_->universe().markets[10].condition_id);
  r = client.Do(http::verb::get, "/markets?offset=1000");
  EXPECT_EQ(r.body, "[]");
  r = client.Do(http::verb::get, "/events?limit=2");
  absl::StatusOr<std::vector<pm::GammaEvent>> events = pm::ParseGammaEvents(r.body);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->size(), 2u);
  r = client.Do(http::verb::get, "/markets?limit=abc");
  EXPECT_EQ(r.status, 400);
}

TEST_F(SimServerTest, KalshiOrderbookOfATwinParsesWithTheProductionParser) {
  const KalshiTwin& twin = exchange_->universe().kalshi[1];
  Client client(kalshi_->port());
  Response r = client.Do(http::verb::get, "/trade-api/v2/markets/" + twin.ticker + "/orderbook");
  ASSERT_EQ(r.status, 200) << r.body;
  absl::StatusOr<venue::kalshi::RestOrderbook> book = venue::kalshi::ParseRestOrderbook(r.body);
  ASSERT_TRUE(book.ok()) << book.status() << "\n" << r.body;
  ASSERT_FALSE(book->yes.empty());
  ASSERT_FALSE(book->no.empty());
  const MarketEngine& e = exchange_->kalshi_engine(1);
  EXPECT_EQ(book->yes.front().price, e.Levels(0, Side::kBuy).front().first);  // best YES bid
  EXPECT_EQ(book->no.front().price, e.Levels(1, Side::kBuy).front().first);   // best NO bid
  r = client.Do(http::verb::get, "/trade-api/v2/markets/NOPE/orderbook");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"market NOPE not found"}})");
}

TEST(HttpServerRoutingTest, ExactRoutesBeatPrefixesAndTheLongestPrefixWins) {
  boost::asio::io_context io;
  HttpServer server(io, HttpServerOptions{});
  auto answer = [](std::string body) {
    return [body](const HttpRequest& r) { return HttpReply::Json(200, body + " " + r.path); };
  };
  server.Route("GET", "/data/orders", answer("exact"));
  server.RoutePrefix("GET", "/data/", answer("short"));
  server.RoutePrefix("GET", "/data/order/", answer("long"));
  server.RoutePrefix("DELETE", "/data/order/", answer("delete"));
  ASSERT_TRUE(server.Start().ok());
  std::thread thread([&io] { io.run(); });
  Client client(server.port());
  EXPECT_EQ(client.Do(http::verb::get, "/data/orders").body, "exact /data/orders");
  EXPECT_EQ(client.Do(http::verb::get, "/data/order/0xab?x=1").body, "long /data/order/0xab");
  EXPECT_EQ(client.Do(http::verb::get, "/data/trades").body, "short /data/trades");
  EXPECT_EQ(client.Do(http::verb::delete_, "/data/order/1").body, "delete /data/order/1");
  EXPECT_EQ(client.Do(http::verb::post, "/data/order/1").status, 404);
  boost::asio::post(io, [&server] { server.Stop(); });
  io.stop();
  thread.join();
}

TEST(UrlDecodeTest, DecodesPercentAndPlus) {
  EXPECT_EQ(UrlDecode("a%20b+c"), "a b c");
  EXPECT_EQ(UrlDecode("%zz%4"), "%zz%4");  // invalid escapes kept literally
  EXPECT_EQ(UrlDecode("%41"), "A");
}

}  // namespace
}  // namespace arbor::sim
