"""Background work of the quiz app, through django-tasks (see certification.tasks)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from content.cache_keys import once

from .models import Attempt


@task(takes_context=True)
@once
def send_attempt_graded(attempt_id, regrade=False):
    """Tell a trainee their essays are graded (or a grade changed), in their language."""
    attempt = Attempt.objects.select_related("user", "quiz").get(pk=attempt_id)
    user = attempt.user
    with translation.override(user.preferred_language):
        quiz = attempt.quiz.localized
        context = {
            "attempt": attempt, "user": user, "quiz": quiz, "regrade": regrade,
            "result_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("quizzes:result", args=[attempt.pk]),
        }
        subject = render_to_string("quizzes/email/graded_subject.txt", context).strip()
        body = render_to_string("quizzes/email/graded.txt", context)
    send_mail(subject, body, None, [user.email])
