"""What the quiz app tells a learner on their dashboard (courses.notices)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from courses.notices import Notice

from .models import Attempt, AttemptStatus


def awaiting_grading(user):
    """One notice per attempt whose essays wait for a grader: one query."""
    attempts = Attempt.objects.filter(user_id=user.pk, status=AttemptStatus.AWAITING).select_related("quiz")
    return [
        Notice(
            text=_("“%(quiz)s”, attempt %(number)s: submitted %(date)s and awaiting grading. We will email you "
                   "when it is graded.") % {"quiz": attempt.quiz.title, "number": attempt.number,
                                            "date": attempt.finished_at.strftime("%Y-%m-%d")},
            url=reverse("quizzes:result", args=[attempt.pk]),
            link_text=_("See what you submitted"),
        )
        for attempt in attempts.order_by("finished_at")
    ]
