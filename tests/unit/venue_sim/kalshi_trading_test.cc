// Our Kalshi REST client (arbor::venue_kalshi over arbor::net, real RSA keys) against the
// simulator's Kalshi REST routes (KalshiTrading) on loopback: each checks the other.
#include "arbor/sim/kalshi_trading.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "arbor/sim/kalshi_feed.h"
#include "arbor/venue/kalshi/rest_client.h"
#include "boost/asio/ip/tcp.hpp"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

namespace ks = ::arbor::venue::kalshi;

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

// A fresh 2048-bit RSA key (never written to disk).
KeyPair MakeKey() {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  EXPECT_NE(pkey, nullptr);
  KeyPair k;
  BIO* b = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr), 1);
  k.private_pem = BioToString(b);
  b = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PUBKEY(b, pkey), 1);
  k.public_pem = BioToString(b);
  EVP_PKEY_free(pkey);
  return k;
}

const std::vector<KeyPair>& Keys() {
  static const std::vector<KeyPair>* keys =
      new std::vector<KeyPair>{MakeKey(), MakeKey(), MakeKey()};
  return *keys;
}

Price P(std::string_view s) { return *Price::Parse(s); }
Quantity Q(int64_t units) { return Quantity::FromUnits(units); }
Money M(std::string_view s) { return *Money::Parse(s); }

