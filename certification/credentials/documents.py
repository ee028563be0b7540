"""Certificates as Open Badges 3.0 credentials (VC 2.0 data model), and the documents a verifier
needs to check them: the issuer's key and the revocation status list.

- A credential is an `OpenBadgeCredential` secured with an embedded Data Integrity proof
  (`eddsa-rdfc-2022`, see `dataintegrity`), given as an array of proofs as 1EdTech's JSON Schema
  requires. It is a pure function of the certificate, its rule and the skills the rule's quizzes
  evidence, signed on each request: Ed25519 is deterministic and the proof's `created` is the
  issue time, so every download of a certificate is the same document (until its rule's
  description, or the skills its quizzes draw on, change).
- The achievement lists those skills as OB 3.0 `alignment`s: each names a CFItem of our CASE
  export (content.framework), whose URI is the skill's anchor on the public framework page.
- The issuer is identified by the signing key itself, as a `did:key` (`issuer_did`): any verifier
  resolves it offline with the contexts it bundles (a DID document is derived from the id; Digital
  Bazaar's and 1EdTech's verifiers do so), and it survives a change of domain. The credential
  embeds the issuer Profile (name, `url` of the site).
  `/credentials/issuer.json` still publishes the key as `#key-1` of an https controller document
  for credentials issued before the did:key (their issuer is that document), which keep verifying.
  The key comes from `CREDENTIAL_SIGNING_KEY` (PEM, or base64 of the 32-byte seed); without it, it
  is derived from SECRET_KEY, which suits development and tests only (docs/deploy.md).
- Revocation: certificate `pk` is its index in one Bitstring Status List
  (`/credentials/status/revocation.json`, itself a signed credential), whose bit is set once the
  certificate is revoked. Superseded certificates stay valid until they expire. The signed list
  is cached under a digest of what it is built from (see `status_list_credential`).

A certificate's ids (credential id, status list URL, achievement URNs) are built on the site
address stored with it when it was issued (`certification.site`), never on the request's host,
so they do not depend on who asks and do not change when the site moves.
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

from .. import site
from ..models import Certificate
from . import dataintegrity

__all__ = [
    "did_key_id", "fetch_local", "issuer_did", "issuer_id", "issuer_profile", "key_id", "signed_credential",
    "status_list_credential", "status_list_url",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"
STATUS_LIST_MIN_BITS = 131_072  # 16 KiB: the Bitstring Status List's minimum, for herd privacy
STATUS_LIST_TTL = timedelta(days=1)
STATUS_LIST_CACHE_SECONDS = 300  # a served list is at most this old: far inside its one-day validUntil


def _url(name, *args, base=None):
    return (base or site.site_url()) + reverse(f"certification:{name}", args=args)


def issuer_id(base=None):
    """The https controller document of credentials issued before the did:key (see above)."""
    return _url("credential-issuer", base=base)


def key_id(base=None):
    return issuer_id(base) + "#key-1"


def issuer_did():
    """The issuer: did:key of the signing key (an Ed25519 Multikey, z6Mk…)."""
    return "did:key:" + dataintegrity.multikey(signing_key().public_key())


def did_key_id():
    """The verification method of a did:key is the key's fragment of its own DID document."""
    return f"{issuer_did()}#{dataintegrity.multikey(signing_key().public_key())}"


def status_list_url(base=None):
    return _url("credential-status", base=base)


def base_of(url, name):
    """The site address `url` is our document `name` on (`…/credentials/issuer.json`), else None."""
    path = reverse(f"certification:{name}")
    if not isinstance(url, str) or not url.endswith(path) or not url.startswith(("https://", "http://")):
        return None
    return url[: -len(path)]


def is_our_issuer(issuer):
    """Our did:key, or our https issuer document (of credentials issued before it) on an address
    of ours: the same issuer under two ids (the document's `alsoKnownAs` names the did)."""
    return issuer == issuer_did() or is_our_address(base_of(issuer, "credential-issuer"))


def is_our_address(base):
    """An address this site answers on: its current one, or one a certificate was issued under."""
    return bool(base) and (base == site.site_url() or Certificate.objects.filter(site_url=base).exists())


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


def issuer_profile(base=None):
    """The issuer's OB 3.0 Profile as a controller document publishing the key as `#key-1`, for
    credentials issued before the did:key; `alsoKnownAs` names the did:key that issues today."""
    base = base or site.site_url()
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT, CID_CONTEXT],
        "id": issuer_id(base),
        "type": ["Profile"],
        "name": settings.CERTIFICATE_ISSUER_NAME,
        "url": base + "/",
        "alsoKnownAs": [issuer_did()],
        "verificationMethod": [{
            "id": key_id(base),
            "type": "Multikey",
            "controller": issuer_id(base),
            "publicKeyMultibase": dataintegrity.multikey(signing_key().public_key()),
        }],
        "assertionMethod": [key_id(base)],
    }


