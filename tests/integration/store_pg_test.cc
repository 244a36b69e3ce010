// arbor::store against a real PostgreSQL 15 cluster started by scripts/pg_cluster.sh: schema
// migrations, leadership and fencing, the intent and fill invariants, append-only history,
// pagination, and behaviour across a server crash and restart.
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arbor/store/migrations.h"
#include "arbor/store/store.h"
#include "arbor/testing/postgres_cluster.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::store {
namespace {

using ::arbor::testing::PostgresCluster;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class StorePgTest : public ::testing::Test {
 protected:
  // One cluster per process (this binary is one ctest); each test gets its own database.
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
    ASSERT_NE(cluster_, nullptr);
    const std::string db =
        absl::StrCat("t_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    pqxx::connection admin(cluster_->conninfo());
    pqxx::nontransaction txn(admin);
    txn.exec(absl::StrCat("DROP DATABASE IF EXISTS ", txn.quote_name(db)));
    txn.exec(absl::StrCat("CREATE DATABASE ", txn.quote_name(db)));
    conninfo_ = absl::StrCat(cluster_->conninfo(), " dbname=", db);
  }

  std::unique_ptr<Store> OpenLeader(std::string_view holder = "executor-0") {
    auto store = Store::Open(conninfo_);
    EXPECT_TRUE(store.ok()) << store.status();
    auto epoch = (*store)->AcquireLease(holder, absl::Seconds(30));
    EXPECT_TRUE(epoch.ok()) << epoch.status();
    (*store)->SetFencingEpoch(*epoch);
    return *std::move(store);
  }

  static PostgresCluster* cluster_;
  std::string conninfo_;
};

PostgresCluster* StorePgTest::cluster_ = nullptr;

v1::Execution MakeExecution(std::string_view id, std::string_view opportunity) {
  v1::Execution execution;
  execution.set_execution_id(std::string(id));
  execution.set_opportunity_id(std::string(opportunity));
  execution.set_lane(v1::LANE_BINARY);
  execution.set_state(v1::EXECUTION_STATE_PENDING);
  execution.set_mode(v1::TRADING_MODE_PAPER);
  execution.set_created_unix_nanos(1'000);
  execution.set_updated_unix_nanos(1'000);
  return execution;
}

v1::Opportunity MakeOpportunity() {
  v1::Opportunity opportunity;
  opportunity.set_opportunity_id("opp");
  opportunity.set_size_sets_micros(10'000'000);
  return opportunity;
}

v1::Order MakeOrder(std::string_view execution_id, uint32_t leg) {
  v1::Order order;
  order.set_client_order_id(absl::StrCat(std::string(execution_id), "-", leg, "-0"));
  order.set_execution_id(std::string(execution_id));
  order.set_leg_index(leg);
  order.set_venue(v1::VENUE_POLYMARKET);
  order.mutable_instrument_id()->set_venue(v1::VENUE_POLYMARKET);
  order.mutable_instrument_id()->set_symbol(absl::StrCat("token", leg));
  order.set_side(v1::SIDE_BUY);
  order.set_status(v1::ORDER_STATUS_INITIALIZED);
  order.set_limit_price_micros(450'000);
  order.set_size_micros(10'000'000);
  order.set_created_unix_nanos(1'000);
  order.set_updated_unix_nanos(1'000);
  return order;
}

TEST_F(StorePgTest, MigratesOnceAndReopensIdempotently) {
  auto first = Store::Open(conninfo_);
  ASSERT_TRUE(first.ok()) << first.status();
  auto version = (*first)->SchemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, AllMigrations().back().version);
  // Two more executors starting at once: the migration lock makes both succeed.
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(2);
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] { results[i] = Store::Open(conninfo_).status(); });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : results) EXPECT_TRUE(s.ok()) << s;
  pqxx::connection c(conninfo_);
  pqxx::work txn(c);
  EXPECT_EQ(txn.exec("SELECT COUNT(*) FROM schema_migrations")[0][0].as<int>(),
            static_cast<int>(AllMigrations().size()));
}

TEST_F(StorePgTest, WritesWithoutALeaderEpochAreRefused) {
  auto store = Store::Open(conninfo_);
  ASSERT_TRUE(store.ok());
  const absl::Status s =
      (*store)->InsertExecution(MakeExecution("ex1", "opp1"), MakeOpportunity(), {});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("fenced"));
}

TEST_F(StorePgTest, LeaseIsExclusiveAndATakeoverFencesTheOldLeader) {
  auto a = Store::Open(conninfo_);
  auto b = Store::Open(conninfo_);
  ASSERT_TRUE(a.ok() && b.ok());
  auto epoch_a = (*a)->AcquireLease("executor-0", absl::Milliseconds(300));
  ASSERT_TRUE(epoch_a.ok()) << epoch_a.status();
  (*a)->SetFencingEpoch(*epoch_a);
  auto refused = (*b)->AcquireLease("executor-1", absl::Seconds(30));
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("executor-0"));
  ASSERT_TRUE((*a)->InsertExecution(MakeExecution("ex1", "opp1"), MakeOpportunity(), {}).ok());

