"""Time the scoring service's read paths on a round of N graded attempts (default 25,000).

    .venv/bin/python scripts/bench_scoring.py [N] [sqlite|postgresql]

Uses a throwaway PostgreSQL database (tests/pg.py, PG_ADMIN_URL) or a temporary SQLite file;
prints one line per operation. A measurement, not a test: nothing is asserted.
"""
import datetime as dt
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common.db import Database  # noqa: E402
from common.outbox import EventOutbox  # noqa: E402
from common.uow import Store  # noqa: E402
from services.scoring import config  # noqa: E402
from services.scoring.domain import boards, rounds, units  # noqa: E402
from services.scoring.models import GradedAttempt, Outbox  # noqa: E402
from services.scoring.schemas import RoundClosed  # noqa: E402


def timed(label, fn):
    began = time.perf_counter()
    result = fn()
    print(f"{label:<40} {1000 * (time.perf_counter() - began):8.1f} ms")
    return result


def fill(db, n, contest="bench"):
    rng = random.Random(7)
    t0 = dt.datetime(2023, 6, 1, tzinfo=dt.timezone.utc)
    contestants = max(1, n * 2 // 5)  # about 2.5 attempts per contestant
    rows = []
    for i in range(n):
        submitted = t0 + dt.timedelta(milliseconds=rng.randrange(7 * 86_400_000))
        duration = rng.randrange(60_000, 1_200_000)
        rows.append({
            "attempt_id": f"a{i}", "contest": contest, "round": 1, "contestant_id": f"c{rng.randrange(contestants)}",
            "full_name": "Nguyễn Văn A", "unit_code": f"U{rng.randrange(300)}", "correct": min(20, int(rng.triangular(8, 21, 20))),
            "total": 20, "prediction": rng.randrange(40_000), "duration_ms": duration,
            "started_at": submitted - dt.timedelta(milliseconds=duration), "submitted_at": submitted,
            "graded_at": submitted,
        })
    with db.session() as session:
        session.execute(GradedAttempt.__table__.insert(), rows)
    return contest


def main(n, dialect):
    if dialect == "postgresql":
        from tests import pg

        name, url = pg.create_database("cchc_bench")
    else:
        name, url = None, f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    db = Database(url, config.MIGRATIONS_DIR)
    store = Store(db, EventOutbox(Outbox), lambda event_type, payload: None)
    try:
        contest = timed(f"insert {n} graded attempts", lambda: fill(db, n))
        headcounts = [{"code": f"U{i}", "headcount": 200} for i in range(300)]
        timed("live leaderboard (limit 50)", lambda: store.read(boards.leaderboard, contest, 1, 50))
        timed("unit stats (open round)", lambda: store.read(units.unit_stats, contest, headcounts))
        store.run(rounds.record_round_closed, RoundClosed(contest=contest, round=1, submitted_attempts=n,
                                                          prediction_target="perfect_attempts"))
        timed("rank the round (rank + store + outbox)",
              lambda: store.run(rounds.rank_round_if_complete, contest, 1))
        timed("final leaderboard (limit 50)", lambda: store.read(boards.leaderboard, contest, 1, 50))
        rows = timed("full round ranking", lambda: store.read(boards.round_ranking, contest, 1))
        print(f"{len(rows)} contestants ranked")
    finally:
        db.dispose()
        if name:
            pg.drop_database(name)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 25_000, sys.argv[2] if len(sys.argv) > 2 else "postgresql")
