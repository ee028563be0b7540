"""HR's permissions. HR owns no data: it reads and acts on certification, courses and accounts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

VIEW_REPORTS = "hr.view_hr_reports"
REVOKE_CERTIFICATE = "hr.revoke_certificate"
ASSIGN_COURSE = "hr.assign_course"
IMPORT_PEOPLE = "hr.import_people"


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
        ]
