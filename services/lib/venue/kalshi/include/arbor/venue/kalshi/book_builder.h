// File: arbor/venue/kalshi/book_builder.h
//
// BookSet: the Kalshi order books of one WebSocket connection, built from decoded
// orderbook_snapshot / orderbook_delta / market_lifecycle_v2 messages.
//
// Book model. Each market is ONE arbor::book::OrderBook for the YES outcome. Kalshi publishes two
// bid ladders: YES bids are the book's bids; a NO bid of q at p (NO terms, use_yes_price:false,
// Kalshi's current default) is a YES ask of q at 1 - p, because buying NO at p is selling YES at
// 1 - p. With use_yes_price:true Kalshi already prices NO levels in YES terms and they map to
// asks at p unchanged; BookSetOptions::use_yes_price must match the subscribe flag. The NO book
// is ComplementView(yes_book) (arbor/book/complement_view.h).
//
// Sequencing. One seq counter per sid (SeqTracker). A gap marks every book on that sid stale:
// deltas are dropped (counted) until a snapshot for that market arrives; ApplyResult::gap tells
// the caller to send update_subscription action:"get_snapshot" for MarketsOnSid(sid). A delta
// the book refuses (a level would go negative, a price off the grid) leaves the book unchanged,
// marks that market stale and asks for its snapshot.
//
// Not thread-safe: one owner thread (the feed shard). Applying deltas to known markets does not
// allocate; a new market, a new sid and a grid change do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "arbor/book/level.h"
#include "arbor/book/order_book.h"
#include "arbor/book/price_grid.h"
#include "arbor/venue/kalshi/messages.h"
#include "arbor/venue/kalshi/seq_tracker.h"

namespace arbor::venue::kalshi {

// GridForStructure
//
// The price grid of a Kalshi `price_level_structure`. When `ranges` is non-empty the explicit
// ranges define the grid (whatever the name says; an unknown name is then accepted). Otherwise:
// "linear_cent" = 0.01 over [0, 1]; "deci_cent" = 0.001 over [0, 1]; "tapered_deci_cent" = 0.001
// on [0, 0.10] and [0.90, 1.00], 0.01 in between. Errors: InvalidArgument for an unknown name
// without ranges, or ranges PriceGrid::FromRanges rejects (gaps, overlap, step not dividing).
[[nodiscard]] absl::StatusOr<book::PriceGrid> GridForStructure(std::string_view structure,
                                                               absl::Span<const PriceRange> ranges);

struct BookSetOptions {
  // Must equal the use_yes_price flag sent with the subscribe command (see the file comment).
  bool use_yes_price = false;
};

enum class ApplyOutcome : uint8_t {
  kApplied,        // the book (or grid) changed
  kIgnored,        // nothing to do: not a book message, no grid info, same grid, foreign sid
  kUnknownMarket,  // a delta for a market without a snapshot
  kStaleDropped,   // a delta for a stale market (waiting for a snapshot)
  kDuplicate,      // seq <= last seen on the sid: dropped
  kGap,            // a seq gap on the sid: books on it are stale; this delta was dropped
  kRejected,       // the update was refused (see ApplyResult::error); the book is unchanged
};

std::string_view ApplyOutcomeName(ApplyOutcome outcome);

// A detected sequence gap on one subscription.
struct SeqGap {
  uint64_t sid = 0;
  uint64_t expected = 0;
  uint64_t got = 0;
};

struct ApplyResult {
  ApplyOutcome outcome = ApplyOutcome::kIgnored;
  // Why the update was refused (kRejected only): the book's or the grid's error.
  absl::Status error;
  // Set when this message revealed a gap (outcome kGap for deltas and `ok` replies; a snapshot
  // that arrives after a gap is still applied, outcome kApplied, and reports the gap because the
  // other books on the sid are now stale). Send get_snapshot for MarketsOnSid(gap->sid).
  std::optional<SeqGap> gap;
  // This message's market is stale and needs a get_snapshot (rejected update or a grid change
  // that cleared the book).
  bool market_needs_snapshot = false;
};

// Why a market's book is not live.
enum class StaleReason : uint8_t {
  kNone,              // live
  kNoSnapshot,        // known (grid set) but never snapshotted
  kSeqGap,            // a gap on its sid
  kRejectedUpdate,    // the book refused a snapshot or delta
  kGridChange,        // a new grid left levels off-grid: book cleared
  kSubscriptionLost,  // ForgetSid / Reset (unsubscribed, reconnect)
};

std::string_view StaleReasonName(StaleReason reason);

// The state of one market's book.
struct MarketStatus {
  bool live = false;  // snapshotted and not stale: safe to trade against
  StaleReason reason = StaleReason::kNoSnapshot;
  std::optional<uint64_t> sid;  // the sid of the last applied snapshot
};

struct BookSetCounters {
  uint64_t snapshots_applied = 0;
  uint64_t deltas_applied = 0;
  uint64_t gaps = 0;
  uint64_t stale_drops = 0;
  uint64_t duplicate_drops = 0;
  uint64_t unknown_market_drops = 0;
  uint64_t foreign_sid_drops = 0;  // a delta on a sid other than its book's snapshot sid
  uint64_t rejected = 0;           // refused snapshots/deltas/grids (errors)
  uint64_t regrids = 0;            // grid changes that kept the levels
  uint64_t regrid_clears = 0;      // grid changes that cleared a book
};

class BookSet {
 public:
  explicit BookSet(BookSetOptions options = {});

