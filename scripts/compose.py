#!/usr/bin/env python3
"""`make compose-up` / `compose-down` / `compose-down-volumes`: the docker-compose.yml stack on this
machine, whatever it has.

- Docker engine: a Docker engine that answers (DOCKER_HOST or the default socket) is used as is, with
  the official images (`docker compose up -d --wait --build`).
- Otherwise Podman serves the Docker API (installed with apt-get when missing, as root, with netavark
  and aardvark-dns so that containers resolve service names): runtime runc and no default ulimits
  (/etc/containers/containers.conf.d/50-cchc.conf), the API on unix:///run/podman/podman.sock, and a
  loop that runs the containers' healthchecks (Podman runs them from systemd timers, and these
  machines have no systemd). No image registry is reachable there, so images are built from Debian
  and PyPI packages (deploy/standins/README.md) and deploy/compose.local.yml swaps only `image:`. An
  image is rebuilt only when its inputs change (their hash is the image's `cchc.hash` label).
- Without an .env, one is written with fresh random secrets (the organizer's login from
  BOOTSTRAP_ADMIN_USERNAME/BOOTSTRAP_ADMIN_PASSWORD when set) and the demo contest; the login is
  printed.

Standard library only: it runs before any virtualenv exists.

    python3 scripts/compose.py up|down|down-volumes|images|engine|env [--env-file F] [--project P]
    python3 scripts/compose.py backup                      # `make compose-backup`
    python3 scripts/compose.py restore --dir backups/cchc-... [--force]   # `make compose-restore`
"""
import argparse
import configparser
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STANDINS = os.path.join(ROOT, "deploy", "standins")
PODMAN_SOCKET = "/run/podman/podman.sock"
PODMAN_HOST = f"unix://{PODMAN_SOCKET}"
CONTAINERS_CONF = "/etc/containers/containers.conf.d/50-cchc.conf"
STATE_DIR = "/run/cchc-compose"
DEBIAN_MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
BASE_IMAGE = "localhost/debian:bookworm"
PYTHON_IMAGE = "localhost/cchc/python:3.11-slim"
LOCAL_OVERRIDE = "deploy/compose.local.yml"


def log(msg):
    print(f"[compose] {msg}", flush=True)


def run(cmd, check=True, env=None, **kw):
    return subprocess.run(cmd, check=check, env=env, **kw)


def quiet(cmd, env=None, timeout=30):
    try:
        return subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(cmd, 1, "", str(exc))


def app_version():
    import re
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        return re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.M).group(1)


# --- engine ----------------------------------------------------------------------------------------

def docker_answers(env):
    return quiet(["docker", "info", "--format", "{{.ServerVersion}}"], env=env, timeout=20).returncode == 0


def is_podman(env):
    out = quiet(["docker", "version", "--format", "{{range .Server.Components}}{{.Name}} {{end}}"], env=env)
    return "Podman" in out.stdout


def alive(pidfile, marker):
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return marker.encode() in f.read()
    except (OSError, ValueError):
        return False


def spawn(name, cmd, marker):
    """Start `cmd` detached (its own session, outliving this script) unless its pidfile is alive."""
    os.makedirs(STATE_DIR, exist_ok=True)
    pidfile = os.path.join(STATE_DIR, f"{name}.pid")
    if alive(pidfile, marker):
        return
    logfile = open(os.path.join(STATE_DIR, f"{name}.log"), "ab")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd="/")
    with open(pidfile, "w") as f:
        f.write(str(proc.pid))
    log(f"started {name} (pid {proc.pid}, log {STATE_DIR}/{name}.log)")


# Podman's network stack with a DNS server on each network (aardvark-dns): containers find each other
# by service name (rabbitmq, postgres, minio). Debian only recommends them, and CNI, what Podman falls
# back to without netavark, has no DNS unless the dnsname plugin is there too.
NETAVARK = ("/usr/lib/podman/netavark", "/usr/lib/podman/aardvark-dns")


