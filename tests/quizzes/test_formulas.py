"""Calculated questions' pure parts: the safe formula evaluator, datasets, answer display, tolerance."""

import math
import random
import time

import pytest

from quizzes.formulas import (
    Dataset,
    FormulaError,
    check_formula,
    dataset_errors,
    draw,
    evaluate,
    format_answer,
    parse,
    substitute,
    within_tolerance,
)


def refused(formula, values=None):
    """The FormulaError message `formula` raises (the test fails if it evaluates)."""
    with pytest.raises(FormulaError) as caught:
        evaluate(formula, values or {})
    return str(caught.value)


# --- Evaluation --------------------------------------------------------------------------------


@pytest.mark.parametrize("formula, value", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("10 - 4 - 3", 3), ("48 / 4 / 2", 6),
    ("2^3^2", 512), ("2**3**2", 512), ("(2^3)^2", 64), ("-2^2", -4), ("(-2)^2", 4), ("2^-1", 0.5),
    ("--3", 3), ("+3", 3), ("3 * -2", -6), ("1e3 + .5", 1000.5), ("2.5E-1", 0.25),
    ("{a} + {b}", 5), ("{a}-{b}", -1), ("{a}*{b}^2", 18), ("-{a}^2", -4),
])
def test_operators_follow_usual_precedence(formula, value):
    """Power binds tightest and groups right to left; unary minus binds looser than power (-2^2 = -4)."""
    assert evaluate(formula, {"a": 2, "b": 3}) == pytest.approx(value)


@pytest.mark.parametrize("formula, value", [
    ("round(2.675, 2)", 2.68), ("round(-2.5)", -3), ("round(1234, -2)", 1200), ("sqrt(16)", 4),
    ("log(exp(2))", 2), ("log(64, 2)", 6), ("log10(1000)", 3), ("exp(0)", 1), ("abs(-3)", 3),
    ("min(4, 2, 9)", 2), ("max(4, 2, 9)", 9), ("pi()", math.pi), ("2 * pi", 2 * math.pi),
    ("pow(2, 10)", 1024), ("floor(2.7) + ceil(2.1)", 5), ("sin(0) + cos(0) + tan(0)", 1),
])
def test_functions(formula, value):
    """Moodle's functions work; log is natural with an optional base and round is half away from zero."""
    assert evaluate(formula, {}) == pytest.approx(value)


def test_parse_names_the_wildcards_and_evaluates_many_times():
    """A parsed formula lists its wildcards once and evaluates with different values."""
    formula = parse("{orders} / {visitors} * 100 + {orders} * 0")
    assert formula.wildcards == {"orders", "visitors"}
    assert formula.evaluate({"orders": 5, "visitors": 200}) == 2.5
    assert formula.evaluate({"orders": 30, "visitors": 600}) == 5


@pytest.mark.parametrize("formula, message", [
    ("1 / 0", "division by zero"),
    ("{a} / ({b} - 3)", "division by zero"),
    ("foo(1)", "unknown function 'foo' at column 1"),
    ("2 * x", "unknown name 'x' at column 5 (a wildcard is written {x})"),
    ("{nope} + 1", "unknown wildcard {nope}"),
    ("(1 + 2))", "unexpected ')' at column 8"),
    ("1 + (2", "formula ends too early"),
    ("1 +", "formula ends too early"),
    ("", "formula is empty"),
    ("   ", "formula is empty"),
    ("max(1 2)", "expected ')' at column 7, found '2'"),
    ("{a}{b}", "unexpected '{b}' at column 4"),
    ("1 # 2", "unexpected '#' at column 3"),
    ("{1a} + 1", "unexpected '{' at column 1"),
    ("sqrt(-1)", "square root of a negative number"),
    ("log(0)", "logarithm of a number that is not positive"),
    ("log(8, 1)", "logarithm base must be positive and not 1"),
    ("0^-1", "zero to a negative power"),
    ("(-8)^(1/3)", "negative number to a fractional power"),
    ("10^16", "result is too large (more than 1e15 in size)"),
    ("exp(1000)", "result is too large (more than 1e15 in size)"),
    ("1e999", "number 1e999 at column 1 is too large"),
    ("round(1.5, 0.5)", "round() takes a whole number of decimals between -15 and 15"),
    ("round(1, 2, 3)", "round() takes 1 or 2 arguments, got 3"),
    ("sqrt()", "sqrt() takes 1 argument, got 0"),
    ("max(1)", "max() takes 2 or more arguments, got 1"),
    ("pi(1)", "pi() takes 0 arguments, got 1"),
])
def test_every_error_says_why(formula, message):
    """Each refusal is a FormulaError (a ValueError) whose message names the problem and where."""
    assert refused(formula, {"a": 1, "b": 3}) == message
    assert issubclass(FormulaError, ValueError)


