// File: services/arborctl/scan_input.h
//
// The input of `arborctl scan`: one JSON document with the books (as `arborctl book replay`
// prints them, one object per venue), the catalog entries (arbor.v1.Market / arbor.v1.Event in
// proto3 JSON, exactly as FeedShard.ListMarkets returns them) and an optional evaluation time:
//
//   {"books":{"polymarket":{"<token id>":{"tick_size":"0.01","bids":[["0.44","100"]],
//                                         "asks":[["0.45","100"]]}, ...},
//             "kalshi":{"<market ticker>":{...}}},
//    "markets":[{"marketId":"0xabc","venue":"VENUE_POLYMARKET",...}, ...],
//    "events":[{...}, ...],
//    "now_unix_nanos":1700000000000000000}
//
//   ARBOR_ASSIGN_OR_RETURN(ScanInput input, ParseScanInput(text));
//   StaticBookReader reader(input.books);
//
// Parsing is strict: unknown keys (top level, book objects, catalog fields) are errors, and every
// error names the JSON path of the offending value ("books.polymarket[\"1111\"].bids[2][0]: ...").
//
// Kalshi books are keyed by market ticker (one venue book: YES bids, and YES asks = 1 - NO bids).
// They become the two instruments the catalog uses (common.proto InstrumentId): "<ticker>:YES"
// with the book as printed, and "<ticker>:NO" with its complement (NO bids = 1 - YES asks, NO asks
// = 1 - YES bids, sizes unchanged) -- the same presentation as the feed shard's
// OutcomePairPublisher.
//
// Thread-safety: ParseScanInput is reentrant; StaticBookReader is immutable after construction,
// so concurrent Reads are safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "arbor/book/level.h"
#include "arbor/lanes/inputs.h"
#include "arbor/v1/market.pb.h"

namespace arbor::arborctl {

// One instrument's book as given (Kalshi: already split into the YES / NO instruments).
struct ScanBook {
  std::vector<book::Level> bids;  // best (highest) first
  std::vector<book::Level> asks;  // best (lowest) first
  // Live unless the input's "state" says otherwise: "stale" -> kStale, any other state (e.g.
  // "quarantined", "awaiting_snapshot", "seq_gap") -> kQuarantined.
  lanes::BookStatus status = lanes::BookStatus::kLive;
  // The input's "state" text ("" when live), for diagnostics.
  std::string state;
};

struct ScanInput {
  // Instrument -> book. Shared so a StaticBookReader can hand out LaneBook owners.
  absl::flat_hash_map<lanes::InstrumentKey, std::shared_ptr<const ScanBook>> books;
  std::vector<arbor::v1::Market> markets;
  std::vector<arbor::v1::Event> events;
  // "now_unix_nanos" when given (> 0).
  std::optional<int64_t> now_unix_nanos;
};

// ParseScanInput
//
// Parses the document described in the file comment. Every key is optional ("books", "markets",
// "events", "now_unix_nanos"). Errors (all InvalidArgument, message starting with the JSON path):
// malformed JSON; a value of the wrong type; an unknown key; a venue other than polymarket /
// kalshi; a Kalshi book key that is not a bare ticker; a level that is not ["price","size"] exact
// decimal strings with 0 < price < 1 and size > 0; a ladder not strictly best-first; a catalog
// entry proto3 JSON rejects (unknown field, bad enum, ...); now_unix_nanos not a positive integer
// (a JSON integer or a decimal string, proto3 JSON's int64 form).
[[nodiscard]] absl::StatusOr<ScanInput> ParseScanInput(std::string_view json);

// StaticBookReader: a lanes::BookReader over fixed books. Every book is fresh (an offline scan
// has no clock to be stale against), sequence and epoch 0, timestamps 0 (unknown); status as
// parsed.
class StaticBookReader final : public lanes::BookReader {
 public:
  // `books` is copied (the shared pointers, not the books).
  explicit StaticBookReader(
      absl::flat_hash_map<lanes::InstrumentKey, std::shared_ptr<const ScanBook>> books)
      : books_(std::move(books)) {}

  std::optional<lanes::LaneBook> Read(const lanes::InstrumentKey& key,
                                      absl::Duration max_age) const override;

 private:
  absl::flat_hash_map<lanes::InstrumentKey, std::shared_ptr<const ScanBook>> books_;
};

}  // namespace arbor::arborctl
