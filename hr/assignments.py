"""What an assignment would do to the due dates of people already enrolled, read before HR
confirms it (`views.AssignCourseView`): who has an earlier due date (kept, unless HR extends
it) and who a later one or none (moved to the new date). A fixed number of queries."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from courses.models import Enrolment

LISTED = 50  # people named per group; the rest are counted


@dataclass
class DueDateChanges:
    earlier: list  # [Enrolment] with `user`, earliest first
    earlier_count: int
    later: list
    later_count: int


def due_date_changes(course, *, user=None, department=None, due_date) -> DueDateChanges:
    people = get_user_model().objects.filter(pk=user.pk) if user is not None else (
        get_user_model().objects.filter(employee__department__path__startswith=department.path))
    enrolled = (Enrolment.objects.filter(course_key=course.translation_key, user__in=people.values("pk"))
                .select_related("user__employee").order_by("due_date", "user__display_name", "user__email"))
    earlier = enrolled.filter(due_date__lt=due_date)
    later = enrolled.filter(Q(due_date__isnull=True) | Q(due_date__gt=due_date))
    return DueDateChanges(list(earlier[:LISTED]), earlier.count(), list(later[:LISTED]), later.count())
