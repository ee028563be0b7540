"""HR manages departments in Wagtail's model viewset: the tree in order with people counts,
adding (in name order, through accounts.api), renaming and moving, history; under HR's own
permission only, and deleting is left to superusers."""

import pytest
from wagtail.models import ModelLogEntry

from accounts.models import Department
from tests.hr.conftest import make_employee

INDEX, ADD = "/admin/hr/departments/", "/admin/hr/departments/new/"


def edit_url(department):
    return f"/admin/hr/departments/edit/{department.pk}/"


def tree():
    """[(depth, name)] in tree order."""
    return list(Department.objects.order_by("path").values_list("depth", "name"))


def test_the_list_shows_the_tree_in_order_with_people(client, hr, departments):
    make_employee("a@example.com", departments["ops-users"])
    client.force_login(hr)
    response = client.get(INDEX)
    assert response.status_code == 200
    rows = [(d.name, d.people) for d in response.context["object_list"]]
    assert rows == [("运营部", 0), ("内容运营组", 0), ("用户运营组", 1), ("销售部", 0)]
    html = response.content.decode()
    assert f'?department={departments["ops-users"].pk}' in html and ADD in html


def test_hr_adds_a_department_in_name_order_and_it_is_logged(client, hr, departments):
    client.force_login(hr)
    response = client.post(ADD, {"name": "增长组", "code": "ops-growth", "parent": departments["ops"].pk})
    assert response.status_code == 302
    assert tree() == [(1, "运营部"), (2, "内容运营组"), (2, "增长组"), (2, "用户运营组"), (1, "销售部")]
    added = Department.objects.get(code="ops-growth")
    assert added.get_parent() == departments["ops"]
    assert ModelLogEntry.objects.filter(action="wagtail.create", object_id=str(added.pk), user=hr).exists()
    assert client.get(f"/admin/hr/departments/history/{added.pk}/").status_code == 200

    response = client.post(ADD, {"name": "总部", "code": "hq"})
    assert response.status_code == 302 and tree()[0] == (1, "总部")  # top level, first by name


def test_a_taken_code_is_a_field_error_and_nothing_is_written(client, hr, departments):
    client.force_login(hr)
    response = client.post(ADD, {"name": "又一个", "code": "ops"})
    assert response.status_code == 200 and "code" in response.context["form"].errors
    assert Department.objects.count() == 4


def test_renaming_and_moving_keep_the_tree_sorted_and_the_people(client, hr, departments):
    person = make_employee("a@example.com", departments["ops-users"])
    client.force_login(hr)
    users = departments["ops-users"]
    response = client.post(edit_url(users), {"name": "A 用户组", "code": "ops-users", "parent": departments["ops"].pk})
    assert response.status_code == 302
    assert tree() == [(1, "运营部"), (2, "A 用户组"), (2, "内容运营组"), (1, "销售部")]

    response = client.post(
        edit_url(users), {"name": "A 用户组", "code": "sales-users", "parent": departments["sales"].pk}
    )
    assert response.status_code == 302
    assert tree() == [(1, "运营部"), (2, "内容运营组"), (1, "销售部"), (2, "A 用户组")]
    person.employee.refresh_from_db()
    assert person.employee.department.code == "sales-users"
    assert Department.objects.get(code="sales-users").get_parent().code == "sales"

    response = client.post(edit_url(users), {"name": "A 用户组", "code": "sales-users", "parent": ""})
    assert response.status_code == 302 and tree()[0] == (1, "A 用户组")
    assert ModelLogEntry.objects.filter(action="wagtail.edit", object_id=str(users.pk)).count() == 3


def test_a_department_cannot_move_below_itself(client, hr, departments):
    client.force_login(hr)
    form = client.get(edit_url(departments["ops"])).context["form"]
    assert set(form.fields["parent"].queryset.values_list("code", flat=True)) == {"sales"}
    response = client.post(edit_url(departments["ops"]),
                           {"name": "运营部", "code": "ops", "parent": departments["ops-users"].pk})
    assert response.status_code == 200 and "parent" in response.context["form"].errors


@pytest.mark.parametrize("url", [INDEX, ADD, "edit"])
def test_instructors_are_turned_away(client, instructor_user, departments, url):
    client.force_login(instructor_user)
    url = edit_url(departments["ops"]) if url == "edit" else url
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    response = client.post(ADD, {"name": "X", "code": "x"})
    assert response.status_code == 302 and not Department.objects.filter(code="x").exists()


def test_only_superusers_delete(client, hr, superuser, departments):
    sales = departments["sales"]
    client.force_login(hr)
    assert "/delete/" not in client.get(INDEX).content.decode()
    assert client.post(f"/admin/hr/departments/delete/{sales.pk}/").status_code == 302
    assert Department.objects.filter(pk=sales.pk).exists()
    client.force_login(superuser)
    assert client.post(f"/admin/hr/departments/delete/{sales.pk}/").status_code == 302
    assert not Department.objects.filter(pk=sales.pk).exists()


@pytest.mark.parametrize("n", [1, 12])
def test_list_queries_do_not_grow_with_departments(client, hr, departments, n, django_assert_num_queries):
    from accounts.api import add_department

    for i in range(n):
        add_department(f"组{i:02d}", code=f"team-{n}-{i}", parent=Department.objects.get(code="sales"))
    client.force_login(hr)
    client.get(INDEX)
    # session, user, HR's permissions (user's, group's), the admin's user profile; the count;
    # locales, page and collection permissions (menu); the page of departments (with their
    # people and latest log entry).
    with django_assert_num_queries(DEPARTMENT_LIST_QUERIES):
        assert client.get(INDEX).status_code == 200


DEPARTMENT_LIST_QUERIES = 10
