#!/usr/bin/env bash
# `arbor replay` (docs/replay.md): installs the Debian packages, builds the release binaries it
# needs, then scripts/replay.py replays a capture (--capture DIR) or records and replays a
# simulator scenario (--scenario FILE --record-seconds N) through the scanner and the paper
# executor on a throwaway PostgreSQL cluster. `scripts/replay.sh --help`, `arborctl replay --help`.
# ARBOR_RUN_NO_BUILD=1 skips install and build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${ARBOR_RUN_NO_BUILD:-0}" != 1 ]; then
  ./scripts/install_deps.sh >&2
  cmake --preset release >/dev/null
  cmake --build --preset release -j"$(nproc)" --target arbor-venue-sim arbor-feed arborctl >&2
fi
exec python3 scripts/replay.py "$@"
