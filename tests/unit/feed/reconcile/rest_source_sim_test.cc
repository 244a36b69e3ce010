// The real REST sources (PolymarketRestSource over PublicClient, KalshiRestSource over
// RestClient) against the simulator's REST servers in-process on loopback: they parse, batch
// and convert the simulator's /books and Kalshi orderbook bodies correctly, and a 429 from the
// simulator's rate_limit fault reaches the Poller with its Retry-After for both venues.
#include <algorithm>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "arbor/feed/book_fanout.h"
#include "arbor/feed/book_publisher.h"
#include "arbor/feed/poller.h"
#include "arbor/feed/rest_book_source.h"
#include "arbor/net/rate_governor.h"
#include "arbor/sim/faults.h"
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
    faults_ = std::make_unique<sim::FaultInjector>(1, clock_);
    clob_->SetFaults(faults_.get(), "clob");
    kalshi_->SetFaults(faults_.get(), "kalshi");
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

  // Adds a fault rule on the servers' I/O thread (the injector is not thread-safe).
  void AddFault(sim::FaultRule rule) {
    std::promise<absl::Status> p;
    boost::asio::post(io_, [&] { p.set_value(faults_->AddRule(std::move(rule))); });
    ASSERT_TRUE(p.get_future().get().ok());
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
  std::unique_ptr<sim::FaultInjector> faults_;
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

// Counts FetchBooks calls and keeps the last error of the source it wraps.
class CountingSource final : public RestBookSource {
 public:
  explicit CountingSource(RestBookSource* inner) : inner_(inner) {}
  absl::StatusOr<std::vector<RestBook>> FetchBooks(absl::Span<const InstrumentId> ids) override {
    absl::StatusOr<std::vector<RestBook>> out = inner_->FetchBooks(ids);
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    if (!out.ok()) last_error_ = out.status();
    return out;
  }
  size_t max_batch() const override { return inner_->max_batch(); }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  absl::Status last_error() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_error_;
  }

 private:
  RestBookSource* inner_;
  std::mutex mu_;
  int calls_ = 0;
  absl::Status last_error_;
};

// One 429 with Retry-After `retry_after_s` from the simulator: the poller (driven by the
// simulated clock) does not call REST again for `retry_after_s` seconds, then recovers.
void ExpectPollerHonoursRetryAfter(RestBookSource* real, Venue venue, const InstrumentId& id,
                                   SimulatedClock& clock, int64_t retry_after_s) {
  CountingSource source(real);
  BookFanout fanout;
  BookPublisher publisher(&fanout, &clock);
  net::RateGovernorOptions governor_options;
  governor_options.initial_rate = 100;
  governor_options.max_rate = 100;
  governor_options.burst = 100;
  net::RateGovernor governor(clock, governor_options);
  PollerOptions options;
  options.poll_interval = absl::Seconds(1);  // without the 429 it would poll every second
  Poller p(venue, &source, &fanout, &publisher, &governor, &clock, options);
  p.SetInstruments({id});
  p.SetMode(FeedMode::kPoll);

  EXPECT_GE(p.RunOnce(), absl::Seconds(retry_after_s));
  ASSERT_EQ(source.calls(), 1);
  EXPECT_EQ(source.last_error().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(source.last_error()), absl::Seconds(retry_after_s));
  EXPECT_EQ(p.Counters().errors_throttled, 1u);
  for (int64_t t = 1; t < retry_after_s; ++t) {
    clock.Advance(absl::Seconds(1));
    (void)p.RunOnce();
    EXPECT_EQ(source.calls(), 1) << "REST called " << t << " s after a Retry-After of "
                                 << retry_after_s << " s";
  }
  clock.Advance(absl::Seconds(1));
  (void)p.RunOnce();
  EXPECT_EQ(source.calls(), 2);
  EXPECT_EQ(p.Counters().fetches, 1u);
  EXPECT_EQ(p.Counters().books_fetched, 1u);
}

TEST_F(RestSourceSimTest, PolymarketRateLimitRetryAfterDelaysThePoller) {
  sim::FaultRule rule;
  rule.kind = sim::FaultKind::kRateLimit;
  rule.server = "clob";
  rule.path_prefix = "/books";
  rule.max_count = 1;
  rule.retry_after_s = 7;
  AddFault(rule);
  PolymarketRestSource source(pm_client_.get());
  ExpectPollerHonoursRetryAfter(&source, Venue::kPolymarket,
                                InstrumentId(exchange_->universe().markets.front().yes_token),
                                clock_, 7);
}

TEST_F(RestSourceSimTest, KalshiRateLimitRetryAfterDelaysThePoller) {
  ASSERT_FALSE(exchange_->universe().kalshi.empty());
  sim::FaultRule rule;
  rule.kind = sim::FaultKind::kRateLimit;
  rule.server = "kalshi";
  rule.path_prefix = "/trade-api/v2/markets/";
  rule.max_count = 1;
  rule.retry_after_s = 4;
  AddFault(rule);
  KalshiRestSource source(ks_client_.get());
  ExpectPollerHonoursRetryAfter(&source, Venue::kKalshi,
                                InstrumentId(exchange_->universe().kalshi.front().ticker), clock_,
                                4);
}

}  // namespace
}  // namespace arbor::feed
