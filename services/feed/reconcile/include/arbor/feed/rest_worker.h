// File: arbor/feed/rest_worker.h
//
// RestWorker: what the Reconciler and the Poller share around their REST calls — the error
// policy (classify, count, back off) and the optional own thread that loops on the owner's
// RunOnce with an interruptible wait.
//
// Error policy. OnError(status, now) buckets the status (ClassifyRestError), counts it and blocks
// REST calls until now + delay, where
//   delay = max(backoff.Next(), min(Retry-After, max_retry_after))  if the status carries a
//                                                                    Retry-After (429, either
//                                                                    venue, see RetryAfter())
//   delay = backoff.Next()                                           otherwise.
// The backoff grows on every error (429 included), so a venue that keeps throttling with a short
// Retry-After is still backed off exponentially; `max_retry_after` bounds a bogus or huge
// Retry-After. OnSuccess() resets the backoff. BlockedForNanos(now) says how long the owner must
// still wait before its next REST call.
//
// Thread. Start() runs run_once() in a loop on an own thread, waiting min(its result, max_idle)
// between calls; Wake() and Stop() interrupt the wait (a Wake() during run_once() makes the next
// wait return at once). Stop() joins; the destructor stops. run_once() is called without the
// worker's lock held, so it may call back into the worker (OnError, BlockedForNanos, ...).
//
// Thread-safety: every member is thread-safe (one internal mutex, never held while calling out).
// Owners may call the error-policy members under their own lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "arbor/feed/rest_book_source.h"
#include "arbor/net/backoff.h"

namespace arbor::feed {

struct RestWorkerOptions {
  net::BackoffOptions backoff = {absl::Seconds(1), absl::Seconds(60), 2.0, net::Jitter::kFull};
  // Upper bound on a venue's Retry-After (a larger one is treated as this).
  absl::Duration max_retry_after = absl::Minutes(5);
  // Longest wait of the own thread between run_once() calls.
  absl::Duration max_idle = absl::Seconds(1);
};

// REST errors by RestErrorKind.
struct RestErrorCounts {
  uint64_t throttled = 0;  // 429
  uint64_t server = 0;     // 5xx / transport
  uint64_t other = 0;      // everything else
};

class RestWorker {
 public:
  using RunOnceFn = std::function<absl::Duration()>;

  // What OnError decided.
  struct ErrorOutcome {
    RestErrorKind kind = RestErrorKind::kOther;
    absl::Duration delay;                       // REST calls blocked for this long
    std::optional<absl::Duration> retry_after;  // the venue's, capped at max_retry_after
  };

  // `run_once` is only needed for Start() (may be empty otherwise). Preconditions as
  // net::Backoff (checked).
  explicit RestWorker(RestWorkerOptions options, RunOnceFn run_once = nullptr);
  ~RestWorker();
  RestWorker(const RestWorker&) = delete;
  RestWorker& operator=(const RestWorker&) = delete;

  // OnError
  //
  // Counts `status` (not OK) by kind and blocks REST calls until `now_nanos` + delay (see the
  // file comment). A later block never shortens an earlier one.
  ErrorOutcome OnError(const absl::Status& status, int64_t now_nanos);

  // OnSuccess
  //
  // A REST call succeeded: the next error starts the backoff from its minimum again.
  void OnSuccess();

  // Nanoseconds until REST calls may resume (0 when not blocked).
  int64_t BlockedForNanos(int64_t now_nanos) const;

  RestErrorCounts Errors() const;

  // Start / Stop / Wake: the own thread (see the file comment). Start() while started does
  // nothing; Start() after Stop() starts a new thread.
  void Start();
  void Stop();
  void Wake();

  const RestWorkerOptions& options() const { return options_; }

 private:
  void Loop();

  const RestWorkerOptions options_;
  const RunOnceFn run_once_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  net::Backoff backoff_;
  int64_t blocked_until_nanos_ = 0;
  RestErrorCounts errors_;
  bool stop_ = false;
  bool wake_ = false;
  std::thread thread_;
};

}  // namespace arbor::feed
