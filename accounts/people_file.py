"""Reading a people file (CSV or XLSX) into rows, within limits.

Limits (settings; defaults in `LIMITS`) keep one import within seconds and tens of megabytes:
the file's size is checked before it is read, an XLSX's unpacked size from its zip directory
before anything is inflated, and rows and cells while the file streams. The first one over a
limit stops the reading with a `LimitError` that names the limit and its setting. A file that
cannot be read (not CSV or XLSX, a workbook without sheets, damaged XML or zip data, bytes that
are neither UTF-8 nor GBK) is a `FormatError` that names the problem, with its row where there
is one. Nothing is written by this module.
"""

import csv
import io
import zipfile
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext as _

COLUMNS = (
    "employee_id", "email", "display_name", "department_code", "department_path",
    "manager_email", "hire_date", "language",
)
REQUIRED_COLUMNS = ("employee_id", "email")
FORMATS = ("csv", "xlsx")
LIMITS = {
    "PEOPLE_IMPORT_MAX_BYTES": 10 * 1024 * 1024,  # the file as uploaded
    "PEOPLE_IMPORT_MAX_UNPACKED_BYTES": 50 * 1024 * 1024,  # an XLSX's zip members together, inflated
    "PEOPLE_IMPORT_MAX_XLSX_PART_BYTES": 12 * 1024 * 1024,  # any one of them but a worksheet, inflated
    "PEOPLE_IMPORT_MAX_ROWS": 50_000,  # people: the header and blank rows do not count
    "PEOPLE_IMPORT_MAX_CELL_CHARS": 1_000,  # any cell of a named column (a path of ten departments)
}
SHEET_MAX_ROW = 1_048_576  # Excel's last row: a sheet claiming more is damaged or hostile


def limit(name):
    return getattr(settings, name, LIMITS[name])


