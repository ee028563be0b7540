"""What instructors read in the question admin and the quiz statistics: questions by their
text (not their keys), Markdown as plain text, a true/false answer as a word of the admin's
language, booleans as ✓/No rather than Python's True."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.users.models import UserProfile

from courses import api as courses_api
from quizzes.questions import normalise, write_question
from tests.conftest import make_user
from tests.quizzes.test_analysis import make_question, new_quiz, take

TRUE_FALSE = [{"text": "true", "fraction": 0}, {"text": "false", "fraction": 1}]


@pytest.fixture
def taken_quiz(make_tree):
    tree = make_tree(modules=1, lessons=1, prerequisite=False)
    quiz, bank = new_quiz(tree, questions=2)
    make_question(bank, quiz.locale, "q-markdown", stem="Which is **not** a `core` duty?")
    write_question(bank, quiz.locale, normalise(
        {"key": "q-tf", "type": "true_false", "stem": "*Segments* never change.", "answers": TRUE_FALSE}))
    for n, picks in enumerate([{"q-markdown": "right", "q-tf": "false"}, {"q-markdown": "wrong", "q-tf": "true"}]):
        user = make_user(f"t{n}@example.com")
        courses_api.enrol_learner(user, tree.course)
        take(user, quiz, picks)
    return quiz


@pytest.fixture
def instructor_client(client, instructor):
    client.force_login(instructor)
    return client


def listing_text(client):
    html = client.get(reverse("wagtailsnippets_quizzes_question:list")).content.decode()
    return " ".join(BeautifulSoup(html, "html.parser").select_one("table.listing").get_text(" ").split())


def test_question_list_shows_the_question_text_with_its_key(instructor_client, taken_quiz):
    html = listing_text(instructor_client)
    assert "Which is not a core duty?" in html
    assert "**not**" not in html and "*Segments*" not in html
    assert "q-markdown" in html  # the key, as the secondary line
    assert "Simplified Chinese ✓ Yes" in html and "Chinese True" not in html


def test_question_list_in_chinese_names_languages_and_booleans_in_chinese(instructor_client, instructor, taken_quiz):
    UserProfile.objects.filter(user=instructor).update(preferred_language="zh-hans")
    html = listing_text(instructor_client)
    assert "简体中文" in html and "✓ 是" in html
    assert "题目s" not in instructor_client.get(reverse("wagtailsnippets_quizzes_question:list")).content.decode()


def test_statistics_show_plain_stems_and_true_false_as_words(instructor_client, instructor, taken_quiz):
    url = reverse("quiz_statistics:quiz", args=[taken_quiz.pk])
    html = instructor_client.get(url).content.decode()
    assert "Segments never change." in html and "*Segments*" not in html and "**not**" not in html
    assert "True: 1" in html and "False: 1" in html
    assert ">true:" not in html and "false: 1" not in html
    UserProfile.objects.filter(user=instructor).update(preferred_language="zh-hans")
    html = instructor_client.get(url).content.decode()
    assert "对: 1" in html and "错: 1" in html
