// File: arbor/venue/polymarket/book_builder.h
//
// BookSet: the set of local L2 books of one market-channel connection, keyed by token
// (asset) id, maintained from decoded frames (POLYMARKET.md §3.3, §12):
//
//   book              replace the book (ApplySnapshot); the book becomes live.
//   price_change      per entry SetLevel(BUY -> bid, SELL -> ask, size = new total, 0 deletes).
//   tick_size_change  record the new tick, drop the book, ignore price_changes until the next
//                     `book` (NautilusTrader policy: old-grid levels may be invalid).
//   market_resolved   remove the books of the market (by condition id and assets_ids).
//   new_market        record order_price_min_tick_size for its clob_token_ids.
//   others            counted, no book change.
//
// Tick size: a known tick (SetTickSize from the catalog, REST /book tick_size, a
// tick_size_change, a new_market) makes an off-grid price an error. Without one the tick is
// inferred from the first snapshot (0.01 if every price fits, else 0.001, else 0.0001) and
// refined later: a price_change on a finer standard tick regrids the book.
//
// Atomicity is per book: a frame's events are applied in order; a failing event or entry
// quarantines its own book (ignored until its next snapshot) and reports an error, while the
// other books in the frame are still updated.
//
// After warm-up, applying a price_change does not allocate (heterogeneous lookup, in-place
// ladders, hash strings reuse their capacity). Snapshots of a new token or a new grid allocate.
// Not thread-safe: owned by the connection's feed thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "arbor/book/order_book.h"
#include "arbor/book/price_grid.h"
#include "arbor/core/fixed_point.h"
#include "arbor/venue/polymarket/market_events.h"

namespace arbor::venue::polymarket {

enum class BookState : uint8_t {
  kAwaitingSnapshot,  // no usable book: never snapshotted, or dropped by tick_size_change
  kLive,              // book valid; price_changes apply
  kQuarantined,       // an update failed validation; ignored until the next snapshot
};

std::string_view BookStateName(BookState state);

struct BookSetStats {
  uint64_t events = 0;                     // events seen by Apply (all types)
  uint64_t snapshots_applied = 0;          // `book` events applied
  uint64_t levels_applied = 0;             // price_change entries applied
  uint64_t ignored_no_snapshot = 0;        // entries for tokens that never had a snapshot
  uint64_t ignored_awaiting_snapshot = 0;  // entries after tick_size_change, before a book
  uint64_t ignored_quarantined = 0;        // entries for quarantined books
  uint64_t quarantines = 0;                // times a book was quarantined
  uint64_t errors = 0;   // failed events/entries (each reported in Apply's status)
  uint64_t regrids = 0;  // inferred-tick books moved to a finer grid
  uint64_t tick_size_changes = 0;
  uint64_t books_removed = 0;  // by market_resolved
  uint64_t other_events = 0;   // last_trade_price, best_bid_ask, new_market
};

class BookSet {
 public:
  BookSet() = default;
  BookSet(const BookSet&) = delete;
  BookSet& operator=(const BookSet&) = delete;

  // SetTickSize
  //
  // Records the authoritative tick of `asset_id`. A live book on another grid is regridded (or,
  // if some level does not fit, dropped to kAwaitingSnapshot). Errors: InvalidArgument if
  // `tick` is not a valid uniform grid (PriceGrid::Uniform).
  [[nodiscard]] absl::Status SetTickSize(std::string_view asset_id, Price tick);

  // Apply
  //
  // Applies every event of `frame` in order (text frames are no-ops). Returns OK, or the first
  // error (InvalidArgument / OutOfRange naming the asset and the offending price) after still
  // applying the remaining events; each failure quarantines only its own book and is counted.
  [[nodiscard]] absl::Status Apply(const MarketFrame& frame);

  // Per-event entry points used by Apply; same semantics.
  [[nodiscard]] absl::Status ApplyBook(const BookEvent& event);
  [[nodiscard]] absl::Status ApplyPriceChange(const PriceChangeEvent& event);
  [[nodiscard]] absl::Status ApplyTickSizeChange(const TickSizeChangeEvent& event);
  void ApplyMarketResolved(const MarketResolvedEvent& event);
  [[nodiscard]] absl::Status ApplyNewMarket(const NewMarketEvent& event);

  // The live book of `asset_id`, or nullptr (unknown, awaiting a snapshot, or quarantined).
  // The pointer stays valid until the book is dropped, removed or regridded.
  const book::OrderBook* Find(std::string_view asset_id) const;
  // The state of `asset_id`, or nullopt if the set has never heard of it.
  std::optional<BookState> State(std::string_view asset_id) const;
  // The last venue `hash` seen for `asset_id` (book or price_change entry); empty if none.
  std::string_view LastHash(std::string_view asset_id) const;
  // The book's current tick: known, inferred, or nullopt if none yet.
  std::optional<Price> TickSize(std::string_view asset_id) const;
  // Whether the tick of `asset_id` is authoritative (vs inferred).
  bool TickKnown(std::string_view asset_id) const;

  const BookSetStats& stats() const { return stats_; }
  // Number of tokens tracked (any state).
  // Every known asset id (books, dropped books and assets with only a tick size), sorted. For
  // reports and replays; allocates.
  std::vector<std::string> AssetIds() const;
  size_t size() const { return entries_.size(); }

  // Drops every book (e.g. before a resubscribe after reconnect), keeping known ticks.
  void ClearBooks();

 private:
  struct Entry {
    std::unique_ptr<book::OrderBook> book;  // kept across snapshots while the grid is unchanged
    Price tick;                             // zero until known or inferred
    bool tick_known = false;
    BookState state = BookState::kAwaitingSnapshot;
    bool dropped_by_tick_change = false;
    std::string market;
    std::string last_hash;
    int64_t last_timestamp_ms = 0;
  };

  Entry* FindEntry(std::string_view asset_id);
  const Entry* FindEntry(std::string_view asset_id) const;
  Entry& GetOrCreate(std::string_view asset_id);
  absl::Status ApplyEntry(const PriceChangeEntry& entry, int64_t timestamp_ms);
  absl::Status Quarantine(Entry& entry, std::string_view asset_id, const absl::Status& cause);
  // A book on the uniform grid `tick`, reusing the entry's book when the grid matches.
  absl::Status EnsureGrid(Entry& entry, Price tick);

  absl::flat_hash_map<std::string, Entry> entries_;
  BookSetStats stats_;
};

}  // namespace arbor::venue::polymarket
