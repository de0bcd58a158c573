"""Part of `make run`: wait until the gateway is ready, print the URLs and logins, then exit.

supervisord (scripts/supervise.py) starts it once and does not restart it; the metrics ports come from
the same rule supervise.py gives the services (`metrics_ports`).
"""
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import supervise  # noqa: E402

ENV = supervise.run_env()
GATEWAY = f"http://127.0.0.1:{ENV['GATEWAY_PORT']}"
WAIT_S = float(os.environ.get("ANNOUNCE_WAIT_S", "180"))


def wait_ready():
    deadline = time.monotonic() + WAIT_S
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(GATEWAY + "/readyz", timeout=5) as resp:
                if resp.status == 200:
                    return True, None
        except urllib.error.HTTPError as exc:
            last = exc.read().decode("utf-8", "replace")[:300]
        except OSError as exc:
            last = str(exc)
        time.sleep(1)
    return False, last


def main():
    ready, last = wait_ready()
    if not ready:
        print(f"⚠ Gateway chưa sẵn sàng sau {WAIT_S:.0f} s / gateway not ready: {last}", flush=True)
    ports = supervise.metrics_ports(ENV)
    lines = [
        "",
        "=" * 64,
        " Hội thi CCHC đang chạy / is running" if ready else " Hội thi CCHC (chưa sẵn sàng / not ready yet)",
        "=" * 64,
        f" Cổng thông tin, API      {GATEWAY}/",
        f" Tài liệu API (OpenAPI)   {GATEWAY}/docs",
        f" Sẵn sàng / readiness     {GATEWAY}/readyz",
        f" Metrics gateway          {GATEWAY}/metrics",
    ]
    for name in ("quiz", "scoring", "media", "awards"):
        for i, port in enumerate(ports.get(name, []), start=1):
            label = f"{name}.{i}"
            lines.append(f" Metrics {label:<16} http://127.0.0.1:{port}/metrics")
    lines += [
        f" S3 (moto_server)         http://{ENV['S3_ENDPOINT']}",
        " RabbitMQ management      http://127.0.0.1:15672  (guest/guest)",
        "",
        " Đăng nhập / login: ban tổ chức (organizer) admin / admin",
        "   (BOOTSTRAP_ADMIN_USERNAME / BOOTSTRAP_ADMIN_PASSWORD; đổi mật khẩu khi dùng thật)",
        f" Dữ liệu SQLite, nhật ký / data, logs: {os.path.relpath(ENV['DATA_DIR'])}"
        f" (log/<tiến trình>.log)    Dừng / stop: Ctrl-C",
        "=" * 64,
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
