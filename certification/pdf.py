"""The certificate as a PDF: A4 landscape, Chinese and English, with the verification QR code.

Holder names and titles are typed by people, so they are only ever drawn as plain text with
`cell` (never `write_html` or `markdown=True`): nothing in them is parsed, linked or fetched. The
only files the renderer opens are the fonts named in settings; the QR code is drawn as vector
rectangles from segno's matrix, so there are no images and no temporary files.

A revoked certificate prints as one: a red "已撤销 · REVOKED" band with the date across the page
and a large watermark, so a PDF downloaded after revocation cannot pass for a valid one. Its file
is stored under its own name (`-revoked.pdf`), which tells a stored clean copy from a marked one.

Fonts: Noto Serif CJK SC (Debian `fonts-noto-cjk`, CFF outlines, which fpdf2 2.8 subsets and
embeds) for Chinese and Latin-1, with DejaVu Serif (`fonts-dejavu-core`) as the fallback for the
Latin letters Noto CJK lacks (ł, ř, ş, ğ, ț…), so Polish, Czech or Turkish names print too.
"""

from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF

from . import site

__all__ = ["render_certificate_pdf", "store_certificate_pdf", "verification_url"]

PLATFORM_NAME = "运营学院 · Ops Academy"
PAGE_W, PAGE_H = 841.89, 595.28  # A4 landscape, in points
MARGIN = 84  # text column: MARGIN … PAGE_W - MARGIN
QR_SIZE = 92
QR_BOX = (PAGE_W - 80 - QR_SIZE, 424, QR_SIZE, QR_SIZE)  # x, y, w, h of the QR symbol, quiet zone outside
DETAILS_TOP = 428
NAME_TOP = 210  # the holder's name starts here (tests look for ink below it)

NAVY = (27, 42, 74)
GOLD = (176, 141, 76)
INK = (40, 44, 52)
MUTED = (112, 118, 130)
PAPER = (252, 250, 245)
REVOKED_RED = (200, 30, 30)

DEFAULT_FONT_DIR = "/usr/share/fonts/opentype/noto"
DEFAULT_FALLBACK_DIR = "/usr/share/fonts/truetype/dejavu"


@dataclass(frozen=True)
class FontFiles:
    regular: str
    bold: str
    index: int  # the face in a font collection (.ttc); Noto CJK's Simplified Chinese face is 2
    fallback_regular: str
    fallback_bold: str


def font_files():
    """The fonts, from settings only (never from anything a user typed); the defaults are Debian's
    paths, so settings need not name them."""
    files = FontFiles(
        regular=getattr(settings, "CERTIFICATE_FONT_PATH", f"{DEFAULT_FONT_DIR}/NotoSerifCJK-Regular.ttc"),
        bold=getattr(settings, "CERTIFICATE_FONT_BOLD_PATH", f"{DEFAULT_FONT_DIR}/NotoSerifCJK-Bold.ttc"),
        index=getattr(settings, "CERTIFICATE_FONT_INDEX", 2),
        fallback_regular=getattr(settings, "CERTIFICATE_FALLBACK_FONT_PATH", f"{DEFAULT_FALLBACK_DIR}/DejaVuSerif.ttf"),
        fallback_bold=getattr(
            settings, "CERTIFICATE_FALLBACK_FONT_BOLD_PATH", f"{DEFAULT_FALLBACK_DIR}/DejaVuSerif-Bold.ttf"
        ),
    )
    for path in (files.regular, files.bold, files.fallback_regular, files.fallback_bold):
        if not Path(path).is_file():
            raise ImproperlyConfigured(
                f"Certificate font {path} is missing: install the Debian packages fonts-noto-cjk and "
                "fonts-dejavu-core (`make system-packages`) or point CERTIFICATE_FONT_PATH and its "
                "siblings at other fonts (docs/deploy.md)."
            )
    return files


def store_certificate_pdf(certificate):
    """Render and save the certificate's PDF in the default storage; return its bytes."""
    from django.core.files.base import ContentFile

    if not certificate.site_url:  # a demo certificate issued outside a request: printed now, kept
        certificate.site_url = site.for_new_certificate()
    data = render_certificate_pdf(certificate)
    previous = certificate.pdf_file.name
    certificate.pdf_file.save(stored_name(certificate), ContentFile(data), save=False)
    type(certificate).objects.filter(pk=certificate.pk).update(
        pdf_file=certificate.pdf_file.name, site_url=certificate.site_url)
    if previous and previous != certificate.pdf_file.name:
        certificate.pdf_file.storage.delete(previous)  # the clean copy of a now revoked certificate
    return data


def stored_name(certificate):
    return f"{certificate.public_id}{'-revoked' if certificate.revoked_at else ''}.pdf"


def stored_pdf_is_current(certificate):
    """Whether the stored file shows what the certificate is now (revoked or not)."""
    name = certificate.pdf_file.name
    return bool(name) and name.rsplit("/", 1)[-1] == stored_name(certificate)


