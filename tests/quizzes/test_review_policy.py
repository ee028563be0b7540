"""Right answers follow Moodle's "later, while the quiz is still open" rule: by default a review
shows them only for a passing attempt or once the quiz closes, so blank attempts (which are
drawn unseen questions first) cannot collect a bank's answers. Instructors may choose."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from courses import api as courses_api
from quizzes import api
from quizzes.grading import right_answer
from quizzes.models import AnswersShown, Attempt, QuizPage, ReviewPolicy

# Never in a response before answers are due: per-choice feedback, the right-answer label, the
# grading keys. A review adds the right choices and texts (the attempt page lists choices).
SECRETS = ["Engineering does that.", "That is acquisition.", "Right answer:", "正确答案", "fraction", "tolerance"]
ANSWERS = [*SECRETS, "Server maintenance", "DAU", "日活", "User growth"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def learner(client, trainee, quiz_setup):
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    client.force_login(trainee)
    return trainee


def url(name, *args):
    """An /en/ URL: each request activates its URL's language, so the test's override alone
    does not last past the first zh-hans page."""
    with translation.override("en"):
        return reverse(name, args=args)


def _settings(quiz, **fields):
    for name, value in fields.items():
        setattr(quiz, name, value)
    quiz.save_revision().publish()


def _take(client, quiz, *, right):
    """Start, answer every question (right) or none (blank), submit; every response's text."""
    responses = [client.post(url("quizzes:start", quiz.pk))]
    attempt = Attempt.objects.latest("pk")
    responses.append(client.get(url("quizzes:attempt", attempt.pk)))
    if right:
        for question in attempt.questions.all():
            responses.append(client.post(
                url("quizzes:save", attempt.pk),
                json.dumps({"position": question.position, "response": right_answer(question.spec)}),
                content_type="application/json"))
    responses.append(client.post(url("quizzes:submit", attempt.pk)))
    responses.append(client.get(quiz.url))
    attempt.refresh_from_db()
    return attempt, "\n".join(r.content.decode() for r in responses)


def _review(client, attempt):
    return client.get(url("quizzes:result", attempt.pk)).content.decode()


def _leaks(text, secrets=ANSWERS):
    return [secret for secret in secrets if secret in text]


@pytest.mark.parametrize("policy", [ReviewPolicy.ANSWERS, ReviewPolicy.FEEDBACK])
def test_a_blank_attempt_reveals_no_right_answer_by_default(client, learner, quiz_setup, policy):
    """Every page and JSON response around a blank attempt, its review included, is free of
    right answers and feedback; the review shows the score and says when answers come."""
    _settings(quiz_setup.quiz, review_policy=policy)
    assert QuizPage.objects.get(pk=quiz_setup.quiz.pk).answers_shown == AnswersShown.PASSED_OR_CLOSED
    attempt, text = _take(client, quiz_setup.quiz, right=False)
    assert not attempt.passed
    assert _leaks(text, SECRETS) == []
    review = _review(client, attempt)
    assert _leaks(review) == []
    assert "0%" in review
    assert "Right answers are shown in the review of a passing attempt, or once the quiz closes." in review


def test_many_blank_attempts_collect_nothing(client, trainee, make_quiz):
    """The attack of the issue: a bank drawn whole over several blank attempts, no answer shown."""
    setup = make_quiz(extra_questions=7)
    setup.quiz.draws.update(count=7)
    courses_api.enrol_learner(trainee, setup.tree.course)
    client.force_login(trainee)
    seen = set()
    for _ in range(2):
        attempt, text = _take(client, setup.quiz, right=False)
        seen |= set(attempt.questions.values_list("question_key", flat=True))
        assert _leaks(text, SECRETS) == [] and _leaks(_review(client, attempt)) == []
    assert len(seen) == 14  # every question of the bank was drawn


def test_a_passing_attempt_shows_its_right_answers_and_feedback(client, learner, quiz_setup):
    attempt, _ = _take(client, quiz_setup.quiz, right=True)
    assert attempt.passed
    review = _review(client, attempt)
    assert "Server maintenance" in review and "Engineering does that." in review


def test_passing_once_does_not_open_the_answers_of_other_attempts(client, learner, quiz_setup):
    """Answers follow each attempt: a blank attempt after a pass still shows none (it may
    have been drawn questions the pass never saw)."""
    _take(client, quiz_setup.quiz, right=True)
    blank, _ = _take(client, quiz_setup.quiz, right=False)
    assert _leaks(_review(client, blank)) == []


def test_once_the_quiz_closes_every_review_shows_the_answers(client, learner, quiz_setup):
    attempt, _ = _take(client, quiz_setup.quiz, right=False)
    _settings(quiz_setup.quiz, closes_at=timezone.now() - timedelta(minutes=1))
    review = _review(client, attempt)
    assert "Server maintenance" in review and "Right answer:" in review


@pytest.mark.parametrize("shown,after_blank,after_pass", [
    (AnswersShown.ALWAYS, True, True),
    (AnswersShown.PASSED_OR_CLOSED, False, True),
    (AnswersShown.CLOSED, False, False),
])
def test_instructors_choose_when_answers_are_shown(client, learner, quiz_setup, shown, after_blank, after_pass):
    _settings(quiz_setup.quiz, answers_shown=shown)
    blank, _ = _take(client, quiz_setup.quiz, right=False)
    passed, _ = _take(client, quiz_setup.quiz, right=True)
    for attempt, expected in ((blank, after_blank), (passed, after_pass)):
        review = _review(client, attempt)
        assert ("Server maintenance" in review) is expected, (shown, attempt.passed)
        assert f"{attempt.percent:.0f}%" in review
    if shown == AnswersShown.CLOSED:
        assert "Right answers are shown once the quiz closes." in review


def test_the_rule_is_decided_by_the_api(learner, quiz_setup):
    """`review_level` is the one place: score only until the moment, then the quiz's level."""
    attempt = api.submit_attempt(learner, api.start_attempt(learner, quiz_setup.quiz).pk)
    attempt.quiz = quiz_setup.quiz
    assert api.review_level(attempt) == ReviewPolicy.SCORE
    later = (quiz_setup.quiz.closes_at or timezone.now()) + timedelta(days=1)
    quiz_setup.quiz.closes_at = timezone.now() + timedelta(hours=1)
    assert api.review_level(attempt) == ReviewPolicy.SCORE
    assert api.review_level(attempt, now=later) == ReviewPolicy.FEEDBACK
    quiz_setup.quiz.review_policy = ReviewPolicy.SCORE
    assert api.review_level(attempt, now=later) == ReviewPolicy.SCORE
