"""Calculated questions' pure parts: a safe formula evaluator, wildcard datasets, answer display.

Formulas use Moodle's syntax: wildcards `{name}`, + - * / and `^` (or `**`) for power, parentheses
and a fixed set of functions. They are tokenised and parsed by hand into a tiny tree and never
reach Python's `eval`/`compile`. Hostile input is bounded before any work: at most MAX_LENGTH
characters, MAX_TOKENS tokens and MAX_DEPTH levels of nesting, and every operation's result must be
finite and at most LIMIT in size, so `9^9^9^9` is refused at once instead of computed.

Decisions where Moodle differs or is silent:
- `^` is power (right-associative: 2^3^2 = 512). In Moodle's PHP formulas `^` is bitwise xor and
  power is `pow(x, y)`, which is also accepted here; an importer should rewrite nothing, since a
  Moodle author writing `^` meant power.
- Unary minus binds looser than power: -2^2 = -4 (written mathematics, Python and PHP's `**`;
  spreadsheets give 4). 2^-1 is allowed.
- Rounding is half away from zero on the shortest decimal form of a value (PHP's `round`), so
  2.675 shows as 2.68 with two decimals, as a person computing by hand expects.
- Significant figures print plainly (12345.678 to 3 → "12300"); Moodle switches to "1.23e4" above
  five integer digits. Values below 1e-6 use scientific notation.
- Geometric tolerance on a negative answer uses the same interval mirrored; Moodle's interval is
  then empty, so no answer could ever match.
"""

import itertools
import math
import random
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal

__all__ = [
    "Dataset", "Formula", "FormulaError", "check_formula", "dataset_errors", "draw", "evaluate",
    "format_answer", "parse", "substitute", "within_tolerance",
]

MAX_LENGTH = 500
MAX_TOKENS = 200
MAX_DEPTH = 32
LIMIT = 1e15
MAX_DECIMALS = 10
MAX_ITEMS = 100
CHECK_DRAWS = 200
CHECK_COMBINATIONS = 256
TOO_LARGE = "result is too large (more than 1e15 in size)"


class FormulaError(ValueError):
    """The formula cannot be parsed or evaluated; the message says why."""


# --- Tokenizer -------------------------------------------------------------------------------

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
WILDCARD_RE = re.compile(r"\{(" + NAME + r")\}")
TOKEN_RE = re.compile(
    r"(?P<space>\s+)|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<wildcard>\{" + NAME + r"\})"
    r"|(?P<name>" + NAME + r")|(?P<op>\*\*|[-+*/^(),])"
)


@dataclass(frozen=True)
class Token:
    kind: str  # number, wildcard, name, op, end
    text: str
    column: int


def tokenize(formula):
    if len(formula) > MAX_LENGTH:
        raise FormulaError(f"formula is too long ({len(formula)} characters, at most {MAX_LENGTH})")
    tokens, pos = [], 0
    while pos < len(formula):
        match = TOKEN_RE.match(formula, pos)
        if not match:
            raise FormulaError(f"unexpected {formula[pos]!r} at column {pos + 1}")
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup, match.group(), pos + 1))
            if len(tokens) > MAX_TOKENS:
                raise FormulaError(f"formula is too long (more than {MAX_TOKENS} parts)")
        pos = match.end()
    if not tokens:
        raise FormulaError("formula is empty")
    tokens.append(Token("end", "", len(formula) + 1))
    return tokens


# --- Functions -------------------------------------------------------------------------------


def _round(x, n=0):
    if n != int(n) or abs(n) > 15:
        raise FormulaError("round() takes a whole number of decimals between -15 and 15")
    return float(_half_up(x, int(n)))


def _sqrt(x):
    if x < 0:
        raise FormulaError("square root of a negative number")
    return math.sqrt(x)


def _log(x, base=math.e):
    if x <= 0 or base <= 0 or base == 1:
        raise FormulaError("logarithm of a number that is not positive" if x <= 0 else "logarithm base must be "
                           "positive and not 1")
    return math.log(x, base)


def _log10(x):
    return _log(x, 10)


def _pow(x, y):
    try:
        return math.pow(x, y)  # float power: fails fast on overflow, never a huge integer
    except OverflowError:
        raise FormulaError(TOO_LARGE) from None
    except ValueError:
        raise FormulaError("zero to a negative power" if x == 0 else "negative number to a fractional power") from None


def _many(fn):
    return lambda *args: fn(args)


