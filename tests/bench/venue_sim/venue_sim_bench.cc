// Simulator throughput (issue 3), counter-based:
//   BM_ExchangeStepDefaultScenario  Exchange::Step on services/venue_sim/scenarios/default.json
//                                   (2 000+ markets, 160 Kalshi twins, every agent): steps/s and
//                                   market-steps/s;
//   BM_MatchingEngineMix            one MarketEngine under a deterministic place / match /
//                                   cancel mix: engine operations/s;
//   BM_RenderMarketChannel          price_change + last_trade_price + best_bid_ask rendering of
//                                   real simulator books: messages/s;
//   BM_WsFanout/N                   N WebSocket subscribers on loopback, each subscribed to every
//                                   token of 100 markets, receiving what PolymarketMarketChannel
//                                   publishes after each step: messages delivered/s (an
//                                   iteration ends when every client has read every frame).
//
//   ./venue_sim_bench --benchmark_counters_tabular=true
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "arbor/sim/exchange.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/polymarket_feed.h"
#include "arbor/sim/polymarket_market_channel.h"
#include "arbor/sim/scenario.h"
#include "benchmark/benchmark.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/websocket.hpp"

namespace arbor::sim {
namespace {

// Deterministic 64-bit LCG (Knuth MMIX constants).
class Lcg {
 public:
  uint64_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return state_ >> 33;
  }

