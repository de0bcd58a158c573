"""The contestants page (SPEC 6): an organizer finds a contestant by a name typed without
diacritics, disqualifies them from a contest with a reason, sees them in the contest's list and
reinstates them; the page fits a 360 px phone and a 1280 px screen."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser import helpers


def test_organizer_searches_disqualifies_and_reinstates(page, api, admin):
    now = helpers.now_utc()
    code = api.contest(admin, [{"opens_at": (now - dt.timedelta(hours=1)).isoformat(),
                                "closes_at": (now + dt.timedelta(days=2)).isoformat()}],
                       {}, helpers.bank("loại", 2))
    t = helpers.tag()
    name = f"Đặng Thị Ánh Tuyết {t}"
    person = api.contestant(unit_code="SNV", full_name=name)
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto("/quan-tri")
    page.get_by_role("link", name="Thí sinh", exact=True).click()
    page.wait_for_url("**/quan-tri/thi-sinh")
    page.get_by_label("Hội thi").select_option(code)
    page.get_by_label("Họ tên, số CCCD hoặc số điện thoại").fill(f"dang thi anh tuyet {t}")
    page.get_by_role("button", name="Tìm", exact=True).click()
    results = page.locator("[data-results] li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(name)
    expect(results.first).to_contain_text(person["id_number"])

    # Disqualify: the reason is asked for, and required.
    results.first.get_by_role("button", name="Loại khỏi hội thi").click()
    dialog = page.locator("[data-reason-dialog]")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Loại thí sinh").click()
    expect(dialog).to_be_visible()  # the browser refuses an empty reason
    dialog.get_by_label("Lý do (bắt buộc)").fill("Gian lận: dùng nhiều tài khoản")
    dialog.get_by_role("button", name="Loại thí sinh").click()
    expect(dialog).to_be_hidden()
    listed = page.locator("[data-disqualified] li")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text(name)
    expect(listed.first).to_contain_text("Gian lận: dùng nhiều tài khoản")
    expect(results.first).to_contain_text("Đã bị loại khỏi hội thi này")
    [entry] = api.http.get(f"/admin/contests/{code}/disqualifications", headers=admin).json()
    assert entry["reason"] == "Gian lận: dùng nhiều tài khoản"
    helpers.shoot(page, "quan-tri-thi-sinh")

    # By CCCD, then reinstated from the contest's list.
    page.get_by_label("Họ tên, số CCCD hoặc số điện thoại").fill(person["id_number"])
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(results).to_have_count(1)
    listed.first.get_by_role("button", name="Khôi phục").click()
    dialog.get_by_label("Lý do (bắt buộc)").fill("Xác minh lại: không vi phạm")
    dialog.get_by_role("button", name="Khôi phục").click()
    expect(dialog).to_be_hidden()
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("Chưa có thí sinh nào bị loại.")
    expect(results.first.get_by_role("button", name="Loại khỏi hội thi")).to_be_visible()
    assert api.http.get(f"/admin/contests/{code}/disqualifications", headers=admin).json() == []


def test_organizer_gives_a_contestant_a_one_time_password(page, api, admin):
    """A contestant who lost their password: the organizer finds them and issues a one-time
    password, shown once; the old password stops working and the new one leads to the change."""
    t = helpers.tag()
    name = f"Hồ Thị Quên Mật Khẩu {t}"
    person = api.contestant(unit_code="SNV", full_name=name)
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto("/quan-tri/thi-sinh")
    page.get_by_label("Họ tên, số CCCD hoặc số điện thoại").fill(person["id_number"])
    page.get_by_role("button", name="Tìm", exact=True).click()
    results = page.locator("[data-results] li")
    expect(results).to_have_count(1)
    results.first.get_by_role("button", name="Cấp mật khẩu mới").click()
    dialog = page.locator("[data-reason-dialog]")
    dialog.get_by_label("Lý do (bắt buộc)").fill("Thí sinh gọi điện báo quên mật khẩu")
    dialog.get_by_role("button", name="Cấp mật khẩu").click()
    expect(dialog).to_be_hidden()
    code = page.locator("[data-temporary-password]")
    expect(code).to_be_visible()
    temporary = code.inner_text().strip()
    assert len(temporary) >= 8
    old = api.http.post("/auth/token", json={"username": person["phone"], "password": person["password"]})
    assert old.status_code == 401
    fresh = api.http.post("/auth/token", json={"username": person["phone"], "password": temporary})
    assert fresh.status_code == 200 and fresh.json()["must_change_password"] is True
