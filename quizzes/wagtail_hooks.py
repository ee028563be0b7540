from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Question, QuestionBank


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    list_display = ["key", "question_type", "bank", "difficulty", "locale", "live"]
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
    menu_label = "Question banks"
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
