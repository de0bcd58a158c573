"""Command-line options and the cluster life cycle every benchmark shares."""
import argparse
import contextlib
import os

from bench import report
from bench.cluster import BenchCluster


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--n", type=int, default=3000, help="contestants (default 3000)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds over which a wave is spread (10)")
    p.add_argument("--quiz", type=int, default=int(os.environ.get("BENCH_QUIZ_INSTANCES", "2")),
                   help="quiz instances (BENCH_QUIZ_INSTANCES, 2)")
    p.add_argument("--scoring", type=int, default=int(os.environ.get("BENCH_SCORING_INSTANCES", "1")),
                   help="scoring instances (BENCH_SCORING_INSTANCES, 1)")
    p.add_argument("--gateway-workers", type=int, default=int(os.environ.get("GATEWAY_WORKERS", "2")),
                   help="uvicorn workers of the gateway (GATEWAY_WORKERS, 2)")
    p.add_argument("--register", choices=("fast", "http"), default="fast",
                   help="fast: 50 contestants through the API, the rest inserted into quiz's database (setup only)")
    p.add_argument("--login", choices=("mint", "http"), default="mint",
                   help="how contestants get their token before the waves (not measured)")
    p.add_argument("--scoring-nice", type=int, default=int(os.environ.get("SCORING_NICE", "10")),
                   help="run scoring at this niceness: grading yields the CPU to submissions (SCORING_NICE, 10, as make run: scripts/supervise.py)")
    p.add_argument("--profile", default="", help="py-spy these processes during each wave, e.g. quiz-1,gateway-1")
    return p


@contextlib.contextmanager
def cluster_from(args):
    from bench import scenario

    scenario.PROFILE[:] = [s for s in args.profile.split(",") if s]
    cluster = BenchCluster(quiz=args.quiz, scoring=args.scoring, gateway_workers=args.gateway_workers,
                           nice={"scoring": args.scoring_nice})
    print(f"starting the platform: quiz ×{args.quiz}, scoring ×{args.scoring}, gateway workers "
          f"×{args.gateway_workers} (vhost {cluster.vhost}, logs {cluster.log_dir})", flush=True)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def config_of(args):
    return {"n": args.n, "duration_s": args.duration, "quiz": args.quiz, "scoring": args.scoring,
            "gateway_workers": args.gateway_workers, "scoring_nice": args.scoring_nice, "login": args.login, "register": args.register, "machine": report.machine()}
