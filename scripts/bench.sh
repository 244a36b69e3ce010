#!/usr/bin/env bash
# Builds the "release" preset and runs every Google Benchmark binary, printing the figures that
# docs/*.md quote. Figures depend on the machine; the docs say which machine produced them.
#   scripts/bench.sh [benchmark-name-filter]
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-}
./scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2
for bin in build/release/tests/bench/*/*_bench; do
  [ -x "$bin" ] || continue
  echo "== $bin"
  "$bin" --benchmark_min_time=0.5 ${filter:+--benchmark_filter="$filter"}
done
