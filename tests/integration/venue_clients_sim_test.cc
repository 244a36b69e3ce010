// Our production venue clients against the real simulator process: arbor-venue-sim is started
// as a child on free ports, and the Polymarket TradingClient / PublicClient and the Kalshi
// RestClient trade on it over loopback exactly as they would on the venues (L1/L2 auth,
// EIP-712 orders, RSA-PSS requests). The simulator's admin API is the ground truth the clients'
// views are checked against. Steps are driven through POST /admin/step (the step timer is set
// far out) so the books do not move under the test.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "arbor/core/clock.h"
#include "arbor/core/status_macros.h"
#include "arbor/net/http_client.h"
#include "arbor/testing/child_process.h"
#include "arbor/testing/rsa_key.h"
#include "arbor/venue/kalshi/auth.h"
#include "arbor/venue/kalshi/rest_client.h"
#include "arbor/venue/polymarket/order_amounts.h"
#include "arbor/venue/polymarket/order_signer.h"
#include "arbor/venue/polymarket/public_client.h"
#include "arbor/venue/polymarket/secp256k1_signer.h"
#include "arbor/venue/polymarket/trading_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor {
namespace {

namespace pm = ::arbor::venue::polymarket;
namespace ks = ::arbor::venue::kalshi;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kKeyA[] = "0x1111111111111111111111111111111111111111111111111111111111111111";
constexpr char kKeyB[] = "0x2222222222222222222222222222222222222222222222222222222222222222";

using testing::MakeRsaKey;
using testing::RsaKey;

class VenueClientsSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/arbor_venue_clients_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    kalshi_a_ = new RsaKey(MakeRsaKey(*dir_, "a"));
    kalshi_b_ = new RsaKey(MakeRsaKey(*dir_, "b"));
    absl::StatusOr<testing::ChildProcess> child = testing::ChildProcess::Start(
        {ARBOR_VENUE_SIM_BINARY, "--scenario", std::string(ARBOR_SCENARIO_DIR) + "/default.json",
         "--step-ms", "3600000", "--kalshi-key", "kalshi-a=" + kalshi_a_->public_pem_file,
         "--kalshi-key", "kalshi-b=" + kalshi_b_->public_pem_file});
    ASSERT_TRUE(child.ok()) << child.status();
    sim_ = new testing::ChildProcess(std::move(*child));
    absl::StatusOr<std::string> ready = sim_->ReadLine();
    ASSERT_TRUE(ready.ok()) << ready.status();
    ready_ = new std::string(*ready);
  }
  static void TearDownTestSuite() {
    if (sim_ != nullptr) {
      EXPECT_EQ(sim_->Stop(SIGTERM), 0) << "the simulator must exit cleanly";
    }
    delete sim_;
    sim_ = nullptr;
    if (dir_ != nullptr) {
      testing::RemoveRsaKeyFiles(*kalshi_a_);
      testing::RemoveRsaKeyFiles(*kalshi_b_);
      rmdir(dir_->c_str());
    }
  }

  void SetUp() override {
    ASSERT_NE(ready_, nullptr);
    absl::StatusOr<std::unique_ptr<net::HttpClient>> http = net::HttpClient::Create({});
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
  }

  static net::Origin Port(const std::string& key) {
    return net::Origin{.tls = false,
                       .host = "127.0.0.1",
                       .port = static_cast<uint16_t>(testing::JsonIntField(*ready_, key))};
  }

  // POST /admin/step: one exchange step, as the step timer would run it.
  void Step() {
    absl::StatusOr<net::HttpResponse> r =
        http_->Send(Port("admin_port"), {.method = "POST", .target = "/admin/step"});
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->status, 200) << r->body;
  }

  std::string AdminGet(const std::string& target) {
    absl::StatusOr<net::HttpResponse> r = http_->Send(Port("admin_port"), {.target = target});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->body : "";
  }

  static std::string* dir_;
  static RsaKey* kalshi_a_;
  static RsaKey* kalshi_b_;
  static testing::ChildProcess* sim_;
  static std::string* ready_;
  std::unique_ptr<net::HttpClient> http_;
  const Clock& clock_ = SystemClock::Get();
};

