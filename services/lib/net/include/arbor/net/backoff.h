// File: arbor/net/backoff.h
//
// Exponential backoff with jitter for reconnects and retries (the "full" and "decorrelated"
// jitter of the AWS Architecture Blog, "Exponential Backoff And Jitter"). Randomness comes from
// a seeded engine owned by the object, so a test with a fixed seed sees a fixed sequence.
//
// Not thread-safe: one Backoff per retry loop.
#pragma once

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace arbor::net {

enum class Jitter : uint8_t {
  kNone,          // min * multiplier^n, capped at max
  kFull,          // uniform [min, min * multiplier^n], capped at max
  kDecorrelated,  // uniform [min, previous * 3], capped at max
};

struct BackoffOptions {
  absl::Duration min = absl::Milliseconds(100);  // first delay (lower bound of every delay)
  absl::Duration max = absl::Seconds(30);        // upper bound of every delay
  double multiplier = 2.0;                       // growth per attempt (>= 1)
  Jitter jitter = Jitter::kFull;
};

class Backoff {
 public:
  // Preconditions: 0 < min <= max, multiplier >= 1 (checked; violations abort).
  explicit Backoff(const BackoffOptions& options, uint64_t seed = 0x5eed);

  // Next
  //
  // Returns the delay before the next attempt and advances the attempt counter. Every value is
  // within [min, max].
  absl::Duration Next();

  // Reset
  //
  // Back to the first attempt (call after a success).
  void Reset();

  // Number of Next() calls since construction or the last Reset().
  int attempts() const { return attempts_; }

 private:
  int64_t Uniform(int64_t lo, int64_t hi);

  BackoffOptions options_;
  std::mt19937_64 engine_;
  int attempts_ = 0;
  int64_t ceiling_nanos_;   // min * multiplier^attempts, capped at max
  int64_t previous_nanos_;  // the last delay (decorrelated jitter)
};

}  // namespace arbor::net
