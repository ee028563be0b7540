"""The migration that adds HR's sort keys fills them for the people already there: the
department's path (none without a profile) and the lower-cased display name."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0005_verbose_name_plural")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    return executor.migrate(targets or executor.loader.graph.leaf_nodes()).apps


def test_existing_people_get_their_sort_keys(transactional_db, django_db_serialized_rollback):
    apps = migrate(BEFORE)
    try:
        User, Department = apps.get_model("accounts", "User"), apps.get_model("accounts", "Department")
        EmployeeProfile = apps.get_model("accounts", "EmployeeProfile")
        ops = Department.objects.create(path="0001", depth=1, numchild=0, name="运营部", code="ops")
        staff = User.objects.create(username="staff", email="staff@example.com", display_name="Li LEI")
        EmployeeProfile.objects.create(user=staff, employee_id="E1", department=ops)
        User.objects.create(username="guest", email="guest@example.com", display_name="Guest")
    finally:
        apps = migrate(None)
    keys = dict(apps.get_model("accounts", "User").objects.values_list("username", "sort_department_path"))
    names = dict(apps.get_model("accounts", "User").objects.values_list("username", "sort_name"))
    assert (keys["staff"], names["staff"]) == ("0001", "li lei")
    assert (keys["guest"], names["guest"]) == (None, "guest")
