"""Links that point home: the printed URL, QR code, credential ids, issuer and status list URLs and
the certificate email name the server that issued the certificate — in demo mode the running one
(`make run PORT=8101`), in production SITE_URL — and never change once issued."""

import pytest
from django.core import mail
from django.urls import reverse

from certification.credentials import documents, verify_credential
from certification.models import Certificate
from certification.pdf import verification_url
from quizzes import api as quiz_api
from quizzes.grading import right_answer
from quizzes.models import AttemptQuestion

DEMO = "http://127.0.0.1:8101"
PUBLIC = "https://academy.example"


def pass_over_http(client, user, quiz, host):
    """Start and answer the exam, then submit it through the site, as a trainee does."""
    attempt = quiz_api.start_attempt(user, quiz)
    for question in AttemptQuestion.objects.filter(attempt=attempt):
        quiz_api.save_answer(user, attempt.pk, question.position, right_answer(question.spec))
    client.force_login(user)
    response = client.post(reverse("quizzes:submit", args=[attempt.pk]), HTTP_HOST=host)
    assert response.status_code == 302
    return Certificate.objects.get(user=user)


def assert_everything_names(base, certificate, credential, email):
    verify = f"{base}/verify/{certificate.public_id}/"
    assert certificate.site_url == base
    assert verification_url(certificate) == verify  # printed on the PDF and in its QR code
    assert credential["id"] == verify and credential["issuer"]["url"] == base + "/"
    status = credential["credentialStatus"]["statusListCredential"]
    assert status == f"{base}/credentials/status/revocation.json"
    assert credential["credentialStatus"]["id"].startswith(status + "#")
    assert verify in email.body and f"{base}/" in email.body


def test_in_demo_mode_everything_names_the_running_server(
        client, settings, enrolled, rule, django_capture_on_commit_callbacks):
    settings.DEMO_MODE = True
    settings.CERTIFICATE_PDF_PRERENDER = False
    with django_capture_on_commit_callbacks(execute=True):
        certificate = pass_over_http(client, enrolled, rule.exam, "127.0.0.1:8101")
    credential = client.get(f"/verify/{certificate.public_id}/credential.json", HTTP_HOST="127.0.0.1:8101").json()
    (email,) = mail.outbox
    assert_everything_names(DEMO, certificate, credential, email)
    issuer = client.get("/credentials/issuer.json", HTTP_HOST="127.0.0.1:8101").json()
    assert issuer["id"] == f"{DEMO}/credentials/issuer.json" and issuer["url"] == DEMO + "/"
    assert "127.0.0.1:8000" not in str(credential) + email.body
    assert verify_credential(credential).ok


def test_in_production_site_url_wins_over_the_host_header(
        client, settings, enrolled, rule, django_capture_on_commit_callbacks):
    settings.WAGTAILADMIN_BASE_URL = PUBLIC
    with django_capture_on_commit_callbacks(execute=True):
        certificate = pass_over_http(client, enrolled, rule.exam, "evil.example")
    credential = client.get(f"/verify/{certificate.public_id}/credential.json", HTTP_HOST="evil.example").json()
    (email,) = mail.outbox
    assert_everything_names(PUBLIC, certificate, credential, email)
    assert "evil.example" not in str(credential) + email.body


def test_issued_ids_survive_a_change_of_domain(client, settings, enrolled, rule, hr_user):
    """The certificate keeps the address it was issued under; the new domain serves the same
    certificate, and our verifier still checks it (and its revocation) by the old ids."""
    settings.WAGTAILADMIN_BASE_URL = PUBLIC
    certificate = pass_over_http(client, enrolled, rule.exam, "academy.example")
    before = client.get(f"/verify/{certificate.public_id}/credential.json").json()
    settings.WAGTAILADMIN_BASE_URL = "https://learn.example.org"
    certificate.refresh_from_db()
    after = client.get(f"/verify/{certificate.public_id}/credential.json").json()
    assert after == before and verification_url(certificate) == f"{PUBLIC}/verify/{certificate.public_id}/"
    assert verify_credential(before).ok
    from certification import api

    api.revoke_certificate(certificate, by=hr_user, reason="Exam fraud")
    assert verify_credential(before).check == "revoked"


def test_a_demo_certificate_issued_outside_a_request_takes_the_server_that_first_prints_it(
        client, settings, enrolled, rule):
    """`make run` sets up the demo's certificates before the server starts: the first PDF shows
    the running server's address, and keeps it."""
    settings.DEMO_MODE = True
    from tests.certification.conftest import take_quiz

    take_quiz(enrolled, rule.exam)  # no request: the demo set-up command
    certificate = Certificate.objects.get()
    assert certificate.site_url == ""
    client.force_login(enrolled)
    response = client.get(f"/en/my-certificates/{certificate.public_id}/certificate.pdf", HTTP_HOST="127.0.0.1:8101")
    assert response.status_code == 200
    certificate.refresh_from_db()
    assert certificate.site_url == DEMO
    assert verification_url(certificate) == f"{DEMO}/verify/{certificate.public_id}/"


@pytest.mark.parametrize("host", ["127.0.0.1:8101", "localhost:8102"])
def test_the_request_address_is_only_used_in_demo_mode(client, settings, host):
    settings.WAGTAILADMIN_BASE_URL = PUBLIC
    assert client.get("/credentials/issuer.json", HTTP_HOST=host).json()["url"] == PUBLIC + "/"
    settings.DEMO_MODE = True
    assert client.get("/credentials/issuer.json", HTTP_HOST=host).json()["url"] == f"http://{host}/"
    assert documents.issuer_did().startswith("did:key:z6Mk")
