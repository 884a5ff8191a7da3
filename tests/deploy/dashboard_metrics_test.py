#!/usr/bin/env python3
"""Every metric the Grafana dashboard and the alert rules query is exported by
a running tmon.

Starts `tmon up` on loopback port 0 (it reports the port it got; a private
redis-server when one is installed, else tmon's in-process store), scrapes its /metrics until every
queried name has been seen or the run ends, and fails listing the names tmon
never exported. `tmon up` serves every stage's metrics on its API port, so
one process covers the per-stage processes' metrics too.

Usage: dashboard_metrics_test.py TMON_BINARY DASHBOARD_JSON ALERTS_YML SOURCE_DIR
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

# A private redis-server of our own (tests/browser/support.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "browser"))
from support import start_redis  # noqa: E402

# Series that Prometheus makes itself, not tmon.
PROMETHEUS_SERIES = {
    "up": "Prometheus' per-target health series",
}

# Families that prometheus-cpp leaves out of /metrics until their first
# labelled child exists, and that a healthy short demo run never creates.
# Each needs a real fault to appear, so the test cannot wait for it.
EVENT_ONLY = {
    "dead_letters_total": "only after a malformed message is dead-lettered",
    "kafka_produce_errors_total": "only after a produce fails",
    "tasks_expired_total": "only after a task passes its deadline",
    "llm_rate_limited_total": "only after the provider answers 429",
    "llm_retries_total": "only after an LLM call is retried",
    "detect_frames_dropped_total": "only after a camera drops a frame",
    "tasks_deduplicated_total": "only after de-duplication suppresses a group, "
                                "which a 25 s run of moving sim:// traffic may not do",
}

PROMQL_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
    "group_right", "bool", "offset", "inf", "nan", "atan2",
}

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def metric_names(expr):
    """Metric names an expression selects (not functions, labels or keywords)."""
    s = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)              # string literals
    s = re.sub(r"'(?:\\.|[^'\\])*'", "''", s)
    s = re.sub(r"\$\{?\w+\}?", " ", s)                       # dashboard variables
    s = re.sub(r"\{[^}]*\}", " ", s)                           # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)                          # range selectors
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
               " ", s)                                         # label lists
    s = re.sub(r"(?<![A-Za-z0-9_:])\d[\w.]*", " ", s)          # numbers, durations
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", s):
        name = match.group(0)
        rest = s[match.end():].lstrip()
        if rest.startswith("("):
            continue  # a function or aggregation
        if name.lower() in PROMQL_KEYWORDS:
            continue
        names.add(name)
    return names


def dashboard_exprs(dashboard):
    exprs = []

    def walk(panels):
        for panel in panels:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    exprs.append((panel.get("title", "?"), target["expr"]))
            walk(panel.get("panels", []))

    walk(dashboard.get("panels", []))
    return exprs


def alert_exprs(path):
    """expr values of a rule file rendered by `tmon alerts render`."""
    exprs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*- alert: (\S+)", line)
            if m:
                alert = m.group(1)
            m = re.match(r"\s*expr: '(.*)'\s*$", line)
            if m:
                exprs.append((alert, m.group(1).replace("''", "'")))
    return exprs


def exported_names(text):
    """Family names (# TYPE) and sample names in a Prometheus text exposition."""
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) >= 3:
                names.add(parts[2])
        elif line and not line.startswith("#"):
            m = re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line)
            if m:
                names.add(m.group(0))
    return names


def is_exported(name, exported):
    if name in exported:
        return True
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in exported:
            return True
    return False


def reported_api_port(log_path):
    """The port `tmon up --api-port 0` says it bound, once it has said so."""
    with open(log_path, encoding="utf-8", errors="replace") as f:
        match = re.search(r"API: http://127\.0\.0\.1:(\d+)", f.read())
    return int(match.group(1)) if match else None


def http_get(port, path, timeout=2.0):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as reply:
        return reply.read().decode("utf-8", "replace")


