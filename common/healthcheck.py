"""Container healthcheck: `python -m common.healthcheck URL` exits 0 if URL answers 2xx within 3 s.

docker-compose.yml calls this instead of `python -c "<code>"`: Podman's Docker API (the engine of
`make compose-up` on machines without Docker) splits a healthcheck's CMD arguments at spaces, which
turns inline code into a SyntaxError; arguments without spaces pass through every engine unchanged.
"""
import sys
import urllib.request


def main(argv):
    url = argv[1] if len(argv) > 1 else "http://127.0.0.1:8000/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return 0 if 200 <= resp.status < 300 else 1
    except Exception as exc:  # any failure is "unhealthy"; say why in the health log
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
