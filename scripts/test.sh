#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what is missing, makes sure the
# services the tests talk to are up, then runs every test (unit, integration, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

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
