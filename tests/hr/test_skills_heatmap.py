"""HR's skills heatmap (/admin/hr/skills/): departments × skills, each cell the average mastery
level of the row's people with enough evidence and how many they are; the people behind a cell;
CSV and XLSX exports; who is ready for which role."""

import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from accounts.models import EmployeeProfile
from content.models import Role, RoleRequirement, Skill, SkillArea
from courses import api as courses_api
from hr.exports import HEADINGS
from quizzes.models import Question, SkillMastery
from tests.hr.conftest import make_employee
from tests.quizzes.conftest import practice_quiz  # noqa: F401
from tests.quizzes.test_mastery import choice, take

URL, PEOPLE, READINESS = "/admin/hr/skills/", "/admin/hr/skills/people/", "/admin/hr/skills/readiness/"


@pytest.fixture
def framework(db):
    """Two areas, four skills; the role 高级运营 requires data analysis at 2 and campaigns at 3."""
    data = SkillArea.objects.create(slug="data", name="数据", name_en="Data", sort_order=2)
    campaigns = SkillArea.objects.create(slug="campaigns", name="活动", name_en="Campaigns", sort_order=1)
    skills = {
        "analysis": Skill.objects.create(slug="analysis", area=data, name="数据分析", name_en="Data analysis",
                                         sort_order=1),
        "sql": Skill.objects.create(slug="sql", area=data, name="SQL", name_en="SQL", sort_order=2),
        "planning": Skill.objects.create(slug="planning", area=campaigns, name="活动策划", name_en="Campaign planning",
                                         sort_order=1),
        "copy": Skill.objects.create(slug="copy", area=campaigns, name="文案", name_en="Copywriting", sort_order=2),
    }
    senior = Role.objects.create(slug="senior", name="高级运营", name_en="Senior Specialist", sort_order=2)
    specialist = Role.objects.create(slug="specialist", name="运营专员", name_en="Operations Specialist", sort_order=1)
    RoleRequirement.objects.create(role=senior, skill=skills["analysis"], level=2)
    RoleRequirement.objects.create(role=senior, skill=skills["planning"], level=3)
    RoleRequirement.objects.create(role=specialist, skill=skills["analysis"], level=1)
    return {"skills": skills, "senior": senior, "specialist": specialist}


def master(person, skill, level, *, evidence=5, value=None):
    return SkillMastery.objects.create(user=person, skill=skill, level=level, evidence=evidence,
                                       value=value if value is not None else 0.3 + 0.2 * level,
                                       updated_at=timezone.now())


@pytest.fixture
def team(departments, framework):
    """用户运营组: strong in data (levels 3 and 2), weak in campaigns; 内容运营组: the opposite;
    运营部 itself: its head; 销售部: one person with too little evidence."""
    s = framework["skills"]
    people = {
        "ann": make_employee("ann@example.com", departments["ops-users"], employee_id="U1", display_name="Ann"),
        "bob": make_employee("bob@example.com", departments["ops-users"], employee_id="U2", display_name="Bob"),
        "cat": make_employee("cat@example.com", departments["ops-content"], employee_id="C1", display_name="Cat"),
        "dan": make_employee("dan@example.com", departments["ops"], employee_id="H1", display_name="Dan"),
        "eve": make_employee("eve@example.com", departments["sales"], employee_id="S1", display_name="Eve"),
    }
    master(people["ann"], s["analysis"], 3)
    master(people["bob"], s["analysis"], 2)
    master(people["ann"], s["planning"], 1)
    master(people["bob"], s["planning"], 0)
    master(people["cat"], s["analysis"], 1)
    master(people["cat"], s["planning"], 3)
    master(people["dan"], s["analysis"], 2)
    master(people["eve"], s["analysis"], 3, evidence=2)  # not enough evidence: counts nowhere
    return people


