"""The judge's page tells a judge why they cannot score (SPEC 5, issue 14 finding 2): judging is
blind, their own unit's clips are not on their list, and once the video award set is approved the
clip's scores are locked (the form cannot be sent)."""
import re
import subprocess

from playwright.sync_api import expect

from services.media import probe
from tests.browser import helpers
from tests.e2e.test_blind_judging import upload


def test_judge_sees_blind_own_unit_and_locked_notes(page, cluster, api, admin, tmp_path):
    path = str(tmp_path / "clip.mp4")
    subprocess.run([probe.ffmpeg_bin(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=10",
                    "-pix_fmt", "yuv420p", path], check=True, timeout=60)
    code = f"web-gk-{helpers.tag()}"
    resp = api.http.post("/admin/contests", headers=admin, json={
        "code": code, "title": "Hội thi video (kiểm thử giám khảo)",
        "rounds": [{"opens_at": "2030-06-01T00:00:00+07:00", "closes_at": "2030-06-07T23:59:59+07:00"}]})
    assert resp.status_code == 201, resp.text
    judge_user, judge_password = api.staff(admin, "judge", unit_code="STP")
    resp = api.http.post(f"/admin/contests/{code}/jury", headers=admin, json={"usernames": [judge_user]})
    assert resp.status_code == 200, resp.text
    clip_id = upload(cluster, admin, code, "SNV", path)
    judge_headers = api.headers(judge_user, judge_password)
    resp = api.http.post(f"/clips/{clip_id}/scores", headers=judge_headers,
                         json={"content": 30, "message": 15, "creativity": 15, "technique": 15})
    assert resp.status_code == 200, resp.text

    helpers.login(page, judge_user, judge_password, "/giam-khao")
    expect(page.locator("[data-blind-note]")).to_contain_text("Chấm kín: ông/bà chỉ thấy điểm của mình")
    expect(page.locator("[data-own-unit-note]")).to_have_text(
        "Video clip của đơn vị ông/bà (Sở Tư pháp) không có trong danh sách: giám khảo không chấm video clip "
        "của đơn vị mình.")

    resp = api.http.post(f"/admin/contests/{code}/awards/compute", json={"kind": "video"}, headers=admin)
    assert resp.status_code == 200, resp.text
    resp = api.http.post(f"/admin/award-sets/{resp.json()['award_set_id']}/approve", headers=admin)
    assert resp.status_code == 200, resp.text
    helpers.wait_until(lambda: any(c["scores_locked"] for c in api.http.get(
        "/judge/clips", params={"contest": code}, headers=judge_headers).json()), 30)

    page.reload()
    item = page.locator(".clip-item", has_text=f"Clip của SNV")
    expect(item).to_contain_text("Đã khóa điểm")
    item.last.click()
    expect(page.locator("[data-locked-note]")).to_be_visible()
    expect(page.locator("[data-locked-note]")).to_contain_text("điểm đã khóa")
    expect(page.get_by_role("button", name="Lưu điểm")).to_be_disabled()
    expect(page.get_by_label("Nội dung (tối đa 40)")).to_be_disabled()

    # The organizer adds a judge after judging began: the page explains and asks for confirmation.
    late_user, _ = api.staff(admin, "judge", unit_code="SNV")
    organizer = page.context.new_page()
    helpers.login(organizer, "admin", "admin", "/quan-tri", remember=False)  # another person, this tab only
    organizer.goto("/quan-tri/video")
    jury = organizer.locator("[data-jury]")
    jury.get_by_label("Hội thi của Ban Giám khảo").select_option(code)
    expect(jury.locator("[data-jury-status]")).to_contain_text("Việc chấm đã bắt đầu")
    jury.get_by_label(re.compile(re.escape(late_user))).check()
    jury.get_by_role("button", name="Lưu Ban Giám khảo").click()
    confirm = jury.locator("[data-jury-confirm]")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("điểm cuối cùng của các video clip phải chờ giám khảo được thêm chấm xong")
    jury.get_by_label("Lý do thay đổi (ghi vào nhật ký)").fill("Bổ sung giám khảo theo quyết định của Ban Tổ chức")
    jury.get_by_role("button", name="Xác nhận thay đổi Ban Giám khảo").click()
    expect(jury.locator("[data-jury-saved]")).to_have_text("Đã lưu Ban Giám khảo (2 giám khảo).")
    expect(confirm).to_be_hidden()
    names = [j["username"] for j in api.http.get(f"/admin/contests/{code}/jury", headers=admin).json()["judges"]]
    assert sorted(names) == sorted([judge_user, late_user])
    organizer.close()
