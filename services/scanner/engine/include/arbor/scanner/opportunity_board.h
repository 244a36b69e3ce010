// File: arbor/scanner/opportunity_board.h
//
// OpportunityBoard: the scanner's set of live opportunities and its subscribers — the state
// behind Scanner.StreamOpportunities and ListOpportunities.
//
// The lane thread feeds it one engine pass at a time with the instruments that pass re-evaluated:
//
//   board.Apply(touched_keys, /*full_rescan=*/false, std::move(result.opportunities), now);
//   board.Expire(now);                 // withdraws what passed expires_unix_nanos
//
// Lifecycle of an opportunity (each change is streamed to every matching subscriber):
//   - published when a pass emits an id that is not live;
//   - a re-detection (same id: same legs, prices, sizes and source book sequences) changes nothing;
//   - SUPERSEDED when a pass emits a different id with the same group_key (same legs, new books);
//   - EDGE_GONE / BOOK_UNHEALTHY when a pass re-evaluated one of its source books and did not
//     emit it again (BOOK_UNHEALTHY if the `book_healthy` callback says a source book is no longer
//     tradeable), or on a full rescan that did not emit it;
//   - EXPIRED when expires_unix_nanos passes.
//
// Subscribers get, atomically with registration, every live matching opportunity, then a
// heartbeat with initial_snapshot_complete, then changes. Each subscriber's queue is bounded:
// on overflow the OLDEST queued opportunity is dropped (a stale opportunity is worthless; a
// withdrawal is kept because it is small and tells the executor to stop) and counted.
//
// Thread-safety: every member is thread-safe. Apply/Expire come from one lane thread; List,
// Subscribe and the subscriptions from gRPC threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arbor/lanes/inputs.h"
#include "arbor/v1/scanner_service.pb.h"

namespace arbor::scanner {

// ValidateFilter
//
// InvalidArgument (with the reason) for an OpportunityFilter naming an unknown or unspecified
// lane or venue, a negative min_expected_profit_micros, or an empty event id.
[[nodiscard]] absl::Status ValidateFilter(const arbor::v1::OpportunityFilter& filter);

// Whether `o` passes `filter` (service semantics: ANDed conditions, empty lists match all; venues
// must cover every leg — SPLIT/MERGE/CONVERT legs are Polymarket operations).
bool MatchesFilter(const arbor::v1::OpportunityFilter& filter, const arbor::v1::Opportunity& o);

// One subscriber's bounded queue (see OpportunityBoard::Subscribe).
class Subscription {
 public:
  // Next update, waiting up to `timeout`; false on timeout or once closed and drained.
  bool Next(arbor::v1::OpportunityUpdate* out, absl::Duration timeout);
  // Updates dropped for this subscriber (the overflow policy above), monotonic.
  uint64_t dropped() const;
  // Wakes Next for good.
  void Close();
  const arbor::v1::OpportunityFilter& filter() const { return filter_; }

 private:
  friend class OpportunityBoard;
  Subscription(arbor::v1::OpportunityFilter filter, size_t capacity)
      : filter_(std::move(filter)), capacity_(capacity) {}
  // Caller holds no lock; takes mu_.
  void Push(arbor::v1::OpportunityUpdate update);

  const arbor::v1::OpportunityFilter filter_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<arbor::v1::OpportunityUpdate> queue_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

struct OpportunityBoardOptions {
  // Per-subscriber queue bound (the initial replay may exceed it once).
  size_t subscriber_queue = 4096;
};

// Counters by lane (arbor.v1.Lane value).
struct BoardLaneStats {
  uint64_t published = 0;
  uint32_t live = 0;
  int64_t last_published_unix_nanos = 0;
};

struct BoardStats {
  std::map<int, BoardLaneStats> lanes;  // by arbor::v1::Lane
  // Withdrawals by arbor::v1::WithdrawalReason.
  std::map<int, uint64_t> withdrawals;
  uint64_t redetections = 0;  // emitted ids that were already live
  size_t subscribers = 0;
  uint64_t subscriber_drops = 0;  // over every subscriber since start
};

class OpportunityBoard {
 public:
  // True iff the instrument's book can still back an opportunity (tradeable and fresh).
  using BookHealthFn = std::function<bool(const lanes::InstrumentKey&)>;

  explicit OpportunityBoard(OpportunityBoardOptions options = {});

  // Apply
  //
  // One engine pass: `opportunities` as emitted for the units touching `touched` (or for every
  // unit when `full_rescan`). Publishes, supersedes and withdraws as described above.
  // `book_healthy` may be empty (then EDGE_GONE is used). Copies of the newly published
  // opportunities are appended to `published` if given. Returns the number of updates streamed.
  size_t Apply(absl::Span<const lanes::InstrumentKey> touched, bool full_rescan,
               std::vector<arbor::v1::Opportunity> opportunities, int64_t now_unix_nanos,
               const BookHealthFn& book_healthy = {},
               std::vector<arbor::v1::Opportunity>* published = nullptr);

  // Expire
  //
  // Withdraws (EXPIRED) every live opportunity with expires_unix_nanos <= now. Returns how many.
  size_t Expire(int64_t now_unix_nanos);

  // List
  //
  // Live opportunities matching `filter`, by expected_profit_micros descending, then id.
  std::vector<arbor::v1::Opportunity> List(const arbor::v1::OpportunityFilter& filter) const;

  // Subscribe / Unsubscribe
  //
  // Registers a subscriber and queues its initial replay (every live match, then the
  // initial_snapshot_complete heartbeat) under the board lock, so no change is missed or doubled.
  std::shared_ptr<Subscription> Subscribe(arbor::v1::OpportunityFilter filter);
  void Unsubscribe(const std::shared_ptr<Subscription>& subscription);

  size_t live() const;
  BoardStats Stats() const;

 private:
  struct Live {
    arbor::v1::Opportunity opportunity;
    std::vector<lanes::InstrumentKey> sources;
  };

  // Caller holds mu_.
  void Withdraw(const std::string& id, arbor::v1::WithdrawalReason reason,
                const std::string& superseded_by, int64_t now, size_t* streamed);
  void Broadcast(const arbor::v1::OpportunityUpdate& update, const arbor::v1::Opportunity& o,
                 size_t* streamed);

  const OpportunityBoardOptions options_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Live> live_;           // by opportunity_id
  absl::flat_hash_map<std::string, std::string> groups_;  // group_key -> live opportunity_id
  absl::flat_hash_map<lanes::InstrumentKey, absl::flat_hash_set<std::string>> by_source_;
  std::vector<std::shared_ptr<Subscription>> subscribers_;
  BoardStats stats_;
};

}  // namespace arbor::scanner
