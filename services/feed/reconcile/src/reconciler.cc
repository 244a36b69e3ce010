#include "arbor/feed/reconciler.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/log.h"

namespace arbor::feed {
namespace {

// Size at `price` on one side (0 when absent); levels are best first and distinct.
int64_t SizeAt(const std::vector<book::Level>& levels, Price price) {
  for (const book::Level& l : levels) {
    if (l.price == price) return l.size.micros();
  }
  return 0;
}

// Whether some price disagrees between the published side and REST's side at the first check
// (pub1, rest1) and disagrees identically at the re-check (pub2 == pub1, rest2 == rest1 there).
bool PersistentDisagreement(const std::vector<book::Level>& pub1,
                            const std::vector<book::Level>& rest1,
                            const std::vector<book::Level>& pub2,
                            const std::vector<book::Level>& rest2) {
  auto check = [&](Price price) {
    const int64_t p1 = SizeAt(pub1, price);
    const int64_t r1 = SizeAt(rest1, price);
    return p1 != r1 && SizeAt(pub2, price) == p1 && SizeAt(rest2, price) == r1;
  };
  for (const book::Level& l : pub1) {
    if (check(l.price)) return true;
  }
  for (const book::Level& l : rest1) {
    if (check(l.price)) return true;
  }
  return false;
}

// The first price at which the published book and REST disagree (bids first), for the log.
struct Disagreement {
  const char* side = "none";
  Price price;
  int64_t published_micros = 0;
  int64_t rest_micros = 0;
};

Disagreement FirstDisagreement(const BookState& published, const RestBook& rest) {
  auto scan = [](const char* side, const std::vector<book::Level>& pub,
                 const std::vector<book::Level>& r, Disagreement& out) {
    for (const auto* levels : {&pub, &r}) {
      for (const book::Level& l : *levels) {
        const int64_t a = SizeAt(pub, l.price);
        const int64_t b = SizeAt(r, l.price);
        if (a != b) {
          out = {side, l.price, a, b};
          return true;
        }
      }
    }
    return false;
  };
  Disagreement d;
  if (!scan("bid", published.bids, rest.bids, d)) scan("ask", published.asks, rest.asks, d);
  return d;
}

// "0.23x200 0.22x50 | 0.25x200": bids then asks, best first, at most kLoggedLevels a side.
std::string BookText(const std::vector<book::Level>& bids, const std::vector<book::Level>& asks) {
  constexpr size_t kLoggedLevels = 8;
  std::string out;
  auto side = [&](const std::vector<book::Level>& levels) {
    for (size_t i = 0; i < levels.size() && i < kLoggedLevels; ++i) {
      if (i > 0) out += ' ';
      absl::StrAppend(&out, levels[i].price.ToString(), "x", levels[i].size.ToString());
    }
    if (levels.size() > kLoggedLevels) absl::StrAppend(&out, " +", levels.size() - kLoggedLevels);
  };
  side(bids);
  out += " | ";
  side(asks);
  return out;
}

// A confirmed divergence is logged (the first kLoggedDivergences of a reconciler, then every
// kLogEveryNthDivergence-th) with what tells a missed update from a late one: the disagreeing
// level, how old the published book's newest data is, and the venue's timestamp of the REST
// book against the published book's event time.
constexpr uint64_t kLoggedDivergences = 20;
constexpr uint64_t kLogEveryNthDivergence = 100;

void LogDivergence(Venue venue, const InstrumentId& id, const BookState& published,
                   const RestBook& rest, int rechecks, int64_t now_unix_nanos,
                   std::optional<int64_t> stream_mark_ms) {
  if (!Logger::Global().Enabled(LogLevel::kWarning)) return;
  const Disagreement d = FirstDisagreement(published, rest);
  LogLine line(LogLevel::kWarning, "feed_reconcile", "divergence confirmed");
  line.Field("venue", VenueName(venue))
      .Field("instrument", id.value())
      .Field("published_sequence", static_cast<int64_t>(published.sequence))
      .Field("rechecks", rechecks)
      .Field("side", d.side)
      .Field("price", d.price.ToString())
      .Field("published_size_micros", d.published_micros)
      .Field("rest_size_micros", d.rest_micros)
      .Field("published_book", BookText(published.bids, published.asks))
      .Field("rest_book", BookText(rest.bids, rest.asks));
  if (published.times.receipt_unix_nanos > 0) {
    line.Field("published_age_ms",
               (now_unix_nanos - published.times.receipt_unix_nanos) / 1'000'000);
  }
  if (rest.timestamp_ms.has_value() && published.times.event_unix_nanos > 0) {
    line.Field("rest_minus_published_event_ms",
               *rest.timestamp_ms - published.times.event_unix_nanos / 1'000'000);
  }
  if (rest.timestamp_ms.has_value() && stream_mark_ms.has_value()) {
    line.Field("rest_minus_stream_mark_ms", *rest.timestamp_ms - *stream_mark_ms);
  }
}

bool Trusted(const std::optional<PublishState>& state) {
  return state.has_value() && (*state == PublishState::kLive || *state == PublishState::kStale);
}

}  // namespace

Reconciler::Reconciler(Venue venue, RestBookSource* source, const BookFanout* fanout,
                       BookPublisher* publisher, const Clock* clock, ReconcilerOptions options,
                       DivergenceCallback on_divergence)
    : venue_(venue),
      source_(source),
      fanout_(fanout),
      publisher_(publisher),
      clock_(clock),
      options_(options),
      on_divergence_(std::move(on_divergence)),
      worker_(RestWorkerOptions{options.backoff, options.max_retry_after, options.max_idle},
              [this] { return RunOnce(); }) {}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::SetInstruments(std::vector<InstrumentId> ids) {
  std::lock_guard<std::mutex> lock(mu_);
  instruments_ = std::move(ids);
  cursor_ = 0;
  absl::flat_hash_set<InstrumentId> keep(instruments_.begin(), instruments_.end());
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (!keep.contains(it->first)) {
      pending_.erase(it++);
    } else {
      ++it;
    }
  }
}

