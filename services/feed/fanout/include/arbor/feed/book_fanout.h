// File: arbor/feed/book_fanout.h
//
// BookFanout: the StreamBooks fan-out of a feed shard. It owns the latest L2 state of every book
// (keyed by instrument id) and a set of subscribers, each with a filter and a bounded queue of
// in-order deltas / status changes. A subscriber that falls behind is never allowed to grow its
// queue: its backlog is COALESCED into "needs snapshot" flags, and its next pops deliver fresh
// snapshots taken from the current state, followed by later deltas. Protobuf-free: the gRPC
// layer converts FanoutUpdate into arbor.v1.BookUpdate.
//
// Every snapshot and delta group carries EventTimes (venue event time, frame receipt time) so the
// gRPC layer can stamp ts_event / ts_receipt and measure receipt -> write latency. Public trades
// (PublishTrade) go only to subscribers that asked for them; they share the subscriber's queue
// (so they stay ordered with the deltas of the same frame) but are never coalesced: when the
// queue overflows, queued trades are dropped and counted (SubscriberStats::dropped_trades).
//
// Thread-safety: every member is thread-safe. One std::mutex guards all state; each subscriber
// has its own std::condition_variable, so the producer (feed thread) wakes only subscribers it
// queued something for. Next() blocks only its caller; the producer never blocks on a consumer.
#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/book/level.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/ids.h"

namespace arbor::feed {

// Identity of one instrument's book and what filters may select it by.
struct InstrumentKey {
  Venue venue = Venue::kPolymarket;
  InstrumentId instrument_id;
  // Market (Polymarket condition id, Kalshi market ticker); may be empty.
  std::string market_id;
  EventId event_id;

  friend bool operator==(const InstrumentKey&, const InstrumentKey&) = default;
};

// Which books a subscriber receives (mirrors arbor.v1.BookFilter). A book matches when its venue
// is in `venues` (empty = every venue) AND, unless all three id lists are empty (= every
// instrument), its instrument id, market id or event id is listed in the corresponding list.
struct BookFilter {
  std::vector<Venue> venues;
  std::vector<InstrumentId> instrument_ids;
  std::vector<std::string> market_ids;
  std::vector<EventId> event_ids;

  // The predicate above.
  bool Matches(const InstrumentKey& key) const;
};

// Mirrors arbor.v1.BookStatus.
enum class BookStatus { kLive, kStale, kQuarantined, kClosed };
// Mirrors arbor.v1.SnapshotReason (the values the fan-out produces).
enum class SnapshotReason { kInitial, kVenueResync, kCoalesced };

const char* BookStatusName(BookStatus status);
const char* SnapshotReasonName(SnapshotReason reason);

// One level change with absolute semantics: `total` is the new size at `price` on `side`; zero
// deletes the level. Each change consumes one per-book sequence number.
struct LevelChange {
  book::BookSide side = book::BookSide::kBid;
  Price price;
  Quantity total;

  friend bool operator==(const LevelChange&, const LevelChange&) = default;
};

// When the data behind an update happened. All zero = unknown.
struct EventTimes {
  // Venue timestamp of the event (Unix ns); 0 when the venue sent none.
  int64_t event_unix_nanos = 0;
  // Wall time the feed received the frame / REST response (Unix ns).
  int64_t receipt_unix_nanos = 0;
  // Clock::MonotonicNanos() at the same moment (latency measurement); 0 = unknown.
  int64_t receipt_mono_nanos = 0;

  friend bool operator==(const EventTimes&, const EventTimes&) = default;
};

// Aggressor side of a public trade (mirrors arbor.v1.Side).
enum class TradeSide { kUnspecified, kBuy, kSell };

// One public trade print of one instrument, in that instrument's own terms.
struct TradePrint {
  Price price;
  Quantity size;
  TradeSide aggressor = TradeSide::kUnspecified;
  std::string venue_trade_id;  // empty when the venue gives none
  EventTimes times;

  friend bool operator==(const TradePrint&, const TradePrint&) = default;
};

// What Next() delivers.
enum class UpdateKind {
  kSnapshot,           // full book: key, bids, asks, sequence, status, reason, times
  kDeltas,             // one producer group: key, changes, sequence (of the last change), times
  kStatus,             // key, status, status_reason, sequence (unchanged book sequence)
  kEndOfInitialBurst,  // every book matching at subscribe time has been sent (no other field)
  kTrade,              // key, trade (include_trades subscribers only)
};

// One popped update. Reuse one object across Next() calls: its vectors keep their capacity, so
// steady-state popping does not allocate.
struct FanoutUpdate {
  UpdateKind kind = UpdateKind::kEndOfInitialBurst;
  InstrumentKey key;
  // kSnapshot / kDeltas / kStatus: the book sequence after this update. For kDeltas the first
  // change has sequence - changes.size() + 1.
  uint64_t sequence = 0;
  std::vector<LevelChange> changes;                  // kDeltas, in application order
  std::vector<book::Level> bids;                     // kSnapshot, best (highest) first
  std::vector<book::Level> asks;                     // kSnapshot, best (lowest) first
  BookStatus status = BookStatus::kLive;             // kSnapshot, kStatus
  std::string status_reason;                         // kStatus
  SnapshotReason reason = SnapshotReason::kInitial;  // kSnapshot
  // kSnapshot: times of the newest data in the book; kDeltas: times of the group's event.
  EventTimes times;
  TradePrint trade;  // kTrade
  // kSnapshot / kStatus of a book closed by its market's resolution: what one share of this
  // instrument settled at (1_000_000 won, 0 lost, other values a split). nullopt otherwise
  // (reset by every Next()).
  std::optional<int64_t> settlement_price_micros;
};

// A full copy of one book, as the producer sees it (tests, GetBook).
struct BookState {
  InstrumentKey key;
  std::vector<book::Level> bids;  // best (highest) first
  std::vector<book::Level> asks;  // best (lowest) first
  uint64_t sequence = 0;
  BookStatus status = BookStatus::kLive;
  EventTimes times;                                // of the newest data in the book
  std::optional<int64_t> settlement_price_micros;  // see FanoutUpdate

