"""Part of `make run`: wait until the gateway is ready, print the URLs and logins, then idle.

It must keep running: honcho stops every process as soon as one of them exits.
"""
import os
import signal
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GATEWAY = "http://127.0.0.1:8000"
WAIT_S = float(os.environ.get("ANNOUNCE_WAIT_S", "180"))


def metrics_ports(procfile, base_port, concurrency):
    """Each process's PORT, computed the way honcho assigns it: +100 per Procfile line, +1 per instance."""
    ports = {}
    port = base_port
    with open(procfile, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#") or ":" not in line:
                continue
            name = line.split(":", 1)[0].strip()
            ports[name] = [port + i for i in range(concurrency.get(name, 1))]
            port += 100
    return ports


def parse_concurrency(text):
    pairs = (item.split("=") for item in text.split(",") if "=" in item)
    return {name.strip(): int(num) for name, num in pairs}


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
    base = int(os.environ.get("HONCHO_BASE_PORT", "5000"))
    ports = metrics_ports(os.path.join(ROOT, "deploy", "Procfile"), base,
                          parse_concurrency(os.environ.get("HONCHO_CONCURRENCY", "")))
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
        " S3 (moto_server)         http://127.0.0.1:9000",
        " RabbitMQ management      http://127.0.0.1:15672  (guest/guest)",
        "",
        " Đăng nhập / login: ban tổ chức (organizer) admin / admin",
        "   (BOOTSTRAP_ADMIN_USERNAME / BOOTSTRAP_ADMIN_PASSWORD; đổi mật khẩu khi dùng thật)",
        " Dữ liệu SQLite / data: ./var    Dừng / stop: Ctrl-C",
        "=" * 64,
        "",
    ]
    print("\n".join(lines), flush=True)
    # Idle until honcho stops us (SIGTERM on Ctrl-C).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
