"""Moodle XML (docs.moodle.org/en/Moodle_XML_format), read the way Moodle's qformat_xml reads it.

`<quiz>` holds `<question type="…">` elements: multichoice (`<single>`), truefalse,
shortanswer, numerical (`<tolerance>`, `<units>`), matching (`<subquestion>`), the ordering
plugin's `ordering` (answers in order of their `fraction`), `calculated` and `calculatedsimple`
(formulas, tolerance types, display, units, each wildcard's dataset with its fixed items), and
`category`, whose last part becomes a skill of the questions after it. `<name>`, `<idnumber>`
(our key), `<questiontext>` and `<generalfeedback>` (our explanation) with their `format`,
`<defaultgrade>` (points) and `<tags>` (skills) are read for every type.

Uploads are parsed with defusedxml and DTDs are refused outright: Moodle XML needs none, and a
DTD is how external entities and entity expansion ("billion laughs") get in.
"""

import random
import re
from xml.etree.ElementTree import Comment, Element, ParseError, SubElement, TreeBuilder, indent, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from ..calculation import DEFAULT_TOLERANCE, calculation_errors, datasets_of, display_of
from ..formulas import draw, format_answer
from ..grading import parse_number
from .common import (
    FormatError,
    ParseResult,
    category_skill,
    check_percent,
    export_problem,
    format_number,
    from_moodle,
    moodle_grade,
    parse_decimal,
    percent,
)

