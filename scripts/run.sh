#!/usr/bin/env bash
# Runs the whole pipeline in one process on embedded defaults: sets up if
# needed, starts a private redis-server when none answers on 127.0.0.1:6379
# (and TMON_REDIS_URL is not set), then `tmon up`. Arguments go to `tmon up`
# (e.g. --duration 60, --api-port 5001). Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh >&2

redis_pid=""
tmon_pid=""
cleanup() {
  [[ -n "$tmon_pid" ]] && kill -TERM "$tmon_pid" 2>/dev/null && wait "$tmon_pid" 2>/dev/null
  [[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z "${TMON_REDIS_URL:-}" ]] && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  if command -v redis-server >/dev/null; then
    redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --loglevel warning \
      >/dev/null 2>&1 &
    redis_pid=$!
    echo "run: started redis-server on 127.0.0.1:6379 (stops with tmon)" >&2
  fi
fi

# In the background so this script can stop redis afterwards; Ctrl-C reaches
# the script, whose exit trap stops tmon gracefully (SIGTERM).
build/tmon up "$@" &
tmon_pid=$!
status=0
wait "$tmon_pid" || status=$?
tmon_pid=""
exit "$status"
