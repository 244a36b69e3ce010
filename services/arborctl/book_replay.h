// File: services/arborctl/book_replay.h
//
// `arborctl book replay`: feeds recorded venue frames (one raw frame per line, exactly as
// received) through the production codecs and books, and prints the final books as JSON.
// Used for incident analysis and as the end-to-end check of codecs + books.
//
// Output (stdout): one JSON object keyed by asset id (Polymarket token id / Kalshi market
// ticker), keys sorted, each value
//   {"tick_size":"0.01","bids":[["0.5","200"],...],"asks":[...],"hash":"..."}
// with levels best-first as exact decimal strings; "hash" (Polymarket only) is the last venue
// hash seen for the asset; "state" is present when the book is not live ("quarantined",
// "awaiting_snapshot", "stale").
// Diagnostics (stderr): every malformed or rejected line with its line number and reason, then
// a summary line.
//
// Capture files (arbor::feed_capture, docs/feed.md) are accepted too: when the first non-blank
// line is a capture header (or --capture is given), every line is a capture record and the
// frames of records whose venue is the chosen --venue are replayed in file order (other venues
// are skipped and counted). Later header lines (concatenated files) are validated and skipped;
// an unsupported capture version is a usage error (exit 1). A directory argument replays its
// capture-*.jsonl files in name (= creation) order.
#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "arbor/core/ids.h"

namespace arbor::arborctl {

struct BookReplayOptions {
  Venue venue = Venue::kPolymarket;
  // Malformed lines are fatal: stop at the first one and exit 2.
  bool strict = false;
  // The input must be a capture (a missing header is a usage error). Without it, captures are
  // still recognised by their header line.
  bool capture = false;
  // Known tick sizes (Polymarket: token id -> tick such as "0.001"); others are inferred.
  std::vector<std::pair<std::string, std::string>> tick_sizes;
};

// Line counts of one replay, printed as the summary.
struct BookReplayStats {
  int lines = 0;        // non-blank lines read
  int applied = 0;      // frames decoded and applied
  int malformed = 0;    // frames that failed to decode (bad JSON, bad values)
  int unknown = 0;      // well-formed frames of an event type we do not know
  int rejected = 0;     // decoded frames whose application a book refused (off-grid, ...)
  int other_venue = 0;  // capture records of another venue, skipped
};

// Exit codes of the command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitMalformedStrict = 2;

// Replays `in` and writes the books to `out` and diagnostics to `err`. Returns the exit code.
// `stats` (optional) receives the counts.
int RunBookReplay(const BookReplayOptions& options, std::istream& in, std::ostream& out,
                  std::ostream& err, BookReplayStats* stats = nullptr);

// Like RunBookReplay over several inputs replayed one after the other into the same books (the
// files of a capture directory); diagnostics name the input. `names` and `inputs` are parallel.
int RunBookReplayInputs(const BookReplayOptions& options, const std::vector<std::string>& names,
                        const std::vector<std::istream*>& inputs, std::ostream& out,
                        std::ostream& err, BookReplayStats* stats = nullptr);

// Parses `arborctl book replay` arguments (after "book replay") and runs it on the named file or
// stdin. Returns the exit code.
int BookReplayMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
