"""Lesson search in a real Chromium: a trainee types a Chinese word in the header's search box,
reads the ranked results with the word marked, and opens the lesson. Run with
DOCS_SCREENSHOTS=1 to refresh docs/screenshots/search-*.png."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_quiz_journey import screenshot
from tests.conftest import make_user
from tests.courses.test_search import RETENTION_ZH, add_lesson

pytestmark = pytest.mark.browser


def test_a_trainee_searches_from_the_header_and_opens_a_lesson(page, live_server, live_tree, log_in):
    lesson = add_lesson(live_tree.modules[1], "retention", "留存分析", RETENTION_ZH)
    log_in(make_user("searcher@example.com", display_name="Lin Wei"), live_tree.course)
    page.goto(f"{live_server.url}{live_tree.lessons[0][0].url}")
    box = page.get_by_role("search").get_by_role("searchbox")
    box.fill("留存")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/zh-hans/search/?q=%E7%95%99%E5%AD%98")
    result = page.locator(".search-result").first
    expect(result.locator("mark").first).to_have_text("留存")
    expect(result).to_contain_text("模块2")  # where the lesson sits
    screenshot(page, "search-desktop", 1280, 800)
    screenshot(page, "search-phone", 390, 844)
    result.get_by_role("link", name="留存分析").click()
    expect(page).to_have_url(f"{live_server.url}{lesson.url}")
    expect(page.locator("h1")).to_contain_text("留存分析")
