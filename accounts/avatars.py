"""Avatars drawn from a person's initials, on the server: no Gravatar (blocked in mainland China,
and a request to a third party for every page offline) and no uploaded pictures to moderate.

The same person gets the same colour everywhere (learner header and Wagtail's admin), from a
stable hash of their id, so colleagues with the same initials are still told apart."""

import hashlib
import unicodedata
from urllib.parse import quote

from django.utils.html import escape

# Background colours that keep white text at 4.5:1 or more (WCAG AA).
PALETTE = ("#0f766e", "#1d4ed8", "#7c3aed", "#b91c1c", "#b45309", "#047857", "#be185d", "#475569")


def _is_cjk(char):
    return unicodedata.name(char, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY", "HANGUL", "HIRAGANA", "KATAKANA"))


def initials(user):
    """"王小明" → "小明" (a Chinese name's given name, as colleagues call each other), "Ada
    Lovelace" → "AL", "trainee@example.com" → "T"; at most two characters."""
    name = (user.get_display_name() or "").strip()
    if "@" in name:
        name = name.split("@", 1)[0]
    chars = [c for c in name if c.isalnum()]
    if not chars:
        return "?"
    if _is_cjk(chars[0]):
        cjk = [c for c in chars if _is_cjk(c)]
        return "".join(cjk[-2:]) if len(cjk) > 2 else "".join(cjk)
    words = [w for w in name.replace(".", " ").replace("_", " ").replace("-", " ").split() if w[:1].isalnum()]
    letters = [w[0] for w in words[:1] + words[1:][-1:]] if len(words) > 1 else [chars[0]]
    return "".join(letters).upper()


def colour_index(user):
    digest = hashlib.sha256(str(user.pk or user.get_display_name()).encode()).digest()
    return digest[0] % len(PALETTE)


def svg(user, size=50):
    """The avatar as an SVG document (for Wagtail's admin, which wants an image URL)."""
    text = escape(initials(user))
    font = size * (0.36 if len(text) > 1 else 0.46)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
        f'<circle cx="{size / 2}" cy="{size / 2}" r="{size / 2}" fill="{PALETTE[colour_index(user)]}"/>'
        f'<text x="50%" y="50%" dy=".35em" text-anchor="middle" fill="#fff" font-size="{font:.1f}" '
        f'font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" font-weight="600">'
        f"{text}</text></svg>"
    )


def data_url(user, size=50):
    """A `data:` URL of `svg`: drawn by the browser with no request at all (CSP allows data: images)."""
    return "data:image/svg+xml;charset=utf-8," + quote(svg(user, size))
