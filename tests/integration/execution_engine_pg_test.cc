// ExecutionEngine against a real PostgreSQL cluster, with venue behaviour scripted per leg
// (ScriptedVenue below plays the venue: fills, rejections, resting orders, timeouts, lost sends)
// and with the paper gateway. Covers the intent-before-send rule, duplicates, the leg-failure
// policies and their loss bounds, safe mode, kill switches, a store outage, and recovery of
// executions interrupted at each step.
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "arbor/core/clock.h"
#include "arbor/exec/execution_engine.h"
#include "arbor/exec/paper_gateway.h"
#include "arbor/risk/risk_engine.h"
#include "arbor/store/store.h"
#include "arbor/testing/postgres_cluster.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::exec {
namespace {

using ::arbor::testing::PostgresCluster;

// How the scripted venue treats one order (chosen by leg and entry/repair).
enum class Behaviour {
  kFill,         // fills completely at the limit
  kReject,       // refused
  kRest,         // rests (GTC-like) until canceled
  kHalf,         // fills half, the rest is killed (FAK)
  kUnknownFill,  // the send times out; the venue did fill it (Query tells)
  kLost,         // the send times out; the venue never got it
  kNothing,      // FAK with no liquidity: canceled, no fill
};

class ScriptedVenue final : public VenueGateway {
 public:
  explicit ScriptedVenue(Venue venue) : venue_(venue) {}

  void Script(int leg, bool repair, Behaviour b) {
    absl::MutexLock lock(&mu_);
    script_[{leg, repair}] = b;
  }
  int Sends(std::string_view client_order_id) const {
    absl::MutexLock lock(&mu_);
    auto it = sends_.find(std::string(client_order_id));
    return it == sends_.end() ? 0 : it->second;
  }
  int TotalSends() const {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& [id, count] : sends_) n += count;
    return n;
  }
  // Orders the "venue" holds (placed and not lost).
  std::vector<VenueOrderReport> Known() const {
    absl::MutexLock lock(&mu_);
    std::vector<VenueOrderReport> out;
    for (const auto& [id, r] : orders_) out.push_back(r);
    return out;
  }

  Venue venue() const override { return venue_; }

  std::vector<VenueOrderReport> Place(absl::Span<const OrderRequest> orders) override {
    absl::MutexLock lock(&mu_);
    std::vector<VenueOrderReport> out;
    for (const OrderRequest& o : orders) {
      ++sends_[o.client_order_id];
      const bool repair = absl::StrContains(o.client_order_id, "-r");
      const int leg = LegOf(o.client_order_id);
      Behaviour b = Behaviour::kFill;
      if (auto it = script_.find({leg, repair}); it != script_.end()) b = it->second;
      VenueOrderReport r;
      r.client_order_id = o.client_order_id;
      r.venue_order_id = absl::StrCat("v-", o.client_order_id);
      switch (b) {
        case Behaviour::kFill:
          AddFill(r, o, o.size_micros);
          r.state = VenueOrderState::kFilled;
          break;
        case Behaviour::kReject:
          r.state = VenueOrderState::kRejected;
          r.reason = "scripted reject";
          out.push_back(r);
          continue;
        case Behaviour::kRest:
          r.state = VenueOrderState::kOpen;
          break;
        case Behaviour::kHalf:
          AddFill(r, o, o.size_micros / 2);
          r.state = VenueOrderState::kCanceled;
          break;
        case Behaviour::kUnknownFill: {
          AddFill(r, o, o.size_micros);
          r.state = VenueOrderState::kFilled;
          orders_[o.client_order_id] = r;
          VenueOrderReport timeout;
          timeout.client_order_id = o.client_order_id;
          timeout.state = VenueOrderState::kUnknown;
          timeout.reason = "timeout";
          out.push_back(timeout);
          continue;
        }
        case Behaviour::kLost: {
          VenueOrderReport timeout;
          timeout.client_order_id = o.client_order_id;
          timeout.state = VenueOrderState::kUnknown;
          timeout.reason = "timeout";
          out.push_back(timeout);
          continue;
        }
        case Behaviour::kNothing:
          r.state = VenueOrderState::kCanceled;
          break;
      }
      orders_[o.client_order_id] = r;
      out.push_back(r);
    }
    return out;
  }

  VenueOrderReport Cancel(const OrderRequest& o, std::string_view) override {
    absl::MutexLock lock(&mu_);
    auto it = orders_.find(o.client_order_id);
    if (it == orders_.end()) {
      VenueOrderReport r;
      r.client_order_id = o.client_order_id;
      r.state = VenueOrderState::kNotFound;
      return r;
    }
    if (it->second.state == VenueOrderState::kOpen) it->second.state = VenueOrderState::kCanceled;
    return it->second;
  }

  absl::StatusOr<VenueOrderReport> Query(const OrderRequest& o, std::string_view) override {
    absl::MutexLock lock(&mu_);
    auto it = orders_.find(o.client_order_id);
    if (it == orders_.end()) {
      VenueOrderReport r;
      r.client_order_id = o.client_order_id;
      r.state = VenueOrderState::kNotFound;
      return r;
    }
    return it->second;
  }

  absl::StatusOr<std::vector<VenueOrderReport>> OpenOrders() override { return Known(); }
  absl::StatusOr<CashBalance> Balance() override { return CashBalance{}; }

