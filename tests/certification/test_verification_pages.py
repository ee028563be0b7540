import pytest

from certification.models import Certificate
from tests.certification.conftest import take_quiz
from tests.conftest import make_user


@pytest.fixture
def certificate(enrolled, rule):
    take_quiz(enrolled, rule.exam)
    return Certificate.objects.get()


def test_verification_page_is_public_unindexed_and_in_the_visitors_language(client, certificate):
    en = client.get(f"/verify/{certificate.public_id}/", HTTP_ACCEPT_LANGUAGE="en")
    zh = client.get(f"/verify/{certificate.public_id}/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert en.status_code == zh.status_code == 200
    assert en["X-Robots-Tag"].startswith("noindex") and 'name="robots" content="noindex' in en.content.decode()
    assert "Module One Certificate" in en.content.decode() and "Valid" in en.content.decode()
    assert "模块一证书" in zh.content.decode() and '<html lang="zh-hans">' in zh.content.decode()
    for text in ("Trainee One", certificate.code, certificate.issuer_name):
        assert text in en.content.decode()


def test_unknown_public_id_is_404(client, certificate):
    assert client.get("/verify/not-a-real-id/").status_code == 404


def test_code_lookup_finds_the_certificate_however_it_is_typed(client, certificate):
    typed = certificate.code.lower().replace("-", " ")
    response = client.get("/verify/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == f"/verify/{certificate.public_id}/"


@pytest.mark.parametrize("code", ["OPS-AAAA-AAAA", "nonsense", "'; DROP TABLE x;--", "OPS-" + "Z" * 500])
def test_unknown_and_malformed_codes_get_the_same_answer(client, certificate, code, django_assert_num_queries):
    """Same status, same wording and the same work, whatever the code: one lookup by code,
    then Wagtail's redirect middleware looks at its table as on every 404 (site, redirects)."""
    with django_assert_num_queries(4):
        response = client.get("/verify/", {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "No certificate has this code." in response.content.decode()


def test_my_certificates_lists_only_my_own(client, certificate, rule):
    other = make_user("someone@example.com")
    client.force_login(other)
    assert certificate.code not in client.get("/en/my-certificates/").content.decode()
    client.force_login(certificate.user)
    html = client.get("/en/my-certificates/").content.decode()
    assert certificate.code in html and f"/verify/{certificate.public_id}/" in html