  // Apply
  //
  // Routes one decoded frame: orderbook_snapshot, orderbook_delta and market_lifecycle_v2 change
  // books; `ok` replies with sid+seq advance (or gap) the sid's sequence; `subscribed` forgets
  // any stale baseline for the new sid; `unsubscribed` calls ForgetSid. Everything else is
  // kIgnored. Error replies carry no sid: on code 7/10/25 the caller maps its command id to the
  // sid and calls ForgetSid.
  [[nodiscard]] ApplyResult Apply(const WsMessage& message);

  // ApplySnapshot
  //
  // Replaces the market's book (creating it on the market's grid, default linear_cent) and
  // resets the sid's baseline to `seq`; clears the market's stale state. A snapshot whose seq
  // skips ahead marks the other books on the sid stale (reported in ApplyResult::gap). Refused
  // (kRejected, market stale, book unchanged) when a price is off the grid or at 0/1, or listed
  // twice on a side.
  [[nodiscard]] ApplyResult ApplySnapshot(uint64_t sid, uint64_t seq,
                                          const OrderbookSnapshot& snapshot);

  // ApplyDelta
  //
  // Checks seq, then adds `delta` to the level (yes -> bid at price; no -> ask at 1 - price, or
  // at price with use_yes_price). Outcomes: kDuplicate, kGap, kUnknownMarket, kIgnored (foreign
  // sid), kStaleDropped, kRejected (negative result, off-grid price: book unchanged, market
  // stale), kApplied. Allocation-free for known markets and sids.
  [[nodiscard]] ApplyResult ApplyDelta(uint64_t sid, uint64_t seq, const OrderbookDelta& delta);

  // ApplyLifecycle
  //
  // When the event carries price_level_structure and/or price_ranges (created,
  // price_level_structure_updated), sets the market's grid: an existing book is regridded; if a
  // level is off the new grid the book is cleared and marked stale (kGridChange,
  // market_needs_snapshot). An unknown market remembers the grid for its first snapshot.
  // kRejected when GridForStructure fails (nothing changes). Other events are kIgnored.
  [[nodiscard]] ApplyResult ApplyLifecycle(const MarketLifecycle& event);

  // SetGrid
  //
  // Same as a lifecycle grid change, for grids learnt elsewhere (REST market object): creates an
  // unknown market or regrids a known one. Returns true when levels were off the new grid and
  // the book was cleared (then stale, kGridChange, if it had a snapshot).
  bool SetGrid(std::string_view market_ticker, book::PriceGrid grid);

  // ForgetSid
  //
  // The subscription is gone (unsubscribed, error 7/10/25): forgets its seq baseline and marks
  // its books stale (kSubscriptionLost) until new snapshots arrive.
  void ForgetSid(uint64_t sid);

  // Reset
  //
  // Reconnect: forgets every sid and marks every book stale; grids are kept.
  void Reset();

  // The market's book (possibly empty or stale; check Status()), or nullptr if unknown.
  const book::OrderBook* Find(std::string_view market_ticker) const;
  // The market's state, or nullopt if unknown.
  std::optional<MarketStatus> Status(std::string_view market_ticker) const;
  // Tickers whose last snapshot came on `sid` (for get_snapshot after a gap), sorted.
  std::vector<std::string> MarketsOnSid(uint64_t sid) const;
  // Every known market ticker, sorted (for reports and replays; allocates).
  std::vector<std::string> Tickers() const;
  size_t size() const { return markets_.size(); }

  const BookSetCounters& counters() const { return counters_; }
  const SeqTracker& seq_tracker() const { return seq_; }
  const BookSetOptions& options() const { return options_; }

 private:
  struct Market {
    explicit Market(book::PriceGrid grid) : book(std::move(grid)) {}
    book::OrderBook book;
    std::optional<uint64_t> sid;
    bool has_snapshot = false;
    StaleReason stale = StaleReason::kNoSnapshot;
  };

  Market* FindMarket(std::string_view market_ticker);
  // Marks every snapshotted book on `sid` stale with `reason`, except `except` (may be null).
  void MarkSidStale(uint64_t sid, StaleReason reason, const Market* except);
  // Regrids `market`; clears and marks it stale if levels are off the new grid. Returns whether
  // the book was cleared.
  bool ChangeGrid(Market& market, book::PriceGrid grid);
  // The YES-book side and price of a Kalshi level.
  book::BookSide BookSideFor(Side side) const;
  Price BookPriceFor(Side side, Price price) const;

  BookSetOptions options_;
  SeqTracker seq_;
  absl::flat_hash_map<std::string, Market> markets_;
  // Snapshot levels converted to YES-book levels; reused so snapshots do not allocate.
  std::vector<book::Level> bids_scratch_;
  std::vector<book::Level> asks_scratch_;
  BookSetCounters counters_;
};

}  // namespace arbor::venue::kalshi
