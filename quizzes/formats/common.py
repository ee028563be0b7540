"""What the Moodle formats share: the error and result types, Moodle's list of grades, category
paths, and turning Moodle's HTML into our Markdown stems and plain-text answers."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser


class FormatError(ValueError):
    """The file is malformed, or holds a value Moodle itself would refuse. `where` names the
    line or element at fault (“line 12”, “line 30 <answer>”)."""

    def __init__(self, where, message):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass
class ParseResult:
    """`questions` are question data dicts (see quizzes.questions) carrying only the fields the
    file expresses, plus `name` (the Moodle title, may be empty) and `where` (its line);
    `skipped` lists (name or line, reason) for questions we cannot represent."""

    questions: list = field(default_factory=list)
    skipped: list = field(default_factory=list)


# Moodle's question_bank::fraction_options_full(): an import with any other grade is refused
# (qformat_default matches within 0.00001, match_grade_options 'error').
MOODLE_GRADES = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3,
                 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0)
GRADE_TOLERANCE = 0.00001
GRADED_TYPES = {"single_choice", "multiple_response", "numeric", "short_text"}
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _allowed_grade(fraction):
    for grade in MOODLE_GRADES:
        for allowed in (grade, -grade):
            if abs(fraction - allowed) < GRADE_TOLERANCE:
                return allowed
    return None


def moodle_grade(fraction):
    """The allowed grade `fraction` is (rounded to our 5 decimal places), or None if Moodle refuses it."""
    allowed = _allowed_grade(fraction)
    return None if allowed is None else round(allowed, 5)


def check_percent(text, where):
    """A Moodle percentage ('50', '-33.33333') as a fraction of 1; FormatError if Moodle would refuse it."""
    number = parse_decimal(text)
    grade = None if number is None else moodle_grade(float(number) / 100)
    if grade is None:
        allowed = ", ".join(format_number(Decimal(str(g * 100))) for g in MOODLE_GRADES)
        raise FormatError(where, f"'{text}%' is not a grade Moodle accepts (use one of {allowed}, or their negatives)")
    return grade


def parse_decimal(text):
    text = str(text).strip()
    if not NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def format_number(value):
    """A number without exponent or trailing zeros: 100, 33.33333, 0.01."""
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text in ("-0", "") else text


def percent(fraction):
    """A fraction as a Moodle percentage, written as Moodle's grade list has it: 0.33333 → 33.33333."""
    allowed = _allowed_grade(fraction)
    return format_number(round(Decimal(str(fraction if allowed is None else allowed)) * 100, 5))


def export_problem(question):
    """Why a question would make a file Moodle refuses, or None."""
    if question["type"] in GRADED_TYPES:
        for answer in question["answers"]:
            if moodle_grade(answer["fraction"]) is None:
                return f"fraction {answer['fraction']} is not a grade Moodle accepts"
    return None


# Categories ---------------------------------------------------------------------------------

_CONTEXT = re.compile(r"^\$(course|system|module|cat1|coursecategory|quiz)\$/?")


def category_skill(path):
    """A Moodle category path ('$course$/top/Growth/Retention') as a skill: its last part.
    Moodle writes a '/' inside a category name as '//'."""
    path = _CONTEXT.sub("", path.strip())
    parts = [p.replace("\0", "/").strip() for p in path.replace("//", "\0").split("/")]
    parts = [p for p in parts if p]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return parts[-1][:100] if parts else ""


# Text formats -------------------------------------------------------------------------------

def from_moodle(text, text_format, *, plain):
    """Moodle text in `text_format` as our Markdown (stems, explanations) or plain text
    (answers, feedback). Only HTML needs converting: Moodle's other formats are plain text
    with light markup, which Markdown reads as it is."""
    text = text.strip()
    if text_format != "html":
        return text
    return html_to_text(text) if plain else html_to_markdown(text)


_BLOCK_BREAKS = [
    (re.compile(r"<br\s*/?>", re.I), "\n"),
    (re.compile(r"</p\s*>", re.I), "\n\n"),
    (re.compile(r"<p(\s[^>]*)?>", re.I), ""),
    (re.compile(r"</?(strong|b)(\s[^>]*)?>", re.I), "**"),
    (re.compile(r"</?(em|i)(\s[^>]*)?>", re.I), "*"),
    (re.compile(r"</?code(\s[^>]*)?>", re.I), "`"),
    (re.compile(r"&nbsp;"), " "),
]


def html_to_markdown(text):
    """Paragraphs, line breaks, bold, italics and code become Markdown; any other tag stays as
    inline HTML, which the Markdown renderer's sanitiser reduces to its allow-list."""
    for pattern, replacement in _BLOCK_BREAKS:
        text = pattern.sub(replacement, text)
    text = "\n".join(line.strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class _TextCollector(HTMLParser):
    BREAKS = {"br", "p", "div", "li", "tr", "td", "th"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        if tag in self.BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.BREAKS:
            self.parts.append(" ")


def html_to_text(text):
    collector = _TextCollector()
    collector.feed(text)
    collector.close()
    return " ".join("".join(collector.parts).split())
