"""HR's reads of skills: the department × skill heatmap, the people behind one of its cells, and
who is ready for which role.

Mastery is read as `quizzes.mastery` keeps it (`SkillMastery`, written in the grading
transaction); only people with enough evidence of a skill (`MIN_EVIDENCE` graded answers) count
for it, everyone else is "not enough evidence", never a zero. The heatmap's figure is the
**average mastery level** (0–3) of those people: levels are what the trainee's page, the roles
and the drill-down speak in, so a cell reads against a role's required level directly.

A heatmap row is a department with everything below it. Departments are treebeard paths, so
the rows under a department of depth d are the distinct first (d + 1) × steplen characters of
their department paths: the whole grid is one aggregate query grouped by that prefix and the
skill, whatever the number of people, departments and skills. It adds up `SkillSummary` (per
department and skill, built once per state of the data by `skill_summary`), not every person's
mastery. Sums and counts add up, so the chosen department's own row (or "All departments") is
the sum of its groups, people placed in the department itself included.
"""

from dataclasses import dataclass, field
from itertools import islice

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department
from content.models import RoleRequirement, Skill
from quizzes.mastery import MIN_EVIDENCE
from quizzes.models import SkillMastery
from quizzes.readiness import readiness

from . import skill_summary
from .models import SkillSummary

PATH = "user__employee__department__path"
TOP_LEVEL = 3  # the heatmap's scale: levels 0–3


# Columns ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SkillColumn:
    id: int
    slug: str
    name: str
    area: str
    required: int | None = None  # the chosen role's least level


def skill_columns(role=None):
    """The heatmap's columns: every skill grouped by area in the framework's order, or with a
    role only the skills it requires, with their level. One query (two with a role)."""
    skills = Skill.objects.select_related("area").order_by("area__sort_order", "area__slug", "sort_order", "slug")
    required = {}
    if role is not None:
        required = dict(RoleRequirement.objects.filter(role=role).values_list("skill_id", "level"))
        skills = skills.filter(pk__in=list(required))
    return [SkillColumn(s.pk, s.slug, s.localized_name(), s.area.localized_name(), required.get(s.pk))
            for s in skills]


def areas_of(columns):
    """[(area name, number of columns)] in column order, for the header's grouped row."""
    areas = []
    for column in columns:
        if areas and areas[-1][0] == column.area:
            areas[-1][1] += 1
        else:
            areas.append([column.area, 1])
    return [tuple(area) for area in areas]


# Heatmap ----------------------------------------------------------------------------------------

@dataclass
class HeatCell:
    people: int = 0  # with enough evidence
    total: int = 0  # the sum of their levels

    @property
    def average(self):
        """Their average level, or None when nobody has enough evidence."""
        return self.total / self.people if self.people else None

    def add(self, other):
        self.people += other.people
        self.total += other.total


@dataclass
class HeatRow:
    department: Department | None  # None: all departments
    names: str  # "运营部/用户运营组"; "" for all departments
    is_total: bool = False
    people: int = 0  # active employees in the row, with evidence or without
    cells: dict = field(default_factory=dict)  # skill id → HeatCell

    def cell(self, skill_id):
        return self.cells.get(skill_id) or HeatCell()


def names_above(department):
    """The names from the top down to `department`: "运营部/用户运营组". One query."""
    if department is None:
        return ""
    steplen = Department.steplen
    paths = [department.path[:end] for end in range(steplen, len(department.path) + 1, steplen)]
    names = dict(Department.objects.filter(path__in=paths).values_list("path", "name"))
    return "/".join(names.get(path, "") for path in paths)


