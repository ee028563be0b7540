from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = _("Quizzes")

    def ready(self):
        from courses import notices as dashboard_notices

        from . import notices, signals  # noqa: F401

        dashboard_notices.register(notices.awaiting_grading)