class FormatError(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, no header, unknown columns)."""


class LimitError(FormatError):
    """The file is over one of `LIMITS`; the message names the limit and its setting."""


def read_rows(file, fmt):
    """[(row number, {column: value})] from a CSV or XLSX file (binary file object), read no
    further than the first row or cell over a limit."""
    if fmt not in FORMATS:
        raise FormatError(_("Unknown format %(format)s: use CSV or XLSX.") % {"format": fmt})
    _check_size(file)
    table = _csv_table(file.read()) if fmt == "csv" else _xlsx_table(file)
    try:
        return _people_rows(table)
    finally:
        table.close()  # an XLSX closes its zip


def _people_rows(table):
    header = next(table, None)
    if header is None:
        raise FormatError(_("The file is empty."))
    columns = [str(name or "").strip().lower() for name in header]
    unknown = [name[:40] for name in columns if name and name not in COLUMNS]
    if unknown:
        raise FormatError(_("Unknown column(s): %(columns)s. The columns are: %(known)s.") % {
            "columns": ", ".join(unknown), "known": ", ".join(COLUMNS)})
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise FormatError(_("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    max_rows, max_chars = limit("PEOPLE_IMPORT_MAX_ROWS"), limit("PEOPLE_IMPORT_MAX_CELL_CHARS")
    rows = []
    for number, values in enumerate(table, start=2):
        if not any(values) and all(value in (None, "") for value in values):
            continue  # blank (a fast path: a sheet's missing rows come as blank ones)
        data = {name: _cell(value) for name, value in zip(columns, values) if name}
        if not any(value not in ("", None) for value in data.values()):
            continue
        if len(rows) == max_rows:
            raise LimitError(_("The file has more than %(limit)s people, the most one import takes "
                               "(PEOPLE_IMPORT_MAX_ROWS): split it.") % {"limit": f"{max_rows:,}"})
        for name, value in data.items():
            if isinstance(value, str) and (len(value) > max_chars or "\x00" in value):
                raise _cell_error(number, name, value, max_chars)
        rows.append((number, data))
    if not rows:
        raise FormatError(_("The file has a header but no people."))
    return rows


def _cell_error(number, column, value, max_chars):
    if "\x00" in value:
        return FormatError(_("Row %(row)d, %(column)s contains a NUL character: is this really a text file?") % {
            "row": number, "column": column})
    return LimitError(_("Row %(row)d, %(column)s: longer than %(limit)s characters, the most a cell may hold "
                        "(PEOPLE_IMPORT_MAX_CELL_CHARS).") % {
        "row": number, "column": column, "limit": f"{max_chars:,}"})


def _check_size(file):
    """Refuse a file over PEOPLE_IMPORT_MAX_BYTES before reading it."""
    size = getattr(file, "size", None)  # an upload knows its size
    if size is None:
        start = file.tell()
        size = file.seek(0, io.SEEK_END) - start
        file.seek(start)
    if size > limit("PEOPLE_IMPORT_MAX_BYTES"):
        raise LimitError(_("The file is larger than %(limit)s, the most one import takes "
                           "(PEOPLE_IMPORT_MAX_BYTES).") % {"limit": _bytes(limit("PEOPLE_IMPORT_MAX_BYTES"))})


def _bytes(size):
    return f"{size // 2**20:,} MB" if size % 2**20 == 0 else f"{size:,} bytes"


def _csv_table(raw):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        try:
            text = raw.decode("gb18030")  # Excel in China saves CSV as GBK
        except UnicodeDecodeError:
            raise FormatError(_("Row %(row)d is neither UTF-8 nor GBK text: save the file as “CSV UTF-8”.") % {
                "row": error.object.count(b"\n", 0, error.start) + 1}) from None  # after a BOM
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            yield values
    except csv.Error as error:
        if "field limit" in str(error):  # csv's own limit (128 kB) is far over ours
            raise LimitError(_("Row %(row)d: a cell longer than %(limit)s characters, the most a cell may hold "
                               "(PEOPLE_IMPORT_MAX_CELL_CHARS).") % {
                "row": number + 1, "limit": f"{limit('PEOPLE_IMPORT_MAX_CELL_CHARS'):,}"}) from None
        raise FormatError(_("Row %(row)d is not CSV (%(error)s).") % {"row": number + 1, "error": error}) from None


def _xlsx_table(file):
    """The first sheet's rows, streamed (openpyxl's read-only mode), no wider than the header."""
    from openpyxl import load_workbook

    _check_archive(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged part
        raise FormatError(_("The workbook is damaged (%(error)s).") % {"error": _reason(error)}) from error
    try:
        if not workbook.worksheets:
            raise FormatError(_("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the recorded dimension may be wrong: read every row
        header = next(sheet.iter_rows(max_row=1, max_col=16_384, values_only=True), ())
        width = max((i + 1 for i, name in enumerate(header) if name not in (None, "")), default=1)
        yield header[:width]
        rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
        for number, values in enumerate(rows, start=2):  # missing rows come as blank ones
            if number > SHEET_MAX_ROW:
                raise FormatError(_("Row %(row)d: more rows than a spreadsheet can have (%(max)s).") % {
                    "row": number, "max": f"{SHEET_MAX_ROW:,}"})
            yield values
    except FormatError:
        raise
    except Exception as error:  # damaged XML or zip data, found while streaming
        raise FormatError(_("The first sheet is damaged (%(error)s).") % {"error": _reason(error)}) from error
    finally:
        workbook.close()


def _check_archive(file):
    """An XLSX is a zip with [Content_Types].xml. A zip bomb is refused from the zip's
    directory, before anything is inflated: reading a member stops at its recorded size, so
    the recorded sizes bound the work. Worksheets are streamed; every other part (the shared
    strings above all) openpyxl reads whole, at some 150 bytes of memory and 30 µs for each
    18-byte string: those parts get the tighter limit."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise FormatError(_("Not an XLSX workbook (%(error)s).") % {"error": _reason(error)}) from error
    finally:
        file.seek(0)
    if not any(member.filename == "[Content_Types].xml" for member in members):
        raise FormatError(_("Not an XLSX workbook: a zip without [Content_Types].xml."))
    if sum(member.file_size for member in members) > limit("PEOPLE_IMPORT_MAX_UNPACKED_BYTES"):
        raise LimitError(_("The workbook unpacks to more than %(limit)s, the most one import takes "
                           "(PEOPLE_IMPORT_MAX_UNPACKED_BYTES).") % {
            "limit": _bytes(limit("PEOPLE_IMPORT_MAX_UNPACKED_BYTES"))})
    part = max((m for m in members if not m.filename.startswith("xl/worksheets/")), key=lambda m: m.file_size)
    if part.file_size > limit("PEOPLE_IMPORT_MAX_XLSX_PART_BYTES"):
        raise LimitError(_("The workbook's %(part)s unpacks to more than %(limit)s, the most one import takes "
                           "(PEOPLE_IMPORT_MAX_XLSX_PART_BYTES).") % {
            "part": part.filename[:100], "limit": _bytes(limit("PEOPLE_IMPORT_MAX_XLSX_PART_BYTES"))})


def _reason(error):
    return str(error)[:200] or error.__class__.__name__


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an employee id typed as a number
    return str(value).strip()
