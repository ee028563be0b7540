"""Malformed requests to the quiz endpoints get a clear 4xx, never a 500, and store nothing."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from courses import api as courses_api
from quizzes.grading import right_answer
from quizzes.models import Attempt, Question
from quizzes.questions import normalise, write_question


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def attempt(client, trainee, quiz_setup):
    courses_api.enrol_learner(trainee, quiz_setup.tree.course)
    client.force_login(trainee)
    assert client.post(reverse("quizzes:start", args=[quiz_setup.quiz.pk])).status_code == 302
    return Attempt.objects.get(user=trainee)


def _post_json(client, attempt_id, body, **extra):
    return client.post(reverse("quizzes:save", args=[attempt_id]), body, content_type="application/json", **extra)


def _nothing_saved(attempt):
    return not attempt.questions.exclude(response=None).exists()


@pytest.mark.parametrize(
    "position", ["²", "١", "𝟙", 2**31, 2**63, 10**30, "9" * 40, 0, -1, 1.5, True, None, [1], {"a": 1}]
)
def test_a_position_that_is_no_question_number_is_refused(client, attempt, position):
    """Digits that int() refuses (superscripts, other scripts), numbers no column can hold, and
    non-integers are "no such question", not a crash."""
    response = _post_json(client, attempt.pk, json.dumps({"position": position, "response": "x"}))
    assert response.status_code == 400, response.content
    assert "question" in response.json()["error"]
    assert _nothing_saved(attempt)


@pytest.mark.parametrize("position", ["²", str(2**63), "9" * 40])
def test_a_form_position_that_is_no_question_number_is_refused(client, attempt, position):
    response = client.post(reverse("quizzes:save", args=[attempt.pk]), {"position": position, "q1": "x"})
    assert response.status_code == 400, response.content
    assert _nothing_saved(attempt)


@pytest.mark.parametrize("attempt_id", [2**31, 2**63, 10**30])
def test_an_attempt_id_too_large_for_the_column_is_not_found(client, attempt, attempt_id):
    for name in ("quizzes:save", "quizzes:submit"):
        response = client.post(reverse(name, args=[attempt_id]), json.dumps({"position": 1, "response": "x"}),
                               content_type="application/json")
        assert response.status_code == 404, (name, response.content)
    assert client.get(reverse("quizzes:attempt", args=[attempt_id])).status_code == 404
    assert client.get(reverse("quizzes:result", args=[attempt_id])).status_code == 404
    assert client.post(reverse("quizzes:start", args=[attempt_id])).status_code == 404


def test_an_ordering_rank_in_other_digits_is_refused(client, attempt):
    """Form ranks like "²" pass str.isdigit but not int(): the answer is unreadable, not a crash."""
    ordering = attempt.questions.get(spec__type="ordering")
    fields = {f"q{ordering.position}-{token}": "²" for token in ordering.spec["order"]}
    response = client.post(reverse("quizzes:save", args=[attempt.pk]), {"position": ordering.position, **fields})
    assert response.status_code == 400, response.content
    response = client.post(reverse("quizzes:submit", args=[attempt.pk]), fields)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert not attempt.is_open and attempt.score == 0


@pytest.mark.parametrize("depth", [1_000, 5_000])
def test_deeply_nested_json_is_refused(client, attempt, depth):
    body = '{"position": 1, "response": ' + "[" * depth + "]" * depth + "}"
    response = _post_json(client, attempt.pk, body)
    assert response.status_code == 400, response.content
    assert _nothing_saved(attempt)


@pytest.mark.parametrize("length", ["abc", "1e3", "²", "-", " "])
def test_a_content_length_that_is_not_a_number_is_refused(client, attempt, length):
    body = json.dumps({"position": 1, "response": "x"})
    response = _post_json(client, attempt.pk, body, CONTENT_LENGTH=length)
    assert response.status_code == 400, response.content
    assert _nothing_saved(attempt)


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfff"])
def test_text_no_database_can_store_is_refused(client, attempt, text):
    """NUL and lone surrogates: PostgreSQL's jsonb refuses them, so the answer is refused first."""
    question = attempt.questions.get(spec__type="short_text")
    response = _post_json(client, attempt.pk, json.dumps({"position": question.position, "response": text}))
    assert response.status_code == 400, response.content
    assert _nothing_saved(attempt)


def test_a_right_answer_still_saves(client, attempt):
    """The checks above leave ordinary answers alone."""
    question = attempt.questions.get(spec__type="short_text")
    response = _post_json(client, attempt.pk, json.dumps({"position": str(question.position), "response": "日活"}))
    assert response.status_code == 200, response.content
    question.refresh_from_db()
    assert question.response == "日活" and question.score == 1
    numeric = attempt.questions.get(spec__type="numeric")
    assert _post_json(client, attempt.pk, json.dumps(
        {"position": numeric.position, "response": right_answer(numeric.spec)})).status_code == 200


def test_the_question_search_in_the_admin_finds_by_text_and_key(admin_client, quiz_setup):
    """`?q=` on the question snippets lists matches (it said "no such column" on SQLite)."""
    locale = Question.objects.first().locale
    write_question(quiz_setup.bank, locale, normalise({
        "key": "churn-rate", "type": "short_text", "stem": "What is churn?",
        "answers": [{"text": "loss", "fraction": 1}]}))
    url = reverse("wagtailsnippets_quizzes_question:list")
    for query, found in [("churn", "churn-rate"), ("Abbreviation", "q-short"), ("q-single", "q-single")]:
        response = admin_client.get(url, {"q": query})
        assert response.status_code == 200, response.content[:2000]
        assert found in response.content.decode(), query
    assert "q-single" not in admin_client.get(url, {"q": "churn"}).content.decode()
