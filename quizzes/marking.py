"""Grading essays: a grader's rubric marking becomes the essay's score, and the attempt's grade
once every essay of it is scored — in one transaction with what automatic grading does at
submit (pass or fail, the module, certificates), and with a line in the grade history.

Who may grade is decided here too: the `quizzes.grade_attempt` permission (Instructors); HR
reads the history but cannot grade, and nobody grades their own attempt.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import rubrics
from .api import AttemptNotFound, QuizError, record_grade
from .models import AttemptQuestion, AttemptStatus, GradeChange
from .queries import attempt_for_grading
from .tasks import send_attempt_graded

MAX_REASON = 500


class MarkingRefused(QuizError):
    status = 400


def can_grade(user):
    return user.is_active and user.has_perm("quizzes.grade_attempt")


def grade_essay(grader, attempt_question_id, data, *, reason="", now=None):
    """Score essay `attempt_question_id` from `data` (rubrics.clean_marking's fields). The first
    grade needs no reason; changing a grade does. Returns the attempt as it now stands."""
    now = now or timezone.now()
    if not can_grade(grader):
        raise QuizError(_("You do not have permission to grade essays."))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise MarkingRefused(_("A reason must be at most %(max)s characters.") % {"max": MAX_REASON})
    with transaction.atomic():
        question = (AttemptQuestion.objects.select_for_update().select_related("attempt")
                    .filter(pk=attempt_question_id, manual=True).first())
        if question is None:
            raise AttemptNotFound(_("No such essay."))
        if question.attempt.user_id == grader.pk:
            raise QuizError(_("You cannot grade your own attempt."))
        attempt = attempt_for_grading(question.attempt_id)  # locks the attempt: one grader at a time
        if attempt.status == AttemptStatus.IN_PROGRESS:
            raise MarkingRefused(_("This attempt has not been submitted yet."))
        try:
            score, marking = rubrics.clean_marking(question.spec, data)
        except rubrics.MarkingError as error:
            raise MarkingRefused(str(error)) from None
        regrade = question.marked_at is not None
        if regrade and not reason:
            raise MarkingRefused(_("Say why the grade changes: the reason is kept in the grade history."))
        before = question.score
        AttemptQuestion.objects.filter(pk=question.pk).update(
            score=score, marking=marking, marked_at=now, marked_by=grader)
        GradeChange.objects.create(
            attempt_question=question, changed_by=grader, changed_at=now,
            score_before=before, score_after=score, reason=reason, marking=marking)
        total = Decimal(str(attempt.total or 0)) - (before or 0) + score
        still_waiting = attempt.manual - (0 if regrade else 1)
        if still_waiting == 0 and (attempt.status == AttemptStatus.AWAITING or score != before):
            attempt.user = question.attempt.user
            record_grade(attempt, total, was=attempt.status)
            _tell_trainee(attempt, regrade=regrade)
    return attempt


def _tell_trainee(attempt, *, regrade):
    transaction.on_commit(lambda: send_attempt_graded.enqueue(attempt.pk, regrade))
