"""Verifying an Open Badges 3.0 credential, in the order of OB 3.0 §9.1 ("OpenBadgeCredential
Verification"). The first check that fails is reported by a stable name:

1. The credential conforms: `json` (parses, is an object, at most 64 KiB; and, checked just
   before any JSON-LD work, within the structural bounds below), `context`, `type`,
   `issuer` (a Profile with an id), `subject` (an AchievementSubject identified by id or
   identifier, with typed achievement, identifiers, results and source), `evidence`, `dates`.
2. The proof is satisfied: `proof` (an `eddsa-rdfc-2022` DataIntegrityProof for assertions whose
   key can be dereferenced), `issuer` (a credential this verifier does not trust), `context` (a
   JSON-LD context we do not bundle), `signature`.
3. Refresh: not followed (our credentials have no refreshService).
4. Status: `status` (the status list cannot be used), `revoked` / `suspended`, `not-yet-valid`,
   `expired`.

Checks 1 and 2 read the JSON as posted: they can only refuse. Everything decided after the
signature (status, validity period, the status list itself) is read from the statements the
signature covers (`Statements`), so no JSON-LD spelling of a signed credential can hide a
revocation or an expiry: full IRIs, value objects, aliases and `@included` all canonicalise to
the same statements and get the same verdict.

Only this platform's credentials are trusted: the issuer must be our did:key and the key its own
(`documents.issuer_did`), or, for credentials issued before it, our https issuer document and the
key it publishes. `fetch(url) -> dict` dereferences that document and the status list; the
default, `documents.fetch_local`, builds ours from the database and refuses any other URL, so
verifying never touches the network. The status list is itself a signed credential and is
verified the same way. A proof may be given as an object or an array (VC 2.0 allows both;
1EdTech's schema and our credentials since use an array).
"""

import base64
import binascii
import json
import zlib
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from . import dataintegrity, documents

__all__ = ["MAX_CREDENTIAL_BYTES", "Result", "check_bounds", "verify_credential"]

MAX_CREDENTIAL_BYTES = 64 * 1024
# Structural bounds of what we canonicalise (our own credentials: depth 7, 64 values, arrays of 2,
# 11 keys, strings under 200 characters but for a rule's description). PyLD compares each new
# value of a property with every one before it, so 64 KiB of array items takes minutes.
MAX_DEPTH = 16
MAX_NODES = 512  # JSON values: objects, arrays, strings, numbers…
MAX_ARRAY = 64
MAX_KEYS = 64
MAX_STRING = 16 * 1024  # characters, in keys and values
MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024  # 134 million certificates: far more than we will have
OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
DID_METHODS = {"key", "web"}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CRED = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


@dataclass(frozen=True)
class Result:
    ok: bool
    check: str = ""
    message: str = ""


class Failure(Exception):
    def __init__(self, check, message):
        super().__init__(message)
        self.check, self.message = check, message


class Statements:
    """The default graph of the canonical dataset a proof signs, indexed by subject."""

    def __init__(self, dataset):
        self._nodes = {}
        for quad in dataset.get("@default", []):
            properties = self._nodes.setdefault(quad["subject"]["value"], {})
            properties.setdefault(quad["predicate"]["value"], []).append(quad["object"])

    def objects(self, subject, predicate):
        return self._nodes.get(subject, {}).get(predicate, [])

    def types(self, subject):
        return {term["value"] for term in self.objects(subject, RDF_TYPE)}

    def node_of_type(self, kind, check):
        """The one node of type `kind` (a signed credential has exactly one)."""
        nodes = [subject for subject in self._nodes if kind in self.types(subject)]
        if len(nodes) != 1:
            raise Failure(check, f"the signed statements have {len(nodes)} nodes of type {kind}, not one")
        return nodes[0]

    def value(self, subject, predicate, check, *, kinds=("literal",), datatype=None):
        """The one value of `predicate` (None when there is none); several, or a value of
        another kind ("literal", "IRI", "blank node") or datatype, fail `check`."""
        terms = self.objects(subject, predicate)
        if not terms:
            return None
        if len(terms) > 1 or terms[0]["type"] not in kinds or datatype not in {None, terms[0].get("datatype")}:
            wanted = datatype or " or ".join(kinds)
            raise Failure(check, f"{predicate.rpartition('#')[2]} must have one value, a {wanted}")
        return terms[0]["value"]


