#include "arbor/net/circuit_breaker.h"

#include "arbor/core/clock.h"
#include "gtest/gtest.h"

namespace arbor::net {
namespace {

CircuitBreakerOptions Opts() {
  CircuitBreakerOptions o;
  o.consecutive_failures = 3;
  o.failure_rate = 0.5;
  o.min_requests = 10;
  o.window = absl::Seconds(10);
  o.cool_down = absl::Seconds(5);
  o.cool_down_jitter = 0.2;
  o.half_open_probes = 2;
  return o;
}

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailures) {
  SimulatedClock clock;
  CircuitBreaker cb(clock, Opts());
  EXPECT_EQ(cb.State("a"), BreakerState::kClosed);
  cb.OnFailure("a");
  cb.OnFailure("a");
  cb.OnSuccess("a");  // breaks the run
  cb.OnFailure("a");
  cb.OnFailure("a");
  EXPECT_EQ(cb.State("a"), BreakerState::kClosed);
  EXPECT_TRUE(cb.Allow("a"));
  cb.OnFailure("a");
  EXPECT_EQ(cb.State("a"), BreakerState::kOpen);
  EXPECT_FALSE(cb.Allow("a"));
  EXPECT_TRUE(cb.Allow("b"));  // per endpoint
  const BreakerStats s = cb.Stats("a");
  EXPECT_EQ(s.opened, 1u);
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(BreakerStateName(s.state), "open");
}

TEST(CircuitBreakerTest, OpensOnFailureRateInWindow) {
  SimulatedClock clock;
  CircuitBreaker cb(clock, Opts());
  // Alternate so there are never 3 failures in a row: 5 failures / 10 outcomes = 50%.
  for (int i = 0; i < 4; ++i) {
    cb.OnSuccess("a");
    cb.OnFailure("a");
  }
  cb.OnSuccess("a");
  EXPECT_EQ(cb.State("a"), BreakerState::kClosed);  // 9 outcomes: below min_requests
  cb.OnFailure("a");
  EXPECT_EQ(cb.State("a"), BreakerState::kOpen);
}

TEST(CircuitBreakerTest, OldOutcomesLeaveTheWindow) {
  SimulatedClock clock;
  CircuitBreaker cb(clock, Opts());
  for (int i = 0; i < 4; ++i) {
    cb.OnSuccess("a");
    cb.OnFailure("a");
  }
  cb.OnSuccess("a");
  clock.Advance(absl::Seconds(11));
  // The 9 earlier outcomes have expired, so one more failure is 1 of 1 < min_requests.
  cb.OnFailure("a");
  EXPECT_EQ(cb.State("a"), BreakerState::kClosed);
}

TEST(CircuitBreakerTest, CoolDownIsJitteredWithinBounds) {
  SimulatedClock clock;
  CircuitBreaker cb(clock, Opts(), 99);
  for (int i = 0; i < 3; ++i) cb.OnFailure("a");
  clock.Advance(absl::Milliseconds(4999));
  EXPECT_EQ(cb.State("a"), BreakerState::kOpen);
  clock.Advance(absl::Milliseconds(1001) + absl::Nanoseconds(1));  // 6 s = 5 s * (1 + 0.2)
  EXPECT_EQ(cb.State("a"), BreakerState::kHalfOpen);
}

TEST(CircuitBreakerTest, HalfOpenLimitsProbesAndSuccessCloses) {
  SimulatedClock clock;
  CircuitBreaker cb(clock, Opts());
  for (int i = 0; i < 3; ++i) cb.OnFailure("a");
  clock.Advance(absl::Seconds(7));
  EXPECT_TRUE(cb.Allow("a"));
  EXPECT_TRUE(cb.Allow("a"));
  EXPECT_FALSE(cb.Allow("a"));
  cb.OnSuccess("a");
  EXPECT_EQ(cb.State("a"), BreakerState::kClosed);
  EXPECT_TRUE(cb.Allow("a"));
  // Counters were reset: two failures do not re-open it.
  cb.OnFailure("a");
  cb.OnFailure("a");
  EXPECT_EQ(cb.State("a"), BreakerState::kClosed);
}

TEST(CircuitBreakerTest, HalfOpenFailureReopens) {
  SimulatedClock clock;
  CircuitBreaker cb(clock, Opts());
  for (int i = 0; i < 3; ++i) cb.OnFailure("a");
  clock.Advance(absl::Seconds(7));
  EXPECT_TRUE(cb.Allow("a"));
  cb.OnFailure("a");
  EXPECT_EQ(cb.State("a"), BreakerState::kOpen);
  EXPECT_EQ(cb.Stats("a").opened, 2u);
  EXPECT_FALSE(cb.Allow("a"));
  clock.Advance(absl::Seconds(7));
  EXPECT_EQ(cb.State("a"), BreakerState::kHalfOpen);
}

}  // namespace
}  // namespace arbor::net