# name → (fewest arguments, most arguments (None: any), function)
FUNCTIONS = {
    "abs": (1, 1, abs), "sqrt": (1, 1, _sqrt), "exp": (1, 1, math.exp), "log": (1, 2, _log),
    "log10": (1, 1, _log10), "round": (1, 2, _round), "floor": (1, 1, math.floor), "ceil": (1, 1, math.ceil),
    "min": (2, None, _many(min)), "max": (2, None, _many(max)), "pow": (2, 2, _pow), "pi": (0, 0, lambda: math.pi),
    "sin": (1, 1, math.sin), "cos": (1, 1, math.cos), "tan": (1, 1, math.tan),
}


# --- Parser: a tree of tuples ("num", v) ("var", name) ("neg", x) ("bin", op, a, b) ("call", name, args)


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.i, self.depth = tokens, 0, 0

    @property
    def token(self):
        return self.tokens[self.i]

    def take(self):
        token = self.tokens[self.i]
        self.i += 1
        return token

    def unexpected(self):
        token = self.token
        if token.kind == "end":
            return FormulaError("formula ends too early")
        return FormulaError(f"unexpected {token.text!r} at column {token.column}")

    def expect(self, text):
        if self.token.text != text or self.token.kind != "op":
            if self.token.kind == "end":
                raise self.unexpected()
            raise FormulaError(f"expected {text!r} at column {self.token.column}, found {self.token.text!r}")
        return self.take()

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)")

    def formula(self):
        node = self.additive()
        if self.token.kind != "end":
            raise self.unexpected()
        return node

    def additive(self):
        node = self.term()
        while self.token.kind == "op" and self.token.text in "+-":
            node = ("bin", self.take().text, node, self.term())
        return node

    def term(self):
        node = self.unary()
        while self.token.kind == "op" and self.token.text in ("*", "/"):
            node = ("bin", self.take().text, node, self.unary())
        return node

    def unary(self):
        if self.token.kind == "op" and self.token.text in "+-":
            sign = self.take().text
            self.nest()
            operand = self.unary()
            self.depth -= 1
            return ("neg", operand) if sign == "-" else operand
        return self.power()

    def power(self):
        base = self.primary()
        if self.token.kind == "op" and self.token.text in ("^", "**"):
            self.take()
            self.nest()
            exponent = self.unary()  # right-associative, and 2^-1 is allowed
            self.depth -= 1
            return ("bin", "^", base, exponent)
        return base

    def primary(self):
        token = self.take()
        if token.kind == "number":
            value = float(token.text)
            if not math.isfinite(value) or abs(value) > LIMIT:
                raise FormulaError(f"number {token.text} at column {token.column} is too large")
            return ("num", value)
        if token.kind == "wildcard":
            return ("var", token.text[1:-1])
        if token.kind == "name":
            return self.call(token)
        if token.kind == "op" and token.text == "(":
            self.nest()
            node = self.additive()
            self.expect(")")
            self.depth -= 1
            return node
        self.i -= 1
        raise self.unexpected()

    def call(self, token):
        name = token.text
        called = self.token.kind == "op" and self.token.text == "("
        if name not in FUNCTIONS:
            if called:
                raise FormulaError(f"unknown function {name!r} at column {token.column}")
            raise FormulaError(f"unknown name {name!r} at column {token.column} (a wildcard is written {{{name}}})")
        if name == "pi" and not called:
            return ("call", "pi", ())
        self.expect("(")
        self.nest()
        args = []
        if not (self.token.kind == "op" and self.token.text == ")"):
            args.append(self.additive())
            while self.token.kind == "op" and self.token.text == ",":
                self.take()
                args.append(self.additive())
        self.expect(")")
        self.depth -= 1
        fewest, most, _ = FUNCTIONS[name]
        if len(args) < fewest or (most is not None and len(args) > most):
            wanted = f"{fewest}" if fewest == most else f"{fewest} or more" if most is None else f"{fewest} or {most}"
            raise FormulaError(f"{name}() takes {wanted} argument{'s' if wanted != '1' else ''}, got {len(args)}")
        return ("call", name, tuple(args))


# --- Evaluation ------------------------------------------------------------------------------


def _checked(value):
    if not math.isfinite(value):
        raise FormulaError("gives a value that is not a finite number")
    if abs(value) > LIMIT:
        raise FormulaError(TOO_LARGE)
    return value


def _binary(op, a, b):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise FormulaError("division by zero")
        return a / b
    return _pow(a, b)


def _eval(node, values):
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "var":
        return values[node[1]]
    if kind == "neg":
        return -_eval(node[1], values)
    if kind == "bin":
        return _checked(_binary(node[1], _eval(node[2], values), _eval(node[3], values)))
    try:
        result = FUNCTIONS[node[1]][2](*(_eval(arg, values) for arg in node[2]))
    except OverflowError:
        raise FormulaError(TOO_LARGE) from None
    except ValueError as exc:
        if isinstance(exc, FormulaError):
            raise
        raise FormulaError(f"{node[1]}() is not defined there") from None
    return _checked(float(result))


