"""Item analysis of finished attempts: what an instructor needs to judge a quiz and its questions.

The statistics follow Moodle's quiz statistics report ("Quiz statistics calculations", the
calculators in `mod/quiz/report/statistics` and `question/classes/statistics`), on item score
fractions (an item's score divided by its points, so every item counts on the scale 0–1):

- Quiz: attempts, mean / median / sample standard deviation of the attempt percentage
  (100 · Σ scores / Σ points), and its distribution in ten 10 %-bins (100 % falls in the last).
- Per question, grouped by `question_key` so the zh-hans and en versions are one item, and over
  the attempts that drew it (random draws leave the matrix sparse):
  facility index = 100 · mean fraction; SD = 100 · sample SD of the fraction;
  discrimination index = 100 · Pearson r between the fraction and the rest-of-test fraction
  ((attempt score − item score) / (attempt points − item points): like Moodle's "rest of
  test", as a fraction so that attempts with different draws compare);
  discriminative efficiency = 100 · cov(item, rest) / cov(sorted item, sorted rest), the
  covariance over the highest it could be with the same values (Moodle).
  A question is flagged when drawn at least `MIN_DRAWS_TO_FLAG` times and its discrimination
  is negative or below `LOW_DISCRIMINATION`.
- Reliability, Cronbach's α = k/(k−1) · (1 − Σ var(item) / var(total)) with sample variances
  (KR-20 when every item score is 0 or 1). Convention: over the questions × attempts matrix
  restricted to the attempts that drew every question. When random draws leave fewer than two
  such attempts, over positions instead, as Moodle does for random questions: position p of an
  attempt is one item whatever question filled it (each position comes from the same draw
  rule), over the attempts with the usual number of positions. `Reliability.basis` says which.

All finished attempts count (retakes too). Reading is one query; everything else is Python.
"""

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models.fields.json import KT

from .grading import fold_text
from .models import AttemptQuestion, AttemptStatus

__all__ = [
    "MIN_DRAWS_TO_FLAG", "LOW_DISCRIMINATION", "Draw", "ChoiceCount", "ItemStats", "Reliability",
    "QuizStats", "analyse", "item_stats", "cronbach_alpha", "pearson", "quiz_statistics",
    "question_statistics_by_quiz",
]

MIN_DRAWS_TO_FLAG = 5
LOW_DISCRIMINATION = 10.0  # on the ×100 scale: r < 0.1
CHOICE_TYPES = {"single_choice", "true_false", "multiple_response"}
TEXT_TYPES = {"numeric", "short_text", "calculated"}
TOP_TEXT_RESPONSES = 5
BINS = 10

ROW_FIELDS = (
    "attempt_id", "attempt__user_id", "attempt__quiz_key", "position", "question_key", "score", "response",
    "spec__points", "spec__answers",
)
# Strings through KT: a plain key transform would turn a key such as "123" into a number on SQLite.
ROW_TEXT_FIELDS = {"label": KT("spec__key"), "kind": KT("spec__type")}


@dataclass(frozen=True)
class Draw:
    """One question as one attempt drew it, reduced to what the statistics need."""

    attempt: int
    position: int
    key: str
    label: str
    kind: str
    points: float
    score: float
    response: object = None
    answers: tuple = ()
    user: int | None = None
    quiz_key: str = ""

    @property
    def fraction(self):
        return self.score / self.points if self.points else 0.0

    @classmethod
    def from_row(cls, row):
        return cls(
            attempt=row["attempt_id"], position=row["position"], key=str(row["question_key"]),
            label=row["label"] or "", kind=row["kind"], points=float(row["spec__points"] or 0),
            score=float(row["score"] or 0), response=row["response"], answers=tuple(row["spec__answers"] or ()),
            user=row["attempt__user_id"], quiz_key=str(row["attempt__quiz_key"]),
        )


@dataclass
class ChoiceCount:
    text: str
    count: int
    percent: float
    fraction: float | None = None  # the choice's credit; None for typed answers

    @property
    def is_right(self):
        return self.fraction is not None and self.fraction > 0


@dataclass
class ItemStats:
    key: str
    label: str
    kind: str
    drawn: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    choices: list = field(default_factory=list)
    unanswered: int = 0

    @property
    def flag(self):
        """'negative' or 'low' discrimination, or '' (also when too few draws to judge)."""
        if self.drawn < MIN_DRAWS_TO_FLAG or self.discrimination is None:
            return ""
        if self.discrimination < 0:
            return "negative"
        return "low" if self.discrimination < LOW_DISCRIMINATION else ""


