"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C vc-di-eddsa), which secures our
Open Badges 3.0 credentials.

A proof signs SHA-256(canonical proof options) + SHA-256(canonical document) with Ed25519, where
"canonical" is RDFC-1.0 (URDNA2015, computed by PyLD) over the document's JSON-LD. Three
invariants keep it safe to run on anything a stranger posts:

- Contexts come only from the files in `contexts/`; any other context URL raises `UnknownContext`
  (no network, and nobody can change what a term means under us).
- RDFC-1.0's n-degree hashing, exponential on crafted blank-node graphs, gets a fixed budget
  (`MAX_DEEP_HASHES`); our own credentials never need it at all.
- Nothing here knows about certificates or settings: it signs and checks bytes with the keys given.
"""

import copy
import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld
from pyld.canon import URDNA2015

__all__ = [
    "CanonicalizationError", "UnknownContext", "canonicalize", "multikey", "public_key_from_multikey",
    "sign", "signed_dataset", "verify",
]

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-3.0.3.json",
}
PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ED25519_MULTICODEC = b"\xed\x01"
MAX_DEEP_HASHES = 64
MAX_DEEP_GROUP = 5  # 5! orderings at most per group of look-alike blank nodes
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class UnknownContext(ValueError):
    """The document names a JSON-LD context that is not bundled."""


class CanonicalizationError(ValueError):
    """The document is not JSON-LD we can canonicalise (malformed, or too costly)."""


@cache
def _context_document(url):
    return json.loads((CONTEXTS_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def document_loader(url, options=None):
    if url not in CONTEXT_FILES:
        raise UnknownContext(url)
    return {"contextUrl": None, "documentUrl": url, "document": _context_document(url)}


class _BoundedURDNA2015(URDNA2015):
    """URDNA2015 with a work budget for its n-degree hashing (a "poison graph" guard)."""

    def __init__(self):
        super().__init__()
        self.deep_hashes = 0

    def hash_n_degree_quads(self, id_, issuer):
        self.deep_hashes += 1
        if self.deep_hashes > MAX_DEEP_HASHES:
            raise CanonicalizationError("too many look-alike blank nodes to canonicalise")
        groups = self.create_hash_to_related(id_, issuer)
        if any(len(nodes) > MAX_DEEP_GROUP for nodes in groups.values()):
            raise CanonicalizationError("too many look-alike blank nodes to canonicalise")
        return super().hash_n_degree_quads(id_, issuer)


def canonicalize(document):
    """RDFC-1.0 N-Quads of a JSON-LD document, with bundled contexts only."""
    try:
        dataset = jsonld.to_rdf(document, {"documentLoader": document_loader, "base": ""})
        return _BoundedURDNA2015().main(dataset, {"format": "application/n-quads"})
    except jsonld.JsonLdError as error:
        cause = error
        while cause is not None:
            if isinstance(cause, UnknownContext):
                raise UnknownContext(str(cause)) from error
            cause = cause.__cause__ or getattr(cause, "cause", None)
        raise CanonicalizationError(str(error).splitlines()[0]) from error


def _hash_data(statements, proof_options):
    """vc-di-eddsa §3.3.4 over the document's canonical N-Quads (`statements`)."""
    return (
        hashlib.sha256(canonicalize(proof_options).encode()).digest()
        + hashlib.sha256(statements.encode()).digest()
    )


def _proof_config(document, proof):
    """The proof without its value, in the document's contexts (vc-di-eddsa §3.3.5)."""
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    config.setdefault("@context", document["@context"])
    return config


def sign(document, private_key: Ed25519PrivateKey, *, verification_method: str, created: datetime):
    """A copy of `document` with an `eddsa-rdfc-2022` proof for assertions (vc-di-eddsa §3.3.1),
    as a one-item array: VC 2.0 allows an object too, but 1EdTech's OB 3.0 JSON Schema wants an array."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(_hash_data(canonicalize(unsecured), _proof_config(unsecured, proof)))
    return {**copy.deepcopy(unsecured), "proof": [{**proof, "proofValue": "z" + b58encode(signature)}]}


def verify(document, proof, public_key: Ed25519PublicKey) -> bool:
    """Whether `proof` (one of `document`'s) is a valid signature by `public_key` (§3.3.2).

    Raises UnknownContext or CanonicalizationError when the document cannot be canonicalised."""
    return signed_dataset(document, proof, public_key) is not None


def signed_dataset(document, proof, public_key: Ed25519PublicKey):
    """The RDF dataset that `proof` signs (PyLD's parse of the canonical N-Quads of `document`
    without its proof), or None when the proof is not a valid signature by `public_key`.

    A verifier reads what it decides on from here: JSON-LD has many spellings of the same
    statements, and the signature covers the statements, not the spelling."""
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return None
    try:
        signature = b58decode(value[1:])
    except ValueError:
        return None
    config = _proof_config(unsecured, proof)
    if "@context" in proof:
        contexts = unsecured["@context"]
        if contexts[: len(proof["@context"])] != proof["@context"]:
            return None
        unsecured = {**unsecured, "@context": proof["@context"]}
    statements = canonicalize(unsecured)
    try:
        public_key.verify(signature, _hash_data(statements, config))
    except InvalidSignature:
        return None
    return jsonld.parse_nquads(statements)


def multikey(public_key: Ed25519PublicKey) -> str:
    """The key as a Multikey `publicKeyMultibase` (base58btc of 0xed01 + the 32 raw bytes)."""
    return "z" + b58encode(ED25519_MULTICODEC + public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_multikey(value: str) -> Ed25519PublicKey:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    raw = b58decode(value[1:])
    if len(raw) != 34 or not raw.startswith(ED25519_MULTICODEC):
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = ""
    while number:
        number, remainder = divmod(number, 58)
        digits = BASE58[remainder] + digits
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + digits


def b58decode(text: str) -> bytes:
    if len(text) > 200:
        raise ValueError("base58 value too long")
    number = 0
    for char in text:
        index = BASE58.find(char)
        if index < 0:
            raise ValueError(f"{char!r} is not a base58 digit")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body
