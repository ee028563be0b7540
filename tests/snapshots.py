"""Build a test's page tree once per worker, then restore it as rows.

Most tests start from the same small curriculum (and often the same quiz). Building it through
Wagtail (add_child, save_revision, publish, for twenty pages) costs most of a test's set-up, yet
the result is the same rows every time. The first build of each shape really runs and records
which tables it changed, their rows before and after; later builds write the "after" rows
straight back, but only when those tables hold exactly the "before" rows again, so a restore
gives the very database a real build would have. Anything else (a second build in one test, a
test that wrote to those tables first) builds for real.
"""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

# PostgreSQL's json and jsonb (Django has psycopg read them as text): written back with a cast.
JSON_CASTS = {114: "::json", 3802: "::jsonb"}


class Snapshots:
    def __init__(self):
        self.saved = {}  # key -> (changed tables' rows before, rows after, build's result)

    def build(self, key, build):
        """Run `build()` (whose result must stay valid after a restore, e.g. primary keys) or
        restore what it wrote the first time."""
        if key in self.saved:
            before, after, result = self.saved[key]
            if all(_rows(table) == rows for table, rows in before.items()):
                _restore(after)
                return result
            return build()
        tables = _model_tables()
        before = {table: _rows(table) for table in tables}
        result = build()
        after = {table: _rows(table) for table in tables}
        changed = [table for table in tables if after[table] != before[table]]
        self.saved[key] = ({t: before[t] for t in changed}, {t: after[t] for t in changed}, result)
        return result


def _model_tables():
    return sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)
                   if model._meta.managed and not model._meta.proxy})


def _rows(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        columns = tuple(column[0] for column in cursor.description)
        casts = tuple(JSON_CASTS.get(column[1], "") if connection.vendor == "postgresql" else ""
                      for column in cursor.description)
        rows = sorted(cursor.fetchall(), key=repr)
    return Rows(columns, casts, rows)


class Rows:
    def __init__(self, columns, casts, rows):
        self.columns, self.casts, self.rows = columns, casts, rows

    def __eq__(self, other):
        return (self.columns, self.rows) == (other.columns, other.rows)


def _restore(after):
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, rows in after.items():
            cursor.execute(f"DELETE FROM {quote(table)}")
            if rows.rows:
                names = ", ".join(quote(c) for c in rows.columns)
                marks = ", ".join(f"%s{cast}" for cast in rows.casts)
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows.rows)
        models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in after]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
