"""People files that are too big or cannot be read are refused at once with a message that names
the problem (and the limit, for a limit), through the API, the command and the admin upload; a
refusal writes nothing, and a file exactly at a limit imports."""

import csv
import io
import sqlite3
import zipfile

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from openpyxl import Workbook

from accounts.api import add_department, import_people
from accounts.groups import HR
from accounts.models import Department, EmployeeProfile
from accounts.people_import import FormatError, LimitError
from tests.conftest import make_user

User = get_user_model()
HEADER = ["employee_id", "email", "display_name", "department_code", "manager_email"]
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def ops(db):
    return add_department("运营部", code="ops")


def people(n, *, name="名", domain="example.com"):
    """`n` people of department ops; everyone after the first reports to the first."""
    return [[f"E{i:05d}", f"p{i:05d}@{domain}", f"{name}{i}", "ops", f"p00000@{domain}" if i else ""]
            for i in range(n)]


def csv_bytes(rows, header=HEADER):
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


def xlsx_bytes(rows, header=HEADER):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


MAKE = {"csv": csv_bytes, "xlsx": xlsx_bytes}


def rewrite_zip(data, members):
    """A copy of the zip `data` with members replaced or added (name → bytes)."""
    members = dict(members)
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, members.pop(item.filename, source.read(item.filename)))
        for name, value in members.items():
            target.writestr(name, value)
    return out.getvalue()


def sheet_xml(rows_xml, dimension="A1:A1"):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


def inline_row(number, values):
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
                    for i, v in enumerate(values) if v)
    return f'<row r="{number}">{cells}</row>'


def database():
    """Everything an import could write, to compare before and after a refusal."""
    return (
        sorted(User.objects.values_list("pk", "email", "display_name")),
        sorted(EmployeeProfile.objects.values_list("pk", "employee_id", "department_id", "manager_id")),
        sorted(EmailAddress.objects.values_list("pk", "email", "primary", "verified")),
        sorted(Department.objects.values_list("pk", "path", "code")),
    )


def run(data, fmt, **options):
    return import_people(io.BytesIO(data), fmt, **options)


# Rows -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_at_the_row_limit_imports_and_one_row_more_is_refused(settings, ops, fmt):
    """Blank rows do not count; the refusal names the limit and leaves the people as they were."""
    settings.PEOPLE_IMPORT_MAX_ROWS = 4
    rows = people(4)
    report = run(MAKE[fmt](rows[:2] + [[""] * 5] + rows[2:]), fmt)
    assert report.written and len(report.created) == 4, report.errors
    before = database()
    with pytest.raises(LimitError, match=r"more than 4 people.*PEOPLE_IMPORT_MAX_ROWS"):
        run(MAKE[fmt](people(5, name="新名")), fmt)
    assert database() == before


def test_reading_stops_at_the_first_row_over_the_limit(settings, ops):
    """The rest of the file is not read: a broken row after the limit is never reached."""
    settings.PEOPLE_IMPORT_MAX_ROWS = 2
    data = csv_bytes(people(3)) + b'E9,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(LimitError, match="more than 2 people"):
        run(data, "csv")


# File size --------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_at_the_size_limit_imports_and_one_byte_more_is_refused_unread(settings, ops, fmt, tmp_path):
    data = MAKE[fmt](people(3))
    settings.PEOPLE_IMPORT_MAX_BYTES = len(data)
    assert run(data, fmt).written
    too_big = tmp_path / f"people.{fmt}"
    too_big.write_bytes(b"\xff" * (len(data) + 1))  # not even a CSV or XLSX: the size is checked first
    before = database()
    with pytest.raises(CommandError, match=rf"larger than {len(data):,} bytes, .*PEOPLE_IMPORT_MAX_BYTES"):
        call_command("import_people", str(too_big))
    assert database() == before


# Cells ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_cell_at_the_limit_imports_and_one_character_more_is_refused(ops, fmt):
    """A department path of 1,000 characters (ten departments, each name within 120) imports;
    1,001 characters are refused, naming the row, the column and the limit."""
    header = ["employee_id", "email", "department_path"]
    path = "/".join(f"{d}" * 99 for d in "abcdefghij")[:-1] + "kk"  # 10 × 99 + 9 separators
    assert len(path) == 1000
    report = run(MAKE[fmt]([["E1", "a@example.com", path]], header=header), fmt)
    assert report.written and len(report.departments_created) == 10, report.errors
    before = database()
    rows = [["E1", "a@example.com", "运营部"], ["E2", "b@example.com", path + "k"]]
    message = r"Row 3, department_path: longer than 1,000 characters, .*PEOPLE_IMPORT_MAX_CELL_CHARS"
    with pytest.raises(LimitError, match=message):
        run(MAKE[fmt](rows, header=header), fmt)
    assert database() == before


