#include "arbor/net/rate_governor.h"

#include "arbor/core/clock.h"
#include "gtest/gtest.h"

namespace arbor::net {
namespace {

RateGovernorOptions Opts() {
  RateGovernorOptions o;
  o.initial_rate = 10;
  o.min_rate = 1;
  o.max_rate = 12;
  o.burst = 2;
  o.success_window = 3;
  o.additive_increase = 1;
  o.decrease_factor = 0.5;
  return o;
}

TEST(RateGovernorTest, TokenBucketBurstThenRefill) {
  SimulatedClock clock;
  RateGovernor g(clock, Opts());
  EXPECT_TRUE(g.TryAcquire("a"));
  EXPECT_TRUE(g.TryAcquire("a"));
  EXPECT_FALSE(g.TryAcquire("a"));
  // Endpoints are independent.
  EXPECT_TRUE(g.TryAcquire("b"));
  EXPECT_EQ(g.TimeUntilAvailable("a"), absl::Milliseconds(100));
  clock.Advance(absl::Milliseconds(99));
  EXPECT_FALSE(g.TryAcquire("a"));
  clock.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(g.TryAcquire("a"));
  // Refill never exceeds the burst.
  clock.Advance(absl::Seconds(10));
  EXPECT_TRUE(g.TryAcquire("a"));
  EXPECT_TRUE(g.TryAcquire("a"));
  EXPECT_FALSE(g.TryAcquire("a"));
}

TEST(RateGovernorTest, AdditiveIncreaseAfterSuccessWindowCappedAtMax) {
  SimulatedClock clock;
  RateGovernor g(clock, Opts());
  g.OnSuccess("a");
  g.OnSuccess("a");
  EXPECT_DOUBLE_EQ(g.Rate("a"), 10);
  g.OnSuccess("a");
  EXPECT_DOUBLE_EQ(g.Rate("a"), 11);
  for (int i = 0; i < 30; ++i) g.OnSuccess("a");
  EXPECT_DOUBLE_EQ(g.Rate("a"), 12);
}

TEST(RateGovernorTest, MultiplicativeDecreaseFlooredAtMin) {
  SimulatedClock clock;
  RateGovernor g(clock, Opts());
  g.OnThrottle("a", std::nullopt);
  EXPECT_DOUBLE_EQ(g.Rate("a"), 5);
  // The bucket is emptied: the next token needs 1 / 5 s.
  EXPECT_FALSE(g.TryAcquire("a"));
  EXPECT_EQ(g.TimeUntilAvailable("a"), absl::Milliseconds(200));
  for (int i = 0; i < 10; ++i) g.OnThrottle("a", std::nullopt);
  EXPECT_DOUBLE_EQ(g.Rate("a"), 1);
  // A throttle also resets the success run.
  g.OnSuccess("a");
  g.OnSuccess("a");
  g.OnThrottle("a", std::nullopt);
  g.OnSuccess("a");
  EXPECT_DOUBLE_EQ(g.Rate("a"), 1);
}

TEST(RateGovernorTest, RetryAfterBlocksTheEndpoint) {
  SimulatedClock clock;
  RateGovernor g(clock, Opts());
  g.OnThrottle("a", absl::Seconds(30));
  EXPECT_EQ(g.TimeUntilAvailable("a"), absl::Seconds(30));
  clock.Advance(absl::Seconds(29));
  EXPECT_FALSE(g.TryAcquire("a"));
  EXPECT_TRUE(g.TryAcquire("b"));
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(g.TryAcquire("a"));
}

TEST(RateGovernorTest, RetryAfterHeaderSecondsAndDate) {
  SimulatedClock clock(absl::FromUnixSeconds(784111777));  // Sun, 06 Nov 1994 08:49:37 GMT
  RateGovernor g(clock, Opts());
  EXPECT_TRUE(g.OnThrottleHeader("s", "7").ok());
  EXPECT_EQ(g.TimeUntilAvailable("s"), absl::Seconds(7));
  EXPECT_TRUE(g.OnThrottleHeader("d", "Sun, 06 Nov 1994 08:50:37 GMT").ok());
  EXPECT_EQ(g.TimeUntilAvailable("d"), absl::Seconds(60));
  // Unparsable: still throttled (rate halves) but not blocked; the error is reported.
  EXPECT_FALSE(g.OnThrottleHeader("x", "soon").ok());
  EXPECT_DOUBLE_EQ(g.Rate("x"), 5);
  EXPECT_EQ(g.TimeUntilAvailable("x"), absl::Milliseconds(200));
}

TEST(ParseRetryAfterTest, Forms) {
  const absl::Time now = absl::FromUnixSeconds(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  struct Case {
    const char* value;
    absl::Duration want;
  };
  const Case kCases[] = {
      {"0", absl::ZeroDuration()},
      {"120", absl::Seconds(120)},
      {" 5 ", absl::Seconds(5)},
      {"Sun, 06 Nov 1994 08:49:47 GMT", absl::Seconds(10)},
      {"Sunday, 06-Nov-94 08:49:57 GMT", absl::Seconds(20)},
      {"Sun Nov  6 08:50:07 1994", absl::Seconds(30)},
      {"Sun, 06 Nov 1994 08:00:00 GMT", absl::ZeroDuration()},  // in the past
  };
  for (const Case& c : kCases) {
    auto got = ParseRetryAfter(c.value, now);
    ASSERT_TRUE(got.ok()) << c.value << ": " << got.status();
    EXPECT_EQ(*got, c.want) << c.value;
  }
  for (const char* bad : {"", "-5", "1.5", "tomorrow", "99999999999999999999999"}) {
    auto got = ParseRetryAfter(bad, now);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace arbor::net
