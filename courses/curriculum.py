"""Write the curriculum files into the page tree: zh-hans pages, each with its en translation.

One transaction: either every page is written or none is. A page is rewritten only when its
source changed, and never over an instructor's edit unless `force` is given.
"""

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from content.curriculum import LANGUAGES, CourseSource, read_curriculum
from content.models import Skill
from content.skills import write_skills

from . import downloads
from .models import CatalogPage, CompletionRule, CoursePage, CurriculumRecord, LessonPage, ModulePage
from .signals import curriculum_written

CATALOG_TITLE = {"zh-hans": "课程", "en": "Courses"}
CATALOG_INTRO = {
    "zh-hans": "面向产品与用户运营岗位的系统课程：读课文、做测验、拿证书。",
    "en": "Structured training for product and user operations: read, practise, get certified.",
}


@dataclass
class LoadReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: int = 0
    kept_edits: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # counts added by curriculum_written receivers

    @property
    def changed(self):
        return bool(self.created or self.updated)


class PageWriter:
    def __init__(self, force, report):
        self.force, self.report = force, report
        self.records = {r.page_id: r for r in CurriculumRecord.objects.all()}
        self.locales = {lang: Locale.objects.get_or_create(language_code=lang)[0] for lang in LANGUAGES}

    def write(self, model, parent, lookup, source, fields):
        """Create or update the page of `model` under `parent` found by `lookup`. `source` is
        any text that changes with the page's source; its hash is what the record keeps, which
        fits the record's 64 characters however long the text (PostgreSQL enforces them)."""
        digest = hashlib.sha256(source.encode()).hexdigest()
        page = model.objects.child_of(parent).filter(**lookup).first()
        if page is None:
            page = model(**lookup, **fields)
            parent.add_child(instance=page)
            revision = page.save_revision()
            revision.publish()
            self._remember(page, digest, revision)
            self.report.created.append(page)
            return page
        record = self.records.get(page.pk)
        if record and record.source_digest == digest:
            self.report.unchanged += 1
            return page
        if record and page.latest_revision_id != record.revision_id and not self.force:
            self.report.kept_edits.append(page)
            return page
        for name, value in fields.items():
            setattr(page, name, value)
        revision = page.save_revision()
        revision.publish()
        self._remember(page, digest, revision)
        self.report.updated.append(page)
        return page

    def _remember(self, page, digest, revision):
        record, _ = CurriculumRecord.objects.update_or_create(
            page=page, defaults={"source_digest": digest, "revision_id": revision.pk}
        )
        self.records[page.pk] = record


def load_curriculum(directory=None, *, force=False) -> LoadReport:
    """Read and validate every file first (raising CurriculumError), then write."""
    source = read_curriculum(directory or settings.CURRICULUM_DIR)
    return write_curriculum(source, force=force)


@transaction.atomic
def write_curriculum(source: CourseSource, *, force=False) -> LoadReport:
    report = LoadReport()
    writer = PageWriter(force, report)
    if source.skills is not None:  # first: questions and lessons name these skills
        report.extra.update({f"framework {name}": count for name, count in write_skills(source.skills).items()})
    root = Page.get_first_root_node()
    catalogs = {}
    for lang in LANGUAGES:
        translation_of = catalogs.get(LANGUAGES[0])
        catalogs[lang] = writer.write(
            CatalogPage,
            root,
            {"locale": writer.locales[lang]},
            f"catalog:{CATALOG_TITLE[lang]}:{CATALOG_INTRO[lang]}",
            {
                "title": CATALOG_TITLE[lang],
                "slug": f"courses-{lang}",
                "intro": CATALOG_INTRO[lang],
                **({"translation_key": translation_of.translation_key} if translation_of else {}),
            },
        )
    _point_site_at(catalogs[LANGUAGES[0]])

    documents = downloads.write_templates(source.templates, report) if source.templates else {}

    def templates_list(lang):  # the course introduction ends with the templates to download
        return "\n\n" + downloads.course_section(source.templates, documents, lang) if source.templates else ""

    courses = _translated(
        writer, CoursePage, catalogs, source.slug, lambda lang: source.digest(lang) + templates_list(lang),
        lambda lang: {
            "title": source.title[lang],
            "summary": source.summary[lang],
            "intro": source.introduction[lang].rstrip() + templates_list(lang),
        })
    modules_by_slug, lessons = {}, {}
    for module in source.modules:
        modules = _translated(writer, ModulePage, courses, module.slug, module.digest, lambda lang: {
            "title": module.title[lang],
            "introduction": module.introduction[lang],
            "learning_objectives": "\n".join(module.objectives[lang]),
            "estimated_minutes": module.estimated_minutes,
            "prerequisite": modules_by_slug[module.prerequisite][lang] if module.prerequisite else None,
            "completion_rule": CompletionRule.ASSESSMENT if module.questions else CompletionRule.LESSONS,
        })
        modules_by_slug[module.slug] = modules
        for lesson in module.lessons:
            lessons[module.slug, lesson.slug] = _translated(
                writer, LessonPage, modules, lesson.slug,
                lambda lang: lesson.digest(lang) + downloads.links(lesson.texts[lang].body, documents, lang),
                lambda lang: {
                    "title": lesson.texts[lang].title,
                    "summary": lesson.texts[lang].summary,
                    "estimated_minutes": lesson.texts[lang].estimated_minutes,
                    "body": downloads.resolve_body(lesson.texts[lang].body, documents, lang),
                })
    if source.skills is not None:
        _link_lessons_to_skills(source.skills, lessons)
    curriculum_written.send(
        sender=CourseSource, source=source, pages={"course": courses, **modules_by_slug},
        writer=writer, report=report,
    )
    return report


def _link_lessons_to_skills(skills, lessons):
    """Each lesson (both languages) teaches exactly the skills whose `lessons:` name it."""
    taught = {}
    for skill in skills.skills:
        for module, lesson, _line in skill.lessons:
            taught.setdefault((module, lesson), set()).add(skill.slug)
    ids = dict(Skill.objects.values_list("slug", "pk"))
    through = LessonPage.skills.through
    pages = {page.pk: key for key, by_lang in lessons.items() for page in by_lang.values()}
    through.objects.filter(lessonpage_id__in=pages).delete()
    through.objects.bulk_create(
        through(lessonpage_id=pk, skill_id=ids[slug]) for pk, key in pages.items() for slug in taught.get(key, ()))


def _translated(writer, model, parents, slug, digest_for, fields_for):
    """Write the page in every language; translations share the first one's key."""
    pages = {}
    for lang in LANGUAGES:
        fields = fields_for(lang)
        if pages:
            fields["translation_key"] = pages[LANGUAGES[0]].translation_key
        pages[lang] = writer.write(
            model, parents[lang], {"slug": slug, "locale": writer.locales[lang]}, digest_for(lang), fields
        )
    return pages


def _point_site_at(catalog):
    """The default site serves the catalog; Wagtail's placeholder welcome page goes."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", root_page=catalog, is_default_site=True, site_name="Ops Academy")
        return
    if site.root_page_id != catalog.pk:
        old_root = site.root_page
        site.root_page = catalog
        site.site_name = "Ops Academy"
        site.save()
        if type(old_root.specific) is Page and not old_root.get_children().exists():
            old_root.delete()
