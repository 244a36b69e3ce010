// The executor's venue gateways (PolymarketGateway, KalshiGateway) against the real simulator
// process: arbor-venue-sim is started as a child on free ports and the gateways place, query,
// list and cancel orders over loopback exactly as they would on the venues (EIP-712 V2 orders
// and L2 HMAC auth; RSA-PSS signed Kalshi requests). Every test uses its own account, so the
// balances it checks move only with its own orders. Steps are driven only on demand (the step
// timer is set far out), so the books do not move under a test.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/exec/venue_gateway.h"
#include "arbor/executor/kalshi_gateway.h"
#include "arbor/executor/polymarket_gateway.h"
#include "arbor/net/http_client.h"
#include "arbor/testing/child_process.h"
#include "arbor/testing/rsa_key.h"
#include "arbor/venue/kalshi/rest_client.h"
#include "arbor/venue/polymarket/public_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor {
namespace {

namespace pm = ::arbor::venue::polymarket;
namespace ks = ::arbor::venue::kalshi;
using exec::OrderRequest;
using exec::TimeInForce;
using exec::VenueFill;
using exec::VenueOrderReport;
using exec::VenueOrderState;
using executor::KalshiGateway;
using executor::PolymarketGateway;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using testing::MakeRsaKey;
using ::testing::Not;
using testing::RsaKey;
using ::testing::StartsWith;

// One wallet per Polymarket test (each is funded with the simulator's initial balance once).
constexpr char kPmKeyFak[] = "0x3333333333333333333333333333333333333333333333333333333333333333";
constexpr char kPmKeyGtc[] = "0x4444444444444444444444444444444444444444444444444444444444444444";
constexpr char kPmKeyReject[] =
    "0x5555555555555555555555555555555555555555555555555555555555555555";
constexpr char kPmKeyBatch[] = "0x6666666666666666666666666666666666666666666666666666666666666666";
constexpr char kPmKeyNegRisk[] =
    "0x7777777777777777777777777777777777777777777777777777777777777777";
constexpr char kPmKeyTick[] = "0x8888888888888888888888888888888888888888888888888888888888888888";
// The simulator's PolymarketTradingOptions::initial_balance and KalshiTradingOptions's.
constexpr int64_t kPmInitialCash = 100'000'000'000;
constexpr int64_t kKalshiInitialCash = 10'000'000'000;
// Kalshi accounts registered with the simulator at start (one per Kalshi test).
const char* const kKalshiKeys[] = {"gw-fak", "gw-gtc", "gw-reject"};

const Price kCent = Price::FromMicros(10'000);

std::string_view Name(VenueOrderState s) { return exec::VenueOrderStateName(s); }

int64_t SumSizes(const std::vector<VenueFill>& fills) {
  int64_t sum = 0;
  for (const VenueFill& f : fills) sum += f.size_micros;
  return sum;
}

std::vector<std::string> TradeIds(const std::vector<VenueFill>& fills) {
  std::vector<std::string> ids;
  for (const VenueFill& f : fills) ids.push_back(f.trade_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// What the account paid for its fills: price x size plus fees.
int64_t Cost(const std::vector<VenueFill>& fills) {
  int64_t cost = 0;
  for (const VenueFill& f : fills) {
    cost += Notional(Price::FromMicros(f.price_micros), Quantity::FromMicros(f.size_micros),
                     Rounding::kUp)
                .micros() +
            f.fee_micros;
  }
  return cost;
}

const VenueOrderReport* FindVenueId(const std::vector<VenueOrderReport>& reports,
                                    const std::string& venue_order_id) {
  for (const VenueOrderReport& r : reports) {
    if (r.venue_order_id == venue_order_id) return &r;
  }
  return nullptr;
}

OrderRequest Request(std::string client_order_id, std::string symbol, bool buy, Price price,
                     Quantity size, TimeInForce tif) {
  OrderRequest r;
  r.client_order_id = std::move(client_order_id);
  r.symbol = std::move(symbol);
  r.buy = buy;
  r.price_micros = price.micros();
  r.size_micros = size.micros();
  r.tif = tif;
  r.created_unix_ms = absl::ToUnixMillis(SystemClock::Get().Now());
  r.tick_size_micros = 10'000;
  return r;
}

// The marketable FAK report invariants shared by both venues: it traded, as a taker, at or
// better than the limit, and its fills add up to its filled size.
void ExpectTakerFills(const VenueOrderReport& r, const OrderRequest& req, bool fee_market = true) {
  EXPECT_THAT(r.state, AnyOf(VenueOrderState::kFilled, VenueOrderState::kCanceled))
      << Name(r.state) << " " << r.reason;
  EXPECT_GT(r.filled_size_micros, 0);
  EXPECT_LE(r.filled_size_micros, req.size_micros);
  if (r.state == VenueOrderState::kFilled) {
    EXPECT_EQ(r.filled_size_micros, req.size_micros);
  }
  ASSERT_FALSE(r.fills.empty());
  EXPECT_EQ(SumSizes(r.fills), r.filled_size_micros);
  absl::flat_hash_set<std::string> ids;
  for (const VenueFill& f : r.fills) {
    EXPECT_FALSE(f.trade_id.empty());
    EXPECT_TRUE(ids.insert(f.trade_id).second) << "duplicate trade id " << f.trade_id;
    EXPECT_FALSE(f.maker);
    EXPECT_GT(f.price_micros, 0);
    EXPECT_LE(f.price_micros, req.price_micros) << "a buy fills at or below its limit";
    if (fee_market) {
      EXPECT_GT(f.fee_micros, 0) << "takers pay a fee on these markets";
    }
    EXPECT_GT(f.ts_event_unix_nanos, 0);
  }
}

class VenueGatewaysSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/arbor_venue_gateways_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = new std::string(tmpl);
    keys_ = new std::vector<RsaKey>();
    std::vector<std::string> argv = {ARBOR_VENUE_SIM_BINARY, "--scenario",
                                     std::string(ARBOR_SCENARIO_DIR) + "/default.json", "--step-ms",
                                     "3600000"};
    for (const char* name : kKalshiKeys) {
      keys_->push_back(MakeRsaKey(*dir_, name));
      argv.push_back("--kalshi-key");
      argv.push_back(absl::StrCat(name, "=", keys_->back().public_pem_file));
    }
    absl::StatusOr<testing::ChildProcess> child = testing::ChildProcess::Start(argv);
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
    if (keys_ != nullptr) {
      for (const RsaKey& k : *keys_) testing::RemoveRsaKeyFiles(k);
    }
    if (dir_ != nullptr) rmdir(dir_->c_str());
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

  std::unique_ptr<PolymarketGateway> Polymarket(const char* key_hex) {
    executor::PolymarketGatewayConfig config;
    config.clob = Port("clob_port");
    config.private_key_hex = key_hex;
    absl::StatusOr<std::unique_ptr<PolymarketGateway>> gw =
        PolymarketGateway::Create(http_.get(), &clock_, std::move(config));
    EXPECT_TRUE(gw.ok()) << gw.status();
    return gw.ok() ? std::move(*gw) : nullptr;
  }

  std::unique_ptr<KalshiGateway> Kalshi(size_t key_index) {
    executor::KalshiGatewayConfig config;
    config.origin = Port("kalshi_port");
    config.api_key_id = kKalshiKeys[key_index];
    config.private_key_pem = (*keys_)[key_index].private_pem;
    absl::StatusOr<std::unique_ptr<KalshiGateway>> gw =
        KalshiGateway::Create(http_.get(), &clock_, std::move(config));
    EXPECT_TRUE(gw.ok()) << gw.status();
    return gw.ok() ? std::move(*gw) : nullptr;
  }

  // A standalone Polymarket market with a 0.01 tick, taker fees, a YES book with at least 10
  // shares at the best ask, and a best bid high enough that a YES bid at 0.02 rests far from
  // anything it could match (directly or against a NO bid at 0.98).
  struct PmMarket {
    std::string yes_token;
    std::string no_token;
    Price best_bid;
    Price best_ask;
  };
  std::optional<PmMarket> FindPolymarketMarket() {
    pm::PublicClient pub(http_.get(), Port("clob_port"), Port("gamma_port"));
    absl::StatusOr<std::vector<pm::GammaMarket>> markets = pub.GetGammaMarkets(0, 100);
    EXPECT_TRUE(markets.ok()) << markets.status();
    if (!markets.ok()) return std::nullopt;
    for (const pm::GammaMarket& m : *markets) {
      if (m.neg_risk || m.clob_token_ids.size() != 2 || m.order_price_min_tick_size != kCent ||
          !m.fee_schedule || m.fee_schedule->rate_micros == 0 || m.fee_schedule->exponent != 1) {
        continue;
      }
      absl::StatusOr<pm::BookSummary> book = pub.GetBook(m.clob_token_ids[0]);
      if (!book.ok() || book->bids.empty() || book->asks.empty()) continue;
      // Levels come in wire order (the venue sends the best last): take the extremes.
      Price bid = Price::Zero();
      Price ask = Price::Max();
      Quantity ask_size;
      for (const pm::SummaryLevel& l : book->bids) bid = std::max(bid, l.level.price);
      for (const pm::SummaryLevel& l : book->asks) {
        if (l.level.price < ask) {
          ask = l.level.price;
          ask_size = l.level.size;
        }
      }
      if (bid >= *Price::Parse("0.10") && ask <= *Price::Parse("0.90") &&
          ask_size >= Quantity::FromUnits(10)) {
        return PmMarket{m.clob_token_ids[0], m.clob_token_ids[1], bid, ask};
      }
    }
    return std::nullopt;
  }

  // A YES token of a market `want` accepts with at least 10 shares at an ask <= 0.90 (for which
  // `ask_ok` holds): the token and that ask.
  std::optional<std::pair<std::string, Price>> FindYesAsk(
      const std::function<bool(const pm::GammaMarket&)>& want,
      const std::function<bool(Price)>& ask_ok = [](Price) { return true; }) {
    pm::PublicClient pub(http_.get(), Port("clob_port"), Port("gamma_port"));
    for (int offset = 0; offset < 2000; offset += 100) {
      absl::StatusOr<std::vector<pm::GammaMarket>> markets = pub.GetGammaMarkets(offset, 100);
      if (!markets.ok() || markets->empty()) break;
      for (const pm::GammaMarket& m : *markets) {
        if (m.clob_token_ids.size() != 2 || !want(m)) continue;
        absl::StatusOr<pm::BookSummary> book = pub.GetBook(m.clob_token_ids[0]);
        if (!book.ok()) continue;
        for (const pm::SummaryLevel& l : book->asks) {
          if (l.level.price <= *Price::Parse("0.90") && l.level.size >= Quantity::FromUnits(10) &&
              ask_ok(l.level.price)) {
            return std::make_pair(m.clob_token_ids[0], l.level.price);
          }
        }
      }
    }
    return std::nullopt;
  }

  // A Kalshi market whose YES bid is at least 0.10 and whose YES ask (1 - best NO bid) has at
  // least 10 contracts, and likewise for the NO side.
  struct KsMarket {
    std::string ticker;
    Price yes_bid;
    Price yes_ask;
  };
  std::optional<KsMarket> FindKalshiMarket() {
    ks::RestClient pub(http_.get(), Port("kalshi_port"), nullptr, &clock_);
    absl::StatusOr<std::vector<ks::RestMarket>> markets = pub.GetAllMarkets({.limit = 50});
    EXPECT_TRUE(markets.ok()) << markets.status();
    if (!markets.ok()) return std::nullopt;
    for (const ks::RestMarket& m : *markets) {
      absl::StatusOr<ks::RestOrderbook> book = pub.GetOrderbook(m.ticker);
      if (!book.ok() || book->yes.empty() || book->no.empty()) continue;
      const Price yes_bid = book->yes[0].price;
      const Price yes_ask = Complement(book->no[0].price);
      // yes_bid != 0.50 so that a YES price and a NO price of a fill cannot coincide.
      if (yes_bid >= *Price::Parse("0.10") && yes_ask <= *Price::Parse("0.90") &&
          yes_bid * 2 != kPriceOne && book->yes[0].count >= Quantity::FromUnits(10) &&
          book->no[0].count >= Quantity::FromUnits(10)) {
        return KsMarket{m.ticker, yes_bid, yes_ask};
      }
    }
    return std::nullopt;
  }

  static std::string* dir_;
  static std::vector<RsaKey>* keys_;
  static testing::ChildProcess* sim_;
  static std::string* ready_;
  std::unique_ptr<net::HttpClient> http_;
  const Clock& clock_ = SystemClock::Get();
};

std::string* VenueGatewaysSimTest::dir_ = nullptr;
std::vector<RsaKey>* VenueGatewaysSimTest::keys_ = nullptr;
testing::ChildProcess* VenueGatewaysSimTest::sim_ = nullptr;
std::string* VenueGatewaysSimTest::ready_ = nullptr;

// ---- Polymarket ------------------------------------------------------------------------

TEST_F(VenueGatewaysSimTest, PolymarketMarketableFakBuyFillsAndBalanceDropsByCostAndFees) {
  std::unique_ptr<PolymarketGateway> gw = Polymarket(kPmKeyFak);
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(gw->venue(), Venue::kPolymarket);
  const std::optional<PmMarket> m = FindPolymarketMarket();
  ASSERT_TRUE(m.has_value()) << "no suitable Polymarket market";

  absl::StatusOr<exec::CashBalance> before = gw->Balance();
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->total_micros, kPmInitialCash) << "base units read as micro-pUSD";
  EXPECT_EQ(before->available_micros, kPmInitialCash);

  const OrderRequest req = Request("pm-fak-1", m->yes_token, true, m->best_ask,
                                   Quantity::FromUnits(10), TimeInForce::kFak);
  const std::vector<VenueOrderReport> placed = gw->Place({req});
  ASSERT_EQ(placed.size(), 1u);
  const VenueOrderReport& r = placed[0];
  EXPECT_EQ(r.client_order_id, req.client_order_id);
  absl::StatusOr<std::string> id = gw->OrderId(req);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(r.venue_order_id, *id) << "the venue's order id is the recomputable hash";
  ExpectTakerFills(r, req);

  // Found again from the request alone, with the same fills.
  absl::StatusOr<VenueOrderReport> q = gw->Query(req, "");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->state, r.state) << Name(q->state) << " vs " << Name(r.state);
  EXPECT_EQ(q->venue_order_id, r.venue_order_id);
  EXPECT_EQ(q->filled_size_micros, r.filled_size_micros);
  EXPECT_EQ(TradeIds(q->fills), TradeIds(r.fills));
  EXPECT_EQ(Cost(q->fills), Cost(r.fills));

  // The account paid exactly price x size plus the taker fees the gateway reported.
  absl::StatusOr<exec::CashBalance> after = gw->Balance();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_LT(after->total_micros, before->total_micros);
  EXPECT_EQ(before->total_micros - after->total_micros, Cost(r.fills));
  EXPECT_EQ(after->available_micros, after->total_micros) << "nothing rests";
  // The token balance recovery reconciles the ledger against.
  absl::StatusOr<int64_t> held = gw->PositionOf(m->yes_token);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(*held, r.filled_size_micros);
}

// A binary-lane bundle can sit on one outcome of a NegRisk event: the engine's hint
// (OrderRequest::neg_risk, from the lane) is false, but the venue only accepts the order signed
// for the NegRisk exchange. The gateway asks the venue (GET /neg-risk) and signs accordingly;
// the recomputed id (crash recovery) agrees.
TEST_F(VenueGatewaysSimTest, PolymarketSignsForTheNegRiskExchangeTheVenueNamesNotTheLaneHint) {
  std::unique_ptr<PolymarketGateway> gw = Polymarket(kPmKeyNegRisk);
  ASSERT_NE(gw, nullptr);
  const auto yes = FindYesAsk([](const pm::GammaMarket& m) { return m.neg_risk; });
  ASSERT_TRUE(yes.has_value()) << "no NegRisk outcome with an ask in the scenario";
  OrderRequest req = Request("pm-negrisk-1", yes->first, true, yes->second, Quantity::FromUnits(10),
                             TimeInForce::kFak);
  req.neg_risk = false;  // what the binary lane says
  const std::vector<VenueOrderReport> placed = gw->Place({req});
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_NE(placed[0].state, VenueOrderState::kRejected) << placed[0].reason;
  EXPECT_THAT(placed[0].reason, Not(HasSubstr("signature")));
  ExpectTakerFills(placed[0], req, /*fee_market=*/false);
  absl::StatusOr<std::string> id = gw->OrderId(req);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(placed[0].venue_order_id, *id);
  absl::StatusOr<VenueOrderReport> q = gw->Query(req, "");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->venue_order_id, placed[0].venue_order_id) << "found again from the request alone";
}

