"""Admin views of item analysis (`quizzes.analysis`): the quiz list, a quiz's report with its
score chart (inline SVG drawn here, no JavaScript), its CSV export, and one question's figures
in every quiz that drew it. Instructors (`quizzes.change_question`) and superusers only; the
URLs are mounted by `wagtail_hooks` under the admin, which already turns away non-staff.
"""

from dataclasses import replace

from django.db.models import Avg, Count, Max
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.auth import permission_required
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton
from wagtail.models import Page

from content import charts, spreadsheets
from content.markdown import plain_text

from . import analysis, difficulty
from .models import Attempt, AttemptStatus, Difficulty, Question, QuestionType, QuizPage

PERMISSION = "quizzes.change_question"
CHART = {"width": 640, "height": 240, "left": 36, "bottom": 28, "top": 20}
KINDS = dict(QuestionType.choices)
TRUE_FALSE = {"true": pgettext_lazy("true/false answer", "True"), "false": pgettext_lazy("true/false answer", "False")}


def can_view_statistics(user):
    return user.has_perm(PERMISSION)


class StatisticsMixin(WagtailAdminTemplateMixin):
    header_icon = "table"

    def index_crumb(self):
        return {"url": reverse("quiz_statistics:index"), "label": _("Quiz statistics")}


# The quiz list --------------------------------------------------------------------------------

class QuizIndexView(StatisticsMixin, TemplateView):
    template_name = "quizzes/admin/statistics_index.html"
    page_title = _("Quiz statistics")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["quizzes"] = quiz_rows(translation.get_language())
        return context


def quiz_rows(language):
    """One row per quiz (its page in `language` if there is one) with finished-attempt figures:
    three queries whatever the number of quizzes."""
    pages = {}
    for page in QuizPage.objects.order_by("path").values(
        "id", "title", "path", "translation_key", "locale__language_code"
    ):
        current = pages.get(page["translation_key"])
        if current is None or page["locale__language_code"] == language:
            pages[page["translation_key"]] = page
    figures = {
        row["quiz_key"]: row for row in Attempt.objects.filter(status=AttemptStatus.FINISHED)
        .values("quiz_key").order_by().annotate(attempts=Count("id"), mean=Avg("percent"), last=Max("finished_at"))
    }
    parents = dict(Page.objects.filter(path__in=[p["path"][:-Page.steplen] for p in pages.values()])
                   .values_list("path", "title"))
    rows = []
    for key, page in pages.items():
        figure = figures.get(key, {})
        rows.append({
            **page,
            "parent_title": parents.get(page["path"][:-Page.steplen], ""),
            "attempts": figure.get("attempts", 0),
            "mean": figure.get("mean"),
            "last": figure.get("last"),
        })
    return sorted(rows, key=lambda row: row["path"])


# One quiz -------------------------------------------------------------------------------------

