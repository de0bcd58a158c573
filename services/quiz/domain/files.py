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


class _TooManyRows(Exception):
    pass


def _bounded(rows, max_rows):
    """The rows, stopping with _TooManyRows past `max_rows` non-blank rows (header included), or
    past four times as many rows scanned at all (a sheet formatted down to row 1,048,576): a file
    within the byte cap can still unpack to millions of rows."""
    if max_rows is None:
        yield from rows
        return
    filled = 0
    for scanned, row in enumerate(rows, start=1):
        if any(row):
            filled += 1
        if filled > max_rows or scanned > 4 * max_rows + 1000:
            raise _TooManyRows()
        yield row


def _xlsx_rows(content, max_rows=None):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise err(Invalid, "invalid_file") from exc
    except Exception as exc:  # openpyxl raises assorted errors for a file that is not a workbook
        raise err(Invalid, "invalid_file") from exc
    try:
        sheet = workbook.worksheets[0]
        return list(_bounded(([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)), max_rows))
    finally:
        workbook.close()


def _csv_rows(content, max_rows=None):
    try:
        text = content.decode("utf-8-sig")  # with or without BOM
    except UnicodeDecodeError as exc:
        raise err(Invalid, "invalid_file") from exc
    if "\x00" in text:
        raise err(Invalid, "invalid_file")
    return list(_bounded(([_cell(v) for v in row] for row in csv.reader(io.StringIO(text))), max_rows))


def decode(file):
    """`{filename, content_b64}` -> bytes, or Invalid."""
    if not isinstance(file, dict) or "content_b64" not in file:
        raise err(Invalid, "invalid_file")
    try:
        return base64.b64decode(file["content_b64"], validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise err(Invalid, "invalid_file") from exc


def read_table(file, columns, max_rows=None, too_many="too_many_rows"):
    """Return [(row_number, {column: value})] of the non-blank rows; Invalid for a bad file/header,
    Invalid `too_many` (stopped while reading) for more than `max_rows` data rows."""
    content = decode(file)
    if not content.strip():
        raise err(Invalid, "empty_file")
    filename = str(file.get("filename") or "").lower()
    is_xlsx = filename.endswith(".xlsx") or content[:2] == b"PK"
    limit = None if max_rows is None else max_rows + 1  # the header row
    try:
        rows = _xlsx_rows(content, limit) if is_xlsx else _csv_rows(content, limit)
    except _TooManyRows:
        raise err(Invalid, too_many, message(too_many, max=max_rows)) from None
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
