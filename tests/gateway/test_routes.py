"""Routes shape requests and answers per API.md (RPC client replaced by a fake)."""
import base64
import time

import pytest

from gateway import config
from gateway.routes import ops
from tests.gateway.conftest import bearer, remote

CONTEST = {"code": "cchc-2023", "title": "Hội thi trực tuyến tìm hiểu CCHC", "settings": {"questions_per_attempt": 20},
           "rounds": [{"n": 1, "opens_at": "2023-06-01T00:00:00+07:00", "closes_at": "2023-06-07T23:59:59+07:00",
                       "status": "closed"}]}
START = {"attempt_id": "a-1", "deadline": "2023-06-01T00:20:00+00:00",
         "prediction_question": "Có bao nhiêu lượt thi được nộp trong tuần này?",
         "questions": [{"id": "q1", "text": "Câu hỏi?", "options": [{"key": "B", "text": "Hai"}, {"key": "A", "text": "Một"}]}]}
ATTEMPT = {"attempt_id": "a-1", "contest": "cchc-2023", "round": 1, "status": "graded", "correct": 18, "total": 20,
           "duration_ms": 61000, "submitted_at": "2023-06-01T00:01:01+00:00", "deadline": "2023-06-01T00:20:00+00:00"}
REGISTRATION = {"full_name": "Trần Văn An", "id_number": "046123456789", "phone": "0912345678", "unit_code": "SNV",
                "position": "Chuyên viên", "password": "bí mật 123"}


# ---- identity and setup --------------------------------------------------------------------
def test_register_is_201_and_sends_the_data(client, fake):
    fake.answers["quiz.register_contestant"] = {"id": "c-9", "full_name": "Trần Văn An", "unit_code": "SNV"}
    resp = client.post("/api/v1/contestants", json={**REGISTRATION, "date_of_birth": "1990-02-03"})
    assert resp.status_code == 201
    assert resp.json() == {"id": "c-9", "full_name": "Trần Văn An", "unit_code": "SNV"}
    # The caller's address goes along for quiz's registration throttle (TestClient's is "testclient").
    assert fake.last("quiz.register_contestant")["args"] == ({**REGISTRATION, "date_of_birth": "1990-02-03"},
                                                             "testclient")


@pytest.mark.parametrize("exc_type,code,status", [
    ("Conflict", "already_registered", 409), ("Forbidden", "excluded", 403), ("Invalid", "invalid_id_number", 422),
    ("Forbidden", "not_on_roster", 403), ("RateLimited", "too_many_registrations", 429)])
def test_register_refusals(client, fake, exc_type, code, status):
    fake.answers["quiz.register_contestant"] = remote(exc_type, code, "Thông báo.")
    resp = client.post("/api/v1/contestants", json=REGISTRATION)
    assert resp.status_code == status and resp.json()["code"] == code


def test_register_conflict_names_the_taken_field(client, fake):
    """Issue 16: the 409 says which of CCCD and phone is taken (`field`, additive), so the form
    shows it beside that field; extras never override `detail` or `code`."""
    taken = remote("Conflict", "already_registered", "Số điện thoại này đã được đăng ký.")
    taken.exc_args.append({"field": "phone", "code": "khac", "nested": {"x": 1}})
    fake.answers["quiz.register_contestant"] = taken
    resp = client.post("/api/v1/contestants", json=REGISTRATION)
    assert resp.status_code == 409
    assert resp.json() == {"detail": "Số điện thoại này đã được đăng ký.", "code": "already_registered",
                           "field": "phone"}


def test_register_rejects_unknown_fields(client, fake):
    resp = client.post("/api/v1/contestants", json={**REGISTRATION, "role": "organizer"})
    assert resp.status_code == 422 and fake.calls == []


