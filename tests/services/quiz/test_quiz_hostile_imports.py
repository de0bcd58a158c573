"""Hostile import files (issue 15, finding 5): a tiny XLSX that claims or holds a million rows, a CSV
that trips the csv module, a zip bomb, oversized cells. Each is a bounded, quick 422 (or a normal
import when the file is good but lies about its size); none freezes the service's event loop.

The parses that could hang run in a child process with a deadline, so a regression fails the test
instead of hanging the run.
"""
import base64
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile

import eventlet
import pytest

from common.errors import Invalid, TooLarge
from services.quiz import config
from services.quiz.domain import files, units
from tests.services.quiz.conftest import ORG, b64file, xlsx_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HEADER = ["code", "name", "kind", "parent_code", "headcount"]
GOOD_ROW = ["HA", "Huyện A", "district", None, 40]


def _rewrite_sheet(xlsx_b64, edit):
    """The workbook with its first sheet's XML passed through `edit` (a crafted file, built here)."""
    src = zipfile.ZipFile(io.BytesIO(base64.b64decode(xlsx_b64["content_b64"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            dst.writestr(info.filename, data)
    return {"filename": xlsx_b64["filename"], "content_b64": base64.b64encode(out.getvalue()).decode()}


def lying_dimension():
    """A few-KB workbook of two rows whose <dimension> claims the whole grid, A1:XFD1048576, with an
    empty (styled) row element at the very last row: openpyxl pads every missing row up to it, each
    as wide as the dimension says (a million rows of 16384 cells, if it is believed)."""
    good = xlsx_file("u.xlsx", [HEADER, GOOD_ROW])

    def edit(xml):
        crafted, n = re.subn(r'<dimension ref="A1:E2"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml)
        assert n == 1, xml[:300]
        return crafted.replace("</sheetData>", '<row r="1048576" ht="15" customHeight="1"/></sheetData>')
    return _rewrite_sheet(good, edit)


def last_row_filled():
    """A good row, then one cell in the sheet's very last row (1048576) and last column (XFD)."""
    good = xlsx_file("u.xlsx", [HEADER, GOOD_ROW])

    def edit(xml):
        far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace("</sheetData>", far + "</sheetData>")
    return _rewrite_sheet(good, edit)


def _parse_in_child(file, deadline_s=20):
    """files.parse(file, units.COLUMNS) in a fresh interpreter: (['ok', n rows] or ['error', code,
    detail], seconds the parse took); a parse past `deadline_s` fails the test."""
    script = (
        "import json, sys, time\n"
        "from common.errors import DomainError\n"
        "from services.quiz.domain import files, units\n"
        "file = json.load(sys.stdin)\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    out = ['ok', len(files.parse(file, units.COLUMNS))]\n"
        "except DomainError as exc:\n"
        "    out = ['error', exc.code, exc.detail]\n"
        "print(json.dumps([out, time.monotonic() - started]))\n")
    try:
        proc = subprocess.run([sys.executable, "-c", script], input=json.dumps(file).encode(),
                              capture_output=True, timeout=deadline_s,
                              env={**os.environ, "PYTHONPATH": ROOT}, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"parsing the file took over {deadline_s} s")
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return json.loads(proc.stdout)  # [result, seconds the parse took]


def test_dimension_claiming_the_whole_grid_is_not_believed(db):
    file = lying_dimension()
    assert len(base64.b64decode(file["content_b64"])) < 8 * 1024
    result, took = _parse_in_child(file)
    assert result == ["ok", 1], result
    print(f"parse of the lying workbook: {took:.3f} s")
    assert took < 5
    assert db.run(units.import_units, ORG, file) == {"created": 1, "updated": 0, "errors": []}


def test_a_cell_in_the_last_row_is_too_many_rows_at_that_row(db):
    result, took = _parse_in_child(last_row_filled())
    assert result[:2] == ["error", "too_many_rows"], result
    assert took < 5
    assert "1048576" in result[2]
    with pytest.raises(Invalid) as exc:
        db.run(units.import_units, ORG, last_row_filled())
    assert exc.value.code == "too_many_rows"
    assert db.read(units.list_units) == []


def test_rows_columns_and_cells_are_bounded(db, monkeypatch):
    monkeypatch.setenv("IMPORT_MAX_ROWS", "3")
    monkeypatch.setenv("IMPORT_MAX_CELL_CHARS", "50")
    csv_header = ",".join(HEADER) + "\n"
    with pytest.raises(Invalid) as exc:
        files.parse(b64file("u.csv", csv_header + "A,a,district,,1\n" * 3), units.COLUMNS)
    assert exc.value.code == "too_many_rows" and "Dòng 4" in exc.value.detail
    # Blank lines past the limit are no rows.
    assert len(files.parse(b64file("u.csv", csv_header + "A,a,district,,1\n" * 2 + "\n" * 10), units.COLUMNS)) == 2
    with pytest.raises(Invalid) as exc:
        files.parse(b64file("u.csv", csv_header + "A," + "x" * 51 + ",district,,1\n"), units.COLUMNS)
    assert exc.value.code == "cell_too_long" and "Dòng 2" in exc.value.detail
    with pytest.raises(Invalid) as exc:
        files.parse(xlsx_file("u.xlsx", [HEADER, ["A", "x" * 51, "district", None, 1]]), units.COLUMNS)
    assert exc.value.code == "cell_too_long" and "Dòng 2" in exc.value.detail
    wide = [*GOOD_ROW] + [None] * 300 + ["extra"]
    with pytest.raises(Invalid) as exc:
        files.parse(xlsx_file("u.xlsx", [HEADER, GOOD_ROW, wide]), units.COLUMNS)
    assert exc.value.code == "too_many_columns" and "Dòng 3" in exc.value.detail
    with pytest.raises(Invalid) as exc:
        files.parse(b64file("u.csv", csv_header + "A,a,district,,1" + "," * 300 + "extra\n"), units.COLUMNS)
    assert exc.value.code == "too_many_columns" and "Dòng 2" in exc.value.detail


def test_csv_field_over_128_kib_is_422_with_its_row(db):
    content = ",".join(HEADER) + "\n" + "A,a,district,,1\n" + "B," + "x" * (129 * 1024) + ",district,,1\n"
    with pytest.raises(Invalid) as exc:
        db.run(units.import_units, ORG, b64file("u.csv", content))
    assert exc.value.code == "cell_too_long" and "Dòng 3" in exc.value.detail
    assert db.read(units.list_units) == []


def test_csv_with_cr_only_line_ends_imports(db):
    content = ",".join(HEADER) + "\r" + "HA,Huyện A,district,,40\r" + "XA,Xã A,commune,HA,12\r"
    assert db.run(units.import_units, ORG, b64file("u.csv", content))["created"] == 2


def test_csv_quote_left_open_is_422_with_its_row(db):
    content = ",".join(HEADER) + "\n" + "HA,Huyện A,district,,40\n" + 'XA,"Xã A,commune,HA,12'
    with pytest.raises(Invalid) as exc:
        db.run(units.import_units, ORG, b64file("u.csv", content))
    assert exc.value.code == "invalid_file_row" and "dòng 3" in exc.value.detail


def test_zip_bomb_is_refused_before_unpacking(db):
    good = xlsx_file("u.xlsx", [HEADER, GOOD_ROW])
    src = zipfile.ZipFile(io.BytesIO(base64.b64decode(good["content_b64"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("xl/padding.bin", b"\0" * (config.current().import_max_unpacked_bytes + 1))
    bomb = {"filename": "u.xlsx", "content_b64": base64.b64encode(out.getvalue()).decode()}
    assert len(out.getvalue()) < 200 * 1024
    with pytest.raises(Invalid) as exc:
        db.run(units.import_units, ORG, bomb)
    assert exc.value.code == "unpacked_too_large"


def test_file_over_the_byte_limit_is_refused_before_decoding(db, monkeypatch):
    monkeypatch.setenv("IMPORT_MAX_BYTES", "1000")
    with pytest.raises(TooLarge) as exc:
        db.run(units.import_units, ORG, b64file("u.csv", ",".join(HEADER) + "\n" + "A,a,district,,1\n" * 100))
    assert exc.value.code == "file_too_large"


def test_parsing_does_not_freeze_the_event_loop():
    """A big (allowed) spreadsheet is parsed in an OS thread: green threads keep running meanwhile
    (in a service: its other workers and its AMQP heartbeats)."""
    assert eventlet.patcher.is_monkey_patched("thread"), "run under `nameko test`"
    file = xlsx_file("u.xlsx", [HEADER] + [[f"U{i}", f"Đơn vị số {i}", "district", None, i]
                                           for i in range(15000)])
    ticks = []

    def ticker():
        while True:
            ticks.append(time.monotonic())
            eventlet.sleep(0.01)

    thread = eventlet.spawn(ticker)
    eventlet.sleep(0.05)
    started = time.monotonic()
    rows = files.parse(file, units.COLUMNS)
    took = time.monotonic() - started
    thread.kill()
    assert len(rows) == 15000
    during = [t for t in ticks if started <= t <= started + took]
    gaps = [b - a for a, b in zip([started] + during, during + [started + took])]
    print(f"parse {took:.2f} s, {len(during)} ticks, longest gap {max(gaps):.3f} s")
    # Inline, the longest gap is the whole parse; in a thread, a few GIL switches (longer when the
    # machine's cores are busy with other work).
    assert took > 0.5, "the file is too small to show anything"
    assert max(gaps) < took / 2