def cells(html):
    """{department code or "": {skill slug: (average, people)}} from a rendered heatmap."""
    skills = re.findall(r'data-skill="([\w-]+)"', html)
    found = {}
    for code, row in re.findall(r'<tr[^>]*data-department="([\w-]*)">(.*?)</tr>', html, flags=re.S):
        values = re.findall(r'data-average="([\d.]*)" data-people="(\d+)"', row)
        found[code] = {skill: (average or None, int(people)) for skill, (average, people) in zip(skills, values)}
    return found


def html_of(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def body(response):
    return b"".join(response.streaming_content)


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"), newline="")))


def sheet_rows(response):
    """The XLSX's rows as dicts by field name (its headings are in the admin's language, English)."""
    with translation.override("en"):
        fields = {str(heading): field for field, heading in HEADINGS.items()}
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(body(response))).active.iter_rows()]
    return [dict(zip([fields.get(heading, heading) for heading in rows[0]], row)) for row in rows[1:]]


# The heatmap ---------------------------------------------------------------------------------------

def test_each_cell_averages_the_levels_of_people_with_enough_evidence(client, hr, team):
    """Everyone: the whole first, then each top-level department with everything below it. Too
    little evidence counts nowhere: 销售部's cells are empty ("—"), not zero."""
    client.force_login(hr)
    html = html_of(client, URL)
    assert cells(html) == {
        "": {"planning": ("1.3", 3), "copy": (None, 0), "analysis": ("2.0", 4), "sql": (None, 0)},
        "ops": {"planning": ("1.3", 3), "copy": (None, 0), "analysis": ("2.0", 4), "sql": (None, 0)},
        "sales": {"planning": (None, 0), "copy": (None, 0), "analysis": (None, 0), "sql": (None, 0)},
    }
    sales = re.search(r'<tr[^>]*data-department="sales">(.*?)</tr>', html, flags=re.S).group(1)
    assert "—" in sales and "0.0" not in sales
    people = dict(re.findall(r'data-department="([\w-]*)">\s*<th scope="row">[^<]*</th>\s*'
                             r'<td class="hr-heat-people">(\d+)</td>', html))
    assert people == {"": "5", "ops": "4", "sales": "1"}  # everyone in the row, evidence or not


def test_a_department_is_a_row_of_its_own_then_one_per_sub_department(client, hr, team, departments):
    """运营部: its whole (its head Dan included), then 内容运营组 and 用户运营组 — each strong
    where the other is weak."""
    client.force_login(hr)
    html = html_of(client, URL, {"department": departments["ops"].pk})
    assert cells(html) == {
        "ops": {"planning": ("1.3", 3), "copy": (None, 0), "analysis": ("2.0", 4), "sql": (None, 0)},
        "ops-content": {"planning": ("3.0", 1), "copy": (None, 0), "analysis": ("1.0", 1), "sql": (None, 0)},
        "ops-users": {"planning": ("0.5", 2), "copy": (None, 0), "analysis": ("2.5", 2), "sql": (None, 0)},
    }
    assert "<caption>Average mastery level by department and skill: 运营部</caption>" in html
    leaf = html_of(client, URL, {"department": departments["ops-users"].pk})
    assert list(cells(leaf)) == ["ops-users"] and "skill: 运营部/用户运营组</caption>" in leaf


def test_columns_are_skills_grouped_by_area_with_headers_for_screen_readers(client, hr, team):
    """Areas in the framework's order over their skills (scope="colgroup"), skills scope="col",
    departments scope="row"; a caption, a legend and a text summary say the rest in words."""
    client.force_login(hr)
    html = html_of(client, URL)
    assert re.findall(r'<th scope="colgroup" colspan="(\d)" class="hr-heat-areaname">(\w+)</th>', html) == [
        ("2", "Campaigns"), ("2", "Data")]
    assert re.findall(r'data-skill="([\w-]+)"', html) == ["planning", "copy", "analysis", "sql"]
    start = html.index('<table class="hr-heatmap"')
    table = html[start:html.index("</table>", start)]
    assert table.count('<th scope="row">') == 3 and "<caption>" in table
    legend = html[html.index('data-section="legend"'):]
    assert "0.0–0.5" in legend and "2.5–3.0" in legend and "not enough evidence" in legend
    summary = html[html.index('data-section="summary"'):]
    assert "Weakest: Campaign planning (1.3)." in summary and "Strongest: Data analysis (2.0)." in summary
    assert "6 of 8 cells have nobody with enough evidence." in summary  # 运营部's copy and SQL, all 销售部's
    assert 'class="hr-heat hr-heat--4" data-average="2.0"' in html  # the colour band beside the number


