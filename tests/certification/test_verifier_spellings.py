"""The verifier decides from what the signature covers, not from how the JSON spells it.

A Data Integrity proof signs the credential's canonical RDF, so every JSON-LD spelling that
canonicalises to the same statements keeps the signature valid: a term written as its full IRI,
`@type` for `type`, an expanded value object, an alias from an inline or embedded context, an
array for a single value, nodes moved into `@included` or `@graph`. Whatever the spelling of a
revoked, expired or not-yet-valid credential that we issued, the verifier must say so or refuse
it, over `POST /credentials/verify/` and `manage.py verify_credential` alike.
"""

import copy
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pyld import jsonld

from certification import api
from certification.credentials import dataintegrity
from certification.models import Certificate
from tests.certification.conftest import take_quiz

CRED = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


def _renamed(node, old, new, value=None):
    """`node` with key `old` replaced by `new` in the same position (and `value`, if given)."""
    return {(new if key == old else key): (value if key == old and value is not None else item)
            for key, item in node.items()}


def _with_context(document, extra):
    return {**document, "@context": [*document["@context"], extra]}


def _typed(value):
    return {"@value": value, "@type": DATETIME}


def _status(document, change):
    return {**document, "credentialStatus": change(copy.deepcopy(document["credentialStatus"]))}


def _unsecured(document):
    return {key: value for key, value in document.items() if key != "proof"}


def _expanded(document):
    (node,) = jsonld.expand(_unsecured(document), {"documentLoader": dataintegrity.document_loader})
    return {"@context": document["@context"], **node, "proof": document["proof"]}


def _in_included(document, *, reverse):
    """credentialStatus moved into `@included`, linked by a node reference or by `@reverse`."""
    entry = document["credentialStatus"]
    if reverse:
        unlinked = {key: value for key, value in document.items() if key != "credentialStatus"}
        return {**unlinked, "@included": [{**entry, "@reverse": {CRED + "credentialStatus": {"id": document["id"]}}}]}
    return {**document, "credentialStatus": {"id": entry["id"]}, "@included": [entry]}


# name: (respell, the check that refuses it before the signature, or None when it is read through)
SPELLINGS = {
    "status as a full IRI": (lambda d: _renamed(d, "credentialStatus", CRED + "credentialStatus"), None),
    "status aliased by an inline context": (
        lambda d: _renamed(_with_context(d, {"revocationInfo": CRED + "credentialStatus"}), "credentialStatus",
                           "revocationInfo"), None),
    "status entry typed with @type": (lambda d: _status(d, lambda e: _renamed(e, "type", "@type")), None),
    "status purpose as a value object": (
        lambda d: _status(d, lambda e: {**e, "statusPurpose": {"@value": e["statusPurpose"]}}), None),
    "status purpose aliased by an embedded context": (
        lambda d: _status(d, lambda e: _renamed(
            {"@context": {"purpose": STATUS + "statusPurpose"}, **e}, "statusPurpose", "purpose")), None),
    "status as a one-element array": (lambda d: _status(d, lambda e: [e]), None),
    "status written in full IRIs": (lambda d: _renamed(d, "credentialStatus", CRED + "credentialStatus", {
        "@id": d["credentialStatus"]["id"], "@type": STATUS + "BitstringStatusListEntry",
        STATUS + "statusPurpose": d["credentialStatus"]["statusPurpose"],
        STATUS + "statusListIndex": d["credentialStatus"]["statusListIndex"],
        STATUS + "statusListCredential": {"@id": d["credentialStatus"]["statusListCredential"]},
    }), None),
    "status referenced, described in @included": (lambda d: _in_included(d, reverse=False), None),
    "status linked by @reverse from @included": (lambda d: _in_included(d, reverse=True), None),
    "validUntil as a full IRI": (
        lambda d: _renamed(d, "validUntil", CRED + "validUntil", _typed(d["validUntil"])), None),
    "validUntil aliased by an inline context": (
        lambda d: _renamed(_with_context(d, {"expires": {"@id": CRED + "validUntil", "@type": DATETIME}}),
                           "validUntil", "expires"), None),
    "validUntil as a value object": (lambda d: {**d, "validUntil": _typed(d["validUntil"])}, "dates"),
    "validUntil as a one-element array": (lambda d: {**d, "validUntil": [d["validUntil"]]}, "dates"),
    "validFrom as a full IRI": (
        lambda d: _renamed(d, "validFrom", CRED + "validFrom", _typed(d["validFrom"])), "dates"),
    "validFrom aliased by an inline context": (
        lambda d: _renamed(_with_context(d, {"starts": {"@id": CRED + "validFrom", "@type": DATETIME}}),
                           "validFrom", "starts"), "dates"),
    "validFrom as a value object": (lambda d: {**d, "validFrom": _typed(d["validFrom"])}, "dates"),
    "validFrom as a one-element array": (lambda d: {**d, "validFrom": [d["validFrom"]]}, "dates"),
    "issuer with @id and @type": (
        lambda d: {**d, "issuer": _renamed(_renamed(d["issuer"], "id", "@id"), "type", "@type")}, "issuer"),
    "issuer as a full IRI": (lambda d: _renamed(d, "issuer", CRED + "issuer"), "issuer"),
    "issuer as a one-element array": (lambda d: {**d, "issuer": [d["issuer"]]}, "issuer"),
    "credentialSubject as a one-element array": (
        lambda d: {**d, "credentialSubject": [d["credentialSubject"]]}, "subject"),
    "credentialSubject as a full IRI": (
        lambda d: _renamed(d, "credentialSubject", CRED + "credentialSubject"), "subject"),
    "type as @type": (lambda d: _renamed(d, "type", "@type"), "type"),
    "type in another order": (lambda d: {**d, "type": d["type"][::-1]}, None),
    "the whole credential expanded": (_expanded, "type"),
    "the credential inside @graph": (lambda d: {
        "@context": d["@context"], "@graph": [{k: v for k, v in _unsecured(d).items() if k != "@context"}],
        "proof": d["proof"],
    }, "type"),
}


