#include "arbor/core/clock.h"

#include "gtest/gtest.h"

namespace arbor {
namespace {

TEST(ClockTest, SimulatedClockMovesOnlyWhenAdvanced) {
  SimulatedClock clock(absl::FromUnixSeconds(1'000));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1'000));
  EXPECT_EQ(clock.MonotonicNanos(), 0);
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_EQ(clock.Now(), absl::FromUnixMillis(1'001'500));
  EXPECT_EQ(clock.MonotonicNanos(), 1'500'000'000);
  clock.Advance(absl::Seconds(-5));  // ignored: time never runs backwards
  EXPECT_EQ(clock.MonotonicNanos(), 1'500'000'000);
}

TEST(ClockTest, SetTimeMovesMonotonicForwardOnly) {
  SimulatedClock clock(absl::FromUnixSeconds(100));
  clock.SetTime(absl::FromUnixSeconds(110));
  EXPECT_EQ(clock.MonotonicNanos(), 10'000'000'000);
  clock.SetTime(absl::FromUnixSeconds(105));  // wall clock may step back (NTP); monotonic does not
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(105));
  EXPECT_EQ(clock.MonotonicNanos(), 10'000'000'000);
}

TEST(ClockTest, SystemClockMonotonicNeverDecreases) {
  const Clock& clock = SystemClock::Get();
  int64_t last = clock.MonotonicNanos();
  for (int i = 0; i < 1000; ++i) {
    const int64_t now = clock.MonotonicNanos();
    EXPECT_GE(now, last);
    last = now;
  }
}

}  // namespace
}  // namespace arbor
