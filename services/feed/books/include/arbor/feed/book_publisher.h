// File: arbor/feed/book_publisher.h
//
// BookPublisher: the one door between a feed shard's venue connections (and its REST
// reconciler / poller) and the StreamBooks fan-out. It owns each instrument's publish state:
//
//   kAwaitingSnapshot  registered, no trusted book yet (start, reconnect, tick-size change)
//   kLive              trusted: level changes are published as deltas
//   kStale             trusted contents, but no venue data for too long (deltas still apply)
//   kQuarantined       failed a check; contents invalid until the next good snapshot
//   kClosed            market resolved / dropped from the universe; nothing more is published
//
// Snapshots are validated before anything reaches subscribers: prices strictly inside (0, 1),
// sizes > 0, no price twice on a side, on the instrument's tick grid when one is known, and
// neither crossed nor locked (best bid < best ask). A failing snapshot quarantines the book
// (status QUARANTINED with the reason) and returns the error; the caller should resync.
// Level changes are published only while the book is kLive or kStale; the caller (which owns
// the venue-side OrderBook) checks the crossed state after applying an event and calls
// Quarantine() when it fails, because only it sees the whole book cheaply.
//
// Sequences: the publisher assigns the per-instrument book sequence (BookDelta.sequence), +1
// per level change, continuing across snapshots within one process (the gRPC layer adds the
// epoch). Every publish records receive → publish latency for the latency observer (the
// stream's receipt → gRPC write latency is measured by the server, from EventTimes).
//
// Timestamps: every snapshot and delta group carries EventTimes (venue event time, frame receipt
// time in wall and monotonic terms). The overloads taking only `receive_nanos` (monotonic; the
// REST reconciler / poller) derive the wall receipt time from the clock: now - (mono now -
// receive_nanos), with no venue event time.
//
// Trades: PublishTrade forwards a public trade print to the fan-out with the instrument's key
// (it goes to include_trades subscribers only). Trades are independent of the book state (they
// are published while a book awaits a snapshot), but not for closed or unknown instruments.
//
// Thread-safety: all members are thread-safe (one mutex; the fan-out has its own). Different
// venue connections call it concurrently for disjoint instruments.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "arbor/book/level.h"
#include "arbor/core/clock.h"
#include "arbor/core/fixed_point.h"
#include "arbor/core/ids.h"
#include "arbor/feed/book_fanout.h"

namespace arbor::feed {

enum class PublishState { kAwaitingSnapshot, kLive, kStale, kQuarantined, kClosed };

// "awaiting_snapshot", "live", "stale", "quarantined", "closed" (metric label values).
std::string_view PublishStateName(PublishState state);

// Why a full book is published; decides the snapshot reason subscribers see.
enum class SnapshotSource {
  kVenue,      // the venue sent a book (initial subscribe, Polymarket `book`, Kalshi snapshot)
  kResync,     // after a reconnect, a sequence gap or a get_snapshot
  kRest,       // a REST snapshot (reconciliation repair or POLL mode)
  kGridChange  // first book after a tick-size change
};

// Book counts of one venue by state.
struct PublishStateCounts {
  uint32_t instruments = 0;
  uint32_t awaiting = 0;
  uint32_t live = 0;
  uint32_t stale = 0;
  uint32_t quarantined = 0;
  uint32_t closed = 0;
};

// Monotonic counters (since start) of one venue.
struct PublisherCounters {
  uint64_t snapshots = 0;           // snapshots published
  uint64_t delta_groups = 0;        // PublishChanges calls published
  uint64_t level_changes = 0;       // level changes published
  uint64_t rejected_snapshots = 0;  // snapshots refused by validation (book quarantined)
  uint64_t quarantines = 0;         // transitions into kQuarantined
  uint64_t stale_marks = 0;         // transitions into kStale
  uint64_t dropped_changes = 0;     // PublishChanges refused (book not live/stale or unknown)
  uint64_t trades = 0;              // trades published
};

class BookPublisher {
 public:
  // `fanout` and `clock` must outlive the publisher. `clock` stamps latency (MonotonicNanos).
  BookPublisher(BookFanout* fanout, const Clock* clock);
  BookPublisher(const BookPublisher&) = delete;
  BookPublisher& operator=(const BookPublisher&) = delete;