def test_create_staff_is_201_with_the_actor(client, fake):
    fake.answers["quiz.create_staff"] = {"id": "s-1", "username": "gk1", "role": "judge", "full_name": "Lê Bình",
                                        "unit_code": "SNV"}
    body = {"username": "gk1", "password": "pw", "role": "judge", "full_name": "Lê Bình", "id_number": "046000000001",
            "unit_code": "SNV"}
    resp = client.post("/api/v1/admin/staff", json=body, headers=bearer("organizer", user_id="admin-1"))
    assert resp.status_code == 201 and resp.json()["username"] == "gk1"
    actor, data = fake.last("quiz.create_staff")["args"]
    assert actor == {"id": "admin-1", "role": "organizer", "unit_code": "SNV"} and data == body


def test_create_staff_with_an_unknown_role_is_422(client, fake):
    resp = client.post("/api/v1/admin/staff", headers=bearer("organizer"), json={
        "username": "x", "password": "p", "role": "contestant", "full_name": "A", "id_number": "1", "unit_code": "S"})
    assert resp.status_code == 422 and fake.calls == []


def test_create_contest_is_201_and_passes_settings_as_given(client, fake):
    fake.answers["quiz.create_contest"] = CONTEST
    body = {"code": "cchc-2023", "title": "Hội thi", "settings": {"time_limit_s": 900, "prediction_target": "perfect_attempts"},
            "rounds": [{"opens_at": "2023-06-01T00:00:00+07:00", "closes_at": "2023-06-07T23:59:59+07:00"}]}
    resp = client.post("/api/v1/admin/contests", json=body, headers=bearer("organizer"))
    assert resp.status_code == 201 and resp.json() == CONTEST
    _, data = fake.last("quiz.create_contest")["args"]
    assert data["settings"] == {"time_limit_s": 900, "prediction_target": "perfect_attempts"}
    assert data["rounds"] == [{"opens_at": "2023-06-01T00:00:00+07:00", "closes_at": "2023-06-07T23:59:59+07:00"}]


def test_public_contest_units_and_list(client, fake):
    fake.answers["quiz.get_contest"] = CONTEST
    fake.answers["quiz.list_contests"] = [CONTEST]
    fake.answers["quiz.list_units"] = [{"code": "SNV", "name": "Sở Nội vụ", "kind": "so", "parent_code": None,
                                        "headcount": 120}]
    assert client.get("/api/v1/contests/cchc-2023").json() == CONTEST
    assert fake.last("quiz.get_contest")["args"] == ("cchc-2023",)
    assert client.get("/api/v1/contests").json() == [CONTEST]
    assert client.get("/api/v1/units").json()[0]["name"] == "Sở Nội vụ"
    assert fake.last("quiz.list_contests")["args"] == ()  # the public list: listed contests only


def test_staff_list_every_contest_the_unlisted_too(client, fake):
    fake.answers["quiz.list_contests"] = [CONTEST]
    assert client.get("/api/v1/admin/contests").status_code == 401
    assert client.get("/api/v1/admin/contests", headers=bearer("contestant")).status_code == 403
    resp = client.get("/api/v1/admin/contests", headers=bearer("judge"))
    assert resp.status_code == 200 and resp.json() == [CONTEST]
    assert fake.last("quiz.list_contests")["args"] == (True,)


def test_patch_passes_listed_and_refuses_a_non_boolean(client, fake):
    fake.answers["quiz.update_contest"] = CONTEST
    resp = client.patch("/api/v1/admin/contests/cchc-2023", json={"settings": {"listed": False}}, headers=bearer("organizer"))
    assert resp.status_code == 200, resp.text
    _, code, data = fake.last("quiz.update_contest")["args"]
    assert code == "cchc-2023" and data == {"settings": {"listed": False}}
    fake.calls.clear()
    resp = client.patch("/api/v1/admin/contests/cchc-2023", json={"settings": {"listed": "có lẽ"}}, headers=bearer("organizer"))
    assert resp.status_code == 422 and fake.calls == []


