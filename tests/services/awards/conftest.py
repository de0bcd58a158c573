"""Fixtures of the awards tests: a migrated store and a fake of the other services' answers."""
import copy
from unittest import mock

import pytest

from common.db import Database
from common.outbox import EventOutbox
from common.uow import Store
from services.awards import config
from services.awards.models import AuditEntry, Outbox

ORG = {"id": "org-1", "role": "organizer", "unit_code": None}
EXPERT = {"id": "exp-1", "role": "expert", "unit_code": None}
ORG_NAME, ORG_LOGIN = "Lê Thị Phê Duyệt", "btc.duyet"
CONTEST = "cchc-2023"


def ranking_row(rank, cid, name, unit, correct, submitted_at, prediction_diff=0, duration_ms=60000):
    return {"rank": rank, "contestant_id": cid, "full_name": name, "unit_code": unit, "correct": correct,
            "prediction": 100 + prediction_diff, "prediction_diff": prediction_diff, "duration_ms": duration_ms,
            "submitted_at": submitted_at}


def clip(clip_id, unit, score, created_at, title=None, assigned=3, scored=3):
    return {"clip_id": clip_id, "unit_code": unit, "title": title or f"Video {clip_id}", "status": "accepted",
            "score": score, "judges_assigned": assigned, "judges_scored": scored, "created_at": created_at}


def unit_stat(code, headcount, participants, quality, zero_results=0):
    participation = min(1.0, participants / headcount) if headcount else 0.0
    return {"unit_code": code, "headcount": headcount, "participants": participants,
            "participation": participation, "quality": quality, "zero_results": zero_results}


UNITS = [{"code": "SNV", "name": "Sở Nội vụ"}, {"code": "STP", "name": "Sở Tư pháp"},
         {"code": "STC", "name": "Sở Tài chính"}, {"code": "SYT", "name": "Sở Y tế"}]


class FakeUpstream:
    """What quiz, scoring and media would answer, under their RPC names (which do not collide, so
    one fake is given to the workflow as each of the three clients); tests set the attributes
    they need."""

    def __init__(self):
        self.settings = {"one_weekly_prize_per_person": True,
                         "collective_weights": {"participation": 0.5, "quality": 0.5},
                         "questions_per_attempt": 20}
        self.rounds = [{"n": n, "status": "finalized", "opens_at": None, "closes_at": None} for n in (1, 2, 3, 4)]
        self.rankings = {}          # n -> rows, missing: Conflict round_not_ranked (as scoring)
        self.excluded_ids = set()
        self.excluded_calls = []
        self.stats = []
        self.clips = {"complete": True, "pending": 0, "clips": []}
        self.unit_list = copy.deepcopy(UNITS)
        self.users = {ORG["id"]: dict(ORG, full_name=ORG_NAME, username=ORG_LOGIN)}

    # quiz
    def get_contest(self, code):
        from common.errors import NotFound

        if code != CONTEST:
            raise NotFound("contest_not_found", "Không tìm thấy hội thi.")
        return {"code": code, "title": "Hội thi trực tuyến tìm hiểu công tác cải cách hành chính năm 2023",
                "settings": self.settings, "rounds": self.rounds}

    def list_units(self):
        return self.unit_list

    def get_user(self, user_id):
        from common.errors import NotFound

        if user_id not in self.users:
            raise NotFound("user_not_found", "Không tìm thấy tài khoản.")
        return self.users[user_id]

    def excluded_contestants(self, contest, ids):
        self.excluded_calls.append(list(ids))
        return sorted(set(ids) & self.excluded_ids)

    # scoring
    def get_round_ranking(self, contest, n):
        from common.errors import Conflict

        if n not in self.rankings:
            raise Conflict("round_not_ranked", "Tuần thi chưa có xếp hạng chung cuộc.")
        return self.rankings[n]

    def get_unit_stats(self, contest):
        return self.stats

    # media
    def list_clip_results(self, contest):
        return self.clips


def make_store(url):
    """The awards store on a migrated database; `store.dispatch` is a mock of nameko's dispatcher."""
    return Store(Database(url, config.MIGRATIONS_DIR), EventOutbox(Outbox), mock.Mock(), AuditEntry)


@pytest.fixture
def db(sqlite_url):
    store = make_store(sqlite_url)
    yield store
    store.database.dispose()


@pytest.fixture
def both_db(db_url):
    """The same, on SQLite and on PostgreSQL."""
    store = make_store(db_url)
    yield store
    store.database.dispose()


@pytest.fixture
def upstream():
    return FakeUpstream()
