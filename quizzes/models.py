"""Question banks, quizzes and attempts.

Questions are translatable snippets with revisions; their answers are child rows in the Moodle
way: one table serves every type (the meaning of `text`, `fraction`, `match` and `tolerance`
depends on the question type, see `QuestionAnswer`). An attempt freezes each question it was
given as a JSON snapshot of that revision (`AttemptQuestion.spec`), so editing a question never
changes a grade, and grading reads nothing but the attempt's own rows.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, Page, RevisionMixin, TranslatableMixin
from wagtail.search import index

from content.models import Skill

from . import queries
from .forms import QuestionForm


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_RESPONSE = "multiple_response", _("Multiple response")
    TRUE_FALSE = "true_false", _("True/false")
    NUMERIC = "numeric", _("Numeric")
    SHORT_TEXT = "short_text", _("Short text")
    ORDERING = "ordering", _("Ordering")
    MATCHING = "matching", _("Matching")
    CALCULATED = "calculated", _("Calculated")
    SQL = "sql", _("SQL lab")
    ESSAY = "essay", _("Essay (graded by a person)")


class Difficulty(models.TextChoices):
    EASY = "easy", _("Easy")
    MEDIUM = "medium", _("Medium")
    HARD = "hard", _("Hard")


class QuestionBank(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)

    panels = [FieldPanel("title"), FieldPanel("slug")]

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["slug"]

    def __str__(self):
        return self.title


class QuestionTag(TaggedItemBase):
    """Skills a question tests; quizzes can draw by tag."""

    content_object = ParentalKey("quizzes.Question", on_delete=models.CASCADE, related_name="tagged_items")


class Question(TranslatableMixin, RevisionMixin, index.Indexed, ClusterableModel):
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="questions", verbose_name=_("bank"))
    key = models.SlugField(_("key"), max_length=80, help_text=_("Stable identifier, the same in every language."))
    name = models.CharField(_("name"), max_length=255, blank=True,
                            help_text=_("The question's name in Moodle, kept on import and written back on export."))
    question_type = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    stem = models.TextField(_("question"), help_text=_("Markdown."))
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Markdown, shown after grading."))
    points = models.DecimalField(pgettext_lazy("score", "points"), max_digits=6, decimal_places=2, default=Decimal("1"),
                                 validators=[MinValueValidator(Decimal("0.01"))])
    difficulty = models.CharField(_("difficulty"), max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    units = models.CharField(_("accepted units"), max_length=200, blank=True,
                             help_text=_("Numeric questions: comma-separated units a trainee may type after the "
                                         "number, e.g. %, 元."))
    calculation = models.JSONField(
        _("calculation"), default=dict, blank=True,
        help_text=_('Calculated questions: the wildcards\' datasets and the answer display, e.g. {"datasets": '
                    '[{"name": "visitors", "min": 1000, "max": 50000, "decimals": 0}], "display": {"format": '
                    '"decimals", "length": 2}}. Each answer is a formula such as {orders} / {visitors} * 100; '
                    'Match holds the tolerance kind (relative, nominal or geometric).'))
    lab = models.JSONField(
        _("SQL lab"), default=dict, blank=True,
        help_text=_('SQL labs: the dataset and how results are compared, e.g. {"dataset": "shop", '
                    '"check_column_names": false, "check_column_order": true, "tolerance": 0.000001}. The one '
                    'answer holds the reference query.'))
    essay = models.JSONField(
        _("essay"), default=dict, blank=True,
        help_text=_('Essays: attachments allowed and required, the answer template, notes for graders and the '
                    'rubric, e.g. {"attachments": 2, "rubric": [{"key": "goal", "title": "Clear goal", '
                    '"levels": [{"points": 0, "title": "Missing"}, {"points": 2, "title": "Measurable"}]}]}. '
                    'Without a rubric the grader gives points directly. Essays have no answers.'))
    skills = ParentalManyToManyField(
        "content.Skill", blank=True, related_name="questions", verbose_name=_("skills"),
        help_text=_("The skills of the framework this question is evidence of (content/curriculum/skills.yaml)."))
    tags = ClusterTaggableManager(through=QuestionTag, blank=True, verbose_name=_("tags"),
                                  help_text=_("Free labels, e.g. from imported files; quizzes can draw by tag."))
    live = models.BooleanField(_("in use"), default=True, help_text=_("Retired questions are no longer drawn."))
    updated_at = models.DateTimeField(auto_now=True)
    # What load_curriculum last wrote, so a re-run skips unchanged questions and keeps edits.
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    source_revision_id = models.BigIntegerField(null=True, blank=True, editable=False)

    panels = [
        FieldRowPanel([FieldPanel("bank"), FieldPanel("key"), FieldPanel("name")]),
        FieldRowPanel([FieldPanel("question_type"), FieldPanel("difficulty"), FieldPanel("points")]),
        FieldPanel("stem"),
        InlinePanel("answers", heading=_("Answers"), label=_("answer"), help_text=_(
            "Choice types: one row per choice with its fraction (1 = right; multiple response: right "
            "picks share 1, wrong picks negative). True/false: two rows, texts 'true' and 'false'. "
            "Numeric: the value in Text, with Tolerance. Short text: one row per accepted answer. "
            "Ordering: the items in the right order. Matching: Text and its Match (a Match without Text is a "
            "distractor, one more to choose from). Calculated: a formula "
            "in Text, its Tolerance, and the tolerance kind in Match.")),
        FieldPanel("units"),
        FieldPanel("calculation"),
        FieldPanel("lab"),
        FieldPanel("essay"),
        FieldPanel("explanation"),
        MultiFieldPanel([FieldPanel("skills", widget=forms.CheckboxSelectMultiple), FieldPanel("tags"),
                         FieldPanel("live")], heading=_("Use")),
    ]
    search_fields = [index.SearchField("stem"), index.SearchField("key"), index.FilterField("locale")]
    base_form_class = QuestionForm

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["key", "locale"], name="quizzes_question_unique_key_per_locale"),
        ]
        # What a draw reads of each candidate (queries.draw_candidates), without the question's
        # text: an exam start read ~70 pages of question rows for it, under load on every start
        indexes = [models.Index(fields=["bank", "locale", "live", "translation_key"], name="quizzes_question_draw")]

    def __str__(self):
        return f"{self.key} · {self.stem[:60]}"

    def clean(self):
        super().clean()
        from .validation import question_errors

        answers = [a for a in self.answers.all() if not getattr(a, "DELETE", False)]
        errors = question_errors(self.question_type, [a.as_data() for a in answers], self.calculation, self.lab,
                                 self.essay)
        errors += self._unknown_criterion_skills()
        if errors:
            raise ValidationError({"question_type": errors})


    def _unknown_criterion_skills(self):
        """Rubric criteria name skills by slug (the curriculum loader checks them too): one that
        is not in the framework would silently count for nothing."""
        rubric = (self.essay or {}).get("rubric", []) if isinstance(self.essay, dict) else []
        named = {slug for c in rubric if isinstance(c, dict) and isinstance(c.get("skills"), list)
                 for slug in c["skills"] if isinstance(slug, str)}
        unknown = sorted(named - set(Skill.objects.filter(slug__in=named).values_list("slug", flat=True)))
        if not unknown:
            return []
        return [_("The rubric names skills that are not in the framework: %(slugs)s.") % {"slugs": ", ".join(unknown)}]


class QuestionAnswer(Orderable):
    """One answer row. Per type: choice text and fraction (choice types, true/false), a value
    and tolerance (numeric), an accepted answer (short text), an item in its right place
    (ordering), or a left item with its `match` (matching)."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("text"), blank=True)  # blank: a matching distractor (a match without an item)
    fraction = models.DecimalField(_("fraction"), max_digits=6, decimal_places=5, default=Decimal("0"),
                                   validators=[MinValueValidator(Decimal("-1")), MaxValueValidator(Decimal("1"))])
    feedback = models.TextField(_("feedback"), blank=True)
    match = models.CharField(_("match"), max_length=500, blank=True)
    tolerance = models.DecimalField(_("tolerance"), max_digits=14, decimal_places=6, null=True, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("text"), FieldPanel("fraction")]),
        FieldRowPanel([FieldPanel("match"), FieldPanel("tolerance")]),
        FieldPanel("feedback"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def as_data(self):
        return {
            "id": self.pk,
            "text": self.text,
            "fraction": float(self.fraction),
            "feedback": self.feedback,
            "match": self.match,
            "tolerance": float(self.tolerance) if self.tolerance is not None else None,
        }


class GradingMethod(models.TextChoices):
    HIGHEST = "highest", _("Highest attempt")
    LATEST = "latest", _("Latest attempt")


class ReviewPolicy(models.TextChoices):
    SCORE = "score", _("Score only")
    ANSWERS = "answers", _("Score and right answers")
    FEEDBACK = "feedback", _("Full feedback")
    AFTER_CLOSE = "after_close", _("Nothing until the quiz closes")


class AnswersShown(models.TextChoices):
    """When a review may show right answers (and the feedback and explanations that give them
    away); before that it shows the score. Moodle's "later, while the quiz is still open"."""

    PASSED_OR_CLOSED = "passed_or_closed", _("In a passing attempt's review, or once the quiz closes")
    CLOSED = "closed", _("Once the quiz closes")
    ALWAYS = "always", _("In every attempt's review")


class QuizPage(Page):
    """A module's quiz, or (under a course) the final exam drawing from several banks."""

    intro = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=60, validators=[MaxValueValidator(100)])
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=0, help_text=_("0 = unlimited."))
    wait_minutes = models.PositiveIntegerField(_("wait between attempts (minutes)"), default=0)
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), default=0, help_text=_("0 = untimed."))
    grading_method = models.CharField(
        _("grade"), max_length=10, choices=GradingMethod.choices, default=GradingMethod.HIGHEST
    )
    review_policy = models.CharField(
        _("after submission show"), max_length=12, choices=ReviewPolicy.choices, default=ReviewPolicy.FEEDBACK
    )
    answers_shown = models.CharField(
        _("show right answers"), max_length=20, choices=AnswersShown.choices, default=AnswersShown.PASSED_OR_CLOSED,
        help_text=_("Until then a review shows the score only, so blank attempts cannot collect a bank's answers."))
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=True)
    requires_lessons_complete = models.BooleanField(
        _("only after every lesson is read"), default=True,
        help_text=_("Module quiz: locked until the trainee has completed every lesson of its module, so "
                    "passing it (and its certificate) means the module was studied as well as tested."))
    requires_modules_complete = models.BooleanField(
        _("only after every module is done"), default=True,
        help_text=_("Final exam (a quiz under the course): locked until the trainee has completed every "
                    "module. Enrolment in the course is always required."))
    blind_grading = models.BooleanField(
        _("blind grading"), default=False,
        help_text=_("Graders see essays without the trainee's name, as a submission number."))

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel("draws", heading=_("Questions drawn per attempt"), label=_("draw"), min_num=1),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("max_attempts"), FieldPanel("wait_minutes")]),
            FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("grading_method")]),
            FieldRowPanel([FieldPanel("review_policy"), FieldPanel("answers_shown"), FieldPanel("closes_at")]),
            FieldRowPanel([FieldPanel("shuffle_choices"), FieldPanel("requires_lessons_complete"),
                           FieldPanel("requires_modules_complete"), FieldPanel("blind_grading")]),
        ], heading=_("Settings")),
    ]
    parent_page_types = ["courses.ModulePage", "courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(queries.quiz_page_state(self, request.user))
        return context


class QuizDraw(Orderable):
    """Draw `count` questions from a bank (optionally only those tagged with a skill)."""

    quiz = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="draws")
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="+", verbose_name=_("bank"))
    tag = models.CharField(_("only with skill"), max_length=100, blank=True)
    count = models.PositiveSmallIntegerField(_("questions"), default=10, validators=[MinValueValidator(1)])

    panels = [FieldRowPanel([FieldPanel("bank"), FieldPanel("tag"), FieldPanel("count")])]


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")
    AWAITING = "awaiting", _("Awaiting grading")


