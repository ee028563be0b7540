"""Moodle's question formats: GIFT, Moodle XML and Aiken.

Each module's `parse(text)` returns a `ParseResult` of plain question data (never touching the
database) or raises `FormatError` naming the line or element at fault; `gift.dump` and
`moodlexml.dump` write question data back out. `quizzes.importing` is what uses them.
"""

from .common import FormatError, ParseResult

__all__ = ["FormatError", "ParseResult"]
