#include "arbor/sim/market_engine.h"

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr int kYes = 0;
constexpr int kNo = 1;

Price P(const char* s) { return *Price::Parse(s); }
Quantity Q(const char* s) { return *Quantity::Parse(s); }
Money M(const char* s) { return *Money::Parse(s); }

class MarketEngineTest : public ::testing::Test {
 protected:
  MarketEngineTest() : engine_(Config(), &ledger_) {
    for (const char* a : {"alice", "bob", "carol", "dave"})
      ledger_.Deposit(a, Money::FromUnits(1000));
  }

  static MarketConfig Config() {
    MarketConfig c;
    c.condition_id = "0xc0";
    c.yes_token = "YES";
    c.no_token = "NO";
    c.tick = P("0.01");
    return c;
  }

  PlaceResult Place(const char* account, int outcome, Side side, const char* price,
                    const char* size, TimeInForce tif = TimeInForce::kGtc) {
    OrderRequest r;
    r.account = account;
    r.outcome = outcome;
    r.side = side;
    r.price = P(price);
    r.size = Q(size);
    r.tif = tif;
    absl::StatusOr<PlaceResult> res = engine_.Place(r, now_ms_);
    EXPECT_TRUE(res.ok()) << res.status();
    return res.ok() ? *res : PlaceResult{};
  }

  int64_t now_ms_ = 1'000;
  Ledger ledger_;
  MarketEngine engine_;
};

TEST_F(MarketEngineTest, NormalMatchTradesAtMakerPriceAndSettles) {
  ledger_.GrantPosition("alice", "YES", Q("100"));
  Place("alice", kYes, Side::kSell, "0.60", "10");
  const PlaceResult r = Place("bob", kYes, Side::kBuy, "0.62", "10");
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_EQ(r.trades[0].kind, MatchKind::kNormal);
  EXPECT_EQ(r.trades[0].taker_price, P("0.60"));
  EXPECT_EQ(r.state, OrderState::kFilled);
  EXPECT_EQ(ledger_.Cash("bob"), M("994"));
  EXPECT_EQ(ledger_.Cash("alice"), M("1006"));
  EXPECT_EQ(ledger_.Position("bob", "YES"), Q("10"));
  EXPECT_EQ(ledger_.Position("alice", "YES"), Q("90"));
  EXPECT_EQ(ledger_.LockedCash("bob"), Money::Zero());  // the rest of the 0.62 lock is released
  EXPECT_EQ(ledger_.LockedPosition("alice", "YES"), Quantity::Zero());
  EXPECT_TRUE(engine_.Levels(kYes, Side::kSell).empty());
}

TEST_F(MarketEngineTest, PriceThenTimePriority) {
  for (const char* a : {"alice", "bob", "carol"}) ledger_.GrantPosition(a, "YES", Q("100"));
  const uint64_t first = Place("alice", kYes, Side::kSell, "0.60", "5").order_id;
  const uint64_t second = Place("bob", kYes, Side::kSell, "0.60", "10").order_id;
  const uint64_t better = Place("carol", kYes, Side::kSell, "0.59", "5").order_id;
  const PlaceResult r = Place("dave", kYes, Side::kBuy, "0.61", "15");
  ASSERT_EQ(r.trades.size(), 3u);
  EXPECT_EQ(r.trades[0].maker_order_id, better);
  EXPECT_EQ(r.trades[1].maker_order_id, first);
  EXPECT_EQ(r.trades[2].maker_order_id, second);
  EXPECT_EQ(r.trades[2].size, Q("5"));
  EXPECT_THAT(engine_.Levels(kYes, Side::kSell), ElementsAre(Pair(P("0.60"), Q("5"))));
  EXPECT_EQ(ledger_.Cash("dave"), M("1000") - M("2.95") - M("3") - M("3"));
}

