"""Course pages routed from a cached copy (content.site_cache): who may see them is decided from
the database on every request, and a copy that no longer matches its page is never served.

"Another server" below is a change whose content-version advance this process never saw (an
in-process cache on another worker, or a write that sends no signal): the copy stays current by
its version, so only the per-request check stands between it and the reader.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Locale, Page, PageViewRestriction, Site

from accounts.groups import HR, TRAINEES
from content import cache_keys, site_cache
from courses.models import LessonPage
from tests.conftest import make_user

BODY = "Body of 课1-1."


def get(client, url, **extra):
    """(response, whether it was routed from a cached copy)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, any(f"'{site_cache.CURRENT}'" in query["sql"] for query in queries.captured_queries)


def cached(client, url, **extra):
    """Request `url` until it is served from its copy; return that response."""
    client.get(url, **extra)
    response, from_copy = get(client, url, **extra)
    assert from_copy, f"{url} was not served from a cached route"
    return response


def unseen(change):
    """Make `change` as another server would: this process's content version does not move."""
    version = cache_keys.current_version()
    result = change()
    cache.set(cache_keys.VERSION_KEY, version, None)
    return result


def shown(response):
    return response.status_code == 200 and BODY in response.content.decode()


@pytest.fixture
def lesson(tree):
    return tree.lessons[0][0]


@pytest.mark.parametrize("how", ["saved", "on another server"])
@pytest.mark.parametrize("where", ["lesson", "module", "course", "catalog"])
def test_a_login_restriction_added_after_caching_applies_on_the_next_request(
    client, tree, lesson, trainee, how, where
):
    """Anonymous readers of a cached lesson are sent to log in as soon as it, or any page above
    it, is made private; a logged-in reader still reads it."""
    assert shown(cached(client, lesson.url))
    pages = {"lesson": lesson, "module": tree.modules[0], "course": tree.course, "catalog": tree.course.get_parent()}
    page = pages[where]

    def restrict():
        if how == "saved":
            PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
        else:  # no signal at all
            PageViewRestriction.objects.bulk_create([PageViewRestriction(page=page, restriction_type="login")])

    unseen(restrict)
    response, from_copy = get(client, lesson.url)
    assert from_copy and response.status_code == 302 and BODY not in response.content.decode()
    client.force_login(trainee)
    assert shown(client.get(lesson.url))


def test_removing_a_restriction_opens_the_cached_page_on_the_next_request(client, tree, lesson, trainee):
    """A lesson cached while private opens to anonymous readers once the restriction goes."""
    restriction = PageViewRestriction.objects.create(page=tree.modules[0], restriction_type=PageViewRestriction.LOGIN)
    client.force_login(trainee)
    assert shown(cached(client, lesson.url))
    client.logout()
    assert client.get(lesson.url).status_code == 302
    unseen(lambda: PageViewRestriction.objects.filter(pk=restriction.pk)._raw_delete(connection.alias))
    response, from_copy = get(client, lesson.url)
    assert from_copy and shown(response)


def test_a_group_restriction_follows_its_groups_and_the_readers_groups_at_once(client, tree, lesson, trainee):
    """Only members of the restriction's groups read a cached lesson: changing either the
    restriction's groups or a reader's groups (neither advances any version) counts on the next
    request, for readers who had been let in and readers who had been kept out."""
    restriction = PageViewRestriction.objects.create(page=tree.course, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.set([Group.objects.get(name=HR)])
    hr = make_user("hr@example.com", HR)
    client.force_login(hr)
    assert shown(cached(client, lesson.url))
    client.force_login(trainee)
    assert client.get(lesson.url).status_code == 302
    anonymous = client.__class__()
    assert anonymous.get(lesson.url).status_code == 302

    restriction.groups.set([Group.objects.get(name=TRAINEES)])
    response, from_copy = get(client, lesson.url)
    assert from_copy and shown(response)
    client.force_login(hr)
    assert client.get(lesson.url).status_code == 302
    hr.groups.add(Group.objects.get(name=TRAINEES))
    assert shown(client.get(lesson.url))
    assert anonymous.get(lesson.url).status_code == 302


def test_a_password_restriction_asks_for_the_password_until_it_is_given(client, tree, lesson, trainee):
    """A cached lesson under a password-protected module shows the password form, not the
    lesson, to anonymous and logged-in readers alike, until the password is given in that session."""
    assert shown(cached(client, lesson.url))
    restriction = unseen(lambda: PageViewRestriction.objects.create(
        page=tree.modules[0], restriction_type=PageViewRestriction.PASSWORD, password="s3cret"))
    for reader in (None, trainee):
        if reader:
            client.force_login(reader)
        response, from_copy = get(client, lesson.url)
        assert from_copy and not shown(response) and 'name="password"' in response.content.decode()
    wrong = client.post(reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, lesson.pk]),
                        {"password": "guess", "return_url": lesson.url})
    assert wrong.status_code == 200 and not shown(client.get(lesson.url))
    client.post(reverse("wagtailcore_authenticate_with_password", args=[restriction.pk, lesson.pk]),
                {"password": "s3cret", "return_url": lesson.url})
    assert shown(client.get(lesson.url))