def test_a_role_shows_only_its_skills_and_marks_its_level(client, hr, team, departments, framework):
    client.force_login(hr)
    html = html_of(client, URL, {"department": departments["ops"].pk, "role": framework["senior"].pk})
    assert re.findall(r'data-skill="([\w-]+)">[^<]*<span class="hr-heat-required" data-required="(\d)"', html) == [
        ("planning", "3"), ("analysis", "2")]
    rows = cells(html)
    assert rows["ops-users"] == {"planning": ("0.5", 2), "analysis": ("2.5", 2)}
    below = re.findall(r'data-average="([\d.]+)"[^>]*><a [^>]*><span class="hr-heat-value">[\d.]+</span>'
                       r'<span class="hr-heat-below"', html)
    assert below == ["1.3", "1.0", "0.5"]  # ▼ and "below the required level" where the average is under it
    assert "Below the role's level on average: Campaign planning (1.3 &lt; 3)." in html


def test_empty_departments_and_a_framework_without_skills_answer_clearly(client, hr, departments, framework):
    client.force_login(hr)
    html = html_of(client, URL)  # departments, skills, nobody with evidence
    assert all(average is None for row in cells(html).values() for average, _n in row.values())
    assert "Nobody here has enough evidence of any of these skills yet." in html
    Role.objects.create(slug="empty", name="空", name_en="Empty")
    html = html_of(client, URL, {"role": Role.objects.get(slug="empty").pk})
    assert "This role requires no skills yet." in html
    RoleRequirement.objects.all().delete()
    Skill.objects.all().delete()
    assert "No skills are defined yet" in html_of(client, URL)


def test_bad_filter_values_are_refused(client, hr, team, framework):
    """An unknown department, role or skill is a 404 (like any guessed id), a missing or
    malformed one a 400 — pages and exports alike, never a 500 nor an unfiltered list."""
    client.force_login(hr)
    skill = framework["skills"]["analysis"].pk
    for url, params, status in [
        (URL, {"department": 987654}, 404), (URL, {"department": "abc"}, 400), (URL, {"department": "-1"}, 400),
        (URL, {"role": 987654}, 404), (URL, {"department": 987654, "export": "csv"}, 404),
        (PEOPLE, {}, 400), (PEOPLE, {"export": "csv"}, 400), (PEOPLE, {"skill": 987654}, 404),
        (PEOPLE, {"skill": skill, "department": 987654}, 404), (READINESS, {"role": "x"}, 400),
        (READINESS, {"role": 987654}, 404), (READINESS, {"department": 987654, "export": "xlsx"}, 404),
    ]:
        assert client.get(url, params).status_code == status, (url, params)


# The people behind a cell ------------------------------------------------------------------------------

def test_a_cell_leads_to_the_people_behind_it(client, hr, team, departments):
    client.force_login(hr)
    html = html_of(client, URL, {"department": departments["ops"].pk})
    row = re.search(r'data-department="ops-users">(.*?)</tr>', html, flags=re.S).group(1)
    link = re.findall(r'<a href="([^"]+)"', row)[1].replace("&amp;", "&")  # planning, analysis (others: none)
    people = html_of(client, link)
    names = re.findall(r'<a href="/admin/hr/people/(\d+)/">\s*(\w+)\s*</a>', people)
    assert names == [(str(team["ann"].pk), "Ann"), (str(team["bob"].pk), "Bob")]  # strongest first
    assert "3 · expert" in people and "90%" in people and "用户运营组" in people
    everyone = html_of(client, PEOPLE, {"skill": Skill.objects.get(slug="analysis").pk})
    assert re.findall(r'/admin/hr/people/\d+/">\s*(\w+)', everyone) == ["Ann", "Bob", "Dan", "Cat"]  # not Eve


