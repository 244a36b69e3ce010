// RiskEngine: each check against its boundary (one micro either side), the documented precedence
// (a plan that breaks every check, repaired one check at a time), reservations, throttles, kill
// switches, safe mode, the daily loss cap, drawdown and the trading states. Time comes from a
// SimulatedClock only.
#include "arbor/risk/risk_engine.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::risk {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr int64_t kUsd = 1'000'000;    // money micros
constexpr int64_t kShare = 1'000'000;  // quantity micros
constexpr int64_t kCent = 10'000;      // price micros
constexpr int64_t kMilli = 1'000'000;  // nanoseconds
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// Wide limits: the fixture's TwoLegPlan passes every check with room to spare, so each test
// tightens exactly the limit it is about.
Limits Permissive() {
  Limits l;
  l.max_order_size_micros = 1'000 * kShare;
  l.max_order_notional_micros = 1'000 * kUsd;
  l.price_tolerance_micros = 2 * kCent;
  l.unwind_price_tolerance_micros = 5 * kCent;
  l.max_book_age_nanos = 2'000 * kMilli;
  l.max_venue_exposure_micros = 10'000 * kUsd;
  l.max_event_exposure_micros = 10'000 * kUsd;
  l.max_cluster_exposure_micros = 10'000 * kUsd;
  l.max_open_executions = 100;
  l.daily_loss_cap_micros = 100'000 * kUsd;
  l.drawdown_reduce_micros = 500'000 * kUsd;
  l.drawdown_halt_micros = 1'000'000 * kUsd;
  l.stage_capital_cap_micros = 0;  // unlimited
  l.min_expected_profit_micros = 0;
  l.min_confidence = 0.5;
  return l;
}

LegPlan Leg(Venue venue, bool buy, int64_t cents, int64_t shares, std::string instrument,
            std::string event) {
  LegPlan leg;
  leg.venue = venue;
  leg.instrument_id = std::move(instrument);
  leg.event_id = std::move(event);
  leg.buy = buy;
  leg.price_micros = cents * kCent;
  leg.size_micros = shares * kShare;
  leg.best_price_micros = leg.price_micros;
  leg.book_age_nanos = 0;
  return leg;
}

// Buy YES on Polymarket at 0.40 and NO on Kalshi at 0.55, 100 each: capital 40 + 55 = 95 USD.
ExecutionPlan TwoLegPlan(std::string key = "ex-1", std::string lane = "binary") {
  ExecutionPlan plan;
  plan.execution_key = std::move(key);
  plan.lane = std::move(lane);
  plan.legs = {Leg(Venue::kPolymarket, true, 40, 100, "pm-yes", "ev-pm"),
               Leg(Venue::kKalshi, true, 55, 100, "ks-no", "ev-ks")};
  plan.expected_profit_micros = 5 * kUsd;
  plan.confidence = 0.9;
  return plan;
}

ExecutionPlan OneLegPlan(std::string key, Venue venue = Venue::kPolymarket,
                         std::string lane = "binary") {
  ExecutionPlan plan = TwoLegPlan(std::move(key), std::move(lane));
  plan.legs = {Leg(venue, true, 10, 10, "one", "ev-one")};  // 1 USD
  return plan;
}

// An unwind: sell 50 of the Polymarket YES at the bid.
LegPlan UnwindLeg(Venue venue = Venue::kPolymarket) {
  return Leg(venue, false, 40, 50, "pm-yes", "ev-pm");
}

::testing::AssertionResult Approved(const std::optional<Denial>& d) {
  if (!d.has_value()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "denied: " << *d;
}

::testing::AssertionResult DeniedWith(const std::optional<Denial>& d, DenialReason reason) {
  if (!d.has_value()) return ::testing::AssertionFailure() << "approved; expected " << reason;
  if (d->reason != reason) {
    return ::testing::AssertionFailure() << "denied with " << *d << "; expected " << reason;
  }
  return ::testing::AssertionSuccess();
}

class RiskEngineTest : public ::testing::Test {
 protected:
  RiskEngineTest() { clock_.Advance(absl::Seconds(1)); }

  int64_t Now() const { return clock_.MonotonicNanos(); }

  SimulatedClock clock_;
  RiskEngine engine_{clock_, Permissive()};
};

// --- Capital arithmetic -------------------------------------------------------------------

TEST(LegCapitalTest, BuysPayPriceSellsPostOneMinusPriceRoundedUp) {
  struct Case {
    bool buy;
    int64_t price;
    int64_t size;
    int64_t capital;
    int64_t notional;
  };
  const Case cases[] = {
      {true, 40 * kCent, 100 * kShare, 40 * kUsd, 40 * kUsd},
      {false, 40 * kCent, 100 * kShare, 60 * kUsd, 40 * kUsd},
      {true, 333'333, 1, 1, 1},   // 0.333333 micro rounds up to 1
      {false, 333'333, 1, 1, 1},  // 0.666667 micro rounds up to 1
      {true, 333'333, 3, 1, 1},   // 0.999999 -> 1
      {true, 1'000'000, 5 * kShare, 5 * kUsd, 5 * kUsd},
      {false, 1'000'000, 5 * kShare, 0, 5 * kUsd},
      {true, 1'000'000, kInt64Max, kInt64Max, kInt64Max},
      {false, 1, kInt64Max, 9'223'362'813'482'738'953, 9'223'372'036'855},
  };
  for (const Case& c : cases) {
    LegPlan leg = Leg(Venue::kKalshi, c.buy, 1, 1, "i", "e");
    leg.price_micros = c.price;
    leg.size_micros = c.size;
    EXPECT_EQ(LegCapitalMicros(leg), c.capital) << c.buy << " " << c.price << " " << c.size;
    EXPECT_EQ(LegNotionalMicros(leg), c.notional) << c.buy << " " << c.price << " " << c.size;
  }
}

// --- Approval and reservations ------------------------------------------------------------

TEST_F(RiskEngineTest, ApprovedExecutionReservesItsCapitalEverywhere) {
  ExecutionPlan plan = TwoLegPlan();
  plan.legs[0].cluster = "fed";
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(plan)));

  EXPECT_EQ(engine_.open_executions(), 1u);
  EXPECT_TRUE(engine_.IsReserved("ex-1"));
  EXPECT_EQ(engine_.ReservedCapital("ex-1"), 95 * kUsd);
  const RiskSnapshot s = engine_.Snapshot();
  EXPECT_EQ(s.open_executions, 1u);
  EXPECT_EQ(s.reserved_total_micros, 95 * kUsd);
  EXPECT_THAT(s.reserved_by_lane, ElementsAre(Pair("binary", 95 * kUsd)));
  EXPECT_THAT(s.reserved_by_venue,
              ElementsAre(Pair(Venue::kPolymarket, 40 * kUsd), Pair(Venue::kKalshi, 55 * kUsd)));
  EXPECT_THAT(s.reserved_by_event, ElementsAre(Pair("ev-ks", 55 * kUsd), Pair("ev-pm", 40 * kUsd)));
  EXPECT_THAT(s.reserved_by_cluster, ElementsAre(Pair("fed", 40 * kUsd)));
}

TEST_F(RiskEngineTest, SellLegsReserveTheirCollateral) {
  ExecutionPlan plan = OneLegPlan("short");
  plan.legs[0] = Leg(Venue::kPolymarket, false, 40, 100, "pm-yes", "ev-pm");
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(plan)));
  EXPECT_EQ(engine_.ReservedCapital("short"), 60 * kUsd);
}