def test_wildcard_values_must_be_finite_numbers():
    """A value that is text, a bool or infinite is refused rather than coerced."""
    for value in ("5", True, math.inf, math.nan, None):
        assert refused("{a} + 1", {"a": value}) == "wildcard {a} is not a finite number"


def test_parse_refuses_what_is_not_text():
    """Only strings are formulas."""
    with pytest.raises(FormulaError, match="formula must be text"):
        parse(42)


@pytest.mark.parametrize("formula", [
    "__import__('os')", "__import__(1)", "().__class__", "{a}.real", "'abc'", '"abc"', "[1, 2]", "lambda: 1",
    "eval(1)", "exec(1)", "open(1)", "1; 2", "a = 1", "1 if 1 else 2", "{a} and 1", "1 % 2", "1 // 2",
])
def test_python_is_refused(formula):
    """Nothing of Python survives the tokenizer and parser: no strings, attributes, names or statements."""
    with pytest.raises(FormulaError):
        evaluate(formula, {"a": 1})


def assert_refused_fast(formula, message):
    """Refused with `message` within 100 ms (generous: it takes well under 1 ms; best of 3 runs, as the
    machine is shared, so a scheduler pause is not a failure)."""
    assert refused(formula) == message
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        try:
            evaluate(formula, {})
        except FormulaError:
            timings.append(time.perf_counter() - start)
    assert min(timings) < 0.1, f"refusing a hostile formula took {min(timings) * 1000:.0f} ms (bound 100 ms)"


def test_long_formula_is_refused_fast():
    """A 10,000-character formula is refused before it is read, within a generous 100 ms."""
    assert_refused_fast("1+" * 4999 + "1", "formula is too long (9999 characters, at most 500)")


def test_many_tokens_are_refused():
    """More than 200 parts is too long even within 500 characters."""
    assert_refused_fast("1+" * 120 + "1", "formula is too long (more than 200 parts)")


def test_deep_nesting_is_refused():
    """Parentheses, unary minus chains and nested calls stop at 32 levels."""
    assert_refused_fast("(" * 33 + "1" + ")" * 33, "formula is nested too deeply (more than 32 levels)")
    assert_refused_fast("-" * 40 + "1", "formula is nested too deeply (more than 32 levels)")
    assert_refused_fast("abs(" * 33 + "1" + ")" * 33, "formula is nested too deeply (more than 32 levels)")
    assert evaluate("(" * 30 + "1" + ")" * 30, {}) == 1


def test_tower_of_powers_is_refused_without_computing_it():
    """9^9^9^9 and 2**99999 are refused at once: powers are floats, bounded before anything grows."""
    assert_refused_fast("9^9^9^9", "result is too large (more than 1e15 in size)")
    assert_refused_fast("2**99999", "result is too large (more than 1e15 in size)")
    assert_refused_fast("99999999999^99999999999", "result is too large (more than 1e15 in size)")


# --- Datasets ------------------------------------------------------------------------------------


def test_draw_stays_in_range_with_the_decimals():
    """Drawn values lie within the range and have the dataset's decimals; both ends can be drawn."""
    rng = random.Random(7)
    seen = set()
    for _ in range(500):
        values = draw([Dataset("n", 1, 4), Dataset("rate", 0.05, 0.25, decimals=2)], rng)
        assert 1 <= values["n"] <= 4 and values["n"] == int(values["n"])
        assert 0.05 <= values["rate"] <= 0.25 and round(values["rate"], 2) == values["rate"]
        seen.add(values["n"])
    assert seen == {1, 2, 3, 4}


def test_draw_rounds_inside_a_range_with_more_decimals():
    """A range like 0.4–2.6 with 0 decimals draws 1 or 2, never 0 or 3 by rounding its ends."""
    values = {draw([Dataset("x", 0.4, 2.6)], random.Random(seed))["x"] for seed in range(200)}
    assert values == {1, 2}


def test_log_uniform_spreads_orders_of_magnitude():
    """Log-uniform draws from 10 to 1,000,000 land about evenly in each decade."""
    rng = random.Random(3)
    values = [draw([Dataset("v", 10, 1e6, distribution="loguniform")], rng)["v"] for _ in range(2000)]
    assert min(values) >= 10 and max(values) <= 1e6
    decades = [sum(10**k <= v < 10 ** (k + 1) for v in values) for k in range(1, 6)]
    assert all(250 < count < 550 for count in decades), decades


def test_items_are_picked_from_the_list():
    """A dataset with items draws only those items, each of them in time."""
    values = {draw([Dataset("d", 0, 0, items=[3, 5, 7.5], decimals=1)], random.Random(s))["d"] for s in range(100)}
    assert values == {3, 5, 7.5}