def stop(process, grace):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    tmon, dashboard_path, alerts_path, source_dir = sys.argv[1:]
    with open(dashboard_path, encoding="utf-8") as f:
        dashboard = json.load(f)

    queried = {}  # metric name -> where it is queried
    for where, expr in dashboard_exprs(dashboard) + alert_exprs(alerts_path):
        for name in metric_names(expr):
            queried.setdefault(name, set()).add(where)
    assert "llm_calls_total" in queried, "the dashboard should query llm_calls_total"
    wanted = {n for n in queried if n not in PROMETHEUS_SERIES}
    print(f"{len(wanted)} metric names queried by the dashboard and alert rules")

    workdir = tempfile.mkdtemp(prefix="tmon-dashboard-test-")
    redis, redis_url = start_redis(workdir)
    config_dir = os.path.join(workdir, "config")
    os.makedirs(config_dir)
    with open(os.path.join(config_dir, "pipeline.yaml"), "w") as f:
        f.write("cameras:\n"
                "  - {id: dash-cam-1, url: \"sim://?seed=31&density=0.9\", frame_interval_seconds: 1}\n"
                "  - {id: dash-cam-2, url: \"sim://?seed=32&density=0.9\", frame_interval_seconds: 1}\n"
                f"redis:\n  url: {redis_url}\n"
                # Quiet news (a first sight with at most a TTC/PET candidate)
                # may wait 9 s, longer than most road users stay in a 25 s
                # run: sent at once, it makes the results whose series this
                # test needs. The policy itself is tested in generate_test.
                "tasks:\n  dedup:\n    quiet_news_waits: false\n")
    with open(os.path.join(config_dir, "kafka.yaml"), "w") as f:
        f.write("bootstrap_servers: embedded\nconsumer:\n  fetch_wait_max_ms: 10\n")
    env = dict(os.environ, DASHSCOPE_API_KEY="", TMON_REDIS_URL=redis_url)
    env.pop("TMON_API_PORT", None)
    log_path = os.path.join(workdir, "tmon.log")
    log = open(log_path, "w")
    up = subprocess.Popen(
        # Port 0: tmon binds a free port and prints it ("API: http://127.0.0.1:PORT").
        [tmon, "up", "--duration", "25", "--api-port", "0", "--config-dir", config_dir],
        stdout=log, stderr=subprocess.STDOUT, env=env)

    exported = set()
    saw_llm_calls = False
    api_port = None
    try:
        # Union over scrapes: some series appear only once results flow.
        deadline = time.monotonic() + 24
        while time.monotonic() < deadline and up.poll() is None:
            if api_port is None:
                api_port = reported_api_port(log_path)
                if api_port is None:
                    time.sleep(0.1)
                    continue
            try:
                text = http_get(api_port, "/metrics")
                exported |= exported_names(text)
                saw_llm_calls = saw_llm_calls or re.search(
                    r"^llm_calls_total\{", text, re.M) is not None
            except OSError:
                pass  # not listening yet
            if saw_llm_calls and all(is_exported(n, exported) or n in EVENT_ONLY
                                     for n in wanted):
                break
            time.sleep(0.5)
    finally:
        stop(up, grace=30)
        log.close()
        if redis is not None:
            stop(redis, grace=5)

    # An event-only family must at least be registered by name in the sources
    # (`.Name("...")`), so a typo is still caught. (Not the binary: GCC builds
    # short literals from immediates, so names need not appear in it.)
    registered = set()
    for root, _, files in os.walk(os.path.join(source_dir, "src")):
        for name in files:
            if name.endswith(".cc") and "/tests" not in root:
                with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                    registered |= set(re.findall(r'\.Name\("([A-Za-z_:][A-Za-z0-9_:]*)"\)', f.read()))
    missing = sorted(n for n in wanted if not is_exported(n, exported) and n not in EVENT_ONLY)
    unseen_event_only = sorted(n for n in wanted if n in EVENT_ONLY and not is_exported(n, exported))
    ok = True
    if unseen_event_only:
        print("not seen in /metrics, allowed because they appear only after an event:")
        for n in unseen_event_only:
            declared = n in registered
            print(f"  {n}: {EVENT_ONLY[n]}; "
                  f"{'registered in src/' if declared else 'NOT registered anywhere in src/'}")
            if not declared:
                missing.append(n)
    if not saw_llm_calls:
        print("FAIL: tmon up never exported llm_calls_total samples (did the pipeline run?)")
        ok = False
    if missing:
        print("FAIL: queried but never exported by tmon:")
        for n in missing:
            print(f"  {n}  (queried by: {', '.join(sorted(queried[n]))})")
        ok = False
    if not ok:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            print("---- tmon up output (tail) ----")
            print("".join(f.readlines()[-40:]))
    shutil.rmtree(workdir, ignore_errors=True)
    if ok:
        print(f"ok: all {len(wanted)} queried metrics are exported")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
