"""What a holder and a verifier see of a certificate: language links on the unprefixed
verification page, dates that never break, and a revoked certificate marked as such on
My certificates and on its PDF."""

import re
import subprocess
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders

from certification import api
from certification.models import Certificate
from tests.certification.conftest import take_quiz


@pytest.fixture
def certificate(enrolled, rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the PDF is rendered and stored at issue
        take_quiz(enrolled, rule.exam)
    return Certificate.objects.get()


class Links(HTMLParser):
    """The header's language links: {hreflang: href}."""

    def __init__(self):
        super().__init__()
        self.languages = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "hreflang" in attrs:
            self.languages[attrs["hreflang"]] = attrs["href"]


def language_links(response):
    parser = Links()
    parser.feed(response.content.decode())
    return parser.languages


def test_each_language_link_of_the_verification_page_leads_to_that_language(client, certificate):
    page = client.get(f"/verify/{certificate.public_id}/", HTTP_ACCEPT_LANGUAGE="en")
    links = language_links(page)
    assert set(links) == {"zh-hans", "en"} and links["zh-hans"] != links["en"]
    chinese = client.get(links["zh-hans"], HTTP_ACCEPT_LANGUAGE="en")
    english = client.get(links["en"], HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert chinese.status_code == english.status_code == 200
    assert '<html lang="zh-hans">' in chinese.content.decode() and "证书验证" in chinese.content.decode()
    assert chinese["Content-Language"] == "zh-hans"
    assert '<html lang="en">' in english.content.decode() and "Certificate verification" in english.content.decode()
    assert english["Content-Language"] == "en"
    assert language_links(chinese)["en"] == links["en"]  # still the same certificate


def test_a_code_looked_up_in_a_chosen_language_stays_in_it(client, certificate):
    page = client.get(f"/verify/{certificate.public_id}/", {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<input type="hidden" name="lang" value="en">' in page.content.decode()  # the lookup form keeps it
    response = client.get("/verify/", {"code": certificate.code, "lang": "en"})
    assert response.status_code == 302 and response["Location"] == f"/verify/{certificate.public_id}/?lang=en"


def test_an_unknown_language_falls_back_to_the_visitors(client, certificate):
    response = client.get(f"/verify/{certificate.public_id}/", {"lang": "xx"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and '<html lang="en">' in response.content.decode()


def nowrap_selectors():
    css = open(finders.find("certification/certificates.css"), encoding="utf-8").read()
    return {
        selector.strip()
        for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", css, flags=re.S))
        if re.search(r"white-space:\s*nowrap", body)
        for selector in selectors.split(",")
    }


def test_certificate_card_dates_are_unbreakable_elements(client, certificate):
    """`2028-12-04` is one <time> element whose style forbids wrapping, on the card and on the
    verification page, so a narrow card never shows "2028-12-" above "04"."""
    client.force_login(certificate.user)
    mine = client.get("/en/my-certificates/").content.decode()
    until = certificate.valid_until.astimezone().strftime("%Y-%m-%d")
    assert "certification/certificates.css" in mine
    assert re.search(rf'<time datetime="{until}">{until}</time>', mine)
    verify = client.get(f"/verify/{certificate.public_id}/").content.decode()
    assert "certification/certificates.css" in verify and f">{until}</time>" in verify
    assert {".certificate time", ".verify time"} <= nowrap_selectors()


def pdf_text(data, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_a_revoked_certificate_is_marked_on_my_certificates_and_its_pdf(client, certificate, hr_user, tmp_path):
    """The clean PDF stored at issue is not served after revocation: the download is marked
    REVOKED / 已撤销 with the date, and the card says so."""
    client.force_login(certificate.user)
    url = f"/en/my-certificates/{certificate.public_id}/certificate.pdf"
    assert certificate.pdf_file
    clean = pdf_text(client.get(url).content, tmp_path)
    assert "REVOKED" not in clean and "已撤销" not in clean

    api.revoke_certificate(certificate, by=hr_user, reason="Exam taken by someone else")
    revoked_on = certificate.revoked_at.astimezone().strftime("%Y-%m-%d")
    text = pdf_text(client.get(url).content, tmp_path)
    assert "REVOKED" in text and "已撤销" in text and revoked_on in text
    assert certificate.code in text  # still the same certificate, just marked
    certificate.refresh_from_db()
    assert certificate.pdf_file.name.endswith("-revoked.pdf")

    card = client.get("/en/my-certificates/").content.decode()
    assert "Revoked on" in card and f">{revoked_on}</time>" in card and "Exam taken by someone else" in card
    assert "Download PDF (marked revoked)" in card
