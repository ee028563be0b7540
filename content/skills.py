"""The skills framework file (`content/curriculum/skills.yaml`, format in FORMAT.md): read and
checked into plain data with the line of every value at fault, then written idempotently.

    levels: {1: {zh-hans: 入门, en: Foundation}, 2: …, 3: …}
    areas: [{slug, name, skills: [{slug, name, description, levels: {1: …, 2: …, 3: …},
                                   lessons: [module-slug/lesson-slug]}]}]
    roles: [{slug, name, description, next: role-slug | null, requires: {skill-slug: level}}]
"""

import re
from dataclasses import dataclass, field

import yaml
from django.db import transaction

from .models import LEVELS, Role, RoleRequirement, Skill, SkillArea
from .yamlfiles import LANGUAGES, CurriculumError, load_yaml

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class SkillSource:
    slug: str
    area: str
    name: dict
    description: dict
    levels: dict  # {"1": {lang: text}, …}
    lessons: list  # [(module slug, lesson slug, line)]
    line: int


@dataclass
class RoleSource:
    slug: str
    name: dict
    description: dict
    next: str | None
    requires: dict  # {skill slug: level}
    line: int


@dataclass
class SkillsSource:
    path: object
    levels: dict
    areas: list = field(default_factory=list)  # [(slug, name)]
    skills: list = field(default_factory=list)
    roles: list = field(default_factory=list)

    @property
    def slugs(self):
        return {skill.slug for skill in self.skills}


class _Reader:
    def __init__(self, path, lines):
        self.path, self.lines = path, lines

    def error(self, message, *at):
        return CurriculumError(self.path, self.lines.of(*at), message)

    def mapping(self, value, *at):
        if not isinstance(value, dict):
            raise self.error("expected a mapping of keys to values", *at)
        return value

    def items(self, value, *at):
        if not isinstance(value, list):
            raise self.error("expected a list", *at)
        return value

    def slug(self, value, *at):
        if not isinstance(value, str) or not SLUG.fullmatch(value):
            raise self.error(f"'{value}' is not a slug (lower-case letters, digits and hyphens)", *at)
        return value

    def both(self, value, *at, required=True):
        """{lang: text} in both languages."""
        if value is None and not required:
            return {lang: "" for lang in LANGUAGES}
        if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) and value[lang].strip()
                                                  for lang in LANGUAGES):
            raise self.error(f"needs both {' and '.join(LANGUAGES)}", *at)
        return {lang: value[lang].strip() for lang in LANGUAGES}

    def levels(self, value, *at):
        value = self.mapping(value, *at)
        if sorted(str(key) for key in value) != [str(level) for level in LEVELS]:
            raise self.error(f"needs the levels {', '.join(map(str, LEVELS))}, each once", *at)
        return {str(key): self.both(text, *at, str(key)) for key, text in value.items()}

    def only(self, value, allowed, *at):
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.error(f"unknown key '{unknown[0]}' (expected {', '.join(sorted(allowed))})", *at, unknown[0])


def read_skills(path) -> SkillsSource:
    """The framework in `path`, checked; CurriculumError names the file and line at fault."""
    try:
        data, lines = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CurriculumError(path, mark.line + 1 if mark else 1, f"invalid YAML: {error}") from None
    read = _Reader(path, lines)
    top = read.mapping(data)
    read.only(top, {"levels", "areas", "roles"})
    source = SkillsSource(path=path, levels=read.levels(top.get("levels"), "levels"))
    for a, area in enumerate(read.items(top.get("areas"), "areas")):
        at = ("areas", a)
        area = read.mapping(area, *at)
        read.only(area, {"slug", "name", "skills"}, *at)
        area_slug = read.slug(area.get("slug"), *at, "slug")
        if any(slug == area_slug for slug, _name in source.areas):
            raise read.error(f"the area '{area_slug}' is defined twice", *at, "slug")
        source.areas.append((area_slug, read.both(area.get("name"), *at, "name")))
        for s, skill in enumerate(read.items(area.get("skills"), *at, "skills")):
            source.skills.append(_read_skill(read, skill, area_slug, (*at, "skills", s), source.slugs))
    if len(source.skills) < 1:
        raise read.error("the framework has no skills", "areas")
    for r, role in enumerate(read.items(top.get("roles") or [], "roles")):
        source.roles.append(_read_role(read, role, ("roles", r), source))
    roles = {role.slug for role in source.roles}
    for role in source.roles:
        if role.next is not None and role.next not in roles:
            raise read.error(f"unknown next role '{role.next}'", *_role_at(source, role), "next")
    _refuse_ladder_cycles(read, source)
    return source