SKIP_REASONS = {
    "essay": "essay questions need a person to grade them",
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


class _Skip(Exception):
    """A well-formed question of a kind we cannot represent."""


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
            skill = category_skill(_text(element, "category/text"))
            continue
        name = _text(element, "name/text")
        where = document.where(element)
        try:
            data = _question(document, element, kind, skill)
        except _Skip as skip:
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


def _text(element, path):
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _formatted(element, tag, default_format):
    found = element.find(tag)
    if found is None:
        return "", default_format
    return _text(found, "text"), found.get("format", default_format)


def _question(document, element, kind, skill):
    reader = _READERS.get(kind)
    if reader is None:
        raise _Skip(SKIP_REASONS.get(kind, f"Moodle question type '{kind}' is not supported"))
    stem, stem_format = _formatted(element, "questiontext", "html")
    if "@@PLUGINFILE@@" in stem or element.find("questiontext/file") is not None:
        raise _Skip("embedded files (images) are not supported")
    explanation, explanation_format = _formatted(element, "generalfeedback", stem_format)
    data = {
        "key": _text(element, "idnumber"),
        "stem": from_moodle(stem, stem_format, plain=False),
        "explanation": from_moodle(explanation, explanation_format, plain=False),
    }
    grade = element.find("defaultgrade")
    if grade is not None and (grade.text or "").strip():
        data["points"] = float(_number(document, grade, grade.text))
    skills = [_text(tag, "text")[:100] for tag in element.findall("tags/tag")] + [skill]
    if any(skills):
        data["skills"] = list(dict.fromkeys(s for s in skills if s))
    data.update(reader(document, element, stem_format))
    return data


def _number(document, element, text):
    number = parse_decimal(text)
    if number is None:
        raise FormatError(document.where(element), f"'{str(text).strip()}' is not a number")
    return number


def _fraction(document, answer):
    return check_percent(answer.get("fraction", "0"), document.where(answer))


def _feedback(answer, text_format):
    feedback, feedback_format = _formatted(answer, "feedback", text_format)
    return from_moodle(feedback, feedback_format, plain=True)


def _choice_text(answer, text_format):
    return from_moodle(_text(answer, "text"), answer.get("format", text_format), plain=True)


def _multichoice(document, element, text_format):
    single = element.findtext("single")
    multiple = single is not None and single.strip() in ("false", "0", "")  # Moodle's trans_single
    answers = [{"text": _choice_text(a, text_format), "fraction": _fraction(document, a),
                "feedback": _feedback(a, text_format)} for a in element.findall("answer")]
    return {"type": "multiple_response" if multiple else "single_choice", "answers": answers}


def _true_false(document, element, text_format):
    rows = {}
    for index, answer in enumerate(element.findall("answer")):
        text = _text(answer, "text")
        if text not in ("true", "false"):  # old files: localised texts, true first (as Moodle assumes)
            text = "true" if index == 0 else "false"
        right = _number(document, answer, answer.get("fraction", "0")) == 100
        rows[text] = {"text": text, "fraction": 1 if right else 0, "feedback": _feedback(answer, text_format)}
    return {"type": "true_false", "answers": list(rows.values())}


def _short_answer(document, element, text_format):
    answers = [{"text": _text(a, "text"), "fraction": _fraction(document, a),
                "feedback": _feedback(a, text_format)} for a in element.findall("answer")]
    return {"type": "short_text", "answers": answers}


def _numerical(document, element, text_format):
    answers = []
    for answer in element.findall("answer"):
        text, fraction, feedback = _text(answer, "text"), _fraction(document, answer), _feedback(answer, text_format)
        if text in ("*", ""):
            if fraction or feedback:
                raise _Skip("a catch-all answer ('*') is not supported")
            continue
        tolerance = _number(document, answer, _text(answer, "tolerance") or "0")
        if tolerance < 0:
            raise FormatError(document.where(answer), "a tolerance cannot be negative")
        answers.append({"text": format_number(_number(document, answer, text)), "tolerance": float(tolerance),
                        "fraction": fraction, "feedback": feedback})
    return {"type": "numeric", "answers": answers, "units": _units(document, element)}


def _matching(document, element, text_format):
    answers = []
    for sub in element.findall("subquestion"):
        item = from_moodle(_text(sub, "text"), sub.get("format", text_format), plain=True)
        match = _text(sub, "answer/text")
        if not item and match:
            raise _Skip("matching answers without an item (extra distractors) are not supported")
        if item:
            answers.append({"text": item, "match": match})
    return {"type": "matching", "answers": answers}


def _ordering(document, element, text_format):
    """The ordering plugin stores each item's place in the right order as its `fraction`."""
    items = []
    for index, answer in enumerate(element.findall("answer")):
        place = _number(document, answer, answer.get("fraction", str(index + 1)))
        items.append((place, index, {"text": _choice_text(answer, text_format),
                                     "feedback": _feedback(answer, text_format)}))
    return {"type": "ordering", "answers": [item for _, _, item in sorted(items, key=lambda i: i[:2])]}


# Moodle's tolerancetype and correctanswerformat codes (qtype_numerical, qtype_calculated).
TOLERANCE_TYPES = {"1": "relative", "2": "nominal", "3": "geometric"}
ANSWER_FORMATS = {"1": "decimals", "2": "sigfigs"}


def _calculated(document, element, text_format):
    """`calculated` and `calculatedsimple` (read alike, as Moodle's import_calculated does).

    Moodle formulas use PHP's operators, where `^` is bitwise xor and power is `pow(x, y)`; here
    `^` is power, so a formula with `^` is skipped rather than read with another meaning. A
    question whose formulas break on its datasets is skipped with the authoring check's reason.
    """
    answers, display = [], None
    for answer in element.findall("answer"):
        formula = _text(answer, "text")
        if "^" in formula:
            raise _Skip(f"the formula '{formula}' uses '^', which is xor in Moodle but power here: "
                        "write pow(x, y) for a power")
        tolerance = _number(document, answer, _text(answer, "tolerance") or "0")
        kind = TOLERANCE_TYPES.get(_text(answer, "tolerancetype") or "1")
        if kind is None:
            raise FormatError(document.where(answer), "tolerancetype is 1 (relative), 2 (nominal) or 3 (geometric)")
        row = {"text": formula, "fraction": _fraction(document, answer), "tolerance": float(tolerance),
               "match": kind, "feedback": _feedback(answer, text_format)}
        # Moodle shows each answer its own way; our display is per question: the first fully right
        # answer's, which is the one Moodle shows as "the correct answer".
        if display is None and row["fraction"] == 1:
            display = _display(document, answer)
        answers.append(row)
    definitions = element.findall("dataset_definitions/dataset_definition")
    calculation = {"datasets": [_dataset(document, d) for d in definitions],
                   "display": display or {"format": "decimals", "length": 2}}
    errors = calculation_errors(calculation, answers)
    if errors:
        raise _Skip("; ".join(errors))
    # <unitpenalty> has no counterpart: our units are optional and never cost points.
    return {"type": "calculated", "answers": answers, "calculation": calculation, "units": _units(document, element)}


def _display(document, answer):
    fmt = ANSWER_FORMATS.get(_text(answer, "correctanswerformat") or "1")
    length = _number(document, answer, _text(answer, "correctanswerlength") or "2")
    if fmt is None or length != int(length):
        raise FormatError(document.where(answer),
                          "correctanswerformat is 1 or 2 and correctanswerlength a whole number")
    return {"format": fmt, "length": int(length)}


def _dataset(document, definition):
    """A `<dataset_definition>`: its range, and the fixed items Moodle exported, in their order."""
    def number(tag):
        return float(_number(document, definition, _text(definition, f"{tag}/text") or "0"))

    dataset = {"name": _text(definition, "name/text"), "min": number("minimum"), "max": number("maximum"),
               "decimals": int(number("decimals")), "distribution": _text(definition, "distribution/text") or "uniform"}
    items = sorted(
        (float(_number(document, item, _text(item, "number") or "0")),
         float(_number(document, item, _text(item, "value"))))
        for item in definition.findall("dataset_items/dataset_item")
    )
    if items:
        dataset["items"] = [value for _, value in items]
    return dataset


def _units(document, element):
    units = []
    for unit in element.findall("units/unit"):
        if _number(document, unit, _text(unit, "multiplier") or "1") != 1:
            raise _Skip("units with a multiplier other than 1 are not supported")
        units.append(_text(unit, "unit_name"))
    return ", ".join(u for u in units if u)


_READERS = {
    "calculated": _calculated,
    "calculatedsimple": _calculated,
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
    "calculated": "calculated",
}
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def skip_reason(question):
    """Why `question` cannot be written as Moodle XML, or None."""
    if question["type"] == "calculated":
        for answer in question["answers"]:
            if "^" in answer["text"] or "**" in answer["text"]:
                return (f"the formula '{answer['text']}' uses a power operator, which Moodle reads as "
                        "something else: write pow(x, y)")
            if moodle_grade(answer["fraction"]) is None:
                return f"fraction {answer['fraction']} is not a grade Moodle accepts"
    return export_problem(question)


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


def _with_text(parent, tag, text, **attributes):
    element = SubElement(parent, tag, attributes)
    SubElement(element, "text").text = _INVALID_XML.sub("", text)
    return element


def _leaf(parent, tag, text):
    SubElement(parent, tag).text = text


def _question_element(question):
    element = Element("question", type=XML_TYPES[question["type"]])
    _with_text(element, "name", question["key"])
    _with_text(element, "questiontext", question["stem"], format="markdown")
    _with_text(element, "generalfeedback", question["explanation"], format="markdown")
    _leaf(element, "defaultgrade", format_number(question["points"]))
    _leaf(element, "penalty", "0.3333333")
    _leaf(element, "hidden", "0")
    _leaf(element, "idnumber", question["key"])
    _WRITERS[question["type"]](element, question)
    if question.get("skills"):
        tags = SubElement(element, "tags")
        for skill in question["skills"]:
            _with_text(tags, "tag", skill)
    return element


def _answer(parent, answer, fraction, extra=None):
    element = _with_text(parent, "answer", answer["text"], fraction=fraction, format="plain_text")
    if extra:
        extra(element)
    _with_text(element, "feedback", answer["feedback"], format="plain_text")


def _write_choices(element, question):
    _leaf(element, "single", "true" if question["type"] == "single_choice" else "false")
    _leaf(element, "shuffleanswers", "true")
    _leaf(element, "answernumbering", "abc")
    for answer in question["answers"]:
        _answer(element, answer, percent(answer["fraction"]))


def _write_true_false(element, question):
    for answer in question["answers"]:
        _answer(element, {**answer, "text": answer["text"].strip().lower()}, percent(answer["fraction"]))


def _write_short_answer(element, question):
    _leaf(element, "usecase", "0")  # our short answers ignore case
    for answer in question["answers"]:
        _answer(element, answer, percent(answer["fraction"]))


def _write_numerical(element, question):
    for answer in question["answers"]:
        value = {**answer, "text": format_number(parse_number(answer["text"]))}
        tolerance = format_number(answer["tolerance"] or 0)
        _answer(element, value, percent(answer["fraction"]), lambda e, t=tolerance: _leaf(e, "tolerance", t))
    units = [u.strip() for u in question["units"].split(",") if u.strip()]
    _write_units(element, units)
    _leaf(element, "unitgradingtype", "0")  # UNITOPTIONAL: a unit is accepted, never required
    _leaf(element, "unitpenalty", "0")
    _leaf(element, "showunits", "0" if units else "3")  # qtype_numerical UNITINPUT / UNITNONE
    _leaf(element, "unitsleft", "0")


def _write_units(element, units):
    if units:
        container = SubElement(element, "units")
        for name in units:
            unit = SubElement(container, "unit")
            _leaf(unit, "multiplier", "1")
            _leaf(unit, "unit_name", name)


def _write_matching(element, question):
    _leaf(element, "shuffleanswers", "true")
    for answer in question["answers"]:
        sub = _with_text(element, "subquestion", answer["text"], format="plain_text")
        _with_text(sub, "answer", answer["match"])


def _write_ordering(element, question):
    for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", "0"),
                       ("gradingtype", "ABSOLUTE_POSITION"), ("numberingstyle", "none")):
        _leaf(element, tag, value)
    for place, answer in enumerate(question["answers"], 1):
        _answer(element, answer, str(place))


