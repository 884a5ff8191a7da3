# Sourced by the measurement scripts (fleet-failover.sh, fleet-throughput.sh,
# preview-traffic.sh): what each of them starts the same way.
#   $work        a fresh directory (config files, logs), removed on exit
#                (kept, and named, with KEEP_WORK=1)
#   track PID    a process stopped on exit (with everything started below)
#   free_port    a free loopback port
#   start_redis  a private redis-server; exports TMON_REDIS_URL
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

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_redis() {
  local port
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
  track $!
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$port" ping >/dev/null 2>&1 || { echo "redis-server did not start" >&2; exit 1; }
  export TMON_REDIS_URL="redis://127.0.0.1:$port/0"
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
