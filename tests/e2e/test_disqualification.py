"""Contestant search and disqualification end to end through the gateway (SPEC 6, issue 13).

Four contestants of two units of our own take round 1 (unit A, headcount 4: Anh 5/5, Bình 4/5;
unit B, headcount 2: Cường 3/5, Dung 0/5). Disqualifying someone takes their attempt out of the live
board, the final board (ranked again), the unit statistics and the weekly prizes computed
afterwards; reinstating puts it back; an approved weekly set naming the person refuses the change
(409 `award_set_approved`). Every route's error codes, the audit entries and the search without
diacritics are checked on the way. Expected figures are computed here from the scores above.

Run: `.venv/bin/python -m pytest -p no:pytest_nameko tests/e2e/test_disqualification.py`.
"""
import datetime as dt

import pytest

from tests.e2e.quizclient import (UNIT_COLUMNS, csv_bytes, make_bank, now_utc, retry_unavailable, sheet,
                                  tag, wait_for, wait_graded)

API = "/api/v1"
PEOPLE = [("A", "Nguyễn Văn Đạt", 5), ("A", "Trần Thị Bình", 4), ("B", "Lê Văn Cường", 3), ("B", "Đỗ Thị Dung", 0)]


@pytest.fixture(scope="module")
def setup(cluster, client, admin_headers):
    t = tag()
    units = {"A": f"DQA{t}".upper(), "B": f"DQB{t}".upper()}
    client.setup_units(admin_headers, [(units["A"], f"Đơn vị A {t}", "province_dept", "", 4),
                                       (units["B"], f"Đơn vị B {t}", "province_dept", "", 2)])
    code = f"dq-{t}"
    start = now_utc() - dt.timedelta(minutes=1)
    rounds = [{"opens_at": start.isoformat(), "closes_at": (start + dt.timedelta(hours=2)).isoformat()}]
    bank = make_bank(code, 10)
    client.setup_contest(admin_headers, code, rounds, {"questions_per_attempt": 5, "live_board": "full"}, bank)
    by_text = {q["text"]: q for q in bank}
    people = []
    for unit, name, correct in PEOPLE:
        person = client.new_contestant(units[unit], full_name=name)
        resp = retry_unavailable(lambda: client.start(person["headers"], code, 1))
        assert resp.status_code == 201, resp.text
        paper = resp.json()
        resp = client.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, correct), prediction=4)
        assert resp.status_code == 202, resp.text
        wait_graded(client, person["headers"], paper["attempt_id"])
        people.append({**person, "name": name, "unit": units[unit], "correct": correct,
                       "attempt_id": paper["attempt_id"]})
    return {"code": code, "units": units, "people": people}


def disqualify(cluster, headers, contest, contestant_id, reason="Gian lận: nhờ người khác làm bài"):
    body = {"contestant_id": contestant_id}
    if reason is not None:
        body["reason"] = reason
    return cluster.http.post(f"{API}/admin/contests/{contest}/disqualifications", json=body, headers=headers)


def reinstate(cluster, headers, contest, contestant_id, reason="Xác minh lại: không vi phạm"):
    return cluster.http.request("DELETE", f"{API}/admin/contests/{contest}/disqualifications/{contestant_id}",
                                json=None if reason is None else {"reason": reason}, headers=headers)


def board(client, code):
    body = client.leaderboard(code, 1).json()
    return body["final"], [(r["rank"], r["full_name"]) for r in body["rows"]]


def unit_figures(cluster, headers, code, units):
    rows = {r["unit_code"]: r for r in cluster.http.get(f"{API}/contests/{code}/stats/units", headers=headers).json()}
    return {key: (rows[u]["participants"], round(rows[u]["participation"], 6), round(rows[u]["quality"], 6),
                  rows[u]["zero_results"]) for key, u in units.items()}


def expect(check, value, timeout_s=30):
    """Wait until check() == value (scoring learns of a change by an event)."""
    wait_for(lambda: check() == value, timeout_s)
    assert check() == value


def code_of(resp, status):
    assert resp.status_code == status, resp.text
    return resp.json()["code"]


