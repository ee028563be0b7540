"""Framework strings are translated from a hand-kept catalogue (config/locale_overrides) that
wins over the frameworks' own, while our own catalogue (locale/, which makemessages rewrites)
stays first: the first of LOCALE_PATHS with a string wins."""

import subprocess

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real
from wagtail.users.models import UserProfile


@pytest.fixture
def fresh_catalogues():
    """Django keeps one merged catalogue per language and process: rebuild it around a test."""
    trans_real._translations = {}
    trans_real._active = trans_real.Local()
    yield
    trans_real._translations = {}
    trans_real._active = trans_real.Local()


def test_overrides_come_after_our_catalogue():
    assert [path.name for path in settings.LOCALE_PATHS] == ["locale", "locale_overrides"]


def test_wagtail_strings_missing_from_its_catalogue_are_translated():
    with translation.override("zh-hans"):
        assert translation.gettext("Exploring") == "浏览"
        assert translation.gettext("Autosave is paused") == "自动保存已暂停"
        assert translation.ngettext(
            '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
            '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>', 80,
        ).startswith("%(total)s 个页面")


def test_overrides_win_over_the_frameworks_own_translation():
    """Wagtail calls a content language 区域 (region); the overrides say 语言."""
    with translation.override("zh-hans"):
        assert translation.gettext("Locale") == "语言"


def test_the_first_catalogue_with_a_string_wins(tmp_path, settings, fresh_catalogues):
    """What the order of LOCALE_PATHS means, checked on two throwaway catalogues."""
    paths = []
    for name, text in (("first", "第一"), ("second", "第二")):
        folder = tmp_path / name / "zh_Hans" / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "django.po").write_text(
            'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            f'msgid "Which catalogue?"\nmsgstr "{text}"\n', encoding="utf-8")
        subprocess.run(["msgfmt", "-o", folder / "django.mo", folder / "django.po"], check=True)
        paths.append(tmp_path / name)
    settings.LOCALE_PATHS = paths
    with translation.override("zh-hans"):
        assert translation.gettext("Which catalogue?") == "第一"


def test_javascript_strings_are_overridden_too(client, instructor):
    """The admin's script catalogue (djangojs) reads the overrides as well: the sidebar's
    "new items in this menu" is Chinese."""
    UserProfile.objects.filter(user=instructor).update(preferred_language="zh-hans")
    client.force_login(instructor)
    script = client.get("/admin/jsi18n/").content.decode("unicode_escape")
    assert "此菜单中有 %(number)s 个新项目" in script