def test_a_restriction_on_an_aliased_module_covers_the_lessons_under_its_alias(client, tree):
    """Below an alias, the source page's restrictions apply (as Wagtail has it): a lesson in an
    alias of a module that becomes private is closed to anonymous readers on the next request."""
    source = tree.modules[1]
    alias = source.create_alias(parent=tree.course, update_slug="alias-module")
    own = alias.add_child(instance=LessonPage(title="Under the alias", slug="under-alias", body=[]))
    own.save_revision().publish()
    url = own.url
    assert cached(client, url).status_code == 200
    restriction = PageViewRestriction(page=source, restriction_type=PageViewRestriction.LOGIN)
    unseen(lambda: PageViewRestriction.objects.bulk_create([restriction]))
    response, from_copy = get(client, url)
    assert from_copy and response.status_code == 302


def test_an_alias_of_an_alias_above_the_page_is_left_to_wagtail(client, tree):
    """A chain of aliases is followed by Wagtail's own walk, never by the copy's check."""
    source = tree.modules[1]
    first = source.create_alias(parent=tree.course, update_slug="first-alias")
    own = first.add_child(instance=LessonPage(title="Under the alias", slug="under-alias", body=[]))
    own.save_revision().publish()
    client.get(own.url)
    second = tree.modules[0].create_alias(parent=tree.course, update_slug="second")
    Page.objects.filter(pk=first.pk).update(alias_of=second)
    assert site_cache.check(Page.objects.get(pk=own.pk)) is None


def test_alias_pages_are_not_cached(client, tree):
    """An alias has no revisions for the check to compare, so it is always routed by Wagtail."""
    alias = tree.lessons[0][0].create_alias(update_slug="lesson-alias")
    client.get(alias.url)
    response, from_copy = get(client, alias.url)
    assert response.status_code == 200 and not from_copy


def test_a_page_unpublished_on_another_server_is_not_served_from_the_copy(client, lesson):
    assert shown(cached(client, lesson.url))
    unseen(lambda: Page.objects.filter(pk=lesson.pk).update(live=False))
    assert not shown(client.get(lesson.url))


def test_a_page_republished_on_another_server_is_served_fresh(client, lesson):
    assert shown(cached(client, lesson.url))

    def rename():
        lesson.title = "Renamed elsewhere"
        lesson.save_revision().publish()

    unseen(rename)
    assert "Renamed elsewhere" in client.get(lesson.url).content.decode()


def test_a_page_moved_on_another_server_is_routed_again(client, tree, lesson):
    """Its old URL no longer shows it, its new one does."""
    old_url = lesson.url
    assert shown(cached(client, old_url))
    unseen(lambda: lesson.move(tree.modules[1], pos="last-child"))
    assert not shown(client.get(old_url))
    assert shown(client.get(LessonPage.objects.get(pk=lesson.pk).url))


def test_copies_are_kept_per_host(client, lesson):
    """A copy routed for one host is not used for another (each host may be its own site)."""
    cached(client, lesson.url)
    _, from_copy = get(client, lesson.url, HTTP_HOST="other.example")
    assert not from_copy


def test_only_page_types_that_opt_in_are_cached(client, lesson, monkeypatch):
    monkeypatch.setattr(LessonPage, "cache_route", False)
    client.get(lesson.url)
    response, from_copy = get(client, lesson.url)
    assert shown(response) and not from_copy


@pytest.mark.parametrize("change", ["site saved", "site deleted", "locale saved", "locale deleted"])
def test_site_and_locale_changes_retire_every_copy(client, lesson, change):
    """The check does not cover the site for a host or the locales: changing them advances the
    content version, so the next request routes afresh."""
    cached(client, lesson.url)
    if change == "site saved":
        Site.objects.get(is_default_site=True).save()
    elif change == "site deleted":
        Site.objects.create(hostname="spare.example", root_page=Page.objects.get(depth=1)).delete()
    elif change == "locale saved":
        Locale.objects.get(language_code="zh-hans").save()
    else:
        Locale.objects.create(language_code="fr").delete()
    _, from_copy = get(client, lesson.url)
    assert not from_copy
    assert cached(client, lesson.url)


def test_the_admin_privacy_view_still_reads_restrictions_from_the_database(tree, lesson):
    """Pages that opt in keep Wagtail's queryset of restrictions outside serving."""
    PageViewRestriction.objects.create(page=tree.course, restriction_type=PageViewRestriction.LOGIN)
    assert lesson.get_view_restrictions().order_by("-page__depth").count() == 1


def test_a_logged_in_reader_gets_their_own_page_from_a_shared_copy(client, lesson, trainee, other_trainee):
    """The copy is the page as published; what is personal is rendered per request."""
    client.force_login(trainee)
    assert "Trainee One" in cached(client, lesson.url).content.decode()
    client.force_login(other_trainee)
    response, from_copy = get(client, lesson.url)
    assert from_copy and shown(response) and "Trainee One" not in response.content.decode()
