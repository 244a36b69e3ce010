#include "arbor/scanner/book_cache.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/strings.h"

namespace arbor::scanner {
namespace {

namespace v1 = ::arbor::v1;

BookStatus FromProto(v1::BookStatus status) {
  switch (status) {
    case v1::BOOK_STATUS_STALE:
      return BookStatus::kStale;
    case v1::BOOK_STATUS_QUARANTINED:
      return BookStatus::kQuarantined;
    case v1::BOOK_STATUS_CLOSED:
      return BookStatus::kClosed;
    default:
      // LIVE, and UNSPECIFIED from a shard that does not set it: the contents are the shard's
      // current book either way.
      return BookStatus::kLive;
  }
}

bool PriceInRange(int64_t price_micros) { return price_micros > 0 && price_micros < kFixedScale; }

// Converts one snapshot side, checking the order book.proto promises (best first, strictly
// monotonic), prices inside (0, 1) and sizes > 0.
absl::Status ConvertSide(const google::protobuf::RepeatedPtrField<v1::PriceLevel>& levels,
                         bool bids, std::vector<book::Level>* out) {
  out->clear();
  out->reserve(static_cast<size_t>(levels.size()));
  for (int i = 0; i < levels.size(); ++i) {
    const v1::PriceLevel& l = levels[i];
    if (!PriceInRange(l.price_micros()) || l.size_micros() <= 0) {
      return absl::DataLossError(absl::StrCat(bids ? "bid" : "ask", " level ", i, " invalid: ",
                                              l.size_micros(), "@", l.price_micros()));
    }
    if (i > 0) {
      const int64_t prev = levels[i - 1].price_micros();
      if (bids ? l.price_micros() >= prev : l.price_micros() <= prev) {
        return absl::DataLossError(
            absl::StrCat(bids ? "bids" : "asks", " not strictly best-first at level ", i));
      }
    }
    out->push_back(
        book::Level{Price::FromMicros(l.price_micros()), Quantity::FromMicros(l.size_micros())});
  }
  return absl::OkStatus();
}

// Sets (size > 0) or deletes (size == 0) the level at `price` on one best-first side.
void SetLevel(std::vector<book::Level>& side, bool bids, Price price, Quantity size) {
  auto it = std::lower_bound(
      side.begin(), side.end(), price,
      [bids](const book::Level& l, Price p) { return bids ? l.price > p : l.price < p; });
  const bool found = it != side.end() && it->price == price;
  if (size.IsZero()) {
    if (found) side.erase(it);
  } else if (found) {
    it->size = size;
  } else {
    side.insert(it, book::Level{price, size});
  }
}

// Validates one delta and applies it to `view`. Errors: DataLoss naming the problem.
absl::Status ApplyDelta(const v1::BookDelta& d, BookView& view) {
  const bool side_known = d.side() == v1::BOOK_SIDE_BID || d.side() == v1::BOOK_SIDE_ASK;
  const bool bids = d.side() == v1::BOOK_SIDE_BID;
  switch (d.action()) {
    case v1::BOOK_ACTION_SET:
      if (!side_known || !PriceInRange(d.price_micros()) || d.size_micros() <= 0) break;
      SetLevel(bids ? view.bids : view.asks, bids, Price::FromMicros(d.price_micros()),
               Quantity::FromMicros(d.size_micros()));
      return absl::OkStatus();
    case v1::BOOK_ACTION_DELETE:
      if (!side_known || !PriceInRange(d.price_micros())) break;
      SetLevel(bids ? view.bids : view.asks, bids, Price::FromMicros(d.price_micros()),
               Quantity::Zero());
      return absl::OkStatus();
    case v1::BOOK_ACTION_CLEAR:
      if (d.side() != v1::BOOK_SIDE_ASK) view.bids.clear();
      if (d.side() != v1::BOOK_SIDE_BID) view.asks.clear();
      return absl::OkStatus();
    default:
      break;
  }
  return absl::DataLossError(absl::StrCat("malformed delta (action ", d.action(), ", side ",
                                          d.side(), ", ", d.size_micros(), "@", d.price_micros(),
                                          ") for ", d.instrument_id().symbol()));
}

}  // namespace

// ---- BookKey / BookView ----

absl::StatusOr<BookKey> BookKey::FromProto(const v1::InstrumentId& id) {
  BookKey key;
  if (id.venue() == v1::VENUE_POLYMARKET) {
    key.venue = Venue::kPolymarket;
  } else if (id.venue() == v1::VENUE_KALSHI) {
    key.venue = Venue::kKalshi;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("instrument ", id.symbol(), " has no known venue (", id.venue(), ")"));
  }
  if (id.symbol().empty()) return absl::InvalidArgumentError("instrument id without a symbol");
  key.instrument = InstrumentId(id.symbol());
  return key;
}

