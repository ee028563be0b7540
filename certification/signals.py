from django.dispatch import receiver

from courses.signals import curriculum_written
from quizzes.api import attempt_graded
from quizzes.models import Attempt

from . import api, curriculum, site  # noqa: F401 (site listens for requests starting)


@receiver(attempt_graded, sender=Attempt)
def issue_certificates(sender, attempt, **kwargs):
    api.issue_for_attempt(attempt)


@receiver(curriculum_written)
def add_certificate_rules(sender, source, pages, report, **kwargs):
    curriculum.write_certificate_rules(source, pages, report)
