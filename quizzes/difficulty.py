"""Difficulty labels checked against item analysis (`check_difficulty`, EDITORIAL.md).

A question's `difficulty` label is a claim about its facility index (`quizzes.analysis`: the
mean share of its points that trainees score, ×100). Moodle's facility descriptors give the
bands: easy ≥ 66 ("fairly easy" and up), medium 35–65 ("about right for the average student"),
hard < 35 ("moderately difficult" and below). An item with fewer than MIN_RESPONSES finished
answers is "not enough responses": a facility from a handful of trainees says little.

`simulate` writes simulated attempts for the comparison when there are no real ones yet (the
caller rolls them back). Its response model is a one-parameter logistic (Rasch) model with a
guessing floor:

    P(right) = c + (1 − c) · 1 / (1 + exp(−(θ − b)))

- θ, a trainee's ability, is drawn from N(0, 1), the same trainee for every item;
- c is the chance of guessing: 1/k for a single choice of k options, 1/2 for true/false, 0 for
  every answer that is built rather than picked;
- b, the item's difficulty, comes from features of the item that a reviewer can check, never
  from its label (the check would be circular): its type (recognising an answer is easier than
  producing one; a number must be right in every step; a query must run and be right), its
  number of options, items or pairs beyond four, its points (authors give more to multi-step
  work) and the length of its stem beyond 40 English words (more conditions to keep in mind).
  The weights are in ITEM_FEATURES and are a judgement, not a fit: the simulation says which
  labels to read again, and real attempts replace it once there are enough.

Multi-part items (multiple response, ordering, matching) earn partial credit: each of their k
parts is right with the probability above, and the item scores the share of right parts.
"""

import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from . import analysis
from .models import Attempt, AttemptQuestion, AttemptStatus, Question, QuizDraw, QuizPage

EASY_FROM, MEDIUM_FROM = 66.0, 35.0  # facility index bands (×100)
MIN_RESPONSES = 20

# Type → base difficulty b (logits); see the module docstring.
TYPE_DIFFICULTY = {
    "true_false": -0.8, "single_choice": -0.3, "matching": -0.2, "multiple_response": 0.0, "ordering": 0.2,
    "short_text": 0.4, "numeric": 0.6, "calculated": 0.8, "sql": 1.2,
}
ITEM_FEATURES = {"per_part_beyond_4": 0.15, "per_point_beyond_1": 0.3, "per_word_beyond_40": 0.01, "words_cap": 0.6}
PICKED_TYPES = {"single_choice", "true_false"}
MULTI_PART_TYPES = {"multiple_response", "ordering", "matching"}


def band(facility):
    if facility >= EASY_FROM:
        return "easy"
    return "medium" if facility >= MEDIUM_FROM else "hard"


@dataclass
class Row:
    key: str  # the question's curriculum key
    bank: str
    label: str
    responses: int
    facility: float | None

    @property
    def measured(self):
        return band(self.facility) if self.facility is not None else None

    def status(self, min_responses=MIN_RESPONSES):
        if self.responses < min_responses or self.facility is None:
            return "not enough responses"
        return "ok" if self.measured == self.label else "mismatch"


def questions_to_check():
    """One question per translation key (its first language's), live, graded automatically."""
    seen, questions = set(), []
    for question in (Question.objects.filter(live=True).exclude(question_type="essay")
                     .select_related("bank").prefetch_related("answers").order_by("bank__slug", "key", "pk")):
        if question.translation_key not in seen:
            seen.add(question.translation_key)
            questions.append(question)
    return questions


def compare(questions, attempt_questions):
    """A Row per question: its label against the facility index of `attempt_questions`
    (AttemptQuestion rows; only finished attempts count, as in the quiz statistics)."""
    items = {item.key: item for item in analysis.analyse(analysis.finished_draws(attempt_questions)).items}
    rows = []
    for question in questions:
        item = items.get(str(question.translation_key))
        rows.append(Row(question.key, question.bank.slug, question.difficulty, item.drawn if item else 0,
                        item.facility if item else None))
    return rows


# Simulation ---------------------------------------------------------------------------------

def parts(question):
    return max(1, len(question.answers.all()))


def guessing(question):
    if question.question_type == "true_false":
        return 0.5
    if question.question_type == "single_choice":
        return 1 / parts(question)
    return 0.0


def english_stems():
    """{translation key: English stem}: word counts are compared in one language."""
    return dict(Question.objects.filter(locale__language_code="en").values_list("translation_key", "stem"))


