#!/usr/bin/env python3
"""The dashboard of a `tmon api` showing a camera that another process pulls
(issue 18), in headless Chromium: one `tmon broker`, a redis-server, a
`tmon detect --instance-id far-1` that pulls the camera, and a `tmon api`
that serves the dashboard and pulls nothing. Checks:
  devices  the camera is listed with its owner, far-1, streaming;
  wall     its tile draws frames that reached the page over /ws (previews
           the owner publishes while the page watches), with the objects of
           the newest detection_result, and the picture itself;
  system   the key pool panel says the scheduler runs in another process
           (a `tmon api` runs none) instead of an error;
  console  no console errors.
Screenshots go to OUTPUT_DIR/screenshots (fleet-devices.png, fleet-wall.png,
fleet-system.png).

Usage: fleet_dashboard_test.py TMON_BINARY OUTPUT_DIR
Exit 77 (skipped) when chromium, chromium-driver or python3-selenium is missing.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard_test as base  # noqa: E402 - exits 77 without selenium
from selenium.webdriver.common.by import By  # noqa: E402

CAMERA = "far-cam"
OWNER = "far-1"


def start(binary, args, env, log_path):
    log = open(log_path, "w")
    return subprocess.Popen([binary] + args, env=env, stdout=log, stderr=subprocess.STDOUT), log


def stop(process):
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tail(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return "".join(f.readlines()[-30:])


def main():
    args = base.arguments(__doc__)
    if isinstance(args, int):
        return args
    binary, shots = args
    if not shutil.which("redis-server"):
        print("SKIP: redis-server is not installed (live view across processes needs it)")
        return 77
    workdir = tempfile.mkdtemp(prefix="tmon-fleet-browser-test-")
    redis, redis_url = base.start_redis(workdir)
    config_dir = os.path.join(workdir, "config")
    os.makedirs(config_dir)
    with open(os.path.join(config_dir, "pipeline.yaml"), "w") as f:
        f.write(f"cameras:\n  - {{id: {CAMERA}, url: \"sim://?seed=5&density=0.9\", "
                "frame_interval_seconds: 0.5}\n")
        f.write(f"redis:\n  url: {redis_url}\n")
        f.write("preview: {lease_ttl_seconds: 3, lease_refresh_seconds: 1, lease_poll_seconds: 0.5}\n")
    with open(os.path.join(config_dir, "kafka.yaml"), "w") as f:
        f.write("consumer:\n  fetch_wait_max_ms: 10\nfleet:\n  status_period_seconds: 1\n")
    env = dict(os.environ, TMON_REDIS_URL=redis_url, TMON_ADMIN_TOKEN=base.ADMIN_TOKEN)
    for name in ("TMON_API_PORT", "TMON_KAFKA_BOOTSTRAP_SERVERS"):
        env.pop(name, None)
    logs = {name: os.path.join(workdir, name + ".log") for name in ("broker", "detect", "api")}
    processes, files = [], []
    page = None
    ok = False
    try:
        broker_out = os.path.join(workdir, "broker.out")
        with open(broker_out, "w") as out:
            broker = subprocess.Popen([binary, "broker", "--config-dir", config_dir], env=env,
                                      stdout=out, stderr=open(logs["broker"], "w"))
        processes.append(broker)
        bootstrap = base.wait_for("the broker's address", lambda: open(broker_out).readline().strip(), 15)
        detect, log = start(binary, ["detect", "--config-dir", config_dir, "--api-port", "0",
                                     "--instance-id", OWNER, "--brokers", bootstrap], env, logs["detect"])
        processes.append(detect)
        files.append(log)
        api, log = start(binary, ["api", "--config-dir", config_dir, "--api-port", "0",
                                  "--brokers", bootstrap], env, logs["api"])
        processes.append(api)
        files.append(log)
        port = int(base.wait_for("tmon api's port", lambda: (re.findall(
            r"API: http://127\.0\.0\.1:(\d+)", open(logs["api"]).read()) or [None])[0], 30))
        base.wait_for("tmon api to answer health",
                      lambda: base.http_json(port, "/health/health_check")[0] == 200, 30, 0.2)
        # The API process pulls nothing itself: the camera is another's.
        base.wait_for("the camera owned by far-1 per the API", lambda: any(
            c["cameraId"] == CAMERA and c["owner"] == OWNER
            for c in base.http_json(port, "/api/cameras")[1]["data"]), 60, 0.5)

        page = base.Page(port, shots)
        page.open(f"?token={base.ADMIN_TOKEN}#devices")
        row = f'#device-table tr[data-camera-id="{CAMERA}"]'
        owner = base.wait_for("the camera listed with its owner", lambda: (lambda cells: cells[0].text
                              if cells and cells[0].text == OWNER else None)(
            page.driver.find_elements(By.CSS_SELECTOR, row + " td.owner")), 20, 0.25)
        base.wait_for("the camera shown streaming", lambda: page.driver.find_element(
            By.CSS_SELECTOR, row + " .dot").get_attribute("data-status") == "1", 20, 0.25)
        detector = page.driver.find_elements(By.CSS_SELECTOR, row + " td")[4].text
        assert detector == "motion", f"detector column says {detector!r}"
        header = [th.text for th in page.driver.find_elements(By.CSS_SELECTOR, "#device-table thead th")]
        assert "节点" in header, header
        page.shot("fleet-devices")
        print(f"devices: {CAMERA} listed, owner {owner}, streaming")

        page.driver.get(f"http://127.0.0.1:{port}/#wall")
        base.wait_for("the camera's tile drawing frames", lambda: (lambda t: t[0] if t and
                             t[0]["camera"] == CAMERA and t[0]["drawn"] >= 3 and t[0]["requestId"]
                             else None)(page.tiles()), 40, 0.25)
        # What the tile drew came to this page over /ws, picture included.
        page.collect()
        frames = [f for f in page.frames if str(f.get("cameraId")) == CAMERA]
        assert frames, "no detection_result of the camera in the network log"
        drawn = page.tiles()[0]
        page.collect()
        frames = [f for f in page.frames if str(f.get("cameraId")) == CAMERA]
        ids = [f.get("requestId") for f in frames]
        assert drawn["requestId"] in ids, f"drew {drawn['requestId']}, received {ids[-5:]}"
        assert any(f.get("frame") for f in frames), "the frames carry no picture"
        painted = page.js("""const c = document.querySelector('#wall .tile[data-index="0"] canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let lit = 0; for (let i = 0; i < d.length; i += 64) if (d[i] + d[i + 1] + d[i + 2] > 60) lit++;
            return lit / (d.length / 64);""")
        assert painted > 0.2, f"the tile's canvas is mostly dark ({painted:.2f} lit)"
        page.shot("fleet-wall")
        print(f"wall: {CAMERA} drawn {drawn['drawn']} times from {len(frames)} frames received "
              f"over /ws of tmon api; canvas {painted:.0%} lit")

        # `tmon api` runs no scheduler: the key pool panel says where it is.
        page.driver.get(f"http://127.0.0.1:{port}/#system")
        keys_text = base.wait_for("the key pool panel to say where the scheduler is", lambda: (
            lambda text: text if "tmon schedule" in text else None)(
            page.driver.find_element(By.ID, "sys-keys").text), 15, 0.25)
        assert "不可用" not in keys_text and "404" not in keys_text, keys_text
        page.shot("fleet-system")
        print(f"system: key pool panel says {keys_text!r}")
        page.collect()
        errors = [e for _, e in page.console if e["level"] == "SEVERE"]
        assert not errors, f"console errors: {errors}"
        ok = True
        print("PASS")
    except Exception as e:  # noqa: BLE001 - any failure: report, screenshot, clean up
        print(f"FAIL: {type(e).__name__}: {e}")
        if page:
            try:
                page.shot("fleet-failure")
            except Exception:  # noqa: BLE001
                pass
        for name, path in logs.items():
            if os.path.exists(path):
                print(f"--- {name} log (tail) ---")
                print(tail(path))
    finally:
        if page:
            page.quit()
            page = None
        for process in reversed(processes):
            stop(process)
        for log in files:
            log.close()
        base.close(page, redis, workdir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
