"""Contest changes under SPEC 6's locks (services/quiz/domain/changes.py), on SQLite and PostgreSQL."""
import datetime as dt

import pytest

from common.errors import Conflict, Invalid
from services.quiz.domain import attempts, changes
from services.quiz.models import Attempt
from tests.services.quiz.conftest import ORG, audit


def _attempt(db, attempt_id):
    with db.session() as s:
        row = s.get(Attempt, attempt_id)
        return row.deadline, row.submit_by


def test_a_new_grace_reaches_the_attempts_in_progress(db, contest, contestant):
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    deadline, submit_by = _attempt(db, paper["attempt_id"])
    db.run(changes.update_contest, ORG, contest, {"settings": {"grace_s": 120}, "reason": "mạng chậm"})
    assert _attempt(db, paper["attempt_id"]) == (deadline, deadline + dt.timedelta(seconds=120))
    assert submit_by != deadline + dt.timedelta(seconds=120)
    (entry,) = audit(db, "contest.update")
    assert entry.after == {"settings": {"grace_s": 120}} and entry.reason == "mạng chậm"


def test_locks_and_refusals_change_nothing(db, contest):
    with pytest.raises(Conflict) as exc:
        db.run(changes.update_contest, ORG, contest, {"title": "X", "settings": {"time_limit_s": 600}})
    assert exc.value.args[0] == "locked" and "settings.time_limit_s" in exc.value.args[1]
    with pytest.raises(Invalid):
        db.run(changes.update_contest, ORG, contest, {"settings": {"live_board": "all"}})
    with pytest.raises(Invalid):
        db.run(changes.update_contest, ORG, contest, {"settings": {"registration": "invite"}})
    assert audit(db, "contest.update") == []


def test_nothing_changed_leaves_no_entry(db, contest):
    current = db.run(changes.update_contest, ORG, contest, {"settings": {"live_board": "scores"}})
    assert current["code"] == contest and audit(db, "contest.update") == []
