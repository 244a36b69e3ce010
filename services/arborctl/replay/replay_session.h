// File: services/arborctl/replay/replay_session.h
//
// The report's session input (docs/report.md, "Session input") from what a replay's executor
// recorded: closed executions as stored in PostgreSQL, opportunities published per lane, what was
// not executed and why, and the risk events. `scripts/run.py` builds the same document from the
// executor's API (its session_execution() is the Python twin of SessionExecution below).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arbor/core/json_writer.h"
#include "arbor/v1/execution.pb.h"

namespace arbor::arborctl {

// One closed execution as a session execution object: lane and close reason by their metric
// names, venues sorted, legs submitted (legs with an order) and filled (|filled| >= planned size),
// slippage = sum over filled legs of (avg fill - planned VWAP) x |filled|, sign-adjusted so that
// paying more on a buy or receiving less on a sell is positive, floor-divided to micros.
void WriteSessionExecution(const v1::Execution& execution, JsonWriter& out);

// "LANE_CROSS_VENUE" -> "cross_venue" (the metric-label spelling); the name lower-cased when it
// lacks the prefix.
std::string EnumSuffix(const std::string& name, const std::string& prefix);

struct SessionSkip {
  std::string lane;  // empty = not lane-specific
  std::string reason;
  int64_t count = 0;
};

struct SessionSafeMode {
  std::string reason;
  int64_t started_unix_nanos = 0;
};

struct ReplaySessionInput {
  std::string mode = "replay";
  std::string scenario;  // the capture's name (+ the configuration label of an A/B side)
  std::string seed;
  std::string git_commit;
  int64_t started_unix_nanos = 0;                // capture time of the first record
  int64_t ended_unix_nanos = 0;                  // capture time when the replay ended
  std::vector<v1::Execution> executions;         // closed ones are written, others skipped
  std::map<std::string, int64_t> opportunities;  // lane -> published
  std::vector<SessionSkip> skips;
  std::map<std::string, int64_t> denials;  // reason -> count
  std::vector<SessionSafeMode> safe_mode;
};

// The whole session document, newline-terminated.
std::string SessionJson(const ReplaySessionInput& input);

}  // namespace arbor::arborctl
