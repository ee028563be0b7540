import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page, Site

from content.curriculum import CurriculumError, read_curriculum
from courses.curriculum import load_curriculum
from courses.models import CatalogPage, CoursePage, LessonPage, ModulePage
from tests.conftest import write_curriculum


def _page_state():
    return sorted(Page.objects.values_list("path", "title", "latest_revision_id", "live"))


def test_loads_both_languages_as_one_translated_tree(db, tmp_path):
    """Each zh-hans page gets an en translation sharing its translation key."""
    load_curriculum(write_curriculum(tmp_path / "c", modules=2, lessons=3))
    assert CatalogPage.objects.count() == 2
    assert ModulePage.objects.count() == 4 and LessonPage.objects.count() == 12
    for lesson in LessonPage.objects.filter(locale__language_code="zh-hans"):
        translation = LessonPage.objects.get(translation_key=lesson.translation_key, locale__language_code="en")
        assert translation.slug == lesson.slug and translation.live
    second = ModulePage.objects.get(slug="module-2", locale__language_code="en")
    assert second.prerequisite.slug == "module-1" and second.prerequisite.locale.language_code == "en"
    assert Site.objects.get(is_default_site=True).root_page.specific_class is CatalogPage


def test_second_run_changes_nothing(db, tmp_path):
    """Loading the same files again writes no page and no revision."""
    folder = write_curriculum(tmp_path / "c")
    load_curriculum(folder)
    before = _page_state()
    report = load_curriculum(folder)
    assert not report.changed and report.unchanged == len(before) - 1  # all but the root
    assert _page_state() == before


def test_changed_file_updates_only_its_page(db, tmp_path):
    folder = write_curriculum(tmp_path / "c")
    load_curriculum(folder)
    path = folder / "01-module-1" / "02-lesson-1-2.en.md"
    path.write_text(path.read_text().replace("title: Lesson 1-2", "title: Lesson 1-2 revised"))
    report = load_curriculum(folder)
    assert [page.title for page in report.updated] == ["Lesson 1-2 revised"]


def test_instructor_edits_are_kept_unless_forced(db, tmp_path):
    """A page edited in the admin since the last load is not overwritten (but is with force)."""
    folder = write_curriculum(tmp_path / "c")
    load_curriculum(folder)
    lesson = LessonPage.objects.get(slug="lesson-1-1", locale__language_code="zh-hans")
    lesson.title = "讲师改过的标题"
    lesson.save_revision().publish()
    path = folder / "01-module-1" / "01-lesson-1-1.zh-hans.md"
    path.write_text(path.read_text().replace("title: 课1-1", "title: 文件里的新标题"))
    report = load_curriculum(folder)
    assert [page.pk for page in report.kept_edits] == [lesson.pk]
    assert LessonPage.objects.get(pk=lesson.pk).title == "讲师改过的标题"
    load_curriculum(folder, force=True)
    assert LessonPage.objects.get(pk=lesson.pk).title == "文件里的新标题"


@pytest.mark.parametrize(
    "broken,line,message",
    [
        ("---\nslug: lesson-1-1\ntitle: [unclosed\n---\nbody\n", 3, "invalid front matter"),
        ("slug: lesson-1-1\n", 1, "front matter must start"),
        ("---\nslug: lesson-1-1\ntitle: x\nbody without closing\n", 1, "not closed"),
        ("---\nslug: lesson-1-1\ntitle: x\n---\nText\n\n:::tip\nnever closed\n", 7, "never closed"),
        ("---\nslug: lesson-1-1\ntitle: x\n---\n:::danger\nx\n:::\n", 5, "unknown block"),
        ("---\nslug: Lesson_1\ntitle: x\n---\nx\n", 2, "slug"),
    ],
)
def test_broken_lesson_file_names_file_and_line_and_loads_nothing(db, tmp_path, broken, line, message):
    """A bad curriculum file fails the whole load with `file:line: reason`; no page is written."""
    folder = write_curriculum(tmp_path / "c")
    bad = folder / "02-module-2" / "03-lesson-2-3.zh-hans.md"
    bad.write_text(broken)
    pages_before = Page.objects.count()
    with pytest.raises(CommandError) as error:
        call_command("load_curriculum", path=str(folder))
    assert f"{bad}:{line}:" in str(error.value) and message in str(error.value)
    assert Page.objects.count() == pages_before


def test_missing_translation_is_an_error(tmp_path):
    folder = write_curriculum(tmp_path / "c")
    (folder / "01-module-1" / "02-lesson-1-2.en.md").unlink()
    with pytest.raises(CurriculumError, match="has no en version"):
        read_curriculum(folder)


def test_command_reports_what_it_did(db, tmp_path, capsys):
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    call_command("load_curriculum", path=str(folder))
    assert "8 pages created" in capsys.readouterr().out  # 2 catalogs, courses, modules, lessons
    call_command("load_curriculum", path=str(folder))
    assert "0 pages created, 0 updated, 8 unchanged" in capsys.readouterr().out


def test_the_shipped_curriculum_loads(db):
    """The real files load: six modules per language, every lesson translated."""
    report = load_curriculum()
    assert not report.kept_edits
    assert ModulePage.objects.filter(locale__language_code="zh-hans").count() == 6
    zh = set(LessonPage.objects.filter(locale__language_code="zh-hans").values_list("translation_key", flat=True))
    en = set(LessonPage.objects.filter(locale__language_code="en").values_list("translation_key", flat=True))
    assert zh == en and len(zh) >= 18
    assert CoursePage.objects.count() == 2
