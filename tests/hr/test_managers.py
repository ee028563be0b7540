"""Managers see the skills heatmap, role readiness, the compliance matrix and the transcripts of
their own department subtree, and nothing else: a department or person outside it is a 404
whether asked for in the path or the query string, in pages and exports alike; HR sees
everyone; the Managers group holds nothing else; HR appoints and dismisses managers."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.log_actions import log
from wagtail.models import GroupCollectionPermission, GroupPagePermission

from courses import api as courses_api
from hr import api as hr_api
from hr.models import MANAGERS, ManagerScope
from tests.conftest import make_user
from tests.hr.conftest import make_employee
from tests.hr.test_skills_heatmap import cells, framework, team  # noqa: F401 (fixtures)

MISSING_ID = 987654
HEATMAP, PEOPLE, READINESS = "/admin/hr/skills/", "/admin/hr/skills/people/", "/admin/hr/skills/readiness/"
MATRIX = "/admin/hr/"


@pytest.fixture
def org(team, departments, framework, course, rule, hr):  # noqa: F811 (the imported fixtures)
    """The heatmap's team (Ann and Bob in 用户运营组, Cat in 内容运营组, their head Dan in 运营部,
    Eve in 销售部), the course assigned to everyone, and three managers: 用户运营组's Lee,
    内容运营组's Kim, 运营部's Ola."""
    for top in ("ops", "sales"):
        courses_api.assign_course(course, department=departments[top], due_date=timezone.localdate()
                                  + timedelta(days=30), by=hr)
    managers = {}
    for name, code in (("lee", "ops-users"), ("kim", "ops-content"), ("ola", "ops")):
        person = make_employee(f"{name}@example.com", departments[code], employee_id=name.upper(),
                               display_name=name.title())
        hr_api.appoint_manager(person, departments[code])
        managers[name] = person
    return {**team, **managers}


def get(client, url, params=None):
    """The status, following the language prefix a 404 outside it is sent to."""
    response = client.get(url, params or {})
    if response.status_code == 302 and response["Location"].startswith("/zh-hans/admin/"):
        response = client.get(response["Location"])
    return response


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def text_of(response):
    """A page's text, a CSV's, or an XLSX's cells joined."""
    data = body(response)
    if data.startswith(b"PK"):
        sheet = load_workbook(io.BytesIO(data)).active
        return "\n".join(",".join(str(c.value) for c in row) for row in sheet.iter_rows())
    return data.decode("utf-8-sig")


# What a manager sees -------------------------------------------------------------------------------

def test_a_manager_sees_their_own_department_in_the_heatmap(client, org, framework):  # noqa: F811
    client.force_login(org["lee"])
    response = get(client, HEATMAP)
    assert response.status_code == 200
    assert cells(response.content.decode()) == {
        "ops-users": {"planning": ("0.5", 2), "copy": (None, 0), "analysis": ("2.5", 2), "sql": (None, 0)}}
    choices = re.findall(r'<option value="(\d+)"', response.content.decode())
    assert set(choices) >= {str(org["lee"].employee.department_id)}
    assert str(org["cat"].employee.department_id) not in choices  # other teams are not even offered


def test_a_manager_of_a_department_sees_everything_below_it(client, org, departments):
    client.force_login(org["ola"])
    html = get(client, HEATMAP).content.decode()
    assert list(cells(html)) == ["ops", "ops-content", "ops-users"]
    html = get(client, HEATMAP, {"department": departments["ops-content"].pk}).content.decode()
    assert list(cells(html)) == ["ops-content"]
    assert get(client, HEATMAP, {"department": departments["sales"].pk}).status_code == 404


def test_the_people_behind_a_cell_are_the_managers_own(client, org, framework):  # noqa: F811
    client.force_login(org["lee"])
    analysis = framework["skills"]["analysis"].pk
    html = get(client, PEOPLE, {"skill": analysis}).content.decode()
    assert re.findall(r'/admin/hr/people/\d+/">\s*(\w+)', html) == ["Ann", "Bob"]  # not Dan, Cat


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_exports_hold_only_the_managers_people(client, org, framework, export):  # noqa: F811
    client.force_login(org["lee"])
    analysis = framework["skills"]["analysis"].pk
    for url, params in ((HEATMAP, {}), (PEOPLE, {"skill": analysis}), (READINESS, {}), (MATRIX, {})):
        response = get(client, url, {**params, "export": export})
        assert response.status_code == 200, url
        text = text_of(response)
        assert "用户运营组" in text, url
        for other in ("内容运营组", "销售部", "Cat", "Dan", "Eve", "cat@", "dan@", "eve@"):
            assert other not in text, (url, other)
    assert "Ann" in text_of(get(client, READINESS, {"export": export}))


