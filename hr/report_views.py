"""HR reports in the Wagtail admin: the compliance matrix, the department summary, expiring
certificates, the people list and each person's transcript.

Each report is a Wagtail `ReportView` used through its public hooks only: `get_queryset`, a
django-filter `filterset_class` whose filters really filter that queryset, `columns`, and
`decorate_paginated_queryset` for what is read per page (the matrix's certificates). Reads
come from `hr.reports`; exports are our own (`hr.exports`: streamed, formula-safe). Only people
with HR's view permission (`hr.models.VIEW_REPORTS`: the HR group, superusers) get in, and to
the matrix and transcripts managers too, for their own department subtree (`hr.scope`); the
admin's own guard turns away everyone without admin access before that.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import Exists, OuterRef, Q
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
from wagtail.admin.views.reports import ReportView

from accounts.models import Department
from certification.models import Certificate
from content.charts import bar_chart
from courses.models import Assignment

from . import reports
from .exports import ExportMixin
from .models import REVOKE_CERTIFICATE, VIEW_REPORTS
from .scope import EVERYONE, scope_of

# Filters ----------------------------------------------------------------------------------------

def indented_name(department):
    """The department's name indented by its depth, for lists and choices in tree order."""
    return "\u2003" * (department.depth - 1) + department.name


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, department):
        return indented_name(department)


class SubtreeFilter(django_filters.ModelChoiceFilter):
    """A department and everything below it: rows whose department path (`field_name`) starts
    with the chosen department's."""

    field_class = DepartmentChoiceField

    def __init__(self, field_name):
        super().__init__(field_name=field_name, label=_("Department (and below)"),
                         queryset=Department.objects.order_by("path"), empty_label=_("All departments"))

    def filter(self, queryset, department):
        if department is None:
            return queryset
        return queryset.filter(**{f"{self.field_name}__startswith": department.path})


class WithinDaysFilter(django_filters.NumberFilter):
    """Certificates in force that expire within the given number of days (`DEFAULT` without)."""

    DEFAULT = 30

    def filter(self, queryset, days):
        return queryset.filter(valid_until__lte=timezone.now() + timedelta(days=int(days or self.DEFAULT)))


class PeopleFilterSet(WagtailFilterSet):
    department = SubtreeFilter("employee__department__path")

    class Meta:
        model = get_user_model()
        fields = []


def sorted_within(path):
    """Users whose department (a copy of its path: `User.sort_department_path`) is `path` or
    below it, as a range that the HR order's index serves: from the path up to the next path of
    its length (treebeard's paths are 0-9A-Z)."""
    alphabet = Department.alphabet
    stem = path.rstrip(alphabet[-1])
    if not stem:
        return Q(sort_department_path__gte=path)
    after = stem[:-1] + alphabet[alphabet.index(stem[-1]) + 1]
    return Q(sort_department_path__gte=path, sort_department_path__lt=after)


class SortedSubtreeFilter(SubtreeFilter):
    def filter(self, queryset, department):
        return queryset if department is None else queryset.filter(sorted_within(department.path))


class MatrixFilterSet(PeopleFilterSet):
    department = SortedSubtreeFilter("sort_department_path")


class DepartmentFilterSet(WagtailFilterSet):
    department = SubtreeFilter("path")

    class Meta:
        model = Department
        fields = []


class ExpiringFilterSet(WagtailFilterSet):
    department = SubtreeFilter("user__employee__department__path")
    days = WithinDaysFilter(label=_("Expiring within (days)"), min_value=1, max_value=3650)

    class Meta:
        model = Certificate
        fields = []


# Base --------------------------------------------------------------------------------------------

class HRPermissionMixin:
    """HR's permission (`permission`), or with `managers_allowed` HR's or a manager's scope
    (`hr.scope`): `self.scope` says whose people the view may show."""

    permission = VIEW_REPORTS
    managers_allowed = False

    def dispatch(self, request, *args, **kwargs):
        if self.managers_allowed:
            self.scope = scope_of(request.user)
        else:
            self.scope = EVERYONE if request.user.has_perm(self.permission) else None
        if self.scope is None:
            raise PermissionDenied  # before any lookup: a guessed id tells nothing
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("hr_reports:matrix"), "label": _("HR reports")},
            {"url": "", "label": self.get_page_title()},
        ]


