"""The SQL lab sandbox and grader over the shipped Fawn Mall dataset: each attack and what stops it."""

import contextlib
import hashlib
import importlib.util
import shutil
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from quizzes import sqllab
from quizzes.sqllab import LabError, LabSetupError, compare, grade_query, has_order_by, run_query, split_statements

DATASETS = Path(__file__).resolve().parents[2] / "content" / "curriculum" / "datasets"
SHIPPED = DATASETS / "shop.sqlite3"
QUICK = 1.0  # seconds: generous, the budget is 250 ms; a hostile query must not hold a worker longer

ENDLESS = "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) "
GROW = "replace(replace(replace(replace(replace('aaaaaaaaaa', 'a', 'aaaaaaaaaa'), 'a', 'aaaaaaaaaa'), " \
       "'a', 'aaaaaaaaaa'), 'a', 'aaaaaaaaaa'), 'a', 'aaaaaaaaaa')"  # 10**6 characters
ATTACKS = [
    pytest.param(ENDLESS + "SELECT max(x) FROM r", "ran longer than 250 ms", id="endless-recursive-cte"),
    pytest.param("SELECT count(*) FROM events AS a, events AS b, orders AS c", "ran longer than 250 ms",
                 id="cross-join"),
    pytest.param("ATTACH DATABASE '/tmp/sqllab-attack.sqlite3' AS other", "ATTACH", id="attach"),
    pytest.param("VACUUM INTO '/tmp/sqllab-attack.sqlite3'", "VACUUM INTO are not allowed", id="vacuum-into"),
    pytest.param("SELECT load_extension('x')", "load_extension", id="load-extension"),
    pytest.param("PRAGMA writable_schema=1", "PRAGMA writable_schema is not allowed", id="pragma"),
    pytest.param("SELECT * FROM pragma_table_info('users')", "PRAGMA functions are not allowed", id="pragma-function"),
    pytest.param("SELECT " + "1 + " * 250_000 + "1", "at most 10,000", id="1MB-query"),
    pytest.param("SELECT 1; DELETE FROM users", "Run one statement at a time", id="statement-after-semicolon"),
    pytest.param("SELECT ';'; DROP TABLE users; -- ;", "Run one statement at a time", id="statements-after-string"),
    pytest.param("INSERT INTO users VALUES (9999, '2026-01-01', 'ads', '上海')", "read-only", id="insert"),
    pytest.param("UPDATE orders SET amount = 0", "read-only", id="update"),
    pytest.param("DELETE FROM events", "read-only", id="delete"),
    pytest.param("CREATE TEMP TABLE t AS SELECT * FROM users", "read-only", id="create-temp-table"),
    pytest.param("DROP TABLE channels", "read-only", id="drop"),
    pytest.param("BEGIN IMMEDIATE", "Transactions are not needed", id="transaction"),
    pytest.param("SELECT randomblob(1000000000)", "randomblob() is not available", id="randomblob"),
    pytest.param("SELECT zeroblob(1000000000)", "zeroblob() is not available", id="zeroblob"),
    pytest.param("SELECT printf('%.*c', 1000000000, 'x')", "printf() is not available", id="printf-width"),
    pytest.param("SELECT sqlite_version()", "sqlite_version() is not available", id="sqlite-function"),
    pytest.param("SELECT length(" + GROW + ")", "larger than 100,000 characters", id="huge-string"),
    pytest.param("  ; -- nothing", "empty", id="empty"),
]


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A copy of the shipped dataset, so an attack that got through could not damage the repository."""
    copy = tmp_path_factory.mktemp("sqllab") / "shop.sqlite3"
    shutil.copyfile(SHIPPED, copy)
    return copy


def _refused(dataset, sql):
    started = time.monotonic()
    with pytest.raises(LabError) as refusal:
        run_query(dataset, sql)
    return str(refusal.value), time.monotonic() - started


@pytest.mark.parametrize(("sql", "message"), ATTACKS)
def test_an_attack_is_refused_quickly_with_a_reason(dataset, sql, message):
    """Each hostile query raises a LabError naming what stopped it, well within a second."""
    text, seconds = _refused(dataset, sql)
    assert message in text
    assert seconds < QUICK, f"refusing {sql[:60]!r} took {seconds:.2f} s"


def test_the_dataset_file_is_unchanged_by_every_attack(dataset):
    """After all the attacks the dataset's bytes are what they were."""
    before = _sha256(dataset)
    for attack in ATTACKS:
        with contextlib.suppress(LabError):  # whether each is refused is the test above; here, the bytes
            run_query(dataset, attack.values[0])
    assert _sha256(dataset) == before
    assert not Path("/tmp/sqllab-attack.sqlite3").exists()


