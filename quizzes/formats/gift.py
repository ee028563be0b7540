"""GIFT, Moodle's plain-text question format (docs.moodle.org/en/GIFT_format), read the way
Moodle's qformat_gift reads it.

Questions are separated by blank lines; `//` lines are comments, and in them `[id:…]` and
`[tag:…]` carry the question's id number and tags (as Moodle exports them). `::title::` names
a question, `[html]`/`[markdown]`/`[plain]`/`[moodle]` gives a text's format, `{…}` holds the
answers: `=right ~wrong ~%50%partial #feedback`, `{T}`/`{FALSE}`, `{=a =b}` (short answer),
`{#3.14:0.01}` and `{#1..5}` (numerical), `{=item -> match}` (matching), `{}` (an essay,
graded by a person: GIFT holds none of its settings or rubric), `####general feedback`.
`\\` escapes `~ = # { } :` and `\\n` is a new line. `$CATEGORY:` sets the category, which
becomes a skill of the questions after it.

Stricter than Moodle where Moodle silently guesses: a stray or unclosed brace, an unclosed
title and a grade outside Moodle's list are errors naming their line.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext

from ..grading import ANY_ANSWER, parse_number
from .common import (
    DESCRIPTION,
    NOT_A_NUMBER,
    FormatError,
    ParseResult,
    Skip,
    at_line,
    category_skill,
    check_percent,
    check_right_sum,
    export_problem,
    format_number,
    from_moodle,
    named,
    parse_decimal,
    percent,
)
from .moodlefiles import files_for

# Escaped characters become private-use placeholders while the structure is read.
_PLACEHOLDER = {"\\": "\ue000", ":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004",
                "}": "\ue005", "~": "\ue006", "n": "\ue007"}
_ESCAPED = re.compile(r"\\([\\:#={}~n])")
_LITERAL = str.maketrans({p: ("\n" if c == "n" else c) for c, p in _PLACEHOLDER.items()})
_TEXT_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d*)?)%")
_ID = re.compile(r"\[id:((?:\\\]|[^\]])+)\]")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]])+)\]")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


_Skip = Skip  # a well-formed question of a kind we cannot represent


@dataclass
class _Block:
    first_line: int
    text: str  # escapes replaced by placeholders; comment lines blanked so lines still count
    comments: str

    @cached_property
    def _newlines(self):
        return [match.start() for match in re.finditer("\n", self.text)]

    def where(self, offset):
        """The line of `offset`; a search, not a count, as a block may hold thousands of answers."""
        return at_line(self.first_line + bisect_left(self._newlines, offset))


def parse(text):
    result = ParseResult()
    skill = ""
    for block in _blocks(text):
        if not block.text.strip():  # only comments
            continue
        start = len(block.text) - len(block.text.lstrip())
        if block.text.startswith("$CATEGORY:", start):
            skill = category_skill(_unescape(block.text[start + len("$CATEGORY:"):]))
            continue
        name, body_start = _title(block, start)
        try:
            data = _question(block, body_start)
        except _Skip as skip:
            where = block.where(start)
            result.skipped.append((named(name, where), str(skip)))
            continue
        data.update(name=name, where=block.where(start), **_id_and_skills(block.comments, skill))
        result.questions.append(data)
    return result


def _blocks(text):
    lines = []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        line = line.strip()
        if line:
            lines.append((number, line))
        elif lines:
            yield _block(lines)
            lines = []
    if lines:
        yield _block(lines)


def _block(lines):
    comments = "\n".join(line for _, line in lines if line.startswith("//"))
    text = "\n".join("" if line.startswith("//") else line for _, line in lines)
    return _Block(lines[0][0], _escape(text), comments)


def _escape(text):
    return _ESCAPED.sub(lambda match: _PLACEHOLDER[match[1]], text)


def _unescape(text):
    return text.translate(_LITERAL)


def _title(block, start):
    if not block.text.startswith("::", start):
        return "", start
    end = block.text.find("::", start + 2)
    if end < 0:
        raise FormatError(block.where(start), gettext("the title opened with '::' is never closed with '::'"))
    return _unescape(block.text[start + 2:end]).strip(), end + 2


def _id_and_skills(comments, skill):
    # Both patterns end in ']': past the last one nothing matches, and a search from each
    # '[id:' there would read to the end of the comments, quadratic in their length.
    comments = comments[:comments.rfind("]") + 1]
    found = _ID.search(comments)
    skills = [t.replace("\\]", "]").strip()[:100] for t in _TAG.findall(comments)]
    skills = list(dict.fromkeys(s for s in skills + [skill] if s))
    data = {"key": found.group(1).replace("\\]", "]").strip() if found else ""}
    if skills:
        data["skills"] = skills
    return data


def _question(block, body_start):
    text = block.text
    if not block.text[body_start:].strip():
        raise _Skip(gettext("no question text"))
    opens = [match.start() for match in re.compile("{").finditer(text, body_start)]
    closes = [match.start() for match in re.compile("}").finditer(text, body_start)]
    if not opens and not closes:
        raise _Skip(DESCRIPTION())
    _check_braces(block, opens, closes)
    start, end = opens[0], closes[0]
    stem = text[body_start:start]
    if text[end + 1:].strip():  # answers inside the sentence: Moodle's "missing word" blank
        stem += "_____" + text[end + 1:]
    answers, explanation = text[start + 1:end], ""
    if "####" in answers:
        cut = answers.rfind("####")
        answers, explanation = answers[:cut], answers[cut + 4:]
    stem_format, stem = _text_format(stem.strip(), "moodle")
    explanation_format, explanation = _text_format(explanation.strip(), stem_format)
    kind, parsed = _answers(block, answers, start + 1, stem_format)
    # Moodle's GIFT export writes an image as @@PLUGINFILE@@/name and leaves the file behind.
    files_for([_unescape(stem), _unescape(explanation)], {}, [a.get("text", "") for a in parsed])
    return {
        "type": kind,
        "stem": from_moodle(_unescape(stem), stem_format, plain=False),
        "explanation": from_moodle(_unescape(explanation), explanation_format, plain=False),
        "answers": parsed,
    }


def _check_braces(block, opens, closes):
    hint = {"hint": gettext("write a literal brace as \\{ or \\}")}
    if not closes:
        raise FormatError(block.where(opens[0]),
                          gettext("'{' opens the answers but no '}' closes them (%(hint)s)") % hint)
    if not opens or closes[0] < opens[0]:
        raise FormatError(block.where(closes[0]), gettext("'}' closes answers that no '{' opened (%(hint)s)") % hint)
    if len(opens) > 1 or len(closes) > 1:
        extra = opens[1] if len(opens) > 1 else closes[1]
        raise FormatError(block.where(extra), gettext("a question has one answer block in braces (%(hint)s)") % hint)


def _text_format(text, default):
    match = _TEXT_FORMAT.match(text)
    if match:
        return match.group(1), text[match.end():].strip()
    return default, text


def _answers(block, text, base, text_format):
    """The question type and its answers, decided as Moodle decides it."""
    lead = len(text) - len(text.lstrip())
    answers, base = text.strip(), base + lead
    if not answers:
        return "essay", []
    if answers.startswith("#"):
        return "numeric", _numerical(block, answers[1:], base + 1)
    if answers.startswith(">"):
        raise _Skip(gettext("the ordering plugin's GIFT syntax is not supported: import ordering questions as "
                            "Moodle XML"))
    if "~" in answers:
        kind = "single_choice" if "=" in answers else "multiple_response"
        parsed = _multichoice(block, answers, base, text_format)
        if kind == "multiple_response":
            check_right_sum(parsed)
        return kind, parsed
    if "=" in answers and "->" in answers:
        return "matching", _matching(block, answers, base, text_format)
    if answers.split("#", 1)[0].strip() in _TRUE_FALSE:
        return "true_false", _true_false(answers, text_format)
    return "short_text", _short_answer(block, answers, base, text_format)


def _chunks(text, base, markers):
    """(offset of its marker, marker, text) for each answer; a blank lead before the first marker is dropped."""
    pieces, start, marker = [], 0, ""
    for match in re.finditer(f"[{markers}]", text):
        pieces.append((base + max(start - 1, 0), marker, text[start:match.start()]))
        start, marker = match.end(), match[0]
    pieces.append((base + max(start - 1, 0), marker, text[start:]))
    return pieces if pieces[0][2].strip() else pieces[1:]


def _weight(block, offset, chunk, default):
    match = _WEIGHT.match(chunk.strip())
    if not match:
        return default, chunk
    return check_percent(match.group(1), block.where(offset)), chunk.strip()[match.end():]


def _plain(text, text_format):
    """An answer or feedback: its own [format] prefix, else the question's; as plain text."""
    text_format, text = _text_format(text.strip(), text_format)
    return from_moodle(_unescape(text), text_format, plain=True)


