# Sourced by the measurement scripts (fleet-failover.sh, fleet-throughput.sh,
# preview-traffic.sh): what each of them starts the same way.
#   $work        a fresh directory (config files, logs), removed on exit
#                (kept, and named, with KEEP_WORK=1)
#   track PID    a process stopped on exit (with everything started below)
#   start_redis  a private redis-server (scripts/lib/private-redis.sh); exports TMON_REDIS_URL
#   start_broker `tmon broker` on $work's config; exports TMON_KAFKA_BOOTSTRAP_SERVERS
#   start_tmon NAME ARGS...   `tmon ARGS... --config-dir $work --api-port 0` in the
#                background, stdout/stderr in $work/NAME.out/.err, pid in ${tmon_pid[NAME]}
#   api_port NAME    the API (or metrics) port NAME printed, waiting up to 60 s
#   metric PORT PREFIX   the sum of the /metrics samples whose line starts with PREFIX
# Every wait is bounded; a process that does not come up ends the script.
TMON=${TMON:-build/tmon}
work=$(mktemp -d)
pids=()
declare -A tmon_pid
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
track() { pids+=("$1"); }

source "$(dirname "${BASH_SOURCE[0]}")/private-redis.sh"
start_redis() {
  start_private_redis "$work/redis.log" || { echo "redis-server did not start" >&2; exit 1; }
  track "$redis_pid"
  export TMON_REDIS_URL="redis://127.0.0.1:$redis_port/0"
}

start_broker() {
  $TMON broker --config-dir "$work" >"$work/broker.out" 2>"$work/broker.err" &
  track $!
  for _ in $(seq 100); do [[ -s "$work/broker.out" ]] && break; sleep 0.1; done
  [[ -s "$work/broker.out" ]] || { echo "tmon broker did not start" >&2; cat "$work/broker.err" >&2; exit 1; }
  TMON_KAFKA_BOOTSTRAP_SERVERS=$(head -1 "$work/broker.out")
  export TMON_KAFKA_BOOTSTRAP_SERVERS
}

start_tmon() {
  local name=$1
  shift
  # Appended: a restarted process keeps the log of its previous run.
  $TMON "$@" --config-dir "$work" --api-port 0 >"$work/$name.out" 2>>"$work/$name.err" &
  tmon_pid[$name]=$!
  track $!
}

api_port() {
  local port=""
  for _ in $(seq 600); do
    port=$(grep -oE '(API|Metrics): http://[0-9.]+:[0-9]+' "$work/$1.out" 2>/dev/null |
      grep -oE '[0-9]+$' | head -1 || true)
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  [[ -n "$port" ]] || { echo "tmon $1 did not start" >&2; tail -20 "$work/$1.err" >&2; exit 1; }
  echo "$port"
}

metric() {
  curl -s "http://127.0.0.1:$1/metrics" | awk -v s="$2" 'index($0, s) == 1 {sum += $NF} END {print sum + 0}'
}
