"""SQLite writers in one process take turns on a lock instead of SQLite's busy sleeps.

SQLite allows one write transaction at a time. A second writer that finds the
database locked sleeps in growing steps (1, 2, 5, 10, 15, 20, 25 ms ...) before
retrying, so under concurrent intake a few requests wait far longer than the
write they queue behind. Here each connection takes a process-wide lock before
its first INSERT/UPDATE/DELETE and gives it back right after COMMIT or ROLLBACK:
waiters wake the moment the writer is done. Other processes (the CLI, a second
server) still meet SQLite's own lock and busy timeout.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

log = logging.getLogger(__name__)

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its engine's write lock for each write transaction."""

    gate: threading.Lock
    wait_s: float = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holding = False

    def enter_write(self) -> None:
        """Take the write lock unless this connection's transaction already holds it."""
        if self._holding:
            return
        # A bounded wait: should two connections in one thread both write, fall back
        # to SQLite's own locking (and its busy timeout) rather than wait forever.
        if self.gate.acquire(timeout=self.wait_s):
            self._holding = True
        else:
            log.warning("SQLite write lock not free after %.0f s; writing without it", self.wait_s)

    def _leave_write(self) -> None:
        if self._holding:
            self._holding = False
            self.gate.release()

    def commit(self) -> None:
        """Commit, then let the next writer in."""
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._leave_write()

    def rollback(self) -> None:
        """Roll back, then let the next writer in."""
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self._leave_write()

    def close(self) -> None:
        """Close (an open transaction is rolled back), then let the next writer in."""
        try:
            super().close()
        finally:
            self._leave_write()


def gated_connection_class() -> type[GatedConnection]:
    """A connection class with its own lock: one per engine, i.e. per database."""
    return type("GatedConnection", (GatedConnection,), {"gate": threading.Lock()})


def is_write(statement: str) -> bool:
    """True for statements that start a write transaction."""
    return statement.lstrip()[:7].upper().startswith(_WRITES)


def before_cursor_execute(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    """Engine hook: take the write lock before the first write of a transaction."""
    if is_write(statement):
        dbapi = conn.connection.driver_connection
        if isinstance(dbapi, GatedConnection):
            dbapi.enter_write()
