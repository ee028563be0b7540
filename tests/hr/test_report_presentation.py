"""What HR reads on the report pages: the matrix scrolls inside its own box with the export
buttons in sight, the summary chart says which figure is which, the transcript names each
quiz's module, and an XLSX is headed in the admin's language (the CSV keeps field names)."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.users.models import UserProfile

from hr import reports
from quizzes.models import Attempt, AttemptStatus, QuizDraw, QuizPage
from tests.hr.test_exports import body, two_people  # noqa: F401 (fixture)
from tests.hr.test_reports import org  # noqa: F401 (fixture)


def test_the_matrix_scrolls_in_its_own_region_and_its_exports_are_buttons_in_sight(client, hr, two_people):  # noqa: F811
    client.force_login(hr)
    html = client.get("/admin/hr/").content.decode()
    region = html[html.index('class="hr-matrix-scroll"'):]
    assert region.index("<table") < region.index("</div>")  # the table sits inside the scrolling box
    header = html[html.index("<header"):html.index("</header>")]
    dropdown = header[header.find('data-controller="w-dropdown"'):] if 'w-dropdown' in header else ""
    for fmt in ("xlsx", "csv"):
        assert f'data-export="{fmt}"' in header and f'data-export="{fmt}"' not in dropdown
    assert "dots-horizontal" not in header  # no "…" menu left with nothing else in it


def test_the_summary_chart_says_which_figure_is_which(client, hr, org):  # noqa: F811
    client.force_login(hr)
    html = client.get("/admin/hr/summary/").content.decode()
    start = html.index('<svg class="hr-chart"')
    chart = html[start:html.index("</svg>", start)]
    assert 'class="value-heading"' in chart and "Completed" in chart and "Certified" in chart
    assert "0% / 33%" in chart and "— / —" in chart  # 运营部; 销售部 has nothing assigned
    assert 'data-legend="values"' in html


def test_the_transcript_names_the_module_of_each_quiz(client, hr, org, quiz_setup):  # noqa: F811
    """Module quizzes often share a title: each attempt says whose module it belongs to."""
    tree = quiz_setup.tree
    second = QuizPage(title="Quiz", slug="quiz-2", draws=[QuizDraw(bank=quiz_setup.bank, count=1)])
    tree.modules[1].add_child(instance=second)
    person = org["current"]
    for number, quiz in enumerate((quiz_setup.quiz, second), start=1):
        Attempt.objects.create(user=person, quiz=quiz, quiz_key=quiz.translation_key, number=1, percent=80 + number,
                               status=AttemptStatus.FINISHED, finished_at=timezone.now(), passed=True)
    client.force_login(hr)
    html = client.get(f"/admin/hr/people/{person.pk}/").content.decode()
    attempts = html[html.index('data-section="attempts"'):].split("</table>")[0]
    assert attempts.count('data-field="module"') == 2
    assert f"{tree.modules[0].title}</span> · Quiz" in attempts and f"{tree.modules[1].title}</span> · Quiz" in attempts
    items = {row["item"] for row in reports.transcript_export_rows(person, reports.transcript(person))
             if row["section"] == "attempt"}
    assert items == {f"{tree.modules[0].title} · Quiz", f"{tree.modules[1].title} · Quiz"}


@pytest.mark.parametrize("language,headings", [
    ("en", ["Employee id", "Person", "Email", "Department", "Certificate", "Course", "State", "Due date",
            "Valid until"]),
    ("zh-hans", ["员工编号", "人员", "邮箱", "部门", "证书", "课程", "状态", "截止日期", "有效期至"]),
])
def test_xlsx_is_headed_in_the_admins_language_and_csv_keeps_field_names(client, hr, two_people,  # noqa: F811
                                                                         language, headings):
    profile = UserProfile.get_for_user(hr)
    profile.preferred_language = language
    profile.save()
    client.force_login(hr)
    sheet = load_workbook(io.BytesIO(body(client.get("/admin/hr/", {"export": "xlsx"})))).active
    assert [cell.value for cell in next(sheet.iter_rows())] == headings
    csv_head = body(client.get("/admin/hr/", {"export": "csv"})).decode("utf-8-sig").splitlines()[0]
    assert csv_head == "employee_id,person,email,department,certificate,course,state,due_date,valid_until"