def _walk(node):
    yield node
    kind = node[0]
    for part in node[2:] if kind == "bin" else node[1:] if kind == "neg" else node[2] if kind == "call" else ():
        yield from _walk(part)


class Formula:
    """A parsed formula: `.wildcards` names what it needs, `.evaluate(values)` computes it."""

    def __init__(self, source):
        self.source = source
        self.tree = _Parser(tokenize(source)).formula()
        self.wildcards = frozenset(n[1] for n in _walk(self.tree) if n[0] == "var")

    def __repr__(self):
        return f"Formula({self.source!r})"

    def evaluate(self, values):
        numbers = {}
        for name in self.wildcards:
            if name not in values:
                raise FormulaError(f"unknown wildcard {{{name}}}")
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise FormulaError(f"wildcard {{{name}}} is not a finite number")
            numbers[name] = float(value)
        return _checked(float(_eval(self.tree, numbers)))


def parse(formula):
    """Parse `formula` (a string) into a Formula, or raise FormulaError naming the problem."""
    if not isinstance(formula, str):
        raise FormulaError("formula must be text")
    return Formula(formula)


def evaluate(formula, values):
    """The value of `formula` (text or Formula) with `values` ({name: number}) for its wildcards."""
    return (formula if isinstance(formula, Formula) else parse(formula)).evaluate(values)


# --- Numbers shown to people -----------------------------------------------------------------


_WIDE = Context(prec=60)  # room for 1e15 with 15 decimals


