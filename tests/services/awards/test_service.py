"""The nameko service's wiring (worker_factory; the other services are mocked proxies behind
common.upstream's client): calls reach the domain, other services' errors and silences arrive as
they should, approval publishes its event, the relay publishes what was left behind."""
from unittest import mock

import eventlet
import pytest
from nameko.exceptions import RemoteError, UnknownService, deserialize, serialize
from nameko.testing.services import worker_factory

from common.errors import Conflict, NotFound, UpstreamUnavailable
from common.upstream import Client
from services.awards.service import AwardsService
from tests.services.awards.conftest import CONTEST, ORG, ranking_row

CONTEST_INFO = {"code": CONTEST, "title": "Hội thi", "settings": {"one_weekly_prize_per_person": True},
                "rounds": [{"n": 1, "status": "finalized"}]}
ROWS = [ranking_row(i, f"c{i}", f"Người {i}", "SNV", 21 - i, "2023-06-01T10:00:00+00:00") for i in range(1, 5)]


def wire(exc):
    """What a proxy raises when the remote method raised `exc` (nameko's serialisation both ways)."""
    return deserialize(serialize(exc))


@pytest.fixture
def service(db):
    clients = {name: Client(name, mock.Mock(), timeout_s=5) for name in ("quiz", "scoring", "media")}
    svc = worker_factory(AwardsService, db=db, **clients)
    svc.quiz.proxy.get_contest.return_value = CONTEST_INFO
    svc.quiz.proxy.excluded_contestants.return_value = ["c2"]
    svc.quiz.proxy.list_units.return_value = [{"code": "SNV", "name": "Sở Nội vụ"}]
    svc.scoring.proxy.get_round_ranking.return_value = ROWS
    return svc


def test_compute_and_approve_through_the_service(service, db):
    draft = service.compute(ORG, CONTEST, "weekly", 1)
    assert [w["contestant_id"] for w in draft["winners"]] == ["c1", "c3", "c4"]
    service.quiz.proxy.excluded_contestants.assert_called_once_with(CONTEST, ["c1", "c2", "c3", "c4"])
    service.scoring.proxy.get_round_ranking.assert_called_once_with(CONTEST, 1)
    approved = service.approve(ORG, draft["award_set_id"])
    assert approved["status"] == "approved"
    [(event_type, payload), _kwargs] = db.dispatch.call_args
    assert event_type == "award_set_approved" and payload["award_set_id"] == draft["award_set_id"]
    assert payload["event_id"]
    service.approve(ORG, draft["award_set_id"])
    assert db.dispatch.call_count == 1  # approving again publishes nothing new
    assert service.public_awards(CONTEST, "weekly", 1)[0]["award_set_id"] == draft["award_set_id"]
    assert service.get_award_set(ORG, draft["award_set_id"])["status"] == "approved"


def test_scoring_not_ranked_becomes_round_not_final(service):
    service.scoring.proxy.get_round_ranking.side_effect = wire(
        Conflict("round_not_ranked", "Tuần thi chưa có xếp hạng chung cuộc."))
    with pytest.raises(Conflict) as exc:
        service.compute(ORG, CONTEST, "weekly", 1)
    assert exc.value.code == "round_not_final"


def test_quiz_not_found_passes_through(service):
    service.quiz.proxy.get_contest.side_effect = wire(NotFound("contest_not_found", "Không tìm thấy hội thi."))
    with pytest.raises(NotFound) as exc:
        service.compute(ORG, "nope", "video")
    assert exc.value.code == "contest_not_found" and exc.value.detail == "Không tìm thấy hội thi."


def test_another_services_bug_is_not_disguised(service):
    service.scoring.proxy.get_round_ranking.side_effect = wire(KeyError("rank"))
    with pytest.raises(RemoteError):
        service.compute(ORG, CONTEST, "weekly", 1)


def test_media_not_running_is_upstream_unavailable(service):
    service.media.proxy.list_clip_results.side_effect = UnknownService("media")
    with pytest.raises(UpstreamUnavailable) as exc:
        service.compute(ORG, CONTEST, "video")
    assert exc.value.service == "media"


def test_media_waiting_on_quiz_is_upstream_unavailable(service):
    # Passed on as it is: the 503 names quiz, the service that did not answer.
    service.media.proxy.list_clip_results.side_effect = wire(UpstreamUnavailable("quiz", "quiz did not answer"))
    with pytest.raises(UpstreamUnavailable) as exc:
        service.compute(ORG, CONTEST, "video")
    assert exc.value.service == "quiz"


def test_a_silent_service_times_out(service):
    service.scoring.timeout_s = 0.2
    service.scoring.proxy.get_unit_stats.side_effect = lambda contest: eventlet.sleep(30)
    service.media.proxy.list_clip_results.return_value = {"complete": True, "pending": 0, "clips": []}
    with pytest.raises(UpstreamUnavailable) as exc:
        service.compute(ORG, CONTEST, "collective")
    assert exc.value.service == "scoring"


def test_relay_publishes_events_left_behind(service, db):
    from services.awards.models import Outbox

    with db.session() as s:
        db.outbox.add(s, "award_set_approved", {"award_set_id": "x"})
        s.flush()
        row = s.query(Outbox).one()
        row.created_at = row.created_at.replace(year=2020)
    service.relay()
    [(event_type, payload), _kwargs] = db.dispatch.call_args
    assert event_type == "award_set_approved" and payload["award_set_id"] == "x"
    assert db.pending_count() == 0
