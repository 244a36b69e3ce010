#include "arbor/feed/poller.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/container/flat_hash_set.h"

namespace arbor::feed {

Poller::Poller(Venue venue, RestBookSource* source, const BookFanout* fanout,
               BookPublisher* publisher, net::RateGovernor* governor, const Clock* clock,
               PollerOptions options)
    : venue_(venue),
      source_(source),
      fanout_(fanout),
      publisher_(publisher),
      governor_(governor),
      clock_(clock),
      options_(std::move(options)),
      backoff_(options_.backoff) {}

Poller::~Poller() { Stop(); }

void Poller::SetMode(FeedMode mode) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (mode == FeedMode::kPoll && mode_ != FeedMode::kPoll) {
      // Staleness counts from the switch to kPoll, not from the last (stream-era) refresh.
      const int64_t now = clock_->MonotonicNanos();
      for (auto& [id, t] : all_) t.last_refreshed_nanos = std::max(t.last_refreshed_nanos, now);
    }
    mode_ = mode;
    wake_ = true;
  }
  cv_.notify_all();
}

FeedMode Poller::mode() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mode_;
}

void Poller::SyncTargets(const std::vector<InstrumentId>& ids,
                         absl::flat_hash_map<InstrumentId, Target>& targets) {
  const int64_t now = clock_->MonotonicNanos();
  absl::flat_hash_set<InstrumentId> keep(ids.begin(), ids.end());
  for (auto it = targets.begin(); it != targets.end();) {
    if (!keep.contains(it->first)) {
      targets.erase(it++);
    } else {
      ++it;
    }
  }
  for (const InstrumentId& id : ids) {
    auto [it, inserted] = targets.try_emplace(id);
    if (inserted) it->second.last_refreshed_nanos = now;
  }
}

void Poller::SetInstruments(const std::vector<InstrumentId>& ids) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    SyncTargets(ids, all_);
    wake_ = true;
  }
  cv_.notify_all();
}

void Poller::SetHybridSet(const std::vector<InstrumentId>& ids) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    SyncTargets(ids, hybrid_);
    wake_ = true;
  }
  cv_.notify_all();
}

int64_t Poller::NanosUntilWorkLocked(int64_t now) const {
  const int64_t idle = absl::ToInt64Nanoseconds(options_.max_idle);
  if (mode_ == FeedMode::kStream) return idle;
  if (now < blocked_until_nanos_) return blocked_until_nanos_ - now;
  const auto& targets = mode_ == FeedMode::kPoll ? all_ : hybrid_;
  const int64_t interval = absl::ToInt64Nanoseconds(options_.poll_interval);
  int64_t until = idle;
  for (const auto& [id, t] : targets) {
    if (t.last_polled_nanos == std::numeric_limits<int64_t>::min()) return 0;
    until = std::min(until, t.last_polled_nanos + interval - now);
  }
  return std::max<int64_t>(until, 0);
}

void Poller::OnError(const absl::Status& status, int64_t now) {
  absl::Duration delay;
  switch (ClassifyRestError(status)) {
    case RestErrorKind::kThrottled: {
      ++counters_.errors_throttled;
      const std::optional<absl::Duration> retry_after = RetryAfter(status);
      governor_->OnThrottle(options_.rate_endpoint, retry_after);
      delay = retry_after.has_value() ? *retry_after : backoff_.Next();
      break;
    }
    case RestErrorKind::kServer:
      ++counters_.errors_server;
      delay = backoff_.Next();
      break;
    case RestErrorKind::kOther:
      ++counters_.errors_other;
      delay = backoff_.Next();
      break;
  }
  blocked_until_nanos_ = now + absl::ToInt64Nanoseconds(delay);
}

