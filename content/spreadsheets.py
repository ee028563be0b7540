"""Spreadsheet cells that cannot run as formulas (OWASP "CSV injection"), for every CSV and
XLSX the platform writes (HR reports, quiz statistics).

A spreadsheet may run text as a formula when it starts with = + - @ (OWASP also names a
leading tab or carriage return), and spreadsheet software with East Asian input folds the
full-width ＝ ＋ － ＠ into those: a name typed in a Chinese input method must not run
either. Such text gets a leading quote in CSV; an XLSX writer marks the cell as text instead
(`looks_like_formula`). Numbers, booleans and dates stay what they are.
"""

import csv
import io
from datetime import date
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PLAIN_TYPES = (bool, int, float, Decimal, date)  # date covers datetime
CSV_PIECE_ROWS = 1000


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def escape_formula(text: str) -> str:
    """`text` with a leading quote if a spreadsheet could run it as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_cell(value):
    """A CSV cell: None empty, numbers, booleans and dates as they are, a list joined with
    ", ", anything else as escaped text."""
    if isinstance(value, str):  # first: nearly every cell is text
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if isinstance(value, PLAIN_TYPES):
        return value
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(item) for item in value)
    return escape_formula(str(value))


def csv_pieces(rows):
    """The CSV of `rows` (lists of cells, the first one the header) as UTF-8 bytes with a BOM
    (Excel reads Chinese text only with it), in pieces of CSV_PIECE_ROWS rows: a write per row
    to the server would cost more than the rows themselves."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % CSV_PIECE_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
