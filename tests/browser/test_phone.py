"""The portal on a phone (issue 16, 360 px wide, and at 1280 px): no page scrolls sideways (tables
become cards), the contestant's own row on the leaderboard, the quiz's sticky timer bar with its
warning and question navigator, the attempts left on the start card, the registration form's field
errors and CCCD input, Enter in the unit search, and the judge's decimal comma."""
import datetime as dt
import re
import subprocess

import pytest
from playwright.sync_api import expect

from gateway.web import pages
from tests.browser import helpers

PHONE = {"width": 360, "height": 760}
DESKTOP = {"width": 1280, "height": 860}
DEMO = "cchc-demo"

# Who looks at each page of gateway/web/pages.py PAGES (public pages: a contestant, so the pages
# show what a signed-in contestant sees, their own row included).
ROLE_BY_NAV = {"admin": "organizer", "judge": "judge", "monitor": "monitor"}


def open_contest(api, admin, settings, n_questions=8):
    now = helpers.now_utc()
    questions = helpers.bank(f"điện thoại {helpers.tag()}", n_questions)
    code = api.contest(admin, [{"opens_at": (now - dt.timedelta(minutes=5)).isoformat(),
                                "closes_at": (now + dt.timedelta(hours=3)).isoformat()}], settings, questions)
    return code, helpers.right_texts(questions)


def take(api, person, code, keys, n_right, prediction=50):
    """One submitted attempt through the API with `n_right` right answers."""
    headers = api.headers(person["phone"], person["password"])
    resp = api.http.post(f"/contests/{code}/rounds/1/attempts", headers=headers)
    assert resp.status_code == 201, resp.text
    paper = resp.json()
    answers = {}
    for j, q in enumerate(paper["questions"]):
        good = helpers.shown_key(q, keys[q["text"]])
        answers[q["id"]] = good if j < n_right else next(k for k in "ABCD" if k != good)
    resp = api.http.post(f"/attempts/{paper['attempt_id']}/submit", headers=headers,
                         json={"answers": answers, "prediction": prediction})
    assert resp.status_code == 202, resp.text
    return headers, paper["attempt_id"]


def settle(page):
    """The page's scripts have fetched their data (no "Đang tải…" left)."""
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).not_to_contain_text("Đang tải…", timeout=20_000)
    page.wait_for_timeout(200)


