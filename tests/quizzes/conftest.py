from dataclasses import dataclass

import pytest
from django.db import connection
from wagtail.models import Locale

from courses.models import CompletionRule
from quizzes.models import QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.conftest import read_tree

# One question of every type, with the right response for each (by answer text).
QUESTIONS = [
    {"key": "q-single", "type": "single_choice", "stem": "Which is **not** a core duty?", "answers": [
        {"text": "Campaigns", "fraction": 0, "feedback": "It is a duty."},
        {"text": "Server maintenance", "fraction": 1, "feedback": "Engineering does that."},
        {"text": "User care", "fraction": 0}]},
    {"key": "q-multi", "type": "multiple_response", "stem": "Retention tactics?", "answers": [
        {"text": "Points", "fraction": 0.5}, {"text": "Community", "fraction": 0.5},
        {"text": "Buying traffic", "fraction": -0.5, "feedback": "That is acquisition."}]},
    {"key": "q-tf", "type": "true_false", "stem": "Segments never change.", "answers": [
        {"text": "true", "fraction": 0}, {"text": "false", "fraction": 1}]},
    {"key": "q-num", "type": "numeric", "stem": "Growth rate from 80,000 to 92,000 (%)?", "units": "%",
     "answers": [{"text": "15", "fraction": 1, "tolerance": 0.1}]},
    {"key": "q-short", "type": "short_text", "stem": "Abbreviation of daily active users?", "answers": [
        {"text": "DAU", "fraction": 1}, {"text": "日活", "fraction": 1}]},
    {"key": "q-order", "type": "ordering", "stem": "Order the loop.", "answers": [
        {"text": "Strategy"}, {"text": "Execution"}, {"text": "Monitoring"}]},
    {"key": "q-match", "type": "matching", "stem": "Match metric and family.", "answers": [
        {"text": "Retention", "match": "User growth"}, {"text": "Market share", "match": "Commercial"},
        {"text": "Satisfaction", "match": "Quality"}]},
]


def indexes_of(model):
    """{columns: unique} of every index on `model`'s table, as the database holds it."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {tuple(c["columns"]): bool(c["unique"]) for c in constraints.values() if c["index"] or c["unique"]}


@dataclass
class QuizSetup:
    tree: object
    quiz: QuizPage
    bank: QuestionBank


@pytest.fixture
def make_quiz(make_tree, snapshots):
    def build(extra_questions, settings):
        tree = make_tree()
        bank = QuestionBank.objects.create(slug="bank", title="Bank")
        locale = Locale.objects.get(language_code="zh-hans")
        questions = QUESTIONS + [
            {"key": f"extra-{i}", "type": "true_false", "stem": f"Extra {i}", "answers": [
                {"text": "true", "fraction": 1}, {"text": "false", "fraction": 0}]}
            for i in range(extra_questions)
        ]
        for data in questions:
            write_question(bank, locale, normalise(data))
        module = tree.modules[0]
        module.completion_rule = CompletionRule.ASSESSMENT
        module.save_revision().publish()
        quiz = QuizPage(title="Quiz", slug="quiz", draws=[QuizDraw(bank=bank, count=len(QUESTIONS))], **settings)
        module.add_child(instance=quiz)
        quiz.save_revision().publish()
        return quiz.pk, bank.pk

    def make(*, extra_questions=0, **settings):
        # Most quiz tests are about the quiz, not about reading first (tests/quizzes/test_exam_access.py is).
        settings.setdefault("requires_lessons_complete", False)
        key = ("quiz", extra_questions, repr(sorted(settings.items())))
        quiz_pk, bank_pk = snapshots.build(key, lambda: build(extra_questions, settings))
        return QuizSetup(tree=read_tree(), quiz=QuizPage.objects.get(pk=quiz_pk),
                         bank=QuestionBank.objects.get(pk=bank_pk))

    return make


@pytest.fixture
def quiz_setup(make_quiz):
    return make_quiz()


@pytest.fixture
def practice_quiz(make_tree):
    """A module-1 quiz drawing the given questions (question dicts, as `normalise` reads them),
    answers always shown: (tree, quiz). Options are QuizPage fields."""

    def make(*questions, **options):
        tree = make_tree()
        bank = QuestionBank.objects.create(slug="practice", title="Practice")
        locale = Locale.objects.get(language_code="zh-hans")
        for data in questions:
            write_question(bank, locale, normalise(data))
        options = {"requires_lessons_complete": False, "answers_shown": "always", **options}
        quiz = QuizPage(title="Practice", slug="practice", draws=[QuizDraw(bank=bank, count=len(questions))], **options)
        tree.modules[0].add_child(instance=quiz)
        quiz.save_revision().publish()
        return tree, QuizPage.objects.get(pk=quiz.pk)

    return make
