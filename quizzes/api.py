"""Attempts, decided on the server: start (draw and freeze), save one answer, submit (grade),
and the sweep that finalises attempts nobody came back to.

Every rule a trainee could bend — attempt limits, waits, deadlines, whose attempt it is — is
checked here; views only translate `QuizError`s into 4xx responses.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from content.markdown import render_markdown
from courses import api as courses_api
from courses.models import ModulePage

from . import labs, mastery, rubrics
from .calculation import frozen_variant
from .grading import clean_response, grade
from .models import (
    AnswersShown,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    QuizPage,
    ReviewPolicy,
)
from .queries import (
    access_refusal,
    attempt_for_grading,
    attempt_question_values,
    attempts_at,
    can_start,
    claim_grade,
    draw_candidates,
    drawn_questions,
    insert_started_attempt,
    live_quiz,
    question_to_answer,
    quiz_grade,
    store_answer,
)
from .randomness import PooledSystemRandom

__all__ = [
    "QuizError", "AttemptNotFound", "AttemptClosed", "BadResponse",
    "start_attempt", "save_answer", "submit_attempt", "finalise_overdue_attempts", "parse_position",
    "attempt_graded", "can_start", "access_refusal", "live_quiz", "quiz_grade", "review_level", "is_past_deadline",
    "run_lab_query",
]

# Sent after an attempt is graded, inside the grading transaction (certification listens).
attempt_graded = Signal()


class QuizError(Exception):
    """A request the rules refuse; `status` is the HTTP status a view should answer with."""

    status = 403


class AttemptNotFound(QuizError):
    status = 404


class AttemptClosed(QuizError):
    status = 409


class BadResponse(QuizError):
    status = 400


# Question types whose answers are scored when the attempt is graded, not as they are saved.
GRADED_AT_SUBMIT = {"sql"}
# Question types a person grades (rubrics.py): the attempt waits for them after it is submitted.
GRADED_BY_PERSON = {"essay"}


def grace():
    return timedelta(seconds=getattr(settings, "QUIZ_GRACE_SECONDS", 30))


# Starting -----------------------------------------------------------------------------------

def start_attempt(user, quiz: QuizPage, *, now=None) -> Attempt:
    """Resume the open attempt, or start a new one with a fresh draw, frozen as it is now.

    What needs no lock is done before writing: the access check, the limits, the draw and the
    frozen questions. The usual start then only inserts (on SQLite it holds the one writer
    lock for that alone): the unique constraints (one open attempt per quiz, one row per
    attempt number) refuse it if a parallel start got in first, and only then, or when a late
    attempt is to be finished first, is everything read again in a transaction."""
    now = now or timezone.now()
    _check_course_access(user, quiz)
    attempts = attempts_at(user, quiz)
    open_attempt = next((a for a in attempts if a.is_open), None)
    if open_attempt is not None and not is_past_deadline(open_attempt, now):
        return open_attempt  # a second tab, a double click: nothing to lock or write
    if open_attempt is None and (reason := can_start(user, quiz, now=now, attempts=attempts)):
        raise QuizError(reason)  # before the draw: refusals cost no draw
    questions, max_score = _frozen_draw(quiz, user)
    if open_attempt is None:  # the usual start: the unique constraints settle a parallel one
        attempt = _new_attempt(user, quiz, attempts, now, max_score)
        if insert_started_attempt(attempt, questions):
            return attempt
    with transaction.atomic():  # a late attempt to finish first, or a parallel start got in
        attempts = attempts_at(user, quiz)
        open_attempt = next((a for a in attempts if a.is_open), None)
        if open_attempt is not None and is_past_deadline(open_attempt, now):
            grading = attempt_for_grading(open_attempt.pk)
            if grading.is_open:  # else a parallel start finished it
                _finish(grading, now, "deadline")
            attempts = attempts_at(user, quiz)
            open_attempt = next((a for a in attempts if a.is_open), None)  # that start's new attempt
        if open_attempt is not None:
            return open_attempt
        if reason := can_start(user, quiz, now=now, attempts=attempts):
            raise QuizError(reason)
        attempt = _new_attempt(user, quiz, attempts, now, max_score)
        if not insert_started_attempt(attempt, questions):  # a second tab started one at the same moment: use it
            return Attempt.objects.get(user=user, quiz_key=quiz.translation_key, status=AttemptStatus.IN_PROGRESS)
    return attempt


def _new_attempt(user, quiz, attempts, now, max_score):
    """The unsaved attempt that follows `attempts`, its deadline from the quiz's time limit."""
    limit = quiz.time_limit_minutes * float(getattr(user, "time_multiplier", 1) or 1)
    return Attempt(user=user, quiz=quiz, quiz_key=quiz.translation_key,
                   number=max((a.number for a in attempts), default=0) + 1,
                   deadline=now + timedelta(minutes=limit) if limit else None, max_score=max_score)


