// File: services/feed/sharding/src/sharding.cc
//
// FNV-1a 64 + jump consistent hash, shard validation and pod-name parsing.
#include "arbor/feed/sharding.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/check.h"
#include "arbor/core/strings.h"

namespace arbor::feed {

uint64_t Fnv1a64(std::string_view bytes) {
  constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
  constexpr uint64_t kPrime = 0x100000001b3ULL;
  uint64_t hash = kOffsetBasis;
  for (const char c : bytes) {
    hash ^= static_cast<uint64_t>(static_cast<unsigned char>(c));
    hash *= kPrime;
  }
  return hash;
}

// Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm" (2014), verbatim apart
// from types: the 64-bit LCG and the double-precision division are part of the published
// algorithm and are deterministic on IEEE-754 platforms.
uint32_t JumpConsistentHash(uint64_t key, uint32_t bucket_count) {
  ARBOR_CHECK(bucket_count >= 1, "JumpConsistentHash: bucket_count must be >= 1");
  int64_t b = -1;
  int64_t j = 0;
  while (j < static_cast<int64_t>(bucket_count)) {
    b = j;
    key = key * 2862933555777941757ULL + 1;
    j = static_cast<int64_t>(static_cast<double>(b + 1) * (static_cast<double>(1LL << 31) /
                                                           static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<uint32_t>(b);
}

uint32_t ShardOf(std::string_view event_id, uint32_t shard_count) {
  ARBOR_CHECK(shard_count >= 1, "ShardOf: shard_count must be >= 1");
  return JumpConsistentHash(Fnv1a64(event_id), shard_count);
}

absl::StatusOr<ShardSelection> SelectShard(int64_t index, int64_t count) {
  if (count < 1 || count > kMaxShardCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard count ", count, " is outside [1, ", kMaxShardCount, "]"));
  }
  if (index < 0 || index >= count) {
    return absl::InvalidArgumentError(absl::StrCat("shard index ", index, " is outside [0, ", count,
                                                   ") for shard count ", count));
  }
  return ShardSelection{static_cast<uint32_t>(index), static_cast<uint32_t>(count)};
}

absl::StatusOr<uint32_t> ShardIndexFromPodName(std::string_view pod_name) {
  const size_t dash = pod_name.rfind('-');
  if (dash == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("pod name '", Abbreviate(pod_name), "' has no '-<ordinal>' suffix"));
  }
  const std::string_view digits = pod_name.substr(dash + 1);
  if (digits.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pod name '", Abbreviate(pod_name), "' ends in '-' with no ordinal"));
  }
  if (digits.size() > 1 && digits.front() == '0') {
    return absl::InvalidArgumentError(
        absl::StrCat("pod name '", Abbreviate(pod_name), "': ordinal has a leading zero"));
  }
  uint64_t value = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    const char c = digits[i];
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(absl::StrCat(
          "pod name '", Abbreviate(pod_name), "': ordinal has non-digit at offset ", dash + 1 + i));
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value >= kMaxShardCount) {
      return absl::InvalidArgumentError(absl::StrCat("pod name '", Abbreviate(pod_name),
                                                     "': ordinal exceeds ", kMaxShardCount - 1));
    }
  }
  return static_cast<uint32_t>(value);
}

}  // namespace arbor::feed
