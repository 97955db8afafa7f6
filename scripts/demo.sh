#!/usr/bin/env bash
# A real, small run on the embedded default (no Redis), printing its results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec pnpm --silent iwae-sweep train --objective iwae --k 5 --epochs 3 --batch-size 100 \
  --train-size 2000 --test-size 200 --eval-k 500 --eval-ks 1,5,50 "$@"
