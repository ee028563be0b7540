"""Practical questions in a real Chromium: a trainee gets their own numbers in a calculated
question, runs queries on the lab dataset (and sees a refusal explained), answers both, submits
and passes. Run with DOCS_SCREENSHOTS=1 to refresh docs/screenshots/practical-*.png."""

import re

import pytest
from playwright.sync_api import expect
from wagtail.models import Locale

from quizzes.models import Attempt, AttemptQuestion, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.browser.test_quiz_journey import saving, screenshot, start_attempt
from tests.conftest import make_user
from tests.quizzes.test_calculated import CONVERSION
from tests.quizzes.test_sql_labs import LAB

pytestmark = pytest.mark.browser


@pytest.fixture
def practical_quiz(live_tree):
    """An English module quiz of one calculated question and one SQL lab, committed."""
    english = Locale.objects.get(language_code="en")
    bank = QuestionBank.objects.create(slug="practice", title="Practice")
    for data in (CONVERSION, LAB):
        write_question(bank, english, normalise(data))
    module = live_tree.en(live_tree.modules[0])
    quiz = QuizPage(title="Practice", slug="practice", draws=[QuizDraw(bank=bank, count=2)], shuffle_choices=False,
                    requires_lessons_complete=False, answers_shown="always")
    module.add_child(instance=quiz)
    quiz.save_revision().publish()
    return live_tree, QuizPage.objects.get(pk=quiz.pk)


def test_trainee_computes_with_their_own_numbers_and_queries_the_lab_dataset(page, live_server, practical_quiz, log_in):
    tree, quiz = practical_quiz
    log_in(make_user("practice@example.com"), tree.en(tree.course))
    attempt = start_attempt(page, live_server, quiz, "Start the quiz")
    values = AttemptQuestion.objects.get(attempt=attempt, spec__type="calculated").spec["values"]

    calculated = page.locator("fieldset[data-type=calculated]")
    expect(calculated).to_contain_text(f"{int(values['visitors'])} visitors")
    calculated.get_by_label("Your answer").fill(f"{values['orders'] / values['visitors'] * 100:.2f}")
    saving(page, calculated, lambda: calculated.get_by_label("Your answer").press("Tab"))

    lab = page.locator("fieldset[data-type=sql]")
    editor = lab.get_by_label("Your query")
    result = lab.locator("[data-run-result]")
    editor.fill("DELETE FROM users")
    lab.get_by_role("button", name="Run").click()
    expect(result.locator(".error")).to_contain_text("read-only")
    editor.fill("SELECT channel, COUNT(*) AS users FROM users GROUP BY channel ORDER BY users DESC")
    # Leaving the editor for Run saves the query (the change event), as any answer is saved.
    saving(page, lab, lambda: lab.get_by_role("button", name="Run").click())
    expect(result.locator("table th")).to_have_text(["channel", "users"])
    expect(result.locator(".meta")).to_contain_text(re.compile(r"^\d+ rows · [\d.]+ ms$"))
    lab.locator("summary", has_text="Data dictionary").click()
    expect(lab.locator(".sql-lab__dictionary")).to_contain_text("orders")
    screenshot(page, "practical-attempt-desktop", 1280, 860)
    screenshot(page, "practical-attempt-phone", 390, 844)

    page.get_by_role("button", name="Submit answers").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit now").click()  # the confirmation
    expect(page).to_have_url(f"{live_server.url}/en/quizzes/attempts/{attempt.pk}/result/")
    expect(page.locator(".score__value")).to_have_text("100%")
    assert Attempt.objects.get(pk=attempt.pk).percent == 100
