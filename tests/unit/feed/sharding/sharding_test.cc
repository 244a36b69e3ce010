// File: tests/unit/feed/sharding/sharding_test.cc
//
// Pinned hash values (the shard of an event must never change between builds), shard validation
// and StatefulSet pod-name parsing.
#include "arbor/feed/sharding.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace arbor::feed {
namespace {

TEST(ShardingTest, Fnv1a64MatchesReferenceVectors) {
  // Reference vectors of the FNV specification (draft-eastlake-fnv).
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ULL);
}

TEST(ShardingTest, ShardOfIsPinned) {
  // Values computed once by an independent implementation; a change here reshuffles every
  // deployed feed shard and must be deliberate.
  struct Case {
    std::string_view event;
    uint64_t fnv;
    std::vector<uint32_t> shards;  // for counts 1, 2, 3, 4, 8, 16
  };
  const std::vector<Case> cases = {
      {"30829", 0xf678c4d6dfb51143ULL, {0, 1, 1, 1, 7, 9}},
      {"0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700",
       0xd29d347c52e965caULL,
       {0, 0, 2, 2, 7, 11}},
      {"KXFEDDECISION-25DEC", 0x9603258708c6ecd1ULL, {0, 1, 1, 1, 5, 5}},
      {"246060", 0x2a4594c5648d4b13ULL, {0, 0, 2, 2, 2, 11}},
  };
  const std::vector<uint32_t> counts = {1, 2, 3, 4, 8, 16};
  for (const Case& c : cases) {
    EXPECT_EQ(Fnv1a64(c.event), c.fnv) << c.event;
    for (size_t i = 0; i < counts.size(); ++i) {
      EXPECT_EQ(ShardOf(c.event, counts[i]), c.shards[i]) << c.event << " n=" << counts[i];
    }
  }
}

TEST(ShardingTest, ShardOfIsInRangeAndBalanced) {
  constexpr uint32_t kShards = 4;
  constexpr int kEvents = 4000;
  std::vector<int> load(kShards, 0);
  for (int i = 0; i < kEvents; ++i) {
    const uint32_t shard = ShardOf(absl::StrCat("event-", i), kShards);
    ASSERT_LT(shard, kShards);
    ++load[shard];
  }
  for (uint32_t s = 0; s < kShards; ++s) {
    EXPECT_GT(load[s], kEvents / kShards * 8 / 10) << "shard " << s;
    EXPECT_LT(load[s], kEvents / kShards * 12 / 10) << "shard " << s;
  }
}

TEST(ShardingTest, GrowingShardCountMovesEventsOnlyToTheNewShard) {
  // Jump consistent hash: going from n to n+1 shards, an event either stays or moves to shard n.
  for (int i = 0; i < 2000; ++i) {
    const std::string event = absl::StrCat("evt", i);
    for (uint32_t n = 1; n < 10; ++n) {
      const uint32_t before = ShardOf(event, n);
      const uint32_t after = ShardOf(event, n + 1);
      if (before != after) {
        EXPECT_EQ(after, n) << event;
      }
    }
  }
}

TEST(ShardingTest, SelectShardValidates) {
  struct Case {
    int64_t index;
    int64_t count;
    bool ok;
    std::string_view message_part;
  };
  const std::vector<Case> cases = {
      {0, 1, true, ""},
      {3, 4, true, ""},
      {4095, 4096, true, ""},
      {0, 0, false, "shard count 0"},
      {-1, 4, false, "shard index -1"},
      {4, 4, false, "shard index 4 is outside [0, 4)"},
      {0, -2, false, "shard count -2"},
      {0, 4097, false, "shard count 4097"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ShardSelection> sel = SelectShard(c.index, c.count);
    EXPECT_EQ(sel.ok(), c.ok) << c.index << "/" << c.count;
    if (c.ok) {
      ASSERT_TRUE(sel.ok());
      EXPECT_EQ(sel->index, static_cast<uint32_t>(c.index));
      EXPECT_EQ(sel->count, static_cast<uint32_t>(c.count));
    } else {
      ASSERT_FALSE(sel.ok());
      EXPECT_EQ(sel.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(sel.status().message().find(std::string(c.message_part)), std::string::npos)
          << sel.status();
    }
  }
}

TEST(ShardingTest, ShardSelectionOwnsMatchesShardOf) {
  const ShardSelection sel{2, 3};
  EXPECT_TRUE(sel.Owns("0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700"));
  EXPECT_FALSE(sel.Owns("30829"));
}

TEST(ShardingTest, PodNameOrdinal) {
  struct Case {
    std::string_view name;
    bool ok;
    uint32_t index;
  };
  const std::vector<Case> cases = {
      {"arbor-feed-3", true, 3},
      {"arbor-feed-0", true, 0},
      {"arbor-feed-12", true, 12},
      {"feed-4095", true, 4095},
      {"-7", true, 7},
      {"arbor-feed-4096", false, 0},
      {"arbor-feed-99999999999999999999999", false, 0},
      {"arbor-feed-03", false, 0},
      {"arbor-feed-", false, 0},
      {"arbor-feed", false, 0},
      {"arborfeed3", false, 0},
      {"arbor-feed-3a", false, 0},
      {"arbor-feed- 3", false, 0},
      {"", false, 0},
  };
  for (const Case& c : cases) {
    absl::StatusOr<uint32_t> index = ShardIndexFromPodName(c.name);
    ASSERT_EQ(index.ok(), c.ok) << "'" << c.name << "': " << index.status();
    if (c.ok) {
      EXPECT_EQ(*index, c.index) << c.name;
    } else {
      EXPECT_EQ(index.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace arbor::feed