void Reconciler::Suspect(absl::Span<const InstrumentId> ids) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const InstrumentId& id : ids) {
      if (suspect_set_.insert(id).second) suspects_.push_back(id);
    }
  }
  worker_.Wake();
}

int64_t Reconciler::NanosUntilWorkLocked(int64_t now) const {
  if (const int64_t blocked = worker_.BlockedForNanos(now); blocked > 0) return blocked;
  int64_t until = absl::ToInt64Nanoseconds(options_.max_idle);
  if (!suspects_.empty()) return 0;
  for (const auto& [id, p] : pending_) until = std::min(until, p.due_nanos - now);
  if (!instruments_.empty()) until = std::min(until, next_scheduled_nanos_ - now);
  return std::max<int64_t>(until, 0);
}

absl::Duration Reconciler::RunOnce() {
  const int64_t now = clock_->MonotonicNanos();
  std::vector<Check> checks;
  std::vector<InstrumentId> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (const int64_t blocked = worker_.BlockedForNanos(now); blocked > 0) {
      return absl::Nanoseconds(blocked);
    }
    const size_t max = std::max<size_t>(source_->max_batch(), 1);
    std::vector<std::pair<InstrumentId, bool>> batch;
    absl::flat_hash_set<InstrumentId> in_batch;
    // 1. Due re-checks (oldest due first, deterministic).
    std::vector<std::pair<int64_t, InstrumentId>> due;
    for (const auto& [id, p] : pending_) {
      if (p.due_nanos <= now) due.emplace_back(p.due_nanos, id);
    }
    std::sort(due.begin(), due.end());
    for (auto& [when, id] : due) {
      if (batch.size() >= max) break;
      in_batch.insert(id);
      batch.emplace_back(std::move(id), false);
    }
    // 2. Suspects (an id with an armed re-check waits for it).
    while (batch.size() < max && !suspects_.empty()) {
      InstrumentId id = std::move(suspects_.front());
      suspects_.pop_front();
      suspect_set_.erase(id);
      if (pending_.contains(id) || !in_batch.insert(id).second) continue;
      batch.emplace_back(std::move(id), true);
    }
    // 3. The scheduled batch.
    if (!instruments_.empty() && next_scheduled_nanos_ <= now && batch.size() < max) {
      const size_t n = instruments_.size();
      const size_t room = std::min(max - batch.size(), n);
      for (size_t i = 0; i < room; ++i) {
        const InstrumentId& id = instruments_[cursor_ % n];
        cursor_ = (cursor_ + 1) % n;
        if (pending_.contains(id) || !in_batch.insert(id).second) continue;
        batch.emplace_back(id, false);
      }
      const int64_t batches = static_cast<int64_t>((n + max - 1) / max);
      next_scheduled_nanos_ = now + absl::ToInt64Nanoseconds(options_.interval) / batches;
    }
    for (auto& [id, suspect] : batch) {
      absl::StatusOr<BookState> book = fanout_->GetBook(id);
      if (!book.ok() || !Trusted(publisher_->State(id))) {
        pending_.erase(id);  // nothing trusted to compare
        continue;
      }
      ids.push_back(id);
      checks.push_back(Check{std::move(id), book->sequence, suspect});
    }
    if (checks.empty()) return absl::Nanoseconds(NanosUntilWorkLocked(now));
  }

  absl::StatusOr<std::vector<RestBook>> fetched = source_->FetchBooks(ids);
  const int64_t after = clock_->MonotonicNanos();
  if (fetched.ok() && options_.stream_watermark_ms) WaitForStreams(*fetched, after, checks);

  std::vector<RestBook> repairs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fetched.ok()) {
      (void)worker_.OnError(fetched.status(), after);
      for (Check& c : checks) {
        if (c.suspect && suspect_set_.insert(c.id).second) suspects_.push_back(std::move(c.id));
      }
      return absl::Nanoseconds(NanosUntilWorkLocked(after));
    }
    ++counters_.fetches;
    worker_.OnSuccess();
    absl::flat_hash_map<InstrumentId, RestBook*> by_id;
    for (RestBook& b : *fetched) by_id[b.id] = &b;
    for (const Check& c : checks) {
      auto rest_it = by_id.find(c.id);
      absl::StatusOr<BookState> published = fanout_->GetBook(c.id);
      if (rest_it == by_id.end() || !published.ok() || !Trusted(publisher_->State(c.id))) {
        pending_.erase(c.id);
        continue;
      }
      const RestBook& rest = *rest_it->second;
      if (!StreamCaughtUp(c.stream_mark_ms, rest)) {
        ++counters_.lagging;
        if (auto lagging = pending_.find(c.id); lagging != pending_.end()) {
          lagging->second.due_nanos = after + absl::ToInt64Nanoseconds(options_.confirm_delay);
        }
        continue;
      }
      ++counters_.checks;
      if (published->bids == rest.bids && published->asks == rest.asks) {
        ++counters_.matches;
        pending_.erase(c.id);
        continue;
      }
      auto p = pending_.find(c.id);
      if (p == pending_.end()) {
        ++counters_.suspicions;
        pending_.emplace(c.id,
                         Pending{after + absl::ToInt64Nanoseconds(options_.confirm_delay),
                                 published->sequence, published->bids, published->asks, rest, 0});
        continue;
      }
      // Confirmed only by a level that disagrees the same way at consecutive checks
      // (`confirmations` re-checks in a row): the published and the REST size at that price are
      // each unchanged since the check before, and differ. A stream that is merely behind REST
      // (deltas in flight) catches up on such a level within confirm_delay, so a lasting
      // disagreement is a missed or wrong update; one re-check is not proof against a level that
      // flipped away and back in between. A level that keeps changing heals itself with its next
      // absolute update. (Judging by "the published sequence did not move during the fetch"
      // confirmed books that were only late: against a market moving every few hundred ms the
      // feed fell to poll mode within 30 s.)
      const bool persistent = PersistentDisagreement(p->second.published_bids, p->second.rest.bids,
                                                     published->bids, rest.bids) ||
                              PersistentDisagreement(p->second.published_asks, p->second.rest.asks,
                                                     published->asks, rest.asks);
      // A published book with data newer than the REST book (the stream already delivered the
      // venue's next move) is expected to differ: such a re-check does not count towards the
      // max_rechecks backstop, or a market moving at every step would always reach it.
      const bool published_newer =
          rest.timestamp_ms.has_value() && published->times.event_unix_nanos > 0 &&
          published->times.event_unix_nanos / 1'000'000 > *rest.timestamp_ms;
      Pending& pending = p->second;
      pending.lasting = persistent ? pending.lasting + 1 : 0;
      const bool confirmed = persistent
                                 ? pending.lasting >= options_.confirmations
                                 : !published_newer && ++pending.rechecks > options_.max_rechecks;
      if (confirmed) {
        ++counters_.divergences;
        if (counters_.divergences <= kLoggedDivergences ||
            counters_.divergences % kLogEveryNthDivergence == 0) {
          LogDivergence(venue_, c.id, *published, rest, pending.rechecks,
                        absl::ToUnixNanos(clock_->Now()), c.stream_mark_ms);
        }
        pending_.erase(p);
        repairs.push_back(rest);
      } else {
        pending.due_nanos = after + absl::ToInt64Nanoseconds(options_.confirm_delay);
        pending.published_sequence = published->sequence;
        pending.published_bids = published->bids;
        pending.published_asks = published->asks;
        pending.rest = rest;
      }
    }
  }

  if (!repairs.empty()) {
    std::vector<InstrumentId> diverged;
    uint64_t ok = 0;
    uint64_t failed = 0;
    for (const RestBook& b : repairs) {
      diverged.push_back(b.id);
      // Quarantine first so subscribers see the book flagged before the repair snapshot.
      (void)publisher_->Quarantine(b.id, "RestDivergence");
      if (publisher_
              ->PublishSnapshot(b.id, b.bids, b.asks, SnapshotSource::kRest, after, b.tick_size)
              .ok()) {
        ++ok;
      } else {
        ++failed;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      counters_.repairs += ok;
      counters_.repair_failures += failed;
    }
    if (on_divergence_) on_divergence_(diverged);
  }
  std::lock_guard<std::mutex> lock(mu_);
  return absl::Nanoseconds(NanosUntilWorkLocked(clock_->MonotonicNanos()));
}

