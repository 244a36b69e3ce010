// File: services/arborctl/venue_replayer.h
//
// The per-venue half of `arborctl book replay`: decode one recorded frame with the production
// codec, apply it to the production book set, and serialise the final books. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "arbor/book/order_book.h"
#include "arbor/core/json_writer.h"

namespace arbor::arborctl {

// What happened to one frame.
enum class FrameOutcome {
  kApplied,    // decoded and applied (including frames that carry no book data, e.g. PONG)
  kMalformed,  // the frame did not decode: nothing from it was applied
  kUnknown,    // well-formed, but of an event/message type we do not know: skipped
  kRejected,   // decoded, but a book refused it (off-grid price, negative level, ...)
};

struct FrameResult {
  FrameOutcome outcome = FrameOutcome::kApplied;
  absl::Status status;  // the reason for anything but kApplied
};

class VenueReplayer {
 public:
  virtual ~VenueReplayer() = default;
  virtual FrameResult ApplyFrame(std::string_view frame) = 0;
  // Writes one JSON object keyed by asset id, keys sorted.
  virtual void WriteBooks(JsonWriter& out) const = 0;
};

// Writes {"tick_size":..., "bids":[[p,s],...], "asks":[...]} members (without the enclosing
// braces' siblings) for `book`; shared by both venues.
void WriteBookLevels(const book::OrderBook& book, JsonWriter& out);

// Polymarket: tick sizes given as (token id, tick) pairs; others are inferred by the book set.
[[nodiscard]] absl::Status MakePolymarketReplayer(
    const std::vector<std::pair<std::string, std::string>>& tick_sizes,
    std::unique_ptr<VenueReplayer>* out);

// Kalshi: one YES book per market ticker (NO bids appear as asks at 1 - p).
std::unique_ptr<VenueReplayer> MakeKalshiReplayer();

}  // namespace arbor::arborctl
