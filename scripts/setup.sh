#!/usr/bin/env bash
# Installs what iwae-sweep needs on a fresh machine: pnpm 12 and the workspace's dependencies.
# Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pnpm >/dev/null 2>&1 || [[ "$(pnpm --version 2>/dev/null)" != 12.* ]]; then
  echo "setup: installing pnpm 12" >&2
  npm install --global --silent pnpm@12 >&2
fi

# better-sqlite3 builds from source when no prebuilt binary can be fetched; point node-gyp at the
# Node headers installed with Node so that it does not try to download them.
if [[ -z "${npm_config_nodedir:-}" && -f /usr/include/node/node.h ]]; then
  export npm_config_nodedir=/usr
fi

# Quiet when everything is installed already (pnpm keeps a copy of the lockfile it installed),
# so that the demo's own output comes first; a first install says what takes minutes.
installing=""
if ! cmp -s node_modules/.pnpm/lock.yaml pnpm-lock.yaml 2>/dev/null; then
  installing=1
  echo "setup: installing the workspace's dependencies (a few minutes the first time)" >&2
fi
# The optional native TensorFlow packages try to download libtensorflow and fail where that
# host is unreachable; pnpm skips them and carries on. Their noise is not an error, so the log
# is shown in full only when the install itself fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! pnpm install --frozen-lockfile --reporter=append-only >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: pnpm install failed" >&2
  exit 1
fi
if [[ -n "$installing" ]]; then echo "setup: dependencies installed" >&2; fi
