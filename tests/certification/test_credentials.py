"""Open Badges 3.0 credentials: what we serve, and what the verifier accepts and rejects."""

import base64
import copy
import gzip
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.core.management import call_command
from django.test import Client

from certification import api
from certification.credentials import dataintegrity, documents
from certification.credentials.verification import MAX_CREDENTIAL_BYTES, verify_credential
from certification.models import Certificate, CertificateRule
from tests.certification.conftest import take_quiz

OB3 = Path(__file__).resolve().parents[1] / "fixtures" / "ob3"  # vendored, see its README.md
FIXTURES = OB3 / "fixtures"
NOW = datetime.now(UTC).replace(microsecond=0)

# Each 1EdTech error fixture and the first check it fails (OB 3.0 §9.1 order). The expired and
# bad-proof-value ones come from a foreign issuer and fail the trust check before their own defect
# is reached, and the issued-in-the-future one lacks an achievement; the tests "with the same
# defect" below show those defects caught by their own checks in a credential we signed.
FIXTURE_CHECKS = {
    "simple-err-context.json": "context",
    "simple-err-type.json": "type",
    "simple-err-issuer.json": "issuer",
    "simple-err-issuer-type.json": "issuer",
    "simple-err-issuer-parentorg-type.json": "issuer",
    "simple-err-issuer-otheridentifier-type.json": "issuer",
    "simple-err-credential-subject-type.json": "subject",
    "simple-err-credential-subject-identifier-type.json": "subject",
    "simple-err-credential-subject-profile-type.json": "subject",
    "simple-err-credential-subject-result-type.json": "subject",
    "simple-err-credential-subject-achievement-result-description-type.json": "subject",
    "simple-err-issued.json": "subject",  # it has no achievement, which OB 3.0 requires
    "simple-err-evidence-type.json": "evidence",
    "simple-err-proof-method-no-scheme.json": "proof",
    "simple-err-proof-method-unknown-did-method.json": "proof",
    "simple-err-proof-method-unknown-scheme.json": "proof",
    "simple-err-proof-method.json": "issuer",
    "simple-err-proof-value.json": "issuer",
    "simple-err-expired.json": "issuer",
}


def sample_certificate(**fields):
    """An unsaved certificate (no database needed) issued before NOW and valid two years."""
    rule = CertificateRule(
        pk=3, slug="module-1", title="模块一证书", title_en="Module One Certificate",
        description_en="Operations basics.", validity_months=24,
    )
    values = {
        "pk": 7, "public_id": "abcDEF123", "code": "OPS-AAAA-BBBB", "holder_name": "Trainee One",
        "achievement": "模块一证书", "achievement_en": "Module One Certificate", "issuer_name": "Ops Academy",
        "issued_at": NOW - timedelta(days=30), "valid_until": NOW + timedelta(days=700), "score": Decimal("85.00"),
    }
    return Certificate(rule=rule, **{**values, **fields})


def verifier_documents(revoked=()):
    """A fetch that serves our issuer profile (for credentials issued before the did:key) and a
    status list with `revoked` set."""
    served = {
        documents.issuer_id(): documents.issuer_profile(),
        documents.status_list_url(): documents.build_status_list_credential(
            list(revoked), length=documents.STATUS_LIST_MIN_BITS, now=NOW
        ),
    }
    return served.__getitem__


def over_http(client):
    """A fetch that asks the running site, as a remote verifier would."""
    def fetch(url):
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, url
        return response.json()

    return fetch


def resign(document):
    """`document` signed again with our key, as if we had issued it."""
    return dataintegrity.sign(
        document, documents.signing_key(), verification_method=documents.did_key_id(), created=NOW
    )


def decoded_bits(status_list):
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))


def leaves(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, (*path, index))
    else:
        yield path


def keys(node, path=()):
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(node, dict):
            yield (*path, key)
        yield from keys(value, (*path, key))


SAMPLE = documents.signed_credential(sample_certificate())


def changed(document, path):
    copied = copy.deepcopy(document)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    value = parent[path[-1]]
    parent[path[-1]] = (not value) if isinstance(value, bool) else f"{value}x"
    return copied


def without(document, path):
    copied = copy.deepcopy(document)
    parent = copied
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return copied


def expected_check(path):
    """The first check a credential fails when the value at `path` changes."""
    if path[0] == "@context":
        return "context"
    if path[0] == "type":
        return "type"
    if path[0] == "issuer" and path[1] in {"id", "type"}:
        return "issuer"
    if path[0] == "credentialSubject" and "type" in path:
        return "subject"
    if path[0] in {"validFrom", "validUntil"}:
        return "dates"
    if path[0] == "proof" and path[2] != "proofValue":
        return "proof"
    return "signature"


