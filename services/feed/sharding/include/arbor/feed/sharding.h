// File: arbor/feed/sharding.h
//
// Stable assignment of events to feed shards. An event (a Polymarket Gamma event / NegRisk market
// id, a Kalshi event ticker) is the unit of sharding, so every outcome of a NegRisk event lands on
// the same shard and the scanner sees complete sets. The hash is FNV-1a 64 followed by Lamping &
// Veach's jump consistent hash, both written out here: the result depends only on the bytes of the
// id and the shard count, never on the build, the platform or the process (unlike std::hash or
// absl::Hash), and growing from n to n+1 shards moves only ~1/(n+1) of the events.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace arbor::feed {

// FNV-1a 64-bit hash of `bytes` (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
uint64_t Fnv1a64(std::string_view bytes);

// Jump consistent hash: maps `key` to a bucket in [0, bucket_count). Precondition:
// bucket_count >= 1 (checked).
uint32_t JumpConsistentHash(uint64_t key, uint32_t bucket_count);

// The shard, in [0, shard_count), that owns `event_id`. Precondition: shard_count >= 1 (checked;
// validate untrusted counts with SelectShard first).
uint32_t ShardOf(std::string_view event_id, uint32_t shard_count);

// This process's slice of the shard space: it owns the events whose ShardOf(event, count) is
// `index`.
struct ShardSelection {
  uint32_t index = 0;
  uint32_t count = 1;

  // True if this shard owns `event_id`.
  bool Owns(std::string_view event_id) const { return ShardOf(event_id, count) == index; }

  friend bool operator==(const ShardSelection&, const ShardSelection&) = default;
};

// Upper bound on the shard count accepted by SelectShard (a sanity limit against a mistyped
// configuration value, far above any deployment).
inline constexpr uint32_t kMaxShardCount = 4096;

// Validates and returns shard `index` of `count`.
// Errors: InvalidArgument if count < 1, count > kMaxShardCount or index >= count (the message
// names both values).
[[nodiscard]] absl::StatusOr<ShardSelection> SelectShard(int64_t index, int64_t count);

// The StatefulSet ordinal of a pod name: the decimal digits after the last '-'
// ("arbor-feed-3" -> 3, "arbor-feed-12" -> 12).
// Errors: InvalidArgument if the name has no '-', the suffix is empty, holds a non-digit, has a
// leading zero (StatefulSets never emit "arbor-feed-03"), or exceeds kMaxShardCount - 1.
[[nodiscard]] absl::StatusOr<uint32_t> ShardIndexFromPodName(std::string_view pod_name);

}  // namespace arbor::feed
