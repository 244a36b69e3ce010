// File: arbor/k8s/workqueue.h
//
// A controller work queue with controller-runtime's default rate limiting (client-go
// util/workqueue; OPERATOR_NOTES.md §2.5):
//   * keys are de-duplicated while queued;
//   * a key handed out by Get() is not handed out again until Done(key); an Add() meanwhile
//     marks it dirty and it is queued again by Done();
//   * AddAfter(key, d) queues it once d has passed on the injected clock;
//   * AddRateLimited(key) = AddAfter(key, limiter.When(key)); Forget(key) resets its backoff.
// DefaultControllerRateLimiter() = max(per-key exponential 5 ms * 2^n capped at 1000 s,
// a global token bucket of 10 qps with burst 100).
//
//   WorkQueue queue(SystemClock::Get());
//   while (std::optional<std::string> key = queue.Get()) {
//     if (Reconcile(*key).ok()) queue.Forget(*key); else queue.AddRateLimited(*key);
//     queue.Done(*key);
//   }
//
// Thread safety: all methods are thread-safe. With a SimulatedClock, blocking Get() notices a
// clock advance within 50 ms (it re-checks the delayed keys at least that often); tests usually
// use TryGet().
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "arbor/core/clock.h"

namespace arbor::k8s {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long to wait before processing `key` again (records one more failure for it).
  virtual absl::Duration When(const std::string& key) = 0;
  // Stops tracking `key` (its next When() starts from the base delay again).
  virtual void Forget(const std::string& key) = 0;
  virtual int NumRequeues(const std::string& key) = 0;
};

// base * 2^failures, capped at max (client-go ItemExponentialFailureRateLimiter).
class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  ItemExponentialRateLimiter(absl::Duration base, absl::Duration max);
  absl::Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  const absl::Duration base_, max_;
  absl::Mutex mu_;
  std::map<std::string, int> failures_ ABSL_GUARDED_BY(mu_);
};

// A token bucket shared by all keys (client-go BucketRateLimiter over x/time/rate): every
// When() reserves one token and returns how long until that token exists.
class BucketRateLimiter final : public RateLimiter {
 public:
  BucketRateLimiter(double qps, int burst, const Clock& clock);
  absl::Duration When(const std::string& key) override;
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) override { return 0; }

 private:
  const double qps_;
  const double burst_;
  const Clock& clock_;
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);
  int64_t last_mono_ ABSL_GUARDED_BY(mu_);
};

// The longest delay of its limiters (client-go MaxOfRateLimiter).
class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);
  absl::Duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(const Clock& clock);

class WorkQueue {
 public:
  // `limiter` nullptr = DefaultControllerRateLimiter(clock). `clock` must outlive the queue.
  explicit WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter = nullptr);

  void Add(const std::string& key);
  void AddAfter(const std::string& key, absl::Duration delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

  // Get
  //
  // Blocks until a key is ready; nullopt once ShutDown() was called and no ready key is left
  // (delayed keys are dropped at shutdown).
  std::optional<std::string> Get();
  // Get with a bound on the wait (nullopt on timeout or shutdown).
  std::optional<std::string> GetFor(absl::Duration timeout);
  // Non-blocking: a ready key (delayed keys whose time has come are promoted first) or nullopt.
  std::optional<std::string> TryGet();
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown() const;
  // Ready keys (not counting delayed or in-process ones).
  size_t Len() const;
  // Keys waiting for their AddAfter time.
  size_t NumDelayed() const;

 private:
  void AddLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PromoteDueLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<std::string> PopLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  std::unique_ptr<RateLimiter> limiter_;
  mutable absl::Mutex mu_;
  absl::CondVar cv_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> processing_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> delayed_ ABSL_GUARDED_BY(mu_);  // key -> ready (mono nanos)
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace arbor::k8s
