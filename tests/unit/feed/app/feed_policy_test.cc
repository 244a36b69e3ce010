#include "arbor/feed/feed_policy.h"

#include <gtest/gtest.h>

#include "arbor/feed/feed_shard.h"

namespace arbor::feed {
namespace {

constexpr int kReconnect = static_cast<int>(HealthEvent::kReconnect);
constexpr int kSeqGap = static_cast<int>(HealthEvent::kSeqGap);
constexpr int kDivergence = static_cast<int>(HealthEvent::kDivergence);
constexpr int kDecodeError = static_cast<int>(HealthEvent::kDecodeError);

TEST(FeedPolicyTest, ReportedPolicyIsTheShardsConfiguration) {
  FeedShardOptions o;
  o.stale_after = absl::Seconds(7);
  o.poll_interval = absl::Seconds(3);
  o.tokens_per_connection = 150;
  o.subscriber_queue_limit = 99;
  o.mode.best_mode = FeedMode::kHybrid;
  o.mode.thresholds[kReconnect] = {4, 12};
  o.mode.thresholds[kSeqGap] = {6, 40};
  o.mode.stale_to_hybrid = absl::Seconds(14);
  o.mode.recover_to_stream = absl::Seconds(90);
  const v1::FeedPolicy p = FeedPolicyFromOptions(o);
  EXPECT_EQ(p.preferred_mode(), v1::FEED_MODE_HYBRID);
  EXPECT_EQ(p.stale_after_nanos(), 7'000'000'000);
  EXPECT_EQ(p.poll_interval_nanos(), 3'000'000'000);
  EXPECT_EQ(p.max_assets_per_connection(), 150u);
  EXPECT_EQ(p.subscriber_queue_limit(), 99u);
  EXPECT_EQ(p.max_reconnects_per_minute(), 4u);
  EXPECT_EQ(p.max_gaps_per_minute(), 6u);
  EXPECT_EQ(p.connection_silence_nanos(), 14'000'000'000);
  EXPECT_EQ(p.recover_after_nanos(), 90'000'000'000);
}

TEST(FeedPolicyTest, RoundTripOfTheConfigurationChangesNothing) {
  FeedShardOptions o;
  absl::StatusOr<FeedModePolicy> m = ModePolicyFromFeedPolicy(o.mode, FeedPolicyFromOptions(o));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->best_mode, o.mode.best_mode);
  for (int k = 0; k < kHealthEventKinds; ++k) {
    EXPECT_EQ(m->thresholds[k].to_hybrid, o.mode.thresholds[k].to_hybrid) << k;
    EXPECT_EQ(m->thresholds[k].to_poll, o.mode.thresholds[k].to_poll) << k;
  }
  EXPECT_EQ(m->stale_to_hybrid, o.mode.stale_to_hybrid);
  EXPECT_EQ(m->stale_to_poll, o.mode.stale_to_poll);
  EXPECT_EQ(m->recover_to_stream, o.mode.recover_to_stream);
}

TEST(FeedPolicyTest, PushedFieldsReachTheModePolicyAndZeroFieldsKeepTheBase) {
  FeedModePolicy base;
  base.window = absl::Seconds(10);
  base.bucket_count = 10;
  v1::FeedPolicy p;
  p.set_preferred_mode(v1::FEED_MODE_POLL);
  p.set_max_reconnects_per_minute(2);
  p.set_recover_after_nanos(5'000'000'000);
  absl::StatusOr<FeedModePolicy> m = ModePolicyFromFeedPolicy(base, p);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->best_mode, FeedMode::kPoll);
  EXPECT_EQ(m->thresholds[kReconnect].to_hybrid, 2u);
  EXPECT_EQ(m->thresholds[kReconnect].to_poll, base.thresholds[kReconnect].to_poll);
  EXPECT_EQ(m->recover_to_stream, absl::Seconds(5));
  // Not in the push: unchanged.
  EXPECT_EQ(m->window, absl::Seconds(10));
  EXPECT_EQ(m->thresholds[kSeqGap].to_hybrid, base.thresholds[kSeqGap].to_hybrid);
  EXPECT_EQ(m->thresholds[kDecodeError].to_hybrid, base.thresholds[kDecodeError].to_hybrid);
  EXPECT_EQ(m->stale_to_hybrid, base.stale_to_hybrid);
  EXPECT_EQ(m->recover_to_hybrid, base.recover_to_hybrid);
}

TEST(FeedPolicyTest, EscalationLevelsAreRaisedAboveANewFirstLevel) {
  FeedModePolicy base;  // reconnect {3, 10}, gaps {5, 30}, divergence {3, 20}, stale 30 s / 120 s
  v1::FeedPolicy p;
  p.set_max_reconnects_per_minute(25);
  p.set_max_gaps_per_minute(50);
  p.set_connection_silence_nanos(absl::ToInt64Nanoseconds(absl::Minutes(5)));
  absl::StatusOr<FeedModePolicy> m = ModePolicyFromFeedPolicy(base, p);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->thresholds[kReconnect].to_hybrid, 25u);
  EXPECT_EQ(m->thresholds[kReconnect].to_poll, 25u);
  EXPECT_EQ(m->thresholds[kSeqGap].to_hybrid, 50u);
  EXPECT_EQ(m->thresholds[kSeqGap].to_poll, 50u);
  // Divergences keep their own configured thresholds.
  EXPECT_EQ(m->thresholds[kDivergence].to_hybrid, base.thresholds[kDivergence].to_hybrid);
  EXPECT_EQ(m->thresholds[kDivergence].to_poll, base.thresholds[kDivergence].to_poll);
  EXPECT_EQ(m->stale_to_hybrid, absl::Minutes(5));
  EXPECT_EQ(m->stale_to_poll, absl::Minutes(5));
}

TEST(FeedPolicyTest, AModePolicyTheControllerRefusesIsAnError) {
  FeedModePolicy base;
  base.recover_to_hybrid = absl::ZeroDuration();  // invalid base: must be positive
  absl::StatusOr<FeedModePolicy> m = ModePolicyFromFeedPolicy(base, v1::FeedPolicy());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("recover_to_hybrid"), std::string_view::npos);
}

}  // namespace
}  // namespace arbor::feed