 private:
  uint64_t state_ = 42;
};

void BM_ExchangeStepDefaultScenario(benchmark::State& state) {
  absl::StatusOr<Scenario> scenario =
      LoadScenarioFile(std::string(ARBOR_SCENARIO_DIR) + "/default.json");
  if (!scenario.ok()) {
    state.SkipWithError(std::string(scenario.status().message()).c_str());
    return;
  }
  absl::StatusOr<std::unique_ptr<Exchange>> ex = BuildExchange(*scenario);
  if (!ex.ok()) {
    state.SkipWithError(std::string(ex.status().message()).c_str());
    return;
  }
  int64_t now_ms = 0;
  for (auto _ : state) {
    now_ms += 1000;
    if (!(*ex)->Step(now_ms).ok()) {
      state.SkipWithError("step failed");
      return;
    }
    // A server drains the level changes after every step; so does the benchmark.
    for (int i = 0; i < (*ex)->markets(); ++i)
      benchmark::DoNotOptimize((*ex)->engine(i).TakeLevelChanges());
  }
  const double markets = (*ex)->markets() + (*ex)->kalshi_twins();
  state.counters["markets"] = markets;
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["market_steps/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * markets, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExchangeStepDefaultScenario)->Unit(benchmark::kMillisecond)->Iterations(60);

void BM_MatchingEngineMix(benchmark::State& state) {
  Ledger ledger;
  const std::string accounts[] = {"a", "b", "c", "d"};
  for (const std::string& a : accounts) ledger.Deposit(a, Money::FromUnits(1'000'000'000));
  MarketConfig config;
  config.condition_id = "0xbench";
  config.yes_token = "YES";
  config.no_token = "NO";
  MarketEngine engine(config, &ledger);
  for (const std::string& a : accounts) {
    ledger.GrantPosition(a, "YES", Quantity::FromUnits(1'000'000'000));
    ledger.GrantPosition(a, "NO", Quantity::FromUnits(1'000'000'000));
  }
  Lcg rng;
  std::vector<std::pair<std::string, uint64_t>> live;
  uint64_t ops = 0;
  uint64_t trades = 0;
  for (auto _ : state) {
    const uint64_t r = rng.Next();
    if (r % 4 == 0 && !live.empty()) {
      // Cancel a random resting order (it may have been filled meanwhile: that is an error
      // status, counted as an operation all the same).
      const size_t k = static_cast<size_t>(rng.Next() % live.size());
      benchmark::DoNotOptimize(engine.Cancel(live[k].first, live[k].second));
      live[k] = live.back();
      live.pop_back();
    } else {
      OrderRequest o;
      o.account = accounts[r % 4];
      o.outcome = static_cast<int>((r >> 3) % 2);
      o.side = (r >> 4) % 2 ? Side::kBuy : Side::kSell;
      // Prices 0.40..0.60: about a third of the orders cross the touch.
      o.price = Price::FromMicros(10'000 * (40 + static_cast<int64_t>((r >> 5) % 21)));
      o.size = Quantity::FromUnits(1 + static_cast<int64_t>((r >> 10) % 50));
      absl::StatusOr<PlaceResult> placed = engine.Place(o, 0);
      if (!placed.ok()) {
        state.SkipWithError("place failed");
        return;
      }
      trades += placed->trades.size();
      if (placed->state == OrderState::kLive) live.emplace_back(o.account, placed->order_id);
    }
    benchmark::DoNotOptimize(engine.TakeLevelChanges());
    ++ops;
  }
  state.counters["ops/s"] =
      benchmark::Counter(static_cast<double>(ops), benchmark::Counter::kIsRate);
  state.counters["trades/s"] =
      benchmark::Counter(static_cast<double>(trades), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MatchingEngineMix)->Iterations(300'000);

std::unique_ptr<Exchange> SmallExchange(int markets, double noise) {
  UniverseSpec spec;
  spec.binary_markets = markets;
  spec.negrisk_events = 0;
  DynamicsSpec dynamics;
  dynamics.noise_orders_per_market = noise;
  absl::StatusOr<std::unique_ptr<Exchange>> ex =
      Exchange::Create(*GenerateUniverse(spec), dynamics, {}, 7);
  return ex.ok() ? std::move(*ex) : nullptr;
}

void BM_RenderMarketChannel(benchmark::State& state) {
  std::unique_ptr<Exchange> ex = SmallExchange(200, 0.5);
  // One step's worth of level changes and trades per market, captured once and rendered
  // repeatedly: rendering cost only.
  std::vector<std::vector<LevelChange>> changes(200);
  std::vector<Trade> trades;
  std::vector<int> trade_market;
  ex->AddTradeListener([&](const MarketEngine& e, const Trade& t) {
    trades.push_back(t);
    trade_market.push_back(ex->MarketOfToken(e.token(0)));
  });
  if (!ex->Step(1000).ok()) {
    state.SkipWithError("step failed");
    return;
  }
  for (int i = 0; i < 200; ++i) changes[static_cast<size_t>(i)] = ex->engine(i).TakeLevelChanges();
  uint64_t messages = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    for (int i = 0; i < 200; ++i) {
      absl::StatusOr<std::string> pc =
          PolymarketWsPriceChangeEvent(ex->engine(i), changes[static_cast<size_t>(i)], 1000);
      std::string bba = PolymarketWsBestBidAskEvent(ex->engine(i), 0, 1000);
      bytes += pc->size() + bba.size();
      messages += 2;
    }
    for (size_t k = 0; k < trades.size(); ++k) {
      std::string lt = PolymarketWsLastTradeEvent(ex->engine(trade_market[k]), trades[k], 1000);
      bytes += lt.size();
      ++messages;
    }
  }
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_RenderMarketChannel)->Unit(benchmark::kMillisecond);

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

void BM_WsFanout(benchmark::State& state) {
  const int clients = static_cast<int>(state.range(0));
  constexpr int kMarkets = 100;
  std::unique_ptr<Exchange> ex = SmallExchange(kMarkets, 0.5);
  boost::asio::io_context io;
  auto channel = std::make_unique<PolymarketMarketChannel>(ex.get());
  auto server = std::make_unique<HttpServer>(io, HttpServerOptions{});
  channel->Attach(*server);
  if (!server->Start().ok()) {
    state.SkipWithError("cannot listen");
    return;
  }
  std::thread io_thread([&] { io.run(); });
  auto on_io = [&](auto fn) {
    std::promise<decltype(fn())> done;
    boost::asio::post(io, [&] { done.set_value(fn()); });
    return done.get_future().get();
  };

  std::string subscribe = R"({"type":"market","assets_ids":[)";
  for (int i = 0; i < kMarkets; ++i) {
    for (int outcome : {0, 1}) {
      if (i > 0 || outcome > 0) subscribe += ",";
      subscribe += "\"" + ex->engine(i).token(outcome) + "\"";
    }
  }
  subscribe += "]}";
  std::atomic<uint64_t> received{0};
  std::atomic<int> subscribed{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  for (int c = 0; c < clients; ++c) {
    readers.emplace_back([&, port = server->port()] {
      boost::asio::io_context cio;
      websocket::stream<beast::tcp_stream> ws(cio);
      tcp::resolver resolver(cio);
      beast::error_code ec;
      ws.next_layer().connect(resolver.resolve("127.0.0.1", std::to_string(port)), ec);
      if (!ec) ws.handshake("127.0.0.1", "/ws/market", ec);
      if (!ec) ws.write(boost::asio::buffer(subscribe), ec);
      subscribed.fetch_add(1);
      beast::flat_buffer buffer;
      while (!ec) {
        ws.read(buffer, ec);
        if (ec || done.load()) break;
        buffer.consume(buffer.size());
        received.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  // Every client has its snapshot frame before timing starts.
  while (subscribed.load() < clients || received.load() < static_cast<uint64_t>(clients)) {
    std::this_thread::yield();
  }
  const uint64_t start_received = received.load();
  int64_t now_ms = 0;
  for (auto _ : state) {
    now_ms += 1000;
    const uint64_t sent = on_io([&] {
      if (!ex->Step(now_ms).ok() || !channel->Publish(now_ms).ok()) return uint64_t{0};
      return channel->frames_sent();
    });
    if (sent == 0) {
      state.SkipWithError("step failed");
      break;
    }
    // frames_sent counts the PONG-free frames of every client, snapshots included.
    while (received.load(std::memory_order_relaxed) < sent) std::this_thread::yield();
  }
  const double delivered = static_cast<double>(received.load() - start_received);
  state.counters["clients"] = clients;
  state.counters["messages/s"] = benchmark::Counter(delivered, benchmark::Counter::kIsRate);
  state.counters["messages/step"] =
      delivered / static_cast<double>(std::max<int64_t>(1, state.iterations()));

  // Readers leave after their next frame; one more step gives every one of them a frame (each
  // step re-quotes every market).
  done.store(true);
  on_io([&] { return ex->Step(now_ms + 1000).ok() && channel->Publish(now_ms + 1000).ok(); });
  for (std::thread& t : readers) t.join();
  boost::asio::post(io, [&] { server->Stop(); });
  io.stop();
  io_thread.join();
}
BENCHMARK(BM_WsFanout)->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace arbor::sim

BENCHMARK_MAIN();
