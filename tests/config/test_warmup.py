"""A worker builds its URL reverse tables and Markdown parser as it boots (config.wsgi), so its
first pages and exam starts do not: after `warm_up`, reversing any named URL in either
language builds no table, rendering Markdown builds no parser, and no query is made."""

import importlib
import sys
import threading
from unittest import mock

import markdown
from django.conf import settings
from django.urls import URLResolver, clear_url_caches, get_resolver, get_urlconf, reverse
from django.utils import translation

from config.warmup import warm_up
from content import markdown as content_markdown


def _named_urls(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _named_urls(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif pattern.name and pattern.pattern.regex.groups == 0:  # reversible without arguments
            yield prefix + pattern.name


def _resolvers(resolver):
    yield resolver
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _resolvers(pattern)


def test_after_warm_up_no_reverse_table_and_no_parser_is_built():
    """No `db` fixture: a query would raise."""
    clear_url_caches()  # a worker's first resolver: no table built yet
    result = {}

    def in_a_fresh_thread():  # a thread that never rendered Markdown, like a new worker's
        try:
            check()
        except BaseException as error:  # noqa: BLE001  re-raised by the test
            result["error"] = error

    def check():
        warm_up()
        root = get_resolver(get_urlconf())
        names, tables = list(_named_urls(root)), {id(resolver) for resolver in _resolvers(root)}
        populate = URLResolver._populate

        def unless_warmed(resolver):  # the small wrappers `reverse` makes around a namespace may build
            assert id(resolver) not in tables, f"{resolver} built on first use"
            populate(resolver)

        with mock.patch.object(URLResolver, "_populate", unless_warmed), \
                mock.patch.object(markdown, "Markdown", side_effect=AssertionError("parser built on first use")):
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    result[code] = [reverse(name) for name in names]
            result["html"] = content_markdown.render_markdown("A *warm* worker, not cached yet.")

    thread = threading.Thread(target=in_a_fresh_thread)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    assert result["html"] == "<p>A <em>warm</em> worker, not cached yet.</p>"
    assert len(result["en"]) > 10 and all(url.startswith("/en/") or not url.startswith("/zh-hans/")
                                          for url in result["en"])
    assert any(url.startswith("/zh-hans/") for url in result["zh-hans"])


def test_the_wsgi_module_warms_up_before_freezing_what_start_up_built():
    """Warmed after the freeze, the tables would sit in the collector's full passes."""
    calls = mock.Mock()
    with mock.patch("config.warmup.warm_up", calls.warm_up), mock.patch("gc.freeze", calls.freeze):
        sys.modules.pop("config.wsgi", None)
        importlib.import_module("config.wsgi")
    assert [name for name, _args, _kwargs in calls.mock_calls] == ["warm_up", "freeze"]
