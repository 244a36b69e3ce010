// File: arbor/core/clock.h
//
// An injectable time source (Envoy's TimeSource). Production code takes a `const Clock&`;
// tests and replays pass a SimulatedClock they advance by hand, so nothing reads wall time
// behind the caller's back.
//
// Thread safety: both implementations are safe to read from any thread; SimulatedClock may be
// advanced from any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"

namespace arbor {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (timestamps, logs, venue auth).
  virtual absl::Time Now() const = 0;
  // Monotonic nanoseconds from an arbitrary origin (intervals, deadlines, latency).
  virtual int64_t MonotonicNanos() const = 0;
};

// The real clocks (CLOCK_REALTIME / CLOCK_MONOTONIC).
class SystemClock final : public Clock {
 public:
  static const SystemClock& Get();
  absl::Time Now() const override;
  int64_t MonotonicNanos() const override;
};

// A clock that moves only when told to. Now() and MonotonicNanos() advance together.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000));

  absl::Time Now() const override;
  int64_t MonotonicNanos() const override;

  // Moves both clocks forward by `d` (negative durations are ignored: time never goes back).
  void Advance(absl::Duration d);
  // Sets wall time; the monotonic clock advances by the same amount if it moves forward.
  void SetTime(absl::Time t);

 private:
  std::atomic<int64_t> unix_nanos_;
  std::atomic<int64_t> mono_nanos_{0};
};

}  // namespace arbor
