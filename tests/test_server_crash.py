"""`kill -9` of a real `siaga112 serve` in the middle of concurrent intake: after a restart
every incident that got a 2xx is there, once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from dispatch.bootstrap import bootstrap
from dispatch.config import Settings
from dispatch.services import accounts
from tests.support.brokers import free_port

pytestmark = pytest.mark.reliability

THREADS = 4
KILL_AFTER = 60  # acknowledged incidents before the kill: well inside the stream of requests
REPO = Path(__file__).resolve().parents[1]


class Server:
    """`python -m siaga112.cli serve` in its own process group, on a free port."""

    def __init__(self, db_url: str, workdir: Path) -> None:
        self.db_url = db_url
        self.workdir = workdir
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.secret = secrets.token_hex(16)

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        """Start and wait for /healthz (60 s: migrations and the classifier load first)."""
        env = dict(os.environ, SIAGA_DATABASE_URL=self.db_url, SIAGA_SECRET_KEY=self.secret,
                   PYTHONPATH=str(REPO))
        env.pop("SIAGA_MQTT_URL", None)
        log = open(self.workdir / "server.log", "ab")  # noqa: SIM115 (closed with the process)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "siaga112.cli", "serve", "--port", str(self.port),
             "--threads", "16"],
            env=env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own group: kill -9 reaches gunicorn's worker too
        log.close()
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("server did not start:\n"
                                     + (self.workdir / "server.log").read_text()[-3000:])
            time.sleep(0.2)

    def kill9(self) -> None:
        """SIGKILL to the whole process group: no handler, no flush, no goodbye."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """A normal stop (SIGTERM to the group), then SIGKILL if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database the server process can reach: a SQLite file or a fresh PostgreSQL one."""
    from tests.conftest import ENGINES_RAN, postgres_database, postgres_ok

    if request.param == "sqlite":
        ENGINES_RAN.add("sqlite")
        yield f"sqlite:///{tmp_path}/crash.db"
        return
    if not postgres_ok():
        pytest.skip("PostgreSQL not reachable")
    ENGINES_RAN.add("postgresql")
    with postgres_database() as url:
        yield url


def test_kill_9_during_concurrent_intake_loses_no_acknowledged_incident(
        crash_db: str, tmp_path: Path) -> None:
    rt = bootstrap(Settings(database_url=crash_db))
    accounts.create_user(rt, "intake", "intake-password-1", "operator")
    token = accounts.create_token(rt, "intake")
    rt.stop()
    headers = {"Authorization": f"Bearer {token}"}
    server = Server(crash_db, tmp_path).start()

    acked: list[tuple[int, str]] = []  # (incident id, the request's own tag)
    refused: list[str] = []  # a non-2xx answer while the server was up is a bug, not a crash
    lock = threading.Lock()
    enough = threading.Event()
    counter = iter(range(100_000))

    def intake(worker: int) -> None:
        session = requests.Session()
        while True:
            with lock:
                n = next(counter)
            tag = f"req-{worker}-{n}"
            body = {"description": f"Kebakaran rumah warga, api besar ({tag})",
                    "lat": -7.80 - (n % 50) * 4e-4, "lon": 112.00 + (n % 37) * 4e-4,
                    "channel": "call"}
            try:
                resp = session.post(server.base + "/api/v1/incidents", json=body,
                                    headers=headers, timeout=10)
            except requests.RequestException:
                return  # the server is gone: an unanswered request was never acknowledged
            with lock:
                if 200 <= resp.status_code < 300:
                    acked.append((int(resp.json()["id"]), tag))
                    if len(acked) >= KILL_AFTER:
                        enough.set()
                else:
                    refused.append(f"{resp.status_code} {resp.text[:200]}")

    pool = [threading.Thread(target=intake, args=(w,), daemon=True) for w in range(THREADS)]
    try:
        for t in pool:
            t.start()
        assert enough.wait(120), f"only {len(acked)} incidents acknowledged; {refused[:3]}"
        server.kill9()  # mid-stream: the 4 threads still have requests in flight
        for t in pool:
            t.join(20)
        assert not any(t.is_alive() for t in pool)
        assert refused == []
        with lock:
            taken = list(acked)
        assert len(taken) >= KILL_AFTER

        server.start()  # the same database, a fresh process
        session = requests.Session()
        for inc_id, tag in taken:
            resp = session.get(f"{server.base}/api/v1/incidents/{inc_id}", headers=headers,
                               timeout=10)
            assert resp.status_code == 200, (inc_id, tag, resp.status_code)
            assert tag in resp.json()["description"]
    finally:
        server.stop()

    # Exactly once: no id was handed out twice and no tag was stored twice.
    assert len({i for i, _ in taken}) == len(taken)
    engine = create_engine(crash_db)
    try:
        with engine.connect() as conn:
            stored = [row[0] for row in conn.execute(text("SELECT description FROM incidents"))]
    finally:
        engine.dispose()
    tags = [d.rsplit("(", 1)[1].rstrip(")") for d in stored if "(req-" in d]
    assert len(tags) == len(set(tags))
    assert {t for _, t in taken} <= set(tags)
