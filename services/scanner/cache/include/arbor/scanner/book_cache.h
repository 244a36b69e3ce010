// File: arbor/scanner/book_cache.h
//
// BookCache: the scanner's view of every L2 book, rebuilt from FeedShard.StreamBooks messages
// (arbor.v1.BookUpdate) of all feed shards. It enforces the stream contract of book.proto: a
// BookSnapshot replaces a book; BookDeltas continue its sequence by exactly +1 within the
// snapshot's epoch; anything else makes the book untrusted and Apply() asks the caller to
// re-snapshot (FeedSubscriber restarts that shard's stream, which re-sends every snapshot).
//
//   BookCache cache(&clock);
//   TouchQueue touched;                         // or any TouchListener
//   cache.AddListener(&touched);
//   absl::Status s = cache.Apply(shard, update);  // writer: the shard's subscriber thread
//   BookViewPtr book = cache.Find(key);           // reader: any thread
//   if (book && book->Tradeable() && cache.IsFresh(key, absl::Seconds(5))) { ... }
//
// Readers get immutable BookView snapshots (shared_ptr<const BookView>): a book is republished
// as a whole after each complete message (a snapshot, a whole F_LAST delta group, a status
// change), so a reader never sees a half-applied venue event, and holding a view never blocks
// writers. Find() costs one mutex acquisition and one shared_ptr copy. Resolutions
// (InstrumentUpdate RESOLVED) are queued for TakeResolutions().
//
// Thread-safety: every member is thread-safe. Apply / BeginStream / EndStream for one shard
// must come from one thread at a time (the shard's subscriber); different shards may apply
// concurrently. Listeners are called on the applying thread, after the cache lock is released.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/book/level.h"
#include "arbor/book/sweep.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/ids.h"
#include "arbor/v1/book.pb.h"

namespace arbor::scanner {

// Index of the feed shard a subscriber reads (its position in ShardedBookSource's address list).
using ShardId = uint32_t;

// Cache key of one instrument's book: arbor.v1.InstrumentId as a hashable value.
struct BookKey {
  Venue venue = Venue::kPolymarket;
  InstrumentId instrument;

  // FromProto
  //
  // Errors: InvalidArgument for VENUE_UNSPECIFIED / an unknown venue or an empty symbol.
  [[nodiscard]] static absl::StatusOr<BookKey> FromProto(const arbor::v1::InstrumentId& id);
  arbor::v1::InstrumentId ToProto() const;
  // "polymarket/<symbol>".
  std::string ToString() const;

  friend bool operator==(const BookKey&, const BookKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const BookKey& k) {
    return H::combine(std::move(h), k.venue, k.instrument);
  }
};

// The feed shard's judgement of a book (arbor.v1.BookStatus).
enum class BookStatus { kLive, kStale, kQuarantined, kClosed };
const char* BookStatusName(BookStatus status);

// One book as published to readers. Immutable once published.
struct BookView {
  BookKey key;
  std::vector<book::Level> bids;  // best (highest) first, sizes > 0
  std::vector<book::Level> asks;  // best (lowest) first, sizes > 0
  // Book sequence of the last applied delta (or of the snapshot) and the epoch of the shard
  // incarnation that assigned it.
  uint64_t sequence = 0;
  uint64_t epoch = 0;
  BookStatus status = BookStatus::kLive;
  std::string status_reason;  // of the last BookStatusUpdate; empty after a snapshot
  // False when the contents cannot be relied on: the shard's stream dropped or restarted, a
  // contract violation was seen, or the price grid changed. Cleared levels; a fresh snapshot
  // makes the book trusted again.
  bool trusted = false;
  bool truncated = false;  // the snapshot was cut to the requested max_depth
  ShardId shard = 0;       // the feed shard that owns (last snapshotted) the book
  // Venue event time and feed receipt time of the newest data (Unix ns; 0 = unknown).
  int64_t ts_event_unix_nanos = 0;
  int64_t ts_receipt_unix_nanos = 0;
  // Cache clock (Clock::MonotonicNanos) when this view was published.
  int64_t updated_mono_nanos = 0;
  // Incremented on every publication of this book (a cheap "changed" stamp for lanes).
  uint64_t version = 0;

