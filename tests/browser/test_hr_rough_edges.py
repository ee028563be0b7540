"""HR's rough edges, in a real Chromium: the compliance matrix at 1280 px scrolls inside its own
box with the person's column held in place and the exports as buttons in sight (and at 390 px
the page itself still never scrolls sideways); a people file checked by a dry run is imported
with "Import now", without a second upload; assigning a later due date asks whether to extend
the earlier one. Run with DOCS_SCREENSHOTS=1 to refresh docs/screenshots/hr-matrix*.png and
hr-summary.png."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from certification.models import CertificateRule
from courses import api as courses_api
from courses.models import Enrolment
from quizzes.models import QuizPage
from tests.browser.test_quiz_journey import screenshot
from tests.hr.conftest import departments, give_certificate, hr, make_employee  # noqa: F401 (fixtures)
from tests.hr.test_people_import import ROWS, csv_file

pytestmark = pytest.mark.browser

TITLES = [("活动策划与执行", "Campaign Planning and Execution"), ("职业发展路径", "Career Development Paths"),
          ("数据驱动运营", "Data-Driven Operations"), ("运营基础", "Operations Fundamentals"),
          ("团队协作与管理", "Team Collaboration and Management"), ("用户运营", "User Operations"),
          ("内容运营", "Content Operations"), ("社群运营", "Community Operations"),
          ("认证运营专家", "Certified Operations Professional")]
NAMES = ["何丽", "何伟", "何军", "王芳", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄婷", "周杰"]


@pytest.fixture
def wide_matrix(live_tree, departments, hr):  # noqa: F811
    """Nine certificates required of 运营部, twelve people in it in every state."""
    quiz = QuizPage(title="Quiz", slug="quiz", requires_lessons_complete=False)
    live_tree.modules[0].add_child(instance=quiz)
    quiz.save_revision().publish()
    rules = [CertificateRule.objects.create(slug=f"rule-{i}", title=f"{zh} · 模块证书", exam=quiz,
                                            title_en=f"{en} · Module Certificate") for i, (zh, en) in enumerate(TITLES)]
    courses_api.assign_course(live_tree.course, department=departments["ops"], by=hr,
                              due_date=timezone.localdate() + timedelta(days=20))
    for i, name in enumerate(NAMES):
        person = make_employee(f"p{i}@example.com", departments["ops-users" if i % 2 else "ops-content"],
                               employee_id=f"E{1000 + i}", display_name=name)
        for j, rule in enumerate(rules):
            if (i + j) % 3:
                give_certificate(person, rule, days_left=[400, 12, -3][(i * j) % 3])
    return live_tree


def no_sideways_page_scroll(page):
    """Neither the document nor any box of the report but the matrix's own scrolls sideways."""
    return page.evaluate("""() => [document.scrollingElement, ...document.querySelectorAll('main *')]
        .filter(e => !e.closest('.hr-matrix-scroll, header') && e.clientWidth > 1)  // the admin's breadcrumbs scroll
        .filter(e => e === document.scrollingElement || ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => e.tagName + '.' + e.className)""")


