// TokenBucket: burst, refill from caller-supplied monotonic time, exact integer accounting (a
// double accumulator fails ManySmallStepsEqualOneBigStep), all-or-nothing consumption and
// reconfiguration.
#include "arbor/risk/token_bucket.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace arbor::risk {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(TokenBucketTest, StartsFullAndAdmitsExactlyTheBurst) {
  TokenBucket bucket(1.0, 3, 0);
  EXPECT_EQ(bucket.Available(0), 3);
  EXPECT_TRUE(bucket.TryConsume(1, 0));
  EXPECT_TRUE(bucket.TryConsume(1, 0));
  EXPECT_TRUE(bucket.TryConsume(1, 0));
  EXPECT_FALSE(bucket.TryConsume(1, 0));
  EXPECT_EQ(bucket.Available(0), 0);
}

TEST(TokenBucketTest, RefillsAtTheRate) {
  TokenBucket bucket(2.0, 2, 0);
  ASSERT_TRUE(bucket.TryConsume(2, 0));
  EXPECT_EQ(bucket.Available(kSecond / 2 - 1), 0);  // one token takes 500 ms at 2/s
  EXPECT_EQ(bucket.Available(kSecond / 2), 1);
  EXPECT_EQ(bucket.Available(kSecond), 2);
}

TEST(TokenBucketTest, NeverHoldsMoreThanTheBurst) {
  TokenBucket bucket(100.0, 5, 0);
  EXPECT_EQ(bucket.Available(3600 * kSecond), 5);
  EXPECT_TRUE(bucket.TryConsume(5, 3600 * kSecond));
  EXPECT_FALSE(bucket.TryConsume(1, 3600 * kSecond));
}

TEST(TokenBucketTest, ManySmallStepsEqualOneBigStep) {
  // 0.1 is not a binary fraction: adding 0.1 token ten times in double gives 0.9999999999999999.
  TokenBucket stepped(0.1, 1, 0);
  ASSERT_TRUE(stepped.TryConsume(1, 0));
  for (int i = 1; i < 10; ++i) EXPECT_EQ(stepped.Available(i * kSecond), 0) << i;
  EXPECT_EQ(stepped.Available(10 * kSecond), 1);

  TokenBucket thirds(3.0, 1, 0);  // a token per 333'333'333.3 ns
  ASSERT_TRUE(thirds.TryConsume(1, 0));
  EXPECT_EQ(thirds.Available(333'333'333), 0);
  EXPECT_EQ(thirds.Available(333'333'334), 1);
}

TEST(TokenBucketTest, ConsumptionIsAllOrNothing) {
  TokenBucket bucket(1.0, 3, 0);
  EXPECT_FALSE(bucket.TryConsume(4, 0));
  EXPECT_EQ(bucket.Available(0), 3) << "a refused request must take nothing";
  EXPECT_TRUE(bucket.TryConsume(3, 0));
}

TEST(TokenBucketTest, NonPositiveOrNanRateNeverRefills) {
  for (double rate : {0.0, -5.0, std::nan("")}) {
    TokenBucket bucket(rate, 1, 0);
    EXPECT_EQ(bucket.rate_micro_per_second(), 0) << rate;
    ASSERT_TRUE(bucket.TryConsume(1, 0));
    EXPECT_EQ(bucket.Available(1'000'000 * kSecond), 0) << rate;
  }
}

TEST(TokenBucketTest, ZeroBurstAdmitsNothing) {
  TokenBucket bucket(1000.0, 0, 0);
  EXPECT_FALSE(bucket.TryConsume(1, 10 * kSecond));
  EXPECT_TRUE(bucket.TryConsume(0, 10 * kSecond));
}

TEST(TokenBucketTest, ReconfigureKeepsEarnedTokensClampedToTheNewBurst) {
  TokenBucket bucket(1.0, 10, 0);
  ASSERT_TRUE(bucket.TryConsume(2, 0));  // 8 left
  bucket.Reconfigure(1.0, 5, 0);
  EXPECT_EQ(bucket.Available(0), 5);
  bucket.Reconfigure(1.0, 20, 0);
  EXPECT_EQ(bucket.Available(0), 5) << "a larger burst is not a free refill";
  EXPECT_EQ(bucket.burst(), 20u);
}

TEST(TokenBucketTest, ReconfigureSettlesTheOldRateFirst) {
  TokenBucket bucket(1.0, 5, 0);
  ASSERT_TRUE(bucket.TryConsume(5, 0));
  bucket.Reconfigure(0.0, 5, 2 * kSecond);  // two tokens earned at 1/s before the change
  EXPECT_EQ(bucket.Available(100 * kSecond), 2);
}

TEST(TokenBucketTest, TimeGoingBackwardsEarnsNothing) {
  TokenBucket bucket(1.0, 5, 10 * kSecond);
  ASSERT_TRUE(bucket.TryConsume(5, 10 * kSecond));
  EXPECT_EQ(bucket.Available(5 * kSecond), 0);
  EXPECT_EQ(bucket.Available(11 * kSecond), 1) << "the interval is measured from 10 s, once";
}

TEST(TokenBucketTest, ExtremeRatesAndTimesDoNotOverflow) {
  const uint32_t max_burst = std::numeric_limits<uint32_t>::max();
  TokenBucket bucket(1e300, max_burst, 0);
  EXPECT_EQ(bucket.rate_micro_per_second(), 1'000'000'000'000'000);  // clamped to 1e9/s
  ASSERT_TRUE(bucket.TryConsume(max_burst, 0));
  EXPECT_EQ(bucket.Available(std::numeric_limits<int64_t>::max()), int64_t{max_burst});

  TokenBucket from_negative(1.0, 1, std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(from_negative.TryConsume(1, std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(from_negative.Available(std::numeric_limits<int64_t>::max()), 1);
}

}  // namespace
}  // namespace arbor::risk
