"""The learner pages in both languages, in a real Chromium (issue 13): the Chinese pages show
no Latin-script UI word and the English pages no Chinese, outside content (page titles, lesson
text, questions, names: removed from the text first), code and the admin walk's allow-list —
the catalogue, course, module, lesson and quiz pages, an attempt and its result, My learning,
My certificates, My skills, search, the skills framework, the profile, log-in and sign-up."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.avatars import initials
from courses.models import LessonPage
from quizzes import api as quiz_api
from quizzes.models import Attempt
from tests.browser.test_admin_bilingual import (  # noqa: F401 (admin_world: a fixture)
    CJK_ALLOWED,
    LATIN_ALLOWED,
    admin_world,
    content_strings,
    stray_words,
)

pytestmark = pytest.mark.browser

# The standards the skills page offers its export in; the logo's mark is the brand's first character.
LEARNER_LATIN = LATIN_ALLOWED | {"EdTech", "CASE", "JSON"}
LEARNER_CJK = CJK_ALLOWED | {"运"}
ANONYMOUS = ["/{lang}/", "/{lang}/accounts/login/", "/{lang}/accounts/signup/", "/{lang}/skills/"]
SIGNED_IN = ["/{lang}/my-learning/", "/{lang}/my-certificates/", "/{lang}/my-skills/", "/{lang}/accounts/profile/",
             "/{lang}/search/?q={query}"]


def walk(page, base, screens, script):
    """{path: {stray word: its surroundings}} of the screens' rendered text (`innerText`), content
    removed first. Learner pages' CSP refuses injected styles, so nothing is hidden first."""
    # people's initials (the avatar) are their names too
    content = content_strings() + [initials(user) for user in get_user_model().objects.all()] + [
        lesson.summary for lesson in LessonPage.objects.all() if lesson.summary]
    found = {}
    allowed = LEARNER_LATIN if script == "latin" else LEARNER_CJK
    for path in screens:
        response = page.goto(base + path)
        assert response.ok, (path, response.status)
        expect(page.locator("body")).to_be_visible()
        text = page.locator("body").inner_text()
        for prose in page.locator(".prose").all():  # a lesson's body, as its author wrote it
            text = text.replace(prose.inner_text(), " ")
        for string in content:  # whole words only: a one-letter summary is not every S
            text = re.sub(rf"(?<![A-Za-z]){re.escape(string)}(?![A-Za-z])", " ", text)
        words = stray_words(text, script, allowed)
        if words:
            found[path] = words
    return found


def learner_screens(world, language):
    tree = world["tree"]
    pages = [tree.course, tree.modules[0], tree.lessons[0][0]]
    if language != "zh-hans":
        pages = [tree.en(page) for page in pages]
    query = "运营" if language == "zh-hans" else "operations"
    screens = [path.format(lang=language, query=query) for path in SIGNED_IN] + [page.url for page in pages]
    if language == "zh-hans":  # the quiz is Chinese: its page, an open attempt and a finished one's result
        trainee = get_user_model().objects.get(email="t0@example.com")
        finished = Attempt.objects.filter(user=trainee).first()
        attempt = quiz_api.start_attempt(trainee, world["quiz"])
        screens += [world["quiz"].url, f"/zh-hans/quizzes/attempts/{attempt.pk}/",
                    f"/zh-hans/quizzes/attempts/{finished.pk}/result/"]
    return screens


@pytest.mark.parametrize(("language", "script", "says"), [
    ("zh-hans", "latin", "Latin-script UI words in the Chinese learner pages"),
    ("en", "cjk", "Chinese UI text in the English learner pages"),
])
def test_the_learner_pages_speak_one_language(page, live_server, log_in, admin_world, language, script, says):  # noqa: F811
    found = walk(page, live_server.url, [path.format(lang=language) for path in ANONYMOUS], script)
    trainee = get_user_model().objects.get(email="t0@example.com")
    log_in(trainee)
    found.update(walk(page, live_server.url, learner_screens(admin_world, language), script))
    assert not found, f"{says}: {found}"
