"""Spreadsheets the platform writes: every text cell is text, never a formula.

openpyxl turns any string that starts with "=" into a formula, so a contestant registered as
`=HYPERLINK("https://…","Nguyễn Văn A")`, a clip title or a unit name would become a live formula
in the decision the organizers open in Excel (a link to anywhere, data sent out by WEBSERVICE...).
The platform writes no formula on purpose: `append` writes a row with every string as a plain
string cell (data_type "s": a shared string, which Excel and LibreOffice never evaluate), without the
control characters XML cannot carry (openpyxl raises on them: a 500 for a name with a stray \\x01);
`to_bytes` saves, making sure once more that no string cell is a formula.
Every XLSX writer uses both (tests/services/awards/test_documents.py checks each export).
"""
import io

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def _text(cell, value):
    # Assigned around the value setter, which would read a leading "=" as a formula again.
    cell._value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"


def append(sheet, values):
    """`sheet.append(values)` with every string written as text."""
    values = list(values)
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell, value in zip(sheet[sheet.max_row], values):
        if isinstance(value, str):
            _text(cell, value)


def text_only(book):
    """Make every string cell of every sheet a plain text cell; returns the book."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    _text(cell, cell.value)
    return book


def to_bytes(book):
    """The workbook as .xlsx bytes, text cells as text."""
    buf = io.BytesIO()
    text_only(book).save(buf)
    return buf.getvalue()
