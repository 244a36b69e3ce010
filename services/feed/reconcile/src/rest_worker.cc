#include "arbor/feed/rest_worker.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace arbor::feed {

RestWorker::RestWorker(RestWorkerOptions options, RunOnceFn run_once)
    : options_(std::move(options)), run_once_(std::move(run_once)), backoff_(options_.backoff) {}

RestWorker::~RestWorker() { Stop(); }

RestWorker::ErrorOutcome RestWorker::OnError(const absl::Status& status, int64_t now_nanos) {
  ErrorOutcome out;
  out.kind = ClassifyRestError(status);
  std::lock_guard<std::mutex> lock(mu_);
  switch (out.kind) {
    case RestErrorKind::kThrottled:
      ++errors_.throttled;
      break;
    case RestErrorKind::kServer:
      ++errors_.server;
      break;
    case RestErrorKind::kOther:
      ++errors_.other;
      break;
  }
  // The backoff advances on every error, 429s included: a venue that keeps answering 429 with a
  // short Retry-After is still backed off exponentially.
  out.delay = backoff_.Next();
  if (std::optional<absl::Duration> retry_after = RetryAfter(status); retry_after.has_value()) {
    out.retry_after = std::min(*retry_after, options_.max_retry_after);
    out.delay = std::max(out.delay, *out.retry_after);
  }
  blocked_until_nanos_ =
      std::max(blocked_until_nanos_, now_nanos + absl::ToInt64Nanoseconds(out.delay));
  return out;
}

void RestWorker::OnSuccess() {
  std::lock_guard<std::mutex> lock(mu_);
  backoff_.Reset();
}

int64_t RestWorker::BlockedForNanos(int64_t now_nanos) const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_nanos < blocked_until_nanos_ ? blocked_until_nanos_ - now_nanos : 0;
}

RestErrorCounts RestWorker::Errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

void RestWorker::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || !run_once_) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void RestWorker::Loop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    const absl::Duration wait = std::min(run_once_(), options_.max_idle);
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_) return;
    if (wait > absl::ZeroDuration()) {
      cv_.wait_for(lock, std::chrono::nanoseconds(absl::ToInt64Nanoseconds(wait)),
                   [this] { return stop_ || wake_; });
    }
    wake_ = false;
  }
}

void RestWorker::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    thread = std::move(thread_);
  }
  cv_.notify_all();
  if (thread.joinable()) thread.join();
}

void RestWorker::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

}  // namespace arbor::feed
