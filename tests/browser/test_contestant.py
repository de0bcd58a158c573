"""Contestants in a real browser: register (inline validation, unit search, pre-selected unit), log
in, take the demo contest's quiz with autosave and resume, submit with a confirmation, see the score;
and the countdown, on the server's clock, auto-submitting at zero."""
import csv
import datetime as dt
import os
import re

from playwright.sync_api import expect

from tests.browser import helpers

DEMO = "cchc-demo"  # seeded by the quiz service at start (SEED_DEMO): round 1 open, 10 questions


def demo_answers():
    """question text → the text of its right option, from the bank the quiz service seeded."""
    with open(os.path.join(helpers.ROOT, "data", "questions.csv"), encoding="utf-8") as fh:
        return {row["text"]: row[row["answer"].lower()] for row in csv.DictReader(fh)}


def paper(page):
    """[(question text, [(option text, radio id)])] as the page shows them."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('li.question')).map(li => [
        li.querySelector('legend').childNodes[1].textContent,
        Array.from(li.querySelectorAll('.option')).map(o => [
            o.querySelector('label').childNodes[1].textContent.trim(), o.querySelector('input').id])])""")


def answer(page, questions, right, n_right, only=None):
    """Click the right option for the first `n_right` questions and a wrong one for the others."""
    for i, (text, options) in enumerate(questions):
        if only is not None and i not in only:
            continue
        good = [oid for label, oid in options if label == right[text]]
        bad = [oid for label, oid in options if label != right[text]]
        assert len(good) == 1, (text, options)
        page.locator(f"#{good[0] if i < n_right else bad[0]}").check()


def test_register_login_quiz_and_score(page, cluster):
    # An agency's banner links here with its unit code: the unit is pre-selected.
    page.goto("/dang-ky?unit=STP")
    expect(page.locator("#unit_code")).to_have_value("STP")

    # Inline validation, before anything is sent.
    page.get_by_label("Số CCCD (12 chữ số)").fill("12345")
    page.get_by_label("Số điện thoại di động").fill("0123")
    page.get_by_label("Họ và tên").click()
    expect(page.locator("#id_number-err")).to_have_text("Số CCCD phải gồm đúng 12 chữ số.")
    expect(page.locator("#phone-err")).to_contain_text("Số điện thoại di động không hợp lệ")
    expect(page.get_by_label("Số CCCD (12 chữ số)")).to_have_attribute("aria-invalid", "true")

    # The unit list is searchable without diacritics.
    page.locator("#unit_search").fill("so noi vu")
    expect(page.locator("#unit_code option")).to_have_count(1)
    expect(page.locator("#unit_code option")).to_have_text("Sở Nội vụ")
    expect(page.locator("#unit_code")).to_have_value("SNV")
    page.get_by_role("button", name="Đăng ký").click()  # still invalid: nothing is sent
    expect(page.locator("#full_name-err")).to_have_text("Vui lòng nhập họ và tên.")
    helpers.shoot(page, "dang-ky")

    id_number, phone = helpers.new_ids()
    page.get_by_label("Họ và tên").fill("Lê Thị Ngọc Ánh")
    page.get_by_label("Số CCCD (12 chữ số)").fill(id_number)
    page.get_by_label("Số điện thoại di động").fill(phone[:4] + " " + phone[4:7] + " " + phone[7:])
    page.get_by_label("Chức vụ, vị trí công tác").fill("Chuyên viên Phòng Cải cách hành chính")
    page.get_by_label("Mật khẩu (ít nhất 6 ký tự)").fill("hue-2023-cchc")
    page.get_by_label("Nhập lại mật khẩu").fill("hue-2023-cchc")
    page.get_by_role("button", name="Đăng ký").click()
    # Registering logs the person in and opens the quiz.
    page.wait_for_url("**/thi*")
    expect(page.locator("[data-user]")).to_contain_text("Lê Thị Ngọc Ánh")

    # Logged out, they log in again with the phone; a wrong password is refused.
    page.evaluate("sessionStorage.clear(); localStorage.clear()")
    page.goto(f"/dang-nhap?username={phone}")
    expect(page.get_by_label("Số điện thoại, số CCCD hoặc tên đăng nhập")).to_have_value(phone)
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("[data-form-error]")).to_be_visible()
    page.get_by_label("Mật khẩu").fill("hue-2023-cchc")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/thi*")

    # Start the demo contest's open round.
    page.goto(f"/thi?contest={DEMO}")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator("li.question")).to_have_count(10)
    expect(page.locator("[data-clock]")).to_have_text(re.compile(r"^(19|20):\d\d$"))
    right = demo_answers()
    questions = paper(page)
    answer(page, questions, right, n_right=7, only=range(7))
    page.get_by_label(re.compile("Dự đoán")).fill("1234")
    page.get_by_label(re.compile("Dự đoán")).blur()
    expect(page.locator("[data-progress]")).to_have_text("7/10 câu đã trả lời")
    expect(page.locator("[data-save-state]")).to_contain_text("Đã lưu lúc")

    # A reload (or another device) resumes the attempt with the autosaved answers.
    page.wait_for_timeout(500)  # the last autosave may still be in flight
    expect(page.locator("[data-save-state]")).to_contain_text("Đã lưu lúc")
    page.reload()
    expect(page.locator("li.question")).to_have_count(10)
    expect(page.locator("li.question input:checked")).to_have_count(7)
    expect(page.get_by_label(re.compile("Dự đoán"))).to_have_value("1234")
    assert paper(page) == questions  # same paper, same order
    answer(page, questions, right, n_right=7, only=range(7, 10))
    expect(page.locator("[data-progress]")).to_have_text("10/10 câu đã trả lời")
    helpers.shoot(page, "lam-bai")

    page.get_by_role("button", name="Nộp bài").click()
    dialog = page.locator("[data-confirm]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Bạn đã trả lời 10/10 câu.")
    dialog.get_by_role("button", name="Nộp bài").click()

    page.wait_for_url("**/ket-qua/*")
    expect(page.locator("[data-submitted-note]")).to_have_text("Bài thi của bạn đã được nộp thành công.")
    expect(page.locator("[data-score]")).to_have_text("Bạn trả lời đúng 7/10 câu", timeout=60_000)
    expect(page.locator("[data-status]")).to_have_text("Đã chấm")
    helpers.shoot(page, "ket-qua")

    page.goto("/luot-thi")
    row = page.locator("[data-attempts] tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("7/10")
    expect(row).to_contain_text("Đã chấm")
    helpers.shoot(page, "luot-thi-cua-toi")


def test_countdown_on_server_clock_auto_submits_at_zero(page, api, admin):
    # The attempt's time limit (60 s, the shortest allowed) starts on the server when the attempt
    # does, whatever the setup before it cost; the round itself stays open for hours.
    now = helpers.now_utc()
    questions = helpers.bank("tự nộp", 8)
    code = api.contest(admin, [{"opens_at": (now - dt.timedelta(minutes=5)).isoformat(),
                                "closes_at": (now + dt.timedelta(hours=3)).isoformat()}],
                       {"questions_per_attempt": 5, "time_limit_s": 60}, questions)
    person = api.contestant()
    # The device's clock is 7 minutes behind: a countdown on it would show 07:xx and more for the
    # whole attempt; on the server's clock it starts at 01:00 and is under a minute a second later.
    page.add_init_script("(() => { const real = Date.now; Date.now = () => real() - 7 * 60 * 1000; })()")
    helpers.login(page, person["phone"], person["password"], "/thi")
    page.goto(f"/thi?contest={code}")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator("li.question")).to_have_count(5)
    expect(page.locator("[data-clock]")).to_have_text(re.compile(r"^00:[0-5][0-9]$"))
    expect(page.locator("[data-warning]")).to_be_visible()
    expect(page.locator("[data-warning]")).to_have_text(re.compile("Còn dưới 1 phút"))

    right = {q["text"]: q[q["answer"].lower()] for q in questions}
    answer(page, paper(page), right, n_right=2, only=range(2))
    expect(page.locator("[data-save-state]")).to_contain_text("Đã lưu lúc")

    # Nobody clicks "Nộp bài": at zero the page submits by itself.
    page.wait_for_url("**/ket-qua/*", timeout=90_000)
    expect(page.locator("[data-submitted-note]")).to_contain_text("tự động nộp")
    expect(page.locator("[data-score]")).to_have_text("Bạn trả lời đúng 2/5 câu", timeout=60_000)