void Reconciler::WaitForStreams(const std::vector<RestBook>& fetched, int64_t after,
                                std::vector<Check>& checks) const {
  absl::flat_hash_map<InstrumentId, int64_t> rest_ms;
  for (const RestBook& b : fetched) {
    if (b.timestamp_ms.has_value()) rest_ms[b.id] = *b.timestamp_ms;
  }
  constexpr absl::Duration kPoll = absl::Milliseconds(20);
  const int64_t deadline = after + absl::ToInt64Nanoseconds(options_.stream_catch_up_wait);
  // Bounded by count as well as by the clock, so a clock that does not move cannot spin.
  const int64_t max_polls = options_.stream_catch_up_wait / kPoll + 1;
  for (int64_t poll = 0;; ++poll) {
    bool all = true;
    for (Check& c : checks) {
      auto it = rest_ms.find(c.id);
      if (it == rest_ms.end()) continue;
      // Read before the published book is (under the lock, later): whatever the stream had
      // delivered by now is in it.
      c.stream_mark_ms = options_.stream_watermark_ms(c.id);
      if (c.stream_mark_ms.has_value() && *c.stream_mark_ms < it->second) all = false;
    }
    if (all || poll >= max_polls || clock_->MonotonicNanos() >= deadline) return;
    if (options_.sleep_for) {
      options_.sleep_for(kPoll);
    } else {
      absl::SleepFor(kPoll);
    }
  }
}

bool Reconciler::StreamCaughtUp(std::optional<int64_t> stream_mark_ms, const RestBook& rest) const {
  if (!stream_mark_ms.has_value() || !rest.timestamp_ms.has_value()) return true;
  const int64_t behind_ms = *rest.timestamp_ms - *stream_mark_ms;
  return behind_ms <= 0 || behind_ms > absl::ToInt64Milliseconds(options_.max_stream_lag);
}

void Reconciler::Start() { worker_.Start(); }

void Reconciler::Stop() { worker_.Stop(); }

ReconcilerCounters Reconciler::Counters() const {
  ReconcilerCounters c;
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

size_t Reconciler::PendingRechecks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

}  // namespace arbor::feed
