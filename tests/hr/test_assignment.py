from datetime import timedelta

import pytest
from django.utils import timezone

from courses import api as courses_api
from courses.models import Assignment, Enrolment
from tests.hr.conftest import make_employee


@pytest.fixture
def staff(departments):
    return {
        "lead": make_employee("lead@example.com", departments["ops"]),
        "user_ops": make_employee("u1@example.com", departments["ops-users"]),
        "content": make_employee("c1@example.com", departments["ops-content"]),
        "sales": make_employee("s1@example.com", departments["sales"]),
    }


def test_assigning_to_a_department_enrols_its_whole_subtree_with_the_due_date(tree, departments, staff, hr):
    """运营部 covers its two groups; 销售部 is untouched."""
    due = timezone.localdate() + timedelta(days=30)
    result = courses_api.assign_course(tree.course, department=departments["ops"], due_date=due, by=hr)
    assert (result.covered, result.enrolled, result.due_date_set) == (3, 3, 0)
    enrolled = Enrolment.objects.filter(course_key=tree.course.translation_key)
    assert set(enrolled.values_list("user__email", flat=True)) == {
        "lead@example.com", "u1@example.com", "c1@example.com"
    }
    assert set(enrolled.values_list("due_date", flat=True)) == {due}
    assert set(enrolled.values_list("assignment", flat=True)) == {result.assignment.pk}
    assert result.assignment.assigned_by == hr and result.assignment.department == departments["ops"]


def test_the_earliest_due_date_stands(tree, departments, staff, hr):
    """Self-enrolled (no due date) takes it; a later assignment does not move an earlier date."""
    courses_api.enrol_learner(staff["user_ops"], tree.course)
    soon, later = timezone.localdate() + timedelta(days=10), timezone.localdate() + timedelta(days=60)
    first = courses_api.assign_course(tree.course, department=departments["ops-users"], due_date=soon, by=hr)
    assert (first.enrolled, first.due_date_set) == (0, 1)
    second = courses_api.assign_course(tree.course, department=departments["ops"], due_date=later, by=hr)
    assert (second.covered, second.enrolled, second.due_date_set) == (3, 2, 0)
    assert Enrolment.objects.get(user=staff["user_ops"]).due_date == soon
    third = courses_api.assign_course(tree.course, user=staff["lead"], due_date=soon, by=hr)
    assert (third.covered, third.enrolled, third.due_date_set) == (1, 0, 1)
    assert Assignment.objects.count() == 3


def test_an_assignment_names_a_person_or_a_department(tree, departments, staff, hr):
    due = timezone.localdate()
    with pytest.raises(ValueError):
        courses_api.assign_course(tree.course, due_date=due, by=hr)
    with pytest.raises(ValueError):
        courses_api.assign_course(tree.course, user=staff["lead"], department=departments["ops"], due_date=due, by=hr)
    assert not Assignment.objects.exists() and not Enrolment.objects.exists()


def test_the_dashboard_shows_the_due_date_and_overdue_after_it(client, tree, departments, staff, hr):
    learner = staff["user_ops"]
    client.force_login(learner)
    due = timezone.localdate() + timedelta(days=5)
    courses_api.assign_course(tree.course, user=learner, due_date=due, by=hr)
    html = client.get("/zh-hans/my-learning/").content.decode()
    assert f'datetime="{due:%Y-%m-%d}"' in html and "badge--overdue" not in html

    Enrolment.objects.filter(user=learner).update(due_date=timezone.localdate() - timedelta(days=1))
    html = client.get("/zh-hans/my-learning/").content.decode()
    assert "badge--overdue" in html

    for lessons in tree.lessons:  # completed: no longer overdue
        for lesson in lessons:
            courses_api.complete_lesson(learner, lesson)
    assert "badge--overdue" not in client.get("/zh-hans/my-learning/").content.decode()


def test_hr_assigns_from_the_admin_form(client, tree, departments, staff, hr):
    client.force_login(hr)
    due = timezone.localdate() + timedelta(days=14)
    english = tree.en(tree.course)  # the form lists each course once, in the admin's language
    assert list(client.get("/admin/hr/assign/").context["form"].fields["course"].queryset) == [english]
    response = client.post("/admin/hr/assign/", {
        "course": english.pk, "department": departments["ops-content"].pk, "due_date": due.isoformat(),
    })
    assert response.status_code == 302
    assert Enrolment.objects.get(course_key=tree.course.translation_key).user == staff["content"]
    html = client.post("/admin/hr/assign/", {
        "course": english.pk, "department": departments["ops"].pk, "person_email": "lead@example.com",
        "due_date": due.isoformat(),
    }).content.decode()
    assert "Choose a person or a department, not both." in html
    html = client.post("/admin/hr/assign/", {
        "course": english.pk, "person_email": "nobody@example.com", "due_date": due.isoformat(),
    }).content.decode()
    assert "Nobody has this email." in html
    assert Assignment.objects.count() == 1
