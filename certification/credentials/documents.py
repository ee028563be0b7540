"""Certificates as Open Badges 3.0 credentials (VC 2.0 data model), and the documents a verifier
needs to check them: the issuer profile with the public key, and the revocation status list.

- A credential is an `OpenBadgeCredential` secured with an embedded Data Integrity proof
  (`eddsa-rdfc-2022`, see `dataintegrity`). It is a pure function of the certificate, its rule and
  the skills the rule's quizzes evidence, signed on each request: Ed25519 is deterministic and the
  proof's `created` is the issue time, so every download of a certificate is the same document
  (until its rule's description, or the skills its quizzes draw on, change).
- The achievement lists those skills as OB 3.0 `alignment`s: each names a CFItem of our CASE
  export (content.framework), whose URI is the skill's anchor on the public framework page.
- The issuer is `/credentials/issuer.json`; its `#key-1` is the Multikey that signs everything.
  The key comes from `CREDENTIAL_SIGNING_KEY` (PEM, or base64 of the 32-byte seed); without it, it is
  derived from SECRET_KEY, which suits development and tests only (docs/deploy.md).
- Revocation: certificate `pk` is its index in one Bitstring Status List
  (`/credentials/status/revocation.json`, itself a signed credential), whose bit is set once the
  certificate is revoked. Superseded certificates stay valid until they expire. The signed list
  is cached under a digest of what it is built from (see `status_list_credential`).

All ids use `WAGTAILADMIN_BASE_URL`, never the request's host, so they do not depend on who asks.
"""

import base64
import gzip
import hashlib
import uuid
from datetime import UTC, timedelta
from decimal import Decimal
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from content import framework

from ..models import Certificate
from . import dataintegrity

__all__ = [
    "fetch_local", "issuer_id", "issuer_profile", "key_id", "signed_credential", "status_list_credential",
    "status_list_url",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"
STATUS_LIST_MIN_BITS = 131_072  # 16 KiB: the Bitstring Status List's minimum, for herd privacy
STATUS_LIST_TTL = timedelta(days=1)
STATUS_LIST_CACHE_SECONDS = 300  # a served list is at most this old: far inside its one-day validUntil


def _base_url():
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def _url(name, *args):
    return _base_url() + reverse(f"certification:{name}", args=args)


def issuer_id():
    return _url("credential-issuer")


def key_id():
    return issuer_id() + "#key-1"


def status_list_url():
    return _url("credential-status")


def _timestamp(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=4)
def _load_key(configured: str, secret_key: str) -> Ed25519PrivateKey:
    if configured.startswith("-----BEGIN"):
        key = load_pem_private_key(configured.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("CREDENTIAL_SIGNING_KEY must be an Ed25519 private key.")
        return key
    if configured:
        try:
            seed = base64.urlsafe_b64decode(configured.replace("+", "-").replace("/", "_") + "==")
        except ValueError:  # binascii.Error
            seed = b""
        if len(seed) != 32:
            raise ImproperlyConfigured("CREDENTIAL_SIGNING_KEY must be base64 of a 32-byte Ed25519 seed.")
        return Ed25519PrivateKey.from_private_bytes(seed)
    if not secret_key:
        raise ImproperlyConfigured("Set CREDENTIAL_SIGNING_KEY (or SECRET_KEY) to sign credentials.")
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"ops-academy credential signing key\0" + secret_key.encode()).digest()
    )


def signing_key() -> Ed25519PrivateKey:
    return _load_key(settings.CREDENTIAL_SIGNING_KEY.strip(), settings.SECRET_KEY)


def issuer_profile():
    """The issuer's OB 3.0 Profile, which also publishes the verification key (controller document)."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT, CID_CONTEXT],
        "id": issuer_id(),
        "type": ["Profile"],
        "name": settings.CERTIFICATE_ISSUER_NAME,
        "url": _base_url() + "/",
        "verificationMethod": [{
            "id": key_id(),
            "type": "Multikey",
            "controller": issuer_id(),
            "publicKeyMultibase": dataintegrity.multikey(signing_key().public_key()),
        }],
        "assertionMethod": [key_id()],
    }


def _urn(*parts):
    """A stable `urn:uuid:` for things that have no page of their own (achievements, score scales)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([_base_url(), *map(str, parts)])))


def _alignment(skill):
    """A skill of the framework as an OB 3.0 Alignment to its CASE item (CFItem)."""
    alignment = {
        "type": ["Alignment"],
        "targetName": skill.name_en or skill.name,
        "targetUrl": framework.skill_uri(skill.slug),
        "targetFramework": framework.FRAMEWORK_NAME,
        "targetCode": skill.slug,
        "targetType": "CFItem",
    }
    if description := skill.description_en or skill.description:
        alignment["targetDescription"] = description
    return alignment


