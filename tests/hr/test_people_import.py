import io
from datetime import date

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from accounts.api import import_people
from accounts.groups import TRAINEES
from accounts.models import Department, EmployeeProfile
from accounts.people_import import FormatError

User = get_user_model()

HEADER = [
    "employee_id", "email", "display_name", "department_path", "department_code", "manager_email", "hire_date",
    "language",
]
ROWS = [
    ["E001", "li.lei@example.com", "李雷", "运营部", "ops", "", "2024-03-01", "zh-hans"],
    ["E002", "han.mei@example.com", "韩梅梅", "运营部/用户运营组", "", "li.lei@example.com", "2025-07-15", "en"],
]


def csv_file(rows, header=HEADER):
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))


def xlsx_file(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([date.fromisoformat(v) if h == "hire_date" and v else v for h, v in zip(header, row)])
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output


@pytest.mark.parametrize("make_file,fmt", [(csv_file, "csv"), (xlsx_file, "xlsx")])
def test_import_creates_people_who_can_reset_their_password(db, make_file, fmt):
    """New people: an unusable password, a verified address, Trainees, a profile, the department
    path created, the manager (another row of the same file) linked."""
    report = import_people(make_file(ROWS), fmt)
    assert report.ok and report.written, report.errors
    assert sorted(report.created) == ["E001", "E002"] and report.departments_created == ["运营部", "运营部/用户运营组"]
    han = User.objects.get(email="han.mei@example.com")
    assert not han.has_usable_password()
    assert han.display_name == "韩梅梅" and han.preferred_language == "en"
    assert han.groups.filter(name=TRAINEES).exists()
    assert EmailAddress.objects.get(user=han).verified
    profile = han.employee
    assert profile.employee_id == "E002" and profile.hire_date == date(2025, 7, 15)
    assert profile.department.name == "用户运营组" and profile.department.get_parent().code == "ops"
    assert profile.manager.email == "li.lei@example.com"


def test_a_dry_run_reports_and_writes_nothing(db):
    report = import_people(csv_file(ROWS), "csv", dry_run=True)
    assert report.ok and not report.written
    assert len(report.created) == 2 and "Dry run" in report.summary()
    assert not User.objects.exists() and not Department.objects.exists()


def test_one_bad_row_is_reported_with_its_row_number_and_nothing_is_written(db):
    """Row 3 (the second person) has a bad date and an unknown manager: both reported, and
    the good row is not written either."""
    rows = [ROWS[0], ["E002", "han.mei@example.com", "韩梅梅", "运营部", "", "nobody@example.com", "15/07/2025", ""]]
    report = import_people(csv_file(rows), "csv")
    assert not report.ok
    assert {(e.row, e.column) for e in report.errors} == {(3, "hire_date"), (3, "manager_email")}
    assert "YYYY-MM-DD" in next(e.message for e in report.errors if e.column == "hire_date")
    assert not User.objects.exists() and not Department.objects.exists()


def test_every_kind_of_bad_row_is_named(db, departments):
    rows = [
        ["", "a@example.com", "", "", "ops", "", "", ""],                  # 2: no employee id
        ["E1", "not-an-email", "", "", "ops", "", "", ""],                 # 3: bad email
        ["E2", "b@example.com", "", "", "nowhere", "", "", ""],            # 4: unknown code
        ["E3", "c@example.com", "", "", "ops", "", "", "fr"],              # 5: language
        ["E3", "d@example.com", "", "", "ops", "", "", ""],                # 6: repeated id
        ["E4", "e@example.com", "", "", "", "", "", ""],                   # 7: no department
    ]
    report = import_people(csv_file(rows), "csv")
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "employee_id"), (3, "email"), (4, "department_code"), (5, "language"), (6, "employee_id"),
        (7, "department_code"),
    ]
    assert not User.objects.exists()


def test_existing_people_are_updated_by_employee_id_or_email(db, departments):
    from tests.hr.conftest import make_employee

    known = make_employee("wang@example.com", departments["ops"], employee_id="E100", display_name="Old")
    no_profile = User.objects.create_user("zhao", "zhao@example.com", "x")
    rows = [
        ["E100", "wang.new@example.com", "王五", "", "sales", "", "", ""],   # by id: new email, name, department
        ["E200", "zhao@example.com", "赵六", "", "ops-users", "", "2020-01-02", ""],  # by email: gets a profile
    ]
    report = import_people(csv_file(rows), "csv")
    assert report.ok, report.errors
    assert report.updated == ["E100", "E200"] and not report.created
    known.refresh_from_db()
    assert known.email == "wang.new@example.com" and known.display_name == "王五"
    assert known.employee.department.code == "sales" and known.has_usable_password()
    assert EmailAddress.objects.get(user=known).email == "wang.new@example.com"
    assert EmployeeProfile.objects.get(user=no_profile).employee_id == "E200"
    assert User.objects.count() == 2

    again = import_people(csv_file(rows), "csv")
    assert again.unchanged == ["E100", "E200"]