TEST_F(RiskEngineTest, ReservationsAccumulateAgainstCapsAndReleaseFreesThem) {
  Limits limits = Permissive();
  limits.max_venue_exposure_micros = 100 * kUsd;
  engine_.SetLimits(limits);
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan("ex-1"))));

  // Kalshi would hold 55 + 55 = 110 > 100; Polymarket (80) is fine.
  const std::optional<Denial> d = engine_.CheckNewExecution(TwoLegPlan("ex-2"));
  ASSERT_TRUE(DeniedWith(d, DenialReason::kPositionLimitVenue));
  EXPECT_EQ(d->leg_index, 1u);
  EXPECT_EQ(d->limit_value, 100 * kUsd);
  EXPECT_EQ(d->observed_value, 110 * kUsd);

  engine_.ReleaseExecution("ex-1");
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan("ex-2"))));
  EXPECT_EQ(engine_.Snapshot().reserved_total_micros, 95 * kUsd);
}

TEST_F(RiskEngineTest, ReleaseIsIdempotentAndLeavesNoEmptyEntries) {
  ExecutionPlan plan = TwoLegPlan("ex-1");
  plan.legs[1].cluster = "fed";
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(plan)));
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("ex-2"))));

  engine_.ReleaseExecution("ex-1");
  engine_.ReleaseExecution("ex-1");
  engine_.ReleaseExecution("never-opened");
  RiskSnapshot s = engine_.Snapshot();
  EXPECT_EQ(s.open_executions, 1u);
  EXPECT_EQ(s.reserved_total_micros, 1 * kUsd);
  EXPECT_THAT(s.reserved_by_venue, ElementsAre(Pair(Venue::kPolymarket, 1 * kUsd)));
  EXPECT_THAT(s.reserved_by_event, ElementsAre(Pair("ev-one", 1 * kUsd)));
  EXPECT_THAT(s.reserved_by_cluster, IsEmpty());
  EXPECT_FALSE(engine_.ReservedCapital("ex-1").has_value());

  engine_.ReleaseExecution("ex-2");
  s = engine_.Snapshot();
  EXPECT_EQ(s.open_executions, 0u);
  EXPECT_EQ(s.reserved_total_micros, 0);
  EXPECT_THAT(s.reserved_by_lane, IsEmpty());
  EXPECT_THAT(s.reserved_by_venue, IsEmpty());
  EXPECT_THAT(s.reserved_by_event, IsEmpty());
}

TEST_F(RiskEngineTest, RepeatedKeyIsDeniedWhileReservedAndAllowedAfterRelease) {
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan("ex-1"))));
  const std::optional<Denial> d = engine_.CheckNewExecution(TwoLegPlan("ex-1"));
  ASSERT_TRUE(DeniedWith(d, DenialReason::kDuplicateGroup));
  EXPECT_FALSE(d->leg_index.has_value());
  EXPECT_EQ(engine_.ReservedCapital("ex-1"), 95 * kUsd) << "the denial must not double-reserve";

  engine_.ReleaseExecution("ex-1");
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan("ex-1"))));
}

TEST_F(RiskEngineTest, DenialChangesNothing) {
  Limits limits = Permissive();
  limits.throttles[Venue::kPolymarket] = {.orders_per_second = 0.0, .burst = 1};  // one token
  limits.max_event_exposure_micros = 10 * kUsd;
  engine_.SetLimits(limits);

  ASSERT_TRUE(
      DeniedWith(engine_.CheckNewExecution(TwoLegPlan()), DenialReason::kPositionLimitEvent));
  const RiskSnapshot s = engine_.Snapshot();
  EXPECT_EQ(s.open_executions, 0u);
  EXPECT_EQ(s.reserved_total_micros, 0);
  EXPECT_THAT(s.reserved_by_venue, IsEmpty());

  // The only Polymarket token is still there (SetLimits keeps a bucket's tokens; rate 0 never
  // refills, so approval proves the denial took none).
  limits.max_event_exposure_micros = 10'000 * kUsd;
  engine_.SetLimits(limits);
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan())));
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(OneLegPlan("ex-2")), DenialReason::kThrottle));
}

// --- One check at a time ------------------------------------------------------------------

struct CheckCase {
  std::string name;
  std::function<void(Limits&, ExecutionPlan&, int64_t now)> mutate;
  DenialReason reason;
  int64_t limit;
  int64_t observed;
  std::optional<uint32_t> leg;
};

