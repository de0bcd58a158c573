"""The audit log page (SPEC 6): an organizer filters the log, checks the chain and exports it; the
page fits a 360 px phone. A monitor reaches it from the monitoring page."""
import datetime as dt
import re

from playwright.sync_api import expect

from tests.browser import helpers

API = "/api/v1"


def test_organizer_reads_filters_verifies_and_exports_the_log(page, api, admin):
    now = helpers.now_utc()
    code = api.contest(admin, [{"opens_at": (now + dt.timedelta(days=30)).isoformat(),
                                "closes_at": (now + dt.timedelta(days=37)).isoformat()}],
                       {}, helpers.bank("nhật ký", 2))
    resp = api.http.patch(f"/admin/contests/{code}", headers=admin,
                          json={"title": "Tên đã sửa", "reason": "Sửa lỗi chính tả trong tên"})
    assert resp.status_code == 200, resp.text
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto("/quan-tri")
    page.get_by_role("link", name="Nhật ký").click()
    page.wait_for_url("**/quan-tri/nhat-ky")
    rows = page.locator("[data-entries] tr")
    expect(rows.first).to_be_visible()
    page.get_by_label("Hội thi").select_option(code)
    page.get_by_label("Hành động").fill("contest.update")
    page.get_by_role("button", name="Xem", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sửa lỗi chính tả trong tên")
    expect(rows.first).to_contain_text(re.compile(r"admin \(#"))
    page.get_by_role("button", name="Kiểm tra chuỗi băm").click()
    expect(page.locator("[data-verify-result]")).to_contain_text("Toàn vẹn")
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải về (XLSX)").click()
    assert info.value.suggested_filename == f"nhat-ky-{code}.xlsx"
    helpers.shoot(page, "quan-tri-nhat-ky")


def test_organizer_extends_an_open_round_from_the_contest_page(page, api, admin):
    vn = dt.timezone(dt.timedelta(hours=7))
    now = helpers.now_utc().replace(second=0, microsecond=0)
    code = api.contest(admin, [{"opens_at": (now - dt.timedelta(hours=1)).isoformat(),
                                "closes_at": (now + dt.timedelta(hours=1)).isoformat()},
                               {"opens_at": (now + dt.timedelta(days=7)).isoformat(),
                                "closes_at": (now + dt.timedelta(days=8)).isoformat()}],
                       {}, helpers.bank("sửa", 2))
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto(f"/quan-tri/hoi-thi?contest={code}")
    form = page.locator("[data-edit-contest]")
    expect(form).to_be_visible()
    # Round 1 is open: the attempt shape and its start are locked, its end is not.
    expect(form.get_by_label("Thời gian làm bài (phút)")).to_be_disabled()
    expect(form.get_by_label("Tuần 1: bắt đầu")).to_be_disabled()
    later = (now + dt.timedelta(hours=5)).astimezone(vn)
    form.get_by_label("Tuần 1: kết thúc").fill(later.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Tên hội thi").fill("Hội thi đã đổi tên")
    form.get_by_label("Lý do thay đổi").fill("Gia hạn do sự cố mạng")
    form.get_by_role("button", name="Lưu thay đổi").click()
    expect(form.locator("[data-edited]")).to_contain_text("Hội thi đã đổi tên")
    contest = api.http.get(f"/contests/{code}").json()
    assert dt.datetime.fromisoformat(contest["rounds"][0]["closes_at"]) == later
    assert contest["title"] == "Hội thi đã đổi tên"
    [entry] = api.http.get("/admin/audit", params={"contest": code, "action": "contest.update"},
                           headers=admin).json()
    assert entry["reason"] == "Gia hạn do sự cố mạng"
    helpers.shoot(page, "quan-tri-hoi-thi-sua")
