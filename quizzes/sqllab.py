"""SQL labs: run a trainee's query in a sandbox over a lab's SQLite dataset, and grade it by its result.

The sandbox stacks independent controls, so one failing does not open the dataset:

- refused before SQLite sees it: empty SQL, more than ``max_sql_chars``, more than one statement
  (a tokenizer that knows strings and comments, so ``SELECT ';'`` is one statement);
- a fresh connection per run, opened ``mode=ro`` on the dataset file (never the application database),
  with ``query_only``, no attached databases and small limits on string length and LIKE patterns;
- an authorizer that allows only SELECT, reading tables, recursive CTEs and the functions in
  ``ALLOWED_FUNCTIONS`` (so no ATTACH, PRAGMA, writes, transactions or ``load_extension``);
- a progress handler that stops the query when the time budget is spent, and fetching that stops at
  the row-count cap, so an endless ``WITH RECURSIVE`` or a cross join of big tables ends quickly.

Every refusal is a ``LabError`` whose message a trainee can act on.
"""

import math
import re
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ALLOWED_FUNCTIONS", "Comparison", "LabError", "LabSetupError", "Result",
    "compare", "grade_query", "has_order_by", "run_query", "split_statements",
]

ALLOWED_FUNCTIONS = frozenset("""
    count sum avg min max total group_concat
    abs round sign floor ceil ceiling sqrt power pow exp ln log log10 log2 mod
    length lower upper substr substring trim ltrim rtrim replace instr char unicode
    coalesce ifnull nullif iif typeof like glob
    date time datetime julianday strftime unixepoch
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
""".split())

COUNT_CAP = 10_000  # rows counted for the preview; beyond it the count reads "more than 10,000"
GRADING_ROW_CAP = 5_000
PREVIEW_CHARS = 200
PROGRESS_STEPS = 1_000  # VM instructions between time checks (well under a millisecond)
# Per-connection limits: a string or blob may not outgrow LENGTH, which also bounds the cost of one
# function call (instr/replace are O(n·m)) that the progress handler cannot interrupt. printf/format
# are left out of the functions for that reason: printf('%.*c', 1e9, 'x') loops a billion times in one call.
LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: 100_000,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 100,
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 100,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,
}

_WRITE_ACTIONS = {
    getattr(sqlite3, name) for name in dir(sqlite3)
    if re.match(r"SQLITE_(INSERT|UPDATE|DELETE|CREATE_|DROP_|ALTER_TABLE|REINDEX|ANALYZE)", name)
}


class LabError(ValueError):
    """A query the sandbox refused or stopped; the message is meant for the trainee."""


class LabSetupError(RuntimeError):
    """The lab itself is wrong (its reference query fails or returns too much): an author's problem."""


@dataclass(frozen=True)
class Result:
    columns: list
    rows: list  # the first row_cap rows (values shortened for display unless run for grading)
    row_count: int  # exact when not count_capped, else the cap
    elapsed_ms: float
    truncated: bool  # more rows than shown
    count_capped: bool = False  # there were more than row_count rows
    sql: str = ""  # the statement run, so compare() can tell whether the reference sorts

    @property
    def row_count_label(self):
        return f"more than {self.row_count:,}" if self.count_capped else f"{self.row_count:,}"


@dataclass(frozen=True)
class Comparison:
    match: bool
    missing: list = field(default_factory=list)  # reference rows the query did not return (capped)
    extra: list = field(default_factory=list)  # returned rows the reference does not have (capped)
    missing_count: int = 0
    extra_count: int = 0
    column_message: str = ""
    row_message: str = ""


