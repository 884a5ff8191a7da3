#!/usr/bin/env bash
# Re-measures the scheduler figures of docs/PERFORMANCE.md ("LLM scheduler
# against the provider's behaviour", issue 15): each run writes
# reports/scheduler_NAME.json and prints its summary. Runs one after another
# (about 15 minutes); give names to run only some:
#   scripts/scheduler-figures.sh jitter_1 tpm
# Nothing else should run meanwhile: the figures are for a quiet 2-core host.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x build/tmon ]] || scripts/setup.sh
mkdir -p reports

# The scenario of issue 15: 3 accounts x (10/s, 600/min), latency median 1 s,
# 45 tasks/s offered, 60 s of load after a 10 s warm-up (unless a run says).
base=(--accounts 3 --qps 10 --rpm 600 --offered 45)

run() {
  local name=$1
  shift
  local args=("${base[@]}")
  [[ " $* " == *" --duration "* ]] || args+=(--duration 60 --warmup 10)
  echo "== $name: build/tmon bench scheduler ${args[*]} $*"
  build/tmon bench scheduler "${args[@]}" "$@" --report-file "reports/scheduler_$name.json" |
    sed -n '/^result:/,$p'
}

all=(steady_1 steady_2 jitter_1 jitter_2 jitter_restart tpm quota_outage revoke fallback)
for name in "${@:-${all[@]}}"; do
  case $name in
    steady_1) run steady_1 ;;
    steady_2) run steady_2 --instances 2 ;;
    jitter_1) run jitter_1 --jitter-ms 40 ;;
    jitter_2) run jitter_2 --jitter-ms 40 --instances 2 ;;
    # Restarted after 20 s: the margin learned before comes back from Redis;
    # measured over the 60 s after the restart (+5 s).
    jitter_restart) run jitter_restart --jitter-ms 40 --restart-at 20 --duration 85 --warmup 10 ;;
    # Tokens per minute bind (about 45% of what 10/s would use), crops of four
    # sizes. A minute window needs a minute to fill: measured from 70 s to 190 s.
    tpm) run tpm --tpm 250000 --mixed-crops --duration 190 --warmup 70 ;;
    # acct-1 answers insufficient_quota for 30 s from t=10 s.
    quota_outage) run quota_outage --quota-outage 30 --fault-at 10 ;;
    # key-1-1 revoked from t=10 s for 15 s; probed every 20 s.
    revoke) run revoke --revoke-for 15 --fault-at 10 --probe-seconds 20 ;;
    # qwen-vl-plus out on every account from t=10 s; qwen-vl-max as fallback.
    fallback) run fallback --fallback-model qwen-vl-max --fault-at 10 ;;
    *) echo "unknown run: $name" >&2; exit 2 ;;
  esac
done
