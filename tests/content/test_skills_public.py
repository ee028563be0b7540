"""The public skills framework: its page (/<lang>/skills/) in both languages with a stable anchor
per skill, and its 1EdTech CASE 1.0 export (/skills/case.json), which validates against the
published CASE package schema and keeps its identifiers across loads."""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from bs4 import BeautifulSoup

from content import framework
from content.models import Role, Skill, SkillArea
from content.skills import read_skills, write_skills

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "tests" / "fixtures" / "case"  # vendored, see its README.md
SHIPPED = ROOT / "content" / "curriculum" / "skills.yaml"


def build_framework(areas=2, skills_per_area=2):
    """Areas a0, a1… with skills s0, s1…, each with a description and three levels, both languages."""
    skills = []
    for a in range(areas):
        area = SkillArea.objects.create(slug=f"a{a}", name=f"领域{a}", name_en=f"Area {a}", sort_order=a)
        for _ in range(skills_per_area):
            n = len(skills)
            skills.append(Skill.objects.create(
                slug=f"s{n}", area=area, name=f"技能{n}", name_en=f"Skill {n}", sort_order=n,
                description=f"描述{n}", description_en=f"About skill {n}",
                levels={str(level): {"zh-hans": f"技能{n}第{level}级", "en": f"Skill {n} at level {level}"}
                        for level in (1, 2, 3)}))
    return skills


def page(client, lang):
    response = client.get(f"/{lang}/skills/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text(node):
    return " ".join(node.get_text(" ").split())


def case_validator():
    """A draft 4 validator for CFPackage.Type, with the `uri` and `date-time` formats checked."""
    swagger = json.loads((CASE / "case-v1p0-cfpackage-definitions.json").read_text(encoding="utf-8"))
    formats = jsonschema.FormatChecker([])

    @formats.checks("uri")
    def is_uri(value):
        parts = urlsplit(value)
        return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme == "urn")

    @formats.checks("date-time", raises=ValueError)
    def is_date_time(value):
        return datetime.fromisoformat(value).tzinfo is not None

    schema = {"$ref": "#/definitions/CFPackage.Type", "definitions": swagger["definitions"]}
    return jsonschema.Draft4Validator(schema, format_checker=formats)


def load_shipped():
    return write_skills(read_skills(SHIPPED))