  // Trusted contents and the shard says LIVE: the only state a lane may open risk on.
  bool Tradeable() const { return trusted && status == BookStatus::kLive; }
  std::optional<book::Level> BestBid() const;
  std::optional<book::Level> BestAsk() const;
  // VWAP sweeps with OrderBook's rounding rules (see arbor/book/sweep.h).
  book::SweepResult SweepBuyQuantity(Quantity quantity) const;
  book::SweepResult SweepSellQuantity(Quantity quantity) const;
};
using BookViewPtr = std::shared_ptr<const BookView>;

// Receives the keys of books republished by one applied message (one snapshot, one F_LAST delta
// group, one status change, or a shard going untrusted), each key once per call. Called on the
// applying thread with no cache lock held; must be thread-safe (several shards apply
// concurrently) and quick. It may call the cache's read methods.
class TouchListener {
 public:
  virtual ~TouchListener() = default;
  virtual void OnBooksTouched(absl::Span<const BookKey> keys) = 0;
};

// An instrument the venue resolved (InstrumentUpdate RESOLVED on the book stream): what one
// share pays (price micros: 1_000_000 for the winner, 0 for a loser, other values for split
// settlements).
struct ResolvedInstrument {
  BookKey key;
  int64_t settlement_price_micros = 0;
  int64_t ts_event_unix_nanos = 0;
};

// Counters and a census of the books (BookCache::Stats).
struct BookCacheStats {
  size_t books = 0;
  size_t live = 0;
  size_t stale = 0;
  size_t quarantined = 0;
  size_t closed = 0;
  size_t untrusted = 0;  // of `books`, whatever their status
  uint64_t snapshots = 0;
  uint64_t coalesced_snapshots = 0;
  uint64_t delta_groups = 0;
  uint64_t deltas = 0;
  uint64_t status_updates = 0;
  uint64_t heartbeats = 0;
  // Contract violations that made a book untrusted and asked for a re-snapshot (gaps, deltas
  // before a snapshot, malformed deltas or snapshots).
  uint64_t resnapshot_requests = 0;
  // Violations that are survivable and only counted (status before snapshot, misplaced F_LAST,
  // LIVE status on a quarantined book, empty group).
  uint64_t minor_violations = 0;
  // Updates from a shard that does not own the book (ignored; e.g. during resharding).
  uint64_t foreign_updates = 0;
  // Books dropped because their shard's new stream no longer included them.
  uint64_t removed_books = 0;
  // InstrumentUpdate RESOLVED messages received.
  uint64_t resolutions = 0;
};

class BookCache {
 public:
  // `clock` (not owned; nullptr = SystemClock) stamps updates and judges freshness.
  explicit BookCache(const Clock* clock = nullptr);
  BookCache(const BookCache&) = delete;
  BookCache& operator=(const BookCache&) = delete;

  // AddListener / RemoveListener
  //
  // `listener` (not owned) is called after every applied message that republished books. After
  // RemoveListener returns, the listener is not called again and no call is in progress.
  void AddListener(TouchListener* listener);
  void RemoveListener(TouchListener* listener);

  // ---- Writer side (one FeedSubscriber per shard) ----

  // BeginStream
  //
  // A new StreamBooks stream from `shard` starts: every book the shard owns becomes untrusted
  // until this stream re-snapshots it, and books the stream does not include by the end of its
  // initial burst are removed.
  void BeginStream(ShardId shard);

  // EndStream
  //
  // The stream from `shard` ended (error, stall, restart or Stop): every book it owns becomes
  // untrusted at once, so lanes stop using books nobody keeps current.
  void EndStream(ShardId shard);

