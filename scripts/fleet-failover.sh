#!/usr/bin/env bash
# Failover time of the camera fleet (docs/PERFORMANCE.md): one `tmon broker`,
# a private redis-server, three `tmon detect` and one `tmon api`, N sim://
# cameras; KILLS times (default 10) one detect is killed with SIGKILL and the
# time until every camera streams again (owner among the survivors, a frame
# newer than the kill, as GET /api/cameras on the API process says) is
# measured, then the killed instance is started again and the fleet settles
# (every instance owns cameras, the owned counts add up, no rebalance for
# session + 1 s, every camera streams).
# Prints each time with where it went, read from the survivors' logs:
#   assigned  kill -> the survivors' first assignment of the orphaned
#             partitions (the mock broker's detection of the death, then its
#             join wait, then the sync)
#   rebalances  rebalances that gave the survivors partitions until all
#             streamed (1; 2 = a cooperative follow-up)
#   framed    the last assignment -> the last moved camera's first frame
#             (ours: read the partition, open the source, first frame)
#   start     the last assignment -> every camera streaming per the API
#             (framed, then the status write and the API's poll)
# then p50/max. Bounded: each wait gives up after 120 s.
#
#   scripts/fleet-failover.sh [KILLS] [CAMERAS] [SESSION_TIMEOUT_MS] [HEARTBEAT_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-10}
CAMERAS=${2:-30}
SESSION_MS=${3:-6000}
HEARTBEAT_MS=${4:-1000}
source scripts/lib/processes.sh

start_redis
cat >"$work/kafka.yaml" <<YAML
consumer:
  fetch_wait_max_ms: 10
  session_timeout_ms: $SESSION_MS
  heartbeat_interval_ms: $HEARTBEAT_MS
fleet:
  status_period_seconds: 1
YAML
{
  echo "cameras:"
  for i in $(seq 1 "$CAMERAS"); do
    echo "  - {id: $i, url: \"sim://?seed=$i&width=320&height=180\"}"
  done
  echo "detection: {frame_interval_seconds: 1, workers: 1, track_fps: 1}"
} >"$work/pipeline.yaml"
start_broker
for id in d1 d2 d3; do start_tmon "$id" detect --instance-id "$id"; done
start_tmon api api
api=$(api_port api)

# "ok" when every camera has a fresh owner in $1 (comma list) and a frame
# newer than $2 (epoch ms).
check() {
  curl -fsS "http://127.0.0.1:$api/api/cameras" 2>/dev/null | python3 -c '
import json, sys, time
owners = set(sys.argv[1].split(",")); since = int(sys.argv[2]); want = int(sys.argv[3])
data = json.load(sys.stdin)["data"]
now = time.time() * 1000
ok = len(data) == want and all(c["owner"] in owners and c["lastFrameTs"] > since and now - c["lastFrameTs"] < 5000 for c in data)
print("ok" if ok else "no")' "$1" "$2" "$CAMERAS" 2>/dev/null || echo no
}
wait_until_ok() {  # owners since: fails after 120 s
  local start=$(date +%s%N)
  while [[ $(check "$1" "$2") != ok ]]; do
    (( $(date +%s%N) - start < 120000000000 )) || { echo "timeout" >&2; return 1; }
    sleep 0.1
  done
}
# The group has settled: all three own cameras, the counts add up, and no
# rebalance happened for longer than the mock's join wait (a survivor that
# lost the SyncGroup race rejoins while the counts already add up; a kill
# then would land in that pending rebalance and measure it too).
wait_settled() {
  local start=$(date +%s%N) total owned rebalances last="" quiet_since=0 now
  while true; do
    total=0 rebalances=0
    for id in d1 d2 d3; do
      port=$(api_port "$id")
      owned=$(metric "$port" tmon_fleet_cameras_owned)
      (( owned > 0 )) || { total=-1; break; }
      total=$((total + owned))
      rebalances=$((rebalances + $(metric "$port" tmon_fleet_rebalances_total)))
    done
    now=$(date +%s%N)
    if (( total != CAMERAS )) || [[ "$rebalances" != "$last" ]]; then
      last=$rebalances quiet_since=$now
    elif (( (now - quiet_since) / 1000000 > SESSION_MS + 1000 )); then
      break
    fi
    (( now - start < 180000000000 )) || { echo "no settled group" >&2; return 1; }
    sleep 0.2
  done
}
# kill_ms done_ms survivor logs...: "assigned_ms rebalances framed_ms start_ms"
breakdown() {
  python3 - "$@" <<'PY'
import re, sys, datetime
kill, done = int(sys.argv[1]), int(sys.argv[2])
def ms(stamp):
    t = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f")
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
assigned, framed = [], []
for path in sys.argv[3:]:
    for line in open(path, errors="replace"):
        m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) .*(assigned registry partitions (\S+)|failed over)", line)
        if not m or m.group(3) == "none" or not kill < ms(m.group(1)) <= done:
            continue
        (framed if m.group(2) == "failed over" else assigned).append(ms(m.group(1)))
