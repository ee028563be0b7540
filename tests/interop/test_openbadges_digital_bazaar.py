"""Our Open Badges 3.0 credentials as an independent implementation sees them: Digital Bazaar's
VC stack (tests/interop/verify.mjs, the npm packages pinned in package-lock.json; `make test` runs
`npm ci`), verifying offline with only the contexts vendored in tests/fixtures/ob3 and the
documents a verifier would fetch from us."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from certification import api
from certification.models import Certificate
from tests.certification.conftest import enrolled, rule, take_quiz  # noqa: F401 (fixtures)
from tests.quizzes.conftest import make_quiz, quiz_setup  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "interop" / "verify.mjs"


def digital_bazaar(tmp_path, credential, documents):
    """{"verified", "revoked", "error"} from Digital Bazaar's verifier, run with Node."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the independent verifier: apt-get install nodejs npm"
    assert (ROOT / "node_modules" / "@digitalbazaar" / "vc").is_dir(), "run `npm ci` (make test does)"
    given = tmp_path / "input.json"
    given.write_text(json.dumps({"credential": credential, "documents": documents}))
    run = subprocess.run([node, str(SCRIPT), str(given)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.stdout.strip(), run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.fixture
def issued(client, enrolled, rule):  # noqa: F811 (the imported fixtures)
    take_quiz(enrolled, rule.exam)
    certificate = Certificate.objects.get()
    return certificate, client.get(f"/verify/{certificate.public_id}/credential.json").json()


def served(client, credential):
    """What a verifier fetches from us: the status list the credential names (over HTTP)."""
    url = credential["credentialStatus"]["statusListCredential"]
    return {url: client.get(url.removeprefix("http://127.0.0.1:8000")).json()}


def test_digital_bazaar_verifies_our_credential_offline(client, issued, tmp_path):
    """Signature (eddsa-rdfc-2022 over the RDFC-1.0 canonical form), the issuer's key resolved
    from its did:key, the status list's own signature and issuer, and the certificate's bit."""
    _, credential = issued
    result = digital_bazaar(tmp_path, credential, served(client, credential))
    assert result == {"verified": True, "revoked": False, "checkedStatus": True, "error": ""}


@pytest.mark.parametrize("tamper", ["name", "validUntil", "holder"])
def test_digital_bazaar_refuses_a_tampered_credential(client, issued, tmp_path, tamper):
    _, credential = issued
    documents = served(client, credential)
    if tamper == "name":
        credential["name"] = "Senior Operations Director"
    elif tamper == "validUntil":
        credential["validUntil"] = "2099-01-01T00:00:00Z"
    else:
        credential["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"
    result = digital_bazaar(tmp_path, credential, documents)
    assert not result["verified"] and "signature" in result["error"].lower(), result


def test_digital_bazaar_reads_a_revocation_from_our_status_list(client, issued, hr_user, tmp_path):
    certificate, credential = issued
    api.revoke_certificate(certificate, by=hr_user, reason="Exam taken by someone else")
    result = digital_bazaar(tmp_path, credential, served(client, credential))
    assert result["verified"] and result["revoked"], result  # the credential is genuine, and revoked


def test_the_verifier_loads_nothing_it_was_not_given(client, issued, tmp_path):
    """Offline for real: a status list it was not handed is not fetched."""
    _, credential = issued
    result = digital_bazaar(tmp_path, credential, {})
    assert not result["verified"] and "offline: refusing to load" in result["error"], result