// The classic taker fee, computed independently: 0.07 * C * P * (1 - P) dollars with P = c / 100
// is 7 * C * c * (100 - c) / 10000 cents, rounded up to a whole cent.
Money ExpectedTakerFee(int64_t contracts, Price price) {
  const int64_t c = price.micros() / 10'000;
  const int64_t scaled = 7 * contracts * c * (100 - c);
  return Money::FromMicros((scaled + 9'999) / 10'000 * 10'000);
}

// Kalshi's two bid ladders of an engine, best first: YES bids + NO asks at 1 - p, and NO bids +
// YES asks at 1 - p.
std::vector<ks::PriceLevel> Ladder(const MarketEngine& e, int ladder) {
  std::map<Price, Quantity> levels;
  for (const auto& [p, q] : e.Levels(ladder, Side::kBuy)) levels[p] += q;
  for (const auto& [p, q] : e.Levels(1 - ladder, Side::kSell)) levels[Complement(p)] += q;
  std::vector<ks::PriceLevel> out;
  for (auto it = levels.rbegin(); it != levels.rend(); ++it) out.push_back({it->first, it->second});
  return out;
}

class KalshiTradingTest : public ::testing::Test {
 protected:
  static constexpr int kTwin = 0;

  void SetUp() override {
    UniverseSpec spec;
    spec.binary_markets = 100;
    spec.negrisk_events = 0;
    spec.kalshi_twin_every = 4;
    absl::StatusOr<Universe> u = GenerateUniverse(spec);
    ASSERT_TRUE(u.ok()) << u.status();
    DynamicsSpec dynamics;
    dynamics.half_spread = P("0.05");  // leaves room inside the makers' spread
    absl::StatusOr<std::unique_ptr<Exchange>> ex = Exchange::Create(*u, dynamics, {}, 3);
    ASSERT_TRUE(ex.ok()) << ex.status();
    exchange_ = std::move(*ex);
    KalshiTradingOptions options;
    options.initial_balance = Money::FromUnits(1'000);
    trading_ = std::make_unique<KalshiTrading>(*exchange_, clock_, options);
    ASSERT_TRUE(trading_->RegisterKey("key-a", Keys()[0].public_pem).ok());
    ASSERT_TRUE(trading_->RegisterKey("key-b", Keys()[1].public_pem).ok());
    server_ = std::make_unique<HttpServer>(io_, HttpServerOptions{});
    trading_->Attach(*server_);
    ASSERT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { io_.run(); });
    absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
    signer_a_ = std::make_unique<ks::RequestSigner>(
        *ks::RequestSigner::FromPemString("key-a", Keys()[0].private_pem));
    signer_b_ = std::make_unique<ks::RequestSigner>(
        *ks::RequestSigner::FromPemString("key-b", Keys()[1].private_pem));
    a_ = Client(signer_a_.get(), &clock_);
    b_ = Client(signer_b_.get(), &clock_);
    public_ = Client(nullptr, &clock_);
  }

  void TearDown() override {
    a_.reset();
    b_.reset();
    public_.reset();
    http_.reset();
    boost::asio::post(io_, [this] { server_->Stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::unique_ptr<ks::RestClient> Client(const ks::RequestSigner* signer, const Clock* clock) {
    return std::make_unique<ks::RestClient>(
        http_.get(), net::Origin{false, "127.0.0.1", server_->port()}, signer, clock);
  }

  const std::string& Ticker() const { return exchange_->universe().kalshi[kTwin].ticker; }
  const MarketEngine& Engine() const { return exchange_->kalshi_engine(kTwin); }

  ks::CreateOrderParams MakeOrder(ks::Side side, Price price, int64_t count, std::string coid,
                                  ks::TimeInForce tif = ks::TimeInForce::kGoodTillCanceled) const {
    ks::CreateOrderParams p;
    p.ticker = Ticker();
    p.side = side;
    p.action = ks::Action::kBuy;
    p.count = Q(count);
    p.price = price;
    p.time_in_force = tif;
    p.client_order_id = std::move(coid);
    return p;
  }

  boost::asio::io_context io_;
  SimulatedClock clock_{absl::FromUnixSeconds(1'790'000'000)};
  std::unique_ptr<Exchange> exchange_;
  std::unique_ptr<KalshiTrading> trading_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<ks::RequestSigner> signer_a_;
  std::unique_ptr<ks::RequestSigner> signer_b_;
  std::unique_ptr<ks::RestClient> a_;
  std::unique_ptr<ks::RestClient> b_;
  std::unique_ptr<ks::RestClient> public_;
};

TEST_F(KalshiTradingTest, MarketsPageEventsAndOrderbookMatchTheEngine) {
  const std::vector<KalshiTwin>& twins = exchange_->universe().kalshi;
  ASSERT_EQ(twins.size(), 25u);
  ks::MarketsQuery query;
  query.limit = 7;  // does not divide 25: four pages, the last one short
  absl::StatusOr<ks::RestPage<ks::RestMarket>> first = public_->GetMarkets(query);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->items.size(), 7u);
  EXPECT_FALSE(first->cursor.empty());
  absl::StatusOr<std::vector<ks::RestMarket>> all = public_->GetAllMarkets(query);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), twins.size());
  for (size_t i = 0; i < twins.size(); ++i) {
    EXPECT_EQ((*all)[i].ticker, twins[i].ticker);
    EXPECT_EQ((*all)[i].event_ticker, twins[i].event_ticker);
    EXPECT_EQ((*all)[i].status, "active");
  }

  // Filters.
  ks::MarketsQuery by_ticker;
  by_ticker.tickers = {twins[3].ticker, twins[5].ticker};
  absl::StatusOr<std::vector<ks::RestMarket>> two = public_->GetAllMarkets(by_ticker);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].ticker, twins[5].ticker);
  ks::MarketsQuery by_event;
  by_event.event_ticker = twins[2].event_ticker;
  absl::StatusOr<std::vector<ks::RestMarket>> in_event = public_->GetAllMarkets(by_event);
  ASSERT_TRUE(in_event.ok());
  ASSERT_FALSE(in_event->empty());
  for (const ks::RestMarket& m : *in_event) EXPECT_EQ(m.event_ticker, twins[2].event_ticker);
  ks::MarketsQuery settled;
  settled.status = "settled";
  EXPECT_TRUE(public_->GetAllMarkets(settled)->empty());

  // One market: its top of book is the engine's, and the orderbook is the engine's ladders.
  const std::vector<ks::PriceLevel> yes = Ladder(Engine(), 0);
  const std::vector<ks::PriceLevel> no = Ladder(Engine(), 1);
  ASSERT_FALSE(yes.empty());
  ASSERT_FALSE(no.empty());
  absl::StatusOr<ks::RestMarket> market = public_->GetMarket(Ticker());
  ASSERT_TRUE(market.ok()) << market.status();
  EXPECT_EQ(market->yes_bid, yes[0].price);
  EXPECT_EQ(market->yes_bid_size, yes[0].count);
  EXPECT_EQ(market->yes_ask, Complement(no[0].price));
  EXPECT_EQ(market->no_bid, no[0].price);
  ASSERT_EQ(market->price_ranges.size(), 1u);
  EXPECT_EQ(market->price_ranges[0].step, P("0.01"));
  absl::StatusOr<ks::RestOrderbook> book = public_->GetOrderbook(Ticker());
  ASSERT_TRUE(book.ok()) << book.status();
  EXPECT_EQ(book->yes, yes);
  EXPECT_EQ(book->no, no);

  absl::StatusOr<ks::RestPage<ks::RestEvent>> events = public_->GetEvents({.limit = 1000});
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->cursor.empty());
  ASSERT_FALSE(events->items.empty());
  absl::StatusOr<ks::RestEventDetail> event = public_->GetEvent(twins[0].event_ticker);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->event.event_ticker, twins[0].event_ticker);
  ASSERT_FALSE(event->markets.empty());
  EXPECT_EQ(event->markets[0].ticker, twins[0].ticker);
}