  friend bool operator==(const BookState&, const BookState&) = default;
};

// Per-subscriber counters.
struct SubscriberStats {
  size_t queued = 0;             // items in the queue now (never above max_queue)
  size_t pending_snapshots = 0;  // books flagged "needs snapshot" now
  uint64_t coalesce_events = 0;  // times the queue overflowed and was coalesced
  uint64_t delivered = 0;        // updates returned by Next()
  // Trades dropped because the queue overflowed (never coalesced), total and by venue
  // (index 0 Polymarket, 1 Kalshi).
  uint64_t dropped_trades = 0;
  std::array<uint64_t, 2> dropped_trades_by_venue{};
};

using SubscriberId = uint64_t;

class BookFanout {
 public:
  BookFanout() = default;
  BookFanout(const BookFanout&) = delete;
  BookFanout& operator=(const BookFanout&) = delete;

  // ---- Producer side (feed thread) ----

  // ApplySnapshot
  //
  // Replaces (or creates) the book of key.instrument_id with `bids` / `asks` (any order; sizes
  // must be > 0) at book sequence `sequence` (any value: a resync may start a new numbering),
  // with status `status`. A new book's key is stored; an existing book keeps its key. Every
  // matching subscriber drops its queued items for this book and will receive a fresh snapshot
  // (reason kVenueResync unless one was already pending). Errors (nothing changes):
  // InvalidArgument for a price outside (0, 1), a size <= 0, or a price listed twice on a side.
  // `times` are stored with the book and delivered with its snapshots.
  [[nodiscard]] absl::Status ApplySnapshot(const InstrumentKey& key,
                                           absl::Span<const book::Level> bids,
                                           absl::Span<const book::Level> asks, uint64_t sequence,
                                           BookStatus status = BookStatus::kLive,
                                           const EventTimes& times = {});

  // ApplyDelta
  //
  // Applies `changes` in order to the book of `instrument`; `sequence` is the book sequence
  // after the last change and must equal current + changes.size(). Queued to every matching
  // subscriber as one kDeltas update. Errors (nothing changes): NotFound for an unknown
  // instrument; InvalidArgument for empty `changes`, a price outside (0, 1) or a negative total;
  // FailedPrecondition for a sequence that does not follow on.
  // `times` travel with the group and become the book's times.
  [[nodiscard]] absl::Status ApplyDelta(const InstrumentId& instrument,
                                        absl::Span<const LevelChange> changes, uint64_t sequence,
                                        const EventTimes& times = {});

  // SetStatus
  //
  // Changes the book's status (levels and sequence unchanged) and queues a kStatus update with
  // `reason` (stable CamelCase, e.g. "NoDataTimeout") to matching subscribers.
  // `settlement_price_micros` (with kClosed only) records that the market resolved and what this
  // instrument settled at; it stays with the book, so every later snapshot of it (a new
  // subscriber's initial burst, a coalesced catch-up) carries it too. Errors: NotFound for an
  // unknown instrument; InvalidArgument for a settlement with another status or outside
  // [0, 1_000_000].
  [[nodiscard]] absl::Status SetStatus(
      const InstrumentId& instrument, BookStatus status, std::string_view reason,
      std::optional<int64_t> settlement_price_micros = std::nullopt);

  // PublishTrade
  //
  // Queues one public trade of `key.instrument_id` to every subscriber that asked for trades and
  // whose filter matches `key` (the book need not exist). A full queue is coalesced as for
  // deltas, except that its trades (and this one) are dropped and counted. Never blocks.
  // Errors: InvalidArgument for a price outside (0, 1] or a size <= 0.
  [[nodiscard]] absl::Status PublishTrade(const InstrumentKey& key, const TradePrint& trade);

  // A copy of the producer's current book. Errors: NotFound for an unknown instrument.
  [[nodiscard]] absl::StatusOr<BookState> GetBook(const InstrumentId& instrument) const;

  // ---- Subscriber management and consumer side (one thread per stream) ----

