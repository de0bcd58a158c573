"""Read an uploaded CSV or XLSX into rows of dicts, with spreadsheet row numbers (header = 1).

An import file comes from a browser, so it is read as hostile: its size, its unpacked size, its
rows, columns and cell lengths are bounded before and while it is parsed, never taken from what the
file says about itself (an XLSX's `<dimension>` or a row numbered 1048576 would otherwise make
openpyxl build a million padded rows). The parse runs in a real OS thread (eventlet.tpool), so a
slow file never freezes the service's event loop (its other workers, its AMQP heartbeats). Every bad
file is an `Invalid` (422) with a stable code, and with the row in the message where there is one.
"""
import base64
import binascii
import csv
import io
import zipfile

from common.errors import Invalid, TooLarge
from services.quiz import config
from services.quiz.errors import err, message


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a headcount typed in Excel arrives as 95.0
    return str(value).strip()


class _Limits:
    def __init__(self, settings):
        self.bytes = settings.import_max_bytes
        self.unpacked = settings.import_max_unpacked_bytes
        self.rows = settings.import_max_rows
        self.columns = settings.import_max_columns
        self.cell = settings.import_max_cell_chars
        self.chars = 0  # read so far


def _check_row(number, values, limits):
    """Bound one row's width and cell lengths; return its cells as stripped strings."""
    # any() in C: a row padded to column XFD by a styled empty cell costs microseconds.
    if len(values) > limits.columns and any(values[limits.columns:]):
        raise err(Invalid, "too_many_columns", message("too_many_columns", row=number, max=limits.columns))
    cells = [_cell(v) for v in values[:limits.columns]]
    if any(len(c) > limits.cell for c in cells):
        raise err(Invalid, "cell_too_long", message("cell_too_long", row=number, max=limits.cell))
    # One shared string may fill every cell of a small XLSX: the text it stands for is bounded too.
    limits.chars += sum(len(c) for c in cells)
    if limits.chars > limits.unpacked:
        raise err(Invalid, "unpacked_too_large", message("unpacked_too_large", max=limits.unpacked // 1024))
    return cells


def _xlsx_rows(content, limits):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            # zipfile never unpacks more than a member's declared size (a lying size fails its CRC),
            # so the declared sizes bound what openpyxl can unpack: no zip bomb.
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise err(Invalid, "invalid_file") from exc
    if unpacked > limits.unpacked:
        raise err(Invalid, "unpacked_too_large", message("unpacked_too_large", max=limits.unpacked // 1024))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise err(Invalid, "invalid_file") from exc
    except Exception as exc:  # openpyxl raises assorted errors for a file that is not a workbook
        raise err(Invalid, "invalid_file") from exc
    try:
        sheet = workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the file's <dimension> is not to be believed
        rows = []
        # An explicit row bound: openpyxl pads missing rows up to it, never beyond (one row more
        # than allowed, to tell a file that has it). No column bound: a row is as wide as its last
        # cell, and the first row with a value past the allowed columns ends the parse.
        for number, values in enumerate(sheet.iter_rows(min_row=1, max_row=limits.rows + 1,
                                                        values_only=True), start=1):
            if number > limits.rows:
                beyond = _first_row_with_data(workbook, sheet, limits.rows)
                if beyond is not None:
                    raise err(Invalid, "too_many_rows", message("too_many_rows", row=beyond, max=limits.rows))
                break
            rows.append(_check_row(number, list(values), limits))
        return rows
    except Invalid:
        raise
    except Exception as exc:  # a malformed sheet part (bad XML, bad cell reference)
        raise err(Invalid, "invalid_file") from exc
    finally:
        workbook.close()


def _first_row_with_data(workbook, sheet, after):
    """The number of the first row past `after` holding a value, None if there is none.

    openpyxl's iter_rows pads every gap between the rows a sheet lists, so a row numbered 1048576
    would cost a million padded rows: its parser, which yields only the rows the file has, is read
    instead (no public API gives that).
    """
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        src = sheet._get_source()
        parser = WorkSheetParser(src, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats,
                                 timedelta_formats=workbook._timedelta_formats)
    except (ImportError, AttributeError, TypeError):
        # openpyxl's internals moved (a new version): refuse the rows past the limit unseen.
        return after + 1
    with src:
        for number, cells in parser.parse():
            if number > after and any(c.get("value") not in (None, "") for c in cells):
                return number
    return None


def _csv_rows(content, limits):
    try:
        text = content.decode("utf-8-sig")  # with or without BOM
    except UnicodeDecodeError as exc:
        raise err(Invalid, "invalid_file") from exc
    if "\x00" in text:
        raise err(Invalid, "invalid_file")
    # newline="": the csv module splits lines itself, so CR-only (old Mac), LF and CRLF files all read.
    # strict: a quote left open would swallow the rest of the file into one cell, silently.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, number = [], 0
    try:
        for number, values in enumerate(reader, start=1):  # the record, as a spreadsheet numbers it
            if number > limits.rows:
                if any(v.strip() for v in values):
                    raise err(Invalid, "too_many_rows", message("too_many_rows", row=number, max=limits.rows))
                continue  # blank lines at the end: bounded by the file's size
            rows.append(_check_row(number, values, limits))
    except csv.Error as exc:
        # A field over the csv module's own limit (128 KiB) is far over ours: say so; anything else
        # (a quote left open at the end of the file...) is a malformed file, at that record.
        if "field larger than field limit" in str(exc):
            raise err(Invalid, "cell_too_long", message("cell_too_long", row=number + 1, max=limits.cell)) from None
        raise err(Invalid, "invalid_file_row", message("invalid_file_row", row=number + 1)) from None
    return rows


def decode(file, max_bytes=None):
    """`{filename, content_b64}` -> bytes, or Invalid; TooLarge (413, as the gateway's own cap) when
    larger than `max_bytes`."""
    if not isinstance(file, dict) or not isinstance(file.get("content_b64"), str):
        raise err(Invalid, "invalid_file")
    encoded = file["content_b64"]
    if max_bytes is not None and len(encoded) > (max_bytes + 2) // 3 * 4 + 4:
        # Refused before decoding: the RPC may come from elsewhere than the gateway's size cap.
        raise err(TooLarge, "file_too_large", message("file_too_large", max=max_bytes // 1024))
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise err(Invalid, "invalid_file") from exc
    if max_bytes is not None and len(content) > max_bytes:
        raise err(TooLarge, "file_too_large", message("file_too_large", max=max_bytes // 1024))
    return content


def _off_the_loop(fn, *args):
    """Run a CPU-bound parse in an OS thread when under eventlet (the service), inline otherwise."""
    try:
        from eventlet import patcher, tpool
    except ImportError:  # pragma: no cover - eventlet is a dependency of every service
        return fn(*args)
    if not patcher.is_monkey_patched("thread"):
        return fn(*args)
    return tpool.execute(fn, *args)


def parse(file, columns, settings=None, max_rows=None, too_many="too_many_rows"):
    """The table of an import file: [(row_number, {column: value})] of its non-blank rows, Invalid
    for a bad file or header. The CPU-heavy part runs off the event loop. `max_rows` (data rows)
    narrows the import bound for one kind of file, refused with its own code `too_many` (a roster:
    `roster_too_large`)."""
    limits = _Limits(settings or config.current())
    if max_rows is not None:
        limits.rows = min(limits.rows, max_rows + 1)  # + the header row
    content = decode(file, limits.bytes)
    if not content.strip():
        raise err(Invalid, "empty_file")
    filename = str(file.get("filename") or "").lower()
    is_xlsx = filename.endswith(".xlsx") or content[:2] == b"PK"
    try:
        rows = _off_the_loop(_xlsx_rows if is_xlsx else _csv_rows, content, limits)
    except Invalid as exc:
        if exc.code == "too_many_rows" and too_many != "too_many_rows":
            raise err(Invalid, too_many, message(too_many, max=max_rows)) from None
        raise
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


def read_table(file, columns, table=None, max_rows=None, too_many="too_many_rows"):
    """`table` when the caller parsed the file already (outside its transaction), else parse it."""
    return table if table is not None else parse(file, columns, max_rows=max_rows, too_many=too_many)
