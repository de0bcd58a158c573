"""A throwaway S3 server for tests: moto's server mode in a child process on a free port."""
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request

BIN_DIR = os.path.dirname(sys.executable)


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


def start_moto(port=None, log_file=None):
    """Start `moto_server` on 127.0.0.1:<port>; returns (Popen, "127.0.0.1:<port>")."""
    port = port or free_port()
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL
    proc = subprocess.Popen(
        [os.path.join(BIN_DIR, "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=out, stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/")
    except Exception:
        proc.kill()
        raise
    return proc, f"127.0.0.1:{port}"


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
