"""People who use the platform. Login is by email (allauth); the username is generated."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


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


class Department(MP_Node):
    """The organisation's departments, as a tree (materialised path: a department's whole
    subtree is one `path__startswith` filter)."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class EmployeeProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employee")
    employee_id = models.CharField(_("employee id"), max_length=40, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="employees", verbose_name=_("department")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reports", verbose_name=_("manager"),
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)

    class Meta:
        verbose_name = _("employee profile")
        verbose_name_plural = _("employee profiles")

    def __str__(self):
        return f"{self.employee_id} · {self.user}"
