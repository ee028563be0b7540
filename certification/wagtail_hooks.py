"""The "HR reports" admin menu and its URLs (certification/report_views.py, hr_views.py).

Wagtail wraps hook URLs in its admin-access guard; each view then checks its own HR permission
(`certification.HRAdmin`), which the HR group and superusers hold."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from . import hr_views, report_views


def _report(view, **kwargs):
    return view.as_view(**kwargs)


urlpatterns = [
    path("", _report(report_views.ComplianceMatrixView), name="matrix"),
    path("results/", _report(report_views.ComplianceMatrixView, results_only=True), name="matrix_results"),
    path("summary/", _report(report_views.DepartmentSummaryView), name="summary"),
    path("summary/results/", _report(report_views.DepartmentSummaryView, results_only=True), name="summary_results"),
    path("expiring/", _report(report_views.ExpiringCertificatesView), name="expiring"),
    path("expiring/results/", _report(report_views.ExpiringCertificatesView, results_only=True), name="expiring_results"),
    path("people/", _report(report_views.PeopleView), name="people"),
    path("people/results/", _report(report_views.PeopleView, results_only=True), name="people_results"),
    path("people/<int:user_id>/", report_views.TranscriptView.as_view(), name="transcript"),
    path("people/import/", hr_views.ImportPeopleView.as_view(), name="import_people"),
    path("certificates/<int:certificate_id>/revoke/", hr_views.RevokeCertificateView.as_view(), name="revoke"),
    path("assign/", hr_views.AssignCourseView.as_view(), name="assign"),
    path("departments/", hr_views.DepartmentsView.as_view(), name="departments"),
]


@hooks.register("register_admin_urls")
def register_hr_urls():
    return [path("hr/", include((urlpatterns, "hr_reports")))]


class PermissionMenuItem(MenuItem):
    def __init__(self, label, url_name, permission, **kwargs):
        super().__init__(label, reverse(url_name), **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


def _hr_menu():
    """Revocation has no entry: it is reached from a transcript or the expiring list."""
    view, assign, people = "certification.view_hr_reports", "certification.assign_course", "certification.import_people"
    return Menu(items=[
        PermissionMenuItem(_("Compliance matrix"), "hr_reports:matrix", view, icon_name="table", order=100),
        PermissionMenuItem(_("Department summary"), "hr_reports:summary", view, icon_name="list-ul", order=200),
        PermissionMenuItem(_("Expiring certificates"), "hr_reports:expiring", view, icon_name="time", order=300),
        PermissionMenuItem(_("People and transcripts"), "hr_reports:people", view, icon_name="user", order=400),
        PermissionMenuItem(_("Assign a course"), "hr_reports:assign", assign, icon_name="calendar", order=500),
        PermissionMenuItem(_("Import people"), "hr_reports:import_people", people, icon_name="upload", order=600),
        PermissionMenuItem(_("Departments"), "hr_reports:departments", people, icon_name="group", order=700),
    ])


@hooks.register("register_admin_menu_item")
def register_hr_menu():
    return SubmenuMenuItem(_("HR reports"), _hr_menu(), icon_name="table", name="hr-reports", order=270)
