"""HR's sort keys on the user (`User.sort_department_path`, `sort_name`: the department's path and
the lower-cased display name) follow every writer of names, profiles and departments, and the
compliance matrix's order and department filter follow them."""

from django.contrib.auth import get_user_model

from accounts.api import add_department, change_department, import_people
from accounts.models import EmployeeProfile
from hr.report_views import sorted_within
from tests.hr.conftest import make_employee
from tests.hr.test_people_import import ROWS, csv_file
from tests.hr.test_reports import org, states_in  # noqa: F401 (org: the imported fixture)

User = get_user_model()


def stale_keys():
    """{email: (stored keys, right keys)} of every user whose keys are not what they should be."""
    stale = {}
    for user in User.objects.select_related("employee__department"):
        employee = getattr(user, "employee", None)
        right = (employee.department.path if employee else None, user.display_name.lower())
        if (user.sort_department_path, user.sort_name) != right:
            stale[user.email] = ((user.sort_department_path, user.sort_name), right)
    return stale


def test_keys_follow_names_and_profiles(departments):
    person = make_employee("p@example.com", departments["ops-users"], display_name="Zed Person")
    assert (person.sort_department_path, person.sort_name) == (departments["ops-users"].path, "zed person")
    person.display_name = "Adam Person"
    person.save()
    profile = EmployeeProfile.objects.get(user=person)
    profile.department = departments["sales"]
    profile.save()
    assert User.objects.filter(pk=person.pk, sort_department_path=departments["sales"].path,
                               sort_name="adam person").exists()
    person.save(update_fields=["last_login"])  # a login touches no key
    profile.delete()
    assert User.objects.get(pk=person.pk).sort_department_path is None
    assert stale_keys() == {}


def test_keys_follow_departments_that_move(departments):
    for n, code in enumerate(["ops", "ops-users", "ops-content", "sales"]):
        make_employee(f"{code}@example.com", departments[code], display_name=f"P{n}")
    add_department("A 部", code="a-first")  # sorts before every top-level department: all paths move
    assert stale_keys() == {}
    change_department(departments["ops-content"], name="内容运营组", code="ops-content", parent=departments["sales"])
    assert stale_keys() == {}


def test_keys_follow_the_people_import(departments):
    import_people(csv_file(ROWS), "csv")
    assert User.objects.filter(sort_name="李雷").exists() and stale_keys() == {}
    renamed = [["E001", "li.lei@example.com", "Lei LI", "运营部/用户运营组", "", "", "", ""]]
    import_people(csv_file(renamed), "csv")
    assert User.objects.get(email="li.lei@example.com").sort_name == "lei li"
    assert stale_keys() == {}


def test_subtree_range_is_exactly_the_paths_below():
    assert sorted_within("0001") == sorted_within("0001")
    within = sorted_within("000Z").children
    assert dict(within) == {"sort_department_path__gte": "000Z", "sort_department_path__lt": "001"}
    assert dict(sorted_within("00019").children)["sort_department_path__lt"] == "0001A"
    assert dict(sorted_within("ZZZZ").children) == {"sort_department_path__gte": "ZZZZ"}


def test_matrix_follows_a_moved_department(client, hr, org, departments):  # noqa: F811
    client.force_login(hr)
    before = list(states_in(client.get("/admin/hr/").content.decode()))
    assert before == ["D Missing", "E Expired", "F Overdue", "A Current", "B Expiring", "C Revoked"]
    change_department(departments["ops-content"], name="内容运营组", code="ops-content",
                      parent=departments["ops-users"])
    after = list(states_in(client.get("/admin/hr/").content.decode()))
    assert after == ["D Missing", "A Current", "B Expiring", "C Revoked", "E Expired", "F Overdue"]
    users = client.get("/admin/hr/", {"department": departments["ops-users"].pk}).content.decode()
    assert list(states_in(users)) == ["A Current", "B Expiring", "C Revoked", "E Expired", "F Overdue"]