// The engine assumes a 0.01 tick; a market on 0.001 prices off it. The gateway asks the venue
// for the token's tick instead of refusing the order ("not on tick 0.01").
TEST_F(VenueGatewaysSimTest, PolymarketPricesOffTheDefaultTickUseTheVenuesTick) {
  std::unique_ptr<PolymarketGateway> gw = Polymarket(kPmKeyTick);
  ASSERT_NE(gw, nullptr);
  const auto yes = FindYesAsk(
      [](const pm::GammaMarket& m) {
        return m.order_price_min_tick_size == *Price::Parse("0.001");
      },
      [](Price ask) { return ask.micros() % 10'000 != 0; });
  ASSERT_TRUE(yes.has_value()) << "no 0.001-tick market with an ask off the 0.01 grid";
  const OrderRequest req = Request("pm-tick-1", yes->first, true, yes->second,
                                   Quantity::FromUnits(10), TimeInForce::kFak);
  ASSERT_EQ(req.tick_size_micros, 10'000) << "the engine's default";
  const std::vector<VenueOrderReport> placed = gw->Place({req});
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_NE(placed[0].state, VenueOrderState::kRejected) << placed[0].reason;
  ExpectTakerFills(placed[0], req, /*fee_market=*/false);
  absl::StatusOr<std::string> id = gw->OrderId(req);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(placed[0].venue_order_id, *id);
}

TEST_F(VenueGatewaysSimTest, PolymarketRestingGtcIsListedFoundByRequestAloneAndCanceled) {
  std::unique_ptr<PolymarketGateway> gw = Polymarket(kPmKeyGtc);
  ASSERT_NE(gw, nullptr);
  const std::optional<PmMarket> m = FindPolymarketMarket();
  ASSERT_TRUE(m.has_value());
  absl::StatusOr<exec::CashBalance> before = gw->Balance();
  ASSERT_TRUE(before.ok()) << before.status();

  const Price low = *Price::Parse("0.02");
  const OrderRequest req =
      Request("pm-gtc-1", m->yes_token, true, low, Quantity::FromUnits(10), TimeInForce::kGtc);
  std::vector<VenueOrderReport> placed = gw->Place({req});
  ASSERT_EQ(placed.size(), 1u);
  const VenueOrderReport r = placed[0];
  ASSERT_EQ(r.state, VenueOrderState::kOpen) << Name(r.state) << " " << r.reason;
  EXPECT_EQ(r.filled_size_micros, 0);
  EXPECT_TRUE(r.fills.empty());
  EXPECT_EQ(r.venue_order_id, *gw->OrderId(req));

  // Listed as open; the venue does not know our client id.
  absl::StatusOr<std::vector<VenueOrderReport>> open = gw->OpenOrders();
  ASSERT_TRUE(open.ok()) << open.status();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].venue_order_id, r.venue_order_id);
  EXPECT_EQ((*open)[0].state, VenueOrderState::kOpen);
  EXPECT_TRUE((*open)[0].client_order_id.empty());

  // Found from the request alone (a crash before the acknowledgement was persisted).
  absl::StatusOr<VenueOrderReport> q = gw->Query(req, "");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->state, VenueOrderState::kOpen);
  EXPECT_EQ(q->venue_order_id, r.venue_order_id);
  EXPECT_EQ(q->client_order_id, req.client_order_id);

  // The resting bid commits price x size of the cash; nothing was spent.
  absl::StatusOr<exec::CashBalance> resting = gw->Balance();
  ASSERT_TRUE(resting.ok()) << resting.status();
  EXPECT_EQ(resting->total_micros, before->total_micros);
  EXPECT_EQ(before->available_micros - resting->available_micros,
            Notional(low, Quantity::FromUnits(10), Rounding::kExact).micros());

  // Sending the same request again cannot create a second order: same hash, same order.
  placed = gw->Place({req});
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].state, VenueOrderState::kOpen) << Name(placed[0].state);
  EXPECT_EQ(placed[0].venue_order_id, r.venue_order_id);
  open = gw->OpenOrders();
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->size(), 1u);

  const VenueOrderReport canceled = gw->Cancel(req, "");
  EXPECT_EQ(canceled.state, VenueOrderState::kCanceled)
      << Name(canceled.state) << " " << canceled.reason;
  EXPECT_EQ(canceled.venue_order_id, r.venue_order_id);
  EXPECT_EQ(canceled.filled_size_micros, 0);

  q = gw->Query(req, "");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->state, VenueOrderState::kCanceled) << Name(q->state);
  q = gw->Query(req, r.venue_order_id);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->state, VenueOrderState::kCanceled) << Name(q->state);
  open = gw->OpenOrders();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());
  resting = gw->Balance();
  ASSERT_TRUE(resting.ok());
  EXPECT_EQ(resting->available_micros, before->available_micros);

  // Canceling again reports the order as it is: still canceled.
  EXPECT_EQ(gw->Cancel(req, r.venue_order_id).state, VenueOrderState::kCanceled);
}

