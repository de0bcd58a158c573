"""Accounts in a real browser (issue 13): the organizers' staff accounts page, "Đổi mật khẩu" for every
user, and the forced change after a login with a one-time password. Each page is checked at 360 px
and 1280 px (helpers.shoot)."""
from playwright.sync_api import expect

from tests.browser import helpers


def _accept(page, answer):
    page.once("dialog", lambda dialog: dialog.accept(answer))


def test_organizer_manages_staff_accounts(page, api, admin):
    username, password = api.staff(admin, "expert")
    old_token = api.headers(username, password)
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.locator('a.link-card[href^="/quan-tri/tai-khoan"]').click()
    page.wait_for_url("**/quan-tri/tai-khoan*")
    row = page.locator(f'tr[data-username="{username}"]')
    expect(row).to_contain_text("Tổ Chuyên viên")
    expect(row).to_contain_text("Đang hoạt động")
    # The organizer's own row cannot be locked from here.
    expect(page.locator('tr[data-username="admin"]').get_by_role("button", name="Khóa")).to_be_disabled()

    _accept(page, "Nghỉ việc")
    row.get_by_role("button", name="Khóa").click()
    expect(row).to_contain_text("Đã khóa")
    expect(page.locator("[data-notice]")).to_contain_text(f"Đã khóa tài khoản {username}.")
    helpers.wait_until(lambda: api.http.get("/me", headers=old_token).status_code == 401, 10)
    _accept(page, "Trở lại làm việc")
    row.get_by_role("button", name="Mở khóa").click()
    expect(row).to_contain_text("Đang hoạt động")

    # A judge needs a unit: the service's message shows in the edit form.
    row.get_by_role("button", name="Sửa").click()
    edit = page.locator("[data-edit]")
    edit.get_by_label("Vai trò").select_option("judge")
    edit.get_by_label("Đơn vị (bắt buộc với giám khảo)").select_option("")
    edit.get_by_role("button", name="Lưu thay đổi").click()
    expect(edit.locator("[data-edit-error]")).to_contain_text("giám khảo phải có đơn vị")
    edit.get_by_label("Đơn vị (bắt buộc với giám khảo)").select_option("SNV")
    edit.get_by_label("Lý do (ghi vào nhật ký)").fill("Bổ sung Ban Giám khảo")
    edit.get_by_role("button", name="Lưu thay đổi").click()
    expect(row).to_contain_text("Giám khảo")
    expect(row).to_contain_text("SNV")

    # A one-time password, shown once, with a copy button.
    _accept(page, "Quên mật khẩu, đã xác minh qua điện thoại")
    row.get_by_role("button", name="Cấp mật khẩu một lần").click()
    otp = page.locator("[data-otp]")
    expect(otp).to_be_visible()
    temporary = otp.locator("[data-otp-value]").input_value()
    assert len(temporary) >= 10
    otp.get_by_role("button", name="Sao chép").click()
    expect(page.locator("[data-notice]")).to_contain_text("Đã sao chép")
    login = api.http.post("/auth/token", json={"username": username, "password": temporary})
    assert login.status_code == 200 and login.json()["must_change_password"] is True, login.text
    helpers.shoot(page, "quan-tri-tai-khoan")
    otp.get_by_role("button", name="Đã chuyển, ẩn mật khẩu").click()
    expect(otp).to_be_hidden()

    # A new account from the form.
    new_name = f"btc{helpers.tag()}"
    id_number, _ = helpers.new_ids()
    form = page.locator("[data-create]")
    form.get_by_label("Tên đăng nhập").fill(new_name)
    form.get_by_label("Mật khẩu ban đầu (ít nhất 6 ký tự)").fill("matkhau-123")
    form.get_by_label("Họ và tên").fill("Nguyễn Thị Hồng Nhung")
    form.get_by_label("Số CCCD").fill(id_number)
    form.get_by_label("Vai trò").select_option("monitor")
    form.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.locator(f'tr[data-username="{new_name}"]')).to_contain_text("Giám sát")


def test_a_one_time_password_login_must_set_a_new_password_first(page, api, admin):
    person = api.contestant(full_name="Phan Thị Thanh Thủy")
    me_id = api.http.get("/me", headers=api.headers(person["phone"], person["password"])).json()["id"]
    resp = api.http.post(f"/admin/accounts/{me_id}/password-reset", headers=admin, json={"reason": "Quên mật khẩu"})
    temporary = resp.json()["temporary_password"]

    helpers.login(page, person["phone"], temporary, "/doi-mat-khau")
    expect(page.locator("[data-forced]")).to_contain_text("mật khẩu một lần")
    helpers.shoot(page, "doi-mat-khau-bat-buoc")
    # Any other page sends the user back here.
    page.goto("/luot-thi")
    page.wait_for_url("**/doi-mat-khau*")
    page.locator("#current_password").fill(temporary)
    page.locator("#new_password").fill("matkhau-moi-1")
    page.locator("#confirm_password").fill("matkhau-moi-1")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_url("**/dang-nhap?doi_mat_khau=1*")
    expect(page.locator("[data-notice]")).to_contain_text("Đã đổi mật khẩu")
    expect(page.get_by_label("Số điện thoại, số CCCD hoặc tên đăng nhập")).to_have_value(person["phone"])
    page.get_by_label("Mật khẩu").fill("matkhau-moi-1")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/luot-thi*")


def test_every_user_can_change_their_password(page, api):
    person = api.contestant(full_name="Lê Văn Thành")
    helpers.login(page, person["phone"], person["password"], "/thi")
    page.locator("#menu").get_by_role("link", name="Đổi mật khẩu").click()
    page.wait_for_url("**/doi-mat-khau*")
    expect(page.locator("[data-forced]")).to_be_hidden()
    page.locator("#current_password").fill("sai-mat-khau")
    page.locator("#new_password").fill("matkhau-456")
    page.locator("#confirm_password").fill("matkhau-457")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.locator("#confirm_password-err")).to_have_text("Hai lần nhập mật khẩu mới không giống nhau.")
    page.locator("#confirm_password").fill("matkhau-456")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.locator("#current_password-err")).to_have_text("Mật khẩu hiện tại không đúng.")
    helpers.shoot(page, "doi-mat-khau")
    page.locator("#current_password").fill(person["password"])
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_url("**/dang-nhap?doi_mat_khau=1*")
    assert api.http.post("/auth/token", json={"username": person["phone"], "password": person["password"]}).status_code == 401
    assert api.http.post("/auth/token", json={"username": person["phone"], "password": "matkhau-456"}).status_code == 200
