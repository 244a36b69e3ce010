#include "arbor/scanner/touch_queue.h"

#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

namespace arbor::scanner {

void TouchQueue::OnBooksTouched(absl::Span<const BookKey> keys) {
  bool added = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const BookKey& key : keys) {
      ++offered_;
      if (pending_set_.insert(key).second) {
        pending_.push_back(key);
        ++queued_;
        added = true;
      }
    }
  }
  if (added) cv_.notify_all();
}

size_t TouchQueue::Drain(std::vector<BookKey>* out) {
  out->clear();
  std::lock_guard<std::mutex> lock(mu_);
  out->swap(pending_);
  pending_set_.clear();
  return out->size();
}

bool TouchQueue::WaitAndDrain(std::vector<BookKey>* out, absl::Duration timeout) {
  out->clear();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::nanoseconds(absl::ToInt64Nanoseconds(timeout)),
               [this] { return closed_ || !pending_.empty(); });
  out->swap(pending_);
  pending_set_.clear();
  return !out->empty();
}

void TouchQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

size_t TouchQueue::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

uint64_t TouchQueue::offered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return offered_;
}

uint64_t TouchQueue::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_;
}

}  // namespace arbor::scanner