v1::InstrumentId BookKey::ToProto() const {
  v1::InstrumentId id;
  id.set_venue(venue == Venue::kKalshi ? v1::VENUE_KALSHI : v1::VENUE_POLYMARKET);
  id.set_symbol(instrument.value());
  return id;
}

std::string BookKey::ToString() const {
  return absl::StrCat(ToAbsl(VenueName(venue)), "/", instrument.value());
}

const char* BookStatusName(BookStatus status) {
  switch (status) {
    case BookStatus::kLive:
      return "live";
    case BookStatus::kStale:
      return "stale";
    case BookStatus::kQuarantined:
      return "quarantined";
    case BookStatus::kClosed:
      return "closed";
  }
  return "unknown";
}

std::optional<book::Level> BookView::BestBid() const {
  if (bids.empty()) return std::nullopt;
  return bids.front();
}

std::optional<book::Level> BookView::BestAsk() const {
  if (asks.empty()) return std::nullopt;
  return asks.front();
}

namespace {
template <typename Fn>
void ForEach(const std::vector<book::Level>& side, Fn&& fn) {
  for (const book::Level& l : side) {
    if (!fn(l)) return;
  }
}
}  // namespace

book::SweepResult BookView::SweepBuyQuantity(Quantity quantity) const {
  return book::internal::SweepQuantity([this](auto&& fn) { ForEach(asks, fn); }, quantity,
                                       /*buy=*/true);
}

book::SweepResult BookView::SweepSellQuantity(Quantity quantity) const {
  return book::internal::SweepQuantity([this](auto&& fn) { ForEach(bids, fn); }, quantity,
                                       /*buy=*/false);
}

// ---- BookCache ----

BookCache::BookCache(const Clock* clock) : clock_(clock ? clock : &SystemClock::Get()) {}

void BookCache::AddListener(TouchListener* listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.push_back(listener);
}

void BookCache::RemoveListener(TouchListener* listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

void BookCache::Notify(const Touched& touched) {
  if (touched.empty()) return;
  std::lock_guard<std::mutex> lock(listeners_mu_);
  for (TouchListener* l : listeners_) l->OnBooksTouched(touched);
}

BookCache::ShardState& BookCache::Shard(ShardId shard) {
  if (shard >= shards_.size()) shards_.resize(static_cast<size_t>(shard) + 1);
  return shards_[shard];
}

void BookCache::Untrust(Entry& entry, int64_t now, Touched* touched) {
  if (!entry.view->trusted) return;
  auto next = std::make_shared<BookView>(*entry.view);
  next->trusted = false;
  next->bids.clear();
  next->asks.clear();
  next->updated_mono_nanos = now;
  ++next->version;
  touched->push_back(next->key);
  entry.view = std::move(next);
}

void BookCache::UntrustShard(ShardId shard, int64_t now, Touched* touched) {
  for (auto& [key, entry] : books_) {
    if (entry.view->shard == shard) Untrust(entry, now, touched);
  }
}

void BookCache::BeginStream(ShardId shard) {
  Touched touched;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = clock_->MonotonicNanos();
    ShardState& s = Shard(shard);
    ++s.generation;
    s.streaming = true;
    s.synced = false;
    s.last_heard_mono = now;
    UntrustShard(shard, now, &touched);
  }
  Notify(touched);
}