def test_the_matrix_scrolls_inside_its_box_with_the_person_held_and_the_exports_in_sight(
        page, live_server, log_in, hr, wide_matrix):  # noqa: F811
    log_in(hr)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/hr/")
    box = page.locator(".hr-matrix-scroll")
    expect(box.locator("table.hr-matrix")).to_contain_text("何丽")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth"), "nine certificates are wider than 1280 px"
    assert no_sideways_page_scroll(page) == []

    for label in ("Download XLSX", "Download CSV"):
        expect(page.get_by_role("link", name=label)).to_be_visible()  # no "…" menu to open first
    screenshot(page, "hr-matrix", 1280, 900)

    first = box.locator("tbody tr").first.locator("td").first
    before = first.bounding_box()["x"]
    box.evaluate("e => e.scrollLeft = e.scrollWidth")
    assert abs(first.bounding_box()["x"] - before) < 1, "the person's column stays where it was"
    assert first.evaluate("""cell => { const b = cell.getBoundingClientRect();
        return cell.contains(document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2)); }"""), \
        "nothing scrolls over the person's name"
    last_header = box.locator("thead th").last
    expect(last_header).to_be_in_viewport()  # the far end of the table is reachable

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin/hr/")
    assert no_sideways_page_scroll(page) == []
    screenshot(page, "hr-matrix-phone", 390, 844)

    page.set_viewport_size({"width": 1280, "height": 900})  # the summary chart says which figure is which
    page.goto(f"{live_server.url}/admin/hr/summary/")
    expect(page.locator("svg.hr-chart .value-heading")).to_have_text("Completed / Certified")
    expect(page.locator("svg.hr-chart text.value").first).to_have_text("0% / 67%")  # 运营部
    screenshot(page, "hr-summary", 1280, 900)

    profile = UserProfile.get_for_user(hr)
    profile.preferred_language = "zh-hans"
    profile.save()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/hr/")
    expect(page.get_by_role("link", name="下载 XLSX")).to_be_visible()
    screenshot(page, "hr-matrix-zh", 1280, 900)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin/hr/")
    screenshot(page, "hr-matrix-zh-phone", 390, 844)


def test_a_dry_run_offers_import_now_and_it_imports_the_same_file(
        page, live_server, transactional_db, django_db_serialized_rollback, log_in, hr, tmp_path):  # noqa: F811
    people = tmp_path / "people.csv"
    people.write_bytes(csv_file(ROWS).getvalue())
    log_in(hr)
    page.goto(f"{live_server.url}/admin/hr/people/import/")
    expect(page.get_by_label("Dry run: check and report, write nothing")).to_be_checked()  # the default
    page.get_by_label("CSV or XLSX file").set_input_files(people)
    page.get_by_role("button", name="Import", exact=True).click()
    report = page.locator("[data-report]")
    expect(report).to_contain_text("Dry run: 2 to create")
    expect(report).to_contain_text("Nothing was written.")
    assert not get_user_model().objects.filter(email="li.lei@example.com").exists()

    page.get_by_role("button", name="Import now").click()
    expect(page.locator("[data-report=ok]")).to_contain_text("2 created")
    expect(page.get_by_role("button", name="Import now")).to_have_count(0)
    assert get_user_model().objects.filter(email__in=["li.lei@example.com", "han.mei@example.com"]).count() == 2


def test_assigning_a_later_due_date_asks_before_extending(
        page, live_server, log_in, hr, live_tree, departments):  # noqa: F811
    soon, later = timezone.localdate() + timedelta(days=10), timezone.localdate() + timedelta(days=60)
    uma = make_employee("uma@example.com", departments["ops-users"], display_name="Uma")
    make_employee("cai@example.com", departments["ops-content"], display_name="Cai")
    courses_api.assign_course(live_tree.course, user=uma, due_date=soon, by=hr)
    log_in(hr)
    page.goto(f"{live_server.url}/admin/hr/assign/")
    page.get_by_label("Course").select_option(label=live_tree.en(live_tree.course).title)
    page.get_by_label("Or a department (and everyone below it)").select_option(label="运营部")
    page.get_by_label("Due date").fill(later.isoformat())
    page.keyboard.press("Escape")  # close the date picker
    page.get_by_role("button", name="Assign").click()

    earlier = page.locator("table[data-section=earlier]")
    expect(page.locator("[data-section=confirm-extend]")).to_contain_text("1 person covered already has an earlier")
    expect(earlier).to_contain_text("Uma")
    expect(earlier).to_contain_text(soon.isoformat())
    page.get_by_role("button", name=f"Extend to {later.isoformat()}").click()
    expect(page.locator(".messages")).to_contain_text("1 given the new due date")
    assert Enrolment.objects.get(user=uma).due_date == later
