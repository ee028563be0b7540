"""WCAG 2.2 AA on every learner page, in a real Chromium: axe-core finds no violation in
either language at 1280 and 320 px, and nothing scrolls sideways at 320 px (1.4.10 reflow).
The by-hand findings have their own checks: a visible focus ring on radios and checkboxes,
focus never hidden under the sticky bars, `lang` on questions in the attempt's language, a
quiet timer, login errors announced and tied to their fields."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certification.models import Certificate, CertificateRule
from quizzes import api as quizzes_api
from quizzes.grading import right_answer
from quizzes.models import AttemptQuestion
from tests.browser.axe import assert_accessible
from tests.browser.test_quiz_journey import expect_uncovered, live_quiz  # noqa: F401  (live_quiz is a fixture)
from tests.conftest import make_user
from tests.quizzes.conftest import make_quiz  # noqa: F401  (a fixture live_quiz needs)

pytestmark = pytest.mark.browser

LANGS = ("zh-hans", "en")
WIDTHS = (1280, 320)


@pytest.fixture
def browser_context_args(browser_context_args):
    """Our Content-Security-Policy refuses inline scripts, so axe is let in past it."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def live_db(transactional_db, django_db_serialized_rollback):
    """A database the live server reads, with the migrated rows (locales, site) reloaded."""


def in_language(path, lang):
    """`path` under the `lang` prefix (i18n_patterns: /zh-hans/…, /en/…) or with `?lang=`."""
    return re.sub(r"^/(zh-hans|en)/", f"/{lang}/", path).replace("{lang}", lang)


@pytest.fixture
def learner_pages(live_quiz, log_in):  # noqa: F811
    """A trainee with a passed (certified) attempt and an open one on the English quiz; returns
    the learner pages' paths, each to be read under both language prefixes."""
    quiz = live_quiz()
    CertificateRule.objects.create(slug="quiz", title="测验证书", title_en="Quiz certificate", exam=quiz.setup.quiz)
    trainee = make_user("a11y@example.com", display_name="Lin Wei")
    log_in(trainee, quiz.course)
    finished = quizzes_api.start_attempt(trainee, quiz.quiz)
    for question in AttemptQuestion.objects.filter(attempt=finished):
        quizzes_api.save_answer(trainee, finished.pk, question.position, right_answer(question.spec))
    quizzes_api.submit_attempt(trainee, finished.pk)
    certificate = Certificate.objects.get(user=trainee)
    open_attempt = quizzes_api.start_attempt(trainee, quiz.quiz)
    tree = quiz.setup.tree
    return {
        "catalog": quiz.course.get_parent().url,
        "course": quiz.course.url,
        "module": quiz.modules[0].url,
        "lesson": tree.en(tree.lessons[0][0]).url,
        "quiz": quiz.quiz.url,
        "attempt": f"/en/quizzes/attempts/{open_attempt.pk}/",
        "confirm submitting (without script)": f"/en/quizzes/attempts/{open_attempt.pk}/confirm/",
        "result": f"/en/quizzes/attempts/{finished.pk}/result/",
        "my learning": "/en/my-learning/",
        "my certificates": "/en/my-certificates/",
        "verify": f"/verify/{certificate.public_id}/?lang={{lang}}",
        "verify lookup": "/verify/?lang={lang}",
        "my skills": "/en/my-skills/",
        "search": "/en/search/?q=Lesson",
        "profile": "/en/accounts/profile/",
    }


def assert_no_sideways_scroll(page, where):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{where} scrolls sideways at 320 px: the page is {width} px wide"


def test_every_learner_page_passes_axe_in_both_languages_at_1280_and_320_px(page, live_server, learner_pages):
    """axe-core's WCAG 2.2 A and AA rules find nothing on any learner page, in Chinese and
    English, at 1280 px and at 320 px; at 320 px no page is wider than the screen."""
    failures = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for lang in LANGS:
            for name, path in learner_pages.items():
                where = f"{name} ({lang}, {width} px)"
                response = page.goto(f"{live_server.url}{in_language(path, lang)}")
                try:
                    assert response.status == 200, f"{where}: {response.status}"
                    assert_accessible(page, where)
                    if width == 320:
                        assert_no_sideways_scroll(page, where)
                except AssertionError as error:
                    failures.append(str(error))
    assert not failures, "\n\n".join(failures)


def test_login_and_sign_up_pass_axe_in_both_languages_at_1280_and_320_px(page, live_server, live_db):
    failures = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for lang in LANGS:
            for name in ("login", "signup", "password/reset"):
                where = f"{name} ({lang}, {width} px)"
                page.goto(f"{live_server.url}/{lang}/accounts/{name}/")
                try:
                    assert_accessible(page, where)
                    if width == 320:
                        assert_no_sideways_scroll(page, where)
                except AssertionError as error:
                    failures.append(str(error))
    assert not failures, "\n\n".join(failures)


