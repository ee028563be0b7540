"""The shipped curriculum: six modules as in the outline, substantive lessons in both languages."""

import re

import pytest
from django.conf import settings

from content.curriculum import read_curriculum

OUTLINE_TITLES = [
    ("fundamentals", "运营基础理论", "Operations Fundamentals"),
    ("user-ops", "用户运营体系", "User Operations"),
    ("campaigns", "活动策划与执行", "Campaign Planning and Execution"),
    ("data-driven-ops", "数据驱动运营方法", "Data-Driven Operations"),
    ("team-collaboration", "团队协同管理", "Team Collaboration and Management"),
    ("career-paths", "职业能力进阶路径", "Career Development Paths"),
]


@pytest.fixture(scope="module")
def course():
    return read_curriculum(settings.CURRICULUM_DIR)


def _text(blocks):
    parts = []
    for block in blocks:
        value = block["value"]
        parts.append(value if isinstance(value, str) else " ".join(map(str, value.values())))
    return " ".join(parts)


def test_modules_match_the_outline(course):
    """The six modules, in order, titled exactly as in the outline's overview table."""
    assert [(m.slug, m.title["zh-hans"], m.title["en"]) for m in course.modules] == OUTLINE_TITLES


def test_every_module_has_at_least_three_lessons(course):
    assert all(len(module.lessons) >= 3 for module in course.modules)


@pytest.mark.parametrize("index", range(6))
def test_lessons_are_substantive_in_both_languages(course, index):
    """Each lesson: 800+ Chinese characters in zh-hans and 500+ words in English."""
    for lesson in course.modules[index].lessons:
        chinese = len(re.findall(r"[\u4e00-\u9fff]", _text(lesson.texts["zh-hans"].body)))
        words = len(re.findall(r"[A-Za-z][A-Za-z'-]*", _text(lesson.texts["en"].body)))
        assert chinese >= 800, f"{lesson.slug}: {chinese} Chinese characters"
        assert words >= 500, f"{lesson.slug}: {words} English words"


def _is_exercise(block):
    return block["type"] == "callout" and block["value"]["kind"] == "exercise"


def test_every_lesson_ends_with_key_points(course):
    """The key points close a lesson, followed at most by its exercise."""
    for module in course.modules:
        for lesson in module.lessons:
            for text in lesson.texts.values():
                body = text.body[:-1] if _is_exercise(text.body[-1]) else text.body
                assert body[-1]["type"] == "key_points", lesson.slug
