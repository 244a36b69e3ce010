#include "arbor/k8s/leader_election.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "arbor/core/clock.h"

namespace arbor::k8s {
namespace {

// Two electors sharing one in-memory Lease and one simulated clock, stepped by hand.
struct Pair {
  SimulatedClock clock;
  InMemoryLeaseStore store;
  std::vector<std::string> events;
  std::unique_ptr<LeaderElector> a, b;

  LeaderElectionConfig Config(const std::string& id) {
    LeaderElectionConfig c;
    c.identity = id;
    c.lease_duration = absl::Seconds(15);
    c.renew_deadline = absl::Seconds(10);
    c.retry_period = absl::Seconds(2);
    c.clock = &clock;
    c.on_started_leading = [this, id] { events.push_back(id + " started"); };
    c.on_stopped_leading = [this, id] { events.push_back(id + " stopped"); };
    return c;
  }
  Pair() {
    a = std::make_unique<LeaderElector>(std::make_unique<InMemoryLeaseLock>(store), Config("a"));
    b = std::make_unique<LeaderElector>(std::make_unique<InMemoryLeaseLock>(store), Config("b"));
  }
  void Tick(absl::Duration d = absl::Seconds(2)) { clock.Advance(d); }
};

TEST(LeaderElector, FirstCandidateCreatesTheLeaseAndLeads) {
  Pair p;
  EXPECT_EQ(p.a->Step(), absl::Seconds(2));
  EXPECT_TRUE(p.a->IsLeader());
  p.b->Step();
  EXPECT_FALSE(p.b->IsLeader());
  EXPECT_EQ(p.b->ObservedHolder(), "a");
  const LeaseRecord r = p.store.Read().record;
  EXPECT_EQ(r.holder_identity, "a");
  EXPECT_EQ(r.lease_duration_seconds, 15);
  EXPECT_EQ(r.lease_transitions, 0);
  EXPECT_EQ(r.acquire_time, p.clock.Now());
  EXPECT_THAT(p.events, ::testing::ElementsAre("a started"));
}

TEST(LeaderElector, RenewingKeepsAcquireTimeAndStandbyWaits) {
  Pair p;
  p.a->Step();
  const absl::Time acquired = p.clock.Now();
  for (int i = 0; i < 30; ++i) {  // a minute of renewals
    p.Tick();
    p.a->Step();
    p.b->Step();
    ASSERT_TRUE(p.a->IsLeader());
    ASSERT_FALSE(p.b->IsLeader());
  }
  const LeaseRecord r = p.store.Read().record;
  EXPECT_EQ(r.acquire_time, acquired);
  EXPECT_EQ(r.renew_time, p.clock.Now());
  EXPECT_EQ(r.lease_transitions, 0);
}

TEST(LeaderElector, ExpiryIsJudgedByLocalObservationNotRemoteTimestamps) {
  Pair p;
  p.a->Step();
  // The record claims a renewTime far in the past (a skewed clock on a's host): b must still
  // wait a full lease duration from when *it* first saw this record.
  LeaseRecord skewed = p.store.Read().record;
  skewed.renew_time -= absl::Hours(1);
  ASSERT_TRUE(p.store.Write(skewed, p.store.Read().version).ok());
  p.b->Step();
  EXPECT_FALSE(p.b->IsLeader());
  p.Tick(absl::Seconds(14));
  p.b->Step();
  EXPECT_FALSE(p.b->IsLeader());  // 14 s since b observed it
  p.Tick(absl::Seconds(1));
  p.b->Step();
  EXPECT_TRUE(p.b->IsLeader());  // 15 s: expired by b's own clock
  EXPECT_EQ(p.store.Read().record.lease_transitions, 1);
  EXPECT_EQ(p.store.Read().record.holder_identity, "b");
}

TEST(LeaderElector, LeaderStepsDownAfterRenewDeadlineAndStandbyTakesOver) {
  Pair p;
  p.a->Step();
  p.b->Step();
  p.store.SetFailure(absl::UnavailableError("partitioned"));  // nobody can write
  for (int i = 0; i < 4; ++i) {                               // 8 s < renew deadline
    p.Tick();
    p.a->Step();
    ASSERT_TRUE(p.a->IsLeader()) << i;
  }
  p.Tick();
  p.a->Step();  // 10 s without a renewal
  EXPECT_FALSE(p.a->IsLeader());
  p.store.SetFailure(absl::OkStatus());
  // b last saw the record change 10 s ago; after 15 s it takes over.
  p.b->Step();
  EXPECT_FALSE(p.b->IsLeader());
  p.Tick(absl::Seconds(4));
  p.b->Step();
  EXPECT_FALSE(p.b->IsLeader());
  p.Tick(absl::Seconds(1));
  p.b->Step();
  EXPECT_TRUE(p.b->IsLeader());
  EXPECT_EQ(p.store.Read().record.lease_transitions, 1);
  EXPECT_THAT(p.events, ::testing::ElementsAre("a started", "a stopped", "b started"));
  // a, now a candidate, sees b renewing and stays out.
  p.Tick();
  p.a->Step();
  p.b->Step();
  EXPECT_FALSE(p.a->IsLeader());
  EXPECT_TRUE(p.b->IsLeader());
}

TEST(LeaderElector, LeaderThatFindsAnotherHolderStepsDownAtOnce) {
  Pair p;
  p.a->Step();
  LeaseRecord stolen = p.store.Read().record;
  stolen.holder_identity = "intruder";
  ASSERT_TRUE(p.store.Write(stolen, p.store.Read().version).ok());
  p.Tick();
  p.a->Step();
  EXPECT_FALSE(p.a->IsLeader());
  EXPECT_EQ(p.a->ObservedHolder(), "intruder");
}

TEST(LeaderElector, ConcurrentWritersConflictAndOnlyOneWins) {
  SimulatedClock clock;
  InMemoryLeaseStore store;
  InMemoryLeaseLock lock_a(store), lock_b(store);
  LeaseRecord r;
  r.holder_identity = "a";
  ASSERT_TRUE(lock_a.Create(r).ok());
  ASSERT_TRUE(lock_a.Get().ok());
  ASSERT_TRUE(lock_b.Get().ok());
  ASSERT_TRUE(lock_a.Update(r).ok());
  EXPECT_EQ(lock_b.Update(r).code(), absl::StatusCode::kAborted);  // stale version
  EXPECT_EQ(lock_b.Create(r).code(), absl::StatusCode::kAlreadyExists);
}

TEST(LeaderElector, ReleaseLetsTheStandbyTakeOverWithinARetryPeriod) {
  Pair p;
  p.a->Step();
  p.b->Step();
  ASSERT_TRUE(p.a->Release().ok());
  EXPECT_FALSE(p.a->IsLeader());
  const LeaseRecord released = p.store.Read().record;
  EXPECT_EQ(released.holder_identity, "");
  EXPECT_EQ(released.lease_duration_seconds, 1);
  p.Tick();  // one retry period, far less than the 15 s lease
  p.b->Step();
  EXPECT_TRUE(p.b->IsLeader());
  EXPECT_EQ(p.store.Read().record.lease_transitions, 1);
  EXPECT_THAT(p.events, ::testing::ElementsAre("a started", "a stopped", "b started"));
  EXPECT_TRUE(p.b->Release().ok());
  EXPECT_TRUE(p.a->Release().ok());  // not leading: no-op
}

TEST(LeaseRecordJson, RoundTripsWithMicroTime) {
  LeaseRecord r;
  r.holder_identity = "x";
  r.lease_duration_seconds = 15;
  r.acquire_time = absl::FromUnixMicros(1'767'225'600'000'001);
  r.renew_time = absl::FromUnixMicros(1'767'225'601'500'000);
  r.lease_transitions = 4;
  const Json spec = LeaseSpecToJson(r);
  EXPECT_EQ(spec["renewTime"], "2026-01-01T00:00:01.500000Z");
  EXPECT_EQ(spec["acquireTime"], "2026-01-01T00:00:00.000001Z");
  EXPECT_TRUE(LeaseRecordFromJson(Json{{"spec", spec}}) == r);
  EXPECT_EQ(LeaseRecordFromJson(Json::parse(R"({"spec":{"renewTime":"garbage"}})")).renew_time,
            absl::UnixEpoch());
}

}  // namespace
}  // namespace arbor::k8s