def test_an_expired_session_goes_back_to_login_and_returns(page, api):
    person = api.contestant(full_name="Hoàng Thị Thảo")
    helpers.login(page, person["phone"], person["password"], "/thi")
    # Let /thi finish its own API calls first: one still in flight when the token is spoiled would
    # send this page to the login with next=/thi, racing the navigation below.
    page.wait_for_load_state("networkidle")
    page.evaluate("""() => [sessionStorage, localStorage].forEach(s => {
        if (s.getItem('cchc.token')) s.setItem('cchc.token', 'het-han'); })""")
    page.goto("/luot-thi")
    page.wait_for_url("**/dang-nhap?het_han=1&next=%2Fluot-thi")
    expect(page.locator("[data-form-error]")).to_have_text(
        "Phiên đăng nhập đã hết hạn hoặc không còn hợp lệ. Vui lòng đăng nhập lại.")
    # Keyboard only: type, Tab to the password, Enter submits.
    page.get_by_label("Số điện thoại, số CCCD hoặc tên đăng nhập").focus()
    page.keyboard.type(person["phone"])
    page.keyboard.press("Tab")
    page.keyboard.type(person["password"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/luot-thi")
    expect(page.locator("[data-attempts]")).to_have_text("Bạn chưa có lượt thi nào.")


def test_home_countdown_to_the_next_round_follows_the_server_clock(page, api, admin):
    now = helpers.now_utc()
    opens = now + dt.timedelta(days=2, hours=3, minutes=30)
    code = api.contest(admin, [{"opens_at": opens.isoformat(), "closes_at": (opens + dt.timedelta(days=7)).isoformat()}],
                       {}, helpers.bank("đếm ngược", 4))
    # The device's clock runs 7 minutes fast; the countdown must not.
    page.add_init_script("(() => { const real = Date.now; Date.now = () => real() + 7 * 60 * 1000; })()")
    page.goto(f"/?contest={code}")
    box = page.locator("[data-next-round]")
    expect(box).to_contain_text("Tuần 1 bắt đầu sau")
    expect(box.locator("[data-countdown]")).to_have_text(re.compile(r"^2 ngày 3 giờ (29|30) phút$"))
    expect(page.locator("[data-rounds] tr")).to_have_text(re.compile("Sắp diễn ra"))