def test_no_page_scrolls_sideways_on_a_phone(browser, cluster, api, admin, demo_activity):
    person = api.contestant(full_name="Nguyễn Thị Phương Thảo")
    take(api, person, DEMO, helpers.demo_answer_keys(), 6)
    accounts = {"contestant": (person["phone"], person["password"], "/thi"), "organizer": ("admin", "admin", "/quan-tri")}
    for role, home in (("judge", "/giam-khao"), ("monitor", "/giam-sat")):
        user, password = api.staff(admin, role, unit_code="STP")
        accounts[role] = (user, password, home)
    attempt_id = api.http.get("/me/attempts", headers=api.headers(person["phone"], person["password"])).json()[0]["attempt_id"]

    paths = {}
    for path, (_template, _title, nav) in pages.PAGES.items():
        if path in ("/dang-ky", "/dang-nhap"):
            paths.setdefault(None, []).append(path)  # a guest's pages
        else:
            paths.setdefault(ROLE_BY_NAV.get(nav, "contestant"), []).append(path)
    paths["contestant"].append(f"/ket-qua/{attempt_id}")
    assert sum(len(v) for v in paths.values()) == len(pages.PAGES) + 1

    checked = []
    for role, role_paths in paths.items():
        ctx = browser.new_context(base_url=cluster.base_url, viewport=PHONE, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
        ctx.set_default_timeout(20_000)
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            if role:
                user, password, home = accounts[role]
                helpers.login(page, user, password, home)
            for path in role_paths:
                sep = "&" if "?" in path else "?"
                page.goto(path + (f"{sep}contest={DEMO}" if path in ("/", "/thi", "/bang-xep-hang", "/thong-ke") else ""))
                assert page.url.endswith(path) or path in page.url, (role, path, page.url)
                settle(page)
                helpers.assert_fits(page, f"{path} ({role or 'khách'})")
                checked.append(path)
        finally:
            ctx.close()
        assert errors == [], errors
    assert len(checked) == len(pages.PAGES) + 1


def test_tables_are_cards_on_a_phone_and_a_table_on_a_desktop(page, demo_activity):
    page.set_viewport_size(PHONE)
    page.goto(f"/?contest={DEMO}")
    row = page.locator("[data-rounds] tr").first
    expect(row).to_contain_text("Đang diễn ra")
    status = row.locator("td").last
    expect(status).to_have_attribute("data-label", "Trạng thái")
    status.scroll_into_view_if_needed()
    expect(status).to_be_in_viewport(ratio=1)
    box = status.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"], box
    assert page.evaluate("getComputedStyle(document.querySelector('[data-rounds] td')).display") == "flex"
    page.set_viewport_size(DESKTOP)
    assert page.evaluate("getComputedStyle(document.querySelector('[data-rounds] td')).display") == "table-cell"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_my_row_is_highlighted_and_my_rank_said(page, api, admin, viewport):
    code, keys = open_contest(api, admin, {"questions_per_attempt": 5, "live_board": "full"})
    people = [api.contestant(full_name=name) for name in ("Trần Văn Tuấn", "Lê Thị Mỹ Linh", "Võ Đình Khoa")]
    for person, right in zip(people, (5, 3, 1)):
        _headers, attempt = take(api, person, code, keys, right)
    headers = api.headers(people[1]["phone"], people[1]["password"])
    helpers.wait_until(lambda: api.http.get(f"/contests/{code}/rounds/1/leaderboard", headers=headers)
                       .json().get("me") is not None and len(api.http.get(
                           f"/contests/{code}/rounds/1/leaderboard").json()["rows"]) == 3, 60)

    page.set_viewport_size(viewport)
    helpers.login(page, people[1]["phone"], people[1]["password"], "/thi")
    page.goto(f"/bang-xep-hang?contest={code}")
    mine = page.locator("[data-board] tr[data-mine]")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Lê Thị Mỹ Linh")
    expect(mine).to_have_class(re.compile(r"\bmine\b"))
    expect(mine).to_have_attribute("aria-current", "true")
    others = page.locator("[data-board] tr:not([data-mine])")
    expect(others).to_have_count(2)
    # Highlighted: its background is not the other rows'.
    colour = lambda loc: loc.evaluate("e => getComputedStyle(e).backgroundColor + getComputedStyle(e.cells[1]).backgroundColor")
    assert colour(mine) != colour(others.last)
    expect(page.locator("[data-my-rank]")).to_have_text(re.compile(r"^Thứ hạng của tôi: hạng 2 \(3 câu đúng"))
    expect(page.locator("[data-my-rank]")).to_contain_text("dòng được tô màu")
    # Every column of my row is on screen (a card on the phone).
    for cell in mine.locator("td").all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
    if viewport is PHONE:
        helpers.assert_fits(page, "bang-xep-hang")

    # Someone without an attempt in this round is told so; the public sees no such line.
    newcomer = api.contestant(full_name="Phan Thị Hạnh")
    page.evaluate("sessionStorage.clear(); localStorage.clear()")
    helpers.login(page, newcomer["phone"], newcomer["password"], "/thi")
    page.goto(f"/bang-xep-hang?contest={code}")
    expect(page.locator("[data-my-rank]")).to_have_text(
        "Thứ hạng của tôi: bạn chưa có bài thi được chấm trong tuần này.")
    expect(page.locator("[data-board] tr[data-mine]")).to_have_count(0)
    page.evaluate("sessionStorage.clear(); localStorage.clear()")
    page.goto(f"/bang-xep-hang?contest={code}")
    expect(page.locator("[data-board] tr")).to_have_count(3)
    expect(page.locator("[data-my-rank]")).to_be_hidden()


def test_quiz_on_a_phone_sticky_warning_navigator_and_jump(page, api, admin):
    # 60 s (the shortest limit): the one-minute warning is up from the first second.
    code, _keys = open_contest(api, admin, {"questions_per_attempt": 8, "time_limit_s": 60})
    person = api.contestant(full_name="Đoàn Thị Kim Oanh")
    page.set_viewport_size(PHONE)
    helpers.login(page, person["phone"], person["password"], "/thi")
    page.goto(f"/thi?contest={code}")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator("li.question")).to_have_count(8)
    warning = page.locator("[data-warning]")
    expect(warning).to_have_text(re.compile("Còn dưới 1 phút"))

    # The navigator: folded on a phone, eight numbers, none answered.
    nav = page.locator("[data-quiz-nav]")
    nav.locator("summary").click()
    buttons = nav.locator("button.qn")
    expect(buttons).to_have_count(8)
    expect(nav.locator("button.qn.answered")).to_have_count(0)
    expect(buttons.nth(0)).to_have_attribute("aria-label", "Câu 1: chưa trả lời")
    page.locator("#cau-1 input").first.check()
    page.locator("#cau-3 input").nth(2).check()
    expect(nav.locator("button.qn.answered")).to_have_count(2)
    expect(buttons.nth(0)).to_have_attribute("aria-label", "Câu 1: đã trả lời")
    expect(buttons.nth(2)).to_have_class(re.compile(r"\banswered\b"))
    expect(buttons.nth(1)).not_to_have_class(re.compile(r"\banswered\b"))
    jump = page.get_by_role("button", name=re.compile("Đến câu chưa trả lời"))
    expect(jump).to_have_text("Đến câu chưa trả lời (6)")

    # Scrolled to the end: the bar, its clock and the warning are still on screen.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(200)
    assert page.evaluate("window.scrollY") > 300
    expect(warning).to_be_in_viewport()
    expect(page.locator("[data-clock]")).to_be_in_viewport()
    expect(jump).to_be_in_viewport()

    # The jump: after question 3 (the last one answered), question 4 is next; then 5.
    jump.click()
    expect(page.locator("#cau-4")).to_be_in_viewport()
    expect(page.locator("#cau-4 input").first).to_be_focused()
    bar = page.locator(".timer-bar").bounding_box()
    assert page.locator("#cau-4 legend").bounding_box()["y"] >= bar["y"] + bar["height"] - 1  # not under the bar
    jump.click()
    expect(page.locator("#cau-5 input").first).to_be_focused()
    # A number jumps to its question.
    buttons.nth(6).click()
    expect(page.locator("#cau-7")).to_be_in_viewport()
    expect(page.locator("#cau-7 input").first).to_be_focused()
    helpers.assert_fits(page, "lam-bai (điện thoại)")

    # Everything answered: no jump left.
    for i in (2, 4, 5, 6, 7, 8):
        page.locator(f"#cau-{i} input").first.check()
    expect(nav.locator("button.qn.answered")).to_have_count(8)
    expect(jump).to_be_hidden()
    page.set_viewport_size(DESKTOP)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(warning).to_be_in_viewport()


