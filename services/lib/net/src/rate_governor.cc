#include "arbor/net/rate_governor.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/strings.h"

namespace arbor::net {
namespace {

constexpr double kNanosPerSecond = 1e9;

}  // namespace

absl::StatusOr<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now) {
  const absl::string_view v = absl::StripAsciiWhitespace(ToAbsl(value));
  if (v.empty()) return absl::InvalidArgumentError("Retry-After: empty value");
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(v, &seconds)) {
      return absl::InvalidArgumentError(
          absl::StrCat("Retry-After: seconds out of range: '", Abbreviate(FromAbsl(v)), "'"));
    }
    return absl::Seconds(seconds);
  }
  // IMF-fixdate first (the only form senders may generate), then the two obsolete forms that
  // recipients must still accept.
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",
      "%A, %d-%b-%y %H:%M:%S GMT",
      "%a %b %e %H:%M:%S %Y",
  };
  for (const char* format : kFormats) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(format, v, absl::UTCTimeZone(), &t, &err)) {
      return std::max(t - now, absl::ZeroDuration());
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "Retry-After: neither delay-seconds nor an HTTP-date: '", Abbreviate(FromAbsl(v)), "'"));
}

RateGovernor::RateGovernor(const Clock& clock, const RateGovernorOptions& options)
    : clock_(clock), options_(options) {
  ARBOR_CHECK(options.min_rate > 0 && options.min_rate <= options.initial_rate &&
                  options.initial_rate <= options.max_rate,
              "RateGovernor: need 0 < min_rate <= initial_rate <= max_rate");
  ARBOR_CHECK(options.burst >= 1.0, "RateGovernor: burst must be >= 1");
  ARBOR_CHECK(options.success_window >= 1, "RateGovernor: success_window must be >= 1");
  ARBOR_CHECK(options.decrease_factor > 0 && options.decrease_factor < 1,
              "RateGovernor: decrease_factor must be in (0, 1)");
}

RateGovernor::Endpoint& RateGovernor::Get(std::string_view endpoint, int64_t now) {
  auto it = endpoints_.find(ToAbsl(endpoint));
  if (it != endpoints_.end()) return it->second;
  Endpoint e;
  e.rate = options_.initial_rate;
  e.tokens = options_.burst;  // a fresh endpoint may burst
  e.last_refill_nanos = now;
  return endpoints_.emplace(std::string(endpoint), e).first->second;
}

void RateGovernor::Refill(Endpoint& e, int64_t now) const {
  if (now <= e.last_refill_nanos) return;
  const double elapsed = static_cast<double>(now - e.last_refill_nanos) / kNanosPerSecond;
  e.tokens = std::min(options_.burst, e.tokens + elapsed * e.rate);
  e.last_refill_nanos = now;
}

bool RateGovernor::TryAcquire(std::string_view endpoint) {
  const int64_t now = clock_.MonotonicNanos();
  absl::MutexLock lock(&mu_);
  Endpoint& e = Get(endpoint, now);
  Refill(e, now);
  if (now < e.blocked_until_nanos || e.tokens < 1.0) return false;
  e.tokens -= 1.0;
  return true;
}

absl::Duration RateGovernor::TimeUntilAvailable(std::string_view endpoint) {
  const int64_t now = clock_.MonotonicNanos();
  absl::MutexLock lock(&mu_);
  Endpoint& e = Get(endpoint, now);
  Refill(e, now);
  const int64_t blocked = std::max<int64_t>(0, e.blocked_until_nanos - now);
  // Tokens keep accruing while blocked, so the wait is the larger of the two, not the sum.
  const double missing = std::max(0.0, 1.0 - e.tokens);
  const auto refill = static_cast<int64_t>(std::ceil(missing / e.rate * kNanosPerSecond));
  return absl::Nanoseconds(std::max(blocked, refill));
}

void RateGovernor::OnSuccess(std::string_view endpoint) {
  const int64_t now = clock_.MonotonicNanos();
  absl::MutexLock lock(&mu_);
  Endpoint& e = Get(endpoint, now);
  if (++e.successes >= options_.success_window) {
    e.successes = 0;
    Refill(e, now);  // account tokens at the old rate before changing it
    e.rate = std::min(options_.max_rate, e.rate + options_.additive_increase);
  }
}

void RateGovernor::OnThrottle(std::string_view endpoint,
                              std::optional<absl::Duration> retry_after) {
  const int64_t now = clock_.MonotonicNanos();
  absl::MutexLock lock(&mu_);
  Endpoint& e = Get(endpoint, now);
  Refill(e, now);
  e.successes = 0;
  e.rate = std::max(options_.min_rate, e.rate * options_.decrease_factor);
  e.tokens = 0;
  if (retry_after.has_value() && *retry_after > absl::ZeroDuration()) {
    e.blocked_until_nanos =
        std::max(e.blocked_until_nanos, now + absl::ToInt64Nanoseconds(*retry_after));
  }
}

absl::Status RateGovernor::OnThrottleHeader(std::string_view endpoint,
                                            std::string_view retry_after_header) {
  if (retry_after_header.empty()) {
    OnThrottle(endpoint, std::nullopt);
    return absl::OkStatus();
  }
  absl::StatusOr<absl::Duration> delay = ParseRetryAfter(retry_after_header, clock_.Now());
  OnThrottle(endpoint, delay.ok() ? std::optional<absl::Duration>(*delay) : std::nullopt);
  return delay.status();
}

double RateGovernor::Rate(std::string_view endpoint) {
  absl::MutexLock lock(&mu_);
  auto it = endpoints_.find(ToAbsl(endpoint));
  return it == endpoints_.end() ? options_.initial_rate : it->second.rate;
}

}  // namespace arbor::net
