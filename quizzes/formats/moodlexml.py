"""Moodle XML (docs.moodle.org/en/Moodle_XML_format), read the way Moodle's qformat_xml reads it.

`<quiz>` holds `<question type="…">` elements: multichoice (`<single>`), truefalse,
shortanswer, numerical (`<tolerance>`, `<units>`), matching (`<subquestion>`), the ordering
plugin's `ordering` (answers in order of their `fraction`), `calculated` and `calculatedsimple`
(formulas, tolerance types, display, units, each wildcard's dataset with its fixed items),
`essay` (attachments, template, grader information and our rubric: see moodleessay.py), and
`category`, whose last part becomes a skill of the questions after it. `<name>`, `<idnumber>`
(our key), `<questiontext>` and `<generalfeedback>` (our explanation) with their `format`,
`<defaultgrade>` (points) and `<tags>` (skills) are read for every type.

Uploads are parsed with defusedxml and DTDs are refused outright: Moodle XML needs none, and a
DTD is how external entities and entity expansion ("billion laughs") get in.
"""

import re
from xml.etree.ElementTree import Comment, Element, ParseError, SubElement, TreeBuilder, indent, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ..grading import parse_number
from .common import (
    FormatError,
    ParseResult,
    category_skill,
    export_problem,
    format_number,
    from_moodle,
    percent,
)
from .moodlecalc import calculated_problem, read_calculated, write_calculated
from .moodleessay import read_essay, write_essay
from .xmlparts import (
    Skip,
    feedback_of,
    formatted,
    fraction_of,
    leaf,
    number_at,
    text_at,
    units_of,
    with_text,
    write_answer,
    write_units,
)

SKIP_REASONS = {
    "cloze": "embedded-answer (cloze) questions are not supported",
    "multianswer": "embedded-answer (cloze) questions are not supported",
    "description": "a description is not a question: it has no answers to grade",
    "calculatedmulti": "calculated multiple-choice questions are not supported",
    "ddwtos": "drag-and-drop into text is not supported",
    "gapselect": "select-missing-words questions are not supported",
    "ddimageortext": "drag-and-drop onto an image is not supported",
    "ddmarker": "drag-and-drop markers are not supported",
    "randomsamatch": "random short-answer matching is not supported",
    "random": "random questions are drawn by a quiz, not kept in a bank",
}


class _LineTreeBuilder(TreeBuilder):
    """Remembers the line each element starts on, to name it in errors."""

    def __init__(self):
        super().__init__()
        self.expat = None
        self.lines = {}

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        self.lines[element] = self.expat.CurrentLineNumber
        return element


class _Document:
    def __init__(self, lines):
        self.lines = lines

    def where(self, element):
        kind = f' type="{element.get("type")}"' if element.get("type") else ""
        return f"line {self.lines.get(element, '?')} <{element.tag}{kind}>"


def parse(text):
    root, document = _read(text)
    if root.tag != "quiz":
        raise FormatError(document.where(root), "the root element of a Moodle XML file is <quiz>")
    result, skill = ParseResult(), ""
    for element in root.findall("question"):
        kind = element.get("type", "")
        if kind == "category":
            skill = category_skill(text_at(element, "category/text"))
            continue
        name = text_at(element, "name/text")
        where = document.where(element)
        try:
            data = _question(document, element, kind, skill)
        except Skip as skip:
            result.skipped.append((f"'{name}' ({where})" if name else where, str(skip)))
            continue
        data.update(name=name, where=where)
        result.questions.append(data)
    return result


def _read(text):
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.expat = parser.parser
    try:
        parser.feed(text.lstrip("\ufeff"))
        return parser.close(), _Document(builder.lines)
    except ParseError as error:
        reason = re.sub(r": line \d+, column \d+$", "", str(error))
        raise FormatError(f"line {error.position[0]}", f"not well-formed XML ({reason})") from None
    except DefusedXmlException:
        raise FormatError(
            f"line {parser.parser.CurrentLineNumber}",
            "the file declares a DTD or entities, which are refused (Moodle XML needs neither)",
        ) from None


