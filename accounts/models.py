"""People who use the platform. Login is by email (allauth); the username is generated."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Lower
from django.db.models.signals import post_delete
from django.dispatch import receiver
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

    # HR's lists order people by department (tree order), then lower-cased name: copies of both
    # here, kept by `refresh_sort_keys`, so that one index serves the order and the department
    # filter (a path range) without joining every person's profile and department.
    sort_department_path = models.CharField(max_length=255, null=True, editable=False)  # None: no profile
    sort_name = models.CharField(max_length=120, default="", editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        indexes = [models.Index(fields=["sort_department_path", "sort_name", "email", "id", "is_active"],
                                name="accounts_user_hr_order")]

    def __str__(self):
        return self.get_display_name()

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is None or "display_name" in fields:  # not on a login's last_login
            refresh_sort_keys([self.pk])

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

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is None or "department" in fields or "department_id" in fields:
            refresh_sort_keys([self.user_id])


@receiver(post_delete, sender=EmployeeProfile)
def _profile_deleted(sender, instance, **kwargs):
    refresh_sort_keys([instance.user_id])


def refresh_sort_keys(users=None):
    """Copy each user's department path and lower-cased display name into their sort keys (one
    UPDATE, computed by the database like the order it replaces). `users`: a queryset or ids of
    users; None: everyone (after departments move, which renumbers paths)."""
    people = User.objects.all()
    if users is not None:
        people = people.filter(pk__in=users)
    path = EmployeeProfile.objects.filter(user=OuterRef("pk")).values("department__path")[:1]
    return people.update(sort_department_path=Subquery(path), sort_name=Lower("display_name"))


def refresh_moved_sort_keys():
    """Refresh the people whose department's path is not the one they carry: adding or moving a
    department renumbers the paths of its later siblings and everything below them."""
    stale = EmployeeProfile.objects.exclude(user__sort_department_path=F("department__path"))
    return refresh_sort_keys(stale.values("user_id"))
