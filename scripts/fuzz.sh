#!/usr/bin/env bash
# Builds the libFuzzer targets with clang 14 (preset "fuzz": ASan + UBSan + coverage) and fuzzes
# each from its seed corpus.
#   scripts/fuzz.sh            # fixed budget: ARBOR_FUZZ_RUNS inputs per target, seed 1 (as CI)
#   scripts/fuzz.sh 300        # 300 seconds per target
#   scripts/fuzz.sh 300 kalshi # only targets whose name contains "kalshi"
# New inputs go to build/fuzz/.../<target>_scratch, not the checked-in corpus; copy any crasher
# (libFuzzer writes crash-* files into the working directory) into tests/fuzz/<codec>/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-0}
filter=${2:-}
./scripts/install_deps.sh
cmake --preset fuzz -DARBOR_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build --preset fuzz -j2 --target arbor_fuzzers
ctest --test-dir build/fuzz -L fuzzrun --output-on-failure ${filter:+-R "$filter"}