  // Subscribe
  //
  // Adds a subscriber whose queue holds at most `max_queue` items (>= 1). Its first pops are a
  // kInitial snapshot of every book matching `filter` (in book creation order), then one
  // kEndOfInitialBurst. Books created later arrive as kVenueResync snapshots. With
  // `include_trades` the subscriber also receives kTrade updates. Errors: InvalidArgument if
  // max_queue == 0.
  [[nodiscard]] absl::StatusOr<SubscriberId> Subscribe(BookFilter filter, size_t max_queue,
                                                       bool include_trades = false);

  // Unsubscribe
  //
  // Removes the subscriber; a Next() blocked on it (now or later) returns Cancelled. Errors:
  // NotFound for an unknown (or already removed) id.
  [[nodiscard]] absl::Status Unsubscribe(SubscriberId id);

  // Next
  //
  // Pops the subscriber's next update into *out, waiting up to `timeout` (absl::InfiniteDuration
  // to wait forever; zero to poll). Pending snapshots are delivered before queued items; the
  // end-of-initial-burst marker follows the initial snapshots. Per book, the updates received
  // always reproduce the producer's book exactly: a snapshot, then deltas with contiguous
  // sequences. Errors: DeadlineExceeded if nothing arrived in time; Cancelled if the subscriber
  // was (or gets) unsubscribed; NotFound for an id never subscribed. Call from one thread per
  // subscriber.
  [[nodiscard]] absl::Status Next(SubscriberId id, absl::Duration timeout, FanoutUpdate* out);

  // Counters of a subscriber. Errors: NotFound for an unknown id.
  [[nodiscard]] absl::StatusOr<SubscriberStats> Stats(SubscriberId id) const;

  // Whether a thread is currently blocked in Next() for `id` (false for unknown ids). For tests
  // that must know a consumer is parked before acting.
  bool IsWaiting(SubscriberId id) const;

 private:
  struct Book {
    InstrumentKey key;
    std::vector<book::Level> bids;  // descending price
    std::vector<book::Level> asks;  // ascending price
    uint64_t sequence = 0;
    BookStatus status = BookStatus::kLive;
    EventTimes times;
    std::optional<int64_t> settlement_price_micros;
  };
  struct Item {
    UpdateKind kind = UpdateKind::kDeltas;  // kDeltas, kStatus or kTrade
    size_t book = 0;                        // kNoBook for a trade of an instrument without book
    uint64_t sequence = 0;
    std::vector<LevelChange> changes;
    BookStatus status = BookStatus::kLive;
    std::string status_reason;
    std::optional<int64_t> settlement_price_micros;  // kStatus
    EventTimes times;
    InstrumentKey trade_key;  // kTrade
    TradePrint trade;         // kTrade
  };
  struct Subscriber {
    BookFilter filter;
    size_t max_queue = 1;
    bool include_trades = false;
    std::vector<uint8_t> matches;                 // per book index
    std::vector<uint8_t> needs_snapshot;          // per book index
    std::vector<SnapshotReason> snapshot_reason;  // per book index, valid when flagged
    std::vector<size_t> pending;                  // flagged book indexes, FIFO from pending_head
    size_t pending_head = 0;
    bool burst_marker_pending = true;
    // Ring buffer of max_queue items; slots keep their vectors' capacity.
    std::vector<Item> ring;
    size_t head = 0;
    size_t size = 0;
    bool closed = false;
    int waiters = 0;
    uint64_t coalesce_events = 0;
    uint64_t delivered = 0;
    uint64_t dropped_trades = 0;
    std::array<uint64_t, 2> dropped_trades_by_venue{};
    std::condition_variable cv;
  };

  // Flags `book` for a snapshot with `reason` (no-op if already flagged).
  static void FlagSnapshot(Subscriber& sub, size_t book, SnapshotReason reason);
  // Removes every queued book item of `book` and flags that book; with book == npos (overflow)
  // removes every item, flagging their books and dropping (counting) trades.
  static void DropQueued(Subscriber& sub, size_t book, SnapshotReason reason);
  // Reserves the next ring slot for an item of `book`, coalescing on overflow; nullptr when the
  // book is (now) flagged and the item must not be queued.
  static Item* ReserveSlot(Subscriber& sub, size_t book);
  // Reserves a ring slot for a trade; on overflow coalesces and drops (nullptr).
  static Item* ReserveTradeSlot(Subscriber& sub, Venue venue);
  static void CountDroppedTrade(Subscriber& sub, Venue venue);
  // Fills *out from the subscriber's next update; false if there is none. Requires mu_ held.
  bool PopLocked(Subscriber& sub, FanoutUpdate* out);

  // std::mutex rather than absl::Mutex: the system Abseil is not built with sanitizer
  // annotations, so ThreadSanitizer only understands the pthread-based std primitives.
  // Everything below, and every Subscriber, is guarded by mu_.
  mutable std::mutex mu_;
  std::vector<Book> books_;
  absl::flat_hash_map<InstrumentId, size_t> book_index_;
  absl::flat_hash_map<SubscriberId, std::shared_ptr<Subscriber>> subscribers_;
  SubscriberId next_id_ = 1;
};

}  // namespace arbor::feed