class Attempt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey(QuizPage, on_delete=models.PROTECT, related_name="attempts")
    quiz_key = models.UUIDField(help_text=_("The quiz's translation key: attempts count across languages."))
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS)
    started_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateTimeField(
        null=True, blank=True, help_text=_("Time limit end (with accommodation); grace not included.")
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.CharField(max_length=10, blank=True, help_text=_("submit, deadline or sweep"))
    score = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=3, default=Decimal("0"))
    percent = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz_key", "number"], name="quizzes_attempt_unique_number"),
            models.UniqueConstraint(
                fields=["user", "quiz_key"],
                condition=models.Q(status="in_progress"),
                name="quizzes_attempt_one_open_per_quiz",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="quizzes_attempt_open_deadline")]
        permissions = [("grade_attempt", _("Can grade essays"))]

    def __str__(self):
        return f"{self.user} · {self.quiz_key} #{self.number}"

    @property
    def is_open(self):
        return self.status == AttemptStatus.IN_PROGRESS

    @property
    def is_graded(self):
        return self.status == AttemptStatus.FINISHED

    @property
    def awaits_grading(self):
        return self.status == AttemptStatus.AWAITING


class AttemptQuestion(models.Model):
    # No index of their own (migration 0015): the unique (attempt, position) index finds an
    # attempt's questions, and nothing looks questions up by revision but deleting a revision,
    # a maintenance job that may scan. Each index costs an exam start a page written per drawn
    # question, so these two were a third of a start's writes on SQLite.
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions", db_index=False)
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    question_key = models.UUIDField(help_text=_("The question's translation key, for item analysis."))
    revision = models.ForeignKey("wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+",
                                 db_index=False)
    spec = models.JSONField(help_text=_("The frozen question: private, never sent before grading."))
    response = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    # Essays, graded by a person: `manual` marks them (the grading queue's index), `marking`
    # holds the grader's rubric levels, comments and feedback (rubrics.clean_marking); for an
    # SQL lab, the comparison with the reference made when it was graded (labs.graded).
    manual = models.BooleanField(default=False)
    marking = models.JSONField(null=True, blank=True)
    marked_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="quizzes_attemptquestion_unique_position"),
        ]
        indexes = [models.Index(fields=["manual", "marked_at"], name="quizzes_aq_grading_queue")]

    @property
    def points(self):
        return Decimal(str(self.spec["points"]))


