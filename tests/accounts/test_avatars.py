"""Avatars are the person's initials, drawn locally: no page we render asks Gravatar."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from accounts import avatars
from tests.conftest import make_user


def person(name):
    return SimpleNamespace(pk=1, get_display_name=lambda: name)


@pytest.mark.parametrize(("name", "expected"), [
    ("王小明", "小明"),  # a Chinese given name, as colleagues call each other
    ("李明", "李明"),
    ("李明 Li Ming", "李明"),
    ("Ada Lovelace", "AL"),
    ("ada", "A"),
    ("trainee@example.com", "T"),
    ("", "?"),
])
def test_initials_follow_the_name(name, expected):
    assert avatars.initials(person(name)) == expected


def test_the_admin_avatar_is_an_inline_image_of_the_initials():
    """Wagtail's admin takes an image URL: ours is a data: URL, which needs no request."""
    url = avatars.data_url(person("Ada Lovelace"), 50)
    assert url.startswith("data:image/svg+xml") and "AL" in url


@pytest.mark.parametrize("url", [
    "/zh-hans/my-learning/", "/en/accounts/profile/", "/admin/", "/admin/account/", "/admin/users/",
])
def test_no_page_asks_gravatar(client, db, url):
    """Learner pages show initials; the admin's sidebar, account page and user list too."""
    admin = make_user("boss@example.com", display_name="Ada Lovelace", is_staff=True, is_superuser=True)
    make_user("colleague@example.com", display_name="王小明")
    client.force_login(admin)
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert "gravatar" not in html.lower()
    assert ">AL<" in html or "AL%3C" in html  # the header's circle, or the admin's SVG


def test_the_header_shows_the_initials_next_to_the_name(trainee_client):
    html = trainee_client.get(reverse("courses:dashboard")).content.decode()
    assert 'class="avatar avatar--' in html and ">TO</span><span class=\"account__name\">Trainee One</span>" in html


def test_an_entry_by_no_one_gets_wagtails_own_default_avatar():
    """The admin's history draws an avatar for system actions too (user None): Wagtail's local default."""
    from wagtail.admin.templatetags.wagtailadmin_tags import avatar_url

    from accounts.wagtail_hooks import initials_avatar

    assert initials_avatar(None, 50) is None
    assert avatar_url(None).startswith("/static/wagtailadmin/images/default-user-avatar.png")