# What we serve ---------------------------------------------------------------------------------

@pytest.fixture
def certificate(enrolled, rule):
    take_quiz(enrolled, rule.exam)
    return Certificate.objects.get()


def test_served_credential_is_a_signed_open_badge_that_verifies(client, certificate):
    """credential.json is an OB 3.0 credential with validUntil and a revocation entry; it verifies
    through the published issuer document and status list, over HTTP and locally."""
    response = client.get(f"/verify/{certificate.public_id}/credential.json")
    assert response.status_code == 200
    document = response.json()
    assert document["@context"] == [documents.VC_CONTEXT, documents.OB_CONTEXT]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"].endswith(f"/verify/{certificate.public_id}/") and document["validUntil"]
    assert document["credentialStatus"] == {
        "id": f"{documents.status_list_url()}#{certificate.pk}", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": str(certificate.pk),
        "statusListCredential": documents.status_list_url(),
    }
    assert [proof["cryptosuite"] for proof in document["proof"]] == ["eddsa-rdfc-2022"]  # an array, as 1EdTech wants
    assert document["issuer"]["id"] == documents.issuer_did()
    assert document["proof"][0]["verificationMethod"] == documents.did_key_id()
    assert document["credentialSubject"]["identifier"][0]["identityHash"] == "Trainee One"
    assert certificate.user.email not in response.content.decode()
    assert verify_credential(document, fetch=over_http(client)).ok
    assert verify_credential(response.content).ok
    assert client.get(f"/verify/{certificate.public_id}/credential.json").json() == document


