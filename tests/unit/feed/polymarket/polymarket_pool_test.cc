// PolymarketPool / PolymarketConnection against the simulator's Polymarket market channel
// (HttpServer + PolymarketMarketChannel over an Exchange) on a real loopback WebSocket; books
// go through a real BookPublisher into a BookFanout and are compared with the engine's books.
#include "arbor/feed/polymarket_pool.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/clock.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/book_publisher.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/polymarket_market_channel.h"
#include "arbor/sim/ws_session.h"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

using feed::PolymarketPool;
using feed::PolymarketPoolOptions;

// Polls `cond` until it holds or 15 s pass.
bool WaitFor(const std::function<bool()>& cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

class PolymarketPoolTest : public ::testing::Test {
 protected:
  virtual absl::StatusOr<std::unique_ptr<Exchange>> MakeExchange() {
    UniverseSpec spec;
    spec.binary_markets = 20;
    spec.negrisk_events = 1;
    DynamicsSpec dynamics;
    dynamics.noise_orders_per_market = 0.8;
    return Exchange::Create(*GenerateUniverse(spec), dynamics, {}, 4);
  }

  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Exchange>> ex = MakeExchange();
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);
    channel_ = std::make_unique<PolymarketMarketChannel>(exchange_.get());
    server_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    channel_->Attach(*server_);
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
  }
  void TearDown() override {
    StopStepping();
    if (pool_ != nullptr) pool_->Stop();
    boost::asio::post(io_, [this] { server_->Stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  PolymarketPoolOptions Options(int per_connection) {
    PolymarketPoolOptions o;
    o.connection.origin = net::Origin{false, "127.0.0.1", server_->port()};
    o.connection.max_tokens = per_connection;
    o.connection.batch_window = absl::Milliseconds(20);
    o.connection.ping_interval = absl::Milliseconds(100);
    o.connection.backoff = net::BackoffOptions{absl::Milliseconds(20), absl::Milliseconds(200), 2.0,
                                               net::Jitter::kFull};
    return o;
  }

  void MakePool(PolymarketPoolOptions options) {
    auto pool = PolymarketPool::Create(std::move(options), &publisher_, &SystemClock::Get());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    pool_->OnHealthEvent([this](const feed::PolymarketHealthEvent& e) {
      health_events_[static_cast<int>(e.type)].fetch_add(1);
    });
  }

  // Both tokens of markets [first, first + n), registered with the publisher.
  absl::flat_hash_set<InstrumentId> Tokens(int first, int n) {
    absl::flat_hash_set<InstrumentId> out;
    for (int m = first; m < first + n; ++m) {
      const auto& market = exchange_->universe().markets[static_cast<size_t>(m)];
      for (int o = 0; o < 2; ++o) {
        InstrumentId id(exchange_->engine(m).token(o));
        publisher_.AddInstrument(
            feed::InstrumentKey{Venue::kPolymarket, id, market.condition_id, EventId()},
            market.tick);
        out.insert(id);
      }
    }
    return out;
  }

  template <typename Fn>
  auto OnIo(Fn fn) {
    std::promise<decltype(fn())> done;
    boost::asio::post(io_, [&] { done.set_value(fn()); });
    return done.get_future().get();
  }

  void Step(int n) {
    OnIo([&] {
      for (int i = 0; i < n; ++i) {
        ++step_;
        EXPECT_TRUE(exchange_->Step(step_).ok());
        EXPECT_TRUE(channel_->Publish(1000 + step_).ok());
      }
      return 0;
    });
  }

  void StartStepping() {
    stepping_ = true;
    stepper_ = std::thread([this] {
      while (stepping_) {
        Step(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }
  void StopStepping() {
    stepping_ = false;
    if (stepper_.joinable()) stepper_.join();
  }

  // Whether the fan-out's book of every token is live and equals the engine's book.
  bool Converged(const absl::flat_hash_set<InstrumentId>& tokens) {
    return OnIo([&] {
      for (const InstrumentId& id : tokens) {
        const int market = exchange_->MarketOfToken(id.view());
        const int outcome = exchange_->engine(market).token(0) == id.view() ? 0 : 1;
        absl::StatusOr<feed::BookState> book = fanout_.GetBook(id);
        if (!book.ok() || book->status != feed::BookStatus::kLive) return false;
        if (publisher_.State(id) != feed::PublishState::kLive) return false;
        auto same = [](const std::vector<book::Level>& got,
                       const std::vector<std::pair<Price, Quantity>>& want) {
          if (got.size() != want.size()) return false;
          for (size_t i = 0; i < got.size(); ++i) {
            if (got[i].price != want[i].first || got[i].size != want[i].second) return false;
          }
          return true;
        };
        if (!same(book->bids, exchange_->engine(market).Levels(outcome, Side::kBuy)) ||
            !same(book->asks, exchange_->engine(market).Levels(outcome, Side::kSell))) {
          return false;
        }
      }
      return true;
    });
  }

  void ForEachSession(const std::function<void(WsSession&)>& fn) {
    OnIo([&] {
      server_->ws_sessions().ForEach(fn);
      return 0;
    });
  }

  boost::asio::io_context io_;
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<PolymarketMarketChannel> channel_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int64_t step_ = 0;
  std::atomic<bool> stepping_{false};
  std::thread stepper_;
  feed::BookFanout fanout_;
  feed::BookPublisher publisher_{&fanout_, &SystemClock::Get()};
  std::unique_ptr<PolymarketPool> pool_;
  std::atomic<int> health_events_[4] = {};
};

TEST_F(PolymarketPoolTest, RejectsMoreThan500TokensPerConnection) {
  PolymarketPoolOptions o = Options(501);
  auto pool = PolymarketPool::Create(o, &publisher_, &SystemClock::Get());
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kInvalidArgument);
  o.connection.max_tokens = 500;
  EXPECT_TRUE(PolymarketPool::Create(o, &publisher_, &SystemClock::Get()).ok());
}

TEST_F(PolymarketPoolTest, PublishedBooksEqualTheEngineBooks) {
  MakePool(Options(200));
  const auto tokens = Tokens(0, 5);
  pool_->SetTokens(tokens);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  EXPECT_EQ(pool_->connections_desired(), 1);
  Step(30);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  const feed::PolymarketConnectionCounters c = pool_->counters();
  EXPECT_GT(c.price_change_events, 0u);
  EXPECT_EQ(c.decode_errors, 0u);
  EXPECT_EQ(c.reconnects, 0u);
  EXPECT_GT(publisher_.Counters(Venue::kPolymarket).level_changes, 0u);
  // PINGs are answered.
  EXPECT_TRUE(WaitFor([&] { return pool_->counters().pongs > 0; }));
  pool_->Stop();
  EXPECT_EQ(pool_->connections_open(), 0);
}

TEST_F(PolymarketPoolTest, MoreTokensThanTheLimitOpenSeveralConnections) {
  MakePool(Options(4));
  const auto tokens = Tokens(0, 5);  // 10 tokens -> 3 connections
  pool_->SetTokens(tokens);
  EXPECT_EQ(pool_->connections_desired(), 3);
  ASSERT_TRUE(WaitFor([&] { return pool_->connections_open() == 3; }));
  Step(10);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  EXPECT_EQ(pool_->token_count(), 10u);
}

TEST_F(PolymarketPoolTest, DisconnectReconnectsResubscribesAndConverges) {
  MakePool(Options(4));
  const auto tokens = Tokens(0, 4);
  pool_->SetTokens(tokens);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  ForEachSession([](WsSession& s) { s.Abort(); });
  ASSERT_TRUE(WaitFor([&] { return pool_->counters().reconnects >= 2; }));
  Step(20);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  EXPECT_GE(health_events_[static_cast<int>(feed::PolymarketHealthEventType::kReconnect)].load(),
            2);
  EXPECT_EQ(pool_->connections_open(), 2);
}

TEST_F(PolymarketPoolTest, SilentStallMarksBooksStaleAndReconnects) {
  PolymarketPoolOptions o = Options(200);
  o.connection.stale_after = absl::Milliseconds(400);
  o.connection.ping_interval = absl::Milliseconds(50);
  MakePool(o);
  const auto tokens = Tokens(0, 3);
  pool_->SetTokens(tokens);
  StartStepping();  // keeps data flowing: no false stale timeouts
  ASSERT_TRUE(WaitFor([&] { return pool_->counters().price_change_events > 0; }));
  EXPECT_EQ(pool_->counters().stale_timeouts, 0u);
  const uint64_t pongs = pool_->counters().pongs;
  ForEachSession([](WsSession& s) { s.Stall(3000); });
  ASSERT_TRUE(WaitFor([&] { return pool_->counters().stale_timeouts >= 1; }));
  EXPECT_GT(pool_->counters().pongs, pongs) << "PONGs kept coming during the stall";
  EXPECT_GE(publisher_.Counters(Venue::kPolymarket).stale_marks, 1u);
  ASSERT_TRUE(WaitFor([&] { return pool_->counters().reconnects >= 1; }));
  StopStepping();
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  EXPECT_GE(health_events_[static_cast<int>(feed::PolymarketHealthEventType::kStale)].load(), 1);
}

TEST_F(PolymarketPoolTest, MalformedFramesAreCountedAndSkipped) {
  MakePool(Options(200));
  const auto tokens = Tokens(0, 2);
  pool_->SetTokens(tokens);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  ForEachSession([](WsSession& s) {
    s.Send("{\"event_type\":\"book\",\"asset_id\":");
    s.Send("[not json");
  });
  ASSERT_TRUE(WaitFor([&] { return pool_->counters().decode_errors >= 2; }));
  Step(20);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  EXPECT_EQ(pool_->counters().reconnects, 0u);
  EXPECT_EQ(pool_->connections_open(), 1);
}

TEST_F(PolymarketPoolTest, SetTokensAddsAndRemovesTokens) {
  MakePool(Options(4));
  const auto first = Tokens(0, 2);  // 4 tokens, one connection
  pool_->SetTokens(first);
  ASSERT_TRUE(WaitFor([&] { return Converged(first); }));
  EXPECT_EQ(pool_->connections_desired(), 1);

  absl::flat_hash_set<InstrumentId> second = Tokens(1, 3);  // drops market 0, adds 2 and 3
  pool_->SetTokens(second);
  EXPECT_EQ(pool_->token_count(), 6u);
  EXPECT_EQ(pool_->connections_desired(), 2);
  Step(10);
  ASSERT_TRUE(WaitFor([&] { return Converged(second); }));
  EXPECT_FALSE(pool_->WithBooksOf(InstrumentId(exchange_->engine(0).token(0)),
                                  [](const venue::polymarket::BookSet&) {}));
  bool found = false;
  EXPECT_TRUE(pool_->WithBooksOf(InstrumentId(exchange_->engine(3).token(0)),
                                 [&](const venue::polymarket::BookSet& books) {
                                   found = books.Find(exchange_->engine(3).token(0)) != nullptr;
                                 }));
  EXPECT_TRUE(found);
  // Market 0's books get no more updates: only the subscribed sessions see market 0 changes.
  pool_->SetTokens({});
  EXPECT_EQ(pool_->connections_desired(), 0);
  EXPECT_EQ(pool_->token_count(), 0u);
}

// Market 1 starts at 2 % on the 0.01 grid: the first step moves it to 0.001.
class PolymarketPoolTickTest : public PolymarketPoolTest {
 protected:
  absl::StatusOr<std::unique_ptr<Exchange>> MakeExchange() override {
    UniverseSpec spec;
    spec.binary_markets = 20;
    spec.negrisk_events = 1;
    absl::StatusOr<Universe> u = GenerateUniverse(spec);
    if (!u.ok()) return u.status();
    u->markets[1].tick = Exchange::kCoarseTick;
    u->markets[1].fair_yes = Price::FromMicros(20'000);
    DynamicsSpec dynamics;
    dynamics.noise_orders_per_market = 0.8;
    dynamics.log_odds_volatility = 0.05;
    return Exchange::Create(*std::move(u), dynamics, {}, 6);
  }
};

TEST_F(PolymarketPoolTickTest, TickSizeChangeRepublishesTheBookOnTheNewGrid) {
  MakePool(Options(200));
  const auto tokens = Tokens(1, 1);
  pool_->SetTokens(tokens);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  const InstrumentId yes(exchange_->engine(1).token(0));
  EXPECT_EQ(publisher_.Tick(yes), Exchange::kCoarseTick);
  Step(1);
  ASSERT_TRUE(WaitFor([&] { return pool_->counters().tick_size_change_events >= 1; }));
  EXPECT_EQ(publisher_.Tick(yes), Price::FromMicros(1'000));
  Step(5);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  EXPECT_EQ(pool_->counters().decode_errors, 0u);
}

TEST_F(PolymarketPoolTest, FramesCarryTimestampsTradesAndNewMarkets) {
  PolymarketPoolOptions o = Options(200);
  std::mutex new_mu;
  std::vector<std::string> new_markets;
  o.connection.on_new_market = [&](std::string_view market) {
    std::lock_guard<std::mutex> lock(new_mu);
    new_markets.emplace_back(market);
  };
  MakePool(std::move(o));
  const auto tokens = Tokens(0, 1);
  const std::string held = exchange_->engine(0).token(0);
  const std::string condition = exchange_->universe().markets[0].condition_id;
  absl::StatusOr<feed::SubscriberId> sub =
      fanout_.Subscribe(feed::BookFilter{}, 1024, /*include_trades=*/true);
  ASSERT_TRUE(sub.ok());
  pool_->SetTokens(tokens);
  ASSERT_TRUE(WaitFor([&] { return Converged(tokens); }));
  {
    absl::StatusOr<feed::BookState> book = fanout_.GetBook(InstrumentId(held));
    ASSERT_TRUE(book.ok());
    EXPECT_GT(book->times.receipt_unix_nanos, 0) << "venue books carry their receipt time";
    EXPECT_GT(book->times.receipt_mono_nanos, 0);
  }

  const uint64_t other_before = pool_->counters().other_events;
  const int64_t before = absl::ToUnixNanos(SystemClock::Get().Now());
  ForEachSession([&](WsSession& s) {
    // A level far below the book (cannot cross), then a trade on a held and on a foreign token,
    // then a new market nobody holds and one whose token is held.
    s.Send(absl::StrCat(R"({"event_type":"price_change","market":")", condition,
                        R"(","timestamp":"1700000000123","price_changes":[{"asset_id":")", held,
                        R"(","price":"0.01","size":"10","side":"BUY"}]})"));
    s.Send(absl::StrCat(R"({"event_type":"last_trade_price","asset_id":")", held, R"(","market":")",
                        condition,
                        R"(","fee_rate_bps":"0","price":"0.491","side":"SELL","size":"85.36",)"
                        R"("timestamp":"1724564136087"})"));
    s.Send(R"({"event_type":"last_trade_price","asset_id":"999","market":"0xother",)"
           R"("price":"0.5","side":"BUY","size":"1","timestamp":"1724564136088"})");
    s.Send(R"({"event_type":"new_market","market":"0xnew","assets_ids":["111","222"],)"
           R"("outcomes":["Yes","No"],"timestamp":"1766790415550"})");
    s.Send(absl::StrCat(R"({"event_type":"new_market","market":")", condition,
                        R"(","assets_ids":[")", held, R"("],"timestamp":"1766790415551"})"));
  });
  // Two trades and two new_market events counted: every frame has been handled.
  ASSERT_TRUE(WaitFor([&] { return pool_->counters().other_events >= other_before + 4; }));
  EXPECT_EQ(pool_->counters().trades, 1u);
  const int64_t after = absl::ToUnixNanos(SystemClock::Get().Now());

  // The delta group of the price_change carries the frame's venue timestamp and receipt time.
  absl::StatusOr<feed::BookState> book = fanout_.GetBook(InstrumentId(held));
  ASSERT_TRUE(book.ok());
  EXPECT_EQ(book->times.event_unix_nanos, int64_t{1'700'000'000'123'000'000});
  EXPECT_GE(book->times.receipt_unix_nanos, before);
  EXPECT_LE(book->times.receipt_unix_nanos, after);

  std::vector<feed::FanoutUpdate> trades;
  feed::FanoutUpdate u;
  while (fanout_.Next(*sub, absl::ZeroDuration(), &u).ok()) {
    if (u.kind == feed::UpdateKind::kTrade) trades.push_back(u);
  }
  ASSERT_EQ(trades.size(), 1u) << "only the held token's trade";
  const feed::FanoutUpdate& t = trades[0];
  EXPECT_EQ(t.key.instrument_id, InstrumentId(held));
  EXPECT_EQ(t.key.market_id, condition);
  EXPECT_EQ(t.trade.price.micros(), 491'000);
  EXPECT_EQ(t.trade.size.micros(), 85'360'000);
  EXPECT_EQ(t.trade.aggressor, feed::TradeSide::kSell);
  EXPECT_EQ(t.trade.venue_trade_id, "");
  EXPECT_EQ(t.trade.times.event_unix_nanos, int64_t{1'724'564'136'087'000'000});
  // Same frame-receipt rule as the books (each frame is stamped once when it arrives).
  EXPECT_GE(t.trade.times.receipt_unix_nanos, before);
  EXPECT_LE(t.trade.times.receipt_unix_nanos, after);
  EXPECT_GT(t.trade.times.receipt_mono_nanos, 0);

  std::lock_guard<std::mutex> lock(new_mu);
  EXPECT_EQ(new_markets, std::vector<std::string>{"0xnew"});
}

}  // namespace
}  // namespace arbor::sim
