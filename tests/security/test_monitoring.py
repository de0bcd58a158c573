"""Monitoring: the metrics the dashboards and alerts use exist on the running processes and move;
the alert rules and the Grafana provisioning are well-formed (promtool when it can be had).

Lives in the security layer because it needs the same real processes and is part of the same
operations sweep (issue 7).
"""
import datetime as dt
import json
import os
import re
import shutil
import subprocess

import httpx
import pytest
import yaml

from tests.e2e.quizclient import iso, make_bank, now_utc, sheet, tag, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def load_yaml(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def metric_names(text):
    """Every metric name of an exposition, with and without its histogram/counter suffixes."""
    names = set()
    for line in text.splitlines():
        match = re.match(r"(?:# (?:HELP|TYPE) )?([a-zA-Z_:][a-zA-Z0-9_:]*)", line)
        if match:
            names.add(base_name(match.group(1)))
    return names


def base_name(name):
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def cchc_metrics_in(expr):
    return {base_name(m) for m in re.findall(r"\bcchc_[a-z0-9_]+", expr)}


def scrape(cluster):
    """{process: exposition text} of the gateway and every service process."""
    texts = {"gateway": cluster.http.get("/metrics").text}
    for (service, n), port in cluster.metrics_ports.items():
        texts[f"{service}-{n}"] = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return texts


def sample(text, name, **labels):
    """Value of one sample (labels must match exactly those given), else None."""
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.match(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)$", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if found == labels:
            return float(match.group(2))
    return None


# --- static: files ---------------------------------------------------------------------------

def alert_rules():
    return [rule for group in load_yaml(DEPLOY, "prometheus", "alerts.yml")["groups"] for rule in group["rules"]]


def test_alert_rules_are_complete_and_cover_the_issue():
    rules = alert_rules()
    names = {r["alert"] for r in rules}
    assert {"ServiceDown", "ServiceAbsent", "QueueBackingUp", "GatewayErrorRateHigh"} <= names
    for rule in rules:
        assert rule["expr"].strip() and re.fullmatch(r"\d+[smh]", rule["for"]), rule
        assert rule["labels"]["severity"] in ("warning", "critical"), rule
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule


def test_prometheus_loads_the_rules_and_compose_mounts_them():
    config = load_yaml(DEPLOY, "prometheus", "prometheus.yml")
    assert "alerts.yml" in config["rule_files"]
    compose = load_yaml(ROOT, "docker-compose.yml")
    mounts = compose["services"]["prometheus"]["volumes"]
    assert any(m.startswith("./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml") for m in mounts), mounts


def _promtool():
    found = shutil.which("promtool")
    cached = os.path.join(ROOT, "tests", "artifacts", "promtool", "usr", "bin", "promtool")
    return found or (cached if os.access(cached, os.X_OK) else None)


def test_promtool_accepts_the_config_and_rules():
    promtool = _promtool()
    if promtool is None:
        pytest.skip("promtool not installed (scripts/check_monitoring.sh fetches it from Debian's package)")
    result = subprocess.run([promtool, "check", "config", os.path.join(DEPLOY, "prometheus", "prometheus.yml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr
    # The rules' own unit tests: each alert fires on a made-up outage, and only then.
    result = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=os.path.join(DEPLOY, "prometheus"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def dashboard():
    with open(os.path.join(DEPLOY, "grafana", "dashboards", "cchc.json"), encoding="utf-8") as fh:
        return json.load(fh)


def test_grafana_is_provisioned_with_the_dashboard():
    datasource = load_yaml(DEPLOY, "grafana", "provisioning", "datasources", "prometheus.yml")["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    provider = load_yaml(DEPLOY, "grafana", "provisioning", "dashboards", "cchc.yml")["providers"][0]
    board = dashboard()
    assert board["uid"] and len(board["panels"]) >= 10
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel["title"]
    grafana = load_yaml(ROOT, "docker-compose.yml")["services"]["grafana"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert any(v.endswith(":" + provider["options"]["path"] + ":ro") for v in grafana["volumes"]), grafana["volumes"]


def test_committed_dashboard_is_what_make_dashboard_generates():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_dashboard", os.path.join(DEPLOY, "grafana", "make_dashboard.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.dashboard() == dashboard(), "run .venv/bin/python deploy/grafana/make_dashboard.py and commit"


# --- live: the processes -----------------------------------------------------------------------

def test_every_metric_used_by_alerts_and_dashboard_is_exported(cluster, users):
    exported = set()
    for text in scrape(cluster).values():
        exported |= metric_names(text)
    used = set()
    for rule in alert_rules():
        used |= cchc_metrics_in(rule["expr"])
    for panel in dashboard()["panels"]:
        for target in panel["targets"]:
            used |= cchc_metrics_in(target["expr"])
    assert used, "no cchc_ metric found in the rules: the regex broke"
    assert not used - exported, f"used by alerts or dashboard but exported by no process: {sorted(used - exported)}"


def test_queue_gauges_show_consumers_of_every_service(cluster):
    def consumers_shown():
        # The management API's figures lag a few seconds behind a cluster that has just started.
        text = cluster.http.get("/metrics").text
        assert sample(text, "cchc_queue_exporter_up") == 1.0
        assert sample(text, "cchc_queue_consumers", queue="rpc-quiz") == 2.0
        for service in ("scoring", "media", "awards"):
            assert sample(text, "cchc_queue_consumers", queue=f"rpc-{service}") == 1.0, service
        assert sample(text, "cchc_queue_messages_ready", queue="rpc-quiz") is not None
        return True

    wait_for(consumers_shown, 30, 1)


def test_attempts_in_progress_and_grading_lag_follow_an_attempt(cluster, api, users, unit_code):
    admin = users["organizer"]["headers"]
    code = f"sec-mon-{tag()}"
    bank = make_bank(code, 4)
    now = now_utc()
    rounds = [{"opens_at": iso(now - dt.timedelta(minutes=1)), "closes_at": iso(now + dt.timedelta(hours=1))}]
    api.setup_contest(admin, code, rounds, {"questions_per_attempt": 3, "time_limit_s": 600,
                                            "max_attempts_per_round": 1, "grace_s": 30}, bank)
    person = api.new_contestant(unit_code, full_name="Lê Thị Giám Sát")
    resp = api.start(person["headers"], code, 1)
    assert resp.status_code == 201, resp.text
    paper = resp.json()

    def quiz_texts():
        return [t for p, t in scrape(cluster).items() if p.startswith("quiz-")]

    def in_progress_is_one():
        # Every quiz instance's sweep counts the shared database (every 2 s).
        return all(sample(t, "cchc_quiz_attempts_in_progress", contest=code) == 1.0 for t in quiz_texts())

    wait_for(in_progress_is_one, 30, 0.5)

    def graded_count():
        return sample(scrape(cluster)["scoring-1"], "cchc_scoring_grading_lag_seconds_count") or 0.0

    before = graded_count()
    by_text = {q["text"]: q for q in bank}
    resp = api.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, 2))
    assert resp.status_code == 202, resp.text
    wait_for(lambda: graded_count() == before + 1, 30, 0.5)
    wait_for(lambda: all(sample(t, "cchc_quiz_attempts_in_progress", contest=code) is None for t in quiz_texts()),
             30, 0.5)
    lag_sum = sample(scrape(cluster)["scoring-1"], "cchc_scoring_grading_lag_seconds_sum")
    assert lag_sum is not None and lag_sum >= 0
