"""Issue 16 ("saying what happened") in a real browser, at 360 px and 1280 px: the answer review on the
result page once the round is closed, the portal's 404 page, the not-found state of /ket-qua/<unknown>,
charts labelled by unit name, and the monitor page's rates never below zero."""
import datetime as dt
import json
import re

from playwright.sync_api import expect

from tests.browser import helpers


def contest_with_bank(api, admin, settings):
    now = helpers.now_utc()
    questions = helpers.bank(f"xem lại {helpers.tag()}", 4)
    code = api.contest(admin, [{"opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
                                "closes_at": (now + dt.timedelta(hours=2)).isoformat()}],
                       {"questions_per_attempt": 3, "max_attempts_per_round": 1, **settings}, questions)
    return code, helpers.right_texts(questions)


def login_to(page, person, path):
    page.goto("/dang-nhap?next=" + path)
    page.get_by_label("Số điện thoại, số CCCD hoặc tên đăng nhập").fill(person["phone"])
    page.get_by_label("Mật khẩu").fill(person["password"])
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{path}")


def at_both_widths(page, check):
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800 if width == 360 else 860})
        page.wait_for_timeout(200)
        check(width)


def test_result_page_shows_the_review_only_after_the_close(page, api, admin):
    code, right = contest_with_bank(api, admin, {})
    person = api.contestant(unit_code="SNV", full_name="Nguyễn Thị Thanh Tâm")
    headers = api.headers(person["phone"], person["password"])
    resp = api.http.post(f"/contests/{code}/rounds/1/attempts", headers=headers)
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    q1, q2, q3 = paper["questions"]
    good = [helpers.shown_key(q, right[q["text"]]) for q in paper["questions"]]
    wrong2 = next(k for k in "ABCD" if k != good[1])
    answers = {q1["id"]: good[0], q2["id"]: wrong2}  # right, wrong, blank
    resp = api.http.post(f"/attempts/{paper['attempt_id']}/submit", headers=headers,
                         json={"answers": answers, "prediction": 1})
    assert resp.status_code == 202, resp.text
    helpers.wait_until(lambda: api.http.get(f"/attempts/{paper['attempt_id']}", headers=headers)
                       .json()["status"] == "graded", 60)
    path = f"/ket-qua/{paper['attempt_id']}"

    login_to(page, person, path)
    expect(page.locator("[data-score]")).to_have_text("Bạn trả lời đúng 1/3 câu")
    # The round is open: no key, a line that says when the review comes.
    expect(page.locator("[data-review-later]")).to_be_visible()
    expect(page.locator("[data-review]")).to_be_hidden()
    assert right[q1["text"]] not in page.content()

    assert api.http.post(f"/admin/contests/{code}/rounds/1/close", headers=admin).status_code == 200
    page.reload()
    review = page.locator("[data-review]")
    expect(review).to_be_visible()
    expect(page.locator("[data-review-later]")).to_be_hidden()
    items = page.locator("[data-review-list] > li")
    expect(items).to_have_count(3)
    expect(page.locator("[data-review-summary]")).to_contain_text("Đúng 1/3 câu")
    first, second, third = items.nth(0), items.nth(1), items.nth(2)
    expect(first).to_have_attribute("data-right", "1")
    expect(first.locator(".verdict")).to_have_text("Đúng")
    expect(second.locator(".verdict")).to_have_text("Sai")
    expect(third.locator(".verdict")).to_have_text("Chưa trả lời")
    # The letters this contestant saw: the chosen one and the right one, each marked.
    expect(second.locator(f'[data-option="{wrong2}"] .tag.mine')).to_have_text("Bạn chọn")
    expect(second.locator(f'[data-option="{good[1]}"] .tag.good')).to_have_text("Đáp án đúng")
    expect(second.locator(f'[data-option="{good[1]}"]')).to_contain_text(right[q2["text"]])
    expect(third.locator(f'[data-option="{good[2]}"] .tag.good')).to_be_visible()
    expect(third.locator(".tag.mine")).to_have_count(0)
    expect(first.locator(f'[data-option="{good[0]}"] .tag')).to_have_count(2)

    def fits(width):
        expect(review).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 2
    at_both_widths(page, fits)
    helpers.shoot(page, "ket-qua-xem-lai")


