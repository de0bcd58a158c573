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