std::vector<CheckCase> DenialCases() {
  return {
      {"market_closed", [](Limits&, ExecutionPlan& p, int64_t) { p.legs[1].market_open = false; },
       DenialReason::kMarketNotOpen, 0, 0, 1},
      {"low_confidence", [](Limits&, ExecutionPlan& p, int64_t) { p.confidence = 0.4; },
       DenialReason::kLowConfidence, 5'000, 4'000, std::nullopt},
      {"nan_confidence", [](Limits&, ExecutionPlan& p, int64_t) { p.confidence = std::nan(""); },
       DenialReason::kLowConfidence, 5'000, 0, std::nullopt},
      {"edge_too_small",
       [](Limits& l, ExecutionPlan&, int64_t) { l.min_expected_profit_micros = 5 * kUsd + 1; },
       DenialReason::kEdgeTooSmall, 5 * kUsd + 1, 5 * kUsd, std::nullopt},
      {"expired_at_deadline",
       [](Limits&, ExecutionPlan& p, int64_t now) { p.expires_mono_nanos = now; },
       DenialReason::kOpportunityExpired, 1'000 * kMilli, 1'000 * kMilli, std::nullopt},
      {"stale_book",
       [](Limits& l, ExecutionPlan& p, int64_t) {
         p.legs[0].book_age_nanos = l.max_book_age_nanos + 1;
       },
       DenialReason::kStaleBook, 2'000 * kMilli, 2'000 * kMilli + 1, 0},
      {"no_book_level", [](Limits&, ExecutionPlan& p, int64_t) { p.legs[1].best_price_micros = 0; },
       DenialReason::kStaleBook, 0, 0, 1},
      {"buy_above_ask_plus_tolerance",
       [](Limits&, ExecutionPlan& p, int64_t) {
         p.legs[0].best_price_micros = 40 * kCent - 2 * kCent - 1;
       },
       DenialReason::kPriceTolerance, 2 * kCent, 2 * kCent + 1, 0},
      {"sell_below_bid_minus_tolerance",
       [](Limits&, ExecutionPlan& p, int64_t) {
         p.legs[1].buy = false;
         p.legs[1].best_price_micros = 55 * kCent + 2 * kCent + 1;
       },
       DenialReason::kPriceTolerance, 2 * kCent, 2 * kCent + 1, 1},
      {"taker_leg_depth_gone",
       [](Limits&, ExecutionPlan& p, int64_t) {
         p.legs[1].marketable_size_micros = 100 * kShare - 1;
       },
       DenialReason::kNotMarketable, 100 * kShare, 100 * kShare - 1, 1},
      {"taker_leg_limit_below_book",
       [](Limits&, ExecutionPlan& p, int64_t) { p.legs[0].marketable_size_micros = 0; },
       DenialReason::kNotMarketable, 100 * kShare, 0, 0},
      {"order_size",
       [](Limits& l, ExecutionPlan&, int64_t) { l.max_order_size_micros = 100 * kShare - 1; },
       DenialReason::kMaxOrderSize, 100 * kShare - 1, 100 * kShare, 0},
      {"order_notional",
       [](Limits& l, ExecutionPlan&, int64_t) { l.max_order_notional_micros = 55 * kUsd - 1; },
       DenialReason::kMaxOrderNotional, 55 * kUsd - 1, 55 * kUsd, 1},
      {"open_executions", [](Limits& l, ExecutionPlan&, int64_t) { l.max_open_executions = 0; },
       DenialReason::kStageCapitalCap, 0, 1, std::nullopt},
      {"stage_capital",
       [](Limits& l, ExecutionPlan&, int64_t) { l.stage_capital_cap_micros = 95 * kUsd - 1; },
       DenialReason::kStageCapitalCap, 95 * kUsd - 1, 95 * kUsd, std::nullopt},
      {"lane_budget",
       [](Limits& l, ExecutionPlan&, int64_t) { l.lane_budget_micros["binary"] = 95 * kUsd - 1; },
       DenialReason::kLaneBudget, 95 * kUsd - 1, 95 * kUsd, std::nullopt},
      {"lane_budget_zero_disables_lane",
       [](Limits& l, ExecutionPlan&, int64_t) { l.lane_budget_micros["binary"] = 0; },
       DenialReason::kLaneBudget, 0, 95 * kUsd, std::nullopt},
      {"venue_exposure",
       [](Limits& l, ExecutionPlan&, int64_t) { l.max_venue_exposure_micros = 55 * kUsd - 1; },
       DenialReason::kPositionLimitVenue, 55 * kUsd - 1, 55 * kUsd, 1},
      {"event_exposure_sums_legs",
       [](Limits& l, ExecutionPlan& p, int64_t) {
         p.legs[0].event_id = p.legs[1].event_id = "ev";
         l.max_event_exposure_micros = 95 * kUsd - 1;
       },
       DenialReason::kPositionLimitEvent, 95 * kUsd - 1, 95 * kUsd, 0},
      {"cluster_exposure_sums_legs",
       [](Limits& l, ExecutionPlan& p, int64_t) {
         p.legs[0].cluster = p.legs[1].cluster = "fed";
         l.max_cluster_exposure_micros = 95 * kUsd - 1;
       },
       DenialReason::kExposureLimitCluster, 95 * kUsd - 1, 95 * kUsd, 0},
      {"cluster_exposure_second_leg",
       [](Limits& l, ExecutionPlan& p, int64_t) {
         p.legs[1].cluster = "fed";
         l.max_cluster_exposure_micros = 55 * kUsd - 1;
       },
       DenialReason::kExposureLimitCluster, 55 * kUsd - 1, 55 * kUsd, 1},
      {"daily_loss_worst_case",
       [](Limits& l, ExecutionPlan&, int64_t) { l.daily_loss_cap_micros = 95 * kUsd - 1; },
       DenialReason::kDailyLossCap, 95 * kUsd - 1, 95 * kUsd, std::nullopt},
      {"throttle_empty_bucket",
       [](Limits& l, ExecutionPlan&, int64_t) {
         l.throttles[Venue::kKalshi] = {.orders_per_second = 1.0, .burst = 0};
       },
       DenialReason::kThrottle, 0, 1, 1},
      // Malformed input.
      {"empty_key", [](Limits&, ExecutionPlan& p, int64_t) { p.execution_key.clear(); },
       DenialReason::kInvalidOrder, 0, 0, std::nullopt},
      {"empty_lane", [](Limits&, ExecutionPlan& p, int64_t) { p.lane.clear(); },
       DenialReason::kInvalidOrder, 0, 0, std::nullopt},
      {"no_legs", [](Limits&, ExecutionPlan& p, int64_t) { p.legs.clear(); },
       DenialReason::kInvalidOrder, 0, 0, std::nullopt},
      {"empty_instrument",
       [](Limits&, ExecutionPlan& p, int64_t) { p.legs[1].instrument_id.clear(); },
       DenialReason::kInvalidOrder, 0, 0, 1},
      {"empty_event", [](Limits&, ExecutionPlan& p, int64_t) { p.legs[0].event_id.clear(); },
       DenialReason::kInvalidOrder, 0, 0, 0},
      {"zero_price", [](Limits&, ExecutionPlan& p, int64_t) { p.legs[0].price_micros = 0; },
       DenialReason::kInvalidOrder, 1'000'000, 0, 0},
      {"price_above_one",
       [](Limits&, ExecutionPlan& p, int64_t) { p.legs[1].price_micros = 1'000'001; },
       DenialReason::kInvalidOrder, 1'000'000, 1'000'001, 1},
      {"zero_size", [](Limits&, ExecutionPlan& p, int64_t) { p.legs[0].size_micros = 0; },
       DenialReason::kInvalidOrder, 0, 0, 0},
      {"negative_size", [](Limits&, ExecutionPlan& p, int64_t) { p.legs[0].size_micros = -5; },
       DenialReason::kInvalidOrder, 0, -5, 0},
      {"negative_best",
       [](Limits&, ExecutionPlan& p, int64_t) { p.legs[0].best_price_micros = -1; },
       DenialReason::kInvalidOrder, 1'000'000, -1, 0},
      {"best_above_one",
       [](Limits&, ExecutionPlan& p, int64_t) { p.legs[0].best_price_micros = 1'000'001; },
       DenialReason::kInvalidOrder, 1'000'000, 1'000'001, 0},
      {"negative_book_age",
       [](Limits&, ExecutionPlan& p, int64_t) { p.legs[1].book_age_nanos = -1; },
       DenialReason::kInvalidOrder, 0, -1, 1},
  };
}

TEST_F(RiskEngineTest, EachCheckDeniesJustPastItsLimit) {
  for (const CheckCase& c : DenialCases()) {
    SCOPED_TRACE(c.name);
    SimulatedClock clock;
    clock.Advance(absl::Seconds(1));
    Limits limits = Permissive();
    ExecutionPlan plan = TwoLegPlan();
    c.mutate(limits, plan, clock.MonotonicNanos());
    RiskEngine engine(clock, limits);
    const std::optional<Denial> d = engine.CheckNewExecution(plan);
    ASSERT_TRUE(DeniedWith(d, c.reason));
    EXPECT_EQ(d->limit_value, c.limit) << *d;
    EXPECT_EQ(d->observed_value, c.observed) << *d;
    EXPECT_EQ(d->leg_index, c.leg) << *d;
    EXPECT_FALSE(d->message.empty());
    EXPECT_EQ(engine.open_executions(), 0u);
  }
}

std::vector<std::pair<std::string, std::function<void(Limits&, ExecutionPlan&, int64_t)>>>
ApprovalCases() {
  return {
      {"baseline", [](Limits&, ExecutionPlan&, int64_t) {}},
      {"deadline_in_future",
       [](Limits&, ExecutionPlan& p, int64_t now) { p.expires_mono_nanos = now + 1; }},
      {"confidence_at_min", [](Limits&, ExecutionPlan& p, int64_t) { p.confidence = 0.5; }},
      {"profit_at_min",
       [](Limits& l, ExecutionPlan&, int64_t) { l.min_expected_profit_micros = 5 * kUsd; }},
      {"book_age_at_max", [](Limits& l, ExecutionPlan& p,
                             int64_t) { p.legs[0].book_age_nanos = l.max_book_age_nanos; }},
      {"buy_at_ask_plus_tolerance",
       [](Limits&, ExecutionPlan& p, int64_t) {
         p.legs[0].best_price_micros = 40 * kCent - 2 * kCent;
       }},
      {"buy_below_ask",
       [](Limits&, ExecutionPlan& p, int64_t) { p.legs[0].best_price_micros = 90 * kCent; }},
      {"sell_at_bid_minus_tolerance",
       [](Limits&, ExecutionPlan& p, int64_t) {
         p.legs[1].buy = false;
         p.legs[1].best_price_micros = 57 * kCent;
       }},
      {"sell_above_bid",
       [](Limits&, ExecutionPlan& p, int64_t) {
         p.legs[1].buy = false;
         p.legs[1].best_price_micros = 1 * kCent;
       }},
      {"size_at_max",
       [](Limits& l, ExecutionPlan&, int64_t) { l.max_order_size_micros = 100 * kShare; }},
      {"notional_at_max",
       [](Limits& l, ExecutionPlan&, int64_t) { l.max_order_notional_micros = 55 * kUsd; }},
      {"one_open_execution_allowed",
       [](Limits& l, ExecutionPlan&, int64_t) { l.max_open_executions = 1; }},
      {"stage_cap_at_capital",
       [](Limits& l, ExecutionPlan&, int64_t) { l.stage_capital_cap_micros = 95 * kUsd; }},
      {"lane_budget_at_capital",
       [](Limits& l, ExecutionPlan&, int64_t) { l.lane_budget_micros["binary"] = 95 * kUsd; }},
      {"other_lane_budget_does_not_bind",
       [](Limits& l, ExecutionPlan&, int64_t) { l.lane_budget_micros["negrisk"] = 0; }},
      {"venue_cap_at_exposure",
       [](Limits& l, ExecutionPlan&, int64_t) { l.max_venue_exposure_micros = 55 * kUsd; }},
      {"event_cap_at_exposure",
       [](Limits& l, ExecutionPlan& p, int64_t) {
         p.legs[0].event_id = p.legs[1].event_id = "ev";
         l.max_event_exposure_micros = 95 * kUsd;
       }},
      {"no_cluster_no_cluster_cap",
       [](Limits& l, ExecutionPlan&, int64_t) { l.max_cluster_exposure_micros = 0; }},
      {"worst_case_reaches_daily_cap_exactly",
       [](Limits& l, ExecutionPlan&, int64_t) { l.daily_loss_cap_micros = 95 * kUsd; }},
      {"throttle_with_a_token",
       [](Limits& l, ExecutionPlan&, int64_t) {
         l.throttles[Venue::kKalshi] = {.orders_per_second = 0.0, .burst = 1};
       }},
      {"buy_at_one",
       [](Limits&, ExecutionPlan& p, int64_t) {
         p.legs[0].price_micros = p.legs[0].best_price_micros = 1'000'000;
       }},
  };
}

TEST_F(RiskEngineTest, EachCheckApprovesAtItsLimit) {
  for (const auto& [name, mutate] : ApprovalCases()) {
    SCOPED_TRACE(name);
    SimulatedClock clock;
    clock.Advance(absl::Seconds(1));
    Limits limits = Permissive();
    ExecutionPlan plan = TwoLegPlan();
    mutate(limits, plan, clock.MonotonicNanos());
    RiskEngine engine(clock, limits);
    EXPECT_TRUE(Approved(engine.CheckNewExecution(plan)));
    EXPECT_EQ(engine.open_executions(), 1u);
  }
}

// --- Precedence ---------------------------------------------------------------------------

TEST_F(RiskEngineTest, PrecedenceFollowsTheDocumentedOrder) {
  // An open execution with the same key, for kDuplicateGroup (made while everything is clean).
  ExecutionPlan plan = TwoLegPlan("ex-1");
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(plan)));

  // Now break every check at once.
  Limits limits = Permissive();
  engine_.SetSafeMode(true);
  engine_.SetManualState(TradingState::kHalted);
  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kGlobal, std::nullopt, "", true).ok());
  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kVenue, Venue::kKalshi, "", true).ok());
  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kLane, std::nullopt, "binary", true).ok());
  plan.legs[1].instrument_id.clear();
  plan.expires_mono_nanos = Now();
  plan.legs[0].market_open = false;
  plan.confidence = 0.1;
  plan.expected_profit_micros = -1;
  plan.legs[1].book_age_nanos = limits.max_book_age_nanos + 1;
  plan.legs[0].best_price_micros = 30 * kCent;
  plan.legs[1].marketable_size_micros = 0;
  plan.legs[0].cluster = "fed";
  limits.max_order_size_micros = 1;
  limits.max_order_notional_micros = 1;
  limits.max_open_executions = 0;
  limits.stage_capital_cap_micros = 1;
  limits.lane_budget_micros["binary"] = 1;
  limits.max_venue_exposure_micros = 1;
  limits.max_event_exposure_micros = 1;
  limits.max_cluster_exposure_micros = 1;
  limits.daily_loss_cap_micros = 1;
  limits.throttles[Venue::kPolymarket] = {.orders_per_second = 1.0, .burst = 0};
  engine_.SetLimits(limits);

  struct Step {
    DenialReason reason;
    std::optional<uint32_t> leg;
    std::function<void()> repair;
  };
  const std::vector<Step> steps = {
      {DenialReason::kSafeMode, std::nullopt, [&] { engine_.SetSafeMode(false); }},
      {DenialReason::kTradingHalted, std::nullopt,
       [&] { engine_.SetManualState(TradingState::kReducing); }},
      {DenialReason::kTradingReducing, std::nullopt,
       [&] { engine_.SetManualState(TradingState::kActive); }},
      {DenialReason::kKillSwitch, std::nullopt,
       [&] { ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kGlobal, {}, "", false).ok()); }},
      {DenialReason::kKillSwitch, 1,
       [&] {
         ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kVenue, Venue::kKalshi, "", false).ok());
       }},
      {DenialReason::kKillSwitch, std::nullopt,
       [&] { ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kLane, {}, "binary", false).ok()); }},
      {DenialReason::kInvalidOrder, 1, [&] { plan.legs[1].instrument_id = "ks-no"; }},
      {DenialReason::kDuplicateGroup, std::nullopt, [&] { engine_.ReleaseExecution("ex-1"); }},
      {DenialReason::kOpportunityExpired, std::nullopt, [&] { plan.expires_mono_nanos = 0; }},
      {DenialReason::kMarketNotOpen, 0, [&] { plan.legs[0].market_open = true; }},
      {DenialReason::kLowConfidence, std::nullopt, [&] { plan.confidence = 0.9; }},
      {DenialReason::kEdgeTooSmall, std::nullopt, [&] { plan.expected_profit_micros = 0; }},
      {DenialReason::kStaleBook, 1, [&] { plan.legs[1].book_age_nanos = 0; }},
      {DenialReason::kPriceTolerance, 0, [&] { plan.legs[0].best_price_micros = 40 * kCent; }},
      {DenialReason::kNotMarketable, 1, [&] { plan.legs[1].marketable_size_micros = -1; }},
      {DenialReason::kMaxOrderSize, 0, [&] { limits.max_order_size_micros = 1'000 * kShare; }},
      {DenialReason::kMaxOrderNotional, 0,
       [&] { limits.max_order_notional_micros = 1'000 * kUsd; }},
      {DenialReason::kStageCapitalCap, std::nullopt, [&] { limits.max_open_executions = 10; }},
      {DenialReason::kStageCapitalCap, std::nullopt, [&] { limits.stage_capital_cap_micros = 0; }},
      {DenialReason::kLaneBudget, std::nullopt, [&] { limits.lane_budget_micros.clear(); }},
      {DenialReason::kPositionLimitVenue, 0,
       [&] { limits.max_venue_exposure_micros = 1'000 * kUsd; }},
      {DenialReason::kPositionLimitEvent, 0,
       [&] { limits.max_event_exposure_micros = 1'000 * kUsd; }},
      {DenialReason::kExposureLimitCluster, 0,
       [&] { limits.max_cluster_exposure_micros = 1'000 * kUsd; }},
      {DenialReason::kDailyLossCap, std::nullopt,
       [&] { limits.daily_loss_cap_micros = 1'000 * kUsd; }},
      {DenialReason::kThrottle, 0, [&] { limits.throttles.clear(); }},
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE(i);
    const std::optional<Denial> d = engine_.CheckNewExecution(plan);
    ASSERT_TRUE(DeniedWith(d, steps[i].reason));
    EXPECT_EQ(d->leg_index, steps[i].leg) << *d;
    steps[i].repair();
    engine_.SetLimits(limits);
  }
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(plan)));
}

TEST_F(RiskEngineTest, PerLegChecksRunReasonByReasonThenLegByLeg) {
  // Leg 0 breaks price tolerance, leg 1 is stale: stale book comes first in the order, so leg 1.
  ExecutionPlan plan = TwoLegPlan();
  plan.legs[0].best_price_micros = 30 * kCent;
  plan.legs[1].book_age_nanos = 3'000 * kMilli;
  std::optional<Denial> d = engine_.CheckNewExecution(plan);
  ASSERT_TRUE(DeniedWith(d, DenialReason::kStaleBook));
  EXPECT_EQ(d->leg_index, 1u);

  // Both legs stale: the first leg is reported.
  plan.legs[0].book_age_nanos = 3'000 * kMilli;
  d = engine_.CheckNewExecution(plan);
  ASSERT_TRUE(DeniedWith(d, DenialReason::kStaleBook));
  EXPECT_EQ(d->leg_index, 0u);
}

// --- Throttle -----------------------------------------------------------------------------

ExecutionPlan PolymarketLegs(std::string key, int legs) {
  ExecutionPlan plan = OneLegPlan(std::move(key));
  plan.legs.clear();
  for (int i = 0; i < legs; ++i) {
    plan.legs.push_back(Leg(Venue::kPolymarket, true, 10, 10, "pm-" + std::to_string(i),
                            "ev-" + std::to_string(i)));
  }
  return plan;
}

TEST_F(RiskEngineTest, ThrottleTakesOneTokenPerLegAllOrNothing) {
  Limits limits = Permissive();
  limits.throttles[Venue::kPolymarket] = {.orders_per_second = 1.0, .burst = 2};
  engine_.SetLimits(limits);

  std::optional<Denial> d = engine_.CheckNewExecution(PolymarketLegs("three", 3));
  ASSERT_TRUE(DeniedWith(d, DenialReason::kThrottle));
  EXPECT_EQ(d->limit_value, 2);
  EXPECT_EQ(d->observed_value, 3);
  EXPECT_EQ(d->leg_index, 0u);

  ASSERT_TRUE(Approved(engine_.CheckNewExecution(PolymarketLegs("two", 2))));
  d = engine_.CheckNewExecution(PolymarketLegs("one", 1));
  ASSERT_TRUE(DeniedWith(d, DenialReason::kThrottle));
  EXPECT_EQ(d->limit_value, 0);
  EXPECT_EQ(d->observed_value, 1);

  clock_.Advance(absl::Seconds(1));
  d = engine_.CheckNewExecution(PolymarketLegs("two-b", 2));
  ASSERT_TRUE(DeniedWith(d, DenialReason::kThrottle)) << "one token is not enough for two legs";
  EXPECT_EQ(d->limit_value, 1);
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(PolymarketLegs("one", 1))));
}

TEST_F(RiskEngineTest, ThrottleIsAllOrNothingAcrossVenues) {
  Limits limits = Permissive();
  limits.throttles[Venue::kPolymarket] = {.orders_per_second = 0.0, .burst = 1};
  limits.throttles[Venue::kKalshi] = {.orders_per_second = 0.0, .burst = 0};
  engine_.SetLimits(limits);

  const std::optional<Denial> d = engine_.CheckNewExecution(TwoLegPlan());
  ASSERT_TRUE(DeniedWith(d, DenialReason::kThrottle));
  EXPECT_EQ(d->leg_index, 1u);
  // Polymarket's single token was not taken by the denied plan...
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("pm-1"))));
  // ...and is gone now.
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(OneLegPlan("pm-2")), DenialReason::kThrottle));
}

TEST_F(RiskEngineTest, ThrottleRefillsFromTheInjectedClock) {
  Limits limits = Permissive();
  limits.throttles[Venue::kPolymarket] = {.orders_per_second = 10.0, .burst = 1};
  engine_.SetLimits(limits);
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("a"))));
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(OneLegPlan("b")), DenialReason::kThrottle));
  clock_.Advance(absl::Milliseconds(99));
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(OneLegPlan("b")), DenialReason::kThrottle));
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("b"))));
}