class HRReportView(HRPermissionMixin, ExportMixin, ReportView):
    template_name = "hr/report.html"
    header_icon = "table"
    lookup_filters = ("department",)  # filters naming a row by id: an unknown one is a 404

    def get(self, request, *args, **kwargs):
        """Refuse filters that do not validate (Wagtail would list everything, unfiltered): an
        unknown department (or one outside a manager's subtree) is a 404, like any guessed id;
        any other bad value (a missing or malformed one) a 400."""
        if self.filters is not None and not self.filters.is_valid():
            errors = self.filters.form.errors.as_data()
            if any(name in self.lookup_filters and error.code == "invalid_choice"
                   and request.GET.get(name, "").isdigit() for name, found in errors.items() for error in found):
                raise Http404
            raise BadRequest("; ".join(f"{name}: {' '.join(errors)}" for name, errors in self.filters.errors.items()))
        return super().get(request, *args, **kwargs)

    @cached_property
    def filters(self):
        """A manager chooses among the departments of their own subtree only."""
        filters = super().filters
        if filters is not None and not self.scope.is_everyone and "department" in filters.form.fields:
            filters.form.fields["department"].queryset = self.scope.departments()
        return filters

    @cached_property
    def department(self):
        """The department filter's value (None: every department); a manager's own without one."""
        chosen = self.filters.form.cleaned_data.get("department") if self.filters is not None else None
        return chosen or self.scope.department


def transcript_url(person):
    return reverse("hr_reports:transcript", args=[person.pk])


# Compliance matrix ---------------------------------------------------------------------------------

