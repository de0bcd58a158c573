"""Hostile files against the running platform (issue 15, findings 5 and 9): crafted imports are a
quick 422 with a stable code and the row (never a 500, never a frozen quiz), and the API docs load
nothing from another origin. The crafted files are built here; the service-level tests
(tests/services/quiz/test_quiz_hostile_imports.py, tests/services/media/test_media_probe_hostile.py)
cover every bound and the manifests uploaded as videos."""
import base64
import re
import time

import pytest

from tests.services.quiz.test_quiz_hostile_imports import HEADER, last_row_filled, lying_dimension

CSV_HEADER = ",".join(HEADER) + "\n"


def _xlsx(file):
    return base64.b64decode(file["content_b64"])


def _units(api):
    return {u["code"]: u for u in api.units().json()}


def test_xlsx_with_a_lying_dimension_imports_quickly(api, users):
    started = time.monotonic()
    resp = api.import_units(users["organizer"]["headers"], "u.xlsx", _xlsx(lying_dimension()),
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    took = time.monotonic() - started
    assert resp.status_code == 200, resp.text
    assert resp.json()["errors"] == [] and took < 10, (resp.json(), took)
    assert "HA" in _units(api)


def test_xlsx_with_a_value_in_the_last_row_is_422_at_that_row(api, users):
    before = _units(api)
    started = time.monotonic()
    resp = api.import_units(users["organizer"]["headers"], "u.xlsx", _xlsx(last_row_filled()),
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "too_many_rows" and "1048576" in resp.json()["detail"]
    assert time.monotonic() - started < 10
    assert _units(api) == before


@pytest.mark.parametrize("content,code,row", [
    (CSV_HEADER + "SX1,Sở X,province_dept,,1\n" + "SX2," + "x" * (129 * 1024) + ",province_dept,,1\n",
     "cell_too_long", 3),
    (CSV_HEADER + "SX1,Sở X,province_dept,,1\n" + 'SX2,"Sở Y,province_dept,,1\n', "invalid_file_row", 3),
])
def test_csv_that_trips_the_csv_module_is_422_with_the_row(api, users, content, code, row):
    before = _units(api)
    resp = api.import_units(users["organizer"]["headers"], "u.csv", content.encode())
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == code and re.search(rf"\b{row}\b", resp.json()["detail"])
    assert _units(api) == before


def test_csv_with_cr_only_line_ends_imports(api, users):
    content = CSV_HEADER.replace("\n", "\r") + "SCR,Sở Thử CR,province_dept,,3\r"
    resp = api.import_units(users["organizer"]["headers"], "u.csv", content.encode())
    assert resp.status_code == 200 and resp.json()["errors"] == [], resp.text
    assert "SCR" in _units(api)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_load_nothing_from_another_origin(cluster, path):
    import httpx

    resp = httpx.get(cluster.base_url.rstrip("/") + path, timeout=30)
    assert resp.status_code == 200
    assert not re.search(r"https?://", resp.text), "an absolute URL in the page"
    assert "http" not in resp.headers["content-security-policy"]
