"""Calculated questions: every attempt draws its own numbers, frozen with it; grading uses the
attempt's own values with the answer's tolerance, a second formula gives partial credit, and
authoring refuses a formula that breaks somewhere on its datasets."""

import re

import pytest
from django.utils import translation
from wagtail.models import Locale

from courses import api as courses_api
from quizzes import api
from quizzes.formats import gift, moodlexml
from quizzes.models import AttemptQuestion, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import QuestionDataError, normalise, write_question
from tests.conftest import make_user

CONVERSION = {
    "key": "conversion", "type": "calculated",
    "stem": "A landing page had {visitors} visitors and {orders} orders. Conversion rate (%)?",
    "units": "%",
    "calculation": {
        "datasets": [
            {"name": "visitors", "min": 20000, "max": 90000, "decimals": 0},
            {"name": "orders", "min": 300, "max": 1900, "decimals": 0},
        ],
        "display": {"format": "decimals", "length": 2},
    },
    "answers": [
        {"text": "{orders} / {visitors} * 100", "fraction": 1, "tolerance": 0.01},
        {"text": "{orders} / {visitors}", "fraction": 0.5, "tolerance": 0.01, "feedback": "Forgot ×100."},
    ],
}


@pytest.fixture
def calculated_quiz(make_tree):
    tree = make_tree()
    bank = QuestionBank.objects.create(slug="calc", title="Calc")
    write_question(bank, Locale.objects.get(language_code="zh-hans"), normalise(CONVERSION))
    quiz = QuizPage(title="Calc quiz", slug="calc-quiz", draws=[QuizDraw(bank=bank, count=1)],
                    requires_lessons_complete=False, answers_shown="always")
    tree.modules[0].add_child(instance=quiz)
    quiz.save_revision().publish()
    return tree, QuizPage.objects.get(pk=quiz.pk)


def numbers_in(attempt):
    question = AttemptQuestion.objects.get(attempt=attempt)
    return question, question.spec["values"]


def test_two_trainees_get_their_own_numbers_and_are_graded_on_them(client, calculated_quiz):
    tree, quiz = calculated_quiz
    first, second = make_user("a@example.com"), make_user("b@example.com")
    attempts = []
    for person in (first, second):
        courses_api.enrol_learner(person, tree.course)
        attempts.append(api.start_attempt(person, quiz))
    (q1, v1), (_q2, v2) = numbers_in(attempts[0]), numbers_in(attempts[1])
    assert v1 != v2  # 70,001 × 1,601 possible pairs
    for values in (v1, v2):
        assert 20000 <= values["visitors"] <= 90000 and 300 <= values["orders"] <= 1900
    # Each stem shows its own numbers; the page shows no answer before grading.
    client.force_login(first)
    page = client.get(f"/zh-hans/quizzes/attempts/{attempts[0].pk}/").content.decode()
    assert f"{int(v1['visitors'])} visitors" in page and q1.spec["answers"][0]["text"] not in page
    assert "{orders}" not in page
    # The first trainee answers with their own numbers, the second with the first's.
    own = f"{v1['orders'] / v1['visitors'] * 100:.2f}"
    api.save_answer(first, attempts[0].pk, 1, own + "%")
    api.save_answer(second, attempts[1].pk, 1, own)
    assert api.submit_attempt(first, attempts[0].pk).percent == 100
    assert api.submit_attempt(second, attempts[1].pk).percent < 100 or (
        abs(v2["orders"] / v2["visitors"] - v1["orders"] / v1["visitors"]) * 100 <= 0.01)
    # The review shows the first trainee their own numbers and right answer.
    review = client.get(f"/zh-hans/quizzes/attempts/{attempts[0].pk}/result/").content.decode()
    assert f"{int(v1['visitors'])} visitors" in review and own in review


def test_the_second_formula_gives_partial_credit_and_tolerance_is_relative(db, calculated_quiz):
    tree, quiz = calculated_quiz
    person = make_user("c@example.com")
    courses_api.enrol_learner(person, tree.course)
    attempt = api.start_attempt(person, quiz)
    _question, values = numbers_in(attempt)
    rate = values["orders"] / values["visitors"]
    api.save_answer(person, attempt.pk, 1, f"{rate:.6f}")
    assert api.submit_attempt(person, attempt.pk).percent == 50
    # Relative tolerance of 1 %: 1.009 × the right value is right, 1.02 × is not.
    for factor, percent in ((1.009, 100), (1.02, 0)):
        later = api.start_attempt(person, quiz)
        _question, values = numbers_in(later)
        api.save_answer(person, later.pk, 1, str(values["orders"] / values["visitors"] * 100 * factor))
        assert api.submit_attempt(person, later.pk).percent == percent