def _question(document, element, kind, skill):
    reader = _READERS.get(kind)
    if reader is None:
        raise Skip(SKIP_REASONS.get(kind, f"Moodle question type '{kind}' is not supported"))
    stem, stem_format = formatted(element, "questiontext", "html")
    if "@@PLUGINFILE@@" in stem or element.find("questiontext/file") is not None:
        raise Skip("embedded files (images) are not supported")
    explanation, explanation_format = formatted(element, "generalfeedback", stem_format)
    data = {
        "key": text_at(element, "idnumber"),
        "stem": from_moodle(stem, stem_format, plain=False),
        "explanation": from_moodle(explanation, explanation_format, plain=False),
    }
    grade = element.find("defaultgrade")
    if grade is not None and (grade.text or "").strip():
        data["points"] = float(number_at(document, grade, grade.text))
    skills = [text_at(tag, "text")[:100] for tag in element.findall("tags/tag")] + [skill]
    if any(skills):
        data["skills"] = list(dict.fromkeys(s for s in skills if s))
    data.update(reader(document, element, stem_format))
    return data


def _choice_text(answer, text_format):
    return from_moodle(text_at(answer, "text"), answer.get("format", text_format), plain=True)


def _multichoice(document, element, text_format):
    single = element.findtext("single")
    multiple = single is not None and single.strip() in ("false", "0", "")  # Moodle's trans_single
    answers = [{"text": _choice_text(a, text_format), "fraction": fraction_of(document, a),
                "feedback": feedback_of(a, text_format)} for a in element.findall("answer")]
    return {"type": "multiple_response" if multiple else "single_choice", "answers": answers}


def _true_false(document, element, text_format):
    rows = {}
    for index, answer in enumerate(element.findall("answer")):
        text = text_at(answer, "text")
        if text not in ("true", "false"):  # old files: localised texts, true first (as Moodle assumes)
            text = "true" if index == 0 else "false"
        right = number_at(document, answer, answer.get("fraction", "0")) == 100
        rows[text] = {"text": text, "fraction": 1 if right else 0, "feedback": feedback_of(answer, text_format)}
    return {"type": "true_false", "answers": list(rows.values())}


def _short_answer(document, element, text_format):
    answers = [{"text": text_at(a, "text"), "fraction": fraction_of(document, a),
                "feedback": feedback_of(a, text_format)} for a in element.findall("answer")]
    return {"type": "short_text", "answers": answers}


def _numerical(document, element, text_format):
    answers = []
    for answer in element.findall("answer"):
        text, fraction = text_at(answer, "text"), fraction_of(document, answer)
        feedback = feedback_of(answer, text_format)
        if text in ("*", ""):
            if fraction or feedback:
                raise Skip("a catch-all answer ('*') is not supported")
            continue
        tolerance = number_at(document, answer, text_at(answer, "tolerance") or "0")
        if tolerance < 0:
            raise FormatError(document.where(answer), "a tolerance cannot be negative")
        answers.append({"text": format_number(number_at(document, answer, text)), "tolerance": float(tolerance),
                        "fraction": fraction, "feedback": feedback})
    return {"type": "numeric", "answers": answers, "units": units_of(document, element)}


def _matching(document, element, text_format):
    answers = []
    for sub in element.findall("subquestion"):
        item = from_moodle(text_at(sub, "text"), sub.get("format", text_format), plain=True)
        match = text_at(sub, "answer/text")
        if not item and match:
            raise Skip("matching answers without an item (extra distractors) are not supported")
        if item:
            answers.append({"text": item, "match": match})
    return {"type": "matching", "answers": answers}


def _ordering(document, element, text_format):
    """The ordering plugin stores each item's place in the right order as its `fraction`."""
    items = []
    for index, answer in enumerate(element.findall("answer")):
        place = number_at(document, answer, answer.get("fraction", str(index + 1)))
        items.append((place, index, {"text": _choice_text(answer, text_format),
                                     "feedback": feedback_of(answer, text_format)}))
    return {"type": "ordering", "answers": [item for _, _, item in sorted(items, key=lambda i: i[:2])]}


_READERS = {
    "calculated": read_calculated,
    "calculatedsimple": read_calculated,
    "essay": read_essay,
    "multichoice": _multichoice,
    "truefalse": _true_false,
    "shortanswer": _short_answer,
    "numerical": _numerical,
    "matching": _matching,
    "match": _matching,
    "ordering": _ordering,
}


