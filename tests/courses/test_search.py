"""Lesson search (/<lang>/search/?q=…, courses.search) through the HTTP client."""

from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import PageViewRestriction

from accounts.groups import HR
from courses import search
from courses.models import LessonPage, LessonSearchEntry
from tests.conftest import write_curriculum

RETENTION_ZH = "次日留存率是新用户第二天还回来的比例。提高留存要先找到“啊哈时刻”。"
RETENTION_EN = "Day-one retention is the share of new users who come back the next day."


def add_lesson(module, slug, title, text, *, publish=True):
    """A lesson written and published the way the admin does it (revision, then publish)."""
    lesson = LessonPage(title=title, slug=slug, summary="", body=[("markdown", text)], live=False)
    module.add_child(instance=lesson)
    revision = lesson.save_revision()
    if publish:
        revision.publish()
    lesson.refresh_from_db()
    return lesson


@pytest.fixture
def lessons(tree):
    module = tree.modules[0]
    zh = add_lesson(module, "retention", "留存分析", RETENTION_ZH)
    en = add_lesson(tree.en(module), "retention", "Retention analysis", RETENTION_EN)
    return zh, en


def found(client, language, q):
    """The titles listed for `q`, and the response."""
    response = client.get(f"/{language}/search/", {"q": q})
    assert response.status_code == 200, response.content[:500]
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in soup.select(".search-result__title a")], soup


def test_a_two_character_chinese_query_finds_the_lesson_containing_it(client, lessons):
    """"留存" sits inside unsegmented Chinese text; two characters are enough to find it, and
    the result links to the lesson with the match marked in its snippet."""
    zh, _ = lessons
    titles, soup = found(client, "zh-hans", "留存")
    assert titles == ["留存分析"]
    assert soup.select_one(".search-result__title a")["href"] == zh.url
    assert "<mark>留存</mark>" in str(soup.select_one(".search-result__snippet"))
    assert found(client, "zh-hans", "新用户第二天")[0] == ["留存分析"]  # three or more: FTS5 on SQLite
    assert found(client, "zh-hans", "啊哈时刻")[0] == ["留存分析"]
    assert found(client, "zh-hans", "留存 比例")[0] == ["留存分析"]  # every term must occur
    assert found(client, "zh-hans", "留存 漏斗")[0] == []


def test_an_english_query_finds_english_lessons_only(client, lessons):
    titles, soup = found(client, "en", "RETENTION")
    assert titles == ["Retention analysis"]
    assert [m.get_text() for m in soup.select(".search-result mark")][:2] == ["Retention", "retention"]
    assert found(client, "zh-hans", "retention")[0] == []  # the Chinese pages do not contain it
    assert found(client, "en", "留存")[0] == []  # nor the English ones this


def test_drafts_unpublished_and_private_lessons_are_not_found(client, trainee, tree, lessons):
    zh, _ = lessons
    add_lesson(tree.modules[1], "draft", "草稿留存", "还没有发布的留存课。", publish=False)
    assert found(client, "zh-hans", "留存")[0] == ["留存分析"]
    zh.unpublish()
    assert found(client, "zh-hans", "留存")[0] == []
    assert not LessonSearchEntry.objects.filter(page_id=zh.pk).exists()
    zh.save_revision().publish()
    # A section open to logged-in readers, another to HR only.
    PageViewRestriction.objects.create(page=tree.modules[0], restriction_type=PageViewRestriction.LOGIN)
    assert found(client, "zh-hans", "留存")[0] == []
    client.force_login(trainee)
    assert found(client, "zh-hans", "留存")[0] == ["留存分析"]
    restriction = PageViewRestriction.objects.create(page=tree.course, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.get(name=HR))
    assert found(client, "zh-hans", "留存")[0] == []
    trainee.groups.add(Group.objects.get(name=HR))
    assert found(client, "zh-hans", "留存")[0] == ["留存分析"]


def test_matches_in_the_title_rank_first(client, tree, lessons):
    add_lesson(tree.modules[1], "cohorts", "同期群", "留存 " * 5 + "按注册周分组看留存。")
    titles, _ = found(client, "zh-hans", "留存分析")
    assert titles == ["留存分析"]
    titles, _ = found(client, "zh-hans", "留存")
    assert titles == ["留存分析", "同期群"]  # 10 for the title + 2 in the text, against 6


def test_highlighting_escapes_the_lessons_html(client, tree):
    """Text that looks like HTML (code in a lesson, a title with <, &) is shown as text; only
    our <mark> is markup."""
    add_lesson(tree.modules[0], "markup", "A <b>bold</b> & risky title",
               "Use `<script>alert('retention')</script>` to break pages & hearts.")
    titles, soup = found(client, "zh-hans", "script")
    assert titles == ["A <b>bold</b> & risky title"]
    snippet = soup.select_one(".search-result__snippet")
    assert snippet.find("script") is None and snippet.find("b") is None
    assert [m.get_text() for m in snippet.select("mark")] == ["script", "script"]
    assert "&lt;<mark>script</mark>&gt;alert(" in str(snippet)
    titles, soup = found(client, "zh-hans", "bold")
    title = str(soup.select_one(".search-result__title a"))
    assert title.endswith(">A &lt;b&gt;<mark>bold</mark>&lt;/b&gt; &amp; risky title</a>")


@pytest.mark.parametrize("q, says", [
    ("", "Type a word or phrase"),
    ("留", "Type at least 2"),
    ("！？。…", "Type at least 2"),
    ('"', "Type at least 2"),
    ("*", "Type at least 2"),
    ("-", "Type at least 2"),
    ("%_", "Type at least 2"),
    ("a\x00b", "Type at least 2"),
    ("NEAR", "No lesson contains “NEAR”"),
    ("'; DROP TABLE x; --", "No lesson contains"),
    ('"retention*" -', "1 lesson contains"),
])
def test_odd_queries_get_a_clear_answer(client, lessons, q, says):
    response = client.get("/en/search/", {"q": q})
    assert response.status_code == 200
    assert says in response.content.decode()


