"""Quizzes in a real Chromium: a trainee answers every question type and unlocks the next
module; a timed attempt nobody submits is finalised; an instructor writes a question in the
Wagtail admin and adds it to a quiz.

The journeys run in English, on an English translation of `make_quiz`'s quiz (the questions of
tests/quizzes/conftest.py, written again in the `en` locale as the curriculum loader does).
Run with DOCS_SCREENSHOTS=1 to refresh docs/screenshots/quiz-*.png from the trainee journey.
"""

import os
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Locale
from wagtail.users.models import UserProfile

from accounts.groups import INSTRUCTORS
from courses import api as courses_api
from courses.models import CompletionRule, ModuleCompletion
from quizzes import api as quizzes_api
from quizzes.models import Attempt, AttemptStatus, Question, QuizPage
from quizzes.questions import normalise, write_question
from tests.conftest import PASSWORD, make_user
from tests.quizzes.conftest import QUESTIONS, make_quiz  # noqa: F401  (make_quiz is a fixture)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
STEMS = {data["key"]: data["stem"].replace("**", "") for data in QUESTIONS}  # as the browser shows them
ORDER = ["Strategy", "Execution", "Monitoring"]
MATCHES = {"Retention": "User growth", "Market share": "Commercial", "Satisfaction": "Quality"}
IS_SAVED = re.compile(r"\bis-saved\b")
LAST_SAVED = re.compile(r"^Last saved \d")


class EnglishQuiz:
    """The quiz, its module and course in English, over the zh-hans `QuizSetup`."""

    def __init__(self, setup):
        self.setup = setup
        self.course = setup.tree.en(setup.tree.course)
        self.modules = [setup.tree.en(module) for module in setup.tree.modules]
        self.quiz = QuizPage.objects.get(translation_key=setup.quiz.translation_key, locale=self.course.locale)


@pytest.fixture
def live_quiz(transactional_db, django_db_serialized_rollback, make_quiz):  # noqa: F811
    """Build `make_quiz(**settings)` and its English translation, committed for the live server."""

    def make(**settings):
        setup = make_quiz(**settings)
        english = Locale.objects.get(language_code="en")
        for question in Question.objects.filter(bank=setup.bank):
            data = next(d for d in QUESTIONS if d["key"] == question.key)
            write_question(setup.bank, english, normalise(data), translation_key=question.translation_key)
        module = setup.tree.en(setup.tree.modules[0])
        module.completion_rule = CompletionRule.ASSESSMENT
        module.save_revision().publish()
        setup.quiz.copy_for_translation(english).save_revision().publish()
        return EnglishQuiz(setup)

    return make


def question(page, key):
    return page.locator("fieldset.question").filter(has_text=STEMS[key])


def saving(page, fieldset, action):
    """Do `action` and wait until the answer it gives is saved on the server and the page says so."""
    with page.expect_response(lambda r: r.url.endswith("/answer/") and r.request.method == "POST") as response:
        action()
    assert response.value.status == 200, response.value.text()
    expect(fieldset).to_have_class(IS_SAVED)
    expect(page.locator("[data-saved]")).to_have_text(LAST_SAVED)


def answer_every_question(page):
    """The right answer to each question, given the way a trainee gives it."""
    single = question(page, "q-single")
    saving(page, single, lambda: single.get_by_label("Server maintenance").check())
    multi = question(page, "q-multi")
    saving(page, multi, lambda: multi.get_by_label("Points").check())
    saving(page, multi, lambda: multi.get_by_label("Community").check())
    true_false = question(page, "q-tf")
    saving(page, true_false, lambda: true_false.get_by_label("False", exact=True).check())
    numeric = question(page, "q-num")
    numeric.get_by_label("Your answer").fill("15")
    saving(page, numeric, lambda: numeric.get_by_label("Your answer").press("Tab"))  # change fires on blur
    short = question(page, "q-short")
    short.get_by_label("Your answer").fill("ＤＡＵ")  # full width, as a Chinese IME types it
    saving(page, short, lambda: short.get_by_label("Your answer").press("Tab"))
    ordering = question(page, "q-order")
    for rank, item in enumerate(ORDER[:-1], start=1):  # saved once every item has its rank
        ordering.locator("label", has_text=item).locator("select").select_option(str(rank))
    saving(page, ordering, lambda: ordering.locator("label", has_text=ORDER[-1]).locator("select").select_option("3"))
    matching = question(page, "q-match")
    items = list(MATCHES.items())
    for item, match in items[:-1]:
        matching.locator("label", has_text=item).locator("select").select_option(label=match)
    item, match = items[-1]
    saving(page, matching,
           lambda: matching.locator("label", has_text=item).locator("select").select_option(label=match))


