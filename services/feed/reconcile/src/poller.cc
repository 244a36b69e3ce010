#include "arbor/feed/poller.h"

#include <algorithm>
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
      worker_(RestWorkerOptions{options_.backoff, options_.max_retry_after, options_.max_idle},
              [this] { return RunOnce(); }) {}

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
  }
  worker_.Wake();
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
  }
  worker_.Wake();
}

void Poller::SetHybridSet(const std::vector<InstrumentId>& ids) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    SyncTargets(ids, hybrid_);
  }
  worker_.Wake();
}

int64_t Poller::NanosUntilWorkLocked(int64_t now) const {
  const int64_t idle = absl::ToInt64Nanoseconds(options_.max_idle);
  if (mode_ == FeedMode::kStream) return idle;
  if (const int64_t blocked = worker_.BlockedForNanos(now); blocked > 0) return blocked;
  const auto& targets = mode_ == FeedMode::kPoll ? all_ : hybrid_;
  const int64_t interval = absl::ToInt64Nanoseconds(options_.poll_interval);
  int64_t until = idle;
  for (const auto& [id, t] : targets) {
    if (t.last_polled_nanos == std::numeric_limits<int64_t>::min()) return 0;
    until = std::min(until, t.last_polled_nanos + interval - now);
  }
  return std::max<int64_t>(until, 0);
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
    if (const int64_t blocked = worker_.BlockedForNanos(now); blocked > 0) {
      return absl::Nanoseconds(blocked);
    }
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
    const RestWorker::ErrorOutcome outcome = worker_.OnError(fetched.status(), after);
    if (outcome.kind == RestErrorKind::kThrottled) {
      governor_->OnThrottle(options_.rate_endpoint, outcome.retry_after);
    }
    return absl::Nanoseconds(NanosUntilWorkLocked(after));
  }
  governor_->OnSuccess(options_.rate_endpoint);
  worker_.OnSuccess();
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

void Poller::Start() { worker_.Start(); }

void Poller::Stop() { worker_.Stop(); }

PollerCounters Poller::Counters() const {
  PollerCounters c;
  {
    std::lock_guard<std::mutex> lock(mu_);
    c = counters_;
  }
  const RestErrorCounts errors = worker_.Errors();
  c.errors_throttled = errors.throttled;
  c.errors_server = errors.server;
  c.errors_other = errors.other;
  return c;
}

}  // namespace arbor::feed
