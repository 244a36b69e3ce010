// File: services/arborctl/replay/replay_books.h
//
// ReplayBookFeed: the feed shard's half of `arborctl replay`. Each capture record's frame goes
// through the production codecs and book sets (Polymarket MarketFrameDecoder + BookSet, Kalshi
// WsFrameDecoder + BookSet — the same objects `arborctl book replay` and the feed use), and every
// book the frame changed is republished into the scanner's BookCache as a BookSnapshot, the
// message a feed shard streams. Kalshi books are published as the two instruments the API
// promises, "<ticker>:YES" and "<ticker>:NO" (the NO side is the complement of the YES book), as
// the feed's OutcomePairPublisher does. A book that is not live after the frame (quarantined, a
// sequence gap, dropped by a tick-size change) is published QUARANTINED, so lanes stop using it.
//
// The cache sees one always-up stream (shard 0); a heartbeat per record keeps quiet books fresh
// as a live feed's heartbeats do. Malformed frames are counted and skipped, never fatal.
//
// Not thread-safe: the replay loop owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arbor/core/clock.h"
#include "arbor/core/ids.h"
#include "arbor/scanner/book_cache.h"

namespace arbor::arborctl {

struct ReplayFeedStats {
  int64_t records = 0;    // capture records applied
  int64_t applied = 0;    // frames decoded and applied
  int64_t malformed = 0;  // frames that did not decode
  int64_t unknown = 0;    // well-formed frames of an event type the codec does not know
  int64_t rejected = 0;   // decoded frames a book refused (off grid, gap, unknown market)
  int64_t snapshots = 0;  // BookSnapshots published into the cache
};

class ReplayBookFeed {
 public:
  // `cache` and `clock` (not owned) must outlive the feed; the clock stamps heartbeats.
  ReplayBookFeed(scanner::BookCache* cache, const Clock* clock);
  ~ReplayBookFeed();
  ReplayBookFeed(const ReplayBookFeed&) = delete;
  ReplayBookFeed& operator=(const ReplayBookFeed&) = delete;

  // Applies one frame received at `recv_unix_ns` from `venue` and republishes the books it
  // touched.
  void Apply(Venue venue, int64_t recv_unix_ns, std::string_view frame);

  const ReplayFeedStats& stats() const { return stats_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ReplayFeedStats stats_;
};

}  // namespace arbor::arborctl