class QuizReportView(StatisticsMixin, TemplateView):
    template_name = "quizzes/admin/quiz_statistics.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.quiz = get_object_or_404(QuizPage, pk=kwargs["quiz_id"])

    def get_page_title(self):
        return _("Statistics: %(quiz)s") % {"quiz": self.quiz.title}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [self.index_crumb(), {"url": "", "label": self.get_page_title()}]

    def get_header_buttons(self):
        return [
            HeaderButton(
                _("Download CSV"), reverse("quiz_statistics:quiz_csv", args=[self.quiz.pk]), icon_name="download"
            ),
            HeaderButton(_("Edit quiz"), reverse("wagtailadmin_pages:edit", args=[self.quiz.pk]), icon_name="edit"),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stats = analysis.quiz_statistics(self.quiz)
        questions = questions_by_key([item.key for item in stats.items], self.quiz.locale_id)
        context.update({
            "quiz": self.quiz,
            "stats": stats,
            "rows": [{"item": shown(item, item.kind), "question": questions.get(item.key),
                      "kind": KINDS.get(item.kind, item.kind), "measured": _measured(questions.get(item.key), item)}
                     for item in stats.items],
            "chart": score_chart(stats.bins),
            "min_draws_to_flag": analysis.MIN_DRAWS_TO_FLAG,
            "low_discrimination": analysis.LOW_DISCRIMINATION,
        })
        return context


def _measured(question, item):
    """The difficulty the facility index says, where it disagrees with the label (check_difficulty)."""
    band = difficulty.mismatch(question["difficulty"], item) if question else None
    if not band:
        return None
    return {"label": Difficulty(question["difficulty"]).label, "band": Difficulty(band).label, "value": band}


def shown(item, kind):
    """`item` with its choices as a reader sees them: Markdown as plain text, and a true/false
    question's stored 'true'/'false' as 对/错 (True/False) in the admin's language."""
    item.choices = [replace(choice, text=choice_text(choice, kind)) for choice in item.choices or []]
    return item


def choice_text(choice, kind):
    """Authored choices are Markdown; what trainees typed (no fraction) is shown as typed."""
    if kind == QuestionType.TRUE_FALSE and choice.text in TRUE_FALSE:
        return str(TRUE_FALSE[choice.text])
    return plain_text(choice.text) if choice.fraction is not None else choice.text


def questions_by_key(keys, locale_id):
    """{translation key: {"id", "stem", "difficulty"}} for the report's links, preferring `locale_id`: one query."""
    found = {}
    for question in Question.objects.filter(translation_key__in=keys).values(
        "id", "stem", "translation_key", "locale_id", "difficulty"
    ):
        key = str(question["translation_key"])
        if key not in found or question["locale_id"] == locale_id:
            found[key] = {"id": question["id"], "stem": plain_text(question["stem"], 90),
                          "difficulty": question["difficulty"]}
    return found


def score_chart(bins):
    """Geometry of the score-distribution bar chart (vertical bars, `content.charts`), for the
    template to draw as SVG."""
    width, height, left, bottom, top = (CHART[k] for k in ("width", "height", "left", "bottom", "top"))
    plot_height = height - bottom - top
    tallest = max(bins) or 1
    lows = [100 * index // len(bins) for index in range(len(bins))]
    groups = [(f"{low}–{low + 100 // len(bins)}%", [count]) for low, count in zip(lows, bins, strict=True)]
    layout = charts.bar_chart(
        groups, maximum=tallest, length=plot_height, start=left, band=(width - left) / len(bins), gap=3
    )
    bars = []
    for row in layout["rows"]:
        (bar,) = row["bars"]
        y = round(top + plot_height - bar["length"], 1)
        bars.append({
            "x": bar["offset"], "width": bar["thickness"], "y": y, "height": bar["length"],
            "centre": row["centre"], "count": bar["value"], "count_y": round(y - 4, 1), "label": row["label"],
        })
    return {
        **CHART, "bars": bars, "tallest": tallest, "scale_x": left - 6, "axis_y": top + plot_height,
        "text_y": height - 8,
    }


# CSV ----------------------------------------------------------------------------------------

CSV_HEADER = [
    "question_key", "question", "type", "times_drawn", "facility_index", "standard_deviation",
    "discrimination_index", "discriminative_efficiency", "flag", "unanswered", "choices",
]


def csv_cell(value):
    """Figures to two places; text that a spreadsheet would run as a formula gets a leading
    quote (`content.spreadsheets`), other numbers stay numbers."""
    return f"{value:.2f}" if isinstance(value, float) else spreadsheets.csv_cell(value)


def csv_rows(stats, questions):
    yield CSV_HEADER
    for item in stats.items:
        question = questions.get(item.key) or {}
        choices = " | ".join(f"{c.text}: {c.count}" for c in item.choices)
        yield [csv_cell(value) for value in (
            item.label, question.get("stem", ""), item.kind, item.drawn, item.facility, item.sd,
            item.discrimination, item.efficiency, item.flag, item.unanswered, choices,
        )]


def quiz_csv(request, quiz_id):
    quiz = get_object_or_404(QuizPage, pk=quiz_id)
    stats = analysis.quiz_statistics(quiz)
    questions = questions_by_key([item.key for item in stats.items], quiz.locale_id)
    response = StreamingHttpResponse(
        spreadsheets.csv_pieces(csv_rows(stats, questions)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.slug}-statistics.csv"'
    return response


# One question -------------------------------------------------------------------------------

class QuestionReportView(StatisticsMixin, TemplateView):
    template_name = "quizzes/admin/question_statistics.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.question = get_object_or_404(Question, pk=kwargs["question_id"])

    def get_page_title(self):
        return _("Statistics: %(question)s") % {"question": self.question.key}

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("wagtailsnippets_quizzes_question:list"), "label": _("Questions")},
            {"url": reverse("wagtailsnippets_quizzes_question:edit", args=[self.question.pk]),
             "label": self.question.key},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_header_buttons(self):
        url = reverse("wagtailsnippets_quizzes_question:edit", args=[self.question.pk])
        return [HeaderButton(_("Edit question"), url, icon_name="edit")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_quiz = analysis.question_statistics_by_quiz(self.question)
        quizzes = quiz_titles(by_quiz.keys(), self.question.locale_id)
        rows = [{"quiz": quizzes.get(key), "item": shown(item, self.question.question_type)}
                for key, item in by_quiz.items()]
        rows.sort(key=lambda row: row["quiz"]["path"] if row["quiz"] else "")
        context.update({"question": self.question, "stem": plain_text(self.question.stem, 200), "rows": rows,
                        "min_draws_to_flag": analysis.MIN_DRAWS_TO_FLAG})
        return context


def quiz_titles(keys, locale_id):
    """{translation key: {"id", "title", "path"}}, preferring `locale_id`: one query."""
    found = {}
    for quiz in QuizPage.objects.filter(translation_key__in=list(keys)).values(
        "id", "title", "path", "translation_key", "locale_id"
    ):
        key = str(quiz["translation_key"])
        if key not in found or quiz["locale_id"] == locale_id:
            found[key] = quiz
    return found


# Ways in: the admin menu, a quiz page's "More" buttons, a question's listing buttons -----------

class StatisticsMenuItem(AdminMenuItem):
    def is_shown(self, request):
        return can_view_statistics(request.user)


class QuizStatisticsButton(PageMenuItem):
    label = _("Statistics")
    icon_name = "table"
    url_name = "quiz_statistics:quiz"

    def is_shown(self, user):
        return self.page.specific_class is QuizPage and can_view_statistics(user)


def menu_item():
    return StatisticsMenuItem(_("Quiz statistics"), reverse("quiz_statistics:index"), icon_name="table", order=260)


def quiz_buttons(page, user, priority):
    yield QuizStatisticsButton(page=page, priority=priority)


def question_buttons(snippet, user, next_url=None):
    if isinstance(snippet, Question) and can_view_statistics(user):
        yield MenuItem(
            _("Statistics"), reverse("quiz_statistics:question", args=[snippet.pk]), icon_name="table", priority=90
        )


def admin_urls():
    return [path("quiz-statistics/", include((urlpatterns, "quiz_statistics")))]


def _guard(view):
    return permission_required(PERMISSION)(view)


urlpatterns = [
    path("", _guard(QuizIndexView.as_view()), name="index"),
    path("<int:quiz_id>/", _guard(QuizReportView.as_view()), name="quiz"),
    path("<int:quiz_id>/questions.csv", _guard(quiz_csv), name="quiz_csv"),
    path("questions/<int:question_id>/", _guard(QuestionReportView.as_view()), name="question"),
]
