"""Running a live contest (SPEC 6), end to end through the gateway: contest changes under their locks
(PATCH /admin/contests/{c}) and the audit log gathered from every service (GET /admin/audit, /verify,
/audit.xlsx), including rows tampered with directly in PostgreSQL.

Run: `.venv/bin/python -m pytest -p no:pytest_nameko tests/e2e/test_live_contest.py`.
"""
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.e2e.quizclient import Ids, make_bank, now_utc, retry_unavailable, tag, wait_for

API = "/api/v1"
FORMULA = '=HYPERLINK("https://example.org","bấm vào đây")'


def patch(cluster, headers, code, body):
    return cluster.http.patch(f"{API}/admin/contests/{code}", json=body, headers=headers)


def audit(cluster, headers, **params):
    resp = cluster.http.get(f"{API}/admin/audit", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def verify(cluster, headers):
    resp = cluster.http.get(f"{API}/admin/audit/verify", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def weeks(start, count=3, open_for=dt.timedelta(hours=2)):
    out = []
    for k in range(count):
        opens = start + k * dt.timedelta(days=7)
        out.append({"opens_at": opens.isoformat(), "closes_at": (opens + open_for).isoformat()})
    return out


@pytest.fixture(scope="module")
def open_contest(client, admin_headers):
    """Round 1 open for two more minutes (shorter than the time limit), rounds 2-3 later."""
    code = f"lc-{tag()}"
    start = now_utc() - dt.timedelta(minutes=1)
    rounds = weeks(start, open_for=dt.timedelta(minutes=3))
    client.setup_contest(admin_headers, code, rounds, {"questions_per_attempt": 3, "time_limit_s": 3600},
                         make_bank(code, 6))
    return code


# --- contest changes ------------------------------------------------------------------------------
def test_before_the_first_round_everything_changes(cluster, client, admin_headers):
    code = f"lc-{tag()}"
    start = now_utc() + dt.timedelta(days=1)
    client.setup_contest(admin_headers, code, weeks(start), {}, make_bank(code, 3))
    later = start + dt.timedelta(hours=1)
    resp = patch(cluster, admin_headers, code, {
        "title": "Hội thi đã sửa tên", "settings": {"time_limit_s": 900, "live_board": "hidden",
                                                     "registration": "roster"},
        "rounds": [{"n": 1, "opens_at": later.isoformat()}], "reason": "Theo kế hoạch mới"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["title"] == "Hội thi đã sửa tên"
    assert body["settings"]["time_limit_s"] == 900 and body["settings"]["live_board"] == "hidden"
    assert body["settings"]["registration"] == "roster"
    assert dt.datetime.fromisoformat(body["rounds"][0]["opens_at"]) == later
    assert client.contest(code).json()["title"] == "Hội thi đã sửa tên"
    [entry] = audit(cluster, admin_headers, contest=code, action="contest.update")
    [created] = audit(cluster, admin_headers, contest=code, action="contest.create")
    assert created["after"]["title"] == f"Hội thi kiểm thử {code}" and created["before"] is None
    assert entry["reason"] == "Theo kế hoạch mới" and entry["role"] == "organizer"
    admin = cluster.admin_username
    assert entry["actor"].startswith(f"{admin} (#") and entry["actor_username"] == admin
    assert entry["before"]["title"] == f"Hội thi kiểm thử {code}"
    assert entry["after"]["settings"] == {"live_board": "hidden", "registration": "roster", "time_limit_s": 900}
    assert entry["before"]["settings"] == {"live_board": "scores", "registration": "open", "time_limit_s": 1200}
    assert entry["after"]["rounds"] == [{"n": 1, "opens_at": body["rounds"][0]["opens_at"],
                                         "closes_at": body["rounds"][0]["closes_at"]}]


@pytest.mark.parametrize("body,field", [
    ({"settings": {"time_limit_s": 600}}, "settings.time_limit_s"),
    ({"settings": {"questions_per_attempt": 4}}, "settings.questions_per_attempt"),
    ({"settings": {"max_attempts_per_round": 9}}, "settings.max_attempts_per_round"),
    ({"settings": {"prediction_target": "perfect_attempts"}}, "settings.prediction_target"),
    ({"rounds": [{"n": 1, "opens_at": "2026-01-01T00:00:00+07:00"}]}, "rounds[1].opens_at"),
])
def test_an_open_round_locks_its_start_and_the_attempt_shape(cluster, admin_headers, open_contest, body, field):
    before = cluster.http.get(f"{API}/contests/{open_contest}").json()
    resp = patch(cluster, admin_headers, open_contest, {**body, "title": "không được lưu"})
    assert resp.status_code == 409, resp.text
    assert resp.json()["code"] == "locked" and field in resp.json()["detail"], resp.text
    assert cluster.http.get(f"{API}/contests/{open_contest}").json() == before  # nothing changed


def test_bad_settings_and_schedules_are_refused(cluster, admin_headers, open_contest):
    for body, code in [({"settings": {"live_board": "everything"}}, "invalid_input"),
                       ({"settings": {"registration": "closed"}}, "invalid_input"),
                       ({"rounds": [{"n": 9, "closes_at": now_utc().isoformat()}]}, "round_not_found"),
                       ({"rounds": [{"n": 1, "closes_at": (now_utc() + dt.timedelta(days=8)).isoformat()}]},
                        "invalid_rounds"),  # would run into round 2
                       ({"rounds": [{"n": 2, "opens_at": "0001-01-01T00:00:00+14:00"}]}, "invalid_rounds"),
                       ({"colour": "red"}, "invalid_input")]:
        resp = patch(cluster, admin_headers, open_contest, body)
        assert resp.status_code in (404, 422) and resp.json()["code"] == code, (body, resp.text)


def test_open_round_takes_other_settings_and_later_rounds_change(cluster, admin_headers, open_contest):
    later = now_utc().replace(microsecond=0) + dt.timedelta(days=9)
    resp = patch(cluster, admin_headers, open_contest, {
        "settings": {"grace_s": 45, "live_board": "full"},
        "rounds": [{"n": 2, "opens_at": later.isoformat(), "closes_at": (later + dt.timedelta(hours=3)).isoformat()}]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["settings"]["grace_s"] == 45
    assert dt.datetime.fromisoformat(resp.json()["rounds"][1]["opens_at"]) == later


def test_extending_then_closing_an_open_round(cluster, client, admin_headers, open_contest):
    person = client.new_contestant("SNV", full_name="Trần Thị Gia Hạn")
    resp = retry_unavailable(lambda: client.start(person["headers"], open_contest, 1))
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    round1 = client.contest(open_contest).json()["rounds"][0]
    # The time limit (1 h) is longer than what is left of the round: the round's close is the deadline.
    assert paper["deadline"] == round1["closes_at"]

    extended = now_utc().replace(microsecond=0) + dt.timedelta(minutes=30)
    resp = patch(cluster, admin_headers, open_contest,
                 {"rounds": [{"n": 1, "closes_at": extended.isoformat()}], "reason": "Sự cố mạng"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["rounds"][0]["status"] == "open"
    attempt = client.attempt(person["headers"], paper["attempt_id"]).json()
    assert dt.datetime.fromisoformat(attempt["deadline"]) == extended  # followed at once

    resp = patch(cluster, admin_headers, open_contest,
                 {"rounds": [{"n": 1, "closes_at": (now_utc() - dt.timedelta(minutes=5)).isoformat()}],
                  "reason": "Đóng sớm"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["rounds"][0]["status"] == "closed"
    attempt = client.attempt(person["headers"], paper["attempt_id"]).json()
    assert attempt["status"] != "in_progress"  # submitted as saved by the close
    # The live board becomes the final one: round_closed went out, scoring ranked the round.
    wait_for(lambda: client.leaderboard(open_contest, 1).json()["final"], 60)

    # A closed round changes no more.
    resp = patch(cluster, admin_headers, open_contest,
                 {"rounds": [{"n": 1, "closes_at": (now_utc() + dt.timedelta(hours=1)).isoformat()}]})
    assert resp.status_code == 409 and resp.json()["code"] == "locked", resp.text
    assert "rounds[1].closes_at" in resp.json()["detail"]
    actions = [e["action"] for e in audit(cluster, admin_headers, contest=open_contest)]
    assert actions[:3] == ["round.close", "contest.update", "contest.update"], actions


def test_the_seeded_contest_title_can_be_fixed(cluster, admin_headers):
    resp = cluster.http.get(f"{API}/contests/cchc-2023")
    if resp.status_code == 404 and cluster.external:
        pytest.skip("the stack has no demo data (SEED_DEMO)")
    old = resp.json()["title"]
    resp = patch(cluster, admin_headers, "cchc-2023", {"title": old + " (sửa)", "reason": "Sửa lỗi chính tả"})
    assert resp.status_code == 200 and resp.json()["title"] == old + " (sửa)", resp.text
    resp = patch(cluster, admin_headers, "cchc-2023", {"title": old, "reason": "Trả lại"})
    assert resp.status_code == 200, resp.text
    # Every round of 2023 has closed: the attempt shape is fixed.
    resp = patch(cluster, admin_headers, "cchc-2023", {"settings": {"questions_per_attempt": 5}})
    assert resp.status_code == 409 and resp.json()["code"] == "locked", resp.text


# --- the audit log --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def audited_contest(cluster, client, admin_headers):
    """A contest with an entry in each service's log: quiz (contest.update), media (rubric.set),
    awards (prize_table.set)."""
    code = f"la-{tag()}"
    client.setup_contest(admin_headers, code, weeks(now_utc() + dt.timedelta(days=2)), {}, make_bank(code, 3))
    resp = patch(cluster, admin_headers, code, {"title": "Tên mới", "reason": FORMULA})
    assert resp.status_code == 200, resp.text
    resp = cluster.http.put(f"{API}/admin/contests/{code}/clip-rubric", headers=admin_headers,
                            json={"content": 31, "message": 29, "creativity": 20, "technique": 20})
    assert resp.status_code == 200, resp.text
    prizes = cluster.http.get(f"{API}/admin/contests/{code}/awards/prizes", headers=admin_headers).json()
    resp = cluster.http.put(f"{API}/admin/contests/{code}/awards/prizes", headers=admin_headers, json=prizes["table"])
    assert resp.status_code == 200, resp.text
    return code


def test_audit_gathers_every_service_newest_first(cluster, client, admin_headers, audited_contest):
    entries = audit(cluster, admin_headers, contest=audited_contest)
    assert [(e["service"], e["action"]) for e in entries][:3] == [
        ("awards", "prize_table.set"), ("media", "rubric.set"), ("quiz", "contest.update")], entries
    admin = cluster.admin_username
    assert all(e["role"] == "organizer" and e["actor"].startswith(f"{admin} (#") for e in entries[:3])
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    quiz = entries[2]
    assert quiz["target"] == f"contest:{audited_contest}" and quiz["reason"] == FORMULA
    assert quiz["before"] == {"title": f"Hội thi kiểm thử {audited_contest}"} and quiz["after"] == {"title": "Tên mới"}
    # Filters
    assert [e["service"] for e in audit(cluster, admin_headers, contest=audited_contest, action="rubric.set")] == ["media"]
    assert {e["action"] for e in audit(cluster, admin_headers, contest=audited_contest, action="prize_table.")} \
        == {"prize_table.set"}
    assert len(audit(cluster, admin_headers, contest=audited_contest, limit=2)) == 2
    assert audit(cluster, admin_headers, contest=audited_contest, actor=admin)[:3] == entries[:3]
    assert audit(cluster, admin_headers, contest=audited_contest, actor="nobody-else") == []
    future = (now_utc() + dt.timedelta(hours=1)).isoformat()
    assert audit(cluster, admin_headers, contest=audited_contest, since=future) == []
    # A monitor reads it too.
    monitor = f"gs-{tag()}"
    resp = client.create_staff(admin_headers, username=monitor, password="mật-khẩu-gs-1",
                               role="monitor", full_name="Giám sát", id_number=Ids.next()[0], unit_code="SNV")
    assert resp.status_code == 201, resp.text
    headers = cluster.auth(monitor, "mật-khẩu-gs-1")
    assert audit(cluster, headers, contest=audited_contest)[:3] == entries[:3]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 5000}, {"limit": "x"}, {"since": "hôm qua"}, {"since": "0001-01-01T00:00:00+14:00"},
                                    {"contest": "BAD CODE!"}, {"action": "drop table"}, {"actor": ""}])
def test_bad_audit_filters_answer_422(cluster, admin_headers, params):
    resp = cluster.http.get(f"{API}/admin/audit", params=params, headers=admin_headers)
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_input", resp.text


def test_audit_export_is_a_spreadsheet_of_text(cluster, admin_headers, audited_contest):
    resp = cluster.http.get(f"{API}/admin/audit.xlsx", params={"contest": audited_contest}, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    sheet = load_workbook(io.BytesIO(resp.content)).active
    rows = list(sheet.iter_rows())
    assert rows[0][0].value == "Dịch vụ" and len(rows) == 1 + len(audit(cluster, admin_headers, contest=audited_contest))
    quiz_row = next(r for r in rows[1:] if r[5].value == "contest.update")
    assert quiz_row[10].value == FORMULA and quiz_row[10].data_type == "s"  # the reason: text, never a formula


def _engine(cluster, service):
    url = sa.engine.make_url(cluster.databases[service][1]).set(drivername="postgresql+psycopg2")
    return sa.create_engine(url)


@pytest.mark.local_cluster(reason="changes rows of quiz's and awards' databases behind the platform's back")
def test_verify_finds_a_row_changed_or_deleted_in_the_database(cluster, admin_headers, audited_contest):
    assert verify(cluster, admin_headers)["ok"] is True
    quiz = next(e for e in audit(cluster, admin_headers, contest=audited_contest) if e["service"] == "quiz")
    engine = _engine(cluster, "quiz")
    try:
        # UPDATE: a reason rewritten behind the platform's back.
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_log SET reason = 'không có gì' WHERE seq = :s"), {"s": quiz["seq"]})
        report = verify(cluster, admin_headers)
        assert report["ok"] is False and report["first_bad_service"] == "quiz", report
        assert report["first_bad_seq"] == quiz["seq"], report
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_log SET reason = :r WHERE seq = :s"), {"r": FORMULA, "s": quiz["seq"]})
        assert verify(cluster, admin_headers)["ok"] is True

        # DELETE: an entry removed; the one after it no longer follows. Put back afterwards.
        with engine.begin() as conn:
            row = conn.execute(sa.text("SELECT * FROM audit_log WHERE seq = :s"), {"s": quiz["seq"] - 1}).mappings().one()
            conn.execute(sa.text("DELETE FROM audit_log WHERE seq = :s"), {"s": row["seq"]})
        report = verify(cluster, admin_headers)
        assert report["ok"] is False and report["first_bad_service"] == "quiz", report
        assert report["first_bad_seq"] == quiz["seq"], report
        with engine.begin() as conn:
            table = sa.Table("audit_log", sa.MetaData(), autoload_with=conn)
            conn.execute(table.insert().values(**row))
        assert verify(cluster, admin_headers)["ok"] is True
    finally:
        engine.dispose()

    engine = _engine(cluster, "awards")
    try:
        awards = next(e for e in audit(cluster, admin_headers, contest=audited_contest) if e["service"] == "awards")
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_log SET after = NULL WHERE seq = :s"), {"s": awards["seq"]})
        report = verify(cluster, admin_headers)
        assert report["ok"] is False and report["first_bad_service"] == "awards", report
        assert report["first_bad_seq"] == awards["seq"], report
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_log SET after = CAST(:a AS json) WHERE seq = :s"),
                         {"a": __import__("json").dumps(awards["after"]), "s": awards["seq"]})
        assert verify(cluster, admin_headers)["ok"] is True
    finally:
        engine.dispose()
