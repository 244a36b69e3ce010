// The simulator's Polymarket market channel over a real WebSocket on loopback, consumed with the
// production decoder and book set: the client's books must equal the engine's.
#include <algorithm>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "arbor/sim/http_server.h"
#include "arbor/sim/polymarket_market_channel.h"
#include "arbor/venue/polymarket/book_builder.h"
#include "arbor/venue/polymarket/market_decoder.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/websocket.hpp"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace pm = ::arbor::venue::polymarket;
using tcp = boost::asio::ip::tcp;

class MarketChannelTest : public ::testing::Test {
 protected:
  // The exchange under test; fixtures that need a particular market override it.
  virtual absl::StatusOr<std::unique_ptr<Exchange>> MakeExchange() {
    UniverseSpec spec;
    spec.binary_markets = 20;
    spec.negrisk_events = 2;
    DynamicsSpec dynamics;
    dynamics.noise_orders_per_market = 0.5;
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
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] { server_->Stop(); });
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

  boost::asio::io_context io_;
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<PolymarketMarketChannel> channel_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(MarketChannelTest, SnapshotThenPriceChangesRebuildTheEngineBooks) {
  boost::asio::io_context cio;
  websocket::stream<beast::tcp_stream> ws(cio);
  tcp::resolver resolver(cio);
  ws.next_layer().connect(resolver.resolve("127.0.0.1", std::to_string(server_->port())));
  ws.handshake("127.0.0.1", "/ws/market");
  auto read = [&] {
    beast::flat_buffer b;
    ws.read(b);
    return beast::buffers_to_string(b.data());
  };
  uint64_t frames_read = 0;

  ws.write(boost::asio::buffer(std::string("PING")));
  EXPECT_EQ(read(), "PONG");
  ++frames_read;

  const MarketEngine& m3 = exchange_->engine(3);
  const MarketEngine& m5 = exchange_->engine(5);
  const std::vector<std::string> tokens = {m3.token(0), m3.token(1), m5.token(0)};
  ws.write(boost::asio::buffer(R"({"assets_ids":[")" + tokens[0] + R"(",")" + tokens[1] + R"(",")" +
                               tokens[2] +
                               R"(","999"],"type":"market","custom_feature_enabled":true})"));
  pm::MarketFrameDecoder decoder;
  pm::BookSet books;
  for (const std::string& t : tokens) {
    const int market = exchange_->MarketOfToken(t);
    ASSERT_TRUE(
        books.SetTickSize(t, exchange_->universe().markets[static_cast<size_t>(market)].tick).ok());
  }
  const std::string dump = read();
  ++frames_read;
  ASSERT_EQ(dump.front(), '[') << "the initial dump is one array frame";
  absl::StatusOr<const pm::MarketFrame*> frame = decoder.Decode(dump);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ((*frame)->books().size(), 3u);  // the unknown asset gets nothing
  ASSERT_TRUE(books.Apply(**frame).ok());

  ws.write(boost::asio::buffer(std::string(R"({"assets_ids":[],"type":"market"})")));
  EXPECT_EQ(read(), "INVALID OPERATION");
  ++frames_read;

  const uint64_t sent = OnIo([&] {
    for (int step = 1; step <= 40; ++step) {
      EXPECT_TRUE(exchange_->Step(step).ok());
      EXPECT_TRUE(channel_->Publish(1000 + step).ok());
    }
    return channel_->frames_sent();
  });
  int price_changes = 0;
  while (frames_read < sent) {
    const std::string text = read();
    ++frames_read;
    frame = decoder.Decode(text);
    ASSERT_TRUE(frame.ok()) << frame.status() << "\n" << text;
    for (const pm::PriceChangeEvent& pc : (*frame)->price_changes()) {
      for (const pm::PriceChangeEntry& entry : pc.entries) {
        EXPECT_NE(std::find(tokens.begin(), tokens.end(), std::string(entry.asset_id)),
                  tokens.end())
            << "entries are filtered to subscribed assets";
      }
    }
    ++price_changes;
    ASSERT_TRUE(books.Apply(**frame).ok());
  }
  EXPECT_GT(price_changes, 40);

  for (int i = 0; i < 3; ++i) {
    const int market = exchange_->MarketOfToken(tokens[static_cast<size_t>(i)]);
    const int outcome =
        exchange_->engine(market).token(0) == tokens[static_cast<size_t>(i)] ? 0 : 1;
    const auto engine_bids =
        OnIo([&] { return exchange_->engine(market).Levels(outcome, Side::kBuy); });
    std::vector<std::pair<Price, Quantity>> client_bids;
    books.Find(tokens[static_cast<size_t>(i)])
        ->ForEachLevel(book::BookSide::kBid,
                       [&](const book::Level& l) { client_bids.emplace_back(l.price, l.size); });
    EXPECT_EQ(client_bids, engine_bids) << tokens[static_cast<size_t>(i)];
  }
  ws.close(websocket::close_code::normal);
}

