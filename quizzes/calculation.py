"""Calculated questions (Moodle's `calculated`): a question's `calculation` and its frozen variant.

`Question.calculation` holds the wildcards' datasets and how the answer is shown:
    {"datasets": [{"name": "visitors", "min": 1000, "max": 50000, "decimals": 0,
                   "distribution": "uniform" | "loguniform", "items": [...] (optional)}],
     "display": {"format": "decimals" | "sigfigs", "length": 2}}
Each answer row is a formula (`text`) with its `fraction`, `tolerance` (default 0.01) and, in
`match`, the tolerance kind: "relative" (default), "nominal" or "geometric" — a second formula
with a lower fraction gives partial credit (e.g. the rate without ×100).

An attempt draws its own values and freezes them, with each answer's value, in its spec, so a
review shows every trainee their own numbers and grading never re-evaluates a formula.
"""

import random

from .formulas import (
    Dataset,
    FormulaError,
    check_formula,
    dataset_errors,
    draw,
    evaluate,
    format_answer,
    substitute,
    within_tolerance,
)

TOLERANCE_KINDS = ("relative", "nominal", "geometric")
DEFAULT_TOLERANCE = 0.01
DISPLAY_FORMATS = ("decimals", "sigfigs")


def datasets_of(calculation):
    """The Dataset of each wildcard; ValueError with the reason for a malformed definition."""
    if not isinstance(calculation, dict) or not isinstance(calculation.get("datasets", []), list):
        raise ValueError("the calculation must hold a list of datasets")
    datasets = []
    for item in calculation.get("datasets", []):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError("every dataset needs a wildcard name")
        try:
            datasets.append(Dataset(
                name=item["name"], minimum=item.get("min", 0), maximum=item.get("max", 0),
                decimals=int(item.get("decimals", 0)), distribution=item.get("distribution", "uniform"),
                items=item.get("items"),
            ))
        except (TypeError, ValueError):
            raise ValueError(f"the dataset of {{{item['name']}}} is not well-formed") from None
    return datasets


def display_of(calculation):
    display = calculation.get("display") or {} if isinstance(calculation, dict) else {}
    fmt = display.get("format", "decimals")
    length = display.get("length", 2)
    if fmt not in DISPLAY_FORMATS or not isinstance(length, int) or not 0 <= length <= 10:
        raise ValueError("display is a format (decimals or sigfigs) and a length from 0 to 10")
    return fmt, length


def calculation_errors(calculation, answers):
    """Messages for a calculated question: malformed datasets or display, answer rows without a
    fully right formula, and every formula that fails somewhere on its datasets' ranges (naming
    the wildcard values that break it)."""
    try:
        datasets = datasets_of(calculation)
        display_of(calculation)
    except ValueError as error:
        return [str(error)]
    errors = [error for dataset in datasets for error in dataset_errors(dataset)]
    if errors:
        return errors
    if not datasets:
        return ["a calculated question needs a dataset for each wildcard"]
    if not answers or max(a["fraction"] for a in answers) != 1:
        return ["one formula must be fully right (fraction 1)"]
    for answer in answers:
        if (answer.get("match") or "relative") not in TOLERANCE_KINDS:
            return [f"tolerance kind must be one of {', '.join(TOLERANCE_KINDS)}"]
        if (answer.get("tolerance") or 0) < 0:
            return ["a tolerance cannot be negative"]
        errors.extend(f"{answer['text']}: {problem}" for problem in check_formula(answer["text"], datasets))
    return errors or _display_errors(calculation, datasets, [a for a in answers if a["fraction"] == 1])


DISPLAY_CHECK_DRAWS = 200


def _display_errors(calculation, datasets, right):
    """The right answer as shown (the display's rounding) must itself be graded right: a trainee
    who rounds as the question says, and a review's "right answer", must not fall outside the
    tolerance. Checked on seeded draws, so a question always gets the same verdict."""
    fmt, length = display_of(calculation)
    rng = random.Random(0)
    for _ in range(DISPLAY_CHECK_DRAWS):
        values = draw(datasets, rng)
        for answer in right:
            value = evaluate(answer["text"], values)
            shown = float(format_answer(value, fmt=fmt, length=length).replace(",", ""))
            tolerance = DEFAULT_TOLERANCE if answer.get("tolerance") is None else answer["tolerance"]
            if not within_tolerance(shown, value, tolerance, answer.get("match") or "relative"):
                where = ", ".join(f"{{{name}}}={values[name]:g}" for name in sorted(values))
                return [f"{answer['text']}: the answer shown ({fmt} {length}) is {shown:g} for {value:.6g} when "
                        f"{where}, outside its tolerance: show more {fmt} or widen the tolerance"]
    return []


def frozen_variant(stem, calculation, answers, rng):
    """(stem with this attempt's values, the values, answers with their computed `value`, shown
    `text`, `tolerance` and `kind`) for one attempt."""
    datasets = datasets_of(calculation)
    fmt, length = display_of(calculation)
    values = draw(datasets, rng)
    frozen = []
    for answer in answers:
        value = evaluate(answer["text"], values)
        tolerance = answer.get("tolerance")
        frozen.append({
            **answer,
            "formula": answer["text"],
            "value": value,
            "text": format_answer(value, fmt=fmt, length=length),
            "tolerance": DEFAULT_TOLERANCE if tolerance is None else tolerance,
            "kind": answer.get("match") or "relative",
        })
    return substitute(stem, values, datasets, fmt=fmt, length=length), values, frozen


__all__ = ["FormulaError", "calculation_errors", "datasets_of", "display_of", "frozen_variant"]