def test_start_card_says_attempts_left_and_offers_none_when_used_up(page, api, admin):
    code, keys = open_contest(api, admin, {"questions_per_attempt": 4, "max_attempts_per_round": 2})
    person = api.contestant(full_name="Hà Thị Thanh Tâm")
    helpers.login(page, person["phone"], person["password"], "/thi")
    page.goto(f"/thi?contest={code}")
    expect(page.locator("[data-attempts-left]")).to_contain_text("Lượt 1/2")
    expect(page.locator("[data-counting-rule]")).to_contain_text("lượt có kết quả cao nhất được tính")
    expect(page.locator("[data-counting-rule]")).to_contain_text("tối đa 2 lượt")

    take(api, person, code, keys, 2)
    page.reload()
    expect(page.locator("[data-attempts-left]")).to_contain_text("Lượt 2/2")
    expect(page.get_by_role("button", name="Bắt đầu làm bài (lượt 2/2)")).to_be_visible()

    take(api, person, code, keys, 3)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.reload()
        expect(page.locator("[data-attempts-left]")).to_contain_text("Bạn đã dùng hết 2/2 lượt thi của tuần 1.")
        expect(page.locator("[data-attempts-left]")).to_contain_text("Lượt có kết quả cao nhất được tính")
        expect(page.locator("[data-counting-rule]")).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("Bắt đầu làm bài"))).to_be_hidden()
        expect(page.get_by_role("link", name="Xem các lượt thi của tôi")).to_be_visible()


