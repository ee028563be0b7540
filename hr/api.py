"""HR's own writes: appointing and dismissing managers, and the due-date reminders sent.
Everything else HR does is another app's write (certification, courses, accounts), called from
`hr.views`."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Department
from accounts.people_import import chunks
from courses.models import Enrolment

from . import reports
from .models import MANAGERS, DueReminderSent, ManagerScope
from .tasks import send_due_reminder

__all__ = ["DUE_REMINDER_DAYS", "appoint_manager", "dismiss_manager", "send_due_reminders"]

DUE_REMINDER_DAYS = 7


@transaction.atomic
def appoint_manager(user, department: Department) -> ManagerScope:
    """Make `user` the manager of `department` (and everything below it), replacing the
    department they managed before: the Managers group and the scope go together."""
    scope, _created = ManagerScope.objects.update_or_create(user=user, defaults={"department": department})
    user.groups.add(Group.objects.get(name=MANAGERS))
    return scope


@transaction.atomic
def dismiss_manager(user) -> None:
    """`user` manages no department any more and leaves the Managers group."""
    ManagerScope.objects.filter(user=user).delete()
    user.groups.remove(Group.objects.get(name=MANAGERS))


def send_due_reminders(*, days: int = DUE_REMINDER_DAYS, today=None) -> int:
    """Mail one reminder to each person whose course is due within `days` days (today
    included) and not complete; returns how many were sent. Safe to run as often as you like:
    each enrolment gets one reminder per due date and window (`DueReminderSent`)."""
    today = today or timezone.localdate()
    sent = DueReminderSent.objects.filter(enrolment=OuterRef("pk"), due_date=OuterRef("due_date"), days_before=days)
    due = list(
        Enrolment.objects.filter(due_date__gte=today, due_date__lte=today + timedelta(days=days),
                                 user__is_active=True).exclude(user__email="")
        .filter(~Exists(sent)).values_list("pk", "user_id", "course_key", "due_date")
    )
    if not due:
        return 0
    lessons = reports.course_lessons(reports.Requirements())
    done = set()
    for people in chunks({user_id for _pk, user_id, _key, _due in due}):  # within SQLite's parameter limit
        done |= reports.completed_courses(Q(user_id__in=people), lessons)
    count = 0
    for pk, user_id, course_key, due_date in due:
        if (user_id, str(course_key)) in done:
            continue
        with transaction.atomic():
            _row, created = DueReminderSent.objects.get_or_create(enrolment_id=pk, due_date=due_date,
                                                                  days_before=days)
        if created:
            send_due_reminder.enqueue(pk, days)
            count += 1
    return count