def test_not_found_page_and_unknown_result(page, api):
    resp = page.goto("/trang-nay-khong-co")
    assert resp.status == 404
    expect(page.get_by_role("heading", name="Không tìm thấy trang")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    def links_home(width):
        expect(page.get_by_role("link", name="Về trang chủ")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 2
    at_both_widths(page, links_home)
    helpers.shoot(page, "khong-tim-thay")
    page.get_by_role("link", name="Về trang chủ").click()
    page.wait_for_url(re.compile(r"/(\?contest=[\w.-]+)?$"))  # links keep the contest (issue 16)

    # A result page of an attempt that does not exist: only "not found", no "Đang chấm bài…".
    person = api.contestant(unit_code="STP", full_name="Trần Văn Hòa")
    login_to(page, person, "/ket-qua/khong-co-luot-thi-nay")
    expect(page.locator("[data-error]")).to_have_text("Không tìm thấy lượt thi.")
    expect(page.locator("[data-result]")).to_be_hidden()
    expect(page.get_by_text("Đang chấm bài…")).to_be_hidden()
    expect(page.locator("[data-review]")).to_be_hidden()


def take(api, contest, unit_code):
    person = api.contestant(unit_code=unit_code, full_name="Phan Thị Ngọc Ánh")
    headers = api.headers(person["phone"], person["password"])
    resp = api.http.post(f"/contests/{contest}/rounds/1/attempts", headers=headers)
    assert resp.status_code == 201, resp.text
    attempt_id = resp.json()["attempt_id"]
    assert api.http.post(f"/attempts/{attempt_id}/submit", headers=headers,
                         json={"answers": {}, "prediction": 2}).status_code == 202
    helpers.wait_until(lambda: api.http.get(f"/attempts/{attempt_id}", headers=headers).json()["status"] == "graded", 60)


def test_charts_label_units_by_name(page, api, admin):
    code, _right = contest_with_bank(api, admin, {"live_board": "full"})
    for unit in ("SNV", "STP", "STP"):
        take(api, code, unit)
    names = {u["code"]: u["name"] for u in api.http.get("/units").json()}

    def labelled_by_name(locator, width):
        labels = page.locator(f"{locator} svg text.lbl")
        expect(labels).to_have_count(2)
        texts = page.evaluate(f"""() => Array.from(document.querySelectorAll('{locator} svg text.lbl'))
            .map(t => t.firstChild.nodeValue)""")  # the label itself, without its <title> tooltip
        assert set(texts) == {names["SNV"], names["STP"]}, texts
        tips = page.locator(f"{locator} svg text.lbl title").all_text_contents()
        assert f"{names['STP']} (STP)" in tips, tips
        # The labels stay inside the chart, at 360 px too.
        box = page.locator(f"{locator} svg").bounding_box()
        for i in range(2):
            b = labels.nth(i).bounding_box()
            assert b["x"] >= box["x"] - 1 and b["x"] + b["width"] <= box["x"] + box["width"] + 1, (width, b, box)

    page.goto(f"/thong-ke?contest={code}")
    at_both_widths(page, lambda w: labelled_by_name("[data-chart]", w))

    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto(f"/quan-tri/thong-ke?contest={code}")
    at_both_widths(page, lambda w: labelled_by_name("[data-chart-participation]", w))
    # The score distribution: every graded attempt (three contestants, each 0 right).
    expect(page.locator("[data-scores-total]")).to_have_text("Tổng cộng 3 thí sinh, 3 lượt thi đã chấm.")
    expect(page.locator("[data-chart-scores] svg text.val")).to_have_text(["3"])


def test_monitor_rate_is_never_negative_across_a_counter_reset(page, api, admin):
    username, password = api.staff(admin, "monitor")
    helpers.login(page, username, password, "/giam-sat")
    page.clock.install()
    totals = iter([1000, 1060, 20, 50, 50])  # the gateway restarted between the 2nd and 3rd reading
    t0 = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    readings = {"n": 0}

    def summary(route):
        n = readings["n"]
        readings["n"] += 1
        body = {"generated_at": (t0 + dt.timedelta(seconds=5 * n)).isoformat(), "requests": next(totals, 50),
                "errors": 0, "client_errors": 0, "routes": [], "rpc": [],
                "latency_ms": {"p50": 5, "p95": 10, "p99": 25, "over_last_bucket": False}}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/api/v1/admin/metrics/summary", summary)
    page.route("**/api/v1/admin/system", lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=json.dumps({"services": {}, "queues": {}, "dead_letters": {}})))
    page.goto("/giam-sat")

    def wait_readings(k):
        for _ in range(400):
            if readings["n"] >= k:
                return
            page.wait_for_timeout(50)
        raise AssertionError(f"reading {k} of the summary never came")

    wait_readings(1)
    seen = []
    for k in range(2, 6):
        page.clock.run_for(5000)  # the page reads the summary every 5 s
        wait_readings(k)
        expect(page.locator("[data-chart-rate] circle")).to_have_count(k - 1)
        seen.append(page.locator('[data-kpi="rps"]').inner_text())
    # 60 in 5 s, then the reset (20 counted since), then 30 in 5 s, then nothing.
    assert seen == ["12", "4", "6", "0"], seen
    baseline = page.evaluate("""() => {
        const grid = Array.from(document.querySelectorAll('[data-chart-rate] line.grid'));
        return Math.max(...grid.map(l => +l.getAttribute('y1')));
    }""")
    dots = page.evaluate("() => Array.from(document.querySelectorAll('[data-chart-rate] circle')).map(c => +c.getAttribute('cy'))")
    assert all(cy <= baseline + 0.01 for cy in dots), (dots, baseline)