def test_question_import_sends_the_file_base64(client, fake):
    fake.answers["quiz.import_questions"] = {"created": 1, "errors": [{"row": 3, "message": "Thiếu phương án D"}]}
    content = "text,a,b,c,d,answer,source\nCâu?,1,2,3,4,A,QĐ 1\n".encode()
    resp = client.post("/api/v1/admin/contests/cchc-2023/questions/import", headers=bearer("expert"),
                       files={"file": ("câu hỏi.csv", content, "text/csv")})
    assert resp.status_code == 200 and resp.json()["errors"][0]["row"] == 3
    actor, contest, file = fake.last("quiz.import_questions")["args"]
    assert contest == "cchc-2023" and file["filename"] == "câu hỏi.csv"
    assert base64.b64decode(file["content_b64"]) == content


def test_import_larger_than_the_cap_is_413_and_not_sent(client, fake, monkeypatch):
    monkeypatch.setattr(config.settings, "max_import_bytes", 1000)
    resp = client.post("/api/v1/admin/units/import", headers=bearer("organizer"),
                       files={"file": ("units.csv", b"x" * 1001, "text/csv")})
    assert resp.status_code == 413 and resp.json()["code"] == "file_too_large"
    # exactly at the cap is fine
    fake.answers["quiz.import_units"] = {"created": 0, "updated": 0, "errors": []}
    resp = client.post("/api/v1/admin/units/import", headers=bearer("organizer"),
                       files={"file": ("units.csv", b"x" * 1000, "text/csv")})
    assert resp.status_code == 200
    assert [c["key"] for c in fake.calls] == ["quiz.import_units"]


def test_huge_upload_is_refused_by_its_content_length(client, fake, monkeypatch):
    monkeypatch.setattr(config.settings, "max_import_bytes", 1000)
    resp = client.post("/api/v1/admin/units/import", headers=bearer("organizer"),
                       files={"file": ("units.csv", b"x" * 200_000, "text/csv")})
    assert resp.status_code == 413 and resp.json()["code"] == "file_too_large"
    assert fake.calls == []


def test_import_without_a_file_is_422(client, fake):
    resp = client.post("/api/v1/admin/units/import", headers=bearer("organizer"), data={"x": "1"})
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_input"


def test_exclusions_and_close_round(client, fake):
    fake.answers["quiz.add_exclusions"] = {"excluded": 2}
    fake.answers["quiz.close_round"] = CONTEST["rounds"][0]
    h = bearer("organizer")
    resp = client.post("/api/v1/admin/contests/cchc-2023/exclusions", json={"id_numbers": ["1", "2"]}, headers=h)
    assert resp.status_code == 200 and resp.json() == {"excluded": 2, "added": 0, "errors": []}
    assert fake.last("quiz.add_exclusions")["args"][1:] == ("cchc-2023", ["1", "2"])
    resp = client.post("/api/v1/admin/contests/cchc-2023/rounds/1/close", headers=h)
    assert resp.status_code == 200 and resp.json()["status"] == "closed"
    assert fake.last("quiz.close_round")["args"][1:] == ("cchc-2023", 1)


