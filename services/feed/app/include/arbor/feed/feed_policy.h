// File: arbor/feed/feed_policy.h
//
// The operator's FeedPolicy (arbor.v1, pushed with FeedShard.ApplyFeedPolicy) meets the shard's
// own configuration here. The shard reports the policy in force from the start (derived from its
// flags), and a pushed policy changes the per-venue mode controllers at once. Fields a policy
// leaves at zero keep the shard's configured value, so an operator can set one knob without
// restating the rest.
//
// Applied live: preferred_mode, max_reconnects_per_minute, max_gaps_per_minute,
// recover_after_nanos, connection_silence_nanos (the mode controllers) and
// subscriber_queue_limit (streams opened after the push). The others (stale_after_nanos,
// poll_interval_nanos, max_assets_per_connection) size threads and connections at start; a
// pushed value is recorded and reported but takes effect at the next start (see docs/feed.md,
// "Feed policy").
#pragma once

#include "absl/status/statusor.h"
#include "arbor/feed/feed_mode.h"
#include "arbor/v1/control.pb.h"

namespace arbor::feed {

struct FeedShardOptions;

// The policy the shard runs with before any push, as the operator would write it.
v1::FeedPolicy FeedPolicyFromOptions(const FeedShardOptions& options);

// `base` (the shard's configured mode policy) with `policy`'s non-zero fields applied:
// preferred_mode -> best_mode; max_reconnects_per_minute -> thresholds[kReconnect].to_hybrid;
// max_gaps_per_minute -> thresholds[kSeqGap].to_hybrid (divergences keep their configured
// thresholds: one number cannot set both without changing a round trip); recover_after_nanos ->
// recover_to_stream; connection_silence_nanos -> stale_to_hybrid. Escalation levels are raised
// when needed so they never fall below the new first level (to_poll >= to_hybrid,
// stale_to_poll >= stale_to_hybrid). Errors: InvalidArgument from ValidateFeedModePolicy.
[[nodiscard]] absl::StatusOr<FeedModePolicy> ModePolicyFromFeedPolicy(const FeedModePolicy& base,
                                                                      const v1::FeedPolicy& policy);

}  // namespace arbor::feed
