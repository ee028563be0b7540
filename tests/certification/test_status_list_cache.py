"""The signed revocation list is built and signed once, then served from the cache until what it
is built from changes; a revocation shows at once in every process, whichever cache is configured."""

import base64
import gzip

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from django.utils import timezone

from certification import api
from certification.credentials import dataintegrity, documents
from certification.models import Certificate
from tests.certification.conftest import take_quiz

URL = "/credentials/status/revocation.json"


@pytest.fixture
def certificate(enrolled, rule):
    take_quiz(enrolled, rule.exam)
    return Certificate.objects.get()


@pytest.fixture
def signatures(monkeypatch):
    """Counts the documents signed."""
    signed = []
    sign = dataintegrity.sign

    def counting(document, *args, **kwargs):
        signed.append(document["id"])
        return sign(document, *args, **kwargs)

    monkeypatch.setattr(dataintegrity, "sign", counting)
    return signed


def revoked_bit(client, certificate):
    encoded = client.get(URL).json()["credentialSubject"]["encodedList"][1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return bool(bits[certificate.pk // 8] & (0x80 >> (certificate.pk % 8)))


def test_the_list_is_signed_once_and_then_served_from_the_cache(client, certificate, signatures,
                                                                django_assert_num_queries):
    first = client.get(URL).json()
    with django_assert_num_queries(2):  # the highest pk; the revoked pks (they make the cache key)
        second = client.get(URL).json()
    assert second == first and signatures == [documents.status_list_url()]


def test_a_revocation_shows_at_once(client, certificate, hr_user, signatures):
    assert not revoked_bit(client, certificate)
    api.revoke_certificate(certificate, by=hr_user, reason="Exam fraud")
    assert revoked_bit(client, certificate) and len(signatures) == 2


def test_a_revocation_written_by_another_process_shows_at_once(client, certificate):
    """Another gunicorn worker or server revokes: this process is told nothing, its in-process
    cache still holds the old list, and the next request serves the new one all the same."""
    assert not revoked_bit(client, certificate)
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=timezone.now())
    assert revoked_bit(client, certificate)
    response = client.post(
        "/credentials/verify/", client.get(f"/verify/{certificate.public_id}/credential.json").content,
        content_type="application/json",
    )
    assert response.json()["check"] == "revoked"


def test_a_new_signing_key_is_never_served_an_old_list(client, certificate, settings):
    client.get(URL)
    key = Ed25519PrivateKey.generate()
    settings.CREDENTIAL_SIGNING_KEY = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    status_list = client.get(URL).json()
    assert dataintegrity.verify(status_list, status_list["proof"][0], key.public_key())
