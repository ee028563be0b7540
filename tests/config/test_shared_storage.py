"""Files every app server shares: the local filesystem by default, an S3-compatible bucket by
settings (no S3 server here: the wiring is checked, and a signed link is built offline)."""

import importlib

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string

import config.settings.base as base


def settings_with(**env):
    """base.STORAGES as read with `env` (the module is read again as it was afterwards)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME"):
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        try:
            return importlib.reload(base).STORAGES
        finally:
            patch.undo()
            importlib.reload(base)


def test_files_stay_on_the_local_filesystem_by_default():
    """Without a bucket, uploads and private attachments are folders (a shared volume)."""
    storages = settings_with()
    assert import_string(storages["default"]["BACKEND"]) is FileSystemStorage
    assert import_string(storages["private"]["BACKEND"]) is FileSystemStorage


@pytest.fixture
def s3_storages(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    return settings_with(AWS_STORAGE_BUCKET_NAME="academy-files",
                         AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000", AWS_S3_REGION_NAME="cn-north-1")


def test_a_bucket_name_puts_every_file_on_the_s3_store(s3_storages):
    """Uploads and attachments go to one bucket at the configured endpoint, under separate
    prefixes, private, with signed expiring links, never overwriting a file of the same name."""
    from storages.backends.s3 import S3Storage

    for alias, prefix in (("default", "media"), ("private", "private")):
        storage = import_string(s3_storages[alias]["BACKEND"])(**s3_storages[alias]["OPTIONS"])
        assert isinstance(storage, S3Storage)
        assert (storage.bucket_name, storage.endpoint_url, storage.region_name) == (
            "academy-files", "http://127.0.0.1:9000", "cn-north-1")
        assert (storage.location, storage.default_acl, storage.file_overwrite) == (prefix, None, False)


def test_a_certificate_link_on_s3_is_signed_and_expires(s3_storages):
    """The address of a stored PDF names the endpoint, the bucket and the key, with a signature."""
    options = s3_storages["default"]["OPTIONS"]
    storage = import_string(s3_storages["default"]["BACKEND"])(**options)
    url = storage.url("certificates/abc.pdf")
    assert url.startswith("http://127.0.0.1:9000/academy-files/media/certificates/abc.pdf?")
    assert "Signature=" in url or "X-Amz-Signature=" in url
    assert "Expires=3600" in url or "X-Amz-Expires=3600" in url