def _revoke(certificate, hr_user):
    api.revoke_certificate(certificate, by=hr_user, reason="Exam fraud")


def _expire(certificate, hr_user):
    now = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_at=now - timedelta(days=800), valid_until=now - timedelta(days=1)
    )


def _postdate(certificate, hr_user):
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=timezone.now() + timedelta(days=2))


SCENARIOS = {"revoked": _revoke, "expired": _expire, "not-yet-valid": _postdate}


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.CREDENTIAL_VERIFY_RATE_LIMIT = "1000/m"  # every spelling is posted from one address


@pytest.fixture
def certificate(enrolled, rule):
    take_quiz(enrolled, rule.exam)
    return Certificate.objects.get()


def served(certificate):
    return Client().get(f"/verify/{certificate.public_id}/credential.json").json()


def respelled(document, name):
    """`document` in the named spelling, checked to canonicalise to the very statements we signed."""
    spelling = SPELLINGS[name][0](copy.deepcopy(document))
    assert spelling != document
    assert dataintegrity.canonicalize(_unsecured(spelling)) == dataintegrity.canonicalize(_unsecured(document)), (
        f"{name!r} is not an equivalent spelling, so it would test nothing"
    )
    return spelling


def verdict_over_http(document):
    response = Client(enforce_csrf_checks=True).post(
        "/credentials/verify/", json.dumps(document), content_type="application/json"
    )
    body = response.json()
    return "valid" if response.status_code == 200 and body == {"valid": True} else (response.status_code, body["check"])


def verdict_of_command(document, tmp_path, capsys):
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(document))
    try:
        call_command("verify_credential", str(path))
    except SystemExit as exit_:
        assert exit_.code == 1
        output = capsys.readouterr().out
        assert output.startswith("invalid: "), output
        return output.split(": ")[1]
    assert capsys.readouterr().out.strip() == "valid"
    return "valid"


def verdicts(document, tmp_path, capsys):
    """{spelling: (what the endpoint says, what the command says)} for every spelling of `document`."""
    found = {}
    for name in SPELLINGS:
        spelling = respelled(document, name)
        found[name] = (verdict_over_http(spelling), verdict_of_command(spelling, tmp_path, capsys))
    return found


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_spelling_hides_revocation_or_the_validity_period(certificate, hr_user, tmp_path, capsys, scenario):
    """A revoked, expired or not-yet-valid credential of ours, respelled in any equivalent JSON-LD
    form, is still reported as such (or refused by a conformance check) by the endpoint and the
    command; it is never valid."""
    SCENARIOS[scenario](certificate, hr_user)
    expected = {name: ((422, refused or scenario), refused or scenario) for name, (_, refused) in SPELLINGS.items()}
    assert verdicts(served(certificate), tmp_path, capsys) == expected


def test_an_equivalent_spelling_of_a_good_credential_still_verifies(certificate, tmp_path, capsys):
    """The verdict follows the signed statements, so spellings that pass the conformance checks
    are read through rather than refused."""
    expected = {name: ((422, refused), refused) if refused else ("valid", "valid")
                for name, (_, refused) in SPELLINGS.items()}
    assert verdicts(served(certificate), tmp_path, capsys) == expected
