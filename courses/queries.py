"""Progress reads for pages and the dashboard.

Each function runs a fixed number of queries however many courses, modules, lessons or
learners there are. A course's shape (modules, lessons, prerequisites) comes from its cached
outline (courses.outline); a learner's progress in it from their own rows, read in one query
(`learner_of`: completed lessons, modules passed by assessment, enrolments). The catalog's
percentages come from one grouped aggregate over the lesson pages (grouped by the tree path
prefix of the course). Nothing reads other learners' rows.
"""

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from django.db import connection
from django.db.models import BooleanField, Count, Exists, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Substr
from django.utils import timezone
from wagtail.models import Locale, Page

from . import models
from .outline import outline_at


@dataclass(frozen=True)
class Progress:
    done: int = 0
    total: int = 0
    next_path: str | None = None

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self):
        return self.total > 0 and self.done >= self.total

    @property
    def started(self):
        return self.done > 0


@dataclass
class Card:
    """A page in a listing with the reader's progress in it."""

    page: Page
    progress: Progress = field(default_factory=Progress)
    enrolled: bool = False
    locked_by: Page | None = None
    done: bool = False
    next_lesson: Page | None = None
    due_date: date | None = None  # set by an HR assignment

    @property
    def overdue(self):
        return self.due_date is not None and self.due_date < timezone.localdate() and not self.progress.complete


def completed_lesson_filter(user):
    """An expression that is true for lesson pages `user` has completed."""
    if not user.is_authenticated:
        return Value(False, output_field=BooleanField())
    return Exists(
        models.LessonProgress.objects.filter(user_id=user.pk, lesson_key=OuterRef("translation_key"))
    )


@dataclass(frozen=True)
class Learner:
    """What one person has done, as translation keys."""

    lessons: frozenset = frozenset()  # completed
    modules: frozenset = frozenset()  # passed by their assessment
    courses: frozenset = frozenset()  # enrolled in


def learner_of(user):
    """`user`'s completed lessons, assessed modules and enrolments, in any course: one query
    (a UNION ALL of their own rows in the three tables)."""
    if not user.is_authenticated:
        return Learner()
    with connection.cursor() as cursor:
        cursor.execute(_learner_sql(), [user.pk] * 3)
        rows = cursor.fetchall()
    to_key = models.LessonProgress._meta.get_field("lesson_key").to_python  # a UUID from either database
    found = {0: set(), 1: set(), 2: set()}
    for kind, key in rows:
        found[kind].add(to_key(key))
    return Learner(frozenset(found[0]), frozenset(found[1]), frozenset(found[2]))


@cache
def _learner_sql():
    """Every learner page runs this; in SQL it costs a tenth of the ORM's union to build."""
    qn = connection.ops.quote_name
    return " UNION ALL ".join(
        f"SELECT {kind}, {field} FROM {qn(model._meta.db_table)} WHERE user_id = %s"
        for kind, (model, field) in enumerate(
            [
                (models.LessonProgress, "lesson_key"),
                (models.ModuleCompletion, "module_key"),
                (models.Enrolment, "course_key"),
            ]
        )
    )


def completed_lesson_keys(user):
    """The translation keys of every lesson `user` has completed, in any course."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(
        models.LessonProgress.objects.filter(user_id=user.pk).values_list("lesson_key", flat=True)
    )


def progress_of(lessons, completed):
    """Progress through `lessons` (in tree order) with the lessons keyed in `completed` done."""
    done = sum(1 for lesson in lessons if lesson.translation_key in completed)
    next_path = next((lesson.path for lesson in lessons if lesson.translation_key not in completed), None)
    return Progress(done, len(lessons), next_path)


def module_progress(outline, completed):
    """{module path: Progress} for every module of the outline's course."""
    return {path: progress_of(lessons, completed) for path, lessons in outline.lessons.items()}


def progress_by_prefix(user, lessons, depth):
    """Group `lessons` by their ancestor at `depth`; return {ancestor path: Progress}."""
    rows = (
        lessons.order_by()
        .annotate(group=Substr("path", 1, depth * Page.steplen), is_done=completed_lesson_filter(user))
        .values("group")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(is_done=True)),
            next_path=Min("path", filter=Q(is_done=False)),
        )
    )
    return {row["group"]: Progress(row["done"], row["total"], row["next_path"]) for row in rows}


def enrolled_course_keys(user, course_keys):
    if not user.is_authenticated:
        return set()
    return set(
        models.Enrolment.objects.filter(user_id=user.pk, course_key__in=course_keys).values_list(
            "course_key", flat=True
        )
    )


def catalog_courses(catalog, user):
    courses = list(models.CoursePage.objects.child_of(catalog).for_listing())
    lessons = models.LessonPage.objects.live().descendant_of(catalog)
    progress = progress_by_prefix(user, lessons, catalog.depth + 1) if courses else {}
    enrolled = enrolled_course_keys(user, [c.translation_key for c in courses])
    return [
        Card(page=c, progress=progress.get(c.path, Progress()), enrolled=c.translation_key in enrolled)
        for c in courses
    ]


