"""`load_curriculum` names the line of the value at fault, in every curriculum file: a bad
fraction on line 14 of questions.yaml is reported at line 14, not at its question's first line
or the file's; a fault in how a question's answers go together is at the question's line."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from wagtail.models import Page

from quizzes.models import Question
from tests.conftest import write_curriculum

QUESTIONS = """\
- key: m1-q1
  type: numeric
  difficulty: medium
  points: 2
  stem: {zh-hans: "增长率？", en: "Growth rate?"}
  answer: 15
  tolerance: 0.1
  units: ["%"]
- key: m1-q2
  type: single_choice
  stem: {zh-hans: 问题, en: Question}
  choices:
    - text: {zh-hans: 对, en: Right}
      fraction: 1
    - text: {zh-hans: 错, en: Wrong}
      fraction: 0
- key: m1-q3
  type: matching
  difficulty: easy
  stem: {zh-hans: 配对, en: Match}
  pairs:
    - left: {zh-hans: 留存率, en: Retention}
      right: {zh-hans: 用户增长, en: Growth}
    - left: {zh-hans: 份额, en: Share}
      right: {zh-hans: 商业, en: Commercial}
"""


def _edit(text, line, new):
    """`text` with its line `line` (1-based) replaced by `new` (None drops the line)."""
    lines = text.split("\n")
    assert lines[line - 1].strip(), "the test edits a line that holds a value"
    lines[line - 1:line] = [] if new is None else [new]
    return "\n".join(lines)


def _load_error(folder):
    pages = Page.objects.count()
    with pytest.raises(CommandError) as error, translation.override("en"):
        call_command("load_curriculum", path=str(folder))
    assert Page.objects.count() == pages and not Question.objects.exists()
    return str(error.value)


@pytest.fixture
def folder(tmp_path):
    return write_curriculum(tmp_path / "c", modules=2, lessons=1)


def test_the_questions_file_loads_as_written(db, folder):
    """The file the cases below break is itself valid."""
    (folder / "01-module-1" / "questions.yaml").write_text(QUESTIONS, encoding="utf-8")
    call_command("load_curriculum", path=str(folder))
    assert Question.objects.count() == 6


@pytest.mark.parametrize("line,new,reported,message", [
    (14, "      fraction: 1.5", 14, "fraction '1.5' is not a number from -1 to 1"),
    (16, "      fraction: half", 16, "fraction 'half' is not a number from -1 to 1"),
    (18, "  type: drawing", 18, "unknown question type 'drawing'"),
    (18, "  type: essay", 18, "an essay is graded by a person, so it belongs in the capstone"),
    (7, "  tolerance: -1", 7, "tolerance '-1' is not a number of 0 or more"),
    (7, "  tolerance: wide", 7, "tolerance 'wide' is not a number of 0 or more"),
    (6, "  answer: fifteen", 6, "'fifteen' is not a number"),
    (19, "  difficulty: impossible", 19, "unknown difficulty 'impossible'"),
    (4, "  points: -2", 4, "points '-2' is not a number more than 0"),
    (11, "  stem: {zh-hans: '', en: Question}", 11, "the question has no text"),
    (13, "    - text: {zh-hans: 对}", 13, "(en): missing 'en'"),
    (25, None, 24, "missing 'right'"),
    (6, None, 1, "missing 'answer'"),
    (16, "      fraction: 1", 9, "Only one choice may have fraction 1"),  # the answers together: the question
])
def test_a_bad_question_is_reported_at_its_line(db, folder, line, new, reported, message):
    path = folder / "01-module-1" / "questions.yaml"
    path.write_text(_edit(QUESTIONS, line, new), encoding="utf-8")
    error = _load_error(folder)
    assert f"{path}:{reported}: " in error and message in error


LESSON = ("---\nslug: lesson-2-1\ntitle: 课2-1\nsummary: S\nestimated_minutes: 10\n---\n"
          "正文\n\n:::keypoints\n- 要点\n:::\n")


@pytest.mark.parametrize("line,new,reported,message", [
    (2, "slug: Lesson_1", 2, "not a lowercase-hyphen slug"),
    (2, None, 2, "missing slug"),  # a missing key: the front matter's first line
    (3, "title:", 3, "missing title"),
    (5, "estimated_minutes: soon", 5, "estimated_minutes must be a whole number, not 'soon'"),
    (5, "estimated_minutes: [10", 5, "invalid front matter"),
])
def test_bad_front_matter_is_reported_at_its_line(db, folder, line, new, reported, message):
    path = folder / "02-module-2" / "01-lesson-2-1.zh-hans.md"
    path.write_text(_edit(LESSON, line, new), encoding="utf-8")
    error = _load_error(folder)
    assert f"{path}:{reported}: " in error and message in error


def test_a_slug_unlike_the_other_languages_is_reported_at_its_line(db, folder):
    path = folder / "02-module-2" / "01-lesson-2-1.en.md"
    path.write_text("---\ntitle: Lesson\nsummary: S\nslug: another-lesson\n---\nBody\n", encoding="utf-8")
    error = _load_error(folder)
    assert f"{path}:4: slug 'another-lesson' differs from the other language's 'lesson-2-1'" in error


@pytest.mark.parametrize("module,line,new,reported,message", [
    (1, 3, "prerequisite: module-2", 3, "prerequisite 'module-2' is not a module that comes before this one"),
    (1, 2, "estimated_minutes: an hour", 2, "estimated_minutes must be a whole number, not 'an hour'"),
    (2, 4, "title: {zh-hans: 模块2}", 4, "'title' needs both zh-hans and en"),
    (2, 4, "title: {zh-hans: 模块2, en: ''}", 4, "'title' needs both zh-hans and en"),
    (2, 6, "objectives: {zh-hans: 目标, en: [Objective]}", 6, "objectives must be lists"),
    (2, 1, "slug: Module_2", 1, "not a lowercase-hyphen slug"),
])
def test_a_bad_module_file_is_reported_at_its_line(db, folder, module, line, new, reported, message):
    path = folder / f"0{module}-module-{module}" / "module.yaml"
    path.write_text(_edit(path.read_text(encoding="utf-8"), line, new), encoding="utf-8")
    error = _load_error(folder)
    assert f"{path}:{reported}: " in error and message in error


def test_a_bad_course_file_is_reported_at_its_line(db, folder):
    path = folder / "course.yaml"
    path.write_text(_edit(path.read_text(encoding="utf-8"), 3, "summary: {zh-hans: 简介, en: }"), encoding="utf-8")
    error = _load_error(folder)
    assert f"{path}:3: 'summary' needs both zh-hans and en" in error
