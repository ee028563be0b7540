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
    with_quizzes: bool = False  # counts module quizzes as steps besides lessons (`module_steps`)

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
    steps: Progress | None = None  # what its progress bar shows (`module_steps`); None: `progress`

    @property
    def bar(self):
        return self.steps or self.progress

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
    learner = learner_of(user) if courses else Learner()
    cards = []
    for course in courses:
        card = Card(page=course, progress=progress.get(course.path, Progress()),
                    enrolled=course.translation_key in learner.courses)
        if card.enrolled:  # the bar counts what the course page's does (steps, from the cached outline)
            card.steps = course_progress(course_cards(outline_at(course.path), learner))
        cards.append(card)
    return cards


def module_steps(lessons, assessed, done):
    """What a module's progress bar counts: the steps to completing it, so that the bar is full
    exactly when the module is done. Its lessons; with an assessment the quiz is one more step,
    and passing it (which is what completes the module) fills the bar, lessons read or not."""
    if not assessed:
        return lessons
    total = lessons.total + 1
    if done:
        return Progress(total, total, None, with_quizzes=True)
    return Progress(lessons.done, total, lessons.next_path, with_quizzes=True)


def _module_cards(modules, progress, assessed):
    """Cards for sibling modules. A module is done when its lessons are (or, with an
    assessment, when that is passed: its key is in `assessed`); it is locked while its
    prerequisite is not done. `progress` counts lessons, `bar` the steps (`module_steps`)."""
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
        lessons = progress.get(module.path, Progress())
        is_done = done[module.translation_key]
        cards.append(
            Card(
                page=module,
                progress=lessons,
                done=is_done,
                locked_by=prerequisite if locked else None,
                steps=module_steps(lessons, module.completion_rule == models.CompletionRule.ASSESSMENT, is_done),
            )
        )
    return cards


def course_progress(cards):
    """The course's bar: its modules' steps added up; where to resume skips done and locked modules."""
    bars = [card.bar for card in cards]
    next_path = min((bar.next_path for card, bar in zip(cards, bars, strict=True)
                     if bar.next_path and not card.locked_by and not card.done), default=None)
    return Progress(sum(bar.done for bar in bars), sum(bar.total for bar in bars), next_path,
                    with_quizzes=any(bar.with_quizzes for bar in bars))


def course_cards(outline, learner):
    return _module_cards(outline.modules, module_progress(outline, learner.lessons), learner.modules)


def _outline_showing(course_path, page):
    """The cached outline of the course, or a fresh one if it predates `page` (published since)."""
    outline = outline_at(course_path)
    return outline if outline.contains(page) else outline_at(course_path, fresh=True)


def course_outline(course, user):
    outline = outline_at(course.path)
    learner = learner_of(user)
    cards = course_cards(outline, learner)
    progress = course_progress(cards)
    next_path = progress.next_path
    return {
        "modules": cards,
        "assessments": list(Page.objects.child_of(course).live().not_type(models.ModulePage).select_related("locale")),
        "progress": progress,
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
    if not any(c.page.pk == lesson.pk for c in lessons):
        # A lesson in a private section (Wagtail has let this reader in) is not listed, the
        # sidebar shows it among the listed ones all the same.
        lessons.append(Card(page=lesson, done=lesson.translation_key in learner.lessons))
        lessons.sort(key=lambda c: c.page.path)
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
    learner = learner_of(user) if courses else Learner()
    cards = []
    for course in courses:
        outline = outline_at(course.path)
        progress = course_progress(course_cards(outline, learner))
        next_lesson = outline.listed_lesson_at(progress.next_path) if progress.next_path else None
        cards.append(
            Card(page=course, progress=progress, enrolled=True, next_lesson=next_lesson, due_date=course.due_date)
        )
    return cards
