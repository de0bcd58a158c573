"""Proof that database work is cooperative under eventlet (ARCHITECTURE: "Eventlet is cooperative").

A tiny nameko service using common.uow.StoreProvider (what every service's `db` is) on a throwaway PostgreSQL database
gets 10 concurrent RPC calls in one container (one process). Each call runs one SQL statement, a
barrier: it counts its arrival and waits inside PostgreSQL until all 10 calls' statements have
arrived, or until its own bound passes.

With psycogreen (what common.db installs) a worker waiting on PostgreSQL yields to the others, so
all 10 statements get in and every call sees the barrier complete before its own statement returns:
a fact about ordering (all 10 were inside the database at one moment), whatever the machine's
speed. The generous bound only turns a hang into a failure.

Without psycogreen psycopg2 blocks the whole process inside C for each statement: no other worker
can even send its statement, so each call waits out its (short) bound alone and their intervals
never overlap. The second test removes psycogreen's wait callback to show exactly that.
"""
import time
import uuid

import psycopg2.extensions
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import text

from common.uow import StoreProvider
from services.awards.models import Outbox  # any service's outbox model: this one emits nothing

CALLS = 10
GREEN_BOUND_S = 60.0   # only reached if the calls do not overlap: a hang becomes a failure
BLOCKING_BOUND_S = 0.5  # each call gives up after this when it is alone (blocking case)

# Count this statement's arrival on the batch's sequence (nextval is not transactional: every
# session sees it at once), then wait (polling every 10 ms) until `want` statements have arrived
# or `bound_s` passes. Returns whether all had arrived. A statement that sees all arrivals while it
# is itself still running proves that all `want` were inside PostgreSQL at one moment (the last
# one arrived before this one returned).
BARRIER_FUNCTION = """
CREATE OR REPLACE FUNCTION cchc_barrier(arrivals regclass, want int, bound_s float8) RETURNS boolean AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + make_interval(secs => bound_s);
    arrived bigint := nextval(arrivals);
BEGIN
    LOOP
        EXECUTE format('SELECT last_value FROM %s', arrivals) INTO arrived;
        IF arrived >= want THEN
            RETURN true;
        END IF;
        IF clock_timestamp() >= deadline THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
END
$$ LANGUAGE plpgsql
"""


def make_service(url):
    class BarrierService:
        name = "barrier"
        db = StoreProvider(lambda: url, None, Outbox)

        @rpc
        def setup(self, arrivals):
            with self.db.session() as session:
                session.execute(text(BARRIER_FUNCTION))
                session.execute(text(f'CREATE SEQUENCE "{arrivals}"'))

        @rpc
        def wait(self, arrivals, want, bound_s):
            with self.db.session() as session:
                began = time.monotonic()
                complete = session.execute(text("SELECT cchc_barrier(:arrivals, :want, :bound_s)"),
                                           {"arrivals": arrivals, "want": want, "bound_s": bound_s}).scalar()
                return [began, time.monotonic(), complete]

    return BarrierService


def run_batch(container_factory, rabbit_config, url, blocking=False):
    """Start the service, fire CALLS barrier calls at once; return [(start, end, barrier complete)].

    `blocking` removes psycogreen's wait callback while the batch runs (restored afterwards), which
    is what plain psycopg2 does under eventlet.
    """
    config = dict(rabbit_config, max_workers=CALLS)
    container = container_factory(make_service(url), config)
    container.start()  # creates the engine, which installs psycogreen (common.db)
    saved = psycopg2.extensions.get_wait_callback()
    assert saved is not None, "common.db should have installed psycogreen's wait callback"
    arrivals = f"arrivals_{uuid.uuid4().hex}"
    bound_s = BLOCKING_BOUND_S if blocking else GREEN_BOUND_S
    with ClusterRpcProxy(config) as cluster:
        cluster.barrier.setup(arrivals)  # also warms up: the engine opens its first connection
        if blocking:
            psycopg2.extensions.set_wait_callback(None)
        try:
            pending = [cluster.barrier.wait.call_async(arrivals, CALLS, bound_s) for _ in range(CALLS)]
            results = [tuple(reply.result()) for reply in pending]
        finally:
            psycopg2.extensions.set_wait_callback(saved)
    return results


def max_overlap(results):
    """Largest number of statements running at the same moment (by the workers' own clock)."""
    events = sorted([(end, -1) for _, end, _ in results] + [(start, 1) for start, _, _ in results])
    running = best = 0
    for _, delta in events:
        running += delta
        best = max(best, running)
    return best


def test_ten_queries_run_concurrently(container_factory, rabbit_config, pg_url):
    results = run_batch(container_factory, rabbit_config, pg_url)
    print(f"\n{CALLS} concurrent barrier calls, psycogreen: up to {max_overlap(results)} at once, "
          f"{sum(r[2] for r in results)} saw the barrier complete")
    # Every call's statement saw all CALLS statements running in PostgreSQL before it returned:
    # the workers of one process were inside the database at the same moment.
    assert [complete for _, _, complete in results] == [True] * CALLS
    assert max_overlap(results) == CALLS


def test_without_psycogreen_the_queries_run_one_at_a_time(container_factory, rabbit_config, pg_url):
    results = run_batch(container_factory, rabbit_config, pg_url, blocking=True)
    print(f"\n{CALLS} concurrent barrier calls, plain psycopg2: up to {max_overlap(results)} at once, "
          f"{sum(r[2] for r in results)} saw the barrier complete")
    # Each statement froze the whole process: never two at the same moment. Each call waited out
    # its bound alone (only the last one to arrive can find the count complete, after the others
    # had left): they never all met.
    assert sum(complete for _, _, complete in results) <= 1
    assert max_overlap(results) == 1