TEST_F(VenueGatewaysSimTest, PolymarketNeverSentIsNotFoundAndRefusedOrdersAreRejected) {
  std::unique_ptr<PolymarketGateway> gw = Polymarket(kPmKeyReject);
  ASSERT_NE(gw, nullptr);
  const std::optional<PmMarket> m = FindPolymarketMarket();
  ASSERT_TRUE(m.has_value());
  const Quantity ten = Quantity::FromUnits(10);

  const OrderRequest never =
      Request("pm-never-sent", m->yes_token, true, kCent * 2, ten, TimeInForce::kGtc);
  absl::StatusOr<VenueOrderReport> q = gw->Query(never, "");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->state, VenueOrderState::kNotFound) << Name(q->state);
  EXPECT_TRUE(q->venue_order_id.empty());

  // Declared tick 0.001 on a 0.01 market: signed fine, refused by the venue.
  OrderRequest off_tick =
      Request("pm-off-tick", m->yes_token, true, *Price::Parse("0.015"), ten, TimeInForce::kGtc);
  off_tick.tick_size_micros = 1'000;
  // Too large for the account's cash.
  const OrderRequest too_big = Request("pm-too-big", m->yes_token, true, *Price::Parse("0.50"),
                                       Quantity::FromUnits(10'000'000), TimeInForce::kGtc);
  // Invalid locally: never sent.
  OrderRequest odd_size =
      Request("pm-odd-size", m->yes_token, true, kCent * 2, ten, TimeInForce::kGtc);
  odd_size.size_micros = 10'005'000;
  OrderRequest no_time =
      Request("pm-no-time", m->yes_token, true, kCent * 2, ten, TimeInForce::kGtc);
  no_time.created_unix_ms = 0;
  const std::vector<VenueOrderReport> r = gw->Place({off_tick, too_big, odd_size, no_time});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].state, VenueOrderState::kRejected) << Name(r[0].state);
  EXPECT_THAT(r[0].reason, HasSubstr("invalid price (0.015)")) << "the venue's own text";
  EXPECT_FALSE(r[0].venue_order_id.empty()) << "it was sent, under its hash";
  EXPECT_EQ(r[1].state, VenueOrderState::kRejected) << Name(r[1].state);
  EXPECT_THAT(r[1].reason, HasSubstr("balance"));
  EXPECT_EQ(r[2].state, VenueOrderState::kRejected);
  EXPECT_THAT(r[2].reason, StartsWith("not sent: "));
  EXPECT_TRUE(r[2].venue_order_id.empty());
  EXPECT_EQ(r[3].state, VenueOrderState::kRejected);
  EXPECT_THAT(r[3].reason, HasSubstr("created_unix_ms"));
  for (const OrderRequest& req : {off_tick, too_big}) {
    q = gw->Query(req, "");
    ASSERT_TRUE(q.ok()) << q.status();
    EXPECT_EQ(q->state, VenueOrderState::kNotFound) << req.client_order_id;
  }

  // Marketable-only orders that find nothing to match are killed: canceled, not rejected.
  const OrderRequest fak =
      Request("pm-fak-nothing", m->yes_token, true, kCent * 2, ten, TimeInForce::kFak);
  const OrderRequest fok =
      Request("pm-fok-nothing", m->yes_token, true, kCent * 2, ten, TimeInForce::kFok);
  const std::vector<VenueOrderReport> killed = gw->Place({fak, fok});
  ASSERT_EQ(killed.size(), 2u);
  for (size_t i = 0; i < killed.size(); ++i) {
    EXPECT_EQ(killed[i].state, VenueOrderState::kCanceled) << i << " " << killed[i].reason;
    EXPECT_EQ(killed[i].filled_size_micros, 0);
    EXPECT_THAT(killed[i].reason, HasSubstr("killed"));
  }
  absl::StatusOr<std::vector<VenueOrderReport>> open = gw->OpenOrders();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty()) << "nothing rejected or killed is live";
  absl::StatusOr<exec::CashBalance> cash = gw->Balance();
  ASSERT_TRUE(cash.ok());
  EXPECT_EQ(cash->total_micros, kPmInitialCash);
}

