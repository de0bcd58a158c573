"""Unit import: CSV (with/without BOM) and XLSX, row errors, re-import, bad files."""
import unicodedata

import pytest

from common.errors import Forbidden, Invalid
from services.quiz.domain import units
from tests.services.quiz.conftest import ORG, b64file, data_file, xlsx_file

HEADER = "code,name,kind,parent_code,headcount\n"


def test_fixture_units_import_with_tree(db):
    result = db.run(units.import_units, ORG, data_file("units.csv"))
    assert result["errors"] == []
    assert result["created"] == 47
    listed = {u["code"]: u for u in db.read(units.list_units)}
    communes = [u for u in listed.values() if u["kind"] == "commune"]
    assert communes and all(u["parent_code"] in listed for u in communes)
    assert listed["SNV"] == {"code": "SNV", "name": "Sở Nội vụ", "kind": "province_dept",
                             "parent_code": None, "headcount": 72, "declared_headcount": 72, "roster_size": None}


def test_row_errors_do_not_block_good_rows_and_reimport_updates(db):
    decomposed = unicodedata.normalize("NFD", "Sở Nội vụ")
    content = "\ufeff" + HEADER + (
        f"SNV,{decomposed},province_dept,,72\n"      # row 2: good (name NFD -> NFC)
        "X1,,district,,5\n"                            # row 3: no name
        "X2,Huyện X,planet,,5\n"                       # row 4: bad kind
        "X3,Xã Y,commune,NOPE,5\n"                     # row 5: unknown parent
        "X4,Xã Z,commune,HX,abc\n"                     # row 6: bad headcount
        "\n"                                           # row 7: blank, skipped
        "XA,Xã A,commune,HX,10\n"                      # row 8: parent defined later in the file
        "HX,Huyện X,district,,100\n"                   # row 9
        "SNV,Sở trùng,province_dept,,1\n")             # row 10: duplicate code in file
    result = db.run(units.import_units, ORG, b64file("u.csv", content))
    assert result["created"] == 3 and result["updated"] == 0
    assert [e["row"] for e in result["errors"]] == [3, 4, 5, 6, 10]
    assert all(e["message"] for e in result["errors"])
    names = {u["code"]: u["name"] for u in db.read(units.list_units)}
    assert names["SNV"] == unicodedata.normalize("NFC", "Sở Nội vụ")

    again = db.run(units.import_units, ORG, b64file("u.csv", HEADER + "HX,Huyện X mới,district,,120\n"
                                                     "XB,Xã B,commune,XA,3\n"))
    assert again == {"created": 1, "updated": 1, "errors": []}
    listed = {u["code"]: u for u in db.read(units.list_units)}
    assert listed["HX"]["name"] == "Huyện X mới" and listed["HX"]["headcount"] == 120


def test_xlsx_import(db):
    file = xlsx_file("u.xlsx", [["code", "name", "kind", "parent_code", "headcount"],
                                ["HA", "Huyện A", "district", None, 40],
                                ["XA", "Xã A", "commune", "HA", 12.0],
                                ["XB", "Xã B", "commune", "ZZ", 3]])
    result = db.run(units.import_units, ORG, file)
    assert result["created"] == 2
    assert result["errors"] == [{"row": 4, "message": "Đơn vị cấp trên «ZZ» không tồn tại."}]


def test_child_of_a_refused_parent_is_refused(db):
    content = HEADER + "HZ,Huyện Z,district,NOPE,5\nXZ,Xã Z,commune,HZ,3\nXY,Xã Y,commune,XZ,2\n"
    result = db.run(units.import_units, ORG, b64file("u.csv", content))
    assert result["created"] == 0 and [e["row"] for e in result["errors"]] == [2, 3, 4]
    assert db.read(units.list_units) == []


@pytest.mark.parametrize("file,code", [
    (b64file("u.csv", "ma,ten\nA,B\n"), "invalid_header"),
    (b64file("u.csv", ""), "empty_file"),
    (b64file("u.csv", "\ufeff"), "empty_file"),
    (b64file("u.csv", HEADER), "empty_file"),
    (b64file("u.xlsx", b"this is not a spreadsheet"), "invalid_file"),
    (b64file("u.xlsx", b"PK\x03\x04garbage"), "invalid_file"),
    (b64file("u.csv", b"\xff\xfe\x00bad"), "invalid_file"),
    ({"filename": "u.csv", "content_b64": "***"}, "invalid_file"),
])
def test_bad_files_are_422_and_change_nothing(db, file, code):
    with pytest.raises(Invalid) as exc:
        db.run(units.import_units, ORG, file)
    assert exc.value.code == code
    assert exc.value.detail != code  # a Vietnamese message, not the bare code
    assert db.read(units.list_units) == []


def test_only_organizer_or_expert_imports(db):
    with pytest.raises(Forbidden):
        db.run(units.import_units, {"id": "c1", "role": "contestant"}, data_file("units.csv"))
