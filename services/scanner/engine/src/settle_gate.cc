#include "arbor/scanner/settle_gate.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace arbor::scanner {

SettleGate::SettleGate(absl::Duration settle, LastChangeFn last_change)
    : settle_nanos_(std::max<int64_t>(0, absl::ToInt64Nanoseconds(settle))),
      last_change_(std::move(last_change)) {}

SettleGate::Split SettleGate::Filter(std::vector<arbor::v1::Opportunity> opportunities,
                                     int64_t now_mono) {
  Split out;
  if (settle_nanos_ == 0) {
    out.ready = std::move(opportunities);
    return out;
  }
  for (arbor::v1::Opportunity& o : opportunities) {
    std::vector<lanes::InstrumentKey> sources;
    int64_t newest = 0;
    for (const arbor::v1::SourceBook& s : o.source_books()) {
      absl::StatusOr<lanes::InstrumentKey> k = lanes::InstrumentKey::FromProto(s.instrument_id());
      if (!k.ok()) continue;
      newest = std::max(newest, last_change_(*k));
      sources.push_back(*std::move(k));
    }
    if (newest == 0 || now_mono - newest >= settle_nanos_) {
      out.ready.push_back(std::move(o));
      continue;
    }
    ++out.held;
    ++held_total_;
    const int64_t due = newest + settle_nanos_;
    for (lanes::InstrumentKey& k : sources) {
      auto [it, inserted] = due_.try_emplace(k, due);
      if (!inserted) it->second = std::max(it->second, due);
      out.held_sources.push_back(std::move(k));
    }
  }
  std::sort(out.held_sources.begin(), out.held_sources.end());
  out.held_sources.erase(std::unique(out.held_sources.begin(), out.held_sources.end()),
                         out.held_sources.end());
  return out;
}

std::vector<lanes::InstrumentKey> SettleGate::TakeDue(int64_t now_mono) {
  std::vector<lanes::InstrumentKey> out;
  for (auto it = due_.begin(); it != due_.end();) {
    if (it->second <= now_mono) {
      out.push_back(it->first);
      due_.erase(it++);
    } else {
      ++it;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::Duration SettleGate::UntilNext(int64_t now_mono) const {
  int64_t next = std::numeric_limits<int64_t>::max();
  for (const auto& [key, due] : due_) next = std::min(next, due);
  if (next == std::numeric_limits<int64_t>::max()) return absl::InfiniteDuration();
  return absl::Nanoseconds(std::max<int64_t>(0, next - now_mono));
}

}  // namespace arbor::scanner
