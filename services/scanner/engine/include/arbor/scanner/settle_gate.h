// File: arbor/scanner/settle_gate.h
//
// SettleGate: holds back an opportunity until its books have settled. A venue event that moves
// both outcome tokens of a market reaches the scanner as two book updates, often on two feed
// connections; evaluated between them, the market shows a phantom edge (one leg's new price
// against the other leg's old one) that is gone a few milliseconds later. Trading it costs money
// (one FOK leg fills, the other does not). So an opportunity whose newest source book changed
// less than `settle` ago is held, and its books are re-evaluated once they have been quiet for
// `settle`: if the edge is still there it is published then, else it never was.
//
//   SettleGate gate(absl::Milliseconds(25), [&](const lanes::InstrumentKey& k) {
//     return LastChangeMonoNanos(k);          // e.g. BookView::updated_mono_nanos
//   });
//   SettleGate::Split s = gate.Filter(std::move(result.opportunities), now_mono);
//   board.Apply(touched minus s.held_sources, ..., std::move(s.ready), ...);
//   ... later: std::vector<lanes::InstrumentKey> due = gate.TakeDue(now_mono);  // re-evaluate
//
// settle = 0 disables the gate (everything is ready at once). Thread-compatible (the lane
// thread owns it).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "arbor/lanes/inputs.h"
#include "arbor/v1/opportunity.pb.h"

namespace arbor::scanner {

class SettleGate {
 public:
  // Monotonic nanoseconds of the instrument's last book change (0 = unknown: never holds).
  using LastChangeFn = std::function<int64_t(const lanes::InstrumentKey&)>;

  SettleGate(absl::Duration settle, LastChangeFn last_change);

  struct Split {
    std::vector<arbor::v1::Opportunity> ready;
    // Source instruments of the held opportunities (sorted, unique): the board must not judge
    // live opportunities on these books by this pass.
    std::vector<lanes::InstrumentKey> held_sources;
    size_t held = 0;
  };

  // Filter
  //
  // Splits one pass's opportunities into ready and held; held ones' sources are scheduled for a
  // recheck when their newest book is `settle` old.
  Split Filter(std::vector<arbor::v1::Opportunity> opportunities, int64_t now_mono);

  // The scheduled instruments whose recheck is due (removed from the schedule), sorted.
  std::vector<lanes::InstrumentKey> TakeDue(int64_t now_mono);

  // Time until the next scheduled recheck (InfiniteDuration when none; zero when overdue).
  absl::Duration UntilNext(int64_t now_mono) const;

  // Opportunities held since construction.
  uint64_t held_total() const { return held_total_; }
  size_t scheduled() const { return due_.size(); }

 private:
  const int64_t settle_nanos_;
  const LastChangeFn last_change_;
  absl::flat_hash_map<lanes::InstrumentKey, int64_t> due_;  // instrument -> recheck time
  uint64_t held_total_ = 0;
};

}  // namespace arbor::scanner