def test_the_matrix_and_readiness_list_only_the_managers_people(client, org):
    client.force_login(org["lee"])
    for url in (MATRIX, READINESS):
        html = get(client, url).content.decode()
        assert set(re.findall(r'/admin/hr/people/\d+/">\s*(\w+)', html)) == {"Ann", "Bob", "Lee"}, url


def test_transcripts_outside_the_subtree_are_404(client, org):
    outsider = make_user("nobody@example.com")  # no department at all
    client.force_login(org["lee"])
    assert get(client, f"/admin/hr/people/{org['ann'].pk}/").status_code == 200
    assert get(client, f"/admin/hr/people/{org['ann'].pk}/", {"export": "csv"}).status_code == 200
    for person in (org["cat"], org["dan"], org["eve"], org["ola"], outsider):
        for params in ({}, {"export": "csv"}, {"export": "xlsx"}):
            assert get(client, f"/admin/hr/people/{person.pk}/", params).status_code == 404, (person, params)
    assert get(client, f"/admin/hr/people/{MISSING_ID}/").status_code == 404


def test_tampering_with_a_department_id_is_a_404(client, org, departments, framework):  # noqa: F811
    """Another team, the department above, another top-level department, one that does not
    exist: every view a manager may use answers 404, pages and exports alike."""
    client.force_login(org["lee"])
    analysis = framework["skills"]["analysis"].pk
    for code in ("ops-content", "ops", "sales", None):
        department = departments[code].pk if code else MISSING_ID
        for url, params in ((HEATMAP, {}), (PEOPLE, {"skill": analysis}), (READINESS, {}), (MATRIX, {})):
            for export in ({}, {"export": "csv"}, {"export": "xlsx"}):
                response = get(client, url, {**params, **export, "department": department})
                assert response.status_code == 404, (url, code, export)
    assert get(client, HEATMAP, {"department": departments["ops-users"].pk}).status_code == 200


# What a manager does not see ---------------------------------------------------------------------------

ELSEWHERE = [
    "/admin/hr/summary/", "/admin/hr/summary/?export=csv", "/admin/hr/expiring/", "/admin/hr/people/",
    "/admin/hr/people/?export=csv", "/admin/hr/people/import/", "/admin/hr/assign/", "/admin/hr/departments/",
    "/admin/hr/managers/", "/admin/hr/managers/new/", "/admin/pages/", "/admin/snippets/", "/admin/images/",
    "/admin/documents/", "/admin/users/", "/admin/groups/", "/admin/settings/", "/admin/grading/",
]


def test_a_manager_sees_nothing_else_in_the_admin(client, org, rule, departments):
    """HR's other views refuse a manager before looking anything up, their own department and
    people included; the menu holds their three reports only."""
    certificate = rule.certificates.create(
        user=org["ann"], holder_name="Ann", achievement="a", achievement_en="a", issuer_name="i",
        issued_at=timezone.now(), valid_until=timezone.now() + timedelta(days=300))
    own, other = departments["ops-users"].pk, departments["ops-content"].pk
    client.force_login(org["lee"])
    for url in [*ELSEWHERE, f"/admin/hr/certificates/{certificate.pk}/revoke/", f"/admin/hr/summary/?department={own}",
                f"/admin/hr/summary/?department={other}", f"/admin/hr/expiring/?department={other}",
                f"/admin/hr/assign/?department={own}", f"/admin/hr/departments/edit/{own}/"]:
        response = get(client, url)
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert response["Location"] == "/admin/", url
    home = get(client, "/admin/").content.decode()
    sidebar = re.search(r'<script id="wagtail-sidebar-props"[^>]*>(.*?)</script>', home, flags=re.S).group(1)
    menu = {url for url in re.findall(r'"url": "([^"]+)"', sidebar) if url.startswith("/")}
    assert menu == {"/admin/hr/", "/admin/hr/skills/", "/admin/hr/skills/readiness/", "/admin/account/"}


