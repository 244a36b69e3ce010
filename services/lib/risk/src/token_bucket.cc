#include "arbor/risk/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace arbor::risk {
namespace {

constexpr int64_t kFemtoPerToken = 1'000'000'000'000'000;  // 1e15
constexpr double kMaxPerSecond = 1e9;

// Orders per second -> micro-orders per second. NaN, negative and zero all mean "no refill"
// (fail closed); llround is exact for every rate with at most six decimals.
int64_t ToRateMicro(double per_second) {
  if (!(per_second > 0.0)) return 0;
  return std::llround(std::min(per_second, kMaxPerSecond) * 1e6);
}

absl::int128 Capacity(uint32_t burst) { return absl::int128(burst) * kFemtoPerToken; }

}  // namespace

TokenBucket::TokenBucket(double per_second, uint32_t burst, int64_t now_nanos)
    : rate_micro_(ToRateMicro(per_second)),
      burst_(burst),
      femto_tokens_(Capacity(burst)),
      last_nanos_(now_nanos) {}

void TokenBucket::Reconfigure(double per_second, uint32_t burst, int64_t now_nanos) {
  Refill(now_nanos);
  rate_micro_ = ToRateMicro(per_second);
  burst_ = burst;
  femto_tokens_ = std::min(femto_tokens_, Capacity(burst_));
}

void TokenBucket::Refill(int64_t now_nanos) {
  // A monotonic clock never goes back; if a caller's does, keep the later origin so the same
  // interval is never paid twice.
  if (now_nanos <= last_nanos_) return;
  // elapsed < 2^64 and rate_micro <= 1e15, so the product stays far below 2^127.
  const absl::int128 earned = (absl::int128(now_nanos) - last_nanos_) * rate_micro_;
  femto_tokens_ = std::min(femto_tokens_ + earned, Capacity(burst_));
  last_nanos_ = now_nanos;
}

int64_t TokenBucket::Available(int64_t now_nanos) {
  Refill(now_nanos);
  return static_cast<int64_t>(femto_tokens_ / kFemtoPerToken);
}

bool TokenBucket::TryConsume(uint32_t n, int64_t now_nanos) {
  Refill(now_nanos);
  const absl::int128 needed = absl::int128(n) * kFemtoPerToken;
  if (femto_tokens_ < needed) return false;
  femto_tokens_ -= needed;
  return true;
}

}  // namespace arbor::risk