def test_registration_on_a_phone(page, api):
    taken = api.contestant(full_name="Ngô Thị Bích Ngọc")
    page.set_viewport_size(PHONE)
    page.goto("/dang-ky")
    expect(page.locator("#unit_code option").first).to_be_attached()

    # The CCCD as printed on the card: spaces and dots go, all 12 digits stay.
    cccd = page.get_by_label("Số CCCD (12 chữ số)")
    cccd.fill("0123 4567 8901")
    expect(cccd).to_have_value("012345678901")
    cccd.fill("0123.4567.8901")
    expect(cccd).to_have_value("012345678901")
    cccd.fill("")
    cccd.press_sequentially("0123 4567 8901")
    expect(cccd).to_have_value("012345678901")
    page.get_by_label("Họ và tên").click()
    expect(page.locator("#id_number-err")).to_be_hidden()

    # Enter in the unit search picks the unit; it does not send the half-filled form.
    search = page.locator("#unit_search")
    search.fill("so noi vu")
    search.press("Enter")
    expect(page.locator("#unit_code")).to_have_value("SNV")
    expect(page.locator("#unit_code")).to_be_focused()
    expect(page.locator("#full_name-err")).to_be_hidden()
    expect(page.locator("#password-err")).to_be_hidden()
    assert page.url.endswith("/dang-ky")

    # A phone already registered: said beside the phone field, on screen, with login and help.
    id_number, _phone = helpers.new_ids()
    page.get_by_label("Họ và tên").fill("Ngô Thị Bích Ngọc")
    cccd.fill(id_number)
    page.get_by_label("Số điện thoại di động").fill(taken["phone"])
    page.get_by_label("Chức vụ, vị trí công tác").fill("Chuyên viên")
    page.get_by_label("Mật khẩu (ít nhất 6 ký tự)").fill("hue-2023-cchc")
    page.get_by_label("Nhập lại mật khẩu").fill("hue-2023-cchc")
    page.get_by_role("button", name="Đăng ký").click()
    phone_err = page.locator("#phone-err")
    expect(phone_err).to_contain_text("Số điện thoại này đã được đăng ký.")
    expect(phone_err).to_be_in_viewport()
    expect(page.get_by_label("Số điện thoại di động")).to_be_focused()
    expect(page.locator("#id_number-err")).to_be_hidden()
    expect(page.locator("[data-form-error]")).to_be_hidden()
    expect(phone_err.get_by_role("link", name="đăng nhập")).to_have_attribute(  # + the page's contest
        "href", re.compile(f"^/dang-nhap\\?username={taken['phone']}(&contest=[\\w.-]+)?$"))
    help_link = phone_err.get_by_role("link", name="Quên mật khẩu?")
    expect(help_link).to_be_visible()
    helpers.assert_fits(page, "dang-ky (số điện thoại đã đăng ký)")

    # A CCCD already registered: beside the CCCD field.
    _other_id, other_phone = helpers.new_ids()
    cccd.fill(taken["id_number"])
    page.get_by_label("Số điện thoại di động").fill(other_phone)
    page.get_by_role("button", name="Đăng ký").click()
    id_err = page.locator("#id_number-err")
    expect(id_err).to_contain_text("Số CCCD này đã được đăng ký.")
    expect(id_err).to_be_in_viewport()
    expect(page.locator("#phone-err")).to_be_hidden()

    # The password help opens on the login page, the username filled in.
    id_err.get_by_role("link", name="Quên mật khẩu?").click()
    page.wait_for_url(re.compile(r"/dang-nhap\?username=\d{12}(&contest=[\w.-]+)?#quen-mat-khau$"))
    expect(page.get_by_label("Số điện thoại, số CCCD hoặc tên đăng nhập")).to_have_value(taken["id_number"])
    expect(page.locator("#quen-mat-khau")).to_have_attribute("open", "")
    expect(page.locator("#quen-mat-khau")).to_contain_text("mật khẩu dùng một lần")


