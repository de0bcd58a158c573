"""What the browser tests set up through the API (fast), and small page helpers."""
import csv
import datetime as dt
import io
import itertools
import os
import random
import time
import uuid

import httpx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The README's pictures (docs/screenshots) are refreshed only on request (`make screenshots`, which sets
# SCREENSHOTS_DIR=docs/screenshots); an ordinary run writes its screenshots to tests/artifacts/.
README_SCREENSHOTS = os.path.join(ROOT, "docs", "screenshots")
ARTIFACT_SCREENSHOTS = os.path.join(ROOT, "tests", "artifacts", "screenshots")


def screenshots_dir():
    """Where this run's screenshots go: SCREENSHOTS_DIR (relative to the project) or tests/artifacts."""
    chosen = os.environ.get("SCREENSHOTS_DIR")
    path = os.path.join(ROOT, chosen) if chosen else ARTIFACT_SCREENSHOTS
    os.makedirs(path, exist_ok=True)
    return path


def screenshot_path(filename):
    return os.path.join(screenshots_dir(), filename)
QUESTION_COLUMNS = ("text", "a", "b", "c", "d", "answer", "source")
_ids = itertools.count(1)
_prefix = random.SystemRandom().randrange(10**5)


def tag():
    return uuid.uuid4().hex[:6]


def new_ids():
    """A unique 12-digit CCCD and a valid mobile number (10 digits, 09...) for this run."""
    n = next(_ids)
    return f"1{_prefix:05d}{n:06d}", f"09{_prefix % 1000:03d}{n:05d}"


def now_utc():
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def csv_bytes(rows, header=QUESTION_COLUMNS):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def bank(label, count):
    """`count` questions as dicts; the right answer's key cycles A, B, C, D."""
    return [{"text": f"Câu hỏi {label} số {i + 1}: văn bản nào quy định thủ tục hành chính này?",
             "a": f"Phương án A câu {i + 1}", "b": f"Phương án B câu {i + 1}",
             "c": f"Phương án C câu {i + 1}", "d": f"Phương án D câu {i + 1}",
             "answer": "ABCD"[i % 4]} for i in range(count)]


def bank_csv(questions):
    return csv_bytes([(q["text"], q["a"], q["b"], q["c"], q["d"], q["answer"], "Sở Nội vụ") for q in questions])


STAFF_NAMES = {"judge": "Trần Đình Khải", "monitor": "Hồ Thị Minh Thư", "expert": "Phạm Quang Huy"}


class Api:
    def __init__(self, base_url):
        self.http = httpx.Client(base_url=base_url + "/api/v1", timeout=30)

    def close(self):
        self.http.close()

    def headers(self, username, password):
        resp = self.http.post("/auth/token", json={"username": username, "password": password})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}

    def contestant(self, unit_code="SNV", full_name="Trần Thị Thu Hà", password="matkhau-123"):
        id_number, phone = new_ids()
        resp = self.http.post("/contestants", json={
            "full_name": full_name, "id_number": id_number, "phone": phone, "unit_code": unit_code,
            "position": "Chuyên viên", "password": password})
        assert resp.status_code == 201, resp.text
        return {"phone": phone, "id_number": id_number, "password": password, "full_name": full_name}

    def staff(self, admin, role, unit_code=None):
        username = f"{role}{tag()}"
        id_number, _phone = new_ids()
        resp = self.http.post("/admin/staff", headers=admin, json={
            "username": username, "password": "matkhau-123", "role": role,
            "full_name": STAFF_NAMES.get(role, "Nguyễn Văn Bình"), "id_number": id_number, "unit_code": unit_code})
        assert resp.status_code == 201, resp.text
        return username, "matkhau-123"

    def contest(self, admin, rounds, settings, questions):
        code = f"web-{tag()}"
        resp = self.http.post("/admin/contests", headers=admin, json={
            "code": code, "title": f"Hội thi kiểm thử giao diện {code}", "rounds": rounds, "settings": settings})
        assert resp.status_code == 201, resp.text
        resp = self.http.post(f"/admin/contests/{code}/questions/import", headers=admin,
                              files={"file": ("questions.csv", bank_csv(questions), "text/csv")})
        assert resp.status_code == 200 and resp.json()["errors"] == [], resp.text
        return code


def wait_until(check, timeout_s, interval_s=0.3):
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout_s} s"
        time.sleep(interval_s)


# ---- pages -------------------------------------------------------------------------------------
def login(page, username, password, expect_path, remember=True):
    """Log in on the page. remember=False (untick «Ghi nhớ đăng nhập»): this tab only, as two people
    sharing one browser would (a remembered login is the whole browser's, every tab's)."""
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại, số CCCD hoặc tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    if not remember:
        page.get_by_label("Ghi nhớ đăng nhập").uncheck()
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{expect_path}*")