  // The leader stops renewing (hung or partitioned); the standby takes over after expiry.
  absl::SleepFor(absl::Milliseconds(400));
  auto epoch_b = (*b)->AcquireLease("executor-1", absl::Seconds(30));
  ASSERT_TRUE(epoch_b.ok()) << epoch_b.status();
  EXPECT_GT(*epoch_b, *epoch_a);
  (*b)->SetFencingEpoch(*epoch_b);

  // The old leader wakes up: every write is refused and renewing fails.
  const absl::Status stale =
      (*a)->InsertExecution(MakeExecution("ex2", "opp2"), MakeOpportunity(), {});
  EXPECT_EQ(stale.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.message(), HasSubstr("fenced"));
  EXPECT_EQ((*a)->RenewLease("executor-0", *epoch_a, absl::Seconds(30)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*b)->InsertExecution(MakeExecution("ex2", "opp2"), MakeOpportunity(), {}).ok());
  EXPECT_TRUE((*b)->RenewLease("executor-1", *epoch_b, absl::Seconds(30)).ok());

  // A graceful release lets the other take over at once.
  ASSERT_TRUE((*b)->ReleaseLease("executor-1", *epoch_b).ok());
  auto epoch_a2 = (*a)->AcquireLease("executor-0", absl::Seconds(30));
  ASSERT_TRUE(epoch_a2.ok()) << epoch_a2.status();
  EXPECT_GT(*epoch_a2, *epoch_b);
}

TEST_F(StorePgTest, IntentIsAtomicAndDuplicateOpportunityWritesNothing) {
  auto store = OpenLeader();
  const v1::Execution execution = MakeExecution("ex1", "opp1");
  const std::vector<v1::Order> orders = {MakeOrder("ex1", 0), MakeOrder("ex1", 1)};
  ASSERT_TRUE(store->InsertExecution(execution, MakeOpportunity(), orders).ok());

  // Same opportunity again under a new execution id: refused, and no order of it is written.
  const std::vector<v1::Order> again = {MakeOrder("ex9", 0)};
  const absl::Status dup =
      store->InsertExecution(MakeExecution("ex9", "opp1"), MakeOpportunity(), again);
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;
  auto orphan = store->GetOrder("ex9-0-0");
  ASSERT_TRUE(orphan.ok());
  EXPECT_FALSE(orphan->has_value());

  auto loaded = store->GetExecutionByOpportunity("opp1");
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->execution_id(), "ex1");
  auto legs = store->OrdersOfExecution("ex1");
  ASSERT_TRUE(legs.ok());
  ASSERT_EQ(legs->size(), 2u);
  EXPECT_EQ((*legs)[1].instrument_id().symbol(), "token1");

  // An order whose price violates the schema's range fails the whole intent.
  v1::Order bad = MakeOrder("ex3", 0);
  bad.set_limit_price_micros(1'500'000);
  const std::vector<v1::Order> bad_orders = {MakeOrder("ex3", 1), bad};
  EXPECT_EQ(
      store->InsertExecution(MakeExecution("ex3", "opp3"), MakeOpportunity(), bad_orders).code(),
      absl::StatusCode::kInternal);
  auto partial = store->GetExecution("ex3");
  ASSERT_TRUE(partial.ok());
  EXPECT_FALSE(partial->has_value());
}

