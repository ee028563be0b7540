import re
from pathlib import Path

from django.test import Client

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_ui_string_has_a_chinese_translation():
    """No empty or fuzzy entry in the zh-hans catalogue (English is the source language)."""
    text = PO.read_text(encoding="utf-8")
    entries = [e for e in text.split("\n\n") if not e.lstrip("#").count('msgid ""')]
    untranslated = [
        e for e in entries
        if re.search(r'^msgstr(\[0\])? ""$', e, re.M) and not re.search(r'^msgstr(\[0\])? ""\n"', e, re.M)
    ]
    assert entries and not untranslated
    assert "#, fuzzy" not in text


def test_pages_speak_chinese_under_zh_hans(db):
    html = Client().get("/zh-hans/no-such-page/").content.decode()
    assert "页面不存在" in html and "Page not found" not in html
