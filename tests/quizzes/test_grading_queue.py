"""The grading queue and grading page in the Wagtail admin: only graders get in; essays of
submitted attempts wait awaiting-first and oldest-first, filtered by course, quiz and status;
blind grading hides who wrote them; the form grades through `marking.grade_essay` (a refused
marking writes nothing and keeps what was typed; a regrade needs a reason); the menu and the
dashboard count what awaits; the queue's query count does not grow with its rows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from certification.models import Certificate
from courses import api as courses_api
from courses.models import CoursePage
from quizzes import api, marking
from quizzes.models import Attempt, AttemptFile, AttemptQuestion, AttemptStatus, GradeChange, QuizDraw, QuizPage
from tests.conftest import HR, INSTRUCTORS, make_user
from tests.quizzes.test_essays import ESSAY, capstone, submitted  # noqa: F401 (capstone: a fixture)

QUEUE = "/admin/grading/"
LEVELS = {"level-goal": "2", "level-budget": "1"}  # the best of each: 10 of 10 points


def grade_url(essay, query=""):
    return f"/admin/grading/{essay.pk}/{query}"


@pytest.fixture
def grader(db):
    return make_user("grader@example.com", INSTRUCTORS, display_name="Grace Grader")


@pytest.fixture
def grader_client(client, grader):
    client.force_login(grader)
    return client


def add_quiz(parent, bank, *, title, slug, **options):
    """Another quiz drawing the capstone's bank (an essay and a true/false question)."""
    quiz = QuizPage(title=title, slug=slug, draws=[QuizDraw(bank=bank, count=2)], requires_lessons_complete=False,
                    requires_modules_complete=False, answers_shown="always", **options)
    parent.add_child(instance=quiz)
    quiz.save_revision().publish()
    return QuizPage.objects.get(pk=quiz.pk)


@pytest.fixture
def other_course(capstone):  # noqa: F811 (the imported fixture)
    """A second course, its final exam drawing the same essay."""
    tree, quiz, _trainee = capstone
    course = CoursePage(title="Second Course", slug="second")
    tree.course.get_parent().add_child(instance=course)
    course.save_revision().publish()
    exam = add_quiz(course, quiz.draws.get().bank, title="Second Exam", slug="second-exam")
    return CoursePage.objects.get(pk=course.pk), exam


def submit_as(email, quiz, *, days_ago=0, name=""):
    """A trainee's submitted attempt (enrolled in the quiz's course), finished `days_ago`."""
    trainee = make_user(email, display_name=name)
    course = quiz.get_ancestors().type(CoursePage).first().specific
    courses_api.enrol_learner(trainee, course)
    attempt, essay = submitted(quiz, trainee)
    Attempt.objects.filter(pk=attempt.pk).update(finished_at=timezone.now() - timedelta(days=days_ago))
    return essay


def rows(html):
    """The queue's essay ids in their order, read from the grading links."""
    import re

    return [int(pk) for pk in re.findall(r'href="/admin/grading/(\d+)/', html)]


# Who gets in --------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status, location", [
    ("anonymous", 302, "/accounts/login/"),
    ("trainee", 302, "/accounts/login/"),
    ("hr", 302, "/admin/"),
    ("instructor", 200, None),
])
def test_only_graders_reach_the_queue_and_the_grading_page(client, capstone, role, status, location):  # noqa: F811
    _tree, quiz, trainee = capstone
    _attempt, essay = submitted(quiz, trainee)
    people = {"trainee": trainee, "hr": make_user("hr@example.com", HR),
              "instructor": make_user("teacher@example.com", INSTRUCTORS)}
    if role in people:
        client.force_login(people[role])
    for url in (QUEUE, grade_url(essay), QUEUE + "results/"):
        response = client.get(url)
        assert response.status_code == status, url
        if location:
            assert response["Location"].split("?")[0].replace("/zh-hans", "") == location, url
    assert client.post(grade_url(essay), LEVELS).status_code == 302  # graded, or turned away
    assert GradeChange.objects.exists() is (role == "instructor")


def test_a_grade_posted_without_the_csrf_token_is_refused(grader, capstone):  # noqa: F811
    _tree, quiz, trainee = capstone
    _attempt, essay = submitted(quiz, trainee)
    client = Client(enforce_csrf_checks=True)
    client.force_login(grader)
    assert client.post(grade_url(essay), LEVELS).status_code == 403
    assert not GradeChange.objects.exists()


