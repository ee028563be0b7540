"""The admin in both languages, in a real Chromium (issue 13).

The Chinese admin's screens that we own (dashboard, a course in the page explorer, the lesson
editor, the question list and editor, question banks, quiz statistics, the grading queue, HR's
reports and the certificates list) show no Latin-script UI word, and the English admin's no
Chinese, outside content (page titles, questions, names: removed from the text first), code
(question keys, slugs, emails) and a short allow-list. The text is what the browser renders,
sidebar menu included (`innerText`: nothing hidden, no attribute). Also: an instructor
translates a page with *Translate* and sees its English editor warn when the Chinese page
changes; the language switcher of a Chinese-only lesson leads to a notice, not a 404; the
question editor shows only the answer fields of the chosen type."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from wagtail.models import Locale, Page
from wagtail.users.models import UserProfile

from accounts.groups import HR, INSTRUCTORS
from courses import api as courses_api
from courses.models import LessonPage
from quizzes.models import Question, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.conftest import make_user
from tests.quizzes.test_analysis import take

pytestmark = pytest.mark.browser

# Words that are names or formats, not UI text: file formats, the product's and the
# framework's names, our course format's name for instructors (Markdown), and English as
# language pickers name it, in its own script.
LATIN_ALLOWED = {"CSV", "XLSX", "PDF", "SQL", "Markdown", "Wagtail", "Ops", "Academy", "Moodle", "GIFT", "Aiken",
                 "XML", "English", "ID", "KR"}  # KR-20: Kuder–Richardson's reliability formula
# Language names in their own script (the language pickers' convention).
CJK_ALLOWED = {"简体中文"}

QUESTIONS = [
    {"key": "q-tf", "type": "true_false", "stem": "用户分层**永远不变**。",
     "answers": [{"text": "true", "fraction": 0}, {"text": "false", "fraction": 1}]},
    {"key": "q-one", "type": "single_choice", "stem": "哪一项**不是**运营的核心职责？",
     "answers": [{"text": "活动策划", "fraction": 0}, {"text": "服务器维护", "fraction": 1}]},
]


@pytest.fixture
def admin_world(live_tree):
    """A bank of two Chinese questions (and their English twins), a quiz drawing both that two
    trainees took, an instructor and HR."""
    zh, en = Locale.objects.get(language_code="zh-hans"), Locale.objects.get(language_code="en")
    bank = QuestionBank.objects.create(slug="bank", title="基础题库")
    for data in QUESTIONS:
        write_question(bank, zh, normalise(data))
        write_question(bank, en, normalise({**data, "stem": "Segments never change." if data["key"] == "q-tf"
                                            else "Which is not a core duty?"}))
    module = live_tree.modules[0]
    quiz = QuizPage(title="模块测验", slug="quiz", locale=zh, requires_lessons_complete=False)
    module.add_child(instance=quiz)
    quiz.save_revision().publish()
    QuizDraw.objects.create(quiz=quiz, bank=bank, count=2)
    for n, picks in enumerate([{"q-tf": "false", "q-one": "服务器维护"}, {"q-tf": "true", "q-one": "活动策划"}]):
        trainee = make_user(f"t{n}@example.com", display_name=f"学员{n}")
        courses_api.enrol_learner(trainee, live_tree.course)
        take(trainee, quiz, picks)
    instructor = make_user("teacher@example.com", INSTRUCTORS, display_name="王老师")
    hr = make_user("people@example.com", HR, display_name="人事李")
    return {"tree": live_tree, "quiz": quiz, "bank": bank, "instructor": instructor, "hr": hr}


def speak(user, language):
    UserProfile.objects.filter(user=user).update(preferred_language=language)


def content_strings():
    """Everything the walk may show that is content or code, not UI: longest first."""
    strings = set()
    for page in Page.objects.filter(depth__gt=1):
        strings.update({page.title, page.slug})
    for lesson in LessonPage.objects.all():
        strings.update(texts_in(lesson.body.raw_data))
    for question in Question.objects.prefetch_related("answers"):
        strings.update({question.key, *re.split(r"\*\*|`", question.stem)})
        # a true/false answer's stored 'true' and 'false' are code the admin must show as words
        strings.update(answer.text for answer in question.answers.all() if answer.text not in ("true", "false"))
    for bank in QuestionBank.objects.all():
        strings.update({bank.title, bank.slug})
    for user in get_user_model().objects.all():
        strings.update({user.email, user.username, user.get_display_name()})
    return sorted((s for s in strings if s), key=len, reverse=True)


def texts_in(value):
    """Every string inside a StreamField's raw data (block values, not block types)."""
    if isinstance(value, str):
        return {line.strip(" #-:") for line in value.splitlines()}
    if isinstance(value, dict):
        return set().union(*(texts_in(v) for k, v in value.items() if k not in ("type", "id")))
    if isinstance(value, list):
        return set().union(set(), *(texts_in(v) for v in value))
    return set()


