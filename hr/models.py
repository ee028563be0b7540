"""HR's permissions, and which department a manager oversees. HR owns no other data: it reads
and acts on certification, courses, quizzes and accounts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

VIEW_REPORTS = "hr.view_hr_reports"
REVOKE_CERTIFICATE = "hr.revoke_certificate"
ASSIGN_COURSE = "hr.assign_course"
IMPORT_PEOPLE = "hr.import_people"
VIEW_OWN_DEPARTMENT = "hr.view_own_department"

MANAGERS = "Managers"  # the group holding VIEW_OWN_DEPARTMENT (hr migration 0004)


class HRAdmin(models.Model):
    """No table: it only carries HR's permissions (as Wagtail's `wagtailadmin.Admin` carries
    `access_admin`). The HR group was given them by certification's migration 0003, when
    this model lived there; hr's migration 0002 moved them here, holders and all."""

    class Meta:
        managed = False
        default_permissions = []
        permissions = [
            ("view_hr_reports", _("Can view HR reports and transcripts")),
            ("revoke_certificate", _("Can revoke certificates")),
            ("assign_course", _("Can assign courses to people and departments")),
            ("import_people", _("Can import people and manage departments")),
            ("view_own_department", _("Can view the skills, compliance and transcripts of their own department")),
        ]


class ManagerScope(models.Model):
    """The department a manager oversees, with everything below it. A member of the Managers
    group sees the skills reports, the compliance matrix and the transcripts of this subtree
    only (`hr.scope`); without a row here they see none. Kept apart from the manager's own
    employee profile: where someone works and what they oversee are different facts, and a
    people import that moves them must not widen what they may read."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="manager_scope",
                                verbose_name=_("manager"))
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("department (and below)"))

    class Meta:
        verbose_name = _("manager")
        verbose_name_plural = _("managers")
        default_permissions = []  # HR appoints managers under its own permission (`hr.managers`)

    def __str__(self):
        return f"{self.user} · {self.department}"


class SkillSummaryBuild(models.Model):
    """One build of the skills heatmap's summary (`hr.skill_summary`), for the state of the
    data its `digest` names. Shared by every worker and server, unlike a per-process cache."""

    digest = models.CharField(max_length=64, unique=True)
    built_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = []


class SkillSummary(models.Model):
    """Per department (its own people, not those below) and skill: how many active employees
    have enough evidence of the skill, and the sum of their levels. The heatmap adds these up
    by department path instead of aggregating every person's mastery on each request."""

    build = models.ForeignKey(SkillSummaryBuild, on_delete=models.CASCADE, related_name="rows")
    department = models.ForeignKey("accounts.Department", on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey("content.Skill", on_delete=models.CASCADE, related_name="+")
    people = models.PositiveIntegerField()
    total = models.PositiveIntegerField()

    class Meta:
        default_permissions = []
        constraints = [models.UniqueConstraint(fields=["build", "department", "skill"], name="hr_skillsummary_once")]


class DueReminderSent(models.Model):
    """One row per due-date reminder mailed (`hr.api.send_due_reminders`), so a rerun of the
    schedule never mails twice for the same enrolment, due date and window; a due date that
    is extended is a new date and gets its own reminder."""

    enrolment = models.ForeignKey("courses.Enrolment", on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        default_permissions = []
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "due_date", "days_before"], name="hr_duereminder_once"),
        ]
