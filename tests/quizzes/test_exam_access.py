"""The final exam (a quiz under the course) follows the course's rules: enrolment always, and
by default every module done first. The server decides; the quiz page says why it is locked."""

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale

from courses import api as courses_api
from courses.models import ModuleCompletion
from quizzes import api
from quizzes.models import Attempt, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.quizzes.conftest import QUESTIONS, QuizSetup


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def add_exam(setup, **settings):
    exam = QuizPage(title="Final exam", slug="final-exam", draws=[QuizDraw(bank=setup.bank, count=3)], **settings)
    setup.tree.course.add_child(instance=exam)
    exam.save_revision().publish()
    return QuizPage.objects.get(pk=exam.pk)


@pytest.fixture
def exam(quiz_setup):
    return add_exam(quiz_setup)


def finish_modules(user, setup, count=None):
    """Module 1 is done by its quiz (assessment), module 2 by its lessons."""
    modules = setup.tree.modules[:count]
    for index, module in enumerate(modules):
        if index == 0:
            courses_api.complete_module(user, module)
        else:
            for lesson in setup.tree.lessons[index]:
                courses_api.complete_lesson(user, lesson)


def start_url(quiz):
    """The start form's action, in any language."""
    return f"/quizzes/{quiz.pk}/start/"


def _start(client, quiz):
    with translation.override("en"):  # each request activates its URL's language
        return client.post(reverse("quizzes:start", args=[quiz.pk]))


def _page(client, user, quiz):
    """The quiz's (zh-hans) page and the reason the API gives, in the page's language."""
    page = client.get(quiz.url).content.decode()
    with translation.override("zh-hans"):
        return page, api.access_refusal(user, quiz)


def test_the_exam_refuses_someone_not_enrolled(client, trainee, exam):
    """Signing up is not enough: the start is refused on the server, and the page says why."""
    client.force_login(trainee)
    response = _start(client, exam)
    assert response.status_code == 403
    assert "Enrol in “运营课程” to take this quiz." in response.content.decode()
    assert not Attempt.objects.exists()
    page, reason = _page(client, trainee, exam)
    assert reason in page and start_url(exam) not in page


def test_the_exam_stays_locked_until_every_module_is_done(client, trainee, exam, quiz_setup):
    """Enrolled with module 1 done, module 2 (done by its lessons) still keeps the exam locked;
    the reason names it. Finishing it opens the exam."""
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    client.force_login(trainee)
    assert _start(client, exam).status_code == 403
    finish_modules(trainee, quiz_setup, count=1)
    response = _start(client, exam)
    assert response.status_code == 403 and not Attempt.objects.exists()
    assert f"“{exam.title}” opens once every module is done: finish “模块2” first." in response.content.decode()
    page, reason = _page(client, trainee, exam)
    assert "模块2" in reason and reason in page and start_url(exam) not in page

    finish_modules(trainee, quiz_setup)
    assert start_url(exam) in client.get(exam.url).content.decode()
    assert _start(client, exam).status_code == 302
    assert Attempt.objects.get(user=trainee).quiz_id == exam.pk


def test_reading_every_lesson_does_not_finish_an_assessed_module(client, trainee, exam, quiz_setup):
    """Module 1 is done by passing its quiz; its lessons alone leave the exam locked."""
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    courses_api.complete_module(trainee, quiz_setup.tree.modules[0])
    finish_modules(trainee, quiz_setup)  # module 2 by its lessons
    ModuleCompletion.objects.filter(user=trainee).delete()
    for lesson in quiz_setup.tree.lessons[0]:
        courses_api.complete_lesson(trainee, lesson)
    with pytest.raises(api.QuizError, match="finish “模块1” first"):
        api.start_attempt(trainee, exam)


def test_an_exam_can_open_without_the_modules_but_never_without_enrolment(client, trainee, quiz_setup):
    """With `requires_modules_complete` off, an enrolled trainee may start at once; someone
    not enrolled still may not."""
    exam = add_exam(quiz_setup, requires_modules_complete=False)
    client.force_login(trainee)
    assert _start(client, exam).status_code == 403
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    assert _start(client, exam).status_code == 302


def test_a_module_quiz_page_says_why_it_is_locked(client, trainee, quiz_setup):
    """Module quizzes show the same refusal on their page as the server gives on start."""
    client.force_login(trainee)
    page, reason = _page(client, trainee, quiz_setup.quiz)
    assert "运营课程" in reason and reason in page and start_url(quiz_setup.quiz) not in page
    assert _start(client, quiz_setup.quiz).status_code == 403
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    assert start_url(quiz_setup.quiz) in client.get(quiz_setup.quiz.url).content.decode()


def test_a_module_quiz_opens_only_after_every_lesson_of_its_module_is_read(client, trainee, make_quiz):
    """`requires_lessons_complete` (on by default, and on every shipped module quiz): the quiz —
    and so the module and its certificate — waits for the reading; the page and the server say
    how far the trainee is, and a start is refused until the last lesson is done."""
    setup = make_quiz(requires_lessons_complete=True)
    quiz, lessons = setup.quiz, setup.tree.lessons[0]
    courses_api.enrol_learner(trainee, setup.tree.course)
    client.force_login(trainee)
    for done, lesson in enumerate(lessons):
        page, reason = _page(client, trainee, quiz)
        assert reason in page and start_url(quiz) not in page
        with translation.override("en"):
            assert f"{done} of {len(lessons)} so far" in api.access_refusal(trainee, quiz)
        assert _start(client, quiz).status_code == 403
        courses_api.complete_lesson(trainee, lesson)
    assert api.access_refusal(trainee, quiz, fresh=True) is None
    assert _start(client, quiz).status_code == 302
    assert Attempt.objects.filter(user=trainee, quiz=quiz).count() == 1


def test_the_exam_of_a_course_in_english_counts_progress_made_in_chinese(client, trainee, exam, quiz_setup):
    """Progress is keyed by translation: modules done on the zh-hans pages open the en exam."""
    english = exam.copy_for_translation(Locale.objects.get(language_code="en"), copy_parents=False)
    english.save_revision().publish()
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    with pytest.raises(api.QuizError):
        api.start_attempt(trainee, english)
    finish_modules(trainee, quiz_setup)
    for lesson in quiz_setup.tree.lessons[0]:  # the fixture made only the zh-hans module 1 assessed
        courses_api.complete_lesson(trainee, lesson)
    assert api.access_refusal(trainee, english, fresh=True) is None
    assert api.access_refusal(trainee, exam, fresh=True) is None


@pytest.mark.parametrize("modules", [1, 5])
def test_exam_page_queries_do_not_grow_with_the_course(client, make_tree, trainee, modules, django_assert_num_queries):
    tree = make_tree(modules=modules)
    bank = QuestionBank.objects.create(slug="bank", title="Bank")
    for data in QUESTIONS:
        write_question(bank, tree.course.locale, normalise(data))
    exam = add_exam(QuizSetup(tree=tree, quiz=None, bank=bank))
    courses_api.enrol_learner(trainee, tree.course)
    client.force_login(trainee)
    client.get(exam.url)  # warm the site root and the course outline caches
    # session, user, Wagtail routing (site, locale, catalog, page by path, specific, alias and
    # restriction checks), translations for the switcher, attempts, parent (crumbs and the
    # lock), the learner's lessons, completions and enrolments (one query)
    with django_assert_num_queries(13):
        assert client.get(exam.url).status_code == 200
