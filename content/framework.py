"""The skills framework as published: the reads of the public page (`/<lang>/skills/`), the
stable identifiers and URIs of its areas, skills and levels, and its export as a 1EdTech CASE
1.0 package (`/skills/case.json`) for HR systems.

- Identifiers are UUIDv5 of a slug path (`skill/retention`, `skill/retention/level/2`) under one
  namespace fixed here, so they are the same on every load, server and deployment: an HR system
  that imported the package once recognises every item in the next one.
- URIs are anchors of the English framework page (`…/en/skills/#skill-retention`), so each one
  resolves to a readable description; the Open Badges credentials' alignments
  (certification.credentials.documents) point at the same URIs, so a wallet's link and an HR
  system's CFItem name the same thing. Associations have no page of their own: `urn:uuid:`.
- CASE 1.0 has one language per document: the package is in English. Its `lastChangeDateTime`
  is when this server first served the framework as it now is (kept in the cache under a digest
  of what the package is built from), since the framework's rows carry no time of change.
"""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from itertools import groupby

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import pgettext_lazy

from .models import LEVELS, Skill

NAMESPACE = uuid.UUID("c56d0864-ad44-48a1-8590-a007fedb2173")  # never change: every identifier derives from it
FRAMEWORK_NAME = "Ops Academy skills"
CASE_LANGUAGE = "en"
# The scale every skill uses (the `levels` at the top of skills.yaml: 入门 / 熟练 / 专家).
LEVEL_NAMES = {
    1: pgettext_lazy("skill level", "Foundation"),
    2: pgettext_lazy("skill level", "Practitioner"),
    3: pgettext_lazy("skill level", "Expert"),
}


@dataclass
class LevelRow:
    number: int
    name: str
    text: str
    anchor: str


@dataclass
class SkillRow:
    skill: Skill
    levels: list

    @property
    def anchor(self):
        return skill_anchor(self.skill.slug)


@dataclass
class AreaRow:
    area: object
    skills: list = field(default_factory=list)

    @property
    def anchor(self):
        return f"area-{self.area.slug}"


def skill_anchor(slug):
    return f"skill-{slug}"


def level_anchor(slug, level):
    # "--" never occurs in a slug, so no skill's anchor can equal another skill's level anchor.
    return f"skill-{slug}--level-{level}"


def identifier(*parts):
    """The stable UUID of a framework element named by its slug path."""
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


def page_url(anchor="", *, base=None):
    """The English framework page's absolute URL (with `#anchor`), built from `base` (a
    certificate's stored site address) or the site's configured address, never the request's,
    so it is the same whoever asks."""
    with translation.override(CASE_LANGUAGE):
        path = reverse("skills-framework")
    return (base or settings.WAGTAILADMIN_BASE_URL).rstrip("/") + path + (f"#{anchor}" if anchor else "")


def skill_uri(slug, *, base=None):
    return page_url(skill_anchor(slug), base=base)


def framework_areas():
    """The framework by area in framework order, each skill with its three levels in the active
    language (one query whatever the number of areas and skills; areas without skills are left out)."""
    skills = Skill.objects.select_related("area").order_by("area__sort_order", "area__slug", "sort_order", "slug")
    areas = []
    for _area_id, rows in groupby(skills, key=lambda skill: skill.area_id):
        rows = list(rows)
        areas.append(AreaRow(area=rows[0].area, skills=[
            SkillRow(skill=skill, levels=[
                LevelRow(number=level, name=str(LEVEL_NAMES[level]), text=skill.level_text(level),
                         anchor=level_anchor(skill.slug, level))
                for level in LEVELS])
            for skill in rows]))
    return areas


def _english(skill, level):
    text = skill.levels.get(str(level)) or {}
    return text.get("en") or text.get("zh-hans") or ""