def private_storage():
    """Where trainees' attachments live: never served by the media URL, only by a view that
    checks who asks (settings.STORAGES["private"])."""
    return storages["private"]


def attachment_path(instance, filename):
    return f"attempts/{instance.attempt_question.attempt_id}/{instance.attempt_question_id}/{filename}"


class AttemptFile(models.Model):
    """A file a trainee attached to an essay: stored privately under a random name, downloaded
    (never shown inline) by its owner and graders."""

    attempt_question = models.ForeignKey(AttemptQuestion, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=120)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


class GradeChange(models.Model):
    """Every grade a person gives an essay, first grades and regrades alike: who, when, the
    score before and after, and why. A grade never changes silently."""

    attempt_question = models.ForeignKey(AttemptQuestion, on_delete=models.CASCADE, related_name="grade_changes")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("grader"))
    changed_at = models.DateTimeField(_("when"))
    score_before = models.DecimalField(_("before"), max_digits=8, decimal_places=3, null=True, blank=True)
    score_after = models.DecimalField(_("after"), max_digits=8, decimal_places=3)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    marking = models.JSONField()

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        ordering = ["changed_at", "pk"]


class SkillMastery(models.Model):
    """A person's mastery of a skill (quizzes.mastery says how it is computed), kept up to date
    in the grading transaction so pages and reports only read it."""

    # No index of their own: the unique (user, skill) and the (skill, level) indexes lead with
    # them. A grade updates a person's row per skill, and each update writes every index anew
    # (level and updated_at are indexed, so no update is HOT on PostgreSQL): two fewer per row.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_mastery",
                             db_index=False)
    skill = models.ForeignKey("content.Skill", on_delete=models.CASCADE, related_name="+", db_index=False)
    value = models.FloatField(help_text=_("0–1: the weighted share of points earned on the skill's questions."))
    level = models.PositiveSmallIntegerField(default=0, help_text=_("0 (below foundation) to 3."))
    evidence = models.PositiveIntegerField(default=0)
    previous = models.FloatField(null=True, blank=True, help_text=_("The value before the latest grade: the trend."))
    # value = score_sum / weight_sum: running sums of the evidence, each weighted by its
    # difficulty and by its age against a fixed epoch (quizzes.mastery.decay), so one more graded
    # attempt adds to them in one statement instead of re-reading the person's evidence.
    score_sum = models.FloatField(default=0)
    weight_sum = models.FloatField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "skill"], name="quizzes_mastery_once")]
        indexes = [models.Index(fields=["skill", "level"], name="quizzes_mastery_by_skill"),
                   # the newest change, read by HR's heatmap summary (hr.skill_summary)
                   models.Index(fields=["updated_at"], name="quizzes_mastery_by_change")]
