"""The question bank and exclusion list pages (issue 13) in a real browser, at 360 and 1280 px:
an organizer finds a question without typing diacritics, edits one no attempt has drawn, takes a
drawn one out of the draws with a reason; pastes an exclusion list with bad lines and sees each one
by its line; removes a CCCD from the list; a staff account's CCCD cannot be removed."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser import helpers


def open_contest(api, admin, questions, settings=None):
    now = helpers.now_utc()
    return api.contest(admin, [{"opens_at": (now - dt.timedelta(hours=1)).isoformat(),
                                "closes_at": (now + dt.timedelta(days=2)).isoformat()}],
                       {"questions_per_attempt": 2, **(settings or {})}, questions)


def test_question_bank_search_edit_and_deactivate(page, api, admin):
    questions = helpers.bank("ngân hàng", 4)
    questions[0]["text"] = f"Bộ phận Một cửa {helpers.tag()} tiếp nhận hồ sơ ở đâu?"
    code = open_contest(api, admin, questions)
    # A contestant's attempt draws two questions: those are fixed from now on.
    person = api.contestant()
    headers = api.headers(person["phone"], person["password"])
    resp = api.http.post(f"/contests/{code}/rounds/1/attempts", headers=headers)
    assert resp.status_code == 201, resp.text
    drawn = {q["text"] for q in resp.json()["questions"]}

    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto("/quan-tri")
    page.get_by_role("link", name="Ngân hàng câu hỏi", exact=True).click()
    page.wait_for_url("**/quan-tri/ngan-hang-cau-hoi")
    page.get_by_label("Hội thi").select_option(code)
    cards = page.locator("[data-questions] article")
    expect(cards).to_have_count(4)
    expect(page.locator("[data-summary]")).to_have_text("Tìm thấy 4 câu hỏi.")

    # Typed without diacritics, in another case.
    page.get_by_label("Nội dung (có dấu hay không dấu đều được)").fill("BO PHAN MOT CUA")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(questions[0]["text"])
    page.get_by_label("Nội dung (có dấu hay không dấu đều được)").fill("")

    # Edit a question no attempt has drawn: text, an option and the answer.
    page.get_by_label("Đã vào đề thi").select_option("false")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(cards).to_have_count(2)
    card = cards.first
    old_text = card.locator(".question-text").inner_text()
    assert old_text not in drawn
    card.get_by_role("button", name="Sửa").click()
    card.get_by_label("Nội dung câu hỏi").fill("Câu hỏi đã sửa: thời hạn giải quyết là bao nhiêu ngày?")
    card.get_by_label("Phương án C").fill("Mười lăm ngày làm việc")
    card.get_by_label("Đáp án đúng").select_option("C")
    card.get_by_label("Lý do thay đổi").fill("Đáp án cũ sai")
    card.get_by_role("button", name="Lưu câu hỏi").click()
    edited = page.locator("[data-questions] article", has_text="Câu hỏi đã sửa: thời hạn giải quyết")
    expect(edited).to_have_count(1)
    expect(edited.locator("li.right")).to_have_text("Mười lăm ngày làm việc (đáp án đúng)")
    listed = api.http.get(f"/admin/contests/{code}/questions", headers=admin,
                          params={"q": "Câu hỏi đã sửa"}).json()
    assert [(q["answer"], q["options"][2]["text"]) for q in listed] == [("C", "Mười lăm ngày làm việc")]

    # A drawn question: no edit button; taken out of the draws with a reason.
    page.get_by_label("Đã vào đề thi").select_option("true")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(cards).to_have_count(2)
    card = cards.first
    expect(card.get_by_role("button", name="Sửa")).to_have_count(0)
    expect(card).to_contain_text("Đã vào đề: không sửa được nội dung.")
    card.get_by_role("button", name="Ngừng sử dụng").click()
    card.get_by_label("Lý do").fill("Văn bản đã hết hiệu lực")
    card.get_by_role("button", name="Xác nhận ngừng sử dụng").click()
    expect(page.locator("[data-questions] article .chip", has_text="Đã ngừng sử dụng")).to_have_count(1)
    entries = api.http.get("/admin/audit", headers=admin, params={"contest": code, "action": "question.update"}).json()
    assert sorted(e["reason"] for e in entries) == ["Văn bản đã hết hiệu lực", "Đáp án cũ sai"]
    page.get_by_label("Đã vào đề thi").select_option("")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(cards).to_have_count(4)
    helpers.shoot(page, "quan-tri-ngan-hang-cau-hoi")


def test_expert_opens_the_bank_but_not_the_exclusion_list(page, api, admin):
    code = open_contest(api, admin, helpers.bank("chuyên viên", 2))
    username, password = api.staff(admin, "expert")
    helpers.login(page, username, password, "/quan-tri")
    page.goto(f"/quan-tri/ngan-hang-cau-hoi?contest={code}")
    expect(page.locator("[data-questions] article")).to_have_count(2)
    expect(page.get_by_role("link", name="Ngân hàng câu hỏi", exact=True)).to_have_count(1)
    expect(page.get_by_role("link", name="Người không được dự thi", exact=True)).to_have_count(0)  # organizers'
    page.goto("/quan-tri/loai-tru")
    page.wait_for_url("**/dang-nhap?*")


def test_exclusion_list_bad_lines_and_removal(page, api, admin):
    code = open_contest(api, admin, helpers.bank("loại trừ", 2))
    person = api.contestant(full_name="Nguyễn Thị Ánh Tuyết")
    other, _ = helpers.new_ids()
    username, _password = api.staff(admin, "monitor")
    staff_cccd = next(r["id_number"] for r in api.http.get(f"/admin/contests/{code}/exclusions", headers=admin).json()
                      if r["source"] == "staff")

    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto(f"/quan-tri/nhap-du-lieu?contest={code}")
    form = page.locator('[data-import="exclusions"]')
    form.get_by_label("Các số CCCD").fill(f"{person['id_number']}\nabc\n{other}\n12345")
    form.get_by_role("button", name="Thêm vào danh sách").click()
    report = form.locator("[data-report]")
    expect(report).to_contain_text("Đã thêm 2")
    expect(report).to_contain_text("Có 2 dòng lỗi")
    bad = report.locator("tbody tr")
    expect(bad).to_have_count(2)
    expect(bad.nth(0).locator("td").first).to_have_text("Ô nhập, dòng 2")
    expect(bad.nth(0).locator("td").nth(1)).to_contain_text("«abc»")
    expect(bad.nth(1).locator("td").first).to_have_text("Ô nhập, dòng 4")

    page.get_by_role("link", name="Người không được dự thi", exact=True).first.click()
    page.wait_for_url("**/quan-tri/loai-tru*")
    page.get_by_label("Hội thi").select_option(code)
    item = page.locator(f'[data-exclusions] li[data-id-number="{person["id_number"]}"]')
    expect(item).to_contain_text("Nguyễn Thị Ánh Tuyết")
    expect(item).to_contain_text("Danh sách của hội thi")
    staff_item = page.locator(f'[data-exclusions] li[data-id-number="{staff_cccd}"]')
    expect(staff_item).to_contain_text("Tài khoản cán bộ (tự động)")
    expect(staff_item.get_by_role("button")).to_have_count(0)
    # Search without diacritics.
    page.get_by_label("Tìm theo số CCCD hoặc họ tên").fill("anh tuyet")
    expect(page.locator("[data-exclusions] li")).to_have_count(1)
    helpers.shoot(page, "quan-tri-loai-tru")
    item.get_by_role("button", name="Bỏ khỏi danh sách").click()
    item.get_by_label(f"Lý do bỏ {person['id_number']} khỏi danh sách").fill("Không phải người phục vụ")
    item.get_by_role("button", name="Xác nhận bỏ").click()
    expect(page.locator("[data-done]")).to_contain_text(f"Đã bỏ {person['id_number']} khỏi danh sách")
    page.get_by_label("Tìm theo số CCCD hoặc họ tên").fill("")
    expect(page.locator(f'[data-exclusions] li[data-id-number="{other}"]')).to_have_count(1)
    expect(page.locator(f'[data-exclusions] li[data-id-number="{person["id_number"]}"]')).to_have_count(0)
    rows = api.http.get(f"/admin/contests/{code}/exclusions", headers=admin).json()
    assert person["id_number"] not in {r["id_number"] for r in rows} and username
