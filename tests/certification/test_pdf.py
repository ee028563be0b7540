"""The certificate PDF, read back with poppler's tools as a viewer, a search engine or a printer
would see it. Rendering embeds two CJK font subsets and takes a few seconds, so the main sample is
rendered once per module: the renderer reads nothing but the certificate's own fields, and an
unsaved `Certificate` is a complete input."""

import builtins
import io
import shutil
import socket
import subprocess
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import segno
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from certification.models import Certificate
from certification.pdf import NAME_TOP, PAGE_W, QR_BOX, font_files, render_certificate_pdf, verification_url
from tests.conftest import make_user

PUBLIC_ID = "Vq3xY0dTn8sKp2Lm5ZrB7w"


def build(**fields):
    return Certificate(**{
        "public_id": PUBLIC_ID,
        "code": "OPS-K7QM-2XRD",
        "holder_name": "李明",
        "achievement": "用户运营专项能力认证",
        "achievement_en": "User Operations Specialist Certificate",
        "issuer_name": "Ops Academy 运营学院",
        "issued_at": datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
        "valid_until": datetime(2028, 3, 14, 9, 30, tzinfo=UTC),
        "score": Decimal("92.50"),
        **fields,
    })


@dataclass
class Rendered:
    pdf: Path
    url: str

    def run(self, *command, output=()):
        return subprocess.run([*command, str(self.pdf), *output], check=True, capture_output=True, text=True).stdout

    @property
    def text(self):
        return self.run("pdftotext", "-enc", "UTF-8", output=["-"])

    def image(self, dpi):
        prefix = self.pdf.with_suffix(f".{dpi}")
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(self.pdf), str(prefix)], check=True)
        return Image.open(f"{prefix}.png").convert("L")


def render(tmp_path, certificate):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(render_certificate_pdf(certificate))
    return Rendered(pdf=path, url=verification_url(certificate))


@pytest.fixture(scope="module")
def li_ming(tmp_path_factory):
    return render(tmp_path_factory.mktemp("li-ming"), build())


def name_region(image, dpi):
    """The band where the holder's name is drawn, ±150 pt either side of the centre."""
    scale = dpi / 72
    box = ((PAGE_W / 2 - 150) * scale, NAME_TOP * scale, (PAGE_W / 2 + 150) * scale, (NAME_TOP + 52) * scale)
    return image.crop(tuple(round(v) for v in box))


def dark_pixels(image, below=110):
    return sum(count for value, count in enumerate(image.histogram()) if value < below)


def test_pdf_is_one_a4_landscape_page(li_ming):
    info = li_ming.run("pdfinfo")
    assert "Pages:           1" in info
    assert "Page size:       841.89 x 595.28 pts (A4)" in info
    assert li_ming.url == f"http://127.0.0.1:8000/verify/{PUBLIC_ID}/"


def test_text_layer_carries_name_achievement_dates_score_serial_and_url(li_ming):
    text = li_ming.text
    for expected in ("李明", "用户运营专项能力认证", "User Operations Specialist Certificate", "OPS-K7QM-2XRD",
                     li_ming.url, "2026-03-14", "2028-03-14", "92.5%",
                     "Ops Academy 运营学院", "运营学院 · Ops Academy"):
        assert expected in text


def test_cjk_font_is_embedded_as_a_subset(li_ming):
    rows = li_ming.run("pdffonts").splitlines()[2:]
    cjk = [row for row in rows if "NotoSerifCJKSC" in row]
    assert cjk and all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in rows)  # emb, sub, uni


def test_rendered_page_is_not_blank_and_shows_the_name(li_ming):
    image = li_ming.image(50)
    assert image.size == (585, 414)
    assert dark_pixels(image) > image.width * image.height * 0.01
    assert dark_pixels(name_region(image, 50)) > 150


def test_latin_name_renders_in_place_of_the_chinese_one(tmp_path, li_ming):
    """Different glyphs in the same band: a missing-glyph box would look the same for both."""
    zoe = render(tmp_path, build(holder_name="Zoë O'Brien"))
    assert "Zoë O'Brien" in zoe.text
    ours, theirs = name_region(zoe.image(50), 50), name_region(li_ming.image(50), 50)
    assert dark_pixels(ours) > 150
    assert list(ours.getdata()) != list(theirs.getdata())


def test_qr_code_is_segno_matrix_of_the_verification_url(li_ming):
    dpi = 288
    image, scale = li_ming.image(dpi), dpi / 72
    x, y, size, _ = QR_BOX
    matrix = segno.make(li_ming.url, error="m", micro=False).matrix
    module = size / len(matrix)

    def dark(row, col):
        centre = ((x + (col + 0.5) * module) * scale, (y + (row + 0.5) * module) * scale)
        return int(image.getpixel(tuple(round(v) for v in centre)) < 128)

    drawn = [[dark(r, c) for c in range(len(matrix))] for r in range(len(matrix))]
    assert drawn == [list(row) for row in matrix]


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbarimg (Debian zbar-tools) is not installed")
def test_qr_code_decodes_to_the_verification_url(li_ming):
    li_ming.image(150)
    png = li_ming.pdf.with_suffix(".150.png")
    out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], check=True, capture_output=True, text=True).stdout
    assert out.strip() == li_ming.url


