"""Organizers, monitors and the public pages in a real browser: an import with a bad row shows that
row's error, the monitor page shows every service, /embed can be framed by an agency's site while the
other pages cannot. Screenshots of the main pages go to docs/screenshots/."""
import contextlib
import datetime as dt
import http.server
import re
import threading
import time

from playwright.sync_api import expect

from tests.browser import helpers

DEMO = "cchc-demo"


def test_organizer_imports_questions_and_sees_the_bad_rows(page, api, admin):
    now = helpers.now_utc()
    code = api.contest(admin, [{"opens_at": (now + dt.timedelta(days=30)).isoformat(),
                                "closes_at": (now + dt.timedelta(days=37)).isoformat()}],
                       {}, helpers.bank("nhập", 2))
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto("/quan-tri/nhap-du-lieu")
    form = page.locator('[data-import="questions"]')
    form.get_by_label("Hội thi").select_option(code)
    good = helpers.bank("tệp nhập", 3)
    rows = [(q["text"], q["a"], q["b"], q["c"], q["d"], q["answer"], "Sở Tư pháp") for q in good]
    rows[1] = (rows[1][0], rows[1][1], rows[1][2], rows[1][3], rows[1][4], "E", "Sở Tư pháp")  # row 3
    form.get_by_label("Tệp câu hỏi").set_input_files(
        {"name": "cau-hoi.csv", "mimeType": "text/csv", "buffer": helpers.csv_bytes(rows)})
    form.get_by_role("button", name="Nhập câu hỏi").click()
    report = form.locator("[data-report]")
    expect(report).to_contain_text("Đã thêm 2. Có 1 dòng lỗi, không được nhập:")
    error_rows = report.locator("tbody tr")
    expect(error_rows).to_have_count(1)
    expect(error_rows.locator("td").first).to_have_text("3")
    message = error_rows.locator("td").nth(1).inner_text()
    assert message.strip() and re.search(r"[ạảãáàâấầẩẫậăắằẳẵặđêếềểễệôốồổỗộơớờởỡợưứừửữựíìỉĩịúùủũụóòỏõọéèẻẽẹýỳỷỹỵ]",
                                         message.lower()), message

    # A unit file with a bad row: the good ones land, the bad one is reported.
    units = page.locator('[data-import="units"]')
    units.get_by_label("Tệp danh sách đơn vị").set_input_files({
        "name": "don-vi.csv", "mimeType": "text/csv",
        "buffer": helpers.csv_bytes([(f"UBX{helpers.tag()}", "UBND xã Thủy Vân", "commune", "", "35"),
                                     ("", "Đơn vị không có mã", "commune", "", "abc")],
                                    header=("code", "name", "kind", "parent_code", "headcount"))})
    units.get_by_role("button", name="Nhập đơn vị").click()
    expect(units.locator("[data-report]")).to_contain_text("Có 1 dòng lỗi")
    expect(units.locator("[data-report] tbody tr td").first).to_have_text("3")
    helpers.shoot(page, "quan-tri-nhap-du-lieu")


def test_organizer_pages(page, api, admin, demo_activity):
    helpers.login(page, "admin", "admin", "/quan-tri")
    expect(page.locator("[data-contests] tr", has_text=DEMO)).to_have_count(1)
    helpers.shoot(page, "quan-tri")

    page.goto(f"/quan-tri/hoi-thi?contest={DEMO}")
    expect(page.locator("[data-rounds] tr")).to_have_count(4)
    expect(page.get_by_role("button", name="Đóng tuần 1 ngay")).to_be_visible()
    helpers.shoot(page, "quan-tri-hoi-thi")

    page.goto(f"/quan-tri/thong-ke?contest={DEMO}")
    expect(page.locator("[data-chart-scores] svg rect.bar")).to_have_count(11)  # 0..10 correct answers
    # The ten hardest questions are listed; the others on request.
    expect(page.locator("[data-difficulty] tr:visible")).to_have_count(10)
    total = page.locator("[data-difficulty] tr").count()
    assert total > 10
    expect(page.get_by_role("button", name=f"Xem tất cả {total} câu hỏi")).to_be_visible()
    helpers.shoot(page, "quan-tri-thong-ke")
    page.get_by_role("button", name=f"Xem tất cả {total} câu hỏi").click()
    expect(page.locator("[data-difficulty] tr:visible")).to_have_count(total)