def test_search_by_name_with_or_without_diacritics_cccd_phone(cluster, admin_headers, setup):
    dat = setup["people"][0]
    unit = setup["units"]["A"]

    def found(**params):
        resp = cluster.http.get(f"{API}/admin/contestants", params=params, headers=admin_headers)
        assert resp.status_code == 200, resp.text
        return [r["id"] for r in resp.json()]

    for q in ("nguyen van dat", "Nguyễn Văn Đạt", "NGUYEN VAN DAT", "van dat", "đạt"):
        assert found(q=q, unit=unit) == [dat["id"]], q
    assert found(q=dat["id_number"]) == [dat["id"]]
    assert found(q=dat["phone"]) == [dat["id"]]
    assert found(q="+84" + dat["phone"][1:]) == [dat["id"]]
    row = cluster.http.get(f"{API}/admin/contestants", params={"q": dat["id_number"]}, headers=admin_headers).json()[0]
    assert {k: row[k] for k in ("full_name", "id_number", "phone", "unit_code", "position", "active")} == {
        "full_name": "Nguyễn Văn Đạt", "id_number": dat["id_number"], "phone": dat["phone"], "unit_code": unit,
        "position": "Chuyên viên", "active": True}
    assert row["registered_at"]
    # the unit filter, name order and pages
    names = [r["full_name"] for r in cluster.http.get(
        f"{API}/admin/contestants", params={"unit": setup["units"]["B"]}, headers=admin_headers).json()]
    assert names == ["Đỗ Thị Dung", "Lê Văn Cường"]
    assert found(unit=setup["units"]["B"], limit=1, offset=1) == [setup["people"][2]["id"]]
    assert code_of(cluster.http.get(f"{API}/admin/contestants", params={"limit": 0}, headers=admin_headers),
                   422) == "invalid_input"
    assert code_of(cluster.http.get(f"{API}/admin/contestants", params={"q": "x" * 101}, headers=admin_headers),
                   422) == "invalid_input"
    assert code_of(cluster.http.get(f"{API}/admin/contestants", headers=dat["headers"]), 403) == "forbidden"