def test_revocation_sets_the_bit_in_the_served_status_list(client, certificate, hr_user):
    """After a revocation the certificate's bit (index = pk) is set and verifiers say `revoked`."""
    document = client.get(f"/verify/{certificate.public_id}/credential.json").json()
    api.revoke_certificate(certificate, by=hr_user, reason="Exam fraud")
    status_list = client.get("/credentials/status/revocation.json").json()
    bits = decoded_bits(status_list)
    assert len(bits) * 8 >= 131_072
    assert bits[certificate.pk // 8] == 0x80 >> (certificate.pk % 8)
    assert not any(bits[: certificate.pk // 8]) and not any(bits[certificate.pk // 8 + 1:])
    for fetch in (over_http(client), None):
        result = verify_credential(document, fetch=fetch)
        assert (result.ok, result.check) == (False, "revoked")


@pytest.mark.parametrize("n", [1, 10])
def test_status_list_queries_do_not_grow(client, rule, trainee, n, django_assert_num_queries):
    revoked = [
        Certificate.objects.create(
            user=trainee, rule=rule, holder_name="T", achievement="a", achievement_en="a", issuer_name="i",
            issued_at=NOW, valid_until=NOW, is_current=False, revoked_at=NOW,
        )
        for _ in range(n)
    ]
    with django_assert_num_queries(2):  # the highest pk; the revoked pks
        response = client.get("/credentials/status/revocation.json")
    bits = decoded_bits(response.json())
    assert all(bits[c.pk // 8] & (0x80 >> (c.pk % 8)) for c in revoked)


def test_issuer_document_publishes_the_signing_key(client):
    profile = client.get("/credentials/issuer.json").json()
    assert profile["id"] == documents.issuer_id() and "Profile" in profile["type"]
    assert profile["alsoKnownAs"] == [documents.issuer_did()]
    (method,) = profile["verificationMethod"]
    assert method["id"] == documents.key_id() == profile["assertionMethod"][0]
    assert method["type"] == "Multikey" and method["controller"] == profile["id"]
    assert method["publicKeyMultibase"] == dataintegrity.multikey(documents.signing_key().public_key())
    assert method["publicKeyMultibase"].startswith("z6Mk")  # an Ed25519 public key


@pytest.mark.parametrize("form", ["pem", "base64"])
def test_signing_key_comes_from_the_environment(settings, form):
    key = Ed25519PrivateKey.generate()
    settings.CREDENTIAL_SIGNING_KEY = (
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode() if form == "pem"
        else base64.b64encode(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()
    )
    published = documents.issuer_profile()["verificationMethod"][0]["publicKeyMultibase"]
    assert published == dataintegrity.multikey(key.public_key())
    assert verify_credential(documents.signed_credential(sample_certificate()), fetch=verifier_documents()).ok


def test_status_list_is_gzip_base64url_with_bit_zero_leftmost():
    encoded = documents.encode_bitstring([0, 9, 131_071], length=131_072)
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert encoded.startswith("u") and "=" not in encoded and len(bits) == 16_384
    assert (bits[0], bits[1], bits[-1]) == (0x80, 0x40, 0x01) and sum(map(bool, bits)) == 3


# The verifier ----------------------------------------------------------------------------------

def test_our_credential_verifies():
    assert verify_credential(SAMPLE, fetch=verifier_documents()).ok
    assert verify_credential(json.dumps(SAMPLE).encode(), fetch=verifier_documents()).ok
    unscored = documents.signed_credential(sample_certificate(score=None))
    assert "result" not in unscored["credentialSubject"] and verify_credential(unscored, fetch=verifier_documents()).ok


@pytest.mark.parametrize("text", ["", "[]", "{", '"x"', "[" * 50_000, json.dumps({"a": "x" * MAX_CREDENTIAL_BYTES})])
def test_what_is_not_a_credential_object_fails_the_json_check(text):
    assert verify_credential(text, fetch=verifier_documents()).check == "json"


def test_deep_nesting_is_refused_not_crashed():
    deep = copy.deepcopy(SAMPLE)
    node = deep["issuer"]
    for _ in range(5_000):
        node["parentOrg"] = {"id": "https://x.example/", "type": ["Profile"]}
        node = node["parentOrg"]
    assert verify_credential(deep, fetch=verifier_documents()).check == "json"


def test_expired_and_not_yet_valid_certificates():
    expired = documents.signed_credential(
        sample_certificate(issued_at=NOW - timedelta(days=800), valid_until=NOW - timedelta(days=1))
    )
    future = documents.signed_credential(sample_certificate(issued_at=NOW + timedelta(days=1)))
    assert verify_credential(expired, fetch=verifier_documents(), now=NOW).check == "expired"
    assert verify_credential(future, fetch=verifier_documents(), now=NOW).check == "not-yet-valid"


def test_revoked_outranks_expired():
    """OB 3.0 §9.1 checks the status list before the validity period."""
    expired = documents.signed_credential(sample_certificate(valid_until=NOW - timedelta(days=1)))
    assert verify_credential(expired, fetch=verifier_documents(revoked=[7]), now=NOW).check == "revoked"


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("simple-err-*.json")))
def test_every_1edtech_error_fixture_is_rejected(name):
    result = verify_credential((FIXTURES / name).read_bytes(), fetch=verifier_documents())
    assert not result.ok and result.message
    assert result.check == FIXTURE_CHECKS[name], result.message


def test_the_fixture_table_covers_every_error_fixture():
    assert set(FIXTURE_CHECKS) == {path.name for path in FIXTURES.glob("simple-err-*.json")}


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json") if "err" not in p.name))
def test_valid_credentials_of_other_issuers_are_not_trusted(name):
    result = verify_credential((FIXTURES / name).read_bytes(), fetch=verifier_documents())
    assert not result.ok and result.check in {"context", "type", "issuer", "proof"}, result


@pytest.mark.parametrize("defect, check", [
    ({"validUntil": "2010-01-01T00:00:00Z", "validFrom": "2009-01-01T00:00:00Z"}, "expired"),
    ({"validFrom": "2040-01-01T00:00:00Z", "validUntil": "2050-01-20T00:00:00Z"}, "not-yet-valid"),
])
def test_our_own_credential_with_the_same_defect(defect, check):
    """The defects of simple-err-expired and simple-err-issued, signed by us, fail their own check."""
    unsigned = {key: value for key, value in SAMPLE.items() if key != "proof"}
    assert verify_credential(resign({**unsigned, **defect}), fetch=verifier_documents(), now=NOW).check == check


def test_a_flipped_character_in_the_proof_value_fails_the_signature():
    """simple-err-proof-value's defect, in our credential."""
    document = copy.deepcopy(SAMPLE)
    value = document["proof"][0]["proofValue"]
    document["proof"][0]["proofValue"] = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    assert verify_credential(document, fetch=verifier_documents()).check == "signature"


@pytest.mark.parametrize("path", list(leaves(SAMPLE)), ids=lambda path: ".".join(map(str, path)))
def test_changing_any_field_is_detected(path):
    result = verify_credential(changed(SAMPLE, path), fetch=verifier_documents())
    assert (result.ok, result.check) == (False, expected_check(path)), result.message


@pytest.mark.parametrize("path", list(keys(SAMPLE)), ids=lambda path: ".".join(map(str, path)))
def test_removing_any_field_is_detected(path):
    result = verify_credential(without(SAMPLE, path), fetch=verifier_documents())
    assert not result.ok and result.check and result.message


def test_a_credential_signed_with_another_key_fails_the_signature():
    """Someone who copies our issuer and key id but not our private key."""
    unsigned = {key: value for key, value in SAMPLE.items() if key != "proof"}
    before_did_key = {**unsigned, "issuer": {**unsigned["issuer"], "id": documents.issuer_id()}}
    for document, method in ((unsigned, documents.did_key_id()), (before_did_key, documents.key_id())):
        forged = dataintegrity.sign(document, Ed25519PrivateKey.generate(), verification_method=method, created=NOW)
        assert verify_credential(forged, fetch=verifier_documents()).check == "signature"


def test_a_foreign_issuer_is_named():
    unsigned = {key: value for key, value in SAMPLE.items() if key != "proof"}
    foreign = {**unsigned, "issuer": {"id": "https://elsewhere.example/issuer", "type": ["Profile"]}}
    forged = dataintegrity.sign(
        foreign, Ed25519PrivateKey.generate(), verification_method="https://elsewhere.example/issuer#k", created=NOW
    )
    result = verify_credential(forged, fetch=verifier_documents())
    assert result.check == "issuer" and "https://elsewhere.example/issuer" in result.message


def test_an_unusable_status_list_fails_the_status_check():
    fetch = verifier_documents()
    unsigned_list = {k: v for k, v in fetch(documents.status_list_url()).items() if k != "proof"}
    tampered = {**fetch(documents.status_list_url()), "validUntil": "2099-01-01T00:00:00Z"}
    for served in (unsigned_list, tampered):
        result = verify_credential(SAMPLE, fetch=lambda url, served=served: served if "status" in url else fetch(url))
        assert result.check == "status", result
    assert verify_credential(SAMPLE, fetch=lambda url: fetch(url) if "issuer" in url else {}[url]).check == "status"


def test_poison_graphs_are_refused():
    """A blank-node clique (exponential for RDFC-1.0) is refused instead of hanging a worker."""
    clique = [
        {"id": f"_:n{i}", "https://example.org/p": [{"id": f"_:n{j}"} for j in range(9) if j != i]} for i in range(9)
    ]
    document = copy.deepcopy(SAMPLE)
    document["credentialSubject"]["https://example.org/graph"] = clique
    result = verify_credential(document, fetch=verifier_documents())
    assert result.check == "signature" and "canonicalised" in result.message


def test_our_cryptosuite_verifies_1edtechs_signed_fixture():
    """The eddsa-rdfc-2022 implementation agrees with the 1EdTech conformance fixtures."""
    for name, expected in (("simple.json", True), ("simple-err-proof-value.json", False)):
        document = json.loads((FIXTURES / name).read_text())
        proof = document["proof"][0]
        key = dataintegrity.public_key_from_multikey(proof["verificationMethod"].split("#")[1])
        assert dataintegrity.verify(document, proof, key) is expected, name


@pytest.mark.parametrize("url", sorted(dataintegrity.CONTEXT_FILES))
def test_bundled_contexts_are_the_published_ones(url):
    mapping = dict(line.split() for line in (OB3 / "contexts" / "MAP.txt").read_text().splitlines() if line.strip())
    published = json.loads((OB3 / mapping[url]).read_text())
    assert dataintegrity.document_loader(url)["document"] == published


# The command and the endpoint ------------------------------------------------------------------

def test_verify_credential_command_exit_codes(certificate, client, hr_user, tmp_path, capsys):
    document = client.get(f"/verify/{certificate.public_id}/credential.json").json()
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(document))
    bad.write_text(json.dumps({**document, "name": "Something Else"}))
    call_command("verify_credential", str(good))
    assert capsys.readouterr().out.strip() == "valid"
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_credential", str(bad))
    assert exit_.value.code == 1 and capsys.readouterr().out.startswith("invalid: signature: ")
    api.revoke_certificate(certificate, by=hr_user, reason="Exam fraud")
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_credential", str(good))
    assert exit_.value.code == 1 and capsys.readouterr().out.startswith("invalid: revoked: ")


def test_verify_endpoint(certificate):
    """A public JSON API: CSRF-exempt, 200/422 with the failed check, 400 and 413 for bad input."""
    client = Client(enforce_csrf_checks=True)
    document = client.get(f"/verify/{certificate.public_id}/credential.json").json()
    url = "/credentials/verify/"

    def post(body, content_type="application/json"):
        return client.post(url, body, content_type=content_type)

    assert post(json.dumps(document)).json() == {"valid": True}
    tampered = post(json.dumps({**document, "validUntil": "2099-01-01T00:00:00Z"}))
    assert tampered.status_code == 422 and tampered.json()["check"] == "signature" and tampered.json()["message"]
    assert post("{not json").status_code == 400
    assert post("name=x", content_type="application/x-www-form-urlencoded").status_code == 400
    too_big = post(json.dumps({**document, "padding": "x" * MAX_CREDENTIAL_BYTES}))
    assert too_big.status_code == 413
    assert client.get(url).status_code == 405