# Exports ---------------------------------------------------------------------------------------------

def test_the_heatmap_exports_as_csv_and_xlsx(client, hr, team, departments):
    client.force_login(hr)
    params = {"department": departments["ops"].pk}
    rows = csv_rows(client.get(URL, {**params, "export": "csv"}))
    assert list(rows[0]) == ["department", "path", "people", "skill_area", "skill", "required_level",
                             "people_with_evidence", "average_level"]
    users = {r["skill"]: r for r in rows if r["department"] == "用户运营组"}
    assert users["Data analysis"] == {
        "department": "用户运营组", "path": "运营部/用户运营组", "people": "2", "skill_area": "Data",
        "skill": "Data analysis", "required_level": "", "people_with_evidence": "2", "average_level": "2.5"}
    assert users["SQL"]["average_level"] == "" and users["SQL"]["people_with_evidence"] == "0"
    assert len(rows) == 3 * 4
    sheet = sheet_rows(client.get(URL, {**params, "export": "xlsx"}))
    planning = next(r for r in sheet if r["department"] == "运营部" and r["skill"] == "Campaign planning")
    assert planning["average_level"] == 1.33 and planning["people_with_evidence"] == 3 and planning["people"] == 4


def test_the_people_behind_a_cell_export_as_csv_and_xlsx(client, hr, team, departments):
    client.force_login(hr)
    params = {"skill": Skill.objects.get(slug="analysis").pk, "department": departments["ops-users"].pk}
    rows = csv_rows(client.get(PEOPLE, {**params, "export": "csv"}))
    assert [(r["employee_id"], r["person"], r["department"], r["skill"], r["level"], r["value"], r["evidence"])
            for r in rows] == [("U1", "Ann", "用户运营组", "Data analysis", "3", "0.9", "5"),
                               ("U2", "Bob", "用户运营组", "Data analysis", "2", "0.7", "5")]
    sheet = sheet_rows(client.get(PEOPLE, {**params, "export": "xlsx"}))
    assert [(r["person"], r["level"], r["evidence"]) for r in sheet] == [("Ann", 3, 5), ("Bob", 2, 5)]


