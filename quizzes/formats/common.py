"""What the Moodle formats share: the error and result types, Moodle's list of grades, category
paths, and turning Moodle's HTML into our Markdown stems and plain-text answers."""

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext


class FormatError(ValueError):
    """The file is malformed, or holds a value Moodle itself would refuse. `where` names the
    line or element at fault (“line 12”, “line 30 <answer>”)."""

    def __init__(self, where, message):
        super().__init__(gettext("%(where)s: %(message)s") % {"where": where, "message": message})
        self.where = where
        self.message = message


def at_line(number, element=None):
    """Where something is in a file: its line, and in XML its element."""
    if element is None:
        return gettext("line %(line)s") % {"line": number}
    return gettext("line %(line)s <%(element)s>") % {"line": number, "element": element}


def named(name, where):
    """A skipped question as the report names it: its name and where it is, or where it is."""
    return gettext("'%(name)s' (%(where)s)") % {"name": name, "where": where} if name else where


def sentence(text):
    """A message without its closing full stop, to be set inside another sentence: a Chinese
    message ends in '。', and "%(error)s. Nothing was imported." must not read '。.'."""
    return str(text).rstrip().rstrip(".。．")


def DESCRIPTION():  # noqa: N802 - a message, read in the language active when it is raised
    return gettext("a description is not a question: it has no answers to grade")


def NOT_A_NUMBER():  # noqa: N802
    return gettext("'%(text)s' is not a number")


class Skip(Exception):
    """A well-formed question of a kind we cannot represent: skipped with this reason."""


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
# Possessive quantifiers and one way to read each digit: `\d+\.?\d*` could split a run of
# digits between its two quantifiers in every way before giving up on a letter after them.
NUMBER = re.compile(r"[-+]?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][-+]?\d++)?")
# Grading works in floats; beyond their range a number cannot be graded, and writing out
# 1e999999999 in full (format_number) would take a gigabyte.
MAX_EXPONENT = 308


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
        raise FormatError(where, gettext("'%(grade)s%%' is not a grade Moodle accepts (use one of %(allowed)s, or "
                                         "their negatives)") % {"grade": text, "allowed": allowed})
    return grade


def parse_decimal(text):
    """`text` as a Decimal; None if it is not a number or lies beyond ±1e308."""
    text = str(text).strip()
    if not NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if not number or abs(number.adjusted()) <= MAX_EXPONENT else None


def format_number(value):
    """A number without exponent or trailing zeros: 100, 33.33333, 0.01."""
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text in ("-0", "") else text


def percent(fraction):
    """A fraction as a Moodle percentage, written as Moodle's grade list has it: 0.33333 → 33.33333."""
    allowed = _allowed_grade(fraction)
    return format_number(round(Decimal(str(fraction if allowed is None else allowed)) * 100, 5))


def check_right_sum(answers):
    """A multiple-response question's right answers must add up to 100 %, as Moodle's editor
    requires (qtype_multichoice "fractionsaddwrong"); one that does not is skipped, not the file."""
    right = sum(a["fraction"] for a in answers if a["fraction"] > 0)
    if abs(right - 1) > 0.01:
        raise Skip(gettext("its right answers add up to %(sum)s%%, not 100%%: Moodle's question editor refuses it "
                           "too; correct the grades and import it again")
                   % {"sum": format_number(round(Decimal(str(right)) * 100, 5))})


def export_problem(question):
    """Why a question would make a file Moodle refuses, or None."""
    if question["type"] == "sql":
        return gettext("SQL labs have no Moodle question type")
    if question["type"] in GRADED_TYPES:
        for answer in question["answers"]:
            if moodle_grade(answer["fraction"]) is None:
                return gettext("fraction %(fraction)s is not a grade Moodle accepts") % {"fraction": answer["fraction"]}
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
]


def html_to_markdown(text):
    """Paragraphs, line breaks, bold, italics and code become Markdown; any other tag stays as
    inline HTML, which the Markdown renderer's sanitiser reduces to its allow-list."""
    for pattern, replacement in _BLOCK_BREAKS:
        text = _replace_tags(pattern, replacement, text)
    text = _ENTITY.sub(_entity, text.replace("&nbsp;", " "))
    text = "\n".join(line.strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Character references read as their characters (`&quot;` → `"`), so stems say what Moodle
# shows; `&lt;`, `&gt;` and `&amp;` stay references: read, they would become markup or a
# reference of their own, and Markdown shows them as the characters anyway.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")


def _entity(match):
    character = html.unescape(match[0])
    return match[0] if character in ("<", ">", "&") or len(character) != 1 else character


def _replace_tags(pattern, replacement, text):
    """Every tag pattern ends in '>', so nothing after the last '>' can match. Before it, each
    `[^>]*` stops at a '>' and matches there; after it, one would read to the end of the text
    from every '<' and fail, quadratic in the text's length."""
    end = text.rfind(">") + 1
    return pattern.sub(replacement, text[:end]) + text[end:]


# One left-to-right pass over HTML, each alternative matching wherever it starts (an unclosed
# comment or tag runs to the end, as a browser reads it): no '<' is read twice, so the time is
# linear. The standard library's HTMLParser (Python 3.11.7) rescans to the end of the text from
# every unclosed '<' (CVE-2025-6069), and html5ever (nh3) walks its open elements for each of
# thousands of nested <div>s.
_MARKUP = re.compile(r"""
    <!--.*?(?:--\s*>|\Z)                                    # a comment
  | <(?P<end>/?)(?P<tag>[a-zA-Z][^\s/>]*+)                  # a start or end tag, with its
    (?:[^>"'=/]++|/(?!>)|=\s*+(?:"[^"]*+"?|'[^']*+'?)?|["'])*+   # attributes (a quoted value may hold '>')
    (?P<close>/?>)?
  | <[!?/][^>]*+>?                                          # a declaration or processing instruction
""", re.S | re.X)
_BREAKS = {"br", "p", "div", "li", "tr", "td", "th"}
_RAW_TEXT = {"script": re.compile(r"</\s*script\s*>", re.I), "style": re.compile(r"</\s*style\s*>", re.I)}


def html_to_text(text):
    """The text of an HTML fragment on one line: tags and comments dropped, a space where a
    break or block tag was, character references read, white space collapsed."""
    parts, position = [], 0
    while (match := _MARKUP.search(text, position)) is not None:
        parts.append(html.unescape(text[position:match.start()]))
        position = match.end()
        tag = (match["tag"] or "").lower()
        if tag in _BREAKS:
            parts.append(" ")
        elif tag in _RAW_TEXT and not match["end"] and match["close"] == ">":
            closing = _RAW_TEXT[tag].search(text, position)
            if closing is None:  # unclosed: the rest is script, not text
                return _one_line(parts)
            parts.append(text[position:closing.start()])
            position = closing.end()
    parts.append(html.unescape(text[position:]))
    return _one_line(parts)


def _one_line(parts):
    return " ".join("".join(parts).split())
