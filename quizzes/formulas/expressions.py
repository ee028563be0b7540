"""Formulas: tokenizer, recursive-descent parser into a tree of tuples, and a bounded evaluator.

Never Python's eval: only numbers, {wildcards}, + - * / ^ ** ( ) , and the functions in FUNCTIONS
get through. Every result is checked finite and within LIMIT after each operation.
"""

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

MAX_LENGTH = 500
MAX_TOKENS = 200
MAX_DEPTH = 32
LIMIT = 1e15
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


WIDE = Context(prec=400)  # room for any float (up to 1.8e308) with 15 decimals


def round_half_up(value, decimals, rounding=ROUND_HALF_UP):
    """`value` rounded to `decimals` places (negative: tens, hundreds…) on its shortest decimal form."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=rounding, context=WIDE)


def _round(x, n=0):
    if n != int(n) or abs(n) > 15:
        raise FormulaError("round() takes a whole number of decimals between -15 and 15")
    return float(round_half_up(x, int(n)))


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
    return _parsed(formula)


@lru_cache(maxsize=1024)
def _parsed(formula):
    """Formulas are immutable once parsed: every attempt at a calculated question evaluates
    the same few (a failure is not cached, and raises again)."""
    return Formula(formula)


def evaluate(formula, values):
    """The value of `formula` (text or Formula) with `values` ({name: number}) for its wildcards."""
    return (formula if isinstance(formula, Formula) else parse(formula)).evaluate(values)