def test_names_starting_with_a_formula_are_escaped_in_every_export(client, hr, team, departments):
    departments["ops-users"].name = "=HYPERLINK(\"http://evil.example\")"
    departments["ops-users"].save()
    Skill.objects.filter(slug="analysis").update(name_en="=SUM(A1:A9)")
    client.force_login(hr)
    analysis = Skill.objects.get(slug="analysis").pk
    for url, params in ((URL, {"department": departments["ops"].pk}),
                        (PEOPLE, {"skill": analysis}), (READINESS, {})):
        text = body(client.get(url, {**params, "export": "csv"})).decode("utf-8-sig")
        assert "'=HYPERLINK(" in text or url == READINESS and "'=SUM(A1:A9)" in text, url
        assert not re.search(r'(^|,)"?=(HYPERLINK|SUM)', text, flags=re.M), url
        cells_ = [c for row in load_workbook(io.BytesIO(body(client.get(url, {**params, "export": "xlsx"}))))
                  .active.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
        assert cells_ and all(c.data_type == "s" and c.quotePrefix for c in cells_), url


# Role readiness ---------------------------------------------------------------------------------------

@pytest.fixture
def ready(team, departments, framework):
    """Fay, in 用户运营组, holds both of 高级运营's skills at its levels."""
    fay = make_employee("fay@example.com", departments["ops-users"], employee_id="U3", display_name="Fay")
    master(fay, framework["skills"]["analysis"], 2)
    master(fay, framework["skills"]["planning"], 3)
    return fay


def readiness_cells(html):
    """{name: [(percent, ready)]} of the readiness table."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        name = re.search(r'/admin/hr/people/\d+/">\s*(\w+)', row)
        if name:
            found[name.group(1)] = re.findall(r'data-ready="(\d)"[^>]*>(?:<strong>)?(\d+)%', row)
    return found


def test_readiness_says_who_is_ready_for_which_role(client, hr, ready, departments, framework):
    client.force_login(hr)
    html = html_of(client, READINESS)
    table = readiness_cells(html)
    assert table["Fay"] == [("1", "100"), ("1", "100")]  # specialist, senior: both ready
    assert table["Cat"] == [("1", "100"), ("0", "50")] and table["Eve"] == [("0", "0"), ("0", "0")]
    assert "✓ ready" in html
    html = html_of(client, READINESS, {"role": framework["senior"].pk, "department": departments["ops-users"].pk})
    assert list(readiness_cells(html)) == ["Fay", "Ann", "Bob"]  # closest to the role first
    assert "Campaign planning 1 → 3" in html and "Campaign planning 0 → 3" in html
    rows = csv_rows(client.get(READINESS, {"role": framework["senior"].pk, "export": "csv"}))
    assert [(r["person"], r["role"], r["percent"], r["ready"]) for r in rows][:2] == [
        ("Fay", "Senior Specialist", "100", "True"), ("Dan", "Senior Specialist", "50", "False")]
    eve = next(r for r in rows if r["person"] == "Eve")
    assert eve["gaps"] == ("Data analysis: not enough evidence → 2, Campaign planning: not enough evidence → 3")


# Through real grading ----------------------------------------------------------------------------------

def test_a_grade_reaches_the_heatmap_through_mastery(client, hr, departments, practice_quiz):  # noqa: F811
    """A trainee in 用户运营组 answers one of three data questions right, then all three: each
    grade writes their mastery (1/3 → level 0, then 4/6 → level 2, the same row updated), and
    the heatmap, already viewed before, shows each at once."""
    area = SkillArea.objects.create(slug="data", name="数据", name_en="Data")
    skill = Skill.objects.create(slug="analysis", area=area, name="数据分析", name_en="Data analysis")
    _tree, quiz = practice_quiz(choice("g1"), choice("g2"), choice("g3"))
    for question in Question.objects.filter(key__in=["g1", "g2", "g3"]):
        question.skills.set([skill])
        question.save()
    person = make_employee("gia@example.com", departments["ops-users"], display_name="Gia")
    courses_api.enrol_learner(person, quiz.get_parent().get_parent().specific)
    client.force_login(hr)
    params = {"department": departments["ops"].pk}
    assert cells(html_of(client, URL, params))["ops-users"] == {"analysis": (None, 0)}
    take(quiz, person, right={"g1"})
    assert cells(html_of(client, URL, params))["ops-users"] == {"analysis": ("0.0", 1)}
    take(quiz, person, right={"g1", "g2", "g3"})
    assert cells(html_of(client, URL, params))["ops-users"] == {"analysis": ("2.0", 1)}
    assert "Gia" in html_of(client, PEOPLE, {"skill": skill.pk})


def test_the_heatmap_follows_people_joining_moving_and_leaving(client, hr, team, departments):
    client.force_login(hr)
    params = {"department": departments["ops"].pk}
    assert cells(html_of(client, URL, params))["ops-users"]["analysis"] == ("2.5", 2)
    EmployeeProfile.objects.filter(user=team["bob"]).update(department=departments["ops-content"])
    rows = cells(html_of(client, URL, params))
    assert rows["ops-users"]["analysis"] == ("3.0", 1) and rows["ops-content"]["analysis"] == ("1.5", 2)
    get_user_model().objects.filter(pk=team["ann"].pk).update(is_active=False)
    assert cells(html_of(client, URL, params))["ops-users"]["analysis"] == (None, 0)
    newcomer = make_employee("hal@example.com", departments["ops-users"], display_name="Hal")
    master(newcomer, Skill.objects.get(slug="analysis"), 1)
    assert cells(html_of(client, URL, params))["ops-users"]["analysis"] == ("1.0", 1)


# Query counts -----------------------------------------------------------------------------------------

def grow(departments, people, skills):
    """`people` employees over every department, each with mastery of each of `skills` skills in
    three areas (levels and evidence varied, some too little)."""
    areas = [SkillArea.objects.create(slug=f"a{n}", name=f"领域{n}", name_en=f"Area {n}", sort_order=n)
             for n in range(3)]
    made = [Skill.objects.create(slug=f"s{n}", area=areas[n % 3], name=f"技能{n}", name_en=f"Skill {n}")
            for n in range(skills)]
    role = Role.objects.create(slug="r", name="角色", name_en="Role")
    RoleRequirement.objects.bulk_create(RoleRequirement(role=role, skill=s, level=1 + n % 3)
                                        for n, s in enumerate(made[::2]))
    places = list(departments.values())
    persons = [make_employee(f"p{n}@example.com", places[n % len(places)], employee_id=f"P{n}")
               for n in range(people)]
    now = timezone.now()
    SkillMastery.objects.bulk_create(
        SkillMastery(user=p, skill=s, level=(i + j) % 4, value=((i + j) % 4) / 3.5, evidence=1 + (i * j) % 6,
                     updated_at=now)
        for i, p in enumerate(persons) for j, s in enumerate(made))
    return role, made


SIZES = [(5, 5), (60, 25)]


@pytest.mark.parametrize("people, skills", SIZES)
def test_the_heatmap_costs_the_same_queries_whatever_the_size(client, hr, departments, people, skills,
                                                               django_assert_num_queries):
    role, _made = grow(departments, people, skills)
    client.force_login(hr)
    params = {"department": departments["ops"].pk, "role": role.pk}
    with CaptureQueriesContext(connection) as first:
        client.get(URL, params)
    built = [q["sql"] for q in first.captured_queries if "GROUP BY" in q["sql"] and "quizzes_skillmastery" in q["sql"]]
    assert len(built) == 1  # the summary: everyone's mastery in one aggregate, once
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params).status_code == 200
    grids = [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"] and "hr_skillsummary" in q["sql"]]
    assert len(grids) == 1  # the whole grid: one aggregate of the summary, not a query per cell
    assert not any("GROUP BY" in q["sql"] and "quizzes_skillmastery" in q["sql"] for q in captured.captured_queries)
    with django_assert_num_queries(HEATMAP_QUERIES):
        client.get(URL, params)
    with django_assert_num_queries(HEATMAP_EXPORT_QUERIES):
        body(client.get(URL, {**params, "export": "csv"}))


@pytest.mark.parametrize("people, skills", SIZES)
def test_the_people_and_readiness_lists_cost_the_same_queries_whatever_the_size(
        client, hr, departments, people, skills, django_assert_num_queries):
    role, made = grow(departments, people, skills)
    client.force_login(hr)
    drill = {"department": departments["ops"].pk, "skill": made[0].pk}
    client.get(PEOPLE, drill)
    with django_assert_num_queries(PEOPLE_QUERIES):
        client.get(PEOPLE, drill)
    with django_assert_num_queries(PEOPLE_EXPORT_QUERIES):
        body(client.get(PEOPLE, {**drill, "export": "xlsx"}))
    for params in ({}, {"role": role.pk}):  # the chosen role instead of every role
        client.get(READINESS, params)
        with django_assert_num_queries(READINESS_QUERIES):
            client.get(READINESS, params)
        with django_assert_num_queries(READINESS_EXPORT_QUERIES):
            body(client.get(READINESS, {**params, "export": "csv"}))


HEATMAP_QUERIES = 21
HEATMAP_EXPORT_QUERIES = 16  # the page's less the menu, the filters' choices
PEOPLE_QUERIES = 13  # 5 for the request; the skill, the department; count, page (+ person, profile,
# department); menu (3); the filters' skills and departments
PEOPLE_EXPORT_QUERIES = 8  # 5; the skill, the department; the rows (one per 2,000)
READINESS_QUERIES = 16  # 5; count; roles, requirements, skill names; the page of people, their mastery;
# menu (3); the filters' departments and roles
READINESS_EXPORT_QUERIES = 10  # 5; roles, requirements, skill names; people, their mastery (per 2,000)