def _changed_at(areas):
    """When this server first served the framework as it is now: one cache entry per version of
    what the package is built from (a lost entry only makes importers re-read an unchanged package)."""
    inputs = [settings.WAGTAILADMIN_BASE_URL, settings.CERTIFICATE_ISSUER_NAME] + [
        (row.area.slug, row.area.name_en, skill.slug, skill.name_en, skill.description_en, skill.levels)
        for row in areas for skill in (item.skill for item in row.skills)]
    key = "oa:case-changed:" + hashlib.sha256(repr(inputs).encode()).hexdigest()
    cache.add(key, timezone.now(), None)
    moment = cache.get(key) or timezone.now()
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scale():
    with translation.override(CASE_LANGUAGE):
        return ", ".join(f"{level} {LEVEL_NAMES[level]}" for level in LEVELS)


def _link(title, key, uri):
    return {"title": title, "identifier": identifier(*key), "uri": uri}


def _item(key, uri, statement, changed, **fields):
    return {"identifier": identifier(*key), "uri": uri, "fullStatement": statement, "language": CASE_LANGUAGE,
            "lastChangeDateTime": changed, **fields}


def _child_of(child, parent, sequence, changed):
    """`child` (a LinkGenURI) isChildOf `parent`, at `sequence` among its siblings."""
    key = ("association", child["identifier"], "isChildOf", parent["identifier"])
    return {"identifier": identifier(*key), "associationType": "isChildOf", "sequenceNumber": sequence,
            "uri": f"urn:uuid:{identifier(*key)}", "originNodeURI": child, "destinationNodeURI": parent,
            "lastChangeDateTime": changed}


def case_package():
    """The framework as a CASE 1.0 CFPackage: the document, an item per area, skill and level,
    and the isChildOf associations level → skill → area → document (one query)."""
    areas = framework_areas()
    changed = _changed_at(areas)
    document = {
        "identifier": identifier("framework"), "uri": page_url(), "creator": settings.CERTIFICATE_ISSUER_NAME,
        "title": FRAMEWORK_NAME, "lastChangeDateTime": changed, "officialSourceURL": page_url(),
        "publisher": settings.CERTIFICATE_ISSUER_NAME, "language": CASE_LANGUAGE, "adoptionStatus": "Adopted",
        "description": "What an internet operations professional can do, in areas; each skill is described "
                       f"at {len(LEVELS)} levels ({_scale()}).",
    }
    parent = _link(FRAMEWORK_NAME, ("framework",), page_url())
    items, associations = [], []
    for a, row in enumerate(areas, start=1):
        area = row.area
        key = ("area", area.slug)
        items.append(_item(key, page_url(row.anchor), area.name_en or area.name, changed, CFItemType="Skill area",
                           humanCodingScheme=area.slug, listEnumeration=str(a)))
        area_link = _link(area.name_en or area.name, key, page_url(row.anchor))
        associations.append(_child_of(area_link, parent, a, changed))
        for s, item in enumerate(row.skills, start=1):
            skill = item.skill
            key = ("skill", skill.slug)
            name = skill.name_en or skill.name
            items.append(_item(key, skill_uri(skill.slug), skill.description_en or name, changed, CFItemType="Skill",
                               abbreviatedStatement=name, humanCodingScheme=skill.slug, listEnumeration=str(s)))
            skill_link = _link(name, key, skill_uri(skill.slug))
            associations.append(_child_of(skill_link, area_link, s, changed))
            for level in LEVELS:
                key = ("skill", skill.slug, "level", level)
                with translation.override(CASE_LANGUAGE):
                    level_name = str(LEVEL_NAMES[level])  # the scale's English name
                uri = page_url(level_anchor(skill.slug, level))
                items.append(_item(key, uri, _english(skill, level), changed, CFItemType="Skill level",
                                   abbreviatedStatement=f"{name}: {level_name}",
                                   humanCodingScheme=f"{skill.slug}.{level}", listEnumeration=str(level)))
                associations.append(_child_of(_link(f"{name}: {level_name}", key, uri), skill_link, level, changed))
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations}
