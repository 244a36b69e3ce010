#include "arbor/feed/book_publisher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"

namespace arbor::feed {
namespace {

size_t VenueIndex(Venue venue) { return venue == Venue::kKalshi ? 1 : 0; }

bool OnGrid(Price price, Price tick) {
  return tick.micros() > 0 && price.micros() % tick.micros() == 0;
}

absl::Status CheckChange(const InstrumentId& id, const LevelChange& c, std::optional<Price> tick) {
  if (c.price.micros() <= 0 || c.price >= kPriceOne) {
    return absl::InvalidArgumentError(
        absl::StrCat(id.value(), ": price ", c.price.ToString(), " outside (0, 1)"));
  }
  if (c.total.micros() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(id.value(), ": negative total ", c.total.ToString()));
  }
  if (tick.has_value() && !OnGrid(c.price, *tick)) {
    return absl::InvalidArgumentError(absl::StrCat(id.value(), ": price ", c.price.ToString(),
                                                   " off the tick grid ", tick->ToString()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view PublishStateName(PublishState state) {
  switch (state) {
    case PublishState::kAwaitingSnapshot:
      return "awaiting_snapshot";
    case PublishState::kLive:
      return "live";
    case PublishState::kStale:
      return "stale";
    case PublishState::kQuarantined:
      return "quarantined";
    case PublishState::kClosed:
      return "closed";
  }
  return "unknown";
}

BookPublisher::BookPublisher(BookFanout* fanout, const Clock* clock)
    : fanout_(fanout), clock_(clock) {}

void BookPublisher::SetLatencyObserver(std::function<void(Venue, int64_t)> observer) {
  std::lock_guard<std::mutex> lock(mu_);
  latency_observer_ = std::move(observer);
}

void BookPublisher::Transition(Entry& entry, PublishState to) {
  PublishStateCounts& c = counts_[VenueIndex(entry.key.venue)];
  auto slot = [&c](PublishState s) -> uint32_t& {
    switch (s) {
      case PublishState::kAwaitingSnapshot:
        return c.awaiting;
      case PublishState::kLive:
        return c.live;
      case PublishState::kStale:
        return c.stale;
      case PublishState::kQuarantined:
        return c.quarantined;
      case PublishState::kClosed:
        return c.closed;
    }
    return c.awaiting;
  };
  if (entry.state == to) return;
  --slot(entry.state);
  ++slot(to);
  PublisherCounters& k = counters_[VenueIndex(entry.key.venue)];
  if (to == PublishState::kQuarantined) ++k.quarantines;
  if (to == PublishState::kStale) ++k.stale_marks;
  entry.state = to;
}

void BookPublisher::AddInstrument(const InstrumentKey& key, std::optional<Price> tick) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = entries_.try_emplace(key.instrument_id);
  Entry& e = it->second;
  if (inserted) {
    e.key = key;
    e.state = PublishState::kAwaitingSnapshot;
    PublishStateCounts& c = counts_[VenueIndex(key.venue)];
    ++c.instruments;
    ++c.awaiting;
  } else if (e.state == PublishState::kClosed) {
    Transition(e, PublishState::kAwaitingSnapshot);
    e.resolved = false;
  }
  if (!e.published) e.key = key;
  if (tick.has_value()) e.tick = tick;
}

absl::Status BookPublisher::SetFanoutStatus(Entry& entry, BookStatus status,
                                            std::string_view reason,
                                            std::optional<int64_t> settlement_price_micros) {
  if (!entry.published) return absl::OkStatus();
  return fanout_->SetStatus(entry.key.instrument_id, status, reason, settlement_price_micros);
}

absl::Status BookPublisher::SetTick(const InstrumentId& id, Price tick) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return absl::NotFoundError(absl::StrCat("unknown instrument ", id.value()));
  Entry& e = it->second;
  e.tick = tick;
  if (e.state == PublishState::kClosed) return absl::OkStatus();
  if (e.state != PublishState::kAwaitingSnapshot) {
    Transition(e, PublishState::kAwaitingSnapshot);
    return SetFanoutStatus(e, BookStatus::kQuarantined, "TickSizeChange");
  }
  return absl::OkStatus();
}

absl::Status BookPublisher::CloseInstrument(const InstrumentId& id, std::string_view reason,
                                            std::optional<int64_t> settlement_price_micros) {
  if (settlement_price_micros.has_value() &&
      (*settlement_price_micros < 0 || *settlement_price_micros > 1'000'000)) {
    return absl::InvalidArgumentError(absl::StrCat(id.value(), ": settlement price ",
                                                   *settlement_price_micros,
                                                   " micros outside [0, 1_000_000]"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return absl::NotFoundError(absl::StrCat("unknown instrument ", id.value()));
  Entry& e = it->second;
  if (e.state == PublishState::kClosed) {
    // Closed before; only a first resolution is news.
    if (!settlement_price_micros.has_value() || e.resolved) return absl::OkStatus();
  } else {
    Transition(e, PublishState::kClosed);
  }
  if (settlement_price_micros.has_value()) e.resolved = true;
  return SetFanoutStatus(e, BookStatus::kClosed, reason, settlement_price_micros);
}

absl::Status BookPublisher::ValidateSnapshot(const Entry& entry, absl::Span<const book::Level> bids,
                                             absl::Span<const book::Level> asks) const {
  const InstrumentId& id = entry.key.instrument_id;
  std::optional<Price> best_bid;
  std::optional<Price> best_ask;
  for (int side = 0; side < 2; ++side) {
    absl::Span<const book::Level> levels = side == 0 ? bids : asks;
    for (const book::Level& l : levels) {
      if (l.price.micros() <= 0 || l.price >= kPriceOne) {
        return absl::InvalidArgumentError(absl::StrCat(id.value(), ": ", side == 0 ? "bid" : "ask",
                                                       " price ", l.price.ToString(),
                                                       " outside (0, 1)"));
      }
      if (l.size.micros() <= 0) {
        return absl::InvalidArgumentError(absl::StrCat(id.value(), ": ", side == 0 ? "bid" : "ask",
                                                       " size ", l.size.ToString(), " at ",
                                                       l.price.ToString(), " is not positive"));
      }
      if (entry.tick.has_value() && !OnGrid(l.price, *entry.tick)) {
        return absl::InvalidArgumentError(
            absl::StrCat(id.value(), ": ", side == 0 ? "bid" : "ask", " price ", l.price.ToString(),
                         " off the tick grid ", entry.tick->ToString()));
      }
      if (side == 0) {
        if (!best_bid.has_value() || l.price > *best_bid) best_bid = l.price;
      } else {
        if (!best_ask.has_value() || l.price < *best_ask) best_ask = l.price;
      }
    }
  }
  if (best_bid.has_value() && best_ask.has_value() && *best_bid >= *best_ask) {
    return absl::InvalidArgumentError(absl::StrCat(
        id.value(), ": ", *best_bid == *best_ask ? "locked" : "crossed", " book (best bid ",
        best_bid->ToString(), ", best ask ", best_ask->ToString(), ")"));
  }
  return absl::OkStatus();
}

void BookPublisher::ObserveLatency(Venue venue, int64_t receive_nanos) {
  if (receive_nanos <= 0 || !latency_observer_) return;
  latency_observer_(venue, std::max<int64_t>(0, clock_->MonotonicNanos() - receive_nanos));
}

EventTimes BookPublisher::TimesFromMonotonic(int64_t receive_nanos) const {
  EventTimes t;
  const int64_t wall = absl::ToUnixNanos(clock_->Now());
  if (receive_nanos <= 0) {
    t.receipt_unix_nanos = wall;
    return t;
  }
  t.receipt_mono_nanos = receive_nanos;
  t.receipt_unix_nanos = wall - std::max<int64_t>(0, clock_->MonotonicNanos() - receive_nanos);
  return t;
}

absl::Status BookPublisher::PublishSnapshot(const InstrumentId& id,
                                            absl::Span<const book::Level> bids,
                                            absl::Span<const book::Level> asks,
                                            SnapshotSource source, int64_t receive_nanos,
                                            std::optional<Price> venue_tick) {
  return PublishSnapshot(id, bids, asks, source, TimesFromMonotonic(receive_nanos), venue_tick);
}

absl::Status BookPublisher::PublishChanges(const InstrumentId& id,
                                           absl::Span<const LevelChange> changes,
                                           int64_t receive_nanos) {
  return PublishChanges(id, changes, TimesFromMonotonic(receive_nanos));
}

absl::Status BookPublisher::PublishTrade(const InstrumentId& id, const TradePrint& trade) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return absl::NotFoundError(absl::StrCat("unknown instrument ", id.value()));
  Entry& e = it->second;
  if (e.state == PublishState::kClosed) {
    return absl::FailedPreconditionError(absl::StrCat(id.value(), " is closed"));
  }
  ARBOR_RETURN_IF_ERROR(fanout_->PublishTrade(e.key, trade));
  ++counters_[VenueIndex(e.key.venue)].trades;
  return absl::OkStatus();
}

absl::Status BookPublisher::PublishSnapshot(const InstrumentId& id,
                                            absl::Span<const book::Level> bids,
                                            absl::Span<const book::Level> asks,
                                            SnapshotSource /*source*/, const EventTimes& times,
                                            std::optional<Price> venue_tick) {
  const int64_t receive_nanos = times.receipt_mono_nanos;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return absl::NotFoundError(absl::StrCat("unknown instrument ", id.value()));
  Entry& e = it->second;
  PublisherCounters& k = counters_[VenueIndex(e.key.venue)];
  if (e.state == PublishState::kClosed) {
    return absl::FailedPreconditionError(absl::StrCat(id.value(), " is closed"));
  }
  if (venue_tick.has_value() && venue_tick->micros() > 0) e.tick = venue_tick;
  if (absl::Status valid = ValidateSnapshot(e, bids, asks); !valid.ok()) {
    ++k.rejected_snapshots;
    Transition(e, PublishState::kQuarantined);
    ARBOR_RETURN_IF_ERROR(SetFanoutStatus(e, BookStatus::kQuarantined,
                                          absl::StrContains(valid.message(), "crossed") ||
                                                  absl::StrContains(valid.message(), "locked")
                                              ? "CrossedBook"
                                              : "InvalidSnapshot"));
    return valid;
  }
  // The fan-out numbers each snapshot as one step past the last sequence, so a consumer can
  // always tell a new snapshot from a replay of the old one.
  ARBOR_RETURN_IF_ERROR(
      fanout_->ApplySnapshot(e.key, bids, asks, e.sequence + 1, BookStatus::kLive, times));
  ++e.sequence;
  e.published = true;
  Transition(e, PublishState::kLive);
  ++k.snapshots;
  ObserveLatency(e.key.venue, receive_nanos);
  return absl::OkStatus();
}

absl::Status BookPublisher::PublishChanges(const InstrumentId& id,
                                           absl::Span<const LevelChange> changes,
                                           const EventTimes& times) {
  const int64_t receive_nanos = times.receipt_mono_nanos;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return absl::NotFoundError(absl::StrCat("unknown instrument ", id.value()));
  Entry& e = it->second;
  PublisherCounters& k = counters_[VenueIndex(e.key.venue)];
  if (e.state != PublishState::kLive && e.state != PublishState::kStale) {
    ++k.dropped_changes;
    return absl::FailedPreconditionError(
        absl::StrCat(id.value(), " is ", ToAbsl(PublishStateName(e.state)), "; changes dropped"));
  }
  if (changes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(id.value(), ": empty change group"));
  }
  for (const LevelChange& c : changes) {
    if (absl::Status valid = CheckChange(id, c, e.tick); !valid.ok()) {
      ++k.dropped_changes;
      Transition(e, PublishState::kQuarantined);
      ARBOR_RETURN_IF_ERROR(SetFanoutStatus(e, BookStatus::kQuarantined, "InvalidUpdate"));
      return valid;
    }
  }
  if (e.state == PublishState::kStale) {
    Transition(e, PublishState::kLive);
    ARBOR_RETURN_IF_ERROR(SetFanoutStatus(e, BookStatus::kLive, "DataResumed"));
  }
  ARBOR_RETURN_IF_ERROR(fanout_->ApplyDelta(id, changes, e.sequence + changes.size(), times));
  e.sequence += changes.size();
  ++k.delta_groups;
  k.level_changes += changes.size();
  ObserveLatency(e.key.venue, receive_nanos);
  return absl::OkStatus();
}

absl::Status BookPublisher::MarkStale(const InstrumentId& id, std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return absl::NotFoundError(absl::StrCat("unknown instrument ", id.value()));
  Entry& e = it->second;
  if (e.state != PublishState::kLive) return absl::OkStatus();
  Transition(e, PublishState::kStale);
  return SetFanoutStatus(e, BookStatus::kStale, reason);
}

absl::Status BookPublisher::MarkLive(const InstrumentId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return absl::NotFoundError(absl::StrCat("unknown instrument ", id.value()));
  Entry& e = it->second;
  if (e.state != PublishState::kStale) return absl::OkStatus();
  Transition(e, PublishState::kLive);
  return SetFanoutStatus(e, BookStatus::kLive, "DataResumed");
}

absl::Status BookPublisher::Quarantine(const InstrumentId& id, std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return absl::NotFoundError(absl::StrCat("unknown instrument ", id.value()));
  Entry& e = it->second;
  if (e.state == PublishState::kClosed || e.state == PublishState::kQuarantined) {
    return absl::OkStatus();
  }
  Transition(e, PublishState::kQuarantined);
  return SetFanoutStatus(e, BookStatus::kQuarantined, reason);
}

absl::Status BookPublisher::ExpectSnapshot(const InstrumentId& id, std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end())
    return absl::NotFoundError(absl::StrCat("unknown instrument ", id.value()));
  Entry& e = it->second;
  if (e.state == PublishState::kClosed || e.state == PublishState::kAwaitingSnapshot) {
    return absl::OkStatus();
  }
  const bool was_quarantined = e.state == PublishState::kQuarantined;
  Transition(e, PublishState::kAwaitingSnapshot);
  if (was_quarantined) return absl::OkStatus();
  return SetFanoutStatus(e, BookStatus::kQuarantined, reason);
}

std::optional<PublishState> BookPublisher::State(const InstrumentId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.state;
}

std::optional<Price> BookPublisher::Tick(const InstrumentId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.tick;
}

uint64_t BookPublisher::Sequence(const InstrumentId& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? 0 : it->second.sequence;
}

PublishStateCounts BookPublisher::Counts(Venue venue) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_[VenueIndex(venue)];
}

PublisherCounters BookPublisher::Counters(Venue venue) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_[VenueIndex(venue)];
}

bool BookPublisher::AllTrusted() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const PublishStateCounts& c : counts_) {
    if (c.awaiting != 0 || c.quarantined != 0) return false;
  }
  return true;
}

std::vector<InstrumentId> BookPublisher::Untrusted(Venue venue) const {
  std::vector<InstrumentId> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, e] : entries_) {
      if (e.key.venue == venue && e.state != PublishState::kLive &&
          e.state != PublishState::kClosed) {
        out.push_back(id);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<InstrumentId> BookPublisher::Instruments(Venue venue) const {
  std::vector<InstrumentId> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, e] : entries_) {
      if (e.key.venue == venue) out.push_back(id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace arbor::feed