std::string* VenueClientsSimTest::dir_ = nullptr;
RsaKey* VenueClientsSimTest::kalshi_a_ = nullptr;
RsaKey* VenueClientsSimTest::kalshi_b_ = nullptr;
testing::ChildProcess* VenueClientsSimTest::sim_ = nullptr;
std::string* VenueClientsSimTest::ready_ = nullptr;

// A Polymarket trader: wallet key, signer and trading client with API credentials.
struct PmTrader {
  std::unique_ptr<pm::Secp256k1Signer> key;
  std::unique_ptr<pm::TradingClient> client;
};

// A standalone market with a 0.01 tick whose book leaves room for a price strictly between the
// best bid and the best ask, found with the public client.
struct PmMarket {
  std::string condition_id;
  std::string yes_token;
  std::string no_token;
  Price inside;  // best bid + tick, below the best ask
};

TEST_F(VenueClientsSimTest, PolymarketClientsCreateKeysReadBooksTradeListAndCancel) {
  pm::PublicClient pub(http_.get(), Port("clob_port"), Port("gamma_port"));
  absl::StatusOr<int> version = pub.GetVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 2);

  // Pick a market through Gamma and the CLOB book, as a feed would.
  absl::StatusOr<std::vector<pm::GammaMarket>> markets = pub.GetGammaMarkets(0, 100);
  ASSERT_TRUE(markets.ok()) << markets.status();
  std::optional<PmMarket> chosen;
  const Price tick = *Price::Parse("0.01");
  for (const pm::GammaMarket& m : *markets) {
    if (m.neg_risk || m.clob_token_ids.size() != 2 || m.order_price_min_tick_size != tick) continue;
    absl::StatusOr<pm::BookSummary> book = pub.GetBook(m.clob_token_ids[0]);
    ASSERT_TRUE(book.ok()) << book.status();
    if (book->bids.empty() || book->asks.empty()) continue;
    Price best_bid = book->bids[0].level.price;
    Price best_ask = book->asks[0].level.price;
    for (const pm::SummaryLevel& l : book->bids) best_bid = std::max(best_bid, l.level.price);
    for (const pm::SummaryLevel& l : book->asks) best_ask = std::min(best_ask, l.level.price);
    if (best_bid + tick < best_ask) {
      chosen = PmMarket{m.condition_id, m.clob_token_ids[0], m.clob_token_ids[1], best_bid + tick};
      break;
    }
  }
  ASSERT_TRUE(chosen.has_value()) << "no market with room inside the spread";

  auto make_trader = [&](const char* hex) {
    PmTrader t;
    t.key = std::move(*pm::Secp256k1Signer::FromHex(hex));
    t.client =
        std::make_unique<pm::TradingClient>(http_.get(), Port("clob_port"), t.key.get(), &clock_);
    absl::StatusOr<pm::ApiCredentials> creds = t.client->CreateOrDeriveApiKey();
    EXPECT_TRUE(creds.ok()) << creds.status();
    if (creds.ok()) {
      EXPECT_TRUE(t.client->SetCredentials(*creds).ok());
    }
    return t;
  };
  PmTrader a = make_trader(kKeyA);
  PmTrader b = make_trader(kKeyB);
  ASSERT_TRUE(a.client->has_credentials() && b.client->has_credentials());
  absl::StatusOr<pm::BalanceAllowance> cash_before =
      a.client->GetBalanceAllowance(pm::AssetType::kCollateral);
  ASSERT_TRUE(cash_before.ok()) << cash_before.status();
  ASSERT_TRUE(cash_before->balance_base_units.has_value());

  uint64_t salt = 1;
  auto post = [&](PmTrader& t, const std::string& token, pm::OrderSide side, Price price,
                  Quantity size) -> absl::StatusOr<pm::OrderResponse> {
    absl::StatusOr<pm::RawAmounts> amounts =
        pm::LimitOrderAmounts(side, price, size, pm::TickSize::k0_01);
    if (!amounts.ok()) return amounts.status();
    pm::OrderV2 order;
    order.salt = salt++;
    order.maker = t.key->address();
    order.signer = t.key->address();
    order.token_id = token;
    order.maker_amount = amounts->maker_amount;
    order.taker_amount = amounts->taker_amount;
    order.side = side;
    order.timestamp_ms = static_cast<uint64_t>(absl::ToUnixMillis(clock_.Now()));
    pm::SignedOrderV2 signed_order;
    ARBOR_RETURN_IF_ERROR(
        pm::OrderSigner(t.key.get())
            .Sign(*pm::MakeExchangeDomain(137, *version, false), order, &signed_order));
    return t.client->PostOrder({.order = &order, .signed_order = &signed_order});
  };

  // A rests a BUY YES inside the spread; it is listed as open.
  const Quantity size = Quantity::FromUnits(10);
  absl::StatusOr<pm::OrderResponse> resting =
      post(a, chosen->yes_token, pm::OrderSide::kBuy, chosen->inside, size);
  ASSERT_TRUE(resting.ok()) << resting.status();
  ASSERT_TRUE(resting->Accepted()) << resting->error_msg;
  EXPECT_EQ(resting->status, "live");
  absl::StatusOr<std::vector<pm::OrderEvent>> open = a.client->GetOpenOrders();
  ASSERT_TRUE(open.ok()) << open.status();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].id, resting->order_id);
  EXPECT_EQ((*open)[0].price, chosen->inside);

  // The book shows it as the new best bid.
  absl::StatusOr<pm::BookSummary> book = pub.GetBook(chosen->yes_token);
  ASSERT_TRUE(book.ok());
  bool seen = false;
  for (const pm::SummaryLevel& l : book->bids) seen |= l.level.price == chosen->inside;
  EXPECT_TRUE(seen);

  // B buys NO at 1 - p: the CTF exchange mints a set against A's bid, at A's price.
  absl::StatusOr<pm::OrderResponse> taker =
      post(b, chosen->no_token, pm::OrderSide::kBuy, Complement(chosen->inside), size);
  ASSERT_TRUE(taker.ok()) << taker.status();
  ASSERT_TRUE(taker->Accepted()) << taker->error_msg;
  EXPECT_EQ(taker->status, "matched");
  absl::StatusOr<std::vector<pm::TradeEvent>> a_trades = a.client->GetTrades();
  absl::StatusOr<std::vector<pm::TradeEvent>> b_trades = b.client->GetTrades();
  ASSERT_TRUE(a_trades.ok() && b_trades.ok());
  ASSERT_EQ(a_trades->size(), 1u);
  ASSERT_EQ(b_trades->size(), 1u);
  EXPECT_EQ((*a_trades)[0].size, size);
  open = a.client->GetOpenOrders();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty()) << "A's order was filled";
  // A paid exactly price x size (a maker pays no fee).
  absl::StatusOr<pm::BalanceAllowance> cash_after =
      a.client->GetBalanceAllowance(pm::AssetType::kCollateral);
  ASSERT_TRUE(cash_after.ok());
  EXPECT_EQ(*cash_before->balance_base_units - *cash_after->balance_base_units,
            Notional(chosen->inside, size, Rounding::kExact).micros());
  // The ground truth saw the same trade between the two wallets.
  const std::string truth = AdminGet("/admin/trades?limit=1000");
  EXPECT_THAT(truth, HasSubstr(absl::StrCat("\"price\":\"", Complement(chosen->inside).ToString(),
                                            "\",\"size\":\"10\",", "\"taker\":\"",
                                            pm::ToHex(b.key->address()), "\",\"maker\":\"",
                                            pm::ToHex(a.key->address()), "\",\"kind\":\"mint\"")));

  // A rests two more orders, cancels one by id and the rest with cancel-all.
  absl::StatusOr<pm::OrderResponse> o1 =
      post(a, chosen->yes_token, pm::OrderSide::kBuy, *Price::Parse("0.01"), size);
  absl::StatusOr<pm::OrderResponse> o2 =
      post(a, chosen->yes_token, pm::OrderSide::kBuy, *Price::Parse("0.02"), size);
  ASSERT_TRUE(o1.ok() && o2.ok());
  ASSERT_TRUE(o1->Accepted() && o2->Accepted());
  absl::StatusOr<pm::CancelResponse> canceled = a.client->CancelOrder(o1->order_id);
  ASSERT_TRUE(canceled.ok()) << canceled.status();
  EXPECT_THAT(canceled->canceled, Contains(o1->order_id));
  // Canceling it again is reported as not canceled, with a reason.
  absl::StatusOr<pm::CancelResponse> again = a.client->CancelOrder(o1->order_id);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->canceled.empty());
  EXPECT_EQ(again->not_canceled.size(), 1u);
  Step();  // the exchange moves on; A's remaining order stays live
  open = a.client->GetOpenOrders();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].id, o2->order_id);
  absl::StatusOr<pm::CancelResponse> all = a.client->CancelAll();
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(all->canceled, Contains(o2->order_id));
  open = a.client->GetOpenOrders();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());

  // An order the venue refuses (not enough cash) is a rejection, not an unknown outcome.
  absl::StatusOr<pm::OrderResponse> too_big =
      post(a, chosen->yes_token, pm::OrderSide::kBuy, *Price::Parse("0.50"),
           Quantity::FromUnits(100'000'000));
  ASSERT_FALSE(too_big.ok());
  EXPECT_FALSE(pm::IsOutcomeUnknown(too_big.status())) << too_big.status();
}

