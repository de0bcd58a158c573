"""`make run`: the whole platform on one machine under supervisord.

supervisord (PyPI `supervisor`) restarts a process that dies and leaves the others serving; Ctrl-C
(SIGINT to supervisord) stops every process, each with SIGTERM to its whole process group, SIGKILL
after `stopwaitsecs`, and supervisord exits only when they are all gone.

This script writes the supervisord configuration for this run into the data folder and replaces
itself with supervisord (`exec`: no extra process between make and supervisord, so Ctrl-C and
`kill` reach supervisord directly).

Environment: deploy/run.env gives defaults, the caller's environment wins (`LOG_LEVEL=DEBUG make run`).
Besides the services' own variables it reads:
  QUIZ_INSTANCES  quiz processes (competing consumers), default 2
  GATEWAY_PORT    the gateway's port on 127.0.0.1, default 8000
  S3_ENDPOINT     host:port of moto's S3 server (the `s3` process listens there), default 127.0.0.1:9000
  RUN_BASE_PORT   first Prometheus exporter port of the services, default 5000 (rule below)
  DATA_DIR        SQLite files, logs (log/<process>.log), supervisord's socket, default ./var
  GATEWAY_WORKERS uvicorn workers of the gateway, default 1; SCORING_NICE niceness of scoring, default 10
  BROKER_USERS    `true` (default): each process connects as its own RabbitMQ user, made here with
                  scripts/broker_users.py on AMQP_URI's host and vhost (common/broker_acl.py limits
                  each to what it uses; ACTOR_CALLERS=cchc-gateway). Without RabbitMQ's management API
                  the users cannot be made: every process then uses AMQP_URI's user, with a warning.

Port rule (scripts/announce.py prints the URLs from `metrics_ports`): the n-th process line of
PROCESSES gets RUN_BASE_PORT + 100 × n, its k-th instance + k - 1: quiz 5200 and 5201, scoring 5300,
media 5400, awards 5500 (the rule honcho applied before, so dashboards and bookmarks keep working).

Operators: `.venv/bin/supervisorctl -c var/supervisord.conf status` (or `restart cchc:scoring`,
`tail -f cchc:quiz-1`): every process but `announce` is in the group `cchc`.
"""
import os
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
RUN_ENV = os.path.join(ROOT, "deploy", "run.env")

NAMEKO = [os.path.join(BIN, "nameko"), "run", "--config", os.path.join(ROOT, "deploy", "nameko.yaml")]

# (name, instances variable or None, metrics exporter?) in port-rule order: do not reorder (ports move).
PROCESSES = [
    ("s3", None, False),
    ("gateway", None, False),
    ("quiz", "QUIZ_INSTANCES", True),
    ("scoring", None, True),
    ("media", None, True),
    ("awards", None, True),
    ("announce", None, False),
]


def read_env_file(path):
    """KEY=VALUE lines (comments and blank lines skipped, no shell expansion), as honcho read them."""
    values = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def run_env(environ=None):
    """deploy/run.env under the caller's environment, plus the defaults this run derives."""
    env = read_env_file(RUN_ENV)
    env.update(environ if environ is not None else os.environ)
    env.setdefault("QUIZ_INSTANCES", "2")
    env.setdefault("GATEWAY_PORT", "8000")
    env.setdefault("S3_ENDPOINT", "127.0.0.1:9000")
    env.setdefault("RUN_BASE_PORT", "5000")
    env.setdefault("DATA_DIR", os.path.join(ROOT, "var"))
    # The portal of this run may upload to the bucket (media writes it into the bucket's CORS rules).
    port = env["GATEWAY_PORT"]
    env.setdefault("S3_CORS_ORIGINS", f"http://127.0.0.1:{port},http://localhost:{port}")
    return env


def instances(env, name):
    var = dict((n, v) for n, v, _m in PROCESSES)[name]
    return max(1, int(env.get(var) or 1)) if var else 1


def metrics_ports(env):
    """{process name: [exporter port of each instance]} for the processes that export metrics."""
    base = int(env.get("RUN_BASE_PORT") or 5000)
    ports = {}
    for i, (name, _var, exports) in enumerate(PROCESSES):
        if exports:
            ports[name] = [base + 100 * i + k for k in range(instances(env, name))]
    return ports


def commands(env):
    """[(program name, argv, extra environment)] of every process of this run."""
    s3_host, s3_port = env["S3_ENDPOINT"].rsplit(":", 1)
    ports = metrics_ports(env)
    out = [
        ("s3", [os.path.join(BIN, "moto_server"), "-H", s3_host, "-p", s3_port], {}),
        # GATEWAY_WORKERS: uvicorn worker processes (stateless; bench/RESULTS.md measured 2 on 2 cores).
        # gateway.serve gives them one fresh Prometheus multiprocess directory: /metrics sums them all.
        ("gateway", [os.path.join(BIN, "python"), "-m", "gateway.serve", "--host", "127.0.0.1",
                     "--port", env["GATEWAY_PORT"], "--workers", env.get("GATEWAY_WORKERS") or "1"], {}),
    ]
    for name in ("quiz", "scoring", "media", "awards"):
        argv = NAMEKO + [f"services.{name}.service"]
        if name == "scoring":
            # Grading is asynchronous (a queue absorbs a rush), so on one machine scoring yields the CPU
            # to the requests people wait for (bench/RESULTS.md: deadline rush 220 -> 263 submits/s).
            argv = ["nice", "-n", env.get("SCORING_NICE") or "10"] + argv
        several = instances(env, name) > 1
        for k, port in enumerate(ports[name], start=1):
            out.append((f"{name}-{k}" if several else name, argv, {"METRICS_PORT": str(port)}))
    out.append(("announce", [sys.executable, os.path.join(ROOT, "scripts", "announce.py")], {}))
    return out


