#!/usr/bin/env bash
# A real, small sweep on the embedded default (no Redis): K ∈ {1, 5, 50} × {VAE, IWAE} on MNIST
# subsets, run by a local process pool into ./iwae.db, then its results. Run it again to resume.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
pnpm --silent iwae-sweep run examples/quick.yaml --db "${IWAE_SWEEP_DB:-iwae.db}" "$@"
echo
pnpm --silent iwae-sweep report --sweep quick --db "${IWAE_SWEEP_DB:-iwae.db}" --out quick-report.html
