#!/usr/bin/env bash
# Copies the canonical files the Helm chart ships into charts/arbor/files/, verbatim:
#   k8s/crds/tradingpolicies.arbor.dev.yaml        -> charts/arbor/files/crds/
#   k8s/alerts/arbor-alerts.yaml                   -> charts/arbor/files/alerts/
#   services/venue_sim/scenarios/default.json      -> charts/arbor/files/venue-sim/
# Run it after changing any of them; the chart test helm.sync_files fails while a copy differs.
#   --check  change nothing; exit 1 and name each copy that is missing or differs.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
if [ "${1:-}" = "--check" ]; then check=1; elif [ $# -gt 0 ]; then
  echo "usage: $0 [--check]" >&2
  exit 2
fi

pairs=(
  "k8s/crds/tradingpolicies.arbor.dev.yaml charts/arbor/files/crds/tradingpolicies.arbor.dev.yaml"
  "k8s/alerts/arbor-alerts.yaml charts/arbor/files/alerts/arbor-alerts.yaml"
  "services/venue_sim/scenarios/default.json charts/arbor/files/venue-sim/default.json"
)

status=0
for pair in "${pairs[@]}"; do
  read -r src dst <<<"$pair"
  if [ ! -f "$src" ]; then
    echo "sync_chart_files: canonical file $src is missing" >&2
    status=1
    continue
  fi
  if cmp -s "$src" "$dst"; then
    continue
  fi
  if [ "$check" -eq 1 ]; then
    echo "sync_chart_files: $dst differs from $src (run scripts/sync_chart_files.sh)" >&2
    status=1
  else
    mkdir -p "$(dirname "$dst")"
    cp "$src" "$dst"
    echo "sync_chart_files: $src -> $dst"
  fi
done
exit "$status"
