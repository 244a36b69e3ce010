#include "arbor/net/backoff.h"

#include <algorithm>

#include "arbor/core/check.h"

namespace arbor::net {

Backoff::Backoff(const BackoffOptions& options, uint64_t seed)
    : options_(options),
      engine_(seed),
      ceiling_nanos_(absl::ToInt64Nanoseconds(options.min)),
      previous_nanos_(absl::ToInt64Nanoseconds(options.min)) {
  ARBOR_CHECK(options.min > absl::ZeroDuration(), "Backoff: min must be positive");
  ARBOR_CHECK(options.min <= options.max, "Backoff: min must not exceed max");
  ARBOR_CHECK(options.multiplier >= 1.0, "Backoff: multiplier must be >= 1");
}

int64_t Backoff::Uniform(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  return dist(engine_);
}

absl::Duration Backoff::Next() {
  const int64_t min = absl::ToInt64Nanoseconds(options_.min);
  const int64_t max = absl::ToInt64Nanoseconds(options_.max);
  int64_t delay = min;
  switch (options_.jitter) {
    case Jitter::kNone:
      delay = ceiling_nanos_;
      break;
    case Jitter::kFull:
      delay = Uniform(min, ceiling_nanos_);
      break;
    case Jitter::kDecorrelated: {
      // previous * 3 computed without overflow: previous <= max, and max fits in int64 / 3 for
      // any realistic bound; clamp first to stay safe for absurd ones.
      const int64_t upper = previous_nanos_ > max / 3 ? max : previous_nanos_ * 3;
      delay = std::clamp(Uniform(min, upper), min, max);
      break;
    }
  }
  previous_nanos_ = delay;
  ++attempts_;
  // Grow the ceiling in double (the multiplier is fractional) and cap before converting back.
  const double grown = static_cast<double>(ceiling_nanos_) * options_.multiplier;
  ceiling_nanos_ = grown >= static_cast<double>(max) ? max : static_cast<int64_t>(grown);
  return absl::Nanoseconds(delay);
}

void Backoff::Reset() {
  attempts_ = 0;
  ceiling_nanos_ = absl::ToInt64Nanoseconds(options_.min);
  previous_nanos_ = ceiling_nanos_;
}

}  // namespace arbor::net
