// File: arbor/scanner/touch_queue.h
//
// TouchQueue: a TouchListener that collects the keys of books the BookCache republished, for an
// incremental lane that re-evaluates only what changed. Keys are coalesced: a key already
// pending is not queued again, so a lane that falls behind sees each hot book once per drain
// (and reads its newest view) instead of a backlog of every tick.
//
//   TouchQueue touched;
//   cache.AddListener(&touched);
//   std::vector<BookKey> keys;
//   while (touched.WaitAndDrain(&keys, absl::Milliseconds(100)) || !stopping) {
//     for (const BookKey& k : keys) Evaluate(cache.Find(k));
//   }
//
// Thread-safety: all members are thread-safe; one consumer thread per queue is the intended use.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/scanner/book_cache.h"

namespace arbor::scanner {

class TouchQueue final : public TouchListener {
 public:
  // Queues each key not already pending and wakes the consumer.
  void OnBooksTouched(absl::Span<const BookKey> keys) override;

  // Drain
  //
  // Moves every pending key into *out (cleared first), in first-touched order. Never blocks.
  // Returns the number of keys.
  size_t Drain(std::vector<BookKey>* out);

  // WaitAndDrain
  //
  // Waits up to `timeout` until a key is pending or Close() was called, then drains. Returns
  // true iff *out is non-empty.
  bool WaitAndDrain(std::vector<BookKey>* out, absl::Duration timeout);

  // Wakes a blocked WaitAndDrain for good (later waits return at once).
  void Close();

  size_t pending() const;
  // Keys offered by the cache (before coalescing) and keys actually queued.
  uint64_t offered() const;
  uint64_t queued() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<BookKey> pending_;
  absl::flat_hash_set<BookKey> pending_set_;
  bool closed_ = false;
  uint64_t offered_ = 0;
  uint64_t queued_ = 0;
};

}  // namespace arbor::scanner
