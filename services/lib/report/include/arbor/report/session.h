// File: arbor/report/session.h
//
// The session input of the report: what one run of the system did (closed executions,
// opportunity and skip counts, latency distributions, risk events, run metadata), as written by
// the run orchestrator into a JSON file (schema in docs/report.md, "Session input"). ParseSession
// validates the whole file and names the JSON path of the first problem.
//
//   absl::StatusOr<Session> session = ParseSession(text);
//   if (!session.ok()) std::cerr << session.status().message();  // "executions[3].lane: ..."
//
// Money is integer USD micros throughout. The types are plain values; ParseSession is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace arbor::report {

// The schema version ParseSession accepts in "arbor_session".
inline constexpr int64_t kSessionSchemaVersion = 1;

struct SessionMeta {
  std::string mode;                // e.g. "sim", "paper", "live"
  std::string scenario;            // scenario name of a simulated run; may be empty
  std::string seed;                // the run's seed as text; may be empty
  std::string git_commit;          // may be empty
  int64_t started_unix_nanos = 0;  // 0 = unknown
  int64_t ended_unix_nanos = 0;    // 0 = unknown
};

// One closed execution.
struct Execution {
  std::string execution_id;
  std::string lane;                 // binary, negrisk, cross_venue, expiry_edge, ...
  std::vector<std::string> venues;  // as given (non-empty, no duplicates)
  int64_t opened_unix_nanos = 0;
  int64_t closed_unix_nanos = 0;  // >= opened_unix_nanos
  std::string close_reason;       // completed, unwound, not_filled, ...
  int64_t realized_pnl_micros = 0;
  int64_t expected_profit_micros = 0;  // the scanner's promise for the executed size
  int64_t legs_submitted = 0;
  int64_t legs_filled = 0;                 // <= legs_submitted
  std::optional<int64_t> slippage_micros;  // fill cost minus expected cost, when known
};

// One skip count: `count` opportunities of `lane` (empty = not attributed to a lane) were not
// executed for `reason`.
struct SkipCount {
  std::string lane;
  std::string reason;
  int64_t count = 0;
};

// A Prometheus-style cumulative bucket: `cumulative_count` observations were <= `le_seconds`
// (+infinity for the "+Inf" bucket).
struct LatencyBucket {
  double le_seconds = 0;
  int64_t cumulative_count = 0;
};

// A named latency distribution: raw samples (nanoseconds) or cumulative buckets, never both.
struct LatencySeries {
  std::string name;
  std::vector<int64_t> samples_nanos;  // set when !from_buckets
  std::vector<LatencyBucket> buckets;  // set when from_buckets; last one is +Inf
  bool from_buckets = false;
};

struct KillSwitchEvent {
  std::string reason;
  std::string scope;  // e.g. "global", "venue:kalshi"; may be empty
  int64_t unix_nanos = 0;
};

struct SafeModeEpisode {
  std::string reason;
  int64_t started_unix_nanos = 0;
  std::optional<int64_t> ended_unix_nanos;  // unset = still in safe mode at the end of the run
};

struct RiskEvents {
  std::vector<std::pair<std::string, int64_t>> denials;  // reason -> count, in input order
  std::vector<KillSwitchEvent> kill_switch;
  std::vector<SafeModeEpisode> safe_mode;
};

// One mispricing the simulator injected (its ground truth, /admin/truth) and whether the run's
// scanner published an opportunity on its markets while it was active.
struct Injection {
  std::string kind;           // e.g. "binary_underpriced", "cross_venue_gap"
  std::string expected_lane;  // the lane built to catch it; empty when no built lane can
  bool detected = false;
  std::vector<std::string> detected_by;  // lanes that published on its markets (may be empty)
};

struct Session {
  SessionMeta meta;
  std::vector<Execution> executions;                           // input order
  std::vector<std::pair<std::string, int64_t>> opportunities;  // lane -> found, input order
  std::vector<SkipCount> skips;
  std::vector<LatencySeries> latencies;
  RiskEvents risk_events;
  // Simulated runs only: every injected mispricing, input order. nullopt = not a simulated run
  // (or the run did not look); an empty list = nothing was injected while it ran.
  std::optional<std::vector<Injection>> injections;
};

// ParseSession
//
// Parses and validates a session input file (docs/report.md). Every key is checked: unknown
// keys, keys given twice, wrong types, negative counts, legs_filled > legs_submitted,
// closed < opened, duplicate execution ids, unordered buckets and money sums that could overflow
// int64 are InvalidArgument errors whose message starts with the JSON path
// (`executions[3].realized_pnl_micros: not an integer (got a number)`).
[[nodiscard]] absl::StatusOr<Session> ParseSession(std::string_view json);

}  // namespace arbor::report
