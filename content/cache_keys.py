"""Cache keys, and the content version that retires every copy built from the page tree.

The anonymous page cache (content.middleware) and the course outlines (courses.outline) store
`(version, value)` entries. Publishing, unpublishing, moving or deleting a page and changing a
page's privacy advance the version (content.signals), and a reader fetches the version and the
entry in one `get_many`, so checking that a copy is current costs no second cache round trip.
The version lives in the cache: with a shared cache (REDIS_URL) every app server sees an
advance at once; an in-process cache's other workers keep their copies until they expire.
A change advances it twice: at once, and again when its transaction commits. Between the two,
another server (or worker) reading the database still sees the old rows, and may store what it
built from them under the new version; the second advance retires that copy.

Keys are short and of bounded length whatever a visitor sends: a page's URL is hashed with MD5,
as Django's own `get_cache_key` does, so no key comes near memcached's 250-character limit.
"""

import functools
import hashlib
import inspect
import secrets
import time

from django.core.cache import cache
from django.db import transaction

PREFIX = "oa"
VERSION_KEY = f"{PREFIX}:content-version"
TASK_DONE_SECONDS = 14 * 24 * 3600  # longer than any task waits to be retried
MAX_KEPT = 64  # values kept in the process (`keep`): courses × languages an app server serves
_kept = {}  # key → (version, value, monotonic time it expires)


def page_key(url):
    """The anonymous page cache's key of an absolute URL (scheme, host and path)."""
    digest = hashlib.md5(url.encode(errors="backslashreplace"), usedforsecurity=False).hexdigest()
    return f"{PREFIX}:page:{digest}"


def outline_key(course_path):
    """A course outline's key; tree paths are short (four characters a level)."""
    return f"{PREFIX}:outline:{course_path}"


def current_version():
    """The content version. A missing one (a cleared or culled cache) starts at a random value,
    so that no copy made before is taken for current."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.randbits(48), None)
        version = cache.get(VERSION_KEY)
    return version


def advance_version():
    """Retire every stored page and outline, now and again once the change is committed."""
    _advance()
    transaction.on_commit(_advance)


def _advance():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet: any new one retires the copies
        cache.set(VERSION_KEY, secrets.randbits(48), None)


def read(key, *, keep=None):
    """`(value, version)`: the value stored at `key` if it was stored under the current version
    (else None), and that version, to store a fresh value under.

    `keep` (seconds, with `store(…, keep=True)`): the value is also kept in the process, as a
    read-only object every request shares — for course outlines: while the version is unchanged,
    reading one costs the version only, not unpickling some 50 pages (a third of a millisecond a
    lesson). Kept no longer than the cache keeps it, so an in-process cache's bound is unchanged."""
    if keep is not None:
        return _read_kept(key, keep)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        return None, current_version()
    entry = found.get(key)
    return (entry[1] if entry is not None and entry[0] == version else None), version


def store(key, value, version, timeout, *, keep=False):
    """Store `value` as current for `version` (read before it was built: a change made while it
    was being built has advanced the version, and the copy is never served); `keep`: also in
    the process, for `read(…, keep=…)`."""
    cache.set(key, (version, value), timeout)
    if keep:
        _keep(key, version, value, timeout)


def _read_kept(key, timeout):
    version = cache.get(VERSION_KEY)
    if version is None:
        return None, current_version()
    held = _kept.get(key)
    if held is not None and held[0] == version and held[2] > time.monotonic():
        return held[1], version
    entry = cache.get(key)
    if entry is None or entry[0] != version:
        return None, version
    _keep(key, version, entry[1], timeout)
    return entry[1], version


def _keep(key, version, value, timeout):
    if len(_kept) >= MAX_KEPT:
        _kept.clear()
    _kept[key] = (version, value, time.monotonic() + (float("inf") if timeout is None else timeout))


def once(function):
    """Make a background task (`@task(takes_context=True)` over this) do its work at most once
    per enqueued task, however often a worker runs it: django-tasks-db never retries the task of
    a worker that died mid-run, and a task put back in the queue by hand (docs/deploy.md) must not
    mail anyone twice. The mark is set when the work is done, in the shared cache (REDIS_URL);
    a worker killed between the mail leaving and the mark being set can still send it twice."""

    @functools.wraps(function)
    def run(context, *args, **kwargs):
        key = f"{PREFIX}:task-done:{context.task_result.id}"
        if cache.get(key):
            return None
        result = function(*args, **kwargs)
        cache.set(key, True, TASK_DONE_SECONDS)
        return result

    signature = inspect.signature(function)  # django-tasks checks that `context` comes first
    context = inspect.Parameter("context", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    run.__signature__ = signature.replace(parameters=[context, *signature.parameters.values()])
    return run
