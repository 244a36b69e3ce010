#!/usr/bin/env bash
# Builds the libFuzzer targets with clang 14 (preset "fuzz": ASan + UBSan + coverage) and runs
# each for SECONDS (default 60) starting from its seed corpus. New interesting inputs go to a
# scratch directory, not the checked-in corpus; copy crashers into tests/fuzz/<codec>/corpus/.
#   scripts/fuzz.sh [SECONDS] [target-name-filter]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
filter=${2:-}
./scripts/install_deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2
for src in tests/fuzz/*/CMakeLists.txt; do
  dir=$(dirname "$src")
  # Each "arbor_cc_fuzzer(NAME x ... CORPUS .../corpus/y)" line pair names a target and corpus.
  while read -r name corpus; do
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
    bin=$(find build/fuzz -type f -name "$name" -perm -u+x | head -n 1)
    [ -n "$bin" ] || { echo "fuzz.sh: $name not built" >&2; exit 1; }
    scratch=$(mktemp -d)
    echo "== $name for ${seconds}s (corpus $dir/corpus/$corpus)"
    "$bin" -max_total_time="$seconds" -print_final_stats=1 "$scratch" "$dir/corpus/$corpus"
    rm -rf "$scratch"
  done < <(python3 - "$src" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for m in re.finditer(r'arbor_cc_fuzzer\((.*?)\)', text, re.S):
    body = m.group(1)
    name = re.search(r'NAME\s+(\S+)', body).group(1)
    corpus = re.search(r'corpus/(\S+)', body).group(1)
    print(name, corpus)
PY
)
done
