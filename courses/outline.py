"""What a course looks like, the same for every learner: its modules in order, each module's
lessons, and what each module needs first.

Every learner page reads it and adds only the learner's own rows (completed lessons, enrolment,
assessed modules), so a lesson or the dashboard costs a few small queries rather than a
listing, a grouped aggregate and a privacy check per request. It is built in a fixed number
of queries and kept in the cache under the content version (content.cache_keys), which
publishing, unpublishing, moving or deleting a page and changing a page's privacy advance;
reading it costs one cache round trip (the version and the outline together).

An in-process cache is not shared between an app server's workers: one that did not handle the
change keeps its copy for at most COURSE_OUTLINE_CACHE_SECONDS (with REDIS_URL there is one
cache and no such delay). A reader that finds its page missing from a copy rebuilds it. Writes
(courses.api, starting a quiz) read a fresh outline: the cached copy only if its stamp, what
the database held when it was built, is still what the database holds (one query), else one
built now; so no cache, shared or not, can let a lock be judged on an out-of-date course.
"""

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.db import connection
from wagtail.models import Page, PageViewRestriction

from content import cache_keys

from . import models


@dataclass
class Outline:
    course: "models.CoursePage"  # a string: this module loads while courses.models is still being defined
    modules: list  # listed (live, public) modules in order, with their prerequisite loaded
    lessons: dict  # parent path → its live lessons in order, bodies not loaded
    hidden: frozenset = field(default_factory=frozenset)  # live lessons in restricted sections
    translations: dict = field(default_factory=dict)  # translation key → {language: URL}
    stamp: str | None = None  # `stamp(course path)`, read just before it was built

    def module_at(self, path):
        return next((module for module in self.modules if module.path == path), None)

    def lessons_in(self, module_path):
        """All live lessons under the module (they count towards progress)."""
        return self.lessons.get(module_path, [])

    def listed_lessons(self, module_path):
        """The lessons a reader sees in the module's list."""
        return [lesson for lesson in self.lessons_in(module_path) if lesson.pk not in self.hidden]

    def all_lessons(self):
        return [lesson for path in sorted(self.lessons) for lesson in self.lessons[path]]

    def listed_lesson_at(self, path):
        listed = self.listed_lessons(path[: -Page.steplen])
        return next((lesson for lesson in listed if lesson.path == path), None)

    def language_urls(self, page):
        """{language: URL} of the live translations of the course or one of its pages, for the
        language switcher (content.templatetags); None if `page` is not in the outline."""
        return self.translations.get(page.translation_key)

    def contains(self, page):
        """Whether `page` (a module or a lesson of this course) was live when this was built."""
        if any(module.pk == page.pk for module in self.modules):
            return True
        return any(lesson.pk == page.pk for lesson in self.lessons_in(page.path[: -Page.steplen]))


def build_outline(course):
    """Read the outline from the page tree: four queries, whatever the course's size.
    Listed means what `for_listing()` returns: live and outside view-restricted sections."""
    restricted = tuple(PageViewRestriction.objects.values_list("page__path", flat=True))
    modules = models.ModulePage.objects.child_of(course).live().select_related("locale", "prerequisite")
    lessons = {}
    for lesson in models.LessonPage.objects.live().descendant_of(course).defer("body").order_by("path"):
        lessons.setdefault(lesson.path[: -Page.steplen], []).append(lesson)
    outline = Outline(
        course=course,
        modules=[module for module in modules if not module.path.startswith(restricted)],
        lessons=lessons,
        hidden=frozenset(
            lesson.pk for group in lessons.values() for lesson in group if lesson.path.startswith(restricted)
        ),
    )
    keys = [course.translation_key, *(m.translation_key for m in modules)]
    keys += [lesson.translation_key for group in lessons.values() for lesson in group]
    translated = (
        Page.objects.filter(translation_key__in=keys, live=True)
        .select_related("locale")
        .only("translation_key", "url_path", "locale__language_code")
    )
    for page in translated:
        outline.translations.setdefault(page.translation_key, {})[page.locale.language_code] = page.url
    return outline


def outline_at(course_path, *, fresh=False):
    """The outline of the course at `course_path`, from the cache. With `fresh`, only a copy
    whose stamp matches the database now, else one built now."""
    key = cache_keys.outline_key(course_path)
    outline, version = cache_keys.read(key, keep=settings.COURSE_OUTLINE_CACHE_SECONDS)
    now = stamp(course_path) if fresh or outline is None else None
    if outline is not None and (not fresh or outline.stamp == now):
        return outline
    # The stamp is read before the rows: a change committed while they are read makes the
    # database differ from it, so a fresh read rebuilds rather than trust this copy.
    outline = build_outline(models.CoursePage.objects.select_related("locale").get(path=course_path))
    outline.stamp = now
    cache_keys.store(key, outline, version, settings.COURSE_OUTLINE_CACHE_SECONDS, keep=True)
    return outline


def stamp(course_path):
    """What an outline is built from, as the database holds it now: each page of the course's
    tree (id, path, live, when last published) and the path of every privacy restriction, as
    one text. Publishing sets the time (a new prerequisite, lesson or title is published),
    unpublishing the live flag, moving the paths, deleting the rows; so equal stamps mean the
    same modules, lessons, prerequisites and privacy. One statement, one row."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql(), [course_path + "%"] if postgres else [course_path, course_path + "~"])
        return cursor.fetchone()[0] or ""


@cache
def _stamp_sql():
    qn = connection.ops.quote_name
    pages, restrictions = qn(Page._meta.db_table), qn(PageViewRestriction._meta.db_table)
    postgres = connection.vendor == "postgresql"
    live, published = ("live::int", "last_published_at::text") if postgres else ("live", "last_published_at")
    # Tree paths are [0-9A-Z]: nothing to escape in the LIKE prefix, and on SQLite (whose LIKE
    # ignores case, so no index) the tree is the range from the course's path to it + "~".
    subtree = "path LIKE %s" if postgres else "path >= %s AND path < %s"
    rows = (
        f"SELECT 'p' || id || ':' || path || ':' || {live} || ':' || COALESCE({published}, '') AS s"
        f" FROM {pages} WHERE {subtree}"
        f" UNION ALL SELECT 'r' || r.id || ':' || p.path FROM {restrictions} r JOIN {pages} p ON p.id = r.page_id"
    )
    if postgres:
        return f"SELECT string_agg(s, ',' ORDER BY s) FROM ({rows}) t"
    return f"SELECT group_concat(s, ',') FROM ({rows} ORDER BY 1)"  # in order, or a needless rebuild
