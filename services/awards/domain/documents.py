"""Documents in Vietnamese: the winners' table (XLSX), the approval decision draft and the
certificates (PDF), the closing report (XLSX and PDF).

PDFs embed DejaVu Sans from services/awards/fonts/ (never the system's fonts), which covers every
Vietnamese letter; fpdf2 writes a ToUnicode map, so the text can be searched and extracted.
Display times are Vietnam time (UTC+7, no daylight saving).
"""
import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl import Workbook
from openpyxl.styles import Font

from common import xlsx
from services.awards import config
from services.awards.domain.compute import vn_number
from services.awards.domain.prizes import GRADE_NAMES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
ZIP = "application/zip"
VN = dt.timezone(dt.timedelta(hours=7))
FONT = "DejaVu"

REGULAR = os.path.join(config.FONTS_DIR, "DejaVuSans.ttf")
BOLD = os.path.join(config.FONTS_DIR, "DejaVuSans-Bold.ttf")


# --- wording -------------------------------------------------------------------------------------

def money(amount):
    """2000000 → "2.000.000" (Vietnamese thousands separator)."""
    return f"{int(amount):,}".replace(",", ".")


def kind_label(award):
    if award["kind"] == "weekly":
        return f"giải tuần thi thứ {award['round']}"
    if award["kind"] == "video":
        return "giải phần thi xây dựng video clip"
    return "giải tập thể"


def set_filename(award):
    if award["kind"] == "weekly":
        return f"{award['contest']}-giải-tuần-{award['round']}"
    return f"{award['contest']}-{'giải-video-clip' if award['kind'] == 'video' else 'giải-tập-thể'}"