def install_podman():
    need = [p for p, binary in (("podman", "podman"), ("runc", "runc"), ("debootstrap", "debootstrap"))
            if not shutil.which(binary)]
    need += [os.path.basename(path) for path in NETAVARK if not os.path.exists(path)]
    if not need:
        return
    if os.geteuid() != 0:
        sys.exit(f"no Docker engine answers and {', '.join(need)} missing: run as root "
                 f"(apt-get install -y {' '.join(need)}) or start Docker")
    log(f"apt-get install {' '.join(need)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if run(["apt-get", "install", "-y", "--no-install-recommends", *need], check=False, env=env).returncode:
        run(["apt-get", "update"], env=env)
        run(["apt-get", "install", "-y", "--no-install-recommends", *need], env=env)


def configure_podman():
    want = ('# scripts/compose.py: crun refuses cgroups in hybrid mode, and the default ulimits\n'
            '# cannot be set in this kind of machine\'s containers. netavark: DNS for service names.\n'
            '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n\n'
            '[network]\nnetwork_backend = "netavark"\n')
    try:
        with open(CONTAINERS_CONF) as f:
            if f.read() == want:
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(CONTAINERS_CONF), exist_ok=True)
    with open(CONTAINERS_CONF, "w") as f:
        f.write(want)
    log(f"wrote {CONTAINERS_CONF}")
    return True


def stop_spawned(name, marker):
    """End a process `spawn` started (a Podman API service started before a configuration change)."""
    pidfile = os.path.join(STATE_DIR, f"{name}.pid")
    if not alive(pidfile, marker):
        return
    with open(pidfile) as f:
        pid = int(f.read().strip())
    os.kill(pid, 15)
    deadline = time.monotonic() + 30
    while alive(pidfile, marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    log(f"stopped {name} (pid {pid}) to apply {CONTAINERS_CONF}")


def ensure_engine():
    """Returns the environment under which `docker` reaches an engine (sets DOCKER_HOST for Podman)."""
    env = dict(os.environ)
    if docker_answers(env):
        return env
    install_podman()
    if configure_podman():
        # A service started under the old configuration keeps it (e.g. CNI without DNS); CNI's bridge
        # keeps a route to the same subnet as netavark's, which takes the containers' replies.
        stop_spawned("podman-service", "system")
        if os.path.exists("/sys/class/net/cni-podman0"):
            quiet(["ip", "link", "delete", "cni-podman0"])
            log("removed CNI's bridge cni-podman0 (netavark's podman0 serves that subnet now)")
    env["DOCKER_HOST"] = PODMAN_HOST
    if not docker_answers(env):
        os.makedirs(os.path.dirname(PODMAN_SOCKET), exist_ok=True)
        spawn("podman-service", ["podman", "system", "service", "--time=0", PODMAN_HOST], "system")
        deadline = time.monotonic() + 60
        while not docker_answers(env):
            if time.monotonic() > deadline:
                sys.exit(f"Podman's Docker API did not answer on {PODMAN_HOST} (see {STATE_DIR}/podman-service.log)")
            time.sleep(0.5)
    ensure_healthchecks(env)
    ensure_compose_plugin(env)
    return env


def ensure_healthchecks(env):
    if is_podman(env) and shutil.which("podman"):
        spawn("healthchecks", [sys.executable, os.path.abspath(__file__), "healthchecks"], "healthchecks")


def ensure_compose_plugin(env):
    if quiet(["docker", "compose", "version"], env=env).returncode != 0:
        run(["bash", os.path.join(ROOT, "scripts", "install_compose.sh")], env=env)


def healthcheck_loop():
    """Runs `podman healthcheck run` for every running container that has a healthcheck, as Docker
    would: at the check's own interval, but every 2 s during its start period (where failures do not
    count), so that `up --wait` does not wait a whole interval for a container that is ready. Never
    faster than the interval after it: retries × interval is the time a slow start gets, as with
    Docker. One check at a time per container."""
    config = {}     # container id -> (interval s, start period s)
    due = {}        # container id -> monotonic time of the next check
    running = {}    # container id -> Popen of the check in flight
    while True:
        out = quiet(["podman", "ps", "--format", "{{.ID}}|{{.Status}}"], timeout=30).stdout
        now = time.monotonic()
        seen = set()
        for line in out.splitlines():
            cid, _, status = line.partition("|")
            if "(" not in status:  # no healthcheck
                continue
            seen.add(cid)
            if cid not in config:
                raw = quiet(["podman", "inspect", "--format", "{{json .Config.Healthcheck}}", cid]).stdout
                try:
                    hc = json.loads(raw) or {}
                except ValueError:
                    hc = {}
                config[cid] = (max(1.0, hc.get("Interval", 0) / 1e9 or 30.0), hc.get("StartPeriod", 0) / 1e9)
            proc = running.get(cid)
            if (proc is not None and proc.poll() is None) or now < due.get(cid, 0):
                continue
            running[cid] = subprocess.Popen(["podman", "healthcheck", "run", cid], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
            interval, start_period = config[cid]
            pause = interval
            if "(healthy)" not in status:
                started = quiet(["podman", "inspect", "--format", "{{.State.StartedAt.Unix}}", cid]).stdout.strip()
                try:
                    in_start_period = time.time() - int(started) < start_period
                except ValueError:
                    in_start_period = False
                pause = min(interval, 2.0) if in_start_period or "(starting)" in status and interval <= 5 else interval
            due[cid] = now + pause
        for gone in set(config) - seen:
            config.pop(gone, None)
            due.pop(gone, None)
        for cid, proc in list(running.items()):
            if proc.poll() is not None:
                running.pop(cid)
        time.sleep(0.5)


# --- images ----------------------------------------------------------------------------------------

def files_under(paths):
    for path in paths:
        full = os.path.join(ROOT, path)
        if os.path.isfile(full):
            yield full
            continue
        for dirpath, dirnames, filenames in os.walk(full):
            dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".pytest_cache")
                                 and not d.endswith(".egg-info"))
            for name in sorted(filenames):
                if not name.endswith((".pyc", ".pyo")):
                    yield os.path.join(dirpath, name)


