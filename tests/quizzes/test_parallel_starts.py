"""Starts at the same moment, on separate connections, as when a class presses Start at 9:00 or
one trainee double-clicks in two tabs: the draw is prepared outside the write transaction, so
the limits are checked again inside it and the unique constraints settle the rest. One trainee
ends with one open attempt, within the quiz's limit; every trainee of a class gets their own."""

import os
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from courses import api as courses_api
from quizzes import api
from quizzes.models import Attempt, AttemptStatus
from tests.conftest import make_user

pytestmark = [
    pytest.mark.skipif(connection.vendor == "sqlite" and not os.environ.get("TEST_SQLITE_FILE"),
                       reason="in-memory SQLite has no file lock to queue parallel writers"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # the groups from migrations
]
STARTS = 6


def _at_once(users, quiz):
    """Each user's start on its own connection, released together; what each got."""
    barrier, outcomes = threading.Barrier(len(users)), [None] * len(users)

    def start(index, user_id):
        try:
            user = get_user_model().objects.get(pk=user_id)
            barrier.wait(10)
            outcomes[index] = api.start_attempt(user, quiz).pk
        except api.QuizError as error:
            outcomes[index] = str(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=(i, u.pk)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def _limited(quiz_setup, max_attempts, time_limit=0):
    quiz = quiz_setup.quiz
    quiz.max_attempts, quiz.time_limit_minutes = max_attempts, time_limit
    quiz.save_revision().publish()
    quiz.refresh_from_db()
    return quiz


@pytest.mark.parametrize("history", ["none", "finished", "late"])
def test_parallel_starts_by_one_trainee_make_one_attempt_within_the_limit(trainee, quiz_setup, history):
    """With no attempt yet, one finished, or one open past its deadline, six simultaneous
    starts with a limit of two attempts all land on the same new attempt, numbered next."""
    quiz = _limited(quiz_setup, max_attempts=2, time_limit=5)
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    if history != "none":
        first = api.start_attempt(trainee, quiz)
        if history == "finished":
            api.submit_attempt(trainee, first.pk)
        else:
            Attempt.objects.filter(pk=first.pk).update(deadline=timezone.now() - timedelta(minutes=2))

    outcomes = _at_once([trainee] * STARTS, quiz)

    attempts = list(Attempt.objects.filter(user=trainee).order_by("number"))
    new = attempts[-1]
    assert outcomes == [new.pk] * STARTS
    assert [a.number for a in attempts] == list(range(1, len(attempts) + 1))
    assert len(attempts) == (1 if history == "none" else 2)
    assert [a.status for a in attempts].count(AttemptStatus.IN_PROGRESS) == 1 and new.is_open
    assert new.questions.count() == quiz.draws.get().count
    if history == "late":
        assert attempts[0].finished_by == "deadline"


def test_parallel_starts_beyond_the_limit_are_all_refused(trainee, quiz_setup):
    """The last attempt used: every one of six simultaneous starts is refused."""
    quiz = _limited(quiz_setup, max_attempts=1)
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    api.submit_attempt(trainee, api.start_attempt(trainee, quiz).pk)

    outcomes = _at_once([trainee] * STARTS, quiz)

    assert all(isinstance(o, str) for o in outcomes) and len(set(outcomes)) == 1, outcomes  # the same refusal
    assert Attempt.objects.filter(user=trainee).count() == 1


def test_a_class_starting_together_each_gets_their_own_attempt(quiz_setup):
    """Six trainees at once: six attempts, each with its full set of frozen questions."""
    users = [make_user(f"class{i}@example.com") for i in range(STARTS)]
    for user in users:
        courses_api.enrol_learner(user, quiz_setup.tree.course)

    outcomes = _at_once(users, quiz_setup.quiz)

    attempts = Attempt.objects.filter(pk__in=outcomes)
    assert sorted(a.user_id for a in attempts) == sorted(u.pk for u in users)
    count = quiz_setup.quiz.draws.get().count
    assert all(a.questions.count() == count and a.max_score == count for a in attempts)