TEST_F(MarketEngineTest, BuyYesMeetsRestingBuyNoByMintingASet) {
  Place("alice", kNo, Side::kBuy, "0.45", "10");
  const PlaceResult r = Place("bob", kYes, Side::kBuy, "0.56", "10");
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_EQ(r.trades[0].kind, MatchKind::kMint);
  EXPECT_EQ(r.trades[0].taker_price, P("0.55"));  // 1 - 0.45, better than the 0.56 limit
  EXPECT_EQ(ledger_.Cash("bob"), M("994.5"));
  EXPECT_EQ(ledger_.Cash("alice"), M("995.5"));
  EXPECT_EQ(ledger_.Position("bob", "YES"), Q("10"));
  EXPECT_EQ(ledger_.Position("alice", "NO"), Q("10"));
  // One dollar of collateral per minted set left the accounts.
  EXPECT_EQ(ledger_.TotalCash(), M("3990"));
  EXPECT_EQ(ledger_.TotalPosition("YES"), ledger_.TotalPosition("NO"));
}

TEST_F(MarketEngineTest, SellYesMeetsRestingSellNoByMergingASet) {
  ledger_.GrantPosition("alice", "YES", Q("10"));
  ledger_.GrantPosition("bob", "NO", Q("10"));
  Place("bob", kNo, Side::kSell, "0.40", "10");
  const PlaceResult r = Place("alice", kYes, Side::kSell, "0.55", "10");
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_EQ(r.trades[0].kind, MatchKind::kMerge);
  EXPECT_EQ(r.trades[0].taker_price, P("0.60"));
  EXPECT_EQ(ledger_.Cash("alice"), M("1006"));
  EXPECT_EQ(ledger_.Cash("bob"), M("1004"));
  EXPECT_EQ(ledger_.Position("alice", "YES"), Quantity::Zero());
  EXPECT_EQ(ledger_.Position("bob", "NO"), Quantity::Zero());
}

TEST_F(MarketEngineTest, BestEffectivePriceWinsAcrossBooksAndTiesGoByArrival) {
  ledger_.GrantPosition("carol", "YES", Q("100"));
  Place("carol", kYes, Side::kSell, "0.58", "5");
  const uint64_t no_bid = Place("alice", kNo, Side::kBuy, "0.44", "5").order_id;  // YES ask 0.56
  PlaceResult r = Place("bob", kYes, Side::kBuy, "0.60", "5");
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_EQ(r.trades[0].maker_order_id, no_bid);
  // Equal effective prices: the older order first.
  const uint64_t older = Place("alice", kNo, Side::kBuy, "0.42", "5").order_id;  // YES ask 0.58
  r = Place("dave", kYes, Side::kBuy, "0.58", "5");
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_NE(r.trades[0].maker_order_id, older);  // carol's 0.58 ask arrived before alice's bid
  EXPECT_EQ(r.trades[0].kind, MatchKind::kNormal);
}

TEST_F(MarketEngineTest, FillOrKillIsAllOrNothing) {
  ledger_.GrantPosition("alice", "YES", Q("100"));
  Place("alice", kYes, Side::kSell, "0.60", "5");
  PlaceResult r = Place("bob", kYes, Side::kBuy, "0.60", "6", TimeInForce::kFok);
  EXPECT_EQ(r.state, OrderState::kCanceled);
  EXPECT_TRUE(r.trades.empty());
  EXPECT_EQ(ledger_.LockedCash("bob"), Money::Zero());
  EXPECT_EQ(ledger_.Cash("bob"), M("1000"));
  r = Place("bob", kYes, Side::kBuy, "0.60", "5", TimeInForce::kFok);
  EXPECT_EQ(r.state, OrderState::kFilled);
  EXPECT_EQ(r.filled, Q("5"));
}