def local(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(VN)


def date_line(value=None):
    when = local(value) or dt.datetime.now(VN)
    return f"{config.settings.province}, ngày {when.day:02d} tháng {when.month:02d} năm {when.year}"


def person(info, user_id):
    """An approver or revoker by full name and login ("Nguyễn Văn A (nva)"), as quiz knows them;
    their id only when quiz no longer does."""
    return (info.get("people") or {}).get(user_id) or user_id or ""


def _approved_text(award, info):
    when = local(award["approved_at"])
    return f"phê duyệt lúc {when:%H:%M} ngày {when:%d/%m/%Y} (người phê duyệt: {person(info, award['approved_by'])})"


def revoked_line(award, info):
    """The revocation of a revoked set: when, by whom, why (None for a set that is not revoked)."""
    if award["status"] != "revoked":
        return None
    when = local(award.get("revoked_at"))
    at = f" lúc {when:%H:%M} ngày {when:%d/%m/%Y}" if when else ""
    return (f"ĐÃ THU HỒI{at} (người thu hồi: {person(info, award.get('revoked_by'))}). "
            f"Lý do thu hồi: {award.get('revoke_reason') or ''}")


def status_line(award, info=None):
    info = info or {}
    if award["status"] == "approved":
        return "Đã " + _approved_text(award, info)
    if award["status"] == "revoked":
        before = f" Trước đó đã {_approved_text(award, info)}." if award.get("approved_at") else ""
        return "KẾT QUẢ " + revoked_line(award, info) + before
    return "DỰ THẢO – chưa phê duyệt"


def unit_name(info, code):
    return (info.get("unit_names") or {}).get(code) or code or ""


def recipient(award, info, winner):
    """Who the prize goes to: a person (weekly) or a unit (video, collective)."""
    if winner.get("contestant_id"):
        return winner.get("full_name") or winner["contestant_id"]
    return f"Tập thể {unit_name(info, winner.get('unit_code'))}"


def winner_detail(winner):
    d = winner.get("details") or {}
    if winner.get("clip_id"):
        return f"Video clip «{d.get('title') or ''}», điểm {vn_number(float(d.get('score') or 0))}"
    if winner.get("contestant_id"):
        parts = [f"Hạng {d.get('rank')}", f"{d.get('correct')} câu đúng"]
        if d.get("prediction_diff") is not None:
            parts.append(f"chênh lệch dự đoán {d['prediction_diff']}")
        if d.get("duration_ms") is not None:
            parts.append(f"thời gian {vn_number(d['duration_ms'] / 1000, 1)} giây")
        return "; ".join(parts)
    return (f"Điểm tổng hợp {vn_number(d.get('score') or 0, 4)}; tỷ lệ tham gia "
            f"{vn_number(100 * (d.get('participation') or 0))}%; chất lượng {vn_number(100 * (d.get('quality') or 0))}%; "
            f"video clip cao nhất {vn_number(float(d.get('best_clip_score') or 0))} điểm")


def winner_rows(award, info):
    """[(STT, giải, người/tập thể, đơn vị, chi tiết, số tiền)] of the set."""
    return [
        (i, GRADE_NAMES[w["prize"]], recipient(award, info, w), unit_name(info, w.get("unit_code")),
         winner_detail(w), w["amount_vnd"])
        for i, w in enumerate(award["winners"], start=1)
    ]


# --- XLSX ----------------------------------------------------------------------------------------

HEADER = ("STT", "Giải", "Cá nhân / tập thể đoạt giải", "Đơn vị", "Mã đơn vị", "Mã thí sinh", "Mã video clip",
          "Chi tiết", "Số tiền (VND)")


def _save(book):
    return xlsx.to_bytes(book)


def _bold_row(sheet, row):
    for cell in sheet[row]:
        cell.font = Font(bold=True)


def decision_xlsx(award, info):
    """Sheet 1: the winners' table (header on row 5, a total row last); sheet 2: the breakdown."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách đoạt giải"
    xlsx.append(sheet, [f"DANH SÁCH ĐOẠT GIẢI – {kind_label(award).upper()}"])
    xlsx.append(sheet, [info.get("title") or award["contest"]])
    xlsx.append(sheet, [status_line(award, info)])
    xlsx.append(sheet, [f"Kèm theo Quyết định phê duyệt kết quả {kind_label(award)}; mã kết quả {award['award_set_id']}"])
    xlsx.append(sheet, list(HEADER))
    _bold_row(sheet, 1)
    _bold_row(sheet, 5)
    for (i, prize, who, unit, detail, amount), w in zip(winner_rows(award, info), award["winners"]):
        xlsx.append(sheet, [i, prize, who, unit, w.get("unit_code"), w.get("contestant_id"), w.get("clip_id"), detail, amount])
    xlsx.append(sheet, ["", "Tổng cộng", "", "", "", "", "", "", sum(w["amount_vnd"] for w in award["winners"])])
    _bold_row(sheet, sheet.max_row)
    for row in sheet.iter_rows(min_row=6, min_col=9, max_col=9):
        row[0].number_format = "#,##0"
    for col, width in zip("ABCDEFGHI", (6, 20, 32, 36, 12, 34, 38, 60, 16)):
        sheet.column_dimensions[col].width = width
    _breakdown_sheet(book.create_sheet("Chi tiết xét giải"), award, info)
    return _save(book)


def _breakdown_sheet(sheet, award, info):
    breakdown = award.get("breakdown") or {}
    if award["kind"] == "weekly":
        xlsx.append(sheet, [f"Xếp hạng chung cuộc tuần {award['round']}: {breakdown.get('ranked_contestants', 0)} thí sinh"])
        xlsx.append(sheet, ["Người bị bỏ qua khi xét giải", "", "", ""])
        xlsx.append(sheet, ["Hạng", "Họ và tên", "Đơn vị", "Lý do"])
        for s in breakdown.get("skipped", []):
            xlsx.append(sheet, [s["rank"], s.get("full_name"), unit_name(info, s.get("unit_code")), s["reason"]])
    elif award["kind"] == "video":
        xlsx.append(sheet, ["Thứ tự", "Mã video clip", "Tên video clip", "Đơn vị", "Điểm", "Thời điểm tải lên"])
        for c in breakdown.get("clips", []):
            xlsx.append(sheet, [c["position"], c["clip_id"], c.get("title"), unit_name(info, c.get("unit_code")),
                          c["score"], c.get("created_at")])
    else:
        weights = breakdown.get("weights", {})
        xlsx.append(sheet, [f"Trọng số: tỷ lệ tham gia {weights.get('participation')}, chất lượng {weights.get('quality')}; "
                      f"điều kiện: video clip cao nhất trong {breakdown.get('top_units')} đơn vị dẫn đầu"])
        xlsx.append(sheet, ["Xếp hạng", "Mã đơn vị", "Tên đơn vị", "Số CBCCVC", "Số người dự thi", "Tỷ lệ tham gia",
                      "Chất lượng", "Điểm tổng hợp", "Điểm video clip cao nhất", "Thứ hạng video clip",
                      "Kết quả 0 điểm", "Đủ điều kiện", "Lý do không đủ điều kiện", "Lưu ý về số CBCCVC"])
        for u in breakdown.get("units", []):
            xlsx.append(sheet, [u.get("rank"), u["unit_code"], u.get("unit_name"), u.get("headcount"), u["participants"],
                          u["participation"], u["quality"], u["score"], u.get("best_clip_score"),
                          u.get("best_clip_rank"), u["zero_results"], "Có" if u["eligible"] else "Không",
                          " ".join(u["reasons"]), _flag_text(u)])
    _bold_row(sheet, 1)


def _flag_text(unit):
    """Scoring's headcount flags of a unit (no headcount, more participants than headcount), so that
    a 0% or a capped 100% in the table is never read as a real rate."""
    return " ".join(f["message"] for f in unit.get("flags") or [] if isinstance(f, dict) and f.get("message"))


# --- PDF -----------------------------------------------------------------------------------------

class _Pdf(FPDF):
    def __init__(self, footer_text="", **kwargs):
        super().__init__(**kwargs)
        self.footer_text = footer_text
        self.add_font(FONT, "", REGULAR)
        self.add_font(FONT, "B", BOLD)
        self.set_font(FONT, size=11)
        self.set_auto_page_break(True, margin=18)
        self.set_creator("Hội thi CCHC")

    def footer(self):
        if not self.footer_text:
            return
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 5, f"{self.footer_text} – trang {self.page_no()}", align="C")

    def line_text(self, text, size=11, bold=False, align="L", h=6):
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def out(self):
        return bytes(self.output())


def _two_columns(pdf, left, right, size=10):
    """The header of an administrative document: issuer on the left, national motto on the right."""
    y = pdf.get_y()
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    for x, lines in ((pdf.l_margin, left), (pdf.l_margin + width, right)):
        pdf.set_xy(x, y)
        for text, bold in lines:
            pdf.set_font(FONT, "B" if bold else "", size)
            pdf.set_x(x)
            pdf.multi_cell(width, 5, text, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), y + 5 * max(len(left), len(right))) + 4)


MOTTO = [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True), ("Độc lập - Tự do - Hạnh phúc", True)]


def _table(pdf, header, rows, widths, size=9):
    pdf.set_font(FONT, size=size)
    with pdf.table(col_widths=widths, line_height=5, text_align="LEFT") as table:
        for data in [header] + [[str(v) if v is not None else "" for v in row] for row in rows]:
            row = table.row()
            for value in data:
                row.cell(str(value))


def decision_pdf(award, info):
    """The draft of "Quyết định phê duyệt kết quả" with the winners' list."""
    label = kind_label(award)
    title = info.get("title") or award["contest"]
    pdf = _Pdf(footer_text=f"Quyết định phê duyệt kết quả {label} – {title}")
    pdf.add_page()
    if award["status"] == "revoked":
        pdf.set_text_color(200, 0, 0)
        pdf.line_text("ĐÃ THU HỒI", 14, True, "R")
        pdf.line_text(revoked_line(award, info), 10, False, "L")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
    elif award["status"] != "approved":
        pdf.set_text_color(200, 0, 0)
        pdf.line_text("DỰ THẢO", 12, True, "R")
        pdf.set_text_color(0, 0, 0)
    _two_columns(pdf, [(config.settings.issuer.upper(), True), (title, False), ("Số:        /QĐ-BTC", False)],
                 MOTTO + [(date_line(award["approved_at"]), False)])
    pdf.line_text("QUYẾT ĐỊNH", 14, True, "C", 8)
    pdf.line_text(f"Về việc phê duyệt kết quả {label}", 12, True, "C")
    pdf.line_text(title, 12, True, "C")
    pdf.ln(3)
    pdf.line_text(config.settings.signer_title, 12, True, "C")
    pdf.ln(2)
    total = sum(w["amount_vnd"] for w in award["winners"])
    for text in (
        f"Căn cứ Kế hoạch tổ chức {title};",
        "Căn cứ Thể lệ Hội thi và cơ cấu giải thưởng đã được phê duyệt;",
        f"Căn cứ kết quả xét {label} do hệ thống tổng hợp (mã kết quả {award['award_set_id']});",
        "Xét đề nghị của Tổ Chuyên viên giúp việc Ban Tổ chức Hội thi,",
    ):
        pdf.line_text(text, 11)
    pdf.ln(2)
    pdf.line_text("QUYẾT ĐỊNH:", 12, True, "C")
    pdf.line_text(f"Điều 1. Phê duyệt kết quả {label} gồm {len(award['winners'])} giải với tổng số tiền "
                  f"{money(total)} đồng, theo danh sách dưới đây:", 11)
    pdf.ln(1)
    rows = [(i, prize, who, unit, detail, money(amount))
            for i, prize, who, unit, detail, amount in winner_rows(award, info)]
    rows.append(("", "Tổng cộng", "", "", "", money(total)))
    _table(pdf, ["STT", "Giải", "Cá nhân / tập thể", "Đơn vị", "Chi tiết", "Số tiền (đồng)"], rows,
           (8, 20, 34, 38, 50, 24))
    pdf.ln(2)
    pdf.line_text("Điều 2. Ban Tổ chức Hội thi tặng Giấy khen và tiền thưởng cho các cá nhân, tập thể có tên "
                  "tại Điều 1 theo cơ cấu giải thưởng của Hội thi.", 11)
    pdf.line_text("Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Thành viên Ban Tổ chức, Tổ Chuyên viên "
                  "giúp việc và các cá nhân, tập thể có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.", 11)
    pdf.ln(3)
    pdf.line_text(status_line(award, info), 9)
    pdf.ln(4)
    pdf.line_text(config.settings.signer_title, 11, True, "R")
    return pdf.out()


def certificate_pdf(award, info, index):
    """The certificate (Giấy khen) of winner number `index` (from 1), A4 landscape."""
    return _certificate(award, info, index).out()


def _certificate(award, info, index):
    winner = award["winners"][index - 1]
    title = info.get("title") or award["contest"]
    label = kind_label(award)
    pdf = _Pdf(orientation="L")
    pdf.set_auto_page_break(False)
    pdf.set_margins(22, 15, 22)  # inside the double border
    pdf.add_page()
    pdf.set_draw_color(160, 20, 20)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_line_width(0.4)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)
    pdf.set_y(22)
    for text, bold in MOTTO:
        pdf.line_text(text, 12, bold, "C")
    pdf.ln(12)
    pdf.set_text_color(160, 20, 20)
    pdf.line_text("GIẤY KHEN", 34, True, "C", 16)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    # "Ban Tổ chức" + a title that already says "Hội thi ..." (no "Hội thi Hội thi").
    issuer = "BAN TỔ CHỨC" if title.lower().startswith("hội thi") else config.settings.issuer.upper()
    pdf.line_text(f"{issuer} {title.upper()}", 13, True, "C")
    pdf.ln(3)
    pdf.line_text("TẶNG", 13, False, "C")
    pdf.ln(6)
    pdf.line_text(recipient(award, info, winner), 24, True, "C", 12)
    unit = unit_name(info, winner.get("unit_code"))
    if winner.get("contestant_id") and unit:
        pdf.line_text(f"Đơn vị: {unit}", 13, False, "C")
    if winner.get("clip_id"):
        pdf.line_text(f"Video clip: «{(winner.get('details') or {}).get('title') or ''}»", 13, False, "C")
    pdf.ln(2)
    pdf.line_text(f"Đã đạt {GRADE_NAMES[winner['prize']]} – {label}", 15, True, "C", 8)
    pdf.line_text(title, 13, False, "C")
    pdf.ln(14)
    pdf.line_text(date_line(award["approved_at"]), 11, False, "R")
    pdf.line_text(config.settings.signer_title, 12, True, "R")
    pdf.set_y(pdf.h - 20)
    pdf.line_text(f"Giấy khen số {index}/{len(award['winners'])}, kèm theo Quyết định phê duyệt kết quả {label} "
                  f"(mã kết quả {award['award_set_id']}).", 8, False, "C", 4)
    return pdf


