"""The anonymous page cache and the course outlines: keys, cache reads and invalidation."""

import warnings
from contextlib import contextmanager

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import CacheKeyWarning, memcache_key_warnings
from django.test import Client

from content import cache_keys
from courses.outline import outline_at

READS = ("get", "get_many", "get_or_set", "has_key")


@contextmanager
def counted_reads(monkeypatch):
    """The keys of each cache read (one list per call, calls made inside another not counted)."""
    cache, reads, depth = caches["default"], [], [0]

    def counting(name):
        method = getattr(cache, name)

        def read(key_or_keys, *args, **kwargs):
            if depth[0] == 0:
                reads.append(list(key_or_keys) if name == "get_many" else [key_or_keys])
            depth[0] += 1
            try:
                return method(key_or_keys, *args, **kwargs)
            finally:
                depth[0] -= 1

        return read

    with monkeypatch.context() as patch:
        for name in READS:
            patch.setattr(cache, name, counting(name))
        yield reads


def test_page_keys_are_short_whatever_the_url():
    """A visitor-controlled URL of any length gives a key memcached accepts."""
    key = cache_keys.page_key("http://" + "h" * 300 + ".example/zh-hans/" + "%E4%B8%AD" * 400)
    assert len(key) <= 250
    assert not list(memcache_key_warnings(key))


def test_long_urls_never_make_an_invalid_cache_key(client, tree):
    """A long host, a long query string and a long path are answered without any key warning."""
    catalog = tree.course.get_parent().url
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        for _ in range(3):  # learn, store, hit
            assert client.get(catalog, HTTP_HOST="h" * 300 + ".example").status_code == 200
            assert client.get(catalog + "?utm_source=" + "x" * 300).status_code == 200
            client.get(catalog + "x" * 300 + "/")


def test_pages_that_never_opt_in_cost_no_cache_read(client, tree, monkeypatch, settings):
    """An anonymous lesson (never cached) reads the cache exactly as often with the page cache
    as without it: only its outline."""
    url = tree.lessons[0][0].url
    client.get(url)
    with counted_reads(monkeypatch) as with_page_cache:
        for _ in range(3):
            assert client.get(url).status_code == 200
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("AnonymousPageCacheMiddleware")]
    plain = Client()  # a client loads the middleware once
    with counted_reads(monkeypatch) as without:
        for _ in range(3):
            assert plain.get(url).status_code == 200
    assert with_page_cache == without


@pytest.mark.parametrize("url", ["/zh-hans/?page=2", "/admin/", "/verify/?code=OPS-AAAA-BBBB"])
def test_uncacheable_requests_cost_no_cache_read(client, tree, monkeypatch, url):
    """Query strings and paths outside the page tree skip the page cache unread."""
    with counted_reads(monkeypatch) as reads:
        client.get(url)
    assert not [keys for keys in reads if any(key.startswith(f"{cache_keys.PREFIX}:page:") for key in keys)]
    if not url.startswith("/zh-hans/"):  # a page's route (content.site_cache) reads the version
        assert cache_keys.VERSION_KEY not in [key for keys in reads for key in keys]


def test_an_opted_in_page_costs_one_cache_read_and_no_query(client, tree, monkeypatch, django_assert_num_queries):
    """Once a process has seen the catalog opt in and stored it, an anonymous GET is one
    `get_many` (content version and page together) and no query."""
    catalog = tree.course.get_parent().url
    client.get(catalog)  # this process learns that the catalog opts in
    client.get(catalog)  # … and stores it
    with counted_reads(monkeypatch) as reads, django_assert_num_queries(0):
        assert client.get(catalog).status_code == 200
    assert len(reads) == 1 and cache_keys.VERSION_KEY in reads[0]


def test_a_disallowed_host_never_gets_a_stored_copy(client, tree, settings):
    """A stored page is keyed by its host, and only an allowed host's response is stored, so a
    request naming another host is refused (400) rather than answered from the cache."""
    settings.ALLOWED_HOSTS = ["academy.example"]
    catalog = tree.course.get_parent().url
    for _ in range(3):
        assert client.get(catalog, HTTP_HOST="academy.example").status_code == 200
    for _ in range(3):
        assert client.get(catalog, HTTP_HOST="evil.example").status_code == 400


def test_publishing_retires_stored_pages_and_outlines(client, tree):
    """A publish advances the version: the stored catalog and outline are no longer served."""
    catalog = tree.course.get_parent().url
    for _ in range(3):
        client.get(catalog)
    outline = outline_at(tree.course.path)
    assert outline_at(tree.course.path) is not None
    tree.course.title = "Renamed course"
    tree.course.save_revision().publish()
    assert "Renamed course" in client.get(catalog).content.decode()
    assert outline_at(tree.course.path).course.title == "Renamed course" != outline.course.title


def test_a_lost_version_never_revives_old_copies(client, tree):
    """If the cache loses the version (culled, flushed), copies stored before are not current."""
    key = cache_keys.outline_key(tree.course.path)
    cache_keys.store(key, "old outline", cache_keys.current_version(), None)
    assert cache_keys.read(key)[0] == "old outline"
    caches["default"].delete(cache_keys.VERSION_KEY)
    assert cache_keys.read(key)[0] is None


def test_a_kept_outline_costs_one_small_cache_read(tree, monkeypatch):
    """Once read, a course outline stays in the process: reading it again reads the version
    only (not the pickled outline) and gives the same object."""
    first = outline_at(tree.course.path)
    with counted_reads(monkeypatch) as reads:
        assert outline_at(tree.course.path) is first
    assert reads == [[cache_keys.VERSION_KEY]]


def test_a_kept_outline_goes_when_the_version_advances(tree):
    """A publish anywhere advances the version, so the process's kept outline is not used again."""
    first = outline_at(tree.course.path)
    lesson = tree.lessons[0][0]
    lesson.title = "Renamed"
    lesson.save_revision().publish()
    again = outline_at(tree.course.path)
    assert again is not first and "Renamed" in [lesson.title for lesson in again.all_lessons()]


def test_a_kept_outline_lives_no_longer_than_the_cache_keeps_it(tree, monkeypatch, settings):
    """A change another worker made (its version advance unseen here, as with the in-process
    cache) shows once COURSE_OUTLINE_CACHE_SECONDS have passed, as it did before outlines were kept."""
    first = outline_at(tree.course.path)
    version = cache_keys.current_version()
    lesson = tree.lessons[0][0]
    lesson.title = "Renamed elsewhere"
    lesson.save_revision().publish()
    caches["default"].set(cache_keys.VERSION_KEY, version, None)
    assert outline_at(tree.course.path) is first  # within the bound: the old copy
    later = cache_keys.time.monotonic() + settings.COURSE_OUTLINE_CACHE_SECONDS + 1
    monkeypatch.setattr(cache_keys.time, "monotonic", lambda: later)
    caches["default"].delete(cache_keys.outline_key(tree.course.path))  # the cache's own copy expired too
    assert "Renamed elsewhere" in [lesson.title for lesson in outline_at(tree.course.path).all_lessons()]