 private:
  static int LegOf(const std::string& id) {
    // "<execution>-<leg>-0" or "<execution>-<leg>-r<n>"
    const size_t a = id.find('-');
    const size_t b = id.find('-', a + 1);
    return std::stoi(id.substr(a + 1, b - a - 1));
  }
  void AddFill(VenueOrderReport& r, const OrderRequest& o, int64_t size) {
    if (size <= 0) return;
    r.fills.push_back(VenueFill{.trade_id = absl::StrCat("t", ++trade_),
                                .price_micros = o.price_micros,
                                .size_micros = size,
                                .fee_micros = 1'000,
                                .ts_event_unix_nanos = 1,
                                .maker = false});
    r.filled_size_micros += size;
  }

  const Venue venue_;
  mutable absl::Mutex mu_;
  std::map<std::pair<int, bool>, Behaviour> script_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> sends_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, VenueOrderReport> orders_ ABSL_GUARDED_BY(mu_);
  int trade_ ABSL_GUARDED_BY(mu_) = 0;
};

// A binary bundle: buy YES at 0.45 and NO at 0.50 for 10 sets; pays 1 per set.
v1::Opportunity Bundle(std::string id) {
  v1::Opportunity opp;
  opp.set_opportunity_id(std::move(id));
  opp.set_lane(v1::LANE_BINARY);
  opp.set_size_sets_micros(10'000'000);
  opp.set_worst_case_payoff_micros(10'000'000);
  opp.set_guaranteed(true);
  opp.set_expected_profit_micros(500'000);
  opp.set_confidence(1.0);
  opp.add_event_ids("event-1");
  const int64_t prices[] = {450'000, 500'000};
  for (int i = 0; i < 2; ++i) {
    v1::OpportunityLeg* leg = opp.add_legs();
    leg->set_leg_index(static_cast<uint32_t>(i));
    leg->set_action(v1::LEG_ACTION_ORDER);
    leg->mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
    leg->mutable_instrument_id()->set_symbol(absl::StrCat("tok", i));
    leg->set_side(v1::SIDE_BUY);
    leg->set_limit_price_micros(prices[i]);
    leg->set_expected_vwap_micros(prices[i]);
    leg->set_size_micros(10'000'000);
    leg->set_available_size_micros(50'000'000);
    leg->set_time_in_force(v1::TIME_IN_FORCE_IOC);
  }
  return opp;
}

risk::Limits WideLimits() {
  risk::Limits limits;
  limits.max_order_size_micros = 1'000'000'000;
  limits.max_order_notional_micros = 1'000'000'000;
  limits.price_tolerance_micros = 50'000;
  limits.unwind_price_tolerance_micros = 500'000;
  limits.max_book_age_nanos = int64_t{3600} * 1'000'000'000;
  limits.max_venue_exposure_micros = 1'000'000'000;
  limits.max_event_exposure_micros = 1'000'000'000;
  limits.max_cluster_exposure_micros = 1'000'000'000;
  limits.max_open_executions = 100;
  limits.daily_loss_cap_micros = 1'000'000'000;
  limits.drawdown_reduce_micros = 1'000'000'000;
  limits.drawdown_halt_micros = 2'000'000'000;
  return limits;
}

class ExecutionEnginePgTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = PostgresCluster::Start();
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = cluster->release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    const std::string db =
        absl::StrCat("e_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    pqxx::connection admin(cluster_->conninfo());
    pqxx::nontransaction txn(admin);
    txn.exec(absl::StrCat("DROP DATABASE IF EXISTS ", txn.quote_name(db)));
    txn.exec(absl::StrCat("CREATE DATABASE ", txn.quote_name(db)));
    conninfo_ = absl::StrCat(cluster_->conninfo(), " dbname=", db);
    store_ = OpenStore();
    risk_ = std::make_unique<risk::RiskEngine>(clock_, WideLimits());
  }

  std::unique_ptr<store::Store> OpenStore() {
    store::StoreOptions options;
    options.reconnect_min = absl::Milliseconds(5);
    options.reconnect_max = absl::Milliseconds(20);
    auto store = store::Store::Open(conninfo_, options);
    EXPECT_TRUE(store.ok()) << store.status();
    auto epoch = (*store)->AcquireLease("executor-0", absl::Seconds(60));
    EXPECT_TRUE(epoch.ok()) << epoch.status();
    (*store)->SetFencingEpoch(*epoch);
    return *std::move(store);
  }

  std::unique_ptr<ExecutionEngine> MakeEngine(EngineConfig config = {}) {
    config.leg_window = absl::Seconds(1);
    config.poll_interval = absl::ZeroDuration();
    auto engine = std::make_unique<ExecutionEngine>(
        store_.get(), risk_.get(), ExecutionEngine::GatewayMap{{Venue::kPolymarket, &venue_}},
        &clock_, config);
    EXPECT_TRUE(engine->Recover().ok());
    return engine;
  }

  // Steps until the execution closes (or `max_steps`), advancing simulated time by 100 ms.
  v1::Execution RunToClose(ExecutionEngine& engine, const std::string& execution_id,
                           int max_steps = 60) {
    for (int i = 0; i < max_steps && engine.open_executions() > 0; ++i) {
      engine.Step();
      clock_.Advance(absl::Milliseconds(100));
    }
    auto stored = store_->GetExecution(execution_id);
    EXPECT_TRUE(stored.ok() && stored->has_value());
    return stored->value_or(v1::Execution());
  }

  static PostgresCluster* cluster_;
  std::string conninfo_;
  SimulatedClock clock_;
  ScriptedVenue venue_{Venue::kPolymarket};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<risk::RiskEngine> risk_;
};