def expect_every_answer_shown(page):
    single = question(page, "q-single")
    expect(single.get_by_label("Server maintenance")).to_be_checked()
    expect(single.get_by_label("Campaigns")).not_to_be_checked()
    multi = question(page, "q-multi")
    expect(multi.get_by_label("Points")).to_be_checked()
    expect(multi.get_by_label("Community")).to_be_checked()
    expect(multi.get_by_label("Buying traffic")).not_to_be_checked()
    expect(question(page, "q-tf").get_by_label("False", exact=True)).to_be_checked()
    expect(question(page, "q-num").get_by_label("Your answer")).to_have_value("15")
    expect(question(page, "q-short").get_by_label("Your answer")).to_have_value("ＤＡＵ")
    for rank, item in enumerate(ORDER, start=1):
        expect(question(page, "q-order").locator("label", has_text=item).locator("select")).to_have_value(str(rank))
    for item, match in MATCHES.items():
        chosen = question(page, "q-match").locator("label", has_text=item).locator("option:checked")
        expect(chosen).to_have_text(match)


def screenshot(page, name, width, height):
    """Save docs/screenshots/<name>.png when asked to (DOCS_SCREENSHOTS=1)."""
    if not os.environ.get("DOCS_SCREENSHOTS"):
        return
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    # Sticky bars at the top; the admin scrolls inside its own panes.
    page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0);"
                  " document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    page.set_viewport_size(size)


def expect_uncovered(locator):
    """Nothing is drawn over `locator` (a sticky header, say): its top edge and middle show."""
    expect(locator).to_be_in_viewport(ratio=1)
    assert locator.evaluate("""element => {
        const box = element.getBoundingClientRect(), x = box.x + box.width / 2;
        return [box.y + 2, box.y + box.height / 2].every(y => element.contains(document.elementFromPoint(x, y)));
    }"""), "something covers it"


def start_attempt(page, live_server, quiz, button):
    page.goto(f"{live_server.url}{quiz.url}")
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(rf"^{live_server.url}/en/quizzes/attempts/\d+/$"))
    page.wait_for_load_state()  # the URL changes before attempt.js runs; an answer given earlier is not saved
    return Attempt.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))


def test_trainee_answers_every_question_type_passes_and_unlocks_the_next_module(page, live_server, live_quiz, log_in):
    """Every answer is saved as it is given and survives a reload; the right answers pass the
    quiz, which completes module 1 and so unlocks module 2."""
    quiz = live_quiz()
    trainee = make_user("quiz-taker@example.com")
    log_in(trainee, quiz.course)
    modules = page.locator("ol.modules > li.module")
    page.goto(f"{live_server.url}{quiz.course.url}")
    expect(modules.nth(1).locator(".lock")).to_contain_text(quiz.modules[0].title)

    attempt = start_attempt(page, live_server, quiz.quiz, "Start the quiz")
    expect(page.locator("fieldset.question")).to_have_count(len(QUESTIONS))
    saved = page.locator("[data-saved]")
    expect(saved).to_have_text("Answers are saved as you go")
    answer_every_question(page)
    screenshot(page, "quiz-attempt-desktop", 1280, 860)
    screenshot(page, "quiz-attempt-phone", 390, 844)

    page.reload()
    expect(saved).to_have_text(LAST_SAVED)  # now rendered by the server
    expect_every_answer_shown(page)
    assert all(q.response is not None for q in attempt.questions.all())

    page.get_by_role("button", name="Submit answers").click()
    page.get_by_role("dialog").get_by_role("button", name="Submit now").click()  # the confirmation
    expect(page).to_have_url(f"{live_server.url}/en/quizzes/attempts/{attempt.pk}/result/")
    expect(page.locator(".score__value")).to_have_text("100%")
    expect(page.locator(".score__verdict")).to_have_text("Passed")
    expect(page.locator("article.question--review.is-right")).to_have_count(len(QUESTIONS))
    screenshot(page, "quiz-result-desktop", 1280, 860)
    screenshot(page, "quiz-result-phone", 390, 844)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.finished_by, attempt.percent) == (AttemptStatus.FINISHED, "submit", Decimal("100"))
    assert ModuleCompletion.objects.filter(user=trainee, module_key=quiz.modules[0].translation_key).exists()

    page.goto(f"{live_server.url}{quiz.course.url}")
    expect(modules.nth(0)).to_have_class(re.compile(r"\bmodule--done\b"))
    expect(modules.nth(1)).not_to_have_class(re.compile(r"\bmodule--locked\b"))
    expect(modules.nth(1).locator(".lock")).to_have_count(0)
    page.goto(f"{live_server.url}{quiz.modules[1].url}")
    expect(page.locator(".notice--locked")).to_have_count(0)