def test_question_bank_and_exclusion_routes(client, fake):
    question = {"id": "q1", "contest": "cchc-2023", "text": "Câu hỏi?", "answer": "B", "source": None,
                "active": True, "used": False,
                "options": [{"key": k, "text": f"Phương án {k}"} for k in "ABCD"]}
    fake.answers["quiz.list_questions"] = {"total": 41, "items": [question]}
    fake.answers["quiz.update_question"] = {**question, "active": False}
    fake.answers["quiz.list_exclusions"] = [{"id_number": "046000000001", "full_name": None, "source": "list"}]
    fake.answers["quiz.remove_exclusion"] = None
    h = bearer("expert")
    resp = client.get("/api/v1/admin/contests/cchc-2023/questions?q=mot%20cua&used=false&limit=1&offset=40",
                      headers=h)
    assert resp.status_code == 200 and resp.json()[0]["id"] == "q1"
    assert resp.headers["x-total-count"] == "41"
    assert fake.last("quiz.list_questions")["args"][1:] == ("cchc-2023",)
    assert fake.last("quiz.list_questions")["kwargs"] == {"q": "mot cua", "active": None, "used": False,
                                                          "limit": 1, "offset": 40}
    resp = client.patch("/api/v1/admin/contests/cchc-2023/questions/q1", json={"active": False, "reason": "Cũ"},
                        headers=h)
    assert resp.status_code == 200 and resp.json()["active"] is False
    assert fake.last("quiz.update_question")["args"][1:] == ("cchc-2023", "q1", {"active": False, "reason": "Cũ"})
    assert client.patch("/api/v1/admin/contests/cchc-2023/questions/q1", json={"answer": "AB"},
                        headers=h).status_code == 422
    assert client.get("/api/v1/admin/contests/cchc-2023/questions?limit=501", headers=h).status_code == 422
    org = bearer("organizer")
    resp = client.get("/api/v1/admin/contests/cchc-2023/exclusions", headers=org)
    assert resp.status_code == 200 and resp.json()[0]["source"] == "list"
    resp = client.request("DELETE", "/api/v1/admin/contests/cchc-2023/exclusions/046000000001", headers=org,
                          json={"reason": "Nhầm"})
    assert resp.status_code == 204 and resp.content == b""
    assert fake.last("quiz.remove_exclusion")["args"][1:] == ("cchc-2023", "046000000001", "Nhầm")
    assert client.delete("/api/v1/admin/contests/cchc-2023/exclusions/046000000001", headers=org).status_code == 204
    assert fake.last("quiz.remove_exclusion")["args"][1:] == ("cchc-2023", "046000000001", None)
    assert client.get("/api/v1/admin/contests/cchc-2023/exclusions", headers=h).status_code == 403


# ---- quiz ----------------------------------------------------------------------------------
def test_attempt_lifecycle(client, fake):
    h = bearer("contestant", user_id="c-1")
    fake.answers["quiz.start_attempt"] = START
    resp = client.post("/api/v1/contests/cchc-2023/rounds/1/attempts", headers=h)
    assert resp.status_code == 201 and resp.json() == START
    assert fake.last("quiz.start_attempt")["args"] == ({"id": "c-1", "role": "contestant", "unit_code": "SNV"},
                                                       "cchc-2023", 1)

    fake.answers["quiz.resume_attempt"] = {**START, "answers": {"q1": "B"}, "prediction": 1200}
    resp = client.get("/api/v1/attempts/a-1/questions", headers=h)
    assert resp.status_code == 200 and resp.json()["answers"] == {"q1": "B"}

    fake.answers["quiz.save_answers"] = {"attempt_id": "a-1", "saved": 1}
    resp = client.put("/api/v1/attempts/a-1/answers", json={"answers": {"q1": "A"}, "prediction": 1500}, headers=h)
    assert resp.status_code == 200
    assert fake.last("quiz.save_answers")["args"][1:] == ("a-1", {"q1": "A"}, 1500)

    fake.answers["quiz.submit_attempt"] = {"attempt_id": "a-1", "status": "submitted"}
    resp = client.post("/api/v1/attempts/a-1/submit", json={"answers": {"q1": "A"}, "prediction": 1500}, headers=h)
    assert resp.status_code == 202 and resp.json() == {"attempt_id": "a-1", "status": "submitted"}

    fake.answers["quiz.get_attempt"] = ATTEMPT
    resp = client.get("/api/v1/attempts/a-1", headers=h)
    assert resp.status_code == 200
    assert {k: resp.json()[k] for k in ("attempt_id", "status", "correct", "total", "duration_ms", "submitted_at")} == \
        {k: ATTEMPT[k] for k in ("attempt_id", "status", "correct", "total", "duration_ms", "submitted_at")}

    fake.answers["quiz.list_attempts"] = [ATTEMPT]
    assert client.get("/api/v1/me/attempts", headers=h).json()[0]["attempt_id"] == "a-1"


@pytest.mark.parametrize("code", ["round_not_open", "attempt_limit", "attempt_in_progress"])
def test_start_conflicts_are_409(client, fake, code):
    fake.answers["quiz.start_attempt"] = remote("Conflict", code, "Không thể bắt đầu.")
    resp = client.post("/api/v1/contests/cchc-2023/rounds/1/attempts", headers=bearer("contestant"))
    assert resp.status_code == 409 and resp.json()["code"] == code