TEST_F(KalshiTradingTest, RestingBuyFilledByAnotherAccountWithExactFeesBalancesAndPositions) {
  const Price best_bid = Ladder(Engine(), 0)[0].price;
  const Price best_ask = Complement(Ladder(Engine(), 1)[0].price);
  const Price p = best_bid + P("0.01");  // a new best YES bid, inside the spread
  ASSERT_LT(p, best_ask);

  absl::StatusOr<ks::RestOrder> rest = a_->CreateOrder(MakeOrder(ks::Side::kYes, p, 10, "a-1"));
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(rest->status, "resting");
  EXPECT_EQ(rest->client_order_id, "a-1");
  EXPECT_EQ(rest->yes_price, p);
  EXPECT_EQ(rest->no_price, Complement(p));
  EXPECT_EQ(rest->initial_count, Q(10));
  EXPECT_EQ(rest->remaining_count, Q(10));
  EXPECT_EQ(rest->fill_count, Q(0));

  absl::StatusOr<ks::RestPage<ks::RestOrder>> open = a_->GetOrders({.status = "resting"});
  ASSERT_TRUE(open.ok()) << open.status();
  ASSERT_EQ(open->items.size(), 1u);
  EXPECT_EQ(open->items[0].order_id, rest->order_id);
  absl::StatusOr<ks::RestOrderbook> book = public_->GetOrderbook(Ticker());
  ASSERT_TRUE(book.ok());
  EXPECT_EQ(book->yes[0], (ks::PriceLevel{p, Q(10)}));
  EXPECT_EQ(a_->GetBalance()->balance, M("1000") - Notional(p, Q(10), Rounding::kExact));

  // B buys NO at 1 - p: the engine mints a set against A's YES bid (Kalshi: B sells YES to A).
  absl::StatusOr<ks::RestOrder> take = b_->CreateOrder(
      MakeOrder(ks::Side::kNo, Complement(p), 10, "b-1", ks::TimeInForce::kImmediateOrCancel));
  ASSERT_TRUE(take.ok()) << take.status();
  const Money fee = ExpectedTakerFee(10, p);
  ASSERT_TRUE(fee.IsPositive());
  EXPECT_EQ(take->status, "executed");
  EXPECT_EQ(take->fill_count, Q(10));
  EXPECT_EQ(take->taker_fees, fee);
  EXPECT_EQ(take->taker_fill_cost, Notional(Complement(p), Q(10), Rounding::kExact));

  absl::StatusOr<ks::RestOrder> done = a_->GetOrder(rest->order_id);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->status, "executed");
  EXPECT_EQ(done->fill_count, Q(10));
  EXPECT_EQ(done->maker_fees, Money());

  absl::StatusOr<ks::RestPage<ks::RestFill>> fills_a = a_->GetFills({});
  absl::StatusOr<ks::RestPage<ks::RestFill>> fills_b = b_->GetFills({});
  ASSERT_TRUE(fills_a.ok()) << fills_a.status();
  ASSERT_TRUE(fills_b.ok()) << fills_b.status();
  ASSERT_EQ(fills_a->items.size(), 1u);
  ASSERT_EQ(fills_b->items.size(), 1u);
  const ks::RestFill& fa = fills_a->items[0];
  const ks::RestFill& fb = fills_b->items[0];
  EXPECT_EQ(fa.trade_id, fb.trade_id);
  EXPECT_EQ(fa.order_id, rest->order_id);
  EXPECT_EQ(fb.order_id, take->order_id);
  EXPECT_FALSE(fa.is_taker);
  EXPECT_TRUE(fb.is_taker);
  EXPECT_EQ(fa.side, ks::Side::kYes);
  EXPECT_EQ(fb.side, ks::Side::kNo);
  EXPECT_EQ(fa.yes_price, p);
  EXPECT_EQ(fb.yes_price, p);
  EXPECT_EQ(fb.no_price, Complement(p));
  EXPECT_EQ(fa.count, Q(10));
  EXPECT_EQ(fa.fee_cost, Money());
  EXPECT_EQ(fb.fee_cost, fee);

  EXPECT_EQ(a_->GetBalance()->balance, M("1000") - Notional(p, Q(10), Rounding::kExact));
  EXPECT_EQ(b_->GetBalance()->balance,
            M("1000") - Notional(Complement(p), Q(10), Rounding::kExact) - fee);
  absl::StatusOr<ks::RestPage<ks::RestPosition>> pos_a = a_->GetPositions({});
  absl::StatusOr<ks::RestPage<ks::RestPosition>> pos_b = b_->GetPositions({});
  ASSERT_TRUE(pos_a.ok()) << pos_a.status();
  ASSERT_TRUE(pos_b.ok()) << pos_b.status();
  ASSERT_EQ(pos_a->items.size(), 1u);
  ASSERT_EQ(pos_b->items.size(), 1u);
  EXPECT_EQ(pos_a->items[0].ticker, Ticker());
  EXPECT_EQ(pos_a->items[0].position, Q(10));
  EXPECT_EQ(pos_b->items[0].position, Q(-10));
  EXPECT_EQ(pos_b->items[0].fees_paid, fee);
  EXPECT_EQ(pos_a->items[0].resting_orders_count, 0);
  // The exchange's ledger agrees with what the API reports.
  EXPECT_EQ(exchange_->ledger().Cash(KalshiTrading::AccountOf("key-b")),
            M("1000") - Notional(Complement(p), Q(10), Rounding::kExact) - fee);
}

