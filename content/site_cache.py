"""Serve a page without Wagtail's per-request look-ups of its site, locale and route.

Wagtail finds the page a URL names afresh on every request: the site for the host, the active
locale, the root page and its translation, the page by its URL path and its specific row, then
the page's ancestors (for aliases) and their view restrictions — seven queries before the page's
own code runs. For pages that opt in (`CachedRouteMixin`), `CachedRouteMiddleware` stores what
routing found — the site and the specific page, as of its live revision — in the cache under
the content version (content.cache_keys), keyed by host, port, language and path, and a later
request for the same URL starts from that copy.

A copy is never trusted on its own. Each request that uses one runs one small query
(`check_sql`) that confirms the page still sits at the same tree path, is live and has the same
live revision, and reads the view restrictions of the page and its ancestors (an alias's from
its source page, as Wagtail does) from the database. So a restriction added, changed or removed,
a page unpublished, republished or moved takes effect on the very next request in every worker
and on every server, whatever the cache; a stale copy is simply routed again. Wagtail's own hook
(`check_view_restrictions`) still decides who may see the page, from those fresh rows.

What the check does not cover is the site for a host (and the locale): a change of the site
records or locales advances the content version (content.signals), which every server sees at
once with a shared cache (REDIS_URL); with the in-process cache, other workers keep their copy
for at most COURSE_OUTLINE_CACHE_SECONDS.
"""

import hashlib
from functools import cache

from django.conf import settings
from django.db import connection
from django.http.request import split_domain_port
from django.utils.translation import get_language
from wagtail.models import Page, PageViewRestriction
from wagtail.url_routing import RouteResult

from . import cache_keys

CURRENT = "current"  # check_sql's marker row: the copy's page is unchanged
CHAINED = "chained"  # an alias of an alias above the page: left to Wagtail, which follows it


class CachedRouteMixin:
    """A page type whose route may be served from the cache (content.site_cache). Only its
    serving instances carry `served_view_restrictions`, read fresh by the check; any other use
    of `get_view_restrictions` (the admin's privacy view) gets Wagtail's query."""

    cache_route = True
    served_view_restrictions = None

    def get_view_restrictions(self):
        if self.served_view_restrictions is not None:
            return self.served_view_restrictions
        return super().get_view_restrictions()


def route_key(request):
    """The copy's key: Wagtail picks the site by host name and port, the root by language."""
    hostname = split_domain_port(request._get_raw_host())[0]
    place = f"{hostname}:{request.get_port()}|{get_language()}|{request.path}"
    digest = hashlib.md5(place.encode(errors="backslashreplace"), usedforsecurity=False).hexdigest()
    return f"{cache_keys.PREFIX}:route:{digest}"


def route(request, path):
    """Route the request through the cache: set what Wagtail's `serve` view reads
    (`request._wagtail_site`, `request._wagtail_route_for_request`) from a checked copy, or let
    Wagtail route it and store the result if the page opts in."""
    key = route_key(request)
    entry, version = cache_keys.read(key)
    if entry is not None:
        site, page = entry
        restrictions = check(page)
        if restrictions is not None:
            page.served_view_restrictions = restrictions
            request._wagtail_site = site
            request._wagtail_route_for_request = RouteResult(page)
            return
    found = Page.route_for_request(request, path)  # Wagtail's routing; it keeps the result on the request
    if found is None:
        return
    page, args, kwargs = found
    if getattr(page, "cache_route", False) and not args and not kwargs and not page.alias_of_id:
        # An alias is left out: it has no revisions, so the check could not see it change.
        cache_keys.store(key, (request._wagtail_site, page), version, settings.COURSE_OUTLINE_CACHE_SECONDS)


def check(page):
    """The view restrictions that apply to `page` now, or None if the copy of `page` is out of
    date (moved, unpublished, republished) or its restrictions need Wagtail's own walk."""
    ancestors = [page.path[:end] for end in range(Page.steplen, len(page.path) + 1, Page.steplen)]
    with connection.cursor() as cursor:
        cursor.execute(
            check_sql(len(ancestors), page.live_revision_id is None),
            [*ancestors, *ancestors, page.pk, page.path, *([page.live_revision_id] if page.live_revision_id else [])],
        )
        rows = cursor.fetchall()
    kinds = {row[1] for row in rows if row[0] is None}
    if CURRENT not in kinds or CHAINED in kinds:
        return None
    fields = [field.attname for field in PageViewRestriction._meta.concrete_fields]
    return [PageViewRestriction.from_db(connection.alias, fields, row) for row in rows if row[0] is not None]


@cache
def check_sql(depth, no_revision):
    """One statement: the restrictions on the page and its ancestors (`depth` tree paths; an
    alias's are its source page's), a CHAINED row if one of them is an alias of an alias, and
    the CURRENT row if the page is still live at that path with the same live revision."""
    qn = connection.ops.quote_name
    page = qn(Page._meta.db_table)
    restriction = qn(PageViewRestriction._meta.db_table)
    paths = ", ".join(["%s"] * depth)
    revision = "live_revision_id IS NULL" if no_revision else "live_revision_id = %s"
    return (
        f"SELECT r.id, r.restriction_type, r.password, r.page_id FROM {restriction} r"  # concrete_fields' order
        f" JOIN {page} a ON r.page_id = COALESCE(a.alias_of_id, a.id) WHERE a.path IN ({paths})"
        f" UNION ALL SELECT NULL, '{CHAINED}', NULL, NULL FROM {page} a"
        f" JOIN {page} s ON s.id = a.alias_of_id WHERE a.path IN ({paths}) AND s.alias_of_id IS NOT NULL"
        f" UNION ALL SELECT NULL, '{CURRENT}', NULL, NULL FROM {page}"
        f" WHERE id = %s AND path = %s AND live AND {revision}"
    )