  // Called with (venue, receive → publish latency in ns) after every published snapshot or
  // delta group whose receive time was given (> 0). Set once, before any publish.
  void SetLatencyObserver(std::function<void(Venue, int64_t)> observer);

  // AddInstrument
  //
  // Registers an instrument this shard owns (kAwaitingSnapshot), or updates the key of a known
  // one. `tick` is the authoritative grid when known (snapshots off it are refused). A closed
  // instrument that is added again becomes kAwaitingSnapshot.
  void AddInstrument(const InstrumentKey& key, std::optional<Price> tick = std::nullopt);

  // SetTick
  //
  // Records a new authoritative tick (tick_size_change). The book goes to kAwaitingSnapshot
  // (subscribers see status QUARANTINED "TickSizeChange") until the next snapshot, which is
  // published with reason PRICE_GRID_CHANGED semantics (SnapshotSource::kGridChange is implied).
  // Errors: NotFound for an unknown instrument.
  [[nodiscard]] absl::Status SetTick(const InstrumentId& id, Price tick);

  // CloseInstrument
  //
  // The market resolved or left the shard's universe: status CLOSED with `reason`, and every
  // later publish is refused. `settlement_price_micros` (a resolution: 1_000_000 for the winning
  // outcome, 0 for a losing one) travels with the status to subscribers, who learn the outcome
  // from it (the gRPC layer turns it into InstrumentUpdate RESOLVED); a book closed earlier
  // without one (deactivated, then determined) still publishes it, once. A book the fan-out has
  // never seen (no snapshot yet) has no subscribers to tell. Errors: NotFound for an unknown
  // instrument; InvalidArgument for a settlement outside [0, 1_000_000].
  [[nodiscard]] absl::Status CloseInstrument(
      const InstrumentId& id, std::string_view reason,
      std::optional<int64_t> settlement_price_micros = std::nullopt);

  // PublishSnapshot
  //
  // Validates and publishes a full book (levels in any order). On success the book is kLive.
  // `receive_nanos`: Clock::MonotonicNanos() when the frame/response arrived (0 = unknown).
  // Errors: NotFound (unknown instrument), FailedPrecondition (closed), InvalidArgument /
  // OutOfRange naming the failed check (the book is then quarantined with that reason).
  // `venue_tick`: the tick the venue reported with this book (REST /book tick_size); when it
  // differs from the known tick it is adopted first (a tick change seen through REST).
  [[nodiscard]] absl::Status PublishSnapshot(const InstrumentId& id,
                                             absl::Span<const book::Level> bids,
                                             absl::Span<const book::Level> asks,
                                             SnapshotSource source, int64_t receive_nanos = 0,
                                             std::optional<Price> venue_tick = std::nullopt);
  // As above with explicit timestamps (`times.receipt_mono_nanos` is the receive time).
  [[nodiscard]] absl::Status PublishSnapshot(const InstrumentId& id,
                                             absl::Span<const book::Level> bids,
                                             absl::Span<const book::Level> asks,
                                             SnapshotSource source, const EventTimes& times,
                                             std::optional<Price> venue_tick = std::nullopt);

  // PublishChanges
  //
  // Publishes one venue event's absolute level changes (total 0 deletes) as one delta group.
  // A kStale book becomes kLive again (status LIVE is sent first). Errors: NotFound (unknown),
  // FailedPrecondition (awaiting a snapshot, quarantined or closed; counted in
  // dropped_changes), InvalidArgument (empty, price outside (0, 1), negative total, off the
  // known tick grid — the book is then quarantined).
  [[nodiscard]] absl::Status PublishChanges(const InstrumentId& id,
                                            absl::Span<const LevelChange> changes,
                                            int64_t receive_nanos = 0);
  // As above with explicit timestamps.
  [[nodiscard]] absl::Status PublishChanges(const InstrumentId& id,
                                            absl::Span<const LevelChange> changes,
                                            const EventTimes& times);