TEST_F(KalshiTradingTest, CancelFillOrKillAndDuplicateClientOrderId) {
  const Price p = Ladder(Engine(), 0)[0].price + P("0.01");
  absl::StatusOr<ks::RestOrder> rest = a_->CreateOrder(MakeOrder(ks::Side::kYes, p, 5, "a-2"));
  ASSERT_TRUE(rest.ok()) << rest.status();
  // The engine order behind it is named by the API's ids (what WebSocket fills carry).
  const std::vector<const Order*> open = Engine().OpenOrders(KalshiTrading::AccountOf("key-a"));
  ASSERT_EQ(open.size(), 1u);
  const std::optional<KalshiTrading::ApiOrderNames> names =
      trading_->NamesOfEngineOrder(open[0]->id);
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(names->order_id, rest->order_id);
  EXPECT_EQ(names->client_order_id, "a-2");
  EXPECT_FALSE(trading_->NamesOfEngineOrder(open[0]->id + 1'000'000).has_value());

  absl::StatusOr<ks::RestOrder> dup = a_->CreateOrder(MakeOrder(ks::Side::kYes, p, 5, "a-2"));
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists) << dup.status();
  EXPECT_NE(std::string(dup.status().message()).find("order_already_exists"), std::string::npos);
  // The same client_order_id is another account's own business.
  EXPECT_TRUE(b_->CreateOrder(MakeOrder(ks::Side::kYes, P("0.02"), 1, "a-2")).ok());

  absl::StatusOr<ks::RestCancel> cancel = a_->CancelOrder(rest->order_id);
  ASSERT_TRUE(cancel.ok()) << cancel.status();
  EXPECT_EQ(cancel->order.status, "canceled");
  EXPECT_EQ(cancel->reduced_by, Q(5));
  EXPECT_EQ(a_->CancelOrder(rest->order_id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(b_->CancelOrder(rest->order_id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(a_->GetBalance()->balance, M("1000"));
  EXPECT_TRUE(a_->GetOrders({.status = "resting"})->items.empty());
  EXPECT_EQ(a_->GetOrders({})->items.size(), 1u);

  // Fill-or-kill for more than the best NO ask level holds at a price that only reaches it.
  const ks::PriceLevel best_no_bid = Ladder(Engine(), 1)[0];
  const Price yes_ask = Complement(best_no_bid.price);
  const int64_t too_many = best_no_bid.count.micros() / 1'000'000 + 1;
  absl::StatusOr<ks::RestOrder> fok = a_->CreateOrder(
      MakeOrder(ks::Side::kYes, yes_ask, too_many, "a-3", ks::TimeInForce::kFillOrKill));
  ASSERT_TRUE(fok.ok()) << fok.status();
  EXPECT_EQ(fok->status, "canceled");
  EXPECT_EQ(fok->fill_count, Q(0));
  EXPECT_TRUE(a_->GetFills({})->items.empty());
  EXPECT_EQ(Ladder(Engine(), 1)[0], best_no_bid);  // the book is untouched
  EXPECT_EQ(a_->GetBalance()->balance, M("1000"));

  // More than the account can pay.
  absl::StatusOr<ks::RestOrder> broke =
      a_->CreateOrder(MakeOrder(ks::Side::kYes, p, 100'000, "a-4"));
  EXPECT_EQ(broke.status().code(), absl::StatusCode::kFailedPrecondition) << broke.status();
  EXPECT_NE(std::string(broke.status().message()).find("insufficient_balance"), std::string::npos);
}

TEST_F(KalshiTradingTest, BadSignatureWrongKeyAndStaleTimestampAreUnauthenticated) {
  // Key C's private key under key A's id: the signature does not verify.
  absl::StatusOr<ks::RequestSigner> forged =
      ks::RequestSigner::FromPemString("key-a", Keys()[2].private_pem);
  ASSERT_TRUE(forged.ok());
  // A key id the venue does not know.
  absl::StatusOr<ks::RequestSigner> unknown =
      ks::RequestSigner::FromPemString("key-c", Keys()[2].private_pem);
  ASSERT_TRUE(unknown.ok());
  // The right key, but a clock a minute ahead of the venue's.
  SimulatedClock ahead(clock_.Now() + absl::Minutes(1));
  std::vector<std::unique_ptr<ks::RestClient>> clients;
  clients.push_back(Client(&*forged, &clock_));
  clients.push_back(Client(&*unknown, &clock_));
  clients.push_back(Client(signer_a_.get(), &ahead));
  for (const auto& client : clients) {
    absl::StatusOr<ks::RestBalance> balance = client->GetBalance();
    EXPECT_EQ(balance.status().code(), absl::StatusCode::kUnauthenticated) << balance.status();
    absl::StatusOr<ks::RestOrder> order =
        client->CreateOrder(MakeOrder(ks::Side::kYes, P("0.02"), 1, "x"));
    EXPECT_EQ(order.status().code(), absl::StatusCode::kUnauthenticated) << order.status();
  }
  // No key at all: refused locally.
  EXPECT_EQ(public_->GetBalance().status().code(), absl::StatusCode::kFailedPrecondition);
  // Nothing reached the engine.
  EXPECT_TRUE(Engine().OpenOrders(KalshiTrading::AccountOf("key-a")).empty());
  EXPECT_TRUE(a_->GetOrders({})->items.empty());

  // The verifier itself: a signature over another path does not verify.
  const int64_t now_ms = absl::ToUnixMillis(clock_.Now());
  const std::string sig = *signer_a_->Sign(ks::SigningMessage(now_ms, "GET", "/trade-api/v2/x"));
  EXPECT_TRUE(
      trading_
          ->Authenticate("key-a", std::to_string(now_ms), sig, "GET", "/trade-api/v2/x?q=1", now_ms)
          .ok());
  EXPECT_EQ(
      trading_->Authenticate("key-a", std::to_string(now_ms), sig, "GET", "/trade-api/v2/y", now_ms)
          .status()
          .code(),
      absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(trading_->RegisterKey("key-a", Keys()[0].public_pem).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(trading_->RegisterKey("key-z", "not a pem").code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(KalshiTradingTest, UnknownTickerIsNotFound) {
  EXPECT_EQ(public_->GetMarket("NOPE-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(public_->GetOrderbook("NOPE-1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(public_->GetEvent("NOPE").status().code(), absl::StatusCode::kNotFound);
  ks::CreateOrderParams p = MakeOrder(ks::Side::kYes, P("0.50"), 1, "n-1");
  p.ticker = "NOPE-1";
  absl::StatusOr<ks::RestOrder> order = a_->CreateOrder(p);
  EXPECT_EQ(order.status().code(), absl::StatusCode::kNotFound) << order.status();
  EXPECT_NE(std::string(order.status().message()).find("not_found"), std::string::npos);
  EXPECT_EQ(a_->GetOrder("00000000-0000-4000-8000-000000000000").status().code(),
            absl::StatusCode::kNotFound);
}

// Resolution closes the market: resting orders are canceled, the market reads "determined" with
// its result, and new orders are refused with market_closed.
TEST_F(KalshiTradingTest, ResolvedMarketCancelsRestingOrdersAndRefusesNewOnes) {
  absl::StatusOr<ks::RestOrder> rest =
      a_->CreateOrder(MakeOrder(ks::Side::kYes, P("0.02"), 5, "r-1"));
  ASSERT_TRUE(rest.ok()) << rest.status();
  std::promise<absl::StatusOr<std::vector<uint64_t>>> resolved;
  boost::asio::post(io_, [&] { resolved.set_value(exchange_->ResolveKalshiMarket(kTwin, 1, 7)); });
  absl::StatusOr<std::vector<uint64_t>> canceled = resolved.get_future().get();
  ASSERT_TRUE(canceled.ok()) << canceled.status();
  EXPECT_EQ(canceled->size(), 3u);  // the maker's two quotes and ours
  absl::StatusOr<ks::RestOrder> after = a_->GetOrder(rest->order_id);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->status, "canceled");
  absl::StatusOr<ks::RestMarket> market = public_->GetMarket(Ticker());
  ASSERT_TRUE(market.ok()) << market.status();
  EXPECT_EQ(market->status, "determined");
  EXPECT_EQ(market->result, "no");
  absl::StatusOr<ks::RestOrder> refused =
      a_->CreateOrder(MakeOrder(ks::Side::kYes, P("0.02"), 5, "r-2"));
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("market_closed"), std::string::npos)
      << refused.status();
}

// A server that reads the request and closes without answering: the order may have reached the
// venue, so the client must say "outcome unknown" (and a 5xx on create means the same).
TEST(KalshiRestClientTransportTest, DropAfterSendAnd5xxOnCreateAreOutcomeUnknown) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t drop_port = acceptor.local_endpoint().port();
  std::thread dropper([&acceptor] {
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket socket = acceptor.accept(ec);
    if (ec) return;
    char buf[4096];
    socket.read_some(boost::asio::buffer(buf), ec);  // the request has been sent
    socket.close(ec);
  });
  HttpServer failing(io, HttpServerOptions{});
  failing.Route("POST", "/trade-api/v2/portfolio/orders", [](const HttpRequest&) {
    return HttpReply::Json(503, R"({"error":{"code":"service_unavailable","message":"down"}})");
  });
  ASSERT_TRUE(failing.Start().ok());
  std::thread io_thread([&io] { io.run(); });

  absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
  ASSERT_TRUE(http.ok());
  SimulatedClock clock(absl::FromUnixSeconds(1'790'000'000));
  absl::StatusOr<ks::RequestSigner> signer =
      ks::RequestSigner::FromPemString("key-a", Keys()[0].private_pem);
  ASSERT_TRUE(signer.ok());
  ks::CreateOrderParams order;
  order.ticker = "SIM-00001";
  order.count = Q(1);
  order.price = P("0.40");
  order.client_order_id = "t-1";

  ks::RestClient dropped(http->get(), net::Origin{false, "127.0.0.1", drop_port}, &*signer, &clock);
  absl::StatusOr<ks::RestOrder> lost = dropped.CreateOrder(order);
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnknown) << lost.status();
  EXPECT_TRUE(ks::IsOutcomeUnknown(lost.status()));
  EXPECT_NE(std::string(lost.status().message()).find("outcome unknown"), std::string::npos);
  dropper.join();

  ks::RestClient down(http->get(), net::Origin{false, "127.0.0.1", failing.port()}, &*signer,
                      &clock);
  absl::StatusOr<ks::RestOrder> unknown = down.CreateOrder(order);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnknown) << unknown.status();
  EXPECT_NE(std::string(unknown.status().message()).find("outcome unknown"), std::string::npos);

  // Nothing listening: nothing was sent, so the order certainly does not exist.
  acceptor.close();
  ks::RestClient refused(http->get(), net::Origin{false, "127.0.0.1", drop_port}, &*signer, &clock);
  EXPECT_EQ(refused.CreateOrder(order).status().code(), absl::StatusCode::kUnavailable);

  http->reset();
  boost::asio::post(io, [&failing] { failing.Stop(); });
  io.stop();
  io_thread.join();
}

}  // namespace
}  // namespace arbor::sim
