"""A people file that passed a dry run, kept for "Import now" so that HR need not upload it
again.

The upload is stored in private storage (never served) under a random name; the session holds
its name, format and SHA-256 with a random token that the result page posts back. "Import now"
takes it once (a second click finds nothing), refuses it after `MAX_AGE` or if the stored
bytes no longer match the digest, and imports it for real: `accounts.api.import_people` checks
every row again in the import's one transaction, so a change made since the dry run is caught.
A new upload replaces the session's file; files left behind by abandoned sessions are removed
by the next upload after `MAX_AGE`."""

import hashlib
import io
import secrets
import time
from datetime import timedelta
from hmac import compare_digest

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

SESSION_KEY = "hr_pending_people_import"
FOLDER = "people-imports"
MAX_AGE = 3600  # seconds


def keep(request, upload, fmt) -> str:
    """Store `upload` for this session; returns the token for "Import now"."""
    discard(request)
    _remove_stale()
    upload.seek(0)
    content = upload.read()
    name = storages["private"].save(f"{FOLDER}/{secrets.token_hex(16)}.{fmt}", ContentFile(content))
    token = secrets.token_urlsafe(24)
    request.session[SESSION_KEY] = {"token": token, "name": name, "format": fmt, "filename": upload.name,
                                    "sha256": hashlib.sha256(content).hexdigest(), "at": time.time()}
    return token


def take(request, token):
    """(file, format, filename) of the file kept under `token`, once; None when there is none,
    it is too old or it changed."""
    pending = request.session.get(SESSION_KEY)
    if not pending or not compare_digest(str(token), pending["token"]):
        return None
    content = _read(pending["name"]) if time.time() - pending["at"] <= MAX_AGE else None
    discard(request)
    if content is None or not compare_digest(hashlib.sha256(content).hexdigest(), pending["sha256"]):
        return None
    return io.BytesIO(content), pending["format"], pending["filename"]


def discard(request):
    """Forget this session's kept file and delete it."""
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        storages["private"].delete(pending["name"])


def _read(name):
    storage = storages["private"]
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        return handle.read()


def _remove_stale():
    storage = storages["private"]
    try:
        _folders, files = storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    oldest = timezone.now() - timedelta(seconds=MAX_AGE)
    for name in files:
        path = f"{FOLDER}/{name}"
        if storage.get_modified_time(path) < oldest:
            storage.delete(path)