PostgresCluster* ExecutionEnginePgTest::cluster_ = nullptr;

TEST_F(ExecutionEnginePgTest, BothLegsFillCompletesWithExactPnl) {
  auto engine = MakeEngine();
  auto submitted = engine->Submit(Bundle("opp-a"), 0, "test");
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  ASSERT_EQ(submitted->outcome, v1::SUBMIT_OUTCOME_ACCEPTED);
  const std::string id = submitted->execution.execution_id();
  // The intent is in the ledger before anything was sent.
  EXPECT_EQ(venue_.TotalSends(), 0);
  auto orders = store_->OrdersOfExecution(id);
  ASSERT_TRUE(orders.ok());
  ASSERT_EQ(orders->size(), 2u);
  EXPECT_EQ((*orders)[0].status(), v1::ORDER_STATUS_INITIALIZED);
  EXPECT_EQ(engine->Stats().orders_by_status.at("initialized"), 2u);

  const v1::Execution done = RunToClose(*engine, id);
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_COMPLETED);
  // One submit, two legs answered by the venue, two legs filled; nothing open any more.
  const EngineLatencies latencies = engine->TakeLatencies();
  EXPECT_EQ(latencies.submit_to_ack_nanos.size(), 1u);
  EXPECT_EQ(latencies.leg_ack_nanos.size(), 2u);
  EXPECT_EQ(latencies.leg_fill_nanos.size(), 2u);
  EXPECT_TRUE(engine->TakeLatencies().leg_ack_nanos.empty()) << "samples are drained";
  EXPECT_TRUE(engine->Stats().orders_by_status.empty());
  // 10 sets pay 10 USD; cost 4.5 + 5.0 USD; fees 2 x 0.001 USD.
  EXPECT_EQ(done.realized_pnl_micros(), 10'000'000 - 9'500'000 - 2'000);
  EXPECT_EQ(done.expected_profit_micros(), 500'000) << "the opportunity's promise, full size";
  EXPECT_EQ(done.hedged_quantity_micros(), 10'000'000);
  EXPECT_EQ(done.unhedged_exposure_micros(), 0);
  EXPECT_EQ(venue_.TotalSends(), 2);
  auto kinds = store_->OrderEventKinds(absl::StrCat(id, "-0-0"));
  ASSERT_TRUE(kinds.ok());
  EXPECT_THAT(*kinds, ::testing::ElementsAre("initialized", "submit", "accepted", "fill"));
  auto positions = store_->ListPositions();
  ASSERT_TRUE(positions.ok());
  ASSERT_EQ(positions->size(), 2u);
  EXPECT_EQ((*positions)[0].size_micros(), 10'000'000);
  EXPECT_EQ((*positions)[0].cost_basis_micros(), 4'500'000);
}

TEST_F(ExecutionEnginePgTest, DownSizedExecutionExpectsAProportionalProfit) {
  auto engine = MakeEngine();
  auto submitted = engine->Submit(Bundle("opp-down"), 4'000'000, "test");  // 4 of 10 sets
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  ASSERT_EQ(submitted->outcome, v1::SUBMIT_OUTCOME_ACCEPTED);
  EXPECT_EQ(submitted->execution.expected_profit_micros(), 200'000);  // 0.5 USD x 4/10
}

TEST_F(ExecutionEnginePgTest, DuplicateOpportunityNeverTradesTwice) {
  auto engine = MakeEngine();
  auto first = engine->Submit(Bundle("opp-dup"), 0, "test");
  ASSERT_TRUE(first.ok());
  auto again = engine->Submit(Bundle("opp-dup"), 0, "test");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, v1::SUBMIT_OUTCOME_DUPLICATE);
  EXPECT_EQ(again->execution.execution_id(), first->execution.execution_id());
  RunToClose(*engine, first->execution.execution_id());
  // After the close it is answered from the ledger.
  auto late = engine->Submit(Bundle("opp-dup"), 0, "test");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->outcome, v1::SUBMIT_OUTCOME_DUPLICATE);
  EXPECT_EQ(late->execution.state(), v1::EXECUTION_STATE_CLOSED);
  EXPECT_EQ(venue_.TotalSends(), 2);
}

TEST_F(ExecutionEnginePgTest, MalformedOpportunityIsInvalidArgument) {
  auto engine = MakeEngine();
  v1::Opportunity bad = Bundle("opp-bad");
  bad.mutable_legs(1)->set_limit_price_micros(1'200'000);
  auto result = engine->Submit(bad, 0, "test");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), ::testing::HasSubstr("legs[1]"));
  v1::Opportunity split = Bundle("opp-split");
  split.mutable_legs(0)->set_action(v1::LEG_ACTION_SPLIT);
  EXPECT_EQ(engine->Submit(split, 0, "test").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(venue_.TotalSends(), 0);
}

