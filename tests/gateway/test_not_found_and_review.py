"""Issue 16: an unknown portal address answers the HTML page "Không tìm thấy trang" (404), an unknown
/api/ path keeps its JSON error; the answer review route passes the quiz service's verdict on."""
import pytest

from tests.gateway.conftest import bearer, remote


@pytest.mark.parametrize("path", ["/khong-co-trang-nay", "/thong-ke/them", "/quan-tri/khong-co", "/ket-qua"])
def test_unknown_page_is_an_html_404_in_vietnamese_with_links_home(client, path):
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    html = resp.text
    assert '<html lang="vi">' in html and "Không tìm thấy trang" in html
    assert 'href="/"' in html and "Về trang chủ" in html
    assert resp.headers["content-security-policy"]  # the portal's page, with its usual headers
    assert resp.headers["x-content-type-options"] == "nosniff"


def test_a_post_to_an_unknown_address_keeps_the_json_error(client):
    resp = client.post("/khong-co-trang-nay", json={})
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"


def test_the_404_page_escapes_the_address(client):
    resp = client.get("/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert resp.status_code == 404
    assert "<script>alert(1)</script>" not in resp.text
    assert "&lt;script&gt;" in resp.text


@pytest.mark.parametrize("path", ["/api/v1/khong-co", "/api/v2/units", "/api", "/static/js/khong-co.js"])
def test_unknown_api_path_keeps_the_json_error(client, path):
    resp = client.get(path)
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json()["code"] == "not_found"


def test_review_asks_quiz_with_the_actor(client, fake):
    body = {"attempt_id": "a1", "contest": "cchc-2023", "round": 1, "status": "graded", "correct": 1, "total": 2,
            "duration_ms": 1000, "submitted_at": "2026-01-01T00:00:00+00:00", "right": 1,
            "questions": [{"id": "q1", "text": "Câu một", "options": [{"key": k, "text": k} for k in "ABCD"],
                           "chosen": "B", "correct_key": "B", "right": True},
                          {"id": "q2", "text": "Câu hai", "options": [{"key": k, "text": k} for k in "ABCD"],
                           "chosen": None, "correct_key": "D", "right": False}]}
    fake.answers["quiz.review_attempt"] = body
    resp = client.get("/api/v1/attempts/a1/review", headers=bearer("contestant", user_id="u7"))
    assert resp.status_code == 200, resp.text
    assert resp.json()["questions"][1] == body["questions"][1]
    call = fake.last("quiz.review_attempt")
    assert call["args"][0]["id"] == "u7" and call["args"][1] == "a1"


def test_review_before_the_close_is_409_review_not_available(client, fake):
    fake.answers["quiz.review_attempt"] = remote(
        "Conflict", "review_not_available", "Đáp án và phần xem lại bài thi chỉ có sau khi tuần thi kết thúc.")
    resp = client.get("/api/v1/attempts/a1/review", headers=bearer("contestant"))
    assert resp.status_code == 409 and resp.json()["code"] == "review_not_available"


def test_review_needs_a_token(client):
    assert client.get("/api/v1/attempts/a1/review").status_code == 401


def test_score_distribution_is_scorings_aggregate_for_statistics_staff(client, fake):
    body = {"contest": "cchc-2023", "round": 2, "graded_attempts": 1500, "contestants": 1200,
            "buckets": [{"correct": 0, "attempts": 100, "contestants": 40}, {"correct": 20, "attempts": 1400, "contestants": 1160}]}
    fake.answers["scoring.get_score_distribution"] = body
    url = "/api/v1/admin/contests/cchc-2023/rounds/2/score-distribution"
    for role in ("organizer", "expert", "monitor"):
        resp = client.get(url, headers=bearer(role))
        assert resp.status_code == 200 and resp.json() == body
    assert fake.last("scoring.get_score_distribution")["args"] == ("cchc-2023", 2)
    assert client.get(url, headers=bearer("contestant")).status_code == 403
    assert client.get(url, headers=bearer("judge")).status_code == 403
    assert client.get(url).status_code == 401
