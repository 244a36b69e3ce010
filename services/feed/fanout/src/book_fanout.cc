#include "arbor/feed/book_fanout.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"

namespace arbor::feed {
namespace {

constexpr size_t kAllBooks = static_cast<size_t>(-1);

bool PriceInRange(Price p) { return p > Price::Zero() && p < kPriceOne; }

// Validates one snapshot side: prices in (0, 1), sizes > 0, no duplicate price.
absl::Status ValidateSide(const char* side, absl::Span<const book::Level> levels,
                          std::vector<book::Level>* sorted) {
  sorted->assign(levels.begin(), levels.end());
  for (size_t i = 0; i < levels.size(); ++i) {
    if (!PriceInRange(levels[i].price)) {
      return absl::InvalidArgumentError(
          absl::StrCat(side, "[", i, "]: price ", levels[i].price.ToString(), " outside (0, 1)"));
    }
    if (levels[i].size <= Quantity::Zero()) {
      return absl::InvalidArgumentError(
          absl::StrCat(side, "[", i, "]: size ", levels[i].size.ToString(), " must be > 0"));
    }
  }
  std::sort(sorted->begin(), sorted->end(),
            [](const book::Level& a, const book::Level& b) { return a.price < b.price; });
  for (size_t i = 1; i < sorted->size(); ++i) {
    if ((*sorted)[i].price == (*sorted)[i - 1].price) {
      return absl::InvalidArgumentError(
          absl::StrCat(side, ": duplicate price ", (*sorted)[i].price.ToString()));
    }
  }
  return absl::OkStatus();
}

// Sets the level at `price` of a side sorted best first; total zero deletes it.
void SetLevel(std::vector<book::Level>& side, bool descending, Price price, Quantity total) {
  auto it = std::lower_bound(side.begin(), side.end(), price,
                             [descending](const book::Level& l, Price p) {
                               return descending ? l.price > p : l.price < p;
                             });
  const bool found = it != side.end() && it->price == price;
  if (total.IsZero()) {
    if (found) side.erase(it);
  } else if (found) {
    it->size = total;
  } else {
    side.insert(it, book::Level{price, total});
  }
}

}  // namespace

bool BookFilter::Matches(const InstrumentKey& key) const {
  if (!venues.empty() && std::find(venues.begin(), venues.end(), key.venue) == venues.end()) {
    return false;
  }
  if (instrument_ids.empty() && market_ids.empty() && event_ids.empty()) return true;
  return std::find(instrument_ids.begin(), instrument_ids.end(), key.instrument_id) !=
             instrument_ids.end() ||
         (!key.market_id.empty() &&
          std::find(market_ids.begin(), market_ids.end(), key.market_id) != market_ids.end()) ||
         (!key.event_id.empty() &&
          std::find(event_ids.begin(), event_ids.end(), key.event_id) != event_ids.end());
}

const char* BookStatusName(BookStatus status) {
  switch (status) {
    case BookStatus::kLive:
      return "LIVE";
    case BookStatus::kStale:
      return "STALE";
    case BookStatus::kQuarantined:
      return "QUARANTINED";
    case BookStatus::kClosed:
      return "CLOSED";
  }
  return "UNKNOWN";
}

const char* SnapshotReasonName(SnapshotReason reason) {
  switch (reason) {
    case SnapshotReason::kInitial:
      return "INITIAL";
    case SnapshotReason::kVenueResync:
      return "VENUE_RESYNC";
    case SnapshotReason::kCoalesced:
      return "COALESCED";
  }
  return "UNKNOWN";
}

void BookFanout::FlagSnapshot(Subscriber& sub, size_t book, SnapshotReason reason) {
  if (sub.needs_snapshot[book]) return;
  sub.needs_snapshot[book] = 1;
  sub.snapshot_reason[book] = reason;
  sub.pending.push_back(book);
}

void BookFanout::DropQueued(Subscriber& sub, size_t book, SnapshotReason reason) {
  const size_t cap = sub.ring.size();
  size_t kept = 0;
  for (size_t i = 0; i < sub.size; ++i) {
    Item& item = sub.ring[(sub.head + i) % cap];
    if (item.kind == UpdateKind::kTrade) {
      // Trades are not superseded by a snapshot; only an overflow drops them.
      if (book == kAllBooks) {
        CountDroppedTrade(sub, item.trade_key.venue);
        continue;
      }
    } else if (book == kAllBooks || item.book == book) {
      FlagSnapshot(sub, item.book, reason);
      continue;
    }
    // Swap (not move) so every slot keeps an allocated buffer for reuse.
    if (kept != i) std::swap(sub.ring[(sub.head + kept) % cap], item);
    ++kept;
  }
  sub.size = kept;
}

void BookFanout::CountDroppedTrade(Subscriber& sub, Venue venue) {
  ++sub.dropped_trades;
  ++sub.dropped_trades_by_venue[venue == Venue::kKalshi ? 1 : 0];
}

BookFanout::Item* BookFanout::ReserveTradeSlot(Subscriber& sub, Venue venue) {
  if (sub.size == sub.ring.size()) {
    // A full queue drops the trade rather than grow or disturb the books' backlog.
    CountDroppedTrade(sub, venue);
    return nullptr;
  }
  Item* slot = &sub.ring[(sub.head + sub.size) % sub.ring.size()];
  ++sub.size;
  slot->book = 0;
  return slot;
}

BookFanout::Item* BookFanout::ReserveSlot(Subscriber& sub, size_t book) {
  if (sub.needs_snapshot[book]) return nullptr;  // the coming snapshot will include it
  if (sub.size == sub.ring.size()) {
    // Overflow: coalesce the whole backlog (and this update) into per-book snapshots so the
    // queue empties instead of growing.
    DropQueued(sub, kAllBooks, SnapshotReason::kCoalesced);
    FlagSnapshot(sub, book, SnapshotReason::kCoalesced);
    ++sub.coalesce_events;
    return nullptr;
  }
  Item* slot = &sub.ring[(sub.head + sub.size) % sub.ring.size()];
  ++sub.size;
  slot->book = book;
  return slot;
}

absl::Status BookFanout::ApplySnapshot(const InstrumentKey& key, absl::Span<const book::Level> bids,
                                       absl::Span<const book::Level> asks, uint64_t sequence,
                                       BookStatus status, const EventTimes& times) {
  std::vector<book::Level> sorted_bids;
  std::vector<book::Level> sorted_asks;
  ARBOR_RETURN_IF_ERROR(ValidateSide("bids", bids, &sorted_bids));
  ARBOR_RETURN_IF_ERROR(ValidateSide("asks", asks, &sorted_asks));
  std::reverse(sorted_bids.begin(), sorted_bids.end());

  std::unique_lock<std::mutex> lock(mu_);
  size_t index;
  auto it = book_index_.find(key.instrument_id);
  if (it == book_index_.end()) {
    index = books_.size();
    books_.push_back(Book{key, {}, {}, 0, BookStatus::kLive, {}, std::nullopt});
    book_index_.emplace(key.instrument_id, index);
    for (auto& [id, sub] : subscribers_) {
      sub->matches.push_back(sub->filter.Matches(key) ? 1 : 0);
      sub->needs_snapshot.push_back(0);
      sub->snapshot_reason.push_back(SnapshotReason::kVenueResync);
    }
  } else {
    index = it->second;
  }
  Book& b = books_[index];
  b.bids = std::move(sorted_bids);
  b.asks = std::move(sorted_asks);
  b.sequence = sequence;
  b.status = status;
  b.times = times;
  b.settlement_price_micros.reset();  // a fresh book (a market listed again) is not resolved
  for (auto& [id, sub] : subscribers_) {
    if (!sub->matches[index]) continue;
    DropQueued(*sub, index, SnapshotReason::kVenueResync);
    FlagSnapshot(*sub, index, SnapshotReason::kVenueResync);
    sub->cv.notify_one();
  }
  return absl::OkStatus();
}

absl::Status BookFanout::ApplyDelta(const InstrumentId& instrument,
                                    absl::Span<const LevelChange> changes, uint64_t sequence,
                                    const EventTimes& times) {
  if (changes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ApplyDelta(", ToAbsl(instrument.view()), "): empty changes"));
  }
  for (size_t i = 0; i < changes.size(); ++i) {
    if (!PriceInRange(changes[i].price) || changes[i].total < Quantity::Zero()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ApplyDelta(", ToAbsl(instrument.view()), "): changes[", i, "] price ",
                       changes[i].price.ToString(), " total ", changes[i].total.ToString(),
                       ": price must be in (0, 1) and total >= 0"));
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  auto it = book_index_.find(instrument);
  if (it == book_index_.end()) {
    return absl::NotFoundError(
        absl::StrCat("ApplyDelta: unknown instrument ", ToAbsl(instrument.view())));
  }
  const size_t index = it->second;
  Book& b = books_[index];
  if (sequence != b.sequence + changes.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("ApplyDelta(", ToAbsl(instrument.view()), "): sequence ", sequence,
                     " does not follow ", b.sequence, " + ", changes.size(), " changes"));
  }
  for (const LevelChange& c : changes) {
    if (c.side == book::BookSide::kBid) {
      SetLevel(b.bids, /*descending=*/true, c.price, c.total);
    } else {
      SetLevel(b.asks, /*descending=*/false, c.price, c.total);
    }
  }
  b.sequence = sequence;
  b.times = times;
  for (auto& [id, sub] : subscribers_) {
    if (!sub->matches[index]) continue;
    if (Item* slot = ReserveSlot(*sub, index)) {
      slot->kind = UpdateKind::kDeltas;
      slot->sequence = sequence;
      slot->changes.assign(changes.begin(), changes.end());
      slot->times = times;
    }
    sub->cv.notify_one();
  }
  return absl::OkStatus();
}