def _urn(base, *parts):
    """A stable `urn:uuid:` for things that have no page of their own (achievements, score scales)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join([base, *map(str, parts)])))


def _alignment(skill, base):
    """A skill of the framework as an OB 3.0 Alignment to its CASE item (CFItem), on the
    certificate's own site address like its other ids."""
    alignment = {
        "type": ["Alignment"],
        "targetName": skill.name_en or skill.name,
        "targetUrl": framework.skill_uri(skill.slug, base=base),
        "targetFramework": framework.FRAMEWORK_NAME,
        "targetCode": skill.slug,
        "targetType": "CFItem",
    }
    if description := skill.description_en or skill.description:
        alignment["targetDescription"] = description
    return alignment


def _achievement(certificate, skills, base):
    rule = certificate.rule
    achievement = {
        "id": _urn(base, "achievements", rule.pk),
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
        achievement["alignment"] = [_alignment(skill, base) for skill in skills]
    if certificate.score is not None:
        achievement["resultDescription"] = [{
            "id": _urn(base, "achievements", rule.pk, "score"),
            "type": ["ResultDescription"],
            "name": "Exam score",
            "resultType": "Percent",
            "valueMin": "0",
            "valueMax": "100",
        }]
    return achievement


def _subject(certificate, skills, base):
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [{
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": certificate.holder_name,
        }],
        "achievement": _achievement(certificate, skills, base),
    }
    if certificate.score is not None:
        subject["result"] = [{
            "type": ["Result"],
            "resultDescription": _urn(base, "achievements", certificate.rule_id, "score"),
            "value": format(Decimal(str(certificate.score)).quantize(Decimal("0.01")), "f"),
        }]
    return subject


def credential_for(certificate: Certificate, skills=()):
    """The unsigned OpenBadgeCredential of a certificate (names in English, both in `description`);
    `skills`: the framework skills it evidences (`certification.queries.skills_evidenced`)."""
    base = site.for_certificate(certificate)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": _url("verify", certificate.public_id, base=base),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_did(),
            "type": ["Profile"],
            "name": certificate.issuer_name,
            "url": base + "/",
        },
        "name": certificate.achievement_en,
        "description": f"{certificate.achievement} · {certificate.achievement_en}",
        "validFrom": _timestamp(certificate.issued_at),
        "validUntil": _timestamp(certificate.valid_until),
        "credentialSubject": _subject(certificate, skills, base),
        "credentialStatus": {
            "id": f"{status_list_url(base)}#{certificate.pk}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.pk),
            "statusListCredential": status_list_url(base),
        },
    }


def signed_credential(certificate: Certificate, request=None, *, skills=()):
    return dataintegrity.sign(
        credential_for(certificate, skills), signing_key(), verification_method=did_key_id(),
        created=certificate.issued_at,
    )


def encode_bitstring(indices, *, length):
    """Multibase base64url (no padding) of the GZIP of a bitstring with `indices` set; bit 0 is
    the most significant bit of the first byte (Bitstring Status List §3.2)."""
    bits = bytearray(length // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode()


def build_status_list_credential(revoked, *, length, now, url=None):
    """The signed BitstringStatusListCredential with the `revoked` indices set.

    It has no validFrom (its proof's `created` says when it was made): a verifier whose clock is a
    second behind ours would otherwise find a list fetched just now not yet valid."""
    url = url or status_list_url()
    document = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validUntil": _timestamp(now + STATUS_LIST_TTL),
        "credentialSubject": {
            "id": url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(revoked, length=length),
        },
    }
    return dataintegrity.sign(document, signing_key(), verification_method=did_key_id(), created=now)


def status_list_credential(*, now=None, url=None):
    """The platform's revocation list as served (two queries, whatever the number of certificates).

    Both queries run on every call, and the cache key is a digest of what they return plus the
    list's URL and the public key: a revocation committed by any worker or server changes the key
    at the next request everywhere, whether the cache is each process's own or shared (Redis).
    The cache saves only the build and signature; given `now`, the list is built afresh."""
    highest = Certificate.objects.aggregate(highest=Max("pk"))["highest"] or 0
    length = max(STATUS_LIST_MIN_BITS, (highest // 8 + 1) * 8)
    revoked = sorted(Certificate.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True))
    url = url or status_list_url()
    if now is not None:
        return build_status_list_credential(revoked, length=length, now=now, url=url)
    inputs = [url, dataintegrity.multikey(signing_key().public_key()), length, *revoked]
    key = "certification:status-list:" + hashlib.sha256(repr(inputs).encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        document = build_status_list_credential(revoked, length=length, now=timezone.now(), url=url)
        cache.set(key, document, STATUS_LIST_CACHE_SECONDS)
    return document


def fetch_local(url):
    """Dereference one of our own documents without the network, on any address this site
    answers on (`is_our_address`); anything else is a LookupError."""
    if is_our_address(base := base_of(url, "credential-issuer")):
        return issuer_profile(base)
    if is_our_address(base := base_of(url, "credential-status")):
        return status_list_credential(url=url)
    raise LookupError(f"{url} is not a document of this platform")
