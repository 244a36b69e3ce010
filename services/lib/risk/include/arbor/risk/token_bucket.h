// File: arbor/risk/token_bucket.h
//
// The order-rate throttle behind DenialReason::kThrottle: a token bucket that refills at
// `per_second` tokens per second up to `burst` tokens, driven by monotonic timestamps the caller
// reads from its injected Clock (nothing here reads time).
//
// Tokens are kept as an exact integer count of 1e-15 token (rates are honoured to 1e-6 order per
// second), so refilling in many small steps gives exactly the same tokens as one big step — a
// double accumulator would drift and deny the last order of a window.
//
//   TokenBucket bucket(/*per_second=*/5.0, /*burst=*/10, clock.MonotonicNanos());
//   if (bucket.TryConsume(2, clock.MonotonicNanos())) { /* send two orders */ }
//
// Thread-compatible.
#pragma once

#include <cstdint>

#include "absl/numeric/int128.h"

namespace arbor::risk {

class TokenBucket {
 public:
  // A full bucket (`burst` tokens) at `now_nanos`. A rate that is NaN, negative or zero never
  // refills; rates above 1e9 per second are clamped to 1e9. A burst of 0 never admits anything.
  TokenBucket(double per_second, uint32_t burst, int64_t now_nanos);

  // New rate and burst from `now_nanos` on: the tokens earned so far (at the old rate) are kept,
  // clamped to the new burst.
  void Reconfigure(double per_second, uint32_t burst, int64_t now_nanos);

  // Whole tokens available at `now_nanos` (refills first).
  int64_t Available(int64_t now_nanos);

  // Takes `n` tokens if all `n` are available at `now_nanos`; otherwise takes none.
  bool TryConsume(uint32_t n, int64_t now_nanos);

  uint32_t burst() const { return burst_; }
  // The configured rate in micro-tokens per second (after clamping).
  int64_t rate_micro_per_second() const { return rate_micro_; }

 private:
  void Refill(int64_t now_nanos);

  int64_t rate_micro_ = 0;  // tokens per second x 1e6 == femto-tokens per nanosecond
  uint32_t burst_ = 0;
  absl::int128 femto_tokens_ = 0;  // 1 token == 1e15
  int64_t last_nanos_ = 0;
};

}  // namespace arbor::risk
