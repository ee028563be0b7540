"""Numbers shown to people and compared with answers: decimals, significant figures, tolerance, stems."""

import math
import re
from decimal import ROUND_HALF_UP, Decimal

from quizzes.formulas.expressions import NAME, WIDE, FormulaError, evaluate, round_half_up


def _plain(number):
    text = format(number, "f")
    return "0" + text[2:] if text.startswith("-0") and not number else text


def format_answer(value, *, fmt="decimals", length=2):
    """`value` as text with `length` decimals or significant figures (Moodle's correctanswerformat 1/2)."""
    fmt = {1: "decimals", 2: "sigfigs"}.get(fmt, fmt)
    if not math.isfinite(value):
        raise FormulaError("cannot show a value that is not a finite number")
    if fmt == "decimals":
        return _plain(round_half_up(value, max(0, min(int(length), 15))))
    if fmt != "sigfigs":
        raise ValueError(f"unknown answer format {fmt!r}")
    if value == 0:
        return "0"
    figures = max(1, min(int(length), 15))
    number = Decimal(repr(float(value)))
    for _ in range(2):  # rounding 9.99 up to 10.0 adds a digit: round once more at the new size
        number = number.quantize(Decimal(1).scaleb(number.adjusted() - figures + 1), ROUND_HALF_UP, WIDE)
    if abs(number) < Decimal("1e-6"):
        return f"{number:.{figures - 1}e}"
    return _plain(number)


# --- Tolerance -------------------------------------------------------------------------------

# PHP's default `precision` (14): Moodle widens every interval by 10^-14 so that values equal on
# paper but not in binary still match (MDL-3225).
_EPSILON = 1e-14


def within_tolerance(given, correct, tolerance, kind="relative"):
    """Whether `given` matches `correct`, as Moodle's qtype_numerical_answer::get_tolerance_interval.

    Moodle (question/type/numerical/question.php): relative (type 1) allows tolerance × |correct|,
    nominal (type 2) allows tolerance itself, geometric (type 3) allows correct/(1+tol) … correct×(1+tol).
    """
    kind = {1: "relative", 2: "nominal", 3: "geometric"}.get(kind, kind)
    if not (math.isfinite(given) and math.isfinite(correct)):
        return False
    tolerance = abs(tolerance)
    if kind == "relative":
        spread = abs(correct) * (tolerance + _EPSILON)
        low, high = correct - spread, correct + spread
    elif kind == "nominal":
        spread = tolerance + _EPSILON * max(1.0, abs(correct))
        low, high = correct - spread, correct + spread
    elif kind == "geometric":
        quotient = 1 + tolerance + _EPSILON
        low, high = sorted((correct / quotient, correct * quotient))
    else:
        raise ValueError(f"unknown tolerance kind {kind!r}")
    return low <= given <= high


# --- Question text ---------------------------------------------------------------------------

# Moodle's own pattern for `{=formula}` (qtype_calculated_variable_substituter), or a `{name}`.
_TEXT_RE = re.compile(r"\{=([^{}]*(?:\{[^{}]+\}[^{}]*)*)\}|\{(" + NAME + r")\}")


def _shortest(value):
    text = format_answer(value, fmt="sigfigs", length=10)
    return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text


def substitute(stem, values, datasets=(), *, fmt=None, length=2):
    """`stem` with each `{name}` shown with its dataset's decimals and each `{=formula}` evaluated.

    Inline formula results are shown with `fmt`/`length` when given (as the answer is), else with
    up to ten significant figures. A `{name}` without a value stays as written.
    """
    decimals = {d.name: d.decimals for d in datasets}

    def replace(match):
        if match.group(1) is not None:
            value = evaluate(match.group(1), values)
            return format_answer(value, fmt=fmt, length=length) if fmt else _shortest(value)
        name = match.group(2)
        if name not in values:
            return match.group()
        if name in decimals:
            return format_answer(values[name], fmt="decimals", length=decimals[name])
        return _shortest(values[name])

    return _TEXT_RE.sub(replace, stem)
