#include "arbor/scanner/opportunity_board.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

std::vector<lanes::InstrumentKey> SourcesOf(const v1::Opportunity& o) {
  std::vector<lanes::InstrumentKey> out;
  for (const v1::SourceBook& s : o.source_books()) {
    absl::StatusOr<lanes::InstrumentKey> k = lanes::InstrumentKey::FromProto(s.instrument_id());
    if (k.ok()) out.push_back(*std::move(k));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool LegOnVenues(const v1::OpportunityLeg& leg, const v1::OpportunityFilter& f) {
  // SPLIT / MERGE / CONVERT are Polymarket contract operations.
  const v1::Venue venue =
      leg.action() == v1::LEG_ACTION_ORDER ? leg.instrument_id().venue() : v1::VENUE_POLYMARKET;
  return std::find(f.venues().begin(), f.venues().end(), venue) != f.venues().end();
}

}  // namespace

absl::Status ValidateFilter(const v1::OpportunityFilter& filter) {
  for (int lane : filter.lanes()) {
    if (lane == v1::LANE_UNSPECIFIED || !v1::Lane_IsValid(lane)) {
      return absl::InvalidArgumentError(absl::StrCat("filter.lanes: unknown lane ", lane));
    }
  }
  for (int venue : filter.venues()) {
    if (venue == v1::VENUE_UNSPECIFIED || !v1::Venue_IsValid(venue)) {
      return absl::InvalidArgumentError(absl::StrCat("filter.venues: unknown venue ", venue));
    }
  }
  if (filter.min_expected_profit_micros() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.min_expected_profit_micros must be >= 0, got ",
                     filter.min_expected_profit_micros()));
  }
  for (const std::string& e : filter.event_ids()) {
    if (e.empty()) return absl::InvalidArgumentError("filter.event_ids: empty event id");
  }
  return absl::OkStatus();
}

bool MatchesFilter(const v1::OpportunityFilter& f, const v1::Opportunity& o) {
  if (!f.lanes().empty() &&
      std::find(f.lanes().begin(), f.lanes().end(), o.lane()) == f.lanes().end()) {
    return false;
  }
  if (!f.venues().empty()) {
    for (const v1::OpportunityLeg& leg : o.legs()) {
      if (!LegOnVenues(leg, f)) return false;
    }
  }
  if (o.expected_profit_micros() < f.min_expected_profit_micros()) return false;
  if (!f.event_ids().empty()) {
    bool any = false;
    for (const std::string& e : o.event_ids()) {
      if (std::find(f.event_ids().begin(), f.event_ids().end(), e) != f.event_ids().end()) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

// ---- Subscription ----

void Subscription::Push(v1::OpportunityUpdate update) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    if (queue_.size() >= capacity_) {
      auto oldest = std::find_if(queue_.begin(), queue_.end(), [](const v1::OpportunityUpdate& u) {
        return u.has_opportunity();
      });
      if (oldest == queue_.end()) oldest = queue_.begin();
      queue_.erase(oldest);
      ++dropped_;
    }
    queue_.push_back(std::move(update));
  }
  cv_.notify_one();
}

bool Subscription::Next(v1::OpportunityUpdate* out, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
               [this] { return !queue_.empty() || closed_; });
  if (queue_.empty()) return false;
  *out = std::move(queue_.front());
  queue_.pop_front();
  return true;
}

uint64_t Subscription::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void Subscription::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

// ---- OpportunityBoard ----

OpportunityBoard::OpportunityBoard(OpportunityBoardOptions options) : options_(options) {}

void OpportunityBoard::Broadcast(const v1::OpportunityUpdate& update, const v1::Opportunity& o,
                                 size_t* streamed) {
  for (const std::shared_ptr<Subscription>& s : subscribers_) {
    if (!MatchesFilter(s->filter(), o)) continue;
    s->Push(update);
    ++*streamed;
  }
}

void OpportunityBoard::Withdraw(const std::string& id, v1::WithdrawalReason reason,
                                const std::string& superseded_by, int64_t now, size_t* streamed) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  Live entry = std::move(it->second);
  live_.erase(it);
  for (const lanes::InstrumentKey& k : entry.sources) {
    auto s = by_source_.find(k);
    if (s == by_source_.end()) continue;
    s->second.erase(id);
    if (s->second.empty()) by_source_.erase(s);
  }
  auto g = groups_.find(entry.opportunity.group_key());
  if (g != groups_.end() && g->second == id) groups_.erase(g);
  BoardLaneStats& lane = stats_.lanes[entry.opportunity.lane()];
  if (lane.live > 0) --lane.live;
  ++stats_.withdrawals[reason];

  v1::OpportunityUpdate update;
  v1::OpportunityWithdrawal* w = update.mutable_withdrawal();
  w->set_opportunity_id(id);
  w->set_reason(reason);
  if (!superseded_by.empty()) w->set_superseded_by(superseded_by);
  w->set_ts_unix_nanos(now);
  Broadcast(update, entry.opportunity, streamed);
}

