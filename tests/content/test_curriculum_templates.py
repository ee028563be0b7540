"""The trainees' templates (content/curriculum/templates/): generated reproducibly, loaded as
Wagtail documents once, downloadable by a trainee, linked from the lessons that teach them and
listed on the course page, in both languages."""

import importlib.util
import io
import re
import shutil

import pytest
from django.conf import settings
from openpyxl import load_workbook
from wagtail.documents import get_document_model

from content.curriculum import CurriculumError, read_curriculum
from courses.curriculum import load_curriculum
from courses.models import CoursePage, LessonPage
from tests.conftest import write_curriculum

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATES = settings.CURRICULUM_DIR / "templates"
_spec = importlib.util.spec_from_file_location("curriculum_templates_build", TEMPLATES / "build.py")
template_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(template_build)

# What each template must hold: its sheets, and the header row of its main table.
SHEETS = {
    ("campaign-plan", "zh-hans"): (["使用说明", "方案概览", "节奏排期", "预算", "奖池", "风险"],
                                   "预算", ["类别", "项目", "单价（元）", "数量", "小计（元）", "备注"]),
    ("campaign-plan", "en"): (["How to use", "Overview", "Timeline", "Budget", "Prize pool", "Risks"],
                              "Budget", ["Category", "Item", "Unit cost (yuan)", "Quantity", "Subtotal (yuan)",
                                         "Notes"]),
    ("tracking-plan", "zh-hans"): (["使用说明", "事件", "属性", "验收", "变更记录"],
                                   "事件", ["事件名", "显示名", "触发时机", "端", "事件属性", "服务的指标或问题",
                                            "负责人", "状态", "上线版本"]),
    ("tracking-plan", "en"): (["How to use", "Events", "Properties", "QA", "Changelog"],
                              "Events", ["Event name", "Display name", "Fires when", "Platform", "Properties",
                                         "Metric or question it serves", "Owner", "Status", "Release"]),
    ("post-mortem", "zh-hans"): (["使用说明", "概览", "目标达成", "增量ROI", "用户反馈", "经验与行动"],
                                 "经验与行动", ["类型", "发现", "原因", "行动项", "负责人", "截止日期", "状态"]),
    ("post-mortem", "en"): (["How to use", "Summary", "Goals", "Incremental ROI", "Feedback", "Lessons and actions"],
                            "Lessons and actions", ["Type", "Finding", "Cause", "Action", "Owner", "Due", "Status"]),
    ("okr-sheet", "zh-hans"): (["使用说明", "OKR", "每周检查"],
                               "OKR", ["目标 O", "关键结果 KR", "指标树上的叶子", "起点", "目标值", "当前值",
                                       "得分（0–1）", "信心（1–10）", "负责人"]),
    ("okr-sheet", "en"): (["How to use", "OKR", "Check-ins"],
                          "OKR", ["Objective", "Key result", "Metric-tree leaf", "Start", "Target", "Current",
                                  "Score (0–1)", "Confidence (1–10)", "Owner"]),
}
# Which lessons link which template (module slug, lesson slug): the lessons that teach them.
LINKED = {
    ("campaigns", "campaign-framework"): "campaign-plan",
    ("data-driven-ops", "data-collection-and-tools"): "tracking-plan",
    ("campaigns", "risk-crisis-review"): "post-mortem",
    ("team-collaboration", "communication-and-sync"): "post-mortem",
    ("team-collaboration", "performance-goals-and-evaluation"): "okr-sheet",
}


def _check_workbook(data, slug, language):
    sheets, main, headers = SHEETS[slug, language]
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == sheets, (slug, language)
    table = workbook[main]
    assert [cell.value for cell in table[1]][: len(headers)] == headers, (slug, language)
    assert table.cell(2, 1).value, f"{slug} ({language}): no example row under the headers"
    return workbook


@pytest.mark.parametrize(("slug", "language"), sorted(SHEETS))
def test_the_shipped_file_is_what_the_generator_writes(slug, language):
    """build.py reproduces each shipped template byte for byte (fixed content and dates), and
    it opens with the expected sheets, headers and an example row."""
    shipped = (TEMPLATES / f"{slug}.{language}.xlsx").read_bytes()
    assert template_build.build(slug, language) == shipped, f"run python {TEMPLATES / 'build.py'}"
    _check_workbook(shipped, slug, language)


def test_drop_down_lists_hold_the_values_of_the_lesson():
    """The tracking plan's platform column offers exactly App, Web, 小程序 and 服务端."""
    events = load_workbook(TEMPLATES / "tracking-plan.zh-hans.xlsx")["事件"]
    lists = [v.formula1 for v in events.data_validations.dataValidation if v.type == "list"]
    assert '"App,Web,小程序,服务端"' in lists