# Moodle keeps a fixed list of values per wildcard and draws among them; a range of ours is
# written as this many values drawn from it, seeded by the question's key so that exporting the
# same bank twice writes the same file.
EXPORTED_ITEMS = 10
_TOLERANCE_CODES = {kind: code for code, kind in TOLERANCE_TYPES.items()}
_FORMAT_CODES = {fmt: code for code, fmt in ANSWER_FORMATS.items()}


def _write_calculated(element, question):
    """As qformat_xml::writequestion writes `calculated`: options, answers with their tolerance
    and display, units, then each wildcard's dataset definition with its items."""
    calculation = question["calculation"]
    fmt, length = display_of(calculation)
    for tag, value in (("synchronize", "0"), ("single", "0"), ("answernumbering", "abc"), ("shuffleanswers", "0")):
        _leaf(element, tag, value)
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _with_text(element, tag, "", format="html")
    for answer in question["answers"]:
        tolerance = DEFAULT_TOLERANCE if answer["tolerance"] is None else answer["tolerance"]

        def extra(e, answer=answer, tolerance=tolerance):
            _leaf(e, "tolerance", format_number(tolerance))
            _leaf(e, "tolerancetype", _TOLERANCE_CODES[answer["match"] or "relative"])
            _leaf(e, "correctanswerformat", _FORMAT_CODES[fmt])  # our display is per question
            _leaf(e, "correctanswerlength", str(length))
        _answer(element, answer, percent(answer["fraction"]), extra)
    units = [u.strip() for u in question["units"].split(",") if u.strip()]
    for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0"),
                       ("showunits", "0" if units else "3"), ("unitsleft", "0")):
        _leaf(element, tag, value)
    _write_units(element, units)
    _write_datasets(element, question)


