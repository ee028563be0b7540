"""What every app-server worker would otherwise build on its first requests, built as it boots
(config.wsgi): the URL reverse tables (one per language under i18n_patterns, one per URL
namespace, each built on its first `reverse`) and this thread's Markdown parser — tens of
milliseconds of a worker's first pages and exam starts. Nothing here reads the database, so a
worker still boots while the database is down.
"""

from django.conf import settings
from django.urls import URLResolver, get_resolver
from django.utils import translation


def warm_up():
    from content.markdown import render_markdown  # after django.setup()

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            _build_reverse_tables(get_resolver())
    render_markdown("*Ops Academy*")  # not a plain line: builds the parser


def _build_reverse_tables(resolver):
    resolver.reverse_dict  # noqa: B018  the property builds the table for the active language
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            _build_reverse_tables(pattern)