def inputs_hash(paths, extra=""):
    h = hashlib.sha256(extra.encode())
    for path in files_under(paths):
        h.update(os.path.relpath(path, ROOT).encode() + b"\0")
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()[:32]


def image_label(image):
    out = quiet(["podman", "image", "inspect", "--format", '{{index .Labels "cchc.hash"}}', image])
    return out.stdout.strip() if out.returncode == 0 else None


def image_id(image):
    out = quiet(["podman", "image", "inspect", "--format", "{{.Id}}", image])
    return out.stdout.strip() if out.returncode == 0 else ""


def build_mounts(tmpdir):
    """pip in the build containers trusts what the host's pip trusts (a TLS-inspecting proxy's CA,
    for one): the host's CA bundle and a pip.conf pointing at it, mounted for the RUN steps only."""
    mounts = []
    cert = os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt"
    for name in ("/etc/pip.conf", os.path.expanduser("~/.config/pip/pip.conf"), os.path.expanduser("~/.pip/pip.conf")):
        parser = configparser.ConfigParser()
        try:
            parser.read(name)
            cert = parser.get("global", "cert", fallback=cert)
        except configparser.Error:
            pass
    if os.path.isfile(cert):
        conf = os.path.join(tmpdir, "pip.conf")
        with open(conf, "w") as f:
            f.write("[global]\ncert = /etc/ssl/host-ca-bundle.crt\ndefault-timeout = 120\n")
        mounts += ["--volume", f"{cert}:/etc/ssl/host-ca-bundle.crt:ro", "--volume", f"{conf}:/etc/pip.conf:ro"]
    return mounts