def certificates_zip(award, info):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(1, len(award["winners"]) + 1):
            archive.writestr(f"giấy-khen-{index:02d}.pdf", certificate_pdf(award, info, index))
    return buf.getvalue()


# --- closing report --------------------------------------------------------------------------------

@dataclass
class ReportData:
    info: dict           # quiz.get_contest
    rounds: list         # [{n, status, opens_at, closes_at, rows | None}]
    unit_stats: list     # scoring.get_unit_stats
    unit_names: dict     # {code: name}
    clips: dict          # media.list_clip_results, or {"error": ...}
    award_sets: list     # set_out of every set, drafts included
    budget: dict         # budget.summary


ROUND_STATUS = {"scheduled": "Chưa mở", "open": "Đang mở", "closed": "Đã đóng",
                "finalized": "Đã có kết quả chung cuộc"}


def _round_rows(data):
    rows = []
    for r in data.rounds:
        ranked = r["rows"]
        status = ROUND_STATUS.get(r.get("status"), r.get("status"))
        if ranked is None:
            rows.append((r["n"], status, None, None, None, "Chưa có xếp hạng chung cuộc"))
            continue
        count = len(ranked)
        mean = sum(x["correct"] for x in ranked) / count if count else 0.0
        full = max((x["correct"] for x in ranked), default=0)
        rows.append((r["n"], status, count, round(mean, 2), full, ""))
    return rows


