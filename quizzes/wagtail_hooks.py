from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Question, QuestionBank


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    list_display = ["key", "question_type", "bank", "difficulty", "locale", "live"]
    list_filter = ["bank", "question_type", "difficulty", "locale", "live"]
    search_fields = ["stem", "key"]
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
