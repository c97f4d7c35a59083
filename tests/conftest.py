"""Shared fixtures: runtime, app, client, accounts, database engines, a real broker."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from dispatch.bootstrap import bootstrap
from dispatch.clock import ManualClock
from dispatch.config import Settings
from dispatch.runtime import Runtime
from dispatch.services import accounts
from tests.support.brokers import Mosquitto, free_port, mosquitto_binary
from units.redis_server import RedisServer, redis_binary
from web import create_app

pytest_plugins = ["tests.support.timetravel"]

ENGINES_RAN: set[str] = set()
POSTGRES_ADMIN_URL = os.environ.get(
    "SIAGA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PASSWORDS = {
    "operator": "operator-pass-1",
    "supervisor": "supervisor-pass-1",
    "admin": "admin-pass-1",
    "agency": "agency-pass-1",
}


def _postgres_reachable() -> bool:
    try:
        eng = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 2})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return True
    except Exception:
        return False


_PG_OK: bool | None = None


def postgres_ok() -> bool:
    """Cached: is PostgreSQL at localhost usable?"""
    global _PG_OK
    if _PG_OK is None:
        _PG_OK = _postgres_reachable()
    return _PG_OK


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, throw-away PostgreSQL database; yields its URL."""
    name = "siaga_test_" + uuid.uuid4().hex[:10]
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each database engine the suite supports (PostgreSQL skipped when unreachable)."""
    if request.param == "sqlite":
        ENGINES_RAN.add("sqlite")
        yield f"sqlite:///{tmp_path}/siaga.db"
        return
    if not postgres_ok():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    ENGINES_RAN.add("postgresql")
    with postgres_database() as url:
        yield url


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test says so."""
    return ManualClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """SQLite in the test's folder; no broker."""
    ENGINES_RAN.add("sqlite")
    return Settings(database_url=f"sqlite:///{tmp_path}/siaga.db", secret_key="test-secret")


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A fully wired Runtime on SQLite with the Kediri pack."""
    rt = bootstrap(settings)
    yield rt
    rt.stop()


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    """The Flask app around the test runtime."""
    return create_app(runtime=runtime, config={"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An anonymous test client."""
    return app.test_client()


@dataclass
class Account:
    """A test user with its password and an API token."""

    username: str
    password: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Bearer header for API calls."""
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def users(runtime: Runtime) -> dict[str, Account]:
    """One account per role, each with an API token."""
    out = {}
    for role, password in PASSWORDS.items():
        opd = "DISHUB" if role == "agency" else None
        accounts.create_user(runtime, role, password, role, opd_code=opd)
        out[role] = Account(role, password, role, accounts.create_token(runtime, role))
    return out


@pytest.fixture
def operator(users: dict[str, Account]) -> Account:
    """The operator account."""
    return users["operator"]


@pytest.fixture
def api(client: FlaskClient, operator: Account) -> Any:
    """A small API caller acting as the operator."""

    class Api:
        def __init__(self, headers: dict[str, str]) -> None:
            self.headers = headers

        def get(self, path: str, **kw: Any) -> Any:
            return client.get(path, headers=self.headers, **kw)

        def post(self, path: str, json: Any = None, **kw: Any) -> Any:
            return client.post(path, json=json, headers=self.headers, **kw)

        def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
            return client.patch(path, json=json, headers=self.headers, **kw)

    return Api(operator.headers)


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A real Mosquitto broker on a free port for the whole session."""
    if mosquitto_binary() is None:
        pytest.fail("mosquitto is not installed: run `make install` (scripts/ensure-system-deps.sh)")
    broker = Mosquitto(port=free_port(), workdir=tmp_path_factory.mktemp("mosquitto")).start()
    yield broker
    broker.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which database engines the run exercised."""
    ran = ", ".join(sorted(ENGINES_RAN)) or "none"
    note = "" if "postgresql" in ENGINES_RAN else " (PostgreSQL not reachable or not requested)"
    terminalreporter.write_line(f"database engines exercised: {ran}{note}")


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A redis-server of the test's own on a free port (installed by make install)."""
    if redis_binary() is None:
        pytest.skip("redis-server not installed (scripts/ensure-system-deps.sh installs it)")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
