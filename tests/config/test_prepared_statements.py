"""On PostgreSQL the server binds the parameters and psycopg runs a statement already run five
times on a connection as a prepared statement, so PostgreSQL stops parsing and planning it at every
request (config/settings/base.py); DATABASE_PREPARED_STATEMENTS=off turns that off for poolers
that cannot carry prepared statements."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.config.test_settings import ROOT

POSTGRES = "postgres://user:secret@db.example.com:5432/academy"


def _options(**env):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_PREPARED_STATEMENTS"}
    environment.update(env)
    code = ("import json; from config.settings import base;"
            " print(json.dumps(base.DATABASES['default'].get('OPTIONS', {})))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_binds_on_the_server_and_prepares_unless_turned_off():
    assert _options(DATABASE_URL=POSTGRES) == {"server_side_binding": True, "prepare_threshold": 5}
    assert _options(DATABASE_URL=POSTGRES, DATABASE_PREPARED_STATEMENTS="off") == {}
    assert "server_side_binding" not in _options(DATABASE_URL="sqlite:////tmp/academy.sqlite3")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_statement_run_five_times_runs_prepared_from_then_on(db):
    sql = "SELECT count(*) FROM django_content_type WHERE app_label = %s"

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                           ["%django_content_type WHERE app_label = $1%"])
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        for _ in range(5):
            cursor.execute(sql, ["quizzes"])
        assert cursor.fetchone()[0] > 0 and prepared() == 0
        cursor.execute(sql, ["quizzes"])  # the sixth runs as a prepared statement
        assert cursor.fetchone()[0] > 0
    assert prepared() == 1
