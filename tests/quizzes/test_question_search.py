"""Instructors search questions in the admin's question list by any part of their text, in
Chinese as in English, on SQLite and PostgreSQL alike (quizzes/wagtail_hooks.py)."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import Locale

from quizzes.models import Question, QuestionBank
from quizzes.questions import normalise, write_question


@pytest.fixture
def questions(db):
    bank = QuestionBank.objects.create(slug="metrics", title="指标")
    zh, _ = Locale.objects.get_or_create(language_code="zh-hans")
    en, _ = Locale.objects.get_or_create(language_code="en")
    for locale, key, stem in [
        (zh, "metrics-retention", "次日留存率怎么计算？"),
        (zh, "metrics-funnel", "漏斗的第一步是什么？"),
        (en, "metrics-retention-en", "How is day-one RETENTION computed?"),
    ]:
        write_question(bank, locale, normalise({
            "key": key, "type": "short_text", "stem": stem, "answers": [{"text": "x", "fraction": 1}]}))


def listed(client, q):
    response = client.get(reverse("wagtailsnippets_quizzes_question:list"), {"q": q})
    assert response.status_code == 200, response.content[:1000]
    links = {a["href"] for a in BeautifulSoup(response.content, "html.parser").select("a[href]")}
    return sorted(question.key for question in Question.objects.all()
                  if reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk]) in links)


@pytest.mark.parametrize("q, keys", [
    ("留存", ["metrics-retention"]),  # two characters inside unsegmented Chinese
    ("第一步", ["metrics-funnel"]),
    ("retention", ["metrics-retention", "metrics-retention-en"]),  # the key, and the stem in any case
    ("day-one", ["metrics-retention-en"]),
    ("？", ["metrics-funnel", "metrics-retention"]),
    ('"*NEAR-%', []),
])
def test_an_instructor_finds_questions_by_a_part_of_their_text(client, instructor, questions, q, keys):
    client.force_login(instructor)
    assert listed(client, q) == keys
