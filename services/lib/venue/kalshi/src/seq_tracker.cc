#include "arbor/venue/kalshi/seq_tracker.h"

#include <limits>

namespace arbor::venue::kalshi {

SeqResult SeqTracker::Observe(uint64_t sid, uint64_t seq) {
  auto [it, inserted] = last_.try_emplace(sid, seq);
  if (inserted) return SeqResult{SeqStatus::kInOrder, 0, seq};
  const uint64_t last = it->second;
  // At the counter's maximum nothing can follow in order; everything reads as stale.
  const uint64_t expected = last == std::numeric_limits<uint64_t>::max() ? last : last + 1;
  if (seq <= last) return SeqResult{SeqStatus::kDuplicateOrStale, expected, seq};
  it->second = seq;
  if (seq == expected) return SeqResult{SeqStatus::kInOrder, expected, seq};
  return SeqResult{SeqStatus::kGap, expected, seq};
}

void SeqTracker::OnSnapshot(uint64_t sid, uint64_t seq) { last_[sid] = seq; }

void SeqTracker::Forget(uint64_t sid) { last_.erase(sid); }

std::optional<uint64_t> SeqTracker::Last(uint64_t sid) const {
  auto it = last_.find(sid);
  if (it == last_.end()) return std::nullopt;
  return it->second;
}

}  // namespace arbor::venue::kalshi