def _check_course_access(user, quiz):
    reason = access_refusal(user, quiz, fresh=True)
    if reason:
        raise QuizError(reason)


def _frozen_draw(quiz, user):
    """The new attempt's questions, drawn and frozen, as rows ready to insert, and their
    points added up."""
    rng = PooledSystemRandom()
    questions = _draw(quiz, user, rng)
    if not questions:
        raise QuizError(_("This quiz has no questions yet."))
    rows = [
        attempt_question_values(
            position=position,
            question=question.id,
            question_key=question.translation_key,
            revision=question.latest_revision_id,
            spec=freeze(question, shuffle=quiz.shuffle_choices, answers=question.answer_data, rng=rng),
            # unanswered; save_answer scores each answer, except an SQL lab's (None): its
            # queries run once, at submit, so saving stays cheap whoever hammers it; and an
            # essay's, which a grader scores
            score=None if question.question_type in GRADED_AT_SUBMIT | GRADED_BY_PERSON else Decimal("0"),
            manual=question.question_type in GRADED_BY_PERSON,
        )
        for position, question in enumerate(questions, start=1)
    ]
    return rows, sum((q.points for q in questions), Decimal("0"))


def _draw(quiz, user, rng):
    """Questions for a new attempt (`DrawnQuestion`s): per draw rule, unseen questions first,
    then the rest."""
    pools = {}
    for draw_id, count, question_id, seen in draw_candidates(quiz, user):
        pools.setdefault(draw_id, (count, []))[1].append((question_id, bool(seen)))
    chosen, chosen_ids = [], set()
    for count, candidates in pools.values():  # in the quiz's order of draws
        unseen = [pk for pk, met in candidates if not met and pk not in chosen_ids]
        seen = [pk for pk, met in candidates if met and pk not in chosen_ids]
        # a random choice among the unseen, then among the rest: sampling only what is taken
        # asks the system's generator for `count` numbers, not one per question of the bank
        picked = rng.sample(unseen, min(count, len(unseen)))
        picked += rng.sample(seen, min(count - len(picked), len(seen)))
        chosen_ids.update(picked)
        chosen.extend(picked)
    by_id = drawn_questions(chosen)
    return [by_id[pk] for pk in chosen]


def freeze(question, *, shuffle=True, answers=None, rng=None):
    """The attempt's private copy of a question (a `Question`, or a `DrawnQuestion` with its
    `answers` data, which this changes): rendered text, answers with random tokens, and the
    order the trainee sees them in. `rng`: the start's `PooledSystemRandom`."""
    rng = rng or PooledSystemRandom()
    if answers is None:
        answers = [a.as_data() for a in question.answers.all()]
    stem, values = question.stem, None
    if question.question_type == "calculated":  # this attempt's own numbers, frozen with it
        stem, values, answers = frozen_variant(question.stem, question.calculation, answers, rng)
    targets = {}
    for answer in answers:
        answer["token"] = rng.token()
        if question.question_type == "matching":
            if answer["match"] not in targets:
                targets[answer["match"]] = rng.token()
            answer["target"] = targets[answer["match"]]
    # A matching row without an item is a distractor: a target to choose, never an item shown.
    order = [] if question.question_type in ("calculated", "sql", "essay") else [
        a["token"] for a in answers if question.question_type != "matching" or a["text"].strip()]
    shuffled = shuffle and question.question_type in ("single_choice", "multiple_response")
    if question.question_type == "ordering" or shuffled:
        while True:
            rng.shuffle(order)
            if question.question_type != "ordering" or len(order) < 2 or order != [a["token"] for a in answers]:
                break
    target_order = list(targets.items())
    rng.shuffle(target_order)
    return {
        "type": question.question_type,
        "key": question.key,
        "points": float(question.points),
        "stem_html": render_markdown(stem),
        "values": values,
        "lab": labs.frozen(question.lab, rng) if question.question_type == "sql" else None,
        "essay": rubrics.frozen(question.essay) if question.question_type == "essay" else None,
        "explanation_html": render_markdown(question.explanation),
        "units": [u.strip() for u in question.units.split(",") if u.strip()],
        "answers": answers,
        "order": order,
        "targets": [{"token": token, "text": text} for text, token in target_order],
    }


# Saving -------------------------------------------------------------------------------------

MAX_POSITION = 32767  # AttemptQuestion.position is a PositiveSmallIntegerField
MAX_ID = 2**63 - 1  # BigAutoField