def test_submit_after_the_deadline_is_409_deadline_passed(client, fake):
    fake.answers["quiz.submit_attempt"] = remote("Conflict", "deadline_passed", "Đã hết giờ làm bài.")
    resp = client.post("/api/v1/attempts/a-1/submit", json={"answers": {}, "prediction": 3},
                       headers=bearer("contestant"))
    assert resp.status_code == 409 and resp.json()["code"] == "deadline_passed"


def test_submit_without_prediction_is_still_passed_on(client, fake):
    fake.answers["quiz.submit_attempt"] = {"attempt_id": "a-1", "status": "submitted"}
    resp = client.post("/api/v1/attempts/a-1/submit", json={"answers": {"q1": "A"}}, headers=bearer("contestant"))
    assert resp.status_code == 202
    assert fake.last("quiz.submit_attempt")["args"][1:] == ("a-1", {"q1": "A"}, None)


def test_submit_without_answers_asks_for_the_autosaved_sheet(client, fake):
    """No `answers` in the body is passed on as None (the autosaved sheet), never as an empty one."""
    fake.answers["quiz.submit_attempt"] = {"attempt_id": "a-1", "status": "submitted"}
    resp = client.post("/api/v1/attempts/a-1/submit", json={"prediction": 50}, headers=bearer("contestant"))
    assert resp.status_code == 202
    assert fake.last("quiz.submit_attempt")["args"][1:] == ("a-1", None, 50)


def test_negative_prediction_is_422(client, fake):
    resp = client.put("/api/v1/attempts/a-1/answers", json={"answers": {}, "prediction": -1},
                      headers=bearer("contestant"))
    assert resp.status_code == 422 and fake.calls == []


def test_staff_cannot_start_an_attempt(client, fake):
    resp = client.post("/api/v1/contests/cchc-2023/rounds/1/attempts", headers=bearer("organizer"))
    assert resp.status_code == 403 and fake.calls == []


def test_service_answer_outside_the_contract_is_500_not_a_broken_answer(client, fake):
    fake.answers["quiz.get_attempt"] = {"attempt_id": "a-1"}
    resp = client.get("/api/v1/attempts/a-1", headers=bearer("contestant"))
    assert resp.status_code == 500 and resp.json()["code"] == "internal_error"


# ---- results -------------------------------------------------------------------------------
def test_leaderboard_and_unit_stats(client, fake):
    row = {"rank": 1, "contestant_id": "c-1", "full_name": "Nguyễn Thị Hương", "unit_code": "SNV", "correct": 20,
           "prediction": 1000, "prediction_diff": 3, "duration_ms": 60000, "submitted_at": "2023-06-01T00:01:00+00:00"}
    fake.answers["scoring.get_leaderboard"] = {"final": True, "actual_attempts": 1003, "rows": [row]}
    resp = client.get("/api/v1/contests/cchc-2023/rounds/2/leaderboard?limit=10")
    assert resp.status_code == 200 and resp.json()["rows"] == [row]
    call = fake.last("scoring.get_leaderboard")
    assert call["args"] == ("cchc-2023", 2) and call["kwargs"] == {"limit": 10}
    client.get("/api/v1/contests/cchc-2023/rounds/2/leaderboard")
    assert fake.last("scoring.get_leaderboard")["kwargs"] == {"limit": 50}

    stats = [{"unit_code": "SNV", "headcount": 100, "participants": 40, "participation": 0.4, "quality": 0.8,
              "zero_results": 0, "flags": []},
             {"unit_code": "SGD", "headcount": 0, "participants": 3, "participation": 0.0, "quality": 0.5,
              "zero_results": 0, "flags": [{"code": "no_headcount", "message": "Đơn vị chưa khai báo số CBCCVC."}]}]
    fake.answers["scoring.get_unit_stats"] = stats
    fake.answers["quiz.get_contest"] = CONTEST  # no round open: the whole contest
    assert client.get("/api/v1/contests/cchc-2023/stats/units").json() == stats
    assert fake.last("scoring.get_unit_stats")["kwargs"] == {}