def test_a_connection_opened_read_only_refuses_writes_without_the_authorizer(dataset):
    """mode=ro holds on its own: a raw connection opened the same way cannot write."""
    raw = sqlite3.connect(f"{dataset.resolve().as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        raw.execute("DELETE FROM users")
    raw.close()
    sandbox = sqllab._connect(dataset)  # the sandbox's own connection, before its authorizer is set
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        sandbox.execute("CREATE TABLE t (x)")
    sandbox.close()


def test_an_endless_recursive_listing_stops_at_the_count_cap(dataset):
    """Listing an endless CTE is stopped by the row cap: 50 rows shown, 'more than 10,000' counted."""
    started = time.monotonic()
    result = run_query(dataset, ENDLESS + "SELECT x FROM r")
    assert time.monotonic() - started < QUICK
    assert result.rows[:3] == [(1,), (2,), (3,)] and len(result.rows) == 50
    assert result.count_capped and result.row_count_label == "more than 10,000"


def test_a_streamed_cross_join_stops_at_the_count_cap(dataset):
    """Listing events × events × orders (billions of rows) stops at the count cap with the first
    rows, instead of running for hours: it is the cap that ends it, with the time budget raised
    out of its way (on a busy machine counting 10,000 rows can take longer than 250 ms)."""
    result = run_query(dataset, "SELECT * FROM events AS a, events AS b, orders AS c", time_budget_ms=60_000)
    assert len(result.rows) == 50 and result.truncated and result.count_capped


def test_the_preview_shows_50_named_rows_and_the_true_count(dataset):
    """A plain SELECT shows the first 50 rows, the column names and the exact row count."""
    result = run_query(dataset, "SELECT id, amount AS paid FROM orders ORDER BY id;  -- all orders")
    total = sqlite3.connect(SHIPPED).execute("SELECT count(*) FROM orders").fetchone()[0]
    assert result.columns == ["id", "paid"]
    assert [row[0] for row in result.rows] == list(range(1, 51))
    assert result.row_count == total and result.row_count_label == f"{total:,}" and result.truncated
    assert not result.count_capped and result.elapsed_ms < 250


def test_the_preview_shortens_long_values(dataset):
    """A long string shows as its first 200 characters and an ellipsis."""
    result = run_query(dataset, "SELECT replace(replace('aaaaaaaaaa', 'a', 'aaaaaaaaaa'), 'a', 'bbbbbbbbbb') AS s")
    assert result.rows == [("b" * 200 + "…",)]


def test_reading_functions_windows_and_ctes_are_allowed(dataset):
    """Ordinary analysis SQL runs: CTEs, window functions, dates, LIKE, the schema table, ';' in a string."""
    result = run_query(dataset, """
        WITH first AS (SELECT user_id, min(order_date) AS day FROM orders GROUP BY user_id)
        SELECT strftime('%Y-%m', day) AS month, count(*) AS buyers,
               rank() OVER (ORDER BY count(*) DESC) AS place, ';' AS semicolon
        FROM first WHERE day LIKE '2026-%' GROUP BY month ORDER BY month""")
    assert result.columns == ["month", "buyers", "place", "semicolon"]
    assert result.rows[0][0] == "2026-01" and result.rows[0][3] == ";"
    assert run_query(dataset, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").rows == [
        ("channels",), ("events",), ("orders",), ("users",)]


def test_statements_split_around_strings_and_comments():
    """A ';' inside a string, quoted name or comment does not end the statement."""
    assert split_statements("SELECT ';' AS \"a;b\" -- ;\n/* ; */;") == ["SELECT ';' AS \"a;b\" -- ;\n/* ; */"]
    assert split_statements("SELECT 'it''s; fine'; ;") == ["SELECT 'it''s; fine'"]
    assert split_statements("SELECT 1; DELETE FROM users") == ["SELECT 1", "DELETE FROM users"]


@pytest.mark.parametrize(("sql", "expected"), [
    ("SELECT * FROM users ORDER BY id", True),
    ("SELECT 1 UNION SELECT 2 order\nby 1", True),
    ("SELECT * FROM (SELECT * FROM users ORDER BY id)", False),
    ("SELECT row_number() OVER (ORDER BY id) FROM users", False),
    ("SELECT 'ORDER BY' FROM users -- ORDER BY id", False),
    ("SELECT \"order\" FROM t /* ORDER BY */", False),
    ("WITH x AS (SELECT * FROM users ORDER BY id) SELECT * FROM x", False),
])
def test_has_order_by_sees_only_a_top_level_order_by(sql, expected):
    """Only an ORDER BY that sorts the whole result counts, not one in a subquery, OVER, string or comment."""
    assert has_order_by(sql) is expected


# --- Grading ----------------------------------------------------------------------------------------

BY_CHANNEL = "SELECT channel, count(*) AS users FROM users GROUP BY channel"


def test_rows_match_in_any_order_when_the_reference_does_not_sort(dataset):
    """Without ORDER BY in the reference, the same rows in another order match."""
    assert grade_query(dataset, BY_CHANNEL, BY_CHANNEL + " ORDER BY users DESC").match


def test_row_order_counts_when_the_reference_sorts(dataset):
    """With a top-level ORDER BY in the reference, the right rows in the wrong order do not match."""
    comparison = grade_query(dataset, BY_CHANNEL + " ORDER BY users DESC", BY_CHANNEL + " ORDER BY users")
    assert not comparison.match and "order" in comparison.row_message
    assert not comparison.missing and not comparison.extra
    assert grade_query(dataset, BY_CHANNEL + " ORDER BY users DESC", BY_CHANNEL + " ORDER BY 2 DESC").match


def test_floats_match_within_the_tolerance(dataset):
    """avg() and sum()/count() differ in the last bits and still match; 1 equals 1.0."""
    assert grade_query(dataset, "SELECT coupon_used, avg(amount) FROM orders GROUP BY 1",
                       "SELECT coupon_used, sum(amount) / count(*) FROM orders GROUP BY coupon_used").match
    one = SimpleNamespace(columns=["x"], rows=[(1,), (2.5,)])
    assert compare(one, SimpleNamespace(columns=["x"], rows=[(2.5000000001,), (1.0,)])).match
    assert compare(one, SimpleNamespace(columns=["x"], rows=[(1.0000001,), (2.5,)])).match
    assert not compare(one, SimpleNamespace(columns=["x"], rows=[(1,), (2.51,)])).match
    assert not compare(SimpleNamespace(columns=["n"], rows=[(10_000_000,)]),
                       SimpleNamespace(columns=["n"], rows=[(10_000_001,)])).match  # integers exactly
    assert not compare(one, SimpleNamespace(columns=["x"], rows=[("1",), (2.5,)])).match


def test_column_names_count_only_when_asked(dataset):
    """Different aliases match by default and fail with a message when names are checked."""
    other_alias = "SELECT channel AS source, count(*) AS n FROM users GROUP BY channel"
    assert grade_query(dataset, BY_CHANNEL, other_alias).match
    comparison = grade_query(dataset, BY_CHANNEL, other_alias, check_column_names=True)
    assert not comparison.match and comparison.column_message == (
        "Expected the columns channel, users; the query returns source, n.")


def test_column_order_counts_unless_relaxed(dataset):
    """Swapped columns fail by default and match, by name or by content, when order is relaxed."""
    swapped = "SELECT count(*) AS users, channel FROM users GROUP BY channel"
    assert not grade_query(dataset, BY_CHANNEL, swapped).match
    assert grade_query(dataset, BY_CHANNEL, swapped, check_column_order=False).match
    assert grade_query(dataset, BY_CHANNEL, "SELECT count(*), channel AS c FROM users GROUP BY 2",
                       check_column_order=False).match
    comparison = grade_query(dataset, BY_CHANNEL, "SELECT channel FROM users GROUP BY channel")
    assert not comparison.match and comparison.column_message.startswith("Expected 2 columns (channel, users)")


def test_missing_and_extra_rows_are_reported_and_capped(dataset):
    """The feedback lists at most 10 missing and 10 extra rows and counts them all."""
    comparison = grade_query(dataset, "SELECT id FROM users WHERE id <= 100",
                             "SELECT id FROM users WHERE id <= 80 OR id BETWEEN 1001 AND 1030")
    assert not comparison.match
    assert (comparison.missing_count, comparison.extra_count) == (20, 30)
    assert len(comparison.missing) == 10 and set(comparison.missing) <= {(i,) for i in range(81, 101)}
    assert len(comparison.extra) == 10 and set(comparison.extra) <= {(i,) for i in range(1001, 1031)}
    assert comparison.row_message == "20 rows missing, 30 rows extra."


def test_a_result_beyond_the_grading_cap_does_not_match(dataset):
    """A query returning more rows than grading reads fails with the sizes, not a crash."""
    comparison = grade_query(dataset, "SELECT * FROM channels", "SELECT * FROM events")
    assert not comparison.match and comparison.row_message == (
        "The query returns more than 5,000 rows; the expected result has 5.")


def test_a_broken_reference_is_the_authors_problem(dataset):
    """A reference that fails or returns too many rows raises LabSetupError, not a trainee's LabError."""
    with pytest.raises(LabSetupError, match="no such table"):
        grade_query(dataset, "SELECT * FROM nowhere", "SELECT 1")
    with pytest.raises(LabSetupError, match="more than 5,000 rows"):
        grade_query(dataset, "SELECT * FROM events", "SELECT 1")


def test_a_hostile_submission_is_refused_while_grading(dataset):
    """Grading applies the same sandbox: an endless query is stopped within the budget."""
    started = time.monotonic()
    with pytest.raises(LabError, match="ran longer than 250 ms"):
        grade_query(dataset, BY_CHANNEL, ENDLESS + "SELECT count(*) FROM r")
    assert time.monotonic() - started < QUICK


# --- Dataset ----------------------------------------------------------------------------------------

def _generator():
    spec = importlib.util.spec_from_file_location("shop_dataset", DATASETS / "shop.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table_rows(path):
    connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in tables}
    finally:
        connection.close()


def test_the_generator_reproduces_the_shipped_dataset(tmp_path):
    """shop.py with its seed writes the same rows as the committed shop.sqlite3, a small file."""
    generator = _generator()
    rebuilt = generator.generate(tmp_path / "shop.sqlite3", generator.SEED)
    shipped = _table_rows(SHIPPED)
    assert _table_rows(rebuilt) == shipped
    assert {t: len(r) for t, r in shipped.items() if t != "channels"} == {
        "events": pytest.approx(27_000, rel=0.1), "orders": pytest.approx(7_500, rel=0.1), "users": 2000}
    assert SHIPPED.stat().st_size < 3_000_000


def test_another_seed_gives_other_data_of_the_same_shape(tmp_path):
    """A per-attempt seed gives different rows that the same queries run on."""
    other = _generator().generate(tmp_path / "attempt.sqlite3", seed=42)
    assert _table_rows(other)["orders"] != _table_rows(SHIPPED)["orders"]
    assert run_query(other, BY_CHANNEL).columns == ["channel", "users"]