@pytest.mark.parametrize("formula, message", [
    ("{orders} / ({visitors} - 20000)", r"division by zero when \{orders\}=\d+, \{visitors\}=20000"),
    ("{orders} / {clicks}", r"unknown wildcard \{clicks\}"),
    ("sqrt({orders} - 1000)", r"orders"),
    ("__import__('os')", r"."),
])
def test_authoring_refuses_a_formula_that_breaks_and_names_the_values(formula, message):
    data = {**CONVERSION, "answers": [{"text": formula, "fraction": 1}]}
    with pytest.raises(QuestionDataError, match=message):
        normalise(data)


def test_a_malformed_dataset_is_refused_with_its_wildcard():
    data = {**CONVERSION, "calculation": {"datasets": [{"name": "visitors", "min": 10, "max": "many"}]}}
    with pytest.raises(QuestionDataError, match="visitors"):
        normalise(data)


def test_gift_says_it_cannot_hold_a_calculated_question_and_moodle_xml_writes_it():
    question = normalise(CONVERSION)
    with translation.override("en"):  # export notes speak the active language, Chinese by default
        exported = gift.dump([question])
    assert re.search(r"// Skipped conversion: GIFT has no syntax for calculated questions", exported)
    assert '<question type="calculated">' in moodlexml.dump([question])  # tests/quizzes/test_moodlexml_calculated.py


def admin_form(bank, formula, calculation):
    """The instructor's add-question form: one formula answer."""
    import json

    return {
        "bank": bank.pk, "key": "admin-calc", "question_type": "calculated", "difficulty": "medium", "points": "1",
        "stem": "{orders} orders from {visitors} visitors: conversion (%)?", "units": "%", "explanation": "",
        "calculation": json.dumps(calculation), "tags": "", "live": "on",
        "answers-TOTAL_FORMS": "1", "answers-INITIAL_FORMS": "0", "answers-MIN_NUM_FORMS": "0",
        "answers-MAX_NUM_FORMS": "1000", "answers-0-text": formula, "answers-0-fraction": "1",
        "answers-0-tolerance": "0.01", "answers-0-match": "relative", "answers-0-feedback": "", "answers-0-ORDER": "1",
    }


def test_an_instructor_authors_a_calculated_question_and_sees_which_values_break_a_formula(client, db):
    from tests.conftest import INSTRUCTORS

    bank = QuestionBank.objects.create(slug="admin-bank", title="Admin bank")
    client.force_login(make_user("author@example.com", INSTRUCTORS))
    calculation = CONVERSION["calculation"]
    refused = client.post("/admin/snippets/quizzes/question/add/",
                          admin_form(bank, "{orders} / ({visitors} - 20000) * 100", calculation))
    assert refused.status_code == 200
    assert "division by zero when {orders}=" in refused.content.decode()
    assert not bank.questions.exists()
    saved = client.post("/admin/snippets/quizzes/question/add/",
                        admin_form(bank, "{orders} / {visitors} * 100", calculation))
    assert saved.status_code == 302
    question = bank.questions.get()
    assert question.question_type == "calculated" and question.calculation == calculation


def test_item_analysis_counts_every_variant_of_a_question_as_one_item(db, calculated_quiz):
    """Three trainees, three sets of numbers, one item: facility 2 of 3 right."""
    from quizzes.analysis import quiz_statistics

    tree, quiz = calculated_quiz
    for index, right in enumerate((True, True, False)):
        person = make_user(f"item{index}@example.com")
        courses_api.enrol_learner(person, tree.course)
        attempt = api.start_attempt(person, quiz)
        _question, values = numbers_in(attempt)
        rate = values["orders"] / values["visitors"] * 100
        api.save_answer(person, attempt.pk, 1, f"{rate:.2f}" if right else "-1")
        api.submit_attempt(person, attempt.pk)
    stats = quiz_statistics(quiz)
    assert [item.drawn for item in stats.items] == [3]
    assert stats.items[0].facility == pytest.approx(200 / 3)


def test_a_display_too_coarse_for_the_tolerance_is_refused_when_authored():
    """Shown with one decimal, a conversion rate near 1 % is off by up to 5 % of itself: the
    review's right answer (and a trainee who rounds as told) would be graded wrong."""
    coarse = {**CONVERSION, "calculation": {**CONVERSION["calculation"], "display": {"format": "decimals",
                                                                                      "length": 1}}}
    with pytest.raises(QuestionDataError, match=r"the answer shown \(decimals 1\) is .* outside its tolerance"):
        normalise(coarse)
    normalise(CONVERSION)  # two decimals are within its 1 % tolerance
