"""Every page names its icons and the web app manifest, and each of them loads: no 404 for
/favicon.ico (which browsers ask for on every page, linked or not) and a manifest in Vietnamese."""
import pytest

PAGES = ["/", "/dang-nhap", "/dang-ky", "/bang-xep-hang", "/quan-tri", "/embed"]

CHECK = """async () => {
  const links = [...document.querySelectorAll('link[rel~="icon"], link[rel="apple-touch-icon"], link[rel="manifest"]')]
    .map(l => ({rel: l.rel, href: l.href}));
  const status = {};
  for (const url of ["/favicon.ico", ...links.map(l => l.href)]) {
    const resp = await fetch(url, {cache: "no-store"});
    status[new URL(url, location.href).pathname] = [resp.status, resp.headers.get("content-type")];
  }
  const manifestLink = links.find(l => l.rel === "manifest");
  let manifest = null;
  if (manifestLink) {
    manifest = await (await fetch(manifestLink.href)).json();
    for (const icon of manifest.icons || []) {
      const resp = await fetch(icon.src);
      status[icon.src] = [resp.status, resp.headers.get("content-type")];
    }
  }
  return {links, status, manifest};
}"""


@pytest.mark.parametrize("path", PAGES)
def test_page_icons_and_manifest_load(page, path):
    failed = []
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status >= 400 else None)
    page.goto(path)
    out = page.evaluate(CHECK)
    rels = {link["rel"] for link in out["links"]}
    assert {"icon", "manifest", "apple-touch-icon"} <= rels, out["links"]
    for url, (status, content_type) in out["status"].items():
        assert status == 200, (url, status)
        assert content_type.startswith(("image/", "application/manifest+json")), (url, content_type)
    manifest = out["manifest"]
    assert manifest["short_name"] == "Hội thi CCHC" and manifest["lang"] == "vi"
    assert "cải cách hành chính" in manifest["name"]
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    assert failed == [], failed