def _distribution(data):
    """({correct: {round: contestants}}, max correct) from each round's counted results."""
    top = int((data.info.get("settings") or {}).get("questions_per_attempt") or 0)
    dist = {}
    for r in data.rounds:
        for x in r["rows"] or []:
            top = max(top, x["correct"])
            dist.setdefault(x["correct"], {}).setdefault(r["n"], 0)
            dist[x["correct"]][r["n"]] += 1
    return dist, top


def _clip_summary(data):
    if "error" in data.clips:
        return None
    clips = data.clips.get("clips") or []
    scored = [c for c in clips if c.get("score") is not None]
    received = data.clips.get("received")
    return {"received": received, "accepted": len(clips), "scored": len(scored), "complete": data.clips.get("complete"),
            "clips": clips}


def _prize_rows(data):
    rows = []
    for s in data.award_sets:
        label = kind_label(s)
        status = {"approved": "Đã phê duyệt", "revoked": "Đã thu hồi"}.get(s["status"], "Dự thảo")
        for w in s["winners"]:
            rows.append((label, status, GRADE_NAMES[w["prize"]], recipient(s, {"unit_names": data.unit_names}, w),
                         data.unit_names.get(w.get("unit_code")) or w.get("unit_code") or "", w["amount_vnd"]))
    return rows


