"""SQL lab questions: a trainee runs queries on the lab's dataset in the read-only sandbox (only
on their own open attempt, rate-limited) and is graded by the result set against the reference
query, which never reaches the browser before grading."""

import json

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale

from courses import api as courses_api
from quizzes import api
from quizzes.models import AttemptQuestion, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import QuestionDataError, normalise, write_question
from tests.conftest import make_user

REFERENCE = "SELECT channel, COUNT(*) AS users FROM users GROUP BY channel"
LAB = {
    "key": "users-per-channel", "type": "sql",
    "stem": "How many users signed up through each channel?",
    "lab": {"dataset": "shop"},
    "answers": [{"text": REFERENCE, "fraction": 1}],
}


@pytest.fixture
def lab_quiz(make_tree):
    tree = make_tree()
    bank = QuestionBank.objects.create(slug="labs", title="Labs")
    write_question(bank, Locale.objects.get(language_code="zh-hans"), normalise(LAB))
    quiz = QuizPage(title="Lab quiz", slug="lab-quiz", draws=[QuizDraw(bank=bank, count=1)],
                    requires_lessons_complete=False, answers_shown="always")
    tree.modules[0].add_child(instance=quiz)
    quiz.save_revision().publish()
    return tree, QuizPage.objects.get(pk=quiz.pk)


@pytest.fixture
def lab_attempt(client, lab_quiz):
    tree, quiz = lab_quiz
    person = make_user("lab@example.com")
    courses_api.enrol_learner(person, tree.course)
    client.force_login(person)
    return person, api.start_attempt(person, quiz)


def run(client, attempt, sql, position=1):
    with translation.override("en"):
        url = reverse("quizzes:run", args=[attempt.pk])
    response = client.post(url, {"position": position, "sql": sql})
    return response.status_code, json.loads(response.content)


def test_a_trainee_runs_a_query_and_sees_the_first_rows_the_count_and_the_time(client, lab_attempt):
    _person, attempt = lab_attempt
    status, body = run(client, attempt, "SELECT id, city FROM users ORDER BY id")
    assert status == 200
    assert body["columns"] == ["id", "city"] and len(body["rows"]) == 50 and body["truncated"]
    assert body["row_count"] == "2,000" and body["elapsed_ms"] >= 0


@pytest.mark.parametrize("sql, reason", [
    ("DELETE FROM users", "read-only"),
    ("SELECT 1; DROP TABLE users", "one statement"),
    ("ATTACH DATABASE 'x.db' AS x", "not allowed"),
    ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n", "250 ms"),
])
def test_hostile_queries_are_refused_with_the_sandboxs_reason(client, lab_attempt, sql, reason):
    _person, attempt = lab_attempt
    status, body = run(client, attempt, sql)
    assert status == 400 and reason in body["error"]


def test_only_the_owner_of_an_open_attempt_runs_queries(client, lab_attempt):
    person, attempt = lab_attempt
    client.force_login(make_user("intruder@example.com"))
    assert run(client, attempt, "SELECT 1")[0] == 404
    client.force_login(person)
    api.submit_attempt(person, attempt.pk)
    assert run(client, attempt, "SELECT 1")[0] == 409


def test_runs_are_rate_limited_per_trainee(client, lab_attempt, settings):
    settings.SQL_LAB_RATE_LIMIT = "3/m"
    _person, attempt = lab_attempt
    assert [run(client, attempt, "SELECT 1")[0] for _ in range(4)] == [200, 200, 200, 429]


