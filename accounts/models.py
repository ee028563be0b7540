"""People who use the platform. Login is by email (allauth); the username is generated."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    display_name = models.CharField(
        _("display name"),
        max_length=120,
        blank=True,
        help_text=_("The name printed on your certificates."),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    time_multiplier = models.DecimalField(
        _("extra time multiplier"),
        max_digits=4,
        decimal_places=2,
        default=1,
        help_text=_("Accommodation: every timed quiz lasts this many times its limit (e.g. 1.5)."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_display_name()

    def get_display_name(self):
        return self.display_name or self.get_full_name() or self.email or self.username
