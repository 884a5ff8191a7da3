#!/usr/bin/env bash
# Re-measures the pipeline figures of docs/PERFORMANCE.md ("The whole
# pipeline"): each run writes reports/NAME.json and reports/NAME.html.
# Runs one after another (about 40 minutes); give names to run only some:
#   scripts/perf-figures.sh one_camera fifty_cameras
# Nothing else should run meanwhile: the figures are for a quiet 2-core host.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x build/tmon ]] || scripts/setup.sh
mkdir -p reports

# Limits raised so far that the LLM is never the bottleneck (detections-only).
unlimited=(--accounts 10 --qps 1000 --rpm 100000 --max-concurrent 4000 --queue-size 4000)

run() {
  local name=$1
  shift
  echo "== $name: build/tmon bench $*"
  build/tmon bench "$@" --report-file "reports/$name.json" --no-progress || true
}

all=(one_camera fifty_cameras fifty_tracked overload_200 detections_300 detections_600
     detections_900 track_default track_dense)
for name in "${@:-${all[@]}}"; do
  case $name in
    one_camera) run one_camera --cameras 1 --duration 300 ;;
    # The guide's 50-camera run, at the default frame interval of 1.8 s.
    fifty_cameras) run fifty_cameras --cameras 50 --duration 600 --e2e-p95-target-ms 2000 ;;
    # 50 cameras tracking at 5 fps (detection.track_fps) with the rest of the pipeline.
    fifty_tracked) run fifty_tracked --cameras 50 --duration 180 ;;
    overload_200) run overload_200 --cameras 200 --duration 300 ;;
    # Detection and tracking quality, clean and under each real-camera condition.
    track_default) build/tmon bench track --seconds 120 --seeds 3 \
      --report-file reports/track_default.json ;;
    track_dense) build/tmon bench track --seconds 120 --seeds 3 --density 1.0 --near-miss 0.3 \
      --report-file reports/track_dense.json ;;
    detections_*) run "$name" --cameras "${name#detections_}" --duration 120 --detections-only \
      "${unlimited[@]}" ;;
    *) echo "unknown run: $name" >&2; exit 2 ;;
  esac
done