@pytest.fixture
def no_network_and_only_font_files(monkeypatch):
    """Fail on any connection or URL fetch; record every file opened from here on."""
    verification_url(build())  # load the URLconf first: importing its apps reads their own data files
    def refuse(*args, **kwargs):
        raise AssertionError(f"the renderer tried to connect: {args}")

    opened, real_open = [], builtins.open

    def spy_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    return opened


def test_markup_in_names_and_titles_is_printed_literally_and_fetches_nothing(tmp_path, no_network_and_only_font_files):
    certificate = build(
        holder_name="<img src=http://127.0.0.1:9/x> {nb}",
        achievement='**粗体** [链接](file:///etc/passwd) <a href="http://127.0.0.1:9/">x</a>',
        achievement_en="<b>bold</b> ![img](http://127.0.0.1:9/y.png)",
    )
    pdf = render_certificate_pdf(certificate)
    fonts = font_files()
    assert set(no_network_and_only_font_files) <= {
        fonts.regular, fonts.bold, fonts.fallback_regular, fonts.fallback_bold
    }
    (tmp_path / "markup.pdf").write_bytes(pdf)

    rendered = Rendered(pdf=tmp_path / "markup.pdf", url=verification_url(certificate))
    text = rendered.text
    assert "<img src=http://127.0.0.1:9/x> {nb}" in text  # {nb} is fpdf2's page-count alias
    assert "**粗体** [链接](file:///etc/passwd)" in text and "<b>bold</b> ![img](http://127.0.0.1:9/y.png)" in text
    urls = [line.split()[-1] for line in rendered.run("pdfinfo", "-url").splitlines()[1:]]
    assert urls == [rendered.url]  # the only link is the verification URL


def test_long_names_and_titles_stay_on_one_page_and_keep_every_latin_letter(tmp_path):
    """Noto CJK lacks ł ř ş; the DejaVu fallback draws them. Overlong text shrinks, wraps, then
    ends in an ellipsis rather than running into the dates."""
    name = "Łukasz Dvořák-Şahin " * 6
    rendered = render(tmp_path, build(
        holder_name=name, achievement="数据驱动的增长运营与用户生命周期管理" * 8,
        achievement_en="Advanced Practice in Growth Operations " * 8,
    ))
    text = rendered.text
    assert "Pages:           1" in rendered.run("pdfinfo")
    name_lines = [line for line in text.splitlines() if "Şahi" in line]
    printed = " ".join(name_lines)
    assert len(name_lines) == 2 and printed.endswith("…") and name.startswith(printed[:-1])
    assert "2026-03-14" in text
    assert any("DejaVuSerif" in row for row in rendered.run("pdffonts").splitlines())


def test_missing_font_fails_with_a_clear_error(settings):
    settings.CERTIFICATE_FONT_PATH = "/nonexistent/NotoSerifCJK-Regular.ttc"
    with pytest.raises(ImproperlyConfigured, match="/nonexistent/NotoSerifCJK-Regular.ttc.*fonts-noto-cjk"):
        render_certificate_pdf(build())


@pytest.fixture
def saved_certificate(trainee, rule):
    return Certificate.objects.create(**{
        **{f: getattr(build(), f) for f in ("holder_name", "achievement", "achievement_en", "issuer_name",
                                             "issued_at", "valid_until", "score")},
        "user": trainee, "rule": rule,
    })


def test_holder_downloads_the_pdf(client, saved_certificate):
    client.force_login(saved_certificate.user)
    response = client.get(f"/en/my-certificates/{saved_certificate.public_id}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{saved_certificate.code}.pdf"'


def test_someone_else_gets_404(client, saved_certificate):
    client.force_login(make_user("someone@example.com"))
    assert client.get(f"/en/my-certificates/{saved_certificate.public_id}/certificate.pdf").status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, saved_certificate):
    response = client.get(f"/en/my-certificates/{saved_certificate.public_id}/certificate.pdf")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_pdf_is_rendered_once_and_kept(client, enrolled, rule, django_capture_on_commit_callbacks):
    """Issuing renders the PDF in the background; downloads serve the stored file."""
    from unittest import mock

    from certification.models import Certificate
    from tests.certification.conftest import take_quiz

    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(enrolled, rule.exam)
    certificate = Certificate.objects.get()
    assert certificate.pdf_file.name.endswith(f"{certificate.public_id}.pdf")
    client.force_login(enrolled)
    with mock.patch("certification.pdf.render_certificate_pdf", side_effect=AssertionError("rendered again")):
        response = client.get(f"/en/my-certificates/{certificate.public_id}/certificate.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
