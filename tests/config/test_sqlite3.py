"""The SQLite backend (config.sqlite3) queues write transactions on a file lock."""

import threading
import time

import pytest
from django.db import connection
from django.db.utils import OperationalError

from config.sqlite3.base import DatabaseWrapper


def _wrapper(path, timeout, busy_ms=None):
    """A connection to the file at `path` waiting at most `timeout` seconds for the write lock;
    `busy_ms` shortens SQLite's own busy handler alone."""
    settings = {**connection.settings_dict, "ENGINE": "config.sqlite3", "NAME": str(path)}
    settings["OPTIONS"] = {**settings["OPTIONS"], "timeout": timeout, "transaction_mode": "IMMEDIATE"}
    settings["OPTIONS"].pop("init_command", None)
    if busy_ms is not None:
        settings["OPTIONS"]["init_command"] = f"PRAGMA busy_timeout = {busy_ms}"
    return DatabaseWrapper(settings)


def _hold_then_commit(path, held, seconds):
    holder = _wrapper(path, 5)
    holder.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    holder.cursor().execute("INSERT INTO t VALUES ('first')")
    held.set()
    time.sleep(seconds)
    holder.commit()
    holder.set_autocommit(True)
    holder.close()


def _second_transaction(path, timeout, busy_ms=None):
    waiter = _wrapper(path, timeout, busy_ms)
    try:
        waiter.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        waiter.cursor().execute("INSERT INTO t VALUES ('second')")
        waiter.commit()
        waiter.set_autocommit(True)
        return [row[0] for row in waiter.cursor().execute("SELECT v FROM t ORDER BY rowid").fetchall()]
    finally:
        waiter.close()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
@pytest.mark.parametrize("engine_locks", [True, False])
def test_a_second_write_transaction_waits_for_the_first_instead_of_failing(tmp_path, engine_locks, django_db_blocker):
    """With SQLite's busy handler far shorter than the first transaction, the second one still
    succeeds once the first commits: it waited on the file lock, not in the busy handler.
    (The stock backend, for contrast, gives up with "database is locked".)"""
    with django_db_blocker.unblock():
        _two_transactions(tmp_path, engine_locks)


def _two_transactions(tmp_path, engine_locks):
    path = tmp_path / "db.sqlite3"
    setup = _wrapper(path, 5)
    setup.cursor().execute("CREATE TABLE t (v TEXT)")
    setup.close()
    held = threading.Event()
    first = threading.Thread(target=_hold_then_commit, args=(path, held, 0.5))
    first.start()
    held.wait(5)
    try:
        if engine_locks:
            assert _second_transaction(path, 5, busy_ms=50) == ["first", "second"]
        else:
            with pytest.raises(OperationalError, match="locked"):
                _stock_second_transaction(path, 5, busy_ms=50)
    finally:
        first.join()


def _stock_second_transaction(path, timeout, busy_ms):
    from django.db.backends.sqlite3.base import DatabaseWrapper as Stock

    stock = Stock(_wrapper(path, timeout, busy_ms).settings_dict)
    try:
        stock.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    finally:
        stock.close()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_a_rolled_back_transaction_releases_the_lock(tmp_path, django_db_blocker):
    """A transaction that ends in rollback lets the next one in at once."""
    with django_db_blocker.unblock():
        _rollback_then_write(tmp_path)


def _rollback_then_write(tmp_path):
    path = tmp_path / "db.sqlite3"
    one, two = _wrapper(path, 0.05), _wrapper(path, 0.05)
    one.cursor().execute("CREATE TABLE t (v TEXT)")
    one.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    one.rollback()
    one.set_autocommit(True)
    two.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)  # would block forever if held
    two.cursor().execute("INSERT INTO t VALUES ('x')")
    two.commit()
    two.set_autocommit(True)
    assert two.cursor().execute("SELECT count(*) FROM t").fetchone()[0] == 1
    one.close()
    two.close()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_the_wait_for_the_write_lock_ends_at_the_timeout(tmp_path, django_db_blocker):
    """A transaction that cannot get the lock within the database's timeout fails with
    "database is locked", as SQLite's own wait does, instead of waiting for ever; once the
    holder commits, the same connection writes again."""
    with django_db_blocker.unblock():
        _time_out_then_write(tmp_path)


def _time_out_then_write(tmp_path):
    path = tmp_path / "db.sqlite3"
    setup = _wrapper(path, 5)
    setup.cursor().execute("CREATE TABLE t (v TEXT)")
    setup.close()
    held, release = threading.Event(), threading.Event()
    first = threading.Thread(target=_hold_until, args=(path, held, release))
    first.start()
    held.wait(5)
    waiter = _wrapper(path, 0.2)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            waiter.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        waited = time.monotonic() - started
        assert 0.2 <= waited < 3, f"waited {waited:.2f} s for a 0.2 s timeout"
        assert waiter.get_autocommit()
    finally:
        release.set()
        first.join()
    waiter.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    waiter.cursor().execute("INSERT INTO t VALUES ('second')")
    waiter.commit()
    waiter.set_autocommit(True)
    assert [row[0] for row in waiter.cursor().execute("SELECT v FROM t ORDER BY rowid")] == ["first", "second"]
    waiter.close()


def _hold_until(path, held, release):
    holder = _wrapper(path, 5)
    holder.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    holder.cursor().execute("INSERT INTO t VALUES ('first')")
    held.set()
    release.wait(10)
    holder.commit()
    holder.set_autocommit(True)
    holder.close()