TEST_F(VenueClientsSimTest, KalshiClientListsMarketsTradesAndCancelsWithSignedRequests) {
  auto signer_a = ks::RequestSigner::FromPemString("kalshi-a", kalshi_a_->private_pem);
  auto signer_b = ks::RequestSigner::FromPemString("kalshi-b", kalshi_b_->private_pem);
  ASSERT_TRUE(signer_a.ok() && signer_b.ok());
  ks::RestClient a(http_.get(), Port("kalshi_port"), &*signer_a, &clock_);
  ks::RestClient b(http_.get(), Port("kalshi_port"), &*signer_b, &clock_);

  absl::StatusOr<std::vector<ks::RestMarket>> markets = a.GetAllMarkets({.limit = 50});
  ASSERT_TRUE(markets.ok()) << markets.status();
  EXPECT_EQ(static_cast<int>(markets->size()), testing::JsonIntField(*ready_, "kalshi_markets"));

  // A market whose YES bid leaves room below the YES ask (1 - best NO bid).
  const Price cent = *Price::Parse("0.01");
  std::string ticker;
  Price inside;
  for (const ks::RestMarket& m : *markets) {
    absl::StatusOr<ks::RestOrderbook> book = a.GetOrderbook(m.ticker);
    ASSERT_TRUE(book.ok()) << book.status();
    if (book->yes.empty() || book->no.empty()) continue;
    const Price yes_bid = book->yes[0].price;
    const Price yes_ask = Complement(book->no[0].price);
    if (yes_bid + cent < yes_ask) {
      ticker = m.ticker;
      inside = yes_bid + cent;
      break;
    }
  }
  ASSERT_FALSE(ticker.empty()) << "no Kalshi market with room inside the spread";

  absl::StatusOr<ks::RestBalance> before = a.GetBalance();
  ASSERT_TRUE(before.ok()) << before.status();
  const Quantity count = Quantity::FromUnits(10);
  absl::StatusOr<ks::RestOrder> resting = a.CreateOrder({.ticker = ticker,
                                                         .side = ks::Side::kYes,
                                                         .action = ks::Action::kBuy,
                                                         .count = count,
                                                         .price = inside,
                                                         .client_order_id = "it-a-1"});
  ASSERT_TRUE(resting.ok()) << resting.status();
  EXPECT_EQ(resting->status, "resting");
  absl::StatusOr<ks::RestPage<ks::RestOrder>> orders = a.GetOrders({.status = "resting"});
  ASSERT_TRUE(orders.ok());
  ASSERT_EQ(orders->items.size(), 1u);
  EXPECT_EQ(orders->items[0].order_id, resting->order_id);
  absl::StatusOr<ks::RestOrderbook> book = a.GetOrderbook(ticker);
  ASSERT_TRUE(book.ok());
  EXPECT_EQ(book->yes[0].price, inside);

  // The same client_order_id again is refused as a duplicate, not an unknown outcome.
  absl::StatusOr<ks::RestOrder> dup = a.CreateOrder({.ticker = ticker,
                                                     .side = ks::Side::kYes,
                                                     .action = ks::Action::kBuy,
                                                     .count = count,
                                                     .price = *Price::Parse("0.01"),
                                                     .client_order_id = "it-a-1"});
  ASSERT_FALSE(dup.ok());
  EXPECT_FALSE(ks::IsOutcomeUnknown(dup.status()));

  // B buys NO at 1 - p and trades against A's YES bid.
  absl::StatusOr<ks::RestOrder> taker = b.CreateOrder({.ticker = ticker,
                                                       .side = ks::Side::kNo,
                                                       .action = ks::Action::kBuy,
                                                       .count = count,
                                                       .price = Complement(inside),
                                                       .client_order_id = "it-b-1"});
  ASSERT_TRUE(taker.ok()) << taker.status();
  EXPECT_EQ(taker->status, "executed");
  absl::StatusOr<ks::RestPage<ks::RestFill>> a_fills = a.GetFills({});
  absl::StatusOr<ks::RestPage<ks::RestFill>> b_fills = b.GetFills({});
  ASSERT_TRUE(a_fills.ok() && b_fills.ok());
  ASSERT_EQ(a_fills->items.size(), 1u);
  ASSERT_EQ(b_fills->items.size(), 1u);
  EXPECT_FALSE(a_fills->items[0].is_taker);
  EXPECT_TRUE(b_fills->items[0].is_taker);
  EXPECT_EQ(a_fills->items[0].count, count);
  EXPECT_EQ(a_fills->items[0].yes_price, inside);
  absl::StatusOr<ks::RestBalance> after = a.GetBalance();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(before->balance - after->balance, Notional(inside, count, Rounding::kExact))
      << "the maker pays price x count and no fee";

  // A rests another bid and cancels it; canceling again is NotFound (no longer resting).
  absl::StatusOr<ks::RestOrder> low = a.CreateOrder({.ticker = ticker,
                                                     .side = ks::Side::kYes,
                                                     .action = ks::Action::kBuy,
                                                     .count = count,
                                                     .price = cent,
                                                     .client_order_id = "it-a-2"});
  ASSERT_TRUE(low.ok()) << low.status();
  absl::StatusOr<ks::RestCancel> canceled = a.CancelOrder(low->order_id);
  ASSERT_TRUE(canceled.ok()) << canceled.status();
  EXPECT_EQ(canceled->order.status, "canceled");
  EXPECT_EQ(canceled->reduced_by, count);
  EXPECT_FALSE(a.CancelOrder(low->order_id).ok());
  orders = a.GetOrders({.status = "resting"});
  ASSERT_TRUE(orders.ok());
  EXPECT_TRUE(orders->items.empty());

  // A request signed with an unregistered key id is refused as unauthenticated.
  auto stranger = ks::RequestSigner::FromPemString("nobody", kalshi_a_->private_pem);
  ASSERT_TRUE(stranger.ok());
  ks::RestClient c(http_.get(), Port("kalshi_port"), &*stranger, &clock_);
  EXPECT_EQ(c.GetBalance().status().code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace arbor
