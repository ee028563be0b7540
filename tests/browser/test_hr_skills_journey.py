"""HR's skills heatmap and a manager's view of it in a real Chromium: HR reads the department ×
skill heatmap (numbers in the cells, a legend), drills down from a cell to the people behind it
and downloads them as CSV; a manager of one team sees that team only, and another team's id in
the address is a 404. Run with DOCS_SCREENSHOTS=1 to refresh docs/screenshots/hr-skills-*.png (1280 and 390 px)."""

import re

import pytest
from playwright.sync_api import expect

from hr import api as hr_api
from tests.browser.test_quiz_journey import screenshot
from tests.hr.conftest import departments, hr, make_employee  # noqa: F401 (fixtures)
from tests.hr.test_skills_heatmap import framework, team  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_hr_drills_down_and_exports_and_a_manager_sees_only_their_team(
        page, live_server, transactional_db, django_db_serialized_rollback, log_in, hr, team, departments):  # noqa: F811
    log_in(hr)
    page.goto(f"{live_server.url}/admin/hr/skills/")
    heatmap = page.locator("table.hr-heatmap")
    expect(heatmap.locator("caption")).to_contain_text("Average mastery level by department and skill")
    expect(heatmap).to_contain_text("运营部")
    screenshot(page, "hr-skills-heatmap", 1280, 900)
    # On a phone the heatmap scrolls inside its own box; the page itself does not go sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "hr-skills-heatmap-phone", 390, 844)
    page.set_viewport_size({"width": 1280, "height": 900})

    # A cell leads to the people behind it.
    page.locator("tr[data-department=ops] td.hr-heat a").first.click()
    expect(page).to_have_url(re.compile(r"/admin/hr/skills/people/\?"))
    expect(page.locator("main")).to_contain_text("Ann")
    screenshot(page, "hr-skills-people", 1280, 900)
    exported = page.request.get(page.url + "&export=csv")  # the header's Download CSV, with the session
    assert exported.ok and "Ann" in exported.text()

    # The manager of 内容运营组 sees that team, and nothing of 用户运营组.
    manager = make_employee("kim@example.com", departments["ops-content"], employee_id="K1", display_name="Kim")
    hr_api.appoint_manager(manager, departments["ops-content"])
    log_in(manager)
    page.goto(f"{live_server.url}/admin/hr/skills/")
    expect(page.locator("main")).to_contain_text("内容运营组")
    expect(page.locator("main")).not_to_contain_text("用户运营组")
    screenshot(page, "hr-skills-manager", 1280, 900)
    screenshot(page, "hr-skills-manager-phone", 390, 844)
    response = page.goto(f"{live_server.url}/admin/hr/skills/?department={departments['ops-users'].pk}")
    assert response.status == 404