  // PublishTrade
  //
  // Publishes one public trade of `id` (price in the instrument's terms, in (0, 1]; size > 0).
  // Errors: NotFound (unknown), FailedPrecondition (closed), InvalidArgument (price / size).
  [[nodiscard]] absl::Status PublishTrade(const InstrumentId& id, const TradePrint& trade);

  // The EventTimes of a frame received at monotonic `receive_nanos` (0 = unknown: receipt is
  // now, no latency), derived from the clock as described in the file comment.
  EventTimes TimesFromMonotonic(int64_t receive_nanos) const;

  // MarkStale
  //
  // No venue data for the book for too long: kLive → kStale with `reason` ("NoDataTimeout").
  // No-op in any other state. Errors: NotFound.
  [[nodiscard]] absl::Status MarkStale(const InstrumentId& id, std::string_view reason);

  // MarkLive
  //
  // Fresh venue data confirmed an unchanged kStale book: kStale → kLive. No-op otherwise.
  [[nodiscard]] absl::Status MarkLive(const InstrumentId& id);

  // Quarantine
  //
  // The book failed a check (crossed after a delta, sequence gap, REST divergence, a
  // connection lost): kLive/kStale/kAwaitingSnapshot → kQuarantined with `reason` (stable
  // CamelCase). Deltas are refused until the next good snapshot. No-op when closed.
  [[nodiscard]] absl::Status Quarantine(const InstrumentId& id, std::string_view reason);

  // ExpectSnapshot
  //
  // The book's source is gone (its connection dropped, a resubscribe will resend it):
  // → kAwaitingSnapshot, subscribers see status QUARANTINED with `reason`. No-op when closed.
  [[nodiscard]] absl::Status ExpectSnapshot(const InstrumentId& id, std::string_view reason);

  // Queries.
  std::optional<PublishState> State(const InstrumentId& id) const;
  std::optional<Price> Tick(const InstrumentId& id) const;
  // Current book sequence (0 before the first publish).
  uint64_t Sequence(const InstrumentId& id) const;
  PublishStateCounts Counts(Venue venue) const;
  PublisherCounters Counters(Venue venue) const;
  // True when every registered, non-closed instrument is kLive or kStale (readiness).
  bool AllTrusted() const;
  // Instruments of `venue` that are neither kLive nor kClosed (awaiting, stale, quarantined):
  // the "suspect" books HYBRID mode polls. Sorted; allocates.
  std::vector<InstrumentId> Untrusted(Venue venue) const;
  // Registered instruments of `venue` (sorted by id); allocates.
  std::vector<InstrumentId> Instruments(Venue venue) const;

 private:
  struct Entry {
    InstrumentKey key;
    std::optional<Price> tick;
    PublishState state = PublishState::kAwaitingSnapshot;
    bool published = false;  // the fan-out knows the book
    bool resolved = false;   // its settlement has been published
    uint64_t sequence = 0;
  };

  absl::Status ValidateSnapshot(const Entry& entry, absl::Span<const book::Level> bids,
                                absl::Span<const book::Level> asks) const;
  absl::Status SetFanoutStatus(Entry& entry, BookStatus status, std::string_view reason,
                               std::optional<int64_t> settlement_price_micros = std::nullopt);
  void Transition(Entry& entry, PublishState to);
  void ObserveLatency(Venue venue, int64_t receive_nanos);

  BookFanout* fanout_;
  const Clock* clock_;
  std::function<void(Venue, int64_t)> latency_observer_;
  mutable std::mutex mu_;
  absl::flat_hash_map<InstrumentId, Entry> entries_;
  PublisherCounters counters_[2];
  PublishStateCounts counts_[2];
};

}  // namespace arbor::feed
