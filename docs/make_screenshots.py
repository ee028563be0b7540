"""Screenshots of the main pages at desktop and phone widths, for the README.

Run against a server started by `make run`:  .venv/bin/python docs/make_screenshots.py [BASE_URL]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).parent / "screenshots"
PAGES = [
    ("catalog", "/zh-hans/"),
    ("course", "/zh-hans/internet-operations/"),
    ("module", "/zh-hans/internet-operations/user-ops/"),
    ("lesson", "/zh-hans/internet-operations/user-ops/aarrr-funnel-buying-behaviour/"),
    ("dashboard", "/zh-hans/my-learning/"),
    ("certificates", "/zh-hans/my-certificates/"),
    ("lesson-en", "/en/internet-operations/data-driven-ops/core-metrics/"),
]
WIDTHS = {"desktop": (1280, 860), "phone": (390, 844)}


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
            page.click("form button[type=submit]")
            page.wait_for_load_state()
            for name, path in PAGES:
                page.goto(BASE + path)
                page.screenshot(path=OUT / f"{name}-{label}.png", full_page=False)
            page.goto(BASE + "/zh-hans/my-certificates/")
            page.goto(BASE + page.locator("a[href^='/verify/']").first.get_attribute("href"))
            page.screenshot(path=OUT / f"verify-{label}.png", full_page=False)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
