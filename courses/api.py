"""Writes to learner progress. Views and other apps change progress only through these."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import CoursePage, Enrolment, LessonPage, LessonProgress, ModuleCompletion, ModulePage
from .queries import module_state

__all__ = ["ProgressDenied", "enrol_learner", "complete_lesson", "complete_module", "check_module_open"]


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