def _module_cards(modules, progress, assessed):
    """Cards for sibling modules. A module is done when its lessons are (or, with an
    assessment, when that is passed: its key is in `assessed`); it is locked while its
    prerequisite is not done."""
    done = {}
    for module in modules:
        if module.completion_rule == models.CompletionRule.ASSESSMENT:
            done[module.translation_key] = module.translation_key in assessed
        else:
            done[module.translation_key] = progress.get(module.path, Progress()).complete
    cards = []
    for module in modules:
        prerequisite = module.prerequisite
        locked = prerequisite is not None and not done.get(prerequisite.translation_key, True)
        cards.append(
            Card(
                page=module,
                progress=progress.get(module.path, Progress()),
                done=done[module.translation_key],
                locked_by=prerequisite if locked else None,
            )
        )
    return cards


def _outline_showing(course_path, page):
    """The cached outline of the course, or a fresh one if it predates `page` (published since)."""
    outline = outline_at(course_path)
    return outline if outline.contains(page) else outline_at(course_path, fresh=True)


def course_outline(course, user):
    outline = outline_at(course.path)
    learner = learner_of(user)
    cards = _module_cards(outline.modules, module_progress(outline, learner.lessons), learner.modules)
    done = sum(card.progress.done for card in cards)
    total = sum(card.progress.total for card in cards)
    next_path = min((c.progress.next_path for c in cards if c.progress.next_path and not c.locked_by), default=None)
    return {
        "modules": cards,
        "assessments": list(Page.objects.child_of(course).live().not_type(models.ModulePage).select_related("locale")),
        "progress": Progress(done, total, next_path),
        "enrolled": course.translation_key in learner.courses,
        "next_lesson": outline.listed_lesson_at(next_path) if next_path else None,
        "language_urls": outline.language_urls(course),
    }


def course_state(course, user, *, fresh=False):
    """The course's module cards (done and locks) for `user`, and whether they are enrolled;
    for pages of the course that are not modules (its final exam). Writes pass `fresh`."""
    outline = outline_at(course.path, fresh=fresh)
    learner = learner_of(user)
    cards = _module_cards(outline.modules, module_progress(outline, learner.lessons), learner.modules)
    return cards, course.translation_key in learner.courses


def module_state(module, user, *, fresh=False):
    """The module's course, its card among its siblings (progress and lock) and enrolment.
    Writes pass `fresh`, so that a lock is never judged on an outline that is out of date."""
    outline = outline_at(module.path[: -Page.steplen], fresh=fresh)
    return _module_state(outline, module, learner_of(user))


def _module_state(outline, module, learner):
    progress = module_progress(outline, learner.lessons)
    cards = _module_cards(outline.modules, progress, learner.modules)
    card = next((c for c in cards if c.page.pk == module.pk), None)
    if card is None:  # an unpublished module: not listed, but its live lessons are served
        card = Card(page=module, progress=progress.get(module.path, Progress()))
    card.enrolled = outline.course.translation_key in learner.courses
    return outline.course, card


def lesson_cards(outline, module_path, completed):
    return [
        Card(page=lesson, done=lesson.translation_key in completed)
        for lesson in outline.listed_lessons(module_path)
    ]


def module_outline(module, user):
    outline = _outline_showing(module.path[: -Page.steplen], module)
    learner = learner_of(user)
    course, card = _module_state(outline, module, learner)
    assessments = Page.objects.child_of(module).live().not_type(models.LessonPage).select_related("locale")
    return {
        "course": course,
        "card": card,
        "lessons": lesson_cards(outline, module.path, learner.lessons),
        "language_urls": outline.language_urls(module),
        "assessments": list(assessments),
    }


def lesson_context(lesson, user):
    module_path = lesson.path[: -Page.steplen]
    outline = _outline_showing(module_path[: -Page.steplen], lesson)
    module = outline.module_at(module_path) or models.ModulePage.objects.select_related(
        "locale", "prerequisite"
    ).get(path=module_path)
    learner = learner_of(user)
    course, card = _module_state(outline, module, learner)
    lessons = lesson_cards(outline, module_path, learner.lessons)
    index = next(i for i, c in enumerate(lessons) if c.page.pk == lesson.pk)
    return {
        "module": module,
        "course": course,
        "card": card,
        "lessons": lessons,
        "done": lessons[index].done,
        "previous_lesson": lessons[index - 1].page if index > 0 else None,
        "next_lesson": lessons[index + 1].page if index + 1 < len(lessons) else None,
        "language_urls": outline.language_urls(lesson),
    }


def dashboard(user):
    """The learner's enrolled courses in the active language, with progress and where to resume."""
    enrolments = models.Enrolment.objects.filter(user_id=user.pk)
    courses = list(
        models.CoursePage.objects.for_listing()
        .filter(translation_key__in=enrolments.values("course_key"), locale=Locale.get_active())
        .annotate(due_date=Subquery(enrolments.filter(course_key=OuterRef("translation_key")).values("due_date")[:1]))
        .order_by("path")
    )
    completed = completed_lesson_keys(user) if courses else frozenset()
    cards = []
    for course in courses:
        outline = outline_at(course.path)
        progress = progress_of(outline.all_lessons(), completed)
        next_lesson = outline.listed_lesson_at(progress.next_path) if progress.next_path else None
        cards.append(
            Card(page=course, progress=progress, enrolled=True, next_lesson=next_lesson, due_date=course.due_date)
        )
    return cards
