"""Skills in HR's admin: the department × skill heatmap (/admin/hr/skills/), the people behind
one of its cells (skills/people/) and who is ready for which role (skills/readiness/).

HR sees everyone; a manager sees their own department subtree (`hr.scope`): the department
choices are that subtree, a department or person outside it is a 404, and without a choice
their department is the starting point. Reads come from `hr.skills`; exports are `hr.exports`'
(streamed, formula-safe), like every HR report's.
"""

from urllib.parse import urlencode

import django_filters
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn

from accounts.models import Department
from content.models import Role, Skill
from quizzes.mastery import MIN_EVIDENCE
from quizzes.models import SkillMastery

from . import skills
from .report_views import DepartmentChoiceField, HRReportView, SubtreeFilter, transcript_url


def keep(queryset, name, value):
    """A filter that chooses what the page shows rather than which rows it lists."""
    return queryset


class DepartmentRowsFilter(django_filters.ModelChoiceFilter):
    """The department whose sub-departments are the heatmap's rows (the view reads the choice)."""

    field_class = DepartmentChoiceField

    def __init__(self):
        super().__init__(label=_("Department (and below)"), queryset=Department.objects.order_by("path"),
                         empty_label=_("All departments"), method=keep)


def role_filter():
    return django_filters.ModelChoiceFilter(label=_("Role"), queryset=Role.objects.order_by("sort_order", "slug"),
                                            empty_label=_("Every skill / every role"), method=keep)


class HeatmapFilterSet(WagtailFilterSet):
    department = DepartmentRowsFilter()
    role = role_filter()

    class Meta:
        model = Department
        fields = []


class SkillPeopleFilterSet(WagtailFilterSet):
    skill = django_filters.ModelChoiceFilter(label=_("Skill"), queryset=Skill.objects.order_by("slug"),
                                             required=True)
    department = SubtreeFilter(skills.PATH)

    class Meta:
        model = SkillMastery
        fields = []


class ReadinessFilterSet(WagtailFilterSet):
    department = SubtreeFilter("employee__department__path")
    role = role_filter()

    class Meta:
        model = get_user_model()
        fields = []


# Heatmap -------------------------------------------------------------------------------------------

