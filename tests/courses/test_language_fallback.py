"""A page in one language only never leaves a reader on a 404: the language switcher and a
direct visit of its path in the other language lead to a "not yet translated" notice that links
to the page in its own language and to the nearest translated ancestor."""

import pytest
from bs4 import BeautifulSoup

from courses.models import LessonPage


@pytest.fixture
def chinese_only(tree):
    module = tree.modules[0]
    lesson = module.add_child(instance=LessonPage(title="新课", slug="new-lesson", locale=module.locale))
    lesson.save_revision().publish()
    return lesson


def switcher_link(html, code):
    return BeautifulSoup(html, "html.parser").select_one(f'.langs a[hreflang="{code}"]')["href"]


def test_switching_to_english_on_a_chinese_only_lesson_shows_a_notice(trainee_client, tree, chinese_only):
    page = trainee_client.get(chinese_only.url)
    assert page.status_code == 200
    english = trainee_client.get(switcher_link(page.content.decode(), "en"), follow=True)
    assert english.status_code == 200
    soup = BeautifulSoup(english.content.decode(), "html.parser")
    assert "Not yet translated" in soup.h1.text
    links = {a["href"] for a in soup.select(".not-translated a")}
    assert chinese_only.url in links
    assert tree.en(tree.modules[0]).url in links  # the nearest translated ancestor
    # and back: the switcher of the notice leads to the Chinese lesson
    assert switcher_link(english.content.decode(), "zh-hans") == chinese_only.url


def test_a_direct_visit_of_the_english_path_is_no_dead_end(trainee_client, chinese_only):
    path = chinese_only.url.replace("/zh-hans/", "/en/", 1)
    response = trainee_client.get(path)
    assert response.status_code == 302
    notice = trainee_client.get(response.url)
    assert notice.status_code == 200 and chinese_only.url in notice.content.decode()


def test_translated_pages_switch_to_their_translation(trainee_client, tree):
    lesson = tree.lessons[0][0]
    page = trainee_client.get(lesson.url).content.decode()
    assert switcher_link(page, "en") == tree.en(lesson).url
    assert trainee_client.get(f"/en/translation-check/{lesson.pk}/").status_code == 404


def test_the_notice_of_a_translated_page_redirects_to_its_translation(trainee_client, tree):
    from content.fallback import in_language_url

    lesson = tree.lessons[0][0]
    response = trainee_client.get(in_language_url(lesson, "en"))
    assert response.status_code == 302 and response.url == tree.en(lesson).url


def test_missing_pages_stay_404(trainee_client, tree):
    assert trainee_client.get("/en/ops/module-1/no-such-lesson/").status_code == 404


def test_unpublished_pages_get_no_notice(trainee_client, chinese_only):
    from content.fallback import in_language_url

    url = in_language_url(chinese_only, "en")
    chinese_only.unpublish()
    assert trainee_client.get(url).status_code == 404
    assert trainee_client.get(chinese_only.url.replace("/zh-hans/", "/en/", 1)).status_code == 404
