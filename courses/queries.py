"""Progress reads for pages and the dashboard.

Each function runs a fixed number of queries however many courses, modules, lessons or
learners there are: percentages come from one grouped aggregate over the lesson pages (grouped
by the tree path prefix of the course or module), never from a loop over progress rows.
"""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, Exists, Min, OuterRef, Q, Value
from django.db.models.functions import Substr
from wagtail.models import Locale, Page

from .models import CompletionRule, CoursePage, Enrolment, LessonPage, LessonProgress, ModuleCompletion, ModulePage


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


def completed_lesson_filter(user):
    """An expression that is true for lesson pages `user` has completed."""
    if not user.is_authenticated:
        return Value(False, output_field=BooleanField())
    return Exists(
        LessonProgress.objects.filter(user_id=user.pk, lesson_key=OuterRef("translation_key"))
    )


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
        Enrolment.objects.filter(user_id=user.pk, course_key__in=course_keys).values_list(
            "course_key", flat=True
        )
    )


def catalog_courses(catalog, user):
    courses = list(CoursePage.objects.child_of(catalog).for_listing())
    lessons = LessonPage.objects.live().descendant_of(catalog)
    progress = progress_by_prefix(user, lessons, catalog.depth + 1) if courses else {}
    enrolled = enrolled_course_keys(user, [c.translation_key for c in courses])
    return [
        Card(page=c, progress=progress.get(c.path, Progress()), enrolled=c.translation_key in enrolled)
        for c in courses
    ]


def completed_module_keys(user, modules):
    if not user.is_authenticated:
        return set()
    return set(
        ModuleCompletion.objects.filter(
            user_id=user.pk, module_key__in=[m.translation_key for m in modules]
        ).values_list("module_key", flat=True)
    )


def _module_cards(modules, progress, user):
    """Cards for sibling modules. A module is done when its lessons are (or, with an
    assessment, when that is passed); it is locked while its prerequisite is not done."""
    assessed = completed_module_keys(user, modules)
    done = {}
    for module in modules:
        if module.completion_rule == CompletionRule.ASSESSMENT:
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


def sibling_modules(course):
    return list(
        ModulePage.objects.child_of(course).for_listing().select_related("prerequisite")
    )


def course_outline(course, user):
    modules = sibling_modules(course)
    lessons = LessonPage.objects.live().descendant_of(course)
    progress = progress_by_prefix(user, lessons, course.depth + 1)
    cards = _module_cards(modules, progress, user)
    done = sum(card.progress.done for card in cards)
    total = sum(card.progress.total for card in cards)
    next_path = min((c.progress.next_path for c in cards if c.progress.next_path and not c.locked_by), default=None)
    return {
        "modules": cards,
        "progress": Progress(done, total, next_path),
        "enrolled": bool(enrolled_course_keys(user, [course.translation_key])),
        "next_lesson": LessonPage.objects.for_listing().filter(path=next_path).first() if next_path else None,
    }


def module_state(module, user):
    """The module's course, its card among its siblings (progress and lock) and enrolment."""
    course = CoursePage.objects.select_related("locale").get(path=module.path[: -Page.steplen])
    modules = sibling_modules(course)
    lessons = LessonPage.objects.live().descendant_of(course)
    cards = _module_cards(modules, progress_by_prefix(user, lessons, course.depth + 1), user)
    card = next(c for c in cards if c.page.pk == module.pk)
    card.enrolled = bool(enrolled_course_keys(user, [course.translation_key]))
    return course, card


def lesson_cards(module, user):
    lessons = LessonPage.objects.child_of(module).for_listing().annotate(
        is_done=completed_lesson_filter(user)
    )
    return [Card(page=lesson, done=lesson.is_done) for lesson in lessons]


def module_outline(module, user):
    course, card = module_state(module, user)
    assessments = Page.objects.child_of(module).live().not_type(LessonPage).select_related("locale")
    return {
        "course": course,
        "card": card,
        "lessons": lesson_cards(module, user),
        "assessments": list(assessments),
    }


def lesson_context(lesson, user):
    module = ModulePage.objects.select_related("locale", "prerequisite").get(
        path=lesson.path[: -Page.steplen]
    )
    course, card = module_state(module, user)
    lessons = lesson_cards(module, user)
    index = next(i for i, c in enumerate(lessons) if c.page.pk == lesson.pk)
    return {
        "module": module,
        "course": course,
        "card": card,
        "lessons": lessons,
        "done": lessons[index].done,
        "previous_lesson": lessons[index - 1].page if index > 0 else None,
        "next_lesson": lessons[index + 1].page if index + 1 < len(lessons) else None,
    }


def dashboard(user):
    """The learner's enrolled courses in the active language, with progress and where to resume."""
    keys = Enrolment.objects.filter(user_id=user.pk).values("course_key")
    courses = list(
        CoursePage.objects.for_listing()
        .filter(translation_key__in=keys, locale=Locale.get_active())
        .order_by("path")
    )
    if not courses:
        return []
    in_courses = Q()
    for course in courses:  # all courses sit at one depth: they are children of a catalog
        in_courses |= Q(path__startswith=course.path)
    lessons = LessonPage.objects.live().filter(in_courses)
    progress = progress_by_prefix(user, lessons, courses[0].depth)
    next_paths = [p.next_path for p in progress.values() if p.next_path]
    next_lessons = {
        page.path: page for page in LessonPage.objects.for_listing().filter(path__in=next_paths)
    }
    cards = []
    for course in courses:
        course_progress = progress.get(course.path, Progress())
        cards.append(
            Card(
                page=course,
                progress=course_progress,
                enrolled=True,
                next_lesson=next_lessons.get(course_progress.next_path),
            )
        )
    return cards
