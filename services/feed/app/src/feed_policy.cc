#include "arbor/feed/feed_policy.h"

#include <algorithm>

#include "arbor/feed/feed_shard.h"

namespace arbor::feed {
namespace {

RateThresholds& Thresholds(FeedModePolicy& p, HealthEvent kind) {
  return p.thresholds[static_cast<int>(kind)];
}

void SetFirstLevel(FeedModePolicy& p, HealthEvent kind, uint32_t to_hybrid) {
  RateThresholds& t = Thresholds(p, kind);
  t.to_hybrid = to_hybrid;
  if (t.to_poll != 0) t.to_poll = std::max(t.to_poll, to_hybrid);
}

}  // namespace

v1::FeedPolicy FeedPolicyFromOptions(const FeedShardOptions& options) {
  const FeedModePolicy& mode = options.mode;
  v1::FeedPolicy p;
  p.set_preferred_mode(static_cast<v1::FeedMode>(mode.best_mode));
  p.set_stale_after_nanos(absl::ToInt64Nanoseconds(options.stale_after));
  p.set_connection_silence_nanos(absl::ToInt64Nanoseconds(mode.stale_to_hybrid));
  p.set_max_reconnects_per_minute(
      mode.thresholds[static_cast<int>(HealthEvent::kReconnect)].to_hybrid);
  p.set_max_gaps_per_minute(mode.thresholds[static_cast<int>(HealthEvent::kSeqGap)].to_hybrid);
  p.set_recover_after_nanos(absl::ToInt64Nanoseconds(mode.recover_to_stream));
  p.set_poll_interval_nanos(absl::ToInt64Nanoseconds(options.poll_interval));
  p.set_max_assets_per_connection(static_cast<uint32_t>(options.tokens_per_connection));
  p.set_subscriber_queue_limit(static_cast<uint32_t>(options.subscriber_queue_limit));
  return p;
}

absl::StatusOr<FeedModePolicy> ModePolicyFromFeedPolicy(const FeedModePolicy& base,
                                                        const v1::FeedPolicy& policy) {
  FeedModePolicy p = base;
  if (policy.preferred_mode() != v1::FEED_MODE_UNSPECIFIED) {
    p.best_mode = static_cast<FeedMode>(policy.preferred_mode());
  }
  if (policy.max_reconnects_per_minute() != 0) {
    SetFirstLevel(p, HealthEvent::kReconnect, policy.max_reconnects_per_minute());
  }
  if (policy.max_gaps_per_minute() != 0) {
    SetFirstLevel(p, HealthEvent::kSeqGap, policy.max_gaps_per_minute());
  }
  if (policy.recover_after_nanos() != 0) {
    p.recover_to_stream = absl::Nanoseconds(policy.recover_after_nanos());
  }
  if (policy.connection_silence_nanos() != 0) {
    p.stale_to_hybrid = absl::Nanoseconds(policy.connection_silence_nanos());
    if (p.stale_to_poll > absl::ZeroDuration()) {
      p.stale_to_poll = std::max(p.stale_to_poll, p.stale_to_hybrid);
    }
  }
  if (absl::Status s = ValidateFeedModePolicy(p); !s.ok()) return s;
  return p;
}

}  // namespace arbor::feed