def test_an_essay_not_in_the_queue_is_a_404(grader_client, grader, capstone):  # noqa: F811
    """A guessed id, an attempt still in progress and the grader's own attempt look alike."""
    tree, quiz, _trainee = capstone
    slow = make_user("slow@example.com")
    courses_api.enrol_learner(slow, tree.course)
    open_attempt = api.start_attempt(slow, quiz)
    assert grader_client.get("/admin/grading/987654/").status_code == 404
    assert grader_client.get(grade_url(open_attempt.questions.get(manual=True))).status_code == 404
    courses_api.enrol_learner(grader, tree.course)
    _own, own_essay = submitted(quiz, grader)
    assert grader_client.get(grade_url(own_essay)).status_code == 404
    assert grader_client.post(grade_url(own_essay), LEVELS).status_code == 404
    assert own_essay.pk not in rows(grader_client.get(QUEUE).content.decode())
    assert not GradeChange.objects.exists()


# The queue ----------------------------------------------------------------------------------

def test_the_queue_lists_awaiting_essays_first_oldest_first(grader_client, grader, capstone):  # noqa: F811
    _tree, quiz, _trainee = capstone
    newer = submit_as("newer@example.com", quiz, days_ago=1, name="Newer Person")
    older = submit_as("older@example.com", quiz, days_ago=3, name="Older Person")
    oldest = submit_as("oldest@example.com", quiz, days_ago=5, name="Oldest Person")
    marking.grade_essay(grader, oldest.pk, {"levels": {"goal": 2, "budget": 0}})  # 5 of 10
    html = grader_client.get(QUEUE).content.decode()
    assert rows(html) == [older.pk, newer.pk]  # awaiting only, by default
    assert "Older Person" in html and "campaign-plan · Write a one-page plan" in html
    assert "Operations Course" in html and "Practice" in html

    html = grader_client.get(QUEUE, {"status": "all"}).content.decode()
    assert rows(html) == [older.pk, newer.pk, oldest.pk]  # then the graded ones
    graded = html[html.index(f"/admin/grading/{oldest.pk}/"):]
    assert 'data-status="graded"' in graded and "5 / 10" in graded and "Grace Grader" in graded
    assert rows(grader_client.get(QUEUE, {"status": "graded"}).content.decode()) == [oldest.pk]


def test_the_queue_filters_by_course_and_quiz(grader_client, capstone, other_course):  # noqa: F811
    tree, quiz, _trainee = capstone
    course, exam = other_course
    here = submit_as("here@example.com", quiz)
    there = submit_as("there@example.com", exam)
    html = grader_client.get(QUEUE).content.decode()
    assert sorted(rows(html)) == sorted([here.pk, there.pk])
    assert "Second Course" in html and "Second Exam" in html
    by_course = grader_client.get(QUEUE, {"course": str(course.translation_key)}).content.decode()
    assert rows(by_course) == [there.pk]
    assert rows(grader_client.get(QUEUE, {"course": str(tree.course.translation_key)}).content.decode()) == [here.pk]
    assert rows(grader_client.get(QUEUE, {"quiz": str(quiz.translation_key)}).content.decode()) == [here.pk]
    # The filters' AJAX results and the links onward keep the filter.
    results = grader_client.get(QUEUE + "results/", {"quiz": str(exam.translation_key)}).content.decode()
    assert rows(results) == [there.pk] and f"/admin/grading/{there.pk}/?quiz={exam.translation_key}" in results


@pytest.mark.parametrize("query", [{"status": "lost"}, {"quiz": "not-a-quiz"}, {"course": "nowhere"}])
def test_a_filter_that_does_not_exist_is_refused(grader_client, capstone, query):  # noqa: F811
    assert grader_client.get(QUEUE, query).status_code == 400


def test_blind_grading_hides_the_trainee_on_the_queue_and_the_grading_page(grader_client, grader, practice_quiz):
    _tree, quiz = practice_quiz(ESSAY, blind_grading=True)
    essay = submit_as("hidden.person@example.com", quiz, name="Hidden Person")
    marking.grade_essay(grader, essay.pk, {"levels": {"goal": 1, "budget": 0}})
    label = f"Submission #{essay.attempt_id}"
    for url in (f"{QUEUE}?status=all", grade_url(essay)):
        html = grader_client.get(url).content.decode()
        assert label in html, url
        assert "Hidden Person" not in html and "hidden.person" not in html, url
    assert "Grace Grader" in html  # graders' names stay in the history


# Grading through the form -------------------------------------------------------------------

