#!/usr/bin/env bash
# The one-machine run (README command 1): installs the Debian packages, builds the release
# preset, then scripts/run.py starts PostgreSQL, the venue simulator, a feed shard, a scanner
# and the executor (paper mode unless --mode=sim), shows live progress and writes the session
# summary. Arguments go to scripts/run.py (--duration S, --mode paper|sim, --keep, ...);
# `scripts/run.sh --help` lists them. ARBOR_RUN_NO_BUILD=1 skips install and build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${ARBOR_RUN_NO_BUILD:-0}" != 1 ]; then
  ./scripts/install_deps.sh >&2
  cmake --preset release >/dev/null
  cmake --build --preset release -j"$(nproc)" --target arbor-venue-sim arbor-feed arbor-scanner \
    arbor-executor arborctl >&2
fi
exec python3 scripts/run.py "$@"