def parse_position(value):
    """A question number from JSON or a form field (an int, or ASCII digits) within the
    column's range, else None. Checked before any query: str.isdigit() accepts "²", which
    int() refuses, and SQLite refuses integers beyond 64 bits."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 5:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_POSITION:
        return value
    return None


def _check_attempt_id(attempt_id):
    """An id no attempt can have (the URL takes any digits) is simply not found."""
    if not isinstance(attempt_id, int) or not 1 <= attempt_id <= MAX_ID:
        raise AttemptNotFound(_("No such attempt."))


def get_own_attempt(user, attempt_id):
    """The attempt if it is `user`'s; another person's attempt is indistinguishable from none."""
    _check_attempt_id(attempt_id)
    attempt = Attempt.objects.select_related("quiz__locale").filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise AttemptNotFound(_("No such attempt."))
    return attempt


def is_past_deadline(attempt, now):
    return attempt.deadline is not None and now > attempt.deadline + grace()


def save_answer(user, attempt_id, position, response, *, now=None):
    """Store one answer of an open attempt; returns the time it was saved."""
    now = now or timezone.now()
    _check_attempt_id(attempt_id)
    position = parse_position(position)
    # One read for the common case: the question with its attempt's state.
    row = None if position is None else question_to_answer(user, attempt_id, position, deadline_before=now - grace())
    if row is None:  # say why: not theirs, closed, or no such question
        attempt = get_own_attempt(user, attempt_id)
        _check_open(user, attempt.pk, attempt.status, is_past_deadline(attempt, now), now)
        raise BadResponse(_("That question is not part of this attempt.") if position else _("Unknown question."))
    pk, spec, status, late = row
    _check_open(user, attempt_id, status, late, now)
    try:
        cleaned = clean_response(spec, response)
    except ValueError as error:
        raise BadResponse(str(error)) from None
    score = None if spec["type"] in GRADED_AT_SUBMIT | GRADED_BY_PERSON else score_of(spec, cleaned)
    if not store_answer(pk, response=cleaned, saved_at=now, score=score):
        # submitted between our read and this write
        raise AttemptClosed(_("This attempt has been submitted; answers can no longer change."))
    return now


def _check_open(user, attempt_id, status, late, now):
    """Refuse answers to a submitted attempt; submit one whose time is up (saved answers count)."""
    if status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed(_("This attempt has been submitted; answers can no longer change."))
    if late:
        submit_attempt(user, attempt_id, now=now, finished_by="deadline")
        raise AttemptClosed(_("Time is up: the attempt was submitted with the answers saved before the deadline."))


def run_lab_query(user, attempt_id, position, sql, *, now=None):
    """Run `sql` for SQL-lab question `position` of `user`'s open attempt on the lab's dataset
    (read-only sandbox); the preview, or BadResponse with the sandbox's reason."""
    now = now or timezone.now()
    _check_attempt_id(attempt_id)
    position = parse_position(position)
    row = None if position is None else question_to_answer(user, attempt_id, position, deadline_before=now - grace())
    if row is None:
        get_own_attempt(user, attempt_id)
        raise BadResponse(_("That question is not part of this attempt."))
    _pk, spec, status, late = row
    if status != AttemptStatus.IN_PROGRESS or late:
        raise AttemptClosed(_("This attempt has been submitted; answers can no longer change."))
    if spec["type"] != "sql" or not isinstance(sql, str):
        raise BadResponse(_("Only an SQL lab question runs queries."))
    try:
        return labs.run(spec["lab"], sql)
    except labs.LabError as error:
        raise BadResponse(str(error)) from None


# Submitting ---------------------------------------------------------------------------------

def score_of(spec, response):
    """The points a response earns: the question's points × its graded fraction, to 0.001."""
    return _points_for(spec, grade(spec, response))


def _points_for(spec, fraction):
    return (Decimal(str(spec["points"])) * Decimal(str(fraction))).quantize(Decimal("0.001"), ROUND_HALF_UP)


def submit_attempt(user, attempt_id, *, now=None, finished_by="submit") -> Attempt:
    """Grade the attempt once. A double submit, a second tab or a replay gets the same result."""
    now = now or timezone.now()
    _check_attempt_id(attempt_id)
    with transaction.atomic():
        attempt = attempt_for_grading(attempt_id, user=user)
        if attempt is None:
            raise AttemptNotFound(_("No such attempt."))
        attempt.user = user
        if attempt.is_open and not _finish(attempt, now, finished_by):
            attempt.refresh_from_db()
    return attempt


