"""A throwaway S3 server for tests: moto's server mode in a child process on a free port.

`start_store()` puts tests/s3verify.py (a SigV4-verifying proxy, also a child process) in front of
it: moto itself accepts any signature, expired URLs and anonymous requests; the proxy refuses them
as MinIO does. Test clusters use `start_store()`; `start_moto()` alone suits tests of the media
service's own calls.
"""
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request

BIN_DIR = os.path.dirname(sys.executable)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What the platform uses unless told otherwise (services/media/config.py).
ACCESS_KEY = SECRET_KEY = "minioadmin"
REGION = "us-east-1"
# moto's server adds wildcard CORS headers to every answer unless told not to; with this, like S3,
# it answers only from the bucket's own CORS configuration (which the media service sets).
MOTO_ENV = {"MOTO_DISABLE_GLOBAL_CORS": "true"}


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, timeout_s=30.0):
    """Wait until `url` answers anything over HTTP (any status)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except Exception:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout_s} s")
            time.sleep(0.2)


def _start(command, port, log_file, **popen):
    """Start `command` (listening on 127.0.0.1:<port>) and wait until it answers HTTP; returns
    (Popen, "127.0.0.1:<port>"). A server that never answers is killed, not left behind."""
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL
    proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **popen)
    try:
        wait_http(f"http://127.0.0.1:{port}/")
    except Exception:
        proc.kill()
        raise
    return proc, f"127.0.0.1:{port}"


def start_moto(port=None, log_file=None):
    """Start `moto_server` on 127.0.0.1:<port>; returns (Popen, "127.0.0.1:<port>")."""
    port = port or free_port()
    return _start([os.path.join(BIN_DIR, "moto_server"), "-H", "127.0.0.1", "-p", str(port)], port, log_file,
                  env={**os.environ, **MOTO_ENV})


def start_verifier(upstream, port=None, log_file=None, access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                   region=REGION):
    """Start tests/s3verify.py on 127.0.0.1:<port> in front of `upstream`; returns (Popen, "127.0.0.1:<port>")."""
    port = port or free_port()
    return _start([sys.executable, "-m", "tests.s3verify", "--port", str(port), "--upstream", upstream,
                   "--access-key", access_key, "--secret-key", secret_key, "--region", region],
                  port, log_file, cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})


class Store:
    """moto behind the verifying proxy: `endpoint` checks signatures, `upstream` is moto itself."""

    def __init__(self, log_file=None):
        self.moto, self.upstream = start_moto(log_file=log_file)
        try:
            self.proxy, self.endpoint = start_verifier(self.upstream, log_file=log_file)
        except Exception:
            terminate(self.moto)
            raise

    def stop(self):
        for proc in (self.proxy, self.moto):
            terminate(proc)


def start_store(log_file=None):
    return Store(log_file)


def terminate(proc):
    """SIGTERM, then SIGKILL after 10 s; waits for the end (no zombie left behind)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


stop = terminate  # the moto server is just another child process
