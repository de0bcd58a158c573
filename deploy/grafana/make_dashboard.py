"""Writes deploy/grafana/dashboards/cchc.json (the provisioned dashboard): edit the panels here, run
`.venv/bin/python deploy/grafana/make_dashboard.py`, commit both. Plain JSON is hard to review;
this list of (title, queries) is not."""
import json
import os

DS = {"type": "prometheus", "uid": "cchc-prometheus"}

# (title, unit, [(PromQL, legend)]) per panel; rows of two panels.
PANELS = [
    ("Yêu cầu HTTP mỗi giây theo route", "reqps",
     [('sum by (method, route) (rate(cchc_gateway_requests_total[5m]))', "{{method}} {{route}}")]),
    ("Tỷ lệ lỗi HTTP (4xx, 5xx) theo route", "reqps",
     [('sum by (route, status) (rate(cchc_gateway_requests_total{status=~"[45].."}[5m]))', "{{status}} {{route}}")]),
    ("Độ trễ HTTP p95 theo route", "s",
     [('histogram_quantile(0.95, sum by (le, route) (rate(cchc_gateway_request_seconds_bucket[5m])))', "{{route}}")]),
    ("Độ trễ HTTP p50 / p99 (mọi route)", "s",
     [('histogram_quantile(0.5, sum by (le) (rate(cchc_gateway_request_seconds_bucket[5m])))', "p50"),
      ('histogram_quantile(0.99, sum by (le) (rate(cchc_gateway_request_seconds_bucket[5m])))', "p99")]),
    ("RPC mỗi giây theo phương thức và kết quả", "reqps",
     [('sum by (service, method, outcome) (rate(cchc_gateway_rpc_calls_total[5m]))',
       "{{service}}.{{method}} {{outcome}}")]),
    ("Độ trễ RPC p95 theo phương thức", "s",
     [('histogram_quantile(0.95, sum by (le, service, method) (rate(cchc_gateway_rpc_seconds_bucket[5m])))',
       "{{service}}.{{method}}")]),
    ("Tin nhắn chờ trong hàng đợi", "short",
     [('max by (queue) (cchc_queue_messages_ready)', "{{queue}} chờ"),
      ('max by (queue) (cchc_queue_messages_unacked)', "{{queue}} đang xử lý")]),
    ("Số consumer mỗi hàng đợi (tiến trình dịch vụ)", "short",
     [('max by (queue) (cchc_queue_consumers)', "{{queue}}")]),
    ("Độ trễ chấm điểm (nộp bài → có điểm)", "s",
     [('histogram_quantile(0.5, sum by (le) (rate(cchc_scoring_grading_lag_seconds_bucket[5m])))', "p50"),
      ('histogram_quantile(0.95, sum by (le) (rate(cchc_scoring_grading_lag_seconds_bucket[5m])))', "p95"),
      ('histogram_quantile(0.99, sum by (le) (rate(cchc_scoring_grading_lag_seconds_bucket[5m])))', "p99")]),
    ("Lượt thi đang làm bài", "short",
     [('max by (contest) (cchc_quiz_attempts_in_progress)', "{{contest}}")]),
    ("Lỗi trong tiến trình dịch vụ mỗi giây", "short",
     [('sum by (service, entrypoint, exc_type) (rate(cchc_worker_errors_total[5m]))',
       "{{service}}.{{entrypoint}} {{exc_type}}")]),
    ("Thời gian xử lý p95 trong dịch vụ", "s",
     [('histogram_quantile(0.95, sum by (le, service, entrypoint) (rate(cchc_worker_seconds_bucket[5m])))',
       "{{service}}.{{entrypoint}}")]),
    ("Tiến trình đang chạy (up)", "short",
     [('sum by (job, service) (up)', "{{job}} {{service}}")]),
    ("Bài đã chấm mỗi phút", "short",
     [('sum(rate(cchc_scoring_grading_lag_seconds_count[5m])) * 60', "bài/phút")]),
    ("Giờ cao điểm: việc chờ để ưu tiên bài nộp", "short",
     [('sum(cchc_quiz_events_held)', "sự kiện nộp bài đang giữ")]),
]


def panel(i, title, unit, queries):
    return {
        "id": i + 1, "type": "timeseries", "title": title, "datasource": DS,
        "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
        "targets": [{"refId": chr(65 + k), "datasource": DS, "expr": expr, "legendFormat": legend}
                    for k, (expr, legend) in enumerate(queries)],
    }


def dashboard():
    return {
        "uid": "cchc-overview", "title": "Hội thi CCHC – Tổng quan vận hành",
        "tags": ["cchc"], "timezone": "browser", "schemaVersion": 39, "version": 1,
        "refresh": "30s", "time": {"from": "now-6h", "to": "now"},
        "panels": [panel(i, *p) for i, p in enumerate(PANELS)],
    }


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards", "cchc.json")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(dashboard(), fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    print(out)
