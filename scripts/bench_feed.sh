#!/usr/bin/env bash
# The arbor-feed benchmark (issue 4): builds the release preset, then runs feed_shard_bench —
# arbor-venue-sim serving the feed_30k scenario (≥ 30 000 Polymarket tokens) and one arbor-feed
# pinned to one core with a gRPC subscriber attached — and prints events/s, CPU, RSS and
# receive → publish latency. docs/benchmarks.md quotes its output.
#   scripts/bench_feed.sh [seconds] [step-ms]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
step_ms=${2:-1000}
./scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target feed_shard_bench arbor-feed arbor-venue-sim
cpu=$(( $(nproc) > 1 ? 1 : 0 ))
build/release/tests/bench/feed/feed_shard_bench \
  --sim build/release/services/venue_sim/arbor-venue-sim \
  --feed build/release/services/feed/app/arbor-feed \
  --scenario services/venue_sim/scenarios/feed_30k.json \
  --seconds "$seconds" --warmup 20 --step-ms "$step_ms" --cpu "$cpu"