def test_lessons_that_teach_a_template_link_it_in_both_languages():
    course = read_curriculum(settings.CURRICULUM_DIR)
    found = {}
    for module in course.modules:
        for lesson in module.lessons:
            for language, text in lesson.texts.items():
                for block in text.body:
                    if block["type"] == "document":
                        found.setdefault((module.slug, lesson.slug), {})[language] = block["value"]["template"]
    assert found == {key: {"zh-hans": slug, "en": slug} for key, slug in LINKED.items()}


def _documents():
    return {doc.title: (doc.pk, doc.file.name, doc.file_hash) for doc in get_document_model().objects.all()}


def test_the_shipped_curriculum_serves_its_templates_and_a_second_load_changes_nothing(db, trainee_client):
    """One load of the whole course (it is slow, so one test checks what needs it): the course
    page of each language lists the four templates of that language, each link serves the XLSX
    to a trainee, each lesson that teaches a template links it; a second load writes nothing."""
    report = load_curriculum()
    assert report.extra["templates created"] == 8
    documents = get_document_model().objects
    for language in ("zh-hans", "en"):
        course = CoursePage.objects.get(locale__language_code=language)
        page = trainee_client.get(course.url)
        assert page.status_code == 200
        links = re.findall(r'href="(/documents/\d+/[^"]+)"', page.content.decode())
        assert [link.rsplit("/", 1)[1] for link in links] == [
            f"{slug}.{language}.xlsx" for slug in ("campaign-plan", "tracking-plan", "post-mortem", "okr-sheet")]
        for link in links:
            response = trainee_client.get(link)
            assert response.status_code == 200, link
            assert response["Content-Type"] == XLSX
            _check_workbook(b"".join(response.streaming_content), link.rsplit("/", 1)[1].split(".")[0], language)
        for (_module, lesson_slug), slug in LINKED.items():
            lesson = LessonPage.objects.get(slug=lesson_slug, locale__language_code=language)
            html = trainee_client.get(lesson.url).content.decode()
            document = documents.get(file__endswith=f"{slug}.{language}.xlsx")
            assert f'href="{document.url}"' in html, (lesson_slug, language)

    before = _documents()
    again = load_curriculum()
    assert not again.changed and not again.kept_edits
    assert not any(name.startswith("templates") for name in again.extra)
    assert _documents() == before


def _with_templates(folder):
    """A small curriculum whose first lesson links the OKR sheet in both languages."""
    shutil.copytree(TEMPLATES, folder / "templates")
    for language in ("zh-hans", "en"):
        lesson = folder / "01-module-1" / f"01-lesson-1-1.{language}.md"
        lesson.write_text(lesson.read_text() + "\n:::download okr-sheet\n:::\n", encoding="utf-8")
    return folder


def test_a_changed_template_replaces_the_file_under_the_same_link(db, tmp_path):
    """A regenerated file takes the old one's place: same document, same URL, new content; the
    lesson that links it is left as it is."""
    folder = _with_templates(write_curriculum(tmp_path / "c", modules=1, lessons=1))
    load_curriculum(folder)
    before = get_document_model().objects.get(title="OKR 表")
    (folder / "templates" / "okr-sheet.zh-hans.xlsx").write_bytes(template_build.build("tracking-plan", "zh-hans"))
    report = load_curriculum(folder)
    after = get_document_model().objects.get(title="OKR 表")
    assert report.extra["templates updated"] == 1
    assert (after.pk, after.url) == (before.pk, before.url)
    assert after.file_hash != before.file_hash
    assert not report.updated


def test_a_deleted_document_is_written_again_and_its_lessons_relinked(db, tmp_path, client):
    """An editor who deletes a template's document in the admin gets it back on the next load,
    and the lesson links the new document, not the deleted one."""
    folder = _with_templates(write_curriculum(tmp_path / "c", modules=1, lessons=1))
    load_curriculum(folder)
    get_document_model().objects.get(title="OKR sheet").delete()
    report = load_curriculum(folder)
    assert report.extra["templates created"] == 1
    document = get_document_model().objects.get(title="OKR sheet")
    lesson = LessonPage.objects.get(slug="lesson-1-1", locale__language_code="en")
    assert f'href="{document.url}"' in client.get(lesson.url).content.decode()


def test_an_unknown_template_is_a_load_error_at_its_line(db, tmp_path):
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    lesson = folder / "01-module-1" / "01-lesson-1-1.en.md"
    lesson.write_text(lesson.read_text() + "\n:::download no-such-template\nGet it\n:::\n", encoding="utf-8")
    with pytest.raises(CurriculumError) as error:
        read_curriculum(folder)
    assert error.value.path == lesson
    assert "unknown template 'no-such-template'" in error.value.message
    line = lesson.read_text().split("\n").index(":::download no-such-template") + 1
    assert error.value.line == line
