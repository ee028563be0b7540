"""The "HR reports" admin menu, its URLs (hr/urls.py) and the departments' and managers' viewsets.

Wagtail wraps hook URLs in its admin-access guard; each view then checks its own HR permission
(`hr.models`), which the HR group and superusers hold."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy

from accounts.models import Department

from .departments import DepartmentPermissionPolicy, DepartmentViewSet
from .managers import ManagerPermissionPolicy, ManagerViewSet
from .models import ASSIGN_COURSE, IMPORT_PEOPLE, VIEW_OWN_DEPARTMENT, VIEW_REPORTS, ManagerScope

# Before anything asks for Department's policy (Wagtail would make a per-model fallback).
register_permission_policy(Department, DepartmentPermissionPolicy(Department))
register_permission_policy(ManagerScope, ManagerPermissionPolicy(ManagerScope))


@hooks.register("register_admin_urls")
def register_hr_urls():
    return [path("hr/", include("hr.urls"))]


@hooks.register("register_admin_viewset")
def register_departments():
    return DepartmentViewSet("hr_departments")


@hooks.register("register_admin_viewset")
def register_managers():
    return ManagerViewSet("hr_managers")


class PermissionMenuItem(MenuItem):
    """Shown to holders of `permission` (or of any of several)."""

    def __init__(self, label, url_name, permission, **kwargs):
        super().__init__(label, reverse(url_name), **kwargs)
        self.permissions = (permission,) if isinstance(permission, str) else permission

    def is_shown(self, request):
        return any(request.user.has_perm(permission) for permission in self.permissions)


HR_OR_MANAGER = (VIEW_REPORTS, VIEW_OWN_DEPARTMENT)  # a manager's views show their own department


def _hr_menu():
    """Revocation has no entry: it is reached from a transcript or the expiring list; the people
    behind a skill from the skills heatmap."""
    return Menu(items=[
        PermissionMenuItem(_("Compliance matrix"), "hr_reports:matrix", HR_OR_MANAGER, icon_name="table", order=100),
        PermissionMenuItem(_("Skills"), "hr_reports:skills", HR_OR_MANAGER, icon_name="table", order=110),
        PermissionMenuItem(_("Role readiness"), "hr_reports:readiness", HR_OR_MANAGER, icon_name="user", order=120),
        PermissionMenuItem(_("Department summary"), "hr_reports:summary", VIEW_REPORTS, icon_name="list-ul", order=200),
        PermissionMenuItem(
            _("Expiring certificates"), "hr_reports:expiring", VIEW_REPORTS, icon_name="time", order=300
        ),
        PermissionMenuItem(_("People and transcripts"), "hr_reports:people", VIEW_REPORTS, icon_name="user", order=400),
        PermissionMenuItem(_("Assign a course"), "hr_reports:assign", ASSIGN_COURSE, icon_name="calendar", order=500),
        PermissionMenuItem(
            _("Import people"), "hr_reports:import_people", IMPORT_PEOPLE, icon_name="upload", order=600
        ),
        PermissionMenuItem(_("Departments"), "hr_departments:index", IMPORT_PEOPLE, icon_name="group", order=700),
        PermissionMenuItem(_("Managers"), "hr_managers:index", IMPORT_PEOPLE, icon_name="user", order=800),
    ])


@hooks.register("register_admin_menu_item")
def register_hr_menu():
    return SubmenuMenuItem(_("HR reports"), _hr_menu(), icon_name="table", name="hr-reports", order=270)