void BookCache::EndStream(ShardId shard) {
  Touched touched;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ShardState& s = Shard(shard);
    s.streaming = false;
    s.synced = false;
    UntrustShard(shard, clock_->MonotonicNanos(), &touched);
  }
  Notify(touched);
}

absl::Status BookCache::Apply(ShardId shard, const v1::BookUpdate& update) {
  Touched touched;
  absl::Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = clock_->MonotonicNanos();
    Shard(shard).last_heard_mono = now;
    switch (update.payload_case()) {
      case v1::BookUpdate::kSnapshot:
        status = ApplySnapshot(shard, update.snapshot(), now, &touched);
        break;
      case v1::BookUpdate::kDeltas:
        status = ApplyDeltas(shard, update.deltas(), now, &touched);
        break;
      case v1::BookUpdate::kStatus:
        ApplyStatus(shard, update.status(), now, &touched);
        break;
      case v1::BookUpdate::kHeartbeat:
        ++counters_.heartbeats;
        if (update.heartbeat().initial_snapshot_complete()) EndInitialBurst(shard, &touched);
        break;
      case v1::BookUpdate::kInstrument: {
        const v1::InstrumentUpdate& u = update.instrument();
        if (u.kind() == v1::INSTRUMENT_UPDATE_KIND_RESOLVED) {
          // Kept for the lane thread (calibration of directional lanes); the book itself is
          // closed by the status update the shard sends with it.
          absl::StatusOr<BookKey> key = BookKey::FromProto(u.instrument().instrument_id());
          if (!key.ok() || !u.instrument().has_settlement_price_micros()) {
            ++counters_.minor_violations;
            break;
          }
          ++counters_.resolutions;
          if (resolutions_.size() < kMaxPendingResolutions) {
            resolutions_.push_back(ResolvedInstrument{
                *key, u.instrument().settlement_price_micros(), u.ts_event_unix_nanos()});
          }
          break;
        }
        if (u.kind() != v1::INSTRUMENT_UPDATE_KIND_PRICE_GRID_CHANGED) break;
        // The shard drops the book and sends a fresh snapshot next; until then the old levels
        // may be off the new grid.
        absl::StatusOr<BookKey> key = BookKey::FromProto(u.instrument().instrument_id());
        if (!key.ok()) break;
        auto it = books_.find(*key);
        if (it != books_.end() && it->second.view->shard == shard) {
          Untrust(it->second, now, &touched);
        }
        break;
      }
      case v1::BookUpdate::kTrade:
        break;
      default:
        ++counters_.minor_violations;
        break;
    }
    if (!status.ok()) ++counters_.resnapshot_requests;
  }
  Notify(touched);
  return status;
}

absl::Status BookCache::ApplySnapshot(ShardId shard, const v1::BookSnapshot& s, int64_t now,
                                      Touched* touched) {
  absl::StatusOr<BookKey> key = BookKey::FromProto(s.instrument_id());
  if (!key.ok()) {
    return absl::DataLossError(absl::StrCat("snapshot: ", key.status().message()));
  }
  ++counters_.snapshots;
  if (s.reason() == v1::SNAPSHOT_REASON_COALESCED) ++counters_.coalesced_snapshots;
  auto [it, inserted] = books_.try_emplace(*key);
  Entry& entry = it->second;
  auto next = std::make_shared<BookView>();
  next->key = *key;
  next->version = inserted ? 1 : entry.view->version + 1;
  next->shard = shard;
  next->updated_mono_nanos = now;
  next->epoch = s.book_epoch();
  next->sequence = s.sequence();
  next->status = FromProto(s.status());
  next->truncated = s.truncated();
  next->ts_event_unix_nanos = s.ts_event_unix_nanos();
  next->ts_receipt_unix_nanos = s.ts_receipt_unix_nanos();
  absl::Status status = ConvertSide(s.bids(), /*bids=*/true, &next->bids);
  if (status.ok()) status = ConvertSide(s.asks(), /*bids=*/false, &next->asks);
  next->trusted = status.ok();
  if (!status.ok()) {
    next->bids.clear();
    next->asks.clear();
    status =
        absl::DataLossError(absl::StrCat("snapshot of ", key->ToString(), ": ", status.message()));
  }
  entry.view = std::move(next);
  entry.generation = Shard(shard).generation;
  touched->push_back(*key);
  return status;
}