TEST_F(VenueGatewaysSimTest, PolymarketPlacesABatchOfTwoLegsAndSplitsBatchesAboveFifteen) {
  std::unique_ptr<PolymarketGateway> gw = Polymarket(kPmKeyBatch);
  ASSERT_NE(gw, nullptr);
  const std::optional<PmMarket> m = FindPolymarketMarket();
  ASSERT_TRUE(m.has_value());
  const Quantity five = Quantity::FromUnits(5);

  // One Place call, one POST /orders: a resting leg and a marketable leg, reported in order.
  const std::vector<OrderRequest> legs = {
      Request("pm-batch-rest", m->yes_token, true, kCent * 2, five, TimeInForce::kGtc),
      Request("pm-batch-take", m->yes_token, true, m->best_ask, five, TimeInForce::kFak)};
  const std::vector<VenueOrderReport> r = gw->Place(legs);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].client_order_id, legs[0].client_order_id);
  EXPECT_EQ(r[1].client_order_id, legs[1].client_order_id);
  EXPECT_EQ(r[0].state, VenueOrderState::kOpen) << Name(r[0].state) << " " << r[0].reason;
  EXPECT_EQ(r[0].filled_size_micros, 0);
  ExpectTakerFills(r[1], legs[1]);
  for (size_t i = 0; i < legs.size(); ++i) {
    EXPECT_EQ(r[i].venue_order_id, *gw->OrderId(legs[i]));
    absl::StatusOr<VenueOrderReport> q = gw->Query(legs[i], "");
    ASSERT_TRUE(q.ok()) << q.status();
    EXPECT_EQ(q->state, r[i].state) << i;
    EXPECT_EQ(q->filled_size_micros, r[i].filled_size_micros) << i;
  }
  EXPECT_NE(r[0].venue_order_id, r[1].venue_order_id);
  EXPECT_EQ(gw->Cancel(legs[0], r[0].venue_order_id).state, VenueOrderState::kCanceled);

  // 17 legs: more than one POST /orders may carry; every leg is placed.
  std::vector<OrderRequest> many;
  for (int i = 0; i < 17; ++i) {
    many.push_back(Request(absl::StrCat("pm-many-", i), m->yes_token, true, kCent * (1 + i % 3),
                           five, TimeInForce::kGtc));
  }
  const std::vector<VenueOrderReport> placed = gw->Place(many);
  ASSERT_EQ(placed.size(), many.size());
  absl::flat_hash_set<std::string> ids;
  for (size_t i = 0; i < placed.size(); ++i) {
    EXPECT_EQ(placed[i].state, VenueOrderState::kOpen) << i << " " << placed[i].reason;
    EXPECT_EQ(placed[i].venue_order_id, *gw->OrderId(many[i])) << i;
    ids.insert(placed[i].venue_order_id);
  }
  EXPECT_EQ(ids.size(), many.size());
  absl::StatusOr<std::vector<VenueOrderReport>> open = gw->OpenOrders();
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_EQ(open->size(), many.size());
  for (size_t i = 0; i < many.size(); ++i) {
    EXPECT_NE(FindVenueId(*open, placed[i].venue_order_id), nullptr) << i;
    EXPECT_EQ(gw->Cancel(many[i], "").state, VenueOrderState::kCanceled) << i;
  }
  open = gw->OpenOrders();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());
}

