"""Proof that database work is cooperative under eventlet (ARCHITECTURE: "Eventlet is cooperative").

A tiny nameko service using common.nameko_deps.DatabaseProvider on a throwaway PostgreSQL database
gets 10 concurrent RPC calls, each running `SELECT pg_sleep(0.5)`, in one container (one process).
With psycogreen (what common.db installs) the ten sleeps overlap, so the whole batch takes about
0.5 s. Without it psycopg2 blocks the process inside C for every query: the sleeps run one after
the other (5 s). The second test removes psycogreen's wait callback to show exactly that; it checks
that the calls' intervals never overlap, a property of the ordering, not of the machine's speed.
"""
import time

import psycopg2.extensions
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from common.nameko_deps import DatabaseProvider

CALLS = 10
SLEEP_S = 0.5


def make_service(url):
    class SleepyService:
        name = "sleepy"
        db = DatabaseProvider(lambda: url)

        @rpc
        def sleep(self):
            with self.db.session() as session:
                began = time.monotonic()
                session.execute(text("SELECT pg_sleep(:s)"), {"s": SLEEP_S})
                return [began, time.monotonic()]

    return SleepyService


def run_batch(container_factory, rabbit_config, url, blocking=False):
    """Start the service, fire CALLS calls at once; return (elapsed seconds, [(start, end)]).

    `blocking` removes psycogreen's wait callback while the batch runs (restored afterwards), which
    is what plain psycopg2 does under eventlet.
    """
    config = dict(rabbit_config, max_workers=CALLS)
    container = container_factory(make_service(url), config)
    container.start()  # creates the engine, which installs psycogreen (common.db)
    saved = psycopg2.extensions.get_wait_callback()
    assert saved is not None, "common.db should have installed psycogreen's wait callback"
    with ClusterRpcProxy(config) as cluster:
        cluster.sleepy.sleep()  # warm up: the engine opens its first connection
        if blocking:
            psycopg2.extensions.set_wait_callback(None)
        try:
            began = time.monotonic()
            pending = [cluster.sleepy.sleep.call_async() for _ in range(CALLS)]
            intervals = [tuple(reply.result()) for reply in pending]
            elapsed = time.monotonic() - began
        finally:
            psycopg2.extensions.set_wait_callback(saved)
    return elapsed, intervals


def max_overlap(intervals):
    """Largest number of queries running at the same moment."""
    events = sorted([(end, -1) for _, end in intervals] + [(start, 1) for start, _ in intervals])
    running = best = 0
    for _, delta in events:
        running += delta
        best = max(best, running)
    return best


def test_ten_pg_sleeps_run_concurrently(container_factory, rabbit_config, pg_url):
    elapsed, intervals = run_batch(container_factory, rabbit_config, pg_url)
    print(f"\n{CALLS} concurrent pg_sleep({SLEEP_S}) calls, psycogreen: {elapsed:.2f} s, "
          f"up to {max_overlap(intervals)} queries at once")
    assert max_overlap(intervals) >= CALLS // 2
    assert elapsed < 2.5  # one after the other they would need CALLS * SLEEP_S = 5 s


def test_without_psycogreen_the_queries_run_one_at_a_time(container_factory, rabbit_config, pg_url):
    elapsed, intervals = run_batch(container_factory, rabbit_config, pg_url, blocking=True)
    print(f"\n{CALLS} concurrent pg_sleep({SLEEP_S}) calls, plain psycopg2: {elapsed:.2f} s, "
          f"up to {max_overlap(intervals)} queries at once")
    # Each query froze the whole process: never two at the same moment.
    assert max_overlap(intervals) == 1