# Export -------------------------------------------------------------------------------------

XML_TYPES = {
    "single_choice": "multichoice", "multiple_response": "multichoice", "true_false": "truefalse",
    "numeric": "numerical", "short_text": "shortanswer", "matching": "matching", "ordering": "ordering",
    "calculated": "calculated", "essay": "essay",
}
def skip_reason(question):
    """Why `question` cannot be written as Moodle XML, or None."""
    if question["type"] == "calculated":
        return calculated_problem(question)
    return export_problem(question)


def export_note(question):
    """What Moodle XML leaves out of a question it writes: nothing of ours (an essay's rubric
    travels in its grader information)."""
    return None


def dump(questions):
    """Moodle XML for question data; a question Moodle would refuse becomes a `Skipped` comment."""
    quiz = Element("quiz")
    quiz.append(Comment(" Ops Academy question export, Moodle XML format "))
    for question in questions:
        reason = skip_reason(question)
        if reason:
            quiz.append(Comment(f" Skipped {question['key']}: {reason} "))
        else:
            quiz.append(_question_element(question))
    indent(quiz)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + tostring(quiz, encoding="unicode", short_empty_elements=False) + "\n"
    )


def _question_element(question):
    element = Element("question", type=XML_TYPES[question["type"]])
    with_text(element, "name", question["key"])
    with_text(element, "questiontext", question["stem"], format="markdown")
    with_text(element, "generalfeedback", question["explanation"], format="markdown")
    leaf(element, "defaultgrade", format_number(question["points"]))
    leaf(element, "penalty", "0" if question["type"] == "essay" else "0.3333333")  # an essay is graded once
    leaf(element, "hidden", "0")
    leaf(element, "idnumber", question["key"])
    _WRITERS[question["type"]](element, question)
    if question.get("skills"):
        tags = SubElement(element, "tags")
        for skill in question["skills"]:
            with_text(tags, "tag", skill)
    return element


def _write_choices(element, question):
    leaf(element, "single", "true" if question["type"] == "single_choice" else "false")
    leaf(element, "shuffleanswers", "true")
    leaf(element, "answernumbering", "abc")
    for answer in question["answers"]:
        write_answer(element, answer, percent(answer["fraction"]))


def _write_true_false(element, question):
    for answer in question["answers"]:
        write_answer(element, {**answer, "text": answer["text"].strip().lower()}, percent(answer["fraction"]))


def _write_short_answer(element, question):
    leaf(element, "usecase", "0")  # our short answers ignore case
    for answer in question["answers"]:
        write_answer(element, answer, percent(answer["fraction"]))


def _write_numerical(element, question):
    for answer in question["answers"]:
        value = {**answer, "text": format_number(parse_number(answer["text"]))}
        tolerance = format_number(answer["tolerance"] or 0)
        write_answer(element, value, percent(answer["fraction"]), lambda e, t=tolerance: leaf(e, "tolerance", t))
    units = [u.strip() for u in question["units"].split(",") if u.strip()]
    write_units(element, units)
    leaf(element, "unitgradingtype", "0")  # UNITOPTIONAL: a unit is accepted, never required
    leaf(element, "unitpenalty", "0")
    leaf(element, "showunits", "0" if units else "3")  # qtype_numerical UNITINPUT / UNITNONE
    leaf(element, "unitsleft", "0")


def _write_matching(element, question):
    leaf(element, "shuffleanswers", "true")
    for answer in question["answers"]:
        sub = with_text(element, "subquestion", answer["text"], format="plain_text")
        with_text(sub, "answer", answer["match"])


def _write_ordering(element, question):
    for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", "0"),
                       ("gradingtype", "ABSOLUTE_POSITION"), ("numberingstyle", "none")):
        leaf(element, tag, value)
    for place, answer in enumerate(question["answers"], 1):
        write_answer(element, answer, str(place))


_WRITERS = {
    "calculated": write_calculated,
    "essay": write_essay,
    "single_choice": _write_choices,
    "multiple_response": _write_choices,
    "true_false": _write_true_false,
    "short_text": _write_short_answer,
    "numeric": _write_numerical,
    "matching": _write_matching,
    "ordering": _write_ordering,
}
