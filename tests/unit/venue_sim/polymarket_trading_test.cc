// The simulator's authenticated Polymarket surface over real sockets on loopback, driven with our
// own signing code (clob_auth.h L1/L2, order_signer.h) and read back with the production REST and
// user-channel decoders.
#include "arbor/sim/polymarket_trading.h"

#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/strings.h"
#include "arbor/sim/http_server.h"
#include "arbor/sim/polymarket_routes.h"
#include "arbor/sim/polymarket_user_channel.h"
#include "arbor/venue/polymarket/clob_auth.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/user_decoder.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/websocket.hpp"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace arbor::sim {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace pm = ::arbor::venue::polymarket;
using tcp = boost::asio::ip::tcp;

constexpr int64_t kStartS = 1'790'000'000;

struct Response {
  int status = 0;
  std::string body;
};

class Client {
 public:
  explicit Client(uint16_t port) : stream_(io_) {
    tcp::resolver resolver(io_);
    stream_.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  }
  Response Do(http::verb verb, const std::string& target, const std::string& body,
              const std::vector<std::pair<std::string, std::string>>& headers) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
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

// A wallet with its API credentials.
struct Wallet {
  std::unique_ptr<pm::Secp256k1Signer> key;
  std::string address;  // lower-case
  std::string api_key;
  std::string secret;
  std::string passphrase;
  std::unique_ptr<pm::L2Signer> l2;
};

std::string Field(std::string_view json, std::string_view name) {
  simdjson::padded_string body(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  std::string_view out;
  if (parser.iterate(body).get(doc) != simdjson::SUCCESS) return "<bad json>";
  if (doc[name].get_string().get(out) != simdjson::SUCCESS) return "<missing>";
  return std::string(out);
}

class PolymarketTradingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    UniverseSpec spec;
    spec.binary_markets = 30;
    spec.negrisk_events = 3;
    absl::StatusOr<std::unique_ptr<Exchange>> ex =
        Exchange::Create(*GenerateUniverse(spec), DynamicsSpec{}, {}, 1);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);
    exchange_->AddTradeListener([this](const MarketEngine&, const Trade& t) {
      if (t.taker_account.starts_with("0x") || t.maker_account.starts_with("0x")) {
        trades_.push_back(t);
      }
    });
    PolymarketTradingOptions options;
    options.initial_balance = Money::FromUnits(1000);
    trading_ = std::make_unique<PolymarketTrading>(*exchange_, clock_, options);
    user_channel_ = std::make_unique<PolymarketUserChannel>(trading_.get());
    clob_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    AddPolymarketClobRoutes(*clob_, *exchange_, clock_);
    trading_->Attach(*clob_);
    user_channel_->Attach(*clob_);
    ASSERT_TRUE(clob_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
    client_ = std::make_unique<Client>(clob_->port());
    // A standalone binary market with a 0.01 tick and room inside the maker's spread.
    for (int i = 0; i < exchange_->markets(); ++i) {
      const SimMarket& m = exchange_->universe().markets[static_cast<size_t>(i)];
      if (m.event_index >= 0 || m.tick != Price::FromMicros(10'000)) continue;
      const auto bids = exchange_->engine(i).Levels(0, Side::kBuy);
      const auto asks = exchange_->engine(i).Levels(0, Side::kSell);
      if (bids.empty() || asks.empty() || asks.front().first - bids.front().first < m.tick + m.tick)
        continue;
      market_ = i;
      inside_ = bids.front().first + m.tick;
      break;
    }
    ASSERT_GE(market_, 0);
  }
  void TearDown() override {
    boost::asio::post(io_, [this] { clob_->Stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  template <typename Fn>
  void OnIo(Fn fn) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().get();
  }

  std::string Ts() const { return absl::StrCat(absl::ToUnixSeconds(clock_.Now())); }

  Wallet NewWallet(std::string_view hex_key) {
    Wallet w;
    w.key = std::move(*pm::Secp256k1Signer::FromHex(hex_key));
    w.address = absl::AsciiStrToLower(w.key->address_checksummed());
    absl::StatusOr<pm::L1Headers> h = pm::BuildL1Headers(*w.key, 137, Ts(), 0);
    EXPECT_TRUE(h.ok());
    const Response r = client_->Do(http::verb::post, "/auth/api-key", "",
                                   {{"POLY_ADDRESS", h->poly_address},
                                    {"POLY_SIGNATURE", h->poly_signature},
                                    {"POLY_TIMESTAMP", h->poly_timestamp},
                                    {"POLY_NONCE", h->poly_nonce}});
    EXPECT_EQ(r.status, 200) << r.body;
    w.api_key = Field(r.body, "apiKey");
    w.secret = Field(r.body, "secret");
    w.passphrase = Field(r.body, "passphrase");
    w.l2 = std::move(
        *pm::L2Signer::Create(w.key->address_checksummed(), w.api_key, w.secret, w.passphrase));
    return w;
  }

  Response L2(const Wallet& w, http::verb verb, const std::string& target,
              const std::string& body = "", std::string ts = "") {
    if (ts.empty()) ts = Ts();
    const std::string path = target.substr(0, target.find('?'));
    const pm::L2Headers h = w.l2->Headers(ts, std::string(http::to_string(verb)), path, body);
    return client_->Do(verb, target, body,
                       {{"POLY_ADDRESS", h.poly_address},
                        {"POLY_SIGNATURE", h.poly_signature},
                        {"POLY_TIMESTAMP", h.poly_timestamp},
                        {"POLY_API_KEY", h.poly_api_key},
                        {"POLY_PASSPHRASE", h.poly_passphrase}});
  }

  // The POST /order body of a limit order signed by `signer` for `owner`'s key.
  std::string OrderBody(const Wallet& signer, const Wallet& owner, int market, int outcome,
                        pm::OrderSide side, Price price, Quantity size,
                        std::string_view order_type = "GTC", uint64_t salt = 1) {
    const MarketEngine& e = exchange_->engine(market);
    pm::OrderV2 o;
    o.salt = salt;
    o.maker = signer.key->address();
    o.signer = signer.key->address();
    o.token_id = e.token(outcome);
    const int64_t cash = Notional(price, size, Rounding::kExact).micros();
    o.maker_amount = side == pm::OrderSide::kBuy ? cash : size.micros();
    o.taker_amount = side == pm::OrderSide::kBuy ? size.micros() : cash;
    o.side = side;
    o.timestamp_ms = static_cast<uint64_t>(absl::ToUnixMillis(clock_.Now()));
    const bool neg_risk =
        exchange_->universe().markets[static_cast<size_t>(market)].event_index >= 0;
    pm::SignedOrderV2 signed_order;
    pm::OrderSigner order_signer(signer.key.get());
    EXPECT_TRUE(
        order_signer.Sign(*pm::MakeExchangeDomain(137, 2, neg_risk), o, &signed_order).ok());
    std::string out = "{\"order\":";
    pm::AppendOrderJson(o, signed_order, &out);
    absl::StrAppend(&out, ",\"owner\":\"", owner.api_key, "\",\"orderType\":\"", ToAbsl(order_type),
                    "\",\"deferExec\":false,\"postOnly\":false}");
    return out;
  }

  boost::asio::io_context io_;
  SimulatedClock clock_{absl::FromUnixSeconds(kStartS)};
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<PolymarketTrading> trading_;
  std::unique_ptr<PolymarketUserChannel> user_channel_;
  std::unique_ptr<HttpServer> clob_;
  std::unique_ptr<Client> client_;
  std::thread thread_;
  std::vector<Trade> trades_;
  int market_ = -1;
  Price inside_;
};

constexpr std::string_view kKeyA =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
constexpr std::string_view kKeyB =
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

TEST_F(PolymarketTradingTest, CreateAndDeriveAgreeAndFundTheAccountOnce) {
  Wallet a = NewWallet(kKeyA);
  EXPECT_EQ(a.address, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  EXPECT_EQ(a.secret.size(), 44u);
  absl::StatusOr<pm::L1Headers> h = pm::BuildL1Headers(*a.key, 137, Ts(), 0);
  ASSERT_TRUE(h.ok());
  const Response derived = client_->Do(http::verb::get, "/auth/derive-api-key", "",
                                       {{"POLY_ADDRESS", h->poly_address},
                                        {"POLY_SIGNATURE", h->poly_signature},
                                        {"POLY_TIMESTAMP", h->poly_timestamp},
                                        {"POLY_NONCE", h->poly_nonce}});
  ASSERT_EQ(derived.status, 200);
  EXPECT_EQ(Field(derived.body, "apiKey"), a.api_key);
  EXPECT_EQ(Field(derived.body, "secret"), a.secret);
  EXPECT_EQ(Field(derived.body, "passphrase"), a.passphrase);
  const Response bal = L2(a, http::verb::get, "/balance-allowance?asset_type=COLLATERAL");
  ASSERT_EQ(bal.status, 200) << bal.body;
  EXPECT_EQ(Field(bal.body, "balance"), "1000000000");  // 1000 pUSD, funded once

  // L1 signed by another key, or stale, is refused.
  Wallet b = NewWallet(kKeyB);
  absl::StatusOr<pm::L1Headers> other = pm::BuildL1Headers(*b.key, 137, Ts(), 0);
  const Response forged = client_->Do(http::verb::post, "/auth/api-key", "",
                                      {{"POLY_ADDRESS", h->poly_address},
                                       {"POLY_SIGNATURE", other->poly_signature},
                                       {"POLY_TIMESTAMP", other->poly_timestamp},
                                       {"POLY_NONCE", "0"}});
  EXPECT_EQ(forged.status, 401);
  absl::StatusOr<pm::L1Headers> stale =
      pm::BuildL1Headers(*a.key, 137, absl::StrCat(kStartS - 3600), 0);
  const Response old = client_->Do(http::verb::post, "/auth/api-key", "",
                                   {{"POLY_ADDRESS", stale->poly_address},
                                    {"POLY_SIGNATURE", stale->poly_signature},
                                    {"POLY_TIMESTAMP", stale->poly_timestamp},
                                    {"POLY_NONCE", "0"}});
  EXPECT_EQ(old.status, 401);
}

TEST_F(PolymarketTradingTest, RestingBuyAndCrossingSellTradeWithExactBalancesAndUserEvents) {
  Wallet a = NewWallet(kKeyA);
  Wallet b = NewWallet(kKeyB);
  const MarketEngine& e = exchange_->engine(market_);
  OnIo([&] { exchange_->ledger().GrantPosition(b.address, e.token(0), Quantity::FromUnits(50)); });

  // A's user channel, subscribed to this market.
  boost::asio::io_context cio;
  websocket::stream<beast::tcp_stream> ws(cio);
  tcp::resolver resolver(cio);
  ws.next_layer().connect(resolver.resolve("127.0.0.1", std::to_string(clob_->port())));
  ws.handshake("127.0.0.1", "/ws/user");
  ws.write(boost::asio::buffer(absl::StrCat(
      R"({"auth":{"apiKey":")", a.api_key, R"(","secret":")", a.secret, R"(","passphrase":")",
      a.passphrase, R"("},"markets":[")", e.config().condition_id, R"("],"type":"user"})")));
  auto read = [&] {
    beast::flat_buffer buf;
    ws.read(buf);
    return beast::buffers_to_string(buf.data());
  };
  ws.write(boost::asio::buffer(std::string("PING")));
  EXPECT_EQ(read(), "PONG");

  const Quantity size = Quantity::FromUnits(10);
  const Response buy =
      L2(a, http::verb::post, "/order",
         OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, inside_, size, "GTC", 7));
  ASSERT_EQ(buy.status, 200) << buy.body;
  EXPECT_EQ(Field(buy.body, "status"), "live");
  const std::string buy_id = Field(buy.body, "orderID");
  EXPECT_EQ(buy_id.size(), 66u);

  const Response sell =
      L2(b, http::verb::post, "/order",
         OrderBody(b, b, market_, 0, pm::OrderSide::kSell, inside_, size, "GTC", 8));
  ASSERT_EQ(sell.status, 200) << sell.body;
  EXPECT_EQ(Field(sell.body, "status"), "matched");
  EXPECT_EQ(Field(sell.body, "makingAmount"), "10");
  ASSERT_EQ(trades_.size(), 1u);
  const Trade t = trades_[0];
  EXPECT_EQ(t.maker_account, a.address);
  EXPECT_EQ(t.taker_account, b.address);
  EXPECT_EQ(t.size, size);

  const Money notional = Notional(inside_, size, Rounding::kExact);
  const Money start = Money::FromUnits(1000);
  Money a_cash, b_cash;
  Quantity a_pos, b_pos;
  OnIo([&] {
    a_cash = exchange_->ledger().Cash(a.address);
    b_cash = exchange_->ledger().Cash(b.address);
    a_pos = exchange_->ledger().Position(a.address, e.token(0));
    b_pos = exchange_->ledger().Position(b.address, e.token(0));
  });
  EXPECT_EQ(a_cash, start - notional);
  EXPECT_EQ(b_cash, start + notional - t.taker_fee);
  EXPECT_EQ(a_pos, size);
  EXPECT_EQ(b_pos, Quantity::FromUnits(40));
  const Response bal =
      L2(b, http::verb::get, "/balance-allowance?asset_type=CONDITIONAL&token_id=" + e.token(0));
  EXPECT_EQ(Field(bal.body, "balance"), "40000000");

  // Both see the trade, from their side.
  for (const Wallet* w : {&a, &b}) {
    const Response tr = L2(*w, http::verb::get, "/data/trades");
    ASSERT_EQ(tr.status, 200) << tr.body;
    absl::StatusOr<pm::TradesPage> page = pm::ParseTradesPage(tr.body);
    ASSERT_TRUE(page.ok()) << page.status() << tr.body;
    ASSERT_EQ(page->data.size(), 1u);
    EXPECT_EQ(page->next_cursor, "LTE=");
    EXPECT_EQ(page->data[0].size, size);
    EXPECT_EQ(page->data[0].price, inside_);
    ASSERT_EQ(page->data[0].maker_orders.size(), 1u);
    EXPECT_EQ(page->data[0].maker_orders[0].order_id, buy_id);
    EXPECT_EQ(*page->data[0].trader_side,
              w == &a ? pm::TraderSide::kMaker : pm::TraderSide::kTaker);
  }
  // A's order is filled: no longer open.
  const Response open = L2(a, http::verb::get, "/data/orders?next_cursor=MA==");
  absl::StatusOr<pm::OpenOrdersPage> orders = pm::ParseOpenOrdersPage(open.body);
  ASSERT_TRUE(orders.ok()) << orders.status();
  EXPECT_TRUE(orders->data.empty());

  // A's stream: PLACEMENT, then the trade (as maker), then the UPDATE.
  pm::UserFrameDecoder decoder;
  absl::StatusOr<pm::UserFrame> f1 = decoder.Decode(read());
  ASSERT_TRUE(f1.ok()) << f1.status();
  ASSERT_EQ(f1->events.size(), 1u);
  const auto& placement = std::get<pm::OrderEvent>(f1->events[0]);
  EXPECT_EQ(*placement.type, pm::OrderEventType::kPlacement);
  EXPECT_EQ(placement.id, buy_id);
  EXPECT_EQ(placement.price, inside_);
  absl::StatusOr<pm::UserFrame> f2 = decoder.Decode(read());
  ASSERT_TRUE(f2.ok()) << f2.status();
  const auto& trade = std::get<pm::TradeEvent>(f2->events[0]);
  EXPECT_EQ(trade.status, pm::TradeStatus::kMatched);
  EXPECT_EQ(*trade.trader_side, pm::TraderSide::kMaker);
  EXPECT_EQ(trade.maker_orders[0].order_id, buy_id);
  absl::StatusOr<pm::UserFrame> f3 = decoder.Decode(read());
  ASSERT_TRUE(f3.ok()) << f3.status();
  const auto& update = std::get<pm::OrderEvent>(f3->events[0]);
  EXPECT_EQ(*update.type, pm::OrderEventType::kUpdate);
  EXPECT_EQ(*update.size_matched, size);
}

TEST_F(PolymarketTradingTest, OpenOrdersListAndCancelWithUserCancellation) {
  Wallet a = NewWallet(kKeyA);
  const MarketEngine& e = exchange_->engine(market_);
  boost::asio::io_context cio;
  websocket::stream<beast::tcp_stream> ws(cio);
  tcp::resolver resolver(cio);
  ws.next_layer().connect(resolver.resolve("127.0.0.1", std::to_string(clob_->port())));
  ws.handshake("127.0.0.1", "/ws/user");
  ws.write(boost::asio::buffer(absl::StrCat(R"({"auth":{"apiKey":")", a.api_key, R"(","secret":")",
                                            a.secret, R"(","passphrase":")", a.passphrase,
                                            R"("},"type":"user"})")));
  auto read = [&] {
    beast::flat_buffer buf;
    ws.read(buf);
    return beast::buffers_to_string(buf.data());
  };
  const Price low = e.config().tick;
  std::vector<std::string> ids;
  for (uint64_t salt = 1; salt <= 2; ++salt) {
    const Response r = L2(a, http::verb::post, "/order",
                          OrderBody(a, a, market_, static_cast<int>(salt - 1), pm::OrderSide::kBuy,
                                    low, Quantity::FromUnits(5), "GTC", salt));
    ASSERT_EQ(r.status, 200) << r.body;
    ids.push_back(Field(r.body, "orderID"));
  }
  const Response list = L2(a, http::verb::get, "/data/orders");
  absl::StatusOr<pm::OpenOrdersPage> page = pm::ParseOpenOrdersPage(list.body);
  ASSERT_TRUE(page.ok()) << page.status() << list.body;
  ASSERT_EQ(page->data.size(), 2u);
  EXPECT_EQ(page->data[0].id, ids[0]);
  EXPECT_EQ(page->data[0].status, pm::OrderStatus::kLive);
  const Response filtered =
      L2(a, http::verb::get, "/data/orders?asset_id=" + e.token(1) + "&next_cursor=MA==");
  EXPECT_EQ(pm::ParseOpenOrdersPage(filtered.body)->data.size(), 1u);
  const Response one = L2(a, http::verb::get, "/data/order/" + ids[1]);
  absl::StatusOr<pm::OrderEvent> row = pm::ParseOpenOrder(one.body);
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(row->asset_id, e.token(1));

  const std::string cancel_body = absl::StrCat(R"({"orderID":")", ids[0], R"("})");
  const Response c1 = L2(a, http::verb::delete_, "/order", cancel_body);
  ASSERT_EQ(c1.status, 200) << c1.body;
  EXPECT_EQ(c1.body, absl::StrCat(R"({"canceled":[")", ids[0], R"("],"not_canceled":{}})"));
  const Response c2 = L2(a, http::verb::delete_, "/order", cancel_body);
  EXPECT_EQ(c2.body, absl::StrCat(R"({"canceled":[],"not_canceled":{")", ids[0],
                                  R"(":"already canceled or matched"}})"));
  const Response all = L2(a, http::verb::delete_, "/cancel-all");
  EXPECT_EQ(all.body, absl::StrCat(R"({"canceled":[")", ids[1], R"("],"not_canceled":{}})"));
  EXPECT_TRUE(pm::ParseOpenOrdersPage(L2(a, http::verb::get, "/data/orders").body)->data.empty());