@dataclass
class Reliability:
    alpha: float | None  # ×100, like Moodle's coefficient of internal consistency
    name: str  # "KR-20" or "Cronbach's alpha"
    basis: str  # "questions", "positions" or "" when it cannot be computed
    attempts: int = 0
    items: int = 0


@dataclass
class QuizStats:
    attempts: int
    trainees: int
    mean: float | None
    median: float | None
    sd: float | None
    bins: list
    reliability: Reliability
    items: list

    @property
    def flagged(self):
        return [item for item in self.items if item.flag]


# Queries ------------------------------------------------------------------------------------

def finished_draws(queryset):
    """Stream the rows of `queryset` (AttemptQuestion) from finished attempts as Draws: one query."""
    rows = queryset.filter(attempt__status=AttemptStatus.FINISHED).values(*ROW_FIELDS, **ROW_TEXT_FIELDS)
    return [Draw.from_row(row) for row in rows.order_by().iterator(chunk_size=2000)]


def quiz_statistics(quiz):
    """Statistics of `quiz` over the finished attempts in every language (one query)."""
    return analyse(finished_draws(AttemptQuestion.objects.filter(attempt__quiz_key=quiz.translation_key)))


def question_statistics_by_quiz(question):
    """{quiz translation key: ItemStats} for `question` in every quiz that drew it (one query).
    Each quiz's figures equal that question's row in the quiz's own report."""
    attempts = AttemptQuestion.objects.filter(question_key=question.translation_key).values("attempt_id")
    draws = finished_draws(AttemptQuestion.objects.filter(attempt_id__in=attempts))
    by_quiz = defaultdict(list)
    for draw in draws:
        by_quiz[draw.quiz_key].append(draw)
    key = str(question.translation_key)
    return {quiz_key: _item_for_key(quiz_draws, key) for quiz_key, quiz_draws in by_quiz.items()}


def _item_for_key(draws, key):
    totals = _attempt_totals(draws)
    return item_stats([d for d in draws if d.key == key], totals)


# Statistics ---------------------------------------------------------------------------------

def analyse(draws):
    """QuizStats from the draws of one quiz's finished attempts."""
    draws = list(draws)
    totals = _attempt_totals(draws)
    percents = [100 * score / points for score, points in totals.values() if points]
    mean, median, sd = describe(percents)
    by_key = defaultdict(list)
    for draw in draws:
        by_key[draw.key].append(draw)
    items = [item_stats(item_draws, totals) for item_draws in by_key.values()]
    items.sort(key=lambda item: (min(d.position for d in by_key[item.key]), item.label))
    return QuizStats(
        attempts=len(totals),
        trainees=len({d.user for d in draws}),
        mean=mean, median=median, sd=sd,
        bins=histogram(percents),
        reliability=reliability(draws),
        items=items,
    )


def _attempt_totals(draws):
    totals = defaultdict(lambda: [0.0, 0.0])
    for draw in draws:
        totals[draw.attempt][0] += draw.score
        totals[draw.attempt][1] += draw.points
    return {attempt: tuple(total) for attempt, total in totals.items()}


def describe(values):
    """(mean, median, sample standard deviation); None where undefined."""
    if not values:
        return None, None, None
    sd = statistics.stdev(values) if len(values) > 1 else None
    return statistics.fmean(values), statistics.median(values), sd


