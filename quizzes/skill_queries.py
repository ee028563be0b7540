"""Reads for the trainee's skills page (`skills_views.my_skills`): the framework by area with the
person's mastery of each skill, the lessons that teach their weak skills, and their readiness for
each role of the ladder. At most seven queries whatever the size of the framework or of anyone's
history (the skills with their areas, the person's mastery rows, the roles, their requirements,
and with weak skills the lesson–skill links, the view restrictions and the lessons in the active
language).

Mastery is only read here: it is written in the grading transaction (quizzes.mastery), whose
rule the page states in one sentence.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import get_language, pgettext_lazy

from content.models import Role, RoleRequirement, Skill
from courses.models import LessonPage

from .mastery import MIN_EVIDENCE
from .models import SkillMastery
from .readiness import readiness

# The framework's scale (the `levels` at the top of skills.yaml: 入门 / 熟练 / 专家), and 0 for a
# measured skill below the first level.
LEVEL_NAMES = {
    0: pgettext_lazy("skill level", "Below Foundation"),
    1: pgettext_lazy("skill level", "Foundation"),
    2: pgettext_lazy("skill level", "Practitioner"),
    3: pgettext_lazy("skill level", "Expert"),
}
TOP_LEVEL = max(LEVEL_NAMES)
TREND_STEP = 0.05  # a change of mastery smaller than this is "steady"
PRACTISE_SKILLS = 5  # weak skills offered lessons
LESSONS_PER_SKILL = 3


@dataclass
class SkillRow:
    """A skill of the framework and the person's mastery of it (none: no evidence at all)."""

    skill: Skill
    value: float = 0.0
    level: int = 0
    evidence: int = 0
    previous: float | None = None

    @property
    def untested(self):
        return self.evidence == 0

    @property
    def measured(self):
        """Enough evidence to say a number and a level."""
        return self.evidence >= MIN_EVIDENCE

    @property
    def percent(self):
        return round(100 * self.value) if self.measured else None

    @property
    def level_name(self):
        return LEVEL_NAMES[self.level] if self.measured else None

    @property
    def trend(self):
        """"up", "down" or "steady" since the grade before the latest; None without a number to
        compare."""
        if not self.measured or self.previous is None:
            return None
        change = round(self.value - self.previous, 6)
        return "up" if change >= TREND_STEP else "down" if change <= -TREND_STEP else "steady"

    @property
    def weak(self):
        """Worth practising: answered, and below Practitioner or not yet enough to say."""
        return not self.untested and (not self.measured or self.level < 2)

    @property
    def next_level(self):
        level = self.level if self.measured else 0
        return level + 1 if level < TOP_LEVEL else None

    @property
    def next_level_name(self):
        return LEVEL_NAMES[self.next_level] if self.next_level else None

    @property
    def next_level_text(self):
        return self.skill.level_text(self.next_level) if self.next_level else ""


@dataclass
class AreaRow:
    area: object
    skills: list = field(default_factory=list)


@dataclass
class GapRow:
    skill: Skill
    required: int
    level: int | None  # None: not enough evidence

    @property
    def required_name(self):
        return LEVEL_NAMES[self.required]

    @property
    def level_name(self):
        return None if self.level is None else LEVEL_NAMES[self.level]


@dataclass
class RoleRow:
    role: Role
    held: int
    required: int
    percent: int
    ready: bool
    gaps: list
    is_next: bool = False


@dataclass
class PractiseRow:
    skill: SkillRow
    lessons: list  # LessonPage, in course order


@dataclass
class SkillsPage:
    areas: list  # AreaRow, in the framework's order
    practise: list  # PractiseRow, weakest first
    roles: list  # RoleRow, in the ladder's order

    @property
    def has_framework(self):
        return bool(self.areas)

    @property
    def has_evidence(self):
        return any(not row.untested for area in self.areas for row in area.skills)