def verification_url(certificate):
    """The printed URL: on the address the certificate was issued under (`certification.site`)."""
    return site.for_certificate(certificate) + reverse("certification:verify", args=[certificate.public_id])


def render_certificate_pdf(certificate):
    url = verification_url(certificate)
    pdf = _new_document(certificate)
    _draw_frame(pdf)
    _draw_heading(pdf)
    _draw_holder_and_achievement(pdf, certificate)
    _draw_details(pdf, certificate)
    _draw_verification(pdf, certificate, url)
    if certificate.revoked_at:
        _draw_revoked(pdf, certificate)
    return bytes(pdf.output())


def _new_document(certificate):
    fonts = font_files()
    pdf = FPDF(orientation="landscape", unit="pt", format="A4")
    pdf.set_auto_page_break(False)
    pdf.alias_nb_pages(None)  # else a name containing "{nb}" prints as "1"
    pdf.set_margins(0, 0, 0)
    pdf.add_font("cjk", "", fonts.regular, collection_font_number=fonts.index)
    pdf.add_font("cjk", "B", fonts.bold, collection_font_number=fonts.index)
    pdf.add_font("latin", "", fonts.fallback_regular)
    pdf.add_font("latin", "B", fonts.fallback_bold)
    pdf.set_fallback_fonts(["latin"], exact_match=False)
    pdf.set_title(f"{_plain(certificate.achievement)} · {_plain(certificate.holder_name)}")
    pdf.set_author(_plain(certificate.issuer_name))
    pdf.set_subject(f"{certificate.code} · {_plain(certificate.achievement_en)}")
    pdf.set_creator(PLATFORM_NAME)
    pdf.set_lang("zh-CN")
    pdf.set_creation_date(certificate.issued_at)
    pdf.add_page()
    return pdf


def _draw_frame(pdf):
    pdf.set_fill_color(*PAPER)
    pdf.rect(0, 0, PAGE_W, PAGE_H, style="F")
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(2.2)
    pdf.rect(24, 24, PAGE_W - 48, PAGE_H - 48)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.rect(32, 32, PAGE_W - 64, PAGE_H - 64)
    pdf.set_fill_color(*GOLD)
    for x, y in ((32, 32), (PAGE_W - 32, 32), (32, PAGE_H - 32), (PAGE_W - 32, PAGE_H - 32)):
        _diamond(pdf, x, y, 5)


def _diamond(pdf, x, y, r):
    pdf.polygon([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], style="F")


def _draw_heading(pdf):
    _line(pdf, PLATFORM_NAME, 62, size=11, color=GOLD, spacing=2)
    _line(pdf, "证 书", 90, size=38, style="B", color=NAVY, spacing=8)
    _line(pdf, "CERTIFICATE", 144, size=11, color=NAVY, spacing=7)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.set_fill_color(*GOLD)
    for sign in (-1, 1):
        pdf.line(PAGE_W / 2 + sign * 78, 151, PAGE_W / 2 + sign * 140, 151)
        _diamond(pdf, PAGE_W / 2 + sign * 147, 151, 2.5)
    _line(pdf, "兹证明  ·  This is to certify that", 182, size=10.5, color=MUTED)


def _draw_holder_and_achievement(pdf, certificate):
    y = _block(pdf, certificate.holder_name, NAME_TOP, size=42, min_size=22, max_lines=2, style="B", color=NAVY)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.8)
    pdf.line(PAGE_W / 2 - 160, y + 4, PAGE_W / 2 + 160, y + 4)
    _line(pdf, "已完成并通过  ·  has successfully completed", y + 16, size=10.5, color=MUTED)
    y = _block(pdf, certificate.achievement, y + 42, size=22, min_size=14, max_lines=2, color=INK)
    _block(pdf, certificate.achievement_en, y + 2, size=14, min_size=10, max_lines=2, color=MUTED)


def _draw_details(pdf, certificate):
    items = [
        ("颁发日期 · Issued", _date(certificate.issued_at)),
        ("有效期至 · Valid until", _date(certificate.valid_until)),
    ]
    if certificate.score is not None:
        items.append(("成绩 · Score", f"{certificate.score.normalize():f}%"))
    x, width = 76, 116
    for label, value in items:
        _text(pdf, label, x, DETAILS_TOP, width, size=8.5, color=MUTED)
        _text(pdf, value, x, DETAILS_TOP + 14, width, size=14, color=INK)
        x += width
    _fit_line(pdf, certificate.issuer_name, 76, DETAILS_TOP + 56, 3 * width - 24, size=14, min_size=8, color=INK)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.line(76, DETAILS_TOP + 78, 76 + 3 * width - 24, DETAILS_TOP + 78)
    _text(pdf, "颁发机构 · Issued by", 76, DETAILS_TOP + 82, 3 * width, size=8.5, color=MUTED)


