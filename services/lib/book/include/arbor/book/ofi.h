// File: arbor/book/ofi.h
//
// OfiTracker: order-flow imbalance (Cont, Kukanov & Stoikov, "The Price Impact of Order Book
// Events", 2014) over a sliding time window. For consecutive top-of-book observations n-1, n
// with best bid (Pb, qb) and best ask (Pa, qa) the event contribution is
//
//   e_n =   1{Pb_n >= Pb_{n-1}} qb_n  -  1{Pb_n <= Pb_{n-1}} qb_{n-1}
//         - 1{Pa_n <= Pa_{n-1}} qa_n  +  1{Pa_n >= Pa_{n-1}} qa_{n-1}
//
// (bid terms: demand added / removed at the touch; ask terms: supply added / removed). OFI over
// a window is the sum of e_n of events inside it; positive = buying pressure. Sizes are in
// Quantity micro-units, so e_n is a Quantity. A side that is missing in either observation
// contributes 0 for that event, and a missing side resets its "previous" so the next
// observation starts fresh (no spurious jump when a side reappears).
//
// Storage is a fixed-capacity ring allocated by the constructor; OnTopOfBook, Imbalance and
// samples never allocate. When the ring is full the oldest event is overwritten (evicted()
// counts these; size the capacity for the peak event rate times the window). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"

namespace arbor::book {

class OfiTracker {
 public:
  // A tracker summing events in the last `window` (> 0), holding at most `capacity` (>= 1)
  // events. Violations are programming errors (ARBOR_CHECK).
  OfiTracker(absl::Duration window, size_t capacity);

  // Records the top of book at `ts_nanos` as one event (contributing 0 for a side without a
  // previous observation, e.g. the very first call). Timestamps should be non-decreasing; an
  // earlier timestamp is clamped to the latest seen so the ring stays ordered.
  void OnTopOfBook(int64_t ts_nanos, std::optional<Level> bid, std::optional<Level> ask);

  // Sum of e_n over recorded events with now - window < ts <= now (events later than `now` are
  // ignored). Saturates at the int64 limits.
  Quantity Imbalance(int64_t now_nanos) const;

  // Number of recorded events with now - window < ts <= now.
  size_t samples(int64_t now_nanos) const;

  // Events overwritten because the ring was full, since construction or Reset().
  uint64_t evicted() const { return evicted_; }
  size_t capacity() const { return ring_.size(); }
  absl::Duration window() const { return absl::Nanoseconds(window_nanos_); }

  // Forgets every event and the previous top of book (e.g. after a book resync).
  void Reset();

 private:
  struct Event {
    int64_t ts_nanos;
    int64_t contribution;  // e_n in Quantity micro-units
  };

  // Calls fn(event) newest first for events with ts <= now, stopping once ts <= now - window.
  template <typename Fn>
  void ForEachInWindow(int64_t now_nanos, Fn&& fn) const;

  int64_t window_nanos_;
  std::vector<Event> ring_;
  size_t head_ = 0;  // next slot to write
  size_t size_ = 0;
  uint64_t evicted_ = 0;
  int64_t last_ts_ = std::numeric_limits<int64_t>::min();
  std::optional<Level> prev_bid_;
  std::optional<Level> prev_ask_;
};

}  // namespace arbor::book