size_t OpportunityBoard::Apply(absl::Span<const lanes::InstrumentKey> touched, bool full_rescan,
                               std::vector<v1::Opportunity> opportunities, int64_t now,
                               const BookHealthFn& book_healthy,
                               std::vector<v1::Opportunity>* published) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t streamed = 0;
  absl::flat_hash_set<std::string> emitted;
  emitted.reserve(opportunities.size());
  for (v1::Opportunity& o : opportunities) {
    const std::string id = o.opportunity_id();
    if (!emitted.insert(id).second) continue;  // one pass never publishes an id twice
    if (live_.contains(id)) {
      ++stats_.redetections;
      continue;
    }
    // The same legs on newer books: the old one is superseded by this one.
    auto g = groups_.find(o.group_key());
    if (g != groups_.end()) {
      const std::string old_id = g->second;
      Withdraw(old_id, v1::WITHDRAWAL_REASON_SUPERSEDED, id, now, &streamed);
    }
    Live entry;
    entry.sources = SourcesOf(o);
    entry.opportunity = std::move(o);
    const v1::Opportunity& stored = entry.opportunity;
    for (const lanes::InstrumentKey& k : entry.sources) by_source_[k].insert(id);
    groups_[stored.group_key()] = id;
    BoardLaneStats& lane = stats_.lanes[stored.lane()];
    ++lane.published;
    ++lane.live;
    lane.last_published_unix_nanos = now;
    v1::OpportunityUpdate update;
    *update.mutable_opportunity() = stored;
    auto [it, inserted] = live_.emplace(id, std::move(entry));
    (void)inserted;
    Broadcast(update, it->second.opportunity, &streamed);
    if (published != nullptr) published->push_back(it->second.opportunity);
  }

  // Live opportunities the pass re-evaluated but did not emit are gone.
  absl::flat_hash_set<std::string> stale;
  if (full_rescan) {
    for (const auto& [id, entry] : live_) {
      if (!emitted.contains(id)) stale.insert(id);
    }
  } else {
    for (const lanes::InstrumentKey& k : touched) {
      auto s = by_source_.find(k);
      if (s == by_source_.end()) continue;
      for (const std::string& id : s->second) {
        if (!emitted.contains(id)) stale.insert(id);
      }
    }
  }
  std::vector<std::string> ordered(stale.begin(), stale.end());
  std::sort(ordered.begin(), ordered.end());  // deterministic stream order
  for (const std::string& id : ordered) {
    v1::WithdrawalReason reason = v1::WITHDRAWAL_REASON_EDGE_GONE;
    if (book_healthy) {
      for (const lanes::InstrumentKey& k : live_.at(id).sources) {
        if (!book_healthy(k)) {
          reason = v1::WITHDRAWAL_REASON_BOOK_UNHEALTHY;
          break;
        }
      }
    }
    Withdraw(id, reason, "", now, &streamed);
  }
  return streamed;
}

size_t OpportunityBoard::Expire(int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> expired;
  for (const auto& [id, entry] : live_) {
    if (entry.opportunity.expires_unix_nanos() <= now) expired.push_back(id);
  }
  std::sort(expired.begin(), expired.end());
  size_t streamed = 0;
  for (const std::string& id : expired) {
    Withdraw(id, v1::WITHDRAWAL_REASON_EXPIRED, "", now, &streamed);
  }
  return expired.size();
}

std::vector<v1::Opportunity> OpportunityBoard::List(const v1::OpportunityFilter& filter) const {
  std::vector<v1::Opportunity> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, entry] : live_) {
      if (MatchesFilter(filter, entry.opportunity)) out.push_back(entry.opportunity);
    }
  }
  std::sort(out.begin(), out.end(), [](const v1::Opportunity& a, const v1::Opportunity& b) {
    if (a.expected_profit_micros() != b.expected_profit_micros()) {
      return a.expected_profit_micros() > b.expected_profit_micros();
    }
    return a.opportunity_id() < b.opportunity_id();
  });
  return out;
}

std::shared_ptr<Subscription> OpportunityBoard::Subscribe(v1::OpportunityFilter filter) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<const v1::Opportunity*> initial;
  for (const auto& [id, entry] : live_) {
    if (MatchesFilter(filter, entry.opportunity)) initial.push_back(&entry.opportunity);
  }
  std::sort(initial.begin(), initial.end(), [](const v1::Opportunity* a, const v1::Opportunity* b) {
    if (a->expected_profit_micros() != b->expected_profit_micros()) {
      return a->expected_profit_micros() > b->expected_profit_micros();
    }
    return a->opportunity_id() < b->opportunity_id();
  });
  // The replay may exceed the queue bound once; later overflow drops the oldest.
  const size_t capacity = std::max(options_.subscriber_queue, initial.size() + 1);
  std::shared_ptr<Subscription> sub(new Subscription(std::move(filter), capacity));
  for (const v1::Opportunity* o : initial) {
    v1::OpportunityUpdate u;
    *u.mutable_opportunity() = *o;
    sub->Push(std::move(u));
  }
  v1::OpportunityUpdate marker;
  marker.mutable_heartbeat()->set_initial_snapshot_complete(true);
  sub->Push(std::move(marker));
  subscribers_.push_back(sub);
  return sub;
}

void OpportunityBoard::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = subscribers_.begin(); it != subscribers_.end(); ++it) {
    if (*it == subscription) {
      stats_.subscriber_drops += subscription->dropped();
      subscribers_.erase(it);
      break;
    }
  }
  subscription->Close();
}

size_t OpportunityBoard::live() const {
  std::lock_guard<std::mutex> lock(mu_);
  return live_.size();
}

BoardStats OpportunityBoard::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  BoardStats out = stats_;
  out.subscribers = subscribers_.size();
  for (const std::shared_ptr<Subscription>& s : subscribers_) out.subscriber_drops += s->dropped();
  return out;
}

}  // namespace arbor::scanner
