#include "arbor/venue/polymarket/book_builder.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "arbor/core/status_macros.h"
#include "arbor/core/strings.h"

namespace arbor::venue::polymarket {
namespace {

// Standard uniform ticks tried when the venue has not told us the tick, coarsest first. The
// newer 0.005 / 0.0025 ticks are covered: every such price is also on 0.001 / 0.0001.
constexpr int64_t kStandardTickMicros[] = {10000, 1000, 100};

bool FitsTick(Price p, int64_t tick_micros) { return p.micros() % tick_micros == 0; }

bool AllFit(absl::Span<const book::Level> levels, int64_t tick_micros) {
  for (const book::Level& l : levels) {
    if (!FitsTick(l.price, tick_micros)) return false;
  }
  return true;
}

// The coarsest standard tick not coarser than `current` (zero: any) that fits every price.
absl::StatusOr<Price> InferTick(absl::Span<const book::Level> bids,
                                absl::Span<const book::Level> asks, Price current) {
  for (int64_t tick : kStandardTickMicros) {
    if (current.IsPositive() && tick > current.micros()) continue;
    if (AllFit(bids, tick) && AllFit(asks, tick)) return Price::FromMicros(tick);
  }
  return absl::InvalidArgumentError(
      "snapshot prices fit none of the standard ticks 0.01, 0.001, 0.0001");
}

book::BookSide ToBookSide(Side side) {
  return side == Side::kBuy ? book::BookSide::kBid : book::BookSide::kAsk;
}

}  // namespace

std::string_view BookStateName(BookState state) {
  switch (state) {
    case BookState::kAwaitingSnapshot:
      return "awaiting_snapshot";
    case BookState::kLive:
      return "live";
    case BookState::kQuarantined:
      return "quarantined";
  }
  return "?";
}

BookSet::Entry* BookSet::FindEntry(std::string_view asset_id) {
  auto it = entries_.find(ToAbsl(asset_id));
  return it == entries_.end() ? nullptr : &it->second;
}

const BookSet::Entry* BookSet::FindEntry(std::string_view asset_id) const {
  auto it = entries_.find(ToAbsl(asset_id));
  return it == entries_.end() ? nullptr : &it->second;
}

BookSet::Entry& BookSet::GetOrCreate(std::string_view asset_id) {
  if (Entry* e = FindEntry(asset_id)) return *e;
  return entries_.try_emplace(std::string(asset_id)).first->second;
}

absl::Status BookSet::Quarantine(Entry& entry, std::string_view asset_id,
                                 const absl::Status& cause) {
  if (entry.state != BookState::kQuarantined) ++stats_.quarantines;
  entry.state = BookState::kQuarantined;
  ++stats_.errors;
  return absl::Status(cause.code(),
                      absl::StrCat("asset ", ToAbsl(asset_id),
                                   " quarantined until its next snapshot: ", cause.message()));
}

absl::Status BookSet::EnsureGrid(Entry& entry, Price tick) {
  if (entry.book != nullptr && entry.book->grid().is_uniform() &&
      entry.book->grid().tick() == tick) {
    return absl::OkStatus();
  }
  ARBOR_ASSIGN_OR_RETURN(book::PriceGrid grid, book::PriceGrid::Uniform(tick));
  entry.book = std::make_unique<book::OrderBook>(std::move(grid));
  return absl::OkStatus();
}

absl::Status BookSet::SetTickSize(std::string_view asset_id, Price tick) {
  ARBOR_ASSIGN_OR_RETURN(book::PriceGrid grid, book::PriceGrid::Uniform(tick));
  Entry& entry = GetOrCreate(asset_id);
  entry.tick = tick;
  entry.tick_known = true;
  if (entry.book != nullptr && !(entry.book->grid() == grid)) {
    if (entry.state == BookState::kLive && entry.book->Regrid(std::move(grid)).ok()) {
      ++stats_.regrids;
    } else {
      // Levels that do not fit the authoritative tick mean the book cannot be trusted.
      entry.book.reset();
      if (entry.state == BookState::kLive) entry.state = BookState::kAwaitingSnapshot;
    }
  }
  return absl::OkStatus();
}

absl::Status BookSet::Apply(const MarketFrame& frame) {
  absl::Status first_error;
  auto keep = [&first_error](absl::Status status) {
    if (!status.ok() && first_error.ok()) first_error = std::move(status);
  };
  for (const MarketEventRef& ref : frame.events()) {
    switch (ref.type) {
      case MarketEventType::kBook:
        keep(ApplyBook(frame.books()[ref.index]));
        break;
      case MarketEventType::kPriceChange:
        keep(ApplyPriceChange(frame.price_changes()[ref.index]));
        break;
      case MarketEventType::kTickSizeChange:
        keep(ApplyTickSizeChange(frame.tick_size_changes()[ref.index]));
        break;
      case MarketEventType::kMarketResolved:
        ApplyMarketResolved(frame.market_resolutions()[ref.index]);
        break;
      case MarketEventType::kNewMarket:
        keep(ApplyNewMarket(frame.new_markets()[ref.index]));
        break;
      case MarketEventType::kLastTradePrice:
      case MarketEventType::kBestBidAsk:
        ++stats_.events;
        ++stats_.other_events;
        break;
    }
  }
  return first_error;
}

absl::Status BookSet::ApplyBook(const BookEvent& event) {
  ++stats_.events;
  Entry& entry = GetOrCreate(event.asset_id);
  Price tick = entry.tick;
  if (!entry.tick_known) {
    absl::StatusOr<Price> inferred = InferTick(event.bids, event.asks, entry.tick);
    if (!inferred.ok()) return Quarantine(entry, event.asset_id, inferred.status());
    tick = *inferred;
  }
  absl::Status status = EnsureGrid(entry, tick);
  if (status.ok()) status = entry.book->ApplySnapshot(event.bids, event.asks);
  if (!status.ok()) return Quarantine(entry, event.asset_id, status);
  entry.tick = tick;
  entry.state = BookState::kLive;
  entry.dropped_by_tick_change = false;
  entry.market.assign(event.market.data(), event.market.size());
  entry.last_hash.assign(event.hash.data(), event.hash.size());
  entry.last_timestamp_ms = event.timestamp_ms;
  ++stats_.snapshots_applied;
  return absl::OkStatus();
}

absl::Status BookSet::ApplyPriceChange(const PriceChangeEvent& event) {
  ++stats_.events;
  absl::Status first_error;
  for (const PriceChangeEntry& e : event.entries) {
    absl::Status status = ApplyEntry(e, event.timestamp_ms);
    if (!status.ok() && first_error.ok()) first_error = std::move(status);
  }
  return first_error;
}

absl::Status BookSet::ApplyEntry(const PriceChangeEntry& change, int64_t timestamp_ms) {
  Entry* entry = FindEntry(change.asset_id);
  if (entry == nullptr) {
    ++stats_.ignored_no_snapshot;
    return absl::OkStatus();
  }
  switch (entry->state) {
    case BookState::kAwaitingSnapshot:
      ++(entry->dropped_by_tick_change ? stats_.ignored_awaiting_snapshot
                                       : stats_.ignored_no_snapshot);
      return absl::OkStatus();
    case BookState::kQuarantined:
      ++stats_.ignored_quarantined;
      return absl::OkStatus();
    case BookState::kLive:
      break;
  }
  book::OrderBook& book = *entry->book;
  if (!book.grid().IsOnGrid(change.price)) {
    if (entry->tick_known) {
      return Quarantine(*entry, change.asset_id, book.grid().Validate(change.price));
    }
    if (change.size.IsZero()) {
      // Deleting a level that cannot exist on the current (inferred) grid changes nothing; do
      // not refine the grid for it.
      ++stats_.levels_applied;
      if (!change.hash.empty()) entry->last_hash.assign(change.hash.data(), change.hash.size());
      entry->last_timestamp_ms = timestamp_ms;
      return absl::OkStatus();
    }
    std::optional<Price> finer;
    if (change.price.IsPositive() && change.price < kPriceOne) {
      for (int64_t tick : kStandardTickMicros) {
        if (tick < entry->tick.micros() && FitsTick(change.price, tick)) {
          finer = Price::FromMicros(tick);
          break;
        }
      }
    }
    if (!finer.has_value()) {
      return Quarantine(*entry, change.asset_id, book.grid().Validate(change.price));
    }
    absl::StatusOr<book::PriceGrid> grid = book::PriceGrid::Uniform(*finer);
    absl::Status status = grid.ok() ? book.Regrid(*std::move(grid)) : grid.status();
    if (!status.ok()) return Quarantine(*entry, change.asset_id, status);
    entry->tick = *finer;
    ++stats_.regrids;
  }
  absl::Status status = entry->book->SetLevel(ToBookSide(change.side), change.price, change.size);
  if (!status.ok()) return Quarantine(*entry, change.asset_id, status);
  ++stats_.levels_applied;
  if (!change.hash.empty()) entry->last_hash.assign(change.hash.data(), change.hash.size());
  entry->last_timestamp_ms = timestamp_ms;
  return absl::OkStatus();
}

absl::Status BookSet::ApplyTickSizeChange(const TickSizeChangeEvent& event) {
  ++stats_.events;
  absl::StatusOr<book::PriceGrid> grid = book::PriceGrid::Uniform(event.new_tick_size);
  if (!grid.ok()) {
    ++stats_.errors;
    return absl::Status(grid.status().code(),
                        absl::StrCat("tick_size_change for asset ", ToAbsl(event.asset_id), ": ",
                                     grid.status().message()));
  }
  Entry& entry = GetOrCreate(event.asset_id);
  entry.tick = event.new_tick_size;
  entry.tick_known = true;
  entry.book.reset();
  entry.state = BookState::kAwaitingSnapshot;
  entry.dropped_by_tick_change = true;
  if (!event.market.empty()) entry.market.assign(event.market.data(), event.market.size());
  ++stats_.tick_size_changes;
  return absl::OkStatus();
}

void BookSet::ApplyMarketResolved(const MarketResolvedEvent& event) {
  ++stats_.events;
  ++stats_.other_events;
  for (std::string_view asset : event.assets_ids) {
    auto it = entries_.find(ToAbsl(asset));
    if (it != entries_.end()) {
      entries_.erase(it);
      ++stats_.books_removed;
    }
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.market == event.market) {
      entries_.erase(it++);
      ++stats_.books_removed;
    } else {
      ++it;
    }
  }
}

