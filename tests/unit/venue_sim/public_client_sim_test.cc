// Our Polymarket public REST client (arbor::venue_polymarket over arbor::net) against the
// simulator's servers on loopback: each checks the other.
#include <memory>
#include <string>
#include <thread>

#include "arbor/sim/http_server.h"
#include "arbor/sim/polymarket_routes.h"
#include "arbor/venue/polymarket/book_hash.h"
#include "arbor/venue/polymarket/public_client.h"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

namespace pm = ::arbor::venue::polymarket;

class PublicClientSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UniverseSpec spec;
    spec.binary_markets = 120;
    spec.negrisk_events = 6;
    absl::StatusOr<std::unique_ptr<Exchange>> ex =
        Exchange::Create(*GenerateUniverse(spec), DynamicsSpec{}, {}, 2);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);
    clob_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    gamma_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    AddPolymarketClobRoutes(*clob_, *exchange_, clock_);
    AddGammaRoutes(*gamma_, *exchange_);
    ASSERT_TRUE(clob_->Start().ok());
    ASSERT_TRUE(gamma_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
    absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
    client_ = std::make_unique<pm::PublicClient>(http_.get(),
                                                 net::Origin{false, "127.0.0.1", clob_->port()},
                                                 net::Origin{false, "127.0.0.1", gamma_->port()});
  }
  void TearDown() override {
    client_.reset();
    http_.reset();
    boost::asio::post(io_, [this] {
      clob_->Stop();
      gamma_->Stop();
    });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  boost::asio::io_context io_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<HttpServer> clob_;
  std::unique_ptr<HttpServer> gamma_;
  std::thread thread_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<pm::PublicClient> client_;
};

TEST_F(PublicClientSimTest, CatalogThenBooksEndToEnd) {
  // Page through Gamma with a page size that does not divide the universe.
  absl::StatusOr<std::vector<pm::GammaMarket>> markets = client_->GetAllGammaMarkets(50);
  ASSERT_TRUE(markets.ok()) << markets.status();
  ASSERT_EQ(markets->size(), exchange_->universe().markets.size());
  std::vector<std::string> tokens;
  for (const pm::GammaMarket& m : *markets) tokens.push_back(m.clob_token_ids[0]);

  absl::StatusOr<std::vector<pm::BookSummary>> books = client_->GetBooks(tokens, 64);
  ASSERT_TRUE(books.ok()) << books.status();
  ASSERT_EQ(books->size(), tokens.size());
  for (size_t i = 0; i < books->size(); ++i) {
    const pm::BookSummary& b = (*books)[i];
    EXPECT_EQ(b.asset_id, tokens[i]);
    EXPECT_EQ(*pm::OrderBookSummaryHash(b), b.hash);
    EXPECT_FALSE(b.bids.empty());
  }
  // Batching: 126+ tokens at 64 per call take several POSTs on one keep-alive connection.
  EXPECT_EQ(http_->connections_opened(), 2u);  // one per host

  const SimMarket& member = exchange_->universe().markets[125];  // a NegRisk member
  EXPECT_EQ(*client_->GetNegRisk(member.yes_token), true);
  EXPECT_EQ(*client_->GetTickSize(member.yes_token), member.tick);
  EXPECT_EQ(*client_->GetVersion(), 2);
  absl::StatusOr<std::vector<pm::GammaEvent>> events = client_->GetGammaEvents(0, 10);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 6u);
}

TEST_F(PublicClientSimTest, VenueErrorsBecomeStatusesWithTheVenueMessage) {
  absl::StatusOr<pm::BookSummary> missing = client_->GetBook("12345");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(missing.status().message()).find("No orderbook exists"), std::string::npos)
      << missing.status();
  EXPECT_EQ(client_->GetBook("12a").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->GetBooks({"1"}, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PublicClientSimTest, ClobMarketsPagesFeeRateAndOneMarket) {
  const Universe& u = exchange_->universe();
  std::vector<pm::ClobMarket> all;
  std::string cursor = "MA==";
  int pages = 0;
  while (true) {
    absl::StatusOr<pm::ClobMarketsPage> page = client_->GetMarketsPage(cursor);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    EXPECT_EQ(page->count, static_cast<int64_t>(page->data.size()));
    for (pm::ClobMarket& m : page->data) all.push_back(std::move(m));
    if (page->IsLastPage()) break;
    cursor = page->next_cursor;
    ASSERT_LT(pages, 10);
  }
  ASSERT_EQ(all.size(), u.markets.size());
  EXPECT_EQ(pages,
            static_cast<int>((u.markets.size() + kClobMarketsPageSize - 1) / kClobMarketsPageSize));
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].condition_id, u.markets[i].condition_id);
    EXPECT_EQ(all[i].minimum_tick_size, u.markets[i].tick);
    ASSERT_EQ(all[i].tokens.size(), 2u);
    EXPECT_EQ(all[i].tokens[0].token_id, u.markets[i].yes_token);
    EXPECT_EQ(all[i].tokens[1].token_id, u.markets[i].no_token);
    EXPECT_EQ(all[i].taker_base_fee_bps, u.markets[i].fees.rate_micros / 100);
  }
  EXPECT_EQ(client_->GetMarketsPage("LTE=").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->GetMarketsPage("a b").status().code(), absl::StatusCode::kInvalidArgument);

  const SimMarket& member = u.markets[125];  // a NegRisk member
  absl::StatusOr<pm::ClobMarket> one = client_->GetClobMarket(member.condition_id);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->question_id, member.question_id);
  EXPECT_TRUE(one->neg_risk);
  EXPECT_EQ(client_->GetClobMarket("0x00").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client_->GetClobMarket("nothex").status().code(), absl::StatusCode::kInvalidArgument);

  absl::StatusOr<int64_t> fee = client_->GetFeeRate(member.no_token);
  ASSERT_TRUE(fee.ok()) << fee.status();
  EXPECT_EQ(*fee, member.fees.rate_micros / 100);
  EXPECT_EQ(client_->GetFeeRate("12345").status().code(), absl::StatusCode::kNotFound);
}

TEST(PublicClientTest, UnreachableHostIsUnavailableNotAnOutcome) {
  absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
  ASSERT_TRUE(http.ok());
  // Port 1 on loopback: connection refused, nothing was sent.
  pm::PublicClient client(http->get(), net::Origin{false, "127.0.0.1", 1},
                          net::Origin{false, "127.0.0.1", 1});
  EXPECT_EQ(client.GetVersion().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace arbor::sim