def _quote(arg):
    # supervisord splits `command` like a shell (shlex) and expands %(...)s: escape both.
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def config(env):
    data = env["DATA_DIR"]
    logs = os.path.join(data, "log")
    lines = [
        "; Written by scripts/supervise.py at each `make run`: edit that script, not this file.",
        "[supervisord]",
        f"logfile={os.path.join(logs, 'supervisord.log')}",
        "logfile_maxbytes=10MB",
        f"pidfile={os.path.join(data, 'supervisord.pid')}",
        "nodaemon=true",
        # Echo supervisord's own log (spawned, exited, restarted) to the terminal too.
        "silent=false",
        f"directory={ROOT}",
        "",
        "[unix_http_server]",
        f"file={os.path.join(data, 'supervisor.sock')}",
        "chmod=0700",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{os.path.join(data, 'supervisor.sock')}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
    ]
    services = [name for name, _argv, _extra in commands(env) if name != "announce"]
    # One group: at Ctrl-C supervisord stops a group's processes all at once (SIGTERM to each, then
    # waits), but separate groups one after the other (some 20 s for eight processes).
    lines += ["[group:cchc]", "programs=" + ",".join(services), ""]
    for name, argv, extra in commands(env):
        lines += [
            f"[program:{name}]",
            "command=" + " ".join(_quote(a) for a in argv),
            f"directory={ROOT}",
            "autostart=true",
            "redirect_stderr=true",
            # The process group: uvicorn's workers and `nice`'s child get the signal too.
            "stopasgroup=true",
            "killasgroup=true",
            # nameko finishes its running workers on SIGTERM; past this, SIGKILL.
            "stopwaitsecs=15",
        ]
        if extra:
            lines.append("environment=" + ",".join(f'{k}="{v}"' for k, v in extra.items()))
        if name == "announce":
            # Prints the URLs once the gateway is ready, then exits; its lines go to the terminal.
            lines += ["autorestart=false", "startsecs=0", "stdout_logfile=/dev/stdout", "stdout_logfile_maxbytes=0"]
        else:
            lines += [
                "autorestart=true",
                # Up this long counts as started; a process that dies sooner is retried with a growing
                # pause (1, 2, 3 ... s) this many times before supervisord gives up on it (FATAL).
                "startsecs=3",
                "startretries=30",
                f"stdout_logfile={os.path.join(logs, name + '.log')}",
                "stdout_logfile_maxbytes=50MB",
                "stdout_logfile_backups=5",
            ]
        lines.append("")
    return "\n".join(lines)


LOCAL_BROKER_USERS = ("gateway", "quiz", "scoring", "media", "awards")


def with_broker_users(env):
    """Give each process its own broker user (issue 15): <NAME>_AMQP_URI on AMQP_URI's host and vhost,
    made (idempotently) through the management API. A URI the caller set is kept. Local passwords:
    the broker of a single machine listens on 127.0.0.1."""
    if env.get("BROKER_USERS", "true").strip().lower() in ("0", "false", "no", "off"):
        return env
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import broker_users  # scripts/broker_users.py (httpx)

    base = urllib.parse.urlsplit(env.get("AMQP_URI") or "amqp://guest:guest@127.0.0.1:5672/")
    added = {}
    for name in LOCAL_BROKER_USERS:
        key = f"{name.upper()}_AMQP_URI"
        if not env.get(key):
            netloc = f"cchc-{name}:local-{name}@{base.hostname or '127.0.0.1'}:{base.port or 5672}"
            added[key] = urllib.parse.urlunsplit((base.scheme or "amqp", netloc, base.path or "/", "", ""))
    trial = dict(env, **added)
    api = env.get("RABBIT_ADMIN_API_URL") or env.get("RABBIT_API_URL") or "http://guest:guest@127.0.0.1:15672"
    try:
        broker_users.apply(trial, api_url=api, wait_s=5)
    except Exception as exc:  # noqa: BLE001 - any failure: run as before, say so
        print("CẢNH BÁO: không tạo được tài khoản RabbitMQ riêng cho từng tiến trình (cần plugin quản trị: "
              "sudo rabbitmq-plugins enable rabbitmq_management); mọi tiến trình dùng chung tài khoản của AMQP_URI.\n"
              f"WARNING: could not create the per-process broker users ({type(exc).__name__}: {exc}); "
              "every process connects as AMQP_URI's user.", file=sys.stderr, flush=True)
        return env
    env = trial
    env.setdefault("ACTOR_CALLERS", "cchc-gateway")
    return env


def main():
    env = with_broker_users(run_env())
    os.makedirs(os.path.join(env["DATA_DIR"], "log"), exist_ok=True)
    path = os.path.join(env["DATA_DIR"], "supervisord.conf")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(config(env))
    print(f"supervisord: {path}; logs: {os.path.join(env['DATA_DIR'], 'log')}/<process>.log", flush=True)
    os.chdir(ROOT)
    # The children inherit this environment (run.env under the caller's).
    os.execve(os.path.join(BIN, "supervisord"), [os.path.join(BIN, "supervisord"), "-c", path], env)


if __name__ == "__main__":
    main()
