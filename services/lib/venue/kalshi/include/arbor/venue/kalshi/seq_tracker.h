// File: arbor/venue/kalshi/seq_tracker.h
//
// SeqTracker: per-subscription (`sid`) sequence checking for Kalshi WebSocket streams. Kalshi
// numbers the messages of one subscription with a single `seq` counter that runs across
// snapshots and deltas of every market on it (KALSHI.md §5), so a gap means every book on that
// sid may have missed an update: the caller marks them stale and sends update_subscription
// action:"get_snapshot". Messages without `seq` (ticker, fill, user_order) are not tracked.
//
// Not thread-safe; one tracker per connection. Allocates only when a new sid is first seen.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/container/flat_hash_map.h"

namespace arbor::venue::kalshi {

enum class SeqStatus : uint8_t {
  kInOrder,           // seq == last + 1, or the first message seen on this sid
  kGap,               // seq > last + 1: messages were lost
  kDuplicateOrStale,  // seq <= last: already seen (or older); drop the message
};

struct SeqResult {
  SeqStatus status = SeqStatus::kInOrder;
  uint64_t expected = 0;  // last + 1 (0 on the first message of a sid)
  uint64_t got = 0;
};

class SeqTracker {
 public:
  // Observe
  //
  // Checks `seq` against the last seq of `sid` and records it. The first message of an unknown
  // sid defines the baseline (kInOrder). After a gap the baseline moves to `seq`, so a gap is
  // reported once; the caller's stale marking (not the tracker) keeps books out until a
  // snapshot. A duplicate or stale seq leaves the baseline unchanged.
  SeqResult Observe(uint64_t sid, uint64_t seq);

  // OnSnapshot
  //
  // A snapshot is self-contained: the baseline of `sid` becomes `seq` whatever it was.
  void OnSnapshot(uint64_t sid, uint64_t seq);

  // Forget
  //
  // Drops the state of `sid` (unsubscribed, error 7 "unknown sid", a new subscription reusing
  // the number, or a reconnect where the server restarts sid numbering).
  void Forget(uint64_t sid);
  // Forgets every sid (reconnect).
  void Clear() { last_.clear(); }

  // The last accepted seq of `sid`, or nullopt if untracked.
  std::optional<uint64_t> Last(uint64_t sid) const;

 private:
  absl::flat_hash_map<uint64_t, uint64_t> last_;
};

}  // namespace arbor::venue::kalshi
