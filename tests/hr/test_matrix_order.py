"""The compliance matrix's pages, picked by sorting ids and read in full afterwards, keep the
department-then-name order across pages and the same query count."""

from django.contrib.auth import get_user_model

from tests.hr.conftest import make_employee
from tests.hr.test_reports import org, states_in  # noqa: F401 (org: the imported fixture)


def test_pages_list_people_by_department_then_name(client, hr, org, departments, django_assert_num_queries):  # noqa: F811
    for n in range(56):  # created out of order, over two departments
        department = departments["ops-users"] if n % 2 else departments["ops-content"]
        make_employee(f"order{n}@example.com", department, display_name=f"{'yZ'[n % 2]}{(n * 37) % 56:02d}")
    client.force_login(hr)
    client.get("/admin/hr/")
    with django_assert_num_queries(15):
        first = client.get("/admin/hr/").content.decode()
    names = [*states_in(first), *states_in(client.get("/admin/hr/", {"p": 2}).content.decode())]
    people = {p.get_display_name(): p for p in get_user_model().objects.select_related("employee__department")}
    in_order = sorted(names, key=lambda name: (people[name].employee.department.path, name.lower(),
                                               people[name].email))
    assert len(states_in(first)) == 50 and len(set(names)) == len(names) == 62
    assert names == in_order
