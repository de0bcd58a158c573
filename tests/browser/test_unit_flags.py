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
                       # live_board full: the public page shows an open round's live figures (under the
                       # default, unit statistics wait for the round to close: SPEC 6).
                       {"questions_per_attempt": 2, "live_board": "full"}, helpers.bank("cờ", 3))
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

    # Staff statistics list the flagged units with the reason too.
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto(f"/quan-tri/thong-ke?contest={code}")
    expect(page.locator('[data-unit-flags] [data-unit-flag="no_headcount"]', has_text=none)).to_contain_text(
        "tỷ lệ tham gia không tính được")
    expect(page.locator('[data-unit-flags] [data-unit-flag="over_headcount"]', has_text=over)).to_contain_text(
        "tối đa 100%")


def test_organizer_uploads_a_roster_and_sees_the_bad_rows(page, api, admin):
    t = helpers.tag()
    unit = f"WR{t}-SO"
    units = helpers.csv_bytes([(unit, f"Sở Ngoại vụ {t} (kiểm thử)", "province_dept", "", 40)],
                              header=("code", "name", "kind", "parent_code", "headcount"))
    assert api.http.post("/admin/units/import", headers=admin,
                         files={"file": ("units.csv", units, "text/csv")}).status_code == 200
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto("/quan-tri/nhap-du-lieu")
    form = page.locator('[data-import="roster"]')
    form.get_by_label("Đơn vị").select_option(unit)
    rows = [(helpers.new_ids()[0], "Nguyễn Thị Thanh Tâm", "Chuyên viên"), ("0123", "Số CCCD thiếu", ""),
            (helpers.new_ids()[0], "Lê Văn Tùng", "Trưởng phòng")]
    form.get_by_label("Tệp danh sách cán bộ").set_input_files(
        {"name": "danh-sach.csv", "mimeType": "text/csv",
         "buffer": helpers.csv_bytes(rows, header=("id_number", "full_name", "position"))})
    form.get_by_role("button", name="Gửi danh sách").click()
    report = form.locator("[data-report]")
    expect(report).to_contain_text("Đã thêm 2")
    expect(report).to_contain_text("số CBCCVC của đơn vị nay là 2")
    expect(report.locator("tbody tr td").first).to_have_text("3")
    expect(report.locator("tbody tr td").nth(1)).to_contain_text("không hợp lệ")
    assert next(u for u in api.http.get("/units").json() if u["code"] == unit)["headcount"] == 2


def test_experts_do_not_see_the_roster_form(page, api, admin):
    username, password = api.staff(admin, "expert")
    helpers.login(page, username, password, "/quan-tri")
    page.goto("/quan-tri/nhap-du-lieu")
    expect(page.locator('[data-import="units"]')).to_be_visible()
    expect(page.locator('[data-import="roster"]')).to_be_hidden()


def test_organizer_creates_a_roster_mode_contest(page, api, admin):
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto("/quan-tri/hoi-thi")
    code = f"ds-{helpers.tag()}"
    form = page.locator("[data-create-contest]")
    form.get_by_label("Mã hội thi").fill(code)
    form.get_by_label("Tên hội thi").fill("Hội thi theo danh sách cán bộ")
    form.get_by_label("Đăng ký dự thi").select_option("roster")
    # Next month: a roster contest that is open would close registration for the other tests' units.
    vn = dt.timezone(dt.timedelta(hours=7))
    start = dt.datetime.now(vn).replace(second=0, microsecond=0) + dt.timedelta(days=30)
    form.get_by_label("Tuần 1: bắt đầu").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Tuần 1: kết thúc").fill((start + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Tạo hội thi").click()
    expect(form.locator("[data-created]")).to_contain_text("Đã tạo hội thi")
    assert api.http.get(f"/contests/{code}").json()["settings"]["registration"] == "roster"