def _half_up(value, decimals, rounding=ROUND_HALF_UP):
    """`value` rounded to `decimals` places (negative: tens, hundreds…) on its shortest decimal form."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=rounding, context=_WIDE)


def _plain(number):
    text = format(number, "f")
    return "0" + text[2:] if text.startswith("-0") and not number else text


def format_answer(value, *, fmt="decimals", length=2):
    """`value` as text with `length` decimals or significant figures (Moodle's correctanswerformat 1/2)."""
    fmt = {1: "decimals", 2: "sigfigs"}.get(fmt, fmt)
    if not math.isfinite(value):
        raise FormulaError("cannot show a value that is not a finite number")
    if fmt == "decimals":
        return _plain(_half_up(value, max(0, min(int(length), 15))))
    if fmt != "sigfigs":
        raise ValueError(f"unknown answer format {fmt!r}")
    if value == 0:
        return "0"
    figures = max(1, min(int(length), 15))
    number = Decimal(repr(float(value)))
    for _ in range(2):  # rounding 9.99 up to 10.0 adds a digit: round once more at the new size
        number = number.quantize(Decimal(1).scaleb(number.adjusted() - figures + 1), ROUND_HALF_UP, _WIDE)
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


# --- Datasets --------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Moodle's dataset definition for one wildcard: values drawn from a range, or from `items`.

    A range draws a value with `decimals` places, uniform over those values or log-uniform
    (evenly spread orders of magnitude, for sizes like visitors per month); `items` replaces the
    range with a fixed list to pick from.
    """

    name: str
    minimum: float
    maximum: float
    decimals: int = 0
    distribution: str = "uniform"
    items: list | None = None


def _number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _grid(dataset):
    """The smallest and largest value of the range with `decimals` places, as whole numbers of steps."""
    low = _half_up(dataset.minimum, dataset.decimals, ROUND_CEILING).scaleb(dataset.decimals)
    high = _half_up(dataset.maximum, dataset.decimals, ROUND_FLOOR).scaleb(dataset.decimals)
    return int(low), int(high)


def dataset_errors(dataset):
    """What is wrong with `dataset`, as messages naming its wildcard; empty when it can be drawn from."""
    name = f"{{{dataset.name}}}"
    if not isinstance(dataset.name, str) or not re.fullmatch(NAME, dataset.name):
        return [f"{name}: a wildcard name is a letter or _ followed by letters, digits or _"]
    if isinstance(dataset.decimals, bool) or not isinstance(dataset.decimals, int) \
            or not 0 <= dataset.decimals <= MAX_DECIMALS:
        return [f"{name}: decimals must be a whole number from 0 to {MAX_DECIMALS}"]
    if dataset.items is not None:
        return _items_errors(name, dataset)
    errors = []
    if dataset.distribution not in ("uniform", "loguniform"):
        errors.append(f"{name}: distribution must be uniform or loguniform, not {dataset.distribution!r}")
    if not (_number(dataset.minimum) and _number(dataset.maximum)):
        return errors + [f"{name}: minimum and maximum must be finite numbers"]
    if max(abs(dataset.minimum), abs(dataset.maximum)) > LIMIT:
        return errors + [f"{name}: minimum and maximum must be within ±1e15"]
    if dataset.minimum > dataset.maximum:
        return errors + [f"{name}: minimum {dataset.minimum:g} is above maximum {dataset.maximum:g}"]
    if dataset.distribution == "loguniform" and dataset.minimum <= 0:
        errors.append(f"{name}: a log-uniform range needs a minimum above 0")
    low, high = _grid(dataset)
    if low > high:
        errors.append(f"{name}: no value with {dataset.decimals} decimals lies between the minimum and maximum")
    return errors


def _items_errors(name, dataset):
    items = dataset.items
    if not isinstance(items, (list, tuple)) or not 1 <= len(items) <= MAX_ITEMS:
        return [f"{name}: items must be a list of 1 to {MAX_ITEMS} numbers"]
    errors = []
    for item in items:
        if not _number(item) or abs(item) > LIMIT:
            errors.append(f"{name}: item {item!r} is not a finite number within ±1e15")
        elif _half_up(item, dataset.decimals) != Decimal(repr(float(item))):
            errors.append(f"{name}: item {item!r} has more than {dataset.decimals} decimals")
    return errors


def _draw_one(dataset, rng):
    if dataset.items is not None:
        return float(rng.choice(dataset.items))
    low, high = _grid(dataset)
    if dataset.distribution == "loguniform":
        raw = math.exp(rng.uniform(math.log(dataset.minimum), math.log(dataset.maximum)))
        steps = min(max(int(_half_up(raw, dataset.decimals).scaleb(dataset.decimals)), low), high)
    else:
        steps = rng.randint(low, high)
    return float(Decimal(steps).scaleb(-dataset.decimals))


def draw(datasets, rng):
    """One value per dataset ({name: value}), each with its dataset's decimals, drawn with `rng`.

    `rng` is a `random.Random`: seed it to draw the same values again (an attempt's variant).
    """
    return {dataset.name: _draw_one(dataset, rng) for dataset in datasets}


# --- Authoring check -------------------------------------------------------------------------


def _range_values(dataset):
    """The values worth trying first: the range's ends, and 0, 1 and -1 when they can be drawn."""
    if dataset.items is not None:
        return sorted(set(map(float, dataset.items)))
    low, high = _grid(dataset)
    steps = {low, high} | {s * 10**dataset.decimals for s in (-1, 0, 1)}
    return sorted(float(Decimal(s).scaleb(-dataset.decimals)) for s in steps if low <= s <= high)


def _corners(datasets):
    """Combinations of each wildcard's interesting values: all of them if few, else the ends only."""
    choices = [_range_values(d) for d in datasets]
    if math.prod(map(len, choices)) > CHECK_COMBINATIONS:
        choices = [sorted({c[0], c[-1]}) for c in choices]
    return itertools.islice(itertools.product(*choices), CHECK_COMBINATIONS * 4)


def _describe(values, datasets):
    return ", ".join(
        f"{{{d.name}}}={format_answer(values[d.name], fmt='decimals', length=d.decimals)}" for d in datasets
    )


def check_formula(formula, datasets):
    """Problems with `formula` over its datasets' ranges, as messages naming the values that break it.

    The formula is evaluated at the corners of the ranges (every combination of each wildcard's
    ends, plus 0 and ±1 where drawable; every item of short item lists) and at CHECK_DRAWS seeded
    random draws, so the same question always gets the same verdict.
    """
    try:
        parsed = parse(formula)
    except FormulaError as exc:
        return [str(exc)]
    by_name = {d.name: d for d in datasets}
    missing = sorted(parsed.wildcards - by_name.keys())
    if missing:
        return [f"unknown wildcard {{{name}}}: no dataset defines it" for name in missing]
    used = [by_name[name] for name in sorted(parsed.wildcards)]
    errors = [error for d in used for error in dataset_errors(d)]
    if errors:
        return errors
    rng = random.Random(0)
    combos = itertools.chain(
        (dict(zip([d.name for d in used], corner)) for corner in _corners(used)),
        (draw(used, rng) for _ in range(CHECK_DRAWS)),
    )
    problems = {}
    for values in combos:
        try:
            parsed.evaluate(values)
        except FormulaError as exc:
            problems.setdefault(str(exc), f"{exc} when {_describe(values, used)}")
    return list(problems.values())


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