def test_the_grading_page_shows_the_answer_its_files_the_notes_and_the_rubric(grader_client, capstone):  # noqa: F811
    _tree, quiz, trainee = capstone
    _attempt, essay = submitted(quiz, trainee, essay="## Goal\nGrow GMV **20%**<script>alert(1)</script>")
    attached = AttemptFile.objects.create(
        attempt_question=essay, file=ContentFile(b"%PDF-1.4 plan", name="plan.pdf"), name="plan.pdf", size=13,
        content_type="application/pdf")
    html = grader_client.get(grade_url(essay)).content.decode()
    assert "<strong>20%</strong>" in html and "<script>alert(1)" not in html  # Markdown, sanitised
    with translation.override("en"):  # the admin speaks the grader's language
        download = reverse("quizzes:attachment", args=[attached.pk])
    assert f'<a href="{download}" download' in html
    assert grader_client.get(download).status_code == 200  # graders may download it
    assert "SECRET-GRADER-NOTE" in html  # the notes for graders, never shown to trainees
    assert html.count('type="radio" name="level-goal"') == 3 and html.count('type="radio" name="level-budget"') == 2
    assert 'name="comment-goal"' in html and 'name="feedback"' in html and 'name="reason"' not in html


def test_grading_through_the_form_totals_the_attempt_and_issues_the_certificate(
        grader_client, grader, capstone, django_capture_on_commit_callbacks):  # noqa: F811
    _tree, quiz, trainee = capstone
    attempt, essay = submitted(quiz, trainee)
    form = {**LEVELS, "comment-goal": "Measurable indeed.", "feedback": "A plan to run."}
    with django_capture_on_commit_callbacks(execute=True):
        response = grader_client.post(grade_url(essay), form)
    assert response.status_code == 302 and response["Location"] == QUEUE
    essay.refresh_from_db()
    attempt.refresh_from_db()
    assert essay.score == Decimal("10.000") and essay.marked_by == grader
    assert essay.marking == {"levels": {"goal": 2, "budget": 1}, "comments": {"goal": "Measurable indeed."},
                             "feedback": "A plan to run."}
    assert attempt.status == AttemptStatus.FINISHED and attempt.score == Decimal("12.000") and attempt.passed
    assert Certificate.objects.get(user=trainee).source_attempt_id == attempt.pk
    page = grader_client.get(response["Location"]).content.decode()
    assert "Grade saved" in page

    html = grader_client.get(grade_url(essay)).content.decode()  # the regrade form starts from the grade
    assert 'value="2" data-level-points="4" checked' in html and "Measurable indeed." in html
    assert 'name="reason"' in html and "Grace Grader" in html


