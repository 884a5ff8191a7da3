#!/usr/bin/env python3
"""The dashboard in a real browser (headless Debian Chromium driven by
Selenium) against a real `tmon up` on loopback port 0 (it reports the port it got).

Checks, in order:
  wall      4 tiles whose canvases change, each drawing the objects of its
            camera's newest detection_result (held against the /ws frames
            Chromium itself received, from its DevTools network log);
  alerts    a high alert raised by the pipeline (sim:// near misses judged
            high by the built-in mock LLM) is in the inbox within 3 s of
            being stored, can be marked handled, and stays handled after a
            reload;
  devices   a camera added in the form appears, streams on a tile; a bad URL
            shows the API's own error text;
  system    health components are listed;
  reconnect stopping the server shows "reconnecting"; starting it again on
            the same port, the page recovers and draws again;
  console   no console errors (except the refused connections while the
            server is down).
Screenshots of every view go to OUTPUT_DIR/screenshots.

Usage: dashboard_test.py TMON_BINARY OUTPUT_DIR
Exit 77 (skipped) when chromium, chromium-driver or python3-selenium is missing.
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
import urllib.error
import urllib.request

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:
    print("SKIP: python3-selenium is not installed (scripts/setup.sh installs it)")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import start_redis, wait_for  # noqa: E402  (ports, redis, waits)

ADMIN_TOKEN = "dashboard-test-admin-token-0123456789"
CAMERAS = ["wall-1", "wall-2", "wall-3", "wall-4"]


def http_json(port, path, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {ADMIN_TOKEN}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Tmon:
    """`tmon up`; can be stopped and started again on the same port (the
    page's origin). The first start binds port 0 and reads the port tmon
    reports; a restart re-binds that known port, retrying while the old
    socket lingers."""

    def __init__(self, binary, config_dir, redis_url, workdir):
        self.binary, self.config_dir, self.port = binary, config_dir, 0
        self.env = dict(os.environ, DASHSCOPE_API_KEY="", TMON_REDIS_URL=redis_url,
                        TMON_ADMIN_TOKEN=ADMIN_TOKEN)
        self.env.pop("TMON_API_PORT", None)
        self.workdir = workdir
        self.process = None
        self.starts = 0

    def launch(self):
        self.starts += 1
        self.log_path = os.path.join(self.workdir, f"tmon-{self.starts}.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [self.binary, "up", "--api-port", str(self.port), "--config-dir", self.config_dir],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def reported_port(self):
        """The API port this run reports once it listens; 0 if it exited."""
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            match = re.search(r"API: http://127\.0\.0\.1:(\d+)", f.read())
        if match:
            return int(match.group(1))
        return 0 if self.process.poll() is not None else None

    def start(self):
        port = None
        for _ in range(5):
            self.launch()
            deadline = time.monotonic() + 30
            port = self.reported_port()
            while port is None and time.monotonic() < deadline:
                time.sleep(0.1)
                port = self.reported_port()
            if port:
                break
            if self.process.poll() is None:  # silent for 30 s: not a port clash
                self.process.kill()
                self.process.wait()
            self.log.close()  # exited: the known port is held by someone; try again
            time.sleep(1)
        assert port and self.port in (0, port), f"tmon up did not listen on {self.port}:\n{self.tail()}"
        self.port = port
        wait_for("tmon up to answer health",
                 lambda: http_json(self.port, "/health/health_check")[0] == 200, 30, 0.2)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def tail(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-40:])


class Page:
    def __init__(self, port, shots):
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1600,1000", "--disable-gpu", "--lang=zh-CN",
                     "--autoplay-policy=no-user-gesture-required"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        self.driver = webdriver.Chrome(service=Service(driver_path), options=options)
        self.driver.set_page_load_timeout(30)
        self.port = port
        self.shots = shots
        self.frames = []    # detection_result data received by the page, in order
        self.console = []   # (epoch seconds, entry)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def open(self, suffix=""):
        self.driver.get(f"http://127.0.0.1:{self.port}/{suffix}")

    def shot(self, name):
        path = os.path.join(self.shots, name + ".png")
        self.driver.save_screenshot(path)
        print(f"screenshot: {path}")

    def collect(self):
        """Drains Chromium's logs: /ws frames received, console messages."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") != "Network.webSocketFrameReceived":
                continue
            payload = message["params"]["response"].get("payloadData", "")
            if '"detection_result"' not in payload[:40]:
                continue
            try:
                self.frames.append(json.loads(payload)["data"])
            except ValueError:
                pass
            if len(self.frames) > 4000:
                del self.frames[:2000]
        for entry in self.driver.get_log("browser"):
            self.console.append((entry["timestamp"] / 1000.0, entry))  # when it was logged

    def tiles(self):
        return self.js("""return [...document.querySelectorAll('#wall .tile')].map(t => {
            const c = t.querySelector('canvas');
            return {camera: c.dataset.cameraId || '', drawn: Number(c.dataset.drawn || 0),
                    requestId: c.dataset.requestId || '', boxes: c.dataset.boxes || '[]'};});""")

    def quit(self):
        self.driver.quit()


def check_wall(page):
    page.open(f"?token={ADMIN_TOKEN}#wall")
    # The token is exchanged for a session and leaves the address bar.
    wait_for("the token to leave the address bar",
             lambda: "token=" not in page.driver.current_url, 10)
    tiles = wait_for("4 tiles showing the 4 cameras",
                     lambda: (lambda t: t if len(t) == 4 and
                              sorted(x["camera"] for x in t) == sorted(CAMERAS) and
                              all(x["drawn"] >= 1 and x["requestId"] for x in t) else None)(page.tiles()),
                     30, 0.25)
    first = {t["camera"]: t["requestId"] for t in tiles}
    wait_for("every canvas to change", lambda: all(
        t["requestId"] and t["requestId"] != first[t["camera"]] for t in page.tiles()), 20, 0.25)
    # The motion detector learns the background first: wait for boxes on every tile.
    wait_for("boxes on every tile", lambda: all(json.loads(t["boxes"]) for t in page.tiles()), 60, 0.25)
    # Each canvas draws its camera's newest frame: its boxes are that frame's objects.
    page.collect()
    for tile in page.tiles():
        page.collect()  # after the snapshot: every frame it may show is logged
        by_camera = [f for f in page.frames if str(f.get("cameraId")) == tile["camera"]]
        assert by_camera, f"no detection_result for {tile['camera']} in the network log"
        ids = [f.get("requestId") for f in by_camera]
        assert tile["requestId"] in ids, f"{tile['camera']}: drew a frame never received"
        # The newest, or one just before it when newer frames arrived while
        # the snapshot was taken (at 2 frames/s per camera, rarely more than one).
        assert tile["requestId"] in ids[-3:], (
            f"{tile['camera']}: drew {tile['requestId']}, newest are {ids[-3:]}")
        frame = by_camera[ids.index(tile["requestId"])]
        expected = [o["bbox"] for o in frame.get("detectedObjects", [])]
        assert expected, f"{tile['camera']}: the frame drawn has no objects"
        assert json.loads(tile["boxes"]) == expected, (
            f"{tile['camera']}: boxes {tile['boxes']} != objects {expected}")
    print("wall: 4 tiles, canvases change, boxes match the newest detection_result")
    page.shot("wall")
    # A tile full-screen: the objects table and the group crops of its camera.
    page.js("document.querySelector('#wall .tile[data-index=\"1\"] button.open').click()")
    wait_for("the detail's objects and crops", lambda: page.driver.find_elements(
        By.CSS_SELECTOR, "#detail-objects tbody tr") and page.driver.find_elements(
        By.CSS_SELECTOR, "#detail-crops figure"), 15, 0.25)
    facts = page.driver.find_element(By.ID, "detail-facts").text
    assert "ms" in facts, facts
    page.shot("detail")
    page.driver.find_element(By.ID, "detail-close").click()
    print("wall: a tile opens full-screen with objects, crops and latency")


def newest_high_alert(port, known):
    status, body = http_json(port, "/api/alerts?level=high&limit=20")
    assert status == 200, body
    for alert in body["data"]:
        if alert["alertId"] not in known and not alert.get("handled"):
            return alert
    return None


def check_alerts(page, port):
    page.driver.get(f"http://127.0.0.1:{port}/#alerts")
    wait_for("the alerts view", lambda: page.js(
        "return !document.getElementById('view-alerts').hidden"), 10)
    status, body = http_json(port, "/api/alerts?level=high&limit=200")
    known = {a["alertId"] for a in body["data"]}
    # A new high alert, stored by the aggregator; the inbox must show it within 3 s.
    alert = wait_for("a new high alert from the pipeline", lambda: newest_high_alert(port, known),
                     90, 0.05)
    stored_at = time.monotonic()
    selector = f'#alert-table tr[data-alert-id="{alert["alertId"]}"]'
    wait_for("the new alert in the inbox", lambda: page.driver.find_elements(By.CSS_SELECTOR, selector), 5, 0.05)
    took = time.monotonic() - stored_at
    assert took <= 3.0, f"the alert took {took:.2f} s to appear"
    print(f"alerts: new high alert {alert['alertId']} shown {took:.2f} s after it was stored")
    page.shot("alerts")
    # The wall marks the camera of an unhandled high alert; sound is off until asked for.
    camera = str(alert["cameraId"])
    wait_for("the alert's wall tile marked", lambda: page.js(
        "return [...document.querySelectorAll('#wall .tile.alarm canvas')].map(c => c.dataset.cameraId)")
        .count(camera) >= 1, 5, 0.1)
    assert not page.driver.find_element(By.ID, "sound-toggle").is_selected(), "sound is on by default"
    # On the wall, assessed groups wear a banner with their level and risk types.
    page.driver.get(f"http://127.0.0.1:{port}/#wall")
    banner = wait_for("a risk banner on the wall", lambda: page.js(
        "const b = [...document.querySelectorAll('#wall .banner')].find(b => !b.hidden);"
        "return b ? b.textContent : null;"), 40, 0.25)
    assert any(level in banner for level in ("低", "中", "高", "严重")), banner
    page.shot("wall-assessed")
    print(f"wall: risk banner shown: {banner}")
    page.driver.get(f"http://127.0.0.1:{port}/#alerts")
    wait_for("the alert in the inbox again", lambda: page.driver.find_elements(By.CSS_SELECTOR, selector), 10)
    # The list redraws every 2 s: find and click in one step. While a note is
    # being typed the list holds still.
    page.js("document.querySelector(arguments[0] + ' button.ack').click()", selector)
    # A redraw may still replace the row between finding the field and typing
    # (a stale element): find and type in one retried step.
    def type_note():
        page.driver.find_element(By.CSS_SELECTOR, selector + " input.note").send_keys(
            "已通知交警 dashboard test")
        return True
    wait_for("the note typed", type_note, 5)
    page.js("document.querySelector(arguments[0] + ' button.confirm').click()", selector)
    wait_for("the alert to show handled", lambda: page.driver.find_element(
        By.CSS_SELECTOR, selector).get_attribute("data-handled") == "true", 5)
    page.driver.refresh()
    Select(page.driver.find_element(By.CSS_SELECTOR, "#alert-filters select[name=handled]")) \
        .select_by_value("true")
    page.driver.find_element(By.CSS_SELECTOR, "#alert-filters button[type=submit]").click()
    wait_for("the alert still handled after a reload", lambda: page.driver.find_element(
        By.CSS_SELECTOR, selector).get_attribute("data-handled") == "true", 10)
    wait_for("the note shown with the handled alert", lambda: "已通知交警 dashboard test" in
             page.driver.find_element(By.CSS_SELECTOR, selector + " td.handling").text, 10)
    status, body = http_json(port, "/api/alerts?handled=true")
    assert alert["alertId"] in [a["alertId"] for a in body["data"]], body
    print("alerts: acknowledged with a note; still handled after a reload")
    page.shot("alerts-handled")


def check_devices(page, port):
    page.driver.get(f"http://127.0.0.1:{port}/#devices")
    form = wait_for("the device form", lambda: page.driver.find_element(By.ID, "device-form"), 10)
    wait_for("the configured cameras listed", lambda: len(
        page.driver.find_elements(By.CSS_SELECTOR, "#device-table tbody tr")) >= 4, 10)

    def add(camera_id, url):
        for name, value in (("cameraId", camera_id), ("url", url)):
            field = form.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    # A bad URL: the page shows the API's own words for it.
    status, body = http_json(port, "/api/cameras", "POST", {"cameraId": "bad-cam", "url": "ftp://nowhere/x"})
    assert status == 400, (status, body)
    add("bad-cam", "ftp://nowhere/x")
    shown = wait_for("the API's error text", lambda: page.driver.find_element(By.ID, "device-error").text, 5)
    assert body["msg"] in shown, f"page says {shown!r}, API said {body['msg']!r}"
    print(f"devices: bad URL shows the API's error: {shown}")

    add("added-cam", "sim://?seed=77&density=0.8")
    wait_for("the added camera listed", lambda: page.driver.find_elements(
        By.CSS_SELECTOR, '#device-table tr[data-camera-id="added-cam"]'), 10)
    page.driver.find_element(By.ID, "check-all").click()
    wait_for("check all to answer for the added camera", lambda: page.driver.find_element(
        By.CSS_SELECTOR, '#device-table tr[data-camera-id="added-cam"] td.check').get_attribute("data-state")
        in ("online", "offline"), 15)
    page.shot("devices")
    # It streams: put it on the first tile.
    page.driver.get(f"http://127.0.0.1:{port}/#wall")
    select = wait_for("the first tile's menu", lambda: Select(page.driver.find_element(
        By.CSS_SELECTOR, '#wall .tile[data-index="0"] select')) if page.driver.find_elements(
        By.CSS_SELECTOR, '#wall .tile[data-index="0"] select option[value="added-cam"]') else None, 10)
    select.select_by_value("added-cam")
    wait_for("the added camera streaming on the wall", lambda: (lambda t: t["camera"] == "added-cam"
             and t["drawn"] >= 2 and t["requestId"])(page.tiles()[0]), 20, 0.25)
    print("devices: the added camera appears and streams on the wall")


def check_system(page, port):
    page.driver.get(f"http://127.0.0.1:{port}/#system")
    wait_for("health components", lambda: len(page.driver.find_elements(
        By.CSS_SELECTOR, "#sys-health tbody tr")) >= 3, 15)
    wait_for("the key pool", lambda: len(page.driver.find_elements(
        By.CSS_SELECTOR, "#sys-keys tbody tr")) >= 1, 15)
    page.shot("system")
    # English on request, remembered across a reload; then back to Chinese.
    page.driver.find_element(By.ID, "lang-toggle").click()
    page.driver.refresh()
    wait_for("English after a reload", lambda: page.driver.find_element(
        By.CSS_SELECTOR, '#tabs a[data-view="wall"]').text == "Wall", 10)
    page.shot("system-en")
    page.driver.find_element(By.ID, "lang-toggle").click()
    assert page.driver.find_element(By.CSS_SELECTOR, '#tabs a[data-view="wall"]').text == "监控墙"
    print("system: health and key pool shown; English switch persists")
    page.driver.get(f"http://127.0.0.1:{port}/#wall")


def expected_failure(entry):
    """Answers the test asked for, which Chromium logs as console errors."""
    text = entry["message"]
    if "/api/cameras" in text and "status of 400" in text:
        return True  # the bad URL the test submits
    # Login endpoints: absent (404) until the authentication work lands.
    return ("/api/login" in text or "/api/session" in text) and "status of 404" in text


def check_reconnect(page, tmon):
    page.collect()
    errors = [e for _, e in page.console if e["level"] == "SEVERE" and not expected_failure(e)]
    assert not errors, f"console errors: {errors}"
    wait_for("the wall live", lambda: page.js("return document.getElementById('conn').dataset.state") == "open", 10)
    tmon.stop()
    down_from = time.time()
    wait_for("'reconnecting'", lambda: page.js(
        "return document.getElementById('conn').dataset.state") == "reconnecting", 10)
    text = page.driver.find_element(By.ID, "conn").text
    assert "重连" in text or "Reconnecting" in text, text
    page.shot("reconnecting")
    tmon.start()
    up_at = time.time()
    before = {t["camera"]: t["drawn"] for t in page.tiles()}
    wait_for("the page live again", lambda: page.js(
        "return document.getElementById('conn').dataset.state") == "open", 30, 0.2)
    # The configured cameras come back with the server (the one added at run
    # time does not: it was not in the config).
    wait_for("tiles drawing again", lambda: all(
        t["drawn"] > before.get(t["camera"], 0) for t in page.tiles() if t["camera"] in CAMERAS), 30, 0.25)
    print("reconnect: 'reconnecting' while down, live and drawing again after the restart")
    page.collect()
    # While the server was down the browser logs refused connections; nothing else.
    errors = [e for at, e in page.console if e["level"] == "SEVERE" and not expected_failure(e) and not (
        down_from - 1 <= at <= up_at + 10 and ("ERR_CONNECTION_REFUSED" in e["message"] or
                                               "WebSocket connection" in e["message"] or
                                               "Failed to fetch" in e["message"]))]
    assert not errors, f"console errors: {errors}"


def arguments(doc):
    """(TMON_BINARY, screenshots folder) from the command line, or the exit
    code: 2 for a wrong command line, 77 (skipped) without the browser."""
    if len(sys.argv) != 3:
        print(doc, file=sys.stderr)
        return 2
    binary, output_dir = sys.argv[1:]
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        print("SKIP: chromium and chromium-driver are not installed (scripts/setup.sh installs them)")
        return 77
    shots = os.path.join(output_dir, "screenshots")
    os.makedirs(shots, exist_ok=True)
    return binary, shots


def close(page, redis, workdir):
    """The browser, redis-server and the work folder, whatever happened."""
    if page:
        page.quit()
    if redis:
        redis.terminate()
        redis.wait()
    shutil.rmtree(workdir, ignore_errors=True)


def main():
    args = arguments(__doc__)
    if isinstance(args, int):
        return args
    binary, shots = args
    workdir = tempfile.mkdtemp(prefix="tmon-browser-test-")
    redis, redis_url = start_redis(workdir)
    config_dir = os.path.join(workdir, "config")
    os.makedirs(config_dir)
    with open(os.path.join(config_dir, "pipeline.yaml"), "w") as f:
        f.write("cameras:\n")
        for i, camera in enumerate(CAMERAS):
            # Reckless drivers crowding pedestrians: the mock LLM calls that high.
            f.write(f"  - {{id: {camera}, url: \"sim://?seed={41 + i}&density=0.9&near_miss=0.9\", "
                    "frame_interval_seconds: 0.5}\n")
        f.write(f"redis:\n  url: {redis_url}\n")
    with open(os.path.join(config_dir, "kafka.yaml"), "w") as f:
        f.write("bootstrap_servers: embedded\nconsumer:\n  fetch_wait_max_ms: 10\n")
    tmon = Tmon(binary, config_dir, redis_url, workdir)
    page = None
    ok = False
    try:
        tmon.start()
        port = tmon.port
        page = Page(port, shots)
        check_wall(page)
        check_alerts(page, port)
        check_devices(page, port)
        check_system(page, port)
        check_reconnect(page, tmon)
        ok = True
        print("PASS")
    except Exception as e:  # noqa: BLE001 - any failure: report, screenshot, clean up
        print(f"FAIL: {type(e).__name__}: {e}")
        if page:
            try:
                page.shot("failure")
            except Exception:  # noqa: BLE001
                pass
        print("--- tmon log (tail) ---")
        print(tmon.tail())
    finally:
        tmon.stop()
        close(page, redis, workdir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
