"""A stored copy of opted-in pages for anonymous visitors.

It sits before the session and Wagtail's routing, so a hit costs one cache read. Only GET
requests without a session cookie are served from it, and only responses whose page set
`cache_for_anonymous` are stored; publishing any page bumps the version and so empties it.
"""

from django.conf import settings
from django.core.cache import cache
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

VERSION_KEY = "anon-page-cache:version"


def current_version():
    return cache.get_or_set(VERSION_KEY, 1, None)


def invalidate():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return self.get_response(request)
        key = f"anon-page:{current_version()}:{request.get_full_path()}"
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            getattr(response, "cache_for_anonymous", False)
            and response.status_code == 200
            and not (user and user.is_authenticated)
            and not response.cookies
        ):
            cache.set(key, response, settings.ANONYMOUS_PAGE_CACHE_SECONDS)
        return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, except that a 404 under a path that lives outside the language prefix (the
    printed verification URLs) stays a 404 instead of being redirected into a language."""

    def process_response(self, request, response):
        if response.status_code == 404 and request.path_info.startswith(tuple(settings.UNPREFIXED_PATHS)):
            patch_vary_headers(response, ("Accept-Language",))
            response.headers.setdefault("Content-Language", get_language())
            return response
        return super().process_response(request, response)
