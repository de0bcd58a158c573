"""Property (issue 14, finding 4): the weekly winners of every round do not depend on the order in
which an organizer computes and approves the rounds' sets (SPEC 4: rounds are decided in round
order; one weekly prize per person, the earliest round wins).

Hypothesis draws the rankings of several rounds from a small pool of people (so that the same
people top several rounds) and any sequence of compute/approve clicks, refusals included; then the
organizer keeps clicking, in another drawn order, until every round is approved. The approved
winners must equal those of the reference: rounds taken one by one in order, each skipping the
winners of the earlier ones.
"""
import itertools
import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import Conflict
from services.awards import workflow
from services.awards.domain import sets
from tests.services.awards.conftest import CONTEST, ORG, FakeUpstream, make_store, ranking_row

ROUNDS = 3
SLOTS = 3
POOL = [f"P{i}" for i in range(7)]


@st.composite
def rankings(draw):
    out = {}
    for n in range(1, ROUNDS + 1):
        people = draw(st.lists(st.sampled_from(POOL), unique=True, min_size=0, max_size=len(POOL)))
        out[n] = [ranking_row(rank, cid, f"Người {cid}", "SNV", 20 - rank, f"2023-06-0{n}T10:00:{rank:02d}+00:00")
                  for rank, cid in enumerate(people, start=1)]
    return out


def reference(ranks):
    """Round by round, in order: the first SLOTS people of each round who won no earlier round."""
    won, winners = set(), {}
    for n in range(1, ROUNDS + 1):
        picked = [r["contestant_id"] for r in ranks[n] if r["contestant_id"] not in won][:SLOTS]
        won.update(picked)
        winners[n] = picked
    return winners


def click(db, upstream, action, n):
    """One organizer click; refusals (409) are what the organizer sees, and change nothing."""
    try:
        if action == "compute":
            return workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", n)
        with db.session() as s:
            found = [x for x in sets.list_sets(s, CONTEST, "weekly", n, approved_only=False)]
        if found:
            return db.run(sets.approve, ORG, found[0]["award_set_id"])
    except Conflict as exc:
        assert exc.code in ("earlier_round_not_approved", "repeat_winner", "already_approved"), exc.code
    return None


def approved(db):
    with db.session() as s:
        return {x["round"]: [w["contestant_id"] for w in x["winners"]]
                for x in sets.list_sets(s, CONTEST, "weekly", approved_only=True)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ranks=rankings(),
       clicks=st.lists(st.tuples(st.sampled_from(["compute", "approve"]), st.integers(1, ROUNDS)), max_size=12),
       finish=st.permutations(list(range(1, ROUNDS + 1))))
def test_weekly_winners_do_not_depend_on_the_order_of_approval(ranks, clicks, finish):
    with tempfile.TemporaryDirectory() as tmp:
        db = make_store(f"sqlite:///{os.path.join(tmp, 'awards.db')}")
        try:
            upstream = FakeUpstream()
            upstream.rankings = ranks
            for action, n in clicks:
                click(db, upstream, action, n)
            # The organizer keeps trying the rounds in the drawn order, recomputing before each
            # approval, until every round is approved (each pass approves at least the earliest
            # unapproved round, so ROUNDS passes suffice).
            for n in itertools.islice(itertools.cycle(finish), ROUNDS * ROUNDS):
                if n not in approved(db):
                    click(db, upstream, "compute", n)
                    click(db, upstream, "approve", n)
            assert approved(db) == reference(ranks)
        finally:
            db.database.dispose()
