#include "arbor/venue/kalshi/seq_tracker.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace arbor::venue::kalshi {
namespace {

TEST(SeqTrackerTest, FirstMessageDefinesTheBaseline) {
  SeqTracker t;
  EXPECT_FALSE(t.Last(7).has_value());
  const SeqResult r = t.Observe(7, 41);
  EXPECT_EQ(r.status, SeqStatus::kInOrder);
  EXPECT_EQ(r.got, 41u);
  EXPECT_EQ(t.Last(7), 41u);
}

TEST(SeqTrackerTest, InOrderGapDuplicateAndStale) {
  SeqTracker t;
  t.Observe(1, 2);
  EXPECT_EQ(t.Observe(1, 3).status, SeqStatus::kInOrder);

  const SeqResult gap = t.Observe(1, 6);
  EXPECT_EQ(gap.status, SeqStatus::kGap);
  EXPECT_EQ(gap.expected, 4u);
  EXPECT_EQ(gap.got, 6u);
  // The baseline moves past the gap so it is reported once.
  EXPECT_EQ(t.Observe(1, 7).status, SeqStatus::kInOrder);

  const SeqResult dup = t.Observe(1, 7);
  EXPECT_EQ(dup.status, SeqStatus::kDuplicateOrStale);
  EXPECT_EQ(dup.expected, 8u);
  EXPECT_EQ(t.Observe(1, 2).status, SeqStatus::kDuplicateOrStale);
  EXPECT_EQ(t.Last(1), 7u);  // unchanged by duplicates
}

TEST(SeqTrackerTest, SidsAreIndependent) {
  SeqTracker t;
  t.Observe(1, 10);
  t.Observe(2, 100);
  EXPECT_EQ(t.Observe(1, 11).status, SeqStatus::kInOrder);
  EXPECT_EQ(t.Observe(2, 102).status, SeqStatus::kGap);
  EXPECT_EQ(t.Observe(1, 12).status, SeqStatus::kInOrder);
}

TEST(SeqTrackerTest, SnapshotResetsTheBaselineEitherWay) {
  SeqTracker t;
  t.Observe(1, 10);
  t.OnSnapshot(1, 20);
  EXPECT_EQ(t.Observe(1, 21).status, SeqStatus::kInOrder);
  t.OnSnapshot(1, 5);  // a lower snapshot seq (e.g. a re-created subscription) also resets
  EXPECT_EQ(t.Observe(1, 6).status, SeqStatus::kInOrder);
  t.OnSnapshot(9, 1);  // an unknown sid starts tracking
  EXPECT_EQ(t.Observe(9, 3).status, SeqStatus::kGap);
}

TEST(SeqTrackerTest, ForgetAndClear) {
  SeqTracker t;
  t.Observe(1, 10);
  t.Observe(2, 10);
  t.Forget(1);
  EXPECT_FALSE(t.Last(1).has_value());
  EXPECT_EQ(t.Observe(1, 1).status, SeqStatus::kInOrder);  // a fresh baseline
  t.Clear();
  EXPECT_FALSE(t.Last(1).has_value());
  EXPECT_FALSE(t.Last(2).has_value());
}

TEST(SeqTrackerTest, CounterMaximumDoesNotOverflow) {
  SeqTracker t;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  t.Observe(1, kMax - 1);
  EXPECT_EQ(t.Observe(1, kMax).status, SeqStatus::kInOrder);
  EXPECT_EQ(t.Observe(1, kMax).status, SeqStatus::kDuplicateOrStale);
  EXPECT_EQ(t.Observe(1, 0).status, SeqStatus::kDuplicateOrStale);
}

}  // namespace
}  // namespace arbor::venue::kalshi