def test_a_refused_marking_writes_nothing_and_keeps_what_was_typed(grader_client, capstone):  # noqa: F811
    _tree, quiz, trainee = capstone
    attempt, essay = submitted(quiz, trainee)
    response = grader_client.post(grade_url(essay), {
        "level-goal": "1", "comment-goal": "Half there.", "comment-budget": "Where is it?", "feedback": "Kept words"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a level for “Budget”" in html
    assert 'value="1" data-level-points="2" checked' in html
    assert "Half there." in html and "Where is it?" in html and "Kept words" in html
    assert not GradeChange.objects.exists()
    assert AttemptQuestion.objects.get(pk=essay.pk).score is None
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.AWAITING


def test_a_regrade_needs_a_reason_and_lands_in_the_history(grader_client, grader, capstone):  # noqa: F811
    _tree, quiz, trainee = capstone
    _attempt, essay = submitted(quiz, trainee)
    marking.grade_essay(grader, essay.pk, {"levels": {"goal": 0, "budget": 0}})
    response = grader_client.post(grade_url(essay), {**LEVELS, "reason": "  "})
    assert response.status_code == 400 and "Say why the grade changes" in response.content.decode()
    assert AttemptQuestion.objects.get(pk=essay.pk).score == Decimal("0.000") and GradeChange.objects.count() == 1

    response = grader_client.post(grade_url(essay), {**LEVELS, "reason": "Budget was in the appendix"})
    assert response.status_code == 302
    assert AttemptQuestion.objects.get(pk=essay.pk).score == Decimal("10.000")
    history = grader_client.get(grade_url(essay)).content.decode()
    history = history[history.index("data-history"):]
    assert "Budget was in the appendix" in history and ">0<" in history and ">10<" in history


def test_a_grade_given_meanwhile_by_another_grader_is_not_overwritten(grader_client, capstone):  # noqa: F811
    """The page was opened as a first grade; someone graded it first: saving asks for a reason."""
    _tree, quiz, trainee = capstone
    _attempt, essay = submitted(quiz, trainee)
    marking.grade_essay(make_user("first@example.com", INSTRUCTORS), essay.pk, {"levels": {"goal": 1, "budget": 1}})
    response = grader_client.post(grade_url(essay), LEVELS)
    html = response.content.decode()
    assert response.status_code == 400 and "Say why" in html and 'name="reason"' in html
    assert GradeChange.objects.count() == 1


def test_an_essay_without_a_rubric_is_given_points(grader_client, practice_quiz):
    _tree, quiz = practice_quiz({**ESSAY, "essay": {}})
    essay = submit_as("plain@example.com", quiz)
    html = grader_client.get(grade_url(essay)).content.decode()
    assert 'name="points"' in html and 'max="10.0"' in html and "level-" not in html
    response = grader_client.post(grade_url(essay), {"points": "11"})
    assert response.status_code == 400 and "Give a score from 0 to 10" in response.content.decode()
    assert grader_client.post(grade_url(essay), {"points": "7.5"}).status_code == 302
    assert AttemptQuestion.objects.get(pk=essay.pk).score == Decimal("7.500")


def test_save_and_next_goes_on_to_the_next_awaiting_essay_of_the_same_filter(
        grader_client, capstone, other_course):  # noqa: F811
    _tree, quiz, _trainee = capstone
    _course, exam = other_course
    first = submit_as("first@example.com", quiz, days_ago=3)
    elsewhere = submit_as("elsewhere@example.com", exam, days_ago=2)
    second = submit_as("second@example.com", quiz, days_ago=1)
    query = f"?quiz={quiz.translation_key}"
    response = grader_client.post(grade_url(first, query), {**LEVELS, "next": "1"})
    assert response["Location"] == grade_url(second, query)  # not the other quiz's, older as it is
    response = grader_client.post(grade_url(second, query), {**LEVELS, "next": "1"})
    assert response["Location"] == QUEUE + query
    assert "No more essays await grading here" in grader_client.get(response["Location"]).content.decode()
    response = grader_client.post(grade_url(elsewhere), {**LEVELS, "next": "1"})  # no filter: the whole queue
    assert response["Location"] == QUEUE


# Ways in: the menu's count and the dashboard ------------------------------------------------

def test_the_menu_and_the_dashboard_count_what_awaits_grading_for_graders_only(client, grader, capstone):  # noqa: F811
    _tree, quiz, _trainee = capstone
    essays = [submit_as(f"t{n}@example.com", quiz) for n in range(3)]
    client.force_login(grader)
    home = client.get("/admin/").content.decode()
    assert "Grading (3)" in home and "3 essays await grading." in home
    marking.grade_essay(grader, essays[0].pk, {"levels": {"goal": 1, "budget": 1}})
    assert "Grading (2)" in client.get("/admin/").content.decode()
    client.force_login(make_user("hr@example.com", HR))
    home = client.get("/admin/").content.decode()
    assert "/admin/grading/" not in home and "await grading" not in home


# Query counts -------------------------------------------------------------------------------

def add_submissions(quiz, n):
    """n submitted essays of n trainees, every third one graded, in bulk."""
    question = AttemptQuestion.objects.filter(manual=True).select_related("question").first().question
    spec = api.freeze(question)
    grader = make_user("bulk-grader@example.com", INSTRUCTORS)
    now = timezone.now()
    people = [make_user(f"bulk{i}@example.com", display_name=f"Bulk {i}") for i in range(n)]
    attempts = Attempt.objects.bulk_create(
        Attempt(user=person, quiz=quiz, quiz_key=quiz.translation_key, number=1, status=AttemptStatus.AWAITING,
                finished_at=now - timedelta(minutes=i), max_score=Decimal(10))
        for i, person in enumerate(people))
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(attempt=attempt, position=1, question=question, question_key=question.translation_key,
                        spec=spec, response="An answer", manual=True,
                        **({"score": Decimal(5), "marked_at": now, "marked_by": grader} if i % 3 == 0 else {}))
        for i, attempt in enumerate(attempts))


# Every admin request: session, user, user and group permissions, the Wagtail user profile (5).
# The queue: the course pages, the quizzes with essays, their parents (filters and labels, 3);
# the count for the paginator, the page of essays with their trainees, quizzes and graders (2).
# The admin's chrome: the essays awaiting (the menu's count), locales, page and collection
# permissions, the explorer's root (5).
QUEUE_QUERIES = 5 + 3 + 2 + 5


@pytest.mark.parametrize("n", [3, 30])
def test_the_queues_queries_do_not_grow_with_its_rows(grader_client, capstone, n, django_assert_num_queries):  # noqa: F811
    _tree, quiz, trainee = capstone
    submitted(quiz, trainee)
    add_submissions(quiz, n)
    grader_client.get(QUEUE)  # warm caches (content types, site root)
    with django_assert_num_queries(QUEUE_QUERIES):
        html = grader_client.get(QUEUE, {"status": "all"}).content.decode()
    assert len(rows(html)) == min(n + 1, 25)  # a page holds 25
