"""The set-up snapshots (tests/snapshots.py) give the very rows a real build writes."""

import pytest
from django.db import transaction
from wagtail.models import Locale, Page

from courses.curriculum import load_curriculum
from courses.models import LessonPage
from tests.conftest import write_curriculum
from tests.snapshots import Snapshots, _model_tables, _rows


class Rollback(Exception):
    pass


def rows_after(action):
    """Every model table's rows after `action`, which is then rolled back."""
    try:
        with transaction.atomic():
            action()
            rows = {table: _rows(table) for table in _model_tables()}
            raise Rollback
    except Rollback:
        return rows


def small_tree_builder(tmp_path):
    """A fresh Snapshots, the list of real builds so far, and a build of a one-lesson tree."""
    builds = []

    def build():
        builds.append(1)
        load_curriculum(write_curriculum(tmp_path / f"c{len(builds)}", modules=1, lessons=1))

    return Snapshots(), builds, build


@pytest.mark.django_db
def test_a_restore_writes_back_exactly_the_rows_of_the_build(tmp_path):
    snapshots, builds, build = small_tree_builder(tmp_path)
    built = rows_after(lambda: snapshots.build("tree", build))
    restored = rows_after(lambda: snapshots.build("tree", build))
    assert len(builds) == 1
    changed = [table for table in built if built[table].rows != rows_after(lambda: None)[table].rows]
    assert "wagtailcore_page" in changed and "courses_lessonpage" in changed
    assert restored == built
    # The restored pages work as pages: the tree is sound and a lesson's body reads back.
    checks = []

    def restore_and_read():
        snapshots.build("tree", build)
        checks.append(Page.find_problems())
        checks.append(LessonPage.objects.get(slug="lesson-1-1", locale__language_code="en").body)

    rows_after(restore_and_read)
    assert checks[0] == ([], [], [], [], [])
    assert [block.block_type for block in checks[1]] == ["markdown", "callout", "key_points"]


@pytest.mark.django_db
def test_a_database_that_differs_from_the_first_builds_start_gets_a_real_build(tmp_path):
    snapshots, builds, build = small_tree_builder(tmp_path)
    rows_after(lambda: snapshots.build("tree", build))

    def with_another_locale_first():
        Locale.objects.create(language_code="fr")
        snapshots.build("tree", build)

    after = rows_after(with_another_locale_first)
    assert len(builds) == 2
    assert {row[1] for row in after["wagtailcore_locale"].rows} >= {"fr", "zh-hans", "en"}