def _write_datasets(element, question):
    datasets = datasets_of(question["calculation"])
    rng = random.Random(question["key"])
    drawn = [draw(datasets, rng) for _ in range(EXPORTED_ITEMS)]
    container = SubElement(element, "dataset_definitions")
    for dataset in datasets:
        definition = SubElement(container, "dataset_definition")
        _with_text(definition, "status", "private")
        _with_text(definition, "name", dataset.name)
        _leaf(definition, "type", "calculated")
        _with_text(definition, "distribution", dataset.distribution)
        _with_text(definition, "minimum", format_number(dataset.minimum))
        _with_text(definition, "maximum", format_number(dataset.maximum))
        _with_text(definition, "decimals", str(dataset.decimals))
        values = dataset.items if dataset.items is not None else [values[dataset.name] for values in drawn]
        _leaf(definition, "itemcount", str(len(values)))
        items = SubElement(definition, "dataset_items")
        for number, value in enumerate(values, 1):
            item = SubElement(items, "dataset_item")
            _leaf(item, "number", str(number))
            _leaf(item, "value", format_answer(float(value), fmt="decimals", length=dataset.decimals))
        _leaf(definition, "number_of_items", str(len(values)))


_WRITERS = {
    "calculated": _write_calculated,
    "single_choice": _write_choices,
    "multiple_response": _write_choices,
    "true_false": _write_true_false,
    "short_text": _write_short_answer,
    "numeric": _write_numerical,
    "matching": _write_matching,
    "ordering": _write_ordering,
}