def report_xlsx(data):
    book = Workbook()
    info = data.info
    sheet = book.active
    sheet.title = "Tổng quan"
    money_plan = data.budget["planned"]
    for row in (
        ["BÁO CÁO TỔNG KẾT", info.get("title")],
        ["Mã hội thi", info.get("code")],
        ["Số tuần thi", len(data.rounds)],
        ["Số đơn vị", len(data.unit_stats)],
        ["Số người dự thi (có bài được chấm)", sum(u["participants"] for u in data.unit_stats)],
        ["Dự toán giải thưởng (VND)", money_plan["total"]],
        ["Đã phê duyệt (VND)", data.budget["approved_vnd"]],
        ["Dự thảo chưa phê duyệt (VND)", data.budget["draft_vnd"]],
    ):
        xlsx.append(sheet, row)
    _bold_row(sheet, 1)

    rounds = book.create_sheet("Theo tuần")
    xlsx.append(rounds, ["Tuần", "Trạng thái", "Số người dự thi", "Điểm trung bình", "Điểm cao nhất", "Ghi chú"])
    for row in _round_rows(data):
        xlsx.append(rounds, list(row))
    _bold_row(rounds, 1)

    dist, top = _distribution(data)
    sheet = book.create_sheet("Phân bố điểm")
    xlsx.append(sheet, ["Số câu đúng"] + [f"Tuần {r['n']}" for r in data.rounds])
    for correct in range(top + 1):
        xlsx.append(sheet, [correct] + [dist.get(correct, {}).get(r["n"], 0) for r in data.rounds])
    _bold_row(sheet, 1)

    sheet = book.create_sheet("Theo đơn vị")
    xlsx.append(sheet, ["Mã đơn vị", "Tên đơn vị", "Số CBCCVC", "Số người dự thi", "Tỷ lệ tham gia", "Chất lượng",
                  "Kết quả 0 điểm", "Lưu ý về số CBCCVC"])
    for u in data.unit_stats:
        xlsx.append(sheet, [u["unit_code"], data.unit_names.get(u["unit_code"]), u.get("headcount"), u["participants"],
                      u.get("participation"), u.get("quality"), u.get("zero_results"), _flag_text(u)])
    _bold_row(sheet, 1)

    sheet = book.create_sheet("Video clip")
    summary = _clip_summary(data)
    if summary is None:
        xlsx.append(sheet, ["Không lấy được dữ liệu video clip từ dịch vụ media."])
    else:
        xlsx.append(sheet, ["Số video clip nhận được", summary["received"] if summary["received"] is not None else "không rõ"])
        xlsx.append(sheet, ["Số video clip được chấp nhận", summary["accepted"]])
        xlsx.append(sheet, ["Số video clip đã chấm xong", summary["scored"]])
        xlsx.append(sheet, [])
        xlsx.append(sheet, ["Mã video clip", "Đơn vị", "Tên video clip", "Điểm"])
        for c in summary["clips"]:
            xlsx.append(sheet, [c["clip_id"], data.unit_names.get(c.get("unit_code")) or c.get("unit_code"), c.get("title"),
                          c.get("score")])

    sheet = book.create_sheet("Giải thưởng")
    xlsx.append(sheet, ["Loại giải", "Trạng thái", "Giải", "Cá nhân / tập thể", "Đơn vị", "Số tiền (VND)"])
    for row in _prize_rows(data):
        xlsx.append(sheet, list(row))
    xlsx.append(sheet, ["Tổng cộng (đã phê duyệt)", "", "", "", "", data.budget["approved_vnd"]])
    _bold_row(sheet, 1)
    return _save(book)


