"""Text from uploaded question files and curriculum files is read in time that grows with its
length, not its square: every regular expression (and parser) run on it answers a long
pathological input — 16,000 and 100,000 characters of digits before a letter, unclosed tags,
repeated delimiters, runs of white space — in under 100 ms (the bound the security review set).

Before the fixes the number pattern of quizzes/formats/common.py took ~6 s on 16,000 digits and
a letter (minutes on 100,000), the HTML helpers ~2 s on 10,000 unclosed `<p`, and the GIFT
`[id:` pattern ~4 s on 5,000 unclosed `[id:`. A test that would run that long gives up after
GIVE_UP seconds instead of holding the suite.
"""

import re
import signal
import time
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from modelsearch.utils import parse_query_string
from wagtail.models import Locale

from content.curriculum import CONTAINER_OPEN, SLUG, CurriculumError, parse_body
from content.markdown import _drop_disguised_schemes
from quizzes import importing
from quizzes.formats import FormatError, aiken, gift, moodlexml
from quizzes.formats.common import NUMBER, html_to_markdown, html_to_text, parse_decimal
from quizzes.grading import parse_number
from quizzes.models import Question, QuestionBank

BOUND = 0.1  # seconds
GIVE_UP = 5  # seconds
SIZES = [16_000, 100_000]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the site's default language (and so an import's) is Chinese."""
    with translation.override("en"):
        yield


class _TooSlow(Exception):
    pass


def _raise_too_slow(signum, frame):
    raise _TooSlow


def _seconds(function, text):
    """The fastest of three runs (the machine is shared); GIVE_UP if a run is cut off."""
    best = GIVE_UP
    previous = signal.signal(signal.SIGALRM, _raise_too_slow)
    try:
        for _ in range(3):
            signal.setitimer(signal.ITIMER_REAL, GIVE_UP)
            start = time.perf_counter()
            try:
                function(text)
            except (FormatError, CurriculumError):
                pass  # refusing the input is fine; taking long over it is not
            except _TooSlow:
                return GIVE_UP
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            best = min(best, time.perf_counter() - start)
            if best < BOUND:
                break
    finally:
        signal.signal(signal.SIGALRM, previous)
    return best


def _xml(body):
    return f"<quiz><question type=\"numerical\">{body}</question></quiz>"


def _html_answer(html):
    return moodlexml.parse(
        "<quiz><question type=\"multichoice\"><questiontext><text>Q</text></questiontext>"
        f"<answer fraction=\"100\" format=\"html\"><text><![CDATA[{html}]]></text></answer>"
        "<answer fraction=\"0\"><text>B</text></answer></question></quiz>"
    )


def _html_stem(html):
    return moodlexml.parse(
        f"<quiz><question type=\"truefalse\"><questiontext format=\"html\"><text><![CDATA[{html}]]></text>"
        "</questiontext><answer fraction=\"100\"><text>true</text></answer>"
        "<answer fraction=\"0\"><text>false</text></answer></question></quiz>"
    )


# (name, function, input of about n characters). Each reaches the pattern through the public
# function that applies it to uploaded or file text, except where a pattern has no other way in.
CASES = [
    # Numbers: quizzes/formats/common.py NUMBER, quizzes/grading.py parse_number
    ("parse_decimal: digits then a letter", parse_decimal, lambda n: "1" * n + "a"),
    ("parse_decimal: digits, a point, digits, a letter", parse_decimal, lambda n: "1" * n + "." + "1" * n + "a"),
    ("GIFT numeric answer: digits then a letter", gift.parse, lambda n: "::q::How many?{#" + "1" * n + "a}"),
    ("GIFT numeric tolerance: digits then a letter", gift.parse, lambda n: "How many?{#1:" + "1" * n + "a}"),
    ("GIFT numeric range: digits then a letter", gift.parse, lambda n: "How many?{#1.." + "1" * n + "a}"),
    ("GIFT weight: digits then a letter", gift.parse, lambda n: "Pick{~%" + "1" * n + "a%x =y}"),
    ("Moodle XML fraction: digits then a letter", moodlexml.parse,
     lambda n: _xml("<questiontext><text>Q</text></questiontext>"
                    f"<answer fraction=\"{'1' * n}a\"><text>1</text></answer>")),
    ("Moodle XML tolerance: digits then a letter", moodlexml.parse,
     lambda n: _xml("<questiontext><text>Q</text></questiontext><answer fraction=\"100\"><text>1</text>"
                    f"<tolerance>{'1' * n}a</tolerance></answer>")),
    ("Moodle XML default grade: digits then a letter", moodlexml.parse,
     lambda n: _xml(f"<questiontext><text>Q</text></questiontext><defaultgrade>{'1' * n}a</defaultgrade>")),
    ("parse_number: digits then a letter", parse_number, lambda n: "1" * n + "a"),
    ("parse_number: digits, a point, digits, a letter", parse_number, lambda n: "1" * n + "." + "1" * n + "a"),
    ("parse_number: exponent digits then a letter", parse_number, lambda n: "1e" + "1" * n + "a"),
    # HTML from Moodle: quizzes/formats/common.py html_to_markdown patterns, html_to_text
    ("HTML stem: unclosed <p", _html_stem, lambda n: "<p " * (n // 3)),
    ("HTML stem: unclosed <b", _html_stem, lambda n: "<b " * (n // 3)),
    ("HTML stem: unclosed </em", _html_stem, lambda n: "</em " * (n // 5)),
    ("HTML stem: unclosed <code", _html_stem, lambda n: "<code " * (n // 6)),
    ("HTML stem: <br then white space", _html_stem, lambda n: "<br" + " " * n),
    ("HTML stem: runs of new lines", html_to_markdown, lambda n: "<p>a</p>\n\n" * (n // 10)),
    ("HTML stem: <p closed at the very end", _html_stem, lambda n: "<b " * (n // 3) + "<p>"),
    ("GIFT [html] stem: unclosed <strong", gift.parse, lambda n: "[html]" + "<strong " * (n // 8) + "{T}"),
    ("HTML answer: unclosed <p", _html_answer, lambda n: "<p " * (n // 3)),
    ("HTML answer: unclosed comments", _html_answer, lambda n: "<!--x>" * (n // 6)),
    ("HTML answer: unclosed quoted attributes", _html_answer, lambda n: "<a title='" * (n // 10)),
    ("HTML answer: unclosed end tags", _html_answer, lambda n: "</a " * (n // 4)),
    ("HTML answer: nested <div>", _html_answer, lambda n: "<div>" * (n // 5)),
    ("HTML answer: bare ampersands and char refs", html_to_text, lambda n: "&#" * (n // 2)),
    ("GIFT [html] answer: unclosed <p", gift.parse, lambda n: "Pick{=[html]" + "<p " * (n // 3) + "~b}"),
    # GIFT structure: [id:…] and [tag:…] comments, answers, titles, categories
    ("GIFT comment: repeated unclosed [id:", gift.parse, lambda n: "// " + "[id:" * (n // 4) + "\nQ{T}"),
    ("GIFT comment: repeated unclosed [tag:", gift.parse, lambda n: "// " + "[tag:" * (n // 5) + "\nQ{T}"),
    ("GIFT comment: [id: then backslashes", gift.parse, lambda n: "// [id:" + "\\" * n + "\nQ{T}"),
    ("GIFT comment: [id: then escaped brackets", gift.parse, lambda n: "// [id:" + "\\]" * (n // 2) + "\nQ{T}"),
    ("GIFT: repeated opening braces", gift.parse, lambda n: "Q" + "{" * n),
    ("GIFT: unclosed title", gift.parse, lambda n: "::" + ":" * n),
    ("GIFT: long text format prefix", gift.parse, lambda n: "[" * n + "html]Q{T}"),
    ("GIFT: category of slashes", gift.parse, lambda n: "$CATEGORY: $course$" + "/" * n + "\n\nQ{T}"),
    ("GIFT: white space between answers", gift.parse, lambda n: "Q{=a" + " " * n + "~b}"),
    # Aiken: _CHOICE, _ANSWER
    ("Aiken: choice letter then white space", aiken.parse, lambda n: "Q\nA." + " " * n + "\nB. b\nANSWER: A"),
    ("Aiken: ANSWER then white space", aiken.parse, lambda n: "Q\nA. a\nB. b\nANSWER:" + " \t" * (n // 2) + "x"),
    ("Aiken: long choice line", aiken.parse, lambda n: "Q\nA) " + "a " * (n // 2) + "\nB. b\nANSWER: A"),
    # Moodle XML: the error message pattern, the whole document
    ("Moodle XML: unclosed tags", moodlexml.parse, lambda n: "<quiz>" + "<a " * (n // 3)),
    ("Moodle XML: broken numbers in the error position", moodlexml.parse, lambda n: "<quiz>" + "1" * n + "<"),
    # Curriculum files: CONTAINER_OPEN (through parse_body), SLUG
    ("lesson body: ::: then a long kind and white space", lambda text: parse_body(text, "lesson.md", 1),
     lambda n: ":::" + "a" * (n // 2) + " \t" * (n // 4) + "\n"),
    ("lesson body: ::: and hyphens", lambda text: parse_body(text, "lesson.md", 1), lambda n: ":::" + "-" * n + "!"),
    ("lesson body: many ::: lines", lambda text: parse_body(text, "lesson.md", 1),
     lambda n: ":::tip t\nx\n:::\n" * (n // 16)),
    ("CONTAINER_OPEN: kind then tabs", CONTAINER_OPEN.match, lambda n: ":::" + "a-" * (n // 4) + "\t" * (n // 2)),
    ("SLUG: hyphenated words then a capital", SLUG.match, lambda n: "a-" * (n // 2) + "A"),
    ("SLUG: letters then a double hyphen", SLUG.match, lambda n: "a" * n + "--"),
    # Markdown sanitiser: the scheme patterns in content/markdown.py (only reachable through nh3)
    ("markdown URL: scheme characters then no colon", lambda v: _drop_disguised_schemes("a", "href", v),
     lambda n: "a" + "+" * n + "!"),
    ("markdown URL: white space inside a scheme", lambda v: _drop_disguised_schemes("a", "href", v),
     lambda n: "java" + "\t \x00" * (n // 3) + "script:x"),
    # Search: the apostrophe pattern of the admin search's query parser (modelsearch)
    ("search query: apostrophes inside words", parse_query_string, lambda n: "a'" * (n // 2)),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name,function,make", CASES, ids=[case[0] for case in CASES])
def test_pathological_input_is_answered_quickly(name, function, make, size):
    """Each pattern answers a long pathological input in under 100 ms."""
    text = make(size)
    seconds = _seconds(function, text)
    assert seconds < BOUND, (
        f"{name}: {len(text):,} characters took {seconds:.3f} s"
        f"{' or more (cut off)' if seconds >= GIVE_UP else ''}; the bound is {BOUND} s"
    )


# The rewritten patterns read valid input exactly as the old ones did -------------------------

OLD_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


@settings(max_examples=500)
@given(st.text(alphabet="0123456789.+-eEx ", max_size=12))
def test_the_number_pattern_accepts_what_it_did(text):
    """The possessive number pattern accepts exactly the strings the backtracking one did."""
    assert bool(NUMBER.fullmatch(text)) == bool(OLD_NUMBER.fullmatch(text))


OLD_BLOCK_BREAKS = [
    (r"<br\s*/?>", "\n"), (r"</p\s*>", "\n\n"), (r"<p(\s[^>]*)?>", ""), (r"</?(strong|b)(\s[^>]*)?>", "**"),
    (r"</?(em|i)(\s[^>]*)?>", "*"), (r"</?code(\s[^>]*)?>", "`"), (r"&nbsp;", " "),
]


def _old_html_to_markdown(text):
    for pattern, replacement in OLD_BLOCK_BREAKS:
        text = re.sub(pattern, replacement, text, flags=re.I)
    text = "\n".join(line.strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@settings(max_examples=500)
@given(st.lists(st.sampled_from(["<p", "<P", "</p", "<b", "</strong", "<em", "<i", "<img", "<code", "<br", "/",
                                 ">", " ", "\n", "x", "&nbsp;", "class='a'"]), max_size=20).map("".join))
def test_html_to_markdown_reads_any_text_as_it_did(text):
    """Replacing tags only up to the last '>' changes no result, on any text."""
    assert html_to_markdown(text) == _old_html_to_markdown(text)


class _StdlibText(HTMLParser):
    """The standard library's reading, which html_to_text replaced: the reference for valid HTML."""

    BREAKS = {"br", "p", "div", "li", "tr", "td", "th"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in self.BREAKS:
            self.parts.append(" ")


def _stdlib_text(html):
    parser = _StdlibText()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


_TEXT = (st.text(alphabet="ab 中\n>\"'=/", max_size=6)
         | st.sampled_from(["&amp;", "&lt;", "&#20013;", "&nbsp;", "a < b"]))
_ATTRIBUTE = st.tuples(st.sampled_from(["title", "class", "data-x"]), st.text(alphabet="ab <>/=&'", max_size=5)).map(
    lambda pair: f' {pair[0]}="{pair[1]}"')


def _element(children):
    tag = st.sampled_from(["p", "div", "li", "td", "b", "span", "a", "em", "TD", "Strong"])
    return st.tuples(tag, st.lists(_ATTRIBUTE, max_size=2), st.lists(children, max_size=3)).map(
        lambda t: f"<{t[0]}{''.join(t[1])}>{''.join(t[2])}</{t[0]}>")


_HTML = st.recursive(
    _TEXT | st.sampled_from(["<br>", "<br/>", "<BR />", "<hr>", "<img src='a>b' alt=x>", "<!-- note -->",
                             "<script>if (a < b) x = '&amp;';</script>", "<style>p > b {}</style>"]),
    _element, max_leaves=12,
)


@settings(max_examples=500)
@given(st.lists(_HTML, max_size=4).map("".join))
def test_html_to_text_reads_well_formed_html_as_the_standard_library_did(html):
    """On well-formed HTML the one-pass reader gives the standard library parser's text."""
    assert html_to_text(html) == _stdlib_text(html)


def test_html_to_text_reads_broken_html_as_a_browser_does():
    """An unclosed tag or comment runs to the end of the text and is dropped."""
    assert html_to_text("Yes <b>really</b> <a title='x") == "Yes really"
    assert html_to_text("Yes<!-- unclosed <p>no") == "Yes"
    assert html_to_text("<script>x</scrip") == ""
    assert html_to_text("a <3 b & c") == "a <3 b & c"


# Numbers beyond a float, numbered keys, file size ---------------------------------------------

@pytest.mark.parametrize("text", [
    "Q{#1e1000000}",
    "Q{#1:1e1000000}",
    "Q{#" + "9" * 400 + "}",
    _xml("<questiontext><text>Q</text></questiontext><answer fraction=\"100\"><text>1e1000000</text></answer>"),
])
def test_a_number_beyond_a_float_is_refused_with_its_line(text):
    """1e1000000 was written out digit by digit, or overflowed Decimal (a 500); now it is refused."""
    parse = moodlexml.parse if text.startswith("<") else gift.parse
    with pytest.raises(FormatError, match=r"^line 1.*is not a number"):
        parse(text)


def test_questions_of_one_title_are_numbered_without_retrying_every_number(db, monkeypatch):
    """The n-th question of one title gets `-n` after a constant number of tries (it took n)."""
    bank = QuestionBank.objects.create(slug="ops", title="Ops")
    tries = []
    fit = importing._fit
    monkeypatch.setattr(importing, "_fit", lambda key: tries.append(key) or fit(key))
    prepared = importing._prepare(bank, gift.parse("::Same::Q{T}\n\n" * 1000).questions, {})
    assert [data["key"] for data, _where, _files in prepared][-2:] == ["ops-same-999", "ops-same-1000"]
    assert len(tries) < 3 * 1000


def test_the_import_command_refuses_a_file_over_the_limit(db, tmp_path):
    path = tmp_path / "big.gift"
    path.write_bytes(b"::A::Fine?{T}\n" + b" " * importing.MAX_FILE_BYTES)
    with pytest.raises(CommandError, match=r"big.gift: the file is larger than 5 MB, the limit for question files"):
        call_command("import_questions", str(path), "--format", "gift", "--bank", "new", "--create-bank")
    assert not QuestionBank.objects.exists()


def test_the_import_form_refuses_a_file_over_the_limit(client, instructor):
    bank = QuestionBank.objects.create(slug="ops", title="Ops")
    client.force_login(instructor)
    upload = SimpleUploadedFile("big.gift", b"::A::Fine?{T}\n" + b" " * importing.MAX_FILE_BYTES)
    with translation.override("en"):
        response = client.post(reverse("quizzes_transfer:import"),
                               {"file": upload, "format": "gift", "bank": bank.pk, "language": "zh-hans"})
    assert response.status_code == 200 and "The file is larger than 5 MB." in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize("text,fmt,message", [
    ("Match{=a -> " + "x" * 501 + " =b -> y}", "gift", "a match is longer than 500 characters"),
    (_xml("<questiontext><text>Q</text></questiontext><answer fraction=\"100\"><text>1</text></answer>"
          f"<units><unit><multiplier>1</multiplier><unit_name>{'m' * 201}</unit_name></unit></units>"),
     "moodlexml", "the units are longer than 200 characters"),
])
def test_a_value_longer_than_its_column_is_refused_with_its_line(db, text, fmt, message):
    """PostgreSQL refused these in the middle of the import (a 500); now the file is refused whole."""
    bank = QuestionBank.objects.create(slug="ops", title="Ops")
    with pytest.raises(FormatError, match=rf"^line 1.*: {message}"):
        importing.import_questions(bank, Locale.objects.get(language_code="zh-hans"), text, fmt)
    assert not Question.objects.exists()