  pm::UserFrameDecoder decoder;
  std::vector<pm::OrderEventType> types;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<pm::UserFrame> f = decoder.Decode(read());
    ASSERT_TRUE(f.ok()) << f.status();
    types.push_back(*std::get<pm::OrderEvent>(f->events[0]).type);
  }
  EXPECT_EQ(types, (std::vector<pm::OrderEventType>{
                       pm::OrderEventType::kPlacement, pm::OrderEventType::kPlacement,
                       pm::OrderEventType::kCancellation, pm::OrderEventType::kCancellation}));
}

// Resolution cancels resting orders; a resolved market refuses new ones (400, success:false).
TEST_F(PolymarketTradingTest, ResolvedMarketCancelsOrdersAndRefusesNewOnes) {
  Wallet a = NewWallet(kKeyA);
  const Price low = exchange_->engine(market_).config().tick;
  const Response placed =
      L2(a, http::verb::post, "/order",
         OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(5), "GTC", 1));
  ASSERT_EQ(placed.status, 200) << placed.body;
  OnIo([&] { ASSERT_TRUE(exchange_->ResolveMarket(market_, 0, 1).ok()); });
  EXPECT_TRUE(pm::ParseOpenOrdersPage(L2(a, http::verb::get, "/data/orders").body)->data.empty());
  const Response refused =
      L2(a, http::verb::post, "/order",
         OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(5), "GTC", 2));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("is closed: not accepting orders"), std::string::npos)
      << refused.body;
  EXPECT_NE(refused.body.find(R"("success":false)"), std::string::npos) << refused.body;
}