// ---- Kalshi ----------------------------------------------------------------------------

TEST_F(VenueGatewaysSimTest, KalshiMarketableFakBuysOnBothSidesFillAndBalanceDrops) {
  std::unique_ptr<KalshiGateway> gw = Kalshi(0);
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(gw->venue(), Venue::kKalshi);
  const std::optional<KsMarket> m = FindKalshiMarket();
  ASSERT_TRUE(m.has_value()) << "no suitable Kalshi market";

  absl::StatusOr<exec::CashBalance> before = gw->Balance();
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->available_micros, kKalshiInitialCash);
  EXPECT_EQ(before->total_micros, kKalshiInitialCash);

  // Buy YES at the YES ask and NO at the NO ask (1 - YES bid): two legs, sent together.
  const Quantity ten = Quantity::FromUnits(10);
  const std::vector<OrderRequest> legs = {
      Request("ks-fak-yes", m->ticker + ":YES", true, m->yes_ask, ten, TimeInForce::kFak),
      Request("ks-fak-no", m->ticker + ":NO", true, Complement(m->yes_bid), ten,
              TimeInForce::kFak)};
  const std::vector<VenueOrderReport> r = gw->Place(legs);
  ASSERT_EQ(r.size(), 2u);
  int64_t cost = 0;
  for (size_t i = 0; i < legs.size(); ++i) {
    SCOPED_TRACE(legs[i].client_order_id);
    EXPECT_EQ(r[i].client_order_id, legs[i].client_order_id);
    EXPECT_FALSE(r[i].venue_order_id.empty());
    ExpectTakerFills(r[i], legs[i]);
    // The best level holds all 10 at the limit; fills are in the leg's own side's prices (a
    // YES price reported for the NO leg would be yes_bid, not 1 - yes_bid).
    for (const VenueFill& f : r[i].fills) EXPECT_EQ(f.price_micros, legs[i].price_micros);
    cost += Cost(r[i].fills);
    // Found again by client_order_id alone, and by venue id, with the same fills.
    for (const std::string& venue_id : {std::string(), r[i].venue_order_id}) {
      absl::StatusOr<VenueOrderReport> q = gw->Query(legs[i], venue_id);
      ASSERT_TRUE(q.ok()) << q.status();
      EXPECT_EQ(q->state, r[i].state) << Name(q->state);
      EXPECT_EQ(q->venue_order_id, r[i].venue_order_id);
      EXPECT_EQ(q->client_order_id, legs[i].client_order_id);
      EXPECT_EQ(q->filled_size_micros, r[i].filled_size_micros);
      EXPECT_EQ(TradeIds(q->fills), TradeIds(r[i].fills));
    }
  }
  EXPECT_NE(r[0].venue_order_id, r[1].venue_order_id);

  absl::StatusOr<exec::CashBalance> after = gw->Balance();
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_LT(after->available_micros, before->available_micros);
  EXPECT_EQ(before->available_micros - after->available_micros, cost)
      << "price x count plus the taker fees reported";
  EXPECT_EQ(after->total_micros, after->available_micros) << "nothing rests";
  // The venue's position, as recovery reads it: one signed position per market, so the net of
  // YES and NO held equals the net bought.
  absl::StatusOr<int64_t> yes = gw->PositionOf(m->ticker + ":YES");
  absl::StatusOr<int64_t> no = gw->PositionOf(m->ticker + ":NO");
  ASSERT_TRUE(yes.ok() && no.ok()) << yes.status() << no.status();
  EXPECT_EQ(*yes - *no, r[0].filled_size_micros - r[1].filled_size_micros);
  EXPECT_EQ(gw->PositionOf("no-colon").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(VenueGatewaysSimTest, KalshiRestingGtcIsListedFoundByClientIdAndCanceled) {
  std::unique_ptr<KalshiGateway> gw = Kalshi(1);
  ASSERT_NE(gw, nullptr);
  const std::optional<KsMarket> m = FindKalshiMarket();
  ASSERT_TRUE(m.has_value());
  absl::StatusOr<exec::CashBalance> before = gw->Balance();
  ASSERT_TRUE(before.ok()) << before.status();

  const Price low = kCent * 2;
  const OrderRequest req = Request("ks-gtc-1", m->ticker + ":YES", true, low,
                                   Quantity::FromUnits(10), TimeInForce::kGtc);
  std::vector<VenueOrderReport> placed = gw->Place({req});
  ASSERT_EQ(placed.size(), 1u);
  const VenueOrderReport r = placed[0];
  ASSERT_EQ(r.state, VenueOrderState::kOpen) << Name(r.state) << " " << r.reason;
  EXPECT_FALSE(r.venue_order_id.empty());
  EXPECT_EQ(r.filled_size_micros, 0);

  absl::StatusOr<std::vector<VenueOrderReport>> open = gw->OpenOrders();
  ASSERT_TRUE(open.ok()) << open.status();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].venue_order_id, r.venue_order_id);
  EXPECT_EQ((*open)[0].client_order_id, req.client_order_id) << "Kalshi keeps our ids";
  EXPECT_EQ((*open)[0].state, VenueOrderState::kOpen);

  absl::StatusOr<VenueOrderReport> q = gw->Query(req, "");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->state, VenueOrderState::kOpen);
  EXPECT_EQ(q->venue_order_id, r.venue_order_id);

  // The resting bid holds price x count: out of available, still part of total.
  absl::StatusOr<exec::CashBalance> resting = gw->Balance();
  ASSERT_TRUE(resting.ok()) << resting.status();
  EXPECT_EQ(before->available_micros - resting->available_micros,
            Notional(low, Quantity::FromUnits(10), Rounding::kExact).micros());
  EXPECT_EQ(resting->total_micros, before->total_micros);

  // A resend (same client_order_id) reports the existing order instead of a second one.
  placed = gw->Place({req});
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].state, VenueOrderState::kOpen) << Name(placed[0].state);
  EXPECT_EQ(placed[0].venue_order_id, r.venue_order_id);

  const VenueOrderReport canceled = gw->Cancel(req, "");
  EXPECT_EQ(canceled.state, VenueOrderState::kCanceled)
      << Name(canceled.state) << " " << canceled.reason;
  EXPECT_EQ(canceled.venue_order_id, r.venue_order_id);
  q = gw->Query(req, "");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->state, VenueOrderState::kCanceled) << Name(q->state);
  open = gw->OpenOrders();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());
  resting = gw->Balance();
  ASSERT_TRUE(resting.ok());
  EXPECT_EQ(resting->available_micros, before->available_micros);
  // Canceling again (by venue id) reports it as it is.
  EXPECT_EQ(gw->Cancel(req, r.venue_order_id).state, VenueOrderState::kCanceled);
}

