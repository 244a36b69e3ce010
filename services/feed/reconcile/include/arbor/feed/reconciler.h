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
  // backstop, not the detector. Re-checks whose published book is newer than the REST book
  // (venue timestamps) do not count.
  int max_rechecks = 10;
  // Consecutive re-checks that must each find a lasting disagreement before it is confirmed.
  // One is not enough against a lively market: a level that flips away and back between two
  // checks while the stream runs a few hundred ms behind REST looks unchanged at both (seen in
  // `scripts/run.py`: ~250 false divergences in the first 16 s, and the feed in poll mode).
  int confirmations = 2;
  net::BackoffOptions backoff = {absl::Seconds(1), absl::Seconds(60), 2.0, net::Jitter::kFull};
  // Longest wait of the Start() thread between RunOnce calls.
  absl::Duration max_idle = absl::Seconds(1);
  // Upper bound on a venue's Retry-After (a larger one is treated as this).
  absl::Duration max_retry_after = absl::Minutes(5);
  // How far the stream carrying a book has got: the newest venue timestamp (Unix ms) received
  // on its connection, or nullopt if unknown. When set, a book whose REST answer carries a venue
  // timestamp (Polymarket) is compared only once its stream has reached that timestamp: after a
  // fetch the reconciler waits up to `stream_catch_up_wait` for that, then reads the published
  // book. A stream still behind is not judged (counted as `lagging`; an armed re-check keeps its
  // reference and is due again after confirm_delay) — unless it is more than `max_stream_lag`
  // behind, which is judged as usual: a frozen connection is what the reconciler is for. Without
  // this, a stream a few hundred ms behind REST showed every recent move of a lively market as a
  // disagreement. Called without the reconciler's lock.
  std::function<std::optional<int64_t>(const InstrumentId&)> stream_watermark_ms;
  absl::Duration stream_catch_up_wait = absl::Seconds(1);
  absl::Duration max_stream_lag = absl::Seconds(10);
  // How the catch-up wait sleeps (polling every 20 ms); nullptr = absl::SleepFor. Tests inject
  // one that advances their clock.
  std::function<void(absl::Duration)> sleep_for;
};

struct ReconcilerCounters {
  uint64_t fetches = 0;           // successful REST fetches (batches)
  uint64_t checks = 0;            // book comparisons
  uint64_t matches = 0;           // comparisons that matched
  uint64_t suspicions = 0;        // first mismatches (re-check armed)
  uint64_t lagging = 0;           // comparisons skipped: the stream had not reached the REST book
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
    int lasting = 0;  // consecutive re-checks that found a lasting disagreement
  };

  // One book of a RunOnce batch.
  struct Check {
    InstrumentId id;
    uint64_t sequence_before = 0;
    bool suspect = false;  // came from the suspect queue (re-queued on a failed fetch)
    std::optional<int64_t> stream_mark_ms;  // stream_watermark_ms, read after the fetch
  };
  // Fills each check's stream_mark_ms, waiting (up to stream_catch_up_wait) until every stream
  // has reached its REST book's venue timestamp. Without mu_.
  void WaitForStreams(const std::vector<RestBook>& fetched, int64_t after,
                      std::vector<Check>& checks) const;
  // Whether the published book may be judged against `rest` (see stream_watermark_ms).
  bool StreamCaughtUp(std::optional<int64_t> stream_mark_ms, const RestBook& rest) const;

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