def item_difficulty(question, stems):
    """b of the response model, from the item's features (never from its label)."""
    b = TYPE_DIFFICULTY.get(question.question_type, 0.0)
    if question.question_type in MULTI_PART_TYPES | {"single_choice"}:
        b += ITEM_FEATURES["per_part_beyond_4"] * max(0, parts(question) - 4)
    b += ITEM_FEATURES["per_point_beyond_1"] * max(0.0, float(question.points) - 1)
    words = len(stems.get(question.translation_key, question.stem).split())
    b += min(ITEM_FEATURES["words_cap"], ITEM_FEATURES["per_word_beyond_40"] * max(0, words - 40))
    return b


def p_right(theta, b, c):
    return c + (1 - c) / (1 + math.exp(-(theta - b)))


def expected_facility(question, stems, samples=2000, seed=0):
    """The model's facility index of `question` over N(0, 1) abilities (for reports)."""
    rng = random.Random(seed)
    b, c = item_difficulty(question, stems), guessing(question)
    return 100 * sum(p_right(rng.gauss(0, 1), b, c) for _ in range(samples)) / samples


def simulate(questions, trainees, seed=1):
    """Write `trainees` simulated trainees, each finishing one attempt per bank that answers
    every question of `questions` in that bank, with scores from the response model. Returns
    the AttemptQuestion queryset of those attempts. The caller runs this in a transaction it
    rolls back."""
    rng = random.Random(seed)
    quiz_of = _quiz_per_bank({q.bank_id for q in questions})
    stems = english_stems()
    by_bank = {}
    for question in questions:
        if question.bank_id in quiz_of:
            by_bank.setdefault(question.bank_id, []).append(
                (question, item_difficulty(question, stems), guessing(question), parts(question)))
    stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"simulated-{stamp}-{n}", email=f"simulated-{n}@example.invalid", is_active=False)
        for n in range(trainees))
    now = timezone.now()
    attempts, rows = [], []
    for user in users:
        theta = rng.gauss(0, 1)
        for bank_id, items in by_bank.items():
            quiz = quiz_of[bank_id]
            attempt = Attempt(user=user, quiz=quiz, quiz_key=quiz.translation_key, number=1,
                              status=AttemptStatus.FINISHED, finished_at=now, finished_by="simulated")
            total = points = Decimal(0)
            for position, (question, b, c, k) in enumerate(items, start=1):
                p = p_right(theta, b, c)
                share = sum(rng.random() < p for _ in range(k)) / k if question.question_type in MULTI_PART_TYPES \
                    else float(rng.random() < p)
                score = (question.points * Decimal(str(share))).quantize(Decimal("0.001"))
                spec = {"type": question.question_type, "key": question.key, "points": float(question.points),
                        "answers": [], "simulated": True}
                rows.append((attempt, AttemptQuestion(position=position, question=question,
                                                      question_key=question.translation_key, spec=spec, score=score)))
                total, points = total + score, points + question.points
            attempt.score, attempt.max_score = total, points
            attempt.percent = (100 * total / points).quantize(Decimal("0.01")) if points else None
            attempts.append(attempt)
    Attempt.objects.bulk_create(attempts)
    for attempt, row in rows:
        row.attempt = attempt
    AttemptQuestion.objects.bulk_create([row for _, row in rows], batch_size=2000)
    return AttemptQuestion.objects.filter(attempt__in=attempts)


def _quiz_per_bank(bank_ids):
    """The quiz each bank's simulated attempts belong to: one that draws the bank, preferring
    the quiz that draws the fewest banks (a module quiz over the final exam)."""
    draws = (QuizDraw.objects.filter(bank_id__in=bank_ids)
             .annotate(banks=Count("quiz__draws")).order_by("bank_id", "banks", "quiz_id"))
    chosen = {}
    for draw in draws:
        chosen.setdefault(draw.bank_id, draw.quiz_id)
    quizzes = QuizPage.objects.in_bulk(set(chosen.values()))
    return {bank_id: quizzes[quiz_id] for bank_id, quiz_id in chosen.items()}


def mismatch(label, item, min_responses=MIN_RESPONSES):
    """The band an item's facility index puts it in when that is not its `label` and it has
    `min_responses` answers or more (the quiz statistics page shows it); else None."""
    if item is None or item.facility is None or item.drawn < min_responses:
        return None
    measured = band(item.facility)
    return measured if measured != label else None
