// PolymarketUserStream against the real simulator process: arbor-venue-sim is started as a child
// on free ports; two accounts (A, B) trade with PolymarketGateway while each has a user stream
// open. A rests a bid, B sells into it: A's stream must push A's maker fill and B's stream B's
// taker fill, each equal (trade id, price, size, fee, maker flag, time) to what that account's
// gateway Query reports for the order, so the engine's (trade id, order) de-duplication holds;
// neither stream may report the other account's orders. Malformed frames (`ws_malformed`) are
// counted and skipped; a dropped connection (`ws_disconnect`) is re-made and re-subscribed. Steps
// are driven only on demand (the step timer is far out) and only while no order of ours rests.
#include <signal.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/exec/venue_gateway.h"
#include "arbor/executor/polymarket_gateway.h"
#include "arbor/executor/polymarket_user_stream.h"
#include "arbor/net/http_client.h"
#include "arbor/testing/child_process.h"
#include "arbor/venue/polymarket/public_client.h"
#include "arbor/venue/polymarket/user_decoder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor {
namespace {

namespace pm = ::arbor::venue::polymarket;
using exec::OrderRequest;
using exec::TimeInForce;
using exec::VenueFill;
using exec::VenueOrderReport;
using exec::VenueOrderState;
using executor::PolymarketGateway;
using executor::PolymarketUserStream;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kKeyA[] = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kKeyB[] = "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
constexpr char kKeyBadAuth[] = "0xcccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

const Price kCent = Price::FromMicros(10'000);
constexpr absl::Duration kWaitTimeout = absl::Seconds(20);

std::string_view Name(VenueOrderState s) { return exec::VenueOrderStateName(s); }

// Everything a fill carries, for exact comparisons (gtest prints tuples).
using FillKey = std::tuple<std::string, int64_t, int64_t, int64_t, int64_t, bool>;
std::vector<FillKey> Keys(const std::vector<VenueFill>& fills) {
  std::vector<FillKey> keys;
  keys.reserve(fills.size());
  for (const VenueFill& f : fills) {
    keys.emplace_back(f.trade_id, f.price_micros, f.size_micros, f.fee_micros,
                      f.ts_event_unix_nanos, f.maker);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

int64_t SumSizes(const std::vector<FillKey>& keys) {
  int64_t sum = 0;
  for (const FillKey& k : keys) sum += std::get<2>(k);
  return sum;
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
  r.tick_size_micros = kCent.micros();
  return r;
}

// What a stream's callback received, by venue order id (thread-safe).
class FillRecorder {
 public:
  PolymarketUserStream::FillCallback Callback() {
    return [this](const std::string& id, std::vector<VenueFill> fills) {
      std::lock_guard<std::mutex> lock(mu_);
      std::vector<VenueFill>& all = by_order_[id];
      all.insert(all.end(), std::make_move_iterator(fills.begin()),
                 std::make_move_iterator(fills.end()));
    };
  }
  // The distinct fills pushed for `id`.
  std::vector<FillKey> For(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_order_.find(id);
    return it == by_order_.end() ? std::vector<FillKey>{} : Keys(it->second);
  }
  std::vector<std::string> Orders() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> ids;
    for (const auto& [id, fills] : by_order_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

 private:
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, std::vector<VenueFill>> by_order_;  // guarded by mu_
};

template <typename Pred>
bool WaitFor(Pred pred, absl::Duration timeout = kWaitTimeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!pred()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

class PolymarketUserStreamSimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<std::string> argv = {ARBOR_VENUE_SIM_BINARY, "--scenario",
                                     std::string(ARBOR_SCENARIO_DIR) + "/default.json", "--step-ms",
                                     "3600000"};
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
    delete ready_;
    ready_ = nullptr;
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

  std::unique_ptr<PolymarketGateway> Gateway(const char* key_hex) {
    executor::PolymarketGatewayConfig config;
    config.clob = Port("clob_port");
    config.private_key_hex = key_hex;
    absl::StatusOr<std::unique_ptr<PolymarketGateway>> gw =
        PolymarketGateway::Create(http_.get(), &clock_, std::move(config));
    EXPECT_TRUE(gw.ok()) << gw.status();
    return gw.ok() ? std::move(*gw) : nullptr;
  }

  // The stream of `gw`'s account on the simulator's CLOB port (the user channel lives there),
  // with short timers so that reconnects happen within the test's waits.
  PolymarketUserStream::Options StreamOptions(const PolymarketGateway& gw) {
    PolymarketUserStream::Options o = PolymarketUserStream::OptionsFor(gw, Port("clob_port"));
    o.ping_interval = absl::Seconds(1);
    o.idle_timeout = absl::Seconds(10);
    o.backoff = net::BackoffOptions{absl::Milliseconds(20), absl::Milliseconds(200), 2.0,
                                    net::Jitter::kFull};
    return o;
  }

  void Admin(const std::string& method, const std::string& target, std::string body = "") {
    net::HttpRequest request{.method = method, .target = target, .body = std::move(body)};
    if (!request.body.empty()) request.headers = {{"Content-Type", "application/json"}};
    absl::StatusOr<net::HttpResponse> r = http_->Send(Port("admin_port"), request);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->status, 200) << target << ": " << r->body;
  }
  // One exchange step: WebSocket fault rules fire on the step's Tick.
  void Step() { Admin("POST", "/admin/step"); }
  void AddFaults(const std::string& rules) { Admin("POST", "/admin/faults", rules); }

  // The best prices of one token's book (levels come in wire order: take the extremes).
  struct Top {
    Price bid = Price::Zero();
    Price ask = Price::Max();
    Quantity ask_size;
  };
  std::optional<Top> TopOf(const std::string& token) {
    pm::PublicClient pub(http_.get(), Port("clob_port"), Port("gamma_port"));
    absl::StatusOr<pm::BookSummary> book = pub.GetBook(token);
    if (!book.ok()) return std::nullopt;
    Top top;
    for (const pm::SummaryLevel& l : book->bids) top.bid = std::max(top.bid, l.level.price);
    for (const pm::SummaryLevel& l : book->asks) {
      if (l.level.price < top.ask) {
        top.ask = l.level.price;
        top.ask_size = l.level.size;
      }
    }
    return top;
  }

  struct Market {
    std::string condition_id;
    std::string yes;
    std::string no;
  };
  // A YES price strictly inside the combined book (YES book plus the NO book seen through
  // p -> 1 - p): above every bid a YES sell could meet (YES bids, 1 - NO asks) and below every
  // ask a YES buy could meet (YES asks, 1 - NO bids). A YES bid there rests alone at the top, and
  // a YES sell at that price can only meet it.
  std::optional<Price> InsidePrice(const Market& m) {
    const std::optional<Top> yes = TopOf(m.yes);
    const std::optional<Top> no = TopOf(m.no);
    if (!yes || !no) return std::nullopt;
    Price best_bid = yes->bid;
    if (no->ask < Price::Max()) best_bid = std::max(best_bid, Complement(no->ask));
    Price best_ask = yes->ask;
    if (no->bid > Price::Zero()) best_ask = std::min(best_ask, Complement(no->bid));
    const Price p = best_bid + kCent;
    if (best_bid <= Price::Zero() || p >= best_ask || p >= *Price::Parse("0.95")) {
      return std::nullopt;
    }
    return p;
  }

  // Standalone markets with a 0.01 tick, taker fees and a two-sided YES book with 10 shares at
  // the best ask, whose combined spread leaves room for a price strictly inside.
  std::vector<Market> FindMarkets() {
    pm::PublicClient pub(http_.get(), Port("clob_port"), Port("gamma_port"));
    absl::StatusOr<std::vector<pm::GammaMarket>> markets = pub.GetGammaMarkets(0, 100);
    EXPECT_TRUE(markets.ok()) << markets.status();
    std::vector<Market> out;
    if (!markets.ok()) return out;
    for (const pm::GammaMarket& g : *markets) {
      if (g.neg_risk || g.clob_token_ids.size() != 2 || g.order_price_min_tick_size != kCent ||
          !g.fee_schedule || g.fee_schedule->rate_micros == 0 || g.fee_schedule->exponent != 1) {
        continue;
      }
      Market m{g.condition_id, g.clob_token_ids[0], g.clob_token_ids[1]};
      const std::optional<Top> yes = TopOf(m.yes);
      if (!yes || yes->bid < *Price::Parse("0.10") || yes->ask > *Price::Parse("0.90") ||
          yes->ask_size < Quantity::FromUnits(10) || !InsidePrice(m)) {
        continue;
      }
      out.push_back(std::move(m));
    }
    return out;
  }

  // The ids and the polled truth of one A-maker / B-taker match.
  struct MatchResult {
    std::string a_order;  // A's resting bid (maker)
    std::string b_buy;    // B's FAK buy that got B the shares (taker vs the simulator's maker)
    std::string b_sell;   // B's FAK sell into A's bid (taker)
    OrderRequest a_req;
    OrderRequest b_buy_req;
    OrderRequest b_sell_req;
    int64_t shares = 0;
  };
  // B buys 10 YES; A bids for them strictly inside the book; B sells them into A's bid. A's bid
  // is filled completely, so nothing of ours rests afterwards.
  std::optional<MatchResult> Match(PolymarketGateway& a, PolymarketGateway& b, const Market& m,
                                   const std::string& tag) {
    MatchResult r;
    const std::optional<Top> yes = TopOf(m.yes);
    if (!yes) return std::nullopt;
    r.b_buy_req = Request(absl::StrCat("ws-b-buy-", tag), m.yes, true, yes->ask,
                          Quantity::FromUnits(10), TimeInForce::kFak);
    std::vector<VenueOrderReport> placed = b.Place({r.b_buy_req});
    if (placed.size() != 1) {
      ADD_FAILURE() << placed.size() << " reports for one order";
      return std::nullopt;
    }
    if (placed[0].filled_size_micros <= 0) {
      ADD_FAILURE() << "B's buy did not fill: " << Name(placed[0].state) << " " << placed[0].reason;
      return std::nullopt;
    }
    r.b_buy = placed[0].venue_order_id;
    // Whole cents of a share: every order size is on the 0.01 grid.
    r.shares = placed[0].filled_size_micros / 10'000 * 10'000;

    const std::optional<Price> p = InsidePrice(m);
    if (!p) {
      ADD_FAILURE() << "no price inside the book of " << m.condition_id;
      return std::nullopt;
    }
    r.a_req = Request(absl::StrCat("ws-a-bid-", tag), m.yes, true, *p,
                      Quantity::FromMicros(r.shares), TimeInForce::kGtc);
    placed = a.Place({r.a_req});
    if (placed.size() != 1 || placed[0].state != VenueOrderState::kOpen) {
      ADD_FAILURE() << "A's bid does not rest: " << Name(placed[0].state) << " "
                    << placed[0].reason;
      return std::nullopt;
    }
    r.a_order = placed[0].venue_order_id;
    EXPECT_EQ(r.a_order, *a.OrderId(r.a_req));

    r.b_sell_req = Request(absl::StrCat("ws-b-sell-", tag), m.yes, false, *p,
                           Quantity::FromMicros(r.shares), TimeInForce::kFak);
    placed = b.Place({r.b_sell_req});
    if (placed.size() != 1 || placed[0].state != VenueOrderState::kFilled) {
      ADD_FAILURE() << "B's sell did not fill against A: " << Name(placed[0].state) << " "
                    << placed[0].reason;
      return std::nullopt;
    }
    r.b_sell = placed[0].venue_order_id;
    return r;
  }

  // The fills `gw` polls for one order (Query), as keys.
  std::vector<FillKey> Polled(PolymarketGateway& gw, const OrderRequest& req,
                              const std::string& id) {
    absl::StatusOr<VenueOrderReport> q = gw.Query(req, id);
    EXPECT_TRUE(q.ok()) << q.status();
    if (!q.ok()) return {};
    return Keys(q->fills);
  }

  // Waits until `rec` holds every polled fill of order `id`, then checks they are equal.
  void ExpectPushedEqualsPolled(const FillRecorder& rec, PolymarketGateway& gw,
                                const OrderRequest& req, const std::string& id,
                                const std::string& what) {
    const std::vector<FillKey> polled = Polled(gw, req, id);
    ASSERT_THAT(polled, Not(IsEmpty())) << what << ": the order has fills";
    EXPECT_TRUE(WaitFor([&] { return rec.For(id).size() >= polled.size(); }))
        << what << ": fills pushed " << rec.For(id).size() << " of " << polled.size();
    EXPECT_EQ(rec.For(id), polled) << what;
  }

  static testing::ChildProcess* sim_;
  static std::string* ready_;
  std::unique_ptr<net::HttpClient> http_;
  const Clock& clock_ = SystemClock::Get();
};

testing::ChildProcess* PolymarketUserStreamSimTest::sim_ = nullptr;
std::string* PolymarketUserStreamSimTest::ready_ = nullptr;

TEST_F(PolymarketUserStreamSimTest, PushedFillsEqualPolledOnesThroughMalformedFramesAndDrops) {
  std::unique_ptr<PolymarketGateway> a = Gateway(kKeyA);
  std::unique_ptr<PolymarketGateway> b = Gateway(kKeyB);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::vector<Market> markets = FindMarkets();
  ASSERT_FALSE(markets.empty()) << "no Polymarket market with room inside the spread";
  const Market& m = markets[0];

  FillRecorder rec_a;
  FillRecorder rec_b;
  int subscribed_a = 0;  // on_subscribed calls (on A's I/O thread; read after Stop)
  PolymarketUserStream::Options options_a = StreamOptions(*a);
  options_a.on_subscribed = [&subscribed_a] { ++subscribed_a; };
  PolymarketUserStream stream_a(std::move(options_a), &clock_, rec_a.Callback());
  // B listens to the traded market only (the `markets` filter).
  PolymarketUserStream::Options options_b = StreamOptions(*b);
  options_b.markets = {m.condition_id};
  PolymarketUserStream stream_b(std::move(options_b), &clock_, rec_b.Callback());
  stream_a.Start();
  stream_b.Start();
  ASSERT_TRUE(WaitFor([&] { return stream_a.stats().connected && stream_b.stats().connected; }))
      << "streams did not subscribe";

  // ---- 1. A rests a bid, B sells into it. ----
  std::optional<MatchResult> m1 = Match(*a, *b, m, "1");
  ASSERT_TRUE(m1.has_value());
  ExpectPushedEqualsPolled(rec_a, *a, m1->a_req, m1->a_order, "A's maker fill");
  ExpectPushedEqualsPolled(rec_b, *b, m1->b_sell_req, m1->b_sell, "B's taker sell");
  ExpectPushedEqualsPolled(rec_b, *b, m1->b_buy_req, m1->b_buy, "B's taker buy");
  const std::vector<FillKey> a_fills = rec_a.For(m1->a_order);
  ASSERT_EQ(a_fills.size(), 1u);
  EXPECT_TRUE(std::get<5>(a_fills[0])) << "A rested: a maker fill";
  EXPECT_EQ(SumSizes(a_fills), m1->shares);
  EXPECT_EQ(std::get<1>(a_fills[0]), m1->a_req.price_micros) << "the maker's own price";
  const std::vector<FillKey> b_fills = rec_b.For(m1->b_sell);
  ASSERT_EQ(b_fills.size(), 1u);
  EXPECT_FALSE(std::get<5>(b_fills[0])) << "B crossed: a taker fill";
  EXPECT_GT(std::get<3>(b_fills[0]), 0) << "takers pay a fee on this market";
  EXPECT_EQ(std::get<0>(b_fills[0]), std::get<0>(a_fills[0])) << "one match, one trade id";
  // Each stream reports its own account's orders only.
  EXPECT_THAT(rec_a.Orders(), ElementsAre(m1->a_order));
  EXPECT_THAT(rec_b.Orders(), Not(::testing::Contains(m1->a_order)));

  // ---- 2. Malformed frames are counted and skipped; the connection carries on. ----
  const PolymarketUserStream::Stats before = stream_a.stats();
  EXPECT_EQ(before.malformed, 0u);
  AddFaults(R"({"rules":[{"kind":"ws_malformed","server":"clob","frames":4,"count":1}]})");
  Step();
  EXPECT_TRUE(WaitFor([&] { return stream_a.stats().malformed >= 4; }))
      << "malformed " << stream_a.stats().malformed;
  EXPECT_TRUE(WaitFor([&] { return stream_b.stats().malformed >= 4; }));
  EXPECT_EQ(stream_a.stats().malformed, 4u);
  EXPECT_EQ(stream_a.stats().connects, 1u) << "malformed frames do not cost the connection";
  EXPECT_TRUE(stream_a.stats().connected);

  std::optional<MatchResult> m2 = Match(*a, *b, m, "2");
  ASSERT_TRUE(m2.has_value());
  ExpectPushedEqualsPolled(rec_a, *a, m2->a_req, m2->a_order, "A's fill after malformed frames");
  ExpectPushedEqualsPolled(rec_b, *b, m2->b_sell_req, m2->b_sell,
                           "B's fill after malformed frames");

  // ---- 3. A dropped connection is re-made and re-subscribed; later fills arrive. ----
  AddFaults(R"({"rules":[{"kind":"ws_disconnect","server":"clob","close_code":0,"count":1}]})");
  Step();
  EXPECT_TRUE(WaitFor([&] {
    const PolymarketUserStream::Stats s = stream_a.stats();
    return s.reconnects >= 1 && s.subscriptions >= 2 && s.connected;
  })) << "A did not reconnect";
  EXPECT_TRUE(WaitFor([&] {
    const PolymarketUserStream::Stats s = stream_b.stats();
    return s.reconnects >= 1 && s.subscriptions >= 2 && s.connected;
  })) << "B did not reconnect";

  std::optional<MatchResult> m3 = Match(*a, *b, m, "3");
  ASSERT_TRUE(m3.has_value());
  ExpectPushedEqualsPolled(rec_a, *a, m3->a_req, m3->a_order, "A's fill after the reconnect");
  ExpectPushedEqualsPolled(rec_b, *b, m3->b_sell_req, m3->b_sell, "B's fill after the reconnect");

  // Only A's three bids ever reached A's stream; none of A's orders reached B's.
  std::vector<std::string> a_orders = {m1->a_order, m2->a_order, m3->a_order};
  std::sort(a_orders.begin(), a_orders.end());
  EXPECT_EQ(rec_a.Orders(), a_orders);
  for (const std::string& id : a_orders) {
    EXPECT_THAT(rec_b.Orders(), Not(::testing::Contains(id)));
  }
  for (const std::string& id : rec_a.Orders()) {
    EXPECT_EQ(id, absl::AsciiStrToLower(id)) << "venue order ids are lower case";
  }

  stream_a.Stop();
  stream_b.Stop();
  stream_a.Stop();  // idempotent
  const PolymarketUserStream::Stats s = stream_a.stats();
  EXPECT_FALSE(s.connected);
  EXPECT_EQ(s.malformed, 4u);
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.reconnects, 1u);
  EXPECT_EQ(s.subscriptions, 2u);
  EXPECT_EQ(subscribed_a, 2);
  EXPECT_GE(s.trades, 3u);
  EXPECT_EQ(s.fills_delivered, 3u) << "one maker fill per match";
  EXPECT_GT(s.orders, 0u) << "order events are decoded (and not used for fills)";
  EXPECT_GT(s.pongs, 0u);
}

TEST_F(PolymarketUserStreamSimTest, RefusedCredentialsNeverSubscribeAndKeepRetrying) {
  std::unique_ptr<PolymarketGateway> gw = Gateway(kKeyBadAuth);
  ASSERT_NE(gw, nullptr);
  PolymarketUserStream::Options options = StreamOptions(*gw);
  options.creds.secret = "bm90LXRoZS1zZWNyZXQ=";  // the venue closes with 1008
  FillRecorder rec;
  PolymarketUserStream stream(std::move(options), &clock_, rec.Callback());
  stream.Start();
  stream.Start();  // idempotent
  EXPECT_TRUE(WaitFor([&] { return stream.stats().connects >= 3; }))
      << "connects " << stream.stats().connects;
  stream.Stop();
  const PolymarketUserStream::Stats s = stream.stats();
  EXPECT_FALSE(s.connected);
  EXPECT_EQ(s.subscriptions, 0u);
  EXPECT_EQ(s.reconnects, s.connects - 1);
  EXPECT_EQ(s.fills_delivered, 0u);
  EXPECT_THAT(rec.Orders(), IsEmpty());
}

// Attribution on a recorded venue payload (POLYMARKET.md samples, ws_user/nt_py_user_trade4):
// we were the maker of two of its three maker legs (found by maker_address), not the taker.
TEST(PolymarketUserStreamFillsTest, MakerLegsOfOurAddressOnlyAndOnlyForFillStatuses) {
  constexpr char kTrade[] = R"({
    "asset_id": "2174", "bucket_index": 0, "event_type": "trade", "fee_rate_bps": "0",
    "id": "83b5c849-620e-4c23-b63b-2e779c04a6e7", "last_update": "1762776436",
    "maker_address": "0xAeAF6c1016DE43aD358c1831bD13d78eD545266B",
    "maker_orders": [
      {"order_id": "0x3AD09F225EBE141DFBDB3824F31CB457E8E0301CA4E0A06311E543F5328B9DEA",
       "owner": "a93a3d32-74fa-dd2b-4b67-98bfa6fc5cb5",
       "maker_address": "0xa3D82Ed56F4c68d2328Fb8c29e568Ba2cAF7d7c8", "matched_amount": "5",
       "price": "0.4", "fee_rate_bps": "0", "asset_id": "2174", "outcome": "Yes", "side": "BUY"},
      {"order_id": "0x65185ab1f541e54d32e4c0e3042a0b37846e115a4cefbf6a2bd7b515a92ad100",
       "owner": "f2da51b7-de2d-3b02-e3fe-71dfb14aa16e",
       "maker_address": "0x0f6e2B19c81549aeb3E5812d4118F325502a3288", "matched_amount": "5",
       "price": "0.35", "fee_rate_bps": "0", "asset_id": "2174", "outcome": "Yes", "side": "BUY"},
      {"order_id": "0x67b598cab933c71389176573822be763192a35a8c37e49999a11d611a5882e7d",
       "owner": "a93a3d32-74fa-dd2b-4b67-98bfa6fc5cb5",
       "maker_address": "0xa3D82Ed56F4c68d2328Fb8c29e568Ba2cAF7d7c8", "matched_amount": "5",
       "price": "0.3", "fee_rate_bps": "0", "asset_id": "2174", "outcome": "Yes", "side": "BUY"}
    ],
    "market": "0xdd22", "match_time": "1762776367", "outcome": "Yes",
    "owner": "5c4e8a20-1298-5fd5-ef96-2c29032ba30f", "price": "0.5", "side": "SELL",
    "size": "15", "status": "CONFIRMED",
    "taker_order_id": "0xba376c92a652f7249cf07e2fb6daaf155c675f49985553bda91c6632747b111d",
    "timestamp": "1762776436", "trade_owner": "092dab0c-74fa-5ba7-4b67-572daeace198",
    "trader_side": "MAKER", "type": "TRADE"})";
  pm::UserFrameDecoder decoder;
  absl::StatusOr<pm::UserFrame> frame = decoder.Decode(kTrade);
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ(frame->events.size(), 1u);
  pm::TradeEvent trade = std::get<pm::TradeEvent>(frame->events[0]);

  PolymarketUserStream::Options options;
  options.our_address = "0xa3d82ed56f4c68d2328fb8c29e568ba2caf7d7c8";
  options.creds.api_key = "not-any-owner";
  PolymarketUserStream stream(std::move(options), &SystemClock::Get(),
                              [](const std::string&, const std::vector<VenueFill>&) {});
  auto fills = stream.FillsOf(trade);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].first, "0x3ad09f225ebe141dfbdb3824f31cb457e8e0301ca4e0a06311e543f5328b9dea");
  EXPECT_EQ(fills[1].first, "0x67b598cab933c71389176573822be763192a35a8c37e49999a11d611a5882e7d");
  ASSERT_EQ(fills[0].second.size(), 1u);
  const VenueFill& f = fills[0].second[0];
  EXPECT_EQ(f.trade_id, trade.id);
  EXPECT_EQ(f.price_micros, 400'000);
  EXPECT_EQ(f.size_micros, 5'000'000);
  EXPECT_EQ(f.fee_micros, 0);
  EXPECT_TRUE(f.maker);
  EXPECT_EQ(f.ts_event_unix_nanos, int64_t{1762776367} * 1'000'000'000);
  // Exactly what the gateway's REST path computes for that order from the same row.
  EXPECT_EQ(Keys(fills[0].second),
            Keys(executor::PolymarketOrderFills(fills[0].first, {trade}, 1)));

  // The taker side is ours when the venue says so (trader_side TAKER).
  trade.trader_side = pm::TraderSide::kTaker;
  fills = stream.FillsOf(trade);
  ASSERT_EQ(fills.size(), 3u);
  EXPECT_EQ(fills[0].first, trade.taker_order_id);
  EXPECT_FALSE(fills[0].second[0].maker);
  EXPECT_EQ(fills[0].second[0].size_micros, 15'000'000);
  EXPECT_EQ(fills[0].second[0].price_micros, 500'000);

  // Only MATCHED / MINED / CONFIRMED are fills.
  for (pm::TradeStatus status : {pm::TradeStatus::kMatched, pm::TradeStatus::kMined}) {
    trade.status = status;
    EXPECT_EQ(stream.FillsOf(trade).size(), 3u) << pm::TradeStatusName(status);
  }
  for (pm::TradeStatus status :
       {pm::TradeStatus::kFailed, pm::TradeStatus::kRetrying,
        pm::TradeStatus::kMatchedNotBroadcasted, pm::TradeStatus::kUnknown}) {
    trade.status = status;
    EXPECT_THAT(stream.FillsOf(trade), IsEmpty()) << pm::TradeStatusName(status);
  }
  // Found by the owner (API key) as well as by the address.
  trade.status = pm::TradeStatus::kConfirmed;
  trade.trader_side = pm::TraderSide::kMaker;
  PolymarketUserStream::Options by_key;
  by_key.creds.api_key = "f2da51b7-de2d-3b02-e3fe-71dfb14aa16e";
  PolymarketUserStream stream2(std::move(by_key), &SystemClock::Get(),
                               [](const std::string&, const std::vector<VenueFill>&) {});
  fills = stream2.FillsOf(trade);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].first, "0x65185ab1f541e54d32e4c0e3042a0b37846e115a4cefbf6a2bd7b515a92ad100");
}

}  // namespace
}  // namespace arbor
