// File: services/arborctl/replay/replay_runner.h
//
// RunReplay: one deterministic backtest. A capture (the feed's files, with the catalog snapshots
// the feed writes beside them) is replayed through the production scanner and executor code in
// paper mode, in one thread, on a SimulatedClock that follows the records' receive times:
//
//   capture record --ReplayBookFeed--> BookCache --CacheBookReader--> ScanEngine (the lanes)
//     --SettleGate--> OpportunityBoard --(each newly published opportunity)-->
//     ExecutionEngine::Submit (RiskEngine, intent in PostgreSQL) --Step()--> PaperGateway
//     (seeded PaperFillModel against the replayed books, via FeedBooks)
//
// which is the arbor-scanner lane loop and the arbor-executor scanner subscription without the
// gRPC hops. Nothing reads the wall clock, execution ids derive from opportunity ids and the fill
// model is seeded, so the same capture, configuration and seed give the same session — at any
// replay speed. The executor's store is a real PostgreSQL database that must hold no executions
// (the replay command creates a fresh one per run).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "arbor/core/fixed_point.h"
#include "arbor/exec/paper_fill_model.h"
#include "arbor/lanes/venue_mapping.h"
#include "arbor/v1/control.pb.h"
#include "replay_books.h"

namespace arbor::arborctl {

struct ReplayConfig {
  // A capture file or a directory of capture-*.jsonl files.
  std::string capture;
  // Directory with the catalog-*.json snapshots (default: the capture directory, or the
  // directory of the capture file). Each takes effect at its time; the first one also before
  // any earlier record.
  std::string catalog_dir;
  // Lanes. cross_venue needs `mapping`.
  bool binary = true;
  bool negrisk = true;
  bool cross_venue = false;
  std::optional<lanes::VenueMapping> mapping;
  // LaneConfig overrides for every lane (docs/lanes.md).
  std::optional<Price> min_edge;
  std::optional<Money> min_profit;
  std::optional<Price> max_edge;
  // Scanner settle gate (arbor-scanner --settle).
  absl::Duration settle = absl::Milliseconds(25);
  // Executor: libpq connection string of an empty database; the limits it trades under.
  std::string pg_conninfo;
  v1::PolicyLimits limits;
  uint64_t seed = 1;  // paper fill model (Polymarket seed, Kalshi seed + 1, as arbor-executor)
  exec::PaperFillParams paper;
  int64_t max_unwind_loss_micros = 30'000;
  // Capture seconds per wall second; 0 = as fast as possible.
  double speed = 0;
  // Capture time the replay keeps stepping the executor after the last record, so legs in
  // flight finish (bounded; whatever is still open is reported as open).
  absl::Duration drain = absl::Seconds(10);
  // Session meta.
  std::string name;  // meta.scenario
  std::string git_commit;
};

struct ReplayProgress {
  int64_t records_done = 0;
  int64_t records_total = 0;
  int64_t capture_start_unix_nanos = 0;
  int64_t capture_end_unix_nanos = 0;
  int64_t capture_now_unix_nanos = 0;
  int64_t opportunities = 0;
  int64_t executions = 0;
};

struct ReplayResult {
  std::string session_json;  // the report's session input
  ReplayFeedStats feed;
  int64_t records = 0;
  int64_t catalogs = 0;       // catalog snapshots applied
  int64_t opportunities = 0;  // published by the board (all lanes)
  int64_t accepted = 0;       // executions accepted by the executor
  int64_t denied = 0;         // refused by the risk engine
  int64_t duplicates = 0;
  int64_t submit_errors = 0;  // refused as invalid (e.g. legs the executor cannot act on)
  int64_t open_at_end = 0;    // executions still open when the drain ended
  int64_t realized_pnl_micros = 0;
};

// The directory of a capture: the path itself if it is a directory, else the file's directory.
std::string CaptureDirectory(const std::string& capture);

// Runs the replay. `progress` (may be empty) is called every few hundred records and at the
// end. Errors: InvalidArgument for a bad configuration (no catalog snapshot, cross_venue without
// a mapping, invalid limits); NotFound for a missing capture; FailedPrecondition when the
// database already holds executions; the store's errors (Unavailable) otherwise.
[[nodiscard]] absl::StatusOr<ReplayResult> RunReplay(
    const ReplayConfig& config, const std::function<void(const ReplayProgress&)>& progress);

}  // namespace arbor::arborctl