absl::Status BookCache::ApplyDeltas(ShardId shard, const v1::BookDeltas& group, int64_t now,
                                    Touched* touched) {
  ++counters_.delta_groups;
  if (group.deltas_size() == 0) {
    ++counters_.minor_violations;
    return absl::OkStatus();
  }
  const uint64_t generation = Shard(shard).generation;
  // Books changed by this group, published together once the whole group applied cleanly. A
  // group touches one market or event: a handful of books, so a linear scan beats a map.
  std::vector<std::pair<Entry*, std::shared_ptr<BookView>>> pending;
  absl::Status status;
  Entry* bad = nullptr;
  for (int i = 0; i < group.deltas_size(); ++i) {
    const v1::BookDelta& d = group.deltas(i);
    const bool last = (d.flags() & v1::BOOK_DELTA_FLAG_LAST) != 0;
    if (last != (i + 1 == group.deltas_size())) ++counters_.minor_violations;
    absl::StatusOr<BookKey> key = BookKey::FromProto(d.instrument_id());
    if (!key.ok()) {
      status = absl::DataLossError(absl::StrCat("delta: ", key.status().message()));
      break;
    }
    auto it = books_.find(*key);
    if (it == books_.end()) {
      status = absl::DataLossError(absl::StrCat("delta before snapshot for ", key->ToString()));
      break;
    }
    Entry& entry = it->second;
    if (entry.view->shard != shard) {
      ++counters_.foreign_updates;
      continue;
    }
    auto p = std::find_if(pending.begin(), pending.end(),
                          [&](const auto& e) { return e.first == &entry; });
    if (p == pending.end()) {
      if (!entry.view->trusted || entry.generation != generation) {
        // Untrusted after a reconnect / grid change: the stream owes us a snapshot first.
        status =
            absl::DataLossError(absl::StrCat("delta before (re)snapshot for ", key->ToString()));
        bad = &entry;
        break;
      }
      pending.emplace_back(&entry, std::make_shared<BookView>(*entry.view));
      p = std::prev(pending.end());
    }
    BookView& view = *p->second;
    if (d.sequence() != view.sequence + 1) {
      status = absl::DataLossError(absl::StrCat("sequence gap for ", key->ToString(), ": got ",
                                                d.sequence(), " after ", view.sequence, " (epoch ",
                                                view.epoch, ")"));
      bad = &entry;
      break;
    }
    if (status = ApplyDelta(d, view); !status.ok()) {
      bad = &entry;
      break;
    }
    view.sequence = d.sequence();
    view.ts_event_unix_nanos = d.ts_event_unix_nanos();
    view.ts_receipt_unix_nanos = d.ts_receipt_unix_nanos();
    ++counters_.deltas;
  }
  if (!status.ok()) {
    // The group is dropped whole (its other books keep their last consistent view until the
    // stream restart untrusts them); the broken book is untrusted now.
    if (bad != nullptr) Untrust(*bad, now, touched);
    return status;
  }
  for (auto& [entry, view] : pending) {
    view->updated_mono_nanos = now;
    ++view->version;
    touched->push_back(view->key);
    entry->view = std::move(view);
  }
  return absl::OkStatus();
}