absl::Status BookSet::ApplyNewMarket(const NewMarketEvent& event) {
  ++stats_.events;
  ++stats_.other_events;
  if (!event.order_price_min_tick_size.has_value()) return absl::OkStatus();
  const absl::Span<const std::string_view> tokens =
      event.clob_token_ids.empty() ? event.assets_ids : event.clob_token_ids;
  for (std::string_view token : tokens) {
    absl::Status status = SetTickSize(token, *event.order_price_min_tick_size);
    if (!status.ok()) {
      ++stats_.errors;
      return status;
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> BookSet::AssetIds() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [asset_id, entry] : entries_) out.push_back(asset_id);
  std::sort(out.begin(), out.end());
  return out;
}

const book::OrderBook* BookSet::Find(std::string_view asset_id) const {
  const Entry* entry = FindEntry(asset_id);
  if (entry == nullptr || entry->state != BookState::kLive) return nullptr;
  return entry->book.get();
}

std::optional<BookState> BookSet::State(std::string_view asset_id) const {
  const Entry* entry = FindEntry(asset_id);
  if (entry == nullptr) return std::nullopt;
  return entry->state;
}

std::string_view BookSet::LastHash(std::string_view asset_id) const {
  const Entry* entry = FindEntry(asset_id);
  return entry == nullptr ? std::string_view() : std::string_view(entry->last_hash);
}

std::optional<Price> BookSet::TickSize(std::string_view asset_id) const {
  const Entry* entry = FindEntry(asset_id);
  if (entry == nullptr || !entry->tick.IsPositive()) return std::nullopt;
  return entry->tick;
}

bool BookSet::TickKnown(std::string_view asset_id) const {
  const Entry* entry = FindEntry(asset_id);
  return entry != nullptr && entry->tick_known;
}

void BookSet::ClearBooks() {
  for (auto& [asset, entry] : entries_) {
    entry.book.reset();
    entry.state = BookState::kAwaitingSnapshot;
    entry.dropped_by_tick_change = false;
    if (!entry.tick_known) entry.tick = Price::Zero();
  }
}

}  // namespace arbor::venue::polymarket