def build(image, context, dockerfile, inputs, args=None, base=None):
    """Build `image` with podman unless an image with the same inputs' hash exists."""
    args = args or {}
    extra = json.dumps({"args": args, "base": image_id(base) if base else ""}, sort_keys=True)
    digest = inputs_hash(inputs, extra)
    if image_label(image) == digest:
        log(f"{image}: up to date")
        return False
    logfile = os.path.join(tempfile.gettempdir(), "cchc-build-" + image.rsplit("/", 1)[-1].replace(":", "-") + ".log")
    log(f"building {image} (log {logfile})")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, open(logfile, "wb") as out:
        cmd = ["podman", "build", "--label", f"cchc.hash={digest}", "-t", image, "-f", dockerfile,
               *build_mounts(tmp)]
        for key, value in args.items():
            cmd += ["--build-arg", f"{key}={value}"]
        if run(cmd + [context], check=False, stdout=out, stderr=subprocess.STDOUT).returncode:
            with open(logfile, errors="replace") as f:
                sys.stderr.write("".join(f.readlines()[-40:]))
            raise SystemExit(f"building {image} failed (log {logfile})")
    log(f"built {image} in {time.monotonic() - started:.0f} s")
    return True


def build_all(jobs):
    """Build independent images side by side (apt and pip wait on the network as much as on the CPU)."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        for future in [pool.submit(build, *job) for job in jobs]:
            future.result()


def ensure_base():
    if image_id(BASE_IMAGE):
        return
    if os.geteuid() != 0:
        sys.exit("building the Debian base image needs root (debootstrap)")
    log(f"debootstrap bookworm from {DEBIAN_MIRROR} (about 30 s)")
    started = time.monotonic()
    rootfs = tempfile.mkdtemp(prefix="cchc-debian-")
    try:
        run(["debootstrap", "--variant=minbase", "bookworm", rootfs, DEBIAN_MIRROR], stdout=subprocess.DEVNULL)
        for leftovers in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for name in os.listdir(os.path.join(rootfs, leftovers)):
                path = os.path.join(rootfs, leftovers, name)
                if os.path.isfile(path):
                    os.remove(path)
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        run(["podman", "import", "--change", 'CMD ["/bin/bash"]', "--change",
             "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "-", BASE_IMAGE],
            stdin=tar.stdout, stdout=subprocess.DEVNULL)
        if tar.wait():
            sys.exit("tar of the Debian root failed")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
    log(f"{BASE_IMAGE} in {time.monotonic() - started:.0f} s")


def ensure_images():
    """Every image deploy/compose.local.yml names, built offline from Debian and PyPI packages."""
    ensure_base()
    def standin(name, image, base):
        folder = os.path.join(STANDINS, name)
        return (image, folder, os.path.join(folder, "Dockerfile"), [os.path.relpath(folder, ROOT)],
                {"BASE_IMAGE": base}, base)

    build_all([standin("python", PYTHON_IMAGE, BASE_IMAGE),
               standin("rabbitmq", "localhost/cchc/rabbitmq:standin", BASE_IMAGE),
               standin("postgres", "localhost/cchc/postgres:standin", BASE_IMAGE),
               standin("prometheus", "localhost/cchc/prometheus:standin", BASE_IMAGE)])
    app_inputs = ["deploy/Dockerfile", ".dockerignore", "pyproject.toml", "common", "gateway", "services",
                  "deploy/nameko.yaml", "data", "scripts"]
    build_all([standin("s3", "localhost/cchc/s3:standin", PYTHON_IMAGE),
               (f"localhost/hoithi-cchc:{app_version()}", ROOT, os.path.join(ROOT, "deploy", "Dockerfile"),
                app_inputs, {"BASE_IMAGE": PYTHON_IMAGE}, PYTHON_IMAGE)])


# --- .env ------------------------------------------------------------------------------------------

PASSED_THROUGH = ("REGISTRATION_EXEMPT_ADDRESSES", "REGISTRATION_MAX_PER_ADDRESS", "GATEWAY_WORKERS")


def write_env(path, standins):
    token = lambda n=24: secrets.token_urlsafe(n)  # noqa: E731
    admin_user = os.environ.get("BOOTSTRAP_ADMIN_USERNAME") or "admin"
    admin_password = os.environ.get("BOOTSTRAP_ADMIN_PASSWORD") or token(12)
    gateway_port = os.environ.get("GATEWAY_PORT") or "8000"
    s3_port = os.environ.get("S3_PORT") or ("9400" if standins else "9000")
    lines = [
        "# Written by scripts/compose.py (make compose-up) with fresh random secrets; keep it private.",
        f"BOOTSTRAP_ADMIN_USERNAME={admin_user}",
        f"BOOTSTRAP_ADMIN_PASSWORD={admin_password}",
        f"JWT_SECRET={token(48)}",
        "POSTGRES_USER=cchc",
        f"POSTGRES_PASSWORD={token()}",
        "RABBITMQ_USER=cchc",
        f"RABBITMQ_PASSWORD={token()}",
        # One broker user per process (scripts/broker_users.py, the broker-users step).
        *(f"BROKER_{name}_PASSWORD={token()}" for name in ("GATEWAY", "QUIZ", "SCORING", "MEDIA", "AWARDS")),
        "MINIO_ROOT_USER=cchc-minio",
        f"MINIO_ROOT_PASSWORD={token()}",
        f"GRAFANA_ADMIN_PASSWORD={token(12)}",
        "# Host ports (5432, 5672, 15672 and 9000 stay free for the machine's own services).",
        f"GATEWAY_PORT={gateway_port}",
        f"S3_PORT={s3_port}",
        f"S3_PUBLIC_ENDPOINT=localhost:{s3_port}",
        f"PROMETHEUS_PORT={os.environ.get('PROMETHEUS_PORT') or '9090'}",
        f"GRAFANA_PORT={os.environ.get('GRAFANA_PORT') or '3000'}",
        f"SEED_DEMO={os.environ.get('SEED_DEMO') or 'true'}",
        "LOG_LEVEL=INFO",
    ]
    # Optional settings taken from the environment when set, e.g. the registration throttle's
    # exemption for a host that runs the end-to-end suite against this stack (make e2e-compose).
    lines += [f"{name}={os.environ[name]}" for name in PASSED_THROUGH if os.environ.get(name)]
    if standins:
        lines += ["# Images built here from Debian/PyPI packages (no registry): plain `docker compose` uses them too.",
                  f"COMPOSE_FILE=docker-compose.yml:{LOCAL_OVERRIDE}"]
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write("\n".join(lines) + "\n")
    log(f"wrote {os.path.relpath(path, ROOT)} with fresh secrets")


def read_env(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


# --- compose ---------------------------------------------------------------------------------------

def compose_cmd(opts, standins):
    cmd = ["docker", "compose", "--project-directory", ROOT, "-f", os.path.join(ROOT, "docker-compose.yml")]
    if standins:
        cmd += ["-f", os.path.join(ROOT, LOCAL_OVERRIDE)]
    for extra in opts.file:
        cmd += ["-f", os.path.abspath(extra)]
    if opts.env_file:
        cmd += ["--env-file", opts.env_file]
    if opts.project:
        cmd += ["-p", opts.project]
    return cmd


def use_standins(env):
    forced = os.environ.get("CCHC_COMPOSE_STANDINS")
    if forced in ("0", "1"):
        return forced == "1"
    return is_podman(env)


def wait_gateway(port, timeout_s=120):
    deadline = time.monotonic() + timeout_s
    url = f"http://127.0.0.1:{port}/readyz"
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            return True
        except Exception:
            if time.monotonic() > deadline:
                return False
            time.sleep(1)


def up(opts, env, standins):
    env_file = opts.env_file or os.path.join(ROOT, ".env")
    if not os.path.exists(env_file):
        write_env(env_file, standins)
    if standins:
        ensure_images()
    cmd = compose_cmd(opts, standins) + ["up", "-d", "--wait", "--wait-timeout", str(opts.wait_timeout),
                                         "--remove-orphans"]
    if not standins:
        cmd.append("--build")
    cmd += opts.extra
    started = time.monotonic()
    if run(cmd, check=False, env=env).returncode:
        run(compose_cmd(opts, standins) + ["ps", "-a"], check=False, env=env)
        sys.exit("docker compose up failed: `docker compose logs <service>` says why")
    values = read_env(env_file)
    port = values.get("GATEWAY_PORT", "8000")
    ready = wait_gateway(port)
    log(f"stack up in {time.monotonic() - started:.0f} s" + ("" if ready else " (gateway not ready yet)"))
    print(f"\nHội thi CCHC: http://127.0.0.1:{port}\n"
          f"  organizer login: {values.get('BOOTSTRAP_ADMIN_USERNAME')} / {values.get('BOOTSTRAP_ADMIN_PASSWORD')}"
          f"  (from {os.path.relpath(env_file, ROOT)})\n"
          + (f"  plain docker compose: export DOCKER_HOST={env['DOCKER_HOST']}\n" if env.get("DOCKER_HOST") else ""),
          flush=True)


APP_SERVICES = ("gateway", "quiz", "scoring", "media", "awards")


def backup(opts, env, standins):
    """scripts/backup.py in the stack's `backup` tool container: a dated folder in BACKUP_HOST_DIR."""
    if standins:
        ensure_images()
    cmd = compose_cmd(opts, standins) + ["--profile", "tools", "run", "--rm", "backup"]
    if run(cmd, check=False, env=env).returncode:
        sys.exit("backup failed (see above)")