def _read_skill(read, skill, area, at, seen):
    skill = read.mapping(skill, *at)
    read.only(skill, {"slug", "name", "description", "levels", "lessons"}, *at)
    slug = read.slug(skill.get("slug"), *at, "slug")
    if slug in seen:
        raise read.error(f"the skill '{slug}' is defined twice", *at, "slug")
    lessons = []
    for n, lesson in enumerate(read.items(skill.get("lessons") or [], *at, "lessons")):
        parts = lesson.split("/") if isinstance(lesson, str) else []
        if len(parts) != 2 or not all(SLUG.fullmatch(p) for p in parts):
            raise read.error(f"'{lesson}' is not module-slug/lesson-slug", *at, "lessons", n)
        lessons.append((parts[0], parts[1], read.lines.of(*at, "lessons", n)))
    return SkillSource(
        slug=slug, area=area, name=read.both(skill.get("name"), *at, "name"),
        description=read.both(skill.get("description"), *at, "description", required=False),
        levels=read.levels(skill.get("levels"), *at, "levels"), lessons=lessons, line=read.lines.of(*at))


def _read_role(read, role, at, source):
    role = read.mapping(role, *at)
    read.only(role, {"slug", "name", "description", "next", "requires"}, *at)
    slug = read.slug(role.get("slug"), *at, "slug")
    if any(other.slug == slug for other in source.roles):
        raise read.error(f"the role '{slug}' is defined twice", *at, "slug")
    requires = {}
    for skill, level in read.mapping(role.get("requires"), *at, "requires").items():
        if skill not in source.slugs:
            raise read.error(f"unknown skill '{skill}'", *at, "requires", skill)
        if level not in LEVELS or isinstance(level, bool):
            raise read.error(f"the level of '{skill}' must be one of {', '.join(map(str, LEVELS))}",
                             *at, "requires", skill)
        requires[skill] = level
    if not requires:
        raise read.error("a role requires at least one skill", *at, "requires")
    following = role.get("next")
    return RoleSource(
        slug=slug, name=read.both(role.get("name"), *at, "name"),
        description=read.both(role.get("description"), *at, "description", required=False),
        next=None if following is None else read.slug(following, *at, "next"), requires=requires,
        line=read.lines.of(*at))


def _role_at(source, role):
    return ("roles", source.roles.index(role))


def _refuse_ladder_cycles(read, source):
    following = {role.slug: role.next for role in source.roles}
    for role in source.roles:
        seen, step = {role.slug}, role.next
        while step is not None:
            if step in seen:
                raise read.error(f"the ladder from '{role.slug}' comes back to '{step}'",
                                 *_role_at(source, role), "next")
            seen.add(step)
            step = following.get(step)


def check_lessons(source: SkillsSource, lessons):
    """Every `lessons:` entry names a lesson of the curriculum (`lessons`: {(module, lesson)})."""
    for skill in source.skills:
        for module, lesson, line in skill.lessons:
            if (module, lesson) not in lessons:
                raise CurriculumError(source.path, line, f"no lesson '{lesson}' in module '{module}'")


def check_question_skills(source: SkillsSource, questions):
    """Every skill a question (or an essay's rubric criterion) names is in the framework; an
    unknown one is an error at its line. `questions`: dicts from questions.yaml (`_lines`)."""
    known = source.slugs
    for question in questions:
        lines, path = question["_lines"], question["_path"]
        for n, slug in enumerate(question.get("skills") or []):
            if slug not in known:
                raise CurriculumError(path, lines.of("skills", n), f"unknown skill '{slug}' (not in skills.yaml)")
        rubric = (question.get("essay") or {}).get("rubric") if isinstance(question.get("essay"), dict) else None
        for c, criterion in enumerate(rubric if isinstance(rubric, list) else []):
            for n, slug in enumerate(criterion.get("skills") or [] if isinstance(criterion, dict) else []):
                if slug not in known:
                    raise CurriculumError(path, lines.of("essay", "rubric", c, "skills", n),
                                          f"unknown skill '{slug}' (not in skills.yaml)")


@transaction.atomic
def write_skills(source: SkillsSource):
    """Create or update the framework by slug (idempotent); the roles' requirements become
    exactly the file's. Skills no longer in the file are kept: answers already evidence them."""
    areas = {}
    for order, (slug, name) in enumerate(source.areas):
        areas[slug], _created = SkillArea.objects.update_or_create(
            slug=slug, defaults={"name": name["zh-hans"], "name_en": name["en"], "sort_order": order})
    skills = {}
    for order, skill in enumerate(source.skills):
        skills[skill.slug], _created = Skill.objects.update_or_create(slug=skill.slug, defaults={
            "area": areas[skill.area], "name": skill.name["zh-hans"], "name_en": skill.name["en"],
            "description": skill.description["zh-hans"], "description_en": skill.description["en"],
            "levels": skill.levels, "sort_order": order})
    roles = {}
    for order, role in enumerate(source.roles):
        roles[role.slug], _created = Role.objects.update_or_create(slug=role.slug, defaults={
            "name": role.name["zh-hans"], "name_en": role.name["en"], "description": role.description["zh-hans"],
            "description_en": role.description["en"], "sort_order": order, "next_role": None})
    for role in source.roles:
        if role.next:
            Role.objects.filter(pk=roles[role.slug].pk).update(next_role=roles[role.next])
        RoleRequirement.objects.filter(role=roles[role.slug]).delete()
        RoleRequirement.objects.bulk_create(
            RoleRequirement(role=roles[role.slug], skill=skills[slug], level=level)
            for slug, level in role.requires.items())
    return {"skills": len(skills), "roles": len(roles)}
