"""Our credentials against 1EdTech's JSON Schema for AchievementCredential (vendored unchanged in
tests/fixtures/ob3/schema/, see its README), and old credentials that predate its array proof."""

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator, FormatChecker

from certification.credentials import dataintegrity, documents
from certification.credentials.verification import verify_credential
from tests.certification.test_credentials import NOW, SAMPLE, sample_certificate, verifier_documents

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "ob3" / "schema" / "achievementcredential.json"
PUBLISHED_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
DATE_TIME = {"type": "string", "format": "date-time"}


def schema_for_vc2():
    """1EdTech's schema as OB 3.0 publishes it since its VC 2.0 alignment (context 3.0.3): the
    vendored file, with `validFrom`/`validUntil` in place of VC 1.1's `issuanceDate`/
    `expirationDate`, and `proof` an array, as the published schema at PUBLISHED_ID requires
    (1EdTech/openbadges-specification#473). Everything else is theirs, unchanged."""
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    properties = schema["properties"]
    properties.pop("issuanceDate"), properties.pop("expirationDate")
    properties["validFrom"] = properties["validUntil"] = DATE_TIME
    properties["proof"] = {"type": "array", "items": {"$ref": "#/$defs/Proof"}}
    schema["required"] = ["validFrom" if name == "issuanceDate" else name for name in schema["required"]]
    return schema


def errors(document, schema):
    validator = Draft201909Validator(schema, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_the_vendored_schema_is_1edtechs_achievement_credential_schema():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    assert schema["$id"] == PUBLISHED_ID and "AchievementCredential" in schema["title"]


def test_our_credential_passes_1edtechs_schema():
    """Every part: the issuer Profile, AchievementSubject, IdentityObject, Achievement with its
    alignments and ResultDescription, Result, CredentialStatus and the proofs."""
    assert errors(SAMPLE, schema_for_vc2()) == []
    unscored = documents.signed_credential(sample_certificate(score=None))
    assert errors(unscored, schema_for_vc2()) == []


def test_our_served_credential_with_skills_passes_1edtechs_schema(client, enrolled, rule):
    from certification.models import Certificate
    from tests.certification.conftest import take_quiz

    take_quiz(enrolled, rule.exam)
    certificate = Certificate.objects.get()
    document = client.get(f"/verify/{certificate.public_id}/credential.json").json()
    assert errors(document, schema_for_vc2()) == []


def test_a_proof_given_as_an_object_fails_1edtechs_schema():
    """What every credential we issued before looked like: 1EdTech's validator refused it."""
    old_shape = {**SAMPLE, "proof": SAMPLE["proof"][0]}
    assert any(error.startswith("proof: ") for error in errors(old_shape, schema_for_vc2()))


@pytest.mark.parametrize("defect, field", [
    (lambda d: d["credentialSubject"]["identifier"][0].update(identityType="nickname"), "credentialSubject"),
    (lambda d: d["credentialSubject"]["achievement"].pop("criteria"), "credentialSubject"),
    (lambda d: d.pop("validFrom"), ""),
])
def test_the_schema_catches_what_it_should(defect, field):
    broken = copy.deepcopy(SAMPLE)
    defect(broken)
    found = errors(broken, schema_for_vc2())
    assert found and all(error.startswith(field) for error in found), found


def test_credentials_issued_before_the_array_proof_and_the_did_key_still_verify():
    """A holder may keep a credential downloaded earlier: its proof an object, its issuer our
    https issuer document, its key `#key-1` there. Our verifier accepts both shapes of proof."""
    unsigned = {key: value for key, value in SAMPLE.items() if key != "proof"}
    unsigned["issuer"] = {**unsigned["issuer"], "id": documents.issuer_id()}
    signed = dataintegrity.sign(unsigned, documents.signing_key(), verification_method=documents.key_id(), created=NOW)
    old = {**signed, "proof": signed["proof"][0]}
    assert verify_credential(old, fetch=verifier_documents()).ok
    assert verify_credential({**SAMPLE, "proof": SAMPLE["proof"][0]}, fetch=verifier_documents()).ok
    tampered = {**old, "name": "Something Else"}
    assert verify_credential(tampered, fetch=verifier_documents()).check == "signature"