TEST_F(ExecutionEnginePgTest, RejectedLegUnwindsTheFilledOneAtABoundedLoss) {
  venue_.Script(1, false, Behaviour::kReject);
  EngineConfig config;
  config.default_policy = LegFailurePolicy::kUnwind;
  config.max_unwind_loss_per_unit_micros = 20'000;
  auto engine = MakeEngine(config);
  auto submitted = engine->Submit(Bundle("opp-rej"), 0, "test");
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->execution.execution_id();
  const v1::Execution done = RunToClose(*engine, id);
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_UNWOUND);
  // Bought 10 at 0.45, sold back at 0.43 (the bound): loss 0.2 USD plus two fees.
  EXPECT_EQ(done.realized_pnl_micros(), -200'000 - 2'000);
  EXPECT_GE(done.realized_pnl_micros(), -(20'000 * 10 + 2'000));
  EXPECT_EQ(venue_.Sends(absl::StrCat(id, "-0-r1")), 1);
  auto unwind = store_->GetOrder(absl::StrCat(id, "-0-r1"));
  ASSERT_TRUE(unwind.ok() && unwind->has_value());
  EXPECT_EQ((*unwind)->side(), v1::SIDE_SELL);
  EXPECT_EQ((*unwind)->limit_price_micros(), 430'000);
  EXPECT_FALSE(engine->safe_mode().active());
}

TEST_F(ExecutionEnginePgTest, LaggingLegIsCanceledAfterTheWindowThenUnwound) {
  venue_.Script(1, false, Behaviour::kRest);
  auto engine = MakeEngine();
  auto submitted = engine->Submit(Bundle("opp-lag"), 0, "test");
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->execution.execution_id();
  engine->Step();
  auto resting = store_->GetOrder(absl::StrCat(id, "-1-0"));
  ASSERT_TRUE(resting.ok() && resting->has_value());
  EXPECT_EQ((*resting)->status(), v1::ORDER_STATUS_ACCEPTED);
  {
    const EngineStats stats = engine->Stats();
    EXPECT_EQ(stats.orders_by_status.at("accepted"), 1u);
    EXPECT_EQ(stats.orders_by_status.at("filled"), 1u);
    EXPECT_EQ(engine->TakeLatencies().leg_fill_nanos.size(), 1u) << "only leg A filled";
  }
  const v1::Execution done = RunToClose(*engine, id);
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_UNWOUND);
  auto canceled = store_->GetOrder(absl::StrCat(id, "-1-0"));
  ASSERT_TRUE(canceled.ok() && canceled->has_value());
  EXPECT_EQ((*canceled)->status(), v1::ORDER_STATUS_CANCELED);
}

TEST_F(ExecutionEnginePgTest, PartialLegKeepsTheHedgedPartAndUnwindsTheRest) {
  venue_.Script(1, false, Behaviour::kHalf);
  auto engine = MakeEngine();
  auto submitted = engine->Submit(Bundle("opp-half"), 0, "test");
  ASSERT_TRUE(submitted.ok());
  const v1::Execution done = RunToClose(*engine, submitted->execution.execution_id());
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_UNWOUND);
  EXPECT_EQ(done.hedged_quantity_micros(), 5'000'000);
  // 5 sets locked (5 × (1 − 0.95)) = 0.25; 5 excess YES sold 0.02 lower = −0.1; 3 fees.
  EXPECT_EQ(done.realized_pnl_micros(), 250'000 - 100'000 - 3'000);
}

TEST_F(ExecutionEnginePgTest, HedgePolicyBuysTheShortfall) {
  venue_.Script(1, false, Behaviour::kHalf);
  EngineConfig config;
  config.default_policy = LegFailurePolicy::kHedge;
  config.max_hedge_premium_per_unit_micros = 10'000;
  auto engine = MakeEngine(config);
  auto submitted = engine->Submit(Bundle("opp-hedge"), 0, "test");
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->execution.execution_id();
  const v1::Execution done = RunToClose(*engine, id);
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_HEDGED);
  EXPECT_EQ(done.hedged_quantity_micros(), 10'000'000);
  auto hedge = store_->GetOrder(absl::StrCat(id, "-1-r1"));
  ASSERT_TRUE(hedge.ok() && hedge->has_value());
  EXPECT_EQ((*hedge)->side(), v1::SIDE_BUY);
  EXPECT_EQ((*hedge)->limit_price_micros(), 510'000);
  EXPECT_EQ((*hedge)->size_micros(), 5'000'000);
  // 10 sets pay 10; cost 4.5 + 2.5 + 5 × 0.51; 3 fees.
  EXPECT_EQ(done.realized_pnl_micros(), 10'000'000 - 4'500'000 - 2'500'000 - 2'550'000 - 3'000);
}

TEST_F(ExecutionEnginePgTest, TimedOutLegIsReconciledNeverResent) {
  venue_.Script(1, false, Behaviour::kUnknownFill);
  auto engine = MakeEngine();
  auto submitted = engine->Submit(Bundle("opp-timeout"), 0, "test");
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->execution.execution_id();
  engine->Step();
  auto unresolved = store_->GetOrder(absl::StrCat(id, "-1-0"));
  ASSERT_TRUE(unresolved.ok() && unresolved->has_value());
  EXPECT_EQ((*unresolved)->status(), v1::ORDER_STATUS_UNRESOLVED);
  const v1::Execution done = RunToClose(*engine, id);
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_COMPLETED);
  EXPECT_EQ(venue_.Sends(absl::StrCat(id, "-1-0")), 1);
}

TEST_F(ExecutionEnginePgTest, LostSendIsRejectedByTheLostOrderCounter) {
  venue_.Script(1, false, Behaviour::kLost);
  auto engine = MakeEngine();
  auto submitted = engine->Submit(Bundle("opp-lost"), 0, "test");
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->execution.execution_id();
  const v1::Execution done = RunToClose(*engine, id);
  auto lost = store_->GetOrder(absl::StrCat(id, "-1-0"));
  ASSERT_TRUE(lost.ok() && lost->has_value());
  EXPECT_EQ((*lost)->status(), v1::ORDER_STATUS_REJECTED);
  EXPECT_THAT((*lost)->reject_reason(), ::testing::HasSubstr("no such order"));
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_UNWOUND);
  EXPECT_EQ(venue_.Sends(absl::StrCat(id, "-1-0")), 1);
}

