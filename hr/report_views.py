"""HR reports in the Wagtail admin: the compliance matrix, the department summary, expiring
certificates, the people list and each person's transcript.

Each is a Wagtail `ReportView` (filters, pagination, "Download CSV/XLSX"), reading through
`hr.reports`, exporting through `hr.exports` (streamed, formula-safe). Only people with HR's
view permission (`hr.models.VIEW_REPORTS`: the HR group, superusers) get in; the admin's own
guard turns away everyone without admin access before that.
"""

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.views.reports import ReportView

from accounts.models import Department

from . import reports
from .exports import SafeStreamingExportMixin
from .models import REVOKE_CERTIFICATE, VIEW_REPORTS



# Filters ----------------------------------------------------------------------------------------

class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, department):
        return "\u2003" * (department.depth - 1) + department.name


class DepartmentFilter(django_filters.ModelChoiceFilter):
    field_class = DepartmentChoiceField


def _keep(queryset, name, value):
    return queryset  # each report applies the department itself (see HRReportView.department)


class DepartmentFilterSet(WagtailFilterSet):
    department = DepartmentFilter(
        label=_("Department (and below)"), queryset=Department.objects.order_by("path"),
        empty_label=_("All departments"), method=_keep,
    )

    class Meta:
        model = Department
        fields = []


class ExpiringFilterSet(DepartmentFilterSet):
    days = django_filters.NumberFilter(label=_("Expiring within (days)"), method=_keep, min_value=1, max_value=3650)


# Base --------------------------------------------------------------------------------------------

class HRPermissionMixin:
    permission = VIEW_REPORTS

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied  # before any lookup: a guessed id tells nothing
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("hr_reports:matrix"), "label": _("HR reports")},
            {"url": "", "label": self.get_page_title()},
        ]


class HRReportView(HRPermissionMixin, SafeStreamingExportMixin, ReportView):
    template_name = "hr/report.html"
    filterset_class = DepartmentFilterSet
    header_icon = "table"

    @cached_property
    def department(self):
        """The department filter's value; an unknown department id is a 404, not everyone."""
        if self.filters is None or not self.request.GET.get("department"):
            return None
        if not self.filters.is_valid() and "department" in self.filters.form.errors:
            raise Http404
        return self.filters.form.cleaned_data.get("department")

    def filter_queryset(self, queryset):
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["department"] = self.department
        return context


def transcript_url(person):
    return reverse("hr_reports:transcript", args=[person.pk])


# Compliance matrix ---------------------------------------------------------------------------------

class StateColumn(Column):
    """A certificate's column of the matrix. Its cells are drawn here rather than by a template
    each: a page has hundreds, and a template per cell cost most of the page's time."""

    def __init__(self, rule, labels):
        super().__init__(f"rule-{rule.id}", label=rule.title, accessor=lambda row: row.cells.get(rule.id),
                         classname="hr-rule")
        self.rule, self.labels = rule, labels
        self.valid_until, self.due = str(_("Valid until")), str(_("Due"))  # once, not per cell

    def render_cell_html(self, instance, parent_context):
        cell = instance.cells.get(self.rule.id)
        if cell is None:
            return mark_safe('<td class="hr-cell"><span class="hr-na" data-state="">—</span></td>')
        title = f"{self.due} {cell.due_date:%Y-%m-%d}"
        if cell.valid_until:
            title = f"{self.valid_until} {timezone.localtime(cell.valid_until):%Y-%m-%d} · {title}"
        return format_html(
            '<td class="hr-cell"><span class="hr-state hr-state--{}" data-state="{}" title="{}">{}</span></td>',
            cell.state, cell.state, title, self.labels[cell.state],
        )


