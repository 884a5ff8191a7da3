#!/usr/bin/env bash
# Preview traffic of live view (issue 18), measured: `tmon detect` with the shipped config
# (four sim:// cameras, frame_interval_seconds 1.8, thumbnail_width 320, preview defaults) on a
# private redis-server. For WINDOW seconds nobody watches; then cam-01 is watched for WINDOW
# seconds through a lease held as an API process holds one (tmon:watch:cam-01, refreshed every
# 3 s). Prints, for each window, frames analysed and previews/bytes published, from /metrics.
#
# usage: scripts/preview-traffic.sh [WINDOW_SECONDS]   (default 60; needs build/tmon)
set -euo pipefail
WINDOW=${1:-60}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

source scripts/lib/private-redis.sh
start_private_redis "$tmp/redis.log" || { echo "could not start redis-server" >&2; exit 1; }
pids+=("$redis_pid")
port=$redis_port

cp config/*.yaml "$tmp/"
TMON_REDIS_URL="redis://127.0.0.1:$port/0" build/tmon detect --config-dir "$tmp" --api-port 0 \
  >"$tmp/out" 2>"$tmp/err" &
pids+=($!)
api=""
for _ in $(seq 600); do
  api=$(sed -n 's|.*API: http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/out" | head -1)
  [ -n "$api" ] && break
  sleep 0.1
done
[ -n "$api" ] || { echo "tmon detect did not start:"; cat "$tmp/err"; exit 1; }

metric() {  # the sum of a metric's samples whose line starts with $1
  curl -s "http://127.0.0.1:$api/metrics" | awk -v s="$1" 'index($0, s) == 1 {sum += $NF} END {print sum + 0}'
}
window() {  # label: frames analysed, previews and bytes published over WINDOW seconds
  local f0 p0 b0 f1 p1 b1
  f0=$(metric 'detection_total{'); p0=$(metric tmon_preview_frames_published_total)
  b0=$(metric tmon_preview_bytes_published_total)
  sleep "$WINDOW"
  f1=$(metric 'detection_total{'); p1=$(metric tmon_preview_frames_published_total)
  b1=$(metric tmon_preview_bytes_published_total)
  awk -v l="$1" -v w="$WINDOW" -v f="$((f1 - f0))" -v p="$((p1 - p0))" -v b="$((b1 - b0))" 'BEGIN {
    printf "%-28s %4d frames analysed, %4d previews published (%.2f/s), %8d bytes (%.0f bytes/s)\n",
           l, f, p, p / w, b, b / w }'
}

sleep 5  # cameras open, consumer group and leases settle
window "nobody watching:"
# Watch cam-01 as an API process does (WatchLeases): lease until now + 10 s, every 3 s.
(while true; do
   now=$(redis-cli -p "$port" TIME | head -1)
   redis-cli -p "$port" ZADD tmon:watch:cam-01 $((now * 1000 + 10000)) measure >/dev/null
   sleep 3
 done) &
pids+=($!)
sleep 2  # the next lease poll (1 s) sees it
window "cam-01 watched (of 4):"