TEST_F(ExecutionEnginePgTest, ExposureLeftAfterThePolicyStartsSafeModeUntilAcknowledged) {
  venue_.Script(1, false, Behaviour::kReject);
  venue_.Script(0, true, Behaviour::kNothing);  // the unwind finds no bid
  auto engine = MakeEngine();
  auto submitted = engine->Submit(Bundle("opp-exposed"), 0, "test");
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->execution.execution_id();
  const v1::Execution done = RunToClose(*engine, id);
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_EXPOSED);
  EXPECT_EQ(done.unhedged_exposure_micros(), 4'500'000);
  EXPECT_EQ(venue_.Sends(absl::StrCat(id, "-0-r1")), 1);
  EXPECT_EQ(venue_.Sends(absl::StrCat(id, "-0-r2")), 1);
  EXPECT_EQ(venue_.Sends(absl::StrCat(id, "-0-r3")), 0);  // max_repair_attempts = 2
  const v1::SafeModeState safe = engine->safe_mode();
  ASSERT_TRUE(safe.active());
  ASSERT_EQ(safe.exposures_size(), 1);
  EXPECT_EQ(safe.exposures(0).size_micros(), 10'000'000);

  // No new risk while safe mode is unacknowledged.
  auto denied = engine->Submit(Bundle("opp-after"), 0, "test");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->outcome, v1::SUBMIT_OUTCOME_DENIED);
  EXPECT_EQ(denied->denial.reason(), v1::RISK_DENIAL_REASON_SAFE_MODE);
  EXPECT_EQ(engine->AcknowledgeSafeMode(safe.episode_id() + 7, "x", "ops").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(engine->AcknowledgeSafeMode(safe.episode_id(), "checked venue", "ops").ok());
  venue_.Script(1, false, Behaviour::kFill);
  auto accepted = engine->Submit(Bundle("opp-after-ack"), 0, "test");
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->outcome, v1::SUBMIT_OUTCOME_ACCEPTED);
  auto episode = store_->LatestSafeModeEpisode();
  ASSERT_TRUE(episode.ok() && episode->has_value());
  EXPECT_TRUE((*episode)->acknowledged());
  EXPECT_EQ((*episode)->acknowledged_by(), "ops");
}

TEST_F(ExecutionEnginePgTest, KillSwitchDeniesTheNextSubmissionAndCancelsResting) {
  venue_.Script(0, false, Behaviour::kRest);
  venue_.Script(1, false, Behaviour::kRest);
  auto engine = MakeEngine();
  auto resting = engine->Submit(Bundle("opp-rest"), 0, "test");
  ASSERT_TRUE(resting.ok());
  engine->Step();
  v1::KillSwitch ks;
  ks.set_scope(v1::KILL_SWITCH_SCOPE_GLOBAL);
  ks.set_engaged(true);
  ks.set_reason("test");
  ks.set_cancel_resting(true);
  ks.set_changed_by("ops");
  uint32_t cancels = 0;
  ASSERT_TRUE(engine->SetKillSwitch(ks, &cancels).ok());
  EXPECT_EQ(cancels, 2u);
  auto denied = engine->Submit(Bundle("opp-killed"), 0, "test");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->outcome, v1::SUBMIT_OUTCOME_DENIED);
  EXPECT_EQ(denied->denial.reason(), v1::RISK_DENIAL_REASON_KILL_SWITCH);
  const v1::Execution done = RunToClose(*engine, resting->execution.execution_id());
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_NOT_FILLED);
  auto events = store_->CountRiskEvents("denial");
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(*events, 1);

  ks.set_engaged(false);
  ASSERT_TRUE(engine->SetKillSwitch(ks, nullptr).ok());
  venue_.Script(0, false, Behaviour::kFill);
  venue_.Script(1, false, Behaviour::kFill);
  auto accepted = engine->Submit(Bundle("opp-released"), 0, "test");
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->outcome, v1::SUBMIT_OUTCOME_ACCEPTED);
}

TEST_F(ExecutionEnginePgTest, StoreOutageAcceptsNothingAndSendsNothing) {
  auto engine = MakeEngine();
  ASSERT_TRUE(cluster_->Stop().ok());
  auto result = engine->Submit(Bundle("opp-down"), 0, "test");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
  engine->Step();
  EXPECT_EQ(venue_.TotalSends(), 0);
  ASSERT_TRUE(cluster_->Restart().ok());
  absl::StatusOr<SubmitResult> up = absl::UnavailableError("not tried");
  for (int i = 0; i < 200 && !up.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    clock_.Advance(absl::Milliseconds(50));
    up = engine->Submit(Bundle("opp-down"), 0, "test");
  }
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->outcome, v1::SUBMIT_OUTCOME_ACCEPTED);
  RunToClose(*engine, up->execution.execution_id());
  EXPECT_EQ(venue_.TotalSends(), 2);
}