def _achievement(certificate, skills):
    rule = certificate.rule
    achievement = {
        "id": _urn("achievements", rule.pk),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": certificate.achievement_en,
        "description": rule.description_en or rule.description or certificate.achievement_en,
        "criteria": {"narrative": (
            f"Awarded by {certificate.issuer_name} for passing the certificate's final exam. "
            f"Valid for {rule.validity_months} months; passing the exam again renews it."
        )},
    }
    if skills:
        achievement["alignment"] = [_alignment(skill) for skill in skills]
    if certificate.score is not None:
        achievement["resultDescription"] = [{
            "id": _urn("achievements", rule.pk, "score"),
            "type": ["ResultDescription"],
            "name": "Exam score",
            "resultType": "Percent",
            "valueMin": "0",
            "valueMax": "100",
        }]
    return achievement


def _subject(certificate, skills):
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [{
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": certificate.holder_name,
        }],
        "achievement": _achievement(certificate, skills),
    }
    if certificate.score is not None:
        subject["result"] = [{
            "type": ["Result"],
            "resultDescription": _urn("achievements", certificate.rule_id, "score"),
            "value": format(Decimal(str(certificate.score)).quantize(Decimal("0.01")), "f"),
        }]
    return subject


def credential_for(certificate: Certificate, skills=()):
    """The unsigned OpenBadgeCredential of a certificate (names in English, both in `description`);
    `skills`: the framework skills it evidences (`certification.queries.skills_evidenced`)."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": _url("verify", certificate.public_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_id(),
            "type": ["Profile"],
            "name": certificate.issuer_name,
            "url": _base_url() + "/",
        },
        "name": certificate.achievement_en,
        "description": f"{certificate.achievement} · {certificate.achievement_en}",
        "validFrom": _timestamp(certificate.issued_at),
        "validUntil": _timestamp(certificate.valid_until),
        "credentialSubject": _subject(certificate, skills),
        "credentialStatus": {
            "id": f"{status_list_url()}#{certificate.pk}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.pk),
            "statusListCredential": status_list_url(),
        },
    }


def signed_credential(certificate: Certificate, request=None, *, skills=()):
    return dataintegrity.sign(
        credential_for(certificate, skills), signing_key(), verification_method=key_id(),
        created=certificate.issued_at,
    )


def encode_bitstring(indices, *, length):
    """Multibase base64url (no padding) of the GZIP of a bitstring with `indices` set; bit 0 is
    the most significant bit of the first byte (Bitstring Status List §3.2)."""
    bits = bytearray(length // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode()


def build_status_list_credential(revoked, *, length, now):
    """The signed BitstringStatusListCredential with the `revoked` indices set.

    It has no validFrom (its proof's `created` says when it was made): a verifier whose clock is a
    second behind ours would otherwise find a list fetched just now not yet valid."""
    document = {
        "@context": [VC_CONTEXT],
        "id": status_list_url(),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validUntil": _timestamp(now + STATUS_LIST_TTL),
        "credentialSubject": {
            "id": status_list_url() + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(revoked, length=length),
        },
    }
    return dataintegrity.sign(document, signing_key(), verification_method=key_id(), created=now)


def status_list_credential(*, now=None):
    """The platform's revocation list as served (two queries, whatever the number of certificates).

    Both queries run on every call, and the cache key is a digest of what they return plus the
    list's URL and the public key: a revocation committed by any worker or server changes the key
    at the next request everywhere, whether the cache is each process's own or shared (Redis).
    The cache saves only the build and signature; given `now`, the list is built afresh."""
    highest = Certificate.objects.aggregate(highest=Max("pk"))["highest"] or 0
    length = max(STATUS_LIST_MIN_BITS, (highest // 8 + 1) * 8)
    revoked = sorted(Certificate.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True))
    if now is not None:
        return build_status_list_credential(revoked, length=length, now=now)
    inputs = [status_list_url(), dataintegrity.multikey(signing_key().public_key()), length, *revoked]
    key = "certification:status-list:" + hashlib.sha256(repr(inputs).encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        document = build_status_list_credential(revoked, length=length, now=timezone.now())
        cache.set(key, document, STATUS_LIST_CACHE_SECONDS)
    return document


def fetch_local(url):
    """Dereference one of our own documents without the network; anything else is a LookupError."""
    if url == issuer_id():
        return issuer_profile()
    if url == status_list_url():
        return status_list_credential()
    raise LookupError(f"{url} is not a document of this platform")
