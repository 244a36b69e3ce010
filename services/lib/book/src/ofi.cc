#include "arbor/book/ofi.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "absl/time/time.h"
#include "arbor/core/check.h"

namespace arbor::book {
namespace {

__extension__ typedef __int128 int128;

int64_t Saturate(int128 v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

}  // namespace

OfiTracker::OfiTracker(absl::Duration window, size_t capacity)
    : window_nanos_(absl::ToInt64Nanoseconds(window)), ring_(capacity, Event{0, 0}) {
  ARBOR_CHECK(window_nanos_ > 0, "OfiTracker window must be positive");
  ARBOR_CHECK(capacity > 0, "OfiTracker capacity must be at least 1");
}

void OfiTracker::OnTopOfBook(int64_t ts_nanos, std::optional<Level> bid, std::optional<Level> ask) {
  // Clamp so the ring stays ordered by time and the windowed scan can stop early.
  if (ts_nanos < last_ts_) ts_nanos = last_ts_;
  last_ts_ = ts_nanos;

  int128 e = 0;
  if (bid && prev_bid_) {
    if (bid->price >= prev_bid_->price) e += bid->size.micros();
    if (bid->price <= prev_bid_->price) e -= prev_bid_->size.micros();
  }
  if (ask && prev_ask_) {
    if (ask->price <= prev_ask_->price) e -= ask->size.micros();
    if (ask->price >= prev_ask_->price) e += prev_ask_->size.micros();
  }
  // A missing side resets its previous observation (the assignment stores nullopt).
  prev_bid_ = bid;
  prev_ask_ = ask;

  ring_[head_] = Event{ts_nanos, Saturate(e)};
  head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
  if (size_ == ring_.size()) {
    ++evicted_;
  } else {
    ++size_;
  }
}

template <typename Fn>
void OfiTracker::ForEachInWindow(int64_t now_nanos, Fn&& fn) const {
  const size_t cap = ring_.size();
  for (size_t k = 0; k < size_; ++k) {
    const Event& ev = ring_[(head_ + cap - 1 - k) % cap];
    if (ev.ts_nanos > now_nanos) continue;
    // Widened: now - ts may not fit in int64 for extreme timestamps.
    if (static_cast<int128>(now_nanos) - ev.ts_nanos >= window_nanos_) break;
    fn(ev);
  }
}

Quantity OfiTracker::Imbalance(int64_t now_nanos) const {
  int128 sum = 0;
  ForEachInWindow(now_nanos, [&](const Event& ev) { sum += ev.contribution; });
  return Quantity::FromMicros(Saturate(sum));
}

size_t OfiTracker::samples(int64_t now_nanos) const {
  size_t n = 0;
  ForEachInWindow(now_nanos, [&](const Event&) { ++n; });
  return n;
}

void OfiTracker::Reset() {
  head_ = 0;
  size_ = 0;
  evicted_ = 0;
  last_ts_ = std::numeric_limits<int64_t>::min();
  prev_bid_.reset();
  prev_ask_.reset();
}

}  // namespace arbor::book
