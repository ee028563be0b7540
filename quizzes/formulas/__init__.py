"""Calculated questions' pure parts: a safe formula evaluator, wildcard datasets, answer display.

Formulas use Moodle's syntax: wildcards `{name}`, + - * / and `^` (or `**`) for power, parentheses
and a fixed set of functions. They are tokenised and parsed by hand into a tiny tree and never
reach Python's `eval`/`compile`. Hostile input is bounded before any work: at most MAX_LENGTH
characters, MAX_TOKENS tokens and MAX_DEPTH levels of nesting, and every operation's result must be
finite and at most LIMIT in size, so `9^9^9^9` is refused at once instead of computed.

Decisions where Moodle differs or is silent:
- `^` is power (right-associative: 2^3^2 = 512), as the issue asks. In Moodle's PHP formulas `^`
  is bitwise xor and power is `pow(x, y)`, which works here too: a Moodle XML importer should warn
  on a formula with `^`, as it means something else here.
- Unary minus binds looser than power: -2^2 = -4 (written mathematics, Python and PHP's `**`;
  spreadsheets give 4). 2^-1 is allowed.
- Rounding is half away from zero on the shortest decimal form of a value (PHP's `round`), so
  2.675 shows as 2.68 with two decimals, as a person computing by hand expects.
- Significant figures print plainly (12345.678 to 3 → "12300"); Moodle switches to "1.23e4" above
  five integer digits. Values below 1e-6 use scientific notation.
- Geometric tolerance on a negative answer uses the same interval mirrored; Moodle's interval is
  then empty, so no answer could ever match.
"""

from quizzes.formulas.datasets import Dataset, check_formula, dataset_errors, draw
from quizzes.formulas.display import format_answer, substitute, within_tolerance
from quizzes.formulas.expressions import Formula, FormulaError, evaluate, parse

__all__ = [
    "Dataset", "Formula", "FormulaError", "check_formula", "dataset_errors", "draw", "evaluate",
    "format_answer", "parse", "substitute", "within_tolerance",
]