def test_a_seed_draws_the_same_values_again():
    """An attempt's seed reproduces its variant; another seed gives other values."""
    datasets = [Dataset("a", 1, 1000), Dataset("b", 0.1, 99.9, decimals=1), Dataset("c", 1, 1e5, 0, "loguniform")]
    first = draw(datasets, random.Random(42))
    assert draw(datasets, random.Random(42)) == first
    assert draw(datasets, random.Random(43)) != first


@pytest.mark.parametrize("dataset, message", [
    (Dataset("v", 0, 100, distribution="loguniform"), "{v}: a log-uniform range needs a minimum above 0"),
    (Dataset("v", 10, 5), "{v}: minimum 10 is above maximum 5"),
    (Dataset("v", 0.2, 0.8), "{v}: no value with 0 decimals lies between the minimum and maximum"),
    (Dataset("v", 1, math.inf), "{v}: minimum and maximum must be finite numbers"),
    (Dataset("v", 1, 1e16), "{v}: minimum and maximum must be within ±1e15"),
    (Dataset("v", 1, 5, distribution="normal"), "{v}: distribution must be uniform or loguniform, not 'normal'"),
    (Dataset("v", 1, 5, decimals=11), "{v}: decimals must be a whole number from 0 to 10"),
    (Dataset("1v", 1, 5), "{1v}: a wildcard name is a letter or _ followed by letters, digits or _"),
    (Dataset("v", 0, 0, items=[]), "{v}: items must be a list of 1 to 100 numbers"),
    (Dataset("v", 0, 0, items=[1.25]), "{v}: item 1.25 has more than 0 decimals"),
    (Dataset("v", 0, 0, items=["x"]), "{v}: item 'x' is not a finite number within ±1e15"),
])
def test_dataset_errors(dataset, message):
    """Each invalid definition is named with its wildcard."""
    assert message in dataset_errors(dataset)


def test_valid_datasets_have_no_errors():
    """Ordinary ranges, log-uniform ranges above 0 and item lists pass."""
    for dataset in (Dataset("a", -5, 5), Dataset("b", 0.01, 1, 2, "loguniform"), Dataset("c", 0, 0, items=[1, 2])):
        assert dataset_errors(dataset) == []


# --- Authoring check -----------------------------------------------------------------------------


def test_check_names_the_values_that_divide_by_zero():
    """{a}/({b}-{c}) with overlapping ranges is refused, naming values where {b} equals {c}."""
    [message] = check_formula("{a}/({b}-{c})", [Dataset("a", 1, 5), Dataset("b", 1, 10), Dataset("c", 5, 20)])
    assert message.startswith("division by zero when {a}=")
    values = dict(part.split("=") for part in message.removeprefix("division by zero when ").split(", "))
    assert values["{b}"] == values["{c}"]


def test_check_tries_the_corners():
    """A divisor whose range includes 0 is caught at that corner, named with the wildcard's decimals."""
    messages = check_formula("100 / {visitors} * {orders}", [Dataset("visitors", 0, 1e6), Dataset("orders", 5, 9, 1)])
    assert messages == ["division by zero when {orders}=5.0, {visitors}=0"]


def test_check_reports_each_kind_of_failure():
    """A formula that can fail in several ways gets one message per way."""
    datasets = [Dataset("a", 1, 5), Dataset("b", 1, 10), Dataset("c", 5, 20)]
    messages = check_formula("sqrt({b}-{c}) + log({a}-1)", datasets)
    assert [m.split(" when ")[0] for m in messages] == [
        "square root of a negative number", "logarithm of a number that is not positive"]


def test_check_reports_overflow():
    """A power that can pass 1e15 on the range is refused with the values that do it."""
    assert check_formula("{a}^{b}", [Dataset("a", 1, 50), Dataset("b", 1, 20)]) == [
        "result is too large (more than 1e15 in size) when {a}=50, {b}=20"]


def test_check_reports_unknown_wildcards_and_syntax():
    """A wildcard without a dataset and an unreadable formula are reported, not evaluated."""
    assert check_formula("{a} + {zz}", [Dataset("a", 1, 5)]) == ["unknown wildcard {zz}: no dataset defines it"]
    assert check_formula("{a} +", [Dataset("a", 1, 5)]) == ["formula ends too early"]
    assert check_formula("{a} * 2", [Dataset("a", 5, 1)]) == ["{a}: minimum 5 is above maximum 1"]
    assert check_formula("1 / (2 - 2)", []) == ["division by zero"]


def test_check_passes_a_safe_formula():
    """A conversion rate over positive ranges, with items and many wildcards, has no problems."""
    datasets = [Dataset("orders", 1, 500), Dataset("visitors", 1000, 1e6, 0, "loguniform"),
                Dataset("k", 0, 0, items=list(range(1, 60)))] + [Dataset(f"w{i}", 1, 9) for i in range(9)]
    formula = "round({orders} / {visitors} * 100, 2) * {k} + " + " + ".join(f"{{w{i}}}" for i in range(9))
    assert check_formula(formula, datasets) == []


