"""SQLite, with write transactions queued by the kernel rather than by SQLite's busy handler.

Every transaction here begins IMMEDIATE (config.settings.base), taking SQLite's write lock at
once. While another connection holds it, SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25 …
ms between tries, so under load the lock often lies free while every waiter sleeps: in the
quiz benchmark's submit phase the server used one core of two and p99 passed 300 ms. So a
connection to a database file first takes an exclusive flock on `<file>-txlock`, which the
kernel hands to the next waiter the moment the holder commits or rolls back (or dies). Single
statements in autocommit mode keep the busy handler: they hold the write lock for microseconds.
"""

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd = None
    _holds_lock = False

    def _start_transaction_under_autocommit(self):
        self._take_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._drop_write_lock()
            raise

    def _commit(self):
        try:
            super()._commit()
        finally:
            self._drop_write_lock()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._drop_write_lock()

    def _close(self):
        try:
            super()._close()
        finally:
            self._drop_write_lock()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def _take_write_lock(self):
        if self.is_in_memory_db():
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(f"{self.settings_dict['NAME']}-txlock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._holds_lock = True

    def _drop_write_lock(self):
        if self._holds_lock:
            self._holds_lock = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