@pytest.mark.parametrize("q", ['留存" "*', "-留存", "留存*", "“留存”", "留存%", "留存_比例", "(留存)"])
def test_search_syntax_is_plain_punctuation(client, lessons, q):
    """Quotes, stars, minus signs and LIKE's wildcards neither break the query nor act as
    operators: they only separate terms."""
    assert found(client, "zh-hans", q)[0] == ["留存分析"]
    assert found(client, "zh-hans", "NEAR(留存 比例)")[0] == []  # NEAR is a word like any other


def test_a_very_long_query_is_cut_and_says_so(client, lessons):
    titles, soup = found(client, "en", "retention " * 200)
    assert titles == ["Retention analysis"]
    assert "Only the first 100 characters" in soup.get_text()
    assert len(soup.select_one("#search-q")["value"]) <= search.MAX_QUERY


@pytest.mark.parametrize("modules, lessons", [(1, 2), (3, 4)])
def test_search_queries_do_not_grow(client, trainee, make_tree, modules, lessons, django_assert_max_num_queries):
    make_tree(modules=modules, lessons=lessons)
    client.force_login(trainee)
    client.get("/en/search/", {"q": "lesson"})  # warm the site-root cache
    # session, user, restrictions, entries (ranked, with their pages and the total), module and
    # course titles
    with django_assert_max_num_queries(5):
        titles, _ = found(client, "en", "lesson")
    assert len(titles) == modules * lessons


def test_the_header_has_the_search_box(client, tree):
    lesson = tree.lessons[0][0]
    soup = BeautifulSoup(client.get(lesson.url).content, "html.parser")
    form = soup.select_one("header form[role=search]")
    assert form["action"] == "/zh-hans/search/" and form.select_one("input[name=q]")


def test_load_curriculum_rebuilds_the_index(tree, tmp_path):
    """A database loaded before search existed (or an index gone astray) is indexed again by
    the next load_curriculum."""
    LessonSearchEntry.objects.all().delete()
    call_command("load_curriculum", path=str(write_curriculum(tmp_path / "again")), stdout=StringIO())
    assert LessonSearchEntry.objects.count() == LessonPage.objects.live().count() == 12
    entry = LessonSearchEntry.objects.get(page__title="Lesson 1-2")
    assert entry.body == "S Lesson 1-2 Body of Lesson 1-2. Tip A tip. point"


def test_query_parsing():
    """Punctuation separates terms; Chinese and Latin runs are separate terms; single
    characters are dropped; terms are lower-cased and kept once."""
    assert search.parse_query("SQL查询 “留存率”, A/B-test 的 SQL").terms == ("sql", "查询", "留存率", "test")
    assert search.parse_query("  ").text == ""
    assert search.parse_query("的 a").too_short
    long = search.parse_query("ab " * 40)
    assert long.shortened and long.terms == ("ab",)
    many = search.parse_query(" ".join(f"w{i}" for i in range(12)))
    assert many.shortened and len(many.terms) == search.MAX_TERMS


def test_snippets_are_cut_around_the_first_match():
    text = "开头" * 100 + "留存率" + "结尾" * 100
    snip = search.snippet(text, ("留存",), width=30)
    assert snip.startswith("…") and snip.endswith("…") and "<mark>留存</mark>率" in snip
    assert search.snippet("<no match>", ("留存",)) == "&lt;no match&gt;"
    english = search.snippet("The first week matters: day-one retention is the share of new users who return.",
                             ("retention",), width=40)
    assert english == "…day-one <mark>retention</mark> is the share of new…"  # whole words


def test_lesson_text_reads_what_a_reader_sees(tree):
    lesson = LessonPage(title="t", summary="摘要", body=[
        ("markdown", "第一段**加粗**，\n换行。\n\n| 职责 | 内容 |\n|---|---|\n| 活动 | 策划 |"),
        ("callout", {"kind": "tip", "title": "提示", "text": "A &amp; B"}),
        ("key_points", {"title": "要点", "points": ["一", "二"]}),
    ])
    assert search.lesson_text(lesson) == "摘要 第一段加粗，换行。 职责 内容 活动 策划 提示 A & B 要点 一 二"


def test_the_index_follows_publishing_not_drafts(client, lessons):
    """A draft of a live lesson is not searched until it is published; then its old text is
    gone from the index. Deleting the lesson removes it."""
    zh, _ = lessons
    zh.body = [("markdown", "改版后讲的是复购率。")]
    zh.save_revision()
    assert found(client, "zh-hans", "复购率")[0] == []
    assert found(client, "zh-hans", "啊哈时刻")[0] == ["留存分析"]
    zh.save_revision().publish()
    assert found(client, "zh-hans", "复购率")[0] == ["留存分析"]
    assert found(client, "zh-hans", "啊哈时刻")[0] == []
    zh.delete()
    assert found(client, "zh-hans", "复购率")[0] == []
    assert not LessonSearchEntry.objects.filter(page_id=zh.pk).exists()


def test_a_password_protected_section_is_searched_once_its_password_is_given(client, tree, lessons):
    restriction = PageViewRestriction.objects.create(
        page=tree.modules[0], restriction_type=PageViewRestriction.PASSWORD, password="secret")
    assert found(client, "zh-hans", "留存")[0] == []
    session = client.session
    session[restriction.passed_view_restrictions_session_key] = [restriction.pk]
    session.save()
    assert found(client, "zh-hans", "留存")[0] == ["留存分析"]