TEST_F(RiskEngineTest, UnlistedVenueIsNotThrottled) {
  Limits limits = Permissive();
  limits.throttles[Venue::kKalshi] = {.orders_per_second = 0.0, .burst = 0};
  limits.max_open_executions = 1'000;
  engine_.SetLimits(limits);
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("pm-" + std::to_string(i))))) << i;
  }
}

TEST_F(RiskEngineTest, SetLimitsKeepsTokensAddsFullBucketsAndDropsRemovedVenues) {
  Limits limits = Permissive();
  limits.throttles[Venue::kPolymarket] = {.orders_per_second = 0.0, .burst = 1};
  engine_.SetLimits(limits);
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("pm-1"))));

  limits.throttles[Venue::kKalshi] = {.orders_per_second = 0.0, .burst = 2};
  engine_.SetLimits(limits);  // Polymarket keeps its empty bucket; Kalshi starts full
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(OneLegPlan("pm-2")), DenialReason::kThrottle));
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("ks-1", Venue::kKalshi))));
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("ks-2", Venue::kKalshi))));
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(OneLegPlan("ks-3", Venue::kKalshi)),
                         DenialReason::kThrottle));

  limits.throttles.erase(Venue::kPolymarket);
  engine_.SetLimits(limits);
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("pm-2"))));
}