TEST_F(VenueGatewaysSimTest, KalshiNeverSentIsNotFoundAndRefusedOrdersAreRejected) {
  std::unique_ptr<KalshiGateway> gw = Kalshi(2);
  ASSERT_NE(gw, nullptr);
  const std::optional<KsMarket> m = FindKalshiMarket();
  ASSERT_TRUE(m.has_value());
  const std::string yes = m->ticker + ":YES";
  const Quantity ten = Quantity::FromUnits(10);

  absl::StatusOr<VenueOrderReport> q =
      gw->Query(Request("ks-never-sent", yes, true, kCent * 2, ten, TimeInForce::kGtc), "");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->state, VenueOrderState::kNotFound) << Name(q->state);

  const std::vector<OrderRequest> bad = {
      // Off the 1-cent grid (representable in dollars to 4 places, so it is sent).
      Request("ks-off-tick", yes, true, *Price::Parse("0.555"), ten, TimeInForce::kGtc),
      // More than the account's cash.
      Request("ks-too-big", yes, true, *Price::Parse("0.50"), Quantity::FromUnits(10'000'000),
              TimeInForce::kGtc),
      // Not a Kalshi symbol: never sent.
      Request("ks-bad-symbol", m->ticker, true, kCent * 2, ten, TimeInForce::kGtc)};
  const std::vector<VenueOrderReport> r = gw->Place(bad);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].state, VenueOrderState::kRejected) << Name(r[0].state);
  EXPECT_THAT(r[0].reason, HasSubstr("tick"));
  EXPECT_EQ(r[1].state, VenueOrderState::kRejected) << Name(r[1].state);
  EXPECT_THAT(r[1].reason, HasSubstr("insufficient_balance"));
  EXPECT_EQ(r[2].state, VenueOrderState::kRejected);
  EXPECT_THAT(r[2].reason, StartsWith("not sent: "));
  for (const OrderRequest& req : bad) {
    q = gw->Query(req, "");
    ASSERT_TRUE(q.ok()) << q.status();
    EXPECT_EQ(q->state, VenueOrderState::kNotFound) << req.client_order_id;
  }

  // An IOC that finds nothing to match is canceled without fills.
  const OrderRequest ioc = Request("ks-ioc-nothing", yes, true, kCent * 2, ten, TimeInForce::kFak);
  const std::vector<VenueOrderReport> killed = gw->Place({ioc});
  ASSERT_EQ(killed.size(), 1u);
  EXPECT_EQ(killed[0].state, VenueOrderState::kCanceled) << Name(killed[0].state);
  EXPECT_EQ(killed[0].filled_size_micros, 0);
  absl::StatusOr<std::vector<VenueOrderReport>> open = gw->OpenOrders();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());
}

}  // namespace
}  // namespace arbor
