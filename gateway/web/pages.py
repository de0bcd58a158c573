"""The portal's HTML pages. Each is a Jinja2 shell; its script (static/js/<page>.js) fetches the data
from /api/v1 with the token the browser keeps (app.js Auth), so the pages themselves hold nothing private.

The contest a page is about: `?contest=` (data-contest) if the address names one, else app.js picks it
(the one the browser remembers, PORTAL_CONTEST as data-default-contest, else a listed contest with an
open round) and every internal link then carries it.
"""
import os
import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from common import contest_code
from gateway.web import config

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=os.path.join(os.path.dirname(__file__), "templates"))

_CODE = re.compile(r"^[A-Za-z0-9._-]{1,50}$")

# SPEC.md section 4: the prize structure at its defaults (amounts in VND), shown on the home page.
PRIZES = [
    {"kind": "Giải tuần (mỗi tuần thi)", "rows": [("Giải Nhất", 1, 2_000_000), ("Giải Nhì", 1, 1_500_000),
                                                  ("Giải Ba", 1, 1_000_000)]},
    {"kind": "Giải video clip", "rows": [("Giải Nhất", 1, 3_000_000), ("Giải Nhì", 2, 2_000_000),
                                         ("Giải Ba", 2, 1_500_000), ("Giải Khuyến khích", 3, 1_000_000)]},
    {"kind": "Giải tập thể", "rows": [("Giải Nhất", 1, 5_000_000), ("Giải Nhì", 2, 3_500_000),
                                      ("Giải Ba", 2, 2_500_000)]},
]

# path → (template, <title>, navigation key). The script of a page is static/js/<template name>.js.
PAGES = {
    "/": ("home", "Trang chủ", "home"),
    "/dang-ky": ("register", "Đăng ký dự thi", "register"),
    "/dang-nhap": ("login", "Đăng nhập", "login"),
    "/thi": ("quiz", "Làm bài thi", "quiz"),
    "/luot-thi": ("attempts", "Lượt thi của tôi", "attempts"),
    "/bang-xep-hang": ("leaderboard", "Bảng xếp hạng và giải thưởng", "leaderboard"),
    "/thong-ke": ("stats", "Thống kê tham gia theo đơn vị", "stats"),
    "/video": ("gallery", "Video clip dự thi", "gallery"),
    "/nhung-trang": ("snippet", "Nhúng hội thi vào trang web cơ quan", "snippet"),
    "/quan-tri": ("admin", "Quản trị hội thi", "admin"),
    "/quan-tri/nhap-du-lieu": ("admin_import", "Nhập dữ liệu", "admin"),
    "/quan-tri/hoi-thi": ("admin_contests", "Hội thi và tuần thi", "admin"),
    "/quan-tri/thong-ke": ("admin_stats", "Thống kê và biểu đồ", "admin"),
    "/quan-tri/giai-thuong": ("admin_awards", "Giải thưởng", "admin"),
    "/quan-tri/video": ("admin_clips", "Tải lên video clip", "admin"),
    "/quan-tri/nhat-ky": ("admin_audit", "Nhật ký thay đổi", "admin"),
    "/quan-tri/thi-sinh": ("admin_contestants", "Thí sinh và loại thí sinh", "admin"),
    "/quan-tri/tai-khoan": ("admin_accounts", "Tài khoản cán bộ", "admin"),
    "/doi-mat-khau": ("password", "Đổi mật khẩu", "password"),
    "/quan-tri/ngan-hang-cau-hoi": ("admin_questions", "Ngân hàng câu hỏi", "admin"),
    "/quan-tri/loai-tru": ("admin_exclusions", "Người không được dự thi", "admin"),
    "/giam-khao": ("judge", "Chấm video clip", "judge"),
    "/giam-sat": ("monitor", "Giám sát hệ thống", "monitor"),
}


def _code(value):
    """A unit code or attempt id from the address, or "" when absent or malformed (never echoed raw)."""
    return value if value and _CODE.match(value) else ""


def _contest(value):
    """The contest code from the address, or "" when absent or not a contest code (common/contest_code.py)."""
    return value if contest_code.is_valid(value) else ""


def render(request, template, title, nav, status_code=200, **extra):
    context = {
        "title": title, "nav": nav, "script": template, "prizes": PRIZES,
        "contest": _contest(request.query_params.get("contest")),
        "default_contest": _contest(config.settings.portal_contest),
        # The header names the contest and offers the public ones; staff pages pick theirs in their lists.
        "contest_bar": nav not in ("admin", "judge", "monitor", "embed"),
        **extra,
    }
    response = templates.TemplateResponse(request, f"{template}.html", context, status_code=status_code)
    response.headers["content-security-policy"] = config.content_security_policy()
    return response


def _page(template, title, nav):
    async def page(request: Request):
        return render(request, template, title, nav)
    page.__name__ = f"page_{template}"
    return page


for _path, (_template, _title, _nav) in PAGES.items():
    router.add_api_route(_path, _page(_template, _title, _nav), methods=["GET"])


# Paths of machines, not of readers: a miss there stays the API's JSON error.
_MACHINE_PREFIXES = ("/api/", "/static/")


def wants_page(path):
    """Does a 404 at `path` get the portal's HTML page (a person's address) rather than JSON?"""
    return not (path == "/api" or path.startswith(_MACHINE_PREFIXES))


def not_found_page(request):
    """The portal's "Không tìm thấy trang" (HTTP 404) with links home, for an address that matches nothing."""
    shown = request.url.path if len(request.url.path) <= 200 else request.url.path[:200] + "…"
    return render(request, "not_found", "Không tìm thấy trang", "", status_code=404, missing_path=shown)


@router.get("/ket-qua/{attempt_id}")
async def result_page(request: Request, attempt_id: str):
    return render(request, "result", "Kết quả bài thi", "attempts", attempt_id=_code(attempt_id))


@router.get("/embed")
async def embed(request: Request):
    """The banner agencies put in an iframe: the only page that may be framed by another site."""
    response = render(request, "embed", "Hội thi CCHC", "embed",
                      unit=_code(request.query_params.get("unit")))
    # Framing by other sites is this page's purpose: the gateway middleware then leaves out
    # X-Frame-Options (its frame-ancestors is not 'self').
    response.headers["content-security-policy"] = config.content_security_policy(config.settings.portal_embed_ancestors)
    return response


ICONS_DIR = os.path.join(os.path.dirname(__file__), "static", "icons")
# A day: the icons change with a release, not during a contest.
_ICON_CACHE = {"cache-control": "public, max-age=86400"}

# The web app manifest: what a phone shows when the portal is added to its home screen.
MANIFEST = {
    "name": "Hội thi trực tuyến tìm hiểu công tác cải cách hành chính",
    "short_name": "Hội thi CCHC",
    "description": "Hội thi trực tuyến tìm hiểu công tác cải cách hành chính tỉnh Thừa Thiên Huế",
    "lang": "vi",
    "dir": "ltr",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#f6f5f2",
    "theme_color": "#b3261e",
    "icons": [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    ],
}


@router.get("/favicon.ico")
async def favicon():
    """Browsers ask for it on every page, linked or not: without it every page logged a 404."""
    return FileResponse(os.path.join(ICONS_DIR, "favicon.ico"), media_type="image/x-icon", headers=_ICON_CACHE)


@router.get("/manifest.webmanifest")
async def manifest():
    return JSONResponse(MANIFEST, media_type="application/manifest+json", headers=_ICON_CACHE)
