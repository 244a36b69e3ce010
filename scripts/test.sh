#!/usr/bin/env bash
# README command 2: installs what is missing, then configures, builds and runs every test.
#   1. the "ci" workflow preset: optimised build, warnings as errors, all ctest labels
#      (unit, conformance, fuzz-corpus regression);
#   2. the "asan" workflow preset: the same tests under AddressSanitizer + UBSan;
#   3. the libFuzzer targets built with clang 14 (preset "fuzz"), each fuzzed for a fixed,
#      seeded budget (scripts/fuzz.sh), so the fuzz build cannot rot.
# ARBOR_SKIP_ASAN=1 / ARBOR_SKIP_FUZZ=1 skip passes 2 / 3 (quick local iteration).
# Conformance tests read ../shared (protocol samples, official vectors) in place.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install_deps.sh --tests
./scripts/install_npm_tools.sh

if [ ! -d ../shared/protocols ]; then
  echo "test.sh: ../shared/protocols not found beside the checkout (conformance data)" >&2
  exit 1
fi

./scripts/check_format.sh

# Every pass's ctest output is also kept here so the closing line can total them.
log=$(mktemp)
trap 'rm -f "$log"' EXIT

start=$(date +%s)
cmake --workflow --preset ci 2>&1 | tee -a "$log"
echo "test.sh: ci pass finished in $(( $(date +%s) - start )) s"

if [ "${ARBOR_SKIP_ASAN:-0}" != "1" ]; then
  start=$(date +%s)
  cmake --workflow --preset asan 2>&1 | tee -a "$log"
  echo "test.sh: asan pass finished in $(( $(date +%s) - start )) s"
fi

if [ "${ARBOR_SKIP_FUZZ:-0}" != "1" ]; then
  start=$(date +%s)
  ./scripts/fuzz.sh 2>&1 | tee -a "$log"
  echo "test.sh: fuzz pass finished in $(( $(date +%s) - start )) s"
fi

# ctest prints "100% tests passed, 0 tests failed out of N" per pass; a failing pass has
# already stopped the script (set -e with pipefail), so this totals green passes.
total=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1 \2/p' "$log" |
        awk '{f += $1; n += $2} END {printf "%d passed, %d failed", n - f, f}')
echo "test.sh: $total"