absl::Status BookFanout::SetStatus(const InstrumentId& instrument, BookStatus status,
                                   std::string_view reason,
                                   std::optional<int64_t> settlement_price_micros) {
  if (settlement_price_micros.has_value()) {
    if (status != BookStatus::kClosed) {
      return absl::InvalidArgumentError(
          absl::StrCat("SetStatus(", ToAbsl(instrument.view()),
                       "): a settlement price comes only with status closed"));
    }
    if (*settlement_price_micros < 0 || *settlement_price_micros > 1'000'000) {
      return absl::InvalidArgumentError(
          absl::StrCat("SetStatus(", ToAbsl(instrument.view()), "): settlement price ",
                       *settlement_price_micros, " micros outside [0, 1_000_000]"));
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  auto it = book_index_.find(instrument);
  if (it == book_index_.end()) {
    return absl::NotFoundError(
        absl::StrCat("SetStatus: unknown instrument ", ToAbsl(instrument.view())));
  }
  const size_t index = it->second;
  Book& b = books_[index];
  b.status = status;
  if (settlement_price_micros.has_value()) b.settlement_price_micros = settlement_price_micros;
  for (auto& [id, sub] : subscribers_) {
    if (!sub->matches[index]) continue;
    if (Item* slot = ReserveSlot(*sub, index)) {
      slot->kind = UpdateKind::kStatus;
      slot->sequence = b.sequence;
      slot->status = status;
      slot->status_reason.assign(reason);
      slot->settlement_price_micros = settlement_price_micros;
    }
    sub->cv.notify_one();
  }
  return absl::OkStatus();
}

absl::Status BookFanout::PublishTrade(const InstrumentKey& key, const TradePrint& trade) {
  if (trade.price <= Price::Zero() || trade.price > kPriceOne) {
    return absl::InvalidArgumentError(absl::StrCat("PublishTrade(",
                                                   ToAbsl(key.instrument_id.view()), "): price ",
                                                   trade.price.ToString(), " outside (0, 1]"));
  }
  if (trade.size <= Quantity::Zero()) {
    return absl::InvalidArgumentError(absl::StrCat("PublishTrade(",
                                                   ToAbsl(key.instrument_id.view()), "): size ",
                                                   trade.size.ToString(), " must be > 0"));
  }
  std::unique_lock<std::mutex> lock(mu_);
  auto it = book_index_.find(key.instrument_id);
  for (auto& [id, sub] : subscribers_) {
    if (!sub->include_trades) continue;
    const bool matches =
        it != book_index_.end() ? sub->matches[it->second] != 0 : sub->filter.Matches(key);
    if (!matches) continue;
    if (Item* slot = ReserveTradeSlot(*sub, key.venue)) {
      slot->kind = UpdateKind::kTrade;
      // The book's stored key when known (the fan-out's identity of the instrument).
      slot->trade_key = it != book_index_.end() ? books_[it->second].key : key;
      slot->trade.price = trade.price;
      slot->trade.size = trade.size;
      slot->trade.aggressor = trade.aggressor;
      slot->trade.venue_trade_id.assign(trade.venue_trade_id);
      slot->trade.times = trade.times;
      sub->cv.notify_one();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<BookState> BookFanout::GetBook(const InstrumentId& instrument) const {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = book_index_.find(instrument);
  if (it == book_index_.end()) {
    return absl::NotFoundError(
        absl::StrCat("GetBook: unknown instrument ", ToAbsl(instrument.view())));
  }
  const Book& b = books_[it->second];
  return BookState{b.key, b.bids, b.asks, b.sequence, b.status, b.times, b.settlement_price_micros};
}

absl::StatusOr<SubscriberId> BookFanout::Subscribe(BookFilter filter, size_t max_queue,
                                                   bool include_trades) {
  if (max_queue == 0) return absl::InvalidArgumentError("Subscribe: max_queue must be >= 1");
  auto sub = std::make_shared<Subscriber>();
  sub->filter = std::move(filter);
  sub->max_queue = max_queue;
  sub->include_trades = include_trades;
  sub->ring.resize(max_queue);
  std::unique_lock<std::mutex> lock(mu_);
  sub->matches.reserve(books_.size());
  sub->needs_snapshot.assign(books_.size(), 0);
  sub->snapshot_reason.assign(books_.size(), SnapshotReason::kInitial);
  for (size_t i = 0; i < books_.size(); ++i) {
    sub->matches.push_back(sub->filter.Matches(books_[i].key) ? 1 : 0);
    if (sub->matches[i]) FlagSnapshot(*sub, i, SnapshotReason::kInitial);
  }
  const SubscriberId id = next_id_++;
  subscribers_.emplace(id, std::move(sub));
  return id;
}

absl::Status BookFanout::Unsubscribe(SubscriberId id) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) {
    return absl::NotFoundError(absl::StrCat("Unsubscribe: unknown subscriber ", id));
  }
  it->second->closed = true;
  it->second->cv.notify_all();
  subscribers_.erase(it);
  return absl::OkStatus();
}

bool BookFanout::PopLocked(Subscriber& sub, FanoutUpdate* out) {
  out->settlement_price_micros.reset();
  if (sub.pending_head < sub.pending.size()) {
    const size_t index = sub.pending[sub.pending_head++];
    if (sub.pending_head == sub.pending.size()) {
      sub.pending.clear();
      sub.pending_head = 0;
    }
    sub.needs_snapshot[index] = 0;
    const Book& b = books_[index];
    out->kind = UpdateKind::kSnapshot;
    out->key = b.key;
    out->sequence = b.sequence;
    out->bids.assign(b.bids.begin(), b.bids.end());
    out->asks.assign(b.asks.begin(), b.asks.end());
    out->status = b.status;
    out->reason = sub.snapshot_reason[index];
    out->times = b.times;
    out->settlement_price_micros = b.settlement_price_micros;
    return true;
  }
  if (sub.burst_marker_pending) {
    sub.burst_marker_pending = false;
    out->kind = UpdateKind::kEndOfInitialBurst;
    return true;
  }
  if (sub.size == 0) return false;
  Item& item = sub.ring[sub.head];
  sub.head = (sub.head + 1) % sub.ring.size();
  --sub.size;
  out->kind = item.kind;
  if (item.kind == UpdateKind::kTrade) {
    out->key = item.trade_key;
    out->sequence = 0;
    // Swap: both keep a buffer for their next use.
    std::swap(out->trade, item.trade);
    return true;
  }
  const Book& b = books_[item.book];
  out->key = b.key;
  out->sequence = item.sequence;
  if (item.kind == UpdateKind::kDeltas) {
    // Swap buffers: the slot inherits the caller's old vector (and its capacity).
    std::swap(out->changes, item.changes);
    out->times = item.times;
  } else {
    out->status = item.status;
    out->status_reason.assign(item.status_reason);
    out->settlement_price_micros = item.settlement_price_micros;
  }
  return true;
}

absl::Status BookFanout::Next(SubscriberId id, absl::Duration timeout, FanoutUpdate* out) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) {
    if (id != 0 && id < next_id_) {
      return absl::CancelledError(absl::StrCat("Next: subscriber ", id, " was unsubscribed"));
    }
    return absl::NotFoundError(absl::StrCat("Next: unknown subscriber ", id));
  }
  // Keeps the state alive if Unsubscribe erases it while this thread waits.
  std::shared_ptr<Subscriber> sub = it->second;
  const bool forever = timeout == absl::InfiniteDuration();
  const std::chrono::steady_clock::time_point deadline =
      forever ? std::chrono::steady_clock::time_point::max()
              : std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  while (true) {
    if (sub->closed) {
      return absl::CancelledError(absl::StrCat("Next: subscriber ", id, " was unsubscribed"));
    }
    if (PopLocked(*sub, out)) {
      ++sub->delivered;
      return absl::OkStatus();
    }
    if (!forever &&
        (timeout <= absl::ZeroDuration() || std::chrono::steady_clock::now() >= deadline)) {
      return absl::DeadlineExceededError(absl::StrCat("Next: no update for subscriber ", id,
                                                      " within ", absl::FormatDuration(timeout)));
    }
    ++sub->waiters;
    if (forever) {
      sub->cv.wait(lock);
    } else {
      sub->cv.wait_until(lock, deadline);
    }
    --sub->waiters;
  }
}

absl::StatusOr<SubscriberStats> BookFanout::Stats(SubscriberId id) const {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) {
    return absl::NotFoundError(absl::StrCat("Stats: unknown subscriber ", id));
  }
  const Subscriber& sub = *it->second;
  return SubscriberStats{sub.size,
                         sub.pending.size() - sub.pending_head,
                         sub.coalesce_events,
                         sub.delivered,
                         sub.dropped_trades,
                         sub.dropped_trades_by_venue};
}

bool BookFanout::IsWaiting(SubscriberId id) const {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = subscribers_.find(id);
  return it != subscribers_.end() && it->second->waiters > 0;
}

}  // namespace arbor::feed
