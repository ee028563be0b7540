"""The grading queue and the grading page in the Wagtail admin (`/admin/grading/`), after
Moodle's assignment grader and Canvas SpeedGrader: essays of submitted attempts, awaiting first
and oldest submission first, filtered by course, quiz and status; one essay with the trainee's
answer, attachments and the grader's notes, its rubric as a grid of levels to click, and its
grade history. Saving goes through `marking.grade_essay`, which re-totals the attempt.

Only people who may grade (`marking.can_grade`: `quizzes.grade_attempt`, the Instructors) get
in; HR reads grade changes on its transcripts but never here. Nobody sees their own attempts
in the queue. A quiz with blind grading shows its trainees as submission numbers.
"""

from functools import reduce
from operator import or_

import django_filters
from django.core.exceptions import BadRequest
from django.db.models import Case, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.auth import user_passes_test
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.models import Page

from content.markdown import render_markdown
from courses.models import CoursePage

from . import marking, rubrics
from .api import QuizError
from .models import Attempt, AttemptQuestion, AttemptStatus, GradeChange, QuizPage

AWAITING, GRADED, ALL = "awaiting", "graded", "all"
STATUSES = [(AWAITING, gettext_lazy("Awaiting grading")), (GRADED, gettext_lazy("Graded")), (ALL, gettext_lazy("All"))]
FILTERS = ("course", "quiz", "status")


# Reads --------------------------------------------------------------------------------------

def submitted_essays(grader):
    """The essays of submitted attempts that `grader` may grade: never their own."""
    return (AttemptQuestion.objects.filter(manual=True).exclude(attempt__status=AttemptStatus.IN_PROGRESS)
            .exclude(attempt__user=grader))


def in_queue_order(essays):
    """Awaiting first, then the oldest submission first (Moodle's and SpeedGrader's order)."""
    graded = Case(When(marked_at__isnull=True, then=Value(0)), default=Value(1))
    return essays.alias(graded=graded).order_by("graded", "attempt__finished_at", "pk")


def awaiting_count(request):
    """Essays awaiting a grade for the request's user: one COUNT, once per request (the menu
    and the dashboard panel both show it)."""
    if not hasattr(request, "_essays_awaiting"):
        request._essays_awaiting = submitted_essays(request.user).filter(marked_at__isnull=True).count()
    return request._essays_awaiting


class Places:
    """Courses and quizzes with essays, for the filters and the rows' labels: three queries
    whatever the number of rows. Titles are in the admin's language where a translation has it;
    a filter's value is a translation key, so it covers attempts made in every language."""

    def __init__(self, language):
        self.course_titles, self.course_paths, self.quiz_titles = {}, {}, {}
        for key, title, page_path, code in CoursePage.objects.values_list(
                "translation_key", "title", "path", "locale__language_code"):
            self.course_paths.setdefault(str(key), []).append(page_path)
            if str(key) not in self.course_titles or code == language:
                self.course_titles[str(key)] = title
        self.course_of_path = {p: key for key, paths in self.course_paths.items() for p in paths}
        quizzes = list(QuizPage.objects.filter(
            translation_key__in=Attempt.objects.filter(questions__manual=True).values("quiz_key")
        ).values_list("translation_key", "title", "path", "locale__language_code"))
        self.parents = dict(Page.objects.filter(path__in={p[:-Page.steplen] for _k, _t, p, _c in quizzes})
                            .values_list("path", "title"))
        chosen = {}
        for key, title, page_path, code in quizzes:
            if str(key) not in chosen or code == language:
                chosen[str(key)] = (title, page_path)
        self.quiz_titles = {key: self.quiz_label(title, page_path) for key, (title, page_path) in chosen.items()}

    def course_key(self, page_path):
        steplen = Page.steplen
        for end in range(steplen, len(page_path) + 1, steplen):
            if page_path[:end] in self.course_of_path:
                return self.course_of_path[page_path[:end]]
        return None

    def course_title(self, page_path):
        key = self.course_key(page_path)
        return self.course_titles.get(key, "") if key else ""

    def quiz_label(self, title, page_path):
        """A module's quizzes share a title ("Module quiz"): their module names them."""
        parent = self.parents.get(page_path[:-Page.steplen])
        return f"{parent} › {title}" if parent else title

    def course_choices(self):
        return sorted(self.course_titles.items(), key=lambda item: item[1])

    def quiz_choices(self):
        return sorted(self.quiz_titles.items(), key=lambda item: item[1])


def question_label(essay):
    """The question's key and its stem's first words, e.g. "campaign-plan · Write a one-page…"."""
    words = Truncator(strip_tags(essay.spec.get("stem_html", ""))).words(8)
    return f"{essay.spec.get('key', '')} · {words}" if essay.spec.get("key") else words


def is_blind(essay):
    return essay.attempt.quiz.blind_grading


def trainee_label(essay):
    """The trainee's name, or under blind grading only the submission's number."""
    if is_blind(essay):
        return _("Submission #%(number)s") % {"number": essay.attempt_id}
    return essay.attempt.user.get_display_name()


# The queue ----------------------------------------------------------------------------------