TEST_F(PolymarketTradingTest, BadSignaturesAndBadL2HeadersAreRejected) {
  Wallet a = NewWallet(kKeyA);
  Wallet b = NewWallet(kKeyB);
  const Price low = exchange_->engine(market_).config().tick;
  std::string body = OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(5));
  // Tamper with the signature's r.
  std::string tampered = body;
  const size_t sig = tampered.find("\"signature\":\"0x") + 16;
  tampered[sig] = tampered[sig] == 'a' ? 'b' : 'a';
  const Response bad = L2(a, http::verb::post, "/order", tampered);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Field(bad.body, "errorMsg"), "invalid signature");
  // Signed by B, posted with A's key.
  const Response wrong =
      L2(a, http::verb::post, "/order",
         OrderBody(b, a, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(5)));
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(Field(wrong.body, "errorMsg").find("signer"), std::string::npos);
  // A's order, owner = B's key.
  const Response owner =
      L2(a, http::verb::post, "/order",
         OrderBody(a, b, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(5)));
  EXPECT_EQ(owner.status, 400);
  // Stale L2 timestamp, bad HMAC, wrong passphrase: 401 with the venue's text.
  const Response stale = L2(a, http::verb::get, "/data/orders", "", absl::StrCat(kStartS - 3600));
  EXPECT_EQ(stale.status, 401);
  EXPECT_EQ(stale.body, R"({"error":"Unauthorized/Invalid api key"})");
  const pm::L2Headers h = a.l2->Headers(Ts(), "GET", "/data/orders", "");
  const Response hmac = client_->Do(http::verb::get, "/data/orders", "",
                                    {{"POLY_ADDRESS", h.poly_address},
                                     {"POLY_SIGNATURE", h.poly_signature + "x"},
                                     {"POLY_TIMESTAMP", h.poly_timestamp},
                                     {"POLY_API_KEY", h.poly_api_key},
                                     {"POLY_PASSPHRASE", h.poly_passphrase}});
  EXPECT_EQ(hmac.status, 401);
  const Response pass = client_->Do(http::verb::get, "/data/orders", "",
                                    {{"POLY_ADDRESS", h.poly_address},
                                     {"POLY_SIGNATURE", h.poly_signature},
                                     {"POLY_TIMESTAMP", h.poly_timestamp},
                                     {"POLY_API_KEY", h.poly_api_key},
                                     {"POLY_PASSPHRASE", b.passphrase}});
  EXPECT_EQ(pass.status, 401);
  // The untampered order still goes through (nothing above consumed it).
  EXPECT_EQ(L2(a, http::verb::post, "/order", body).status, 200);
  EXPECT_EQ(trading_->orders_accepted(), 1u);
}

