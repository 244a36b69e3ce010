// File: services/arborctl/replay/replay_command.h
//
// `arborctl replay`: deterministic backtests on recorded market data (docs/replay.md). Replays a
// capture through the production scanner and executor code in paper mode (replay_runner.h) into
// a fresh PostgreSQL database per run, and writes the session report (session.json, report.json,
// report.html) into --out. With any --b-* flag it runs twice on the identical capture — side A
// with the base configuration, side B with the overrides — and prints the two summaries side by
// side (compare.json has both).
#pragma once

#include <string>
#include <vector>

namespace arbor::arborctl {

inline constexpr int kReplayExitOk = 0;
inline constexpr int kReplayExitUsage = 1;   // bad flags
inline constexpr int kReplayExitFailed = 2;  // bad input (capture, catalog, limits) or a failed run

int ReplayMain(const std::vector<std::string>& args);

}  // namespace arbor::arborctl
