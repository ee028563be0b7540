"""The course tree (catalog → course → module → lesson) and each learner's progress in it.

Progress rows are keyed by the pages' Wagtail `translation_key`, not their ids: a course read
half in Chinese and half in English is one course, with one enrolment and one set of
completed lessons.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageManager, PageQuerySet

from content.blocks import LessonBodyBlock
from content.markdown import render_markdown
from content.site_cache import CachedRouteMixin

from . import queries


class CourseTreeQuerySet(PageQuerySet):
    def for_listing(self):
        """What a listing card reads: the page, its locale (for the URL) and nothing else."""
        return self.live().public().select_related("locale")


CourseTreeManager = PageManager.from_queryset(CourseTreeQuerySet)


class CatalogPage(CachedRouteMixin, Page):
    """The site's root in each language: the list of courses."""

    intro = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CoursePage"]
    cache_for_anonymous = True

    class Meta:
        verbose_name = _("course catalog")
        verbose_name_plural = _("course catalogs")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["intro_html"] = render_markdown(self.intro)
        context["courses"] = queries.catalog_courses(self, request.user)
        return context

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        response.cache_for_anonymous = self.cache_for_anonymous
        return response

    def route(self, request, path_components):
        """Find the page a URL names with one lookup by `url_path`, where Wagtail's walk costs
        two queries per level (a lesson: six). Not found: Wagtail's walk, which 404s or lets
        a page with its own routing answer."""
        if path_components:
            url_path = f"{self.url_path}{'/'.join(path_components)}/"
            page = Page.objects.filter(url_path=url_path, path__startswith=self.path).first()
            if page is not None:
                if page.depth == self.depth + 1:
                    page._cached_parent_obj = self  # as Wagtail's walk does: get_parent() is free
                return page.specific.route(request, [])
        return super().route(request, path_components)


class CoursePage(CachedRouteMixin, Page):
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    intro = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))

    objects = CourseTreeManager()

    content_panels = Page.content_panels + [FieldPanel("summary"), FieldPanel("intro")]
    parent_page_types = ["courses.CatalogPage"]
    subpage_types = ["courses.ModulePage", "quizzes.QuizPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["intro_html"] = render_markdown(self.intro)
        context.update(queries.course_outline(self, request.user))
        return context


class CompletionRule(models.TextChoices):
    LESSONS = "lessons", _("All lessons completed")
    ASSESSMENT = "assessment", _("Its assessment passed")


class ModulePage(CachedRouteMixin, Page):
    introduction = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))
    learning_objectives = models.TextField(
        _("learning objectives"), blank=True, help_text=_("One objective per line.")
    )
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=60)
    prerequisite = models.ForeignKey(
        "courses.ModulePage",
        verbose_name=_("prerequisite module"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A module of the same course that must be finished first."),
    )
    completion_rule = models.CharField(
        _("done when"),
        max_length=12,
        choices=CompletionRule.choices,
        default=CompletionRule.LESSONS,
        help_text=_("With an assessment (a quiz), the module is done when the quiz is passed."),
    )

    objects = CourseTreeManager()

    content_panels = Page.content_panels + [
        FieldPanel("introduction"),
        FieldPanel("learning_objectives"),
        FieldPanel("estimated_minutes"),
        PageChooserPanel("prerequisite", "courses.ModulePage"),
        FieldPanel("completion_rule"),
    ]
    parent_page_types = ["courses.CoursePage"]
    # Assessments (quizzes) come from an app that builds on this one, hence the string.
    subpage_types = ["courses.LessonPage", "quizzes.QuizPage"]

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    @property
    def objectives(self):
        return [line.strip() for line in self.learning_objectives.splitlines() if line.strip()]

    def clean(self):
        super().clean()
        if self.prerequisite_id and self.prerequisite_id == self.pk:
            raise ValidationError({"prerequisite": _("A module cannot require itself.")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["introduction_html"] = render_markdown(self.introduction)
        context.update(queries.module_outline(self, request.user))
        return context


class LessonPage(CachedRouteMixin, Page):
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=15)
    body = StreamField(LessonBodyBlock(), verbose_name=_("body"), blank=True)
    skills = ParentalManyToManyField("content.Skill", blank=True, related_name="lessons", verbose_name=_("skills"),
                                     help_text=_("The skills this lesson teaches: a trainee weak in one is sent here."))

    objects = CourseTreeManager()

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("body"),
        FieldPanel("skills", widget=forms.CheckboxSelectMultiple),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(queries.lesson_context(self, request.user))
        return context


class Enrolment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course_key = models.UUIDField(_("course"), help_text=_("The course's translation key."))
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, help_text=_("Set by an assignment."))
    assignment = models.ForeignKey(
        "courses.Assignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course_key"], name="courses_enrolment_one_per_course"
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.course_key}"


class Assignment(models.Model):
    """HR requires a course of a person or of a whole department (and its sub-departments) by
    a due date. Assigning enrols everyone it covers; each enrolment carries the due date."""

    course_key = models.UUIDField(_("course"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="assignments", verbose_name=_("person"),
    )
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.CASCADE,
        related_name="assignments", verbose_name=_("department"),
    )
    due_date = models.DateField(_("due date"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) ^ models.Q(department__isnull=False),
                name="courses_assignment_person_or_department",
            )
        ]


class LessonProgress(models.Model):
    """One row per person and completed lesson."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson_key = models.UUIDField(_("lesson"), help_text=_("The lesson's translation key."))
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson_key"], name="courses_lessonprogress_one_per_lesson"
            )
        ]

    def __str__(self):
        return f"{self.user} ✓ {self.lesson_key}"


class ModuleCompletion(models.Model):
    """A module done by its assessment (recorded by the app that grades it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_completions"
    )
    module_key = models.UUIDField(_("module"), help_text=_("The module's translation key."))
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("module completion")
        verbose_name_plural = _("module completions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module_key"], name="courses_modulecompletion_one_per_module"
            )
        ]


class CurriculumRecord(models.Model):
    """What `load_curriculum` last wrote to a page, so that a re-run can tell an unchanged
    source (skip) from an instructor's later edit (keep, unless forced)."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="+")
    source_digest = models.CharField(max_length=64)
    revision_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("curriculum record")
        verbose_name_plural = _("curriculum records")


class LessonSearchEntry(models.Model):
    """A live lesson's text as search reads it (courses.search): written when the lesson is
    published, removed when it is unpublished, deleted with its page. Matching and ranking read
    the lower-cased `*_folded` copies, so both databases compare the same characters; `body`
    keeps its case for the snippet. Migration 0006 adds the database's substring index: on
    SQLite an FTS5 trigram table kept in step by triggers (a migration that rebuilds this table
    must create them again), on PostgreSQL pg_trgm GIN indexes."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="+")
    title_folded = models.CharField(max_length=255)
    body = models.TextField()
    body_folded = models.TextField()

    class Meta:
        verbose_name = _("lesson search entry")
        verbose_name_plural = _("lesson search entries")
