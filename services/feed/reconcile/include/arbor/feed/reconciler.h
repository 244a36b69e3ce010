// File: arbor/feed/reconciler.h
//
// Reconciler: checks one venue's published books (BookFanout::GetBook) against REST books
// (RestBookSource) level by level, on a schedule and on demand, and repairs confirmed
// divergences.
//
// Schedule. Every instrument given to SetInstruments() is checked once per `interval`
// (default 30 s): the instruments are walked round-robin in batches of source->max_batch(),
// one batch every interval / ceil(n / max_batch). Suspect(ids) (after a gap, a quiet book, ...)
// queues ids for a check ahead of the schedule.
//
// Races. REST may be ahead of or behind the WebSocket, so one mismatch is only a SUSPICION: the
// book is re-checked `confirm_delay` (default 2 s) later. The re-check CONFIRMS a divergence
// when some price level disagrees the same way at both checks (the published size and the REST
// size there are each unchanged, and differ): a stream that is only behind REST catches up on an
// unchanged level within confirm_delay, so such a level is a missed or wrong update. A re-check
// that matches clears the suspicion. A re-check whose disagreements all moved is inconclusive:
// it re-arms, and after `max_rechecks` inconclusive re-checks the divergence is confirmed anyway
// (the book never agreed with REST). "The published sequence did not move during the fetch" is
// not evidence: a book whose deltas are still in flight does not move either.
// Only books in state kLive / kStale are compared (others have no trusted contents).
//
// Repair of a confirmed divergence: counters.divergences++, publisher->Quarantine(id,
// "RestDivergence"), publisher->PublishSnapshot(id, REST bids, REST asks, kRest) (repairs++ on
// success, repair_failures++ if the publisher refuses it), then on_divergence(ids) once per
// RunOnce with every id confirmed in it (called without internal locks held).
//
// REST errors (policy of arbor/feed/rest_worker.h) are counted by kind (RestErrorKind) and block
// the reconciler for an exponential backoff (`backoff`); a 429 with Retry-After blocks it for
// max(backoff, Retry-After capped at `max_retry_after`). The ids of a failed fetch are retried
// later (suspects and re-checks stay queued; the schedule simply continues).
//
// Threading: RunOnce() does at most one fetch (one batch) of due work and returns how long until
// more work is due; the lead may drive it, or call Start() for an own thread (a RestWorker) that
// loops on it (interruptible waits: Suspect() and Stop() wake it). Do not call RunOnce() while
// started.
// SetInstruments / Suspect / Counters are thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/core/clock.h"
#include "arbor/core/ids.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/book_publisher.h"
#include "arbor/feed/rest_book_source.h"
#include "arbor/feed/rest_worker.h"
#include "arbor/net/backoff.h"

namespace arbor::feed {

struct ReconcilerOptions {
  absl::Duration interval = absl::Seconds(30);      // full pass over the instruments
  absl::Duration confirm_delay = absl::Seconds(2);  // suspicion → re-check
  // Inconclusive re-checks (every disagreeing level moved) before the mismatch is confirmed
  // anyway: a level that keeps moving is healed by its own absolute updates, so this is a
  // backstop, not the detector.
  int max_rechecks = 10;
  net::BackoffOptions backoff = {absl::Seconds(1), absl::Seconds(60), 2.0, net::Jitter::kFull};
  // Longest wait of the Start() thread between RunOnce calls.
  absl::Duration max_idle = absl::Seconds(1);
  // Upper bound on a venue's Retry-After (a larger one is treated as this).
  absl::Duration max_retry_after = absl::Minutes(5);
};

struct ReconcilerCounters {
  uint64_t fetches = 0;           // successful REST fetches (batches)
  uint64_t checks = 0;            // book comparisons
  uint64_t matches = 0;           // comparisons that matched
  uint64_t suspicions = 0;        // first mismatches (re-check armed)
  uint64_t divergences = 0;       // confirmed divergences
  uint64_t repairs = 0;           // REST snapshots published after a divergence
  uint64_t repair_failures = 0;   // REST snapshots the publisher refused
  uint64_t errors_throttled = 0;  // REST 429
  uint64_t errors_server = 0;     // REST 5xx / transport
  uint64_t errors_other = 0;      // other REST errors
};

class Reconciler {
 public:
  using DivergenceCallback = std::function<void(const std::vector<InstrumentId>&)>;

  // Everything passed must outlive the reconciler. `on_divergence` may be empty.
  Reconciler(Venue venue, RestBookSource* source, const BookFanout* fanout,
             BookPublisher* publisher, const Clock* clock, ReconcilerOptions options = {},
             DivergenceCallback on_divergence = nullptr);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // The instruments on the schedule (replaces the list; pending suspicions of dropped ids are
  // forgotten).
  void SetInstruments(std::vector<InstrumentId> ids);

  // Queues `ids` for a check ahead of the schedule (duplicates ignored).
  void Suspect(absl::Span<const InstrumentId> ids);

  // RunOnce
  //
  // Does the work due now (clock->MonotonicNanos()): one batch made of due re-checks first,
  // then suspects, then (if a scheduled batch is due) the next scheduled instruments. Returns
  // the time until more work is due (zero if some is due already).
  absl::Duration RunOnce();

  // Start / Stop: an own thread looping on RunOnce, waiting in between (interruptible). Stop()
  // joins; the destructor stops.
  void Start();
  void Stop();

  Venue venue() const { return venue_; }
  ReconcilerCounters Counters() const;
  // Ids with an armed suspicion (tests, debugging).
  size_t PendingRechecks() const;

 private:
  struct Pending {
    int64_t due_nanos = 0;
    uint64_t published_sequence = 0;  // published sequence when the mismatch was seen
    std::vector<book::Level> published_bids;
    std::vector<book::Level> published_asks;
    RestBook rest;
    int rechecks = 0;
  };

  // Next wake-up relative to `now`, requires mu_.
  int64_t NanosUntilWorkLocked(int64_t now) const;

  const Venue venue_;
  RestBookSource* const source_;
  const BookFanout* const fanout_;
  BookPublisher* const publisher_;
  const Clock* const clock_;
  const ReconcilerOptions options_;
  const DivergenceCallback on_divergence_;

  mutable std::mutex mu_;
  std::vector<InstrumentId> instruments_;
  size_t cursor_ = 0;
  int64_t next_scheduled_nanos_ = 0;
  std::deque<InstrumentId> suspects_;
  absl::flat_hash_set<InstrumentId> suspect_set_;
  absl::flat_hash_map<InstrumentId, Pending> pending_;
  ReconcilerCounters counters_;  // errors_* come from worker_
  // Error policy and own thread; last, so it stops before the members above go away.
  RestWorker worker_;
};

}  // namespace arbor::feed
