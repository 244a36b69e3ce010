// The real REST sources (PolymarketRestSource over PublicClient, KalshiRestSource over
// RestClient) against the simulator's REST servers in-process on loopback: they parse, batch
// and convert the simulator's /books and Kalshi orderbook bodies correctly.
#include <algorithm>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "arbor/feed/rest_book_source.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/kalshi_trading.h"
#include "arbor/sim/polymarket_routes.h"
#include "arbor/venue/kalshi/rest_client.h"
#include "arbor/venue/polymarket/public_client.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

namespace pm = ::arbor::venue::polymarket;
namespace ks = ::arbor::venue::kalshi;

class RestSourceSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::UniverseSpec spec;
    spec.binary_markets = 40;
    spec.negrisk_events = 2;
    spec.kalshi_twin_every = 4;
    absl::StatusOr<sim::Universe> universe = sim::GenerateUniverse(spec);
    ASSERT_TRUE(universe.ok()) << universe.status();
    absl::StatusOr<std::unique_ptr<sim::Exchange>> ex =
        sim::Exchange::Create(*universe, sim::DynamicsSpec{}, {}, 2);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);
    clob_ = std::make_unique<sim::HttpServer>(io_, sim::HttpServerOptions{});
    gamma_ = std::make_unique<sim::HttpServer>(io_, sim::HttpServerOptions{});
    kalshi_ = std::make_unique<sim::HttpServer>(io_, sim::HttpServerOptions{});
    sim::AddPolymarketClobRoutes(*clob_, *exchange_, clock_);
    sim::AddGammaRoutes(*gamma_, *exchange_);
    trading_ =
        std::make_unique<sim::KalshiTrading>(*exchange_, clock_, sim::KalshiTradingOptions{});
    trading_->Attach(*kalshi_);
    ASSERT_TRUE(clob_->Start().ok());
    ASSERT_TRUE(gamma_->Start().ok());
    ASSERT_TRUE(kalshi_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
    absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
    pm_client_ = std::make_unique<pm::PublicClient>(
        http_.get(), net::Origin{false, "127.0.0.1", clob_->port()},
        net::Origin{false, "127.0.0.1", gamma_->port()});
    ks_client_ = std::make_unique<ks::RestClient>(
        http_.get(), net::Origin{false, "127.0.0.1", kalshi_->port()}, nullptr, &clock_);
  }
  void TearDown() override {
    pm_client_.reset();
    ks_client_.reset();
    http_.reset();
    boost::asio::post(io_, [this] {
      clob_->Stop();
      gamma_->Stop();
      kalshi_->Stop();
    });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // The CLOB server's request count, read on its I/O thread.
  uint64_t ClobRequests() {
    std::promise<uint64_t> p;
    boost::asio::post(io_, [&] { p.set_value(clob_->requests()); });
    return p.get_future().get();
  }

  boost::asio::io_context io_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<sim::Exchange> exchange_;
  std::unique_ptr<sim::HttpServer> clob_;
  std::unique_ptr<sim::HttpServer> gamma_;
  std::unique_ptr<sim::HttpServer> kalshi_;
  std::unique_ptr<sim::KalshiTrading> trading_;
  std::thread thread_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<pm::PublicClient> pm_client_;
  std::unique_ptr<ks::RestClient> ks_client_;
};

void ExpectWellFormed(const RestBook& b) {
  EXPECT_TRUE(
      std::is_sorted(b.bids.begin(), b.bids.end(),
                     [](const book::Level& x, const book::Level& y) { return x.price > y.price; }))
      << b.id;
  EXPECT_TRUE(
      std::is_sorted(b.asks.begin(), b.asks.end(),
                     [](const book::Level& x, const book::Level& y) { return x.price < y.price; }))
      << b.id;
  if (!b.bids.empty() && !b.asks.empty()) {
    EXPECT_LT(b.bids.front().price, b.asks.front().price) << b.id;
  }
}

TEST_F(RestSourceSimTest, PolymarketSourceBatchesAndMatchesSingleBookEndpoint) {
  std::vector<InstrumentId> ids;
  for (const sim::SimMarket& m : exchange_->universe().markets) {
    ids.emplace_back(m.yes_token);
    ids.emplace_back(m.no_token);
  }
  ids.emplace_back("123456789");  // unknown to the venue: simply absent
  ASSERT_GT(ids.size(), 7u * 3);
  PolymarketRestSource source(pm_client_.get(), 7);
  EXPECT_EQ(source.max_batch(), 7u);
  const uint64_t before = ClobRequests();
  absl::StatusOr<std::vector<RestBook>> books = source.FetchBooks(ids);
  ASSERT_TRUE(books.ok()) << books.status();
  // One POST /books per 7 ids.
  EXPECT_EQ(ClobRequests() - before, (ids.size() + 6) / 7);
  ASSERT_EQ(books->size(), ids.size() - 1);
  for (size_t i = 0; i < books->size(); ++i) {
    const RestBook& b = (*books)[i];
    EXPECT_EQ(b.id, ids[i]);
    EXPECT_FALSE(b.bids.empty()) << b.id;
    EXPECT_TRUE(b.venue_hash.has_value());
    ExpectWellFormed(b);
    // The batched answer equals the venue's single-book answer, normalised.
    absl::StatusOr<pm::BookSummary> one = pm_client_->GetBook(ids[i].value());
    ASSERT_TRUE(one.ok()) << one.status();
    RestBook expected;
    expected.id = ids[i];
    expected.bids = one->BidLevels();
    expected.asks = one->AskLevels();
    NormalizeRestBook(expected);
    EXPECT_EQ(b.bids, expected.bids) << b.id;
    EXPECT_EQ(b.asks, expected.asks) << b.id;
  }
}

TEST_F(RestSourceSimTest, PolymarketBatchAboveVenueLimitIsClampedTo500) {
  PolymarketRestSource source(pm_client_.get(), 10'000);
  EXPECT_EQ(source.max_batch(), 500u);
}

TEST_F(RestSourceSimTest, KalshiSourceReturnsYesBooks) {
  std::vector<InstrumentId> ids;
  for (const sim::KalshiTwin& t : exchange_->universe().kalshi) ids.emplace_back(t.ticker);
  ASSERT_FALSE(ids.empty());
  ids.emplace_back("NO-SUCH-TICKER");
  KalshiRestSource source(ks_client_.get());
  absl::StatusOr<std::vector<RestBook>> books = source.FetchBooks(ids);
  ASSERT_TRUE(books.ok()) << books.status();
  ASSERT_EQ(books->size(), ids.size() - 1);
  for (size_t i = 0; i < books->size(); ++i) {
    const RestBook& b = (*books)[i];
    EXPECT_EQ(b.id, ids[i]);
    EXPECT_FALSE(b.bids.empty()) << b.id;
    EXPECT_FALSE(b.asks.empty()) << b.id;
    ExpectWellFormed(b);
    absl::StatusOr<ks::RestOrderbook> raw = ks_client_->GetOrderbook(ids[i].value());
    ASSERT_TRUE(raw.ok()) << raw.status();
    ASSERT_EQ(b.bids.size(), raw->yes.size());
    ASSERT_EQ(b.asks.size(), raw->no.size());
    // Best YES ask = 1 - best NO bid.
    EXPECT_EQ(b.asks.front().price, Complement(raw->no.front().price)) << b.id;
    EXPECT_EQ(b.asks.front().size, raw->no.front().count) << b.id;
    EXPECT_EQ(b.bids.front().price, raw->yes.front().price) << b.id;
  }
}

}  // namespace
}  // namespace arbor::feed
