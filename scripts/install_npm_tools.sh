#!/usr/bin/env bash
# Installs the Node.js tools the cross-check tests need (tests/crosscheck): the official
# Polymarket TypeScript client @polymarket/clob-client-v2@1.1.0 and its dependencies, exactly as
# pinned by the committed tests/crosscheck/node/package-lock.json (npm ci). Idempotent: when the
# pinned client is already installed and the lock file has not changed since, nothing is done.
# Needs node >= 20.10 and npm on PATH (the client's engines field).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=tests/crosscheck/node
want=1.1.0

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  # The project's machine image ships node 20; elsewhere try Debian's packages (node 18 there
  # is too old for the client, which the version check below then says plainly).
  echo "install_npm_tools: node/npm missing; installing Debian's nodejs and npm" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=10)?0:1)'; then
  echo "install_npm_tools: node $(node --version) is too old; @polymarket/clob-client-v2 needs >= 20.10" >&2
  exit 1
fi

installed=$(node -p "try{require('./$dir/node_modules/@polymarket/clob-client-v2/package.json').version}catch(e){''}")
if [ "$installed" = "$want" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
  echo "install_npm_tools: @polymarket/clob-client-v2@$want present"
  exit 0
fi

npm ci --prefix "$dir" --no-audit --no-fund
echo "install_npm_tools: installed @polymarket/clob-client-v2@$want into $dir/node_modules"