def _multichoice(block, text, base, text_format):
    answers = []
    for offset, marker, chunk in _chunks(text, base, "~="):
        # As in Moodle, '=' is the 100% answer and takes no weight; '~' may carry one.
        fraction, chunk = (1.0, chunk) if marker == "=" else _weight(block, offset, chunk, 0.0)
        answer, _, feedback = chunk.partition("#")
        answers.append({"text": _plain(answer, text_format), "fraction": fraction,
                        "feedback": _plain(feedback, text_format)})
    return answers


def _matching(block, text, base, text_format):
    answers = []
    for offset, _marker, chunk in _chunks(text, base, "="):
        item, arrow, match = chunk.partition("->")
        if not arrow:
            raise FormatError(block.where(offset), gettext("each matching answer is written '=item -> match'"))
        # An item left empty ('= -> Chat') makes its match a distractor, as in Moodle.
        answers.append({"text": _plain(item, text_format), "match": _unescape(match).strip()})
    return answers


def _true_false(text, text_format):
    parts = text.split("#", 2) + ["", ""]
    right = _TRUE_FALSE[parts[0].strip()]
    wrong_feedback, right_feedback = _plain(parts[1], text_format), _plain(parts[2], text_format)
    return [
        {"text": "true", "fraction": 1 if right else 0, "feedback": right_feedback if right else wrong_feedback},
        {"text": "false", "fraction": 0 if right else 1, "feedback": wrong_feedback if right else right_feedback},
    ]