def test_a_csv_field_over_the_csv_modules_own_limit_is_refused_with_its_row(ops):
    """csv.Error ("field larger than field limit") becomes the cell limit, with the row."""
    data = csv_bytes(people(2)) + b'E9,"' + b"x" * 200_000 + b'"\n'
    with pytest.raises(LimitError, match=r"Row 4: a cell longer than 1,000 characters"):
        run(data, "csv")


# Unreadable CSV ---------------------------------------------------------------------------------

def test_a_nul_byte_in_a_csv_is_refused_with_its_row(ops):
    data = csv_bytes(people(3)).replace("名2".encode(), b"\x00")
    with pytest.raises(FormatError, match=r"Row 4.*NUL"):
        run(data, "csv")
    assert not User.objects.exists()


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_bytes_that_are_neither_utf8_nor_gbk_are_refused_with_their_row(ops, bom):
    data = bom + csv_bytes(people(3)).replace("名1".encode(), b"\xff\xfe")
    with pytest.raises(FormatError, match=r"Row 3 is neither UTF-8 nor GBK"):
        run(data, "csv")


# Unreadable XLSX --------------------------------------------------------------------------------

def workbook_without_sheets():
    data = xlsx_bytes(people(1))
    workbook = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").decode()
    start, end = workbook.index("<sheets>"), workbook.index("</sheets>") + len("</sheets>")
    return rewrite_zip(data, {"xl/workbook.xml": (workbook[:start] + "<sheets/>" + workbook[end:]).encode()})


def zip_of_other_files():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()


def corrupt_sheet_data():
    """The sheet's compressed bytes damaged inside a valid zip directory (the CRC fails)."""
    data = bytearray(xlsx_bytes(people(50)))
    item = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    start = item.header_offset + 30 + len(item.filename) + len(item.extra) + item.compress_size // 2
    data[start:start + 16] = bytes(16)
    return bytes(data)


@pytest.mark.parametrize("make_file,message", [
    (workbook_without_sheets, "The workbook has no sheet"),
    (lambda: rewrite_zip(xlsx_bytes(people(2)), {SHEET: b"<worksheet><sheetData><row"}),
     "is damaged"),
    (corrupt_sheet_data, "is damaged"),
    (zip_of_other_files, r"Not an XLSX workbook: .*\[Content_Types\]\.xml"),
    (lambda: b"PK\x03\x04 not really a zip", "Not an XLSX workbook"),
    (lambda: rewrite_zip(xlsx_bytes(people(1)), {SHEET: sheet_xml(
        inline_row(1, HEADER) + inline_row(1_048_577, ["E1", "a@example.com"]))}), "more rows than a spreadsheet"),
])
def test_a_broken_workbook_is_refused_with_the_problem_named(ops, make_file, message):
    with pytest.raises(FormatError, match=message):
        run(make_file(), "xlsx")
    assert not User.objects.exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(settings, ops):
    """The members' unpacked sizes are added up from the zip's directory, before anything is
    inflated: a sheet padded with 2 MB of spaces (a few kB packed) is over a 1 MB limit."""
    settings.PEOPLE_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    padded = sheet_xml(" " * 2 * 1024 * 1024 + inline_row(1, HEADER) + inline_row(2, people(1)[0]))
    data = rewrite_zip(xlsx_bytes(people(1)), {SHEET: padded})
    assert len(data) < 50_000
    with pytest.raises(LimitError, match=r"unpacks to more than 1 MB, .*PEOPLE_IMPORT_MAX_UNPACKED_BYTES"):
        run(data, "xlsx")