class SkillsHeatmapView(HRReportView):
    """Departments × skills: each cell the average mastery level of the row's people with
    enough evidence, and how many they are; each links to them."""

    managers_allowed = True
    page_title = _("Skills")
    header_icon = "table"
    index_url_name = "hr_reports:skills"
    index_results_url_name = "hr_reports:skills_results"
    results_template_name = "hr/skills_results.html"
    filterset_class = HeatmapFilterSet
    lookup_filters = ("department", "role")
    paginate_by = None
    columns = []  # the grid is drawn by its own template (grouped headers, row headers, caption)
    export_fields = skills.HEATMAP_EXPORT_FIELDS
    export_filename = "skills-heatmap"

    @cached_property
    def role(self):
        return self.filters.form.cleaned_data.get("role")

    def get_queryset(self):
        """The rows: the chosen department's sub-departments, or the top-level departments."""
        root = self.department
        if root is None:
            return Department.objects.filter(depth=1).order_by("path")
        return Department.objects.filter(depth=root.depth + 1, path__startswith=root.path).order_by("path")

    @cached_property
    def skill_columns(self):
        return skills.skill_columns(self.role)

    def heat_rows(self, departments):
        return skills.heatmap(self.department, departments, self.skill_columns,
                              root_names=skills.names_above(self.department))

    def export_rows(self):
        return skills.heatmap_export_rows(self.heat_rows(list(self.get_filtered_queryset())), self.skill_columns)

    def get_page_subtitle(self):
        return self.role.localized_name() if self.role else ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.heat_rows(context["object_list"])
        columns = self.skill_columns
        context.update(
            grid=[self.grid_row(row, columns) for row in rows], skill_columns=columns,
            areas=skills.areas_of(columns), bands=skills.BANDS, role=self.role, min_evidence=MIN_EVIDENCE,
            summary=skills.summary(rows, columns) if columns else None, scope_names=rows[0].names,
        )
        return context

    def grid_row(self, row, columns):
        """A row as the template draws it: its header and its cells' HTML, made here rather than
        by the template: a page has hundreds of cells, and the template's number formatting and
        plural look-ups per cell cost more than the rest of the page."""
        people_url = reverse("hr_reports:skill_people")
        department = {"department": row.department.pk} if row.department else {}
        below, empty = str(_("below the required level")), str(_("not enough evidence"))
        cells = []
        for column in columns:
            cell = row.cell(column.id)
            if not cell.people:
                cells.append(format_html('<td class="hr-heat hr-heat--none" data-average="" data-people="0">'
                                         '<span aria-hidden="true">—</span><span class="w-sr-only">{}</span></td>',
                                         empty))
                continue
            average = cell.average
            marker = format_html('<span class="hr-heat-below" title="{}"> ▼<span class="w-sr-only">{}</span></span>',
                                 below, below) if column.required is not None and average < column.required else ""
            cells.append(format_html(
                '<td class="hr-heat hr-heat--{}" data-average="{}" data-people="{}"><a href="{}">'
                '<span class="hr-heat-value">{}</span>{} <span class="hr-heat-n">{}</span></a></td>',
                skills.band(average), f"{average:.1f}", cell.people,
                f"{people_url}?{urlencode({'skill': column.id, **department})}", f"{average:.1f}", marker,
                self.people_label(cell.people)))
        return {"row": row, "cells": mark_safe("".join(cells))}

    def people_label(self, count):
        return ngettext("%(people)d person", "%(people)d people", count) % {"people": count}


# The people behind a cell ------------------------------------------------------------------------------

class LevelColumn(Column):
    def get_value(self, row):
        return f"{row.level} · {skills.level_name(row.level)}"


class SkillPeopleView(HRReportView):
    """The people behind one heatmap cell: a skill in a department subtree, strongest first."""

    managers_allowed = True
    page_title = _("People and their skill")
    header_icon = "user"
    index_url_name = "hr_reports:skill_people"
    index_results_url_name = "hr_reports:skill_people_results"
    filterset_class = SkillPeopleFilterSet
    lookup_filters = ("department", "skill")
    paginate_by = 50
    verbose_name_plural = _("people")
    export_fields = skills.PEOPLE_EXPORT_FIELDS
    export_filename = "skill-people"

    @cached_property
    def skill(self):
        return self.filters.form.cleaned_data["skill"]

    def get_queryset(self):
        """The filters narrow it to the skill and the department (a manager's, without a choice)."""
        return skills.mastery_with_evidence(root=self.scope.department)

    def get_page_subtitle(self):
        where = self.department.name if self.department else _("All departments")
        return f"{self.skill.localized_name()} · {where}"

    @cached_property
    def columns(self):
        return [
            TitleColumn("person", label=_("Person"), accessor=lambda row: row.user,
                        get_url=lambda row: transcript_url(row.user)),
            Column("employee_id", label=_("Employee id"), accessor="user.employee.employee_id"),
            Column("department", label=_("Department"), accessor="user.employee.department.name"),
            LevelColumn("level", label=_("Level")),
            Column("value", label=_("Mastery"), accessor=lambda row: f"{row.value:.0%}"),
            Column("evidence", label=_("Graded answers")),
        ]

    def export_rows(self):
        return skills.people_export_rows(self.get_filtered_queryset(), self.skill.localized_name(),
                                         chunk_size=self.export_chunk_size)

    def get_breadcrumbs_items(self):
        """HR reports › Skills (the heatmap this cell belongs to) › this list."""
        heatmap = reverse("hr_reports:skills")
        if self.filters.is_valid() and self.filters.form.cleaned_data.get("department"):
            heatmap += f"?{urlencode({'department': self.department.pk})}"
        items = super().get_breadcrumbs_items()
        return [*items[:-1], {"url": heatmap, "label": _("Skills")}, items[-1]]