def _short_answer(block, text, base, text_format):
    answers = []
    for offset, _marker, chunk in _chunks(text, base, "="):
        fraction, chunk = _weight(block, offset, chunk, 1.0)
        answer, _, feedback = chunk.partition("#")
        answers.append({"text": _unescape(answer).strip(), "fraction": fraction,
                        "feedback": _plain(feedback, text_format)})
    return answers


def _numerical(block, text, base):
    text, tilde, other = text.partition("~")
    answers = []
    for offset, _marker, chunk in _chunks(text, base, "="):
        fraction, chunk = _weight(block, offset, chunk, 1.0)
        value, _, feedback = chunk.partition("#")
        number, tolerance = _number_and_tolerance(_unescape(value).strip(), block.where(offset))
        answers.append({"text": number, "tolerance": tolerance, "fraction": fraction,
                        "feedback": _plain(feedback, "moodle")})
    other_feedback = _plain(other.partition("#")[2], "moodle") if tilde else ""
    if other_feedback:  # '~#…': feedback for any other answer, which Moodle keeps as a '*' answer
        answers.append({"text": ANY_ANSWER, "tolerance": 0.0, "fraction": 0.0, "feedback": other_feedback})
    if not any(a["text"] != ANY_ANSWER for a in answers):
        raise FormatError(block.where(base), gettext("a numerical question needs an answer after '#'"))
    return answers


def _number_and_tolerance(value, where):
    """'3.14:0.01' → value and margin; '1..5' → its midpoint and half its width (as Moodle)."""
    if value == ANY_ANSWER:
        return ANY_ANSWER, 0.0
    if value.find("..") > 0:
        low, high = _decimal(value[:value.find("..")], where), _decimal(value[value.find("..") + 2:], where)
        if high < low:
            raise FormatError(where, gettext("the range %(range)s runs backwards: write the lower end first")
                              % {"range": value})
        middle = (low + high) / 2
        return format_number(middle), float(high - middle)
    if value.find(":") > 0:
        number, _, tolerance = value.partition(":")
        number, tolerance = _decimal(number, where), _decimal(tolerance, where)
        if tolerance < 0:
            raise FormatError(where, gettext("a tolerance cannot be negative"))
        return format_number(number), float(tolerance)
    return format_number(_decimal(value, where)), 0.0


def _decimal(text, where):
    number = parse_decimal(text)
    if number is None:
        raise FormatError(where, NOT_A_NUMBER() % {"text": text.strip()})
    return number


# Export -------------------------------------------------------------------------------------

def skip_reason(question):
    """Why `question` cannot be written as GIFT, or None."""
    if question["type"] == "ordering":
        return gettext("GIFT cannot express ordering questions (export the bank as Moodle XML to keep them)")
    if question["type"] == "calculated":
        return gettext("GIFT has no syntax for calculated questions (their wildcards and datasets)")
    if question["type"] == "sql":
        return gettext("SQL labs have no GIFT form")
    if question["type"] == "matching" and any("->" in a["text"] for a in question["answers"]):
        return gettext("a matching item contains '->', which GIFT cannot escape")
    return export_problem(question)


