// File: arbor/net/rate_governor.h
//
// RateGovernor: a per-endpoint token bucket whose refill rate adapts AIMD-style, like TCP
// congestion control. Each `success_window` consecutive successes add `additive_increase`
// requests/s (up to max_rate); a 429 / throttle multiplies the rate by `decrease_factor` (down to
// min_rate) and, when the venue sent Retry-After, blocks the endpoint until then. Callers ask
// TryAcquire() before each request; it never blocks.
//
// Thread-safe (one mutex; every call is O(1) apart from the first sight of an endpoint, which
// allocates its state). Time comes from the injected arbor::Clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"

namespace arbor::net {

struct RateGovernorOptions {
  double initial_rate = 10.0;      // requests per second at start
  double min_rate = 0.5;           // floor after decreases
  double max_rate = 20.0;          // ceiling after increases (the venue's documented limit)
  double burst = 5.0;              // bucket capacity in requests
  int success_window = 20;         // consecutive successes per additive increase
  double additive_increase = 1.0;  // requests/s added per success window
  double decrease_factor = 0.5;    // multiplier applied on a throttle, in (0, 1)
};

// ParseRetryAfter
//
// Parses an HTTP Retry-After value (RFC 9110 §10.2.3): delay-seconds ("120") or an HTTP-date
// (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 or asctime forms). Returns the delay
// from `now`; a date in the past gives zero. Errors: kInvalidArgument naming the value.
[[nodiscard]] absl::StatusOr<absl::Duration> ParseRetryAfter(std::string_view value,
                                                             absl::Time now);

class RateGovernor {
 public:
  // `clock` must outlive the governor. Preconditions (checked): 0 < min_rate <= initial_rate <=
  // max_rate, burst >= 1, success_window >= 1, 0 < decrease_factor < 1.
  RateGovernor(const Clock& clock, const RateGovernorOptions& options);

  // TryAcquire
  //
  // Takes one token for `endpoint` if available and the endpoint is not blocked by
  // Retry-After; returns false otherwise (the caller retries after TimeUntilAvailable()).
  bool TryAcquire(std::string_view endpoint);

  // TimeUntilAvailable
  //
  // How long until TryAcquire(endpoint) can succeed (zero if it can now).
  absl::Duration TimeUntilAvailable(std::string_view endpoint);

  // OnSuccess
  //
  // Records a non-throttled response; every `success_window` of them in a row raises the rate.
  void OnSuccess(std::string_view endpoint);

  // OnThrottle
  //
  // Records a 429 / throttle: multiplies the rate by decrease_factor, empties the bucket, and if
  // `retry_after` is set blocks the endpoint for that long.
  void OnThrottle(std::string_view endpoint, std::optional<absl::Duration> retry_after);

  // OnThrottleHeader
  //
  // As OnThrottle, parsing `retry_after_header` with ParseRetryAfter (an empty or unparsable
  // value throttles without blocking; the parse error is returned for logging).
  absl::Status OnThrottleHeader(std::string_view endpoint, std::string_view retry_after_header);

  // Current refill rate of `endpoint` in requests per second (initial_rate if unseen).
  double Rate(std::string_view endpoint);

 private:
  struct Endpoint {
    double rate = 0;
    double tokens = 0;
    int64_t last_refill_nanos = 0;
    int64_t blocked_until_nanos = 0;
    int successes = 0;
  };

  Endpoint& Get(std::string_view endpoint, int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Refill(Endpoint& e, int64_t now) const;

  const Clock& clock_;
  const RateGovernorOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Endpoint> endpoints_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arbor::net
