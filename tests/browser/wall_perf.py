#!/usr/bin/env python3
"""How hard a 16-tile wall works the browser: headless Chromium shows 16 live
sim:// cameras of a real `tmon up` for DURATION seconds; every SAMPLE seconds
the DevTools Performance domain is read for the main thread's busy time
(TaskDuration: every task the renderer's main thread ran) and the JS heap.
Prints one line per sample and a JSON summary (busy % over the run, heap at
start / end / max, frames drawn per tile).

Not in the default suite (it takes minutes): run it by hand, e.g.
  /usr/bin/python3 tests/browser/wall_perf.py build/tmon --duration 120

Usage: wall_perf.py TMON_BINARY [--duration S] [--sample S] [--cameras N] [--interval S]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard_test as support  # noqa: E402  (redis, tmon, the browser)


def metrics(driver):
    return {m["name"]: m["value"] for m in driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tmon")
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--sample", type=float, default=10)
    parser.add_argument("--cameras", type=int, default=16)
    parser.add_argument("--interval", type=float, default=1.0, help="frame interval of each camera (s)")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="tmon-wall-perf-")
    redis, redis_url = support.start_redis(workdir)
    config_dir = os.path.join(workdir, "config")
    os.makedirs(config_dir)
    cameras = [f"perf-{i + 1:02d}" for i in range(args.cameras)]
    with open(os.path.join(config_dir, "pipeline.yaml"), "w") as f:
        f.write("cameras:\n")
        for i, camera in enumerate(cameras):
            f.write(f"  - {{id: {camera}, url: \"sim://?seed={100 + i}&density=0.8\", "
                    f"frame_interval_seconds: {args.interval}}}\n")
        f.write(f"redis:\n  url: {redis_url}\n")
    with open(os.path.join(config_dir, "kafka.yaml"), "w") as f:
        f.write("bootstrap_servers: embedded\nconsumer:\n  fetch_wait_max_ms: 10\n")
    tmon = support.Tmon(args.tmon, config_dir, redis_url, workdir)
    page = None
    try:
        tmon.start()
        port = tmon.port
        page = support.Page(port, workdir)
        page.open("#wall")
        page.js("localStorage.setItem('tmon.wall.layout', '16');"
                "localStorage.removeItem('tmon.wall.tiles');")
        page.open(f"?token={support.ADMIN_TOKEN}#wall")
        support.wait_for("16 tiles drawing", lambda: (lambda t: len(t) == 16 and all(
            x["drawn"] >= 1 for x in t))(page.tiles()), 60, 0.5)
        page.driver.execute_cdp_cmd("Performance.enable", {"timeDomain": "timeTicks"})
        start = metrics(page.driver)
        drawn_start = sum(t["drawn"] for t in page.tiles())
        t0 = time.monotonic()
        samples = []
        previous = start
        while time.monotonic() - t0 < args.duration:
            time.sleep(args.sample)
            now = metrics(page.driver)
            busy = (now["TaskDuration"] - previous["TaskDuration"]) / (now["Timestamp"] - previous["Timestamp"])
            samples.append({"t": round(time.monotonic() - t0), "busyPct": round(100 * busy, 1),
                            "heapMB": round(now["JSHeapUsedSize"] / 1e6, 2)})
            print(json.dumps(samples[-1]), flush=True)
            previous = now
        end = metrics(page.driver)
        drawn = sum(t["drawn"] for t in page.tiles()) - drawn_start
        elapsed = end["Timestamp"] - start["Timestamp"]
        summary = {
            "cameras": args.cameras, "tiles": 16, "frameIntervalS": args.interval,
            "durationS": round(elapsed), "mainThreadBusyPct": round(
                100 * (end["TaskDuration"] - start["TaskDuration"]) / elapsed, 1),
            "scriptPct": round(100 * (end["ScriptDuration"] - start["ScriptDuration"]) / elapsed, 1),
            "maxSampleBusyPct": max(s["busyPct"] for s in samples),
            "heapStartMB": round(start["JSHeapUsedSize"] / 1e6, 2),
            "heapEndMB": round(end["JSHeapUsedSize"] / 1e6, 2),
            "heapMaxMB": max(s["heapMB"] for s in samples),
            "framesDrawnPerTilePerS": round(drawn / 16 / elapsed, 2),
        }
        print(json.dumps(summary))
        return 0
    finally:
        if page:
            page.quit()
        tmon.stop()
        if redis:
            redis.terminate()
            redis.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