def verify_credential(document, *, fetch=None, now=None) -> Result:
    """Verify `document` (a parsed object, or JSON text/bytes) as one of our OB 3.0 credentials."""
    fetch = fetch or documents.fetch_local
    now = now or timezone.now()
    try:
        document = _parse(document)
        _check_conformance(document)
        signed = _check_proof(document, fetch)
        credential = signed.node_of_type(CRED + "VerifiableCredential", "type")
        _check_status(signed, credential, fetch, now)
        _check_validity_period(signed, credential, now)
    except Failure as failure:
        return Result(False, failure.check, failure.message)
    except RecursionError:
        return Result(False, "json", "nested too deeply")
    return Result(True, "", "valid")


# 1. Conformance ------------------------------------------------------------------------------

def _parse(document):
    if isinstance(document, (bytes, str)):
        if len(document) > MAX_CREDENTIAL_BYTES:
            raise Failure("json", f"larger than {MAX_CREDENTIAL_BYTES} bytes")
        try:
            document = json.loads(document)
        except (ValueError, RecursionError) as error:
            raise Failure("json", f"not JSON: {error}") from None
    if not isinstance(document, dict):
        raise Failure("json", "not a JSON object")
    return document


def check_bounds(document):
    """Raise Failure("json") unless `document` is within the structural bounds; a walk of at
    most MAX_NODES values, so it stays cheap on anything that fits in MAX_CREDENTIAL_BYTES."""
    stack, seen = [(document, 1)], 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise Failure("json", f"too complex to verify: more than {MAX_NODES} JSON values")
        if depth > MAX_DEPTH:
            raise Failure("json", f"too complex to verify: nested more than {MAX_DEPTH} levels deep")
        longest = len(node) if isinstance(node, str) else 0
        if isinstance(node, dict):
            if len(node) > MAX_KEYS:
                raise Failure("json", f"too complex to verify: an object with {len(node)} keys (at most {MAX_KEYS})")
            stack.extend((value, depth + 1) for value in node.values())
            longest = max(map(len, node), default=0)
        elif isinstance(node, list):
            if len(node) > MAX_ARRAY:
                raise Failure("json", f"too complex to verify: an array of {len(node)} items (at most {MAX_ARRAY})")
            stack.extend((item, depth + 1) for item in node)
        if longest > MAX_STRING:
            raise Failure("json", f"too complex to verify: a string of {longest} characters (at most {MAX_STRING})")


def _list(value):
    return [] if value is None else value if isinstance(value, list) else [value]


def _types(node):
    kinds = node.get("type") if isinstance(node, dict) else None
    return {kind for kind in _list(kinds) if isinstance(kind, str)}


def _require_type(node, kind, check, where):
    if kind not in _types(node):
        raise Failure(check, f"{where} must be of type {kind} (it is {sorted(_types(node)) or 'untyped'})")


def _is_uri(value):
    scheme, colon, rest = value.partition(":") if isinstance(value, str) else ("", "", "")
    return bool(colon and rest and scheme[:1].isalpha())


def _check_conformance(document):
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != documents.VC_CONTEXT:
        raise Failure("context", f"the first @context must be {documents.VC_CONTEXT}")
    if not any(isinstance(url, str) and url.startswith(OB_CONTEXT_PREFIX) for url in contexts):
        raise Failure("context", "no Open Badges 3.0 context")
    types = _types(document)
    if "VerifiableCredential" not in types or not types & CREDENTIAL_TYPES:
        raise Failure("type", f"type must include VerifiableCredential and OpenBadgeCredential (it is {sorted(types)})")
    issuer = document.get("issuer")
    if issuer is None:
        raise Failure("issuer", "the credential names no issuer")
    if not _is_uri(issuer):
        _check_profile(issuer, "issuer", "issuer")
    _check_subject(document.get("credentialSubject"))
    for index, evidence in enumerate(_list(document.get("evidence"))):
        _require_type(evidence, "Evidence", "evidence", f"evidence[{index}]")
    _check_dates(document)


def _check_profile(profile, check, where):
    if not isinstance(profile, dict) or not _is_uri(profile.get("id")):
        raise Failure(check, f"{where} must be a Profile with an id")
    _require_type(profile, "Profile", check, where)
    for index, entry in enumerate(_list(profile.get("otherIdentifier"))):
        _require_type(entry, "IdentifierEntry", check, f"{where}.otherIdentifier[{index}]")
    if profile.get("parentOrg") is not None:
        _check_profile(profile["parentOrg"], check, f"{where}.parentOrg")


