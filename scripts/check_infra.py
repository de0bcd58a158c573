"""Before `make run`: is RabbitMQ reachable? Say how to start it if not (exit 1).

SQLite needs nothing; PostgreSQL is only checked when DATABASE_URL points at it.
"""
import os
import socket
import sys
from urllib.parse import urlparse

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import settings  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import supervise  # noqa: E402


def reachable(host, port, timeout_s=3.0):
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def main():
    ok = True
    amqp = urlparse(settings.AMQP_URI)
    host, port = amqp.hostname or "127.0.0.1", amqp.port or 5672
    if reachable(host, port):
        print(f"RabbitMQ: ok ({host}:{port})")
    else:
        ok = False
        print(
            f"\nKhông kết nối được RabbitMQ tại {host}:{port}.\n"
            "Hãy khởi động RabbitMQ rồi chạy lại `make run`, ví dụ:\n"
            "    sudo rabbitmq-server -detached          (đã cài gói rabbitmq-server)\n"
            "    hoặc: docker run -d -p 5672:5672 -p 15672:15672 rabbitmq:3-management\n"
            f"\nCannot reach RabbitMQ at {host}:{port}.\n"
            "Start it and run `make run` again, e.g. `sudo rabbitmq-server -detached`\n"
            "(Debian package rabbitmq-server) or the rabbitmq:3-management Docker image.\n"
            "Set AMQP_URI if your broker lives elsewhere.",
            file=sys.stderr,
        )
    for name in ("DATABASE_URL", "QUIZ_DATABASE_URL", "SCORING_DATABASE_URL", "MEDIA_DATABASE_URL", "AWARDS_DATABASE_URL"):
        url = settings.env(name)
        if not url or not url.startswith("postgres"):
            continue
        db = urlparse(url)
        db_host, db_port = db.hostname or "127.0.0.1", db.port or 5432
        if not reachable(db_host, db_port):
            ok = False
            print(
                f"\nKhông kết nối được PostgreSQL tại {db_host}:{db_port} ({name}). Hãy khởi động PostgreSQL,\n"
                "hoặc bỏ biến này để dùng tệp SQLite trong ./var.\n"
                f"Cannot reach PostgreSQL at {db_host}:{db_port} ({name}): start it, or unset {name}\n"
                "to use SQLite files under ./var.",
                file=sys.stderr,
            )
    run = supervise.run_env()  # the ports `make run` is about to listen on (GATEWAY_PORT, S3_ENDPOINT)
    s3_host, s3_port = run["S3_ENDPOINT"].rsplit(":", 1)
    for host, port, what in (("127.0.0.1", int(run["GATEWAY_PORT"]), "gateway"), (s3_host, int(s3_port), "S3 (moto_server)")):
        if reachable(host, port, 0.5):
            ok = False
            print(
                f"\nCổng {port} ({what}) đang bị chiếm: có thể `make run` khác đang chạy.\n"
                f"Port {port} ({what}) is already in use: is another `make run` running?",
                file=sys.stderr,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
