"""Moodle XML's `calculated` and `calculatedsimple` questions, read the way Moodle's
qformat_xml::import_calculated reads them and written the way its writequestion writes them.

Moodle formulas use PHP's operators, where `^` is bitwise xor and power is `pow(x, y)`; here `^`
(and `**`) is power. A formula with either is therefore never read or written: it is skipped
with that reason rather than silently changing its meaning.
"""

import random
import re
from xml.etree.ElementTree import SubElement

from django.utils.translation import gettext

from ..calculation import DEFAULT_TOLERANCE, calculation_errors, datasets_of, display_of
from ..formulas import draw, format_answer
from .common import FormatError, format_number, moodle_grade, percent
from .xmlparts import (
    Skip,
    feedback_of,
    fraction_of,
    leaf,
    number_at,
    text_at,
    units_of,
    with_text,
    write_answer,
    write_units,
)

__all__ = ["EXPORTED_ITEMS", "calculated_problem", "read_calculated", "write_calculated"]


# Moodle's tolerancetype and correctanswerformat codes (qtype_numerical, qtype_calculated).
TOLERANCE_TYPES = {"1": "relative", "2": "nominal", "3": "geometric"}
ANSWER_FORMATS = {"1": "decimals", "2": "sigfigs"}
# A `{=formula}` in a question text (Moodle's qtype_calculated_variable_substituter pattern).
INLINE_FORMULA = re.compile(r"\{=([^{}]*(?:\{[^{}]+\}[^{}]*)*)\}")


def _with_power(stem, formulas, operators):
    """The first of the answer formulas and the stem's `{=…}` formulas that uses one of `operators`."""
    for formula in [*formulas, *INLINE_FORMULA.findall(stem)]:
        if any(op in formula for op in operators):
            return formula
    return None


def read_calculated(document, element, text_format):
    """`calculated` and `calculatedsimple` (read alike, as Moodle's import_calculated does). A
    question whose formulas break on its datasets is skipped with the authoring check's reason."""
    formula = _with_power(text_at(element, "questiontext/text"),
                          [text_at(answer, "text") for answer in element.findall("answer")], ("^",))
    if formula is not None:
        raise Skip(gettext("the formula '%(formula)s' uses '^', which is xor in Moodle but power here: write "
                           "pow(x, y) for a power") % {"formula": formula})
    answers, display = [], None
    for answer in element.findall("answer"):
        formula = text_at(answer, "text")
        tolerance = number_at(document, answer, text_at(answer, "tolerance") or "0")
        kind = TOLERANCE_TYPES.get(text_at(answer, "tolerancetype") or "1")
        if kind is None:
            raise FormatError(document.where(answer),
                              gettext("tolerancetype is 1 (relative), 2 (nominal) or 3 (geometric)"))
        row = {"text": formula, "fraction": fraction_of(document, answer), "tolerance": float(tolerance),
               "match": kind, "feedback": feedback_of(answer, text_format)}
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
        raise Skip("; ".join(errors))
    # <unitpenalty> has no counterpart: our units are optional and never cost points.
    return {"type": "calculated", "answers": answers, "calculation": calculation, "units": units_of(document, element)}


def _display(document, answer):
    fmt = ANSWER_FORMATS.get(text_at(answer, "correctanswerformat") or "1")
    length = number_at(document, answer, text_at(answer, "correctanswerlength") or "2")
    if fmt is None or length != int(length):
        raise FormatError(document.where(answer),
                          gettext("correctanswerformat is 1 or 2 and correctanswerlength a whole number"))
    return {"format": fmt, "length": int(length)}


