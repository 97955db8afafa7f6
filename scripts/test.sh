#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing, makes sure the
# services the tests talk to are up, then runs every test (unit, integration, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# System packages the tests drive: Redis (queues) and Chromium (the dashboard's browser tests).
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] || missing+=(chromium)
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing ${missing[*]}" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "test: please install ${missing[*]} (Debian: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

# The shared Redis on 6379 (tests that restart or kill Redis start their own on free ports).
if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "test: starting redis-server on 127.0.0.1:6379" >&2
    mkdir -p /tmp/iwae-sweep-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/iwae-sweep-redis \
      --logfile /tmp/iwae-sweep-redis/redis.log
    for _ in $(seq 50); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  else
    echo "test: Redis is not running on 127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server)" >&2
    exit 1
  fi
fi

exec pnpm exec vitest run "$@"