def test_judge_types_a_decimal_comma(page, cluster, api, admin, tmp_path):
    from services.media import probe
    from tests.e2e.test_blind_judging import upload

    path = str(tmp_path / "clip.mp4")
    subprocess.run([probe.ffmpeg_bin(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=10",
                    "-pix_fmt", "yuv420p", path], check=True, timeout=60)
    code = f"web-dp-{helpers.tag()}"
    resp = api.http.post("/admin/contests", headers=admin, json={
        "code": code, "title": "Hội thi video (kiểm thử dấu phẩy)",
        "rounds": [{"opens_at": "2030-06-01T00:00:00+07:00", "closes_at": "2030-06-07T23:59:59+07:00"}]})
    assert resp.status_code == 201, resp.text
    judge_user, judge_password = api.staff(admin, "judge", unit_code="STP")
    resp = api.http.post(f"/admin/contests/{code}/jury", headers=admin, json={"usernames": [judge_user]})
    assert resp.status_code == 200, resp.text
    clip_id = upload(cluster, admin, code, "SNV", path)

    page.set_viewport_size(PHONE)
    helpers.login(page, judge_user, judge_password, "/giam-khao")
    page.locator(f"[data-clip='{clip_id}']").click()
    page.get_by_label("Nội dung (tối đa 40)").press_sequentially("35")
    page.get_by_label("Thông điệp, sức lan tỏa (tối đa 20)").press_sequentially("18,5")
    page.get_by_label("Sáng tạo (tối đa 20)").press_sequentially("17.5")
    page.get_by_label("Kỹ thuật (tối đa 20)").press_sequentially("16,25")
    expect(page.get_by_label("Thông điệp, sức lan tỏa (tối đa 20)")).to_have_value("18,5")
    expect(page.locator("[data-total]")).to_have_text("87,25")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator("[data-saved]")).to_contain_text("Đã lưu điểm 87,25/100")
    judge_headers = api.headers(judge_user, judge_password)
    clip = next(c for c in api.http.get("/judge/clips", params={"contest": code}, headers=judge_headers).json()
                if c["clip_id"] == clip_id)
    assert (clip["my_score"]["message"], clip["my_score"]["technique"], clip["my_score"]["total"]) == (18.5, 16.25, 87.25)
    # Not a number: said, nothing sent.
    page.get_by_label("Thông điệp, sức lan tỏa (tối đa 20)").fill("18,5,1")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator("#r_message-err")).to_have_text("Nhập điểm từ 0 đến 20.")
    # Scored again: the form shows the saved score with the decimal comma.
    page.reload()
    page.locator(f"[data-clip='{clip_id}']").click()
    expect(page.get_by_label("Thông điệp, sức lan tỏa (tối đa 20)")).to_have_value("18,5")
    helpers.assert_fits(page, "giam-khao (điện thoại)")
