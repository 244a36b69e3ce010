// File: arbor/net/circuit_breaker.h
//
// CircuitBreaker: per-endpoint closed / open / half-open breaker (Hystrix, Envoy outlier
// detection). Closed: requests flow; the breaker opens after `consecutive_failures` failures in
// a row, or when the failure rate over the last `window` reaches `failure_rate` with at least
// `min_requests` outcomes. Open: requests are refused until a jittered cool-down elapses, then
// the endpoint is half-open. Half-open: at most `half_open_probes` requests are let through; a
// success closes the breaker (counters reset), a failure re-opens it with a new cool-down.
//
// Thread-safe (one mutex). Time from the injected arbor::Clock; jitter from a seeded engine.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"

namespace arbor::net {

enum class BreakerState : uint8_t { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

// "closed" / "open" / "half_open" (metric label values).
std::string_view BreakerStateName(BreakerState s);

struct CircuitBreakerOptions {
  int consecutive_failures = 5;                 // failures in a row that open the breaker
  double failure_rate = 0.5;                    // failure fraction in the window that opens it
  int min_requests = 20;                        // outcomes needed before the rate applies
  absl::Duration window = absl::Seconds(10);    // failure-rate window
  absl::Duration cool_down = absl::Seconds(5);  // open -> half-open delay (before jitter)
  double cool_down_jitter = 0.2;                // cool-down scaled by uniform [1, 1 + jitter]
  int half_open_probes = 1;                     // requests admitted while half-open
};

// Counters for one endpoint, exported as metrics.
struct BreakerStats {
  BreakerState state = BreakerState::kClosed;
  uint64_t opened = 0;    // closed/half-open -> open transitions
  uint64_t rejected = 0;  // Allow() calls refused
};

class CircuitBreaker {
 public:
  // `clock` must outlive the breaker. Preconditions (checked): consecutive_failures >= 1,
  // 0 < failure_rate <= 1, min_requests >= 1, window > 0, cool_down > 0,
  // cool_down_jitter >= 0, half_open_probes >= 1.
  CircuitBreaker(const Clock& clock, const CircuitBreakerOptions& options, uint64_t seed = 0x5eed);

  // Allow
  //
  // Whether a request to `endpoint` may be sent now. In half-open each true answer uses one
  // probe slot; the caller must then report the outcome with OnSuccess / OnFailure.
  bool Allow(std::string_view endpoint);

  // OnSuccess / OnFailure
  //
  // Report the outcome of a request that Allow() admitted. A failure is anything that says the
  // endpoint is unhealthy (connect error, 5xx, timeout); 4xx client errors are not failures.
  void OnSuccess(std::string_view endpoint);
  void OnFailure(std::string_view endpoint);

  // State of `endpoint` now (an open breaker whose cool-down elapsed reports kHalfOpen).
  BreakerState State(std::string_view endpoint);

  BreakerStats Stats(std::string_view endpoint);

 private:
  static constexpr int kBuckets = 10;
  struct Bucket {
    int64_t index = -1;  // window slot number this bucket holds (now / bucket width)
    uint32_t successes = 0;
    uint32_t failures = 0;
  };
  struct Endpoint {
    BreakerState state = BreakerState::kClosed;
    int consecutive_failures = 0;
    int64_t open_until_nanos = 0;
    int probes_in_flight = 0;
    std::array<Bucket, kBuckets> buckets{};
    uint64_t opened = 0;
    uint64_t rejected = 0;
  };

  Endpoint& Get(std::string_view endpoint) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Tick(Endpoint& e, int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(Endpoint& e, int64_t now, bool success) const;
  bool RateTripped(const Endpoint& e, int64_t now) const;
  void Open(Endpoint& e, int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Close(Endpoint& e) const;

  const Clock& clock_;
  const CircuitBreakerOptions options_;
  const int64_t bucket_nanos_;
  absl::Mutex mu_;
  std::mt19937_64 engine_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Endpoint> endpoints_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arbor::net
