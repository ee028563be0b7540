"""`check_difficulty`: difficulty labels against the facility index of finished attempts, or of
simulated attempts that are rolled back (quizzes/difficulty.py)."""

import math
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from quizzes import api, difficulty
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.conftest import make_user

RIGHT_WRONG = [{"text": "right", "fraction": 1}, {"text": "wrong", "fraction": 0}]


@pytest.fixture
def bank_quiz(make_tree):
    """A module quiz drawing a bank of two questions: 'trivial', labelled hard, and 'fair',
    labelled medium."""
    tree = make_tree(modules=1, lessons=1, prerequisite=False)
    module = tree.modules[0]
    bank = QuestionBank.objects.create(slug="checked", title="Checked")
    quiz = module.add_child(instance=QuizPage(title="Quiz", slug="quiz", locale=module.locale))
    QuizDraw.objects.create(quiz=quiz, bank=bank, count=2)
    for key, label in (("trivial", "hard"), ("fair", "medium")):
        write_question(bank, module.locale, normalise(
            {"key": key, "type": "single_choice", "difficulty": label, "stem": f"{key}?", "answers": RIGHT_WRONG}))
    return quiz, bank


def finished_attempts(quiz, bank, n, right):
    """n finished attempts by n trainees; right(i, key) says whether trainee i got `key` right."""
    questions = list(bank.questions.prefetch_related("answers"))
    now = timezone.now()
    attempts = Attempt.objects.bulk_create(
        Attempt(user=make_user(f"t{i}@example.com"), quiz=quiz, quiz_key=quiz.translation_key, number=1,
                status=AttemptStatus.FINISHED, finished_at=now, max_score=Decimal(2))
        for i in range(n))
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(attempt=attempt, position=position, question=question, question_key=question.translation_key,
                        spec=api.freeze(question), score=Decimal(int(right(i, question.key))))
        for i, attempt in enumerate(attempts) for position, question in enumerate(questions, start=1))


def run(*args):
    out = StringIO()
    call_command("check_difficulty", *args, stdout=out)
    return out.getvalue()


def _line(output, key):
    return next(line for line in output.splitlines() if line.startswith(key))


def test_a_question_everyone_gets_right_is_flagged_when_labelled_hard(bank_quiz):
    """20 trainees all answer 'trivial' right (facility 100, easy) while 'fair' is right for half
    of them (facility 50, medium, as labelled): only 'trivial' is listed."""
    finished_attempts(*bank_quiz, 20, lambda i, key: key == "trivial" or i % 2 == 0)
    output = run()
    assert "labelled hard, measures easy" in _line(output, "trivial")
    assert "100.0" in _line(output, "trivial")
    assert not any(line.startswith("fair") for line in output.splitlines())
    assert "2 questions checked against finished attempts: 1 match their label, 1 mismatch" in output


def test_below_the_minimum_of_responses_nothing_is_judged(bank_quiz):
    finished_attempts(*bank_quiz, difficulty.MIN_RESPONSES - 1, lambda i, key: True)
    output = run()
    assert _line(output, "trivial").endswith("not enough responses")
    assert "0 mismatch, 2 have fewer than 20 responses" in output
    # The minimum is a setting: with 10, the same 19 answers are enough.
    assert "labelled hard, measures easy" in _line(run("--min-responses", "10"), "trivial")


def test_unfinished_attempts_do_not_count(bank_quiz):
    finished_attempts(*bank_quiz, 20, lambda i, key: True)
    Attempt.objects.update(status=AttemptStatus.IN_PROGRESS, finished_at=None)
    assert _line(run(), "trivial").endswith("not enough responses")


def test_simulated_attempts_are_compared_and_rolled_back(bank_quiz):
    """The simulation writes its trainees and attempts, judges them like real ones and leaves
    nothing behind."""
    users = get_user_model().objects.count()
    output = run("--simulate", "60", "--all")
    assert "2 questions checked against 60 simulated trainees (seed 1, rolled back)" in output
    assert _line(output, "trivial").split()[-4:] != ["not", "enough", "responses"]
    assert (Attempt.objects.count(), AttemptQuestion.objects.count()) == (0, 0)
    assert get_user_model().objects.count() == users
    assert run("--simulate", "60", "--all") == output  # the same seed, the same figures


def test_the_response_model_reads_features_not_the_label(bank_quiz):
    """Relabelling an item does not move its simulated facility; a free numeric answer is harder
    than picking one of two options, and a guess floors a choice at 1/k."""
    _quiz, bank = bank_quiz
    stems = difficulty.english_stems()
    trivial = bank.questions.get(key="trivial")
    before = difficulty.expected_facility(trivial, stems)
    trivial.difficulty = "easy"
    assert difficulty.expected_facility(trivial, stems) == before
    numeric = write_question(bank, trivial.locale, normalise(
        {"key": "number", "type": "numeric", "stem": "How many?", "answers": [{"text": "3", "fraction": 1}]}))[0]
    assert difficulty.expected_facility(numeric, stems) < before
    assert difficulty.p_right(-math.inf, 0, 0.5) == 0.5


def test_the_quiz_statistics_page_shows_a_label_the_facility_index_disagrees_with(bank_quiz, client, instructor):
    """The instructor's report marks 'trivial' (labelled hard, everyone right) and not 'fair'."""
    quiz, bank = bank_quiz
    finished_attempts(quiz, bank, 20, lambda i, key: key == "trivial" or i % 2 == 0)
    client.force_login(instructor)
    html = client.get(reverse("quiz_statistics:quiz", args=[quiz.pk])).content.decode()
    assert html.count('class="quiz-stats-difficulty"') == 1
    assert 'data-difficulty="easy"' in html


def test_bad_options_are_refused(bank_quiz):
    with pytest.raises(CommandError):
        run("--simulate", "-1")
    with pytest.raises(CommandError, match="No live questions"):
        run("--bank", "nope")