absl::Duration Poller::RunOnce() {
  const int64_t now = clock_->MonotonicNanos();
  std::vector<InstrumentId> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (mode_ == FeedMode::kStream) return options_.max_idle;
    if (mode_ == FeedMode::kPoll) {
      const int64_t stale_after = absl::ToInt64Nanoseconds(options_.poll_stale_after);
      for (const auto& [id, t] : all_) {
        if (now - t.last_refreshed_nanos < stale_after) continue;
        if (publisher_->State(id) != PublishState::kLive) continue;
        if (publisher_->MarkStale(id, "RestPollTimeout").ok()) ++counters_.stale_marks;
      }
    }
    if (now < blocked_until_nanos_) return absl::Nanoseconds(blocked_until_nanos_ - now);
    auto& targets = mode_ == FeedMode::kPoll ? all_ : hybrid_;
    const int64_t interval = absl::ToInt64Nanoseconds(options_.poll_interval);
    std::vector<std::pair<int64_t, InstrumentId>> due;
    for (const auto& [id, t] : targets) {
      if (t.last_polled_nanos == std::numeric_limits<int64_t>::min() ||
          t.last_polled_nanos + interval <= now) {
        due.emplace_back(t.last_polled_nanos, id);
      }
    }
    if (due.empty()) return absl::Nanoseconds(NanosUntilWorkLocked(now));
    std::sort(due.begin(), due.end());
    if (!governor_->TryAcquire(options_.rate_endpoint)) {
      ++counters_.rate_limited;
      return std::max(governor_->TimeUntilAvailable(options_.rate_endpoint), absl::Milliseconds(1));
    }
    const size_t max = std::max<size_t>(source_->max_batch(), 1);
    for (size_t i = 0; i < due.size() && i < max; ++i) {
      targets[due[i].second].last_polled_nanos = now;
      ids.push_back(std::move(due[i].second));
    }
  }

  absl::StatusOr<std::vector<RestBook>> fetched = source_->FetchBooks(ids);
  const int64_t after = clock_->MonotonicNanos();

  std::lock_guard<std::mutex> lock(mu_);
  if (!fetched.ok()) {
    OnError(fetched.status(), after);
    return absl::Nanoseconds(NanosUntilWorkLocked(after));
  }
  governor_->OnSuccess(options_.rate_endpoint);
  backoff_.Reset();
  ++counters_.fetches;
  const absl::flat_hash_set<InstrumentId> asked(ids.begin(), ids.end());
  for (const RestBook& b : *fetched) {
    if (!asked.contains(b.id)) continue;
    ++counters_.books_fetched;
    if (auto it = all_.find(b.id); it != all_.end()) it->second.last_refreshed_nanos = after;
    if (auto it = hybrid_.find(b.id); it != hybrid_.end()) it->second.last_refreshed_nanos = after;
    const std::optional<PublishState> state = publisher_->State(b.id);
    if (!state.has_value() || *state == PublishState::kClosed) continue;
    const bool trusted = *state == PublishState::kLive || *state == PublishState::kStale;
    absl::StatusOr<BookState> published = fanout_->GetBook(b.id);
    if (trusted && published.ok() && published->bids == b.bids && published->asks == b.asks) {
      ++counters_.unchanged;
      if (*state == PublishState::kStale) (void)publisher_->MarkLive(b.id);
      continue;
    }
    if (publisher_->PublishSnapshot(b.id, b.bids, b.asks, SnapshotSource::kRest, after, b.tick_size)
            .ok()) {
      ++counters_.published;
    } else {
      ++counters_.publish_rejected;
    }
  }
  return absl::Nanoseconds(NanosUntilWorkLocked(clock_->MonotonicNanos()));
}

void Poller::Start() {
  std::lock_guard<std::mutex> start_lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
      }
      const absl::Duration wait = std::min(RunOnce(), options_.max_idle);
      std::unique_lock<std::mutex> lock(mu_);
      if (stop_) return;
      if (wait > absl::ZeroDuration()) {
        cv_.wait_for(lock, std::chrono::nanoseconds(absl::ToInt64Nanoseconds(wait)),
                     [this] { return stop_ || wake_; });
      }
      wake_ = false;
    }
  });
}

void Poller::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PollerCounters Poller::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

}  // namespace arbor::feed
