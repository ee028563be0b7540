"""What certification adds to a quiz result's next steps (quizzes.next_steps)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from courses.notices import Notice

from .models import Certificate


def issued_by(attempt):
    """The certificates this attempt's grading issued (issued at its finish): one query."""
    if not attempt.passed:
        return []
    certificates = Certificate.objects.filter(user_id=attempt.user_id, issued_at=attempt.finished_at, is_current=True)
    return [
        Notice(_("Certificate issued: “%(name)s”.") % {"name": certificate.localized_achievement()},
               reverse("certificates:mine"), _("See your certificates"))
        for certificate in certificates
    ]