TEST_F(MarketEngineTest, FillAndKillCancelsTheRemainder) {
  ledger_.GrantPosition("alice", "YES", Q("100"));
  Place("alice", kYes, Side::kSell, "0.60", "5");
  const PlaceResult r = Place("bob", kYes, Side::kBuy, "0.60", "8", TimeInForce::kFak);
  EXPECT_EQ(r.state, OrderState::kCanceled);
  EXPECT_EQ(r.filled, Q("5"));
  EXPECT_EQ(ledger_.LockedCash("bob"), Money::Zero());
  EXPECT_TRUE(engine_.Levels(kYes, Side::kBuy).empty());
}

TEST_F(MarketEngineTest, GtcPartialFillRestsAndCancelReleasesTheLock) {
  ledger_.GrantPosition("alice", "YES", Q("100"));
  Place("alice", kYes, Side::kSell, "0.60", "5");
  const PlaceResult r = Place("bob", kYes, Side::kBuy, "0.60", "8");
  EXPECT_EQ(r.state, OrderState::kLive);
  EXPECT_EQ(r.filled, Q("5"));
  EXPECT_THAT(engine_.Levels(kYes, Side::kBuy), ElementsAre(Pair(P("0.60"), Q("3"))));
  EXPECT_EQ(ledger_.LockedCash("bob"), M("1.8"));
  EXPECT_EQ(engine_.Cancel("alice", r.order_id).code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(engine_.Cancel("bob", r.order_id).ok());
  EXPECT_EQ(ledger_.LockedCash("bob"), Money::Zero());
  EXPECT_EQ(engine_.Cancel("bob", r.order_id).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(engine_.Cancel("bob", 9999).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(engine_.OpenOrders("bob").empty());
}

TEST_F(MarketEngineTest, GoodTillDateOrdersExpire) {
  OrderRequest r{"bob", kYes, Side::kBuy, P("0.40"), Q("10"), TimeInForce::kGtd, 5'000};
  absl::StatusOr<PlaceResult> placed = engine_.Place(r, now_ms_);
  ASSERT_TRUE(placed.ok());
  EXPECT_TRUE(engine_.ExpireOrders(4'999).empty());
  EXPECT_THAT(engine_.ExpireOrders(5'000), ElementsAre(placed->order_id));
  EXPECT_EQ(engine_.Find(placed->order_id)->state, OrderState::kExpired);
  EXPECT_EQ(ledger_.LockedCash("bob"), Money::Zero());
  r.expires_at_ms = now_ms_;  // not in the future
  EXPECT_EQ(engine_.Place(r, now_ms_).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MarketEngineTest, SelfTradeCancelsTheRestingOrderAndKeepsMatching) {
  ledger_.GrantPosition("alice", "YES", Q("100"));
  ledger_.GrantPosition("carol", "YES", Q("100"));
  const uint64_t own = Place("alice", kYes, Side::kSell, "0.59", "5").order_id;
  Place("carol", kYes, Side::kSell, "0.60", "5");
  const PlaceResult r = Place("alice", kYes, Side::kBuy, "0.60", "5");
  EXPECT_THAT(r.self_trade_canceled, ElementsAre(own));
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_EQ(r.trades[0].maker_account, "carol");
  EXPECT_EQ(engine_.Find(own)->state, OrderState::kCanceled);
  EXPECT_EQ(ledger_.LockedPosition("alice", "YES"), Quantity::Zero());
}

TEST_F(MarketEngineTest, ListenersSeeEveryTradeAndEveryOrderThatEnds) {
  std::vector<uint64_t> trades;
  std::vector<std::pair<uint64_t, OrderState>> done;
  engine_.AddTradeListener([&](const MarketEngine& e, const Trade& t) {
    EXPECT_EQ(&e, &engine_);
    trades.push_back(t.trade_id);
  });
  engine_.AddOrderDoneListener(
      [&](const MarketEngine&, const Order& o) { done.emplace_back(o.id, o.state); });
  ledger_.GrantPosition("alice", "YES", Q("100"));
  const PlaceResult ask1 = Place("alice", kYes, Side::kSell, "0.40", "10");
  const PlaceResult ask2 = Place("alice", kYes, Side::kSell, "0.41", "10");
  const PlaceResult buy = Place("bob", kYes, Side::kBuy, "0.41", "15", TimeInForce::kFak);
  ASSERT_EQ(buy.trades.size(), 2u);
  EXPECT_THAT(trades, ElementsAre(buy.trades[0].trade_id, buy.trades[1].trade_id));
  // Ids are unique across orders and trades of the ledger.
  EXPECT_NE(buy.trades[0].trade_id, ask1.order_id);
  EXPECT_NE(buy.trades[0].trade_id, buy.order_id);
  // ask1 filled by the taker, then the taker itself filled (15 = 10 + 5).
  EXPECT_THAT(done, ElementsAre(Pair(ask1.order_id, OrderState::kFilled),
                                Pair(buy.order_id, OrderState::kFilled)));
  ASSERT_TRUE(engine_.Cancel("alice", ask2.order_id).ok());
  EXPECT_EQ(done.back(), std::make_pair(ask2.order_id, OrderState::kCanceled));
}

TEST(MarketEngineSelfTradeTest, SkipPolicyLeavesOwnOrderResting) {
  Ledger ledger;
  ledger.Deposit("alice", Money::FromUnits(100));
  ledger.GrantPosition("alice", "Y", Quantity::FromUnits(10));
  ledger.GrantPosition("carol", "Y", Quantity::FromUnits(10));
  MarketConfig c;
  c.yes_token = "Y";
  c.no_token = "N";
  c.self_trade = SelfTradePolicy::kSkipResting;
  MarketEngine engine(c, &ledger);
  const uint64_t own =
      engine
          .Place({"alice", 0, Side::kSell, Price::FromMicros(590'000), Quantity::FromUnits(5)}, 0)
          ->order_id;
  ASSERT_TRUE(
      engine.Place({"carol", 0, Side::kSell, Price::FromMicros(600'000), Quantity::FromUnits(5)}, 0)
          .ok());
  absl::StatusOr<PlaceResult> r =
      engine.Place({"alice", 0, Side::kBuy, Price::FromMicros(600'000), Quantity::FromUnits(5)}, 0);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->trades.size(), 1u);
  EXPECT_EQ(r->trades[0].maker_account, "carol");
  EXPECT_EQ(engine.Find(own)->state, OrderState::kLive);
}

TEST(MarketEngineFeeTest, TakerPaysScheduleFeeAtTheTradePrice) {
  Ledger ledger;
  ledger.Deposit("taker", Money::FromUnits(100));
  ledger.GrantPosition("maker", "Y", Quantity::FromUnits(100));
  MarketConfig c;
  c.yes_token = "Y";
  c.no_token = "N";
  c.fees.rate_micros = 30'000;  // sports: 0.03, exponent 1
  c.fees.exponent = 1;
  MarketEngine engine(c, &ledger);
  ASSERT_TRUE(
      engine
          .Place({"maker", 0, Side::kSell, Price::FromMicros(500'000), Quantity::FromUnits(100)}, 0)
          .ok());
  absl::StatusOr<PlaceResult> r = engine.Place(
      {"taker", 0, Side::kBuy, Price::FromMicros(500'000), Quantity::FromUnits(100)}, 0);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->trades.size(), 1u);
  EXPECT_EQ(r->trades[0].taker_fee, Money::FromMicros(750'000));  // 100 * 0.03 * 0.25
  EXPECT_EQ(ledger.Cash("taker"), Money::FromMicros(49'250'000));
  EXPECT_EQ(ledger.Cash("maker"), Money::FromUnits(50));  // makers pay nothing
  EXPECT_EQ(engine.fees_collected(), Money::FromMicros(750'000));
  EXPECT_EQ(ledger.LockedCash("taker"), Money::Zero());
}

TEST_F(MarketEngineTest, RejectsInvalidOrdersWithReasonsAndChangesNothing) {
  struct Case {
    OrderRequest request;
    absl::StatusCode code;
    const char* reason;
  };
  const Case cases[] = {
      {{"bob", 2, Side::kBuy, P("0.5"), Q("1")}, absl::StatusCode::kInvalidArgument, "outcome"},
      {{"bob", kYes, Side::kBuy, P("0.505"), Q("1")},
       absl::StatusCode::kInvalidArgument,
       "tick size"},
      {{"bob", kYes, Side::kBuy, P("0.99"), Q("1")}, absl::StatusCode::kOk, ""},
      {{"bob", kYes, Side::kBuy, P("1"), Q("1")}, absl::StatusCode::kInvalidArgument, "outside"},
      {{"bob", kYes, Side::kBuy, P("0.5"), Q("0.001")},
       absl::StatusCode::kInvalidArgument,
       "multiple"},
      {{"bob", kYes, Side::kBuy, P("0.5"), Q("0")}, absl::StatusCode::kInvalidArgument, "positive"},
      {{"bob", kYes, Side::kBuy, P("0.5"), Q("5000")},
       absl::StatusCode::kFailedPrecondition,
       "balance"},
      {{"bob", kYes, Side::kSell, P("0.5"), Q("1")}, absl::StatusCode::kFailedPrecondition, "YES"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<PlaceResult> r = engine_.Place(c.request, now_ms_);
    EXPECT_EQ(r.status().code(), c.code) << c.reason;
    if (!r.ok()) {
      EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.reason));
    }
  }
  EXPECT_EQ(ledger_.Cash("bob"), M("1000"));
}

// Random order flow among four accounts with no inventory at the start: every set in existence
// was minted, so YES supply == NO supply, cash + one dollar per set + fees == deposits, and no
// balance or lock ever goes negative.
TEST(MarketEnginePropertyTest, ConservationUnderRandomFlow) {
  Ledger ledger;
  const std::vector<std::string> accounts = {"a", "b", "c", "d"};
  for (const auto& a : accounts) ledger.Deposit(a, Money::FromUnits(10'000));
  MarketConfig c;
  c.yes_token = "Y";
  c.no_token = "N";
  c.fees.rate_micros = 72'000;
  c.fees.exponent = 1;
  MarketEngine engine(c, &ledger);
  std::mt19937 rng(7);
  std::vector<uint64_t> placed;
  int trades = 0;
  for (int i = 0; i < 5000; ++i) {
    OrderRequest r;
    r.account = accounts[rng() % 4];
    r.outcome = static_cast<int>(rng() % 2);
    r.side = rng() % 2 ? Side::kBuy : Side::kSell;
    r.price = Price::FromMicros(10'000 * (30 + static_cast<int64_t>(rng() % 41)));
    r.size = Quantity::FromMicros(10'000 * (1 + static_cast<int64_t>(rng() % 2000)));
    r.tif = static_cast<TimeInForce>(rng() % 4 == 1 ? 0 : rng() % 4);
    r.expires_at_ms = 10'000'000;
    absl::StatusOr<PlaceResult> res = engine.Place(r, i);
    if (res.ok()) {
      placed.push_back(res->order_id);
      trades += static_cast<int>(res->trades.size());
    } else {
      ASSERT_EQ(res.status().code(), absl::StatusCode::kFailedPrecondition) << res.status();
    }
    if (rng() % 5 == 0 && !placed.empty()) {
      const Order* o = engine.Find(placed[rng() % placed.size()]);
      if (o->state == OrderState::kLive) {
        ASSERT_TRUE(engine.Cancel(o->request.account, o->id).ok());
      }
    }
    const Quantity sets = ledger.TotalPosition("Y");
    ASSERT_EQ(sets, ledger.TotalPosition("N"));
    ASSERT_EQ(ledger.TotalCash() + Money::FromMicros(sets.micros()) + engine.fees_collected(),
              Money::FromUnits(40'000));
    for (const auto& a : accounts) {
      ASSERT_GE(ledger.AvailableCash(a), Money::Zero()) << a;
      ASSERT_GE(ledger.LockedCash(a), Money::Zero()) << a;
      ASSERT_GE(ledger.AvailablePosition(a, "Y"), Quantity::Zero()) << a;
      ASSERT_GE(ledger.AvailablePosition(a, "N"), Quantity::Zero()) << a;
    }
  }
  EXPECT_GT(trades, 1000);  // the flow actually trades
  // Every live order's lock is still held; cancel all and every lock returns to zero.
  for (uint64_t id : placed) {
    const Order* o = engine.Find(id);
    if (o->state == OrderState::kLive) {
      ASSERT_TRUE(engine.Cancel(o->request.account, id).ok());
    }
  }
  for (const auto& a : accounts) {
    EXPECT_EQ(ledger.LockedCash(a), Money::Zero()) << a;
    EXPECT_EQ(ledger.LockedPosition(a, "Y"), Quantity::Zero()) << a;
    EXPECT_EQ(ledger.LockedPosition(a, "N"), Quantity::Zero()) << a;
  }
}

TEST(MarketEngineTickTest, ChangeTickCancelsOnlyWhatLeavesTheGrid) {
  Ledger ledger;
  ledger.Deposit("alice", Money::FromUnits(1000));
  MarketConfig c;
  c.condition_id = "0xc1";
  c.yes_token = "YES";
  c.no_token = "NO";
  c.tick = P("0.001");
  MarketEngine engine(c, &ledger);
  std::vector<uint64_t> done;
  engine.AddOrderDoneListener([&](const MarketEngine&, const Order& o) { done.push_back(o.id); });
  auto place = [&](const char* price) {
    OrderRequest r;
    r.account = "alice";
    r.side = Side::kBuy;
    r.price = P(price);
    r.size = Q("10");
    absl::StatusOr<PlaceResult> placed = engine.Place(r, 0);
    EXPECT_TRUE(placed.ok()) << placed.status();
    return placed.ok() ? placed->order_id : 0;
  };
  const uint64_t off = place("0.015");
  const uint64_t on = place("0.02");
  (void)engine.TakeLevelChanges();
  EXPECT_EQ(engine.BestPrice(kYes, Side::kBuy), P("0.02"));
  EXPECT_EQ(engine.BestPrice(kYes, Side::kSell), std::nullopt);

  absl::StatusOr<std::vector<uint64_t>> refined = engine.ChangeTick(P("0.0005"));
  ASSERT_TRUE(refined.ok()) << refined.status();
  EXPECT_TRUE(refined->empty()) << "a finer grid keeps every order";

  absl::StatusOr<std::vector<uint64_t>> coarse = engine.ChangeTick(P("0.01"));
  ASSERT_TRUE(coarse.ok()) << coarse.status();
  EXPECT_THAT(*coarse, ElementsAre(off));
  EXPECT_THAT(done, ElementsAre(off));
  EXPECT_EQ(engine.Find(off)->state, OrderState::kCanceled);
  EXPECT_EQ(engine.Find(on)->state, OrderState::kLive);
  EXPECT_EQ(engine.config().tick, P("0.01"));
  EXPECT_THAT(engine.Levels(kYes, Side::kBuy), ElementsAre(Pair(P("0.02"), Q("10"))));
  const std::vector<LevelChange> changes = engine.TakeLevelChanges();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].price, P("0.015"));
  EXPECT_EQ(changes[0].size, Quantity::Zero());
  // New orders follow the new grid.
  OrderRequest r;
  r.account = "alice";
  r.price = P("0.025");
  r.size = Q("1");
  EXPECT_FALSE(engine.Place(r, 0).ok());
  for (const char* bad : {"0", "0.003", "0.2"}) {
    const absl::StatusOr<std::vector<uint64_t>> st = engine.ChangeTick(P(bad));
    EXPECT_FALSE(st.ok()) << bad;
  }
  EXPECT_EQ(engine.config().tick, P("0.01"));
}

}  // namespace
}  // namespace arbor::sim