def _dataset(document, definition):
    """A `<dataset_definition>`: its range, and the fixed items Moodle exported, in their order."""
    def number(tag):
        return float(number_at(document, definition, text_at(definition, f"{tag}/text") or "0"))

    dataset = {"name": text_at(definition, "name/text"), "min": number("minimum"), "max": number("maximum"),
               "decimals": int(number("decimals")),
               "distribution": text_at(definition, "distribution/text") or "uniform"}
    items = sorted(
        (float(number_at(document, item, text_at(item, "number") or "0")),
         float(number_at(document, item, text_at(item, "value"))))
        for item in definition.findall("dataset_items/dataset_item")
    )
    if items:
        dataset["items"] = [value for _, value in items]
    return dataset


# Export -------------------------------------------------------------------------------------

# Moodle keeps a fixed list of values per wildcard and draws among them; a range of ours is
# written as this many values drawn from it, seeded by the question's key so that exporting the
# same bank twice writes the same file.
EXPORTED_ITEMS = 10
_TOLERANCE_CODES = {kind: code for code, kind in TOLERANCE_TYPES.items()}
_FORMAT_CODES = {fmt: code for code, fmt in ANSWER_FORMATS.items()}


def write_calculated(element, question):
    """As qformat_xml::writequestion writes `calculated`: options, answers with their tolerance
    and display, units, then each wildcard's dataset definition with its items."""
    calculation = question["calculation"]
    fmt, length = display_of(calculation)
    for tag, value in (("synchronize", "0"), ("single", "0"), ("answernumbering", "abc"), ("shuffleanswers", "0")):
        leaf(element, tag, value)
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        with_text(element, tag, "", format="html")
    for answer in question["answers"]:
        tolerance = DEFAULT_TOLERANCE if answer["tolerance"] is None else answer["tolerance"]

        def extra(e, answer=answer, tolerance=tolerance):
            leaf(e, "tolerance", format_number(tolerance))
            leaf(e, "tolerancetype", _TOLERANCE_CODES[answer["match"] or "relative"])
            leaf(e, "correctanswerformat", _FORMAT_CODES[fmt])  # our display is per question
            leaf(e, "correctanswerlength", str(length))
        write_answer(element, answer, percent(answer["fraction"]), extra)
    units = [u.strip() for u in question["units"].split(",") if u.strip()]
    for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0"),
                       ("showunits", "0" if units else "3"), ("unitsleft", "0")):
        leaf(element, tag, value)
    write_units(element, units)
    _write_datasets(element, question)


def _write_datasets(element, question):
    datasets = datasets_of(question["calculation"])
    rng = random.Random(question["key"])
    drawn = [draw(datasets, rng) for _ in range(EXPORTED_ITEMS)]
    container = SubElement(element, "dataset_definitions")
    for dataset in datasets:
        definition = SubElement(container, "dataset_definition")
        with_text(definition, "status", "private")
        with_text(definition, "name", dataset.name)
        leaf(definition, "type", "calculated")
        with_text(definition, "distribution", dataset.distribution)
        with_text(definition, "minimum", format_number(dataset.minimum))
        with_text(definition, "maximum", format_number(dataset.maximum))
        with_text(definition, "decimals", str(dataset.decimals))
        values = dataset.items if dataset.items is not None else [values[dataset.name] for values in drawn]
        leaf(definition, "itemcount", str(len(values)))
        items = SubElement(definition, "dataset_items")
        for number, value in enumerate(values, 1):
            item = SubElement(items, "dataset_item")
            leaf(item, "number", str(number))
            leaf(item, "value", format_answer(float(value), fmt="decimals", length=dataset.decimals))
        leaf(definition, "number_of_items", str(len(values)))


def calculated_problem(question):
    """Why a calculated question cannot be written as Moodle XML, or None."""
    formula = _with_power(question["stem"], [answer["text"] for answer in question["answers"]], ("^", "**"))
    if formula is not None:
        return f"the formula '{formula}' uses a power operator, which Moodle reads as something else: write pow(x, y)"
    for answer in question["answers"]:
        if moodle_grade(answer["fraction"]) is None:
            return f"fraction {answer['fraction']} is not a grade Moodle accepts"
    return None
