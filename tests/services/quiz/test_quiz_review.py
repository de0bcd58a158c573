"""Issue 16: the answer review of an attempt (chosen letter, right letter, right or not), in the
letters of that paper, only once the round is closed (409 review_not_available before)."""
import datetime as dt

import pytest
from sqlalchemy import select

from common.errors import Conflict, Forbidden, NotFound
from services.quiz.domain import attempts, closing
from services.quiz.models import Attempt, Question
from tests.services.quiz.conftest import ORG, register, to_shown


def bank_keys(db, attempt_id):
    with db.session() as s:
        a = s.get(Attempt, attempt_id)
        return dict(s.execute(select(Question.id, Question.answer).where(Question.id.in_(a.question_ids))).all())


def test_review_only_after_the_close_in_the_papers_letters(db, contest, contestant):
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    aid = paper["attempt_id"]
    qids = [q["id"] for q in paper["questions"]]
    right_shown = to_shown(db, aid, bank_keys(db, aid))  # the right option's letter on this paper
    wrong = {qids[1]: next(k for k in "ABCD" if k != right_shown[qids[1]])}
    sheet = {qids[0]: right_shown[qids[0]], **wrong}  # one right, one wrong, the others blank
    db.run(attempts.submit_attempt, contestant, aid, sheet, 5)

    # While the round is open: nobody learns a key, not even staff.
    for actor in (contestant, ORG):
        with pytest.raises(Conflict) as exc:
            db.read(attempts.review_attempt, actor, aid)
        assert exc.value.code == "review_not_available"

    db.run(closing.close_round, ORG, contest, 1)
    review = db.read(attempts.review_attempt, contestant, aid)
    assert [q["id"] for q in review["questions"]] == qids
    by_id = {q["id"]: q for q in review["questions"]}
    assert by_id[qids[0]]["chosen"] == right_shown[qids[0]] and by_id[qids[0]]["right"] is True
    assert by_id[qids[1]]["chosen"] == wrong[qids[1]] and by_id[qids[1]]["right"] is False
    for qid in qids[2:]:
        assert by_id[qid]["chosen"] is None and by_id[qid]["right"] is False
    for q in review["questions"]:
        assert q["correct_key"] == right_shown[q["id"]]
        # The same options, in the same order and letters, as the paper showed.
        assert q["options"] == next(p["options"] for p in paper["questions"] if p["id"] == q["id"])
    assert review["right"] == 1 and review["attempt_id"] == aid and review["round"] == 1
    assert db.read(attempts.review_attempt, ORG, aid)["questions"] == review["questions"]  # staff may read


def test_review_of_someone_elses_attempt_is_refused(db, contest, contestant):
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    db.run(attempts.submit_attempt, contestant, paper["attempt_id"], {}, 1)
    db.run(closing.close_round, ORG, contest, 1)
    with pytest.raises(Forbidden) as exc:
        db.read(attempts.review_attempt, register(db), paper["attempt_id"])
    assert exc.value.code == "not_your_attempt"
    with pytest.raises(NotFound):
        db.read(attempts.review_attempt, contestant, "no-such-attempt")


def test_an_attempt_stopped_by_the_close_is_reviewable(db, contest, contestant):
    """close_round submits the attempts in progress as saved: their review shows the saved answers."""
    paper = db.run(attempts.start_attempt, contestant, contest, 1)
    q = paper["questions"][0]
    db.run(attempts.save_answers, contestant, paper["attempt_id"], {q["id"]: "C"}, 3)
    db.run(closing.close_round, ORG, contest, 1)
    review = db.read(attempts.review_attempt, contestant, paper["attempt_id"])
    assert review["status"] == "submitted"
    assert review["questions"][0]["chosen"] == "C"


@pytest.mark.parametrize("when, code", [("after_contest", "review_after_contest"), ("off", "review_off")])
def test_the_contest_chooses_when_the_review_opens(with_units, when, code):
    """A bank drawn again in round 2: under `after_contest` round 1's review waits for the last
    round (the keys are still in play); under `off` it never opens; `after_round` is the default."""
    from tests.services.quiz.conftest import make_contest
    db = with_units
    contest = make_contest(db, code=f"rv-{when.replace('_', '-')}", settings={"answer_review": when})
    person = register(db)
    paper = db.run(attempts.start_attempt, person, contest, 1)
    db.run(attempts.submit_attempt, person, paper["attempt_id"], {}, 1)
    db.run(closing.close_round, ORG, contest, 1)
    with pytest.raises(Conflict) as exc:
        db.read(attempts.review_attempt, person, paper["attempt_id"])
    assert exc.value.code == code
    if when == "after_contest":
        # Round 2 opens early enough to be closed now: after the last close, the review opens.
        from services.quiz.domain import changes
        t = closing.utcnow()
        db.run(changes.update_contest, ORG, contest, {"rounds": [
            {"n": 2, "opens_at": t.isoformat()}]})
        db.run(closing.close_round, ORG, contest, 2)
        assert db.read(attempts.review_attempt, person, paper["attempt_id"])["questions"]


def test_answer_review_setting_is_validated(with_units):
    from tests.services.quiz.conftest import make_contest
    from common.errors import Invalid
    with pytest.raises(Invalid) as exc:
        make_contest(with_units, code="rv-bad", settings={"answer_review": "sometimes"})
    assert exc.value.code == "invalid_settings"