class StateColumn(Column):
    """A certificate's column of the matrix. Its cells are drawn here rather than by a template
    each: a page has hundreds, and a template per cell cost most of the page's time."""

    def __init__(self, rule, labels, cells):
        super().__init__(f"rule-{rule.id}", label=rule.title, classname="hr-rule")
        self.rule, self.labels, self.cells = rule, labels, cells
        self.valid_until, self.due = str(_("Valid until")), str(_("Due"))  # once, not per cell

    def render_cell_html(self, person, parent_context):
        cell = self.cells[person.pk].get(self.rule.id)
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
    """People × the certificates required of them, one page of people at a time (a manager:
    the people of their own department subtree)."""

    managers_allowed = True

    page_title = _("Compliance matrix")
    index_url_name = "hr_reports:matrix"
    index_results_url_name = "hr_reports:matrix_results"
    results_template_name = "hr/matrix_results.html"
    table_classname = "listing hr-matrix"
    filterset_class = MatrixFilterSet
    paginate_by = 50
    export_fields = reports.MATRIX_EXPORT_FIELDS
    export_filename = "compliance-matrix"

    @cached_property
    def requirements(self):
        return reports.Requirements()

    @cached_property
    def rules(self):
        """The columns: the certificates required of anyone in the chosen department."""
        return self.requirements.rules_in_scope(self.department)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.cells = {}  # {person id: {rule id: Cell}} of the page: see decorate_paginated_queryset

    def get_queryset(self):
        """Only people of whom something is required (the people list shows everyone), in
        `reports.people()`'s order (department path, lower-cased name, email, id) read from the
        users' sort keys: the page and its count are a range of one index (`accounts_user_hr_order`),
        with no join per person. Required: in a department with a required course (a path range),
        or a personal assignment of one."""
        requirements = self.requirements
        with_rules = set(requirements.rules_by_course)
        required = Q(Exists(Assignment.objects.filter(user=OuterRef("pk"), course_key__in=with_rules)))
        for path, courses in sorted(requirements.by_department.items(), reverse=True):
            if with_rules & set(courses):
                required = sorted_within(path) | required  # the ranges first: no subquery for them
        people = get_user_model().objects.filter(is_active=True).filter(required)
        if not self.scope.is_everyone:
            people = people.filter(sorted_within(self.scope.department.path))
        return (people.select_related("employee__department")
                .order_by("sort_department_path", "sort_name", "email", "pk"))

    def paginate_queryset(self, queryset, page_size):
        """The page's people are picked by sorting their ids with the sort keys only, then read
        in full in the same statement: at 100,000 people the sort of whole rows spilled to disk
        and took twice as long (docs/performance.md, "Scale")."""
        paginator, page, ids, is_paginated = super().paginate_queryset(queryset.values("pk"), page_size)
        people = (queryset.model.objects.select_related("employee__department").filter(pk__in=ids)
                  .order_by(*queryset.query.order_by))
        return paginator, page, people, is_paginated

    def decorate_paginated_queryset(self, people):
        """The page's certificates, in one query: its cells for the state columns."""
        self.cells.update(
            (row.person.pk, row.cells) for row in reports.matrix_rows(list(people), self.requirements, self.rules)
        )
        return people

    @cached_property
    def columns(self):
        labels = {state: str(label) for state, label in reports.CellState.labels.items()}
        return [
            TitleColumn("person", label=_("Person"), accessor=lambda person: person, get_url=transcript_url),
            Column("employee_id", label=_("Employee id"), accessor="employee.employee_id"),
            Column("department", label=_("Department"), accessor="employee.department.name"),
            *[StateColumn(rule, labels, self.cells) for rule in self.rules],
        ]

    def export_rows(self):
        return reports.matrix_export_rows(self.get_filtered_queryset(), self.requirements, self.rules,
                                          chunk_size=self.export_chunk_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["states"] = reports.CellState.labels
        return context


# Department summary ---------------------------------------------------------------------------------

class PercentColumn(Column):
    def get_value(self, instance):
        value = super().get_value(instance)
        return "—" if value is None else f"{value}%"


SUMMARY_CHART = {"width": 760, "row": 30, "label": 220, "top": 36, "bottom": 24, "values": 96}


def summary_chart(figures):
    """Two horizontal bars per department (courses completed %, certified %), its name
    indented by depth, and both figures at the end of the row under a heading that says which
    is which, for `hr/_summary_chart.html` to draw."""
    layout = SUMMARY_CHART
    plot = layout["width"] - layout["label"] - layout["values"]
    chart = bar_chart(
        [(f.department.name, [f.completion_percent, f.certified_percent]) for f in figures],
        maximum=100, length=plot, start=layout["top"], band=layout["row"], ticks=(0, 25, 50, 75, 100),
    )
    for row, f in zip(chart["rows"], figures):
        row.update(
            indent=4 + 14 * (f.department.depth - 1), top_level=f.department.depth == 1, text_y=row["centre"] + 4
        )
    for tick in chart["ticks"]:
        tick["x"] = layout["label"] + tick["at"]
    height = chart["end"] + layout["bottom"]
    return {**layout, **chart, "height": height, "axis_y": chart["end"], "text_y": height - 8,
            "value_x": layout["width"] - 4, "heading_y": layout["top"] - 12}  # figures end at the right edge


class DepartmentSummaryView(HRReportView):
    """Every department (or the chosen one and those below it), each counting its
    sub-departments' people too."""

    page_title = _("Department summary")
    index_url_name = "hr_reports:summary"
    index_results_url_name = "hr_reports:summary_results"
    results_template_name = "hr/summary_results.html"
    filterset_class = DepartmentFilterSet
    paginate_by = None
    export_fields = ["department", "code", "path", "people", "assigned_courses", "completed_courses",
                     "completion_percent", "required_certificates", "certified", "certified_percent", "overdue"]
    export_filename = "department-summary"

    def get_queryset(self):
        return Department.objects.order_by("path")

    @cached_property
    def figures(self):
        """{department id: DepartmentFigures} of the listed departments (`object_list`, which
        the page has read already)."""
        return {f.department.pk: f for f in reports.department_summary(self.object_list)}

    @cached_property
    def columns(self):
        def figure(name):
            return lambda department: getattr(self.figures[department.pk], name)

        return [
            Column("name", label=_("Department"), accessor=indented_name),
            Column("people", label=_("People"), accessor=figure("people")),
            PercentColumn("completion_percent", label=_("Courses completed"), accessor=figure("completion_percent")),
            PercentColumn("certified_percent", label=_("Certified"), accessor=figure("certified_percent")),
            Column("overdue", label=_("Overdue courses"), accessor=figure("overdue")),
        ]

    def export_rows(self):
        return (self.export_row(figures) for figures in reports.department_summary(self.get_filtered_queryset()))

    def export_row(self, figures):
        return {
            "department": figures.department.name, "code": figures.department.code, "path": figures.names,
            "people": figures.people, "assigned_courses": figures.assigned, "completed_courses": figures.completed,
            "completion_percent": figures.completion_percent, "required_certificates": figures.required,
            "certified": figures.certified, "certified_percent": figures.certified_percent, "overdue": figures.overdue,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["chart"] = summary_chart(list(self.figures.values()))
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
    export_fields = ["holder", "employee_id", "email", "department", "certificate", "code", "valid_until", "days_left"]
    export_filename = "expiring-certificates"

    @cached_property
    def days(self):
        return int(self.filters.form.cleaned_data.get("days") or WithinDaysFilter.DEFAULT)

    def get_page_subtitle(self):
        return _("Within %(days)d days") % {"days": self.days}

    def get_queryset(self):
        return reports.certificates_in_force()

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

    def export_row(self, certificate):
        employee = getattr(certificate.user, "employee", None)
        return {
            "holder": certificate.holder_name, "employee_id": employee.employee_id if employee else "",
            "email": certificate.user.email, "department": employee.department.name if employee else "",
            "certificate": certificate.rule.localized_title(), "code": certificate.code,
            "valid_until": timezone.localtime(certificate.valid_until).date(),
            "days_left": self._days_left(certificate),
        }


# People and transcripts ------------------------------------------------------------------------------

class PeopleView(HRReportView):
    page_title = _("People")
    index_url_name = "hr_reports:people"
    index_results_url_name = "hr_reports:people_results"
    filterset_class = PeopleFilterSet
    is_searchable = True
    paginate_by = 50
    export_fields = ["employee_id", "person", "email", "department", "manager", "hire_date"]
    export_filename = "people"

    columns = [
        TitleColumn("person", label=_("Person"), accessor=lambda p: p, get_url=transcript_url),
        Column("employee_id", label=_("Employee id"), accessor="employee.employee_id"),
        Column("email", label=_("Email")),
        Column("department", label=_("Department"), accessor="employee.department.name"),
        Column("hire_date", label=_("Hire date"), accessor="employee.hire_date"),
    ]

    def get_queryset(self):
        return self.search_queryset(reports.people().select_related("employee__manager"))

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        query = self.search_query
        return queryset.filter(Q(display_name__icontains=query) | Q(email__icontains=query)
                               | Q(employee__employee_id__iexact=query))

    def export_row(self, person):
        employee = getattr(person, "employee", None)
        return {
            "employee_id": employee.employee_id if employee else "", "person": person.get_display_name(),
            "email": person.email, "department": employee.department.name if employee else "",
            "manager": employee.manager.email if employee and employee.manager else "",
            "hire_date": employee.hire_date if employee else None,
        }


class TranscriptView(HRPermissionMixin, ExportMixin, WagtailAdminTemplateMixin, TemplateView):
    """One person's courses, quiz attempts and certificates; exports as one flat table."""

    template_name = "hr/transcript.html"
    header_icon = "user"
    managers_allowed = True  # their own department's people only: anyone else is a 404
    export_fields = ["section", "item", "status", "score", "date", "detail"]

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.user_id = kwargs["user_id"]

    @cached_property
    def person(self):
        people = get_user_model().objects.filter(self.scope.people())
        return get_object_or_404(people.select_related("employee__department", "employee__manager"), pk=self.user_id)

    @cached_property
    def data(self):
        return reports.transcript(self.person)

    def export_rows(self):
        return reports.transcript_export_rows(self.person, self.data)

    def get_export_filename(self):
        employee = getattr(self.person, "employee", None)
        return f"transcript-{employee.employee_id if employee else self.person.pk}"

    def get_page_title(self):
        return _("Transcript: %(person)s") % {"person": self.person.get_display_name()}

    def get_breadcrumbs_items(self):
        people = [{"url": reverse("hr_reports:people"), "label": _("People")}] if self.scope.is_everyone else []
        return self.breadcrumbs_items + [*people, {"url": "", "label": self.person.get_display_name()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.data)
        context["person"] = self.person
        context["can_revoke"] = self.request.user.has_perm(REVOKE_CERTIFICATE)
        context["states"] = reports.CellState.labels
        return context