def test_grading_compares_result_sets_and_the_reference_stays_private(client, lab_attempt):
    person, attempt = lab_attempt
    page = client.get(f"/zh-hans/quizzes/attempts/{attempt.pk}/").content.decode()
    assert "GROUP BY channel" not in page and "users" in page  # the data dictionary is there, not the answer
    # Row order and column aliases do not matter without ORDER BY in the reference.
    api.save_answer(person, attempt.pk, 1, "SELECT channel, count(id) AS n FROM users GROUP BY 1 ORDER BY 2 DESC")
    # Saving stores the query only: its grading runs once, at submit, so saves stay cheap.
    assert AttemptQuestion.objects.get(attempt=attempt).score is None
    assert api.submit_attempt(person, attempt.pk).percent == 100
    assert AttemptQuestion.objects.get(attempt=attempt).score == 1
    second = api.start_attempt(person, attempt.quiz)
    api.save_answer(person, second.pk, 1, "SELECT channel, COUNT(*) FROM users WHERE city <> '' GROUP BY channel "
                                          "HAVING COUNT(*) > 1000")
    assert api.submit_attempt(person, second.pk).percent == 0
    assert AttemptQuestion.objects.get(attempt=second).score == 0


def test_the_review_shows_which_rows_were_missing_or_extra_capped(client, lab_attempt):
    """The comparison made at grading is kept, so the review needs no query run: its message
    and the first missing and extra rows."""
    person, attempt = lab_attempt
    api.save_answer(person, attempt.pk, 1, "SELECT channel, COUNT(*) FROM users WHERE channel <> 'organic' "
                                           "GROUP BY channel UNION ALL SELECT 'tv', 7")
    api.submit_attempt(person, attempt.pk)
    marking = AttemptQuestion.objects.get(attempt=attempt).marking
    assert marking["missing_count"] == 1 and marking["missing"][0][0] == "organic"
    assert marking["extra"] == [["tv", 7]] and marking["extra_count"] == 1
    assert "1 rows missing, 1 rows extra" in marking["message"]
    with translation.override("en"):
        page = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()
    assert "1 row of the expected result is missing" in page and "<td>tv</td>" in page


@pytest.mark.parametrize("lab, reference, message", [
    ({"dataset": "nowhere"}, REFERENCE, "choose a dataset: shop"),
    ({"dataset": "shop"}, "SELECT nothing FROM nowhere", "the reference query"),
])
def test_authoring_refuses_an_unknown_dataset_or_a_failing_reference(lab, reference, message):
    with pytest.raises(QuestionDataError, match=message):
        normalise({**LAB, "lab": lab, "answers": [{"text": reference, "fraction": 1}]})


def test_with_variants_each_attempt_queries_its_own_generated_data_and_is_graded_on_it(client, practice_quiz):
    """Two attempts on different versions of the dataset: the same count differs, and a query
    right on one's data is graded right for it and wrong for the other."""
    count = "SELECT COUNT(*) AS n FROM orders"
    _tree, quiz = practice_quiz({**LAB, "lab": {"dataset": "shop", "variants": 4},
                                 "answers": [{"text": count, "fraction": 1}]})
    course = quiz.get_parent().get_parent().specific
    attempts = {}
    for n in range(12):  # enough trainees that two versions are drawn
        person = make_user(f"variant{n}@example.com")
        courses_api.enrol_learner(person, course)
        attempt = api.start_attempt(person, quiz)
        attempts.setdefault(attempt.questions.get().spec["lab"]["variant"], (person, attempt))
        if len(attempts) == 2:
            break
    (first, one), (second, two) = attempts.values()
    orders = []
    for person, attempt in ((first, one), (second, two)):
        client.force_login(person)
        status, body = run(client, attempt, count)
        assert status == 200
        orders.append(body["rows"][0][0])
    assert orders[0] != orders[1]
    api.save_answer(first, one.pk, 1, f"SELECT {orders[0]} AS n")
    api.save_answer(second, two.pk, 1, f"SELECT {orders[0]} AS n")
    assert api.submit_attempt(first, one.pk).percent == 100
    assert api.submit_attempt(second, two.pk).percent == 0


@pytest.mark.parametrize("variants, message", [(1, "from 2 to 64"), (65, "from 2 to 64"), (True, "from 2 to 64")])
def test_variants_are_a_small_whole_number(variants, message):
    with pytest.raises(QuestionDataError, match=message):
        normalise({**LAB, "lab": {"dataset": "shop", "variants": variants}})