_IMAGE = re.compile(r"<img\b|!\[[^\]]*+\]\(", re.I)


def export_note(question):
    """What GIFT leaves out of a question it does write, or None."""
    if _IMAGE.search(question["stem"] + question["explanation"]):
        return gettext("its images stay links to this site: GIFT cannot hold files (export the bank as Moodle XML "
                       "to include them)")
    if question["type"] == "essay":
        return gettext("GIFT writes an essay as its text only ({}): its rubric, attachments, template and grader "
                       "information are left out (export the bank as Moodle XML to keep them)")
    return None


def dump(questions):
    """GIFT for question data; a question GIFT cannot hold becomes a `// Skipped` comment, and
    what it leaves out of one it writes a `// Note` comment."""
    parts = ["// Ops Academy question export, GIFT format\n"]
    for question in questions:
        reason = skip_reason(question)
        if reason:
            parts.append(f"// Skipped {question['key']}: {reason}\n")
        else:
            parts.append(_write(question))
    return "\n".join(parts)


def _write(question):
    note = export_note(question)
    lines = [f"// Note: {note}"] if note else []
    lines.append(f"// [id:{_bracketed(question['key'])}]")
    lines += [f"// [tag:{_bracketed(skill)}]" for skill in question.get("skills") or []]
    head = f"::{_escaped(question.get('name') or question['key'])}::[markdown]{_escaped(question['stem'])}"
    explanation = f"####{_escaped(question['explanation'])}" if question["explanation"] else ""
    if question["type"] == "essay":  # as Moodle writes one: the text, then {} around any general feedback
        lines.append(f"{head}{{{explanation}}}")
    elif question["type"] == "true_false":
        lines.append(f"{head}{{{_true_false_answer(question['answers'])}{explanation}}}")
    else:
        body = [f"\t{line}" for line in _ANSWER_WRITERS[question["type"]](question["answers"])]
        opening = head + ("{#" if question["type"] == "numeric" else "{")
        lines.append("\n".join([opening, *body, *([f"\t{explanation}"] if explanation else []), "}"]))
    return "\n".join(lines) + "\n"


def _escaped(text):
    for char in "\\#=~{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _bracketed(text):
    return text.replace("]", "\\]").replace("\n", " ")


def _with_feedback(text, feedback):
    return text + (f"#{_escaped(feedback)}" if feedback else "")


def _choices(answers, *, single):
    for a in answers:
        if single and a["fraction"] == 1:
            marker = "="
        elif a["fraction"] == 0 and not _WEIGHT.match(a["text"]):
            marker = "~"
        else:
            marker = f"~%{percent(a['fraction'])}%"
        yield _with_feedback(marker + _escaped(a["text"]), a["feedback"])


def _true_false_answer(answers):
    right = next(a for a in answers if a["fraction"] == 1)
    wrong = next(a for a in answers if a is not right)
    text = "TRUE" if right["text"].strip().lower() == "true" else "FALSE"
    if wrong["feedback"] or right["feedback"]:
        text += f"#{_escaped(wrong['feedback'])}"
    if right["feedback"]:
        text += f"#{_escaped(right['feedback'])}"
    return text


def _numbers(answers):
    for a in answers:
        if a["text"].strip() == ANY_ANSWER:  # as Moodle writes it: '~#feedback' when it earns nothing
            yield f"~#{_escaped(a['feedback'])}" if a["fraction"] == 0 else _with_feedback(
                f"=%{percent(a['fraction'])}%{ANY_ANSWER}", a["feedback"])
            continue
        value = format_number(parse_number(a["text"]))
        tolerance = format_number(a["tolerance"] or 0)
        yield _with_feedback(f"=%{percent(a['fraction'])}%{value}:{tolerance}", a["feedback"])


_ANSWER_WRITERS = {
    "single_choice": lambda answers: _choices(answers, single=True),
    "multiple_response": lambda answers: _choices(answers, single=False),
    "short_text": lambda answers: (_with_feedback(f"=%{percent(a['fraction'])}%{_escaped(a['text'])}", a["feedback"])
                                   for a in answers),
    "numeric": _numbers,
    "matching": lambda answers: (f"={_escaped(a['text'])} -> {_escaped(a['match'])}" for a in answers),
}