def _open_contest(live_board=None):
    settings = {"questions_per_attempt": 20, **({"live_board": live_board} if live_board else {})}
    return dict(CONTEST, settings=settings, rounds=[dict(CONTEST["rounds"][0], status="open")])


LIVE_ROWS = [{"rank": i, "contestant_id": f"c-{i}", "full_name": "Nguyễn Thị Hương", "unit_code": "SNV",
              "correct": 20 - i, "prediction": 1000 + i, "prediction_diff": None, "duration_ms": 60000,
              "submitted_at": "2023-06-01T00:01:00+00:00"} for i in range(1, 31)]


@pytest.mark.parametrize("live_board,rows", [
    (None, [dict(r, prediction=None) for r in LIVE_ROWS[:10]]),   # SPEC 6 default: scores
    ("scores", [dict(r, prediction=None) for r in LIVE_ROWS[:10]]),
    ("hidden", []),
    ("full", LIVE_ROWS),
])
def test_live_board_follows_the_contest_setting(client, fake, live_board, rows):
    fake.answers["scoring.get_leaderboard"] = {"final": False, "actual_attempts": None, "rows": LIVE_ROWS}
    fake.answers["quiz.get_contest"] = _open_contest(live_board)
    resp = client.get("/api/v1/contests/cchc-2023/rounds/1/leaderboard?limit=50")
    assert resp.status_code == 200 and resp.json() == {"final": False, "actual_attempts": None, "rows": rows}


def test_leaderboard_me_for_a_contestant_token(client, fake):
    """Issue 16: a contestant's token adds `me` (their own row, listed or not); on a live board its
    rank shows only where the public board could show it, and nobody else gets `me`."""
    mine = dict(LIVE_ROWS[24], contestant_id="u1")  # rank 25: below the live top 10
    fake.answers["scoring.get_leaderboard"] = {"final": False, "actual_attempts": None, "rows": LIVE_ROWS, "me": mine}
    fake.answers["quiz.get_contest"] = _open_contest("scores")
    resp = client.get("/api/v1/contests/cchc-2023/rounds/1/leaderboard", headers=bearer("contestant", user_id="u1"))
    assert fake.last("scoring.get_leaderboard")["kwargs"] == {"limit": 50, "contestant_id": "u1"}
    assert resp.json()["me"] == dict(mine, rank=None)  # their own prediction, not their rank
    fake.answers["scoring.get_leaderboard"]["me"] = dict(LIVE_ROWS[2], contestant_id="u1")
    assert client.get("/api/v1/contests/cchc-2023/rounds/1/leaderboard",
                      headers=bearer("contestant", user_id="u1")).json()["me"]["rank"] == 3
    fake.answers["quiz.get_contest"] = _open_contest("hidden")
    assert client.get("/api/v1/contests/cchc-2023/rounds/1/leaderboard",
                      headers=bearer("contestant", user_id="u1")).json()["me"]["rank"] is None
    fake.answers["quiz.get_contest"] = _open_contest("full")
    assert client.get("/api/v1/contests/cchc-2023/rounds/1/leaderboard",
                      headers=bearer("contestant", user_id="u1")).json()["me"]["rank"] == 3
    # No row yet: `me` is null. Staff and the public: no `me`, and no contestant_id asked for.
    fake.answers["scoring.get_leaderboard"] = {"final": True, "actual_attempts": 3, "rows": LIVE_ROWS[:3], "me": None}
    assert client.get("/api/v1/contests/cchc-2023/rounds/1/leaderboard",
                      headers=bearer("contestant", user_id="u1")).json()["me"] is None
    fake.answers["scoring.get_leaderboard"] = {"final": True, "actual_attempts": 3, "rows": LIVE_ROWS[:3]}
    # An expired or bad token on this public answer reads as the public (no 401 sending the page to
    # the login).
    expired = bearer("contestant", user_id="u1", ttl_s=60, now=time.time() - 3600)
    for headers in ({}, bearer("organizer"), expired, {"Authorization": "Bearer abc.def.ghi"}):
        resp = client.get("/api/v1/contests/cchc-2023/rounds/1/leaderboard", headers=headers)
        assert resp.status_code == 200 and "me" not in resp.json()
        assert fake.last("scoring.get_leaderboard")["kwargs"] == {"limit": 50}