TEST_F(PolymarketTradingTest, BatchReportsABadLegAndFokThatCannotFillIsKilled) {
  Wallet a = NewWallet(kKeyA);
  const Price low = exchange_->engine(market_).config().tick;
  std::string good =
      OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(5), "GTC", 1);
  // 5.5 shares at 0.015: off the 0.01 tick grid.
  std::string off_tick = OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, Price::FromMicros(15'000),
                                   Quantity::FromUnits(2), "GTC", 2);
  const Response batch = L2(a, http::verb::post, "/orders", "[" + good + "," + off_tick + "]");
  ASSERT_EQ(batch.status, 200) << batch.body;
  simdjson::padded_string json(batch.body);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc = parser.iterate(json);
  std::vector<std::pair<std::string, std::string>> legs;
  for (auto leg : doc.get_array()) {
    std::string_view id = leg["orderID"].get_string();
    std::string_view err = leg["errorMsg"].get_string();
    bool success = leg["success"].get_bool();
    EXPECT_TRUE(success);
    legs.emplace_back(std::string(id), std::string(err));
  }
  ASSERT_EQ(legs.size(), 2u);
  EXPECT_EQ(legs[0].first.size(), 66u);
  EXPECT_EQ(legs[0].second, "");
  EXPECT_EQ(legs[1].first, "");
  EXPECT_NE(legs[1].second.find("invalid price"), std::string::npos) << legs[1].second;

  std::string sixteen = "[";
  for (int i = 0; i < 16; ++i) {
    if (i > 0) sixteen += ',';
    sixteen += OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(5), "GTC",
                         100 + static_cast<uint64_t>(i));
  }
  EXPECT_EQ(L2(a, http::verb::post, "/orders", sixteen + "]").status, 400);

  const Response fok =
      L2(a, http::verb::post, "/order",
         OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(5), "FOK", 3));
  EXPECT_EQ(fok.status, 400);
  EXPECT_NE(Field(fok.body, "errorMsg").find("FOK"), std::string::npos) << fok.body;
  // Insufficient balance: 1000 pUSD cannot buy 2000 shares at 0.99.
  const Response poor = L2(a, http::verb::post, "/order",
                           OrderBody(a, a, market_, 1, pm::OrderSide::kBuy, low,
                                     Quantity::FromUnits(200'000), "GTC", 4));
  EXPECT_EQ(poor.status, 400);
  EXPECT_EQ(Field(poor.body, "errorMsg"), "not enough balance / allowance");
}

TEST_F(PolymarketTradingTest, OpenOrdersPaginateWithBase64Cursors) {
  Wallet a = NewWallet(kKeyA);
  const Price low = exchange_->engine(market_).config().tick;
  uint64_t salt = 1;
  for (int batch = 0; batch < 7; ++batch) {
    std::string body = "[";
    for (int i = 0; i < 15; ++i) {
      if (i > 0) body += ',';
      body += OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(1), "GTC",
                        salt++);
    }
    ASSERT_EQ(L2(a, http::verb::post, "/orders", body + "]").status, 200);
  }
  absl::StatusOr<pm::OpenOrdersPage> first =
      pm::ParseOpenOrdersPage(L2(a, http::verb::get, "/data/orders?next_cursor=MA%3D%3D").body);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->data.size(), 100u);
  EXPECT_EQ(first->next_cursor, "MTAw");  // base64("100")
  absl::StatusOr<pm::OpenOrdersPage> second =
      pm::ParseOpenOrdersPage(L2(a, http::verb::get, "/data/orders?next_cursor=MTAw").body);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->data.size(), 5u);
  EXPECT_EQ(second->next_cursor, "LTE=");
  EXPECT_NE(first->data.back().id, second->data.front().id);
  EXPECT_EQ(L2(a, http::verb::get, "/data/orders?next_cursor=NTA=").status, 400);  // "50"
}

