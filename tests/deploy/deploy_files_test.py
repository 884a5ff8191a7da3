#!/usr/bin/env python3
"""Static checks of deploy/: the files parse, agree with each other and are
accepted by the tools that will read them.

- grafana-dashboard.json: valid Grafana JSON model, every panel on the
  ${DS_PROMETHEUS} datasource, every query valid PromQL (promtool);
- prometheus.yml and systemd/prometheus.yml: accepted by `promtool check
  config` (with alerts.yml beside them) and scraping the same jobs and ports;
- the compose files, provisioning files and deploy/config/*.yaml parse as
  YAML (python3-yaml); the compose services listen where prometheus.yml
  scrapes; deploy/config loads with `tmon config check --strict`, and its
  alert thresholds equal config/monitoring.yaml's (alerts.yml comes from those);
- systemd units: the directives operators rely on, the ports prometheus
  scrapes, and `systemd-analyze verify` where it exists.

No Docker engine is needed (`docker compose config` runs only where the
compose plugin exists). Exit 0 ok, 1 failures, 77 (skipped) when python3-yaml
is missing and everything else passed.

Usage: deploy_files_test.py SOURCE_DIR PROMTOOL [TMON_BINARY]
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # python3-yaml (scripts/setup.sh installs it)
    yaml = None

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kwargs)


def dashboard_checks(deploy, promtool):
    with open(os.path.join(deploy, "grafana-dashboard.json"), encoding="utf-8") as f:
        dashboard = json.load(f)
    check(dashboard.get("uid") == "tmon-pipeline", "dashboard uid should be tmon-pipeline")
    check(isinstance(dashboard.get("schemaVersion"), int), "dashboard needs a schemaVersion")
    variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
    check(variables.get("DS_PROMETHEUS", {}).get("type") == "datasource",
          "dashboard needs the datasource variable DS_PROMETHEUS")
    ids = set()
    exprs = []

    def walk(panels):
        for panel in panels:
            title = panel.get("title", "?")
            check(panel.get("id") not in ids, f"panel id {panel.get('id')} is used twice")
            ids.add(panel.get("id"))
            pos = panel.get("gridPos", {})
            check(pos.get("x", 0) + pos.get("w", 0) <= 24, f"panel {title!r} is wider than the grid")
            if panel.get("type") != "row":
                check(panel.get("datasource", {}).get("uid") == "${DS_PROMETHEUS}",
                      f"panel {title!r} should use the ${{DS_PROMETHEUS}} datasource")
                check(panel.get("targets"), f"panel {title!r} has no query")
                for target in panel.get("targets", []):
                    if check(target.get("expr"), f"panel {title!r} has an empty query"):
                        exprs.append((title, target["expr"]))
            walk(panel.get("panels", []))

    walk(dashboard.get("panels", []))
    # Every query must be valid PromQL: promtool parses them as recording rules
    # (Grafana's interval variables replaced by a duration).
    with tempfile.TemporaryDirectory() as tmp:
        rules = {"groups": [{"name": "dashboard", "rules": [
            {"record": f"tmon:dashboard_query_{i}",
             "expr": re.sub(r"\$__(rate_)?interval|\$__range", "5m", expr)}
            for i, (_, expr) in enumerate(exprs)]}]}
        path = os.path.join(tmp, "dashboard_queries.yml")
        with open(path, "w") as f:
            json.dump(rules, f)  # JSON is YAML
        result = run([promtool, "check", "rules", path])
        check(result.returncode == 0,
              "a dashboard query is not valid PromQL:\n" + result.stdout + result.stderr)
    print(f"dashboard: {len(ids)} panels, {len(exprs)} queries")


def scrape_targets(path):
    """job -> sorted ports of a prometheus.yml (regex: works without yaml)."""
    jobs = {}
    job = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*- job_name:\s*(\S+)", line)
            if m:
                job = m.group(1)
                jobs[job] = []
            for host, port in re.findall(r"'([\w.-]+):(\d+)'", line):
                if job:
                    jobs[job].append((host, int(port)))
    return jobs


def prometheus_checks(deploy, promtool):
    compose_cfg = os.path.join(deploy, "prometheus.yml")
    systemd_cfg = os.path.join(deploy, "systemd", "prometheus.yml")
    for cfg in (compose_cfg, systemd_cfg):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(cfg, os.path.join(tmp, "prometheus.yml"))
            shutil.copy(os.path.join(deploy, "alerts.yml"), os.path.join(tmp, "alerts.yml"))
            result = run([promtool, "check", "config", os.path.join(tmp, "prometheus.yml")])
            check(result.returncode == 0,
                  f"promtool check config {cfg}:\n{result.stdout}{result.stderr}")
    compose_jobs = scrape_targets(compose_cfg)
    systemd_jobs = scrape_targets(systemd_cfg)
    ports = lambda jobs: {j: sorted(p for _, p in t) for j, t in jobs.items()}
    check(ports(compose_jobs) == ports(systemd_jobs),
          f"prometheus.yml and systemd/prometheus.yml scrape different ports: "
          f"{ports(compose_jobs)} vs {ports(systemd_jobs)}")
    for job in ("tmon-detect", "tmon-generate", "tmon-schedule", "tmon-aggregate"):
        check(job in compose_jobs, f"prometheus.yml should scrape job {job}")
    return compose_jobs


def systemd_checks(deploy, compose_jobs):
    unit_dir = os.path.join(deploy, "systemd")
    units = {}
    for name in sorted(os.listdir(unit_dir)):
        if name.endswith((".service", ".target")):
            with open(os.path.join(unit_dir, name), encoding="utf-8") as f:
                units[name] = f.read()
    for name in ("tmon-detect.service", "tmon-api.service", "tmon-generate.service",
                 "tmon-schedule@.service", "tmon-aggregate.service"):
        if not check(name in units, f"deploy/systemd/{name} is missing"):
            continue
        text = units[name]
        for directive in ("Restart=on-failure", "RestartSec=", "User=tmon",
                          "EnvironmentFile=/etc/tmon/tmon.env", "KillSignal=SIGTERM",
                          "TimeoutStopSec=", "ExecStart="):
            check(directive in text, f"{name} lacks {directive}")
        command = name.split(".")[0].replace("tmon-", "").rstrip("@")
        check(re.search(rf"ExecStart=.*tmon {command} --config-dir /etc/tmon", text),
              f"{name}: ExecStart should run `tmon {command} --config-dir /etc/tmon`")
    expected = {
        "tmon-generate": "--metrics-port 9091",
        "tmon-aggregate": "--metrics-port 9094",
    }
    for job, flag in expected.items():
        port = int(flag.split()[-1])
        check(flag in units.get(f"{job}.service", ""), f"{job}.service should pass {flag}")
        check([port] == [p for _, p in compose_jobs.get(job, [])],
              f"prometheus.yml should scrape {job} on {port}")
    check("--ops-port $$((9091 + %i))" in units.get("tmon-schedule@.service", ""),
          "tmon-schedule@.service should listen on 9091 + instance")
    check(sorted(p for _, p in compose_jobs.get("tmon-schedule", [])) == [9092, 9093],
          "prometheus.yml should scrape tmon-schedule@1 and @2 on 9092 and 9093")
    # systemd's own parser, where it exists: binary and user replaced by ones
    # that exist here, so only the unit syntax is judged.
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("systemd units: systemd-analyze not found, syntax not verified")
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, text in units.items():
            text = (text.replace("/usr/local/bin/tmon", "/bin/true")
                    .replace("User=tmon", "User=root").replace("Group=tmon", "Group=root")
                    .replace("EnvironmentFile=/etc/", "EnvironmentFile=-/etc/"))
            name = name.replace("@.service", "@1.service")
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
            paths.append(os.path.join(tmp, name))
        result = run([analyze, "verify", "--man=no"] + paths,
                     env=dict(os.environ, SYSTEMD_LOG_LEVEL="notice"))
        output = "\n".join(line for line in (result.stdout + result.stderr).splitlines()
                           if "tmon" in line and "Failed to" not in line)
        check(result.returncode == 0 and not output,
              f"systemd-analyze verify:\n{result.stdout}{result.stderr}")
        print(f"systemd units: {len(units)} verified by systemd-analyze")


def yaml_checks(source, deploy, compose_jobs, tmon):
    def load(path):
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)

    files = ["prometheus.yml", "systemd/prometheus.yml", "alerts.yml", "alerts_test.yml",
             "docker-compose.infra.yml", "docker-compose.streaming.yml",
             "grafana/provisioning/datasources/prometheus.yml",
             "grafana/provisioning/dashboards/tmon.yml",
             "config/api_keys.yaml", "config/monitoring.yaml", "config/pipeline.yaml"]
    docs = {}
    for name in files:
        try:
            docs[name] = load(os.path.join(deploy, name))
        except Exception as e:  # noqa: BLE001 - report any parse error
            check(False, f"deploy/{name} is not valid YAML: {e}")
    if len(docs) != len(files):
        return
    # Rules: every alert has what an operator needs.
    for rule in docs["alerts.yml"]["groups"][0]["rules"]:
        for key in ("alert", "expr", "for"):
            check(rule.get(key), f"alert rule without {key}: {rule}")
        check(rule.get("labels", {}).get("severity") in ("warning", "critical"),
              f"{rule.get('alert')}: severity")
        check(rule.get("annotations", {}).get("summary") and
              rule.get("annotations", {}).get("description"),
              f"{rule.get('alert')}: summary and description")
    # Thresholds: the compose config's equal the shipped ones alerts.yml is made of.
    shipped = load(os.path.join(source, "config", "monitoring.yaml"))
    check(docs["config/monitoring.yaml"].get("alerts") == shipped.get("alerts"),
          "deploy/config/monitoring.yaml alerts: must equal config/monitoring.yaml's")
    # Compose: infra services with health checks, tmon services where Prometheus scrapes.
    infra = docs["docker-compose.infra.yml"]["services"]
    for name in ("kafka", "redis", "prometheus", "grafana"):
        check(name in infra and "healthcheck" in infra[name],
              f"docker-compose.infra.yml: {name} with a healthcheck")
    streaming = docs["docker-compose.streaming.yml"]["services"]
    for job, targets in compose_jobs.items():
        for host, port in targets:
            if job == "prometheus":
                continue
            service = streaming.get(host)
            if not check(service is not None,
                         f"prometheus.yml scrapes {host}, no such streaming service"):
                continue
            command = " ".join(service.get("command", []))
            check(str(port) in command or (port == 5000 and "detect" in command),
                  f"{host} should listen on {port}: {command}")
            check(str(port) in " ".join(service.get("healthcheck", {}).get("test", [])),
                  f"{host}: healthcheck on port {port}")
    # The compose config loads strictly (keys from the environment).
    if tmon:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(os.path.join(source, "config", "kafka.yaml"), tmp)
            for name in ("api_keys.yaml", "monitoring.yaml", "pipeline.yaml"):
                shutil.copy(os.path.join(deploy, "config", name), tmp)
            env = dict(os.environ, DASHSCOPE_API_KEY="sk-deploy-test-0000",
                       TMON_ADMIN_TOKEN="deploy-test-token",
                       TMON_KAFKA_BOOTSTRAP_SERVERS="kafka:9092",
                       TMON_REDIS_URL="redis://redis:6379/0")
            result = run([tmon, "config", "check", "--strict", "--config-dir", tmp], env=env)
            check(result.returncode == 0,
                  f"tmon config check --strict on the compose config:\n{result.stderr[-2000:]}")
    # docker compose config, where the compose plugin exists.
    docker = shutil.which("docker")
    if docker and run([docker, "compose", "version"]).returncode == 0:
        for name in ("docker-compose.infra.yml", "docker-compose.streaming.yml"):
            result = run([docker, "compose", "-f", os.path.join(deploy, name), "config", "-q"])
            check(result.returncode == 0, f"docker compose config {name}:\n{result.stderr}")
    else:
        print("compose files: no `docker compose` here, checked as YAML only")
    print(f"yaml: {len(docs)} files parsed")


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    source, promtool = sys.argv[1], sys.argv[2]
    tmon = sys.argv[3] if len(sys.argv) == 4 else None
    deploy = os.path.join(source, "deploy")
    dashboard_checks(deploy, promtool)
    compose_jobs = prometheus_checks(deploy, promtool)
    systemd_checks(deploy, compose_jobs)
    if yaml is not None:
        yaml_checks(source, deploy, compose_jobs, tmon)
    for failure in failures:
        print("FAIL:", failure)
    if failures:
        return 1
    if yaml is None:
        print("SKIP: python3-yaml is not installed, YAML files not parsed")
        return 77
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