// --- Kill switches and safe mode ----------------------------------------------------------

TEST_F(RiskEngineTest, GlobalKillSwitchActsOnTheVeryNextCheck) {
  ASSERT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan("ex-1"))));
  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kGlobal, std::nullopt, "", true).ok());
  const std::optional<Denial> d = engine_.CheckNewExecution(TwoLegPlan("ex-2"));
  ASSERT_TRUE(DeniedWith(d, DenialReason::kKillSwitch));
  EXPECT_FALSE(d->leg_index.has_value());
  EXPECT_TRUE(
      DeniedWith(engine_.CheckReducingOrder(UnwindLeg(), "binary"), DenialReason::kKillSwitch));

  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kGlobal, std::nullopt, "", false).ok());
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan("ex-2"))));
  EXPECT_TRUE(Approved(engine_.CheckReducingOrder(UnwindLeg(), "binary")));
}

TEST_F(RiskEngineTest, VenueKillSwitchStopsOnlyThatVenue) {
  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kVenue, Venue::kKalshi, "", true).ok());
  const std::optional<Denial> d = engine_.CheckNewExecution(TwoLegPlan("ex-1"));
  ASSERT_TRUE(DeniedWith(d, DenialReason::kKillSwitch));
  EXPECT_EQ(d->leg_index, 1u);
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(OneLegPlan("pm-only"))));
  EXPECT_TRUE(DeniedWith(engine_.CheckReducingOrder(UnwindLeg(Venue::kKalshi), "binary"),
                         DenialReason::kKillSwitch));
  EXPECT_TRUE(Approved(engine_.CheckReducingOrder(UnwindLeg(Venue::kPolymarket), "binary")));
}

TEST_F(RiskEngineTest, LaneKillSwitchStopsNewExecutionsOfThatLaneButNotUnwinds) {
  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kLane, std::nullopt, "binary", true).ok());
  const std::optional<Denial> d = engine_.CheckNewExecution(TwoLegPlan("ex-1", "binary"));
  ASSERT_TRUE(DeniedWith(d, DenialReason::kKillSwitch));
  EXPECT_FALSE(d->leg_index.has_value());
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan("ex-2", "negrisk"))));
  EXPECT_TRUE(Approved(engine_.CheckReducingOrder(UnwindLeg(), "binary")));
}

TEST_F(RiskEngineTest, IsKilledCombinesAllScopes) {
  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kVenue, Venue::kKalshi, "", true).ok());
  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kLane, std::nullopt, "negrisk", true).ok());
  EXPECT_FALSE(engine_.IsKilled(Venue::kPolymarket, "binary"));
  EXPECT_TRUE(engine_.IsKilled(Venue::kKalshi, "binary"));
  EXPECT_TRUE(engine_.IsKilled(Venue::kPolymarket, "negrisk"));
  ASSERT_TRUE(engine_.SetKillSwitch(KillScope::kGlobal, std::nullopt, "", true).ok());
  EXPECT_TRUE(engine_.IsKilled(Venue::kPolymarket, "binary"));

  const RiskSnapshot s = engine_.Snapshot();
  EXPECT_TRUE(s.global_kill);
  EXPECT_THAT(s.killed_venues, ElementsAre(Venue::kKalshi));
  EXPECT_THAT(s.killed_lanes, ElementsAre("negrisk"));
}

