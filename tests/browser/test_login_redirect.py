"""After login the portal follows `?next=` only to a page of its own origin, as the browser parses it:
`/\\example.org/x` is `http://example.org/x` to a browser although it starts with one slash."""
import urllib.parse

import pytest

OUTSIDE = [
    "/%5Cexample.org/x",           # /\example.org/x: the browser reads the backslash as a slash
    "/%5C%5Cexample.org/x",
    "//example.org/x",
    "/%09/example.org/x",          # a tab inside the URL is dropped: //example.org/x
    "https://example.org/x",
    "javascript:alert(document.domain)",
    "%5C%5Cexample.org",
]
# Same origin, but its path alone, //example.org/x, would leave: followed as the full URL, it stays here.
SAME_ORIGIN_ODD = "/.//example.org/x"


def login_with_next(page, next_value):
    page.goto(f"/dang-nhap?next={next_value}")
    page.get_by_label("Số điện thoại, số CCCD hoặc tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill("admin")
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.mark.parametrize("next_value", OUTSIDE + [SAME_ORIGIN_ODD])
def test_login_never_redirects_off_site(context, page, cluster, next_value):
    origin = urllib.parse.urlsplit(cluster.base_url)
    left = []

    def outside(route):
        left.append(route.request.url)
        route.abort()

    # Any request to another host is recorded and never leaves the machine.
    context.route(lambda url: urllib.parse.urlsplit(url).netloc != origin.netloc, outside)
    login_with_next(page, next_value)
    if next_value == SAME_ORIGIN_ODD:
        page.wait_for_url(f"{cluster.base_url}//example.org/x")
    else:
        page.wait_for_url(f"{cluster.base_url}/quan-tri*")  # the organizer's home, not the given target
    assert left == []


def test_login_follows_a_path_of_this_site(page, cluster):
    login_with_next(page, urllib.parse.quote("/bang-xep-hang?vong=1#bang", safe=""))
    page.wait_for_url(f"{cluster.base_url}/bang-xep-hang?vong=1#bang")