class QueueFilterSet(WagtailFilterSet):
    course = django_filters.ChoiceFilter(label=gettext_lazy("Course"), method="by_course",
                                         empty_label=gettext_lazy("All courses"))
    quiz = django_filters.ChoiceFilter(label=gettext_lazy("Quiz"), field_name="attempt__quiz_key",
                                       empty_label=gettext_lazy("All quizzes"))
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=STATUSES, method="by_status",
                                         empty_label=None, initial=AWAITING)

    class Meta:
        model = AttemptQuestion
        fields = []

    def __init__(self, *args, places, **kwargs):
        self.places = places
        super().__init__(*args, **kwargs)
        self.filters["course"].extra["choices"] = places.course_choices()
        self.filters["quiz"].extra["choices"] = places.quiz_choices()

    def by_course(self, essays, _name, key):
        paths = self.places.course_paths.get(key, [])
        return essays.filter(reduce(or_, (Q(attempt__quiz__path__startswith=p) for p in paths)))

    def by_status(self, essays, _name, status):
        if status == ALL:
            return essays
        return essays.filter(marked_at__isnull=status == AWAITING)


def filter_data(query):
    """The queue's filters from a query string, awaiting by default."""
    data = {name: query.get(name, "") for name in FILTERS}
    data["status"] = data["status"] or AWAITING
    return data


def filters_query(data):
    """The filters as a query string ("?course=…"), to carry from the queue to the grading page and back."""
    kept = {name: value for name, value in data.items() if value and not (name == "status" and value == AWAITING)}
    return f"?{urlencode(kept)}" if kept else ""


class StatusColumn(Column):
    cell_template_name = "quizzes/admin/grading_status_cell.html"


class EssayPaginator(WagtailPaginator):
    verbose_name, verbose_name_plural = gettext_lazy("essay"), gettext_lazy("essays")


class QueueView(ReportView):
    page_title = gettext_lazy("Grading")
    header_icon = "tasks"
    index_url_name = "grading:queue"
    index_results_url_name = "grading:queue_results"
    filterset_class = QueueFilterSet
    paginate_by = 25
    paginator_class = EssayPaginator
    verbose_name_plural = gettext_lazy("essays")

    @cached_property
    def no_results_message(self):
        if self.filters.form.cleaned_data.get("status") == AWAITING:
            return _("No essays await grading.")
        return _("No essays match these filters.")

    def get(self, request, *args, **kwargs):
        """Refuse filters that do not validate (Wagtail would list everything): a 400 naming them."""
        if not self.filters.is_valid():
            raise BadRequest("; ".join(f"{name}: {' '.join(errors)}" for name, errors in self.filters.errors.items()))
        return super().get(request, *args, **kwargs)

    @cached_property
    def places(self):
        return Places(translation.get_language())

    def get_filterset_kwargs(self):
        return {**super().get_filterset_kwargs(), "data": filter_data(self.request.GET), "places": self.places}

    def get_queryset(self):
        essays = submitted_essays(self.request.user).select_related("attempt__user", "attempt__quiz", "marked_by")
        return in_queue_order(self.filter_queryset(essays))

    @cached_property
    def columns(self):
        carried, places = filters_query(self.filters.form.cleaned_data), self.places
        return [
            Column("trainee", label=_("Trainee"), accessor=trainee_label),
            TitleColumn("question", label=_("Question"), accessor=question_label,
                        get_url=lambda essay: reverse("grading:grade", args=[essay.pk]) + carried),
            Column("course", label=_("Course"), accessor=lambda essay: places.course_title(essay.attempt.quiz.path)),
            Column("quiz", label=_("Quiz"),
                   accessor=lambda essay: places.quiz_label(essay.attempt.quiz.title, essay.attempt.quiz.path)),
            DateColumn("submitted", label=_("Submitted"), accessor="attempt.finished_at"),
            StatusColumn("status", label=_("Status"), accessor=lambda essay: essay),
            Column("grader", label=_("Grader"),
                   accessor=lambda essay: essay.marked_by.get_display_name() if essay.marked_by else ""),
        ]


# One essay ----------------------------------------------------------------------------------

def posted_marking(post, spec):
    """The marking a grading form posted, in `rubrics.clean_marking`'s shape (which checks it)."""
    rubric = spec["essay"]["rubric"]
    data = {"feedback": post.get("feedback", "")}
    if not rubric:
        data["points"] = post.get("points", "")
        return data
    data["levels"] = {c["key"]: post[f"level-{c['key']}"] for c in rubric if post.get(f"level-{c['key']}")}
    data["comments"] = {c["key"]: post.get(f"comment-{c['key']}", "") for c in rubric}
    return data


def shown_marking(data):
    """A posted marking as `rubrics.described` reads it, to show a refused form as it was sent."""
    levels = {key: int(value) for key, value in data.get("levels", {}).items()
              if value.isascii() and value.isdigit() and len(value) < 3}
    return {**data, "levels": levels}


