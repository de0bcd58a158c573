"""Read an uploaded CSV or XLSX into rows of dicts, with spreadsheet row numbers (header = 1)."""
import base64
import binascii
import csv
import io
import zipfile

from common.errors import Invalid
from services.quiz.errors import err, message


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a headcount typed in Excel arrives as 95.0
    return str(value).strip()


def _xlsx_rows(content):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise err(Invalid, "invalid_file") from exc
    except Exception as exc:  # openpyxl raises assorted errors for a file that is not a workbook
        raise err(Invalid, "invalid_file") from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _csv_rows(content):
    try:
        text = content.decode("utf-8-sig")  # with or without BOM
    except UnicodeDecodeError as exc:
        raise err(Invalid, "invalid_file") from exc
    if "\x00" in text:
        raise err(Invalid, "invalid_file")
    return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text))]


def decode(file):
    """`{filename, content_b64}` -> bytes, or Invalid."""
    if not isinstance(file, dict) or "content_b64" not in file:
        raise err(Invalid, "invalid_file")
    try:
        return base64.b64decode(file["content_b64"], validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise err(Invalid, "invalid_file") from exc


def read_table(file, columns):
    """Return [(row_number, {column: value})] of the non-blank rows; Invalid for a bad file/header."""
    content = decode(file)
    if not content.strip():
        raise err(Invalid, "empty_file")
    filename = str(file.get("filename") or "").lower()
    is_xlsx = filename.endswith(".xlsx") or content[:2] == b"PK"
    rows = _xlsx_rows(content) if is_xlsx else _csv_rows(content)
    # Row numbers are kept as the spreadsheet shows them, so blank rows are skipped, not renumbered.
    numbered = [(i, row) for i, row in enumerate(rows, start=1) if any(row)]
    if not numbered:
        raise err(Invalid, "empty_file")
    header_no, header = numbered[0]
    header = [h.strip().lower() for h in header]
    while header and header[-1] == "":
        header.pop()
    if header != list(columns):
        raise err(Invalid, "invalid_header", message("invalid_header", columns=",".join(columns)))
    out = []
    for number, row in numbered[1:]:
        row = list(row) + [""] * (len(columns) - len(row))
        out.append((number, dict(zip(columns, row))))
    if not out:
        raise err(Invalid, "empty_file")
    return out
