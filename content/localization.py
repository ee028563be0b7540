"""Text kept in both languages side by side (a Chinese field and its `_en` twin)."""

from django.utils.translation import get_language


def localized(chinese: str, english: str) -> str:
    """`english` while the active language is English and the English text is filled in, else
    `chinese`: Chinese is the curriculum's first language, so it is never missing."""
    return english if english and (get_language() or "").startswith("en") else chinese