# --- Statements -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^']|'')*(?:'|\Z))
  | (?P<quoted>"(?:[^"]|"")*(?:"|\Z)|`(?:[^`]|``)*(?:`|\Z)|\[[^\]]*(?:\]|\Z))
  | (?P<word>[^\W\d][\w$]*)
  | (?P<other>.)
""", re.S | re.X)


def _tokens(sql):
    """(kind, text, start) for each token, without whitespace and comments."""
    for match in _TOKEN.finditer(sql):
        if match.lastgroup not in ("space", "comment"):
            yield match.lastgroup, match.group(), match.start()


def split_statements(sql):
    """The statements in ``sql`` (text without the ending ``;``), ignoring empty ones."""
    statements, start, seen = [], 0, False
    for kind, text, position in _tokens(sql):
        if kind == "other" and text == ";":
            if seen:
                statements.append(sql[start:position].strip())
            start, seen = position + 1, False
        elif not seen:
            start, seen = position, True
    if seen:
        statements.append(sql[start:].strip())
    return statements


def has_order_by(sql):
    """Whether the statement sorts its result: an ORDER BY outside parentheses (subqueries, OVER)."""
    depth, previous = 0, ""
    for kind, text, _ in _tokens(sql):
        if kind == "other" and text in "()":
            depth += 1 if text == "(" else -1
        elif kind == "word" and depth == 0:
            if previous == "ORDER" and text.upper() == "BY":
                return True
        previous = text.upper() if kind == "word" else ""
    return False


def _single_statement(sql, max_sql_chars):
    if len(sql) > max_sql_chars:
        raise LabError(f"The query is {len(sql):,} characters long; a lab query may have at most {max_sql_chars:,}.")
    statements = split_statements(sql)
    if not statements:
        raise LabError("The query is empty: write a SELECT statement.")
    if len(statements) > 1:
        raise LabError("Run one statement at a time: the text after the first ';' is a second statement.")
    return statements[0]


# --- Running ----------------------------------------------------------------------------------------

def _authorizer(refusals):
    """An authorizer allowing only reads; it notes why it refused, for the trainee's message."""
    def authorize(action, arg1, arg2, database, trigger):
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ and database in ("main", None):  # None: count(*) reads no column
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in ALLOWED_FUNCTIONS:
            return sqlite3.SQLITE_OK
        refusals.append(_refusal(action, arg1, arg2))
        return sqlite3.SQLITE_DENY
    return authorize


def _refusal(action, arg1, arg2):
    if action == sqlite3.SQLITE_FUNCTION:
        return f"The function {arg2}() is not available in SQL labs."
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return "ATTACH, DETACH and VACUUM INTO are not allowed: a lab reads only its own dataset."
    if action == sqlite3.SQLITE_PRAGMA:
        return f"PRAGMA {arg1 or ''} is not allowed in SQL labs.".replace("  ", " ")
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":  # a table-valued pragma parses its schema
        return "PRAGMA functions are not allowed in SQL labs: the data dictionary lists the tables and columns."
    if action in _WRITE_ACTIONS:
        return "The lab dataset is read-only: only SELECT queries are allowed (no INSERT, UPDATE, DELETE, CREATE)."
    if action in (sqlite3.SQLITE_TRANSACTION, sqlite3.SQLITE_SAVEPOINT):
        return "Transactions are not needed in SQL labs: only SELECT queries are allowed."
    return "Only SELECT queries are allowed in SQL labs."


def _connect(database_path):
    path = Path(database_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"SQL lab dataset {path} does not exist")
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        if hasattr(connection, "enable_load_extension"):  # absent when SQLite is built without extensions
            connection.enable_load_extension(False)
        connection.execute("PRAGMA query_only = ON")  # before the authorizer, which refuses PRAGMA
        connection.execute("PRAGMA trusted_schema = OFF")
        for limit, value in LIMITS.items():
            connection.setlimit(limit, value)
    except BaseException:
        connection.close()
        raise
    return connection


def _preview(value):
    if isinstance(value, str) and len(value) > PREVIEW_CHARS:
        return value[:PREVIEW_CHARS] + "…"
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes>"
    return value


def _execute(database_path, sql, *, time_budget_ms, row_cap, count_cap, max_sql_chars, preview):
    statement = _single_statement(sql, max_sql_chars)
    connection = _connect(database_path)
    refusals, started = [], time.monotonic()
    deadline = started + time_budget_ms / 1000
    connection.set_authorizer(_authorizer(refusals))
    connection.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        cursor = connection.execute(statement)
        columns = [d[0] for d in cursor.description or ()]
        rows, count = [], 0
        while count <= count_cap:
            batch = cursor.fetchmany(min(500, count_cap + 1 - count))
            if not batch:
                break
            rows.extend(batch[: max(0, row_cap - len(rows))])
            count += len(batch)
    except sqlite3.Error as error:
        raise _lab_error(error, refusals, time.monotonic() > deadline, time_budget_ms) from None
    finally:
        connection.close()
    elapsed_ms = (time.monotonic() - started) * 1000
    if not columns:
        raise LabError("Only SELECT queries are allowed in SQL labs.")
    if preview:
        rows = [tuple(_preview(v) for v in row) for row in rows]
    capped = count > count_cap
    return Result(columns, rows, min(count, count_cap), round(elapsed_ms, 1), count > len(rows), capped, statement)


def _lab_error(error, refusals, late, time_budget_ms):
    if refusals:
        return LabError(refusals[0])
    if late or "interrupted" in str(error):
        return LabError(f"The query ran longer than {time_budget_ms} ms and was stopped: "
                        "check the joins and add conditions, or LIMIT a recursive query.")
    if "too big" in str(error):
        return LabError(f"A value grew larger than {LIMITS[sqlite3.SQLITE_LIMIT_LENGTH]:,} characters.")
    return LabError(f"SQLite could not run the query: {error}")


def run_query(database_path, sql, *, time_budget_ms=250, row_cap=50, max_sql_chars=10_000):
    """Run one SELECT on the dataset read-only: the first ``row_cap`` rows and the row count.

    Raises ``LabError`` for anything refused or stopped (time budget, authorizer, syntax).
    """
    return _execute(database_path, sql, time_budget_ms=time_budget_ms, row_cap=row_cap, count_cap=COUNT_CAP,
                    max_sql_chars=max_sql_chars, preview=True)


# --- Grading ----------------------------------------------------------------------------------------

MAX_REPORTED = 10
_MAX_TOLERANCE_PAIRS = 200_000  # rows left after exact matching, compared pairwise with the tolerance


def _key(value):
    """A hashable form in which 1 and 1.0 are equal and floats agree to 10 significant digits."""
    if isinstance(value, float) and math.isfinite(value):
        return int(value) if value.is_integer() else float(f"{value:.10g}")
    return value


def _close(a, b, tolerance):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and float in (type(a), type(b)):
        return a == b or abs(a - b) <= tolerance * max(1.0, abs(a), abs(b))
    return a == b


def _shape(row):
    """What must be equal for two rows to be close: everything but the numbers."""
    return tuple(0 if isinstance(v, (int, float)) else v for v in row)


def _rows_close(a, b, tolerance):
    return all(_close(x, y, tolerance) for x, y in zip(a, b))


def _unmatched(reference, submitted, tolerance):
    """Multiset difference with numeric tolerance: (missing, extra) rows."""
    left = Counter(tuple(map(_key, r)) for r in reference)
    left.subtract(Counter(tuple(map(_key, r)) for r in submitted))
    missing = [row for row, n in left.items() if n > 0 for _ in range(n)]
    extra = [row for row, n in left.items() if n < 0 for _ in range(-n)]
    if not missing or not extra or len(missing) * len(extra) > _MAX_TOLERANCE_PAIRS:
        return missing, extra
    pool = defaultdict(list)
    for row in extra:
        pool[_shape(row)].append(row)
    still_missing = []
    for row in missing:
        candidates = pool[_shape(row)]
        found = next((i for i, c in enumerate(candidates) if _rows_close(row, c, tolerance)), None)
        if found is None:
            still_missing.append(row)
        else:
            candidates.pop(found)
    return still_missing, [row for rows in pool.values() for row in rows]


def _column_order(reference_columns, columns, reference_rows, rows, check_column_names):
    """Indexes putting the submitted columns in the reference's order, or None if no mapping is found."""
    names = [c.lower() for c in columns]
    wanted = [c.lower() for c in reference_columns]
    if sorted(names) == sorted(wanted) and len(set(names)) == len(names):
        return [names.index(c) for c in wanted]
    if check_column_names:
        return None
    contents = [sorted(map(repr, (_key(r[i]) for r in rows))) for i in range(len(columns))]
    order = []
    for i in range(len(reference_columns)):
        target = sorted(map(repr, (_key(r[i]) for r in reference_rows)))
        choice = next((j for j, c in enumerate(contents) if j not in order and c == target), None)
        if choice is None:
            return None
        order.append(choice)
    return order


def compare(reference, submitted, *, check_column_names=False, check_column_order=True, ordered=None,
            tolerance=1e-6):
    """Compare two results (``columns`` and full ``rows``) as the grader does.

    Rows are a multiset unless ``ordered`` (None: when the reference's ``sql`` has a top-level
    ORDER BY, so the reference should sort on a unique key); floats match within ``tolerance`` (relative above 1,
    absolute below), ints and strings exactly, 1 equals 1.0. Missing and extra rows are capped.
    """
    columns, rows = list(submitted.columns), list(submitted.rows)
    expected = list(reference.columns)
    if len(columns) != len(expected):
        return Comparison(False, column_message=(
            f"Expected {len(expected)} columns ({', '.join(expected)}); the query returns {len(columns)}."))
    if not check_column_order:
        order = _column_order(expected, columns, reference.rows, rows, check_column_names)
        if order is not None:
            columns = [columns[i] for i in order]
            rows = [tuple(row[i] for i in order) for row in rows]
    if check_column_names and [c.lower() for c in columns] != [c.lower() for c in expected]:
        return Comparison(False, column_message=(
            f"Expected the columns {', '.join(expected)}; the query returns {', '.join(columns)}."))
    if ordered is None:
        ordered = has_order_by(getattr(reference, "sql", ""))
    missing, extra = _unmatched(reference.rows, rows, tolerance)
    if missing or extra:
        return Comparison(False, missing[:MAX_REPORTED], extra[:MAX_REPORTED], len(missing), len(extra),
                          row_message=f"{len(missing):,} rows missing, {len(extra):,} rows extra.")
    if ordered and not all(_rows_close(a, b, tolerance) for a, b in zip(reference.rows, rows)):
        return Comparison(False, row_message="The rows are right but not in the expected order (see ORDER BY).")
    return Comparison(True)


def grade_query(database_path, reference_sql, submitted_sql, *, check_column_names=False,
                check_column_order=True, ordered=None, tolerance=1e-6, time_budget_ms=250,
                row_cap=GRADING_ROW_CAP, max_sql_chars=10_000):
    """Run the reference and the submitted query on the dataset and compare their results.

    ``ordered=None`` compares row order only when the reference has a top-level ORDER BY. A failing
    reference raises ``LabSetupError``; a refused or stopped submission raises ``LabError``.
    """
    options = {"time_budget_ms": time_budget_ms, "row_cap": row_cap, "count_cap": row_cap,
               "max_sql_chars": max_sql_chars, "preview": False}
    try:
        reference = _execute(database_path, reference_sql, **options)
    except LabError as error:
        raise LabSetupError(f"The reference query fails: {error}") from None
    if reference.count_capped:
        raise LabSetupError(f"The reference query returns more than {row_cap:,} rows.")
    submitted = _execute(database_path, submitted_sql, **options)
    if submitted.count_capped:
        return Comparison(False, row_message=(
            f"The query returns more than {row_cap:,} rows; the expected result has {reference.row_count:,}."))
    return compare(reference, submitted, check_column_names=check_column_names,
                   check_column_order=check_column_order, ordered=ordered, tolerance=tolerance)