void BookCache::ApplyStatus(ShardId shard, const v1::BookStatusUpdate& s, int64_t now,
                            Touched* touched) {
  ++counters_.status_updates;
  absl::StatusOr<BookKey> key = BookKey::FromProto(s.instrument_id());
  auto it = key.ok() ? books_.find(*key) : books_.end();
  if (it == books_.end()) {
    ++counters_.minor_violations;  // status before snapshot: nothing to mark
    return;
  }
  Entry& entry = it->second;
  if (entry.view->shard != shard) {
    ++counters_.foreign_updates;
    return;
  }
  const BookStatus status = FromProto(s.status());
  if (entry.view->status == BookStatus::kQuarantined && status == BookStatus::kLive) {
    // book.proto: leaving quarantine is announced by a snapshot, because the contents we hold
    // are invalid. Stay quarantined until it comes.
    ++counters_.minor_violations;
    return;
  }
  auto next = std::make_shared<BookView>(*entry.view);
  next->status = status;
  next->status_reason = s.reason();
  next->updated_mono_nanos = now;
  ++next->version;
  touched->push_back(next->key);
  entry.view = std::move(next);
}

void BookCache::EndInitialBurst(ShardId shard, Touched* touched) {
  ShardState& s = Shard(shard);
  s.synced = true;
  // Books of this shard not re-snapshotted by the new stream are no longer served by it.
  for (auto it = books_.begin(); it != books_.end();) {
    const Entry& e = it->second;
    if (e.view->shard == shard && e.generation != s.generation) {
      touched->push_back(e.view->key);
      ++counters_.removed_books;
      books_.erase(it++);
    } else {
      ++it;
    }
  }
}

BookViewPtr BookCache::Find(const BookKey& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = books_.find(key);
  return it == books_.end() ? nullptr : it->second.view;
}

std::vector<BookViewPtr> BookCache::FindAll(absl::Span<const BookKey> keys) const {
  std::vector<BookViewPtr> out;
  out.reserve(keys.size());
  std::lock_guard<std::mutex> lock(mu_);
  for (const BookKey& key : keys) {
    auto it = books_.find(key);
    out.push_back(it == books_.end() ? nullptr : it->second.view);
  }
  return out;
}

std::vector<ResolvedInstrument> BookCache::TakeResolutions() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ResolvedInstrument> out;
  out.swap(resolutions_);
  return out;
}

bool BookCache::IsFresh(const BookKey& key, absl::Duration max_age) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = books_.find(key);
  if (it == books_.end()) return false;
  const BookView& view = *it->second.view;
  if (!view.Tradeable() || view.shard >= shards_.size()) return false;
  const ShardState& s = shards_[view.shard];
  if (!s.streaming) return false;
  const int64_t last = std::max(view.updated_mono_nanos, s.last_heard_mono);
  return clock_->MonotonicNanos() - last <= absl::ToInt64Nanoseconds(max_age);
}

std::optional<int64_t> BookCache::ConfirmedAgeNanos(const BookKey& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = books_.find(key);
  if (it == books_.end()) return std::nullopt;
  const BookView& view = *it->second.view;
  if (!view.Tradeable() || view.shard >= shards_.size()) return std::nullopt;
  const ShardState& s = shards_[view.shard];
  if (!s.streaming) return std::nullopt;
  const int64_t last = std::max(view.updated_mono_nanos, s.last_heard_mono);
  return std::max<int64_t>(0, clock_->MonotonicNanos() - last);
}

std::vector<BookKey> BookCache::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<BookKey> out;
  out.reserve(books_.size());
  for (const auto& [key, entry] : books_) out.push_back(key);
  return out;
}

BookCacheStats BookCache::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  BookCacheStats out = counters_;
  out.books = books_.size();
  for (const auto& [key, entry] : books_) {
    const BookView& v = *entry.view;
    if (!v.trusted) ++out.untrusted;
    switch (v.status) {
      case BookStatus::kLive:
        ++out.live;
        break;
      case BookStatus::kStale:
        ++out.stale;
        break;
      case BookStatus::kQuarantined:
        ++out.quarantined;
        break;
      case BookStatus::kClosed:
        ++out.closed;
        break;
    }
  }
  return out;
}

bool BookCache::ShardSynced(ShardId shard) const {
  std::lock_guard<std::mutex> lock(mu_);
  return shard < shards_.size() && shards_[shard].synced;
}

}  // namespace arbor::scanner
