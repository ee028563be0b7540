"""HR reads the grade history of a person's essays on their transcript (who, when, before →
after, why) but cannot grade; the transcript's query count does not grow with that history."""

import pytest

from accounts.groups import INSTRUCTORS
from hr import reports
from quizzes import marking
from quizzes.models import AttemptStatus, GradeChange
from tests.conftest import make_user
from tests.quizzes.conftest import practice_quiz  # noqa: F401 (a fixture)
from tests.quizzes.test_essays import capstone, submitted  # noqa: F401 (capstone: a fixture)

LOW, HIGH = {"levels": {"goal": 2, "budget": 0}}, {"levels": {"goal": 2, "budget": 1}}  # 5 and 10 of 10


@pytest.fixture
def grader(db):
    return make_user("grader@example.com", INSTRUCTORS, display_name="Grace Grader")


def test_a_transcript_lists_the_grades_given_to_the_persons_essays(client, hr, grader, capstone):  # noqa: F811
    _tree, quiz, trainee = capstone
    _attempt, essay = submitted(quiz, trainee)
    marking.grade_essay(grader, essay.pk, LOW)
    marking.grade_essay(grader, essay.pk, HIGH, reason="Budget was in the appendix")
    client.force_login(hr)
    html = client.get(f"/admin/hr/people/{trainee.pk}/").content.decode()
    changes = html[html.index('data-section="grade-changes"'):html.index('data-section="certificates"')]
    assert changes.count("<tr>") == 3  # the heading and two grades, newest first
    assert changes.index("Budget was in the appendix") < changes.index("— → 5")
    assert "5 → 10" in changes and "Grace Grader" in changes and "Practice" in changes

    rows = [row for row in reports.transcript_export_rows(trainee, reports.transcript(trainee))
            if row["section"] == "grade change"]
    assert [(row["status"], row["detail"]) for row in rows] == [
        ("Budget was in the appendix", "#1 5 → 10 Grace Grader"), ("", "#1 — → 5 Grace Grader")]


def test_hr_reads_the_history_but_cannot_grade(client, hr, capstone):  # noqa: F811
    _tree, quiz, trainee = capstone
    attempt, essay = submitted(quiz, trainee)
    client.force_login(hr)
    response = client.post(f"/admin/grading/{essay.pk}/", {"level-goal": "2", "level-budget": "1"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert "/admin/grading/" not in client.get("/admin/").content.decode()  # no menu item either
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.AWAITING and not GradeChange.objects.exists()


# Session, user, HR's permissions (user's, group's), the admin's user profile (5); the person,
# what is required (course pages, rules, assignments), enrolments, completed lessons, attempts,
# grade changes with their graders and quizzes, certificates (9); the admin's chrome: locales,
# page and collection permissions (3).
TRANSCRIPT_QUERIES = 5 + 9 + 3


@pytest.mark.parametrize("graded", [1, 4])
def test_transcript_queries_do_not_grow_with_grade_changes(client, hr, grader, capstone, graded,  # noqa: F811
                                                           django_assert_num_queries):
    _tree, quiz, trainee = capstone
    for _ in range(graded):
        _attempt, essay = submitted(quiz, trainee)
        marking.grade_essay(grader, essay.pk, LOW)
    client.force_login(hr)
    url = f"/admin/hr/people/{trainee.pk}/"
    client.get(url)  # warm caches (content types, site root)
    with django_assert_num_queries(TRANSCRIPT_QUERIES):
        html = client.get(url).content.decode()
    assert html.count("— → 5") == graded
