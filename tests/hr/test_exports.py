"""HR's exports, pinned to their exact output: the CSV's bytes (BOM, fixed English headers,
numbers and dates as they are, formula-like text quoted) and the XLSX read back with openpyxl
(headed in the admin's language, the same values, formula-like text as text cells, never
formulas)."""

import csv
import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from courses import api as courses_api
from tests.hr.conftest import give_certificate, make_employee

# ASCII and full-width formula starts, and the tab and carriage return OWASP names.
FORMULA_NAMES = ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝HYPERLINK(\"x\")", "＋1", "－1", "＠SUM(A1)"]


@pytest.fixture
def two_people(departments, course, rule, hr):
    """运营部 must hold the certificate by a due date: one person holds it, one does not."""
    due = timezone.localdate() + timedelta(days=30)
    courses_api.assign_course(course, department=departments["ops"], due_date=due, by=hr)
    held = make_employee("held@example.com", departments["ops-users"], employee_id="E1", display_name="A Held")
    make_employee("missing@example.com", departments["ops"], employee_id="E2", display_name="=B Missing")
    certificate = give_certificate(held, rule, days_left=100)
    return {"due": due, "valid_until": timezone.localtime(certificate.valid_until).date()}


def body(response):
    return b"".join(response.streaming_content)


def test_matrix_csv_is_pinned(client, hr, two_people):
    client.force_login(hr)
    response = client.get("/admin/hr/", {"export": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="compliance-matrix-\d{4}-\d\d-\d\d\.csv"', response["Content-Disposition"]
    )
    due, valid = two_people["due"].isoformat(), two_people["valid_until"].isoformat()
    assert body(response) == (
        "\ufeffemployee_id,person,email,department,certificate,course,state,due_date,valid_until\r\n"
        f"E2,'=B Missing,missing@example.com,运营部,Module One Certificate,Operations Course,missing,{due},\r\n"
        f"E1,A Held,held@example.com,用户运营组,Module One Certificate,Operations Course,current,{due},{valid}\r\n"
    ).encode()


def test_matrix_xlsx_is_pinned(client, hr, two_people):
    client.force_login(hr)
    response = client.get("/admin/hr/", {"export": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert re.fullmatch(
        r'attachment; filename="compliance-matrix-\d{4}-\d\d-\d\d\.xlsx"', response["Content-Disposition"]
    )
    sheet = load_workbook(io.BytesIO(body(response))).active
    due, valid = two_people["due"], two_people["valid_until"]  # dates, read back as dates
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Employee id", "Person", "Email", "Department", "Certificate", "Course", "State", "Due date", "Valid until"],
        ["E2", "=B Missing", "missing@example.com", "运营部", "Module One Certificate", "Operations Course",
         "missing", due, None],
        ["E1", "A Held", "held@example.com", "用户运营组", "Module One Certificate", "Operations Course",
         "current", due, valid],
    ]
    name = sheet["B2"]
    assert name.data_type == "s" and name.quotePrefix  # text, shown as typed, never run


def test_department_summary_exports_numbers_as_numbers(client, hr, two_people):
    client.force_login(hr)
    lines = body(client.get("/admin/hr/summary/", {"export": "csv"})).decode("utf-8-sig").splitlines()
    assert lines[0] == ("department,code,path,people,assigned_courses,completed_courses,completion_percent,"
                        "required_certificates,certified,certified_percent,overdue")
    assert lines[1:] == [
        "运营部,ops,运营部,2,2,0,0,2,1,50,0",
        "内容运营组,ops-content,运营部/内容运营组,0,0,0,,0,0,,0",
        "用户运营组,ops-users,运营部/用户运营组,1,1,0,0,1,1,100,0",
        "销售部,sales,销售部,0,0,0,,0,0,,0",
    ]
    sheet = load_workbook(io.BytesIO(body(client.get("/admin/hr/summary/", {"export": "xlsx"})))).active
    assert [cell.value for cell in sheet[2]] == ["运营部", "ops", "运营部", 2, 2, 0, 0, 2, 1, 50, 0]


@pytest.mark.parametrize("name", FORMULA_NAMES, ids=repr)
def test_no_formula_start_survives_an_export(client, hr, departments, name):
    """The people list with one person named `name`: the CSV cell starts with a quote, the
    XLSX cell is text with the quote-prefix mark, and no cell is a formula."""
    make_employee("evil@example.com", departments["ops"], employee_id="E9", display_name=name)
    client.force_login(hr)
    text = body(client.get("/admin/hr/people/", {"export": "csv"})).decode("utf-8-sig")
    assert next(row[1] for row in csv.reader(io.StringIO(text, newline="")) if row[0] == "E9") == "'" + name

    data = body(client.get("/admin/hr/people/", {"export": "xlsx"}))
    assert "<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    cell = next(row[1] for row in load_workbook(io.BytesIO(data)).active.iter_rows() if row[0].value == "E9")
    assert cell.data_type == "s" and cell.quotePrefix and cell.value.lstrip("\t\r") == name.lstrip("\t\r")


def test_the_download_buttons_lead_to_these_exports(client, hr, two_people):
    """The page's own "Download CSV/XLSX" links are answered by our exporter (BOM, escaped
    formulas), whatever Wagtail's export would do with them."""
    client.force_login(hr)
    html = client.get("/admin/hr/", {"department": ""}).content.decode()
    links = dict(re.findall(r'href="([^"]*export=(csv|xlsx)[^"]*)"', html))
    assert sorted(links.values()) == ["csv", "xlsx"]
    csv_url = next(url for url, fmt in links.items() if fmt == "csv").replace("&amp;", "&")
    assert body(client.get(csv_url)).startswith("\ufeffemployee_id,".encode())
