#include "arbor/core/ids.h"

#include <type_traits>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"

namespace arbor {
namespace {

TEST(IdsTest, DistinctTypesDoNotConvert) {
  static_assert(!std::is_convertible_v<TokenId, ConditionId>);
  static_assert(!std::is_convertible_v<std::string, TokenId>);  // explicit construction only
  static_assert(!std::is_same_v<ClientOrderId, VenueOrderId>);
}

TEST(IdsTest, HashableEqualityAndOrdering) {
  absl::flat_hash_map<TokenId, int> m;
  m[TokenId("123")] = 1;
  m[TokenId("456")] = 2;
  EXPECT_EQ(m.at(TokenId(std::string("123"))), 1);
  EXPECT_EQ(m.count(TokenId("789")), 0u);
  EXPECT_LT(TradeId("a"), TradeId("b"));
  EXPECT_EQ(TradeId("x").view(), "x");
  EXPECT_TRUE(ExecutionId().empty());
}

TEST(IdsTest, VenueNamesRoundTrip) {
  for (Venue v : {Venue::kPolymarket, Venue::kKalshi}) {
    EXPECT_EQ(ParseVenue(VenueName(v)), v);
  }
  EXPECT_EQ(VenueName(Venue::kKalshi), "kalshi");
  EXPECT_FALSE(ParseVenue("Polymarket").has_value());
  EXPECT_FALSE(ParseVenue("").has_value());
}

}  // namespace
}  // namespace arbor
