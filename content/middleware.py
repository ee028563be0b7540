"""A stored copy of opted-in pages for anonymous visitors.

It sits before the session and Wagtail's routing, so a hit costs one cache round trip (the
content version and the page together, content.cache_keys) and no query. Only GET requests
without a session cookie or query string, for a page-tree path (under a language prefix) of
reasonable length, are considered, and only responses whose page set `cache_for_anonymous` are
stored. Whether a URL's page opts in is known only after it is served, so each process learns
it: a URL is read from the cache only once this process has seen its page opt in, and stored
the next time (with the version read before it was built). A page that never opts in, and any
other request, costs no cache read at all. Publishing any page advances the version and so
retires every copy.
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from wagtail.views import serve as wagtail_serve

from . import cache_keys, fallback, site_cache

MAX_PATH = 200  # longer paths are never catalog-like pages; they skip the cache unhashed
MAX_LEARNED = 1000  # opted-in URLs remembered per process (a few per site and language)


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(f"/{code}/" for code, _name in settings.LANGUAGES)
        # (host, path) of pages this process has seen opt in. The host is the header as sent
        # (validating it would add ~15 µs to a ~55 µs hit): only hosts whose response passed
        # Django's ALLOWED_HOSTS check get here, so a disallowed host is never read for.
        self.opted_in = set()

    def __call__(self, request):
        seen = self.candidate(request)
        if seen is None:
            return self.get_response(request)
        key = version = None
        if seen in self.opted_in:
            key = cache_keys.page_key(f"{request.scheme}://{seen[0]}{seen[1]}")
            cached, version = cache_keys.read(key)
            if cached is not None:
                return cached
        response = self.get_response(request)
        if not self.may_store(request, response):
            self.opted_in.discard(seen)
        elif key is not None:
            cache_keys.store(key, response, version, settings.ANONYMOUS_PAGE_CACHE_SECONDS)
        else:
            if len(self.opted_in) >= MAX_LEARNED:
                self.opted_in.clear()
            self.opted_in.add(seen)
        return response

    def candidate(self, request):
        """(host, path) of a request the cache may answer, else None."""
        if (
            request.method != "GET"
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or request.META.get("QUERY_STRING")
            or len(request.path) > MAX_PATH
            or not request.path.startswith(self.prefixes)
        ):
            return None
        meta = request.META
        if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in meta:
            return meta["HTTP_X_FORWARDED_HOST"], request.path
        return meta.get("HTTP_HOST") or meta.get("SERVER_NAME", ""), request.path

    @staticmethod
    def may_store(request, response):
        user = getattr(request, "user", None)
        return (
            getattr(response, "cache_for_anonymous", False)
            and response.status_code == 200
            and not (user and user.is_authenticated)
            and not response.cookies
        )


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, except that a 404 under a path that lives outside the language prefix (the
    printed verification URLs) stays a 404 instead of being redirected into a language, and a
    404 for a page that exists only in another language (its path with this language's prefix)
    goes to that page's "not yet translated" notice (content.fallback)."""

    def process_response(self, request, response):
        if response.status_code == 404 and request.path_info.startswith(tuple(settings.UNPREFIXED_PATHS)):
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", get_language())
            return response
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            page = fallback.page_in_other_language(request.path_info)
            if page is not None:
                return HttpResponseRedirect(fallback.in_language_url(page, request.path_info.split("/")[1]))
        return super().process_response(request, response)


class CachedRouteMiddleware:
    """Wagtail's page routing from the cache for pages that opt in (content.site_cache). It
    acts where the view is known, so only Wagtail's `serve` view is touched, after the language
    has been set from the URL and before the view routes the request itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is wagtail_serve and request.method in ("GET", "HEAD"):
            site_cache.route(request, view_args[0] if view_args else view_kwargs.get("path", ""))
        return None
