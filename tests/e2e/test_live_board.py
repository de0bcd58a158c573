"""The live board and the running count of an open round (SPEC 6, issue 14 finding 1), through the
gateway against the real processes.

The prediction is the second ranking key and its answer is the round's running count: while a
round is open, no public answer may show other people's predictions (`live_board: scores`, the
default), the board is empty under `hidden`, and nothing public lets a client follow the count of
starts or submissions. Final boards show everything.
"""
import re

import pytest

from tests.e2e.quizclient import Client, make_bank, open_rounds, sheet, tag, wait_for, wait_graded

API = "/api/v1"


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url)
    yield client
    client.close()


def new_contest(api, admin, settings, unit_headcount=50):
    t = tag()
    unit = f"LB-{t}-U"
    api.setup_units(admin, [(unit, "Sở Tư pháp (kiểm thử bảng xếp hạng)", "province_dept", "", unit_headcount)])
    code = f"lb-{t}"
    bank = make_bank(code, 10)
    api.setup_contest(admin, code, open_rounds(), {"questions_per_attempt": 5, **settings}, bank)
    return code, unit, {q["text"]: q for q in bank}


def take(api, person, code, by_text, correct, prediction):
    resp = api.start(person["headers"], code, 1)
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    resp = api.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, correct), prediction=prediction)
    assert resp.status_code == 202, resp.text
    return wait_graded(api, person["headers"], paper["attempt_id"])


def test_live_board_setting_is_validated_and_stored(api, admin_headers):
    code, _, _ = new_contest(api, admin_headers, {})
    assert api.contest(code).json()["settings"]["live_board"] == "scores"  # SPEC 6's default
    code_h, _, _ = new_contest(api, admin_headers, {"live_board": "hidden"})
    assert api.contest(code_h).json()["settings"]["live_board"] == "hidden"
    resp = api.create_contest(admin_headers, code=f"lb-bad-{tag()}", title="Hội thi", rounds=open_rounds(),
                              settings={"live_board": "everything"})
    assert resp.status_code == 422 and resp.json()["code"] in ("invalid_input", "invalid_settings"), resp.text


@pytest.mark.parametrize("mode", ["scores", "hidden", "full"])
def test_live_board_modes_and_the_final_board(api, admin_headers, mode):
    code, unit, by_text = new_contest(api, admin_headers, {"live_board": mode})
    people = [api.new_contestant(unit) for _ in range(2)]
    take(api, people[0], code, by_text, 4, prediction=321)
    take(api, people[1], code, by_text, 2, prediction=77)
    live = api.leaderboard(code, 1).json()
    assert live["final"] is False and live["actual_attempts"] is None
    if mode == "hidden":
        assert live["rows"] == []
    else:
        assert [r["contestant_id"] for r in live["rows"]] == [people[0]["id"], people[1]["id"]]
        predictions = [r["prediction"] for r in live["rows"]]
        assert predictions == ([321, 77] if mode == "full" else [None, None]), live

    # Closed and ranked: the final board shows everything, whatever the live setting.
    assert api.close_round(admin_headers, code, 1).status_code == 200
    final = wait_for(lambda: (lambda b: b if b["final"] else None)(api.leaderboard(code, 1).json()), 60)
    assert final["actual_attempts"] == 2
    assert [(r["contestant_id"], r["prediction"], r["prediction_diff"]) for r in final["rows"]] == [
        (people[0]["id"], 321, 319), (people[1]["id"], 77, 75)]


def _public_gets(cluster):
    """Every GET of the OpenAPI document: the public ones are those that answer without a token."""
    spec = cluster.http.get("/openapi.json").json()
    return sorted(path for path, ops in spec["paths"].items() if "get" in ops)


def _snapshot(cluster, code, unit, paths):
    values = {"contest": code, "n": "1", "code": unit, "unit_code": unit}
    out = {}
    for path in paths:
        if path in ("/metrics", f"{API}/time"):
            continue  # the clock; /metrics: operations, checked below
        url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "khong-co-gi"), path)
        params = {"limit": 1000} if path.endswith("/leaderboard") else None
        resp = cluster.http.get(url, params=params)
        if resp.status_code in (401, 403):
            continue  # not public
        try:
            body = resp.json()
        except ValueError:
            body = resp.text
        if path == f"{API}/contests":  # other tests' contests change by themselves
            body = [c for c in body if c["code"] == code]
        out[path] = (resp.status_code, body)
    # The portal's pages are shells without data (their scripts call the API above).
    for page in ("/", "/bang-xep-hang", "/thong-ke", "/video", f"/embed?unit={unit}"):
        resp = cluster.http.get(page)
        out[page] = (resp.status_code, re.sub(r'nonce-[^"\';]+|nonce="[^"]+"', "nonce", resp.text))
    return out