def heatmap(root, departments, columns, *, root_names=""):
    """[HeatRow]: first `root` (or all departments) as a whole, then each of `departments` (the
    children of `root`, or the top-level departments) with everything below it. Four queries
    (the people per department, the data's state, its summary build, the summary aggregate);
    when the data changed since the last build, that build's queries too (`skill_summary`)."""
    length = (root.depth + 1) * Department.steplen if root else Department.steplen
    prefix = root.path if root else ""
    staff = skill_summary.staff()
    build = skill_summary.build_for(skill_summary.digest_of(staff))
    summary = SkillSummary.objects.filter(build=build, department__path__startswith=prefix)
    if any(column.required is not None for column in columns):
        summary = summary.filter(skill_id__in=[column.id for column in columns])
    groups = (summary.annotate(row=Substr("department__path", 1, length)).values("row", "skill_id")
              .annotate(people=Sum("people"), total=Sum("total")).order_by())
    total = HeatRow(root, root_names, is_total=True)
    rows = {d.path: HeatRow(d, f"{root_names}/{d.name}" if root_names else d.name) for d in departments}
    for _id, path, people, _ids in staff:
        if path.startswith(prefix):
            total.people += people
            if path[:length] in rows:
                rows[path[:length]].people += people
    for group in groups:
        cell = HeatCell(group["people"], group["total"] or 0)
        total.cells.setdefault(group["skill_id"], HeatCell()).add(cell)
        if group["row"] in rows:  # else: people placed in `root` itself, counted in its total
            rows[group["row"]].cells[group["skill_id"]] = cell
    return [total, *rows.values()]


def band(average):
    """The colour band of an average level: 0–5 in steps of half a level (None: no evidence)."""
    if average is None:
        return None
    return min(int(average * 2), 2 * TOP_LEVEL - 1)


BANDS = [(band_, band_ / 2, (band_ + 1) / 2) for band_ in range(2 * TOP_LEVEL)]  # (band, from, to)


@dataclass(frozen=True)
class Summary:
    weakest: list  # [(SkillColumn, average)]
    strongest: list
    empty_cells: int
    cells: int
    below_required: list  # [(SkillColumn, average)] of the whole row, with a role


def summary(rows, columns, *, size=3):
    """What the heatmap says in words, for readers who do not read colours: the weakest and
    strongest skills over the whole (first) row, how many cells lack evidence, and with a role
    the skills whose average is below the role's level."""
    whole = rows[0]
    measured = [(c, whole.cell(c.id).average) for c in columns if whole.cell(c.id).people]
    ranked = sorted(measured, key=lambda item: (item[1], item[0].name))
    weak = min(size, max(1, len(ranked) // 2))  # never the same skill both weakest and strongest
    cells = [row.cell(c.id) for row in rows[1:] or rows for c in columns]
    return Summary(
        weakest=ranked[:weak], strongest=ranked[::-1][:min(size, len(ranked) - weak)],
        empty_cells=sum(1 for cell in cells if not cell.people), cells=len(cells),
        below_required=[(c, average) for c, average in measured if c.required is not None and average < c.required],
    )


HEATMAP_EXPORT_FIELDS = ["department", "path", "people", "skill_area", "skill", "required_level",
                         "people_with_evidence", "average_level"]


def heatmap_export_rows(rows, columns):
    """One dict per row and skill, as the page shows them (long format, for pivot tables)."""
    for row in rows:
        name = row.department.name if row.department else "All departments"
        for column in columns:
            cell = row.cell(column.id)
            yield {
                "department": name, "path": row.names, "people": row.people, "skill_area": column.area,
                "skill": column.name, "required_level": column.required, "people_with_evidence": cell.people,
                "average_level": round(cell.average, 2) if cell.people else None,
            }


# The people behind a cell -------------------------------------------------------------------------

def mastery_with_evidence(*, root=None):
    """The mastery rows a heatmap cell stands for, before choosing its skill: employees in
    `root`'s subtree (everyone's without) with enough evidence, strongest first, with their
    department."""
    within = {f"{PATH}__startswith": root.path if root else ""}
    return (SkillMastery.objects.filter(evidence__gte=MIN_EVIDENCE, user__is_active=True, **within)
            .select_related("user__employee__department")
            .order_by("-level", "-value", Lower("user__display_name"), "user__email", "pk"))


LEVEL_NAMES = {0: gettext_lazy("below foundation"), 1: gettext_lazy("foundation"), 2: gettext_lazy("practitioner"),
               3: gettext_lazy("expert")}


def level_name(level):
    return LEVEL_NAMES.get(level, "")


PEOPLE_EXPORT_FIELDS = ["employee_id", "person", "email", "department", "skill", "level", "value", "evidence",
                        "updated_at"]


def people_export_rows(mastery, skill_name, *, chunk_size):
    """One dict per row of `mastery` (the people behind a cell), read as plain values in chunks:
    model instances with their person and department cost four times as much per row."""
    zone = timezone.get_current_timezone()
    values = mastery.values_list("user__employee__employee_id", "user__display_name", "user__first_name",
                                 "user__last_name", "user__email", "user__username",
                                 "user__employee__department__name", "level", "value", "evidence", "updated_at")
    for employee_id, display, first, last, email, username, department, level, value, evidence, updated in (
            values.iterator(chunk_size=chunk_size)):
        yield {
            "employee_id": employee_id, "person": display or f"{first} {last}".strip() or email or username,
            "email": email, "department": department, "skill": skill_name, "level": level,
            "value": round(value, 3), "evidence": evidence, "updated_at": updated.astimezone(zone).date(),
        }


# Readiness for roles ------------------------------------------------------------------------------

def employees(scope_filter=Q()):
    """Active employees in department, then name order, with their department."""
    return (get_user_model().objects.filter(scope_filter, is_active=True, employee__isnull=False)
            .select_related("employee__department")
            .order_by("employee__department__path", Lower("display_name"), "email", "pk"))


def role_requirements(roles):
    """[(role id, skill id, level)] of `roles` — one query."""
    return list(RoleRequirement.objects.filter(role__in=roles).order_by("role_id", "pk")
                .values_list("role_id", "skill_id", "level"))


def with_skills_held(people, requirements):
    """`people` annotated with `held`: how many of `requirements` (one role's) each holds at the
    required level with enough evidence — a subquery, so that the list can be sorted by it."""
    wanted = Q(pk__in=[])
    for _role, skill_id, level in requirements:
        wanted |= Q(skill_id=skill_id, level__gte=level)
    held = (SkillMastery.objects.filter(wanted, user=OuterRef("pk"), evidence__gte=MIN_EVIDENCE)
            .order_by().values("user").annotate(n=Count("pk")).values("n"))
    return people.annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)))


