"""Starting a quiz judges the course's locks on the course as the database holds it now. The
start reads the cached course outline only when its stamp still matches the database
(`courses.outline.stamp`), because a cache may not have heard of a change: an in-process cache
is one worker's, and another worker or server may have published it. Such a stale copy must
never let a locked-out trainee start."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import PageViewRestriction

from courses import api as courses_api
from courses.models import LessonPage, ModulePage
from courses.outline import outline_at, stamp
from quizzes import api
from quizzes.models import Attempt, QuizDraw, QuizPage
from tests.quizzes.test_exam_access import add_exam, finish_modules


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@contextmanager
def made_elsewhere():
    """Changes made by another worker or server: this process's cache never hears of them (its
    content version does not advance), so its outline stays cached as it was."""
    with mock.patch("content.cache_keys.advance_version"):
        yield


def _warm(client, user, quiz):
    """The quiz page, then a fresh check, leave the outline cached and stamped."""
    client.get(quiz.url)
    assert api.access_refusal(user, quiz, fresh=True) is None


def _start(client, quiz):
    with translation.override("en"):  # each request activates its URL's language
        return client.post(reverse("quizzes:start", args=[quiz.pk]))


def test_a_prerequisite_published_elsewhere_locks_the_module_quiz(client, make_tree, trainee, quiz_setup):
    """Module 2's quiz is open; elsewhere, module 2 is published requiring module 1: the
    start is refused although this process's cached outline still shows no prerequisite."""
    tree = quiz_setup.tree
    first, second = tree.modules
    second.prerequisite = None
    second.save_revision().publish()
    quiz = QuizPage(title="Module 2 quiz", slug="quiz-2", requires_lessons_complete=False,
                    draws=[QuizDraw(bank=quiz_setup.bank, count=3)])
    second.add_child(instance=quiz)
    quiz.save_revision().publish()
    courses_api.enrol_learner(trainee, tree.course)
    client.force_login(trainee)
    _warm(client, trainee, quiz)

    with made_elsewhere():
        second.prerequisite = first
        second.save_revision().publish()
    assert outline_at(tree.course.path).module_at(second.path).prerequisite is None  # the stale copy

    response = _start(client, quiz)
    assert response.status_code == 403
    assert f"finish “{first.title}” first" in response.content.decode()
    assert not Attempt.objects.exists()


def test_a_lesson_published_elsewhere_keeps_the_quiz_closed_until_it_is_read(client, make_quiz, trainee):
    """A quiz that opens once every lesson of its module is read stays closed when a lesson
    was added elsewhere since the outline was cached."""
    setup = make_quiz(requires_lessons_complete=True)
    module, lessons = setup.tree.modules[0], setup.tree.lessons[0]
    courses_api.enrol_learner(trainee, setup.tree.course)
    for lesson in lessons:
        courses_api.complete_lesson(trainee, lesson)
    client.force_login(trainee)
    _warm(client, trainee, setup.quiz)

    with made_elsewhere():
        module.add_child(instance=LessonPage(title="Added elsewhere", slug="added-elsewhere")).save_revision().publish()
    assert len(outline_at(setup.tree.course.path).lessons_in(module.path)) == len(lessons)  # the stale copy

    response = _start(client, setup.quiz)
    assert response.status_code == 403
    assert f"{len(lessons)} of {len(lessons) + 1} so far" in response.content.decode()
    assert not Attempt.objects.exists()


def test_a_module_published_elsewhere_keeps_the_exam_locked(client, trainee, quiz_setup):
    """Every module done opens the final exam; a module published elsewhere since closes it
    again, whatever this process has cached."""
    exam = add_exam(quiz_setup)
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    finish_modules(trainee, quiz_setup)
    client.force_login(trainee)
    _warm(client, trainee, exam)

    with made_elsewhere():
        quiz_setup.tree.course.add_child(
            instance=ModulePage(title="Added elsewhere", slug="added-module")).save_revision().publish()
    assert len(outline_at(quiz_setup.tree.course.path).modules) == 2  # the stale copy

    response = _start(client, exam)
    assert response.status_code == 403
    assert "finish “Added elsewhere” first" in response.content.decode()
    assert not Attempt.objects.exists()


def test_an_unchanged_course_is_judged_on_the_cached_outline(client, trainee, quiz_setup, django_assert_num_queries):
    """With nothing changed, a fresh check costs the stamp and the learner's rows: the
    outline itself comes from the cache."""
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    _warm(client, trainee, quiz_setup.quiz)
    quiz = QuizPage.objects.get(pk=quiz_setup.quiz.pk)
    # parent module, stamp, the learner's lessons, completions and enrolments
    with django_assert_num_queries(3):
        assert api.access_refusal(trainee, quiz, fresh=True) is None


def test_the_stamp_changes_with_everything_an_outline_is_built_from(tree):
    """Publishing (a title, a prerequisite), unpublishing, moving, deleting and restricting a
    page of the course each change the stamp; nothing changed, nothing differs."""
    path = tree.course.path
    first, second = tree.modules
    lesson = tree.lessons[0][0]
    stamps = [stamp(path)]
    assert stamp(path) == stamps[0]

    def changed():
        stamps.append(stamp(path))
        return stamps[-1] != stamps[-2]

    second.prerequisite = None
    second.save_revision().publish()
    assert changed()
    lesson.unpublish()
    assert changed()
    lesson.move(tree.modules[1], pos="last-child")
    assert changed()
    PageViewRestriction.objects.create(page=first, restriction_type=PageViewRestriction.LOGIN)
    assert changed()
    tree.lessons[1][0].delete()
    assert changed()
