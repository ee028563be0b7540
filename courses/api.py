"""Writes to learner progress. Views and other apps change progress only through these."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from .models import Assignment, CoursePage, Enrolment, LessonPage, LessonProgress, ModuleCompletion, ModulePage
from .queries import module_state

__all__ = [
    "AssignmentResult", "ProgressDenied", "assign_course", "check_module_open", "complete_lesson", "complete_module",
    "enrol_learner",
]


class ProgressDenied(PermissionDenied):
    """The learner may not record this progress; the message says why."""


def enrol_learner(user, course: CoursePage) -> Enrolment:
    """Enrol `user` in `course` (in any language). Enrolling twice keeps one enrolment."""
    try:
        with transaction.atomic():
            enrolment, _created = Enrolment.objects.get_or_create(
                user=user, course_key=course.translation_key
            )
    except IntegrityError:  # a concurrent request won the race
        enrolment = Enrolment.objects.get(user=user, course_key=course.translation_key)
    return enrolment


def check_module_open(user, module: ModulePage):
    """Raise ProgressDenied unless `user` is enrolled in the module's course and past its lock."""
    course, card = module_state(module, user, fresh=True)
    if not card.enrolled:
        raise ProgressDenied(_("Enrol in “%(course)s” before completing its lessons.") % {"course": course.title})
    if card.locked_by is not None:
        raise ProgressDenied(
            _("This module is locked: finish “%(module)s” first.") % {"module": card.locked_by.title}
        )
    return course


def complete_lesson(user, lesson: LessonPage) -> LessonProgress:
    """Mark `lesson` complete for `user`, who must be enrolled and past the module's lock."""
    check_module_open(user, lesson.get_parent().specific)
    try:
        with transaction.atomic():
            progress, _created = LessonProgress.objects.get_or_create(
                user=user, lesson_key=lesson.translation_key
            )
    except IntegrityError:
        progress = LessonProgress.objects.get(user=user, lesson_key=lesson.translation_key)
    return progress


def complete_module(user, module: ModulePage) -> ModuleCompletion:
    """Record that `user` finished `module` by its assessment; once, whatever the repeats."""
    try:
        with transaction.atomic():  # a savepoint: callers grade inside their own transaction
            completion, _created = ModuleCompletion.objects.get_or_create(
                user=user, module_key=module.translation_key
            )
    except IntegrityError:
        completion = ModuleCompletion.objects.get(user=user, module_key=module.translation_key)
    return completion


# Assignments (HR requires a course of a person or a department) ------------------------------



@dataclass(frozen=True)
class AssignmentResult:
    assignment: Assignment
    covered: int  # people the assignment covers
    enrolled: int  # newly enrolled, with the due date
    due_date_set: int  # already enrolled; their due date was later or none


@transaction.atomic
def assign_course(course: CoursePage, *, user=None, department=None, due_date, by, extend=False) -> AssignmentResult:
    """Require `course` of one person or of a department and its sub-departments by `due_date`.

    Everyone covered is enrolled with the due date; an existing enrolment takes it when it had
    none or a later one (the earliest deadline stands). With `extend`, earlier ones take it too,
    and so do the earlier assignments of the course that this one wholly covers (the reports
    take the earliest assignment). One transaction of five queries (six with `extend`), plus one
    per 500 new enrolments."""
    if (user is None) == (department is None):
        raise ValueError("Assign a course to a person or to a department.")
    key = course.translation_key
    assignment = Assignment.objects.create(
        course_key=key, user=user, department=department, due_date=due_date, assigned_by=by
    )
    User = get_user_model()
    if user is not None:
        people = User.objects.filter(pk=user.pk)
    else:
        people = User.objects.filter(employee__department__path__startswith=department.path)
    enrolled = Enrolment.objects.filter(course_key=key, user__in=people.values("pk"))
    later = enrolled.exclude(due_date=due_date) if extend else enrolled.filter(
        Q(due_date__isnull=True) | Q(due_date__gt=due_date))
    due_date_set = later.update(due_date=due_date, assignment=assignment)
    if extend:
        within = Q(user=user)
        if department is not None:
            path = department.path
            within = Q(department__path__startswith=path) | Q(user__employee__department__path__startswith=path)
        Assignment.objects.filter(within, course_key=key, due_date__lt=due_date).update(due_date=due_date)
    new_ids = list(people.filter(~Exists(Enrolment.objects.filter(user=OuterRef("pk"), course_key=key)))
                   .values_list("pk", flat=True))
    Enrolment.objects.bulk_create(
        [Enrolment(user_id=pk, course_key=key, due_date=due_date, assignment=assignment) for pk in new_ids],
        batch_size=500,
        ignore_conflicts=True,  # enrolled meanwhile by themselves: their enrolment stands
    )
    return AssignmentResult(assignment, covered=people.count(), enrolled=len(new_ids), due_date_set=due_date_set)