def test_no_public_answer_follows_the_running_count_of_an_open_round(cluster, api, admin_headers):
    code, unit, by_text = new_contest(api, admin_headers, {})
    paths = _public_gets(cluster)
    assert f"{API}/contests/{{contest}}/rounds/{{n}}/leaderboard" in paths
    people = [api.new_contestant(unit) for _ in range(12)]
    for i, person in enumerate(people):
        take(api, person, code, by_text, 5 if i < 3 else 3, prediction=100 + i)
    before = _snapshot(cluster, code, unit, paths)

    # Five more submissions: three new people (one of them at the top), two second attempts.
    for i, person in enumerate(api.new_contestant(unit) for _ in range(3)):
        take(api, person, code, by_text, 5 if i == 0 else 1, prediction=999)
    for person in people[5:7]:
        take(api, person, code, by_text, 2, prediction=999)
    after = _snapshot(cluster, code, unit, paths)

    board_path = f"{API}/contests/{{contest}}/rounds/{{n}}/leaderboard"
    for snap in (before, after):
        status, board = snap[board_path]
        assert status == 200 and board["final"] is False and board["actual_attempts"] is None
        # The top of the round only: never how many took part (ranks stay within the rows shown).
        assert 0 < len(board["rows"]) <= 10 and max(r["rank"] for r in board["rows"]) <= len(board["rows"])
        assert all(r["prediction"] is None and r["prediction_diff"] is None for r in board["rows"]), board
    assert len(before[board_path][1]["rows"]) == len(after[board_path][1]["rows"])
    changed = sorted(p for p in before if p != board_path and before[p] != after.get(p))
    assert changed == [], {p: (before[p], after.get(p)) for p in changed}
    # Unit statistics of the public count only ranked rounds while one is open; staff see it live.
    stats = cluster.http.get(f"{API}/contests/{code}/stats/units").json()
    assert [(s["unit_code"], s["participants"]) for s in stats if s["unit_code"] == unit] == [(unit, 0)]
    staff = cluster.http.get(f"{API}/contests/{code}/stats/units", headers=admin_headers).json()
    assert [(s["unit_code"], s["participants"]) for s in staff if s["unit_code"] == unit] == [(unit, 15)]


def test_a_contestant_token_adds_their_own_row(api, admin_headers):
    """Issue 16 ("Thứ hạng của tôi"): `me` is the contestant's own row, listed or not; on the live
    board (`scores`) its rank shows only within the listed top; final boards show it whole."""
    code, unit, by_text = new_contest(api, admin_headers, {})
    people = [api.new_contestant(unit) for _ in range(12)]
    for i, person in enumerate(people):
        take(api, person, code, by_text, [5, 4, 4, 4, 4, 4, 4, 4, 4, 3, 1, 0][i], prediction=100 + i)
    last, top = people[11], people[0]
    live = api.http.get(f"/contests/{code}/rounds/1/leaderboard", headers=last["headers"]).json()
    assert last["id"] not in [r["contestant_id"] for r in live["rows"]]
    assert live["me"]["contestant_id"] == last["id"] and live["me"]["correct"] == 0
    assert live["me"]["rank"] is None and live["me"]["prediction"] == 111  # their own guess, no rank
    mine = api.http.get(f"/contests/{code}/rounds/1/leaderboard", headers=top["headers"]).json()["me"]
    assert mine["rank"] == 1 and mine["prediction"] == 100
    newcomer = api.new_contestant(unit)
    assert api.http.get(f"/contests/{code}/rounds/1/leaderboard", headers=newcomer["headers"]).json()["me"] is None
    assert "me" not in api.leaderboard(code, 1).json()
    assert "me" not in api.http.get(f"/contests/{code}/rounds/1/leaderboard", headers=admin_headers).json()

    assert api.close_round(admin_headers, code, 1).status_code == 200
    wait_for(lambda: api.leaderboard(code, 1).json()["final"], 60)
    final = api.http.get(f"/contests/{code}/rounds/1/leaderboard", params={"limit": 5}, headers=last["headers"]).json()
    assert len(final["rows"]) == 5 and final["me"]["rank"] == 12 and final["me"]["prediction_diff"] is not None