def ui_words(page, script, content):
    expect(page.locator("body")).to_be_visible()
    page.wait_for_load_state("networkidle")
    # What editors typed is content: the fields' text and the block headers that summarise it.
    # The minimap repeats the panel headings, with the blocks' content as their summaries.
    page.add_style_tag(content="textarea, [data-streamfield-stream-container] [data-panel-heading-text], .w-minimap "
                                "{ display: none !important; }")
    text = page.locator("body").inner_text()
    for string in content:
        text = text.replace(string, " ")
    text = re.sub(r"Wagtail \d+(\.\d+)*", " ", text)  # the version in the account menu
    text = re.sub(r"[\w.-]+/[\w./-]+", " ", text)  # file paths (content/curriculum/skills.yaml)
    text = re.sub(r"'[a-z_]+'", " ", text)  # values to type, quoted ('true')
    return stray_words(text, script, LATIN_ALLOWED if script == "latin" else CJK_ALLOWED)


def stray_words(text, script, allowed):
    """{word of `script` ("latin" or "cjk") not in `allowed`: the text around it, so that a
    failure says where it is}."""
    pattern = r"[A-Za-z][A-Za-z'’]*" if script == "latin" else r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+"
    return {m.group(0): " ".join(text[max(0, m.start() - 30):m.end() + 30].split())
            for m in re.finditer(pattern, text) if m.group(0) not in allowed}


def walk(page, base, screens, script):
    content = content_strings()
    found = {}
    for path in screens:
        response = page.goto(base + path)
        assert response.ok, (path, response.status)
        words = ui_words(page, script, content)
        if words:
            found[path] = words
    return found


def instructor_screens(world, language):
    tree, quiz = world["tree"], world["quiz"]
    course = tree.course if language == "zh-hans" else tree.en(tree.course)
    lesson = tree.lessons[0][0] if language == "zh-hans" else tree.en(tree.lessons[0][0])
    question = Question.objects.get(key="q-one", locale__language_code=language)
    locale = "zh-hans" if language == "zh-hans" else "en"
    return [
        "/admin/",
        f"/admin/pages/{course.pk}/",
        f"/admin/pages/{lesson.pk}/edit/",
        f"/admin/snippets/quizzes/question/?locale={locale}",
        f"/admin/snippets/quizzes/question/edit/{question.pk}/",
        "/admin/snippets/quizzes/questionbank/",
        "/admin/quiz-statistics/",
        f"/admin/quiz-statistics/{quiz.pk}/",
        "/admin/grading/",
    ]


HR_SCREENS = ["/admin/", "/admin/hr/", "/admin/hr/summary/", "/admin/hr/people/", "/admin/hr/expiring/"]


def test_the_chinese_admin_speaks_chinese(page, live_server, log_in, admin_world):
    found = {}
    for user, screens in ((admin_world["instructor"], instructor_screens(admin_world, "zh-hans")),
                          (admin_world["hr"], HR_SCREENS)):
        speak(user, "zh-hans")
        log_in(user)
        found.update(walk(page, live_server.url, screens, "latin"))
    assert not found, f"Latin-script UI words in the Chinese admin: {found}"