def histogram(percents, bins=BINS):
    """Counts per 100/bins-wide bin of 0–100; 100 % belongs to the last bin."""
    counts = [0] * bins
    for percent in percents:
        counts[min(bins - 1, max(0, int(percent * bins // 100)))] += 1
    return counts


def item_stats(draws, totals):
    """One question's statistics over the attempts that drew it; `totals` maps each attempt to
    its (score, points)."""
    first = draws[0]
    fractions = [d.fraction for d in draws]
    pairs = []
    for draw in draws:
        score, points = totals[draw.attempt]
        if points - draw.points > 0:
            pairs.append((draw.fraction, (score - draw.score) / (points - draw.points)))
    xs, rests = [p[0] for p in pairs], [p[1] for p in pairs]
    r = pearson(xs, rests)
    efficiency = _discriminative_efficiency(xs, rests)
    choices, unanswered = choice_counts(draws)
    return ItemStats(
        key=first.key, label=first.label, kind=first.kind, drawn=len(draws),
        facility=100 * statistics.fmean(fractions),
        sd=100 * statistics.stdev(fractions) if len(fractions) > 1 else None,
        discrimination=_percent(r),
        efficiency=_percent(efficiency),
        choices=choices, unanswered=unanswered,
    )


def _percent(ratio):
    """×100, with float noise around zero (−1e−17) made 0 so that it is not read as negative."""
    return None if ratio is None else round(100 * ratio, 9) + 0.0


def pearson(xs, ys):
    """Pearson's r; None with fewer than two pairs or when either side does not vary."""
    if len(xs) < 2:
        return None
    covariance, var_x, var_y = _moments(xs, ys)
    if var_x <= 0 or var_y <= 0:
        return None
    return covariance / math.sqrt(var_x * var_y)


def _discriminative_efficiency(xs, ys):
    """cov(x, y) / cov(sorted x, sorted y): how close r is to the best these values allow."""
    if len(xs) < 2:
        return None
    covariance = _moments(xs, ys)[0]
    best = _moments(sorted(xs), sorted(ys))[0]
    return covariance / best if best > 0 else None


def _moments(xs, ys):
    """Sums of co-deviation and squared deviations (the n − 1 divisors cancel in every ratio)."""
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    dx = [x - mean_x for x in xs]
    dy = [y - mean_y for y in ys]
    return sum(a * b for a, b in zip(dx, dy)), sum(a * a for a in dx), sum(b * b for b in dy)


def choice_counts(draws):
    """([ChoiceCount], unanswered). Choice types: every answer text seen in the frozen specs, in
    authoring order, with how often it was picked (a language's texts are separate choices).
    Typed types: the most common answers, folded like grading folds them."""
    drawn = len(draws)
    unanswered = sum(1 for d in draws if d.response in (None, "", [], {}))
    kind = draws[0].kind
    if kind in CHOICE_TYPES:
        counts, fractions = Counter(), {}
        for draw in draws:
            by_token = {a["token"]: a for a in draw.answers}
            for answer in draw.answers:
                fractions.setdefault(answer["text"], answer.get("fraction"))
                counts[answer["text"]] += 0
            picked = draw.response if isinstance(draw.response, list) else [draw.response]
            for token in picked:
                if token in by_token:
                    counts[by_token[token]["text"]] += 1
        choices = [ChoiceCount(text, n, 100 * n / drawn, fractions[text]) for text, n in counts.items()]
        return choices, unanswered
    if kind in TEXT_TYPES:
        typed = Counter(fold_text(d.response) for d in draws if isinstance(d.response, str) and d.response.strip())
        return [ChoiceCount(text, n, 100 * n / drawn) for text, n in typed.most_common(TOP_TEXT_RESPONSES)], unanswered
    return [], unanswered


# Reliability --------------------------------------------------------------------------------

def cronbach_alpha(matrix):
    """Cronbach's α of an attempts × items matrix of item scores; None when undefined (fewer
    than two items or attempts, or totals that do not vary)."""
    if len(matrix) < 2 or len(matrix[0]) < 2:
        return None
    k = len(matrix[0])
    item_variance = sum(statistics.variance(column) for column in zip(*matrix))
    total_variance = statistics.variance([sum(row) for row in matrix])
    if total_variance <= 0:
        return None
    return k / (k - 1) * (1 - item_variance / total_variance)


def reliability(draws):
    """α over questions for the attempts that drew every question, else over positions."""
    by_attempt = defaultdict(dict)
    for draw in draws:
        by_attempt[draw.attempt][draw.key] = draw
    keys = sorted({draw.key for draw in draws})
    complete = [row for row in by_attempt.values() if len(row) == len(keys)]
    basis = "questions"
    matrix = [[row[key].fraction for key in keys] for row in complete]
    if len(matrix) < 2:
        basis, matrix = "positions", _position_matrix(by_attempt)
    alpha = cronbach_alpha(matrix)
    if alpha is None:
        return Reliability(None, "", "", len(matrix), len(matrix[0]) if matrix else 0)
    dichotomous = all(value in (0.0, 1.0) for row in matrix for value in row)
    return Reliability(100 * alpha, "KR-20" if dichotomous else "Cronbach's alpha", basis, len(matrix), len(matrix[0]))


def _position_matrix(by_attempt):
    rows = [{d.position: d.fraction for d in row.values()} for row in by_attempt.values()]
    if not rows:
        return []
    usual = Counter(len(row) for row in rows).most_common(1)[0][0]
    positions = list(range(1, usual + 1))
    return [[row[p] for p in positions] for row in rows if sorted(row) == positions]
