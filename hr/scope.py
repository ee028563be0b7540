"""Whose data a user may read in HR's admin: everyone's (HR, superusers), one department subtree
(a manager: the Managers group's `hr.view_own_department` and their `ManagerScope`), or nobody's.

Views that managers may use (the skills reports, the compliance matrix, transcripts) read the
scope before anything else, narrow their people and their department choices to it, and answer
404 for a department or person outside it, exactly as for one that does not exist.
"""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Department

from .models import VIEW_OWN_DEPARTMENT, VIEW_REPORTS, ManagerScope


@dataclass(frozen=True)
class Scope:
    department: Department | None = None  # None: every department, and people without one

    @property
    def is_everyone(self):
        return self.department is None

    def departments(self):
        """The departments in scope, in tree order."""
        departments = Department.objects.order_by("path")
        return departments if self.is_everyone else departments.filter(path__startswith=self.department.path)

    def people(self, prefix=""):
        """A filter on users (`prefix` leads from the filtered model to the user, e.g. "user__")."""
        if self.is_everyone:
            return Q()
        return Q(**{f"{prefix}employee__department__path__startswith": self.department.path})


EVERYONE = Scope()


def scope_of(user):
    """The user's Scope, or None when they may read nothing here. One query for a manager
    (their department), none for HR beyond the permission check every HR view makes."""
    if not user.is_active:
        return None
    if user.has_perm(VIEW_REPORTS):
        return EVERYONE
    if user.has_perm(VIEW_OWN_DEPARTMENT):
        found = ManagerScope.objects.select_related("department").filter(user=user).first()
        if found is not None:
            return Scope(found.department)
    return None
