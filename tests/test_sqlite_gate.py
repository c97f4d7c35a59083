"""SQLite writers in one process queue on the engine's write lock, and always give it back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from dispatch.db.engine import make_engine
from dispatch.db.sqlite_gate import GatedConnection, is_write


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path}/gate.db")
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield eng
    eng.dispose()


def _gate(engine: Engine) -> threading.Lock:
    with engine.connect() as conn:
        dbapi = conn.connection.driver_connection
        assert isinstance(dbapi, GatedConnection)
        return dbapi.gate


def test_write_holds_the_lock_until_commit(engine: Engine) -> None:
    gate = _gate(engine)
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM t")).scalar()
        assert not gate.locked()  # reads never queue
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert gate.locked()
        conn.execute(text("UPDATE t SET x = 2"))  # the same transaction: no second acquire
        conn.commit()
        assert not gate.locked()


def test_rollback_and_errors_release_the_lock(engine: Engine) -> None:
    gate = _gate(engine)
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.rollback()
    assert not gate.locked()
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(text("DELETE FROM t"))
        raise RuntimeError("boom")
    assert not gate.locked()
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    # Returned to the pool with the transaction open: the pool rolls it back.
    assert not gate.locked()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_concurrent_writers_all_land(engine: Engine) -> None:
    def write(n: int) -> None:
        for i in range(50):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": n * 1000 + i})
                conn.execute(text("UPDATE t SET x = x WHERE x = :x"), {"x": n * 1000 + i})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT x) FROM t")).scalar() == 300
    assert not _gate(engine).locked()


@pytest.mark.parametrize(("sql", "write"), [
    ("INSERT INTO t VALUES (1)", True), ("  update t set x=1", True), ("DELETE FROM t", True),
    ("REPLACE INTO t VALUES (1)", True), ("SELECT * FROM t", False), ("PRAGMA user_version", False),
])
def test_what_counts_as_a_write(sql: str, write: bool) -> None:
    assert is_write(sql) is write