class ComplianceMatrixView(HRReportView):
    """People × the certificates required of them, one page of people at a time."""

    page_title = _("Compliance matrix")
    index_url_name = "hr_reports:matrix"
    index_results_url_name = "hr_reports:matrix_results"
    results_template_name = "hr/matrix_results.html"
    table_classname = "listing hr-matrix"
    paginate_by = 50
    list_export = reports.MATRIX_EXPORT_FIELDS
    export_filename = "compliance-matrix"

    @cached_property
    def requirements(self):
        return reports.Requirements()

    @cached_property
    def rules(self):
        return self.requirements.rules_in_scope(self.department)

    def get_queryset(self):
        """Only people of whom something is required: the people list shows everyone."""
        return reports.people(self.department).filter(self.requirements.required_filter())

    def paginate_queryset(self, queryset, page_size):
        paginator, page, people, is_paginated = super().paginate_queryset(queryset, page_size)
        return paginator, page, reports.matrix_rows(list(people), self.requirements, self.rules), is_paginated

    @cached_property
    def columns(self):
        labels = {state: str(label) for state, label in reports.CellState.labels.items()}
        return [
            TitleColumn("person", label=_("Person"), accessor="person", get_url=lambda row: transcript_url(row.person)),
            Column("employee_id", label=_("Employee id"), accessor="person.employee.employee_id"),
            Column("department", label=_("Department"), accessor="person.employee.department.name"),
            *[StateColumn(rule, labels) for rule in self.rules],
        ]

    def export_rows(self, queryset):
        return reports.matrix_export_rows(queryset, self.requirements, self.rules, chunk_size=self.export_chunk_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["states"] = reports.CellState.labels
        return context


# Department summary ---------------------------------------------------------------------------------

class PercentColumn(Column):
    def get_value(self, instance):
        value = super().get_value(instance)
        return "—" if value is None else f"{value}%"


CHART = {"width": 720, "row": 30, "label": 220, "top": 28, "bottom": 24}


def summary_chart(rows):
    """Geometry of a horizontal bar chart, two bars per department (completion %, certified
    %), for the template to draw as SVG."""
    width, row_height, label, top = CHART["width"], CHART["row"], CHART["label"], CHART["top"]
    plot = width - label - 48
    bars = []
    for index, figures in enumerate(rows):
        y = top + index * row_height
        bars.append({
            "label": figures.department.name, "label_x": 4 + 14 * (figures.department.depth - 1),
            "label_y": y + row_height / 2 + 4, "y": y + 4, "top_level": figures.department.depth == 1,
            "completion": figures.completion_percent, "certified": figures.certified_percent,
            "completion_width": round(plot * (figures.completion_percent or 0) / 100, 1),
            "certified_width": round(plot * (figures.certified_percent or 0) / 100, 1),
            "certified_y": y + 4 + (row_height - 8) / 2,
            "bar_height": (row_height - 8) / 2 - 1,
        })
    height = top + len(rows) * row_height + CHART["bottom"]
    ticks = [{"x": round(label + plot * t / 100, 1), "value": t} for t in (0, 25, 50, 75, 100)]
    return {**CHART, "height": height, "plot": plot, "bars": bars, "ticks": ticks, "axis_y": height - CHART["bottom"],
            "text_y": height - 8, "value_x": label + plot + 6}


class DepartmentSummaryView(HRReportView):
    page_title = _("Department summary")
    index_url_name = "hr_reports:summary"
    index_results_url_name = "hr_reports:summary_results"
    results_template_name = "hr/summary_results.html"
    paginate_by = None
    list_export = ["department", "code", "path", "people", "assigned_courses", "completed_courses",
                   "completion_percent", "required_certificates", "certified", "certified_percent", "overdue"]
    export_filename = "department-summary"
    columns = [
        Column("name", label=_("Department"), accessor=lambda f: "\u2003" * (f.department.depth - 1) + f.department.name),
        Column("people", label=_("People")),
        PercentColumn("completion_percent", label=_("Courses completed")),
        PercentColumn("certified_percent", label=_("Certified")),
        Column("overdue", label=_("Overdue courses")),
    ]

    def get_queryset(self):
        return reports.department_summary(self.department)

    def to_row_dict(self, figures):
        return {
            "department": figures.department.name, "code": figures.department.code, "path": figures.names,
            "people": figures.people, "assigned_courses": figures.assigned, "completed_courses": figures.completed,
            "completion_percent": figures.completion_percent, "required_certificates": figures.required,
            "certified": figures.certified, "certified_percent": figures.certified_percent, "overdue": figures.overdue,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["chart"] = summary_chart(context["object_list"])
        return context


# Expiring certificates ------------------------------------------------------------------------------

class RevokeColumn(Column):
    cell_template_name = "hr/_revoke_cell.html"


class ExpiringCertificatesView(HRReportView):
    page_title = _("Expiring certificates")
    index_url_name = "hr_reports:expiring"
    index_results_url_name = "hr_reports:expiring_results"
    filterset_class = ExpiringFilterSet
    paginate_by = 50
    default_days = 30
    list_export = ["holder", "employee_id", "email", "department", "certificate", "code", "valid_until", "days_left"]
    export_filename = "expiring-certificates"

    @cached_property
    def days(self):
        if self.filters is not None and self.filters.is_valid():
            return int(self.filters.form.cleaned_data.get("days") or self.default_days)
        return self.default_days

    def get_page_subtitle(self):
        return _("Within %(days)d days") % {"days": self.days}

    def get_queryset(self):
        return reports.expiring_certificates(self.days, self.department)

    @cached_property
    def columns(self):
        return [
            TitleColumn("holder", label=_("Holder"), accessor="user", get_url=lambda c: transcript_url(c.user)),
            Column("employee_id", label=_("Employee id"), accessor="user.employee.employee_id"),
            Column("department", label=_("Department"), accessor="user.employee.department.name"),
            Column("certificate", label=_("Certificate"), accessor=lambda c: c.rule.localized_title()),
            Column("code", label=_("Code"), classname="hr-nowrap"),
            Column("valid_until", label=_("Valid until"), classname="hr-nowrap",
                   accessor=lambda c: f"{timezone.localtime(c.valid_until):%Y-%m-%d}"),
            Column("days_left", label=_("Days left"), accessor=self._days_left),
            *([RevokeColumn("revoke", label="")] if self.request.user.has_perm(REVOKE_CERTIFICATE) else []),
        ]

    def _days_left(self, certificate):
        return (timezone.localtime(certificate.valid_until).date() - timezone.localdate()).days

    def to_row_dict(self, certificate):
        employee = getattr(certificate.user, "employee", None)
        return {
            "holder": certificate.holder_name, "employee_id": employee.employee_id if employee else "",
            "email": certificate.user.email, "department": employee.department.name if employee else "",
            "certificate": certificate.rule.localized_title(), "code": certificate.code,
            "valid_until": timezone.localtime(certificate.valid_until).date(), "days_left": self._days_left(certificate),
        }


# People and transcripts ------------------------------------------------------------------------------

class PeopleView(HRReportView):
    page_title = _("People")
    index_url_name = "hr_reports:people"
    index_results_url_name = "hr_reports:people_results"
    is_searchable = True
    paginate_by = 50
    list_export = ["employee_id", "person", "email", "department", "manager", "hire_date"]
    export_filename = "people"

    columns = [
        TitleColumn("person", label=_("Person"), accessor=lambda p: p, get_url=transcript_url),
        Column("employee_id", label=_("Employee id"), accessor="employee.employee_id"),
        Column("email", label=_("Email")),
        Column("department", label=_("Department"), accessor="employee.department.name"),
        Column("hire_date", label=_("Hire date"), accessor="employee.hire_date"),
    ]

    def get_queryset(self):
        return self.search_queryset(reports.people(self.department).select_related("employee__manager"))

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        query = self.search_query
        return queryset.filter(Q(display_name__icontains=query) | Q(email__icontains=query)
                               | Q(employee__employee_id__iexact=query))

    def to_row_dict(self, person):
        employee = getattr(person, "employee", None)
        return {
            "employee_id": employee.employee_id if employee else "", "person": person.get_display_name(),
            "email": person.email, "department": employee.department.name if employee else "",
            "manager": employee.manager.email if employee and employee.manager else "",
            "hire_date": employee.hire_date if employee else None,
        }


class TranscriptView(HRPermissionMixin, SafeStreamingExportMixin, SpreadsheetExportMixin,
                     WagtailAdminTemplateMixin, TemplateView):
    """One person's courses, quiz attempts and certificates; exports as one flat table."""

    template_name = "hr/transcript.html"
    header_icon = "user"
    list_export = ["section", "item", "status", "score", "date", "detail"]
    export_filename = "transcript"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.user_id = kwargs["user_id"]

    @cached_property
    def person(self):
        from django.contrib.auth import get_user_model

        return get_object_or_404(get_user_model().objects.select_related("employee__department", "employee__manager"),
                                 pk=self.user_id)

    @cached_property
    def data(self):
        return reports.transcript(self.person)

    def get(self, request, *args, **kwargs):
        if self.is_export:
            return self.as_spreadsheet(list(reports.transcript_export_rows(self.person, self.data)),
                                       request.GET.get("export"))
        return TemplateView.get(self, request, *args, **kwargs)

    def to_row_dict(self, row):
        return row

    def get_filename(self):
        employee = getattr(self.person, "employee", None)
        return f"transcript-{employee.employee_id if employee else self.person.pk}"

    def get_page_title(self):
        return _("Transcript: %(person)s") % {"person": self.person.get_display_name()}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("hr_reports:people"), "label": _("People")},
            {"url": "", "label": self.person.get_display_name()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.data)
        context["person"] = self.person
        context["can_revoke"] = self.request.user.has_perm(REVOKE_CERTIFICATE)
        context["states"] = reports.CellState.labels
        return context