def assert_fits(page, name, width=360):
    """Nothing scrolls sideways on a `width` px phone (issue 16): the document is no wider than the
    viewport, and no table wrapper hides columns to the right (tables become cards under 480 px)."""
    overflow = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""(w) => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > w + 2 && e.getClientRects().length
                && !e.closest('.sr-only, [hidden], dialog:not([open])'))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""", width)
    assert overflow <= width + 2, f"{name}: the page is {overflow} px wide on a {width} px phone: {wide}"
    hidden_columns = page.evaluate("""() => Array.from(document.querySelectorAll('.table-scroll'))
        .filter(t => t.scrollWidth > t.clientWidth + 2).map(t => t.scrollWidth + ' > ' + t.clientWidth)""")
    assert hidden_columns == [], f"{name}: a table scrolls sideways on a {width} px phone: {hidden_columns}; {wide}"


def shoot(page, name, ready=None):
    """Full-page screenshots at 360 px (a phone) and 1280 px into <screenshots_dir()>/<name>-<width>.png
    (tests/artifacts/screenshots unless SCREENSHOTS_DIR says otherwise, see `make screenshots`).

    Also checks the page fits a 360 px phone (assert_fits): nothing scrolls sideways, tables included.
    """
    original = page.viewport_size
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800 if width == 360 else 860})
        page.evaluate("window.scrollTo(0, 0)")  # sticky bars where a reader first sees them
        page.wait_for_timeout(300)  # the layout settles, charts redraw at the new width
        if ready:
            ready()
        if width == 360:
            assert_fits(page, name)
        page.screenshot(path=screenshot_path(f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(original)


# ---- some activity on the demo contest, so the results pages show what a real week looks like ---
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thị Dung", "Hoàng Minh Đức",
         "Huỳnh Thị Giang", "Võ Quốc Hùng", "Đặng Thị Hương", "Bùi Văn Khánh", "Đỗ Thị Lan",
         "Hồ Ngọc Long", "Ngô Thị Mai", "Dương Văn Nam", "Lý Thị Oanh", "Phan Thanh Phong",
         "Trương Thị Quỳnh", "Tôn Nữ Thu Sương", "Hà Văn Tâm", "Lương Thị Uyên", "Châu Văn Vĩnh"]
ACTIVE_UNITS = ["SNV", "STP", "STTTT", "VPUBND", "TPHUE", "PPHUHOI", "SDL", "HALUOI"]


def demo_answer_keys():
    """question text → text of the right option of the bank the quiz service seeds (data/questions.csv)."""
    with open(os.path.join(ROOT, "data", "questions.csv"), encoding="utf-8") as fh:
        return {row["text"]: row[row["answer"].lower()] for row in csv.DictReader(fh)}


def right_texts(questions):
    """question text → text of its right option, for a bank made here."""
    return {q["text"]: q[q["answer"].lower()] for q in questions}


def shown_key(paper_question, right_text):
    """The letter under which this paper shows the right option: options are lettered A–D in the
    order shown, per attempt (the bank's letter says nothing about it)."""
    return next(o["key"] for o in paper_question["options"] if o["text"] == right_text)


def play_demo_round(api, contest="cchc-demo", n=1, people=NAMES, seed=2023):
    """Each person registers, takes one attempt with a seeded number of right answers and submits;
    returns when every attempt is graded. Goes through the API only (the browser tests do the UI)."""
    rng = random.Random(seed)
    keys = demo_answer_keys()
    pending = []
    for i, name in enumerate(people):
        person = api.contestant(unit_code=ACTIVE_UNITS[i % len(ACTIVE_UNITS)], full_name=name)
        headers = api.headers(person["phone"], person["password"])
        resp = api.http.post(f"/contests/{contest}/rounds/{n}/attempts", headers=headers)
        assert resp.status_code == 201, resp.text
        paper = resp.json()
        right = min(len(paper["questions"]), max(0, int(rng.gauss(7, 2))))
        answers = {}
        for j, q in enumerate(paper["questions"]):
            good = shown_key(q, keys[q["text"]])
            answers[q["id"]] = good if j < right else next(k for k in "ABCD" if k != good)
        resp = api.http.post(f"/attempts/{paper['attempt_id']}/submit", headers=headers,
                             json={"answers": answers, "prediction": rng.randrange(20, 60)})
        assert resp.status_code == 202, resp.text
        pending.append((headers, paper["attempt_id"]))
    deadline = time.monotonic() + 60
    while pending and time.monotonic() < deadline:
        pending = [(h, a) for h, a in pending if api.http.get(f"/attempts/{a}", headers=h).json()["status"] != "graded"]
        time.sleep(0.3)
    assert not pending, f"{len(pending)} attempts not graded within 60 s"
