"""Certificate rules (authored in the CMS) and the certificates they issue.

A certificate's public id (128 random bits, URL-safe), short verification code and the site address
it was issued under (so its printed URL and credential ids) never change;
its status is derived from its own row: revoked, superseded (renewed), expired, expiring (30
days or less left) or valid. Each certificate owns one bit in the platform's Bitstring Status
List — the bit at its primary key — set when it is revoked, so any verifier sees it.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, PageChooserPanel
from wagtail.models import Orderable

from content.localization import localized

EXPIRING_DAYS = 30
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by people


def new_public_id():
    return secrets.token_urlsafe(16)  # 128 bits from the OS CSPRNG


def new_code():
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"OPS-{chars[:4]}-{chars[4:]}"


class CertificateRule(ClusterableModel):
    """An achievement: passing `exam` (and every quiz in `requirements`) earns it."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    exam = models.ForeignKey(
        "quizzes.QuizPage", on_delete=models.PROTECT, related_name="+", verbose_name=_("exam"),
        help_text=_("Passing this quiz issues the certificate, and passing it again renews it."),
    )
    validity_months = models.PositiveSmallIntegerField(_("valid for (months)"), default=24)
    active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("title_en")]),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("description"), FieldPanel("description_en")]),
        PageChooserPanel("exam", "quizzes.QuizPage"),
        InlinePanel("requirements", heading=_("Also required"), label=_("quiz")),
        FieldRowPanel([FieldPanel("validity_months"), FieldPanel("active")]),
    ]

    class Meta:
        verbose_name = _("certificate rule")
        verbose_name_plural = _("certificate rules")
        ordering = ["slug"]

    def __str__(self):
        return self.localized_title()

    def localized_title(self):
        return localized(self.title, self.title_en)


class RuleRequirement(Orderable):
    rule = ParentalKey(CertificateRule, on_delete=models.CASCADE, related_name="requirements")
    quiz = models.ForeignKey("quizzes.QuizPage", on_delete=models.PROTECT, related_name="+", verbose_name=_("quiz"))
    min_percent = models.PositiveSmallIntegerField(
        _("graded at least (%)"), null=True, blank=True, validators=[MaxValueValidator(100)],
        help_text=_("Empty: passing the quiz is enough. A capstone can ask more, e.g. 75 for a merit."))

    panels = [FieldRowPanel([PageChooserPanel("quiz", "quizzes.QuizPage"), FieldPanel("min_percent")])]


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")


class CertificateQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)

    def active_at(self, now):
        """Neither revoked nor superseded nor expired at `now`."""
        return self.filter(is_current=True, revoked_at__isnull=True, valid_until__gt=now)


class Certificate(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    code = models.CharField(_("verification code"), max_length=16, unique=True, default=new_code, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    rule = models.ForeignKey(CertificateRule, on_delete=models.PROTECT, related_name="certificates")
    holder_name = models.CharField(_("holder"), max_length=120)
    achievement = models.CharField(_("achievement"), max_length=200)
    achievement_en = models.CharField(_("achievement (English)"), max_length=200)
    issuer_name = models.CharField(_("issuer"), max_length=200)
    issued_at = models.DateTimeField(_("issued"))
    valid_until = models.DateTimeField(_("valid until"))
    score = models.DecimalField(_("score (%)"), max_digits=6, decimal_places=2, null=True)
    source_attempt = models.ForeignKey(
        "quizzes.Attempt", null=True, blank=True, on_delete=models.SET_NULL, related_name="certificates",
        help_text=_("The exam attempt the certificate was issued for."),
    )
    is_current = models.BooleanField(default=True, help_text=_("False once renewed (superseded)."))
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revocation_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)
    site_url = models.CharField(
        max_length=200, blank=True, editable=False,
        help_text=_("The site's address when it was issued: its printed URL and credential ids are built on it "
                    "and never change."),
    )
    pdf_file = models.FileField(upload_to="certificates/", blank=True, editable=False,
                                help_text=_("Rendered once in the background; served to the holder only."))

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "rule"], condition=models.Q(is_current=True),
                name="certification_certificate_one_current_per_rule",
            ),
        ]
        indexes = [models.Index(fields=["valid_until"], name="certification_cert_valid_until")]

    def __str__(self):
        return f"{self.code} · {self.holder_name} · {self.achievement}"

    def status_at(self, now):
        if self.revoked_at:
            return CertificateStatus.REVOKED
        if not self.is_current:
            return CertificateStatus.SUPERSEDED
        if now >= self.valid_until:
            return CertificateStatus.EXPIRED
        if self.valid_until - now <= timedelta(days=EXPIRING_DAYS):
            return CertificateStatus.EXPIRING
        return CertificateStatus.VALID

    @property
    def status(self):
        return self.status_at(timezone.now())

    def localized_achievement(self):
        return localized(self.achievement, self.achievement_en)


class ReminderSent(models.Model):
    """One row per reminder mailed, so a rerun of the schedule never mails twice."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "days_before"], name="certification_reminder_once"),
        ]