def _finish(attempt, now, finished_by):
    """Record the grade of an open attempt from `attempt_for_grading`; False if another writer
    finished it first. Each answer was scored as it was saved (`save_answer`) and unanswered
    questions hold 0, so grading adds up the scores and claims the attempt in one write. An
    attempt with essays is claimed as awaiting grading instead; `record_grade` ends it once a
    grader has scored them."""
    total = Decimal(str(attempt.total or 0))
    if attempt.ungraded > attempt.manual:
        total += _grade_at_submit(attempt)
    if attempt.manual:
        claimed = Attempt.objects.filter(pk=attempt.pk, status=AttemptStatus.IN_PROGRESS).update(
            status=AttemptStatus.AWAITING, finished_at=now, finished_by=finished_by)
        attempt.status, attempt.finished_at, attempt.finished_by = AttemptStatus.AWAITING, now, finished_by
        return bool(claimed)
    attempt.finished_at, attempt.finished_by = now, finished_by
    return record_grade(attempt, total, was=AttemptStatus.IN_PROGRESS)


def record_grade(attempt, total, *, was):
    """Write an attempt's final score (from `attempt_for_grading`, in its transaction) if its
    status is still `was`; then complete its module if it passed and tell listeners
    (certificates). False if another writer changed the attempt first."""
    score = total.quantize(Decimal("0.001"), ROUND_HALF_UP)
    percent = Decimal("0")
    if attempt.max_score:
        percent = (score * 100 / attempt.max_score).quantize(Decimal("0.01"), ROUND_HALF_UP)
    passed = percent >= attempt.pass_mark
    if not claim_grade(attempt.pk, was=was, finished_at=attempt.finished_at,
                       finished_by=attempt.finished_by, score=score, percent=percent, passed=passed):
        return False
    attempt.status, attempt.score, attempt.percent, attempt.passed = AttemptStatus.FINISHED, score, percent, passed
    mastery.record_attempt(attempt, regrade=was == AttemptStatus.FINISHED,
                           at_submit=was == AttemptStatus.IN_PROGRESS)
    if passed and attempt.completes_module:
        courses_api.complete_module(attempt.user, ModulePage.objects.get(path=attempt.quiz_path[: -ModulePage.steplen]))
    attempt_graded.send(sender=Attempt, attempt=attempt)
    return True


def _grade_at_submit(attempt):
    """Score the questions graded only at submit (SQL labs: their queries run here, once); the sum."""
    questions = list(AttemptQuestion.objects.filter(attempt_id=attempt.pk, score__isnull=True, manual=False)
                     .only("spec", "response"))
    for question in questions:  # an SQL lab keeps its comparison (missing and extra rows) for the review
        fraction, question.marking = labs.graded(question.spec, question.response or "")
        question.score = _points_for(question.spec, fraction)
    AttemptQuestion.objects.bulk_update(questions, ["score", "marking"])
    return sum((q.score for q in questions), Decimal("0"))


def finalise_overdue_attempts(*, now=None):
    """Submit every open attempt past its deadline and grace, with what was saved. Safe to
    run at any time and from several processes: each attempt is graded exactly once."""
    now = now or timezone.now()
    overdue = Attempt.objects.filter(
        status=AttemptStatus.IN_PROGRESS, deadline__lt=now - grace()
    ).values_list("pk", "user_id")
    count = 0
    for pk, user_id in overdue:
        with transaction.atomic():
            attempt = attempt_for_grading(pk)
            if attempt.is_open:
                _finish(attempt, now, "sweep")
                count += 1
    return count


# Reviewing ----------------------------------------------------------------------------------

def review_level(attempt, *, now=None):
    """How much of a graded attempt its owner may see now: None (nothing yet) or a
    `ReviewPolicy` level. Right answers, and the per-choice feedback and explanations that give
    them away, wait for the quiz's `answers_shown` moment (Moodle's "later, while the quiz is
    still open"); until then a review that would show them shows the score only. By default
    that moment is a passing attempt or the quiz's close, so blank attempts, which are drawn
    unseen questions first, never collect a bank's answers."""
    quiz = attempt.quiz
    closed = quiz.closes_at is not None and (now or timezone.now()) >= quiz.closes_at
    if quiz.review_policy == ReviewPolicy.AFTER_CLOSE:
        return ReviewPolicy.FEEDBACK if closed else None
    if quiz.review_policy in (ReviewPolicy.ANSWERS, ReviewPolicy.FEEDBACK) and not (
        closed
        or quiz.answers_shown == AnswersShown.ALWAYS
        or (quiz.answers_shown == AnswersShown.PASSED_OR_CLOSED and attempt.passed)
    ):
        return ReviewPolicy.SCORE
    return quiz.review_policy
