#!/usr/bin/env bash
# Executor order-path figures (docs/benchmarks.md#arbor-executor): builds the release preset and
# runs tests/bench/executor/executor_harness against a throwaway PostgreSQL and the simulator.
#   scripts/bench_executor.sh [executions] [seconds] [batch]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target executor_harness arbor-venue-sim
build/release/tests/bench/executor/executor_harness \
  --sim build/release/services/venue_sim/arbor-venue-sim \
  --scenario services/venue_sim/scenarios/default.json \
  --executions "${1:-500}" --seconds "${2:-10}" --batch "${3:-8}"
