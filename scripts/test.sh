#!/usr/bin/env bash
# Runs every test: sets up if needed, builds the tests, starts the servers the
# tests share (a private redis-server on a loopback port), runs the suite
# with ctest, stops the servers, and exits non-zero on any failure.
#
#   scripts/test.sh                      # everything
#   scripts/test.sh --unit               # label unit only: no redis-server started
#   scripts/test.sh --repeat 5           # the whole suite 5 times in a row, stopping at
#                                        # the first failing round (says which and what)
#   scripts/test.sh --repeat-each 5      # each test until it fails, at most 5 times
#                                        # (ctest --repeat until-fail:5)
#   scripts/test.sh -L fixture           # other arguments go to ctest
#   TMON_SANITIZE=1 scripts/test.sh      # the ASan/UBSan build, in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${TMON_SANITIZE:-0}" == 1 ]]; then
  export BUILD_DIR=${BUILD_DIR:-build-asan}
  export CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Debug -DTMON_SANITIZE=ON ${CMAKE_ARGS:-}"
fi
BUILD_DIR=${BUILD_DIR:-build}

unit_only=0
rounds=1
ctest_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --unit) unit_only=1 ;;
    --repeat | --repeat-each)
      [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { echo "test: $1 needs a count" >&2; exit 2; }
      if [[ "$1" == --repeat ]]; then
        rounds=$2
      else
        ctest_args+=(--repeat "until-fail:$2")
      fi
      shift ;;
    *) ctest_args+=("$1") ;;
  esac
  shift
done

scripts/setup.sh
cmake --build "$BUILD_DIR"

run_ctest() {
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "${CTEST_PARALLEL_LEVEL:-2}" \
    ${ctest_args[@]+"${ctest_args[@]}"} "$@"
}

# The suite `rounds` times in a row; stops at the first failing round and
# names it and its failed tests (ctest keeps them in LastTestsFailed.log).
run_rounds() {
  local round started summary failed_log="$BUILD_DIR/Testing/Temporary/LastTestsFailed.log"
  for round in $(seq 1 "$rounds"); do
    started=$SECONDS
    rm -f "$failed_log"
    if run_ctest "$@" | tee "$BUILD_DIR/test-round.log"; [[ ${PIPESTATUS[0]} -ne 0 ]]; then
      summary=$(grep -E '^[0-9]+% tests passed' "$BUILD_DIR/test-round.log" | tail -1)
      echo "test: round $round of $rounds FAILED after $((SECONDS - started)) s (${summary});" \
        "failed tests:" >&2
      if [[ -f "$failed_log" ]]; then sed 's/^[0-9]*:/  /' "$failed_log" >&2; fi
      return 1
    fi
    summary=$(grep -E '^[0-9]+% tests passed' "$BUILD_DIR/test-round.log" | tail -1)
    if [[ "$rounds" -gt 1 ]]; then
      echo "test: round $round of $rounds passed in $((SECONDS - started)) s: ${summary}"
    fi
  done
}

# Unit tests start no process and open no socket: no redis-server needed.
if [[ "$unit_only" == 1 ]]; then
  run_rounds -L unit
  exit $?
fi

# A redis-server of our own (scripts/lib/private-redis.sh), gone when we exit.
source scripts/lib/private-redis.sh
redis_pid=""
cleanup() {
  if [[ -n "$redis_pid" ]]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
if ! start_private_redis "$BUILD_DIR/test-redis.log"; then
  echo "test: could not start redis-server" >&2
  exit 1
fi
port=$redis_port
export TMON_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
echo "test: redis-server on 127.0.0.1:$port"

run_rounds
