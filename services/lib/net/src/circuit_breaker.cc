#include "arbor/net/circuit_breaker.h"

#include <algorithm>

#include "arbor/core/check.h"
#include "arbor/core/strings.h"

namespace arbor::net {

std::string_view BreakerStateName(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(const Clock& clock, const CircuitBreakerOptions& options,
                               uint64_t seed)
    : clock_(clock),
      options_(options),
      bucket_nanos_(std::max<int64_t>(1, absl::ToInt64Nanoseconds(options.window) / kBuckets)),
      engine_(seed) {
  ARBOR_CHECK(options.consecutive_failures >= 1, "CircuitBreaker: consecutive_failures >= 1");
  ARBOR_CHECK(options.failure_rate > 0 && options.failure_rate <= 1,
              "CircuitBreaker: failure_rate in (0, 1]");
  ARBOR_CHECK(options.min_requests >= 1, "CircuitBreaker: min_requests >= 1");
  ARBOR_CHECK(options.window > absl::ZeroDuration(), "CircuitBreaker: window > 0");
  ARBOR_CHECK(options.cool_down > absl::ZeroDuration(), "CircuitBreaker: cool_down > 0");
  ARBOR_CHECK(options.cool_down_jitter >= 0, "CircuitBreaker: cool_down_jitter >= 0");
  ARBOR_CHECK(options.half_open_probes >= 1, "CircuitBreaker: half_open_probes >= 1");
}

CircuitBreaker::Endpoint& CircuitBreaker::Get(std::string_view endpoint) {
  auto it = endpoints_.find(ToAbsl(endpoint));
  if (it != endpoints_.end()) return it->second;
  return endpoints_.emplace(std::string(endpoint), Endpoint{}).first->second;
}

void CircuitBreaker::Tick(Endpoint& e, int64_t now) {
  if (e.state == BreakerState::kOpen && now >= e.open_until_nanos) {
    e.state = BreakerState::kHalfOpen;
    e.probes_in_flight = 0;
  }
}

void CircuitBreaker::Record(Endpoint& e, int64_t now, bool success) const {
  const int64_t slot = now / bucket_nanos_;
  Bucket& b = e.buckets[static_cast<size_t>(slot % kBuckets)];
  if (b.index != slot) b = Bucket{slot, 0, 0};
  ++(success ? b.successes : b.failures);
}

bool CircuitBreaker::RateTripped(const Endpoint& e, int64_t now) const {
  const int64_t slot = now / bucket_nanos_;
  uint64_t successes = 0;
  uint64_t failures = 0;
  for (const Bucket& b : e.buckets) {
    if (b.index >= 0 && b.index > slot - kBuckets) {
      successes += b.successes;
      failures += b.failures;
    }
  }
  const uint64_t total = successes + failures;
  if (total < static_cast<uint64_t>(options_.min_requests)) return false;
  return static_cast<double>(failures) >= options_.failure_rate * static_cast<double>(total);
}

void CircuitBreaker::Open(Endpoint& e, int64_t now) {
  std::uniform_real_distribution<double> jitter(1.0, 1.0 + options_.cool_down_jitter);
  const double cool = static_cast<double>(absl::ToInt64Nanoseconds(options_.cool_down)) *
                      (options_.cool_down_jitter > 0 ? jitter(engine_) : 1.0);
  e.state = BreakerState::kOpen;
  e.open_until_nanos = now + static_cast<int64_t>(cool);
  e.probes_in_flight = 0;
  ++e.opened;
}

void CircuitBreaker::Close(Endpoint& e) const {
  e.state = BreakerState::kClosed;
  e.consecutive_failures = 0;
  e.probes_in_flight = 0;
  e.buckets.fill(Bucket{});
}

bool CircuitBreaker::Allow(std::string_view endpoint) {
  const int64_t now = clock_.MonotonicNanos();
  absl::MutexLock lock(&mu_);
  Endpoint& e = Get(endpoint);
  Tick(e, now);
  switch (e.state) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kHalfOpen:
      if (e.probes_in_flight < options_.half_open_probes) {
        ++e.probes_in_flight;
        return true;
      }
      break;
    case BreakerState::kOpen:
      break;
  }
  ++e.rejected;
  return false;
}

void CircuitBreaker::OnSuccess(std::string_view endpoint) {
  const int64_t now = clock_.MonotonicNanos();
  absl::MutexLock lock(&mu_);
  Endpoint& e = Get(endpoint);
  Tick(e, now);
  switch (e.state) {
    case BreakerState::kHalfOpen:
      Close(e);
      break;
    case BreakerState::kClosed:
      e.consecutive_failures = 0;
      Record(e, now, true);
      break;
    case BreakerState::kOpen:
      // A late response to a request admitted before the breaker opened: not evidence enough.
      break;
  }
}

void CircuitBreaker::OnFailure(std::string_view endpoint) {
  const int64_t now = clock_.MonotonicNanos();
  absl::MutexLock lock(&mu_);
  Endpoint& e = Get(endpoint);
  Tick(e, now);
  switch (e.state) {
    case BreakerState::kHalfOpen:
      Open(e, now);
      break;
    case BreakerState::kClosed:
      ++e.consecutive_failures;
      Record(e, now, false);
      if (e.consecutive_failures >= options_.consecutive_failures || RateTripped(e, now)) {
        Open(e, now);
      }
      break;
    case BreakerState::kOpen:
      break;
  }
}

BreakerState CircuitBreaker::State(std::string_view endpoint) {
  const int64_t now = clock_.MonotonicNanos();
  absl::MutexLock lock(&mu_);
  Endpoint& e = Get(endpoint);
  Tick(e, now);
  return e.state;
}

BreakerStats CircuitBreaker::Stats(std::string_view endpoint) {
  const int64_t now = clock_.MonotonicNanos();
  absl::MutexLock lock(&mu_);
  Endpoint& e = Get(endpoint);
  Tick(e, now);
  return BreakerStats{e.state, e.opened, e.rejected};
}

}  // namespace arbor::net
