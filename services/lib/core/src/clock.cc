#include "arbor/core/clock.h"

#include <time.h>

#include "absl/time/clock.h"

namespace arbor {

const SystemClock& SystemClock::Get() {
  static const SystemClock* clock = new SystemClock();
  return *clock;
}

absl::Time SystemClock::Now() const { return absl::Now(); }

int64_t SystemClock::MonotonicNanos() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

SimulatedClock::SimulatedClock(absl::Time start) : unix_nanos_(absl::ToUnixNanos(start)) {}

absl::Time SimulatedClock::Now() const { return absl::FromUnixNanos(unix_nanos_.load()); }

int64_t SimulatedClock::MonotonicNanos() const { return mono_nanos_.load(); }

void SimulatedClock::Advance(absl::Duration d) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  if (nanos <= 0) return;
  unix_nanos_.fetch_add(nanos);
  mono_nanos_.fetch_add(nanos);
}

void SimulatedClock::SetTime(absl::Time t) {
  const int64_t target = absl::ToUnixNanos(t);
  const int64_t previous = unix_nanos_.exchange(target);
  if (target > previous) mono_nanos_.fetch_add(target - previous);
}

}  // namespace arbor
