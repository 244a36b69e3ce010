// File: arbor/feed/poller.h
//
// Poller: REST polling of one venue's books for the degraded feed modes (arbor/feed/
// feed_mode.h). In kPoll mode it polls every instrument given to SetInstruments(); in kHybrid
// only the "quiet or suspect" set given to SetHybridSet(); in kStream nothing.
//
// Each polled book is fetched at most once per `poll_interval`, the least recently polled
// first, in batches of source->max_batch() ids, one request per RateGovernor token (endpoint
// `rate_endpoint`; a source making one HTTP request per id should have max_batch() == 1 so one
// token is one request). A fetched book is published with PublishSnapshot(kRest) only when it
// differs from the published one (BookFanout::GetBook) or the book is not trusted (awaiting a
// snapshot, quarantined); an unchanged kStale book is MarkLive'd. In kPoll mode a kLive book not
// refreshed by REST within `poll_stale_after` is MarkStale'd ("RestPollTimeout").
//
// Errors (policy of arbor/feed/rest_worker.h): every error is counted and the whole venue waits
// an exponential backoff (`backoff`); a 429 also calls governor->OnThrottle(Retry-After) and,
// when Retry-After was sent, the venue waits max(backoff, Retry-After capped at
// `max_retry_after`). Then polling continues. A failed fetch publishes nothing; a REST book the
// publisher refuses (crossed, off-grid) is counted (the publisher quarantines it).
//
// Threading: as Reconciler — RunOnce() (one fetch at most, returns the time until more work is
// due) or Start()/Stop() for an own thread (a RestWorker). Setters and Counters are thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"
#include "arbor/core/ids.h"
#include "arbor/feed/book_fanout.h"
#include "arbor/feed/book_publisher.h"
#include "arbor/feed/feed_mode.h"
#include "arbor/feed/rest_book_source.h"
#include "arbor/feed/rest_worker.h"
#include "arbor/net/backoff.h"
#include "arbor/net/rate_governor.h"

namespace arbor::feed {

struct PollerOptions {
  absl::Duration poll_interval = absl::Seconds(5);      // per book, at most one fetch per this
  absl::Duration poll_stale_after = absl::Seconds(30);  // kPoll: no REST refresh → MarkStale
  std::string rate_endpoint = "rest_books";             // RateGovernor endpoint key
  net::BackoffOptions backoff = {absl::Seconds(1), absl::Seconds(60), 2.0, net::Jitter::kFull};
  absl::Duration max_idle = absl::Seconds(1);         // longest wait of the Start() thread
  absl::Duration max_retry_after = absl::Minutes(5);  // cap on a venue's Retry-After
};

struct PollerCounters {
  uint64_t fetches = 0;           // successful REST fetches (batches)
  uint64_t books_fetched = 0;     // books received
  uint64_t published = 0;         // changed books published (PublishSnapshot kRest)
  uint64_t unchanged = 0;         // books equal to the published ones (not republished)
  uint64_t publish_rejected = 0;  // REST books the publisher refused
  uint64_t stale_marks = 0;       // kLive → kStale by poll_stale_after
  uint64_t rate_limited = 0;      // RunOnce calls that found no governor token
  uint64_t errors_throttled = 0;  // REST 429
  uint64_t errors_server = 0;     // REST 5xx / transport
  uint64_t errors_other = 0;      // other REST errors
};

class Poller {
 public:
  // Everything passed must outlive the poller.
  Poller(Venue venue, RestBookSource* source, const BookFanout* fanout, BookPublisher* publisher,
         net::RateGovernor* governor, const Clock* clock, PollerOptions options = {});
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  void SetMode(FeedMode mode);
  // Every instrument of the venue on this shard (polled in kPoll).
  void SetInstruments(const std::vector<InstrumentId>& ids);
  // The quiet or suspect books (polled in kHybrid).
  void SetHybridSet(const std::vector<InstrumentId>& ids);

  // RunOnce
  //
  // Marks stale books (kPoll), then fetches and publishes at most one batch of due books.
  // Returns the time until more work is due.
  absl::Duration RunOnce();

  void Start();
  void Stop();

  Venue venue() const { return venue_; }
  FeedMode mode() const;
  PollerCounters Counters() const;

 private:
  struct Target {
    int64_t last_polled_nanos = std::numeric_limits<int64_t>::min();  // last fetch attempt
    int64_t last_refreshed_nanos = 0;                                 // last REST book
  };
  void SyncTargets(const std::vector<InstrumentId>& ids,
                   absl::flat_hash_map<InstrumentId, Target>& targets);
  int64_t NanosUntilWorkLocked(int64_t now) const;

  const Venue venue_;
  RestBookSource* const source_;
  const BookFanout* const fanout_;
  BookPublisher* const publisher_;
  net::RateGovernor* const governor_;
  const Clock* const clock_;
  const PollerOptions options_;

  mutable std::mutex mu_;
  FeedMode mode_ = FeedMode::kStream;
  absl::flat_hash_map<InstrumentId, Target> all_;
  absl::flat_hash_map<InstrumentId, Target> hybrid_;
  PollerCounters counters_;  // errors_* come from worker_
  // Error policy and own thread; last, so it stops before the members above go away.
  RestWorker worker_;
};

}  // namespace arbor::feed