def restore(opts, env, standins):
    """A backup folder into the stack: the platform's processes stopped (they would seed or write
    meanwhile), scripts/restore.py in the tool container, then the whole stack up again."""
    folder = os.path.abspath(opts.dir or "")
    host_dir = os.path.abspath(read_env(opts.env_file or os.path.join(ROOT, ".env")).get("BACKUP_HOST_DIR")
                               or os.path.join(ROOT, "backups"))
    if not opts.dir or os.path.dirname(folder) != host_dir or not os.path.isfile(os.path.join(folder, "manifest.json")):
        sys.exit(f"--dir must name a backup folder (with its manifest.json) directly under {host_dir}")
    if standins:
        ensure_images()
    base = compose_cmd(opts, standins)
    run(base + ["stop", *APP_SERVICES], check=False, env=env)
    cmd = base + ["--profile", "tools", "run", "--rm", "backup", "python", "scripts/restore.py",
                  "/backups/" + os.path.basename(folder)]
    if opts.force:
        cmd.append("--force")
    failed = run(cmd, check=False, env=env).returncode
    up(opts, env, standins)
    if failed:
        sys.exit("restore failed (see above); the stack was started again on what its databases hold")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down", "down-volumes", "images", "engine", "env", "healthchecks",
                                           "backup", "restore"])
    parser.add_argument("--env-file", help="instead of .env (written when missing)")
    parser.add_argument("--project", help="compose project name (default: hoithi-cchc)")
    parser.add_argument("--file", action="append", default=[], help="one more compose file (after the others)")
    parser.add_argument("--wait-timeout", type=int, default=600)
    parser.add_argument("--dir", help="restore: the backup folder (under BACKUP_HOST_DIR, default ./backups)")
    parser.add_argument("--force", action="store_true", help="restore: replace databases and a bucket that hold data")
    parser.add_argument("extra", nargs="*", help="more arguments for `docker compose up` (after --)")
    opts = parser.parse_args(argv)
    if opts.env_file:
        opts.env_file = os.path.abspath(opts.env_file)
    if opts.action == "healthchecks":
        return healthcheck_loop()
    env = ensure_engine()
    standins = use_standins(env)
    if opts.action == "engine":
        print(f"DOCKER_HOST={env.get('DOCKER_HOST', '')}")
    elif opts.action == "images":
        if standins:
            ensure_images()
    elif opts.action == "env":
        path = opts.env_file or os.path.join(ROOT, ".env")
        if not os.path.exists(path):
            write_env(path, standins)
    elif opts.action == "up":
        up(opts, env, standins)
    elif opts.action == "backup":
        backup(opts, env, standins)
    elif opts.action == "restore":
        restore(opts, env, standins)
    else:
        cmd = compose_cmd(opts, standins) + ["down", "--remove-orphans"]
        if opts.action == "down-volumes":
            cmd.append("--volumes")
        # An .env is needed to interpolate the file; without one there is no stack to stop anyway.
        run(cmd, env=env)


if __name__ == "__main__":
    sys.exit(main())