TEST_F(RiskEngineTest, KillSwitchArgumentsAreValidated) {
  EXPECT_EQ(engine_.SetKillSwitch(KillScope::kVenue, std::nullopt, "binary", true).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine_.SetKillSwitch(KillScope::kLane, Venue::kKalshi, "", true).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(engine_.IsKilled(Venue::kPolymarket, "binary"));
  EXPECT_FALSE(engine_.IsKilled(Venue::kKalshi, ""));
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan())));
}

TEST_F(RiskEngineTest, SafeModeBlocksNewRiskButNotUnwinds) {
  engine_.SetSafeMode(true);
  EXPECT_TRUE(engine_.safe_mode());
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(TwoLegPlan()), DenialReason::kSafeMode));
  EXPECT_TRUE(Approved(engine_.CheckReducingOrder(UnwindLeg(), "binary")));
  engine_.SetSafeMode(false);
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan())));
}

// --- Reducing orders ----------------------------------------------------------------------

struct ReducingCase {
  std::string name;
  std::function<void(RiskEngine&, Limits&, LegPlan&)> setup;
  std::optional<DenialReason> reason;  // nullopt = approved
};

TEST(RiskEngineReducingTest, WhatStopsAnUnwindAndWhatDoesNot) {
  const std::vector<ReducingCase> cases = {
      {"active", [](RiskEngine&, Limits&, LegPlan&) {}, std::nullopt},
      {"manual_reducing",
       [](RiskEngine& e, Limits&, LegPlan&) { e.SetManualState(TradingState::kReducing); },
       std::nullopt},
      {"drawdown_reducing",
       [](RiskEngine& e, Limits& l, LegPlan&) {
         l.drawdown_reduce_micros = 10 * kUsd;
         e.RecordRealizedPnl(-10 * kUsd);
       },
       std::nullopt},
      {"safe_mode", [](RiskEngine& e, Limits&, LegPlan&) { e.SetSafeMode(true); }, std::nullopt},
      {"lane_kill",
       [](RiskEngine& e, Limits&, LegPlan&) {
         ASSERT_TRUE(e.SetKillSwitch(KillScope::kLane, {}, "binary", true).ok());
       },
       std::nullopt},
      {"within_unwind_tolerance",
       [](RiskEngine&, Limits&, LegPlan& leg) { leg.best_price_micros = 45 * kCent; },
       std::nullopt},
      {"manual_halted",
       [](RiskEngine& e, Limits&, LegPlan&) { e.SetManualState(TradingState::kHalted); },
       DenialReason::kTradingHalted},
      {"daily_loss_halted",
       [](RiskEngine& e, Limits& l, LegPlan&) {
         l.daily_loss_cap_micros = 10 * kUsd;
         e.RecordRealizedPnl(-10 * kUsd);
       },
       DenialReason::kDailyLossCap},
      {"drawdown_halted",
       [](RiskEngine& e, Limits& l, LegPlan&) {
         l.drawdown_halt_micros = 10 * kUsd;
         e.RecordRealizedPnl(-10 * kUsd);
       },
       DenialReason::kDrawdown},
      {"global_kill",
       [](RiskEngine& e, Limits&, LegPlan&) {
         ASSERT_TRUE(e.SetKillSwitch(KillScope::kGlobal, {}, "", true).ok());
       },
       DenialReason::kKillSwitch},
      {"venue_kill",
       [](RiskEngine& e, Limits&, LegPlan&) {
         ASSERT_TRUE(e.SetKillSwitch(KillScope::kVenue, Venue::kPolymarket, "", true).ok());
       },
       DenialReason::kKillSwitch},
      {"invalid", [](RiskEngine&, Limits&, LegPlan& leg) { leg.size_micros = 0; },
       DenialReason::kInvalidOrder},
      {"market_closed", [](RiskEngine&, Limits&, LegPlan& leg) { leg.market_open = false; },
       DenialReason::kMarketNotOpen},
      {"stale",
       [](RiskEngine&, Limits& l, LegPlan& leg) { leg.book_age_nanos = l.max_book_age_nanos + 1; },
       DenialReason::kStaleBook},
      {"no_level", [](RiskEngine&, Limits&, LegPlan& leg) { leg.best_price_micros = 0; },
       DenialReason::kStaleBook},
      {"beyond_unwind_tolerance",
       [](RiskEngine&, Limits&, LegPlan& leg) { leg.best_price_micros = 45 * kCent + 1; },
       DenialReason::kPriceTolerance},
      {"throttle",
       [](RiskEngine&, Limits& l, LegPlan&) {
         l.throttles[Venue::kPolymarket] = {.orders_per_second = 1.0, .burst = 0};
       },
       DenialReason::kThrottle},
  };
  for (const ReducingCase& c : cases) {
    SCOPED_TRACE(c.name);
    SimulatedClock clock;
    Limits limits = Permissive();
    RiskEngine engine(clock, limits);
    LegPlan leg = UnwindLeg();
    c.setup(engine, limits, leg);
    engine.SetLimits(limits);
    const std::optional<Denial> d = engine.CheckReducingOrder(leg, "binary");
    if (!c.reason.has_value()) {
      EXPECT_TRUE(Approved(d));
    } else {
      ASSERT_TRUE(DeniedWith(d, *c.reason));
      EXPECT_FALSE(d->leg_index.has_value());
    }
    EXPECT_EQ(engine.open_executions(), 0u) << "reducing orders reserve nothing";
    EXPECT_EQ(engine.Snapshot().reserved_total_micros, 0);
  }
}

TEST_F(RiskEngineTest, UnwindsUseTheWiderTolerance) {
  LegPlan leg = UnwindLeg();           // sell at 0.40
  leg.best_price_micros = 43 * kCent;  // 3 cents below the bid: beyond 2c, within 5c
  EXPECT_TRUE(Approved(engine_.CheckReducingOrder(leg, "binary")));

  ExecutionPlan plan = OneLegPlan("new");
  plan.legs = {leg};
  const std::optional<Denial> d = engine_.CheckNewExecution(plan);
  ASSERT_TRUE(DeniedWith(d, DenialReason::kPriceTolerance));
  EXPECT_EQ(d->limit_value, 2 * kCent);
  EXPECT_EQ(d->observed_value, 3 * kCent);

  leg.best_price_micros = 45 * kCent + 1;
  const std::optional<Denial> wide = engine_.CheckReducingOrder(leg, "binary");
  ASSERT_TRUE(DeniedWith(wide, DenialReason::kPriceTolerance));
  EXPECT_EQ(wide->limit_value, 5 * kCent);
  EXPECT_EQ(wide->observed_value, 5 * kCent + 1);
}

TEST_F(RiskEngineTest, UnwindsSpendThrottleTokens) {
  Limits limits = Permissive();
  limits.throttles[Venue::kPolymarket] = {.orders_per_second = 0.0, .burst = 1};
  engine_.SetLimits(limits);
  ASSERT_TRUE(Approved(engine_.CheckReducingOrder(UnwindLeg(), "binary")));
  const std::optional<Denial> d = engine_.CheckReducingOrder(UnwindLeg(), "binary");
  ASSERT_TRUE(DeniedWith(d, DenialReason::kThrottle));
  EXPECT_EQ(d->limit_value, 0);
  EXPECT_EQ(d->observed_value, 1);
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(OneLegPlan("x")), DenialReason::kThrottle));
}

// --- Trading state ------------------------------------------------------------------------

TEST_F(RiskEngineTest, ManualStatesGateNewExecutions) {
  engine_.SetManualState(TradingState::kReducing);
  EXPECT_EQ(engine_.manual_state(), TradingState::kReducing);
  EXPECT_EQ(engine_.effective_state(), TradingState::kReducing);
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(TwoLegPlan()), DenialReason::kTradingReducing));
  engine_.SetManualState(TradingState::kHalted);
  EXPECT_TRUE(DeniedWith(engine_.CheckNewExecution(TwoLegPlan()), DenialReason::kTradingHalted));
  engine_.SetManualState(TradingState::kActive);
  EXPECT_TRUE(Approved(engine_.CheckNewExecution(TwoLegPlan())));
}

