"""`make bench`: every benchmark, one after the other (each starts and stops its own platform).

    .venv/bin/python -m bench.all --n 3000
"""
import sys

from bench import open as open_bench, rush, scale


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    print("=== 1. round opening", flush=True)
    open_bench.main(argv)
    print("\n=== 2 + 3. deadline rush and baseline", flush=True)
    rush.main(argv)
    print("\n=== 4. scaling: quiz ×1, ×2, ×4", flush=True)
    scale.main(argv)


if __name__ == "__main__":
    main()