# Readiness for roles --------------------------------------------------------------------------------

class ReadinessColumn(Column):
    """A role's column: the share of its skills held and "✓ ready"; the gaps in the title."""

    def __init__(self, role, results, skill_names):
        super().__init__(f"role-{role.pk}", label=role.localized_name())
        self.role, self.results, self.skill_names = role, results, skill_names
        self.ready = str(_("ready"))

    def render_cell_html(self, person, parent_context):
        result = self.results.get(person.pk, {}).get(self.role.pk)
        if result is None:
            return format_html('<td class="hr-nowrap">—</td>')
        gaps = "; ".join(skills.gap_text(gap, self.skill_names) for gap in result.gaps)
        if result.ready:
            return format_html('<td class="hr-nowrap" data-ready="1"><strong>{}%</strong> '
                               '<span class="hr-state hr-state--current">✓ {}</span></td>', result.percent, self.ready)
        return format_html('<td class="hr-nowrap" data-ready="0" title="{}">{}%</td>', gaps, result.percent)


class GapsColumn(Column):
    def __init__(self, role, results, skill_names):
        super().__init__("gaps", label=_("Gaps"))
        self.role, self.results, self.skill_names = role, results, skill_names

    def get_value(self, person):
        result = self.results.get(person.pk, {}).get(self.role.pk)
        return "; ".join(skills.gap_text(gap, self.skill_names) for gap in result.gaps) if result else ""


class ReadinessView(HRReportView):
    """People × roles: the share of each role's skills a person holds at the required level with
    enough evidence, and whether they hold them all. With a role chosen, its column alone, the
    gaps beside it, and the people closest to it first."""

    managers_allowed = True
    page_title = _("Role readiness")
    header_icon = "user"
    index_url_name = "hr_reports:readiness"
    index_results_url_name = "hr_reports:readiness_results"
    filterset_class = ReadinessFilterSet
    lookup_filters = ("department", "role")
    paginate_by = 50
    verbose_name_plural = _("people")
    export_fields = skills.READINESS_EXPORT_FIELDS
    export_filename = "role-readiness"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.results = {}  # {person id: {role id: Readiness}} of the page: decorate_paginated_queryset

    @cached_property
    def role(self):
        return self.filters.form.cleaned_data.get("role")

    @cached_property
    def roles(self):
        return [self.role] if self.role else list(Role.objects.order_by("sort_order", "slug"))

    @cached_property
    def requirements(self):
        return skills.role_requirements(self.roles)

    @cached_property
    def skill_names(self):
        return {s.pk: s.localized_name() for s in Skill.objects.filter(pk__in={r[1] for r in self.requirements})}

    def get_queryset(self):
        people = skills.employees(self.scope.people())
        if self.role is None:
            return people
        return skills.with_skills_held(people, self.requirements).order_by(
            "-held", "employee__department__path", "display_name", "email", "pk")

    def decorate_paginated_queryset(self, people):
        self.results.update(skills.readiness_of([person.pk for person in people], self.requirements))
        return people

    @cached_property
    def columns(self):
        roles = [ReadinessColumn(role, self.results, self.skill_names) for role in self.roles]
        return [
            TitleColumn("person", label=_("Person"), accessor=lambda person: person, get_url=transcript_url),
            Column("department", label=_("Department"), accessor="employee.department.name"),
            *roles,
            *([GapsColumn(self.role, self.results, self.skill_names)] if self.role else []),
        ]

    def export_rows(self):
        return skills.readiness_export_rows(self.get_filtered_queryset(), self.roles, self.requirements,
                                            self.skill_names, chunk_size=self.export_chunk_size)
