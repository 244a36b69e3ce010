#include "arbor/net/backoff.h"

#include <vector>

#include "gtest/gtest.h"

namespace arbor::net {
namespace {

BackoffOptions Opts(Jitter j) {
  BackoffOptions o;
  o.min = absl::Milliseconds(100);
  o.max = absl::Seconds(2);
  o.multiplier = 2.0;
  o.jitter = j;
  return o;
}

TEST(BackoffTest, NoJitterDoublesUpToMax) {
  Backoff b(Opts(Jitter::kNone));
  const int64_t want_ms[] = {100, 200, 400, 800, 1600, 2000, 2000};
  for (int64_t ms : want_ms) EXPECT_EQ(b.Next(), absl::Milliseconds(ms));
  EXPECT_EQ(b.attempts(), 7);
  b.Reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_EQ(b.Next(), absl::Milliseconds(100));
}

TEST(BackoffTest, FullJitterStaysUnderTheExponentialCeiling) {
  Backoff b(Opts(Jitter::kFull), 42);
  absl::Duration ceiling = absl::Milliseconds(100);
  bool saw_below_ceiling = false;
  for (int i = 0; i < 50; ++i) {
    const absl::Duration d = b.Next();
    EXPECT_GE(d, absl::Milliseconds(100));
    EXPECT_LE(d, ceiling);
    if (d < ceiling) saw_below_ceiling = true;
    ceiling = std::min(ceiling * 2, absl::Seconds(2));
  }
  EXPECT_TRUE(saw_below_ceiling);
}

TEST(BackoffTest, DecorrelatedJitterBounds) {
  Backoff b(Opts(Jitter::kDecorrelated), 7);
  absl::Duration prev = absl::Milliseconds(100);
  for (int i = 0; i < 100; ++i) {
    const absl::Duration d = b.Next();
    EXPECT_GE(d, absl::Milliseconds(100));
    EXPECT_LE(d, std::min(prev * 3, absl::Seconds(2)));
    prev = d;
  }
}

TEST(BackoffTest, SameSeedSameSequenceDifferentSeedDiffers) {
  for (Jitter j : {Jitter::kFull, Jitter::kDecorrelated}) {
    Backoff a(Opts(j), 1);
    Backoff b(Opts(j), 1);
    Backoff c(Opts(j), 2);
    std::vector<absl::Duration> sa, sb, sc;
    for (int i = 0; i < 10; ++i) {
      sa.push_back(a.Next());
      sb.push_back(b.Next());
      sc.push_back(c.Next());
    }
    EXPECT_EQ(sa, sb);
    EXPECT_NE(sa, sc);
  }
}

TEST(BackoffTest, ResetRestartsFromMin) {
  Backoff b(Opts(Jitter::kFull), 3);
  for (int i = 0; i < 10; ++i) b.Next();
  b.Reset();
  // The first delay after a reset is drawn from [min, min].
  EXPECT_EQ(b.Next(), absl::Milliseconds(100));
}

}  // namespace
}  // namespace arbor::net
