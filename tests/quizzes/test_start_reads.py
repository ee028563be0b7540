"""The start reads its quiz in one hand-written statement (`queries.live_quiz`): the same
instance the ORM builds, and only for a live quiz."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import api as courses_api
from quizzes import queries
from quizzes.models import Attempt, QuizPage


def test_the_quiz_read_for_a_start_equals_the_orms(quiz_setup):
    quiz = quiz_setup.quiz
    quiz.closes_at = timezone.now() + timedelta(days=3)  # a converted value (a datetime)
    quiz.time_limit_minutes, quiz.max_attempts = 45, 2
    quiz.save_revision().publish()
    expected = QuizPage.objects.live().get(pk=quiz.pk)
    read = queries.live_quiz(quiz.pk)
    assert type(read) is QuizPage
    fields = QuizPage._meta.concrete_fields
    assert [getattr(read, f.attname) for f in fields] == [getattr(expected, f.attname) for f in fields]
    assert read.closes_at == expected.closes_at and read.closes_at.tzinfo is not None
    assert [d.pk for d in read.draws.all()] == [d.pk for d in expected.draws.all()]
    assert read._state.adding is False
    parent = read.parent_read_with_it  # the access check's parent, read in the same statement
    assert (parent.pk, parent.path, parent.specific_class) == (quiz.get_parent().pk, quiz.get_parent().path,
                                                               type(quiz.get_parent().specific))


def test_no_quiz_is_read_for_an_unpublished_quiz_or_a_page_that_is_no_quiz(quiz_setup):
    quiz, lesson = quiz_setup.quiz, quiz_setup.tree.lessons[0][0]
    assert queries.live_quiz(lesson.pk) is None
    quiz.unpublish()
    assert queries.live_quiz(quiz.pk) is None


@pytest.mark.parametrize("what", ["unpublished", "lesson"])
def test_starting_an_unpublished_quiz_or_a_lesson_is_not_found(client, quiz_setup, trainee, what):
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    client.force_login(trainee)
    target = quiz_setup.quiz
    if what == "unpublished":
        target.unpublish()
    else:
        target = quiz_setup.tree.lessons[0][0]
    response = client.post(reverse("quizzes:start", args=[target.pk]))
    assert response.status_code == 404
    assert not Attempt.objects.filter(user=trainee).exists()


def test_a_live_quiz_starts(client, quiz_setup, trainee):
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    client.force_login(trainee)
    response = client.post(reverse("quizzes:start", args=[quiz_setup.quiz.pk]))
    attempt = Attempt.objects.get(user=trainee)
    assert response.status_code == 302 and response["Location"] == reverse("quizzes:attempt", args=[attempt.pk])
