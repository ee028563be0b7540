"""The course outline cache as several app servers share it (REDIS_URL in production; the test
settings' locmem cache stands in for the shared one: every "server" below reads the same cache)."""

from content import cache_keys
from courses.outline import build_outline, outline_at


def _titles(outline):
    return [lesson.title for lesson in outline.all_lessons()]


def test_a_lesson_published_on_one_server_is_read_fresh_by_another(tree):
    """Server B has the outline cached; server A publishes a renamed lesson; B's next read has it."""
    lesson = tree.lessons[0][0]
    assert lesson.title in _titles(outline_at(tree.course.path))  # B caches it
    lesson.title = "Renamed on A"
    lesson.save_revision().publish()
    assert "Renamed on A" in _titles(outline_at(tree.course.path))


def test_a_copy_built_from_uncommitted_rows_is_retired_at_commit(tree, django_capture_on_commit_callbacks):
    """While A's publish is not yet committed, B still reads the old rows and may store an outline
    built from them under the already advanced version; A's commit retires that copy."""
    key = cache_keys.outline_key(tree.course.path)
    stale = build_outline(tree.course)  # what B reads from the database before A commits
    lesson = tree.lessons[0][0]
    with django_capture_on_commit_callbacks(execute=True):
        lesson.title = "Renamed on A"
        lesson.save_revision().publish()
        cache_keys.store(key, stale, cache_keys.current_version(), 60)  # B's copy, stored mid-publish
        assert "Renamed on A" not in _titles(outline_at(tree.course.path))
    assert "Renamed on A" in _titles(outline_at(tree.course.path))


def test_a_page_copy_stored_while_a_restriction_commits_is_not_served_after(tree, django_capture_on_commit_callbacks):
    """A page made private on A: an anonymous copy another server stored from the rows it still
    read as public, under the version the change advanced, is retired when the change commits."""
    from wagtail.models import PageViewRestriction

    key = cache_keys.page_key(f"http://testserver{tree.course.url}")
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=tree.course, restriction_type=PageViewRestriction.LOGIN)
        cache_keys.store(key, "public copy", cache_keys.current_version(), 300)  # B, mid-change
        assert cache_keys.read(key)[0] == "public copy"
    assert cache_keys.read(key)[0] is None