class GradeView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "quizzes/admin/grading_essay.html"
    header_icon = "tasks"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.filters = filter_data(request.GET)
        self.carried = filters_query(self.filters)

    @cached_property
    def essay(self):
        """The essay, if the user may grade it: a guessed id, an unsubmitted attempt or one's own is a 404."""
        essay = (submitted_essays(self.request.user)
                 .select_related("attempt__user", "attempt__quiz", "marked_by").filter(pk=self.kwargs["essay_id"])
                 .first())
        if essay is None:
            raise Http404
        return essay

    @cached_property
    def places(self):
        return Places(translation.get_language())

    def get_page_title(self):
        return _("Grade: %(trainee)s") % {"trainee": trainee_label(self.essay)}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("grading:queue") + self.carried, "label": _("Grading")},
            {"url": "", "label": trainee_label(self.essay)},
        ]

    def post(self, request, *args, **kwargs):
        data = posted_marking(request.POST, self.essay.spec)
        reason = request.POST.get("reason", "")
        try:
            marking.grade_essay(request.user, self.essay.pk, data, reason=reason)
        except QuizError as error:
            del self.essay  # read it again: another grader may have graded it meanwhile
            context = self.get_context_data(error=str(error), marked=shown_marking(data), reason=reason)
            return self.render_to_response(context, status=error.status)
        messages.success(request, _("Grade saved: %(trainee)s, %(question)s.") % {
            "trainee": trainee_label(self.essay), "question": self.essay.spec.get("key", "")})
        if "next" in request.POST:
            return redirect(self.next_url())
        return redirect(reverse("grading:queue") + self.carried)

    def next_url(self):
        """The next essay awaiting a grade in the queue's course and quiz, or the queue when none is left."""
        data = {**self.filters, "status": AWAITING}
        filterset = QueueFilterSet(data, request=self.request, places=self.places)
        if filterset.is_valid():
            essays = filterset.filter_queryset(submitted_essays(self.request.user))
            following = in_queue_order(essays).values_list("pk", flat=True).first()
            if following is not None:
                return reverse("grading:grade", args=[following]) + self.carried
        messages.info(self.request, _("No more essays await grading here."))
        return reverse("grading:queue") + self.carried

    def get_context_data(self, *, error=None, marked=None, reason="", **kwargs):
        context = super().get_context_data(**kwargs)
        essay = self.essay
        spec = essay.spec
        marked = marked if marked is not None else (essay.marking or {})
        blind = is_blind(essay)
        context.update({
            "essay": essay,
            "attempt": essay.attempt,
            "blind": blind,
            "trainee": trainee_label(essay),
            "stem_html": spec.get("stem_html", ""),
            "answer_html": render_markdown(essay.response or "") if isinstance(essay.response, str) else "",
            "grader_info_html": render_markdown(spec["essay"].get("grader_info", "")),
            "files": list(essay.files.all()),
            "rubric": rubrics.described(spec, marked),
            "rubric_range": (rubrics.minimum(spec["essay"]["rubric"]), rubrics.maximum(spec["essay"]["rubric"]))
            if spec["essay"]["rubric"] else None,
            "points": essay.points,
            "given_points": marked.get("points", ""),
            "feedback": marked.get("feedback", ""),
            "regrade": essay.marked_at is not None,
            "reason": reason,
            "max_reason": marking.MAX_REASON,
            "error": error,
            "history": list(GradeChange.objects.filter(attempt_question=essay).select_related("changed_by")),
            "action": reverse("grading:grade", args=[essay.pk]) + self.carried,
            "queue_url": reverse("grading:queue") + self.carried,
        })
        context["course_title"] = self.places.course_title(essay.attempt.quiz.path)
        context["quiz_title"] = self.places.quiz_label(essay.attempt.quiz.title, essay.attempt.quiz.path)
        return context


# Ways in: the admin menu with its count, the dashboard's panel --------------------------------

class GradingMenuItem(MenuItem):
    """"Grading (3)": the sidebar shows a plain label, so the count goes in it."""

    def is_shown(self, request):
        return marking.can_grade(request.user)

    def render_component(self, request):
        count = awaiting_count(request)
        label = _("Grading (%(count)s)") % {"count": count} if count else _("Grading")
        return LinkMenuItem(self.name, label, self.url, icon_name=self.icon_name, classname=self.classname,
                            attrs=self.attrs)


class GradingPanel(Component):
    name = "grading"
    template_name = "quizzes/admin/grading_panel.html"
    order = 50  # above Wagtail's own panels: it is a grader's work for the day

    def get_context_data(self, parent_context):
        return {"count": awaiting_count(parent_context["request"]), "queue_url": reverse("grading:queue")}


def menu_item():
    return GradingMenuItem(gettext_lazy("Grading"), reverse("grading:queue"), name="grading", icon_name="tasks",
                           order=255)


def homepage_panels(request, panels):
    if marking.can_grade(request.user):
        panels.append(GradingPanel())


def _guard(view):
    return user_passes_test(marking.can_grade)(view)


urlpatterns = [
    path("", _guard(QueueView.as_view()), name="queue"),
    path("results/", _guard(QueueView.as_view(results_only=True)), name="queue_results"),
    path("<int:essay_id>/", _guard(GradeView.as_view()), name="grade"),
]


def admin_urls():
    return [path("grading/", include((urlpatterns, "grading")))]