TEST_F(ExecutionEnginePgTest, RecoveryAbandonsUnsentIntents) {
  std::string id;
  {
    auto engine = MakeEngine();
    auto submitted = engine->Submit(Bundle("opp-crash-before-send"), 0, "test");
    ASSERT_TRUE(submitted.ok());
    id = submitted->execution.execution_id();
    // "Crash": the engine goes away before any Step.
  }
  auto restarted = MakeEngine();
  EXPECT_EQ(restarted->open_executions(), 0u);
  auto done = store_->GetExecution(id);
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_EQ((*done)->close_reason(), v1::CLOSE_REASON_NOT_FILLED);
  EXPECT_EQ(venue_.TotalSends(), 0);
  EXPECT_FALSE(restarted->safe_mode().active());
}

TEST_F(ExecutionEnginePgTest, RecoveryFindsFillsMadeWhileDownAndUnwinds) {
  venue_.Script(0, false, Behaviour::kUnknownFill);  // leg A filled, we never heard
  venue_.Script(1, false, Behaviour::kLost);         // leg B never arrived
  std::string id;
  {
    auto engine = MakeEngine();
    auto submitted = engine->Submit(Bundle("opp-crash-after-send"), 0, "test");
    ASSERT_TRUE(submitted.ok());
    id = submitted->execution.execution_id();
    engine->Step();  // both sends time out; then the process dies
  }
  auto restarted = MakeEngine();  // Recover() runs inside
  EXPECT_EQ(restarted->open_executions(), 0u);
  auto done = store_->GetExecution(id);
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_EQ((*done)->close_reason(), v1::CLOSE_REASON_UNWOUND);
  auto a = store_->GetOrder(absl::StrCat(id, "-0-0"));
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->status(), v1::ORDER_STATUS_FILLED);
  EXPECT_EQ(venue_.Sends(absl::StrCat(id, "-0-0")), 1);
  EXPECT_EQ(venue_.Sends(absl::StrCat(id, "-1-0")), 1);
}

TEST_F(ExecutionEnginePgTest, RecoveryWithUnhedgeableExposureEntersSafeMode) {
  venue_.Script(0, false, Behaviour::kUnknownFill);
  venue_.Script(1, false, Behaviour::kLost);
  venue_.Script(0, true, Behaviour::kNothing);
  {
    auto engine = MakeEngine();
    ASSERT_TRUE(engine->Submit(Bundle("opp-crash-exposed"), 0, "test").ok());
    engine->Step();
  }
  auto restarted = MakeEngine();
  EXPECT_TRUE(restarted->recovered());
  EXPECT_TRUE(restarted->safe_mode().active());
  // Safe mode survives another restart until acknowledged.
  auto again = MakeEngine();
  EXPECT_TRUE(again->safe_mode().active());
  auto denied = again->Submit(Bundle("opp-next"), 0, "test");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->denial.reason(), v1::RISK_DENIAL_REASON_SAFE_MODE);
}

TEST_F(ExecutionEnginePgTest, PaperGatewayRunsTheSameCodePathWithRealisedOutcomes) {
  SyntheticBooks books;
  PaperFillParams params;
  params.fill_probability = 0.7;
  params.adverse_selection_probability = 0.2;
  params.partial_fill_probability = 0.2;
  PaperGateway paper(Venue::kPolymarket, params, /*seed=*/42, &books, &clock_);
  EngineConfig config;
  config.leg_window = absl::Seconds(1);
  config.poll_interval = absl::ZeroDuration();
  ExecutionEngine engine(store_.get(), risk_.get(), {{Venue::kPolymarket, &paper}}, &clock_,
                         config);
  ASSERT_TRUE(engine.Recover().ok());
  std::map<v1::CloseReason, int> reasons;
  for (int i = 0; i < 20; ++i) {
    v1::Opportunity opp = Bundle(absl::StrCat("paper-", i));
    books.AddOpportunity(opp);
    auto submitted = engine.Submit(opp, 0, "test");
    ASSERT_TRUE(submitted.ok());
    if (submitted->outcome != v1::SUBMIT_OUTCOME_ACCEPTED) continue;
    const v1::Execution done = RunToClose(engine, submitted->execution.execution_id());
    ++reasons[done.close_reason()];
    // Realised, never expected: a complete execution books exactly payoff − cost − fees.
    if (done.close_reason() == v1::CLOSE_REASON_COMPLETED) {
      EXPECT_EQ(done.realized_pnl_micros(), 10'000'000 - 9'500'000);
    }
    if (engine.safe_mode().active()) {
      ASSERT_TRUE(engine.AcknowledgeSafeMode(engine.safe_mode().episode_id(), "paper", "t").ok());
    }
  }
  // With these probabilities both outcomes occur in 20 seeded draws.
  EXPECT_GT(reasons[v1::CLOSE_REASON_COMPLETED], 0);
  EXPECT_LT(reasons[v1::CLOSE_REASON_COMPLETED], 20);
  EXPECT_EQ(paper.orders_placed() >= 40u, true);
}

TEST_F(ExecutionEnginePgTest, PriceMovedAwayFromLegBUnwindsLegA) {
  venue_.Script(1, false, Behaviour::kNothing);  // the NO ask moved above our limit: FAK kills it
  auto engine = MakeEngine();
  auto submitted = engine->Submit(Bundle("opp-moved"), 0, "test");
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->execution.execution_id();
  const v1::Execution done = RunToClose(*engine, id);
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_UNWOUND);
  EXPECT_EQ(done.realized_pnl_micros(), -200'000 - 2'000);
  auto b = store_->GetOrder(absl::StrCat(id, "-1-0"));
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->status(), v1::ORDER_STATUS_CANCELED);
  EXPECT_EQ((*b)->filled_size_micros(), 0);
}

