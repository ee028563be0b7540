"""HR's admin URLs, mounted at /admin/hr/ by `wagtail_hooks` (inside the admin's access guard);
/admin/hr/departments/ is the departments' viewset (`departments`)."""

from django.urls import path

from . import report_views, skill_views, views

app_name = "hr_reports"
urlpatterns = [
    path("", report_views.ComplianceMatrixView.as_view(), name="matrix"),
    path("results/", report_views.ComplianceMatrixView.as_view(results_only=True), name="matrix_results"),
    path("summary/", report_views.DepartmentSummaryView.as_view(), name="summary"),
    path("summary/results/", report_views.DepartmentSummaryView.as_view(results_only=True), name="summary_results"),
    path("expiring/", report_views.ExpiringCertificatesView.as_view(), name="expiring"),
    path(
        "expiring/results/", report_views.ExpiringCertificatesView.as_view(results_only=True), name="expiring_results"
    ),
    path("people/", report_views.PeopleView.as_view(), name="people"),
    path("people/results/", report_views.PeopleView.as_view(results_only=True), name="people_results"),
    path("people/<int:user_id>/", report_views.TranscriptView.as_view(), name="transcript"),
    path("people/import/", views.ImportPeopleView.as_view(), name="import_people"),
    path("certificates/<int:certificate_id>/revoke/", views.RevokeCertificateView.as_view(), name="revoke"),
    path("assign/", views.AssignCourseView.as_view(), name="assign"),
    path("skills/", skill_views.SkillsHeatmapView.as_view(), name="skills"),
    path("skills/results/", skill_views.SkillsHeatmapView.as_view(results_only=True), name="skills_results"),
    path("skills/people/", skill_views.SkillPeopleView.as_view(), name="skill_people"),
    path("skills/people/results/", skill_views.SkillPeopleView.as_view(results_only=True),
         name="skill_people_results"),
    path("skills/readiness/", skill_views.ReadinessView.as_view(), name="readiness"),
    path("skills/readiness/results/", skill_views.ReadinessView.as_view(results_only=True),
         name="readiness_results"),
]