TEST_F(StorePgTest, OrderEventsAndFillsAreAppendOnlyAndDeduplicated) {
  auto store = OpenLeader();
  const std::vector<v1::Order> orders = {MakeOrder("ex1", 0)};
  ASSERT_TRUE(store->InsertExecution(MakeExecution("ex1", "opp1"), MakeOpportunity(), orders).ok());
  v1::Order order = orders[0];
  order.set_status(v1::ORDER_STATUS_SUBMITTED);
  ASSERT_TRUE(store->UpdateOrder(order, {"submit", ""}).ok());
  order.set_status(v1::ORDER_STATUS_ACCEPTED);
  order.set_venue_order_id("0xabc");
  ASSERT_TRUE(store->UpdateOrder(order, {"accepted", ""}).ok());

  v1::Fill fill;
  fill.set_fill_id("f1");
  fill.set_venue_trade_id("trade-1");
  fill.set_client_order_id(order.client_order_id());
  fill.set_execution_id("ex1");
  *fill.mutable_instrument_id() = order.instrument_id();
  fill.set_side(v1::SIDE_BUY);
  fill.set_price_micros(450'000);
  fill.set_size_micros(4'000'000);
  order.set_status(v1::ORDER_STATUS_PARTIALLY_FILLED);
  order.set_filled_size_micros(4'000'000);
  v1::Position position;
  position.set_venue(v1::VENUE_POLYMARKET);
  *position.mutable_instrument_id() = order.instrument_id();
  position.set_size_micros(4'000'000);
  ASSERT_TRUE(store->RecordFill(fill, order, position).ok());

  // The same trade reported again (status poll and user channel): nothing changes.
  fill.set_fill_id("f1-again");
  v1::Position doubled = position;
  doubled.set_size_micros(8'000'000);
  EXPECT_EQ(store->RecordFill(fill, order, doubled).code(), absl::StatusCode::kAlreadyExists);
  auto positions = store->ListPositions();
  ASSERT_TRUE(positions.ok());
  ASSERT_EQ(positions->size(), 1u);
  EXPECT_EQ((*positions)[0].size_micros(), 4'000'000);

  auto kinds = store->OrderEventKinds(order.client_order_id());
  ASSERT_TRUE(kinds.ok());
  EXPECT_THAT(*kinds, ElementsAre("initialized", "submit", "accepted", "fill"));
  auto by_venue_id = store->GetOrderByVenueId("0xabc");
  ASSERT_TRUE(by_venue_id.ok() && by_venue_id->has_value());
  EXPECT_EQ((*by_venue_id)->filled_size_micros(), 4'000'000);

  // History cannot be rewritten, not even by hand.
  pqxx::connection c(conninfo_);
  pqxx::work txn(c);
  EXPECT_THROW(txn.exec("UPDATE order_events SET kind = 'x'"), pqxx::sql_error);
}

TEST_F(StorePgTest, ListsPageNewestFirstWithFilters) {
  auto store = OpenLeader();
  for (int i = 1; i <= 5; ++i) {
    v1::Execution e = MakeExecution(absl::StrCat("ex", i), absl::StrCat("opp", i));
    e.set_created_unix_nanos(i * 1'000);
    if (i == 2) e.set_state(v1::EXECUTION_STATE_CLOSED);
    ASSERT_TRUE(store->InsertExecution(e, MakeOpportunity(), {}).ok());
  }
  ExecutionQuery query;
  query.page_size = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto result = store->ListExecutions(query);
    ASSERT_TRUE(result.ok()) << result.status();
    for (const auto& e : result->items) seen.push_back(e.execution_id());
    if (result->next_page_token.empty()) break;
    query.page_token = result->next_page_token;
  }
  EXPECT_THAT(seen, ElementsAre("ex5", "ex4", "ex3", "ex2", "ex1"));

  ExecutionQuery open;
  open.open_only = true;
  open.since_unix_nanos = 2'000;
  auto filtered = store->ListExecutions(open);
  ASSERT_TRUE(filtered.ok());
  std::vector<std::string> ids;
  for (const auto& e : filtered->items) ids.push_back(e.execution_id());
  EXPECT_THAT(ids, ElementsAre("ex5", "ex4", "ex3"));

  ExecutionQuery bad;
  bad.page_token = "not-a-token";
  EXPECT_EQ(store->ListExecutions(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StorePgTest, SafetyStateRoundTrips) {
  auto store = OpenLeader();
  v1::KillSwitch ks;
  ks.set_scope(v1::KILL_SWITCH_SCOPE_VENUE);
  ks.set_venue(v1::VENUE_KALSHI);
  ks.set_engaged(true);
  ks.set_reason("venue incident");
  ks.set_updated_unix_nanos(5);
  ASSERT_TRUE(store->SaveKillSwitch(ks, {.kind = "kill_switch", .actor = "ops"}).ok());
  ks.set_engaged(false);
  ASSERT_TRUE(store->SaveKillSwitch(ks, {.kind = "kill_switch", .actor = "ops"}).ok());
  auto switches = store->ListKillSwitches();
  ASSERT_TRUE(switches.ok());
  ASSERT_EQ(switches->size(), 1u);
  EXPECT_FALSE((*switches)[0].engaged());
  auto events = store->CountRiskEvents("kill_switch");
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(*events, 2);

  v1::SafeModeState safe;
  safe.set_active(true);
  safe.set_reason("unhedged after restart");
  safe.set_entered_unix_nanos(7);
  auto episode = store->OpenSafeModeEpisode(safe, {.kind = "safe_mode"});
  ASSERT_TRUE(episode.ok()) << episode.status();
  auto latest = store->LatestSafeModeEpisode();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->episode_id(), *episode);
  EXPECT_TRUE((*latest)->active());

  v1::TradingStateInfo state;
  state.set_manual_state(v1::TRADING_STATE_HALTED);
  state.set_reason("maintenance");
  ASSERT_TRUE(store->SaveTradingState(state, {.kind = "trading_state"}).ok());
  auto loaded = store->LoadTradingState();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->manual_state(), v1::TRADING_STATE_HALTED);
}

TEST_F(StorePgTest, ServerCrashMakesWritesUnavailableAndLosesNothingCommitted) {
  StoreOptions options;
  options.reconnect_min = absl::Milliseconds(10);
  options.reconnect_max = absl::Milliseconds(50);
  auto opened = Store::Open(conninfo_, options);
  ASSERT_TRUE(opened.ok());
  auto& store = *opened;
  auto epoch = store->AcquireLease("executor-0", absl::Seconds(60));
  ASSERT_TRUE(epoch.ok());
  store->SetFencingEpoch(*epoch);
  ASSERT_TRUE(store->InsertExecution(MakeExecution("ex1", "opp1"), MakeOpportunity(), {}).ok());

  ASSERT_TRUE(cluster_->Kill().ok());
  const absl::Status down =
      store->InsertExecution(MakeExecution("ex2", "opp2"), MakeOpportunity(), {});
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_FALSE(store->available());

  ASSERT_TRUE(cluster_->Restart().ok());
  absl::Status up = absl::UnavailableError("not tried");
  for (int i = 0; i < 100 && !up.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    up = store->InsertExecution(MakeExecution("ex2", "opp2"), MakeOpportunity(), {});
  }
  ASSERT_TRUE(up.ok()) << up;
  EXPECT_TRUE(store->available());
  auto first = store->GetExecution("ex1");
  ASSERT_TRUE(first.ok() && first->has_value());
}

}  // namespace
}  // namespace arbor::store