  // Apply
  //
  // Applies one message received on `shard`'s current stream. Snapshots replace the book (any
  // sequence, any epoch); a delta group is applied whole and then published; status updates
  // change the status (QUARANTINED -> LIVE only by snapshot); a heartbeat proves the shard alive
  // and, with initial_snapshot_complete, ends the initial burst; PRICE_GRID_CHANGED makes the book
  // untrusted until the snapshot that follows. Trades and other catalog updates are ignored.
  // Errors: DataLoss when the stream broke the contract in a way that leaves a book unusable
  // (a delta whose sequence is not last + 1, a delta for a book not (re)snapshotted on this
  // stream, a malformed delta or snapshot). The book concerned is untrusted; the caller must
  // restart the stream to get fresh snapshots. Survivable oddities are counted, not returned.
  [[nodiscard]] absl::Status Apply(ShardId shard, const arbor::v1::BookUpdate& update);

  // ---- Reader side (any thread) ----

  // The current view of `key`, or nullptr if the cache has never had it.
  BookViewPtr Find(const BookKey& key) const;
  // Views of `keys` taken under one lock (nullptr for unknown keys): mutually consistent at a
  // message boundary, e.g. both outcome tokens of one market after one venue event.
  std::vector<BookViewPtr> FindAll(absl::Span<const BookKey> keys) const;

  // IsFresh
  //
  // True iff the book is Tradeable() and its owning shard's stream is up and was heard from (any
  // message, heartbeats included) or the book was updated within `max_age` of now. A quiet book
  // on a live stream stays fresh: the shard reports venue silence itself with a STALE status.
  bool IsFresh(const BookKey& key, absl::Duration max_age) const;
  // How long ago the book was last confirmed current (the later of its last update and its
  // shard's last message), in the same sense as IsFresh; nullopt if the book is unknown, not
  // Tradeable() or its shard's stream is down.
  std::optional<int64_t> ConfirmedAgeNanos(const BookKey& key) const;

  // TakeResolutions
  //
  // The resolved instruments received since the last call, in arrival order (at most 65 536 are
  // kept between calls; the lane thread takes them every turn).
  std::vector<ResolvedInstrument> TakeResolutions();

  // Every key in the cache (unordered).
  std::vector<BookKey> Keys() const;
  BookCacheStats Stats() const;
  // Whether `shard`'s current stream has delivered its initial burst.
  bool ShardSynced(ShardId shard) const;

 private:
  struct Entry {
    BookViewPtr view;
    // Stream generation of the shard when the book was last snapshotted.
    uint64_t generation = 0;
  };
  struct ShardState {
    uint64_t generation = 0;
    bool streaming = false;
    bool synced = false;
    int64_t last_heard_mono = 0;
  };
  using Touched = std::vector<BookKey>;

  ShardState& Shard(ShardId shard);
  // Publishes an untrusted, emptied copy of the entry's book.
  void Untrust(Entry& entry, int64_t now, Touched* touched);
  void UntrustShard(ShardId shard, int64_t now, Touched* touched);
  [[nodiscard]] absl::Status ApplySnapshot(ShardId shard, const arbor::v1::BookSnapshot& s,
                                           int64_t now, Touched* touched);
  [[nodiscard]] absl::Status ApplyDeltas(ShardId shard, const arbor::v1::BookDeltas& group,
                                         int64_t now, Touched* touched);
  void ApplyStatus(ShardId shard, const arbor::v1::BookStatusUpdate& s, int64_t now,
                   Touched* touched);
  void EndInitialBurst(ShardId shard, Touched* touched);
  void Notify(const Touched& touched);

  const Clock* const clock_;

  // std::mutex rather than absl::Mutex: the system Abseil has no sanitizer annotations.
  mutable std::mutex mu_;
  absl::flat_hash_map<BookKey, Entry> books_;
  std::vector<ShardState> shards_;
  BookCacheStats counters_;  // counter fields only; the census is computed by Stats()
  static constexpr size_t kMaxPendingResolutions = 65'536;
  std::vector<ResolvedInstrument> resolutions_;

  // Held while calling listeners, so RemoveListener waits for calls in progress.
  std::mutex listeners_mu_;
  std::vector<TouchListener*> listeners_;
};

}  // namespace arbor::scanner