def _draw_verification(pdf, certificate, url):
    qr_x, qr_y, qr_w, _ = QR_BOX
    right, top = qr_x - 20, DETAILS_TOP
    _text(pdf, "证书编号 · Serial", right - 220, top, 220, size=8.5, color=MUTED, align="R")
    _text(pdf, certificate.code, right - 220, top + 14, 220, size=15, style="B", color=NAVY, align="R", spacing=1)
    _text(pdf, "扫码或访问链接核验  ·  Scan or visit to verify", right - 260, top + 56, 260,
          size=8.5, color=MUTED, align="R")
    _fit_line(pdf, url, right - 270, top + 70, 270, size=8.5, min_size=5, color=NAVY, align="R", link=url)
    _draw_qr(pdf, url, qr_x, qr_y, qr_w)


def _draw_revoked(pdf, certificate):
    """A translucent diagonal watermark over everything, and a band that says when."""
    with pdf.local_context(fill_opacity=0.18), pdf.rotation(28, PAGE_W / 2, PAGE_H / 2):
        _line(pdf, "已撤销 REVOKED", PAGE_H / 2 - 40, size=72, style="B", color=REVOKED_RED, spacing=4)
    pdf.set_fill_color(*REVOKED_RED)
    pdf.rect(40, 40, PAGE_W - 80, 20, style="F")
    _line(pdf, f"已撤销 · REVOKED  {_date(certificate.revoked_at)}", 43, size=10, style="B",
          color=(255, 255, 255), spacing=1)


def _draw_qr(pdf, url, x, y, size):
    """Dark modules as one filled path of horizontal runs: crisp at any zoom, no image."""
    matrix = segno.make(url, error="m", micro=False).matrix
    module = size / len(matrix)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x - 4 * module, y - 4 * module, size + 8 * module, size + 8 * module, style="F")
    with pdf.new_path() as path:
        path.style.fill_color = "#%02x%02x%02x" % NAVY
        path.style.stroke_color = None
        for row, bits in enumerate(matrix):
            for start, length in _runs(bits):
                path.rectangle(x + start * module, y + row * module, length * module, module)


def _runs(bits):
    start = None
    for i, bit in enumerate([*bits, 0]):
        if bit and start is None:
            start = i
        elif not bit and start is not None:
            yield start, i - start
            start = None


# Text helpers: every string goes through `cell` as plain text.

def _plain(text):
    """One line, whitespace collapsed (names may carry newlines or tabs)."""
    return " ".join(str(text).split())


def _date(value):
    return timezone.localtime(value).strftime("%Y-%m-%d")


def _style(pdf, *, size, style="", color=INK, spacing=0):
    pdf.set_font("cjk", style, size)
    pdf.set_text_color(*color)
    pdf.set_char_spacing(spacing)


def _text(pdf, text, x, y, w, *, size, style="", color=INK, align="L", spacing=0, link=""):
    _style(pdf, size=size, style=style, color=color, spacing=spacing)
    pdf.set_xy(x, y)
    # fpdf2 2.8.9 can believe the page's font is set when a fallback-font fragment or a dry run
    # left another one in force, and draws "Dvořák" as "sAcřák" (cf. py-pdf/fpdf2#1488, #1772):
    # make it state the font again.
    pdf.current_font_is_set_on_page = False
    pdf.cell(w, size * 1.25, _plain(text), align=align, link=link)


def _line(pdf, text, y, **kwargs):
    """Centred on the page."""
    _text(pdf, text, MARGIN, y, PAGE_W - 2 * MARGIN, align="C", **kwargs)


def _fit_line(pdf, text, x, y, w, *, size, min_size, **kwargs):
    """One line, shrunk until it fits `w` (or reaches `min_size`)."""
    text = _plain(text)
    while size > min_size:
        pdf.set_font("cjk", kwargs.get("style", ""), size)
        if pdf.get_string_width(text) <= w:
            break
        size -= 0.5
    _text(pdf, text, x, y, w, size=size, **kwargs)


def _block(pdf, text, y, *, size, min_size, max_lines, style="", color=INK):
    """Centred text that shrinks to one line if it can, else wraps to `max_lines` at `min_size`
    (the last line cut with an ellipsis). Returns the y below it."""
    text, width = _plain(text), PAGE_W - 2 * MARGIN
    lines = _wrap(pdf, text, width, size, style)
    while len(lines) > 1 and size > min_size:
        size -= 1
        lines = _wrap(pdf, text, width, size, style)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and pdf.get_string_width(lines[-1] + "…") > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    for line in lines:
        _text(pdf, line, MARGIN, y, width, size=size, style=style, color=color, align="C")
        y += size * 1.3
    return y


def _wrap(pdf, text, width, size, style):
    _style(pdf, size=size, style=style)
    return [str(line).strip() for line in pdf.multi_cell(width, text=text, dry_run=True, output="LINES")] or [""]
