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
source scripts/lib/processes.sh

start_redis
cp config/*.yaml "$work/"
start_tmon detect detect
api=$(api_port detect)

window() {  # label: frames analysed, previews and bytes published over WINDOW seconds
  local f0 p0 b0 f1 p1 b1
  f0=$(metric "$api" 'detection_total{'); p0=$(metric "$api" tmon_preview_frames_published_total)
  b0=$(metric "$api" tmon_preview_bytes_published_total)
  sleep "$WINDOW"
  f1=$(metric "$api" 'detection_total{'); p1=$(metric "$api" tmon_preview_frames_published_total)
  b1=$(metric "$api" tmon_preview_bytes_published_total)
  awk -v l="$1" -v w="$WINDOW" -v f="$((f1 - f0))" -v p="$((p1 - p0))" -v b="$((b1 - b0))" 'BEGIN {
    printf "%-28s %4d frames analysed, %4d previews published (%.2f/s), %8d bytes (%.0f bytes/s)\n",
           l, f, p, p / w, b, b / w }'
}

sleep 5  # cameras open, consumer group and leases settle
window "nobody watching:"
# Watch cam-01 as an API process does (WatchLeases): lease until now + 10 s, every 3 s.
(while true; do
   now=$(redis-cli -u "$TMON_REDIS_URL" TIME | head -1)
   redis-cli -u "$TMON_REDIS_URL" ZADD tmon:watch:cam-01 $((now * 1000 + 10000)) measure >/dev/null
   sleep 3
 done) &
track $!
sleep 2  # the next lease poll (1 s) sees it
window "cam-01 watched (of 4):"
