"""Essays graded by a person with a rubric: a submitted attempt waits for its grader; the grade
re-totals the attempt, decides pass or fail, completes the module and issues certificates in
one transaction; changing a grade needs a reason and is kept in the history; only instructors
grade, never their own attempt; the grader's notes never reach the trainee."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale

from certification.models import Certificate, CertificateRule
from courses import api as courses_api
from courses.models import CompletionRule, ModuleCompletion
from quizzes import api, marking, rubrics
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, GradeChange
from tests.conftest import HR, INSTRUCTORS, make_user

RUBRIC = [
    {"key": "goal", "title": "Goal", "description": "A measurable goal",
     "levels": [{"points": 1, "title": "Missing"}, {"points": 2, "title": "Vague"},
                {"points": 4, "title": "Measurable"}]},
    {"key": "budget", "title": "Budget",
     "levels": [{"points": 0, "title": "None"}, {"points": 3, "title": "Costed"}]},
]
ESSAY = {
    "key": "campaign-plan", "type": "essay", "points": 10,
    "stem": "Write a one-page plan for a 618 campaign.",
    "essay": {"template": "## Goal\n\n## Budget\n", "grader_info": "SECRET-GRADER-NOTE", "rubric": RUBRIC},
}
CHOICE = {"key": "warm-up", "type": "true_false", "stem": "A campaign needs a goal.", "points": 2,
          "answers": [{"text": "true", "fraction": 1}, {"text": "false", "fraction": 0}]}


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are asserted in English; the site's default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def capstone(practice_quiz):
    tree, quiz = practice_quiz(ESSAY, CHOICE, pass_mark=60)
    module = tree.modules[0]
    module.completion_rule = CompletionRule.ASSESSMENT
    module.save_revision().publish()
    CertificateRule.objects.create(slug="plan", title="策划", title_en="Planning", exam=quiz)
    trainee = make_user("writer@example.com")
    courses_api.enrol_learner(trainee, tree.course)
    return tree, quiz, trainee


def submitted(quiz, trainee, *, essay="## Goal\nGrow GMV 20%", right_choice=True):
    attempt = api.start_attempt(trainee, quiz)
    for question in attempt.questions.all():
        if question.spec["type"] == "essay":
            api.save_answer(trainee, attempt.pk, question.position, essay)
        else:
            wanted = "true" if right_choice else "false"
            token = next(a["token"] for a in question.spec["answers"] if a["text"] == wanted)
            api.save_answer(trainee, attempt.pk, question.position, token)
    api.submit_attempt(trainee, attempt.pk)
    return Attempt.objects.get(pk=attempt.pk), AttemptQuestion.objects.get(attempt=attempt, manual=True)


def test_a_submitted_essay_waits_for_a_grader_and_says_so(client, capstone):
    tree, quiz, trainee = capstone
    attempt, essay = submitted(quiz, trainee)
    assert attempt.status == AttemptStatus.AWAITING and attempt.finished_at is not None
    assert attempt.score is None and attempt.percent is None and not attempt.passed
    assert essay.score is None and essay.response.startswith("## Goal")
    assert not ModuleCompletion.objects.filter(user=trainee).exists()
    assert not Certificate.objects.exists()
    client.force_login(trainee)
    with translation.override("en"):
        page = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
        english = quiz.copy_for_translation(Locale.objects.get(language_code="en"))
        english.save_revision().publish()
        quiz_page = client.get(english.url).content.decode()
    assert "A grader is reading your answers" in page
    assert "awaiting grading" in quiz_page
    # A second submit of an attempt awaiting grading changes nothing.
    assert api.submit_attempt(trainee, attempt.pk).status == AttemptStatus.AWAITING


def test_grading_re_totals_passes_completes_the_module_issues_the_certificate_and_emails(
        capstone, django_capture_on_commit_callbacks):
    tree, quiz, trainee = capstone
    attempt, essay = submitted(quiz, trainee)
    grader = make_user("teacher@example.com", INSTRUCTORS)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        marking.grade_essay(grader, essay.pk, {"levels": {"goal": 2, "budget": 0},
                                               "comments": {"budget": "No costs at all."}, "feedback": "Good goal."})
    attempt.refresh_from_db()
    essay.refresh_from_db()
    # Moodle's rubric formula: (4 + 0 − 1) / (4 + 3 − 1) × 10 points = 5.
    assert essay.score == Decimal("5.000") and essay.marked_by == grader
    assert attempt.status == AttemptStatus.FINISHED and attempt.score == Decimal("7.000")
    assert attempt.percent == Decimal("58.33") and not attempt.passed  # 7 of 12 < 60 %
    assert not Certificate.objects.exists()
    assert [m.to for m in mail.outbox] == [[trainee.email]]

    with django_capture_on_commit_callbacks(execute=True):
        marking.grade_essay(grader, essay.pk, {"levels": {"goal": 2, "budget": 1}}, reason="Budget was in the appendix")
    attempt.refresh_from_db()
    assert attempt.score == Decimal("12.000") and attempt.passed
    assert ModuleCompletion.objects.filter(user=trainee, module_key=tree.modules[0].translation_key).exists()
    certificate = Certificate.objects.get(user=trainee)
    assert certificate.source_attempt_id == attempt.pk and certificate.score == Decimal("100.00")
    history = list(GradeChange.objects.filter(attempt_question=essay).values_list(
        "score_before", "score_after", "reason", "changed_by"))
    assert history == [(None, Decimal("5.000"), "", grader.pk),
                       (Decimal("5.000"), Decimal("10.000"), "Budget was in the appendix", grader.pk)]
    assert mail.outbox[-1].subject.startswith("你的成绩已修改")  # in the trainee's language, Chinese by default


def test_a_regrade_without_a_reason_is_refused_and_changes_nothing(capstone):
    _tree, quiz, trainee = capstone
    _attempt, essay = submitted(quiz, trainee)
    grader = make_user("teacher@example.com", INSTRUCTORS)
    marking.grade_essay(grader, essay.pk, {"levels": {"goal": 0, "budget": 0}})
    with pytest.raises(marking.MarkingRefused, match="Say why"):
        marking.grade_essay(grader, essay.pk, {"levels": {"goal": 2, "budget": 1}}, reason="  ")
    essay.refresh_from_db()
    assert essay.score == Decimal("0.000") and GradeChange.objects.count() == 1


@pytest.mark.parametrize("data, reason", [
    ({"levels": {"goal": 2}}, "Choose a level for “Budget”"),
    ({"levels": {"goal": 3, "budget": 0}}, "Choose a level for “Goal”"),
    ({"levels": {"goal": True, "budget": 0}}, "Choose a level for “Goal”"),
    ({"levels": {"goal": "-1", "budget": 0}}, "Choose a level for “Goal”"),
    ({"levels": ["goal"]}, "Choose a level for every criterion"),
    ({"levels": {"goal": 0, "budget": 0}, "comments": {"goal": "x" * 2001}}, "at most 2000"),
    ({"levels": {"goal": 0, "budget": 0}, "feedback": 7}, "Feedback must be text"),
])
def test_a_marking_that_does_not_fit_the_rubric_is_refused_with_the_reason(capstone, data, reason):
    _tree, quiz, trainee = capstone
    attempt, essay = submitted(quiz, trainee)
    with pytest.raises(marking.MarkingRefused, match=reason):
        marking.grade_essay(make_user("teacher@example.com", INSTRUCTORS), essay.pk, data)
    assert not GradeChange.objects.exists()
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.AWAITING


def test_only_instructors_grade_and_never_their_own_or_an_unsubmitted_attempt(capstone):
    _tree, quiz, trainee = capstone
    _attempt, essay = submitted(quiz, trainee)
    levels = {"levels": {"goal": 0, "budget": 0}}
    for person in (make_user("hr2@example.com", HR), trainee):
        with pytest.raises(api.QuizError, match="permission"):
            marking.grade_essay(person, essay.pk, levels)
    instructor = make_user("teacher@example.com", INSTRUCTORS)
    courses_api.enrol_learner(instructor, quiz.get_parent().get_parent().specific)
    own = api.start_attempt(instructor, quiz)
    own_essay = own.questions.get(manual=True)
    with pytest.raises(marking.MarkingRefused, match="not been submitted"):
        marking.grade_essay(make_user("second@example.com", INSTRUCTORS), own_essay.pk, levels)
    api.submit_attempt(instructor, own.pk)
    with pytest.raises(api.QuizError, match="your own attempt"):
        marking.grade_essay(instructor, own_essay.pk, levels)
    not_an_essay = AttemptQuestion.objects.get(attempt=own, manual=False)
    with pytest.raises(api.AttemptNotFound):
        marking.grade_essay(instructor, not_an_essay.pk, levels)
    assert not GradeChange.objects.exists()


def test_the_trainee_reads_the_rubric_and_feedback_but_never_the_graders_notes(client, capstone):
    tree, quiz, trainee = capstone
    attempt = api.start_attempt(trainee, quiz)
    client.force_login(trainee)
    with translation.override("en"):
        attempt_page = client.get(reverse("quizzes:attempt", args=[attempt.pk])).content.decode()
    assert "## Goal" in attempt_page and "Measurable" in attempt_page  # template and rubric
    api.submit_attempt(trainee, attempt.pk)
    essay = AttemptQuestion.objects.get(attempt=attempt, manual=True)
    marking.grade_essay(make_user("teacher@example.com", INSTRUCTORS), essay.pk, {
        "levels": {"goal": 1, "budget": 1}, "comments": {"goal": "Say by how much."}, "feedback": "A solid plan."})
    with translation.override("en"):
        result = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
    assert "Vague" in result and "Say by how much." in result and "A solid plan." in result
    for page in (attempt_page, result):
        assert "SECRET-GRADER-NOTE" not in page


def test_an_unanswered_essay_is_still_graded_by_a_person(capstone):
    _tree, quiz, trainee = capstone
    attempt = api.start_attempt(trainee, quiz)
    api.submit_attempt(trainee, attempt.pk)
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.AWAITING


@pytest.mark.parametrize("essay, message", [
    ({"attachments": 9}, "Attachments must be a whole number from 0 to 5"),
    ({"attachments": 1, "attachments_required": 2}, "Required attachments"),
    ({"rubric": [{"key": "a", "title": "A", "levels": [{"points": 1, "title": "x"}]}]}, "needs 2 to 10 levels"),
    ({"rubric": [{"key": "A B", "title": "A", "levels": RUBRIC[1]["levels"]}]}, "needs a key"),
    ({"rubric": [RUBRIC[1], RUBRIC[1]]}, "repeats the key"),
    ({"rubric": [{"key": "a", "title": "A", "levels": [{"points": 2, "title": "x"}, {"points": 2, "title": "y"}]}]},
     "best levels must be worth more"),
    ({"rubric": [{"key": "a", "title": "A", "levels": [{"points": float("nan"), "title": "x"},
                                                       {"points": 2, "title": "y"}]}]}, "points from 0 to 1000"),
    ({"colour": "red"}, "Unknown essay settings: colour"),
])
def test_essay_settings_that_cannot_work_are_refused(essay, message):
    with translation.override("en"):
        errors = rubrics.settings_errors(essay)
    assert any(message in str(e) for e in errors), errors


def test_an_essay_without_a_rubric_is_scored_in_points_within_its_maximum(practice_quiz):
    _tree, quiz = practice_quiz({**ESSAY, "essay": {}})
    trainee = make_user("plain@example.com")
    courses_api.enrol_learner(trainee, quiz.get_parent().get_parent().specific)
    attempt = api.start_attempt(trainee, quiz)
    api.submit_attempt(trainee, attempt.pk)
    essay = attempt.questions.get()
    grader = make_user("teacher@example.com", INSTRUCTORS)
    with pytest.raises(marking.MarkingRefused, match="from 0 to 10"):
        marking.grade_essay(grader, essay.pk, {"points": "10.5"})
    marking.grade_essay(grader, essay.pk, {"points": "7.5"})
    attempt.refresh_from_db()
    assert attempt.score == Decimal("7.500") and attempt.percent == Decimal("75.00") and attempt.passed


def test_the_dashboard_says_an_attempt_awaits_grading_until_it_is_graded(client, capstone):
    _tree, quiz, trainee = capstone
    _attempt, essay = submitted(quiz, trainee)
    client.force_login(trainee)
    with translation.override("en"):
        url = reverse("courses:dashboard")
    assert "awaiting grading" in client.get(url).content.decode()
    marking.grade_essay(make_user("teacher@example.com", INSTRUCTORS), essay.pk, {"levels": {"goal": 2, "budget": 1}})
    assert "awaiting grading" not in client.get(url).content.decode()