TEST(RiskEngineStateTest, EffectiveStateIsTheMoreRestrictive) {
  const TradingState all[] = {TradingState::kActive, TradingState::kReducing,
                              TradingState::kHalted};
  for (TradingState manual : all) {
    for (TradingState automatic : all) {
      SimulatedClock clock;
      Limits limits = Permissive();
      limits.drawdown_reduce_micros = 100 * kUsd;
      limits.drawdown_halt_micros = 200 * kUsd;
      RiskEngine engine(clock, limits);
      engine.SetEquity(1'000 * kUsd);
      if (automatic == TradingState::kReducing) engine.RecordRealizedPnl(-150 * kUsd);
      if (automatic == TradingState::kHalted) engine.RecordRealizedPnl(-250 * kUsd);
      engine.SetManualState(manual);
      ASSERT_EQ(engine.automatic_state(), automatic);
      EXPECT_EQ(engine.effective_state(), std::max(manual, automatic))
          << TradingStateName(manual) << " x " << TradingStateName(automatic);
      EXPECT_EQ(engine.Snapshot().effective_state, engine.effective_state());
    }
  }
}

TEST(RiskEngineStateTest, ManualHaltIsReportedEvenWhenAnAutomaticHaltAlsoHolds) {
  SimulatedClock clock;
  Limits limits = Permissive();
  limits.daily_loss_cap_micros = 10 * kUsd;
  RiskEngine engine(clock, limits);
  engine.RecordRealizedPnl(-10 * kUsd);
  EXPECT_TRUE(DeniedWith(engine.CheckNewExecution(TwoLegPlan()), DenialReason::kDailyLossCap));
  engine.SetManualState(TradingState::kHalted);
  EXPECT_TRUE(DeniedWith(engine.CheckNewExecution(TwoLegPlan()), DenialReason::kTradingHalted));
}

TEST(RiskEngineStateTest, NamesAreStable) {
  EXPECT_EQ(TradingStateName(TradingState::kActive), "active");
  EXPECT_EQ(TradingStateName(TradingState::kReducing), "reducing");
  EXPECT_EQ(TradingStateName(TradingState::kHalted), "halted");
  EXPECT_EQ(KillScopeName(KillScope::kGlobal), "global");
  EXPECT_EQ(KillScopeName(KillScope::kVenue), "venue");
  EXPECT_EQ(KillScopeName(KillScope::kLane), "lane");
}

// --- Daily loss cap -----------------------------------------------------------------------

TEST(RiskEngineDailyLossTest, DeniesBeforeTheCapIsCrossedThenHalts) {
  SimulatedClock clock;
  Limits limits = Permissive();
  limits.daily_loss_cap_micros = 100 * kUsd;
  RiskEngine engine(clock, limits);

  engine.RecordRealizedPnl(-60 * kUsd);
  EXPECT_EQ(engine.automatic_state(), TradingState::kActive);
  // 60 lost + 40 at risk = 100: reaches the cap, does not exceed it.
  ExecutionPlan forty = OneLegPlan("forty");
  forty.legs[0] = Leg(Venue::kPolymarket, true, 40, 100, "pm", "ev");
  ASSERT_TRUE(Approved(engine.CheckNewExecution(forty)));
  engine.ReleaseExecution("forty");

  // 60 lost + 40.000001 at risk > 100.
  ExecutionPlan more = forty;
  more.execution_key = "more";
  more.legs[0].size_micros += 3;  // 0.4 x 3 micro-shares = 1.2 -> 2 micro-USD, rounded up
  const std::optional<Denial> d = engine.CheckNewExecution(more);
  ASSERT_TRUE(DeniedWith(d, DenialReason::kDailyLossCap));
  EXPECT_EQ(d->limit_value, 100 * kUsd);
  EXPECT_EQ(d->observed_value, 100 * kUsd + 2);

  // The realised loss reaches the cap: automatic HALTED, for new and reducing orders alike.
  engine.RecordRealizedPnl(-40 * kUsd);
  EXPECT_EQ(engine.daily_pnl_micros(), -100 * kUsd);
  EXPECT_EQ(engine.automatic_state(), TradingState::kHalted);
  EXPECT_TRUE(engine.Snapshot().daily_loss_halted);
  const std::optional<Denial> halted = engine.CheckNewExecution(OneLegPlan("tiny"));
  ASSERT_TRUE(DeniedWith(halted, DenialReason::kDailyLossCap));
  EXPECT_EQ(halted->limit_value, 100 * kUsd);
  EXPECT_EQ(halted->observed_value, 100 * kUsd);
  EXPECT_TRUE(
      DeniedWith(engine.CheckReducingOrder(UnwindLeg(), "binary"), DenialReason::kDailyLossCap));

  // Latched for the day: a later profit does not lift it...
  engine.RecordRealizedPnl(50 * kUsd);
  EXPECT_EQ(engine.automatic_state(), TradingState::kHalted);
  // ...the next day does.
  engine.StartNewDay();
  EXPECT_EQ(engine.daily_pnl_micros(), 0);
  EXPECT_EQ(engine.automatic_state(), TradingState::kActive);
  EXPECT_TRUE(Approved(engine.CheckNewExecution(OneLegPlan("tiny"))));
}

TEST(RiskEngineDailyLossTest, TheDaysProfitsOffsetTheWorstCase) {
  SimulatedClock clock;
  Limits limits = Permissive();
  limits.daily_loss_cap_micros = 100 * kUsd;
  RiskEngine engine(clock, limits);
  engine.RecordRealizedPnl(50 * kUsd);
  ExecutionPlan plan = OneLegPlan("big");
  plan.legs[0] = Leg(Venue::kPolymarket, true, 50, 300, "pm", "ev");  // 150 at risk: -100 worst
  EXPECT_TRUE(Approved(engine.CheckNewExecution(plan)));
  plan.execution_key = "bigger";
  plan.legs[0].size_micros += 2;  // 150.000001 at risk
  EXPECT_TRUE(DeniedWith(engine.CheckNewExecution(plan), DenialReason::kDailyLossCap));
}

TEST(RiskEngineDailyLossTest, ZeroCapFailsClosed) {
  SimulatedClock clock;
  Limits limits = Permissive();
  limits.daily_loss_cap_micros = 0;
  RiskEngine engine(clock, limits);
  // Nothing is lost yet, so nothing is latched (a later, real cap must not find the day halted),
  // but no execution can fit under a zero cap.
  EXPECT_EQ(engine.automatic_state(), TradingState::kActive);
  EXPECT_TRUE(DeniedWith(engine.CheckNewExecution(TwoLegPlan()), DenialReason::kDailyLossCap));
  engine.RecordRealizedPnl(-1);
  EXPECT_EQ(engine.automatic_state(), TradingState::kHalted) << "any loss reaches a zero cap";

  RiskEngine defaults(clock, Limits{});
  EXPECT_EQ(defaults.effective_state(), TradingState::kHalted);
  EXPECT_TRUE(defaults.CheckNewExecution(TwoLegPlan()).has_value());
}

TEST(RiskEngineDailyLossTest, LoweringTheCapBelowTheLossHaltsAtOnceRaisingItDoesNotResume) {
  SimulatedClock clock;
  Limits limits = Permissive();
  RiskEngine engine(clock, limits);
  engine.RecordRealizedPnl(-30 * kUsd);
  EXPECT_EQ(engine.automatic_state(), TradingState::kActive);
  limits.daily_loss_cap_micros = 30 * kUsd;
  engine.SetLimits(limits);
  EXPECT_EQ(engine.automatic_state(), TradingState::kHalted);
  limits.daily_loss_cap_micros = 1'000 * kUsd;
  engine.SetLimits(limits);
  EXPECT_EQ(engine.automatic_state(), TradingState::kHalted);
  engine.StartNewDay();
  EXPECT_EQ(engine.automatic_state(), TradingState::kActive);
}

// --- Drawdown -----------------------------------------------------------------------------

TEST(RiskEngineDrawdownTest, StateFollowsDrawdownFromPeakBothWays) {
  SimulatedClock clock;
  Limits limits = Permissive();
  limits.drawdown_reduce_micros = 100 * kUsd;
  limits.drawdown_halt_micros = 200 * kUsd;
  RiskEngine engine(clock, limits);
  engine.SetEquity(1'000 * kUsd);

  struct Step {
    int64_t pnl;
    int64_t drawdown;
    int64_t peak;
    TradingState state;
  };
  const Step steps[] = {
      {-99 * kUsd, 99 * kUsd, 1'000 * kUsd, TradingState::kActive},
      {-1 * kUsd, 100 * kUsd, 1'000 * kUsd, TradingState::kReducing},  // at reduce threshold
      {-99 * kUsd, 199 * kUsd, 1'000 * kUsd, TradingState::kReducing},
      {-1 * kUsd, 200 * kUsd, 1'000 * kUsd, TradingState::kHalted},  // at halt threshold
      {-50 * kUsd, 250 * kUsd, 1'000 * kUsd, TradingState::kHalted},
      {51 * kUsd, 199 * kUsd, 1'000 * kUsd, TradingState::kReducing},  // recovers, no band
      {100 * kUsd, 99 * kUsd, 1'000 * kUsd, TradingState::kActive},
      {599 * kUsd, 0, 1'500 * kUsd, TradingState::kActive},              // new peak
      {-100 * kUsd, 100 * kUsd, 1'500 * kUsd, TradingState::kReducing},  // from the new peak
  };
  for (size_t i = 0; i < std::size(steps); ++i) {
    SCOPED_TRACE(i);
    engine.RecordRealizedPnl(steps[i].pnl);
    EXPECT_EQ(engine.drawdown_micros(), steps[i].drawdown);
    EXPECT_EQ(engine.peak_equity_micros(), steps[i].peak);
    EXPECT_EQ(engine.equity_micros(), steps[i].peak - steps[i].drawdown);
    EXPECT_EQ(engine.automatic_state(), steps[i].state);
  }
}

TEST(RiskEngineDrawdownTest, DenialsNameTheDrawdown) {
  SimulatedClock clock;
  Limits limits = Permissive();
  limits.drawdown_reduce_micros = 100 * kUsd;
  limits.drawdown_halt_micros = 200 * kUsd;
  RiskEngine engine(clock, limits);
  engine.SetEquity(1'000 * kUsd);

  engine.RecordRealizedPnl(-150 * kUsd);
  std::optional<Denial> d = engine.CheckNewExecution(TwoLegPlan());
  ASSERT_TRUE(DeniedWith(d, DenialReason::kDrawdown));
  EXPECT_EQ(d->limit_value, 100 * kUsd);
  EXPECT_EQ(d->observed_value, 150 * kUsd);

  engine.RecordRealizedPnl(-60 * kUsd);
  d = engine.CheckNewExecution(TwoLegPlan());
  ASSERT_TRUE(DeniedWith(d, DenialReason::kDrawdown));
  EXPECT_EQ(d->limit_value, 200 * kUsd);
  EXPECT_EQ(d->observed_value, 210 * kUsd);
}

TEST(RiskEngineDrawdownTest, EquityUpdatesMoveThePeakOnlyUp) {
  SimulatedClock clock;
  Limits limits = Permissive();
  limits.drawdown_reduce_micros = 100 * kUsd;
  limits.drawdown_halt_micros = 200 * kUsd;
  RiskEngine engine(clock, limits);
  engine.SetEquity(1'000 * kUsd);
  EXPECT_EQ(engine.peak_equity_micros(), 1'000 * kUsd);
  engine.SetEquity(880 * kUsd);  // reconciliation found less money: that is a drawdown
  EXPECT_EQ(engine.peak_equity_micros(), 1'000 * kUsd);
  EXPECT_EQ(engine.drawdown_micros(), 120 * kUsd);
  EXPECT_EQ(engine.automatic_state(), TradingState::kReducing);

  engine.ResetDrawdownPeak();
  EXPECT_EQ(engine.peak_equity_micros(), 880 * kUsd);
  EXPECT_EQ(engine.drawdown_micros(), 0);
  EXPECT_EQ(engine.automatic_state(), TradingState::kActive);

  engine.RecordRealizedPnl(-50 * kUsd);
  engine.StartNewDay();  // a new day does not forget the drawdown
  EXPECT_EQ(engine.equity_micros(), 830 * kUsd);
  EXPECT_EQ(engine.drawdown_micros(), 50 * kUsd);
  const RiskSnapshot s = engine.Snapshot();
  EXPECT_EQ(s.equity_micros, 830 * kUsd);
  EXPECT_EQ(s.peak_equity_micros, 880 * kUsd);
  EXPECT_EQ(s.drawdown_micros, 50 * kUsd);
  EXPECT_EQ(s.daily_pnl_micros, 0);
}

// --- Overflow -----------------------------------------------------------------------------

TEST(RiskEngineOverflowTest, PnlSaturatesInsteadOfWrapping) {
  SimulatedClock clock;
  RiskEngine engine(clock, Permissive());
  engine.RecordRealizedPnl(kInt64Max);
  engine.RecordRealizedPnl(kInt64Max);
  EXPECT_EQ(engine.equity_micros(), kInt64Max);
  EXPECT_EQ(engine.daily_pnl_micros(), kInt64Max);
  engine.StartNewDay();
  engine.RecordRealizedPnl(kInt64Min);
  engine.RecordRealizedPnl(kInt64Min);
  EXPECT_EQ(engine.daily_pnl_micros(), kInt64Min);
  EXPECT_EQ(engine.drawdown_micros(), kInt64Max) << "peak - equity saturates too";
  EXPECT_EQ(engine.automatic_state(), TradingState::kHalted);
}

TEST(RiskEngineOverflowTest, HugeLegsAreComparedExactly) {
  SimulatedClock clock;
  Limits limits = Permissive();
  limits.max_order_size_micros = kInt64Max;
  limits.max_order_notional_micros = kInt64Max;
  limits.max_venue_exposure_micros = kInt64Max;
  limits.max_event_exposure_micros = kInt64Max;
  limits.max_cluster_exposure_micros = kInt64Max;
  limits.daily_loss_cap_micros = kInt64Max;
  limits.stage_capital_cap_micros = kInt64Max;
  RiskEngine engine(clock, limits);

  ExecutionPlan plan = OneLegPlan("one-huge");
  plan.legs[0].price_micros = plan.legs[0].best_price_micros = 1'000'000;
  plan.legs[0].size_micros = kInt64Max;
  ASSERT_TRUE(Approved(engine.CheckNewExecution(plan)));
  EXPECT_EQ(engine.ReservedCapital("one-huge"), kInt64Max);

  // A second leg would take the total past int64: with 64-bit sums it would wrap negative and
  // pass; exactly, it breaks the stage cap.
  engine.ReleaseExecution("one-huge");
  ExecutionPlan two = plan;
  two.execution_key = "two-huge";
  two.legs.push_back(plan.legs[0]);
  two.legs[1].venue = Venue::kKalshi;
  two.legs[1].event_id = "other";
  const std::optional<Denial> d = engine.CheckNewExecution(two);
  ASSERT_TRUE(DeniedWith(d, DenialReason::kStageCapitalCap));
  EXPECT_EQ(d->limit_value, kInt64Max);
  EXPECT_EQ(d->observed_value, kInt64Max) << "reported values saturate";
}

}  // namespace
}  // namespace arbor::risk
