#!/usr/bin/env bash
# Installs every Debian 12 package arbor needs to build, test and run. Idempotent: packages
# already present are skipped, so a second run costs one dpkg query.
#   --tests  also install TEST_PACKAGES, needed only by tests (scripts/test.sh passes it;
#            scripts/run.sh does not): chromium, promtool, jsonschema, numpy, scipy, yamllint.
set -euo pipefail

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) with_tests=1 ;;
    *) echo "install_deps: unknown argument '$arg' (usage: install_deps.sh [--tests])" >&2; exit 1 ;;
  esac
done

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang clang-14 clang-format clang-tidy lld libclang-rt-14-dev
  libabsl-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  libsimdjson-dev
  libboost-dev
  libssl-dev libsecp256k1-dev libcrypto++-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus-cpp-dev
  libpqxx-dev postgresql
  coinor-libcbc-dev
  nlohmann-json3-dev
  python3
  openssl
)

# Test-only: headless Chromium renders the session report (tests/e2e/report_render_test.py);
# promtool (package prometheus) checks and unit-tests the alert rules; python3-jsonschema and
# yamllint check the CRD, example policies and rendered Helm manifests (tests/k8s); numpy and
# scipy run the SLSQP cross-check of the KL projection (crosscheck.quant_slsqp).
TEST_PACKAGES=(
  chromium
  prometheus
  python3-jsonschema
  python3-numpy
  python3-scipy
  python3-yaml
  yamllint
)
if [ "$with_tests" -eq 1 ]; then
  PACKAGES+=("${TEST_PACKAGES[@]}")
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
