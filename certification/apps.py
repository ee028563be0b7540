from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self):
        from quizzes import next_steps

        from . import checks, log_actions, notices, signals  # noqa: F401

        next_steps.register(notices.issued_by)
