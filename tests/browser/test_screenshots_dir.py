"""Issue 16: running the browser layer (`make test`) leaves the README's pictures alone; screenshots go
to tests/artifacts/ unless SCREENSHOTS_DIR asks for docs/screenshots (`make screenshots`)."""
import hashlib
import os
import re

from tests.browser import helpers


def snapshot(folder):
    if not os.path.isdir(folder):
        return {}
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as fh:
            out[name] = (os.stat(os.path.join(folder, name)).st_mtime_ns, hashlib.sha256(fh.read()).hexdigest())
    return out


def test_shoot_writes_to_the_artifacts_not_to_docs_screenshots(browser, monkeypatch):
    monkeypatch.delenv("SCREENSHOTS_DIR", raising=False)
    before = snapshot(helpers.README_SCREENSHOTS)
    assert before, "the README's screenshots are committed"
    page = browser.new_page()
    try:
        page.set_content('<html lang="vi"><body><h1>Trang chủ</h1></body></html>')
        helpers.shoot(page, "trang-chu")  # a name the README links to
        page.screenshot(path=helpers.screenshot_path("nhung-tren-trang-co-quan-1280.png"))
    finally:
        page.close()
    assert snapshot(helpers.README_SCREENSHOTS) == before
    for name in ("trang-chu-360.png", "trang-chu-1280.png", "nhung-tren-trang-co-quan-1280.png"):
        assert os.path.getsize(os.path.join(helpers.ARTIFACT_SCREENSHOTS, name)) > 0


def test_screenshots_dir_chooses_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("SCREENSHOTS_DIR", str(tmp_path / "pictures"))
    assert helpers.screenshot_path("x.png") == str(tmp_path / "pictures" / "x.png")
    monkeypatch.setenv("SCREENSHOTS_DIR", "docs/screenshots")
    assert helpers.screenshot_path("x.png") == os.path.join(helpers.README_SCREENSHOTS, "x.png")


def test_every_readme_picture_exists():
    with open(os.path.join(helpers.ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    linked = set(re.findall(r"\((docs/screenshots/[^)\s]+\.png)\)", readme))
    assert linked
    missing = [p for p in linked if not os.path.exists(os.path.join(helpers.ROOT, p))]
    assert missing == []