def test_an_email_of_someone_else_is_refused(db, departments):
    from tests.hr.conftest import make_employee

    make_employee("taken@example.com", departments["ops"], employee_id="E1")
    report = import_people(csv_file([["E2", "taken@example.com", "", "", "ops", "", "", ""]]), "csv")
    assert [(e.row, e.column, e.message) for e in report.errors] == [(2, "email", "Belongs to employee E1.")]


def test_an_unreadable_file_is_a_format_error(db):
    with pytest.raises(FormatError, match="Unknown column"):
        import_people(csv_file(ROWS, header=["employee_id", "email", "departmnet"]), "csv")
    with pytest.raises(FormatError, match="XLSX"):
        import_people(io.BytesIO(b"not a zip"), "xlsx")


def test_the_command_checks_with_dry_run_and_fails_on_bad_rows(db, tmp_path, capsys):
    good = tmp_path / "people.csv"
    good.write_bytes(csv_file(ROWS).getvalue())
    call_command("import_people", str(good), "--dry-run")
    assert not User.objects.exists()
    assert "Dry run: 2 to create" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_file([["E9", "x@example.com", "", "", "nowhere", "", "", ""]]).getvalue())
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_people", str(bad))
    assert "row 2, department_code" in capsys.readouterr().err
    call_command("import_people", str(good))
    assert User.objects.count() == 2


def test_hr_uploads_a_file_in_the_admin(client, hr):
    client.force_login(hr)
    upload = SimpleUploadedFile("people.csv", csv_file(ROWS).getvalue(), content_type="text/csv")
    response = client.post("/admin/hr/people/import/", {"file": upload, "dry_run": "on"})
    assert response.status_code == 200 and 'data-report="ok"' in response.content.decode()
    assert not User.objects.filter(email="li.lei@example.com").exists()
    bad = SimpleUploadedFile("people.csv", csv_file([["E1", "bad", "", "", "ops", "", "", ""]]).getvalue())
    html = client.post("/admin/hr/people/import/", {"file": bad}).content.decode()
    assert 'data-report="errors"' in html and "<td>2</td>" in html and "Not an email address." in html
    upload = SimpleUploadedFile("people.csv", csv_file(ROWS).getvalue(), content_type="text/csv")
    client.post("/admin/hr/people/import/", {"file": upload})
    assert User.objects.filter(email="li.lei@example.com").exists()


def test_departments_created_in_any_order_form_the_right_tree(db):
    """Siblings are kept in name order, which moves paths as they are added: every person still
    lands in the department their row names."""
    rows = [
        ["E1", "a@example.com", "", "运营部/用户运营组/拉新小组", "", "", "", ""],
        ["E2", "b@example.com", "", "运营部/内容运营组", "", "", "", ""],
        ["E3", "c@example.com", "", "运营部/用户运营组", "ops-users", "", "", ""],
        ["E4", "d@example.com", "", "Growth Team", "", "", "", ""],
    ]
    report = import_people(csv_file(rows), "csv")
    assert report.ok, report.errors

    def names(department):
        return "/".join(d.name for d in department.get_ancestors()) + "/" + department.name

    placed = {
        p.employee_id: names(p.department).lstrip("/") for p in EmployeeProfile.objects.select_related("department")
    }
    assert placed == {
        "E1": "运营部/用户运营组/拉新小组", "E2": "运营部/内容运营组", "E3": "运营部/用户运营组", "E4": "Growth Team"
    }
    assert Department.objects.get(name="用户运营组").code == "ops-users"
    assert Department.objects.get(name="Growth Team").code == "growth-team"
    assert Department.objects.get(name="运营部").code.startswith("dept-")
    assert Department.find_problems() == ([], [], [], [], [])


@pytest.mark.parametrize("n", [2, 40])
def test_import_queries_do_not_grow_with_rows(db, departments, n, django_assert_num_queries):
    """New people are written in bulk: the same queries for 2 people as for 40."""
    rows = [
        [f"E{i}", f"p{i}@example.com", f"名{i}", "", "ops-users", "p0@example.com" if i else "", "", ""]
        for i in range(n)
    ]
    # lookups: profiles, users, addresses, departments; then: savepoint, taken usernames,
    # users, Trainees group, memberships, addresses, profiles, the users' sort keys, managers, release.
    with django_assert_num_queries(14):
        report = import_people(csv_file(rows), "csv")
    assert len(report.created) == n and EmployeeProfile.objects.filter(manager__email="p0@example.com").count() == n - 1