def test_unit_stats_of_an_open_round_count_ranked_rounds_only_for_the_public(client, fake):
    fake.answers["scoring.get_unit_stats"] = []
    fake.answers["quiz.get_contest"] = _open_contest()
    client.get("/api/v1/contests/cchc-2023/stats/units")
    assert fake.last("scoring.get_unit_stats")["kwargs"] == {"final_only": True}
    client.get("/api/v1/contests/cchc-2023/stats/units", headers=bearer("monitor"))
    assert fake.last("scoring.get_unit_stats")["kwargs"] == {}
    fake.answers["quiz.get_contest"] = _open_contest("full")
    client.get("/api/v1/contests/cchc-2023/stats/units")
    assert fake.last("scoring.get_unit_stats")["kwargs"] == {}


# ---- cross-cutting -------------------------------------------------------------------------
def test_request_id_is_kept_returned_and_passed_to_services(client, fake):
    fake.answers["quiz.list_units"] = []
    resp = client.get("/api/v1/units", headers={"X-Request-ID": "abc-123"})
    assert resp.headers["x-request-id"] == "abc-123"
    assert fake.last("quiz.list_units")["request_id"] == "abc-123"
    resp = client.get("/api/v1/units")
    generated = resp.headers["x-request-id"]
    assert generated and generated != "abc-123"
    assert fake.last("quiz.list_units")["request_id"] == generated
    # an id unsafe to log is replaced
    resp = client.get("/api/v1/units", headers={"X-Request-ID": "bad id\twith spaces"})
    assert resp.headers["x-request-id"] != "bad id\twith spaces"


