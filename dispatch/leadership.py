"""Which process runs the jobs that must run once: ack timeouts, deadlines, webhooks, retention.

Several server processes share one database. Each runs the same background tickers, but only
the leader's do their work, so a resend, a reminder or a webhook happens once. Leadership is a
lock held by the database engine on a live connection, never a home-made heartbeat row:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its
  own. A leader killed with `kill -9` loses its connection, PostgreSQL frees the lock, and the
  next process to try (every `retry_s`) leads.
- SQLite (one machine by nature): an exclusive `flock` on a file beside the database, which the
  kernel frees when the holder dies.
- An in-memory database has no second process: that runtime always leads.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# One number for "the Siaga112 job leader" in PostgreSQL's advisory lock space.
ADVISORY_KEY = 0x5A1A_0112


class Leadership(Protocol):
    """Whether this process may run the once-only jobs right now."""

    def held(self) -> bool:
        """True while this process leads."""
        ...

    def start(self) -> None:
        """Try to lead now, then keep trying in the background."""
        ...

    def stop(self) -> None:
        """Give leadership up (another process can take it at once)."""
        ...


class SoleLeader:
    """Leads always: nothing else can share this database (in-memory SQLite)."""

    def held(self) -> bool:
        """Always true."""
        return True

    def start(self) -> None:
        """Nothing to acquire."""

    def stop(self) -> None:
        """Nothing to release."""


class _Lease:
    """Try to acquire at start and every `retry_s`; check a held lock is still held."""

    kind = "lease"

    def __init__(self, retry_s: float = 1.0) -> None:
        self.retry_s = retry_s
        self._held = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def held(self) -> bool:
        """True while this process leads."""
        return self._held

    def start(self) -> None:
        """Try once now (so a lone process leads before its tickers first run), then poll."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._tick()
        self._thread = threading.Thread(target=self._run, name=f"leader-{self.kind}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Release and stop polling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        with self._lock:
            if self._held:
                log.info("giving up job leadership (%s)", self.kind)
            self._held = False
            self._release()

    def _run(self) -> None:
        while not self._stop.wait(self.retry_s):
            self._tick()

    def _tick(self) -> None:
        with self._lock:
            if self._stop.is_set() and self._thread is not None:
                return
            try:
                now = self._still_held() if self._held else self._acquire()
            except Exception:
                log.warning("job leadership check failed (%s)", self.kind, exc_info=True)
                now = False
                with contextlib.suppress(Exception):
                    self._release()
            if now != self._held:
                log.info("%s job leadership (%s)", "took" if now else "lost", self.kind)
            self._held = now

    def _acquire(self) -> bool:
        raise NotImplementedError

    def _still_held(self) -> bool:
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError


class FileLease(_Lease):
    """SQLite: an exclusive flock on `<database>.leader`, freed by the kernel on any exit."""

    kind = "file"

    def __init__(self, path: Path, retry_s: float = 1.0) -> None:
        super().__init__(retry_s)
        self.path = path
        self._fd: int | None = None

    def _acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def _still_held(self) -> bool:
        return self._fd is not None

    def _release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class PostgresLease(_Lease):
    """PostgreSQL: a session advisory lock on a connection kept only for it."""

    kind = "postgresql"

    def __init__(self, engine: Engine, retry_s: float = 1.0, key: int = ADVISORY_KEY) -> None:
        super().__init__(retry_s)
        self.engine = engine
        self.key = key
        self._conn: Any = None

    def _acquire(self) -> bool:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                    {"k": self.key}).scalar())
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def _still_held(self) -> bool:
        # A dropped connection means PostgreSQL has freed the lock: someone else may lead.
        self._conn.execute(text("SELECT 1"))
        return True

    def _release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            with contextlib.suppress(Exception):
                conn.close()
            # Never hand this connection back to the pool still holding the lock.
            with contextlib.suppress(Exception):
                conn.invalidate()


def leadership_for(engine: Engine, retry_s: float = 1.0) -> Leadership:
    """The leadership lock that fits the database behind `engine`."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresLease(engine, retry_s)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file::memory:"):
            return FileLease(Path(database + ".leader"), retry_s)
        return SoleLeader()
    log.warning("no leadership lock for %s: this process always runs the once-only jobs",
                url.get_backend_name())
    return SoleLeader()