def test_a_string_table_bomb_is_refused_before_openpyxl_reads_it(settings, ops):
    """openpyxl reads the shared strings whole (a 45 MB table of two-letter strings, 120 kB
    packed, took 78 s and 400 MB): a part other than a worksheet gets its own, tighter limit."""
    settings.PEOPLE_IMPORT_MAX_XLSX_PART_BYTES = 1024 * 1024
    data = xlsx_bytes(people(1))
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode().replace("</Types>", (
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    strings = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               + "<si><t>ab</t></si>" * 60_000 + "</sst>")
    data = rewrite_zip(data, {"[Content_Types].xml": types.encode(), "xl/sharedStrings.xml": strings.encode()})
    message = r"xl/sharedStrings\.xml unpacks to more than 1 MB, .*PEOPLE_IMPORT_MAX_XLSX_PART_BYTES"
    with pytest.raises(LimitError, match=message):
        run(data, "xlsx")


def test_a_sheet_whose_dimension_understates_its_rows_is_read_to_the_end(ops):
    """Rows past the sheet's recorded dimension (written by some exporters) are still people."""
    rows_xml = inline_row(1, HEADER) + "".join(inline_row(n + 2, row) for n, row in enumerate(people(3)))
    data = rewrite_zip(xlsx_bytes(people(1)), {SHEET: sheet_xml(rows_xml, dimension="A1:E2")})
    report = run(data, "xlsx")
    assert len(report.created) == 3, report.errors


# Nothing written --------------------------------------------------------------------------------

@pytest.mark.parametrize("last_row", ["over the row limit", "over the cell limit", "a bad row"])
def test_a_refusal_at_the_last_row_writes_nothing(settings, ops, last_row):
    """Three people would be updated (new names and emails) and the others created, but the
    last row is refused: none of it is written."""
    settings.PEOPLE_IMPORT_MAX_ROWS = 6
    assert run(csv_bytes(people(3)), "csv").written
    before = database()
    rows = people(7 if last_row == "over the row limit" else 6, name="新名", domain="example.org")
    if last_row == "over the cell limit":
        rows[-1][2] = "x" * 1001
    if last_row == "a bad row":
        rows[-1][3] = "no-such-department"
        report = run(csv_bytes(rows), "csv")
        assert not report.written and [(e.row, e.column) for e in report.errors] == [(7, "department_code")]
    else:
        with pytest.raises(LimitError):
            run(csv_bytes(rows), "csv")
    assert database() == before


# Batched writes ---------------------------------------------------------------------------------

@pytest.fixture
def few_parameters():
    """SQLite with the parameter limit of old builds (999): any query that is not batched fails."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    previous = connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    yield
    connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, previous)


def test_more_people_than_the_databases_parameter_limit_are_created_then_updated(ops, few_parameters):
    """1,500 new people, then the same 1,500 with new names and new email addresses (found by
    employee id): every lookup and write is batched."""
    report = run(csv_bytes(people(1500)), "csv")
    assert len(report.created) == 1500, report.errors[:3]
    report = run(csv_bytes(people(1500, name="新名", domain="example.org")), "csv")
    assert len(report.updated) == 1500, report.errors[:3]
    assert User.objects.filter(email__endswith="@example.org", display_name__startswith="新名").count() == 1500
    assert not EmailAddress.objects.filter(email__endswith="@example.com").exists()
    assert EmailAddress.objects.filter(email__endswith="@example.org", verified=True, primary=True).count() == 1500
    assert EmployeeProfile.objects.filter(manager__email="p00000@example.org").count() == 1499


def test_a_changed_email_becomes_the_verified_primary_address(ops):
    """Batched address updates: the old address renamed; an unverified second address that
    already had the new email promoted (the old one removed); a missing address created."""
    report = run(csv_bytes(people(3)), "csv")
    assert len(report.created) == 3
    second = User.objects.get(email="p00001@example.com")
    EmailAddress.objects.create(user=second, email="p00001@example.org", verified=False, primary=False)
    EmailAddress.objects.filter(email="p00002@example.com").delete()
    report = run(csv_bytes(people(3, domain="example.org")), "csv")
    assert len(report.updated) == 3, report.errors
    assert sorted(EmailAddress.objects.values_list("user__employee__employee_id", "email", "verified", "primary")) == [
        ("E00000", "p00000@example.org", True, True),
        ("E00001", "p00001@example.org", True, True),
        ("E00002", "p00002@example.org", True, True),
    ]


def test_a_manager_named_by_the_email_their_own_row_changes_is_found(ops):
    """The checks found the manager by the old email; the write uses that person, not a second
    look-up by an email that the same import has just changed."""
    run(csv_bytes(people(1)), "csv")
    rows = [["E00000", "boss@example.org", "", "ops", ""],
            ["E00001", "p00001@example.com", "", "ops", "p00000@example.com"]]
    report = run(csv_bytes(rows), "csv")
    assert report.written, report.errors
    assert EmployeeProfile.objects.get(employee_id="E00001").manager.email == "boss@example.org"


def test_a_file_with_many_bad_rows_lists_the_first_thousand_and_counts_all(ops):
    rows = [[f"E{i}", "", "", "ops", ""] for i in range(1001)]
    report = run(csv_bytes(rows), "csv")
    assert len(report.errors) == 1000 and report.summary().startswith("1001 error(s) in 1001 row(s)")


# The admin upload -------------------------------------------------------------------------------

def test_the_admin_upload_names_the_problem_instead_of_failing(client, settings, ops):
    """An empty workbook and a file over the row limit: the form says why, nothing is written."""
    client.force_login(make_user("hr@example.com", HR))
    settings.PEOPLE_IMPORT_MAX_ROWS = 2
    for name, data, message in [
        ("people.xlsx", workbook_without_sheets(), "The workbook has no sheet"),
        ("people.csv", csv_bytes(people(3)), "more than 2 people"),
    ]:
        response = client.post("/admin/hr/people/import/", {"file": SimpleUploadedFile(name, data)})
        assert response.status_code == 200 and message in response.content.decode()
    assert not User.objects.filter(employee__isnull=False).exists()
