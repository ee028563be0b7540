"""Screenshots of the main pages at desktop and phone widths, for the README.

Run against a server started by `make run`:  .venv/bin/python docs/make_screenshots.py [BASE_URL] [NAME ...]
Names (catalog, lesson-en, verify-en, quiz-attempt-zh, ...) take only those screenshots.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
ONLY = set(sys.argv[2:])
OUT = Path(__file__).parent / "screenshots"
PAGES = [
    ("catalog", "/zh-hans/"),
    ("course", "/zh-hans/internet-operations/"),
    ("module", "/zh-hans/internet-operations/user-ops/"),
    ("lesson", "/zh-hans/internet-operations/user-ops/aarrr-funnel-buying-behaviour/"),
    ("dashboard", "/zh-hans/my-learning/"),
    ("certificates", "/zh-hans/my-certificates/"),
    ("lesson-en", "/en/internet-operations/data-driven-ops/core-metrics/"),
    # The same journey in English; my skills and search in Chinese (their browser tests take English
    # and Chinese ones respectively).
    ("catalog-en", "/en/"),
    ("course-en", "/en/internet-operations/"),
    ("module-en", "/en/internet-operations/user-ops/"),
    ("dashboard-en", "/en/my-learning/"),
    ("certificates-en", "/en/my-certificates/"),
    ("search-en", "/en/search/?q=retention"),
    ("my-skills-zh", "/zh-hans/my-skills/"),
]
# The quiz pages in Chinese (the quiz browser test takes them in English): a module's quiz, attempted.
QUIZ = "/zh-hans/internet-operations/user-ops/quiz/"
WIDTHS = {"desktop": (1280, 860), "phone": (390, 844)}


def wanted(name):
    return not ONLY or name in ONLY


def shoot(page, name, label):
    if wanted(name):
        page.screenshot(path=OUT / f"{name}-{label}.png", full_page=False)


def main():
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for label, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
            page = context.new_page()
            page.goto(f"{BASE}/zh-hans/accounts/login/")
            page.fill("input[name=login]", "trainee@demo.local")
            page.fill("input[name=password]", "opsacademy-demo")
            page.click("main form button[type=submit]")  # not the header's search
            page.wait_for_load_state()
            for name, path in PAGES:
                if wanted(name):
                    page.goto(BASE + path)
                    shoot(page, name, label)
            for name, language in (("verify", "zh-hans"), ("verify-en", "en")):
                if wanted(name):  # /verify/ has no language prefix: the language cookie picks it
                    context.add_cookies([{"name": "django_language", "value": language, "url": BASE}])
                    page.goto(f"{BASE}/{language}/my-certificates/")
                    page.goto(BASE + page.locator("a[href*='/verify/']").first.get_attribute("href"))
                    shoot(page, name, label)
            if wanted("quiz-result-zh"):  # the trainee's first attempt
                page.goto(BASE + QUIZ)
                page.goto(BASE + page.locator("main a[href$='/result/']").first.get_attribute("href"))
                shoot(page, "quiz-result-zh", label)
            if wanted("quiz-attempt-zh"):  # a new attempt, one answer given
                page.goto(BASE + QUIZ)
                # Start it, or resume the one left open by the desktop pass.
                page.locator("main form button[type=submit], main a[href$='/attempts/'], main a.button").first.click()
                page.wait_for_url("**/quizzes/attempts/*/")
                page.locator("fieldset.question input[type=radio]").first.check()
                shoot(page, "quiz-attempt-zh", label)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