def case(client):
    response = client.get("/skills/case.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


@pytest.mark.parametrize("lang, area, skill, description, level", [
    ("en", "Area 0", "Skill 1", "About skill 1", "Skill 1 at level 2"),
    ("zh-hans", "领域0", "技能1", "描述1", "技能1第2级"),
])
def test_the_framework_page_lists_areas_skills_and_levels_in_the_pages_language(
        client, db, lang, area, skill, description, level):
    build_framework()
    soup = page(client, lang)
    assert [text(h) for h in soup.select(".framework-area h2")] == [area, area.replace("0", "1")]
    card = soup.select_one("#skill-s1")
    assert text(card.select_one("h3")) == skill
    assert text(card.select_one(".skill__description")) == description
    assert [text(dd) for dd in card.select(".skill-levels dd")] == [level.replace("2", n) for n in "123"]
    assert card.select_one("#skill-s1--level-2 dd").get_text() == level
    # Every skill has its anchor, in framework order, under its own area.
    assert [li["id"] for li in soup.select("#area-a1 .skill")] == ["skill-s2", "skill-s3"]
    assert soup.select_one('a[href="/skills/case.json"]') is not None


def test_an_empty_framework_says_so(client, db):
    soup = page(client, "en")
    assert "has not been set up yet" in text(soup.select_one(".empty"))


@pytest.mark.parametrize("areas, per_area", [(1, 1), (4, 5)])
def test_framework_page_queries_do_not_grow(client, db, areas, per_area, django_assert_num_queries):
    build_framework(areas, per_area)
    with django_assert_num_queries(1):  # the skills with their areas
        soup = page(client, "en")
    assert len(soup.select(".skill")) == areas * per_area


def test_anonymous_visitors_get_a_stored_copy_until_the_framework_changes(client, db, django_assert_num_queries):
    """The page opts in to the anonymous page cache; a change to a skill retires the copy."""
    skill = build_framework()[0]
    page(client, "en")  # learn that the page opts in
    page(client, "en")  # store it
    with django_assert_num_queries(0):
        assert text(page(client, "en").select_one("#skill-s0 h3")) == "Skill 0"
    skill.name_en = "Renamed"
    skill.save()
    assert text(page(client, "en").select_one("#skill-s0 h3")) == "Renamed"


def test_the_case_export_validates_against_the_case_package_schema(client, db):
    """The shipped framework exported as CASE 1.0 is a valid CFPackage: a document, an item per
    area, skill and level, and an isChildOf association from each to its parent."""
    counts = load_shipped()
    package = case(client)
    errors = sorted(case_validator().iter_errors(package), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    items, associations = package["CFItems"], package["CFAssociations"]
    kinds = [item["CFItemType"] for item in items]
    assert kinds.count("Skill") == counts["skills"] and kinds.count("Skill level") == 3 * counts["skills"]
    assert kinds.count("Skill area") == SkillArea.objects.count()
    # Every item is the origin of exactly one isChildOf, to an item or the document of the package.
    nodes = {item["identifier"]: item for item in items} | {package["CFDocument"]["identifier"]: package["CFDocument"]}
    assert sorted(a["originNodeURI"]["identifier"] for a in associations) == sorted(i["identifier"] for i in items)
    assert all(a["associationType"] == "isChildOf" and a["destinationNodeURI"]["identifier"] in nodes
               for a in associations)
    assert len({*nodes, *(a["identifier"] for a in associations)}) == len(nodes) + len(associations)


def test_the_case_package_points_at_our_framework_page(client, db, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://academy.example"
    build_framework()
    package = case(client)
    assert package["CFDocument"]["uri"] == "https://academy.example/en/skills/"
    skill = next(item for item in package["CFItems"] if item.get("humanCodingScheme") == "s1")
    assert skill["uri"] == framework.skill_uri("s1") == "https://academy.example/en/skills/#skill-s1"
    assert skill["fullStatement"] == "About skill 1" and skill["abbreviatedStatement"] == "Skill 1"
    level = next(item for item in package["CFItems"] if item.get("humanCodingScheme") == "s1.2")
    assert level["fullStatement"] == "Skill 1 at level 2"
    assert level["uri"] == "https://academy.example/en/skills/#skill-s1--level-2"
    # … which has those anchors.
    soup = page(client, "en")
    assert soup.select_one("#skill-s1") and soup.select_one("#skill-s1--level-2")


def test_case_identifiers_survive_a_reload_of_the_framework(client, db):
    """Identifiers and URIs derive from slugs only: deleting the framework and loading it again
    (new rows, new primary keys) gives the same package, and the same as ever before."""
    load_shipped()
    first, pks = case(client), set(Skill.objects.values_list("pk", flat=True))
    Role.objects.all().delete()
    Skill.objects.all().delete()
    SkillArea.objects.all().delete()
    load_shipped()
    assert not pks & set(Skill.objects.values_list("pk", flat=True))
    assert case(client) == first
    # Pinned: a change of namespace or naming scheme would orphan every HR system's import.
    retention = next(item for item in first["CFItems"] if item.get("humanCodingScheme") == "retention")
    assert retention["identifier"] == framework.identifier("skill", "retention")
    assert retention["identifier"] == "a1435285-1c1b-506f-a1db-28069893e970"


def test_case_change_time_moves_only_when_the_framework_changes(client, db, monkeypatch):
    skill = build_framework()[0]
    first = case(client)["CFDocument"]["lastChangeDateTime"]
    later = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    monkeypatch.setattr(framework.timezone, "now", lambda: later)
    assert case(client)["CFDocument"]["lastChangeDateTime"] == first
    skill.description_en = "Changed"
    skill.save()
    changed = case(client)
    assert {changed["CFDocument"]["lastChangeDateTime"]} | {
        item["lastChangeDateTime"] for item in changed["CFItems"]} == {"2031-05-06T07:08:09Z"}


@pytest.mark.parametrize("areas, per_area", [(1, 1), (4, 5)])
def test_case_export_queries_do_not_grow(client, db, areas, per_area, django_assert_num_queries):
    build_framework(areas, per_area)
    with django_assert_num_queries(1):  # the skills with their areas
        package = case(client)
    assert len(package["CFItems"]) == areas + 4 * areas * per_area