TEST_F(PolymarketTradingTest, LapsedHeartbeatCancelsOpenOrders) {
  Wallet a = NewWallet(kKeyA);
  const Price low = exchange_->engine(market_).config().tick;
  ASSERT_EQ(L2(a, http::verb::post, "/order",
               OrderBody(a, a, market_, 0, pm::OrderSide::kBuy, low, Quantity::FromUnits(5)))
                .status,
            200);
  const Response hb1 = L2(a, http::verb::post, "/v1/heartbeats", R"({"heartbeat_id":""})");
  ASSERT_EQ(hb1.status, 200) << hb1.body;
  const std::string id1 = Field(hb1.body, "heartbeat_id");
  EXPECT_FALSE(id1.empty());
  clock_.Advance(absl::Seconds(8));
  OnIo([&] { trading_->Tick(absl::ToUnixMillis(clock_.Now())); });
  const Response hb2 =
      L2(a, http::verb::post, "/v1/heartbeats", absl::StrCat(R"({"heartbeat_id":")", id1, R"("})"));
  ASSERT_EQ(hb2.status, 200) << hb2.body;
  EXPECT_EQ(L2(a, http::verb::post, "/v1/heartbeats", R"({"heartbeat_id":"bogus"})").status, 400);
  clock_.Advance(absl::Seconds(8));
  OnIo([&] { trading_->Tick(absl::ToUnixMillis(clock_.Now())); });
  EXPECT_EQ(pm::ParseOpenOrdersPage(L2(a, http::verb::get, "/data/orders").body)->data.size(), 1u);
  clock_.Advance(absl::Seconds(3));  // 11 s since the last heartbeat
  OnIo([&] { trading_->Tick(absl::ToUnixMillis(clock_.Now())); });
  EXPECT_TRUE(pm::ParseOpenOrdersPage(L2(a, http::verb::get, "/data/orders").body)->data.empty());
}

TEST_F(PolymarketTradingTest, UserChannelClosesOnBadAuth) {
  boost::asio::io_context cio;
  websocket::stream<beast::tcp_stream> ws(cio);
  tcp::resolver resolver(cio);
  ws.next_layer().connect(resolver.resolve("127.0.0.1", std::to_string(clob_->port())));
  ws.handshake("127.0.0.1", "/ws/user");
  ws.write(boost::asio::buffer(
      std::string(R"({"auth":{"apiKey":"nope","secret":"x","passphrase":"y"},"type":"user"})")));
  beast::flat_buffer buf;
  boost::system::error_code ec;
  ws.read(buf, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws.reason().code, 1008);
}

}  // namespace
}  // namespace arbor::sim