def contrast(first, second):
    """The WCAG contrast ratio of two computed colours ("rgb(r, g, b)")."""
    def luminance(colour):
        channels = [int(c) / 255 for c in re.findall(r"[\d.]+", colour)[:3]]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_radios_and_checkboxes_show_a_focus_ring_of_3_to_1_when_tabbed_to(page, live_server, live_quiz, log_in):  # noqa: F811
    """A radio or checkbox reached by keyboard gets a solid outline at least 2 px wide whose
    colour has 3:1 against the option behind it (WCAG 2.4.7 and 1.4.11)."""
    quiz = live_quiz()
    log_in(make_user("ring@example.com"), quiz.course)
    page.goto(f"{live_server.url}{quiz.quiz.url}")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_load_state()
    for kind in ("radio", "checkbox"):
        control = page.locator(f"fieldset.question input[type={kind}]").first
        control.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
        expect(control).to_be_focused()
        style = control.evaluate("""element => {
            const own = getComputedStyle(element);
            const behind = getComputedStyle(element.closest('.option')).backgroundColor;
            return {style: own.outlineStyle, width: parseFloat(own.outlineWidth), colour: own.outlineColor,
                    behind: behind === 'rgba(0, 0, 0, 0)' ? 'rgb(255, 255, 255)' : behind};
        }""")
        assert style["style"] == "solid" and style["width"] >= 2, f"{kind}: {style}"
        assert contrast(style["colour"], style["behind"]) >= 3, f"{kind}: {style}"
        assert contrast(style["colour"], "rgb(255, 255, 255)") >= 3, f"{kind}: {style}"


def test_tabbing_backwards_through_an_attempt_never_hides_focus_under_the_sticky_bars(page, live_server, live_quiz,  # noqa: F811
                                                                                     log_in):
    """Shift+Tab from "Submit answers" up through every question: each focused control shows
    whole below the sticky top bar and attempt bar (WCAG 2.4.11), at 1280 and 390 px."""
    quiz = live_quiz(time_limit_minutes=30)
    log_in(make_user("backwards@example.com"), quiz.course)
    page.goto(f"{live_server.url}{quiz.quiz.url}")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_load_state()
    for width, height in ((1280, 700), (390, 700)):
        page.set_viewport_size({"width": width, "height": height})
        page.get_by_role("button", name="Submit answers").focus()
        for _ in range(25):
            page.keyboard.press("Shift+Tab")
            focused = page.locator(":focus")
            if not focused.evaluate("element => !!element.closest('fieldset.question')"):
                break
            expect_uncovered(focused)
        assert page.evaluate("scrollY") < 400, "tabbed back past the first question"


def test_questions_carry_the_language_they_are_written_in(page, live_server, learner_pages):
    """English questions on a Chinese page (and the review of them) say lang="en" (WCAG 3.1.2)."""
    for name in ("attempt", "result"):
        page.goto(f"{live_server.url}{in_language(learner_pages[name], 'zh-hans')}")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        stems = page.locator(".question__stem")
        expect(stems.first).to_be_visible()
        for stem in stems.all():
            expect(stem).to_have_attribute("lang", "en")
    answers = page.locator(".question--review p:has(strong) > span").all()  # your answer, right answer
    assert answers, "the review shows no answers"
    for answer in answers:
        expect(answer).to_have_attribute("lang", "en")
    page.goto(f"{live_server.url}{in_language(learner_pages['attempt'], 'zh-hans')}")
    for option in page.locator(".option > span").all():
        expect(option).to_have_attribute("lang", "en")


def test_the_timer_is_quiet_but_for_five_minutes_and_one_minute_left(page, live_server, live_quiz, log_in):  # noqa: F811
    """The visible countdown is not a live region (it would speak every second); a separate
    polite region says "5 minutes left" when five minutes are left."""
    quiz = live_quiz(time_limit_minutes=30)
    trainee = make_user("timer@example.com")
    log_in(trainee, quiz.course)
    attempt = quizzes_api.start_attempt(trainee, quiz.quiz)
    attempt.deadline = timezone.now() + timedelta(minutes=5, seconds=2)
    attempt.save(update_fields=["deadline"])
    page.goto(f"{live_server.url}/en/quizzes/attempts/{attempt.pk}/")
    timer = page.locator(".timer")
    expect(timer).to_have_attribute("aria-live", "off")
    expect(timer.locator("[data-timer]")).to_have_text(re.compile(r"^5:0\d$"))
    alert = page.locator("[data-timer-alert]")
    expect(alert).to_have_attribute("aria-live", "polite")
    expect(alert).to_have_text("5 minutes left")  # once the countdown passes 5:00, two seconds on
    assert page.locator("[aria-live=polite], [aria-live=assertive], [role=status], [role=alert]").filter(
        has=page.locator("[data-timer]")).count() == 0


def test_login_errors_are_announced_and_tied_to_their_fields(page, live_server, live_db):
    """A failed log-in shows its error summary as an alert; the email and password fields are
    marked invalid and described by it, so a screen reader reads the reason on each."""
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    for label in ("Email", "Password"):
        field = page.get_by_label(label, exact=True)
        expect(field).to_have_attribute("aria-invalid", "true")
        ids = field.get_attribute("aria-describedby").split()
        described = " ".join(page.locator(f"#{id}").inner_text() for id in ids)
        assert "not correct" in described, f"{label} is described by {described!r}"
    assert_accessible(page, "login with an error")
