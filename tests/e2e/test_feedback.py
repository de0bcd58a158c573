"""Issue 16 ("saying what happened"), against the real processes: the answer review of an attempt
after its round closes (409 before, 403 for someone else's), the score distribution over every graded
attempt, the HTML 404 page of the portal and the JSON 404 under /api/."""
import httpx
import pytest

from tests.e2e.quizclient import Client, key_of, make_bank, open_rounds, sheet, tag, wait_graded


@pytest.fixture(scope="module")
def api(cluster):
    client = Client(cluster.base_url)
    yield client
    client.close()


def assert_error(resp, status, code):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["code"] == code and any(ord(ch) > 127 for ch in body["detail"]), body


def test_review_only_after_the_close_and_only_for_the_owner_or_staff(api, admin_headers):
    t = tag()
    unit = f"E2E-{t}-REV"
    api.setup_units(admin_headers, [(unit, "Sở Tư pháp (kiểm thử xem lại bài)", "province_dept", "", 10)])
    code = f"e2e-rv-{t}"
    bank = make_bank(code, 6)
    api.setup_contest(admin_headers, code, open_rounds(), {"questions_per_attempt": 4, "max_attempts_per_round": 1,
                                                           "time_limit_s": 600, "grace_s": 1}, bank)
    by_text = {q["text"]: q for q in bank}
    owner, other = api.new_contestant(unit), api.new_contestant(unit, full_name="Lê Văn Tám")
    resp = api.start(owner["headers"], code, 1)
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    answers = sheet(paper, by_text, 2)  # the first two right, the other two wrong
    blank = paper["questions"][3]["id"]
    del answers[blank]  # ... and the last one left blank
    assert api.submit(owner["headers"], paper["attempt_id"], answers, prediction=1).status_code == 202
    assert wait_graded(api, owner["headers"], paper["attempt_id"])["correct"] == 2
    url = f"/attempts/{paper['attempt_id']}/review"

    # While the round is open: no key, for anyone.
    assert_error(api.http.get(url, headers=owner["headers"]), 409, "review_not_available")
    assert_error(api.http.get(url, headers=admin_headers), 409, "review_not_available")
    assert api.http.get(url).status_code == 401

    assert api.close_round(admin_headers, code, 1).status_code == 200
    resp = api.http.get(url, headers=owner["headers"])
    assert resp.status_code == 200, resp.text
    review = resp.json()
    assert review["attempt_id"] == paper["attempt_id"] and review["right"] == 2
    assert [q["id"] for q in review["questions"]] == [q["id"] for q in paper["questions"]]
    for i, (shown, q) in enumerate(zip(paper["questions"], review["questions"])):
        assert q["options"] == shown["options"]  # the letters this contestant saw
        assert q["correct_key"] == key_of(shown, by_text)
        assert q["chosen"] == answers.get(q["id"])
        assert q["right"] is (i < 2)
    assert review["questions"][3]["chosen"] is None
    assert api.http.get(url, headers=admin_headers).json()["questions"] == review["questions"]  # staff
    assert_error(api.http.get(url, headers=other["headers"]), 403, "not_your_attempt")
    assert_error(api.http.get("/attempts/khong-co-luot-nay/review", headers=owner["headers"]), 404,
                 "attempt_not_found")


def test_score_distribution_counts_every_graded_attempt(api, admin_headers):
    t = tag()
    unit = f"E2E-{t}-DIST"
    api.setup_units(admin_headers, [(unit, "UBND huyện A Lưới (kiểm thử phân bố điểm)", "district", "", 10)])
    code = f"e2e-ds-{t}"
    bank = make_bank(code, 5)
    api.setup_contest(admin_headers, code, open_rounds(), {"questions_per_attempt": 3, "max_attempts_per_round": 2,
                                                           "time_limit_s": 600}, bank)
    by_text = {q["text"]: q for q in bank}
    plan = [[1, 3], [0], [3]]  # right answers of each person's attempts
    for rights in plan:
        person = api.new_contestant(unit)
        for n_right in rights:
            paper = api.start(person["headers"], code, 1).json()
            assert api.submit(person["headers"], paper["attempt_id"], sheet(paper, by_text, n_right), 2).status_code == 202
            assert wait_graded(api, person["headers"], paper["attempt_id"])["correct"] == n_right
    url = f"/admin/contests/{code}/rounds/1/score-distribution"
    resp = api.http.get(url, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"contest": code, "round": 1, "graded_attempts": 4, "contestants": 3, "buckets": [
        {"correct": 0, "attempts": 1, "contestants": 1}, {"correct": 1, "attempts": 1, "contestants": 0},
        {"correct": 3, "attempts": 2, "contestants": 2}]}
    person = api.new_contestant(unit)
    assert api.http.get(url, headers=person["headers"]).status_code == 403


def test_unknown_page_is_html_and_unknown_api_path_is_json(cluster):
    with httpx.Client(base_url=cluster.base_url, timeout=30) as http:
        page = http.get("/trang-khong-ton-tai")
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "Không tìm thấy trang" in page.text and 'href="/"' in page.text
        api = http.get("/api/v1/khong-co")
        assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")
        assert api.json()["code"] == "not_found"