// Market 1 starts at 2 %, on the 0.01 grid, and stays there: the first step moves it to 0.001.
class MarketChannelEventsTest : public MarketChannelTest {
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

TEST_F(MarketChannelEventsTest, TradesTickChangesAndTouchesReachTheProductionDecoder) {
  boost::asio::io_context cio;
  websocket::stream<beast::tcp_stream> ws(cio);
  tcp::resolver resolver(cio);
  ws.next_layer().connect(resolver.resolve("127.0.0.1", std::to_string(server_->port())));
  ws.handshake("127.0.0.1", "/ws/market");
  auto read = [&] {
    beast::flat_buffer b;
    ws.read(b);
    return beast::buffers_to_string(b.data());
  };
  const MarketEngine& m1 = exchange_->engine(1);
  const MarketEngine& m4 = exchange_->engine(4);
  const std::vector<std::string> tokens = {m1.token(0), m1.token(1), m4.token(0), m4.token(1)};
  pm::MarketFrameDecoder decoder;
  pm::BookSet books;
  for (const std::string& t : tokens) {
    const int market = exchange_->MarketOfToken(t);
    ASSERT_TRUE(
        books.SetTickSize(t, exchange_->universe().markets[static_cast<size_t>(market)].tick).ok());
  }
  ws.write(boost::asio::buffer(R"({"assets_ids":[")" + tokens[0] + R"(",")" + tokens[1] + R"(",")" +
                               tokens[2] + R"("],"type":"market"})"));
  absl::StatusOr<const pm::MarketFrame*> frame = decoder.Decode(read());
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_TRUE(books.Apply(**frame).ok());
  // The fourth token arrives with a subscribe frame that also turns the custom features on.
  ws.write(boost::asio::buffer(R"({"assets_ids":[")" + tokens[3] +
                               R"("],"operation":"subscribe","custom_feature_enabled":true})"));
  frame = decoder.Decode(read());
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ((*frame)->books().size(), 1u);
  ASSERT_TRUE(books.Apply(**frame).ok());
  uint64_t frames_read = OnIo([&] { return channel_->frames_sent(); });  // all read so far

  // Ground truth, observed on the io thread: trades whose taker token is subscribed.
  struct Truth {
    int trades = 0;
    int tick_changes = 0;
  };
  auto truth = std::make_shared<Truth>();
  OnIo([&] {
    exchange_->AddTradeListener([truth, tokens](const MarketEngine& e, const Trade& t) {
      if (std::find(tokens.begin(), tokens.end(), e.token(t.taker_outcome)) != tokens.end()) {
        ++truth->trades;
      }
    });
    exchange_->AddTickChangeListener([truth](int market, Price, Price) {
      if (market == 1) ++truth->tick_changes;
    });
    return 0;
  });
  const uint64_t sent = OnIo([&] {
    for (int step = 1; step <= 30; ++step) {
      EXPECT_TRUE(exchange_->Step(step).ok());
      EXPECT_TRUE(channel_->Publish(2000 + step).ok());
    }
    return channel_->frames_sent();
  });
  int last_trades = 0;
  int tick_changes = 0;
  int best_bid_asks = 0;
  int books_after_tick = 0;
  bool awaiting_book = false;
  while (frames_read < sent) {
    const std::string text = read();
    ++frames_read;
    frame = decoder.Decode(text);
    ASSERT_TRUE(frame.ok()) << frame.status() << "\n" << text;
    for (const pm::LastTradePriceEvent& lt : (*frame)->last_trade_prices()) {
      EXPECT_NE(std::find(tokens.begin(), tokens.end(), std::string(lt.asset_id)), tokens.end());
      ++last_trades;
    }
    for (const pm::TickSizeChangeEvent& tc : (*frame)->tick_size_changes()) {
      EXPECT_TRUE(tc.asset_id == tokens[0] || tc.asset_id == tokens[1]) << tc.asset_id;
      ++tick_changes;
      awaiting_book = true;
    }
    if (awaiting_book && !(*frame)->books().empty()) {
      ++books_after_tick;
      awaiting_book = false;
    }
    for (const pm::BestBidAskEvent& b : (*frame)->best_bid_asks()) {
      // The subscribe frame turned the features on for the whole connection.
      EXPECT_NE(std::find(tokens.begin(), tokens.end(), std::string(b.asset_id)), tokens.end());
      ++best_bid_asks;
    }
    ASSERT_TRUE(books.Apply(**frame).ok()) << text;
  }
  const Truth seen = OnIo([&] { return *truth; });
  EXPECT_GT(seen.trades, 0);
  EXPECT_EQ(last_trades, seen.trades);
  EXPECT_GE(seen.tick_changes, 1);
  EXPECT_EQ(tick_changes, 2 * seen.tick_changes);  // both tokens of market 1 are subscribed
  EXPECT_EQ(books_after_tick, seen.tick_changes);
  EXPECT_GT(best_bid_asks, 0);
  EXPECT_EQ(books.TickSize(tokens[0]), OnIo([&] { return exchange_->engine(1).config().tick; }));
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int market = exchange_->MarketOfToken(tokens[i]);
    const int outcome = exchange_->engine(market).token(0) == tokens[i] ? 0 : 1;
    for (Side side : {Side::kBuy, Side::kSell}) {
      const auto engine_levels =
          OnIo([&] { return exchange_->engine(market).Levels(outcome, side); });
      std::vector<std::pair<Price, Quantity>> client;
      const book::OrderBook* b = books.Find(tokens[i]);
      ASSERT_NE(b, nullptr) << tokens[i];
      b->ForEachLevel(side == Side::kBuy ? book::BookSide::kBid : book::BookSide::kAsk,
                      [&](const book::Level& l) { client.emplace_back(l.price, l.size); });
      EXPECT_EQ(client, engine_levels) << tokens[i];
    }
  }
  ws.close(websocket::close_code::normal);
}

}  // namespace
}  // namespace arbor::sim
