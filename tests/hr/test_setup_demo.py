"""`manage.py setup_demo` (now in hr, on top of every other app) seeds the demo accounts and
organisation once, only in demo mode."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.models import Department, EmployeeProfile
from courses.models import Assignment, Enrolment


def test_setup_demo_seeds_the_organisation_once(client, make_tree, settings):
    settings.DEMO_MODE = True
    make_tree(modules=3)
    for _ in range(2):  # the second run keeps what exists
        call_command("setup_demo", stdout=io.StringIO())
    assert Department.objects.count() == 4 and EmployeeProfile.objects.count() == 8
    assert Assignment.objects.count() == 2
    assert Enrolment.objects.filter(user__email="trainee@demo.local").exists()
    client.force_login(get_user_model().objects.get(email="hr@demo.local"))
    assert client.get("/admin/hr/").status_code == 200


def test_setup_demo_refuses_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("setup_demo", stdout=io.StringIO())