def _check_subject(subject):
    if not isinstance(subject, dict):
        raise Failure("subject", "credentialSubject must be an object")
    _require_type(subject, "AchievementSubject", "subject", "credentialSubject")
    if not subject.get("id") and not subject.get("identifier"):
        raise Failure("subject", "credentialSubject is identified by neither id nor identifier")
    for index, entry in enumerate(_list(subject.get("identifier"))):
        _require_type(entry, "IdentityObject", "subject", f"credentialSubject.identifier[{index}]")
    achievement = subject.get("achievement")
    if not isinstance(achievement, dict) or not _is_uri(achievement.get("id")):
        raise Failure("subject", "credentialSubject.achievement must be an Achievement with an id")
    _require_type(achievement, "Achievement", "subject", "credentialSubject.achievement")
    for index, entry in enumerate(_list(achievement.get("resultDescription"))):
        _require_type(entry, "ResultDescription", "subject", f"achievement.resultDescription[{index}]")
    for index, entry in enumerate(_list(subject.get("result"))):
        _require_type(entry, "Result", "subject", f"credentialSubject.result[{index}]")
    if subject.get("source") is not None:
        _check_profile(subject["source"], "subject", "credentialSubject.source")


def _datetime(value, check, where):
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Failure(check, f"{where} must be a date and time with a time zone (it is {value!r})")
    return moment


def _check_dates(document):
    if "validFrom" not in document:
        raise Failure("dates", "the credential has no validFrom")
    valid_from = _datetime(document["validFrom"], "dates", "validFrom")
    if document.get("validUntil") is not None:
        if _datetime(document["validUntil"], "dates", "validUntil") < valid_from:
            raise Failure("dates", "validUntil is before validFrom")


# 2. Proof ------------------------------------------------------------------------------------

def _issuer_id(document):
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _check_proof(document, fetch, *, bounded=True) -> Statements:
    """The statements that the document's proof signs, once the proof is shown to be ours.

    A document is checked against the structural bounds once its issuer and key are known to be
    ours and before it is canonicalised; only our own status list (`bounded=False`) is exempt."""
    proofs = [proof for proof in _list(document.get("proof")) if isinstance(proof, dict)]
    if not proofs:
        raise Failure("proof", "the credential has no proof")
    usable = [
        p for p in proofs
        if p.get("type") == dataintegrity.PROOF_TYPE and p.get("cryptosuite") == dataintegrity.CRYPTOSUITE
    ]
    if not usable:
        found = ", ".join(sorted({f"{p.get('type')}/{p.get('cryptosuite')}" for p in proofs}))
        raise Failure("proof", f"no {dataintegrity.CRYPTOSUITE} DataIntegrityProof (found {found})")
    proof = usable[0]
    if proof.get("proofPurpose") != "assertionMethod":
        raise Failure("proof", f"proofPurpose must be assertionMethod (it is {proof.get('proofPurpose')!r})")
    if "created" in proof:
        _datetime(proof["created"], "proof", "proof.created")
    key = _resolve_key(proof.get("verificationMethod"), _issuer_id(document), fetch)
    if bounded:
        check_bounds(document)
    try:
        dataset = dataintegrity.signed_dataset(document, proof, key)
    except dataintegrity.UnknownContext as error:
        raise Failure("context", f"unknown JSON-LD context {error} (not bundled with this verifier)") from None
    except Exception as error:  # malformed JSON-LD fails in many ways; the verifier must still answer
        raise Failure("signature", f"the credential cannot be canonicalised: {error}") from None
    if dataset is None:
        raise Failure("signature", "the signature does not match: the credential was altered or signed by another key")
    return Statements(dataset)


def _resolve_key(method, issuer, fetch):
    """The public key behind `method`, if it is a key that our issuer document publishes."""
    if not isinstance(method, str) or not method:
        raise Failure("proof", "the proof has no verificationMethod")
    scheme, colon, rest = method.partition(":")
    if not colon or not scheme.isalpha():
        raise Failure("proof", f"verification method {method!r} has no URI scheme")
    if scheme.lower() == "did" and rest.split(":", 1)[0] not in DID_METHODS:
        raise Failure("proof", f"verification method {method!r} uses an unsupported DID method")
    if scheme.lower() not in {"did", "https", "http"}:
        raise Failure("proof", f"verification method {method!r} has an unsupported URI scheme {scheme!r}")
    if issuer == documents.issuer_did():
        if method != documents.did_key_id():
            raise Failure("proof", f"verification method {method} is not the key of the issuer {issuer}")
        return dataintegrity.public_key_from_multikey(method.rpartition("#")[2])
    if not documents.is_our_issuer(issuer):
        raise Failure("issuer", f"issued by {issuer}, not by this platform ({documents.issuer_did()})")
    # Issued before the did:key: the key is #key-1 of our https controller document.
    document_url = method.split("#", 1)[0]
    if document_url != issuer:
        raise Failure("proof", f"verification method {method} is not a key of the issuer {issuer}")
    try:
        controller = fetch(document_url)
    except Exception as error:  # a fetch may fail in any way; the verifier must still answer
        raise Failure("proof", f"cannot dereference {document_url}: {error}") from None
    try:
        check_bounds(controller)
    except Failure as failure:
        raise Failure("proof", f"{document_url}: {failure.message}") from None
    return _published_key(controller, method, issuer)


