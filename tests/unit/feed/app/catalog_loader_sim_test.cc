// LoadCatalog against the simulator's Gamma and Kalshi REST servers in-process on loopback: every
// Polymarket instrument carries its market's fee model as Gamma serves it (feesEnabled,
// feeSchedule), and every Kalshi instrument's fee model is unknown (GET /markets has none).
#include <memory>
#include <string>
#include <thread>

#include "arbor/core/clock.h"
#include "arbor/feed/catalog_loader.h"
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

class CatalogLoaderSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::UniverseSpec spec;
    spec.binary_markets = 40;
    spec.negrisk_events = 3;
    spec.kalshi_twin_every = 5;
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

TEST_F(CatalogLoaderSimTest, InstrumentsCarryTheVenueFeeModel) {
  CatalogOptions options;
  options.gamma_page_size = 16;  // several pages of /events and /markets
  absl::StatusOr<Catalog> catalog = LoadCatalog(pm_client_.get(), ks_client_.get(), options);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->stats.skipped_records, 0u);

  const sim::Universe& u = exchange_->universe();
  int crypto = 0;
  int fee_free = 0;
  for (const sim::SimMarket& m : u.markets) {
    for (const std::string& token : {m.yes_token, m.no_token}) {
      const Instrument* in = catalog->universe.Find(Venue::kPolymarket, token);
      ASSERT_NE(in, nullptr) << m.condition_id;
      EXPECT_TRUE(FeesKnown(*in)) << m.condition_id;
      if (m.fees.rate_micros > 0) {
        // The simulator's Gamma: feesEnabled true with feeSchedule {exponent, rate, rebateRate,
        // takerOnly}, e.g. crypto_fees 0.072.
        EXPECT_EQ(in->fees_enabled, true) << m.condition_id;
        EXPECT_EQ(in->fee_schedule, m.fees) << m.condition_id;
      } else {
        EXPECT_EQ(in->fees_enabled, false) << m.condition_id;
        EXPECT_EQ(in->fee_schedule, std::nullopt) << m.condition_id;
      }
    }
    if (m.fee_type == "crypto_fees") {
      ++crypto;
      const Instrument* in = catalog->universe.Find(Venue::kPolymarket, m.yes_token);
      ASSERT_TRUE(in->fee_schedule.has_value());
      EXPECT_EQ(in->fee_schedule->rate_micros, 72'000);
      EXPECT_EQ(in->fee_schedule->exponent, 1);
      EXPECT_EQ(in->fee_schedule->rebate_rate_micros, 250'000);
      EXPECT_TRUE(in->fee_schedule->taker_only);
    }
    if (m.fees.rate_micros == 0) ++fee_free;
  }
  // The seed gives both kinds (otherwise the test proves less than it claims).
  EXPECT_GT(crypto, 0);
  EXPECT_GT(fee_free, 0);

  ASSERT_FALSE(u.kalshi.empty());
  for (const sim::KalshiTwin& t : u.kalshi) {
    for (bool yes : {true, false}) {
      const Instrument* in =
          catalog->universe.Find(Venue::kKalshi, KalshiInstrumentId(t.ticker, yes));
      ASSERT_NE(in, nullptr) << t.ticker;
      EXPECT_EQ(in->fees_enabled, std::nullopt) << t.ticker;
      EXPECT_EQ(in->fee_schedule, std::nullopt) << t.ticker;
      EXPECT_FALSE(FeesKnown(*in)) << t.ticker;
    }
  }
}

}  // namespace
}  // namespace arbor::feed
