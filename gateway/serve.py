"""Start the gateway: `python -m gateway.serve [uvicorn options]`, e.g. `--host 127.0.0.1 --port 8000
--workers 2` (or WEB_CONCURRENCY). Everything after the module name goes to uvicorn, which serves
`gateway.main:app`.

Before uvicorn starts, PROMETHEUS_MULTIPROC_DIR is set to a directory emptied of earlier runs'
metric files (a new temporary one when the variable is unset), so that the workers' counters add
up in /metrics (gateway/metrics.py) and start from zero with the gateway; the files are removed
again when it stops. prometheus_client reads the variable when it is first imported: this module
must not import it (nor gateway.main) before.
"""
import glob
import os
import shutil
import sys
import tempfile

APP = "gateway.main:app"


def fresh_metrics_dir(environ=os.environ):
    """Create or empty PROMETHEUS_MULTIPROC_DIR (only its *.db metric files are removed); returns
    (path, made_here)."""
    path = environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        path = tempfile.mkdtemp(prefix="cchc-gateway-metrics-")
        environ["PROMETHEUS_MULTIPROC_DIR"] = path
        return path, True
    os.makedirs(path, exist_ok=True)
    clean(path)
    return path, False


def clean(path):
    for name in glob.glob(os.path.join(path, "*.db")):
        os.remove(name)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    path, made_here = fresh_metrics_dir()
    import uvicorn  # after the variable is set (uvicorn's workers inherit it)

    try:
        uvicorn.main.main(args=[APP, *argv], prog_name="python -m gateway.serve")
    finally:
        if made_here:
            shutil.rmtree(path, ignore_errors=True)
        else:
            clean(path)


if __name__ == "__main__":
    main()