def readiness_of(user_ids, requirements):
    """{user id: {role id: Readiness}} — one query (their mastery of the required skills)."""
    mastery = {}
    for user_id, skill_id, level, evidence in SkillMastery.objects.filter(
            user_id__in=user_ids, skill_id__in={skill for _r, skill, _l in requirements}).values_list(
            "user_id", "skill_id", "level", "evidence"):
        mastery.setdefault(user_id, {})[skill_id] = (level, evidence)
    return {user_id: readiness(requirements, mastery.get(user_id, {})) for user_id in user_ids}


READINESS_EXPORT_FIELDS = ["employee_id", "person", "email", "department", "role", "percent", "ready", "held",
                           "required", "gaps"]


def readiness_export_rows(people, roles, requirements, skill_names, *, chunk_size):
    """One dict per person and role, people read `chunk_size` at a time (one mastery query each)."""
    iterator = people.iterator(chunk_size=chunk_size)
    while chunk := list(islice(iterator, chunk_size)):
        results = readiness_of([person.pk for person in chunk], requirements)
        for person in chunk:
            for role in roles:
                result = results[person.pk].get(role.pk)
                if result is None:
                    continue
                yield {
                    "employee_id": person.employee.employee_id, "person": person.get_display_name(),
                    "email": person.email, "department": person.employee.department.name,
                    "role": role.localized_name(), "percent": result.percent, "ready": result.ready,
                    "held": result.held, "required": result.required,
                    "gaps": [gap_text(gap, skill_names) for gap in result.gaps],
                }


def gap_text(gap, skill_names):
    """"数据分析 1 → 2", or "数据分析: not enough evidence → 2"."""
    name = skill_names.get(gap.skill_id, "")
    if gap.level is None:
        return _("%(skill)s: not enough evidence → %(required)d") % {"skill": name, "required": gap.required}
    return f"{name} {gap.level} → {gap.required}"