def test_organizer_creates_a_contest_and_closes_its_round(page, api, admin):
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto("/quan-tri/hoi-thi")
    code = f"tao-{helpers.tag()}"
    form = page.locator("[data-create-contest]")
    form.get_by_label("Mã hội thi").fill(code)
    form.get_by_label("Tên hội thi").fill("Hội thi tìm hiểu CCHC năm 2024")
    form.get_by_label("Thời gian làm bài (phút)").fill("15")
    # Vietnamese time in datetime-local fields: round 1 from an hour ago to tomorrow.
    vn = dt.timezone(dt.timedelta(hours=7))
    now = dt.datetime.now(vn).replace(second=0, microsecond=0)
    form.get_by_label("Tuần 1: bắt đầu").fill((now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Tuần 1: kết thúc").fill((now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Tạo hội thi").click()
    expect(form.locator("[data-created]")).to_have_text("Đã tạo hội thi “Hội thi tìm hiểu CCHC năm 2024” với 1 tuần thi.")
    contest = api.http.get(f"/contests/{code}").json()
    assert contest["settings"]["time_limit_s"] == 900
    assert dt.datetime.fromisoformat(contest["rounds"][0]["opens_at"]) == now - dt.timedelta(hours=1)

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Đóng tuần 1 ngay").click()
    expect(page.locator("[data-rounds] tr").first).to_contain_text(re.compile("Đã kết thúc|Đã có kết quả"))
    assert api.http.get(f"/contests/{code}").json()["rounds"][0]["status"] in ("closed", "finalized")


def test_monitor_sees_every_service(page, api, admin):
    username, password = api.staff(admin, "monitor")
    helpers.login(page, username, password, "/giam-sat")
    services = page.locator("[data-service]")
    expect(services).to_have_count(4)
    for name in ("quiz", "scoring", "media", "awards"):
        card = page.locator(f'[data-service="{name}"]')
        expect(card).to_contain_text("Hoạt động bình thường")
    expect(page.locator('[data-service="quiz"]')).to_contain_text("2 tiến trình")
    expect(page.locator("[data-queues] tr", has_text="rpc-quiz")).to_have_count(1)
    # Rates need two samples: the page refreshes by itself and then shows a number.
    expect(page.locator('[data-kpi="rps"]')).to_have_text(re.compile(r"^\d"), timeout=20_000)
    expect(page.locator('[data-kpi="p50"]')).to_have_text(re.compile(r"≤ [\d.,]+ ms"))
    expect(page.locator("[data-routes] tr").first).to_be_visible()
    # Two rates make a line: the chart keeps the samples of the automatic refreshes.
    expect(page.locator("[data-chart-rate] svg polyline")).to_have_count(1, timeout=20_000)
    helpers.shoot(page, "giam-sat")


def test_monitor_sees_and_replays_dead_letters(page, api, admin, cluster):
    """Issue 15, finding 7: an event parked in scoring's dead-letter queue shows on the monitor page;
    «Xử lý lại» sends it back. (A malformed bank_changed: scoring logs and drops it once replayed.)"""
    import json
    import urllib.parse

    import kombu

    uri = f"amqp://{cluster_amqp_host()}/{urllib.parse.quote(cluster.vhost, safe='')}"
    with kombu.Connection(uri) as conn:
        channel = conn.channel()
        channel.basic_publish(channel.prepare_message(
            json.dumps({"malformed": True}).encode(), content_type="application/json", content_encoding="utf-8",
            headers={"cchc-queue": "evt-quiz-bank_changed--scoring.on_bank_changed", "cchc-error": "KeysStillMissing"}),
            exchange="", routing_key="scoring.dead-letter")
    username, password = api.staff(admin, "monitor")
    page.on("dialog", lambda dialog: dialog.accept())
    helpers.login(page, username, password, "/giam-sat")
    row = page.locator('[data-dead-letter="scoring"]')
    # The management API's queue counts lag a few seconds; the page refreshes every 5 s.
    expect(row.locator("[data-replay]")).to_have_count(1, timeout=30_000)
    expect(row).to_contain_text("1")
    expect(page.locator("[data-dead-letters] tr")).to_have_count(4)
    row.locator("[data-replay]").click()
    expect(page.locator("[data-replay-status]")).to_contain_text("Đã chuyển 1 sự kiện")
    expect(row.locator("[data-replay]")).to_have_count(0, timeout=30_000)


def cluster_amqp_host():
    from tests.e2e.cluster import AMQP_HOST

    return AMQP_HOST


def test_public_pages(page, cluster, demo_activity):
    page.goto(f"/?contest={DEMO}")
    expect(page.locator("[data-contest-title]")).to_have_text("Hội thi CCHC (bản dùng thử)")
    expect(page.locator("[data-rounds] tr")).to_have_count(4)
    expect(page.locator("[data-rounds] tr").first).to_contain_text("Đang diễn ra")
    expect(page.locator("[data-next-round]")).to_contain_text("Tuần 1 đang diễn ra")
    expect(page.locator('[data-s="questions_per_attempt"]')).to_have_text("10")
    helpers.shoot(page, "trang-chu")

    page.goto(f"/bang-xep-hang?contest={DEMO}")
    expect(page.locator("[data-board-note]")).to_contain_text("Bảng xếp hạng tạm thời")
    # SPEC 6 (live_board: scores): an open round shows its top rows, never everyone's predictions
    # nor how many took part.
    expect(page.locator("[data-board] tr")).to_have_count(10)
    correct = [int(t) for t in page.locator("[data-board] tr td:nth-child(4)").all_inner_texts()]
    assert len(correct) == 10 and correct == sorted(correct, reverse=True), correct
    assert set(page.locator("[data-board] tr td:nth-child(5)").all_inner_texts()) == {"—"}
    assert page.locator("[data-board] tr td").first.inner_text() == "1"
    helpers.shoot(page, "bang-xep-hang")

    # The public figures of an open round wait for its close; staff see them live.
    page.goto(f"/thong-ke?contest={DEMO}")
    expect(page.locator("[data-stats-note]")).to_be_visible()
    expect(page.locator("[data-stats] tr", has_text="Sở Thông tin và Truyền thông")).to_have_count(1)
    expect(page.locator("[data-chart] svg rect.bar")).to_have_count(0)
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto(f"/thong-ke?contest={DEMO}")
    expect(page.locator("[data-chart] svg rect.bar")).to_have_count(8)  # the eight units that took part
    expect(page.locator("[data-stats-note]")).to_be_hidden()
    helpers.shoot(page, "thong-ke")
    page.evaluate("sessionStorage.clear(); localStorage.clear()")  # the public again

    page.goto("/dang-nhap")
    helpers.shoot(page, "dang-nhap")


@contextlib.contextmanager
def agency_site(html):
    """An agency's website: another origin (its own port) on this machine, serving one page."""
    body = html.encode("utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_embed_is_framable_by_agency_sites_and_nothing_else_is(page, cluster):
    base = cluster.base_url
    html = f"""<!doctype html><meta charset="utf-8"><h1>Cổng thông tin điện tử Sở Nội vụ</h1>
        <iframe id="banner" src="{base}/embed?unit=SNV&contest={DEMO}" width="600" height="160"></iframe>
        <iframe id="home" src="{base}/" width="600" height="300"></iframe>"""
    with agency_site(html) as agency:
        page.goto(agency)
        banner = page.frame_locator("#banner")
        expect(banner.get_by_role("link", name="Tham gia dự thi")).to_have_attribute("href", f"/dang-ky?contest={DEMO}&unit=SNV")
        expect(banner.locator("[data-next-round]")).to_contain_text("Tuần 1 đang diễn ra")
        # Chromium refuses to show the home page in the frame (CSP frame-ancestors 'self'; older
        # browsers: X-Frame-Options SAMEORIGIN) and says so on the console: that refusal is expected.
        home = page.locator("#home").element_handle().content_frame()

        def refused():
            return [e for e in page.js_errors if "frame-ancestors 'self'" in e and f"'{base}/'" in e]

        # Wait for the refusal itself (console events arrive while Playwright waits), then look.
        deadline = time.monotonic() + 30
        while not refused():
            assert time.monotonic() < deadline, f"no frame-ancestors refusal within 30 s: {page.js_errors}"
            page.wait_for_timeout(100)
        refused = refused()
        assert "Vào thi ngay" not in home.content()
        page.js_errors = [e for e in page.js_errors if e not in refused]
        page.screenshot(path=helpers.screenshot_path("nhung-tren-trang-co-quan-1280.png"))

    page.goto("/nhung-trang")
    page.get_by_label("Đơn vị của bạn (không bắt buộc)").select_option("SNV")
    expect(page.locator("[data-snippet]")).to_have_value(re.compile(r'<iframe src="http://[^"]+/embed\?unit=SNV"'))
    helpers.shoot(page, "nhung-trang")


def test_excluded_person_is_refused_at_registration(page, browser, cluster):
    staff_cccd, _ = helpers.new_ids()
    other_cccd, _ = helpers.new_ids()
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto(f"/quan-tri/nhap-du-lieu?contest={DEMO}")
    form = page.locator('[data-import="exclusions"]')
    expect(form.get_by_label("Hội thi")).to_have_value(DEMO)
    form.get_by_label("Các số CCCD").fill(f"{staff_cccd}\n{other_cccd}, {staff_cccd}")
    form.get_by_role("button", name="Thêm vào danh sách").click()
    expect(form.locator("[data-report]")).to_contain_text(re.compile(r"Danh sách hiện có \d+ người không được dự thi"))

    visitor = browser.new_context(base_url=cluster.base_url)  # someone else, not logged in
    try:
        reg = visitor.new_page()
        _, phone = helpers.new_ids()
        reg.goto("/dang-ky")
        reg.get_by_label("Họ và tên").fill("Võ Thị Thanh Tâm")
        reg.get_by_label("Số CCCD (12 chữ số)").fill(staff_cccd)
        reg.get_by_label("Số điện thoại di động").fill(phone)
        reg.locator("#unit_search").fill("Sở Tư pháp")
        expect(reg.locator("#unit_code")).to_have_value("STP")
        reg.get_by_label("Chức vụ, vị trí công tác").fill("Thư ký Hội đồng")
        reg.get_by_label("Mật khẩu (ít nhất 6 ký tự)").fill("matkhau-123")
        reg.get_by_label("Nhập lại mật khẩu").fill("matkhau-123")
        reg.get_by_role("button", name="Đăng ký").click()
        expect(reg.locator("[data-form-error]")).to_have_text(re.compile("không được tham gia dự thi"))
        expect(reg.locator("[data-registered]")).to_be_hidden()
    finally:
        visitor.close()


def test_statistics_show_score_distribution_and_question_difficulty(page, api, admin):
    now = helpers.now_utc()
    bank = helpers.bank("độ khó", 4)
    keys = helpers.right_texts(bank)
    code = api.contest(admin, [{"opens_at": (now - dt.timedelta(minutes=10)).isoformat(),
                                "closes_at": (now + dt.timedelta(days=1)).isoformat()}],
                       {"questions_per_attempt": 4}, bank)
    # Everyone gets all four questions; the first k bank questions are answered right.
    for k in (4, 2, 1):
        person = api.contestant()
        headers = api.headers(person["phone"], person["password"])
        paper = api.http.post(f"/contests/{code}/rounds/1/attempts", headers=headers).json()
        right = {q["text"] for q in bank[:k]}
        good = {q["id"]: helpers.shown_key(q, keys[q["text"]]) for q in paper["questions"]}
        answers = {q["id"]: good[q["id"]] if q["text"] in right else next(x for x in "ABCD" if x != good[q["id"]])
                   for q in paper["questions"]}
        resp = api.http.post(f"/attempts/{paper['attempt_id']}/submit", headers=headers, json={"answers": answers})
        assert resp.status_code == 202, resp.text

    graded = lambda: len(api.http.get(f"/contests/{code}/rounds/1/leaderboard").json()["rows"]) == 3
    helpers.wait_until(graded, 60)

    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto(f"/quan-tri/thong-ke?contest={code}")
    rows = page.locator("[data-difficulty] tr")
    expect(rows).to_have_count(4)
    shares = [t.strip() for t in page.locator("[data-difficulty] tr td:nth-child(3)").all_inner_texts()]
    assert shares == ["33,3%", "33,3%", "66,7%", "100%"], shares
    assert bank[1]["text"] in rows.nth(2).inner_text() and bank[0]["text"] in rows.nth(3).inner_text()
    expect(page.locator("[data-chart-difficulty] svg rect.bar")).to_have_count(4)
    # Score distribution: one contestant each with 1, 2 and 4 right answers (columns 0..4).
    columns = page.locator("[data-chart-scores] svg rect.bar")
    expect(columns).to_have_count(5)
    heights = [float(h) for h in columns.evaluate_all("els => els.map(e => e.getAttribute('height'))")]
    assert heights[0] == heights[3] == 0 and heights[1] == heights[2] == heights[4] > 0, heights
    assert page.locator("[data-chart-scores] svg text.val").all_text_contents() == ["1", "1", "1"]