TEST_F(ExecutionEnginePgTest, TakerLegNoLongerMarketableOnTheLiveBookDeniesTheWholeBundle) {
  // The executor's own feed book has moved since the scanner priced the bundle: the NO ask is now
  // above the leg's limit (and the YES depth is thinner than the leg). Sending would fill YES alone
  // and leave it to unwind, so nothing is sent.
  SyntheticBooks books;
  auto engine = MakeEngine();
  engine->SetBookSource(&books);
  books.Set("tok0", true, {{450'000, 50'000'000}});
  books.Set("tok1", true, {{510'000, 50'000'000}});
  auto moved = engine->Submit(Bundle("opp-moved-away"), 0, "test");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->outcome, v1::SUBMIT_OUTCOME_DENIED);
  EXPECT_EQ(moved->denial.reason(), v1::RISK_DENIAL_REASON_NOT_MARKETABLE);
  EXPECT_EQ(moved->denial.limit_value(), 10'000'000);
  EXPECT_EQ(moved->denial.observed_value(), 0);

  books.Set("tok1", true, {{480'000, 4'000'000}, {500'000, 5'000'000}, {520'000, 50'000'000}});
  auto thin = engine->Submit(Bundle("opp-thin"), 0, "test");
  ASSERT_TRUE(thin.ok()) << thin.status();
  EXPECT_EQ(thin->outcome, v1::SUBMIT_OUTCOME_DENIED);
  EXPECT_EQ(thin->denial.reason(), v1::RISK_DENIAL_REASON_NOT_MARKETABLE);
  EXPECT_EQ(thin->denial.observed_value(), 9'000'000);  // two levels within the 0.50 limit
  EXPECT_EQ(venue_.TotalSends(), 0);

  // Depth back within the limit (over two levels): accepted and completed.
  books.Set("tok1", true, {{480'000, 4'000'000}, {500'000, 6'000'000}});
  auto ok = engine->Submit(Bundle("opp-back"), 0, "test");
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->outcome, v1::SUBMIT_OUTCOME_ACCEPTED);
  EXPECT_EQ(RunToClose(*engine, ok->execution.execution_id()).close_reason(),
            v1::CLOSE_REASON_COMPLETED);
}

// A bundle across two events (cross-venue, combinatorial) charges each leg to its own event:
// 4.5 USD to one and 5.0 USD to the other fit under a 6 USD per-event cap, while the same legs
// in one event (9.5 USD) do not. Before OpportunityLeg.event_id everything went to event_ids[0].
TEST_F(ExecutionEnginePgTest, EventExposureIsChargedToEachLegsOwnEvent) {
  risk::Limits limits = WideLimits();
  limits.max_event_exposure_micros = 6'000'000;
  risk_->SetLimits(limits);
  auto engine = MakeEngine();

  v1::Opportunity split = Bundle("opp-two-events");
  split.add_event_ids("event-2");
  split.mutable_legs(0)->set_event_id("event-1");
  split.mutable_legs(1)->set_event_id("event-2");
  auto accepted = engine->Submit(split, 0, "test");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome, v1::SUBMIT_OUTCOME_ACCEPTED) << accepted->denial.ShortDebugString();
  const risk::RiskSnapshot snapshot = risk_->Snapshot();
  EXPECT_EQ(snapshot.reserved_by_event.at("event-1"), 4'500'000);
  EXPECT_EQ(snapshot.reserved_by_event.at("event-2"), 5'000'000);
  RunToClose(*engine, accepted->execution.execution_id());

  v1::Opportunity same = Bundle("opp-one-event");
  same.mutable_legs(0)->set_event_id("event-3");
  same.mutable_legs(1)->set_event_id("event-3");
  auto denied = engine->Submit(same, 0, "test");
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_EQ(denied->outcome, v1::SUBMIT_OUTCOME_DENIED);
  EXPECT_EQ(denied->denial.reason(), v1::RISK_DENIAL_REASON_POSITION_LIMIT_EVENT);

  // An older scanner's legs without event ids fall back to event_ids[0] for both.
  v1::Opportunity legacy = Bundle("opp-legacy");
  auto legacy_denied = engine->Submit(legacy, 0, "test");
  ASSERT_TRUE(legacy_denied.ok()) << legacy_denied.status();
  EXPECT_EQ(legacy_denied->denial.reason(), v1::RISK_DENIAL_REASON_POSITION_LIMIT_EVENT);
}

TEST_F(ExecutionEnginePgTest, DailyLossCapDeniesBeforeTheCapCanBeCrossed) {
  risk::Limits limits = WideLimits();
  limits.daily_loss_cap_micros = 9'700'000;  // one bundle's worst case (9.5 USD) fits once
  risk_->SetLimits(limits);
  venue_.Script(1, false, Behaviour::kReject);
  auto engine = MakeEngine();
  auto first = engine->Submit(Bundle("opp-loss-1"), 0, "test");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->outcome, v1::SUBMIT_OUTCOME_ACCEPTED);
  const v1::Execution lost = RunToClose(*engine, first->execution.execution_id());
  ASSERT_EQ(lost.realized_pnl_micros(), -202'000);
  // 0.202 lost + 9.5 at risk would exceed 9.7: refused before it could happen.
  auto second = engine->Submit(Bundle("opp-loss-2"), 0, "test");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->outcome, v1::SUBMIT_OUTCOME_DENIED);
  EXPECT_EQ(second->denial.reason(), v1::RISK_DENIAL_REASON_DAILY_LOSS_CAP);
  EXPECT_EQ(second->denial.limit_value(), 9'700'000);
  // A restart does not forget today's loss: the recovered engine refuses the same.
  {
    risk::RiskEngine fresh_risk(clock_, limits);
    ExecutionEngine restarted(store_.get(), &fresh_risk, {{Venue::kPolymarket, &venue_}}, &clock_,
                              EngineConfig{});
    ASSERT_TRUE(restarted.Recover().ok());
    auto again = restarted.Submit(Bundle("opp-loss-2b"), 0, "test");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->denial.reason(), v1::RISK_DENIAL_REASON_DAILY_LOSS_CAP);
  }
  // A smaller one that still fits under the cap goes through.
  auto small = engine->Submit(Bundle("opp-loss-3"), 5'000'000, "test");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->outcome, v1::SUBMIT_OUTCOME_ACCEPTED);
}

TEST_F(ExecutionEnginePgTest, KillSwitchUnderLoadStopsNewOrdersWithinOneCycle) {
  venue_.Script(0, false, Behaviour::kRest);
  venue_.Script(1, false, Behaviour::kRest);
  auto engine = MakeEngine();
  for (int i = 0; i < 25; ++i) {
    auto r = engine->Submit(Bundle(absl::StrCat("opp-load-", i)), 0, "test");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->outcome, v1::SUBMIT_OUTCOME_ACCEPTED);
  }
  engine->Step();  // 50 orders resting
  // Five more are accepted but not yet sent when the switch is engaged.
  for (int i = 25; i < 30; ++i) {
    ASSERT_TRUE(engine->Submit(Bundle(absl::StrCat("opp-load-", i)), 0, "test").ok());
  }
  const int sends_before = venue_.TotalSends();
  EXPECT_EQ(sends_before, 50);
  v1::KillSwitch ks;
  ks.set_scope(v1::KILL_SWITCH_SCOPE_GLOBAL);
  ks.set_engaged(true);
  ks.set_reason("load test");
  ks.set_cancel_resting(true);
  ks.set_changed_by("ops");
  uint32_t cancels = 0;
  ASSERT_TRUE(engine->SetKillSwitch(ks, &cancels).ok());
  EXPECT_EQ(cancels, 50u);
  auto denied = engine->Submit(Bundle("opp-load-after"), 0, "test");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->denial.reason(), v1::RISK_DENIAL_REASON_KILL_SWITCH);
  engine->Step();  // one cycle: every resting order canceled
  int canceled = 0;
  store::OrderQuery query;
  query.page_size = 1000;
  auto orders = store_->ListOrders(query);
  ASSERT_TRUE(orders.ok());
  for (const v1::Order& o : orders->items) canceled += o.status() == v1::ORDER_STATUS_CANCELED;
  // 50 resting orders canceled at the venue, and the 10 orders of the five intents approved
  // before the switch but not yet sent canceled locally.
  EXPECT_EQ(canceled, 60);
  // The five accepted before the switch but not yet sent never go out: no new order reaches a
  // venue after the switch.
  EXPECT_EQ(venue_.TotalSends(), sends_before);
  for (int i = 0; i < 10 && engine->open_executions() > 0; ++i) engine->Step();
  EXPECT_EQ(engine->open_executions(), 0u);
  EXPECT_EQ(venue_.TotalSends(), sends_before);
}

TEST_F(ExecutionEnginePgTest, UserChannelFillsAreAppliedOnceAlongsidePolling) {
  venue_.Script(1, false, Behaviour::kRest);  // leg B rests; its fill arrives on the user channel
  auto engine = MakeEngine();
  auto submitted = engine->Submit(Bundle("opp-push"), 0, "test");
  ASSERT_TRUE(submitted.ok());
  const std::string id = submitted->execution.execution_id();
  engine->Step();
  const std::string b = absl::StrCat(id, "-1-0");
  const VenueFill fill{.trade_id = "ws-1",
                       .price_micros = 500'000,
                       .size_micros = 10'000'000,
                       .fee_micros = 1'000,
                       .ts_event_unix_nanos = 5,
                       .maker = true};
  EXPECT_TRUE(engine->OnVenueFills(Venue::kPolymarket, absl::StrCat("v-", b), {fill}));
  EXPECT_TRUE(engine->OnVenueFills(Venue::kPolymarket, absl::StrCat("v-", b), {fill}));  // again
  EXPECT_FALSE(engine->OnVenueFills(Venue::kPolymarket, "v-unknown", {fill}));
  auto order = store_->GetOrder(b);
  ASSERT_TRUE(order.ok() && order->has_value());
  EXPECT_EQ((*order)->filled_size_micros(), 10'000'000);
  EXPECT_EQ((*order)->status(), v1::ORDER_STATUS_FILLED);
  const v1::Execution done = RunToClose(*engine, id);
  EXPECT_EQ(done.close_reason(), v1::CLOSE_REASON_COMPLETED);
  EXPECT_EQ(done.realized_pnl_micros(), 10'000'000 - 9'500'000 - 2'000);
  EXPECT_EQ(engine->Stats().pushed_fills, 1u);
  EXPECT_EQ(engine->Stats().duplicate_fills, 1u);
}

}  // namespace
}  // namespace arbor::exec
