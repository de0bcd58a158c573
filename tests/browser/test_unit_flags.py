"""The public statistics page says why a unit's participation rate is not a real rate (issue 14,
finding 7): a unit without a headcount and a unit with more participants than its headcount."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser import helpers


def take_an_attempt(api, contest, unit_code):
    person = api.contestant(unit_code=unit_code, full_name="Nguyễn Thị Kim Liên")
    headers = api.headers(person["phone"], person["password"])
    resp = api.http.post(f"/contests/{contest}/rounds/1/attempts", headers=headers)
    assert resp.status_code == 201, resp.text
    attempt_id = resp.json()["attempt_id"]
    resp = api.http.post(f"/attempts/{attempt_id}/submit", headers=headers, json={"answers": {}, "prediction": 3})
    assert resp.status_code == 202, resp.text
    helpers.wait_until(lambda: api.http.get(f"/attempts/{attempt_id}", headers=headers).json()["status"] == "graded",
                       60)


def test_stats_page_shows_why_a_unit_is_flagged(page, api, admin):
    t = helpers.tag()
    none, over = f"WF{t}-KHONG", f"WF{t}-VUOT"
    units = helpers.csv_bytes([(none, "UBND xã Thủy Bằng (chưa khai báo)", "commune", "", 0),
                               (over, "Phòng Nội vụ thị xã (kiểm thử)", "district", "", 1)],
                              header=("code", "name", "kind", "parent_code", "headcount"))
    resp = api.http.post("/admin/units/import", headers=admin, files={"file": ("units.csv", units, "text/csv")})
    assert resp.status_code == 200 and resp.json()["errors"] == [], resp.text
    now = helpers.now_utc()
    code = api.contest(admin, [{"opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
                                "closes_at": (now + dt.timedelta(hours=2)).isoformat()}],
                       {"questions_per_attempt": 2}, helpers.bank("cờ", 3))
    for unit in (none, over, over):
        take_an_attempt(api, code, unit)

    page.goto(f"/thong-ke?contest={code}")
    row = page.locator("[data-stats] tr", has_text="UBND xã Thủy Bằng (chưa khai báo)")
    expect(row.locator('[data-unit-flag="no_headcount"]')).to_contain_text(
        "chưa khai báo số cán bộ, công chức, viên chức")
    row = page.locator("[data-stats] tr", has_text="Phòng Nội vụ thị xã (kiểm thử)")
    expect(row.locator('[data-unit-flag="over_headcount"]')).to_contain_text(
        "Số người tham gia (2) nhiều hơn số cán bộ, công chức, viên chức đã khai báo (1)")
    expect(page.locator("[data-stats] tr.warn")).to_have_count(2)
