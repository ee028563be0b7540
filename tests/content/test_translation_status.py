"""Instructors translate pages, and a translation whose Chinese source changed says so in its
editor and in the list of translations to update, with a link to what changed."""

import pytest
from django.urls import reverse
from wagtail.models import Locale, Page

from accounts.groups import INSTRUCTORS
from content.models import TranslationSync
from courses.models import LessonPage
from tests.conftest import make_user

BANNER = "Source changed since translation"


@pytest.fixture
def instructor_client(client, db):
    client.force_login(make_user("translator@example.com", INSTRUCTORS))
    return client


def edit_chinese(page, title):
    page = page.specific
    page.title = title
    page.save_revision().publish()
    return page


def test_instructor_may_open_the_translate_form(instructor_client, tree):
    """The README's *Translate* action: an instructor gets the submit-translation form."""
    page = tree.lessons[0][0]
    response = instructor_client.get(reverse("simple_translation:submit_page_translation", args=[page.pk]))
    assert response.status_code == 200


def test_translations_written_together_are_up_to_date(instructor_client, tree):
    """Pages the curriculum loader wrote in both languages open without a warning."""
    english = tree.en(tree.lessons[0][0])
    response = instructor_client.get(reverse("wagtailadmin_pages:edit", args=[english.pk]))
    assert response.status_code == 200
    assert BANNER not in response.content.decode()
    report = instructor_client.get(reverse("content_translations:outdated"))
    assert english.title not in report.content.decode()


def test_changed_source_marks_the_translation_out_of_date(instructor_client, tree):
    """After the Chinese lesson changes, its English editor warns and links to Wagtail's
    comparison of the Chinese revisions; marking it up to date removes the warning."""
    chinese = tree.lessons[0][0]
    english = tree.en(chinese)
    before = chinese.specific.latest_revision_id
    edit_chinese(chinese, "课1-1（修订）")
    edit_url = reverse("wagtailadmin_pages:edit", args=[english.pk])

    page = instructor_client.get(edit_url).content.decode()
    assert BANNER in page
    changes = instructor_client.get(reverse("content_translations:changes", args=[english.pk]))
    latest = Page.objects.get(pk=chinese.pk).latest_revision_id
    assert changes.url == reverse("wagtailadmin_pages:revisions_compare", args=[chinese.pk, before, latest])
    compare = instructor_client.get(changes.url)
    assert compare.status_code == 200 and "课1-1（修订）" in compare.content.decode()
    report = instructor_client.get(reverse("content_translations:outdated")).content.decode()
    assert english.title in report

    mark_url = reverse("content_translations:mark_synced", args=[english.pk])
    assert instructor_client.get(mark_url).status_code == 200
    assert instructor_client.post(mark_url).status_code == 302
    assert TranslationSync.objects.get(page_id=english.pk).source_revision_id == latest
    assert BANNER not in instructor_client.get(edit_url).content.decode()
    assert english.title not in instructor_client.get(reverse("content_translations:outdated")).content.decode()
    # The next change of the source makes it out of date again.
    edit_chinese(chinese, "课1-1（再修订）")
    assert BANNER in instructor_client.get(edit_url).content.decode()


def test_translate_records_the_source_revision(instructor_client, tree):
    """A page translated with *Translate* starts up to date; its source's next change shows."""
    module = tree.modules[0]
    new = module.add_child(instance=LessonPage(title="新课", slug="new-lesson", locale=module.locale))
    new.save_revision().publish()
    english = Locale.objects.get(language_code="en")
    response = instructor_client.post(
        reverse("simple_translation:submit_page_translation", args=[new.pk]), {"locales": [english.pk]}
    )
    assert response.status_code == 302
    translated = new.get_translation(english)
    assert TranslationSync.objects.get(page_id=translated.pk).source_revision_id == new.latest_revision_id
    edit_url = reverse("wagtailadmin_pages:edit", args=[translated.pk])
    assert BANNER not in instructor_client.get(edit_url).content.decode()
    edit_chinese(new, "新课（修订）")
    assert BANNER in instructor_client.get(edit_url).content.decode()


def test_only_editors_of_the_translation_may_mark_it(client, tree, trainee):
    """Marking up to date needs edit permission on the translation; trainees get no admin."""
    client.force_login(trainee)
    english = tree.en(tree.lessons[0][0])
    response = client.post(reverse("content_translations:mark_synced", args=[english.pk]))
    assert response.status_code in (302, 403)
    assert not TranslationSync.objects.filter(page_id=english.pk).exists()


def test_a_source_page_is_no_translation(instructor_client, tree):
    """The Chinese page itself has nothing to be out of date with."""
    url = reverse("content_translations:changes", args=[tree.lessons[0][0].pk])
    assert instructor_client.get(url).status_code == 404


def test_translations_to_update_costs_the_same_for_more_pages(instructor_client, tree):
    """The list of translations to update reads a fixed number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("content_translations:outdated")
    counts = []
    for lesson in tree.lessons[0]:
        edit_chinese(lesson, lesson.title + "（修订）")
        instructor_client.get(url)  # warm per-process caches (site, locales)
        with CaptureQueriesContext(connection) as queries:
            page = instructor_client.get(url).content.decode()
        assert tree.en(lesson).title in page
        counts.append(len(queries))
    assert counts[0] == counts[-1], counts


def test_the_page_explorer_marks_translations_behind_their_source(instructor_client, tree):
    """The English module's listing flags the lesson whose Chinese source changed, and only it,
    in the listing's own queries."""
    changed, unchanged = tree.lessons[0][0], tree.lessons[0][1]
    english_module = tree.en(tree.modules[0])
    url = reverse("wagtailadmin_explore", args=[english_module.pk])
    flag = reverse("content_translations:changes", args=[tree.en(changed).pk])
    assert flag not in instructor_client.get(url).content.decode()
    edit_chinese(changed, "课1-1（修订）")
    html = instructor_client.get(url).content.decode()
    assert flag in html and "Source changed" in html
    assert reverse("content_translations:changes", args=[tree.en(unchanged).pk]) not in html
    chinese = instructor_client.get(reverse("wagtailadmin_explore", args=[tree.modules[0].pk])).content.decode()
    assert "Source changed" not in chinese