def test_security_and_cors_headers(client, fake):
    fake.answers["quiz.list_units"] = []
    resp = client.get("/api/v1/units", headers={"Origin": "https://sonoivu.thuathienhue.gov.vn"})
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["access-control-allow-origin"] == "*"
    pre = client.options("/api/v1/contestants", headers={
        "Origin": "https://example.vn", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization"})
    assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]


def test_metrics_count_requests_by_route_template(client, fake):
    fake.answers["quiz.get_contest"] = CONTEST
    client.get("/api/v1/contests/cchc-2023")
    text = client.get("/metrics").text
    assert 'cchc_gateway_requests_total{method="GET",route="/api/v1/contests/{contest}",status="200"}' in text
    assert "cchc_gateway_request_seconds_bucket" in text


def test_metrics_only_for_the_allowed_networks_when_a_list_is_set(app, monkeypatch):
    import ipaddress

    from fastapi.testclient import TestClient
    from gateway import config

    monkeypatch.setattr(config.settings, "metrics_allow_from", [ipaddress.ip_network("10.0.0.0/8"),
                                                        ipaddress.ip_network("::1/128")])
    for host, status in (("10.1.2.3", 200), ("::1", 200), ("203.0.113.9", 403), ("testclient", 403)):
        with TestClient(app, client=(host, 40000)) as c:
            resp = c.get("/metrics")
        assert resp.status_code == status, host
        if status == 403:
            assert resp.json()["code"] == "forbidden" and "cchc_gateway" not in resp.text
    with TestClient(app, client=("203.0.113.9", 40000)) as c:  # the rest of the API is unchanged
        assert c.get("/healthz").status_code == 200


def test_openapi_describes_the_api_in_vietnamese(client):
    doc = client.get("/openapi.json").json()
    assert doc["info"]["title"].startswith("Hội thi CCHC")
    for path in ("/api/v1/auth/token", "/api/v1/contestants", "/api/v1/contests/{contest}/rounds/{n}/attempts",
                 "/api/v1/attempts/{attempt_id}/submit", "/api/v1/contests/{contest}/rounds/{n}/leaderboard",
                 "/api/v1/admin/system", "/readyz"):
        assert path in doc["paths"], path
    assert "application/x-www-form-urlencoded" in doc["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]


# ---- operations ----------------------------------------------------------------------------
def _health(status="ok"):
    return {"service": "x", "status": status, "database": "ok"}


def test_healthz(client):
    assert client.get("/healthz").status_code == 200


def test_readyz_200_when_every_service_answers(client, fake):
    for s in config.settings.services:
        fake.answers[f"{s}.health"] = _health()
    resp = client.get("/readyz")
    assert resp.status_code == 200 and all(resp.json()["services"].values())


def test_readyz_503_names_what_is_down(client, fake):
    for s in config.settings.services:
        fake.answers[f"{s}.health"] = _health()
    fake.answers["awards.health"] = __import__("gateway.rpc_errors", fromlist=["x"]).ServiceUnavailable("awards", "timeout")
    fake.answers["scoring.health"] = _health("degraded")
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert sorted(resp.json()["down"]) == ["awards", "scoring"]
    fake.connected = False
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.json()["down"] == ["rabbitmq"]


def test_admin_system_is_for_monitor_and_organizer(client, fake, monkeypatch):
    # management API unreachable → passive declares of the rpc queues
    monkeypatch.setattr(config.settings, "rabbit_api_url", "http://guest:guest@127.0.0.1:1")
    for s in config.settings.services:
        fake.answers[f"{s}.health"] = _health()
    fake.queues = {"rpc-quiz": (3, 2), "rpc-scoring": (0, 1)}
    assert client.get("/api/v1/admin/system").status_code == 401
    assert client.get("/api/v1/admin/system", headers=bearer("contestant")).status_code == 403
    assert client.get("/api/v1/admin/system", headers=bearer("expert")).status_code == 403
    for role in ("monitor", "organizer"):
        resp = client.get("/api/v1/admin/system", headers=bearer(role))
        assert resp.status_code == 200
    body = resp.json()
    assert body["services"]["quiz"] == {"instances": 2, "healthy": True}
    assert body["services"]["media"] == {"instances": 0, "healthy": True}
    assert body["queues"] == {"rpc-quiz": {"messages": 3, "consumers": 2},
                              "rpc-scoring": {"messages": 0, "consumers": 1}}


def test_admin_system_trusts_the_broker_over_a_lagging_management_api(client, fake, monkeypatch):
    """Seconds after queues are made, the management API lists some without counts (null) and
    leaves others out: the passive declares are the broker's own answer and win."""
    async def lagging(vhost):
        return {"evt-quiz-attempt_submitted--scoring.on_attempt_submitted": {"messages": None, "consumers": 0},
                "scoring.dead-letter": {"messages": None, "consumers": 0}}
    monkeypatch.setattr(ops, "queues_from_management_api", lagging)
    for s in config.settings.services:
        fake.answers[f"{s}.health"] = _health()
    fake.queues = {"rpc-quiz": (3, 2), "rpc-scoring": (0, 1), "scoring.dead-letter": (4, 0)}
    body = client.get("/api/v1/admin/system", headers=bearer("monitor")).json()
    assert body["queues"]["rpc-quiz"] == {"messages": 3, "consumers": 2}
    assert body["queues"]["rpc-scoring"] == {"messages": 0, "consumers": 1}
    assert body["dead_letters"]["scoring"] == 4  # read again by passive declare, not null


def test_vhost_of_amqp_uri():
    assert ops.vhost_of("amqp://guest:guest@h:5672/") == "/"
    assert ops.vhost_of("amqp://guest:guest@h:5672") == "/"
    assert ops.vhost_of("amqp://guest:guest@h:5672/cchc") == "cchc"
    assert ops.vhost_of("amqp://guest:guest@h:5672/%2Fprod") == "/prod"