def test_disqualification_moves_boards_stats_and_awards(cluster, client, admin_headers, setup):
    code, units = setup["code"], setup["units"]
    dat, binh, cuong, dung = setup["people"]

    # Round open: the live board and the unit statistics with everybody.
    everyone = [(1, dat["name"]), (2, binh["name"]), (3, cuong["name"]), (4, dung["name"])]
    assert board(client, code) == (False, everyone)
    full_stats = {"A": (2, 0.5, 0.9, 0), "B": (2, 1.0, 0.3, 1)}  # A: (1 + 0.8)/2, B: (0.6 + 0)/2
    assert unit_figures(cluster, admin_headers, code, units) == full_stats

    # Refusals before anything changes.
    assert code_of(disqualify(cluster, admin_headers, code, dung["id"], reason=None), 422) == "reason_required"
    assert code_of(disqualify(cluster, admin_headers, code, dung["id"], reason="   "), 422) == "reason_required"
    assert code_of(cluster.http.post(f"{API}/admin/contests/{code}/disqualifications", json={"reason": "x"},
                                     headers=admin_headers), 422) == "invalid_input"
    assert code_of(disqualify(cluster, admin_headers, "khong-co-dq", dung["id"]), 404) == "contest_not_found"
    assert code_of(disqualify(cluster, admin_headers, code, "khongcothisinh"), 404) == "contestant_not_found"
    assert code_of(disqualify(cluster, dung["headers"], code, dung["id"]), 403) == "forbidden"
    assert code_of(reinstate(cluster, admin_headers, code, dung["id"]), 404) == "not_disqualified"

    # Dung (the zero result of unit B) disqualified while the round is open.
    resp = disqualify(cluster, admin_headers, code, dung["id"], reason="Gian lận: nhờ người khác làm bài")
    assert resp.status_code == 201, resp.text
    made = resp.json()
    assert made["contestant_id"] == dung["id"] and made["reason"] == "Gian lận: nhờ người khác làm bài"
    assert made["by"].startswith("admin") and made["at"]
    assert code_of(disqualify(cluster, admin_headers, code, dung["id"]), 409) == "already_disqualified"
    listed = cluster.http.get(f"{API}/admin/contests/{code}/disqualifications", headers=admin_headers)
    assert listed.status_code == 200, listed.text
    assert [(d["contestant_id"], d["reason"], d["by"]) for d in listed.json()] == [
        (dung["id"], made["reason"], made["by"])]
    assert code_of(cluster.http.get(f"{API}/admin/contests/khong-co-dq/disqualifications", headers=admin_headers),
                   404) == "contest_not_found"
    expect(lambda: board(client, code), (False, everyone[:3]))
    expect(lambda: unit_figures(cluster, admin_headers, code, units),
           {"A": (2, 0.5, 0.9, 0), "B": (1, 0.5, 0.6, 0)})
    # No new attempt for her; her attempt stays hers to see, and staff's.
    assert code_of(client.start(dung["headers"], code, 1), 403) == "disqualified"
    mine = client.attempt(dung["headers"], dung["attempt_id"])
    assert mine.status_code == 200 and mine.json()["status"] == "graded" and mine.json()["correct"] == 0
    assert [a["attempt_id"] for a in client.my_attempts(dung["headers"]).json()] == [dung["attempt_id"]]
    assert client.attempt(admin_headers, dung["attempt_id"]).status_code == 200

    # Reinstated: everything as before.
    assert code_of(reinstate(cluster, admin_headers, code, dung["id"], reason=None), 422) == "reason_required"
    assert code_of(reinstate(cluster, admin_headers, "khong-co-dq", dung["id"]), 404) == "contest_not_found"
    resp = reinstate(cluster, admin_headers, code, dung["id"])
    assert resp.status_code == 204, resp.text
    assert cluster.http.get(f"{API}/admin/contests/{code}/disqualifications", headers=admin_headers).json() == []
    expect(lambda: board(client, code), (False, everyone))
    expect(lambda: unit_figures(cluster, admin_headers, code, units), full_stats)

    # The round closes and is ranked; then Đạt, first, is disqualified: the final board is ranked again.
    assert client.close_round(admin_headers, code, 1).status_code == 200
    expect(lambda: board(client, code), (True, everyone), 60)
    resp = disqualify(cluster, admin_headers, code, dat["id"], reason="Sử dụng nhiều tài khoản")
    assert resp.status_code == 201, resp.text
    expect(lambda: board(client, code), (True, [(1, binh["name"]), (2, cuong["name"]), (3, dung["name"])]))
    final = client.leaderboard(code, 1).json()
    assert final["actual_attempts"] == 4  # four attempts were submitted: a fact of the round
    assert [r["prediction_diff"] for r in final["rows"]] == [0, 0, 0]
    # Unit A: Bình alone (0.8), 1 of 4; unit B unchanged.
    expect(lambda: unit_figures(cluster, admin_headers, code, units),
           {"A": (1, 0.25, 0.8, 0), "B": (2, 1.0, 0.3, 1)})

    # Weekly prizes computed now: Bình, Cường, Dung (Đạt is out).
    resp = cluster.http.post(f"{API}/admin/contests/{code}/awards/compute", json={"kind": "weekly", "round": 1},
                             headers=admin_headers)
    assert resp.status_code == 200, resp.text
    weekly = resp.json()
    assert [(w["prize"], w["contestant_id"]) for w in weekly["winners"]] == [
        ("nhat", binh["id"]), ("nhi", cuong["id"]), ("ba", dung["id"])]
    resp = cluster.http.post(f"{API}/admin/award-sets/{weekly['award_set_id']}/approve", headers=admin_headers)
    assert resp.status_code == 200, resp.text

    # The approved set names Bình: she cannot be disqualified until it is revoked; reinstating Đạt,
    # who took part in that round, would change it too. Nothing changes.
    assert code_of(disqualify(cluster, admin_headers, code, binh["id"]), 409) == "award_set_approved"
    assert code_of(reinstate(cluster, admin_headers, code, dat["id"]), 409) == "award_set_approved"
    assert [d["contestant_id"] for d in cluster.http.get(
        f"{API}/admin/contests/{code}/disqualifications", headers=admin_headers).json()] == [dat["id"]]
    assert board(client, code) == (True, [(1, binh["name"]), (2, cuong["name"]), (3, dung["name"])])

    # Everything recorded where quiz keeps its log, with before, after and reason.
    entries = cluster.http.get(f"{API}/admin/audit", params={"contest": code, "action": "contestant."},
                               headers=admin_headers).json()
    assert [(e["action"], e["target"]) for e in entries] == [
        ("contestant.disqualify", f"contestant:{dat['id']}"), ("contestant.reinstate", f"contestant:{dung['id']}"),
        ("contestant.disqualify", f"contestant:{dung['id']}")]
    assert entries[0]["reason"] == "Sử dụng nhiều tài khoản" and entries[0]["service"] == "quiz"
    assert entries[0]["before"] == {"disqualified": False} and entries[0]["after"]["disqualified"] is True
    assert entries[1]["before"]["disqualified"] is True and entries[1]["after"]["disqualified"] is False
    assert entries[1]["reason"] == "Xác minh lại: không vi phạm"
