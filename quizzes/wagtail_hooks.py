from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

from content.markdown import plain_text

from .models import Question, QuestionBank


class StemColumn(TitleColumn):
    """The question as a reader sees it (Markdown stripped, cut short), its key below."""

    cell_template_name = "quizzes/admin/tables/stem_cell.html"

    def get_value(self, instance):
        return plain_text(instance.stem, 90)


class YesNoColumn(Column):
    """A boolean as ✓ 是 / 否 in the admin's language, not Python's True and False."""

    cell_template_name = "quizzes/admin/tables/yes_no_cell.html"


class LanguageColumn(Column):
    """The question's language named in the admin's language (英语, not English)."""

    def get_value(self, instance):
        return get_language_info(instance.locale.language_code)["name_translated"]


class QuestionIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("bank", "locale")

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        return super()._get_title_column(field_name, StemColumn, **kwargs)


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    index_view_class = QuestionIndexView
    list_display = [
        "stem", "question_type", "bank", "difficulty",
        LanguageColumn("locale", label=_("Language"), sort_key="locale"),
        YesNoColumn("live", label=_("In use"), sort_key="live"),
    ]
    list_filter = ["bank", "question_type", "difficulty", "locale", "live"]
    # Searched in the database (icontains), not through Wagtail's index: the SQLite backend
    # cannot search named fields ("no such column: stem"), and neither backend's full-text
    # match finds a key's parts ("q-single") or a word inside unsegmented Chinese text.
    search_fields = ["stem", "key"]
    search_backend_name = None
    ordering = ["bank", "key"]


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    list_display = ["title", "slug"]


class QuizzesGroup(SnippetViewSetGroup):
    menu_label = _("Question banks")
    menu_icon = "help"
    menu_order = 250
    items = (QuestionViewSet, QuestionBankViewSet)


register_snippet(QuizzesGroup)


# Item analysis: quiz and question statistics (quizzes/analysis_views.py) -------------------
from wagtail import hooks as _hooks  # noqa: E402

from . import analysis_views as _analysis_views  # noqa: E402

_hooks.register("register_admin_urls", _analysis_views.admin_urls)
_hooks.register("register_admin_menu_item", _analysis_views.menu_item)
_hooks.register("register_snippet_listing_buttons", _analysis_views.question_buttons)


@_hooks.register("register_page_listing_more_buttons")
def _quiz_statistics_listing_button(page, user, next_url=None):
    yield from _analysis_views.quiz_buttons(page, user, priority=45)


@_hooks.register("register_page_header_buttons")
def _quiz_statistics_header_button(page, user, view_name, next_url=None):
    yield from _analysis_views.quiz_buttons(page, user, priority=75)


# Import and export of Moodle question files (quizzes/admin_views.py) ----------------------
from wagtail import hooks as _transfer_hooks  # noqa: E402

from . import admin_views as _admin_views  # noqa: E402

_transfer_hooks.register("register_admin_urls", _admin_views.admin_urls)
_transfer_hooks.register("register_admin_menu_item", _admin_views.menu_item)
_transfer_hooks.register("register_snippet_listing_buttons", _admin_views.bank_buttons)


# The grading queue and grading page of essays (quizzes/grading_views.py) -------------------
from wagtail import hooks as _grading_hooks  # noqa: E402

from . import grading_views as _grading_views  # noqa: E402

_grading_hooks.register("register_admin_urls", _grading_views.admin_urls)
_grading_hooks.register("register_admin_menu_item", _grading_views.menu_item)
_grading_hooks.register("construct_homepage_panels", _grading_views.homepage_panels)


# The question editor shows the fields the chosen type uses (quizzes/static/quizzes/question_form.js)
from django.templatetags.static import static as _static  # noqa: E402
from django.utils.html import format_html as _format_html  # noqa: E402
from wagtail import hooks as _editor_hooks  # noqa: E402


@_editor_hooks.register("insert_global_admin_js")
def _question_form_js():
    return _format_html('<script src="{}" defer></script>', _static("quizzes/question_form.js"))