def test_timed_attempt_left_alone_is_finalised_after_the_deadline(page, live_server, live_quiz, log_in, settings):
    """An open tab reloads once the deadline and grace are past, and the server grades what was
    saved; an attempt whose tab was closed is graded by the `finalise_attempts` sweep."""
    settings.QUIZ_GRACE_SECONDS = 1
    quiz = live_quiz(time_limit_minutes=1)
    trainee = make_user("timed@example.com")
    log_in(trainee, quiz.course)

    attempt = start_attempt(page, live_server, quiz.quiz, "Start the quiz")
    assert timedelta(seconds=50) < attempt.deadline - timezone.now() <= timedelta(minutes=1)
    timer = page.locator("[data-timer]")
    expect(timer).to_have_text(re.compile(r"^[01]:\d\d$"))
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone, far down the quiz
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect_uncovered(page.locator(".attempt-bar"))  # the timer stays in sight
    page.set_viewport_size({"width": 1280, "height": 720})
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=4))
    page.reload()  # the countdown reads the new deadline
    true_false = question(page, "q-tf")
    saving(page, true_false, lambda: true_false.get_by_label("False", exact=True).check())

    expect(timer).to_have_text("Time is up", timeout=8_000)
    expect(page).to_have_url(f"{live_server.url}/en/quizzes/attempts/{attempt.pk}/result/", timeout=8_000)
    expect(page.locator(".hero .meta")).to_contain_text("submitted automatically when time ran out")
    attempt.refresh_from_db()
    assert (attempt.status, attempt.finished_by) == (AttemptStatus.FINISHED, "deadline")
    scores = {q.spec["key"]: q.score for q in attempt.questions.all()}
    assert scores.pop("q-tf") == Decimal("1")
    assert set(scores.values()) == {Decimal("0")}
    assert attempt.score == Decimal("1")

    second = start_attempt(page, live_server, quiz.quiz, "Try again")
    single = question(page, "q-single")
    saving(page, single, lambda: single.get_by_label("Server maintenance").check())
    page.close()  # the trainee walks away
    Attempt.objects.filter(pk=second.pk).update(deadline=timezone.now() - timedelta(seconds=2))
    out = StringIO()
    call_command("finalise_attempts", stdout=out)
    assert out.getvalue().strip() == "Finalised 1 attempt."
    second.refresh_from_db()
    assert (second.status, second.finished_by, second.score) == (AttemptStatus.FINISHED, "sweep", Decimal("1"))


def test_instructor_writes_a_question_and_adds_it_to_a_quiz(page, live_server, live_quiz):
    """A question made in the snippets form, with its answers, is drawn once the quiz's draw
    is widened and published in the page editor."""
    quiz = live_quiz().setup.quiz  # the zh-hans quiz, where new questions land by default
    instructor = make_user("teacher@example.com", INSTRUCTORS)
    profile = UserProfile.get_for_user(instructor)
    profile.preferred_language = "en"
    profile.save()

    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(f"{live_server.url}/en/accounts/login/?next=/admin/")  # Chromium asks for en-US
    page.locator("input[name=login]").fill(instructor.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}{reverse('wagtailsnippets_quizzes_question:add')}")
    # Not by its text: Wagtail formats the chooser's label once, in whichever language is active.
    page.locator("#id_bank-chooser .chooser__choose-button").click()
    page.locator(".modal").get_by_role("link", name="Bank", exact=True).click()
    expect(page.locator("[data-chooser-title]").first).to_have_text("Bank")
    page.locator("input[name=key]").fill("q-returning")
    page.locator("select[name=question_type]").select_option("single_choice")
    page.locator("textarea[name=stem]").fill("Which metric counts returning users?")
    for index, (text, fraction) in enumerate([("Retention", "1"), ("Reach", "0")]):
        page.get_by_role("button", name="Add answer").click()
        page.locator(f"[name=answers-{index}-text]").fill(text)
        page.locator(f"[name=answers-{index}-fraction]").fill(fraction)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{reverse('wagtailsnippets_quizzes_question:list')}?locale=zh-hans")
    expect(page.locator(".messages .success")).to_contain_text("q-returning")

    question = Question.objects.get(key="q-returning")
    assert (question.bank_id, question.question_type, question.locale_id) == (
        quiz.draws.get().bank_id, "single_choice", quiz.locale_id)
    assert [(a.text, a.fraction) for a in question.answers.order_by("sort_order")] == [
        ("Retention", Decimal("1")), ("Reach", Decimal("0"))]
    assert question.latest_revision.content["stem"] == "Which metric counts returning users?"

    page.goto(f"{live_server.url}{reverse('wagtailadmin_pages:edit', args=[quiz.pk])}")
    count = page.locator("input[name=draws-0-count]")
    expect(count).to_have_value(str(len(QUESTIONS)))
    count.fill(str(len(QUESTIONS) + 1))
    page.get_by_role("button", name="More actions").click()  # Publish is in the footer's menu
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messages .success")).to_contain_text("published")

    published = QuizPage.objects.get(pk=quiz.pk)
    assert published.live and not published.has_unpublished_changes
    assert published.draws.get().count == len(QUESTIONS) + 1
    trainee = make_user("drawn@example.com")
    courses_api.enrol_learner(trainee, quiz.get_parent().get_parent().specific)
    attempt = quizzes_api.start_attempt(trainee, published)
    assert "q-returning" in {q.spec["key"] for q in attempt.questions.all()}
