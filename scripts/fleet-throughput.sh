#!/usr/bin/env bash
# Detection throughput across 1, 2 and 3 `tmon detect` processes (issue 18,
# docs/PERFORMANCE.md): one `tmon broker`, a private redis-server, CAMERAS
# sim:// motion cameras at 640x360 and 1 fps (tracking off) in the registry;
# for each process count, that many detect instances share the cameras by
# the consumer group, settle (the owned counts add up), warm up WARMUP s, and
# are measured for SECONDS s, then stopped. Prints a table:
#   procs      detect processes
#   frames/s   frames analysed per second, all processes (each one is a
#              detection-results message)
#   per proc   the same, each process
#   dropped/s  analyses skipped because the camera's previous frame was still
#              in work (the process cannot keep up)
#   at 1 fps   cameras whose analysed rate (status in Redis) is >= 0.95/s
#   cores      CPU time of the detect processes / wall time
# Bounded: each wait gives up after 180 s; the whole run takes about
# 3 x (SECONDS + WARMUP + 30) s.
#
#   scripts/fleet-throughput.sh [CAMERAS] [SECONDS] [WARMUP] [COUNTS...]   (90 60 15 1 2 3)
set -euo pipefail
cd "$(dirname "$0")/.."
CAMERAS=${1:-90}
SECONDS_MEASURED=${2:-60}
WARMUP=${3:-15}
shift $(( $# < 3 ? $# : 3 ))
COUNTS=("$@")
(( ${#COUNTS[@]} > 0 )) || COUNTS=(1 2 3)
source scripts/lib/processes.sh

start_redis
cat >"$work/kafka.yaml" <<YAML
consumer:
  fetch_wait_max_ms: 10
  session_timeout_ms: 6000
  heartbeat_interval_ms: 1000
fleet:
  status_period_seconds: 1
YAML
{
  echo "cameras:"
  for i in $(seq 1 "$CAMERAS"); do
    echo "  - {id: $i, url: \"sim://?seed=$i&width=640&height=360\"}"
  done
  echo "detection: {frame_interval_seconds: 1, track_fps: 0, detector: motion, max_cameras: $CAMERAS}"
} >"$work/pipeline.yaml"
start_broker
tick=$(getconf CLK_TCK)

cpu_ticks() {  # utime + stime of the pids given
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
sum_metric() {  # PREFIX ports...
  local prefix=$1 total=0 port
  shift
  for port in "$@"; do total=$(awk -v a="$total" -v b="$(metric "$port" "$prefix")" 'BEGIN {print a + b}'); done
  echo "$total"
}
at_one_fps() {  # cameras analysed at >= 0.95/s, per the API of port $1
  curl -fsS "http://127.0.0.1:$1/api/cameras" | python3 -c '
import json, sys
print(sum(1 for c in json.load(sys.stdin)["data"] if c["fps"] >= 0.95))'
}

echo "detection throughput: $CAMERAS sim:// motion cameras, 640x360, 1 fps, tracking off;" \
  "${SECONDS_MEASURED} s measured after ${WARMUP} s warm-up; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %9s  %-24s %9s %9s %6s\n' procs frames/s "per proc" dropped/s "at 1 fps" cores
for n in "${COUNTS[@]}"; do
  ids=() ports=() run_pids=()
  for i in $(seq 1 "$n"); do
    id="n$n-d$i"
    start_tmon "$id" detect --instance-id "$id"
    ids+=("$id")
  done
  for id in "${ids[@]}"; do ports+=("$(api_port "$id")"); run_pids+=("${tmon_pid[$id]}"); done
  # Settled: every instance owns cameras and the counts add up.
  start=$(date +%s)
  while true; do
    total=0
    for port in "${ports[@]}"; do
      owned=$(metric "$port" tmon_fleet_cameras_owned)
      (( owned > 0 )) || { total=-1; break; }
      total=$((total + owned))
    done
    (( total == CAMERAS )) && break
    (( $(date +%s) - start < 180 )) || { echo "$n processes: the group did not settle" >&2; exit 1; }
    sleep 0.5
  done
  sleep "$WARMUP"
  f0=$(sum_metric 'detection_total{' "${ports[@]}")
  d0=$(sum_metric detect_frames_dropped_total "${ports[@]}")
  per0=(); for port in "${ports[@]}"; do per0+=("$(metric "$port" 'detection_total{')"); done
  c0=$(cpu_ticks "${run_pids[@]}"); t0=$(date +%s.%N)
  sleep "$SECONDS_MEASURED"
  f1=$(sum_metric 'detection_total{' "${ports[@]}")
  d1=$(sum_metric detect_frames_dropped_total "${ports[@]}")
  per=""; for i in "${!ports[@]}"; do
    per+="$(awk -v a="${per0[$i]}" -v b="$(metric "${ports[$i]}" 'detection_total{')" -v s="$SECONDS_MEASURED" 'BEGIN {printf "%.1f", (b - a) / s}') "
  done
  c1=$(cpu_ticks "${run_pids[@]}"); t1=$(date +%s.%N)
  steady=$(at_one_fps "${ports[0]}")
  awk -v n="$n" -v f="$((${f1%.*} - ${f0%.*}))" -v d="$((${d1%.*} - ${d0%.*}))" -v s="$SECONDS_MEASURED" \
    -v per="$per" -v ok="$steady" -v cams="$CAMERAS" -v c="$((c1 - c0))" -v tick="$tick" -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" 'BEGIN {
    printf "%-6d %9.1f  %-24s %9.2f %5d/%-3d %6.2f\n", n, f / s, per, d / s, ok, cams, c / tick / w }'
  for pid in "${run_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${run_pids[@]}"; do
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
done
