"""The contest jury routes (/admin/contests/{contest}/jury): roles, body shape, quiz's answer and
refusals passed on (RPC client replaced by a fake)."""
import pytest

from tests.gateway.conftest import bearer, remote

JURY = {"contest": "cchc-2023", "default": False, "judging_started": False,
        "judges": [{"id": "s-1", "username": "gk1", "full_name": "Lê Bình", "unit_code": "SNV"}],
        "candidates": [{"id": "s-1", "username": "gk1", "full_name": "Lê Bình", "unit_code": "SNV"},
                       {"id": "s-2", "username": "gk2", "full_name": "Hồ Thị Hoa", "unit_code": None}]}
URL = "/api/v1/admin/contests/cchc-2023/jury"


def test_organizer_sets_the_jury_by_usernames(client, fake):
    fake.answers["quiz.set_jury"] = JURY
    resp = client.post(URL, json={"usernames": ["gk1"]}, headers=bearer("organizer", user_id="admin-1"))
    assert resp.status_code == 200 and resp.json() == JURY
    actor, contest, usernames = fake.last("quiz.set_jury")["args"]
    assert actor["id"] == "admin-1" and (contest, usernames) == ("cchc-2023", ["gk1"])


@pytest.mark.parametrize("role", ["organizer", "expert", "judge", "monitor"])
def test_staff_read_the_jury(client, fake, role):
    fake.answers["quiz.get_jury"] = dict(JURY, default=True)
    resp = client.get(URL, headers=bearer(role))
    assert resp.status_code == 200 and resp.json()["default"] is True
    assert fake.last("quiz.get_jury")["args"][1:] == ("cchc-2023",)


@pytest.mark.parametrize("role", ["expert", "judge", "monitor", "contestant"])
def test_only_organizers_set_it(client, fake, role):
    resp = client.post(URL, json={"usernames": ["gk1"]}, headers=bearer(role))
    assert resp.status_code == 403 and fake.calls == []


def test_contestants_and_strangers_do_not_read_it(client, fake):
    assert client.get(URL, headers=bearer("contestant")).status_code == 403
    assert client.get(URL).status_code == 401
    assert fake.calls == []


@pytest.mark.parametrize("body", [{}, {"usernames": []}, {"usernames": "gk1"}, {"judge_ids": ["s-1"]},
                                  {"usernames": ["gk1"], "extra": 1}, {"usernames": ["x"] * 201}])
def test_bad_bodies_are_422_without_a_call(client, fake, body):
    resp = client.post(URL, json=body, headers=bearer("organizer"))
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_input" and fake.calls == []


@pytest.mark.parametrize("exc_type,code,status", [
    ("Invalid", "not_a_judge", 422), ("NotFound", "contest_not_found", 404)])
def test_quiz_refusals_passed_on(client, fake, exc_type, code, status):
    fake.answers["quiz.set_jury"] = remote(exc_type, code, "Không phải tài khoản giám khảo: cv1.")
    resp = client.post(URL, json={"usernames": ["cv1"]}, headers=bearer("organizer"))
    assert resp.status_code == status and resp.json()["code"] == code


def test_set_jury_passes_the_confirmation_and_answers_409_without_it(client, fake):
    fake.answers["quiz.set_jury"] = remote("Conflict", "confirm_required", "Việc chấm video clip đã bắt đầu.")
    resp = client.post(URL, json={"usernames": ["gk1"]}, headers=bearer("organizer"))
    assert resp.status_code == 409 and resp.json()["code"] == "confirm_required"
    assert fake.last("quiz.set_jury")["kwargs"] == {"confirm": False, "reason": None}
    fake.answers["quiz.set_jury"] = JURY
    resp = client.post(URL, json={"usernames": ["gk1"], "confirm": True, "reason": "Bổ sung giám khảo"},
                       headers=bearer("organizer"))
    assert resp.status_code == 200
    assert fake.last("quiz.set_jury")["kwargs"] == {"confirm": True, "reason": "Bổ sung giám khảo"}
