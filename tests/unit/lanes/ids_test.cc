// opportunity_id and group_key: deterministic (a pinned golden value guards against an unstable
// hash), equal for equal inputs, different when a price, size, sequence or epoch changes;
// group_key ignores prices, sizes and sequences.
#include <string>

#include "arbor/core/clock.h"
#include "arbor/lanes/lanes.h"
#include "gtest/gtest.h"
#include "lanes_test_util.h"

namespace arbor::lanes {
namespace {

using namespace ::arbor::lanes::testing;  // NOLINT(google-build-using-namespace)

struct World {
  InMemoryMarketCatalog catalog;
  FakeBookReader books;
  SimulatedClock clock;

  World(const char* yes_ask = "0.62", const char* size = "100", uint64_t seq = 7,
        uint64_t epoch = 3) {
    catalog.Upsert(BinaryMarket("m1", "e1"));
    books.Set(Yes("m1"), Ladder({{"0.55", "100"}}), Ladder({{yes_ask, size}}));
    books.Set(No("m1"), Ladder({{"0.30", "100"}}), Ladder({{"0.33", "100"}}));
    books.Get(Yes("m1")).sequence = seq;
    books.Get(Yes("m1")).epoch = epoch;
  }

  arbor::v1::Opportunity Only() {
    BinaryLane lane(&catalog, &books, &clock);
    LaneEvaluation e = lane.EvaluateAll();
    EXPECT_EQ(e.opportunities.size(), 1u);
    return e.opportunities.empty() ? arbor::v1::Opportunity() : e.opportunities[0];
  }
};

TEST(OpportunityIdTest, StableAcrossRunsAndEqualInputs) {
  World a;
  World b;
  b.clock.Advance(absl::Seconds(3));  // detection time is not part of the id
  const arbor::v1::Opportunity oa = a.Only();
  const arbor::v1::Opportunity ob = b.Only();
  EXPECT_EQ(oa.opportunity_id(), ob.opportunity_id());
  EXPECT_EQ(oa.group_key(), ob.group_key());
  EXPECT_NE(oa.created_unix_nanos(), ob.created_unix_nanos());
  // Golden values, reproduced outside C++ with Python's hashlib:
  //   sha256("arbor.opportunity.v1|lane=1|L0 O 1:m1-Y 1 620000 100000000 |L1 O 1:m1-N 1 330000 "
  //          "100000000 |S1:m1-Y 7 3|S1:m1-N 1 1")[:32]
  //   sha256("arbor.group.v1|lane=1|O 1:m1-N 1|O 1:m1-Y 1")[:32]
  // A change here changes every id the executor has seen (breaks idempotency across a rolling
  // upgrade): bump "v1" in the text deliberately, never by accident.
  EXPECT_EQ(oa.opportunity_id(), "2f031fb9533637b2ced0daca1a7a42f1");
  EXPECT_EQ(oa.group_key(), "79131ca42619f7d9bdea04d2e322e2cf");
  EXPECT_EQ(OpportunityIdOf(oa), oa.opportunity_id());
  EXPECT_EQ(GroupKeyOf(oa), oa.group_key());
}

TEST(OpportunityIdTest, ChangesWithPriceSizeSequenceAndEpochButGroupKeyDoesNot) {
  const arbor::v1::Opportunity base = World().Only();
  const arbor::v1::Opportunity variants[] = {
      World("0.61").Only(),               // price
      World("0.62", "90").Only(),         // size
      World("0.62", "100", 8).Only(),     // sequence
      World("0.62", "100", 7, 4).Only(),  // epoch
  };
  for (const arbor::v1::Opportunity& v : variants) {
    EXPECT_NE(v.opportunity_id(), base.opportunity_id());
    EXPECT_EQ(v.group_key(), base.group_key());
  }
}

TEST(OpportunityIdTest, GroupKeyDependsOnStructure) {
  World buy;
  // Split-and-sell on the same market: different legs, so a different group.
  World sell;
  sell.books.Set(Yes("m1"), Ladder({{"0.55", "100"}}), Ladder({{"0.57", "100"}}));
  sell.books.Set(No("m1"), Ladder({{"0.48", "100"}}), Ladder({{"0.50", "100"}}));
  const arbor::v1::Opportunity b = buy.Only();
  const arbor::v1::Opportunity s = sell.Only();
  EXPECT_NE(b.group_key(), s.group_key());
  // Leg order does not matter for the group key (sorted), but lane does.
  arbor::v1::Opportunity swapped = b;
  swapped.mutable_legs()->SwapElements(0, 1);
  EXPECT_EQ(GroupKeyOf(swapped), b.group_key());
  swapped.set_lane(arbor::v1::LANE_NEGRISK);
  EXPECT_NE(GroupKeyOf(swapped), b.group_key());
}

}  // namespace
}  // namespace arbor::lanes