def report_pdf(data):
    info = data.info
    title = info.get("title") or info.get("code")
    pdf = _Pdf(footer_text=f"Báo cáo tổng kết – {title}")
    pdf.add_page()
    _two_columns(pdf, [(config.settings.issuer.upper(), True), (title, False)], MOTTO + [(date_line(), False)])
    pdf.line_text("BÁO CÁO TỔNG KẾT", 15, True, "C", 8)
    pdf.line_text(title, 12, True, "C")
    pdf.ln(3)
    pdf.line_text("1. Tham gia theo tuần thi", 12, True)
    _table(pdf, ["Tuần", "Trạng thái", "Số người dự thi", "Điểm trung bình", "Điểm cao nhất", "Ghi chú"],
           [(n, st, c, vn_number(m) if m is not None else "", f, note) for n, st, c, m, f, note in _round_rows(data)],
           (14, 26, 30, 30, 28, 46))
    pdf.ln(3)
    pdf.line_text("2. Phân bố điểm (số người theo số câu trả lời đúng của bài được tính)", 12, True)
    dist, top = _distribution(data)
    header = ["Số câu đúng"] + [f"Tuần {r['n']}" for r in data.rounds]
    rows = [[c] + [dist.get(c, {}).get(r["n"], 0) for r in data.rounds] for c in range(top + 1)]
    _table(pdf, header, rows, tuple([30] + [20] * len(data.rounds)))
    pdf.ln(3)
    pdf.line_text("3. Tham gia theo đơn vị", 12, True)
    _table(pdf, ["Đơn vị", "Số CBCCVC", "Số người dự thi", "Tỷ lệ tham gia", "Chất lượng", "Kết quả 0 điểm"],
           [(data.unit_names.get(u["unit_code"]) or u["unit_code"], u.get("headcount"), u["participants"],
             f"{vn_number(100 * (u.get('participation') or 0))}%", f"{vn_number(100 * (u.get('quality') or 0))}%",
             u.get("zero_results")) for u in data.unit_stats],
           (64, 22, 26, 26, 26, 26))
    pdf.ln(3)
    pdf.line_text("4. Video clip", 12, True)
    summary = _clip_summary(data)
    if summary is None:
        pdf.line_text("Không lấy được dữ liệu video clip từ dịch vụ media.")
    else:
        received = summary["received"] if summary["received"] is not None else "không rõ"
        pdf.line_text(f"Nhận được: {received}; được chấp nhận: {summary['accepted']}; "
                      f"đã chấm xong: {summary['scored']}.")
    pdf.ln(3)
    pdf.line_text("5. Giải thưởng", 12, True)
    prize_rows = [(label, status, grade, who, unit, money(amount))
                  for label, status, grade, who, unit, amount in _prize_rows(data)]
    if prize_rows:
        _table(pdf, ["Loại giải", "Trạng thái", "Giải", "Cá nhân / tập thể", "Đơn vị", "Số tiền (đồng)"],
               prize_rows, (40, 22, 24, 40, 40, 24))
    else:
        pdf.line_text("Chưa có kết quả giải thưởng.")
    b = data.budget
    pdf.ln(2)
    pdf.line_text(f"Dự toán giải thưởng: {money(b['planned']['total'])} đồng; đã phê duyệt: {money(b['approved_vnd'])} "
                  f"đồng; dự thảo chưa phê duyệt: {money(b['draft_vnd'])} đồng.")
    return pdf.out()
