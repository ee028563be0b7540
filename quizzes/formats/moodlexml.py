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

import base64
import re
from urllib.parse import quote
from xml.etree.ElementTree import Comment, Element, ParseError, SubElement, TreeBuilder, indent, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.utils.translation import gettext, gettext_lazy

from ..grading import ANY_ANSWER, parse_number
from .common import (
    FormatError,
    ParseResult,
    at_line,
    category_skill,
    check_right_sum,
    export_problem,
    format_number,
    from_moodle,
    named,
    percent,
)
from .moodlecalc import calculated_problem, read_calculated, write_calculated
from .moodleessay import read_essay, write_essay
from .moodlefiles import PLUGINFILE, embedded, files_for, old_image, referenced
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
    "cloze": gettext_lazy("embedded-answer (cloze) questions are not supported"),
    "multianswer": gettext_lazy("embedded-answer (cloze) questions are not supported"),
    "description": gettext_lazy("a description is not a question: it has no answers to grade"),
    "calculatedmulti": gettext_lazy("calculated multiple-choice questions are not supported"),
    "ddwtos": gettext_lazy("drag-and-drop into text is not supported"),
    "gapselect": gettext_lazy("select-missing-words questions are not supported"),
    "ddimageortext": gettext_lazy("drag-and-drop onto an image is not supported"),
    "ddmarker": gettext_lazy("drag-and-drop markers are not supported"),
    "randomsamatch": gettext_lazy("random short-answer matching is not supported"),
    "random": gettext_lazy("random questions are drawn by a quiz, not kept in a bank"),
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
        return at_line(self.lines.get(element, "?"), f"{element.tag}{kind}")


def parse(text):
    root, document = _read(text)
    if root.tag != "quiz":
        raise FormatError(document.where(root), gettext("the root element of a Moodle XML file is <quiz>"))
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
            result.skipped.append((named(name, where), str(skip)))
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
        message = gettext("not well-formed XML (%(reason)s)") % {"reason": reason}
        raise FormatError(at_line(error.position[0]), message) from None
    except DefusedXmlException:
        raise FormatError(
            at_line(parser.parser.CurrentLineNumber),
            gettext("the file declares a DTD or entities, which are refused (Moodle XML needs neither)"),
        ) from None


def _question(document, element, kind, skill):
    reader = _READERS.get(kind)
    if reader is None:
        raise Skip(str(SKIP_REASONS.get(kind) or gettext("Moodle question type '%(type)s' is not supported")
                       % {"type": kind}))
    stem, stem_format = formatted(element, "questiontext", "html")
    explanation, explanation_format = formatted(element, "generalfeedback", stem_format)
    stem = from_moodle(stem, stem_format, plain=False)
    available = embedded(element, ("questiontext", "generalfeedback"))
    image = old_image(element)
    if image is not None:  # as Moodle imports it: shown after the question's text
        available[image[0]] = image[1]
        stem += f"\n\n![]({PLUGINFILE}{quote(image[0])})"
    data = {
        "key": text_at(element, "idnumber"),
        "stem": stem,
        "explanation": from_moodle(explanation, explanation_format, plain=False),
    }
    elsewhere = [t.text or "" for tag in ("answer", "subquestion") for part in element.findall(tag)
                 for t in part.iter("text")]  # answers, matching items and their feedback
    files = files_for([data["stem"], data["explanation"]], available, elsewhere)
    if files:
        data["files"] = files
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
    if multiple:
        check_right_sum(answers)
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
        if text in (ANY_ANSWER, ""):  # Moodle's "any other answer"; without a grade or feedback it says nothing
            if fraction or feedback:
                answers.append({"text": ANY_ANSWER, "tolerance": 0.0, "fraction": fraction, "feedback": feedback})
            continue
        tolerance = number_at(document, answer, text_at(answer, "tolerance") or "0")
        if tolerance < 0:
            raise FormatError(document.where(answer), gettext("a tolerance cannot be negative"))
        answers.append({"text": format_number(number_at(document, answer, text)), "tolerance": float(tolerance),
                        "fraction": fraction, "feedback": feedback})
    return {"type": "numeric", "answers": answers, "units": units_of(document, element)}


def _matching(document, element, text_format):
    answers = []
    for sub in element.findall("subquestion"):
        item = from_moodle(text_at(sub, "text"), sub.get("format", text_format), plain=True)
        match = text_at(sub, "answer/text")
        if item or match:  # a match without an item is a distractor, one more to choose from
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
    with_text(element, "name", question.get("name") or question["key"])
    files = question.get("files") or {}
    for tag, text in (("questiontext", question["stem"]), ("generalfeedback", question["explanation"])):
        part = with_text(element, tag, text, format="markdown")
        for name in sorted(referenced(text) & set(files)):
            SubElement(part, "file", name=name, path="/", encoding="base64").text = base64.b64encode(
                files[name]).decode()
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
        any_other = answer["text"].strip() == ANY_ANSWER
        value = {**answer, "text": ANY_ANSWER if any_other else format_number(parse_number(answer["text"]))}
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
