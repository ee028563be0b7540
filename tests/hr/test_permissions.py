"""Who may see and do what in HR's part of the admin: roles × views, guessed ids included."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupCollectionPermission, GroupPagePermission, ModelLogEntry

from accounts.groups import HR
from certification.models import Certificate
from quizzes.models import Question
from tests.conftest import make_user
from tests.hr.conftest import give_certificate, make_employee

MISSING_ID = 987654


@pytest.fixture
def world(departments, rule, superuser, hr, instructor_user):
    holder = make_employee("holder@example.com", departments["ops-users"], display_name="Holder")
    return {
        "holder": holder,
        "certificate": give_certificate(holder, rule),
        "roles": {
            "anonymous": None,
            "trainee": make_user("plain@example.com"),
            "instructor": instructor_user,
            "hr": hr,
            "superuser": superuser,
        },
    }


def views(world):
    """(name, url) of every HR view, with the real and a guessed id where a view takes one."""
    person, certificate = world["holder"].pk, world["certificate"].pk
    return [
        ("matrix", "/admin/hr/"),
        ("matrix csv", "/admin/hr/?export=csv"),
        ("summary", "/admin/hr/summary/"),
        ("summary xlsx", "/admin/hr/summary/?export=xlsx"),
        ("expiring", "/admin/hr/expiring/"),
        ("people", "/admin/hr/people/"),
        ("transcript", f"/admin/hr/people/{person}/"),
        ("transcript, guessed id", f"/admin/hr/people/{MISSING_ID}/"),
        ("revoke form", f"/admin/hr/certificates/{certificate}/revoke/"),
        ("revoke, guessed id", f"/admin/hr/certificates/{MISSING_ID}/revoke/"),
        ("assign", "/admin/hr/assign/"),
        ("import people", "/admin/hr/people/import/"),
        ("departments", "/admin/hr/departments/"),
        ("department filter, guessed id", f"/admin/hr/?department={MISSING_ID}"),
    ]


def expected(role, name):
    """Anonymous and trainees go to the login page; instructors (admin, but not HR) are sent to
    the admin home, whatever the id — guessing tells nothing; HR and superusers get 200, or
    404 for an id that does not exist."""
    if role in ("anonymous", "trainee"):
        return 302, "/accounts/login/"
    if role == "instructor":
        return 302, "/admin/"
    return (404, None) if "guessed" in name else (200, None)


@pytest.mark.parametrize("role", ["anonymous", "trainee", "instructor", "hr", "superuser"])
def test_roles_by_views(client, world, role):
    user = world["roles"][role]
    if user is not None:
        client.force_login(user)
    results = {}
    for name, url in views(world):
        response = client.get(url)
        if response.status_code == 302 and response["Location"] == "/zh-hans" + url:
            # The site's LocaleMiddleware sends every 404 outside the language prefix into it
            # (where Wagtail's page serving 404s again): follow it to the real answer.
            response = client.get(response["Location"])
        location = response["Location"].split("?")[0].replace("/zh-hans", "") if response.status_code == 302 else None
        results[name] = (response.status_code, location)
    assert results == {name: expected(role, name) for name, _url in views(world)}


def test_ajax_requests_of_non_hr_admins_get_403(client, world):
    client.force_login(world["roles"]["instructor"])
    response = client.get("/admin/hr/", headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 403


def test_only_hr_and_superusers_see_the_hr_menu(client, world):
    for role, shown in (("instructor", False), ("hr", True), ("superuser", True)):
        client.force_login(world["roles"][role])
        html = client.get("/admin/").content.decode()
        assert ("hr-reports" in html and "/admin/hr/" in html) is shown, role  # the submenu's name, its links


def test_revocation_needs_a_reason_and_lands_in_the_audit_log(client, world):
    hr, certificate = world["roles"]["hr"], world["certificate"]
    client.force_login(hr)
    url = f"/admin/hr/certificates/{certificate.pk}/revoke/"
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and not ModelLogEntry.objects.filter(action="certification.revoke").exists()

    response = client.post(url, {"reason": "Exam taken by someone else"})
    assert response.status_code == 302 and response["Location"] == f"/admin/hr/people/{world['holder'].pk}/"
    certificate.refresh_from_db()
    assert certificate.revoked_at and certificate.revoked_by == hr
    assert certificate.revocation_reason == "Exam taken by someone else"
    entry = ModelLogEntry.objects.get(action="certification.revoke")
    assert entry.user == hr and entry.object_id == str(certificate.pk)
    assert entry.data["reason"] == "Exam taken by someone else"

    again = client.post(url, {"reason": "twice"})
    assert again.status_code == 302 and ModelLogEntry.objects.filter(action="certification.revoke").count() == 1


def test_instructors_cannot_revoke(client, world):
    client.force_login(world["roles"]["instructor"])
    response = client.post(f"/admin/hr/certificates/{world['certificate'].pk}/revoke/", {"reason": "because"})
    assert response.status_code == 302
    assert Certificate.objects.get().revoked_at is None


@pytest.fixture
def question(quiz_setup):
    return Question.objects.first()


def test_hr_cannot_edit_content(client, world, question, quiz_setup):
    """Pages and questions: HR's edit views redirect away, and a post changes nothing."""
    client.force_login(world["roles"]["hr"])
    lesson = quiz_setup.tree.lessons[0][0]
    for url in (f"/admin/pages/{lesson.pk}/edit/", f"/admin/pages/{quiz_setup.quiz.pk}/edit/",
                f"/admin/snippets/quizzes/question/edit/{question.pk}/", "/admin/snippets/quizzes/question/add/",
                "/admin/pages/add/courses/lessonpage/%d/" % lesson.get_parent().pk):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    response = client.post(f"/admin/snippets/quizzes/question/edit/{question.pk}/", {"stem": "changed"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.stem != "changed"
    response = client.get(f"/admin/pages/{lesson.pk}/edit/", headers={"x-requested-with": "XMLHttpRequest"})
    assert response.status_code == 403


def test_instructors_keep_their_content_rights(client, world, question):
    client.force_login(world["roles"]["instructor"])
    assert client.get(f"/admin/snippets/quizzes/question/edit/{question.pk}/").status_code == 200


def test_the_hr_group_holds_admin_access_and_hr_permissions_only(db):
    hr = Group.objects.get(name=HR)
    assert set(hr.permissions.values_list("content_type__app_label", "codename")) == {
        ("wagtailadmin", "access_admin"),
        ("hr", "view_hr_reports"),
        ("hr", "revoke_certificate"),
        ("hr", "assign_course"),
        ("hr", "import_people"),
    }
    assert not GroupPagePermission.objects.filter(group=hr).exists()
    assert not GroupCollectionPermission.objects.filter(group=hr).exists()
