// The simulator's Polymarket market channel over a real WebSocket on loopback, consumed with the
// production decoder and book set: the client's books must equal the engine's.
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
  void SetUp() override {
    UniverseSpec spec;
    spec.binary_markets = 20;
    spec.negrisk_events = 2;
    DynamicsSpec dynamics;
    dynamics.noise_orders_per_market = 0.5;
    absl::StatusOr<std::unique_ptr<Exchange>> ex =
        Exchange::Create(*GenerateUniverse(spec), dynamics, {}, 4);
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

}  // namespace
}  // namespace arbor::sim