def test_the_site_history_shows_a_manager_no_one_elses_changes(client, hr, superuser, org, departments):
    """Wagtail's site history is open to every admin user, filtered by their permissions: HR's
    changes to departments and managers are not among a manager's."""
    log(instance=departments["sales"], action="wagtail.edit", user=hr)
    log(instance=ManagerScope.objects.get(user=org["kim"]), action="wagtail.create", user=hr)
    client.force_login(superuser)
    assert "销售部" in get(client, "/admin/reports/site-history/").content.decode()  # the entries are there
    client.force_login(org["lee"])
    html = get(client, "/admin/reports/site-history/").content.decode()
    assert "销售部" not in html and "Kim" not in html and "No log entries found." in html


def test_a_manager_without_a_department_sees_nothing(client, org):
    hr_api.dismiss_manager(org["lee"])
    org["lee"].groups.add(Group.objects.get(name=MANAGERS))  # in the group, but managing nothing
    client.force_login(org["lee"])
    for url in (HEATMAP, READINESS, MATRIX, f"/admin/hr/people/{org['ann'].pk}/"):
        response = get(client, url)
        assert (response.status_code, response["Location"]) == (302, "/admin/"), url


def test_hr_sees_every_department_and_person(client, hr, org, departments):
    client.force_login(hr)
    assert list(cells(get(client, HEATMAP).content.decode())) == ["", "ops", "sales"]
    assert get(client, HEATMAP, {"department": departments["ops-content"].pk}).status_code == 200
    assert get(client, f"/admin/hr/people/{org['cat'].pk}/").status_code == 200


@pytest.mark.parametrize("role, expected", [("trainee", "/accounts/login/"), ("instructor", "/admin/")])
def test_trainees_and_instructors_see_none_of_it(client, org, instructor_user, role, expected, framework):  # noqa: F811
    user = instructor_user if role == "instructor" else make_user("plain@example.com")
    client.force_login(user)
    analysis = framework["skills"]["analysis"].pk
    for url in (HEATMAP, f"{HEATMAP}?export=csv", f"{PEOPLE}?skill={analysis}", READINESS,
                f"/admin/hr/people/{org['ann'].pk}/"):
        response = get(client, url)
        assert response.status_code == 302 and response["Location"].split("?")[0].replace(
            "/zh-hans", "") == expected, url


def test_the_managers_group_holds_admin_access_and_its_own_permission_only(db):
    managers = Group.objects.get(name=MANAGERS)
    assert set(managers.permissions.values_list("content_type__app_label", "codename")) == {
        ("wagtailadmin", "access_admin"), ("hr", "view_own_department")}
    assert not GroupPagePermission.objects.filter(group=managers).exists()
    assert not GroupCollectionPermission.objects.filter(group=managers).exists()


# HR appoints managers ----------------------------------------------------------------------------------

def test_hr_appoints_moves_and_dismisses_a_manager(client, hr, org, departments):
    person = make_employee("new@example.com", departments["sales"], employee_id="N1", display_name="Neo")
    client.force_login(hr)
    assert client.post("/admin/hr/managers/new/", {"email": "nobody@example.com",
                                                    "department": departments["sales"].pk}).status_code == 200
    response = client.post("/admin/hr/managers/new/", {"email": "lee@example.com",
                                                       "department": departments["sales"].pk})
    assert "already manages" in response.content.decode()
    response = client.post("/admin/hr/managers/new/", {"email": "NEW@example.com",
                                                       "department": departments["sales"].pk})
    assert response.status_code == 302
    scope = ManagerScope.objects.get(user=person)
    assert scope.department == departments["sales"] and person.groups.filter(name=MANAGERS).exists()
    assert "Neo" in client.get("/admin/hr/managers/").content.decode()

    client.force_login(person)
    assert list(cells(get(client, HEATMAP).content.decode())) == ["sales"]

    client.force_login(hr)
    response = client.post(f"/admin/hr/managers/edit/{scope.pk}/", {"department": departments["ops-users"].pk})
    assert response.status_code == 302
    client.force_login(person)
    assert list(cells(get(client, HEATMAP).content.decode())) == ["ops-users"]

    client.force_login(hr)
    assert client.post(f"/admin/hr/managers/delete/{scope.pk}/").status_code == 302
    assert not ManagerScope.objects.filter(user=person).exists()
    assert not person.groups.filter(name=MANAGERS).exists()
    client.force_login(person)
    response = get(client, HEATMAP)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]  # no admin access left
