"""A trainee's first visit, in a real Chromium: sign up, verify, enrol, learn, see progress.

allauth's headings are checked in the page's language (allauth ships a compiled zh-hans
catalogue). Our own buttons and bars are found by form action and CSS class, not by text,
so the tests hold whether or not the project's catalogues are compiled.
"""

import re

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

LANGUAGES = ["zh-hans", "en"]
CONFIRM_LINK = re.compile(r"http://[^\s\"'<>]+/accounts/confirm-email/[^/\s]+/")


def in_language(tree, page, lang):
    return page if lang == "zh-hans" else tree.en(page)


def other_language(lang):
    return next(code for code in LANGUAGES if code != lang)


def heading(lang, msgid):
    """An allauth heading as the live server (same process, same catalogues) renders it."""
    with translation.override(lang):
        text = translation.gettext(msgid)
    assert lang == "en" or text != msgid, f"{msgid!r} has no {lang} translation"
    return text


def sign_up_and_verify(page, live_server, lang, email):
    """Sign up through the form, then follow the link in the verification mail."""
    page.goto(f"{live_server.url}/{lang}/accounts/signup/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/{lang}/accounts/confirm-email/")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading(lang, "Confirm your email address"))

    assert mail.outbox[-1].to == [email]
    link = CONFIRM_LINK.search(mail.outbox[-1].body).group(0)
    assert link.startswith(f"{live_server.url}/{lang}/accounts/confirm-email/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading(lang, "Confirm Email Address"))
    page.locator("main form button[type=submit]").click()
    # Confirming logs the new trainee in and lands on the dashboard in their language.
    expect(page).to_have_url(f"{live_server.url}/{lang}/my-learning/")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_trainee_signs_up_enrols_and_sees_progress_move(page, live_server, live_tree, lang):
    """A new trainee verifies their email, enrols, completes a lesson, and every progress bar
    (lesson, module, dashboard) moves; the whole journey stays in the chosen language."""
    course = in_language(live_tree, live_tree.course, lang)
    module = in_language(live_tree, live_tree.modules[0], lang)
    lessons = [in_language(live_tree, lesson, lang) for lesson in live_tree.lessons[0]]
    total_lessons = sum(len(module_lessons) for module_lessons in live_tree.lessons)
    other = other_language(lang)

    def url(path):
        return f"{live_server.url}{path}"

    sign_up_and_verify(page, live_server, lang, f"new-{lang}@example.com")

    page.goto(url(course.url))
    page.locator(f"form[action$='/learn/courses/{course.pk}/enrol/'] button").click()
    expect(page).to_have_url(url(course.url))
    expect(page.locator(".hero--course progress")).to_have_attribute("value", "0")

    page.goto(url(lessons[0].url))
    expect(page.locator(".lesson-nav progress")).to_have_attribute("value", "0")
    page.locator(f"form[action$='/learn/lessons/{lessons[0].pk}/complete/'] button").click()
    # "Mark complete and continue" moves on to the next lesson.
    expect(page).to_have_url(url(lessons[1].url))
    expect(page.locator(".lesson-nav progress")).to_have_attribute("value", "33")
    expect(page.locator(".lesson-nav li").first).to_have_class(re.compile(r"\bis-done\b"))
    expect(page.locator(".lesson-nav li .check").first).to_have_text("✓")
    expect(page.locator(".lesson-nav li .check").nth(1)).to_have_text("2")

    expect(page.locator("html")).to_have_attribute("lang", lang)
    translated_lesson = in_language(live_tree, live_tree.lessons[0][1], other)
    expect(page.locator(f".langs a[hreflang='{other}']")).to_have_attribute("href", translated_lesson.url)

    page.goto(url(module.url))
    expect(page.locator(".hero progress")).to_have_attribute("value", "33")
    expect(page.locator(".lessons li .check").first).to_have_text("✓")

    page.goto(url(f"/{lang}/my-learning/"))
    card = page.locator(".card--course")
    expect(card).to_have_count(1)
    expect(card.locator("progress")).to_have_attribute("value", str(round(100 / total_lessons)))
    expect(card.locator("a.button")).to_have_attribute("href", lessons[1].url)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(f".langs a[hreflang='{other}']")).to_have_attribute("href", f"/{other}/my-learning/")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_locked_module_shows_the_lock_and_no_complete_button(page, live_server, live_tree, log_in, lang):
    """Until module 1 is finished, module 2 and its lessons say so and offer no way to
    complete a lesson."""
    log_in(make_user("locked@example.com"), live_tree.course)
    first_module = in_language(live_tree, live_tree.modules[0], lang)
    locked_module = in_language(live_tree, live_tree.modules[1], lang)
    locked_lesson = in_language(live_tree, live_tree.lessons[1][0], lang)

    page.goto(f"{live_server.url}{locked_lesson.url}")
    expect(page.get_by_role("heading", level=1)).to_have_text(locked_lesson.title)
    notice = page.locator(".notice--locked")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"“{first_module.title}”")
    expect(page.locator("form[action*='/complete/']")).to_have_count(0)

    page.goto(f"{live_server.url}{locked_module.url}")
    expect(page.locator(".notice--locked")).to_contain_text(f"“{first_module.title}”")
    expect(page.locator(".notice--locked a")).to_have_attribute("href", first_module.url)
    expect(page.locator("html")).to_have_attribute("lang", lang)
