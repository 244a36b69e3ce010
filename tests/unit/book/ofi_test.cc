#include "arbor/book/ofi.h"

#include <optional>

#include "absl/time/time.h"
#include "book_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arbor::book {
namespace {

using ::arbor::book::testing::L;
using ::arbor::book::testing::Q;

struct Step {
  int64_t ts;
  std::optional<Level> bid;
  std::optional<Level> ask;
  const char* contribution;  // hand-computed e_n
};

// e_n = 1{Pb>=Pb'} qb - 1{Pb<=Pb'} qb' - 1{Pa<=Pa'} qa + 1{Pa>=Pa'} qa'   (' = previous)
const Step kSequence[] = {
    // First observation: nothing to compare with.
    {1, L("0.50", "100"), L("0.52", "100"), "0"},
    // Bid size up at the same price: +150 - 100; ask unchanged: -100 + 100.
    {2, L("0.50", "150"), L("0.52", "100"), "50"},
    // Bid price up: +30. Ask size down at the same price: -80 + 100.
    {3, L("0.51", "30"), L("0.52", "80"), "50"},
    // Bid price down: -30 (previous size). Ask price down: -60.
    {4, L("0.49", "40"), L("0.51", "60"), "-90"},
    // Bid unchanged: +40 - 40. Ask price up: +60 (previous size).
    {5, L("0.49", "40"), L("0.53", "10"), "60"},
};

TEST(OfiTrackerTest, HandComputedSequence) {
  OfiTracker ofi(absl::Seconds(1), 16);
  Quantity running;
  for (const Step& s : kSequence) {
    ofi.OnTopOfBook(s.ts, s.bid, s.ask);
    running += Q(s.contribution);
    EXPECT_EQ(ofi.Imbalance(s.ts), running) << "ts " << s.ts;
  }
  EXPECT_EQ(ofi.Imbalance(5), Q("70"));
  EXPECT_EQ(ofi.samples(5), 5u);
  EXPECT_EQ(ofi.evicted(), 0u);
}

TEST(OfiTrackerTest, WindowExpiry) {
  OfiTracker ofi(absl::Nanoseconds(3), 16);
  for (const Step& s : kSequence) ofi.OnTopOfBook(s.ts, s.bid, s.ask);
  // Window (now - 3, now].
  EXPECT_EQ(ofi.Imbalance(5), Q("20"));  // ts 3, 4, 5: 50 - 90 + 60
  EXPECT_EQ(ofi.samples(5), 3u);
  EXPECT_EQ(ofi.Imbalance(6), Q("-30"));  // ts 4, 5
  EXPECT_EQ(ofi.samples(6), 2u);
  EXPECT_EQ(ofi.Imbalance(7), Q("60"));
  EXPECT_EQ(ofi.Imbalance(8), Quantity::Zero());
  EXPECT_EQ(ofi.samples(8), 0u);
  // Events after `now` are not counted: (0, 3] holds ts 1, 2, 3.
  EXPECT_EQ(ofi.Imbalance(3), Q("100"));
  EXPECT_EQ(ofi.samples(3), 3u);
}

TEST(OfiTrackerTest, OneSidedBookContributesZeroAndResets) {
  OfiTracker ofi(absl::Seconds(1), 16);
  ofi.OnTopOfBook(1, L("0.50", "100"), L("0.52", "100"));
  // Ask side vanishes: only the bid term counts (+120 - 100).
  ofi.OnTopOfBook(2, L("0.50", "120"), std::nullopt);
  EXPECT_EQ(ofi.Imbalance(2), Q("20"));
  // Ask reappears lower: no previous ask, so no ask term (not -70 + 100).
  ofi.OnTopOfBook(3, L("0.50", "120"), L("0.51", "70"));
  EXPECT_EQ(ofi.Imbalance(3), Q("20"));
  // Now the ask has a previous again: size down at the same price: -50 + 70.
  ofi.OnTopOfBook(4, L("0.50", "120"), L("0.51", "50"));
  EXPECT_EQ(ofi.Imbalance(4), Q("40"));
  // Empty book: contributes 0 and clears both previous.
  ofi.OnTopOfBook(5, std::nullopt, std::nullopt);
  ofi.OnTopOfBook(6, L("0.10", "999"), L("0.90", "999"));
  EXPECT_EQ(ofi.Imbalance(6), Q("40"));
  EXPECT_EQ(ofi.samples(6), 6u);
}

TEST(OfiTrackerTest, FullRingEvictsOldest) {
  OfiTracker ofi(absl::Seconds(10), 2);
  EXPECT_EQ(ofi.capacity(), 2u);
  for (const Step& s : kSequence) ofi.OnTopOfBook(s.ts, s.bid, s.ask);
  EXPECT_EQ(ofi.evicted(), 3u);
  EXPECT_EQ(ofi.samples(5), 2u);
  EXPECT_EQ(ofi.Imbalance(5), Q("-30"));  // only ts 4 and 5 remain
}

TEST(OfiTrackerTest, OutOfOrderTimestampsAreClamped) {
  OfiTracker ofi(absl::Nanoseconds(10), 8);
  ofi.OnTopOfBook(100, L("0.50", "1"), L("0.60", "1"));
  ofi.OnTopOfBook(50, L("0.50", "3"), L("0.60", "1"));  // recorded at 100
  EXPECT_EQ(ofi.samples(100), 2u);
  EXPECT_EQ(ofi.Imbalance(100), Q("2"));
  EXPECT_EQ(ofi.samples(99), 0u);
}

TEST(OfiTrackerTest, ResetForgetsEverything) {
  OfiTracker ofi(absl::Seconds(1), 4);
  for (const Step& s : kSequence) ofi.OnTopOfBook(s.ts, s.bid, s.ask);
  ofi.Reset();
  EXPECT_EQ(ofi.samples(5), 0u);
  EXPECT_EQ(ofi.evicted(), 0u);
  // No previous top of book survives the reset: the next event contributes 0.
  ofi.OnTopOfBook(6, L("0.90", "500"), L("0.95", "1"));
  EXPECT_EQ(ofi.Imbalance(6), Quantity::Zero());
  EXPECT_EQ(ofi.window(), absl::Seconds(1));
}

}  // namespace
}  // namespace arbor::book
