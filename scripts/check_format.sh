#!/usr/bin/env bash
# Fails if any C++ or proto file tracked by git is not clang-format clean (.clang-format).
# With --fix, rewrites the files instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc' '*.proto' 2>/dev/null || true)
if [ ${#files[@]} -eq 0 ]; then
  # Not a git checkout (e.g. an exported tree): check everything under the source folders.
  mapfile -t files < <(find services tests proto -name '*.h' -o -name '*.cc' -o -name '*.proto')
fi
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/arbor_format.log; then
  head -n 40 /tmp/arbor_format.log >&2
  echo "check_format: files above are not formatted; run scripts/check_format.sh --fix" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files clean"