def skills_page(user, *, language=None) -> SkillsPage:
    """What `user`'s skills page shows, lessons in `language` (default: the active one)."""
    skills = list(Skill.objects.select_related("area").order_by(
        "area__sort_order", "area__slug", "sort_order", "slug"))
    if not skills:
        return SkillsPage(areas=[], practise=[], roles=[])
    mastery = {skill_id: (value, level, evidence, previous) for skill_id, value, level, evidence, previous in
               SkillMastery.objects.filter(user=user).values_list("skill_id", "value", "level", "evidence", "previous")}
    rows, areas = {}, {}
    for skill in skills:
        value, level, evidence, previous = mastery.get(skill.pk, (0.0, 0, 0, None))
        rows[skill.pk] = SkillRow(skill, value=value, level=level, evidence=evidence, previous=previous)
        areas.setdefault(skill.area_id, AreaRow(skill.area)).skills.append(rows[skill.pk])
    roles = role_rows(rows)
    return SkillsPage(areas=list(areas.values()), practise=practise_rows(rows, roles, language or get_language()),
                      roles=roles)


def ladder(roles):
    """`roles` in the ladder's order: each chain from a first step (a role no other leads to),
    first steps in their sort order, then any role left over."""
    by_id = {role.pk: role for role in roles}
    led_to = {role.next_role_id for role in roles}
    ordered, seen = [], set()
    for start in roles:
        step = None if start.pk in led_to else start
        while step is not None and step.pk not in seen:
            ordered.append(step)
            seen.add(step.pk)
            step = by_id.get(step.next_role_id)
    return ordered + [role for role in roles if role.pk not in seen]


def role_rows(rows):
    """Readiness for each role (quizzes.readiness), the role after the highest one the person is
    ready for marked as next (the ladder's first when they are ready for none)."""
    roles = ladder(list(Role.objects.order_by("sort_order", "slug")))
    requirements = list(RoleRequirement.objects.order_by("role_id", "pk").values_list("role_id", "skill_id", "level"))
    result = readiness(requirements, {pk: (row.level if row.measured else 0, row.evidence) for pk, row in rows.items()})
    role_rows = []
    for role in roles:
        ready = result.get(role.pk)
        if ready is None:  # a role without requirements is not a step anyone is measured for
            continue
        role_rows.append(RoleRow(role=role, held=ready.held, required=ready.required, percent=ready.percent,
                                 ready=ready.ready, gaps=[GapRow(rows[gap.skill_id].skill, gap.required, gap.level)
                                                          for gap in ready.gaps]))
    highest = next((row for row in reversed(role_rows) if row.ready), None)
    if highest is None:
        target = role_rows[0].role.pk if role_rows else None
    else:
        target = highest.role.next_role_id
    for row in role_rows:
        row.is_next = row.role.pk == target
    return role_rows


def practise_rows(rows, roles, language):
    """Up to PRACTISE_SKILLS weak skills that a live lesson in `language` teaches: the next
    role's gaps first, then the lower level (measured before not-enough-evidence), then the
    lower value."""
    next_gaps = {gap.skill.pk for role in roles if role.is_next for gap in role.gaps}
    weak = sorted((row for row in rows.values() if row.weak), key=lambda row: (
        row.skill.pk not in next_gaps, row.level if row.measured else TOP_LEVEL, row.value))
    lessons = lessons_teaching([row.skill.pk for row in weak], language)
    practise = [PractiseRow(row, lessons[row.skill.pk][:LESSONS_PER_SKILL]) for row in weak if lessons[row.skill.pk]]
    return practise[:PRACTISE_SKILLS]


def lessons_teaching(skill_ids, language):
    """{skill id: [live, public LessonPage in `language`]} of the lessons linked to each skill,
    in course order. A link on either language's page counts (lessons are matched by
    translation key)."""
    found = defaultdict(list)
    if not skill_ids:
        return found
    keys = defaultdict(set)
    for skill_id, key in LessonPage.skills.through.objects.filter(skill_id__in=skill_ids).values_list(
            "skill_id", "lessonpage__translation_key"):
        keys[key].add(skill_id)
    if not keys:
        return found
    lessons = LessonPage.objects.for_listing().filter(locale__language_code=language, translation_key__in=list(keys))
    for lesson in lessons.defer_streamfields().order_by("path"):
        for skill_id in sorted(keys[lesson.translation_key]):
            found[skill_id].append(lesson)
    return found
