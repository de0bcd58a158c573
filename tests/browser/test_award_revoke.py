"""The admin awards page on a phone (360 px): winners' units by name, an approved set revoked with a
reason (required), shown as revoked with the reason, out of the public results; a new compute adds a
new draft beside it (issues 13 and 16)."""
import datetime as dt

from playwright.sync_api import expect

from tests.browser import helpers


def fits_360(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, f"the page is {width} px wide on a 360 px phone"


def test_revoke_an_approved_set_at_360_px(page, api, admin):
    now = helpers.now_utc()
    questions = helpers.bank("thu hồi", 6)
    keys = helpers.right_texts(questions)
    code = api.contest(admin, [{"opens_at": (now - dt.timedelta(minutes=10)).isoformat(),
                                "closes_at": (now + dt.timedelta(days=1)).isoformat()}],
                       {"questions_per_attempt": 3}, questions)
    for name, unit, right in (("Đinh Thị Thu Hà", "SNV", 3), ("Cao Văn Hải", "STP", 2), ("Lâm Thị Hạnh", "SDL", 1)):
        person = api.contestant(unit_code=unit, full_name=name)
        headers = api.headers(person["phone"], person["password"])
        paper = api.http.post(f"/contests/{code}/rounds/1/attempts", headers=headers).json()
        good = {q["id"]: helpers.shown_key(q, keys[q["text"]]) for q in paper["questions"]}
        answers = {q["id"]: good[q["id"]] if i < right else next(k for k in "ABCD" if k != good[q["id"]])
                   for i, q in enumerate(paper["questions"])}
        resp = api.http.post(f"/attempts/{paper['attempt_id']}/submit", headers=headers,
                             json={"answers": answers, "prediction": 3})
        assert resp.status_code == 202, resp.text
    assert api.http.post(f"/admin/contests/{code}/rounds/1/close", headers=admin).status_code == 200
    helpers.wait_until(lambda: api.http.get(f"/contests/{code}").json()["rounds"][0]["status"] == "finalized", 60)
    draft = None

    def computed():
        nonlocal draft
        resp = api.http.post(f"/admin/contests/{code}/awards/compute", headers=admin, json={"kind": "weekly", "round": 1})
        draft = resp.json() if resp.status_code == 200 else None
        return draft

    helpers.wait_until(computed, 30)
    assert api.http.post(f"/admin/award-sets/{draft['award_set_id']}/approve", headers=admin).status_code == 200

    page.set_viewport_size({"width": 360, "height": 800})
    helpers.login(page, "admin", "admin", "/quan-tri")
    page.goto(f"/quan-tri/giai-thuong?contest={code}")
    card = page.locator(f'[data-award-set="{draft["award_set_id"]}"]')
    expect(card).to_contain_text("Đã phê duyệt")
    first = card.locator("tbody tr").nth(0)
    expect(first).to_contain_text("Đinh Thị Thu Hà")
    expect(first.locator("td").nth(2)).to_have_text("Sở Nội vụ")  # the unit's name, not its code
    fits_360(page)

    card.get_by_role("button", name="Thu hồi").click()
    reason = card.get_by_label("Lý do thu hồi (bắt buộc)")
    expect(reason).to_be_visible()
    card.get_by_role("button", name="Xác nhận thu hồi").click()  # no reason: asked for one, nothing sent
    expect(card).to_contain_text("Vui lòng nhập lý do thu hồi.")
    expect(reason).to_have_attribute("aria-invalid", "true")
    fits_360(page)
    reason.fill("Thí sinh Đinh Thị Thu Hà bị truất quyền dự thi")
    card.get_by_role("button", name="Xác nhận thu hồi").click()
    expect(card).to_contain_text("Đã thu hồi")
    expect(card.locator("[data-revoked]")).to_contain_text("Lý do: Thí sinh Đinh Thị Thu Hà bị truất quyền dự thi")
    expect(card.get_by_role("button", name="Thu hồi")).to_have_count(0)
    expect(card.get_by_role("button", name="Phê duyệt")).to_have_count(0)
    fits_360(page)
    assert api.http.get(f"/contests/{code}/awards").json() == []

    # A new compute: a new draft beside the revoked set, which stays listed (also after a reload).
    page.get_by_label("Loại giải").select_option("weekly")
    page.get_by_label("Tuần thi").select_option("1")
    page.get_by_role("button", name="Tính kết quả").click()
    expect(page.locator("[data-award-set]")).to_have_count(2)
    expect(page.locator('[data-status="draft"]')).to_contain_text("Dự thảo, chờ phê duyệt")
    page.reload()
    expect(page.locator("[data-award-set]")).to_have_count(2)
    expect(page.locator('[data-status="revoked"]')).to_contain_text("Đã thu hồi")
    fits_360(page)

    # A refusal is shown in the form, beside the button (not at the page's top, off a phone's screen):
    # the new set approved, then revoked from elsewhere while the form is open.
    new = page.locator('[data-status="draft"]').get_attribute("data-award-set")
    assert api.http.post(f"/admin/award-sets/{new}/approve", headers=admin).status_code == 200
    page.reload()
    card = page.locator(f'[data-award-set="{new}"]')
    card.get_by_role("button", name="Thu hồi").click()
    card.get_by_label("Lý do thu hồi (bắt buộc)").fill("Thu hồi lần hai")
    assert api.http.post(f"/admin/award-sets/{new}/revoke", headers=admin, json={"reason": "Từ nơi khác"}).status_code == 200
    card.get_by_role("button", name="Xác nhận thu hồi").click()
    expect(card.get_by_role("alert")).to_have_text("Kết quả giải này đã bị thu hồi trước đó.")
    fits_360(page)
    card.get_by_role("button", name="Hủy").click()
    expect(card.get_by_role("button", name="Thu hồi")).to_have_attribute("aria-expanded", "false")
