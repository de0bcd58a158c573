"""Which contest am I in? (issue 16) in a real browser, at 360 px and 1280 px: the contest chosen once
is kept on every link of a contestant's journey, named in the header, offered by a chooser of the
public contests and remembered; an unlisted test contest stays off the public pages; registering logs
the person in; a remembered login survives a new tab; the embed banner is never cut."""
import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser import helpers
from tests.browser.test_staff import agency_site

TITLE_2023 = "Hội thi trực tuyến tìm hiểu công tác cải cách hành chính tỉnh Thừa Thiên Huế năm 2023"
SIZES = {360: {"width": 360, "height": 760}, 1280: {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def contests(api, admin):
    """Three contests with round 1 open now, created in this order: `kept` (listed; the journey's,
    never the default since a newer listed one is open), `newer` (listed) and `hidden` (unlisted, the
    newest: without the setting it would be everyone's default)."""
    now = helpers.now_utc()
    rounds = [{"opens_at": (now - dt.timedelta(minutes=5)).isoformat(),
               "closes_at": (now + dt.timedelta(hours=6)).isoformat()}]
    out = {}
    for name, settings in (("kept", {"questions_per_attempt": 3}), ("newer", {"questions_per_attempt": 3}),
                           ("hidden", {"questions_per_attempt": 3, "listed": False})):
        code = api.contest(admin, rounds, settings, helpers.bank(f"ngữ cảnh {name}", 4))
        out[name] = {"code": code, "title": f"Hội thi kiểm thử giao diện {code}"}
    return out


def contest_of(url):
    return parse_qs(urlparse(url).query).get("contest", [None])[0]


def assert_links_keep(page, code):
    """Every link to a portal page carries ?contest=code (the chooser's lead to the other contests)."""
    links = page.evaluate("""() => Array.from(document.querySelectorAll('a[href]'))
        .filter(a => !a.closest('[data-contest-chooser]')).map(a => a.href).filter(h => h.startsWith(location.origin + '/')
            && !/^\\/(api|static|docs)/.test(new URL(h).pathname) && new URL(h).hash === '')""")
    assert links, page.url
    lost = [h for h in links if contest_of(h) != code]
    assert not lost, f"{page.url}: links without contest={code}: {lost}"


def open_menu_if_folded(page):
    toggle = page.locator(".menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_contest_is_kept_on_every_link_of_a_contestants_journey(page, api, contests, width):
    kept, newer = contests["kept"], contests["newer"]
    page.set_viewport_size(SIZES[width])
    page.goto(f"/?contest={kept['code']}")
    expect(page.locator("[data-contest-name]")).to_have_text(kept["title"])
    expect(page.locator("[data-contest-title]")).to_have_text(kept["title"])
    assert_links_keep(page, kept["code"])

    # Home → registration: the contest comes along.
    page.locator("main").get_by_role("link", name="Đăng ký dự thi").click()
    page.wait_for_url("**/dang-ky?*")
    assert contest_of(page.url) == kept["code"]
    expect(page.locator("[data-contest-name]")).to_have_text(kept["title"])
    id_number, phone = helpers.new_ids()
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Minh Khai")
    page.get_by_label("Số CCCD (12 chữ số)").fill(id_number)
    page.get_by_label("Số điện thoại di động").fill(phone)
    page.locator("#unit_search").fill("so noi vu")
    expect(page.locator("#unit_code")).to_have_value("SNV")
    page.get_by_label("Chức vụ, vị trí công tác").fill("Chuyên viên")
    page.get_by_label("Mật khẩu (ít nhất 6 ký tự)").fill("hue-cchc-2024")
    page.get_by_label("Nhập lại mật khẩu").fill("hue-cchc-2024")
    page.get_by_role("button", name="Đăng ký").click()

    # Registered = logged in, on the quiz of this contest (not the default one).
    page.wait_for_url("**/thi?*")
    assert contest_of(page.url) == kept["code"]
    expect(page.locator("[data-start-title]")).to_have_text(kept["title"])
    expect(page.locator("[data-contest-name]")).to_have_text(kept["title"])
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator("li.question")).to_have_count(3)
    assert contest_of(page.url) == kept["code"]
    page.locator("li.question input").first.check()
    page.get_by_role("button", name="Nộp bài").click()
    page.locator("[data-confirm]").get_by_role("button", name="Nộp bài").click()

    # Result → its contest's board, of the attempt's round.
    page.wait_for_url("**/ket-qua/*")
    assert contest_of(page.url) == kept["code"]
    expect(page.locator("[data-status]")).not_to_have_text("—")
    expect(page.locator("[data-board-link]")).to_have_attribute("href", re.compile(f"contest={kept['code']}"))
    assert_links_keep(page, kept["code"])
    page.locator("[data-board-link]").click()
    page.wait_for_url("**/bang-xep-hang?*")
    assert contest_of(page.url) == kept["code"]
    expect(page.locator("[data-contest-name]")).to_have_text(kept["title"])
    expect(page.locator("[data-board] tr").first).to_contain_text("Nguyễn Thị Minh Khai", timeout=60_000)
    assert_links_keep(page, kept["code"])

    # Another attempt of the same person, in another contest (through the API).
    me = api.headers(phone, "hue-cchc-2024")
    resp = api.http.post(f"/contests/{newer['code']}/rounds/1/attempts", headers=me)
    assert resp.status_code == 201, resp.text

    # Board → my attempts (the menu): each attempt names its contest.
    open_menu_if_folded(page)
    page.locator("#menu").get_by_role("link", name="Lượt thi của tôi").click()
    page.wait_for_url("**/luot-thi?*")
    assert contest_of(page.url) == kept["code"]
    rows = page.locator("[data-attempts] tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=kept["title"])).to_have_count(1)
    expect(rows.filter(has_text=newer["title"])).to_have_count(1)
    # The other contest's attempt goes to its own contest's quiz.
    resume = rows.filter(has_text=newer["title"]).get_by_role("link", name="Tiếp tục")
    expect(resume).to_have_attribute("href", re.compile(f"contest={newer['code']}"))
    menu = page.evaluate("() => Array.from(document.querySelectorAll('#menu a')).map(a => a.href)")
    assert menu and all(contest_of(h) == kept["code"] for h in menu), menu
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[width]["width"] + 2


@pytest.mark.parametrize("width", [360, 1280])
def test_an_unlisted_test_contest_is_absent_from_home_chooser_and_embed(page, contests, width):
    kept, newer, hidden = contests["kept"], contests["newer"], contests["hidden"]
    page.set_viewport_size(SIZES[width])
    page.goto("/")
    name = page.locator("[data-contest-name]")
    expect(name).not_to_have_text("…")
    assert name.text_content() != hidden["title"]
    assert page.locator("[data-contest-title]").text_content() != hidden["title"]
    page.get_by_text("Đổi hội thi").click()
    chooser = page.locator("[data-contest-chooser]")
    expect(chooser).to_be_visible()
    codes = chooser.locator("a").evaluate_all("links => links.map(a => a.dataset.choose)")
    assert kept["code"] in codes and newer["code"] in codes and hidden["code"] not in codes
    assert hidden["title"] not in chooser.inner_text()
    assert all(contest_of(h) == c for h, c in zip(chooser.locator("a").evaluate_all("ls => ls.map(a => a.href)"), codes))
    assert_links_keep(page, contest_of(page.locator("#menu a[data-key=leaderboard]").evaluate("a => a.href")))

    page.goto("/embed")
    expect(page.locator("[data-next-round]")).not_to_have_text("Tỉnh Thừa Thiên Huế")
    assert page.locator("[data-contest-title]").text_content() != hidden["title"]

    # Staff try the test contest by its address: every page of it answers, named in the header.
    page.goto(f"/?contest={hidden['code']}")
    expect(page.locator("[data-contest-name]")).to_have_text(hidden["title"])
    expect(page.locator("[data-contest-title]")).to_have_text(hidden["title"])
    assert_links_keep(page, hidden["code"])
    # ... and it is not remembered: the bare address shows a public contest again.
    page.goto("/")
    expect(page.locator("[data-contest-name]")).not_to_have_text("…")
    assert page.locator("[data-contest-name]").text_content() != hidden["title"]

    # Choosing a contest in the header keeps it, in the address and in this browser.
    page.get_by_text("Đổi hội thi").click()
    page.locator("[data-contest-chooser]").get_by_role("link", name=kept["title"]).click()
    page.wait_for_url(f"**/?contest={kept['code']}")
    expect(page.locator("[data-contest-title]")).to_have_text(kept["title"])
    page.goto("/bang-xep-hang")
    expect(page.locator("[data-contest-name]")).to_have_text(kept["title"])
    assert_links_keep(page, kept["code"])
    # The embed banner of an agency shows the deliberate default, not a visitor's choice.
    page.goto("/embed")
    expect(page.locator("[data-next-round]")).not_to_have_text("Tỉnh Thừa Thiên Huế")
    assert page.locator("[data-contest-title]").text_content() not in (hidden["title"],)


def banner_fits(frame_handle):
    """The banner, its button included, lies inside the iframe's box (nothing cut)."""
    frame = frame_handle.content_frame()
    return frame.evaluate("""() => {
        const b = document.querySelector('.banner').getBoundingClientRect();
        const j = document.querySelector('[data-join]').getBoundingClientRect();
        return {inner: window.innerHeight, banner: Math.ceil(b.bottom), button: Math.ceil(j.bottom),
                buttonTop: j.top, buttonHeight: j.height};
    }""")


def test_the_embed_shows_the_whole_banner_with_its_button_on_a_phone(page, cluster):
    # The snippet as an agency copies it, for the contest with the longest title.
    page.goto("/nhung-trang?contest=cchc-2023")
    snippet = page.locator("[data-snippet]").input_value()
    assert "contest=cchc-2023" in snippet and "cchc-embed-height" in snippet
    fallback_height = int(re.search(r'height="(\d+)"', snippet).group(1))
    iframe_only = re.search(r"<iframe[^>]*></iframe>", snippet).group(0).replace('id="cchc-hoi-thi"', 'id="fallback"')
    html = f"""<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <style>body {{ margin: 8px; font-family: sans-serif; }}</style>
        <h1>Cổng thông tin điện tử Sở Nội vụ</h1>{snippet}<p>Tin tức…</p>
        <h2>Không có đoạn script</h2>{iframe_only}"""
    page.set_viewport_size(SIZES[360])
    with agency_site(html) as agency:
        page.goto(agency)
        for frame_id in ("cchc-hoi-thi", "fallback"):
            expect(page.frame_locator(f"#{frame_id}").locator("[data-contest-title]")).to_have_text(TITLE_2023)
            expect(page.frame_locator(f"#{frame_id}").locator("[data-join]")).to_be_visible()
        # With the script: the iframe takes the banner's height as it reports it.
        sized = page.locator("#cchc-hoi-thi")
        helpers.wait_until(lambda: banner_fits(sized.element_handle())["inner"] !=
                           fallback_height, 10)
        for frame_id in ("cchc-hoi-thi", "fallback"):
            box = banner_fits(page.locator(f"#{frame_id}").element_handle())
            assert box["buttonHeight"] > 20 and box["buttonTop"] >= 0, box
            assert box["button"] <= box["inner"] and box["banner"] <= box["inner"], (frame_id, box)
        # The reported height is the banner's, not the frame's: no large empty band below.
        box = banner_fits(sized.element_handle())
        assert box["inner"] - box["banner"] <= 16, box


def test_a_remembered_login_survives_a_new_tab_and_logout_forgets_it(page, context, api, browser, cluster):
    person = api.contestant(full_name="Lê Văn Tám")
    helpers.login(page, person["phone"], person["password"], "/thi")
    other = context.new_page()
    try:
        other.goto("/luot-thi")
        expect(other.locator("[data-attempts]")).to_have_text("Bạn chưa có lượt thi nào.")
        expect(other.locator("[data-logout]")).to_be_attached()
        open_menu_if_folded(other)
        other.locator("[data-logout]").click()
        other.wait_for_url(re.compile(r"/(\?.*)?$"))
    finally:
        other.close()
    # Logged out in one tab: logged out in every tab.
    page.goto("/luot-thi")
    page.wait_for_url("**/dang-nhap?*")

    # Without «Ghi nhớ đăng nhập» (a shared computer): this tab only.
    page.get_by_label("Số điện thoại, số CCCD hoặc tên đăng nhập").fill(person["phone"])
    page.get_by_label("Mật khẩu").fill(person["password"])
    page.get_by_label("Ghi nhớ đăng nhập").uncheck()
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/luot-thi*")
    expect(page.locator("[data-attempts]")).to_have_text("Bạn chưa có lượt thi nào.")
    other = context.new_page()
    try:
        other.goto("/luot-thi")
        other.wait_for_url("**/dang-nhap?*")
    finally:
        other.close()


def test_an_organizer_takes_a_contest_off_the_public_pages(page, api, admin):
    now = helpers.now_utc()
    code = api.contest(admin, [{"opens_at": (now - dt.timedelta(minutes=5)).isoformat(),
                                "closes_at": (now + dt.timedelta(hours=2)).isoformat()}],
                       {"questions_per_attempt": 2}, helpers.bank("ẩn đi", 2))
    public = lambda: [c["code"] for c in api.http.get("/contests").json()]
    assert code in public()
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto(f"/quan-tri/hoi-thi?contest={code}")
    form = page.locator("[data-edit-contest]")
    expect(form.get_by_label("Hiển thị")).to_have_value("true")
    form.get_by_label("Hiển thị").select_option("false")
    form.get_by_label("Lý do thay đổi").fill("Hội thi kiểm thử")
    form.get_by_role("button", name="Lưu thay đổi").click()
    expect(form.locator("[data-edited]")).to_be_visible()
    assert code not in public()
    # The staff lists still have it, marked.
    expect(page.locator("#c_contest option[value='%s']" % code)).to_contain_text("không công khai")
    page.goto("/quan-tri")
    expect(page.locator("[data-contests] tr", has_text=code)).to_contain_text("không công khai")
