"""Assigning a later due date asks before extending; people are told by mail of an assignment
and reminded before it is due, in their language."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from courses import api as courses_api
from courses.models import Assignment, Enrolment
from hr.models import DueReminderSent
from hr.reports import Requirements, department_path
from tests.hr.conftest import make_employee


@pytest.fixture
def staff(departments):
    return {
        "lead": make_employee("lead@example.com", departments["ops"], display_name="Lead"),
        "user_ops": make_employee("u1@example.com", departments["ops-users"], display_name="Uma",
                                  preferred_language="zh-hans"),
        "content": make_employee("c1@example.com", departments["ops-content"], display_name="Cai",
                                 preferred_language="en"),
    }


def days(n):
    return timezone.localdate() + timedelta(days=n)


def post_assign(client, course, department, due, **extra):
    """The admin's form lists each course in the admin's language (English)."""
    return client.post("/admin/hr/assign/", {"course": course.en(course.course).pk, "department": department.pk,
                                             "due_date": due.isoformat(), **extra})


def test_a_later_due_date_asks_whether_to_extend_and_keeping_keeps_it(client, tree, departments, staff, hr):
    """Nothing is assigned until HR answers; the page names who has an earlier date."""
    courses_api.assign_course(tree.course, user=staff["user_ops"], due_date=days(10), by=hr)
    courses_api.enrol_learner(staff["content"], tree.course)  # self-enrolled: no due date
    client.force_login(hr)
    response = post_assign(client, tree, departments["ops"], days(60))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-section="confirm-extend"' in html
    earlier = html.split('data-section="earlier"')[1].split("</table>")[0]
    later = html.split('data-section="later"')[1].split("</table>")[0]
    assert "Uma" in earlier and f"{days(10):%Y-%m-%d}" in earlier and "Cai" not in earlier
    assert "Cai" in later and "Uma" not in later
    assert Assignment.objects.count() == 1

    response = post_assign(client, tree, departments["ops"], days(60), extend="no")
    assert response.status_code == 302
    assert Enrolment.objects.get(user=staff["user_ops"]).due_date == days(10)
    assert Enrolment.objects.get(user=staff["content"]).due_date == days(60)
    assert Enrolment.objects.get(user=staff["lead"]).due_date == days(60)


def test_extending_moves_the_earlier_due_date_in_the_enrolment_and_the_reports(client, tree, departments, staff, hr):
    courses_api.assign_course(tree.course, user=staff["user_ops"], due_date=days(10), by=hr)
    courses_api.assign_course(tree.course, department=departments["ops-users"], due_date=days(12), by=hr)
    client.force_login(hr)
    response = post_assign(client, tree, departments["ops"], days(60), extend="yes")
    assert response.status_code == 302
    person = staff["user_ops"]
    assert Enrolment.objects.get(user=person).due_date == days(60)
    assert Requirements().courses_of(person.pk, department_path(person)) == {tree.course.translation_key: days(60)}


def test_an_earlier_or_equal_due_date_is_assigned_without_asking(client, tree, departments, staff, hr):
    courses_api.assign_course(tree.course, user=staff["user_ops"], due_date=days(30), by=hr)
    client.force_login(hr)
    assert post_assign(client, tree, departments["ops"], days(20)).status_code == 302
    assert Enrolment.objects.get(user=staff["user_ops"]).due_date == days(20)


def test_everyone_given_the_due_date_is_mailed_in_their_language(
        client, tree, departments, staff, hr, django_capture_on_commit_callbacks):
    """After the commit: the course, its due date and its page's address in their language."""
    courses_api.assign_course(tree.course, user=staff["lead"], due_date=days(5), by=hr)  # keeps the earlier date
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=True):
        post_assign(client, tree, departments["ops"], days(20), extend="no")
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"u1@example.com", "c1@example.com"}
    chinese, english = by_address["u1@example.com"], by_address["c1@example.com"]
    due = f"{days(20):%Y-%m-%d}"
    assert chinese.subject == f"新的必修课程：《{tree.course.title}》，截止日期{due}"
    assert "Uma，你好！" in chinese.body and f"/zh-hans/{tree.course.slug}/" in chinese.body
    assert english.subject.startswith("Course assigned: ") and due in english.subject
    assert "Hello Cai," in english.body and "/en/" in english.body and tree.en(tree.course).title in english.body


def test_a_reminder_goes_once_before_the_due_date_and_never_for_a_finished_course(tree, departments, staff, hr):
    courses_api.assign_course(tree.course, department=departments["ops"], due_date=days(5), by=hr)
    Enrolment.objects.filter(user=staff["lead"]).update(due_date=days(30))  # not yet within the window
    for lessons in tree.lessons:
        for lesson in lessons:
            courses_api.complete_lesson(staff["content"], lesson)
    mail.outbox.clear()
    call_command("send_due_reminders", "--days", "7")
    assert [m.to[0] for m in mail.outbox] == ["u1@example.com"]
    assert mail.outbox[0].subject == f"提醒：《{tree.course.title}》将于{days(5):%Y-%m-%d}截止"
    call_command("send_due_reminders", "--days", "7")  # a rerun mails nobody again
    assert len(mail.outbox) == 1 and DueReminderSent.objects.count() == 1

    Enrolment.objects.filter(user=staff["user_ops"]).update(due_date=days(6))  # a new due date: a new reminder
    call_command("send_due_reminders", "--days", "7")
    assert len(mail.outbox) == 2 and DueReminderSent.objects.count() == 2


def test_reminders_due_today_and_past_due(tree, departments, staff, hr):
    """Due today is still within the window; an overdue course is not reminded of."""
    courses_api.assign_course(tree.course, user=staff["lead"], due_date=days(0), by=hr)
    courses_api.assign_course(tree.course, user=staff["content"], due_date=days(-1), by=hr)
    mail.outbox.clear()
    call_command("send_due_reminders")
    assert [m.to[0] for m in mail.outbox] == ["lead@example.com"]


def test_a_chinese_admin_is_asked_in_chinese(client, tree, departments, staff, hr):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(hr)
    profile.preferred_language = "zh-hans"
    profile.save()
    courses_api.assign_course(tree.course, user=staff["user_ops"], due_date=days(10), by=hr)
    client.force_login(hr)
    html = client.post("/admin/hr/assign/", {"course": tree.course.pk, "department": departments["ops"].pk,
                                             "due_date": days(60).isoformat()}).content.decode()
    assert f"所覆盖的人员中有1人的《{tree.course.title}》截止日期更早。是否延长到{days(60):%Y-%m-%d}？" in html
    assert f"延长到{days(60):%Y-%m-%d}" in html and "保留更早的截止日期" in html