def _published_key(controller, method, issuer):
    if not isinstance(controller, dict) or method not in _list(controller.get("assertionMethod")):
        raise Failure("proof", f"{issuer} does not publish {method} for assertions")
    for entry in _list(controller.get("verificationMethod")):
        if isinstance(entry, dict) and entry.get("id") == method and entry.get("controller") == issuer:
            try:
                return dataintegrity.public_key_from_multikey(entry.get("publicKeyMultibase"))
            except ValueError as error:
                raise Failure("proof", f"{method} is not a usable Ed25519 Multikey: {error}") from None
    raise Failure("proof", f"{issuer} publishes no key {method}")


# 4. Status and validity period: from the signed statements only ---------------------------

def _check_status(signed, credential, fetch, now):
    issuer = signed.value(credential, CRED + "issuer", "issuer", kinds=("IRI",))
    for entry in signed.objects(credential, CRED + "credentialStatus"):
        node = entry["value"]
        if STATUS + "BitstringStatusListEntry" not in signed.types(node):
            raise Failure("status", f"unsupported credentialStatus {node} of type {sorted(signed.types(node))}")
        purpose = signed.value(node, STATUS + "statusPurpose", "status")
        if purpose not in {"revocation", "suspension"}:
            continue  # other purposes (message, refresh) do not affect validity
        index = signed.value(node, STATUS + "statusListIndex", "status")
        url = signed.value(node, STATUS + "statusListCredential", "status", kinds=("IRI",))
        if index is None or not index.isdigit() or url is None:
            raise Failure("status", "credentialStatus needs a numeric statusListIndex and a statusListCredential")
        bits = _status_bits(url, issuer, purpose, fetch, now)
        position = int(index)
        if position >= len(bits) * 8:
            raise Failure("status", f"statusListIndex {position} is beyond the status list")
        if bits[position // 8] & (0x80 >> (position % 8)):
            check = "revoked" if purpose == "revocation" else "suspended"
            raise Failure(check, f"the status list {url} marks this credential as {check}")


def _status_bits(url, issuer, purpose, fetch, now):
    """The bitstring of a status list credential that the same issuer signed and that is current."""
    try:
        signed = _check_proof(_parse(fetch(url)), fetch, bounded=False)
        status_list = signed.node_of_type(STATUS + "BitstringStatusListCredential", "type")
        listed_by = signed.value(status_list, CRED + "issuer", "issuer", kinds=("IRI",))
        if listed_by != issuer and not (documents.is_our_issuer(listed_by) and documents.is_our_issuer(issuer)):
            raise Failure("issuer", "not issued by the credential's issuer")
        subject = signed.value(status_list, CRED + "credentialSubject", "subject", kinds=("IRI", "blank node"))
        if subject is None or signed.value(subject, STATUS + "statusPurpose", "subject") != purpose:
            raise Failure("subject", f"not a {purpose} list")
        _check_validity_period(signed, status_list, now)
        return _decode_bitstring(signed.value(subject, STATUS + "encodedList", "encodedList"))
    except Failure as failure:
        raise Failure("status", f"status list {url}: {failure.check}: {failure.message}") from None
    except Exception as error:  # a fetch may fail in any way; the verifier must still answer
        raise Failure("status", f"cannot fetch the status list {url}: {error}") from None


def _decode_bitstring(encoded):
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise Failure("encodedList", "must be multibase base64url ('u' prefix)")
    try:
        compressed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip
        bits = inflater.decompress(compressed, MAX_STATUS_LIST_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error) as error:
        raise Failure("encodedList", f"not base64url of GZIP data: {error}") from None
    if len(bits) > MAX_STATUS_LIST_BYTES or inflater.unconsumed_tail:
        raise Failure("encodedList", "larger than this verifier accepts")
    if len(bits) * 8 < documents.STATUS_LIST_MIN_BITS:
        raise Failure("encodedList", f"shorter than the {documents.STATUS_LIST_MIN_BITS}-bit minimum")
    return bits


def _check_validity_period(signed, node, now):
    valid_from, valid_until = (
        signed.value(node, CRED + name, "dates", datatype=XSD_DATETIME) for name in ("validFrom", "validUntil")
    )
    if valid_from is not None and now < _datetime(valid_from, "dates", "validFrom"):
        raise Failure("not-yet-valid", f"valid only from {valid_from}")
    if valid_until is not None and now >= _datetime(valid_until, "dates", "validUntil"):
        raise Failure("expired", f"expired at {valid_until}")
