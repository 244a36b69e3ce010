#include "arbor/k8s/workqueue.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace arbor::k8s {

// --- rate limiters ---

ItemExponentialRateLimiter::ItemExponentialRateLimiter(absl::Duration base, absl::Duration max)
    : base_(base), max_(max) {}

absl::Duration ItemExponentialRateLimiter::When(const std::string& key) {
  absl::MutexLock lock(&mu_);
  const int exp = failures_[key]++;
  // base * 2^exp, computed in floating point to avoid overflow (client-go does the same).
  const double nanos = absl::ToDoubleNanoseconds(base_) * std::pow(2.0, exp);
  if (nanos >= absl::ToDoubleNanoseconds(max_)) return max_;
  return absl::Nanoseconds(static_cast<int64_t>(nanos));
}

void ItemExponentialRateLimiter::Forget(const std::string& key) {
  absl::MutexLock lock(&mu_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

BucketRateLimiter::BucketRateLimiter(double qps, int burst, const Clock& clock)
    : qps_(qps), burst_(burst), clock_(clock), tokens_(burst), last_mono_(clock.MonotonicNanos()) {}

absl::Duration BucketRateLimiter::When(const std::string&) {
  absl::MutexLock lock(&mu_);
  const int64_t now = clock_.MonotonicNanos();
  if (now > last_mono_) {
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now - last_mono_) * 1e-9 * qps_);
    last_mono_ = now;
  }
  tokens_ -= 1.0;  // reserve a token, possibly one that only exists in the future
  if (tokens_ >= 0) return absl::ZeroDuration();
  return absl::Nanoseconds(static_cast<int64_t>(std::ceil(-tokens_ / qps_ * 1e9)));
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

absl::Duration MaxOfRateLimiter::When(const std::string& key) {
  absl::Duration longest = absl::ZeroDuration();
  for (auto& l : limiters_) longest = std::max(longest, l->When(key));
  return longest;
}

void MaxOfRateLimiter::Forget(const std::string& key) {
  for (auto& l : limiters_) l->Forget(key);
}

int MaxOfRateLimiter::NumRequeues(const std::string& key) {
  int most = 0;
  for (auto& l : limiters_) most = std::max(most, l->NumRequeues(key));
  return most;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(const Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(
      std::make_unique<ItemExponentialRateLimiter>(absl::Milliseconds(5), absl::Seconds(1000)));
  limiters.push_back(std::make_unique<BucketRateLimiter>(10.0, 100, clock));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

// --- WorkQueue ---

WorkQueue::WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter)
    : clock_(clock),
      limiter_(limiter != nullptr ? std::move(limiter) : DefaultControllerRateLimiter(clock)) {}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  if (processing_.contains(key)) return;  // queued again by Done()
  queue_.push_back(key);
  cv_.Signal();
}

void WorkQueue::Add(const std::string& key) {
  absl::MutexLock lock(&mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return;
  if (delay <= absl::ZeroDuration()) {
    AddLocked(key);
    return;
  }
  const int64_t ready = clock_.MonotonicNanos() + absl::ToInt64Nanoseconds(delay);
  auto [it, inserted] = delayed_.emplace(key, ready);
  if (!inserted) it->second = std::min(it->second, ready);  // the earlier time wins
  cv_.SignalAll();  // a waiting Get() may need to wake earlier
}

void WorkQueue::AddRateLimited(const std::string& key) { AddAfter(key, limiter_->When(key)); }

void WorkQueue::Forget(const std::string& key) { limiter_->Forget(key); }

int WorkQueue::NumRequeues(const std::string& key) { return limiter_->NumRequeues(key); }

void WorkQueue::PromoteDueLocked() {
  if (delayed_.empty()) return;
  const int64_t now = clock_.MonotonicNanos();
  std::vector<std::pair<int64_t, std::string>> due;
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if (it->second <= now) {
      due.emplace_back(it->second, it->first);
      it = delayed_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(due.begin(), due.end());  // earliest first
  for (const auto& [when, key] : due) AddLocked(key);
}

std::optional<std::string> WorkQueue::PopLocked() {
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

std::optional<std::string> WorkQueue::GetFor(absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (true) {
    PromoteDueLocked();
    if (!queue_.empty()) return PopLocked();
    if (shutting_down_) return std::nullopt;
    absl::Duration wait = give_up - absl::Now();
    if (wait <= absl::ZeroDuration()) return std::nullopt;
    if (!delayed_.empty()) {
      int64_t next = INT64_MAX;
      for (const auto& [key, ready] : delayed_) next = std::min(next, ready);
      // Re-check at least every 50 ms: a simulated clock moves without notifying us.
      wait = std::min(
          {wait, absl::Nanoseconds(next - clock_.MonotonicNanos()), absl::Milliseconds(50)});
      wait = std::max(wait, absl::Milliseconds(1));
    }
    cv_.WaitWithTimeout(&mu_, wait);
  }
}

std::optional<std::string> WorkQueue::Get() { return GetFor(absl::InfiniteDuration()); }

std::optional<std::string> WorkQueue::TryGet() {
  absl::MutexLock lock(&mu_);
  PromoteDueLocked();
  return PopLocked();
}

void WorkQueue::Done(const std::string& key) {
  absl::MutexLock lock(&mu_);
  processing_.erase(key);
  if (dirty_.contains(key)) {
    queue_.push_back(key);
    cv_.Signal();
  }
}

void WorkQueue::ShutDown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  delayed_.clear();
  cv_.SignalAll();
}

bool WorkQueue::ShuttingDown() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

size_t WorkQueue::NumDelayed() const {
  absl::MutexLock lock(&mu_);
  return delayed_.size();
}

}  // namespace arbor::k8s