def test_the_english_admin_speaks_english(page, live_server, log_in, admin_world):
    found = {}
    for user, screens in ((admin_world["instructor"], instructor_screens(admin_world, "en")),
                          (admin_world["hr"], HR_SCREENS)):
        speak(user, "en")
        log_in(user)
        found.update(walk(page, live_server.url, screens, "cjk"))
    assert not found, f"Chinese UI text in the English admin: {found}"


def test_an_instructor_translates_and_sees_when_the_source_changes(page, live_server, log_in, admin_world):
    """*Translate* is in the page's menu; after the Chinese page changes, the English editor
    warns and links to what changed."""
    tree = admin_world["tree"]
    module = tree.modules[0]
    new = module.add_child(instance=LessonPage(title="新课", slug="new-lesson", locale=module.locale))
    new.save_revision().publish()
    instructor = admin_world["instructor"]
    log_in(instructor)
    page.goto(f"{live_server.url}/admin/pages/{new.pk}/edit/")
    page.goto(f"{live_server.url}/admin/translation/submit/page/{new.pk}/")
    page.get_by_label("English").check()
    page.locator("main form button[type=submit], main form input[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/"))
    english = new.get_translation(Locale.objects.get(language_code="en"))
    page.goto(f"{live_server.url}/admin/pages/{english.pk}/edit/")
    expect(page.locator("body")).not_to_contain_text("Source changed since translation")

    new = LessonPage.objects.get(pk=new.pk)
    new.title = "新课（修订）"
    new.save_revision().publish()
    page.goto(f"{live_server.url}/admin/pages/{english.pk}/edit/")
    expect(page.locator(".messages")).to_contain_text("Source changed since translation")
    page.get_by_role("link", name="See changes").click()
    expect(page).to_have_url(re.compile(rf"/admin/pages/{new.pk}/revisions/compare/"))
    expect(page.locator("main")).to_contain_text("新课（修订）")


def test_the_translate_action_is_in_the_page_menu(page, live_server, log_in, admin_world):
    tree = admin_world["tree"]
    module = tree.modules[0]
    new = module.add_child(instance=LessonPage(title="新课", slug="new-lesson", locale=module.locale))
    new.save_revision().publish()
    log_in(admin_world["instructor"])
    page.goto(f"{live_server.url}/admin/pages/{module.pk}/")
    row = page.locator("tr", has_text="新课")
    row.get_by_role("button", name=re.compile("More options")).click()
    expect(row.get_by_role("link", name="Translate")).to_be_visible()


def test_switching_language_on_a_chinese_only_lesson_is_no_dead_end(page, live_server, log_in, admin_world):
    tree = admin_world["tree"]
    module = tree.modules[0]
    new = module.add_child(instance=LessonPage(title="新课", slug="new-lesson", locale=module.locale))
    new.save_revision().publish()
    trainee = get_user_model().objects.get(email="t0@example.com")
    log_in(trainee)
    page.goto(live_server.url + new.url)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator('.langs a[hreflang="en"]').click()
    expect(page.locator("h1")).to_contain_text("Not yet translated")
    expect(page.locator(".not-translated")).to_contain_text("新课")
    page.get_by_role("link", name=re.compile("Back to Module 1")).click()
    expect(page).to_have_url(live_server.url + tree.en(module).url)


def test_the_question_editor_shows_the_fields_of_the_chosen_type(page, live_server, log_in, admin_world):
    question = Question.objects.get(key="q-one", locale__language_code="zh-hans")
    log_in(admin_world["instructor"])
    page.goto(f"{live_server.url}/admin/snippets/quizzes/question/edit/{question.pk}/")
    match, tolerance = page.locator("#id_answers-0-match"), page.locator("#id_answers-0-tolerance")
    fraction, units = page.locator("#id_answers-0-fraction"), page.locator("#id_units")
    expect(fraction).to_be_visible()
    expect(match).to_be_hidden()
    expect(tolerance).to_be_hidden()
    expect(units).to_be_hidden()
    page.select_option("#id_question_type", "matching")
    expect(match).to_be_visible()
    expect(tolerance).to_be_hidden()
    page.select_option("#id_question_type", "numeric")
    expect(tolerance).to_be_visible()
    expect(units).to_be_visible()
    expect(match).to_be_hidden()
