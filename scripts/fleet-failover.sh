#!/usr/bin/env bash
# Failover time of the camera fleet (docs/PERFORMANCE.md): one `tmon broker`,
# a private redis-server, three `tmon detect` and one `tmon api`, N sim://
# cameras; KILLS times (default 10) one detect is killed with SIGKILL and the
# time until every camera streams again (owner among the survivors, a frame
# newer than the kill, as GET /api/cameras on the API process says) is
# measured, then the killed instance is started again and the fleet settles.
# Prints each time and p50/max. Bounded: each wait gives up after 120 s.
#
#   scripts/fleet-failover.sh [KILLS] [CAMERAS] [SESSION_TIMEOUT_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-10}
CAMERAS=${2:-30}
SESSION_MS=${3:-6000}
TMON=${TMON:-build/tmon}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

source scripts/lib/private-redis.sh
start_private_redis "$work/redis.log" || { echo "could not start redis-server" >&2; exit 1; }
pids+=("$redis_pid")
cat >"$work/kafka.yaml" <<YAML
consumer:
  fetch_wait_max_ms: 10
  session_timeout_ms: $SESSION_MS
  heartbeat_interval_ms: 1000
fleet:
  status_period_seconds: 1
YAML
{
  echo "cameras:"
  for i in $(seq 1 "$CAMERAS"); do
    echo "  - {id: $i, url: \"sim://?seed=$i&width=320&height=180\"}"
  done
  echo "detection: {frame_interval_seconds: 1, workers: 1, track_fps: 1}"
  echo "redis: {url: \"redis://127.0.0.1:$redis_port/0\"}"
} >"$work/pipeline.yaml"

$TMON broker --config-dir "$work" >"$work/broker.out" 2>"$work/broker.err" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$work/broker.out" ]] && break; sleep 0.1; done
export TMON_KAFKA_BOOTSTRAP_SERVERS=$(head -1 "$work/broker.out")
export TMON_REDIS_URL="redis://127.0.0.1:$redis_port/0"

declare -A detect_pid
start_detect() {
  $TMON detect --config-dir "$work" --api-port 0 --instance-id "$1" >"$work/$1.out" 2>"$work/$1.err" &
  detect_pid[$1]=$!
  pids+=($!)
}
for id in d1 d2 d3; do start_detect "$id"; done
$TMON api --config-dir "$work" --api-port 0 >"$work/api.out" 2>"$work/api.err" &
pids+=($!)
api_port=""
for _ in $(seq 600); do
  api_port=$(grep -oE 'API: http://[0-9.]+:[0-9]+' "$work/api.out" 2>/dev/null | grep -oE '[0-9]+$' || true)
  [[ -n "$api_port" ]] && break
  sleep 0.1
done
[[ -n "$api_port" ]] || { echo "tmon api did not start" >&2; cat "$work/api.err" >&2; exit 1; }

# Prints "ok" when every camera has a fresh owner in $1 (comma list) and a
# frame newer than $2 (epoch ms); otherwise the victim of the next kill test.
check() {
  curl -fsS "http://127.0.0.1:$api_port/api/cameras" 2>/dev/null | python3 -c '
import json, sys, time
owners = set(sys.argv[1].split(",")); since = int(sys.argv[2]); want = int(sys.argv[3])
data = json.load(sys.stdin)["data"]
now = time.time() * 1000
ok = len(data) == want and all(c["owner"] in owners and c["lastFrameTs"] > since and now - c["lastFrameTs"] < 5000 for c in data)
print("ok" if ok else "no")' "$1" "$2" "$CAMERAS" 2>/dev/null || echo no
}
wait_until_ok() {  # owners since -> seconds waited, or fails after 120 s
  local start=$(date +%s%N)
  while [[ $(check "$1" "$2") != ok ]]; do
    (( $(date +%s%N) - start < 120000000000 )) || { echo "timeout" ; return 1; }
    sleep 0.1
  done
}

wait_until_ok d1,d2,d3 0
times=()
for k in $(seq 1 "$KILLS"); do
  victim=d$(( (k - 1) % 3 + 1 ))
  survivors=$(echo d1 d2 d3 | tr ' ' '\n' | grep -v "^$victim$" | paste -sd,)
  killed_ms=$(( $(date +%s%N) / 1000000 ))
  kill -9 "${detect_pid[$victim]}"
  wait_until_ok "$survivors" "$killed_ms"
  took=$(( $(date +%s%N) / 1000000 - killed_ms ))
  times+=("$took")
  echo "kill $k ($victim): all $CAMERAS cameras streaming again after $took ms"
  start_detect "$victim"
  # The restarted instance owns cameras again (its rejoin's rebalances are
  # done) and every camera streams before the next kill.
  port=""
  for _ in $(seq 600); do
    port=$(grep -oE 'API: http://[0-9.]+:[0-9]+' "$work/$victim.out" 2>/dev/null | grep -oE '[0-9]+$' || true)
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  for _ in $(seq 1200); do
    owned=$(curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null |
      grep -oE '^tmon_fleet_cameras_owned\{[^}]*\} [0-9]+' | grep -oE '[0-9]+$' || echo 0)
    (( owned > 0 )) && break
    sleep 0.1
  done
  sleep 2
  wait_until_ok d1,d2,d3 0
done
printf '%s\n' "${times[@]}" | sort -n | python3 -c '
import sys
t = [int(x) for x in sys.stdin]
print(f"failover over {len(t)} kills: p50 {t[(len(t)-1)//2]} ms, max {t[-1]} ms (session.timeout.ms '"$SESSION_MS"')")'
grep -h "failed over" "$work"/d*.err | grep -oE '[0-9]+ ms' | sort -n | python3 -c '
import sys
t = [int(x.split()[0]) for x in sys.stdin]
if t: print(f"per camera (tmon_fleet_failover_seconds: old owner last frame -> new owner first frame): n={len(t)} p50 {t[(len(t)-1)//2]} ms, max {t[-1]} ms")'
