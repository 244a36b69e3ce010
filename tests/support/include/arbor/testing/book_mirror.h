// File: arbor/testing/book_mirror.h
//
// BookMirror: a StreamBooks consumer's view of the books, rebuilt from arbor.v1.BookUpdate
// messages exactly as a scanner must (snapshot replaces, deltas apply with absolute sizes and
// must continue the book's sequence by +1). It checks the stream contract as it goes and
// counts every violation, so a test can assert both "the books converged" and "the stream was
// well-formed". Thread-safe: one reader thread applies, the test thread inspects.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "arbor/v1/book.pb.h"

namespace arbor::testing {

// One side: price micros → size micros.
using Ladder = std::map<int64_t, int64_t>;

struct MirroredBook {
  Ladder bids;
  Ladder asks;
  uint64_t sequence = 0;
  arbor::v1::BookStatus status = arbor::v1::BOOK_STATUS_UNSPECIFIED;
  uint64_t snapshots = 0;
  std::string last_status_reason;  // reason of the last BookStatusUpdate
  // settlement_price_micros of the last InstrumentUpdate RESOLVED (-1: none).
  int64_t settlement_price_micros = -1;
};

struct MirrorStats {
  uint64_t messages = 0;
  uint64_t snapshots = 0;
  uint64_t coalesced_snapshots = 0;
  uint64_t delta_groups = 0;
  uint64_t status_updates = 0;
  uint64_t resolutions = 0;  // InstrumentUpdate RESOLVED
  uint64_t heartbeats = 0;
  bool initial_burst_complete = false;
  // Contract violations: a delta for a book never snapshotted, a sequence that does not
  // continue by +1, a group whose last delta lacks F_LAST (or an earlier one has it), an
  // unsorted snapshot side.
  uint64_t violations = 0;
  std::vector<std::string> violation_samples;  // first few, for messages
};

class BookMirror {
 public:
  void Apply(const arbor::v1::BookUpdate& update);

  MirrorStats stats() const;
  // Copies of the books, keyed by "<venue number>/<symbol>".
  std::map<std::string, MirroredBook> books() const;
  static std::string Key(const arbor::v1::InstrumentId& id);

 private:
  void Violation(std::string what);

  mutable std::mutex mu_;
  std::map<std::string, MirroredBook> books_;
  MirrorStats stats_;
};

}  // namespace arbor::testing
