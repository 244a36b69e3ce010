#include "arbor/k8s/workqueue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "arbor/core/clock.h"

namespace arbor::k8s {
namespace {

using ::testing::Optional;

TEST(ItemExponentialRateLimiter, DoublesFromBaseToCapAndForgetResets) {
  ItemExponentialRateLimiter limiter(absl::Milliseconds(5), absl::Seconds(1000));
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(5));
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(10));
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(20));
  EXPECT_EQ(limiter.When("b"), absl::Milliseconds(5));  // per key
  EXPECT_EQ(limiter.NumRequeues("a"), 3);
  for (int i = 0; i < 40; ++i) limiter.When("a");
  EXPECT_EQ(limiter.When("a"), absl::Seconds(1000));  // capped, no overflow
  limiter.Forget("a");
  EXPECT_EQ(limiter.NumRequeues("a"), 0);
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(5));
}

TEST(BucketRateLimiter, BurstThenQps) {
  SimulatedClock clock;
  BucketRateLimiter bucket(10.0, 100, clock);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(bucket.When("k"), absl::ZeroDuration()) << i;
  EXPECT_EQ(bucket.When("k"), absl::Milliseconds(100));  // the 101st waits one token
  EXPECT_EQ(bucket.When("k"), absl::Milliseconds(200));
  clock.Advance(absl::Seconds(1));  // 10 tokens refilled, 2 already promised
  for (int i = 0; i < 8; ++i) EXPECT_EQ(bucket.When("k"), absl::ZeroDuration()) << i;
  EXPECT_EQ(bucket.When("k"), absl::Milliseconds(100));
}

TEST(DefaultControllerRateLimiter, IsTheMaxOfBoth) {
  SimulatedClock clock;
  std::unique_ptr<RateLimiter> limiter = DefaultControllerRateLimiter(clock);
  EXPECT_EQ(limiter->When("a"), absl::Milliseconds(5));
  for (int i = 0; i < 99; ++i) limiter->When(absl::StrCat("k", i));  // drain the burst
  // Bucket empty now: a fresh key waits for the bucket (100 ms) rather than 5 ms.
  EXPECT_EQ(limiter->When("fresh"), absl::Milliseconds(100));
  limiter->Forget("a");
  EXPECT_EQ(limiter->NumRequeues("a"), 0);
}

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  SimulatedClock clock;
  WorkQueue q(clock);
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_THAT(q.TryGet(), Optional(std::string("a")));
  EXPECT_THAT(q.TryGet(), Optional(std::string("b")));
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueue, KeyInProcessIsNotHandedOutTwice) {
  SimulatedClock clock;
  WorkQueue q(clock);
  q.Add("a");
  ASSERT_THAT(q.TryGet(), Optional(std::string("a")));
  q.Add("a");  // changed while being reconciled
  q.Add("a");
  EXPECT_EQ(q.TryGet(), std::nullopt);  // not while processing
  q.Done("a");
  EXPECT_THAT(q.TryGet(), Optional(std::string("a")));  // once, after Done
  q.Done("a");
  EXPECT_EQ(q.TryGet(), std::nullopt);
}

TEST(WorkQueue, AddAfterWaitsForTheClock) {
  SimulatedClock clock;
  WorkQueue q(clock);
  q.AddAfter("later", absl::Seconds(10));
  q.AddAfter("sooner", absl::Seconds(5));
  q.AddAfter("later", absl::Seconds(30));  // the earlier time wins
  EXPECT_EQ(q.TryGet(), std::nullopt);
  EXPECT_EQ(q.NumDelayed(), 2u);
  clock.Advance(absl::Seconds(5));
  EXPECT_THAT(q.TryGet(), Optional(std::string("sooner")));
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(absl::Seconds(5));
  EXPECT_THAT(q.TryGet(), Optional(std::string("later")));
  q.AddAfter("now", absl::ZeroDuration());
  EXPECT_THAT(q.TryGet(), Optional(std::string("now")));
}

TEST(WorkQueue, AddRateLimitedBacksOffPerKeyAndForgetResets) {
  SimulatedClock clock;
  WorkQueue q(clock);
  q.AddRateLimited("a");  // 5 ms
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(absl::Milliseconds(5));
  ASSERT_THAT(q.TryGet(), Optional(std::string("a")));
  q.AddRateLimited("a");  // 10 ms
  q.Done("a");
  clock.Advance(absl::Milliseconds(9));
  EXPECT_EQ(q.TryGet(), std::nullopt);
  clock.Advance(absl::Milliseconds(1));
  ASSERT_THAT(q.TryGet(), Optional(std::string("a")));
  EXPECT_EQ(q.NumRequeues("a"), 2);
  q.Forget("a");
  q.Done("a");
  EXPECT_EQ(q.NumRequeues("a"), 0);
  q.AddRateLimited("a");
  clock.Advance(absl::Milliseconds(5));
  EXPECT_THAT(q.TryGet(), Optional(std::string("a")));
}

TEST(WorkQueue, BlockingGetWakesForAddAndShutDown) {
  SimulatedClock clock;
  WorkQueue q(clock);
  std::optional<std::string> got;
  std::thread consumer([&] { got = q.Get(); });
  q.Add("x");
  consumer.join();
  EXPECT_THAT(got, Optional(std::string("x")));

  std::optional<std::string> after_shutdown = std::string("sentinel");
  std::thread waiter([&] { after_shutdown = q.Get(); });
  q.ShutDown();
  waiter.join();
  EXPECT_EQ(after_shutdown, std::nullopt);
  q.Add("ignored");
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_TRUE(q.ShuttingDown());
}

TEST(WorkQueue, BlockingGetSeesSimulatedClockAdvance) {
  SimulatedClock clock;
  WorkQueue q(clock);
  q.AddAfter("d", absl::Hours(1));
  std::optional<std::string> got;
  std::thread consumer([&] { got = q.Get(); });
  clock.Advance(absl::Hours(1));
  consumer.join();  // Get() re-checks delayed keys at least every 50 ms
  EXPECT_THAT(got, Optional(std::string("d")));
}

TEST(WorkQueue, GetForTimesOut) {
  WorkQueue q(SystemClock::Get());
  EXPECT_EQ(q.GetFor(absl::Milliseconds(20)), std::nullopt);
}

}  // namespace
}  // namespace arbor::k8s