assigned.sort()
# One rebalance assigns to every survivor within moments: gaps over 1 s part them.
rebalances = sum(1 for i, t in enumerate(assigned) if i == 0 or t - assigned[i - 1] > 1000)
if not assigned:
    print("? 0 ? ?")
else:
    last = max(framed) - assigned[-1] if framed else "?"
    print(assigned[0] - kill, rebalances, last, done - assigned[-1])
PY
}

wait_until_ok d1,d2,d3 0
wait_settled
rows=()
for k in $(seq 1 "$KILLS"); do
  victim=d$(( (k - 1) % 3 + 1 ))
  survivors=$(echo d1 d2 d3 | tr ' ' '\n' | grep -v "^$victim$" | paste -sd,)
  killed_ms=$(( $(date +%s%N) / 1000000 ))
  kill -9 "${tmon_pid[$victim]}"
  wait_until_ok "$survivors" "$killed_ms"
  done_ms=$(( $(date +%s%N) / 1000000 ))
  logs=()
  for s in ${survivors//,/ }; do logs+=("$work/$s.err"); done
  read -r assigned rebalances framed start < <(breakdown "$killed_ms" "$done_ms" "${logs[@]}")
  took=$((done_ms - killed_ms))
  rows+=("$took $assigned $rebalances $start $framed")
  echo "kill $k ($victim): all $CAMERAS streaming after $took ms (assigned $assigned ms, rebalances $rebalances, last first frame +$framed ms, seen by the API +$start ms)"
  start_tmon "$victim" detect --instance-id "$victim"
  api_port "$victim" >/dev/null
  wait_settled
  wait_until_ok d1,d2,d3 0
done
printf '%s\n' "${rows[@]}" | python3 -c '
import sys
rows = [line.split() for line in sys.stdin]
def stat(i, name):
    v = sorted(int(r[i]) for r in rows if r[i].lstrip("-").isdigit())
    if v: print(f"  {name:>9}: p50 {v[(len(v)-1)//2]} ms, max {v[-1]} ms, min {v[0]} ms")
print(f"failover over {len(rows)} kills (session.timeout.ms '"$SESSION_MS"', heartbeat.interval.ms '"$HEARTBEAT_MS"'):")
stat(0, "total"); stat(1, "assigned"); stat(4, "framed"); stat(3, "start")
print("  rebalances with partitions:", " ".join(r[2] for r in rows))'
grep -h "failed over" "$work"/d*.err | grep -oE '[0-9]+ ms' | sort -n | python3 -c '
import sys
t = [int(x.split()[0]) for x in sys.stdin]
if t: print(f"per camera (tmon_fleet_failover_seconds: old owner last frame -> new owner first frame): n={len(t)} p50 {t[(len(t)-1)//2]} ms, max {t[-1]} ms")'