# --- Display -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, fmt, length, text", [
    (12345.678, "sigfigs", 3, "12300"), (0.0012345, "sigfigs", 2, "0.0012"), (0.5, "sigfigs", 3, "0.500"),
    (9.99, "sigfigs", 2, "10"), (-2.345, "sigfigs", 3, "-2.35"), (0, "sigfigs", 3, "0"),
    (1.5e-9, "sigfigs", 3, "1.50e-9"), (0.12345, 2, 2, "0.12"), (0.0012345, 1, 4, "0.0012"),
    (2.675, "decimals", 2, "2.68"), (3, "decimals", 2, "3.00"), (2.5, "decimals", 0, "3"),
    (-0.001, "decimals", 2, "0.00"), (1e15, "decimals", 2, "1000000000000000.00"),
])
def test_format_answer(value, fmt, length, text):
    """Decimals (Moodle format 1) or significant figures (format 2), rounding half away from zero."""
    assert format_answer(value, fmt=fmt, length=length) == text


def test_format_answer_shows_any_float():
    """A trainee's huge number still prints in full rather than failing in decimal arithmetic."""
    assert format_answer(1e100, fmt="decimals", length=2) == "1" + "0" * 100 + ".00"
    assert format_answer(-1.7e308, fmt="sigfigs", length=2).startswith("-17000")


def test_format_answer_refuses_unknown_formats():
    """An unknown format and a non-finite value are errors, not guesses."""
    with pytest.raises(ValueError):
        format_answer(1, fmt="percent")
    with pytest.raises(FormulaError):
        format_answer(math.inf)


# --- Tolerance (Moodle's qtype_numerical_answer::get_tolerance_interval) --------------------------


@pytest.mark.parametrize("given, correct, tolerance, kind, ok", [
    (104.9, 100, 0.05, "relative", True), (105, 100, 0.05, "relative", True), (105.1, 100, 0.05, "relative", False),
    (-95, -100, 0.05, "relative", True), (0, 0, 0.05, "relative", True), (0.001, 0, 0.05, "relative", False),
    (0.3, 0.1 + 0.2, 0, "relative", True),
    (101, 100, 1, "nominal", True), (101.01, 100, 1, "nominal", False), (0.3, 0.1 + 0.2, 0, "nominal", True),
    (-0.5, 0, 0.5, "nominal", True), (99, 100, -1, "nominal", True),
    (110, 100, 0.1, "geometric", True), (100 / 1.1, 100, 0.1, "geometric", True), (91, 100, 0.1, "geometric", True),
    (90.9, 100, 0.1, "geometric", False), (110.1, 100, 0.1, "geometric", False), (-105, -100, 0.1, "geometric", True),
    (104, 100, 0.05, 1, True), (100.5, 100, 1, 2, True), (109, 100, 0.1, 3, True),
    (math.nan, 100, 1, "nominal", False), (math.inf, 100, 1, "relative", False),
])
def test_within_tolerance_matches_moodle(given, correct, tolerance, kind, ok):
    """Relative scales with the answer, nominal is absolute, geometric is a ratio; Moodle's type numbers work."""
    assert within_tolerance(given, correct, tolerance, kind) is ok


def test_unknown_tolerance_kind_is_an_error():
    """A misspelt kind fails loudly rather than grading with a default."""
    with pytest.raises(ValueError):
        within_tolerance(1, 1, 0.1, "absolute")


# --- Question text -------------------------------------------------------------------------------


def test_substitute_shows_values_with_their_decimals():
    """Each {name} shows its drawn value with its dataset's decimals; unknown names stay as written."""
    datasets = [Dataset("visitors", 1000, 9000), Dataset("rate", 0.1, 0.9, decimals=2)]
    text = substitute("{visitors} visits at {rate} ({unknown}); {visitors} again.", {"visitors": 4200.0, "rate": 0.5},
                      datasets)
    assert text == "4200 visits at 0.50 ({unknown}); 4200 again."


def test_substitute_evaluates_inline_formulas():
    """{=formula} is evaluated with the drawn values, shown plainly or in the answer's format."""
    values = {"a": 1.0, "b": 3.0, "c": -2.0}
    assert substitute("= {={a} + {b}}, {={a}/{b}}, {=2*pi}, {c}", values) == "= 4, 0.3333333333, 6.283185307, -2"
    assert substitute("{={a}/{b}}", values, fmt="sigfigs", length=2) == "0.33"
    with pytest.raises(FormulaError, match="division by zero"):
        substitute("{={a}/({b}-3)}", values)
